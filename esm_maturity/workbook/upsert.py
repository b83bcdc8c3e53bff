"""The SQL an import writes: a Change's rows upserted through a staging table, key counters moved
past the keys it brings, and its audit rows (one per changed record, one per sheet for the records
it created).

Each step takes the transaction, or the writer thread's QueuedTx (table_writer.py), which runs
the same statements in order in that thread.
"""

from __future__ import annotations

import json
from operator import itemgetter
from typing import Any, Callable

from ..db import Tx
from .parsed import ParsedWorkbook
from .plan import Change


def write_change(tx: Tx, change: Change, parsed: ParsedWorkbook | None = None) -> None:
    """Rows with keys first, then new rows with assigned keys (so assigned keys skip the imported ones).
    change.new keeps its length throughout (the report counts it while this runs)."""
    blank = [row for row in change.new if row[0] is None]
    keyed = [row for row in change.new if row[0] is not None] if blank else change.new
    _upsert(tx, change.table, change.columns, change.key_len, keyed, change, updates_needed=False)
    _upsert(tx, change.table, change.columns, change.key_len, [r for _, r in change.changed], change)
    if change.counter and keyed:
        sequence, prefix = change.counter
        _run(tx, _advance_counter, sequence, _highest_key(prefix, keyed))
    if blank:
        keys = change.allocate(tx, len(blank))
        blank = [(key, *row[1:]) for key, row in zip(keys, blank)]
        _upsert(tx, change.table, change.columns, change.key_len, blank, change, updates_needed=False)
        change.new = keyed + blank
    if change.after_write:
        change.after_write(tx, change)


def _run(tx: Any, fn: Callable, *args: Any) -> None:
    """fn(tx, *args): now in the transaction, or queued for the writer thread when `tx` is the main thread's
    table_writer.QueuedTx (which only queues statements)."""
    if isinstance(tx, Tx):
        fn(tx, *args)
    else:
        tx.call(fn, *args)


def _highest_key(prefix: str, rows: list[tuple]) -> int:
    """The highest number among keys like PREFIX-0042 in the rows' first column (0 if none)."""
    start = len(prefix) + 1
    numbers = [row[0][start:] for row in rows if row[0].startswith(prefix + "-")]
    return max((int(n) for n in numbers if n.isdigit()), default=0)


def _advance_counter(tx: Tx, sequence: str, highest: int) -> None:
    """Move a key counter past the highest key an import brought, so the app's next key is a fresh one."""
    if highest <= 0:
        return
    current = tx.execute(f"SELECT nextval('{sequence}')", [])[0][0]
    if highest > current:
        tx.execute(f"SELECT max(nextval('{sequence}')) FROM generate_series(1, $1)", [highest - current])


def _upsert(tx: Tx, table: str, columns_: tuple[str, ...], key_len: int, rows_: list[tuple], change: Change,
            updates_needed: bool = True) -> None:
    """New and changed rows in one INSERT ... ON CONFLICT DO UPDATE through a staging table."""
    if not rows_:
        return
    if change.table_columns is not None:   # the other columns are after_write's
        columns_, rows_ = columns_[:change.table_columns], [row[:change.table_columns] for row in rows_]
    stage = f"import_stage_{table}"
    extra = {**change.extra, **change.insert_only}
    columns = [*columns_, *extra]
    constants = tuple(extra.values())
    cols = ", ".join(columns)
    if not updates_needed:
        tx.insert_rows(table, columns, rows_, constants)  # new keys only (checked in this transaction): a plain insert
        return
    tx.execute(f"CREATE TEMP TABLE {stage} AS SELECT {cols} FROM {change.table} WHERE FALSE")
    try:
        tx.insert_rows(stage, columns, rows_, constants)
        if not change.unique_key:
            _update_from(tx, change, stage, columns_, key_len)
            return
        keys = ", ".join(columns_[:key_len])
        updates = [f"{col} = excluded.{col}" for col in [*columns_[key_len:], *change.extra]]
        if change.versioned:
            updates.append(f"version = {change.table}.version + 1")
        action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
        tx.execute(f"INSERT INTO {change.table} ({cols}) SELECT {cols} FROM {stage} ON CONFLICT ({keys}) {action}")
    finally:
        tx.execute(f"DROP TABLE {stage}")


def _update_from(tx: Tx, change: Change, stage: str, columns: tuple[str, ...], key_len: int) -> None:
    """Changed rows of a table without a key constraint (no ON CONFLICT): one UPDATE joined to the stage."""
    sets = [f"{col} = s.{col}" for col in [*columns[key_len:], *change.extra]]
    if change.versioned:
        sets.append(f"version = {change.table}.version + 1")
    match = " AND ".join(f"{change.table}.{col} = s.{col}" for col in columns[:key_len])
    tx.execute(f"UPDATE {change.table} SET {', '.join(sets)} FROM {stage} s WHERE {match}")


# --- audit rows ---------------------------------------------------------------------------------

_JSON = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True)
AUDIT_COLUMNS = ["occurred_at", "actor", "action", "entity", "entity_key", "department_id", "before_json", "after_json"]


def audit_change(tx: Tx, change: Change, parsed: ParsedWorkbook) -> None:
    if change.changed:
        tx.insert_rows("audit_log", AUDIT_COLUMNS, _audit_rows(tx, change))
    if change.new:
        _audit_created(tx, change, parsed)


def _audit_rows(tx: Tx, change: Change) -> list[tuple]:
    """One row per changed record, with what was stored before and what the import wrote."""
    names = change.columns
    dumps = _JSON.encode
    key_len, dept = change.key_len, change.dept_index
    actor, now, entity = tx.actor.name, tx.now, change.entity
    return [(now, actor, "import", entity, "/".join(str(k) for k in row[:key_len]),
             row[dept] if dept is not None else None, dumps(dict(zip(names, old))), dumps(dict(zip(names, row))))
            for old, row in change.changed]


def _audit_created(tx: Tx, change: Change, parsed: ParsedWorkbook) -> None:
    """One row per sheet for the records an import created: their keys, the file and its hash.

    The file (identified by its SHA-256) holds every value that was written, so a row per
    created record would repeat it; records an import changes keep a row each (_audit_rows).
    """
    key_len, dept = change.key_len, change.dept_index
    if change.audit_by_first_key:   # e.g. the items whose status history was added
        keys = list(dict.fromkeys(row[0] for row in change.new))
    elif key_len == 1:
        keys = [str(row[0]) for row in change.new]
    elif key_len == 2:
        keys = [f"{a}/{b}" for a, b in map(itemgetter(0, 1), change.new)]
    elif key_len == 3:
        keys = [f"{a}/{b}/{c}" for a, b, c in map(itemgetter(0, 1, 2), change.new)]
    else:
        keys = ["/".join(map(str, row[:key_len])) for row in change.new]
    departments = {row[dept] for row in change.new} if dept is not None else set()
    tx.audit("import", change.entity, parsed.filename, after={
        "created": len(change.new), "sheet": change.sheet, "file": parsed.filename, "sha256": parsed.sha256,
        "keys": keys}, department_id=departments.pop() if len(departments) == 1 else None)
