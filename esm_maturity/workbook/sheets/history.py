"""The Status history sheet: every status a backlog item entered, and the rows an import adds itself.

A history row's key is (item_id, changed_at, status); the actor is its value. The table has no
key constraint, so a row whose key is stored is left alone or has its actor updated, and a new
key is inserted: importing the same sheet twice changes nothing.

An item the import creates or moves gets a row of its own (its new status, now, the importer),
as in the app, unless the Status history sheet already records that move: the item's latest
entry, stored or in the sheet, is the status the import gives it (a restored backup).
"""

from __future__ import annotations

from ...access.policy import Permission
from ...db import Tx
from .. import contract as c
from ..parsed import ParsedWorkbook
from ..plan import Change, Context
from .keyed import check_item_id, keyed, label, stored

HISTORY_COLUMNS = ("item_id", "changed_at", "status", "actor")   # the key first, in the sheet's key order
HISTORY_SQL = f"SELECT {', '.join(HISTORY_COLUMNS)} FROM backlog_status_history"


def status_history(ctx: Context, wb: ParsedWorkbook, due: dict[str, str]) -> set[str]:
    """Check the sheet's rows into a Change. Returns the items of `due` (item -> the status this import
    gives it) whose move the sheet records, so that they get no row of the import's own."""
    ps = wb.sheet(c.STATUS_HISTORY.name)
    if ps is None:
        return set()
    rows = stored(ctx, HISTORY_SQL, 3)
    change = Change(ps.title, "backlog_status_history", HISTORY_COLUMNS, 3, "status_change", unique_key=False,
                    audit_by_first_key=True, permission=Permission.backlog)
    items, importer = ctx.state["items"], ctx.actor.name
    i_actor = ps.index.get("actor")
    latest: dict[str, tuple] = {}   # due item -> (changed_at, status) of its latest entry in the sheet
    add_new = change.new.append      # change.add for a key not stored (the usual case), without the call
    for row, key in keyed(ctx, ps, {"item_id": check_item_id}):
        item, at, status = key
        if item not in items:
            ctx.error(label(ps, row), row.excel_row, "item_id",
                      f"there is no backlog item {item!r} in the Backlog sheet or the app")
            continue
        old = rows.get(key) if rows else None
        actor = row.cells[i_actor] if i_actor is not None else None
        if not actor or actor.isspace():   # who moved it: as stored, else the person importing
            actor = old[3] if old is not None else importer
        if old is None:
            add_new((item, at, status, actor))
        else:
            change.add((item, at, status, actor), old)
        if item in due and (item not in latest or at > latest[item][0]):
            latest[item] = (at, status)
    ctx.changes.append(change)
    return _covered(latest, rows, due)


def _covered(latest: dict[str, tuple], rows: dict, due: dict[str, str]) -> set[str]:
    if latest and rows:   # what is stored counts too: the latest entry of all
        for item, at, status in rows:
            if item in latest and at > latest[item][0]:
                latest[item] = (at, status)
    return {item for item, (_, status) in latest.items() if due[item] == status}


def auto_history(tx: Tx, change: Change, covered: set[str]) -> None:
    """After the items are written: the status each item created or moved entered now, by the importer."""
    now, actor = tx.now, tx.actor.name
    rows = [(r[0], r[5], now, actor) for r in change.new if r[0] not in covered]
    rows += [(r[0], r[5], now, actor) for old, r in change.changed if old[5] != r[5] and r[0] not in covered]
    tx.insert_rows("backlog_status_history", ["item_id", "status", "changed_at", "actor"], rows)
