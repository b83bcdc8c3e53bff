"""AppTest fixtures: each test gets its own database file and a clean resource cache."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

APP = str(ROOT / "app.py")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    monkeypatch.setenv("ESM_ACTOR", "alice")
    monkeypatch.setenv("ESM_ROLE", "admin")
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


def open_app(db_file, page: str | None = None, query: dict | None = None, timeout: float = 30) -> AppTest:
    """Run app.py over `db_file`, switched to `page` (e.g. "pages/assessment.py")."""
    import os

    os.environ["ESM_DB_PATH"] = str(db_file)
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


@pytest.fixture
def empty_app(db_path, monkeypatch):
    monkeypatch.setenv("ESM_DB_PATH", str(db_path))
    return lambda page=None, query=None: open_app(db_path, page, query)


@pytest.fixture
def demo_app(demo_path, monkeypatch):
    monkeypatch.setenv("ESM_DB_PATH", str(demo_path))
    return lambda page=None, query=None: open_app(demo_path, page, query)
