"""Helpers the sheet handlers share: valid unique keys, values with fallbacks, stored rows."""

from __future__ import annotations

from typing import Any

from ..models import ValidationError
from .importer import Context
from .reader import ParsedSheet, Row


def label(ps: ParsedSheet, row: Row) -> str:
    return row.sheet or ps.title


def keyed(ctx: Context, ps: ParsedSheet, check=None) -> list[tuple[Row, tuple]]:
    """Rows with a valid, unique key, as (row, key). Reports bad and duplicate keys.

    Each check runs once per distinct value; rows are only touched for values the check
    rejects or rewrites (most keys come in clean, so most rows need nothing). A sheet whose
    keys are all clean and distinct (the usual case) needs no per-row bookkeeping at all.
    A rejected row is left out, so its key errors never meet the handler's on the same row.
    """
    names = ps.spec.key
    auto = ps.spec.auto_key
    rows = ps.rows
    checks = []
    for name, fn in (check or {}).items():
        results = {}
        for value in {row.values.get(name) for row in rows}:
            if value is None:
                continue
            try:
                result = fn(value)
            except ValidationError as err:
                result = err
            if isinstance(result, ValidationError) or result != value or result.__class__ is not value.__class__:
                results[value] = result
        if results:
            checks.append((name, results))
    if not checks:
        if len(names) == 1:
            name = names[0]
            keys = [(row.values.get(name),) for row in rows]
        else:
            keys = [tuple(map(row.values.get, names)) for row in rows]
        blanks = keys.count((None,) * len(names)) if auto else 0
        if len(set(keys)) + max(blanks - 1, 0) == len(keys):
            return list(zip(rows, keys))
    return list(_keyed_rows(ctx, ps, checks))


def _keyed_rows(ctx: Context, ps: ParsedSheet, checks):
    seen: dict[Any, int] = {}
    names = ps.spec.key
    auto = ps.spec.auto_key
    for row in ps.rows:
        values = row.values
        failed = False
        for name, results in checks:
            value = values.get(name)
            if value is None or value not in results:
                continue
            result = results[value]
            if isinstance(result, ValidationError):
                for p in result.problems:
                    ctx.error(label(ps, row), row.excel_row, p.field, p.message)
                failed = True
            else:
                values[name] = result
        if failed:
            continue
        key = tuple(map(values.get, names))
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
    if name in ps.columns:
        value = row.values.get(name)
        if value is None or value == "":
            return default if blank is None else blank
        return value
    return old[index] if old is not None else default


def stored(ctx: Context, sql: str, key_len: int = 1) -> dict:
    rows = ctx.fetch(sql, [])
    if key_len == 1:
        return {r[0]: tuple(r) for r in rows}
    return {tuple(r[:key_len]): tuple(r) for r in rows}
