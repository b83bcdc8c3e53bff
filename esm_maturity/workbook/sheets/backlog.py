"""The Backlog sheet: improvements checked against the backlog's own gates (esm_maturity.backlog).

A row with a blank key is a new item; its key is assigned when written. Keys a workbook brings
move the key counter past them (Change.counter), so the app's next key is fresh. An item created
or moved gets its status history row (history.py). The value stream and step a row names (stream_id,
step_id) are checked by stream_links, the last step, against the streams of the workbook and the app.
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
                   "source", "source_ref", "stream_id", "step_id")
CORE = 18   # the columns before the value stream links: a workbook from before them has exactly these
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
    full = ps.columns.issuperset(BACKLOG_COLUMNS[:CORE])   # every core column (an export): no fallbacks
    departments, dimensions, today, actor = ctx.state["departments"], ctx.state["dimensions"], ctx.today, ctx.actor.name
    at = ps.index
    i_title, i_dept, i_status = at["title"], at["department_id"], at["status"]
    fields = itemgetter(*(at[name] for name in BACKLOG_COLUMNS[1:CORE])) if full else None
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
        stream, step = links(row, ps, old)
        if stream is not None or step is not None:
            to_check(ctx, label(ps, row), row.excel_row, stream, step)
        if status in FINAL_STATUSES and closed_on is None:
            closed_on = old[12] if old is not None and old[12] else today
        if full:  # what get() gives for present columns: parsed blanks are "" (text) or None (the rest)
            item = (key, title, description, dept, dim, status, status_reason, owner, value, effort,
                    raised_on or today, due_on, closed_on, outcome, lessons, raised_by, source or "staff idea",
                    source_ref, stream, step)
        else:
            item = (key, title, get(row, ps, "description", old, 2), dept, dim, status,
                    get(row, ps, "status_reason", old, 6), get(row, ps, "owner", old, 7),
                    get(row, ps, "value", old, 8, None), get(row, ps, "effort", old, 9, None),
                    get(row, ps, "raised_on", old, 10, today), get(row, ps, "due_on", old, 11, None), closed_on,
                    get(row, ps, "outcome", old, 13), get(row, ps, "lessons", old, 14), raised_by,
                    get(row, ps, "source", old, 16, "staff idea"), get(row, ps, "source_ref", old, 17, None),
                    stream, step)
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


def to_check(ctx: Context, sheet: str, excel_row: int, stream: str | None, step: str | None) -> None:
    """Note a row's value stream link for stream_links (the last step: the stream sheets have run by then)."""
    ctx.state.setdefault("stream_links", []).append((sheet, excel_row, stream, step))


def stream_links(ctx: Context, wb: ParsedWorkbook) -> None:
    """Every stream and step a Backlog or Check-ins row names must be a value stream (in the workbook or the
    app) and one of its steps; an error on its row otherwise. Runs after every sheet rule, so the stream
    sheets' own rule, wherever it runs, has filled ctx.state["stream_steps"]; the import is all or nothing."""
    noted = ctx.state.pop("stream_links", [])
    if not noted:
        return
    streams = known_streams(ctx)
    for sheet, excel_row, stream, step in noted:
        for column, message in link_problems(streams, stream, step):
            ctx.error(sheet, excel_row, column, message)


def known_streams(ctx: Context) -> dict[str, set[str]]:
    """Every value stream's key with its steps' keys (any version), as ctx.state["stream_steps"]: what the
    stream sheets' rule put there (the workbook's streams and the stored ones), else what is stored."""
    known = ctx.state.get("stream_steps")
    if known is None:
        known = {}
        for stream_id, step_id in ctx.fetch("SELECT v.stream_id, s.step_id FROM value_streams v "
                                            "LEFT JOIN stream_steps s ON s.stream_id = v.stream_id", []):
            steps = known.setdefault(stream_id, set())
            if step_id is not None:
                steps.add(step_id)
        ctx.state["stream_steps"] = known
    return known


def links(row, ps: ParsedSheet, old: tuple | None) -> tuple[str | None, str | None]:
    """The row's value stream and step: a column the sheet leaves out keeps what is stored (nothing for a new
    item); a stream changed without a step column drops the old stream's step."""
    stream = get(row, ps, "stream_id", old, CORE, None)
    step = get(row, ps, "step_id", old, CORE + 1, None)
    if "step_id" not in ps.index and old is not None and stream != old[CORE]:
        step = None
    return stream, step


def link_problems(streams: dict[str, set[str]], stream: str | None, step: str | None,
                  step_column: str = "step_id") -> list[tuple[str, str]]:
    """(column, message) for a stream that is not one, a step that is not that stream's, a step without one."""
    if stream is None:
        return [(step_column, f"the step {step} needs its value stream: fill in stream_id, or clear the step")] \
            if step else []
    if stream not in streams:
        return [("stream_id", f"{stream} is not a value stream in the ValueStreams sheet or the app; use a stream's "
                              "key (VS-1), or leave it blank")]
    if step is None or step in streams[stream]:
        return []
    owner = next((key for key, steps in streams.items() if step in steps), None)
    if owner is None:
        return [(step_column, f"{step} is not a step of any value stream; use one of {stream}'s steps, or leave it "
                              "blank")]
    return [(step_column, f"{step} is a step of {owner}, not of {stream}; use one of {stream}'s steps, or leave it "
                          "blank")]


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
