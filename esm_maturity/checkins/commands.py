"""Check-ins: meeting records, the actions agreed at them, and what carries over.

A check-in is held on a day, for one department or across departments. Its actions stay
open until they are marked done or dropped, usually at a later check-in of the same
department (the carry-over). An action can be promoted into a backlog item: the item's
source_ref names the action and the action's item_id names the item (linked both ways).
The vocabulary (records, inputs, validation, keys) lives in records.py; reads live in
queries.py, the cadence view in cadence.py.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict

from ..access.policy import Permission, require, require_in
from ..backlog import commands as backlog
from ..db import Database, Tx
from ..limits import LIMITS
from ..models import Actor, ConflictError, NotFound, Problem, ValidationError, clean_text, still_as_seen
from .keys import allocate_keys
from .records import (ACTION_COLUMNS, ACTION_STATUSES, CHECKIN_COLUMNS, DECISIONS, DROPPED, KEEP, OPEN, Action,
                      ActionInput, CarryOverDecision, Checkin, CheckinInput, ItemReview, Recorded,
                      collect, validate_action, validate_checkin)

__all__ = ["add_action", "promote_action", "record_checkin", "set_action_status", "update_checkin"]

# --- reading inside a transaction ---------------------------------------------------------------


def _checkin(tx: Tx, checkin_id: str) -> Checkin | None:
    row = tx.one(f"SELECT {CHECKIN_COLUMNS} FROM checkins WHERE checkin_id = $1", [checkin_id])
    return Checkin(*row) if row else None


def _action(tx: Tx, action_id: str) -> Action | None:
    row = tx.one(f"SELECT {ACTION_COLUMNS} FROM actions WHERE action_id = $1", [action_id])
    return Action(*row) if row else None


def _current_action(tx: Tx, action_id: str, expected_version: int) -> Action:
    """The action as stored, if it is still the version the person saw."""
    return still_as_seen(_action(tx, action_id), expected_version, f"there is no action {action_id}",
                         f"someone else changed {action_id} while you were looking at it; reload to see it")[0]


def _state(record: Checkin | Action | None) -> dict | None:
    if record is None:
        return None
    return {k: v for k, v in asdict(record).items() if k not in ("created_at", "updated_at")}


def _check_department(tx: Tx, department_id: str | None) -> None:
    if department_id is None:
        return
    row = tx.one("SELECT name, active FROM departments WHERE department_id = $1", [department_id])
    if row is None:
        raise ValidationError(f"there is no department {department_id!r}; pick one from the list, or leave it "
                              "blank for a meeting across departments", "department")
    if not row[1]:
        raise ValidationError(f"{row[0]} is deactivated; reactivate it in Settings to record its check-ins",
                              "department")


def _check_stream(tx: Tx, stream_id: str | None) -> None:
    """The value stream a check-in names must exist (and be active): the backlog's own check."""
    problems = backlog.check_links(tx, stream_id, None)
    if problems:
        raise ValidationError(problems=problems)


def _insert_action(tx: Tx, action_id: str, checkin_id: str, values: dict, department_id: str | None) -> None:
    tx.execute("INSERT INTO actions (action_id, checkin_id, text, owner, due_on, status, created_at, updated_at) "
               "VALUES ($1, $2, $3, $4, $5, 'open', $6, $6)",
               [action_id, checkin_id, values["text"], values["owner"], values["due_on"], tx.now])
    tx.audit("add", "action", action_id, after=_state(_action(tx, action_id)), department_id=department_id)


def _close_action(tx: Tx, action: Action, status: str, on: dt.date, department_id: str | None) -> int:
    version = tx.update_versioned(
        "actions", {"action_id": action.action_id}, action.version,
        {"status": status, "closed_on": None if status == OPEN else on, "updated_at": tx.now},
        f"someone else changed {action.action_id} while you were looking at it; reload to see it")
    tx.audit("reopen" if status == OPEN else status, "action", action.action_id, before=_state(action),
             after=_state(_action(tx, action.action_id)), department_id=department_id)
    return version


# --- writes -----------------------------------------------------------------------------------------


