"""The ESM vocabulary: value types, validation and the errors pages turn into messages."""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

from . import clock
from .limits import too_long

LEVELS = (1, 2, 3, 4, 5)
NA = "N/A"


# --- errors -----------------------------------------------------------------------


class EsmError(Exception):
    """Base of every error a person should see as a message, not a traceback."""


@dataclass(frozen=True)
class Problem:
    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


class ValidationError(EsmError):
    """Input that breaks a rule. Carries one or more problems, each naming its field."""

    def __init__(self, message: str | None = None, field: str | None = None,
                 problems: list[Problem] | None = None):
        self.problems = list(problems or [])
        if message:
            self.problems.insert(0, Problem(field, message))
        super().__init__("; ".join(str(p) for p in self.problems) or "invalid input")


class NotFound(EsmError):
    pass


class ConflictError(EsmError):
    """Someone else saved the same record since it was read."""


class LockedError(EsmError):
    """The record is locked (a submitted assessment)."""


class PermissionDenied(EsmError):
    """The person's role or departments do not allow this. The database writes every refusal to the
    audit trail (db.Database.record_refusal): what was asked, on which record, and why not."""

    def __init__(self, message: str, *, doing: str = "", entity: str = "permission", key: str = "",
                 department_id: str | None = None):
        super().__init__(message)
        self.doing, self.entity, self.key, self.department_id = doing, entity, key, department_id


class DatabaseInUse(EsmError):
    """Another process holds the database file."""


class DatabaseTooNew(EsmError):
    """The database was written by a newer version of the app."""


# --- people and permissions --------------------------------------------------------


class Role(str, enum.Enum):
    """What a person may do; access/policy.py holds the matrix of permissions per role."""

    admin = "admin"            # everything
    champion = "champion"      # the backlog, check-ins and departments; helps every department
    department = "department"  # self-assessment and check-ins of the departments assigned to them
    sponsor = "sponsor"        # reads everything, writes nothing

    @classmethod
    def parse(cls, text: Any) -> "Role":
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise ValidationError(f"{text!r} is not a role; use {', '.join(r.value for r in cls)}",
                                  "role") from None


@dataclass(frozen=True)
class Actor:
    """The person doing something: `name` is what the audit trail records (the signed-in e-mail
    or subject; in local mode the local admin), `departments` the ones a department role acts for."""

    name: str
    role: Role = Role.admin
    departments: frozenset[str] = frozenset()
    display_name: str = ""

    @property
    def label(self) -> str:
        """How the screen names this person: 'Name (e-mail)', or the e-mail alone."""
        if self.display_name and self.display_name != self.name:
            return f"{self.display_name} ({self.name})"
        return self.name


SYSTEM = Actor("system", Role.admin)


# --- versions -------------------------------------------------------------------------------


def still_as_seen(record: Any, expected_version: int, missing: str,
                  conflict: str | Callable[[Any], str]) -> tuple[Any, str]:
    """The stored record (a dict or a record with `.version`) if it is still the version the person saw,
    with the conflict message its versioned UPDATE uses; NotFound or ConflictError otherwise."""
    if record is None:
        raise NotFound(missing)
    message = conflict(record) if callable(conflict) else conflict
    version = record["version"] if isinstance(record, dict) else record.version
    if version != expected_version:
        raise ConflictError(message)
    return record, message


# --- assessments ----------------------------------------------------------------------------

# A self-assessment is a draft until it is submitted (and locked).
DRAFT, SUBMITTED = "draft", "submitted"
ASSESSMENT_STATUSES = (DRAFT, SUBMITTED)


# --- days ---------------------------------------------------------------------------------

# The days this app tracks: every date a person enters must fall in this range.
FIRST_DAY, LAST_DAY = dt.date(1990, 1, 1), dt.date(2200, 12, 31)


