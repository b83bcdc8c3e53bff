"""The navigation, built from the registry. app.py calls run_app(); so does a page run on its own."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ..access.policy import allowed_somewhere
from . import cached, identity
from .registry import PAGES

_state = threading.local()  # each session's script runs on its own thread

# At most PAGE_RUNS pages run at once in this process; a session beyond them waits its turn. They share
# one interpreter lock, so more at once only spreads the same work thinner, while every run holds its
# page's elements until they are sent: with fifty people opening Trends together the server's memory
# peaked higher and stayed higher after they left (python -m esm_maturity bench pages), and nobody was
# served sooner. Sign-in screens and fragments run outside it.
PAGE_RUNS = 2 * (os.cpu_count() or 1)
_turns = threading.BoundedSemaphore(PAGE_RUNS)


@contextmanager
def page_turn() -> Iterator[None]:
    """While a page runs: one of the PAGE_RUNS turns (waits for one to be free)."""
    with _turns:
        yield

# The tab icon is a file shipped here, sent inline as a data: URL. A ":material/...:" page icon
# would make every browser fetch the icon from Google's font servers (the Material icons inside
# the pages come from Streamlit's own bundled font, served by this app).
FAVICON = Path(__file__).with_name("favicon.svg")


def routed() -> bool:
    """True while a page runs under run_app()'s navigation."""
    return getattr(_state, "depth", 0) > 0


def run_app() -> None:
    """Page config, the page list from the registry, and run the chosen page."""
    cached.run_started()   # the run's reads share one data version (ui/cached.py)
    try:
        _run_app()
    finally:
        cached.run_ended()


def _run_app() -> None:
    # With a pages/ folder beside app.py Streamlit starts in its old file-based mode; leave it.
    PagesManager.uses_pages_directory = False
    st.set_page_config(page_title="ESM maturity", page_icon=str(FAVICON), layout="wide")
    if identity.link_token() is not None:   # a personal link to a rating round: that page alone, no sign-in
        navigation = st.navigation(identity.link_pages(), position="hidden")
    else:
        actor = identity.resolve()   # organisation mode: sign in first (or stop on the sign-in screen)
        navigation = st.navigation(
            [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
             for p in PAGES if p.needs is None or allowed_somewhere(actor, p.needs)],
            expanded=True)   # every page listed, no "View more" (Streamlit folds a list of more than ten)
        identity.sidebar(actor)
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
        with page_turn():
            navigation.run()
    finally:
        _state.depth -= 1


def ensure_routed() -> None:
    """Run by every page first. A deep link visited before any session ran app.py (Streamlit's
    old pages/-folder mode) runs the page file bare: route it through run_app() instead, so the
    navigation, page config and titles are the app's, then stop the bare run."""
    if not routed():
        run_app()
        st.stop()
