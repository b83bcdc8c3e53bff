"""What reading a workbook gives: typed rows per sheet plus a list of issues (sheet, row, column, message).

A ParsedWorkbook may still be arriving: a sheet not read yet is read when first asked for, so
the importer validates the first sheets while the worker thread parses the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

from . import contract as c
from .loader import give_back_memory, paused_gc


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

    Fresh from reader.open_workbook() the big sheets may still be arriving: the worker thread
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

    def found_error(self) -> bool:
        """Whether the sheets read so far have an error (reads nothing more)."""
        return any(i.severity == "error" for i in self._issues)

    @property
    def waiting(self) -> bool:
        """Whether some sheets are still to be read."""
        return self._pending is not None

    def read_later(self, todo: dict[str, tuple[str, c.Sheet]], read: Callable[[str, c.Sheet], ParsedSheet],
                   done: Callable[[], None]) -> None:
        """Read the sheets of `todo` (contract name -> (title, spec)) when asked for, by `read(title, spec)`;
        `done()` is called once every one is read, or reading failed."""
        self._pending = _PendingSheets(self, todo, read, done)

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

    def __init__(self, parsed: ParsedWorkbook, todo: dict[str, tuple[str, c.Sheet]],
                 read: Callable[[str, c.Sheet], ParsedSheet], done: Callable[[], None]):
        self._parsed, self._todo, self._read, self._done = parsed, todo, read, done

    def read(self, name: str) -> None:
        item = self._todo.pop(name, None)
        if item is None:
            return
        try:
            with paused_gc():
                self._parsed._sheets[name] = self._read(*item)
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
        self._done()
