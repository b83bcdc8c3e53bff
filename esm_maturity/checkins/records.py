"""Check-ins, the vocabulary: records, form inputs, validation and keys (CHK-0001, ACT-0001).

The writes are in checkins.py, the reads in checkins_queries.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..backlog.fields import parse_link
from ..limits import LIMITS
from ..models import Problem, ValidationError, check_department_id, clean_text, parse_day

KINDS = ("department", "sponsor review", "steering")
KIND_LABELS = {"department": "Department check-in", "sponsor review": "Sponsor review", "steering": "Steering"}
OPEN, DONE, DROPPED = "open", "done", "dropped"
ACTION_STATUSES = (OPEN, DONE, DROPPED)
KEEP = "kept"
DECISIONS = (KEEP, DONE, DROPPED)  # what a carry-over can do to an open action
CHECKIN_LIMITS = LIMITS["checkin"]   # every text field of a check-in, with its limit
ACTION_LIMITS = LIMITS["action"]

# key kind -> (sequence, prefix, table, key column): identifiers from this module only.
CHECKIN_COLUMNS = ("checkin_id, held_on, department_id, kind, facilitator, attendees, notes, decisions, wins, "
                   "blockers, next_on, version, created_at, updated_at, stream_id")
ACTION_COLUMNS = ("action_id, checkin_id, text, owner, due_on, status, item_id, version, created_at, updated_at, "
                  "closed_on")


@dataclass(frozen=True)
class Checkin:
    checkin_id: str
    held_on: dt.date
    department_id: str | None
    kind: str
    facilitator: str
    attendees: str
    notes: str
    decisions: str
    wins: str
    blockers: str
    next_on: dt.date | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    stream_id: str | None = None   # the value stream the meeting was about (VS-1), if any


@dataclass(frozen=True)
class Action:
    action_id: str
    checkin_id: str
    text: str
    owner: str
    due_on: dt.date | None
    status: str
    item_id: str | None
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_on: dt.date | None

    @property
    def is_open(self) -> bool:
        return self.status == OPEN


@dataclass
class CheckinInput:
    """What the check-in form holds (before validation)."""

    held_on: Any
    department_id: str | None = None
    kind: str = "department"
    facilitator: str = ""
    attendees: str = ""
    notes: str = ""
    decisions: str = ""
    wins: str = ""
    blockers: str = ""
    next_on: Any = None
    stream_id: str | None = None   # the value stream the meeting was about (checked against the streams)


@dataclass
class ActionInput:
    text: str = ""
    owner: str = ""
    due_on: Any = None

    @property
    def blank(self) -> bool:
        return not (str(self.text or "").strip() or str(self.owner or "").strip() or self.due_on)


@dataclass
class CarryOverDecision:
    """What the new check-in decided about an open action from an earlier one."""

    decision: str
    expected_version: int


@dataclass
class ItemReview:
    """What the new check-in decided about a backlog item due for review.

    done moves the item on: in progress or on hold -> measuring; measuring -> closed (needs an
    outcome and lessons). dropped withdraws it (the note is the reason). kept leaves it alone.
    """

    decision: str
    expected_version: int
    note: str = ""     # the outcome (done) or the reason (dropped)
    lessons: str = ""  # needed to close an item


@dataclass
class Recorded:
    checkin_id: str
    action_ids: list[str] = field(default_factory=list)
    carried: dict[str, str] = field(default_factory=dict)  # action_id or item_id -> decision applied


# --- validation -----------------------------------------------------------------------------


def collect(problems: list[Problem], check, *args, **kwargs):
    try:
        return check(*args, **kwargs)
    except ValidationError as err:
        problems.extend(err.problems)
        return None


def validate_checkin(data: CheckinInput) -> dict:
    """The clean column values of a check-in, or ValidationError listing every problem."""
    problems: list[Problem] = []
    held_on = collect(problems, parse_day, data.held_on, "held on", required=True)
    next_on = collect(problems, parse_day, data.next_on, "next check-in")
    if held_on and next_on and next_on < held_on:
        problems.append(Problem("next check-in", f"{next_on} is before this check-in was held ({held_on}); "
                                                 "pick a later date or leave it blank"))
    department = (data.department_id or "").strip() or None
    if department:
        department = collect(problems, check_department_id, department)
    kind = str(data.kind or "department").strip().lower()
    if kind not in KINDS:
        problems.append(Problem("kind", f"{data.kind!r} is not a kind of check-in; use department, "
                                        "sponsor review or steering"))
    elif kind == "department" and not department and not problems:
        problems.append(Problem("department", "a department check-in needs a department; choose one, or make it "
                                              "a steering meeting or sponsor review across departments"))
    values = {"held_on": held_on, "next_on": next_on, "department_id": department, "kind": kind,
              "stream_id": collect(problems, parse_link, data.stream_id, "stream_id")}
    for name, limit in CHECKIN_LIMITS.items():
        values[name] = collect(problems, clean_text, getattr(data, name), name, limit)
    if values["attendees"]:
        values["attendees"] = ", ".join(n.strip() for n in values["attendees"].split(",") if n.strip())
    if problems:
        raise ValidationError(problems=problems)
    return values


def validate_action(data: ActionInput, label: str, held_on: dt.date | None = None) -> dict:
    problems: list[Problem] = []
    text = collect(problems, clean_text, data.text, label, ACTION_LIMITS["text"])
    if text is not None and not text.strip():
        problems.append(Problem(label, "say what will be done (the action's text is empty), or clear the row"))
    owner = collect(problems, clean_text, data.owner, f"{label} owner", ACTION_LIMITS["owner"])
    due_on = collect(problems, parse_day, data.due_on, f"{label} due date")
    if due_on and held_on and due_on < held_on:
        problems.append(Problem(f"{label} due date", f"{due_on} is before the check-in ({held_on}); pick a later date"))
    if problems:
        raise ValidationError(problems=problems)
    return {"text": text, "owner": owner, "due_on": due_on}