def record_checkin(db: Database, actor: Actor, data: CheckinInput, actions: list[ActionInput] = (),
                   carry_over: dict[str, CarryOverDecision] | None = None,
                   item_reviews: dict[str, ItemReview] | None = None) -> Recorded:
    """Record a check-in with its new actions and its decisions on earlier open actions, in one transaction.

    Blank action rows are ignored; a row with an owner or due date but no text is an error.
    carry_over maps an earlier open action of the same department (or of earlier meetings across
    departments) to kept, done or dropped, with the version the person saw; item_reviews does
    the same for the department's backlog items due for review (see ItemReview).
    """
    problems: list[Problem] = []
    values = collect(problems, validate_checkin, data) or {}
    new_actions = []
    for number, entry in enumerate(actions, start=1):
        if not entry.blank:
            new_actions.append(collect(problems, validate_action, entry, f"action {number}", values.get("held_on")))
    for key, choice in {**(carry_over or {}), **(item_reviews or {})}.items():
        if choice.decision not in DECISIONS:
            problems.append(Problem(key, f"{choice.decision!r} is not a choice; use kept, done or dropped"))
    if problems:
        raise ValidationError(problems=problems)
    require(db, actor, Permission.checkin, values["department_id"], entity="checkin", key="new")

    def work(tx: Tx) -> Recorded:
        _check_department(tx, values["department_id"])
        _check_stream(tx, values["stream_id"])
        checkin_id = allocate_keys(tx, "checkin", 1)[0]
        tx.execute(
            "INSERT INTO checkins (checkin_id, held_on, department_id, kind, facilitator, attendees, notes, decisions, "
            "wins, blockers, next_on, created_at, updated_at, stream_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "$10, $11, $12, $12, $13)",
            [checkin_id, values["held_on"], values["department_id"], values["kind"], values["facilitator"],
             values["attendees"], values["notes"], values["decisions"], values["wins"], values["blockers"],
             values["next_on"], tx.now, values["stream_id"]])
        tx.audit("add", "checkin", checkin_id, after=_state(_checkin(tx, checkin_id)),
                 department_id=values["department_id"])
        result = Recorded(checkin_id)
        for action_id, entry in zip(allocate_keys(tx, "action", len(new_actions)), new_actions):
            _insert_action(tx, action_id, checkin_id, entry, values["department_id"])
            result.action_ids.append(action_id)
        for action_id, choice in (carry_over or {}).items():
            row = tx.one("SELECT c.department_id, c.held_on FROM actions a JOIN checkins c "
                         "ON c.checkin_id = a.checkin_id WHERE a.action_id = $1", [action_id])
            action = _action(tx, action_id)
            if action is None or row is None:
                raise NotFound(f"there is no action {action_id}; reload the page to see the current list")
            if row[0] != values["department_id"]:
                raise ValidationError(f"{action_id} belongs to another department's check-ins", action_id)
            if action.version != choice.expected_version or not action.is_open:
                raise ConflictError(f"someone else changed {action_id} ({action.text[:60]}) while you were editing; "
                                    "your entries are still on screen: reload the open actions and decide again")
            if choice.decision != KEEP:
                _close_action(tx, action, choice.decision, values["held_on"], values["department_id"])
            result.carried[action_id] = choice.decision
        for item_id, review in (item_reviews or {}).items():
            _review_item(tx, item_id, review, values["department_id"], checkin_id)
            result.carried[item_id] = review.decision
        if result.carried:
            tx.audit("carry over", "checkin", checkin_id, after=result.carried, department_id=values["department_id"])
        return result

    return db.write(actor, work)


def _review_item(tx: Tx, item_id: str, review: ItemReview, department_id: str | None, checkin_id: str) -> None:
    """Apply a carry-over decision to a backlog item through the backlog's own rules (flow and gates)."""
    if review.decision == KEEP:
        return
    row = tx.one("SELECT status, department_id FROM backlog_items WHERE item_id = $1", [item_id])
    if row is None:
        raise NotFound(f"there is no backlog item {item_id}; reload the page to see the current list")
    if row[1] != department_id:
        raise ValidationError(f"{item_id} belongs to another department", item_id)
    limits = LIMITS["backlog_item"]   # the note becomes the item's reason (dropped) or its outcome (done)
    if review.decision == DROPPED:
        reason = clean_text(review.note, f"{item_id} reason", limits["status_reason"])
        changes = {"status": "withdrawn", "status_reason": reason if reason.strip() else
                   f"Dropped at check-in {checkin_id}"}
    elif row[0] == "measuring":
        changes = {"status": "closed", "outcome": clean_text(review.note, f"{item_id} outcome", limits["outcome"]),
                   "lessons": clean_text(review.lessons, f"{item_id} lessons", limits["lessons"])}
    elif row[0] in ("in progress", "on hold"):
        changes = {"status": "measuring"}
    else:
        raise ValidationError(f"{item_id} is {row[0]}: it cannot be done before work on it has started; keep it "
                              "here, or move it along on the Backlog page", item_id)
    try:
        backlog.update_item_in(tx, item_id, changes, review.expected_version)
    except ValidationError as err:
        raise ValidationError(problems=[Problem(f"{item_id} {p.field or ''}".strip(), p.message)
                                        for p in err.problems]) from None


