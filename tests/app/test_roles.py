"""Every page as every role (organisation mode, `at.user` set): nobody sees data before signing in,
someone without a role gets the request-access page, and each role gets the controls it may use."""

from __future__ import annotations

import pytest

from esm_maturity.access.policy import SCOPED
from esm_maturity.db import Database
from esm_maturity.ui.registry import PAGES
from tests.app.conftest import add_people, open_app

PEOPLE = [("ann@example.org", "admin"), ("eddie@example.org", "champion"),
          ("dora@example.org", "department", ["HR"]), ("vera@example.org", "sponsor")]
ROLE_OF = {p[0]: p[1] for p in PEOPLE}


@pytest.fixture
def org(demo_path, monkeypatch):
    add_people(demo_path, *PEOPLE)
    monkeypatch.setenv("ESM_DB_PATH", str(demo_path))
    return lambda page=None, query=None, user=None: open_app(demo_path, page, query, user=user)


def shown(at) -> str:
    text = " ".join(e.value for e in [*at.markdown, *at.info, *at.caption, *at.title])
    return text.replace("\u2060", "").replace("\\", "")   # the word joiner and escapes that keep text as text


def test_nobody_sees_data_before_signing_in(demo_path, monkeypatch):
    from tests.app.conftest import sign_in
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("ESM_DB_PATH", str(demo_path))
    at = sign_in(AppTest.from_file(str(open_app.__globals__["APP"])), None)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["ESM maturity tracker"] and at.button(key="sign_in")
    assert not at.dataframe and not at.metric and not at.get("arrow_vega_lite_chart")
    assert "Human Resources" not in shown(at)


def test_someone_without_a_role_is_asked_to_request_access(org):
    at = org(user="stranger@example.org")
    assert not at.exception
    assert [t.value for t in at.title] == ["Request access"]
    text = shown(at)
    assert "stranger@example.org" in text and "ann@example.org" in text   # the admins are named
    assert at.button(key="sign_out") and not at.dataframe


def test_a_deactivated_person_is_asked_to_request_access(org, demo_path):
    from esm_maturity.access.people import find_person, update_person
    from tests.conftest import ADMIN

    with Database(demo_path) as db:
        vera = find_person(db, "vera@example.org")
        update_person(db, ADMIN, vera.email, name=vera.name, role="sponsor", departments=(), active=False,
                      expected_version=vera.version)
    assert [t.value for t in org(user="vera@example.org").title] == ["Request access"]


def test_the_first_admin_from_the_configuration_becomes_admin(new_db, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import sign_in

    path = new_db("fresh")
    monkeypatch.setenv("ESM_DB_PATH", str(path))
    at = sign_in(AppTest.from_file(str(open_app.__globals__["APP"])), "Ann@Example.org", "Ann")
    at.secrets["esm"] = {"first_admin": "ann@example.org"}
    at.run()
    assert not at.exception and at.button(key="load_demo") and not at.button(key="load_demo").disabled
    assert "Signed in as Ann (ann@example.org): admin" in shown(at)
    st.cache_resource.clear()   # the app's database handle: close it for this process to open the file
    with Database(path) as db:
        assert db.rows("SELECT email, role FROM people") == [("ann@example.org", "admin")]


@pytest.mark.parametrize("user", list(ROLE_OF))
@pytest.mark.parametrize("page", [p.path for p in PAGES])
def test_every_page_for_every_role(org, page, user):
    at = org(user=user)
    spec = next(p for p in PAGES if p.path == page)
    role = ROLE_OF[user]
    # a page for a permission scoped to departments (rating rounds) is a rep's too, for their own departments
    if spec.needs is not None and (role == "sponsor" or (role == "department" and spec.needs not in SCOPED)):
        with pytest.raises(Exception):   # not in their navigation at all
            at.switch_page(page)
        return
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title and f"({user})" in shown(at)   # the sidebar names who is signed in


WRITES = {"backlog_save", "add_item_submit", "item_save", "ci_save", "add_action", "edit_checkin_save", "dept_add",
          "dept_save", "dim_save", "dim_add", "dim_toggle", "levels_save", "person_add", "person_save", "load_demo",
          "data_import_confirm", "save_draft", "submit", "save_draft_top", "submit_top", "reopen",
          "gap_to_backlog"}


def test_a_sponsor_has_no_enabled_write_control_anywhere(org):
    for spec in PAGES:
        if spec.needs is not None:
            continue
        at = org(spec.path, {"department": "HR"}, user="vera@example.org")
        assert not at.exception, (spec.path, at.exception)
        enabled = {b.key for b in at.button if not b.disabled} & WRITES
        assert not enabled, (spec.path, enabled)
        assert not [b for b in at.button if b.key and b.key.startswith(("done_", "drop_", "reopen_")) and not b.disabled]


def test_local_mode_refuses_to_serve_beyond_this_computer(demo_app):
    from streamlit import config

    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    try:
        at = demo_app()
    finally:
        config.set_option("server.address", before)
    assert not at.exception
    assert "nobody signs in" in " ".join(e.value for e in at.error) and not at.dataframe and not at.metric
    assert "Local mode: no sign-in" in shown(demo_app())   # on 127.0.0.1: the one quiet line
