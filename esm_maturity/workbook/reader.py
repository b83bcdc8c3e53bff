"""Read a workbook's bytes into typed rows plus a list of issues (sheet, row, column, message).

The file is checked by safety.check_upload first; values are read with python-calamine
(fast, no formulas evaluated) in a worker thread (loader.py). Here the sheets are found, their
headers matched to the contract's columns and their rows made; each column is parsed by its
kind (cells.py), so a bad cell becomes an issue on that row, never a guess.
"""

from __future__ import annotations

import hashlib
from itertools import islice, repeat
from typing import Any

from . import contract as c
from .cells import ColumnMemo, as_text, blank, parse_column
from .loader import SheetLoader, paused_gc
from .parsed import Issue, ParsedSheet, ParsedWorkbook, Row
from .safety import ArchiveInfo, check_upload, refuse


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
    if not parsed.waiting:
        loader.close()
    return parsed


# The order the import's rules read sheets in (sheets.STEPS): sheets are checked, so parsed, in this order.
READ_ORDER = (c.ABOUT, c.FORM_SHEET, c.DEPARTMENTS.name, c.PEOPLE.name, c.DIMENSIONS.name, c.LEVELS.name,
              c.ASSESSMENTS.name, c.BACKLOG.name, c.STATUS_HISTORY.name, c.SCORES.name, c.CHECKINS.name, c.ACTIONS.name,
              *(s.name for s in c.STREAM_SHEETS))
_READ_RANK = {c.normalise_name(name): rank for rank, name in enumerate(READ_ORDER)}


def _read_order(sheet: str) -> int:
    return _READ_RANK.get(c.normalise_name(sheet), len(READ_ORDER))


def _open_sheets(loader: SheetLoader, sheet_names: list[str], data: bytes, filename: str, enabled: set[str] | None,
                 info: ArchiveInfo) -> ParsedWorkbook:
    issues: list[Issue] = []
    titles = _titles(sheet_names, issues)
    about_title = titles.get(c.normalise_name(c.ABOUT))
    if about_title is None:
        raise refuse(
            "this workbook has no About sheet, so it is not an ESM workbook; download the template or an export "
            "from the Data page and copy your rows into it")
    about = _read_about(loader, about_title)
    kind = _format(about)
    sha256 = hashlib.sha256(data).hexdigest()
    if kind == c.FORM_FORMAT:
        form_title = titles.get(c.normalise_name(c.FORM_SHEET))
        if form_title is None:
            raise refuse(f"this self-assessment form has no {c.FORM_SHEET!r} sheet; download a new form")
        spec = c.Sheet(c.FORM_SHEET, c.FORM_COLUMNS, ("dimension_id",), "scores")
        form = _read_sheet(loader, form_title, spec, info, issues)
        return ParsedWorkbook(filename, sha256, about, {c.FORM_SHEET: form}, issues, kind)
    parsed = ParsedWorkbook(filename, sha256, about, {}, issues, kind)
    todo = _sheets_to_read(titles, enabled, issues)
    if todo:
        parsed.read_later(todo, lambda title, spec: _read_sheet(loader, title, spec, info, issues), loader.close)
    return parsed


def _titles(sheet_names: list[str], issues: list[Issue]) -> dict[str, str]:
    """Normalised name -> the sheet's title; a second sheet of the same name is reported and left out."""
    titles: dict[str, str] = {}
    for title in sheet_names:
        key = c.normalise_name(title)
        if key in titles:
            issues.append(Issue(title, None, None, f"two sheets are named {title!r} (ignoring case and "
                                                   "spaces); rename or delete one"))
            continue
        titles[key] = title
    return titles


def _format(about: dict[str, str]) -> str:
    """The file's format (a workbook or a form) from About; refuses any other format or version."""
    fmt = about.get("format", "")
    if fmt not in (c.FORMAT, c.FORM_FORMAT) or about.get("format_version") != c.FORMAT_VERSION:
        raise refuse(f"the About sheet says format {fmt!r} version {about.get('format_version', '')!r}; "
                     f"this app reads {c.FORMAT!r} (or {c.FORM_FORMAT!r}) version {c.FORMAT_VERSION}. "
                     "Start from the template on the Data page")
    return fmt


_EXPORT_ONLY = {c.normalise_name(name): why for name, why in c.EXPORT_ONLY_WHY.items()}   # and c.DERIVED


def _sheets_to_read(titles: dict[str, str], enabled: set[str] | None,
                    issues: list[Issue]) -> dict[str, tuple[str, c.Sheet]]:
    """Contract name -> (title, spec) of the contract sheets this database stores; others are reported."""
    known = {c.normalise_name(s.name): s for s in c.SHEETS}
    todo: dict[str, tuple[str, c.Sheet]] = {}
    for key, title in titles.items():
        if key == c.normalise_name(c.ABOUT):
            continue
        spec = known.get(key)
        if spec is None and key in _EXPORT_ONLY:
            issues.append(Issue(title, None, None, f"is written by the export for reading only "
                                                   f"({_EXPORT_ONLY[key]}); it was left alone", "warning"))
        elif spec is None:
            issues.append(Issue(title, None, None, "is not a sheet of the ESM workbook; it was ignored", "warning"))
        elif enabled is not None and spec.name not in enabled:
            issues.append(Issue(title, None, None, "this version of the app does not store this sheet yet; "
                                                   "it was ignored", "warning"))
        else:
            todo[spec.name] = (title, spec)
    return todo


def _read_about(loader: SheetLoader, title: str) -> dict[str, str]:
    """The About sheet's key/value rows (a few cells: read whole)."""
    cells = loader.sheet(title).to_python(skip_empty_area=False)
    about = {}
    for row in cells[1:]:
        if len(row) >= 2 and not blank(row[0]):
            about[as_text(row[0]).casefold()] = "" if blank(row[1]) else as_text(row[1])
    return about


