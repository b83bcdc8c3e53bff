"""Read a workbook's bytes into typed rows plus a list of issues (sheet, row, column, message).

The file is checked by safety.check_upload first; values are read with python-calamine
(fast, no formulas evaluated). Every cell is parsed by its column's kind from the
contract, so a bad cell becomes an issue on that row, never a guess. Text comes back
exactly as typed; only keys and vocabulary words (choices, dates, numbers) are trimmed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from itertools import islice, repeat
from typing import Any, NamedTuple

from ..limits import too_long
from ..models import Quarter, ScoreValue, ValidationError, parse_level
from . import contract as c
from .loader import SheetLoader, give_back_memory, paused_gc
from .safety import check_upload, refuse


@dataclass(frozen=True)
class Issue:
    sheet: str
    row: int | None        # as Excel numbers it (1 = the header row)
    column: str | None
    message: str
    severity: str = "error"   # or "warning"

    def __str__(self) -> str:
        where = self.sheet + (f" row {self.row}" if self.row else "") + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class Row(NamedTuple):
    """One sheet row: its Excel row number and its cells, in the order of ParsedSheet.names."""

    excel_row: int
    cells: tuple
    sheet: str | None = None           # the sheet label for issues when rows come from several files


@dataclass
class ParsedSheet:
    """A sheet's rows as tuples (one per row, far smaller and faster to make than a dict per row):
    `names` says which contract column each position holds, `index` where a column is."""

    spec: c.Sheet
    title: str                         # the sheet's name as written in the file
    names: tuple[str, ...] = ()        # contract columns present, in the rows' order
    rows: list[Row] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.index = {name: i for i, name in enumerate(self.names)}
        self.columns = set(self.names)

    def value(self, row: Row, name: str, default: Any = None) -> Any:
        """A column's value in a row; `default` when the sheet has no such column."""
        i = self.index.get(name)
        return row.cells[i] if i is not None else default


class ParsedWorkbook:
    """A checked workbook: its About values, sheets (contract name -> rows) and issues.

    Fresh from open_workbook() the big sheets may still be arriving: the worker thread
    parses them while the importer validates the ones it has (sheet() reads one sheet when
    first asked for). `sheets`, `issues` and `errors` read whatever is left first.
    """

    def __init__(self, filename: str, sha256: str, about: dict[str, str], sheets: dict[str, ParsedSheet],
                 issues: list[Issue] | None = None, kind: str = c.FORMAT):
        self.filename = filename
        self.sha256 = sha256
        self.about = about
        self.kind = kind
        self._sheets = sheets
        self._issues = issues if issues is not None else []
        self._pending: _PendingSheets | None = None
        self.single_use = False   # apply_import sets it: each sheet is handed over once, then dropped

    @property
    def sheets(self) -> dict[str, ParsedSheet]:
        self.finish()
        return self._sheets

    @property
    def issues(self) -> list[Issue]:
        self.finish()
        return self._issues

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    def sheet(self, name: str) -> ParsedSheet | None:
        """One contract sheet (None if the file has none), read now if it was still waiting.

        For a single-use workbook the sheet is handed over: the caller holds its rows, so they
        are freed as soon as it is done with them (a large import then holds one sheet's rows,
        not all of them)."""
        if self._pending is not None:
            self._pending.read(name)
        return self._sheets.pop(name, None) if self.single_use else self._sheets.get(name)

    def finish(self) -> None:
        """Read every sheet still waiting and let the worker thread go."""
        if self._pending is not None:
            self._pending.read_all()


class _PendingSheets:
    """The sheets of an opened workbook not read yet; reads each on demand, in any order."""

    def __init__(self, parsed: ParsedWorkbook, loader: SheetLoader, todo: dict[str, tuple[str, c.Sheet]], info):
        self._parsed, self._loader, self._todo, self._info = parsed, loader, todo, info

    def read(self, name: str) -> None:
        item = self._todo.pop(name, None)
        if item is None:
            return
        try:
            with paused_gc():
                title, spec = item
                self._parsed._sheets[name] = _read_sheet(self._loader, title, spec, self._info,
                                                         self._parsed._issues)
            give_back_memory()   # the sheet's cells as calamine and Python held them are gone
        except BaseException:
            self.close()
            raise
        if not self._todo:
            self.close()

    def read_all(self) -> None:
        for name in list(self._todo):
            self.read(name)

    def close(self) -> None:
        self._todo = {}
        self._parsed._pending = None
        self._loader.close()


# --- cells --------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_BOOLS = {"true": True, "yes": True, "1": True, "y": True, "false": False, "no": False, "0": False, "n": False}


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value))


def _as_text(value: Any) -> str:
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
    text = value if type(value) is str else ("" if _blank(value) else _as_text(value))
    problem = too_long(text, col.max_len)
    if problem:
        raise ValueError(problem)
    return text


