"""Reads shared by every session of this process, fresh until the next write.

`read(db, query, *args)` is `query(db, *args)`, cached under the database's data version (which open
database, how many write transactions it has committed: Database.data_version). The first session to ask
runs the query; every later run and session with the same arguments gets a copy of its result until
anything is written, then the next run asks the database again. Streamlit computes one key once when
several sessions ask at the same moment. Bounded: least recently used entries go beyond MAX_ENTRIES.

Only queries whose result depends on nothing but the database and their arguments belong here: a query
that reads the clock takes the day as an argument.
"""

from __future__ import annotations

from typing import Any, Callable, TypeVar

import streamlit as st

from ..db import Database

T = TypeVar("T")
MAX_ENTRIES = 256


@st.cache_data(max_entries=MAX_ENTRIES, show_spinner=False)
def _read(version: tuple[int, int], query: str, args: tuple, kwargs: dict, _db: Database, _query: Callable) -> Any:
    return _query(_db, *args, **kwargs)


def read(db: Database, query: Callable[..., T], *args, **kwargs) -> T:
    """query(db, *args, **kwargs), from the cache when nothing was written since it last ran."""
    return _read(db.data_version, f"{query.__module__}.{query.__qualname__}", args, kwargs, _db=db, _query=query)
