"""What the sheet rules share: rows with valid unique keys, values with fallbacks, stored rows."""

from __future__ import annotations

import re
from operator import itemgetter
from typing import Any

from ...backlog.fields import clean_fields
from ...models import ValidationError
from ..parsed import ParsedSheet, Row
from ..plan import Context


_CLEAN_ITEM_ID = re.compile(r"CI-\d{4,}\Z")   # already what clean_fields makes of a key: nothing to do


def check_item_id(value):
    """A backlog item's key as the app writes it (CI-0042), or ValidationError."""
    if value.__class__ is str and _CLEAN_ITEM_ID.match(value):
        return value
    return clean_fields({"item_id": value}, {"item_id"})["item_id"]


def label(ps: ParsedSheet, row: Row) -> str:
    return row.sheet or ps.title


def keyed(ctx: Context, ps: ParsedSheet, check=None) -> list[tuple[Row, tuple]]:
    """Rows with a valid, unique key, as (row, key). Reports bad and duplicate keys.

    Each check runs once per distinct value; rows are only touched for values the check
    rejects or rewrites (most keys come in clean, so most rows need nothing). A sheet whose
    keys are all clean and distinct (the usual case) needs no per-row bookkeeping at all.
    A rejected row is left out, so its key errors never meet the rule's on the same row.
    """
    names = ps.spec.key
    auto = ps.spec.auto_key
    rows = ps.rows
    at = [ps.index.get(name) for name in names]   # None: an auto key's column left out (every row is new)
    checks = []
    for name, fn in (check or {}).items():
        i = ps.index.get(name)
        if i is None:
            continue
        results = {}
        for value in {row.cells[i] for row in rows}:
            if value is None:
                continue
            try:
                result = fn(value)
            except ValidationError as err:
                result = err
            if isinstance(result, ValidationError) or result != value or result.__class__ is not value.__class__:
                results[value] = result
        if results:
            checks.append((i, results))
    if not checks:
        if None in at:
            keys = [(None,) * len(at)] * len(rows)
        elif len(at) == 1:
            i = at[0]
            keys = [(row.cells[i],) for row in rows]
        else:
            pick = itemgetter(*at)
            keys = [pick(row.cells) for row in rows]
        blanks = keys.count((None,) * len(names)) if auto else 0
        if len(set(keys)) + max(blanks - 1, 0) == len(keys):
            return list(zip(rows, keys))
    return list(_keyed_rows(ctx, ps, checks, at))


def _keyed_rows(ctx: Context, ps: ParsedSheet, checks, at: list[int]):
    """(row, key) for each row whose checked cells pass; a cell a check rewrote comes back rewritten."""
    seen: dict[Any, int] = {}
    names = ps.spec.key
    auto = ps.spec.auto_key
    for row in ps.rows:
        cells = row.cells
        failed = False
        for i, results in checks:
            value = cells[i]
            if value is None or value not in results:
                continue
            result = results[value]
            if isinstance(result, ValidationError):
                for p in result.problems:
                    ctx.error(label(ps, row), row.excel_row, p.field, p.message)
                failed = True
            else:
                cells = (*cells[:i], result, *cells[i + 1:])
        if failed:
            continue
        if cells is not row.cells:
            row = row._replace(cells=cells)
        key = tuple(None if i is None else cells[i] for i in at)
        if auto and key[0] is None:
            yield row, key
            continue
        first = seen.get(key)
        if first is not None:
            ctx.error(label(ps, row), row.excel_row, ", ".join(names),
                      f"{'/'.join(str(k) for k in key)} appears twice (first on row {first}); keep one row")
            continue
        seen[key] = row.excel_row
        yield row, key


def get(row: Row, ps: ParsedSheet, name: str, old: tuple | None, index: int, default: Any = "",
         blank: Any = None) -> Any:
    """A column's value: from the sheet if it has the column, else what is stored, else the default."""
    i = ps.index.get(name)
    if i is not None:
        value = row.cells[i]
        if value is None or value == "":
            return default if blank is None else blank
        return value
    return old[index] if old is not None else default


def stored(ctx: Context, sql: str, key_len: int = 1) -> dict:
    rows = ctx.fetch(sql, [])
    if key_len == 1:
        return {r[0]: tuple(r) for r in rows}
    return {tuple(r[:key_len]): tuple(r) for r in rows}