def parse_key(value: Any, col: c.Column) -> str | None:
    if type(value) is str:
        text = value.strip()
    elif _blank(value):
        return None
    elif isinstance(value, bool) or isinstance(value, (dt.date, dt.timedelta)):
        raise ValueError(f"{_as_text(value)} is not a key; type the key as text")
    else:
        text = _as_text(value)
    problem = too_long(text, col.max_len)
    if problem:
        raise ValueError(problem)
    return text or None


def parse_int(value: Any, col: c.Column) -> int | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value} is not a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    raise ValueError(f"{_as_text(value)!r} is not a whole number")


def parse_bool(value: Any, col: c.Column) -> bool | None:
    if isinstance(value, bool):
        return value
    if _blank(value):
        return None
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    found = _BOOLS.get(str(value).strip().lower()) if isinstance(value, str) else None
    if found is None:
        raise ValueError(f"{_as_text(value)!r} is not TRUE or FALSE")
    return found


def parse_date(value: Any, col: c.Column) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _blank(value):
        return None
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not a real date") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise ValueError(f"{_as_text(value)} is a number, not a date; format the cell as a date or write "
                         "YYYY-MM-DD")
    raise ValueError(f"{_as_text(value)!r} is not a date; use a real Excel date or YYYY-MM-DD text "
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
    if _blank(value):
        return None
    if isinstance(value, str) and value.strip() != value:
        return parse_datetime(value.strip(), col)
    raise ValueError(f"{_as_text(value)!r} is not a date and time; use a real Excel date or "
                     "YYYY-MM-DD HH:MM:SS text (UTC)")


def _domain(parse):
    def wrapped(value: Any, col: c.Column):
        try:
            return parse(value, col.name)
        except ValidationError as err:
            raise ValueError("; ".join(p.message for p in err.problems)) from None
    return wrapped


def parse_quarter(value: Any, col: c.Column) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str):
        raise ValueError(f"{_as_text(value)!r} is not a quarter; write it as text YYYY-Qn, for example 2025-Q3")
    return str(_domain(lambda v, f: Quarter.parse(v))(value, col))


def parse_choice(value: Any, col: c.Column) -> str | None:
    if _blank(value):
        return None
    text = " ".join(_as_text(value).replace("_", " ").split()).casefold()
    for choice in col.choices:
        if choice.casefold() == text:
            return choice
    raise ValueError(f"{_as_text(value)!r} is not one of: " + ", ".join(col.choices))


PARSERS = {
    c.TEXT: parse_text, c.KEY: parse_key, c.INT: parse_int, c.BOOL: parse_bool, c.DATE: parse_date,
    c.DATETIME: parse_datetime,
    c.LEVEL: _domain(lambda v, f: parse_level(v, f)), c.SCORE: _domain(lambda v, f: ScoreValue.parse(v, f)),
    c.QUARTER: parse_quarter, c.CHOICE: parse_choice,
}


# --- sheets ---------------------------------------------------------------------------------


def read_workbook(data: bytes, filename: str = "workbook.xlsx", enabled: set[str] | None = None) -> ParsedWorkbook:
    """Check, then read every known sheet. Raises UnsafeWorkbook for a file it will not open."""
    parsed = open_workbook(data, filename, enabled)
    parsed.finish()
    return parsed


def open_workbook(data: bytes, filename: str = "workbook.xlsx", enabled: set[str] | None = None) -> ParsedWorkbook:
    """Check the whole file and read its About sheet; the other sheets are read when asked for.

    Raises UnsafeWorkbook for a file it will not open: every check has run when this returns.
    A sheet is parsed (in a worker thread, see loader.py) as soon as it has passed its checks,
    while the next one is checked, and while the importer validates the sheets read before it;
    the garbage collector rests meanwhile.
    """
    wanted = {c.normalise_name(n) for n in (c.ABOUT, c.FORM_SHEET, *(s.name for s in c.SHEETS
                                                                   if enabled is None or s.name in enabled))}
    loader = SheetLoader(data, lambda name: c.normalise_name(name) in wanted)
    try:
        with paused_gc():
            info = check_upload(data, filename, loader.sheet_checked, _read_order)
            try:
                _, sheet_names = loader.book()
            except Exception as err:  # calamine raises its own error types for damaged files
                raise refuse(f"the workbook could not be read ({str(err)[:120]}); open it in Excel, save it as "
                             "Excel Workbook (.xlsx) and upload it again") from None
            parsed = _open_sheets(loader, sheet_names, data, filename, enabled, info)
    except BaseException:
        loader.close()
        raise
    if parsed._pending is None:
        loader.close()
    return parsed


