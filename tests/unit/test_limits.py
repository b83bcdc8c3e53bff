"""One definition of each text field's limit (esm_maturity.limits): the workbook contract, the domain and the
forms agree with it, and a field over its limit is refused with the real problem named."""

from __future__ import annotations

import ast
import re

import pytest

from esm_maturity.backlog import fields as backlog_fields
from esm_maturity.checkins import records as checkins_model
from esm_maturity.assessments import get_assessment, reopen_assessment, save_assessment
from esm_maturity.backlog.commands import add_item
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.checkins.commands import record_checkin
from esm_maturity.departments import add_department
from esm_maturity.limits import LIMITS
from esm_maturity.maturity import add_dimension, rename_level
from esm_maturity.models import Quarter, ScoreInput, ScoreValue, ValidationError
from esm_maturity.workbook import contract
from esm_maturity.access.people import add_person
from esm_maturity.organisation import name_and_version, set_organisation_name
from tests.conftest import ADMIN, CHAMPION, ROOT, TODAY

RUBRIC = {level: f"level {level} looks like this" for level in range(1, 6)}
STREAM_ENTITIES = {"stream", "stream_step", "flow", "handoff"}


def text_columns():
    for sheet in contract.SHEETS:
        for col in sheet.columns:
            if col.kind == contract.TEXT:
                yield sheet, col


def test_every_text_column_of_the_contract_takes_its_limit_from_limits():
    used = set()
    for sheet, col in text_columns():
        assert col.limit_of is not None, f"{sheet.name}.{col.name} has no limit from esm_maturity.limits"
        entity, field = col.limit_of
        assert col.max_len == LIMITS[entity][field], f"{sheet.name}.{col.name}"
        used.add(col.limit_of)
    assert contract.BACKLOG.column("source_ref").max_len == LIMITS["backlog_item"]["source_ref"]
    used.add(("backlog_item", "source_ref"))
    # every limit is some column's: the workbook carries every text field there is
    assert used == {(entity, field) for entity, fields in LIMITS.items() for field in fields
                    if (entity, field) not in {("assessment", "reopen_reason"),   # the reason goes to the audit trail
                                               ("organisation", "name")}          # About's row, not a column
                    and entity != "round"}   # a rating round's own text: never imported (contract.NOT_RESTORED)
    # the value streams' text fields are columns of their sheets (ValueStreams ... HandoffQuality)
    assert {(e, f) for e, f in used if e in STREAM_ENTITIES} == {
        (e, f) for e in STREAM_ENTITIES for f in LIMITS[e]}


def test_the_contract_states_the_limits_where_it_and_the_old_domain_disagreed():
    assert LIMITS["action"]["text"] == 1000 and LIMITS["backlog_item"]["status_reason"] == 1000


def test_the_contract_vocabulary_is_the_domain_vocabulary():
    from esm_maturity import assessments
    from esm_maturity.backlog import fields as backlog

    assert contract.BACKLOG_STATUSES == backlog.STATUSES and contract.EFFORTS == backlog.EFFORTS
    assert contract.SOURCES == backlog.SOURCES and contract.CHECKIN_KINDS == checkins_model.KINDS
    assert contract.ACTION_STATUSES == checkins_model.ACTION_STATUSES
    assert contract.ASSESSMENT_STATUSES == (assessments.DRAFT, assessments.SUBMITTED)
    from esm_maturity.streams import records as streams

    assert contract.STREAM_KINDS == streams.KINDS and contract.STREAM_RULES == streams.RULES
    assert contract.FLOW_SOURCES == streams.SOURCES and contract.FLOW_CONFIDENCES == streams.CONFIDENCES
    choices = {(s.name, col.name): col.choices for s in contract.STREAM_SHEETS for col in s.columns if col.choices}
    assert choices == {("ValueStreams", "kind"): streams.KINDS, ("ValueStreams", "rollup_rule"): streams.RULES,
                       ("StreamFlow", "source"): streams.SOURCES, ("StreamFlow", "confidence"): streams.CONFIDENCES}


def test_domain_validation_reads_the_same_limits():
    assert backlog_fields._TEXT_LIMITS is LIMITS["backlog_item"]
    assert checkins_model.CHECKIN_LIMITS is LIMITS["checkin"] and checkins_model.ACTION_LIMITS is LIMITS["action"]


