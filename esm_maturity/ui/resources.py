"""Per-process resources: the database, opened once."""

from __future__ import annotations

import streamlit as st

from .. import config
from ..db import Database
from ..models import EsmError
from ..storage import open_database


@st.cache_resource(show_spinner=False)
def _open_database(path: str) -> Database:
    return open_database(path)


def opened() -> Database:
    """The process-wide database, opened once (EsmError when it cannot be)."""
    return _open_database(str(config.db_target()))


def database() -> Database:
    """The process-wide database, opened once; a clear message and a stop if it cannot be opened."""
    try:
        return opened()
    except EsmError as err:
        st.error(str(err), icon=":material/database:")
        st.stop()
        raise  # unreachable: st.stop raises