# The order the importer reads sheets in (rules.HANDLERS): sheets are checked, so parsed, in this order.
READ_ORDER = (c.ABOUT, c.FORM_SHEET, c.DEPARTMENTS.name, c.DIMENSIONS.name, c.LEVELS.name, c.ASSESSMENTS.name,
              c.BACKLOG.name, c.STATUS_HISTORY.name, c.SCORES.name, c.CHECKINS.name, c.ACTIONS.name)
_READ_RANK = {c.normalise_name(name): rank for rank, name in enumerate(READ_ORDER)}


def _read_order(sheet: str) -> int:
    return _READ_RANK.get(c.normalise_name(sheet), len(READ_ORDER))


def _open_sheets(loader: SheetLoader, sheet_names: list[str], data: bytes, filename: str, enabled: set[str] | None,
                 info) -> ParsedWorkbook:
    parsed = ParsedWorkbook(filename, hashlib.sha256(data).hexdigest(), {}, {})
    issues = parsed._issues
    known = {c.normalise_name(s.name): s for s in c.SHEETS}
    titles = {}
    for title in sheet_names:
        key = c.normalise_name(title)
        if key in titles:
            issues.append(Issue(title, None, None, f"two sheets are named {title!r} (ignoring case and "
                                                   "spaces); rename or delete one"))
            continue
        titles[key] = title
    about_title = titles.get(c.normalise_name(c.ABOUT))
    if about_title is None:
        raise refuse(
            "this workbook has no About sheet, so it is not an ESM workbook; download the template or an export "
            "from the Data page and copy your rows into it")
    parsed.about = _read_about(loader, about_title)
    fmt = parsed.about.get("format", "")
    parsed.kind = fmt
    if fmt not in (c.FORMAT, c.FORM_FORMAT) or parsed.about.get("format_version") != c.FORMAT_VERSION:
        raise refuse(f"the About sheet says format {fmt!r} version {parsed.about.get('format_version', '')!r}; "
                     f"this app reads {c.FORMAT!r} (or {c.FORM_FORMAT!r}) version {c.FORMAT_VERSION}. "
                     "Start from the template on the Data page")
    if fmt == c.FORM_FORMAT:
        form_title = titles.get(c.normalise_name(c.FORM_SHEET))
        if form_title is None:
            raise refuse(f"this self-assessment form has no {c.FORM_SHEET!r} sheet; download a new form")
        spec = c.Sheet(c.FORM_SHEET, c.FORM_COLUMNS, ("dimension_id",), "scores")
        parsed._sheets[c.FORM_SHEET] = _read_sheet(loader, form_title, spec, info, issues)
        return parsed
    todo: dict[str, tuple[str, c.Sheet]] = {}
    for key, title in titles.items():
        if key == c.normalise_name(c.ABOUT):
            continue
        spec = known.get(key)
        if spec is None:
            issues.append(Issue(title, None, None, "is not a sheet of the ESM workbook; it was ignored", "warning"))
        elif enabled is not None and spec.name not in enabled:
            issues.append(Issue(title, None, None, "this version of the app does not store this sheet yet; "
                                                   "it was ignored", "warning"))
        else:
            todo[spec.name] = (title, spec)
    if todo:
        parsed._pending = _PendingSheets(parsed, loader, todo, info)
    return parsed


def _read_about(loader: SheetLoader, title: str) -> dict[str, str]:
    """The About sheet's key/value rows (a few cells: read whole)."""
    cells = loader.sheet(title).to_python(skip_empty_area=False)
    about = {}
    for row in cells[1:]:
        if len(row) >= 2 and not _blank(row[0]):
            about[_as_text(row[0]).casefold()] = "" if _blank(row[1]) else _as_text(row[1])
    return about


# Rows are turned into Python values a chunk at a time: a whole large sheet of raw cells in
# Python at once is ~40 MB more at the peak of an import (most of those objects die at once).
CHUNK_ROWS = 4096


