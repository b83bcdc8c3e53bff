"""Write the contract workbook with xlsxwriter in constant-memory mode.

Text is always written as text (never a formula, number or link), characters that XML
cannot carry are replaced, the header row is bold and frozen, filters are on, columns
have sensible widths and choice columns get dropdowns.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from typing import BinaryIO, Iterable

from .. import __version__, clock
from . import contract as c

# xlsxwriter escapes control characters as _xHHHH_ (they read back unchanged); these
# it cannot carry at all: non-characters and lone surrogates.
_UNWRITABLE = re.compile("[\ufffe\uffff\ud800-\udfff]")
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                    "strings_to_urls": False, "default_date_format": "yyyy-mm-dd"}
MAX_CELL_TEXT = 32_767
VALIDATION_ROWS = 5_000


def safe_text(text: str) -> str:
    if _UNWRITABLE.search(text):
        text = _UNWRITABLE.sub("\ufffd", text)
    return text[:MAX_CELL_TEXT]


class Writer:
    """A workbook being written; sheets are added in order, rows streamed."""

    def __init__(self, target: str | Path | BinaryIO):
        import xlsxwriter  # deferred: reading or importing a workbook never writes one (the import command skips it)

        self.book = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target), WORKBOOK_OPTIONS)
        self.bold = self.book.add_format({"bold": True, "bg_color": "#E8EEF2", "bottom": 1})
        self.date = self.book.add_format({"num_format": "yyyy-mm-dd"})
        self.wrap = self.book.add_format({"text_wrap": True, "valign": "top"})

    def about(self, pairs: Iterable[tuple[str, str]]) -> None:
        ws = self.book.add_worksheet(c.ABOUT)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 70)
        ws.write_row(0, 0, c.ABOUT_COLUMNS, self.bold)
        for i, (key, value) in enumerate(pairs, start=1):
            ws.write_string(i, 0, safe_text(str(key)))
            ws.write_string(i, 1, safe_text(str(value)))

    def sheet(self, name: str, columns: tuple[c.Column, ...], rows: Iterable[tuple], *,
              wrap: set[str] = frozenset(), validation_rows: int | None = None) -> int:
        ws = self.book.add_worksheet(name)
        for i, col in enumerate(columns):
            ws.set_column(i, i, col.width, self.wrap if col.name in wrap else None)
        ws.write_row(0, 0, [col.name for col in columns], self.bold)
        ws.freeze_panes(1, 0)
        kinds = [col.kind for col in columns]
        write_string, write_number, write_boolean, write_datetime = (
            ws.write_string, ws.write_number, ws.write_boolean, ws.write_datetime)
        date_format = self.date
        n = 0
        for n, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if value is None:
                    continue
                kind = type(value)
                if kind is str:
                    if value:
                        write_string(n, j, safe_text(value) if _UNWRITABLE.search(value) or len(value) > MAX_CELL_TEXT
                                     else value)
                elif kind is bool:
                    write_boolean(n, j, value)
                elif kind is int or kind is float:
                    write_number(n, j, value)
                elif kind is dt.date or kind is dt.datetime:
                    write_datetime(n, j, value, date_format)
                else:
                    write_string(n, j, safe_text(str(value)))
        ws.autofilter(0, 0, max(n, 1), len(columns) - 1)
        last = max(n, 0) + (validation_rows if validation_rows is not None else VALIDATION_ROWS)
        for j, col in enumerate(columns):
            if col.choices:
                ws.data_validation(1, j, last, j, {"validate": "list", "source": list(col.choices),
                                                   "error_title": col.name,
                                                   "error_message": "Choose one of: " + ", ".join(col.choices)})
            elif kinds[j] == c.BOOL:
                ws.data_validation(1, j, last, j, {"validate": "list", "source": ["TRUE", "FALSE"]})
        return n

    def close(self) -> None:
        self.book.close()


def about_pairs(model_version: str = "", extra: Iterable[tuple[str, str]] = (), fmt: str = c.FORMAT) -> list:
    now = clock.now().replace(microsecond=0).isoformat() + "Z"
    return [("format", fmt), ("format_version", c.FORMAT_VERSION), ("exported_at", now),
            ("app_version", __version__), ("model_version", model_version), *extra]


def write_workbook(target: str | Path | BinaryIO, sheets: Iterable[tuple[c.Sheet, Iterable[tuple]]],
                   model_version: str = "", about: Iterable[tuple[str, str]] = ()) -> dict[str, int]:
    """Write About (with `about`'s extra pairs) plus each (sheet, rows); returns the row count per sheet."""
    writer = Writer(target)
    counts = {}
    try:
        writer.about(about_pairs(model_version, about))
        for sheet, rows in sheets:
            counts[sheet.name] = writer.sheet(sheet.name, sheet.columns, rows)
    finally:
        writer.close()
    return counts


def to_bytes(write) -> bytes:
    buffer = io.BytesIO()
    write(buffer)
    return buffer.getvalue()


__all__ = ["Writer", "write_workbook", "to_bytes", "safe_text", "about_pairs"]
