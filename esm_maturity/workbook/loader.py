"""Parse checked sheets with python-calamine in a worker thread, and pause the garbage collector.

python-calamine parses a sheet in Rust without holding the GIL, so while the worker parses
one sheet the main thread checks the next one (safety.py), turns earlier ones into rows
(reader.py) and validates them (importer.py). A sheet is handed to the worker only after it
passed its checks. Every call on the calamine workbook goes through the one worker, never
two at once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import io
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from python_calamine import CalamineWorkbook


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


def _glibc(name: str) -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6"), name)
    except (OSError, AttributeError):   # not glibc (musl has no malloc_trim or mallopt)
        return None


_TRIM = _glibc("malloc_trim")
_MALLOPT = _glibc("mallopt")
_M_MMAP_THRESHOLD = -3
MAPPED_FROM = 2**20


def map_large_blocks() -> None:
    """For a process that runs one large import and ends (the command line): every C allocation from
    MAPPED_FROM up gets pages of its own, returned to the system the moment it is freed.

    glibc otherwise raises that threshold after each large free, so the big buffers that follow
    (calamine's growing cell vectors, one sheet after another) come from the heaps and stay there;
    a mapped buffer also grows in place (mremap) instead of being copied. About 30 MB less at the
    peak of the large organisation's import, and no slower.
    """
    if _MALLOPT is not None:
        _MALLOPT(_M_MMAP_THRESHOLD, MAPPED_FROM)


def give_back_memory() -> None:
    """Hand freed C heap memory back to the system (glibc keeps it otherwise, one heap per thread).

    A large import frees a whole sheet's cells, or a table's rows, at a time; without this
    each thread's heap keeps its largest size and the process peak is their sum. Takes ~0.1 ms.
    """
    if _TRIM is not None:
        _TRIM(0)


class SheetLoader:
    """Opens the workbook once its shared parts are checked; parses checked sheets in order, a few ahead.

    A parsed sheet lives in Rust memory until the reader has turned it into Python values,
    so the worker starts the next sheet only while the sheets parsed (or parsing) ahead of the
    reader hold less than AHEAD_BYTES of XML: small sheets run ahead, and one large sheet at
    most waits for the reader. A large workbook never sits in memory whole.
    """

    AHEAD_BYTES = 4 * 2**20

    def __init__(self, data: bytes, wanted: Callable[[str], bool]):
        self._data = data
        self._wanted = wanted
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="workbook-reader")
        self._opened: Future | None = None
        self._sheets: dict[str, tuple[Future, int]] = {}   # parsing or parsed, not yet taken: (job, XML size)
        self._waiting: list[tuple[str, int]] = []           # checked, wanted, not started

    def __enter__(self) -> "SheetLoader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Stop the worker (after the sheet it is parsing) and drop the workbook."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._sheets.clear()
        self._waiting.clear()
        self._opened = None

    def _open(self) -> Future:
        if self._opened is None:
            self._opened = self._pool.submit(_open, self._data)
            self._data = None   # calamine reads its own copy: the file's bytes need not stay for the import
        return self._opened

    def sheet_checked(self, name: str, size: int = 0) -> None:
        """safety.check_upload's hook: this sheet passed; parse it soon if the reader will want it."""
        if self._wanted(name) and name not in self._sheets and all(n != name for n, _ in self._waiting):
            self._waiting.append((name, size))
            self._start_more()

    def _start_more(self) -> None:
        while self._waiting:
            name, size = self._waiting[0]
            if sum(s for _, s in self._sheets.values()) >= self.AHEAD_BYTES:
                return
            self._waiting.pop(0)
            self._sheets[name] = (self._pool.submit(_load, self._open(), name), size)

    def book(self) -> tuple[Any, list[str]]:
        """The calamine workbook and its sheet names; raises what opening it raised."""
        return self._open().result()

    def sheet(self, name: str) -> Any:
        """The parsed sheet (None if the workbook has none of that name); the next ones start parsing."""
        started = self._sheets.pop(name, None)
        if started is None:
            self._waiting = [(n, s) for n, s in self._waiting if n != name]
            future = self._pool.submit(_load, self._open(), name)
        else:
            future = started[0]
        self._start_more()
        return future.result()


def _open(data: bytes) -> tuple[Any, list[str]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return book, list(book.sheet_names)


def _load(opened: Future, name: str) -> Any:
    book, names = opened.result()
    if name not in names:
        return None
    return book.get_sheet_by_name(name)
