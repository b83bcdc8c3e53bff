"""Per-process resources and the setup every page runs first."""

from __future__ import annotations

import streamlit as st

from .. import config
from ..db import Database
from ..maturity import load_default_model, model_loaded
from ..models import Actor, EsmError
from .router import ensure_routed


@st.cache_resource(show_spinner=False)
def _open_database(path: str) -> Database:
    db = Database(path)
    if not model_loaded(db):
        load_default_model(db, config.local_actor())
    return db


def database() -> Database:
    """The process-wide database, opened once; a clear message and a stop if it cannot be opened."""
    try:
        return _open_database(str(config.db_path()))
    except EsmError as err:
        st.error(str(err), icon=":material/database:")
        st.stop()
        raise  # unreachable: st.stop raises


def actor() -> Actor:
    return config.local_actor()


def page_setup() -> tuple[Database, Actor]:
    """First line of every page: the right navigation, the database and who is acting."""
    ensure_routed()
    return database(), actor()


_MARKDOWN_SPECIALS = "\\`*_{}[]<>()#+-.!|~$:"


def esc(text: object) -> str:
    """User text made safe to put inside Markdown: every special character escaped."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def show_error(err: Exception) -> None:
    """A domain error as a message a person can act on (each problem on its own line)."""
    problems = getattr(err, "problems", None)
    if problems and len(problems) > 1:
        st.error("Please fix these and try again:\n\n" + "\n".join(f"- {esc(p)}" for p in problems))
    else:
        st.error(esc(err))
