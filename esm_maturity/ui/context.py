"""Per-process resources and the setup every page runs first."""

from __future__ import annotations

import re

import streamlit as st

from .. import config
from ..db import Database
from ..departments import Department, list_departments
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


# What a table shows in an empty cell (Streamlit's default is the word "None").
MISSING = "–"

_MARKDOWN_SPECIALS = set("\\`*_{}[]<>#|~$:!=")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+)([.)]?)", re.MULTILINE)


def esc(text: object) -> str:
    """User text made safe to put inside Markdown: no emphasis, links, images, HTML, headings,
    lists, tables, maths or emoji codes; every special character escaped."""
    escaped = "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))
    return _LIST_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) + m.group(3) if m.group(2) in "-+"
                                else m.group(2) + ("\\" + m.group(3) if m.group(3) else "")), escaped)


def flash(message: str) -> None:
    """Remember a success message for the next run, and rerun (so the page shows fresh data)."""
    st.session_state["flash"] = message
    st.rerun()


def show_flash() -> None:
    """Show (once) the message a previous run left with flash(); it may quote user text, so escaped."""
    message = st.session_state.pop("flash", None)
    if message:
        st.success(esc(message), icon=":material/check_circle:")


def departments_or_stop(db: Database) -> list[Department]:
    """The active departments, or an empty state that points to Settings and stops the page."""
    found = list_departments(db)
    if not found:
        st.info("There are no departments yet. Add them in Settings, or load the demo organisation on the Overview.")
        st.page_link("pages/settings.py", label="Go to Settings", icon=":material/settings:")
        st.stop()
    return found


def show_error(err: Exception) -> None:
    """A domain error as a message a person can act on (each problem on its own line)."""
    problems = getattr(err, "problems", None)
    if problems and len(problems) > 1:
        st.error("Please fix these and try again:\n\n" + "\n".join(f"- {esc(p)}" for p in problems))
    else:
        st.error(esc(err))
