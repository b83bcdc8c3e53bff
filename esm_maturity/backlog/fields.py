"""The backlog's vocabulary, the checking of an item's fields, and what the item forms offer and send
(no database needed)."""

from __future__ import annotations

import re
from typing import Any

from ..limits import LIMITS, too_long
from ..models import Problem, ValidationError, clean_text, is_blank, parse_day

STATUSES = ("idea", "accepted", "planned", "in progress", "on hold", "measuring", "closed", "rejected", "withdrawn")
OPEN_STATUSES = STATUSES[:6]
FINAL_STATUSES = ("closed", "rejected", "withdrawn")
EFFORTS = ("S", "M", "L", "XL")
SOURCES = ("assessment", "check-in", "staff idea", "customer feedback", "incident", "audit")

# The forward flow; rejected and withdrawn are reachable from every open status.
FLOW = {
    "idea": ("accepted",),
    "accepted": ("planned",),
    "planned": ("in progress",),
    "in progress": ("on hold", "measuring"),
    "on hold": ("in progress", "measuring"),
    "measuring": ("closed",),
}
# Statuses at which someone has committed to the item: it needs an owner and a dimension.
COMMITTED = ("accepted", "planned", "in progress", "on hold", "measuring", "closed")
_VERB = {"accepted": "accepting", "planned": "planning", "in progress": "starting", "on hold": "putting on hold",
         "measuring": "measuring", "closed": "closing", "rejected": "rejecting", "withdrawn": "withdrawing"}

COLUMNS = ("item_id", "title", "description", "department_id", "dimension_id", "status", "status_reason", "owner",
           "value", "effort", "raised_on", "raised_by", "due_on", "closed_on", "outcome", "lessons", "source",
           "source_ref", "stream_id", "step_id", "version", "created_at", "updated_at")
EDITABLE = frozenset(COLUMNS) - {"item_id", "version", "created_at", "updated_at"}
_ITEM_ID_RE = re.compile(r"^CI-\d{4,}$")
# The value stream an item lifts and one of its steps (keys: VS-1, VS-1.2), checked against the streams by
# the commands; LINK_FIELDS are sent by the item forms only when the organisation has streams.
LINK_FIELDS = ("stream_id", "step_id")
LINK_KEY_MAX = 40
_TEXT_LIMITS = LIMITS["backlog_item"]


def next_statuses(status: str) -> tuple[str, ...]:
    """Where an item in `status` may move next."""
    return FLOW.get(status, ()) + (("rejected", "withdrawn") if status in OPEN_STATUSES else ())


def parse_status(text: Any) -> str:
    """A status from text, ignoring case, extra spaces and '_' for a space ('In_Progress')."""
    norm = " ".join(str("" if text is None else text).replace("_", " ").split()).lower()
    if norm not in STATUSES:
        raise ValidationError(f"{text!r} is not a status; use one of: " + ", ".join(STATUSES), "status")
    return norm


def item_key(number: int) -> str:
    return f"CI-{number:04d}"


# --- cleaning input ----------------------------------------------------------------------


def parse_value(value: Any) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{value} is not a value; rate it with a whole number from 1 to 5", "value")
    try:
        number = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{value!r} is not a value; rate it with a whole number from 1 to 5", "value") from None
    if not number.is_integer() or not 1 <= number <= 5:
        raise ValidationError(f"{value} is out of range; rate the value from 1 (little benefit) to 5 (large benefit)",
                              "value")
    return int(number)


def parse_effort(value: Any) -> str | None:
    if is_blank(value):
        return None
    text = str(value).strip().upper()
    if text not in EFFORTS:
        raise ValidationError(f"{value!r} is not an effort; use S, M, L or XL", "effort")
    return text


def parse_source(value: Any) -> str:
    if is_blank(value):
        return "staff idea"
    text = " ".join(str(value).replace("_", " ").split()).lower()
    if text == "checkin":
        text = "check-in"
    if text not in SOURCES:
        raise ValidationError(f"{value!r} is not a source; use one of: " + ", ".join(SOURCES), "source")
    return text


