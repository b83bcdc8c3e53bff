"""Sheet handlers for continual improvement: Backlog (with its Status history), Check-ins and Actions.

The rules are the app's own (esm_maturity.backlog gates, esm_maturity.checkins_model keys
and dates). A row with a blank key is a new record; its key is assigned when written. Keys a
workbook brings move the key counters past them (Change.counter), so the app's next key is fresh.
"""

from __future__ import annotations

from operator import itemgetter

from ..db import Tx
from ..models import ValidationError, check_department_id
from . import contract as c
from .importer import Change, Context
from .keyed import check_item_id as _check_item_id, get, keyed, label, stored
from .reader import ParsedWorkbook
from .rules_history import auto_history, status_history

BACKLOG_COLUMNS = ("item_id", "title", "description", "department_id", "dimension_id", "status", "status_reason",
                   "owner", "value", "effort", "raised_on", "due_on", "closed_on", "outcome", "lessons", "raised_by",
                   "source", "source_ref")
CHECKIN_COLUMNS = ("checkin_id", "held_on", "department_id", "kind", "facilitator", "attendees", "notes",
                   "decisions", "wins", "next_on", "blockers")
ACTION_COLUMNS = ("action_id", "checkin_id", "text", "owner", "due_on", "status", "item_id", "closed_on")
FINAL = ("closed", "rejected", "withdrawn")
BACKLOG_SQL = f"SELECT {', '.join(BACKLOG_COLUMNS)} FROM backlog_items"
CHECKIN_SQL = f"SELECT {', '.join(CHECKIN_COLUMNS)} FROM checkins"
ACTION_SQL = f"SELECT {', '.join(ACTION_COLUMNS)} FROM actions"
# What the handlers after Scores read of the stored data; the tables written before them are others,
# so apply_import may read these first and write those meanwhile.
READS = {c.CHECKINS.name: CHECKIN_SQL, c.ACTIONS.name: ACTION_SQL}


def backlog(ctx: Context, wb: ParsedWorkbook) -> None:
    if c.BACKLOG.name not in ctx.enabled:
        return
    rows = stored(ctx, BACKLOG_SQL)
    ctx.state["items"] = set(rows)
    ps = wb.sheet(c.BACKLOG.name)
    if ps is None:
        status_history(ctx, wb, {})   # a Status history sheet alone adds to the stored items' history
        return
    from ..backlog.commands import check_gates

    due: dict[str, str] = {}   # keyed items this import creates or moves: item -> its new status
    covered: set[str] = set()  # ... whose move the Status history sheet records (filled below)
    change = Change(ps.title, "backlog_items", BACKLOG_COLUMNS, 1, "backlog_item", versioned=True,
                    extra={"updated_at": ctx.now}, insert_only={"created_at": ctx.now}, dept_index=3,
                    allocate=_allocate_items, counter=("backlog_seq", "CI"),
                    after_write=lambda tx, ch: auto_history(tx, ch, covered))
    full = ps.columns.issuperset(BACKLOG_COLUMNS)   # every column in the sheet (an export): no fallbacks
    departments, dimensions, today, actor = ctx.state["departments"], ctx.state["dimensions"], ctx.today, ctx.actor.name
    at = ps.index
    i_title, i_dept, i_status = at["title"], at["department_id"], at["status"]
    fields = itemgetter(*(at[name] for name in BACKLOG_COLUMNS[1:])) if full else None
    for row, (key,) in keyed(ctx, ps, {"item_id": _check_item_id}):
        old = rows.get(key) if key else None
        v = row.cells
        dept = v[i_dept]
        problems = []
        if dept not in departments:
            problems.append(("department_id", f"there is no department {dept!r} in the Departments sheet or the app"))
        if full:
            (title, description, _, dim, status, status_reason, owner, value, effort, raised_on, due_on, closed_on,
             outcome, lessons, raised_by, source, source_ref) = fields(v)
        else:
            title, status = v[i_title], v[i_status]
            dim = get(row, ps, "dimension_id", old, 4, None)
            closed_on = get(row, ps, "closed_on", old, 12, None)
            raised_by = get(row, ps, "raised_by", old, 15)
        if not raised_by or raised_by.isspace():   # who raised it: the importer for a new item, else as stored
            raised_by = old[15] if old is not None else actor
        if dim is not None and dim not in dimensions:
            problems.append(("dimension_id", f"there is no dimension {dim!r} in the Dimensions sheet or the app"))
        if status in FINAL and closed_on is None:
            closed_on = old[12] if old is not None and old[12] else today
        if full:  # what get() gives for present columns: parsed blanks are "" (text) or None (the rest)
            item = (key, title, description, dept, dim, status, status_reason, owner, value, effort,
                    raised_on or today, due_on, closed_on, outcome, lessons, raised_by, source or "staff idea",
                    source_ref)
        else:
            item = (key, title, get(row, ps, "description", old, 2), dept, dim, status,
                    get(row, ps, "status_reason", old, 6), get(row, ps, "owner", old, 7),
                    get(row, ps, "value", old, 8, None), get(row, ps, "effort", old, 9, None),
                    get(row, ps, "raised_on", old, 10, today), get(row, ps, "due_on", old, 11, None), closed_on,
                    get(row, ps, "outcome", old, 13), get(row, ps, "lessons", old, 14), raised_by,
                    get(row, ps, "source", old, 16, "staff idea"), get(row, ps, "source_ref", old, 17, None))
        if item != old:
            try:
                check_gates(dict(zip(BACKLOG_COLUMNS, item)), moved=old is None or old[5] != status)
            except ValidationError as err:
                problems += [(p.field, p.message) for p in err.problems]
        if problems:
            for column, message in problems:
                ctx.error(label(ps, row), row.excel_row, column, message)
            continue
        if change.add(item, old) != "unchanged" and key and (old is None or old[5] != status):
            due[key] = status
        if key:
            ctx.state["items"].add(key)
    ctx.changes.append(change)
    covered |= status_history(ctx, wb, due)


