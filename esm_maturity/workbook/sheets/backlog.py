"""The Backlog sheet: improvements checked against the backlog's own gates (esm_maturity.backlog).

A row with a blank key is a new item; its key is assigned when written. Keys a workbook brings
move the key counter past them (Change.counter), so the app's next key is fresh. An item created
or moved gets its status history row (history.py).
"""

from __future__ import annotations

from operator import itemgetter

from ...access.policy import Permission
from ...backlog.commands import check_gates
from ...backlog.fields import FINAL_STATUSES, item_key
from ...db import Tx
from ...models import ValidationError
from .. import contract as c
from ..parsed import ParsedSheet, ParsedWorkbook
from ..plan import Change, Context
from .history import auto_history, status_history
from .keyed import check_item_id, get, keyed, label, stored

BACKLOG_COLUMNS = ("item_id", "title", "description", "department_id", "dimension_id", "status", "status_reason",
                   "owner", "value", "effort", "raised_on", "due_on", "closed_on", "outcome", "lessons", "raised_by",
                   "source", "source_ref")
BACKLOG_SQL = f"SELECT {', '.join(BACKLOG_COLUMNS)} FROM backlog_items"


def backlog(ctx: Context, wb: ParsedWorkbook) -> None:
    if c.BACKLOG.name not in ctx.enabled:
        return
    rows = stored(ctx, BACKLOG_SQL)
    ctx.state["items"] = set(rows)
    ps = wb.sheet(c.BACKLOG.name)
    if ps is None:
        status_history(ctx, wb, {})   # a Status history sheet alone adds to the stored items' history
        return
    due: dict[str, str] = {}   # keyed items this import creates or moves: item -> its new status
    covered: set[str] = set()  # ... whose move the Status history sheet records (filled below)
    change = Change(ps.title, "backlog_items", BACKLOG_COLUMNS, 1, "backlog_item", versioned=True,
                    extra={"updated_at": ctx.now}, insert_only={"created_at": ctx.now}, dept_index=3,
                    allocate=_allocate_items, counter=("backlog_seq", "CI"),
                    after_write=lambda tx, ch: auto_history(tx, ch, covered), permission=Permission.backlog)
    _sort_items(ctx, ps, rows, change, due)
    ctx.changes.append(change)
    del ps, rows   # the sheet's rows (handed over by a single-use workbook) go before Status history is read
    covered |= status_history(ctx, wb, due)


def _sort_items(ctx: Context, ps: ParsedSheet, rows: dict, change: Change, due: dict[str, str]) -> None:
    """Check each row against the backlog's gates and sort it into `change`; `due` gets the keyed items
    created or moved (item -> its new status). A column the sheet leaves out keeps what is stored."""
    full = ps.columns.issuperset(BACKLOG_COLUMNS)   # every column in the sheet (an export): no fallbacks
    departments, dimensions, today, actor = ctx.state["departments"], ctx.state["dimensions"], ctx.today, ctx.actor.name
    at = ps.index
    i_title, i_dept, i_status = at["title"], at["department_id"], at["status"]
    fields = itemgetter(*(at[name] for name in BACKLOG_COLUMNS[1:])) if full else None
    for row, (key,) in keyed(ctx, ps, {"item_id": check_item_id}):
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
        if status in FINAL_STATUSES and closed_on is None:
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


def _allocate_items(tx: Tx, count: int) -> list[str]:
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