def _clean_one(name: str, value: Any) -> Any:
    if name == "title":
        text = clean_text(value, "title", _TEXT_LIMITS["title"])
        if not text.strip():
            raise ValidationError("is required: say in a few words what will improve", "title")
        return text
    if name == "department_id":
        text = "" if is_blank(value) else str(value).strip()
        if not text:
            raise ValidationError("is required: pick the department that owns the improvement", "department_id")
        return text
    if name == "dimension_id":
        return None if is_blank(value) else str(value).strip()
    if name == "status":
        return parse_status(value)
    if name == "value":
        return parse_value(value)
    if name == "effort":
        return parse_effort(value)
    if name == "source":
        return parse_source(value)
    if name in ("raised_on", "due_on", "closed_on"):
        return parse_day(value, name)
    if name == "source_ref":   # a reference (an action's key, an assessment's quarter/department/dimension)
        return None if is_blank(value) else _reference(value, name)
    if name in LINK_FIELDS:
        return parse_link(value, name)
    if name == "item_id":
        text = str(value).strip().upper()
        if not _ITEM_ID_RE.match(text):
            raise ValidationError(f"{value!r} is not an item key; keys look like CI-0042", "item_id")
        return text
    return clean_text(value, name, _TEXT_LIMITS[name])


def _reference(value: Any, name: str) -> str:
    text = str(value).strip()
    problem = too_long(text, _TEXT_LIMITS[name])
    if problem:
        raise ValidationError(problem, name)
    return text


def parse_link(value: Any, name: str = "stream_id") -> str | None:
    """A stream's or a step's key as typed (trimmed), None when blank."""
    if is_blank(value):
        return None
    text = str(value).strip()
    if len(text) > LINK_KEY_MAX or not text.isprintable():
        raise ValidationError(f"{str(value)[:LINK_KEY_MAX]!r} is not a "
                              f"{'value stream' if name == 'stream_id' else 'step'} key; keys look like "
                              f"{'VS-1' if name == 'stream_id' else 'VS-1.2'}", name)
    return text


def clean_fields(fields: dict, allowed: frozenset | set) -> dict:
    """Every field checked; all problems reported together."""
    unknown = sorted(set(fields) - set(allowed))
    problems = [Problem(name, "is not a field of an improvement item") for name in unknown]
    out = {}
    for name, value in fields.items():
        if name in unknown:
            continue
        try:
            out[name] = _clean_one(name, value)
        except ValidationError as err:
            problems += err.problems
    if problems:
        raise ValidationError(problems=problems)
    return out


# --- what the item forms offer and send ---------------------------------------------------------

# The edit form's fields, in the order they are sent.
FORM_FIELDS = ("title", "description", "status", "department_id", "dimension_id", "owner", "value", "effort",
               "due_on", "source", "status_reason", "outcome", "lessons")
# Choices a form offers blank ("not set", "not rated", "not sized"): blank there is no value.
_BLANK_CHOICES = ("dimension_id", "value", "effort")


def form_values(item: dict) -> dict:
    """What the edit form shows for a stored item: its fields, with '' for an unset choice."""
    return {name: (item[name] or "") if name in _BLANK_CHOICES else item[name] for name in FORM_FIELDS}


def form_fields(values: dict) -> dict:
    """A form's values as an item's fields: a blank choice is no value (None)."""
    return {name: (value or None) if name in _BLANK_CHOICES else value for name, value in values.items()}


def link_values(item: dict) -> dict:
    """What the item forms' stream and step choices show for a stored item ('' for none)."""
    return {name: item.get(name) or "" for name in LINK_FIELDS}


def link_fields(stream_id: Any, step_id: Any) -> dict:
    """The forms' stream and step choices as an item's fields: no stream is no step either."""
    stream = stream_id or None
    return {"stream_id": stream, "step_id": (step_id or None) if stream else None}


def status_choices(status: str) -> list[str]:
    """The statuses an item's form offers: where it is, then where it may move next."""
    return [status, *next_statuses(status)]


def with_current(options: list, current: Any) -> list:
    """Choices that still hold a record's current value when it is no longer offered (an inactive department)."""
    return options + ([current] if current and current not in options else [])


def item_choices(shown: list[str], linked: str | None) -> list[str]:
    """The item picker's choices: none, the items on screen, and a linked item that is not among them."""
    choices = [""] + shown
    if linked and linked not in choices:
        choices.insert(1, linked)
    return choices