def _allocate_items(tx: Tx, count: int) -> list[str]:
    from ..backlog.fields import item_key

    numbers = [r[0] for r in tx.execute("SELECT nextval('backlog_seq') FROM generate_series(1, $1)", [count])]
    keys = [item_key(n) for n in numbers]
    taken = {r[0] for r in tx.execute("SELECT item_id FROM backlog_items WHERE item_id = ANY($1)", [keys])}
    if not taken:
        return keys
    highest = max((int(k[3:]) for (k,) in tx.execute("SELECT item_id FROM backlog_items WHERE item_id LIKE 'CI-%'")
                   if k[3:].isdigit()), default=0)
    if highest > max(numbers):
        tx.execute("SELECT max(nextval('backlog_seq')) FROM generate_series(1, $1)", [highest - max(numbers)])
    return _allocate_items(tx, count)


def checkins(ctx: Context, wb: ParsedWorkbook) -> None:
    if c.CHECKINS.name not in ctx.enabled:
        return
    rows = stored(ctx, CHECKIN_SQL)
    ctx.state["checkins"] = {k: r[1] for k, r in rows.items()}
    ps = wb.sheet(c.CHECKINS.name)
    if ps is None:
        return
    from ..checkins.records import allocate_keys

    change = Change(ps.title, "checkins", CHECKIN_COLUMNS, 1, "checkin", versioned=True,
                    extra={"updated_at": ctx.now}, insert_only={"created_at": ctx.now}, dept_index=2,
                    allocate=lambda tx, n: allocate_keys(tx, "checkin", n), counter=("checkin_seq", "CHK"))
    full = ps.columns.issuperset(CHECKIN_COLUMNS)   # every column in the sheet: no fallbacks (see backlog)
    at = ps.index
    i_held = at["held_on"]
    fields = itemgetter(*(at[name] for name in CHECKIN_COLUMNS[1:])) if full else None
    for row, (key,) in keyed(ctx, ps, {"department_id": check_department_id}):
        old = rows.get(key) if key else None
        where = label(ps, row)
        v = row.cells
        held_on = v[i_held]
        if full:
            _, dept, kind, facilitator, attendees, notes, decisions, wins, next_on, blockers = fields(v)
            kind = kind or "department"
        else:
            dept = get(row, ps, "department_id", old, 2, None)
            kind = get(row, ps, "kind", old, 3, "department")
            next_on = get(row, ps, "next_on", old, 9, None)
        problems = []
        if dept is not None and dept not in ctx.state["departments"]:
            problems.append(("department_id", f"there is no department {dept!r} in the Departments sheet or the app"))
        if kind == "department" and dept is None:
            problems.append(("department_id", "a department check-in needs a department; fill it in, or make the "
                                              "kind steering or sponsor review"))
        if next_on is not None and next_on < held_on:
            problems.append(("next_on", f"{next_on} is before the check-in was held ({held_on}); pick a later date "
                                        "or leave it blank"))
        if not full:
            attendees = get(row, ps, "attendees", old, 5)
        attendees = ", ".join(n.strip() for n in attendees.split(",") if n.strip())
        if problems:
            for column, message in problems:
                ctx.error(where, row.excel_row, column, message)
            continue
        if full:
            change.add((key, held_on, dept, kind, facilitator, attendees, notes, decisions, wins, next_on, blockers),
                       old)
        else:
            change.add((key, held_on, dept, kind, get(row, ps, "facilitator", old, 4), attendees,
                        get(row, ps, "notes", old, 6), get(row, ps, "decisions", old, 7),
                        get(row, ps, "wins", old, 8), next_on, get(row, ps, "blockers", old, 10)), old)
        if key:
            ctx.state["checkins"][key] = held_on
    ctx.changes.append(change)


