"""The Check-ins and Actions sheets: meeting records and their actions, by the check-ins' own rules
(esm_maturity.checkins keys and dates). A row with a blank key is a new record; its key is
assigned when written, and keys a workbook brings move the key counters past them.
"""

from __future__ import annotations

from operator import itemgetter

from ...access.policy import Permission
from ...checkins.keys import allocate_keys
from ...models import check_department_id
from .. import contract as c
from ..parsed import ParsedWorkbook
from ..plan import Change, Context
from .backlog import to_check
from .keyed import get, keyed, label, stored

CHECKIN_COLUMNS = ("checkin_id", "held_on", "department_id", "kind", "facilitator", "attendees", "notes",
                   "decisions", "wins", "next_on", "blockers", "stream_id")
CORE = 11   # the columns before the value stream link: a workbook from before it has exactly these
ACTION_COLUMNS = ("action_id", "checkin_id", "text", "owner", "due_on", "status", "item_id", "closed_on")
CHECKIN_SQL = f"SELECT {', '.join(CHECKIN_COLUMNS)} FROM checkins"
ACTION_SQL = f"SELECT {', '.join(ACTION_COLUMNS)} FROM actions"


def checkins(ctx: Context, wb: ParsedWorkbook) -> None:
    if c.CHECKINS.name not in ctx.enabled:
        return
    rows = stored(ctx, CHECKIN_SQL)
    ctx.state["checkins"] = {k: r[1] for k, r in rows.items()}
    # each check-in's departments, stored and as the sheet has it: whose actions they are
    ctx.state["checkin_departments"] = {k: {r[2]} for k, r in rows.items()}
    ps = wb.sheet(c.CHECKINS.name)
    if ps is None:
        return
    change = Change(ps.title, "checkins", CHECKIN_COLUMNS, 1, "checkin", versioned=True,
                    extra={"updated_at": ctx.now}, insert_only={"created_at": ctx.now}, dept_index=2,
                    allocate=lambda tx, n: allocate_keys(tx, "checkin", n), counter=("checkin_seq", "CHK"),
                    permission=Permission.checkin)
    full = ps.columns.issuperset(CHECKIN_COLUMNS[:CORE])   # every core column: no fallbacks (see backlog)
    at = ps.index
    i_held = at["held_on"]
    fields = itemgetter(*(at[name] for name in CHECKIN_COLUMNS[1:CORE])) if full else None
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
        stream = get(row, ps, "stream_id", old, CORE, None)   # left out: as stored (a new check-in: none)
        if stream is not None:
            to_check(ctx, where, row.excel_row, stream, None)
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
            change.add((key, held_on, dept, kind, facilitator, attendees, notes, decisions, wins, next_on, blockers,
                        stream), old)
        else:
            change.add((key, held_on, dept, kind, get(row, ps, "facilitator", old, 4), attendees,
                        get(row, ps, "notes", old, 6), get(row, ps, "decisions", old, 7),
                        get(row, ps, "wins", old, 8), next_on, get(row, ps, "blockers", old, 10), stream), old)
        if key:
            ctx.state["checkins"][key] = held_on
            ctx.state["checkin_departments"].setdefault(key, set()).add(dept)
    ctx.changes.append(change)


def actions(ctx: Context, wb: ParsedWorkbook) -> None:
    ps = wb.sheet(c.ACTIONS.name)
    if ps is None or c.ACTIONS.name not in ctx.enabled:
        return
    rows = stored(ctx, ACTION_SQL)
    held = ctx.state.get("checkins", {})
    items = ctx.state.get("items", set())
    owners = ctx.state.get("checkin_departments", {})
    change = Change(ps.title, "actions", ACTION_COLUMNS, 1, "action", versioned=True,
                    extra={"updated_at": ctx.now}, insert_only={"created_at": ctx.now},
                    allocate=lambda tx, n: allocate_keys(tx, "action", n), counter=("action_seq", "ACT"),
                    permission=Permission.checkin, departments_of=lambda r: owners.get(r[1], (None,)))
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
