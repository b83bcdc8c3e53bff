"""Cell parsing: each cell is read by its column's kind from the contract (contract.Column.kind).

A bad cell becomes an issue on its row, never a guess. Text comes back exactly as typed;
only keys and vocabulary words (choices, dates, numbers) are trimmed. A whole column is
parsed at once, each distinct value once (parse_column).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from ..limits import too_long
from ..models import Quarter, ScoreValue, ValidationError, parse_level
from . import contract as c
from .parsed import Issue

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOLS = {"true": True, "yes": True, "1": True, "y": True, "false": False, "no": False, "0": False, "n": False}


def blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def as_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_text(value: Any, col: c.Column) -> str:
    """User text exactly as typed (white space and all); a number or date cell as its text."""
    text = value if type(value) is str else ("" if blank(value) else as_text(value))
    problem = too_long(text, col.max_len)
    if problem:
        raise ValueError(problem)
    return text


def parse_key(value: Any, col: c.Column) -> str | None:
    if type(value) is str:
        text = value.strip()
    elif blank(value):
        return None
    elif isinstance(value, bool) or isinstance(value, (dt.date, dt.timedelta)):
        raise ValueError(f"{as_text(value)} is not a key; type the key as text")
    else:
        text = as_text(value)
    problem = too_long(text, col.max_len)
    if problem:
        raise ValueError(problem)
    return text or None


def parse_int(value: Any, col: c.Column) -> int | None:
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise ValueError(f"{as_text(value)!r} is not a whole number")


def parse_number(value: Any, col: c.Column) -> float | None:
    """A figure (decimals allowed): a number cell, or its text; the sheet's rule checks its range."""
    if blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a number")
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"{as_text(value)!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{as_text(value)!r} is not a number")
    return number


def parse_bool(value: Any, col: c.Column) -> bool | None:
    if isinstance(value, bool):
        return value
    if blank(value):
        return None
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    found = _BOOLS.get(str(value).strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"{as_text(value)!r} is not TRUE or FALSE")
    return found


def parse_date(value: Any, col: c.Column) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if blank(value):
        return None
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a real date") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{as_text(value)} is a number, not a date; format the cell as a date or write "
                         "YYYY-MM-DD")
    raise ValueError(f"{as_text(value)!r} is not a date; use a real Excel date or YYYY-MM-DD text "
                     "(dates like 01/02/2025 are ambiguous)")


def parse_datetime(value: Any, col: c.Column) -> dt.datetime | None:
    """A moment: a real Excel date-time, or ISO text (export writes text: Excel keeps milliseconds only)."""
    if value.__class__ is str and value[4:5] == "-" and value[7:8] == "-":   # YYYY-MM-DD...: ISO text
        try:
            moment = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a real date and time; write YYYY-MM-DD HH:MM:SS") from None
        if moment.tzinfo is not None:
            moment = moment.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return moment
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time())
    if blank(value):
        return None
    if isinstance(value, str) and value.strip() != value:
        return parse_datetime(value.strip(), col)
    raise ValueError(f"{as_text(value)!r} is not a date and time; use a real Excel date or "
                     "YYYY-MM-DD HH:MM:SS text (UTC)")


def _domain(parse):
    def wrapped(value: Any, col: c.Column):
        try:
            return parse(value, col.name)
        except ValidationError as err:
            raise ValueError("; ".join(p.message for p in err.problems)) from None
    return wrapped


def parse_quarter(value: Any, col: c.Column) -> str | None:
    if blank(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{as_text(value)!r} is not a quarter; write it as text YYYY-Qn, for example 2025-Q3")
    return str(_domain(lambda v, f: Quarter.parse(v))(value, col))


def parse_choice(value: Any, col: c.Column) -> str | None:
    if blank(value):
        return None
    text = " ".join(as_text(value).replace("_", " ").split()).casefold()
    for choice in col.choices:
        if choice.casefold() == text:
            return choice
    raise ValueError(f"{as_text(value)!r} is not one of: " + ", ".join(col.choices))


PARSERS = {
    c.TEXT: parse_text, c.KEY: parse_key, c.INT: parse_int, c.BOOL: parse_bool, c.DATE: parse_date,
    c.DATETIME: parse_datetime,
    c.LEVEL: _domain(lambda v, f: parse_level(v, f)), c.SCORE: _domain(lambda v, f: ScoreValue.parse(v, f)),
    c.QUARTER: parse_quarter, c.CHOICE: parse_choice, c.NUMBER: parse_number,
}


# --- whole columns ----------------------------------------------------------------------------

_FAILED = object()


class ColumnMemo:
    """A column's parsed values, kept across chunks: value -> parsed (or _FAILED), and the errors.

    1, 1.0 and True are equal keys to a dict: values are their own keys only while the column
    has shown no two such types; after that, (type, value) is the key."""

    def __init__(self) -> None:
        self.kinds: set[type] = set()
        self.plain: dict[Any, Any] = {}
        self.failed_plain: dict[Any, str] = {}
        self.typed: dict[tuple, Any] = {}
        self.failed_typed: dict[tuple, str] = {}


_NUMBERS = {bool, int, float}


def parse_column(values, col: c.Column, title: str, header_index: int, issues: list[Issue],
                 memo: ColumnMemo | None = None) -> list:
    """Parse one column's cells (values[0] is on Excel row header_index + 2), whole columns at once.

    Text already clean needs no work; other values repeat a lot (quarters, keys, levels,
    dates), so each distinct value is parsed once and the results mapped back.
    """
    parse = PARSERS[col.kind]
    if col.kind == c.TEXT:   # kept as typed: text cells within the limit need no work at all
        limit = col.max_len
        out = ["" if v is None else v for v in values] if None in values else list(values)   # None: a blank cell
        try:
            if max(map(len, out), default=0) <= limit:   # TypeError: a cell that is not text
                return out
        except TypeError:
            pass
        for i, v in enumerate(out):
            if v.__class__ is not str or len(v) > limit:
                out[i] = _parse_one(parse, v, col, title, header_index + 2 + i, issues)
        return out
    try:
        distinct = set(values)
    except TypeError:  # an unhashable value: never from calamine, but be safe
        return [_parse_one(parse, v, col, title, header_index + 2 + i, issues) for i, v in enumerate(values)]
    memo = memo or ColumnMemo()
    kinds = set(map(type, distinct))
    if kinds & _NUMBERS:   # the set kept one of 1.0 and True: the types of every cell, then
        kinds = set(map(type, values))
    memo.kinds |= kinds
    if len(memo.kinds & _NUMBERS) < 2:   # the usual case: the values themselves are the keys
        keys = values
        known, failed = memo.plain, memo.failed_plain
        _parse_new(distinct, known, failed, parse, col)
    else:
        keys = list(zip(map(type, values), values))
        known, failed = memo.typed, memo.failed_typed
        _parse_new(set(keys), known, failed, lambda key, col: parse(key[1], col), col)
    if failed:
        for i, key in enumerate(keys):
            if key in failed:
                issues.append(Issue(title, header_index + 2 + i, col.name, failed[key]))
    return list(map(known.__getitem__, keys))


def _parse_new(values, known: dict, failed: dict, parse, col: c.Column) -> None:
    for value in values:
        if value in known:
            continue
        try:
            known[value] = parse(value, col)
        except ValueError as err:
            failed[value] = str(err)
            known[value] = _FAILED


def _parse_one(parse, value, col: c.Column, title: str, excel_row: int, issues: list[Issue]):
    try:
        return parse(value, col)
    except ValueError as err:
        issues.append(Issue(title, excel_row, col.name, str(err)))
        return _FAILED
