"""Parse checked sheets with python-calamine in a worker thread, and pause the garbage collector.

python-calamine parses a sheet in Rust without holding the GIL, so while the worker parses
one sheet the main thread checks the next one (safety.py), turns earlier ones into rows
(reader.py) and validates them (importer.py). A sheet is handed to the worker only after it
passed its checks. Every call on the calamine workbook goes through the one worker, never
two at once.
"""

from __future__ import annotations

import gc
import io
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator


@contextmanager
def paused_gc() -> Iterator[None]:
    """Bulk work makes millions of objects and no cycles: the collector would only walk them again and
    again (~0.7 s on the large organisation's import). It is switched back on afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class SheetLoader:
    """Opens the workbook once its shared parts are checked; parses sheets in order as they pass."""

    def __init__(self, data: bytes, wanted: Callable[[str], bool]):
        self._data = data
        self._wanted = wanted
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="workbook-reader")
        self._opened: Future | None = None
        self._sheets: dict[str, Future] = {}

    def __enter__(self) -> "SheetLoader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker (after the sheet it is parsing) and drop the workbook."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._sheets.clear()
        self._opened = None

    def _open(self) -> Future:
        if self._opened is None:
            self._opened = self._pool.submit(_open, self._data)
        return self._opened

    def sheet_checked(self, name: str) -> None:
        """safety.check_upload's hook: this sheet passed; start parsing it if the reader will want it."""
        if self._wanted(name) and name not in self._sheets:
            opened = self._open()
            self._sheets[name] = self._pool.submit(_load, opened, name)

    def book(self) -> tuple[Any, list[str]]:
        """The calamine workbook and its sheet names; raises what opening it raised."""
        return self._open().result()

    def sheet(self, name: str) -> Any:
        future = self._sheets.pop(name, None) or self._pool.submit(_load, self._open(), name)
        return future.result()


def _open(data: bytes) -> tuple[Any, list[str]]:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book, list(book.sheet_names)


def _load(opened: Future, name: str) -> Any:
    book, names = opened.result()
    if name not in names:
        return None
    return book.get_sheet_by_name(name)
