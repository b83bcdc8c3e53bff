"""Reads shared by every session of this process, fresh until the next write.

`read(db, query, *args)` is `query(db, *args)`, cached under the database's data version (which database
file, how often this process has opened it or committed a write to it: Database.data_version). The first
session to ask runs the query; every later run and session with the same arguments gets its result until
anything is written, then the next run asks the database again. `Shared` holds them: one computation per
key when several sessions ask at the same moment (the others wait for it), bounded (least recently used
entries go beyond its size), and much cheaper per call than st.cache_data, which hashes its arguments
and unpickles its value on every call. What it hands out is a shallow copy (pandas copies on write), so
a caller that changes its frame, list or dict changes only its own.

A page run asks for the data version once (router.run_app marks where a run starts and ends): its
later reads reuse it until the run itself writes through the same Database. On PostgreSQL that is one
round trip a run instead of one per read (the version is a shared sequence); every read of a run also
sees the data as of one moment. Outside a page run (a fragment's rerun, the warm-up, a test) every read
asks.

Only queries whose result depends on nothing but the database and their arguments belong here: a query
that reads the clock takes the day as an argument. Arguments are plain values (text, numbers, days,
None, tuples and lists of them, frozen dataclasses such as Quarter and Filters): the cache key spells
them out, which is faster than hashing objects on every run.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import threading
from collections import OrderedDict
from typing import Any, Callable, Hashable, TypeVar

import pandas as pd

from ..db import Database

T = TypeVar("T")
MAX_ENTRIES = 128   # entries, not bytes: most are a few rows; the largest (every department's heatmap) about 0.5 MB


class Shared:
    """A bounded map of computed values shared by every session of the process."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value under `key`, computed by `compute()` the first time (once, however many ask)."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            gate = self._computing.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._values:       # computed while this caller waited at the gate
                    return self._values[key]
            try:
                value = compute()
                with self._lock:
                    self._values[key] = value
                    while len(self._values) > self.size:
                        self._values.popitem(last=False)
            finally:
                with self._lock:
                    self._computing.pop(key, None)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


def handed_out(value: T) -> T:
    """What a caller gets: its own shallow copy of a frame, list, dict or set (the cached one stays)."""
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)
    return copy.copy(value) if isinstance(value, (list, dict, set)) else value


READS = Shared(MAX_ENTRIES)


def spelled(value: Any) -> str:
    """A plain value written out in full (two values give the same text only when they are equal)."""
    if value is None or isinstance(value, (str, int, float, bool, dt.date)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return f"{type(value).__name__}({', '.join(spelled(v) for v in value)})"
    if dataclasses.is_dataclass(value) and not isinstance(value, type) and value.__dataclass_params__.frozen:
        parts = ", ".join(f"{f.name}={spelled(getattr(value, f.name))}" for f in dataclasses.fields(value))
        return f"{type(value).__qualname__}({parts})"
    raise TypeError(f"a cached read takes plain values, not {type(value).__name__}")


_run = threading.local()   # each session's page run is on its own thread: the data versions it has seen


def run_started() -> None:
    """A page run starts on this thread: its reads share one data version per database (see above)."""
    _run.versions = {}


def run_ended() -> None:
    _run.versions = None


def data_version(db: Database) -> tuple[str, int]:
    """db.data_version, asked once per page run (again after the run writes through `db`)."""
    seen = getattr(_run, "versions", None)
    if seen is None:
        return db.data_version
    writes, version = seen.get(id(db), (None, None))
    if writes != db.writes:
        writes, version = db.writes, db.data_version
        seen[id(db)] = (writes, version)
    return version


def source(db: Database, query: Callable, *args) -> tuple[tuple[str, int], str, str]:
    """What a read's result depends on: the data version, the query and its arguments spelled out (a
    chart drawn from the result is cached under it: ui/chart_export.Plot.source)."""
    return data_version(db), f"{query.__module__}.{query.__qualname__}", spelled(args)


def read(db: Database, query: Callable[..., T], *args) -> T:
    """query(db, *args), from the cache when nothing was written since it last ran."""
    return handed_out(READS.get(source(db, query, *args), lambda: query(db, *args)))