def actions(ctx: Context, wb: ParsedWorkbook) -> None:
    ps = wb.sheet(c.ACTIONS.name)
    if ps is None or c.ACTIONS.name not in ctx.enabled:
        return
    from ..checkins.records import allocate_keys

    rows = stored(ctx, ACTION_SQL)
    held = ctx.state.get("checkins", {})
    items = ctx.state.get("items", set())
    change = Change(ps.title, "actions", ACTION_COLUMNS, 1, "action", versioned=True,
                    extra={"updated_at": ctx.now}, insert_only={"created_at": ctx.now},
                    allocate=lambda tx, n: allocate_keys(tx, "action", n), counter=("action_seq", "ACT"))
    full = ps.columns.issuperset(ACTION_COLUMNS)   # every column of the sheet: no fallbacks (see backlog)
    at = ps.index
    i_checkin, i_text, i_status = at["checkin_id"], at["text"], at["status"]
    i_owner, i_due, i_item = (at[name] for name in ("owner", "due_on", "item_id")) if full else (None, None, None)
    i_closed = at.get("closed_on")
    for row, (key,) in keyed(ctx, ps):
        old = rows.get(key) if key else None
        v = row.cells
        checkin, text = v[i_checkin], v[i_text]
        problems = []
        if checkin not in held:
            problems.append(("checkin_id", f"there is no check-in {checkin!r} in the Check-ins sheet or the app"))
        status = v[i_status]
        closed_on = v[i_closed] if i_closed is not None else None
        if status == "open" and closed_on is not None:
            problems.append(("closed_on", f"{closed_on}: an open action has no closed date; clear it, or make the "
                                          "status done or dropped"))
        due_on = v[i_due] if full else get(row, ps, "due_on", old, 4, None)
        if due_on and held.get(checkin) and due_on < held[checkin]:
            problems.append(("due_on", f"{due_on} is before the check-in ({held[checkin]}); pick a later date"))
        item = v[i_item] if full else get(row, ps, "item_id", old, 6, None)
        if item is not None and item not in items:
            problems.append(("item_id", f"there is no backlog item {item!r} in the Backlog sheet or the app"))
        if problems:
            for column, message in problems:
                ctx.error(label(ps, row), row.excel_row, column, message)
            continue
        if status != "open" and closed_on is None:   # the day it was marked done or dropped: kept, or today
            closed_on = old[7] if old is not None and old[5] == status and old[7] else ctx.today
        change.add((key, checkin, text, v[i_owner] if full else get(row, ps, "owner", old, 3), due_on,
                    status, item, closed_on), old)
    ctx.changes.append(change)
