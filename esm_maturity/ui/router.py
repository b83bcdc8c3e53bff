"""The navigation, built from the registry. app.py calls run_app(); so does a page run on its own."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ..access.policy import allowed
from . import identity
from .registry import PAGES

_state = threading.local()  # each session's script runs on its own thread

# The tab icon is a file shipped here, sent inline as a data: URL. A ":material/...:" page icon
# would make every browser fetch the icon from Google's font servers (the Material icons inside
# the pages come from Streamlit's own bundled font, served by this app).
FAVICON = Path(__file__).with_name("favicon.svg")


def routed() -> bool:
    """True while a page runs under run_app()'s navigation."""
    return getattr(_state, "depth", 0) > 0


def run_app() -> None:
    """Page config, the page list from the registry, and run the chosen page."""
    # With a pages/ folder beside app.py Streamlit starts in its old file-based mode; leave it.
    PagesManager.uses_pages_directory = False
    st.set_page_config(page_title="ESM maturity", page_icon=str(FAVICON), layout="wide")
    actor = identity.resolve()   # organisation mode: sign in first (or stop on the sign-in screen)
    navigation = st.navigation(
        [st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=not p.url_path)
         for p in PAGES if p.needs is None or allowed(actor, p.needs)])
    identity.sidebar(actor)
    _state.depth = getattr(_state, "depth", 0) + 1
    try:
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
