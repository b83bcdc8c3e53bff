"""The improvement backlog (continual improvement register): items, their status flow and its gates.

The vocabulary and field checks live in fields.py; reads (the filtered list, priority, chart rows,
history) in queries.py.
"""

from __future__ import annotations

from typing import Any

from ..access.policy import Permission, require
from ..db import Database, Tx
from ..models import Actor, NotFound, Problem, ValidationError, still_as_seen
from .fields import (COLUMNS, COMMITTED, EDITABLE, FINAL_STATUSES, LINK_FIELDS, _VERB, clean_fields, item_key,
                     next_statuses)


# --- rules that need the database ------------------------------------------------------------


def _check_refs(tx: Tx, item: dict, changed: set[str]) -> None:
    problems = []
    if "department_id" in changed:
        dept = tx.one("SELECT name, active FROM departments WHERE department_id = $1", [item["department_id"]])
        if dept is None:
            problems.append(Problem("department_id", f"there is no department {item['department_id']!r}; "
                                                     "pick one listed in Settings"))
        elif not dept[1]:
            problems.append(Problem("department_id", f"{dept[0]} is deactivated; reactivate it in Settings "
                                                     "or pick another department"))
    if "dimension_id" in changed and item.get("dimension_id") is not None:
        dim = tx.one("SELECT name, active FROM dimensions WHERE dimension_id = $1", [item["dimension_id"]])
        if dim is None:
            problems.append(Problem("dimension_id", f"there is no dimension {item['dimension_id']!r} in the "
                                                    "maturity model"))
        elif not dim[1]:
            problems.append(Problem("dimension_id", f"the dimension {dim[0]!r} is retired; pick an active one"))
    if {"stream_id", "step_id"} & changed:
        problems += check_links(tx, item.get("stream_id"), item.get("step_id"), "stream_id" in changed)
    if problems:
        raise ValidationError(problems=problems)


def check_links(tx: Tx, stream_id: str | None, step_id: str | None, stream_changed: bool = True) -> list[Problem]:
    """The problems with an item's value stream and step: the stream must exist (and be active when newly
    named), the step must be one of that stream's (in any quarter), and a step needs its stream."""
    if stream_id is None:
        return [Problem("step_id", f"the step {step_id} needs its value stream: pick the stream first, or clear "
                                   "the step")] if step_id else []
    stream = tx.one("SELECT name, active FROM value_streams WHERE stream_id = $1", [stream_id])
    if stream is None:
        return [Problem("stream_id", f"{stream_id} is not a value stream; pick one listed on the Value streams "
                                     "page, or leave it blank")]
    if stream_changed and not stream[1]:
        return [Problem("stream_id", f"the value stream {stream_id} ({stream[0]}) is retired; reactivate it on "
                                     "the Value streams page, or pick an active one")]
    if step_id is None:
        return []
    owner = tx.one("SELECT min(stream_id) FROM stream_steps WHERE step_id = $1", [step_id])[0]
    if owner is None:
        return [Problem("step_id", f"{step_id} is not a step of any value stream; pick one of {stream_id}'s "
                                   "steps, or leave the step blank")]
    if owner != stream_id:
        return [Problem("step_id", f"{step_id} is a step of {owner}, not of {stream_id}; pick one of "
                                   f"{stream_id}'s steps, or leave the step blank")]
    return []


def check_gates(item: dict, moved: bool) -> None:
    """The fields a status needs. `moved`: the item is entering that status now (word the message as a move)."""
    status = item["status"]
    doing = _VERB.get(status, status) if moved else f"an item that is {status}"
    doing = doing[0].upper() + doing[1:]
    problems = []
    if status in COMMITTED:
        if not _filled(item.get("owner")):
            problems.append(Problem("owner", f"{doing} needs an owner: name the person who drives the improvement"))
        if not item.get("dimension_id"):
            problems.append(Problem("dimension_id", f"{doing} needs a dimension: pick the maturity dimension "
                                                    "it improves"))
    if status in ("on hold", "withdrawn") and not _filled(item.get("status_reason")):
        problems.append(Problem("status_reason", f"{doing} needs a reason: say why"))
    if status == "closed":
        if not _filled(item.get("outcome")):
            problems.append(Problem("outcome", f"{doing} needs an outcome: describe the benefit realised"))
        if not _filled(item.get("lessons")):
            problems.append(Problem("lessons", f"{doing} needs lessons learned: what would you repeat or "
                                               "avoid next time?"))
    if problems:
        raise ValidationError(problems=problems)


def _filled(text: Any) -> bool:
    """Text that says something: white space alone (kept as typed) does not meet a gate."""
    return bool(text) and bool(str(text).strip())


def _state(tx: Tx, item_id: str) -> dict | None:
    row = tx.one(f"SELECT {', '.join(COLUMNS)} FROM backlog_items WHERE item_id = $1", [item_id])
    return dict(zip(COLUMNS, row)) if row else None


def _audit_view(item: dict, names=None) -> dict:
    keys = names if names is not None else [c for c in COLUMNS if c not in ("created_at", "updated_at")]
    return {k: item.get(k) for k in keys}


# --- writes ------------------------------------------------------------------------------------