def is_blank(value: Any) -> bool:
    """Nothing was given: None, NaN, white space, or (from a grid) pandas' NA and NaT."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return not value.strip()
    pd = sys.modules.get("pandas")   # only values from a grid can be pandas' own; plain ones need no pandas
    if pd is None:
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-like: not blank
        return False


def parse_day(value: Any, field: str, *, required: bool = False) -> dt.date | None:
    """A date a person gave: a date, a datetime, a pandas Timestamp or ISO text YYYY-MM-DD, inside the
    tracked range. Blank (None, NaN, NaT, white space) is None, or an error when `required`."""
    if is_blank(value):
        if required:
            raise ValidationError("a date is required", field)
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            raise ValidationError(f"{value!r} is not a date; write it as YYYY-MM-DD", field) from None
    if not isinstance(value, dt.date):
        raise ValidationError(f"{value!r} is not a date; write it as YYYY-MM-DD", field)
    return check_day(value, field)


def check_day(value: dt.date, field: str) -> dt.date:
    """A date inside the tracked range, or a message that says the range."""
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValidationError(f"{value.isoformat()} is out of range: use a date from {FIRST_DAY.isoformat()} "
                              f"to {LAST_DAY.isoformat()}", field)
    return value


# --- quarter --------------------------------------------------------------------------

_QUARTER_RE = re.compile(r"^\s*(\d{4})-Q([1-4])\s*$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: Any) -> "Quarter":
        if isinstance(text, Quarter):
            return text
        m = _QUARTER_RE.match(str(text)) if isinstance(text, str) else None
        if not m:
            raise ValidationError(f"{text!r} is not a quarter; write it as YYYY-Qn, for example 2025-Q3", "quarter")
        year = int(m.group(1))
        if not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise ValidationError(f"{text!r} is out of range: use a quarter from {FIRST_DAY.year}-Q1 to "
                                  f"{LAST_DAY.year}-Q4", "quarter")
        return cls(year, int(m.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> "Quarter":
        return cls.of(clock.today())

    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def year_ago(self) -> "Quarter":
        return Quarter(self.year - 1, self.q)

    def shift(self, quarters: int) -> "Quarter":
        index = self.year * 4 + (self.q - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.q}"


def quarter_range(first: Quarter, last: Quarter) -> list[Quarter]:
    out, q = [], first
    while q <= last:
        out.append(q)
        q = q.next()
    return out


# --- levels and scores ------------------------------------------------------------------


def parse_level(value: Any, field: str = "level", *, allow_blank: bool = True) -> int | None:
    """A whole number 1-5 (or None for blank). Booleans, fractions and words are errors."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if allow_blank:
            return None
        raise ValidationError("a level from 1 to 5 is required", field)
    if isinstance(value, float) and math.isnan(value):
        if allow_blank:
            return None
        raise ValidationError("a level from 1 to 5 is required", field)
    if isinstance(value, bool):
        raise ValidationError(f"{value} is not a level; use a whole number from 1 to 5", field)
    number: Any = value
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise ValidationError(f"{value!r} is not a level; use a whole number from 1 to 5", field)
        number = float(text)
    if isinstance(number, float):
        if not number.is_integer():
            raise ValidationError(f"{value} is not a whole number; use 1 to 5", field)
        number = int(number)
    if not isinstance(number, int):
        try:
            number = int(number)  # numpy integers
        except (TypeError, ValueError):
            raise ValidationError(f"{value!r} is not a level; use a whole number from 1 to 5", field) from None
    if number not in LEVELS:
        raise ValidationError(f"{number} is out of range; levels run from 1 to 5", field)
    return number


@dataclass(frozen=True)
class ScoreValue:
    """A dimension's score: a level, N/A (does not apply), or not assessed."""

    level: int | None = None
    na: bool = False

    @classmethod
    def parse(cls, value: Any, field: str = "score") -> "ScoreValue":
        if isinstance(value, ScoreValue):
            return value
        if isinstance(value, str) and value.strip().upper() in {"N/A", "NA"}:
            return cls(None, True)
        return cls(parse_level(value, field), False)

    @property
    def assessed(self) -> bool:
        return self.na or self.level is not None

    def __str__(self) -> str:
        return NA if self.na else ("not assessed" if self.level is None else str(self.level))


@dataclass
class ScoreInput:
    """One dimension's entry on the self-assessment form."""

    dimension_id: str
    score: ScoreValue = field(default_factory=ScoreValue)
    target: int | None = None
    evidence: str = ""


# --- keys and text --------------------------------------------------------------------------

_DEPT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
_DIM_RE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def check_department_id(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if not text:
        raise ValidationError("a department key is required", "department_id")
    if not _DEPT_RE.match(text):
        raise ValidationError(
            f"{text!r} is not a valid key: use up to 16 letters, digits, '-' or '_', no spaces (e.g. HR)",
            "department_id")
    return text


def check_dimension_id(value: Any) -> str:
    text = "" if value is None else str(value).strip()
    if not _DIM_RE.match(text):
        raise ValidationError(
            f"{text!r} is not a valid key: use 2-40 lower-case letters, digits or '_', starting with a letter "
            "(e.g. collaboration)", "dimension_id")
    return text


def required_text(value: Any, field: str, max_len: int) -> str:
    """Text exactly as typed that is not blank (white space alone is blank); see clean_text."""
    text = clean_text(value, field, max_len)
    if not text.strip():
        raise ValidationError("is required", field)
    return text


def clean_text(value: Any, field: str, max_len: int) -> str:
    """User text kept exactly as typed (never trimmed), at most `max_len` characters (limits.LIMITS).

    Only keys and vocabulary words (status, effort, kind...) are trimmed, by their own checks."""
    text = "" if value is None else str(value)
    problem = too_long(text, max_len)
    if problem:
        raise ValidationError(problem, field)
    return text