def update_checkin(db: Database, actor: Actor, checkin_id: str, data: CheckinInput, *, expected_version: int) -> int:
    """Edit a check-in's fields (not its actions). Returns the new version."""
    values = validate_checkin(data)

    def work(tx: Tx) -> int:
        before, conflict = still_as_seen(
            _checkin(tx, checkin_id), expected_version, f"there is no check-in {checkin_id}",
            f"someone else changed {checkin_id} while you were editing; your changes are still in the form: "
            "reload to see theirs")
        for department in dict.fromkeys((before.department_id, values["department_id"])):   # the stored one first
            require_in(tx.actor, Permission.checkin, department, entity="checkin", key=checkin_id)
        if values["department_id"] != before.department_id:
            _check_department(tx, values["department_id"])
        if values["stream_id"] != before.stream_id:
            _check_stream(tx, values["stream_id"])
        fields = ("held_on", "department_id", "kind", "facilitator", "attendees", "notes", "decisions", "wins",
                  "blockers", "next_on", "stream_id")
        version = tx.update_versioned("checkins", {"checkin_id": checkin_id}, expected_version,
                                      {**{f: values[f] for f in fields}, "updated_at": tx.now}, conflict)
        tx.audit("edit", "checkin", checkin_id, before=_state(before), after=_state(_checkin(tx, checkin_id)),
                 department_id=values["department_id"])
        return version

    return db.write(actor, work)


def add_action(db: Database, actor: Actor, checkin_id: str, entry: ActionInput) -> str:
    """Add one action to an existing check-in; returns its key."""
    values = validate_action(entry, "action")

    def work(tx: Tx) -> str:
        checkin = _checkin(tx, checkin_id)
        if checkin is None:
            raise NotFound(f"there is no check-in {checkin_id}")
        require_in(tx.actor, Permission.checkin, checkin.department_id, entity="action", key=checkin_id)
        if values["due_on"] and values["due_on"] < checkin.held_on:
            raise ValidationError(f"{values['due_on']} is before the check-in ({checkin.held_on}); pick a later date",
                                  "due date")
        action_id = allocate_keys(tx, "action", 1)[0]
        _insert_action(tx, action_id, checkin_id, values, checkin.department_id)
        return action_id

    return db.write(actor, work)


def set_action_status(db: Database, actor: Actor, action_id: str, status: str, *, expected_version: int,
                      on: dt.date | None = None) -> int:
    """Mark an action done, dropped or open again. Returns the new version."""
    status = str(status).strip().lower()
    if status not in ACTION_STATUSES:
        raise ValidationError(f"{status!r} is not a status; use open, done or dropped", "status")

    def work(tx: Tx) -> int:
        action = _current_action(tx, action_id, expected_version)
        department = tx.one("SELECT department_id FROM checkins WHERE checkin_id = $1", [action.checkin_id])
        require_in(tx.actor, Permission.checkin, department[0] if department else None, entity="action",
                   key=action_id)
        if action.status == status:
            return action.version
        return _close_action(tx, action, status, on or tx.now.date(), department[0] if department else None)

    return db.write(actor, work)


def promote_action(db: Database, actor: Actor, action_id: str, *, expected_version: int,
                   department_id: str | None = None, dimension_id: str | None = None) -> str:
    """Turn an open action into a new backlog item, linked both ways; returns the item's key.

    The item belongs to the check-in's department; an action from a meeting across departments
    needs `department_id`.
    """
    require(db, actor, Permission.backlog, entity="action", key=action_id)
    def work(tx: Tx) -> str:
        action = _current_action(tx, action_id, expected_version)
        if action.item_id:
            raise ValidationError(f"{action_id} already tracks the backlog item {action.item_id}", "action")
        if not action.is_open:
            raise ValidationError(f"{action_id} is {action.status}; reopen it first to make it a backlog item",
                                  "action")
        checkin = _checkin(tx, action.checkin_id)
        department = (department_id or "").strip() or (checkin.department_id if checkin else None)
        if not department:
            raise ValidationError("this action comes from a meeting across departments: choose the department "
                                  "that will own the backlog item", "department")
        _check_department(tx, department)
        title = action.text if len(action.text) <= 120 else action.text[:117].rstrip() + "..."
        item_id = backlog.insert_item(tx, {
            "title": title, "department_id": department, "dimension_id": dimension_id or None,
            "description": f"Agreed at check-in {action.checkin_id} on {checkin.held_on if checkin else '?'}: "
                           f"{action.text}",
            "owner": action.owner, "due_on": action.due_on, "source": "check-in", "source_ref": action_id})
        tx.update_versioned("actions", {"action_id": action_id}, action.version,
                            {"item_id": item_id, "updated_at": tx.now},
                            f"someone else changed {action_id} while you were looking at it; reload to see it")
        tx.audit("promote", "action", action_id, before=_state(action), after=_state(_action(tx, action_id)),
                 department_id=department)
        return item_id

    return db.write(actor, work)