def insert_item(tx: Tx, fields: dict) -> str:
    """Validate and insert one item inside an open transaction; record its status and the audit. Returns its key.

    title and department_id are required; status defaults to 'idea', raised_on to today,
    raised_by to the acting person, source to 'staff idea'.
    """
    item = clean_fields(fields, EDITABLE | {"item_id"})
    problems = [Problem(name, "is required" + hint) for name, hint in
                (("title", ": say in a few words what will improve"),
                 ("department_id", ": pick the department that owns the improvement")) if name not in item]
    if problems:
        raise ValidationError(problems=problems)
    item.setdefault("status", "idea")
    item.setdefault("source", "staff idea")
    item["raised_on"] = item.get("raised_on") or tx.now.date()
    item["raised_by"] = item.get("raised_by") or tx.actor.name
    for name in EDITABLE:
        item.setdefault(name, None if name in ("dimension_id", "value", "effort", "due_on", "closed_on",
                                              "source_ref", *LINK_FIELDS) else "")
    _check_refs(tx, item, {"department_id", "dimension_id", *LINK_FIELDS})
    check_gates(item, moved=True)
    if item["status"] in FINAL_STATUSES and item["closed_on"] is None:
        item["closed_on"] = tx.now.date()
    if item.get("item_id"):
        if tx.one("SELECT 1 FROM backlog_items WHERE item_id = $1", [item["item_id"]]):
            raise ValidationError(f"the key {item['item_id']} is already taken", "item_id")
    else:
        while True:
            key = item_key(tx.one("SELECT nextval('backlog_seq')")[0])
            if not tx.one("SELECT 1 FROM backlog_items WHERE item_id = $1", [key]):
                break
        item["item_id"] = key
    item.update(version=1, created_at=tx.now, updated_at=tx.now)
    tx.execute(f"INSERT INTO backlog_items ({', '.join(COLUMNS)}) VALUES "
               f"({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))})", [item[c] for c in COLUMNS])
    tx.execute("INSERT INTO backlog_status_history (item_id, status, changed_at, actor) VALUES ($1, $2, $3, $4)",
               [item["item_id"], item["status"], tx.now, tx.actor.name])
    tx.audit("add", "backlog_item", item["item_id"], after=_audit_view(item), department_id=item["department_id"])
    return item["item_id"]


def add_item(db: Database, actor: Actor, **fields: Any) -> str:
    """Raise a new improvement. Returns its key (CI-0001...)."""
    require(db, actor, Permission.backlog, entity="backlog_item", key=str(fields.get("item_id") or "new"))
    clean_fields(fields, EDITABLE)  # bad input is refused before any transaction starts
    return db.write(actor, lambda tx: insert_item(tx, fields))


def update_item_in(tx: Tx, item_id: str, changes: dict, expected_version: int) -> int:
    """Apply `changes` to one item inside an open transaction; returns the new version.

    A status change must follow the flow (next_statuses) and meet the gates of the new status.
    """
    clean = clean_fields(changes, EDITABLE)
    before, conflict = still_as_seen(
        _state(tx, item_id), expected_version,
        f"there is no improvement {item_id}; it may have been removed, reload the backlog",
        f"{item_id} was changed by someone else after you loaded it. Your edits are still on screen: look at "
        "their change, then save yours again.")
    if "stream_id" in clean and "step_id" not in clean and clean["stream_id"] != before["stream_id"]:
        clean["step_id"] = None   # another stream, or none: the old stream's step goes with it
    changed = {k for k, v in clean.items() if v != before[k]}
    if not changed:
        return before["version"]
    after = {**before, **{k: clean[k] for k in changed}}
    moved = "status" in changed
    if moved:
        allowed = next_statuses(before["status"])
        if after["status"] not in allowed:
            hint = ("it is final; raise a new item instead" if not allowed
                    else "from " + before["status"] + " it can move to " + ", ".join(allowed))
            raise ValidationError(f"{item_id} cannot move from {before['status']} to {after['status']}: {hint}",
                                  "status")
        if after["status"] in FINAL_STATUSES and "closed_on" not in changed:
            after["closed_on"] = tx.now.date()
            changed.add("closed_on")
    _check_refs(tx, after, changed)
    check_gates(after, moved)
    names = sorted(changed)
    version = tx.update_versioned("backlog_items", {"item_id": item_id}, expected_version,
                                  {**{n: after[n] for n in names}, "updated_at": tx.now}, conflict)
    if moved:
        tx.execute("INSERT INTO backlog_status_history (item_id, status, changed_at, actor) VALUES ($1, $2, $3, $4)",
                   [item_id, after["status"], tx.now, tx.actor.name])
    tx.audit("status" if moved else "edit", "backlog_item", item_id, before=_audit_view(before, names),
             after=_audit_view(after, names), department_id=after["department_id"])
    return version


def update_item(db: Database, actor: Actor, item_id: str, changes: dict, expected_version: int) -> int:
    """Save changes to one item if nobody else saved it since `expected_version`. Returns the new version."""
    require(db, actor, Permission.backlog, entity="backlog_item", key=item_id)
    clean_fields(changes, EDITABLE)
    return db.write(actor, lambda tx: update_item_in(tx, item_id, changes, expected_version))


def change_status(db: Database, actor: Actor, item_id: str, new_status: str, expected_version: int,
                  **required_fields: Any) -> int:
    """Move an item along the flow, with the fields its new status needs (owner, outcome, lessons...)."""
    return update_item(db, actor, item_id, {**required_fields, "status": new_status}, expected_version)


def get_item(db: Database, item_id: str) -> dict:
    row = db.one(f"SELECT {', '.join(COLUMNS)} FROM backlog_items WHERE item_id = $1", [str(item_id).strip()])
    if row is None:
        raise NotFound(f"there is no improvement {item_id}")
    return dict(zip(COLUMNS, row))
