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
    st.cache_resource.clear()
    st.cache_data.clear()
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


# Organisation mode for AppTest: an [auth] section (never contacted: at.user says who is signed in).
AUTH = {"client_id": "esm-test", "client_secret": "not-a-secret", "cookie_secret": "a-cookie-secret-for-tests",
        "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def add_people(db_file, *people: tuple) -> None:
    """Put people (email, role[, departments]) into the database file before the app opens it."""
    from esm_maturity.access.people import add_person
    from esm_maturity.storage import open_database
    from tests.conftest import ADMIN

    with open_database(db_file) as db:
        for email, role, *departments in people:
            add_person(db, ADMIN, email, email.split("@")[0].title(), role, departments[0] if departments else ())


def sign_in(at: AppTest, email: str | None, name: str = "") -> AppTest:
    """Organisation mode, with `email` signed in (None: nobody signed in yet)."""
    at.secrets["auth"] = dict(AUTH)
    at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email,
                                                              "name": name or email.split("@")[0].title()}
    return at


def open_app(db_file, page: str | None = None, query: dict | None = None, timeout: float = 30,
             user: str | None = None) -> AppTest:
    """Run app.py over `db_file`, switched to `page` (e.g. "pages/assessment.py"); with `user`, in
    organisation mode with that person signed in."""
    import os

    os.environ["ESM_DB_PATH"] = str(db_file)
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user is not None:
        sign_in(at, user)
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
    return lambda page=None, query=None, **kw: open_app(db_path, page, query, **kw)


@pytest.fixture
def demo_app(demo_path, monkeypatch):
    monkeypatch.setenv("ESM_DB_PATH", str(demo_path))
    return lambda page=None, query=None, **kw: open_app(demo_path, page, query, **kw)