class Writes:
    """One domain write per (entity, field), with that field set to `text` (a fresh record each time)."""

    def __init__(self, db):
        self.db, self.n = db, 0

    def key(self) -> str:
        self.n += 1
        return f"L{self.n}"

    def person(self, field, text):
        values = {"email": f"limits{self.key().lower()}@example.org", "name": "Limits", field: text}
        add_person(self.db, ADMIN, values["email"], values["name"], "sponsor")

    def department(self, field, text):
        values = {"name": "Limits", "sponsor": "", "champion": "", field: text}
        add_department(self.db, ADMIN, self.key(), values["name"], values["sponsor"], values["champion"])

    def dimension(self, field, text):
        values = {"name": "Limits", "description": "", field: text}
        add_dimension(self.db, ADMIN, f"limits_{self.key().lower()}", values["name"], values["description"], RUBRIC)

    def rubric(self, field, text):
        add_dimension(self.db, ADMIN, f"limits_{self.key().lower()}", "Limits", "", {**RUBRIC, 3: text})

    def level(self, field, text):
        values = {"name": "Defined", "meaning": "", field: text}
        version = self.db.scalar("SELECT version FROM levels WHERE level = 3")
        rename_level(self.db, ADMIN, 3, values["name"], values["meaning"], expected_version=version)

    def assessment(self, field, text):   # reopen_reason: reopen a submitted assessment
        quarter, dept = self.db.one("SELECT quarter, department_id FROM assessments WHERE status = 'submitted' "
                                    "ORDER BY quarter, department_id LIMIT 1")
        reopen_assessment(self.db, ADMIN, quarter, dept, text)

    def score(self, field, text):
        if field == "rationale":
            return self.score_rationale(text)
        quarter = Quarter.of(TODAY).shift(-20 - len(self.key()))   # long before the demo's quarters
        assert get_assessment(self.db, quarter, "HR") is None
        save_assessment(self.db, CHAMPION, quarter, "HR", [ScoreInput("collaboration", ScoreValue(3), None, text)],
                        expected_version=0)

    def score_rationale(self, text):   # a rating round's agreed score and why
        from esm_maturity.rounds import commands as rounds   # the rounds' own writes
        from esm_maturity.rounds.records import Answer, Decision

        quarter = Quarter.of(TODAY).shift(-40 - self.n)
        self.key()
        found = rounds.create_round(self.db, ADMIN, "HR", quarter, "named", ["collaboration"])
        [issued] = rounds.invite(self.db, ADMIN, found.round_id, ["limits@example.org"])
        rounds.open_round(self.db, ADMIN, found.round_id, expected_version=1)
        rounds.answer(self.db, issued.token, [Answer("collaboration", 3)])
        rounds.close_round(self.db, ADMIN, found.round_id, expected_version=2)
        rounds.agree(self.db, ADMIN, found.round_id, [Decision("collaboration", 3, rationale=text)],
                     expected_version=3)

    def round(self, field, text):
        from esm_maturity.rounds import commands as rounds   # the rounds' own writes
        from esm_maturity.rounds.records import Answer

        quarter = Quarter.of(TODAY).shift(-60 - self.n)
        self.key()
        found = rounds.create_round(self.db, ADMIN, "HR", quarter, "named", ["collaboration"],
                                    instructions=text if field == "instructions" else "")
        [issued] = rounds.invite(self.db, ADMIN, found.round_id, [text if field == "invitee" else "someone"])
        if field == "comment":
            rounds.open_round(self.db, ADMIN, found.round_id, expected_version=1)
            rounds.answer(self.db, issued.token, [Answer("collaboration", 3, comment=text)])

    def backlog_item(self, field, text):
        add_item(self.db, CHAMPION, **{"title": "Limits", "department_id": "HR", field: text})

    def checkin(self, field, text):
        record_checkin(self.db, CHAMPION, CheckinInput(held_on=TODAY, department_id="HR", **{field: text}))

    def organisation(self, field, text):
        set_organisation_name(self.db, ADMIN, text, expected_version=name_and_version(self.db)[1])

    def stream(self, field, text):
        from esm_maturity.streams.commands import create_stream   # the value streams' own writes
        from esm_maturity.streams.records import StreamInput

        values = {"name": f"Limits {self.key()}", field: text}
        create_stream(self.db, ADMIN, StreamInput(**values))

    def stream_step(self, field, text):
        from esm_maturity.streams.commands import create_stream
        from esm_maturity.streams.records import StepInput, StreamInput

        values = {"name": "Limits", "output": "", field: text}
        create_stream(self.db, ADMIN, StreamInput(f"Limits {self.key()}"),
                      [StepInput(values["name"], "HR", output=values["output"])])

    def _two_department_stream(self):
        from esm_maturity.streams.commands import create_stream
        from esm_maturity.streams.records import StepInput, StreamInput

        saved = create_stream(self.db, ADMIN, StreamInput(f"Limits {self.key()}"),
                              [StepInput("one", "HR"), StepInput("two", "IT")])
        return saved.stream_id

    def flow(self, field, text):
        from esm_maturity.streams.flow import record_flow
        from esm_maturity.streams.records import FlowInput

        record_flow(self.db, ADMIN, self._two_department_stream(), Quarter.of(TODAY), FlowInput(note=text))

    def handoff(self, field, text):
        from esm_maturity.streams.flow import set_handoff_quality

        stream_id = self._two_department_stream()
        set_handoff_quality(self.db, ADMIN, stream_id, Quarter.of(TODAY), f"{stream_id}.2", 90, note=text)

    def action(self, field, text):
        record_checkin(self.db, CHAMPION, CheckinInput(held_on=TODAY, department_id="HR"),
                       [ActionInput(**{"text": "Limits", field: text})])