# Rows are turned into Python values a chunk at a time: a whole large sheet of raw cells in
# Python at once is ~40 MB more at the peak of an import (most of those objects die at once).
CHUNK_ROWS = 4096

Positions = list[tuple[int, c.Column]]   # (the cell's index in a calamine row, its contract column)


def _read_sheet(loader: SheetLoader, title: str, spec: c.Sheet, info: ArchiveInfo, issues: list[Issue]) -> ParsedSheet:
    sheet = loader.sheet(title)
    # iter_rows() starts at row 1 and at the sheet's first used column (calamine's `start`)
    offset = sheet.start[1] if sheet.start else 0
    rows = iter(sheet.iter_rows())
    header_index, header = -1, None
    for header_index, row in enumerate(rows):
        if any(not blank(v) for v in row):
            header = row
            break
    if header is None:
        issues.append(Issue(title, None, None, "the sheet is empty; it was ignored", "warning"))
        return ParsedSheet(spec, title)
    positions = _columns(header, offset, spec, title, header_index, issues)
    out = ParsedSheet(spec, title, tuple(col.name for _, col in positions))
    missing = [col.name for col in spec.columns if col.required and col.name not in out.columns]
    if missing:
        issues.append(Issue(title, header_index + 1, ", ".join(missing),
                            "required column missing; add it to the header row (see the template)"))
        return out
    _report_merged(sheet, title, header_index, positions, issues)
    del sheet   # the iterator keeps calamine's cells until it is done
    parsed_columns, count = _parse_columns(rows, positions, offset, title, header_index, issues)
    del rows
    out.rows = _rows(parsed_columns, positions, header_index + 2, count, title, info.formula_cells.get(title, []),
                     issues)
    return out


def _columns(header, offset: int, spec: c.Sheet, title: str, header_index: int, issues: list[Issue]) -> Positions:
    """The header's contract columns, where they are; unknown and repeated columns are reported."""
    by_name = {c.normalise_name(col.name): col for col in spec.columns}
    positions: Positions = []
    seen: set[str] = set()
    for index, name in enumerate(header, offset):
        if blank(name):
            continue
        col = by_name.get(c.normalise_name(as_text(name)))
        if col is None:
            issues.append(Issue(title, header_index + 1, as_text(name),
                                "is not a column of this sheet; it was ignored", "warning"))
        elif col.name in seen:
            issues.append(Issue(title, header_index + 1, col.name, "the column appears twice; delete one"))
        else:
            seen.add(col.name)
            positions.append((index, col))
    return positions


def _parse_columns(rows, positions: Positions, offset: int, title: str, header_index: int,
                   issues: list[Issue]) -> tuple[list[list], int]:
    """The rows after the header, parsed column by column a chunk at a time; and how many rows there were."""
    parsed_columns: list[list] = [[] for _ in positions]
    memos = [ColumnMemo() for _ in positions]
    count = 0
    while chunk := list(islice(rows, CHUNK_ROWS)):
        width = max(map(len, chunk))
        if min(map(len, chunk)) != width:  # calamine's rows are all as wide as the sheet; be safe anyway
            chunk = [list(r) + [None] * (width - len(r)) for r in chunk]
        by_column = list(zip(*chunk))
        blank_column = [None] * len(chunk)
        for parsed, memo, (index, col) in zip(parsed_columns, memos, positions):
            values = by_column[index - offset] if index - offset < width else blank_column
            parsed += parse_column(values, col, title, header_index + count, issues, memo)
        count += len(chunk)
        del chunk, by_column
    return parsed_columns, count


def _rows(parsed_columns: list[list], positions: Positions, first: int, count: int, title: str,
          formula_cells: list[tuple[int, int]], issues: list[Issue]) -> list[Row]:
    """Rows as tuples, skipping blank ones and those with an error. Most rows need no check at all: only
    rows with a blank required cell (white space alone is blank), a cell that failed to parse, or a formula
    cell take the slow path (_checked_rows)."""
    required = [j for j, (_, col) in enumerate(positions) if col.required]
    formula_rows: dict[int, list[int]] = {}
    for row_no, col_no in formula_cells:
        formula_rows.setdefault(row_no, []).append(col_no)
    bad_rows = {i.row for i in issues if i.sheet == title and i.row and i.severity == "error"}
    slow = {r - first for r in (*bad_rows, *formula_rows) if first <= r < first + count}
    if required:
        text = {j for j, (_, col) in enumerate(positions) if col.kind == c.TEXT}
        for j in required:
            column = parsed_columns[j]
            if None in column or "" in column or (j in text and any(map(_white, column))):   # most have no blank
                slow.update(i for i, v in enumerate(column) if _empty(v))
    else:
        slow = set(range(count))
    made = map(_new_row, repeat(Row), zip(range(first, first + count), zip(*parsed_columns), repeat(None)))
    if not slow:
        return list(made)
    return _checked_rows(made, slow, positions, required, title, formula_rows, bad_rows, issues)


_new_row = tuple.__new__   # Row._make without its length check (each tuple made here has Row's three fields)


def _checked_rows(made, slow: set[int], positions: Positions, required: list[int], title: str,
                  formula_rows: dict[int, list[int]], bad_rows: set[int], issues: list[Issue]) -> list[Row]:
    """The rows, where those at the `slow` offsets are checked: a formula cell without a value or a blank
    required cell is reported, and the row (like a blank row or one with an error) left out."""
    names = [col.name for _, col in positions]
    formula_columns = {col.name: i + 1 for i, col in positions}
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


def _report_merged(sheet, title: str, header_index: int, positions: Positions, issues: list[Issue]) -> None:
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
