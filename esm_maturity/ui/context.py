"""Per-process resources and the setup every page runs first."""

from __future__ import annotations

import streamlit as st

from ..db import Database
from ..departments import Department, list_departments
from ..models import Actor
from . import identity
from .resources import database
from .router import ensure_routed
from .text import esc


def actor() -> Actor:
    """Who is acting in this run: resolved (signed in, or the local admin) by the router."""
    return identity.current()


def page_setup() -> tuple[Database, Actor]:
    """First line of every page: the right navigation (with sign-in), the database and who is acting."""
    ensure_routed()
    return database(), actor()


# What a table shows in an empty cell (Streamlit's default is the word "None").
MISSING = "–"


def flash(message: str) -> None:
    """Remember a success message for the next run, and rerun (so the page shows fresh data)."""
    st.session_state["flash"] = message
    st.rerun()


def show_flash() -> None:
    """Show (once) the message a previous run left with flash(); it may quote user text, so escaped."""
    message = st.session_state.pop("flash", None)
    if message:
        st.success(esc(message), icon=":material/check_circle:")
    error = st.session_state.pop("flash_error", None)
    if error is not None:
        show_error(error)


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