# Fields no person types: the acting person's name, written by the app (only a workbook brings them).
FROM_THE_ACTOR = {("assessment", "submitted_by"), ("score", "assessed_by"), ("status_change", "actor"),
                  ("score", "respondent")}   # the respondent comes only from a returned form (test_form_respondent)
DOMAIN_FIELDS = [(e, f) for e, fields in LIMITS.items() for f in fields if (e, f) not in FROM_THE_ACTOR]


@pytest.mark.parametrize("entity, field", DOMAIN_FIELDS, ids=[f"{e}.{f}" for e, f in DOMAIN_FIELDS])
def test_the_domain_accepts_the_limit_and_refuses_one_more(demo_db, entity, field):
    most = LIMITS[entity][field]
    write = getattr(Writes(demo_db), entity)
    with pytest.raises(ValidationError) as refused:
        write(field, "x" * (most + 1))
    assert f"is too long ({most + 1:,} characters; at most {most:,})" in str(refused.value)
    write(field, "x" * most)


def _max_chars(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and any(k.arg == "max_chars" for k in node.keywords)]


def test_every_form_text_field_takes_max_chars_from_limits():
    """Each max_chars= on the pages and their ui/ parts names LIMITS[...] (a number there would be a second
    definition). Most text fields have none: max_chars cuts what is typed or pasted beyond it without a word, so
    the domain's check (the same limit) refuses it with a message instead (tests/app/test_out_of_range.py)."""
    found = 0
    for page in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "esm_maturity" / "ui").glob("*.py")]):
        for call in _max_chars(ast.parse(page.read_text())):
            source = ast.unparse(next(k.value for k in call.keywords if k.arg == "max_chars"))
            named = re.fullmatch(r"LIMITS\['(\w+)'\]\[(?:'(\w+)'|\w+)\]", source)
            assert named, f"{page.name}:{call.lineno} max_chars={source}: take it from LIMITS"
            entity, field = named.groups()
            assert entity in LIMITS and (field is None or field in LIMITS[entity]), f"{page.name}:{call.lineno}"
            found += 1
    assert found >= 5


def test_a_whitespace_only_required_field_is_still_required(demo_db):
    with pytest.raises(ValidationError) as refused:
        add_item(demo_db, CHAMPION, title=" \t\n ", department_id="HR")
    assert "title: is required" in str(refused.value)
    with pytest.raises(ValidationError, match="is required"):
        add_department(demo_db, ADMIN, "WS", "   ")
    with pytest.raises(ValidationError, match="the action's text is empty"):
        record_checkin(demo_db, CHAMPION, CheckinInput(held_on=TODAY, department_id="HR"),
                       [ActionInput(text="\t ", owner="Ann")])
    with pytest.raises(ValidationError, match="needs an owner"):
        add_item(demo_db, CHAMPION, title="Gate", department_id="HR", dimension_id="collaboration",
                 status="accepted", owner="  ")



def test_white_space_is_no_evidence_for_a_changed_score(demo_db):
    quarter, dept, dim, score = demo_db.one(
        "SELECT s.quarter, s.department_id, s.dimension_id, s.score FROM scores s JOIN assessments a "
        "ON a.quarter = s.quarter AND a.department_id = s.department_id WHERE a.status = 'submitted' "
        "AND s.score BETWEEN 1 AND 4 ORDER BY s.quarter DESC LIMIT 1")
    following = Quarter.parse(quarter).next()   # the rule is checked before anything is read or written
    with pytest.raises(ValidationError, match="add evidence"):
        save_assessment(demo_db, CHAMPION, following, dept, [ScoreInput(dim, ScoreValue(score + 1), None, " \n\t")],
                        expected_version=0)