def _read_sheet(loader: SheetLoader, title: str, spec: c.Sheet, info, issues: list[Issue]) -> ParsedSheet:
    sheet = loader.sheet(title)
    out = ParsedSheet(spec, title)
    # iter_rows() starts at row 1 and at the sheet's first used column (calamine's `start`)
    offset = sheet.start[1] if sheet.start else 0
    rows = iter(sheet.iter_rows())
    header_index, header = -1, None
    for header_index, row in enumerate(rows):
        if any(not _blank(v) for v in row):
            header = row
            break
    if header is None:
        issues.append(Issue(title, None, None, "the sheet is empty; it was ignored", "warning"))
        return out
    by_name = {c.normalise_name(col.name): col for col in spec.columns}
    positions: list[tuple[int, c.Column]] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(header, offset):
        if _blank(name):
            continue
        col = by_name.get(c.normalise_name(_as_text(name)))
        if col is None:
            issues.append(Issue(title, header_index + 1, _as_text(name),
                                "is not a column of this sheet; it was ignored", "warning"))
        elif col.name in seen:
            issues.append(Issue(title, header_index + 1, col.name, "the column appears twice; delete one"))
        else:
            seen[col.name] = index
            positions.append((index, col))
    out = ParsedSheet(spec, title, tuple(seen))
    missing = [col.name for col in spec.columns if col.required and col.name not in seen]
    if missing:
        issues.append(Issue(title, header_index + 1, ", ".join(missing),
                            "required column missing; add it to the header row (see the template)"))
        return out
    _report_merged(sheet, title, header_index, positions, issues)
    del sheet   # the iterator keeps calamine's cells until it is done
    formula_rows = {}
    for row_no, col_no in info.formula_cells.get(title, []):
        formula_rows.setdefault(row_no, []).append(col_no)
    parsed_columns: list[list] = [[] for _ in positions]
    memos = [_Memo() for _ in positions]
    count = 0
    while chunk := list(islice(rows, CHUNK_ROWS)):
        width = max(map(len, chunk))
        if any(len(r) != width for r in chunk):  # calamine's rows are all as wide as the sheet; be safe anyway
            chunk = [list(r) + [None] * (width - len(r)) for r in chunk]
        by_column = list(zip(*chunk))
        blank = [None] * len(chunk)
        for parsed, memo, (index, col) in zip(parsed_columns, memos, positions):
            values = by_column[index - offset] if index - offset < width else blank
            parsed += _parse_column(values, col, title, header_index + count, issues, memo)
        count += len(chunk)
        del chunk, by_column
    del rows
    names = [col.name for _, col in positions]
    out.rows = _rows(parsed_columns, names, [j for j, (_, col) in enumerate(positions) if col.required],
                     {j for j, (_, col) in enumerate(positions) if col.kind == c.TEXT},
                     header_index + 2, count, title, formula_rows, {col.name: i + 1 for i, col in positions}, issues)
    return out


def _rows(parsed_columns: list[list], names: list[str], required: list[int], text: set[int], first: int, count: int,
          title: str, formula_rows: dict[int, list[int]], formula_columns: dict[str, int],
          issues: list[Issue]) -> list[Row]:
    """Rows as tuples, skipping blank ones and those with an error. Most rows need no check at all: only
    rows with a blank required cell (white space alone is blank), a cell that failed to parse, or a formula
    cell take the slow path. `text`: the positions of text columns."""
    bad_rows = {i.row for i in issues if i.sheet == title and i.row and i.severity == "error"}
    slow = {r - first for r in (*bad_rows, *formula_rows) if first <= r < first + count}
    if required:
        for j in required:
            column = parsed_columns[j]
            if None in column or "" in column or (j in text and any(map(_white, column))):   # most have no blank
                slow.update(i for i, v in enumerate(column) if _empty(v))
    else:
        slow = set(range(count))
    made = map(Row._make, zip(range(first, first + count), zip(*parsed_columns), repeat(None)))
    if not slow:
        return list(made)
    rows = []
    append = rows.append
    for offset, row in enumerate(made):
        if offset not in slow:
            append(row)
            continue
        excel_row, values, _ = row
        if excel_row in formula_rows:
            bad = [n for n in names if formula_columns[n] in formula_rows[excel_row]]
            for name in bad:
                issues.append(Issue(title, excel_row, name, "is a formula without a saved value; open the file in "
                                    "Excel, let it calculate and save, or type the value"))
            if bad:
                continue
        if all(map(_empty, values)) or excel_row in bad_rows:
            continue
        missing = [names[j] for j in required if _empty(values[j])]
        for name in missing:
            issues.append(Issue(title, excel_row, name, "is required"))
        if not missing:
            append(row)
    return rows


def _empty(value: Any) -> bool:
    """A parsed cell that holds nothing: blank, or text of white space only (kept as typed elsewhere)."""
    return value is None or value == "" or (value.__class__ is str and not value.strip())


def _white(value: Any) -> bool:
    """Text of white space only (only text columns keep it: other kinds read it as blank)."""
    return value.__class__ is str and value.isspace()


_FAILED = object()


class _Memo:
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


def _parse_column(values, col: c.Column, title: str, header_index: int, issues: list[Issue],
                  memo: _Memo | None = None) -> list:
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
    memo = memo or _Memo()
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


def _report_merged(sheet, title: str, header_index: int, positions, issues: list[Issue]) -> None:
    names = {index: col.name for index, col in positions}
    for (r0, c0), (r1, c1) in getattr(sheet, "merged_cell_ranges", None) or []:
        if r1 <= header_index:
            continue
        column = next((names[i] for i in range(c0, c1 + 1) if i in names), None)
        ref = f"{_letters(c0)}{r0 + 1}:{_letters(c1)}{r1 + 1}"
        issues.append(Issue(title, r0 + 1, column, f"cells {ref} are merged; unmerge them and fill in every cell"))


def _letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
