"""The workbook contract (../shared/WORKBOOK.md) as data: sheet names, columns, keys.

Reader, writer, template, importer and tests all use these constants, so a column
is named in exactly one place. Each sheet is a small spec: its columns (with how a
cell is parsed), its key, and the table it fills.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "esm-maturity-workbook"
FORMAT_VERSION = "1"

# Column kinds: how a cell is parsed (reader.parse_cell) and written (writer).
TEXT, KEY, INT, BOOL, DATE, LEVEL, SCORE, QUARTER, CHOICE = (
    "text", "key", "int", "bool", "date", "level", "score", "quarter", "choice")

ASSESSMENT_STATUSES = ("draft", "submitted")
BACKLOG_STATUSES = ("idea", "accepted", "planned", "in progress", "on hold", "measuring", "closed", "rejected",
                    "withdrawn")
EFFORTS = ("S", "M", "L", "XL")
CHECKIN_KINDS = ("department", "sponsor review", "steering")
ACTION_STATUSES = ("open", "done", "dropped")
SCORE_CHOICES = ("1", "2", "3", "4", "5", "N/A")
LEVEL_CHOICES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = False
    kind: str = TEXT
    width: int = 14
    choices: tuple[str, ...] = ()
    max_len: int = 10_000
    default: object = None   # value for a new record when the column is absent or blank


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


ABOUT = "About"
ABOUT_COLUMNS = ("key", "value")

DEPARTMENTS = Sheet("Departments", (
    C("department_id", True, KEY, 14), C("name", True, TEXT, 28, max_len=120), C("sponsor", width=22, max_len=120),
    C("champion", width=22, max_len=120), C("active", kind=BOOL, width=9, default=True),
), ("department_id",), "departments")

DIMENSIONS = Sheet("Dimensions", (
    C("dimension_id", True, KEY, 24), C("name", True, TEXT, 30, max_len=200),
    C("description", width=60, max_len=500), C("position", kind=INT, width=9), C("active", kind=BOOL, width=9,
                                                                                   default=True),
), ("dimension_id",), "dimensions")

LEVELS = Sheet("Levels", (
    C("dimension_id", True, KEY, 24), C("level", True, LEVEL, 8, choices=LEVEL_CHOICES),
    C("name", width=16, max_len=60), C("description", True, TEXT, 90, max_len=1000),
), ("dimension_id", "level"), "rubric")

ASSESSMENTS = Sheet("Assessments", (
    C("quarter", True, QUARTER, 10), C("department_id", True, KEY, 14),
    C("status", True, CHOICE, 11, choices=ASSESSMENT_STATUSES), C("submitted_by", width=22, max_len=120),
    C("submitted_on", kind=DATE, width=13),
), ("quarter", "department_id"), "assessments")

SCORES = Sheet("Scores", (
    C("quarter", True, QUARTER, 10), C("department_id", True, KEY, 14), C("dimension_id", True, KEY, 24),
    C("score", kind=SCORE, width=8, choices=SCORE_CHOICES), C("target", kind=LEVEL, width=8, choices=LEVEL_CHOICES),
    C("evidence", width=60, max_len=4000), C("assessed_by", width=22, max_len=120),
    C("assessed_on", kind=DATE, width=13),
), ("quarter", "department_id", "dimension_id"), "scores")

BACKLOG = Sheet("Backlog", (
    C("item_id", False, KEY, 11), C("title", True, TEXT, 40, max_len=200), C("description", width=50),
    C("department_id", True, KEY, 14), C("dimension_id", kind=KEY, width=22),
    C("status", True, CHOICE, 13, choices=BACKLOG_STATUSES), C("status_reason", width=30, max_len=1000),
    C("owner", width=20, max_len=120), C("value", kind=LEVEL, width=7, choices=LEVEL_CHOICES),
    C("effort", kind=CHOICE, width=7, choices=EFFORTS), C("raised_on", kind=DATE, width=12),
    C("due_on", kind=DATE, width=12), C("closed_on", kind=DATE, width=12), C("outcome", width=40),
    C("lessons", width=40),
), ("item_id",), "backlog_items", auto_key="item_id")

CHECKINS = Sheet("Check-ins", (
    C("checkin_id", False, KEY, 12), C("held_on", True, DATE, 12), C("department_id", kind=KEY, width=14),
    C("kind", kind=CHOICE, width=15, choices=CHECKIN_KINDS), C("facilitator", width=20, max_len=120),
    C("attendees", width=30, max_len=2000), C("notes", width=50), C("decisions", width=40), C("wins", width=40),
    C("next_on", kind=DATE, width=12),
), ("checkin_id",), "checkins", auto_key="checkin_id")

ACTIONS = Sheet("Actions", (
    C("action_id", False, KEY, 12), C("checkin_id", True, KEY, 12), C("text", True, TEXT, 50, max_len=1000),
    C("owner", width=20, max_len=120), C("due_on", kind=DATE, width=12),
    C("status", True, CHOICE, 10, choices=ACTION_STATUSES), C("item_id", kind=KEY, width=11),
), ("action_id",), "actions", auto_key="action_id")

SHEETS: tuple[Sheet, ...] = (DEPARTMENTS, DIMENSIONS, LEVELS, ASSESSMENTS, SCORES, BACKLOG, CHECKINS, ACTIONS)
SHEETS_BY_NAME = {s.name: s for s in SHEETS}


def normalise_name(text: object) -> str:
    """Sheet names and headers match after trimming white space and ignoring case."""
    return " ".join(str(text).split()).casefold()


# Offline self-assessment form (forms.py): one sheet per department, fixed layout.
FORM_FORMAT = "esm-maturity-form"
FORM_SHEET = "Self-assessment"
FORM_RUBRIC_SHEET = "Rubric"
FORM_COLUMNS = (
    C("dimension_id", True, KEY, 22), C("dimension", width=28), C("last quarter", width=12),
    C("score", kind=SCORE, width=9, choices=SCORE_CHOICES), C("target", kind=LEVEL, width=9, choices=LEVEL_CHOICES),
    C("evidence", width=55, max_len=4000), C("level 1", width=34), C("level 2", width=34), C("level 3", width=34),
    C("level 4", width=34), C("level 5", width=34),
)
