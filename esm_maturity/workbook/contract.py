"""The workbook contract (../shared/WORKBOOK.md) as data: sheet names, columns, keys.

Reader, writer, template, importer and tests all use these constants, so a column
is named in exactly one place. Each sheet is a small spec: its columns (with how a
cell is parsed), its key, and the table it fills.

The workbook is a full backup: every field a person can see or type is a column here
(beyond WORKBOOK.md: Backlog raised_by, source, source_ref, stream_id and step_id, Check-ins blockers and
stream_id, Actions closed_on, Levels meaning, Scores respondent, the Status history and People sheets, the
value streams' sheets (STREAM_SHEETS; the derived STREAM_SUMMARY is export-only), and the model's id, name and
version in About). What it leaves out is machine-managed: MACHINE_MANAGED
says which, and why.
A text column's max_len is the field's limit (esm_maturity.limits): one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backlog.fields import EFFORTS, LINK_KEY_MAX, SOURCES, STATUSES
from ..checkins.records import ACTION_STATUSES, KINDS
from ..limits import LIMITS
from ..models import ASSESSMENT_STATUSES, Role
from ..streams import records as stream_records

FORMAT = "esm-maturity-workbook"
FORMAT_VERSION = "1"

# Column kinds: how a cell is parsed (cells.PARSERS) and written (writer).
TEXT, KEY, INT, BOOL, DATE, DATETIME, LEVEL, SCORE, QUARTER, CHOICE = (
    "text", "key", "int", "bool", "date", "datetime", "level", "score", "quarter", "choice")
NUMBER = "number"   # a figure that may have decimals (value streams: weights, days, percentages)

# The vocabularies are the domain's own (tests/unit/test_limits.py holds that they stay so).
BACKLOG_STATUSES, CHECKIN_KINDS = STATUSES, KINDS
SCORE_CHOICES = ("1", "2", "3", "4", "5", "N/A")
LEVEL_CHOICES = ("1", "2", "3", "4", "5")
ROLES = tuple(r.value for r in Role)
# A score's provenance (esm_maturity/rounds/records.py, which the file side may not import: it reaches the
# database; tests/unit/test_round_export.py holds that these stay the domain's words).
SCORE_METHODS = ("direct", "median accepted", "agreed in a meeting")
AGREEMENTS = ("aligned", "mixed", "split", "below threshold", "no evidence")
ROUND_ID_MAX = 20


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    kind: str = TEXT
    width: int = 14
    choices: tuple[str, ...] = ()
    max_len: int = 10_000    # text: the field's limit (see T); keys: a bound on their length
    default: object = None   # value for a new record when the column is absent or blank
    limit_of: tuple[str, str] | None = None   # (entity, field) in limits.LIMITS, for text columns


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    table: str                     # the table whose presence enables the sheet
    auto_key: str | None = None    # a blank key makes a new record with an assigned key
    note: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def C(name: str, required: bool = False, kind: str = TEXT, width: int = 14, **kw) -> Column:
    return Column(name, required, kind, width, **kw)


def T(name: str, entity: str, required: bool = False, width: int = 14, field: str | None = None) -> Column:
    """A text column: kept exactly as typed, at most LIMITS[entity][field] characters."""
    field = field or name
    return Column(name, required, TEXT, width, max_len=LIMITS[entity][field], limit_of=(entity, field))


ABOUT = "About"
ABOUT_COLUMNS = ("key", "value")

DEPARTMENTS = Sheet("Departments", (
    C("department_id", True, KEY, 14), T("name", "department", True, 28), T("sponsor", "department", width=22),
    T("champion", "department", width=22), C("active", kind=BOOL, width=9, default=True),
), ("department_id",), "departments")

DIMENSIONS = Sheet("Dimensions", (
    C("dimension_id", True, KEY, 24), T("name", "dimension", True, 30), T("description", "dimension", width=60),
    C("position", kind=INT, width=9), C("active", kind=BOOL, width=9, default=True),
), ("dimension_id",), "dimensions")

# name and meaning belong to the level (shared by every dimension); description to the rubric line.
LEVELS = Sheet("Levels", (
    C("dimension_id", True, KEY, 24), C("level", True, LEVEL, 8, choices=LEVEL_CHOICES),
    T("name", "level", width=16), T("description", "rubric", True, 90), T("meaning", "level", width=40),
), ("dimension_id", "level"), "rubric")

ASSESSMENTS = Sheet("Assessments", (
    C("quarter", True, QUARTER, 10), C("department_id", True, KEY, 14),
    C("status", True, CHOICE, 11, choices=ASSESSMENT_STATUSES), T("submitted_by", "assessment", width=22),
    C("submitted_on", kind=DATE, width=13),
), ("quarter", "department_id"), "assessments")

SCORES = Sheet("Scores", (
    C("quarter", True, QUARTER, 10), C("department_id", True, KEY, 14), C("dimension_id", True, KEY, 24),
    C("score", kind=SCORE, width=8, choices=SCORE_CHOICES), C("target", kind=LEVEL, width=8, choices=LEVEL_CHOICES),
    T("evidence", "score", width=60), T("assessed_by", "score", width=22), C("assessed_on", kind=DATE, width=13),
    # where the score came from: typed directly, or agreed in a rating round (its id, valid answers, agreement, why)
    C("method", kind=CHOICE, width=18, choices=SCORE_METHODS), C("round_id", kind=KEY, width=9, max_len=ROUND_ID_MAX),
    C("n_valid", kind=INT, width=8), C("agreement", kind=CHOICE, width=15, choices=AGREEMENTS),
    # why an agreed level departs from the median; limits.py has no line of its own for it yet: the evidence's bound
    # here, the rounds' own (rounds.commands.RATIONALE_MAX) checked by the import rule (sheets/assessments.py)
    T("rationale", "score", width=40),
    T("respondent", "score", width=22),   # last: the name a returned form gave
), ("quarter", "department_id", "dimension_id"), "scores")
PROVENANCE_COLUMNS = ("method", "round_id", "n_valid", "agreement", "rationale")

BACKLOG = Sheet("Backlog", (
    C("item_id", False, KEY, 11), T("title", "backlog_item", True, 40), T("description", "backlog_item", width=50),
    C("department_id", True, KEY, 14), C("dimension_id", kind=KEY, width=22),
    C("status", True, CHOICE, 13, choices=BACKLOG_STATUSES), T("status_reason", "backlog_item", width=30),
    T("owner", "backlog_item", width=20), C("value", kind=LEVEL, width=7, choices=LEVEL_CHOICES),
    C("effort", kind=CHOICE, width=7, choices=EFFORTS), C("raised_on", kind=DATE, width=12),
    C("due_on", kind=DATE, width=12), C("closed_on", kind=DATE, width=12), T("outcome", "backlog_item", width=40),
    T("lessons", "backlog_item", width=40), T("raised_by", "backlog_item", width=20),
    C("source", kind=CHOICE, width=16, choices=SOURCES),
    C("source_ref", kind=KEY, width=22, max_len=LIMITS["backlog_item"]["source_ref"]),
    # the value stream the item lifts and one of its steps (optional; a workbook without them links nothing)
    C("stream_id", kind=KEY, width=9, max_len=LINK_KEY_MAX), C("step_id", kind=KEY, width=10, max_len=LINK_KEY_MAX),
), ("item_id",), "backlog_items", auto_key="item_id")

# Every status an item entered, oldest first: the flow and cycle-time charts read it.
STATUS_HISTORY = Sheet("Status history", (
    C("item_id", True, KEY, 11), C("status", True, CHOICE, 13, choices=BACKLOG_STATUSES),
    C("changed_at", True, DATETIME, 27), T("actor", "status_change", width=22),
), ("item_id", "changed_at", "status"), "backlog_status_history")

CHECKINS = Sheet("Check-ins", (
    C("checkin_id", False, KEY, 12), C("held_on", True, DATE, 12), C("department_id", kind=KEY, width=14),
    C("kind", kind=CHOICE, width=15, choices=CHECKIN_KINDS), T("facilitator", "checkin", width=20),
    T("attendees", "checkin", width=30), T("notes", "checkin", width=50), T("decisions", "checkin", width=40),
    T("wins", "checkin", width=40), C("next_on", kind=DATE, width=12), T("blockers", "checkin", width=40),
    C("stream_id", kind=KEY, width=9, max_len=LINK_KEY_MAX),   # the value stream the meeting was about (optional)
), ("checkin_id",), "checkins", auto_key="checkin_id")

ACTIONS = Sheet("Actions", (
    C("action_id", False, KEY, 12), C("checkin_id", True, KEY, 12), T("text", "action", True, 50),
    T("owner", "action", width=20), C("due_on", kind=DATE, width=12),
    C("status", True, CHOICE, 10, choices=ACTION_STATUSES), C("item_id", kind=KEY, width=11),
    C("closed_on", kind=DATE, width=12),
), ("action_id",), "actions", auto_key="action_id")

# Who may sign in, as what: `departments` lists (comma-separated) the departments a department rep acts for.
PEOPLE = Sheet("People", (
    T("email", "person", True, 30), T("name", "person", width=24), C("role", True, CHOICE, 12, choices=ROLES),
    C("departments", kind=KEY, width=24, max_len=4000), C("active", kind=BOOL, width=9, default=True),
), ("email",), "people")

# Value streams (esm_maturity/streams/). Departments by key (department_id), as every other sheet names them;
# a step's supporting departments are keys, comma-separated (like People's departments). A step row is one
# version of the step (valid_from..valid_to, inclusive quarters). Keys are the app's: VS-3, its steps VS-3.1...
STREAM_KINDS, STREAM_RULES = stream_records.KINDS, stream_records.RULES
FLOW_SOURCES, FLOW_CONFIDENCES = stream_records.SOURCES, stream_records.CONFIDENCES
STREAM_ID_MAX, STEP_ID_MAX = 12, 16
_EMAIL = LIMITS["person"]["email"]

VALUE_STREAMS = Sheet("ValueStreams", (
    C("stream_id", True, KEY, 9, max_len=STREAM_ID_MAX), T("name", "stream", True, 30),
    C("kind", kind=CHOICE, width=10, choices=STREAM_KINDS, default=stream_records.CORE),
    T("trigger", "stream", width=30), T("outcome", "stream", width=30), T("consumer", "stream", width=20),
    T("description", "stream", width=40), C("owner", kind=KEY, width=24, max_len=_EMAIL),
    C("champion", kind=KEY, width=24, max_len=_EMAIL),
    # a KEY with a dropdown: the rules' words have underscores, which a choice column would read as spaces
    C("rollup_rule", kind=KEY, width=14, choices=STREAM_RULES, max_len=20, default=stream_records.WEAKEST_LINK),
    C("active", kind=BOOL, width=9, default=True), C("created_by", kind=KEY, width=22, max_len=_EMAIL),
    C("created_on", kind=DATE, width=12),
), ("stream_id",), "value_streams")

STREAM_STEPS = Sheet("ValueStreamSteps", (
    C("step_id", True, KEY, 10, max_len=STEP_ID_MAX), C("valid_from", True, QUARTER, 10),
    C("valid_to", kind=QUARTER, width=10), C("stream_id", True, KEY, 9, max_len=STREAM_ID_MAX),
    C("position", True, INT, 9), T("name", "stream_step", True, 30), C("department_id", kind=KEY, width=14),
    C("supporting", kind=KEY, width=20, max_len=4000), C("weight", kind=NUMBER, width=8, default=1.0),
    C("target_days", kind=NUMBER, width=11), T("output", "stream_step", width=30),
), ("step_id", "valid_from"), "stream_steps")

STREAM_FLOW = Sheet("StreamFlow", (
    C("stream_id", True, KEY, 9, max_len=STREAM_ID_MAX), C("quarter", True, QUARTER, 10),
    *(C(name, kind=NUMBER if name.endswith(("_days", "_pct")) else INT, width=12)
      for name in stream_records.FLOW_FIELDS),
    C("source", kind=CHOICE, width=16, choices=FLOW_SOURCES, default=stream_records.MANUAL),
    C("confidence", kind=CHOICE, width=11, choices=FLOW_CONFIDENCES, default=stream_records.ESTIMATED),
    T("note", "flow", width=40), C("recorded_by", kind=KEY, width=22, max_len=_EMAIL),
    C("recorded_at", kind=DATETIME, width=27),
), ("stream_id", "quarter"), "stream_flow")

HANDOFF_QUALITY = Sheet("HandoffQuality", (
    C("stream_id", True, KEY, 9, max_len=STREAM_ID_MAX), C("quarter", True, QUARTER, 10),
    C("to_step_id", True, KEY, 10, max_len=STEP_ID_MAX), C("from_step_id", True, KEY, 10, max_len=STEP_ID_MAX),
    C("pct_complete_accurate", True, NUMBER, 12), C("wait_days", kind=NUMBER, width=10),
    T("note", "handoff", width=40), C("recorded_by", kind=KEY, width=22, max_len=_EMAIL),
    C("recorded_at", kind=DATETIME, width=27),
), ("stream_id", "quarter", "to_step_id"), "stream_handoffs")
STREAM_SHEETS: tuple[Sheet, ...] = (VALUE_STREAMS, STREAM_STEPS, STREAM_FLOW, HANDOFF_QUALITY)

SHEETS: tuple[Sheet, ...] = (DEPARTMENTS, DIMENSIONS, LEVELS, ASSESSMENTS, SCORES, BACKLOG, STATUS_HISTORY, CHECKINS,
                             ACTIONS, PEOPLE, *STREAM_SHEETS)
SHEETS_BY_NAME = {s.name: s for s in SHEETS}

# Rating rounds, export-only and only in an admin's or a champion's export (store.round_sheets reads them through
# esm_maturity.rounds.results, so an anonymous dimension below its threshold never reaches a file). Import
# leaves these sheets alone: a round's answers are collected by the round, never restored from a file.
ROUNDS = Sheet("Rating rounds", (
    C("round_id", True, KEY, 9), C("department_id", True, KEY, 14), C("quarter", True, QUARTER, 10),
    C("mode", width=11), C("threshold", kind=INT, width=10), C("status", width=9), C("dimensions", width=40),
    C("answered", kind=INT, width=10), C("invited", kind=INT, width=9), C("created_by", width=22),
    C("created_on", kind=DATE, width=12), C("instructions", width=50),
), ("round_id",), "rating_rounds", note="every round; answered and invited: how many, never who or when")
ROUND_ANSWERS = Sheet("Round answers", (
    C("round_id", True, KEY, 9), C("invitee", True, width=30), C("dimension_id", True, KEY, 22),
    C("level", kind=INT, width=7), C("dont_know", kind=BOOL, width=11), C("comment", width=60),
), ("round_id", "invitee", "dimension_id"), "round_answers", note="named rounds, once closed: who answered what")
ROUND_RESULTS = Sheet("Round results", (
    C("round_id", True, KEY, 9), C("department_id", True, KEY, 14), C("quarter", True, QUARTER, 10),
    C("mode", width=11), C("dimension_id", True, KEY, 22), C("n_valid", kind=INT, width=8),
    C("dont_know", kind=INT, width=10), *(C(f"level_{n}", kind=INT, width=8) for n in range(1, 6)),
    C("median", width=8), C("agreement", width=11),
), ("round_id", "dimension_id"), "round_answers",
    note="closed rounds, per dimension; an anonymous round's dimension below its threshold has no row")
ROUND_SHEETS: tuple[Sheet, ...] = (ROUNDS, ROUND_ANSWERS, ROUND_RESULTS)

# Derived, never stored: each active stream's maturity per dimension (the roll-up of its owning departments'
# agreed scores) and its flow, in every quarter with submitted scores or flow figures where the stream has steps.
# Every export writes it (the figures are the overview's); import ignores it, even edited (stream_export.py).
STREAM_SUMMARY = Sheet("StreamSummary", (
    C("stream_id", True, KEY, 9), C("stream", width=28), C("quarter", kind=QUARTER, width=10),
    C("dimension_id", kind=KEY, width=22), C("dimension", width=24), C("rule", width=13),
    C("value", kind=NUMBER, width=8), C("floor", kind=NUMBER, width=8), C("mean", kind=NUMBER, width=8),
    C("spread", kind=NUMBER, width=8), C("coverage", width=9), C("at_floor", width=22), C("label", width=40),
    C("flow_efficiency_pct", kind=NUMBER, width=12), C("rolled_pct_complete_accurate", kind=NUMBER, width=14),
), ("stream_id", "quarter", "dimension_id"), "value_streams",
    note="derived on export: floors, flow efficiency and rolled % complete and accurate; ignored on import")
EXPORT_ONLY = frozenset(s.name for s in ROUND_SHEETS)
DERIVED = frozenset({STREAM_SUMMARY.name})   # in every export, read-only: figures computed from the others
# Why a sheet the export writes for reading only (EXPORT_ONLY, DERIVED) is left alone on import (the reader's warning).
EXPORT_ONLY_WHY = {**{s.name: "rating rounds are collected in the app, never imported" for s in ROUND_SHEETS},
                   STREAM_SUMMARY.name: "its figures are derived from the scores and the flow records"}


def normalise_name(text: object) -> str:
    """Sheet names and headers match after trimming white space and ignoring case."""
    return " ".join(str(text).split()).casefold()


# The model's identity, carried in About and imported with the Levels sheet (table model_info).
ABOUT_MODEL = {"model_id": "id", "model_name": "name", "model_version": "version"}
# The organisation's name, carried in About and imported with the Departments (table organisation_settings).
ABOUT_ORGANISATION = "organisation"

# Stored but not in the workbook: written by the app itself, never typed, so a restore makes them anew.
MACHINE_MANAGED = {
    "version": "every record's optimistic-lock counter; an import bumps it on the records it changes",
    "created_at, updated_at": "when a record was written to this database (the import's own time)",
    "people.added_at": "when a person was added to this database (a restore adds them anew, at its own time)",
    "assessments.updated_at": "when the assessment was last saved",
    "audit_log": "this database's own trail; an import adds its rows (one per changed record, one per sheet "
                 "of created records, one for the file with its SHA-256)",
    "schema_migrations": "which migrations this database has run",
    "backlog_seq, checkin_seq, action_seq": "key counters; an import moves them past the keys it brings",
}

# Stored, typed by people, and still not restored from a workbook: a rating round's invitations (token hashes)
# and answers stay in the database that collected them, since an anonymous round's answers may never leave it
# one by one. Admins' and champions' exports show them read-only (ROUND_SHEETS); the agreed scores carry their
# provenance in Scores (PROVENANCE_COLUMNS), and that is restored.
NOT_RESTORED = {
    "rating_rounds, round_invitations, round_responses, round_answers": "a rating round and its answers: "
        "export-only (ROUND_SHEETS), never imported",
}

# Offline self-assessment form (forms.py): one sheet per department, fixed layout.
FORM_FORMAT = "esm-maturity-form"
FORM_SHEET = "Self-assessment"
FORM_RUBRIC_SHEET = "Rubric"
FORM_COLUMNS = (
    C("dimension_id", True, KEY, 22), C("dimension", width=28), C("last quarter", width=12),
    C("score", kind=SCORE, width=9, choices=SCORE_CHOICES), C("target", kind=LEVEL, width=9, choices=LEVEL_CHOICES),
    T("evidence", "score", width=55), C("level 1", width=34), C("level 2", width=34), C("level 3", width=34),
    C("level 4", width=34), C("level 5", width=34),
)
