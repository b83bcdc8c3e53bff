"""The Activity page through AppTest: the changes made appear, filters narrow them (and live in the
link), the export builder writes what is shown, and the page is hidden from and refuses other roles."""

from __future__ import annotations

import csv
import io

import pytest
from streamlit.testing.v1 import AppTest

from esm_maturity.audit import ACTIVITY_COLUMNS, REFUSED_MARK, ActivityFilters, activity, export_csv
from esm_maturity.backlog.commands import add_item
from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.models import PermissionDenied
from esm_maturity.storage import open_database
from tests.app.conftest import add_people, open_app, sign_in
from tests.conftest import ADMIN, CHAMPION, ROOT, SPONSOR

PAGE = "pages/activity.py"
SPONSOR_EMAIL = "vera@example.org"


@pytest.fixture
def changed(db_path, monkeypatch):
    """A database with some changes in it: two departments, an improvement, a refused attempt."""
    monkeypatch.setenv("ESM_DB_PATH", str(db_path))
    with open_database(db_path) as db:
        add_department(db, ADMIN, "HR", "Human Resources")
        add_department(db, ADMIN, "IT", "IT Services")
        add_item(db, CHAMPION, title="Publish the knowledge articles", department_id="HR")
        with pytest.raises(PermissionDenied):
            add_item(db, SPONSOR, title="Not allowed", department_id="HR")
    return db_path


def shown(at):
    assert not at.exception, at.exception
    return at.dataframe[0].value if at.dataframe else None


def screen(elements) -> str:
    return " ".join(str(e.value) for e in elements).replace("\\", "")


def test_the_page_shows_the_changes_made(changed):
    at = open_app(changed, PAGE)
    assert [t.value for t in at.title] == ["Activity"]
    assert "every refused attempt" in screen(at.caption)
    rows = shown(at)
    assert list(rows.columns) == list(ACTIVITY_COLUMNS)
    assert {"department HR", "department IT", "improvement CI-0001", "improvement new"} <= set(rows["record"])
    refused = rows[rows["action"] == REFUSED_MARK]
    assert list(refused["actor"]) == [SPONSOR.name]
    assert refused["change"].iloc[0].startswith(f"Refused: {SPONSOR.name} is a sponsor")
    assert rows["action"].iloc[0] == REFUSED_MARK   # newest first
    assert "1 of them refused attempts" in screen(at.caption)
    assert [b.proto.label for b in at.get("download_button")] == ["Download what is shown"]


def test_a_filter_narrows_the_table_and_the_link_keeps_it(changed):
    at = open_app(changed, PAGE)
    at.selectbox(key="act_action").set_value("refused").run()
    assert list(shown(at)["action"]) == [REFUSED_MARK]
    assert at.query_params["change"] == "refused"

    at.selectbox(key="act_action").set_value("").run()
    at.text_input(key="act_key").input("ci-").run()
    assert list(shown(at)["record"]) == ["improvement CI-0001"]
    assert at.query_params["key"] == "ci-" and "change" not in at.query_params

    at.selectbox(key="act_department").set_value("IT").run()
    assert shown(at) is None
    assert "No activity matches these filters" in screen(at.info)
    assert not at.get("download_button")

    # The link opens the same view.
    again = open_app(changed)
    again.switch_page(PAGE)
    again.query_params.update({"person": CHAMPION.name, "department": "HR"})
    again.run()
    assert again.selectbox(key="act_person").value == CHAMPION.name
    assert list(shown(again)["record"]) == ["improvement CI-0001"]


def test_dates_from_after_to_say_so(changed):
    import datetime as dt

    at = open_app(changed, PAGE)
    at.date_input(key="act_from").set_value(dt.date(2026, 12, 2)).run()
    at.date_input(key="act_to").set_value(dt.date(2026, 12, 1)).run()
    assert not at.exception
    assert "after the 'to' date" in screen(at.error)


def test_the_export_builder_returns_what_is_shown(changed):
    at = open_app(changed, PAGE)
    at.selectbox(key="act_person").set_value(ADMIN.name).run()
    on_screen = shown(at)
    with Database(changed) as db:
        built = export_csv(activity(db, ActivityFilters(person=ADMIN.name)).rows)
    table = list(csv.reader(io.StringIO(built.decode("utf-8-sig"))))
    assert table[0] == list(ACTIVITY_COLUMNS.values())
    assert len(table) - 1 == len(on_screen) == 2
    for written, (_, row) in zip(table[1:], on_screen.iterrows()):
        assert written[0] == row["occurred_at"].strftime("%Y-%m-%d %H:%M:%S")
        assert written[1:] == [row[c] if isinstance(row[c], str) else "" for c in list(ACTIVITY_COLUMNS)[1:]]


def test_a_champion_signed_in_reads_it(changed):
    add_people(changed, ("eddie@example.org", "champion"))
    at = open_app(changed, PAGE, user="eddie@example.org")
    assert "department HR" in set(shown(at)["record"])


@pytest.mark.parametrize("role", ["sponsor", "department"])
def test_hidden_from_other_roles(changed, role):
    add_people(changed, (SPONSOR_EMAIL, role, ("HR",)) if role == "department" else (SPONSOR_EMAIL, role))
    at = open_app(changed, user=SPONSOR_EMAIL)
    assert not at.exception, at.exception
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(PAGE)


def _page_as_routed(page: str) -> None:
    """The page file run as the router would run it (whoever is signed in resolved first), even though
    the navigation would not offer it: a deep link before the app left its pages/-folder mode."""
    import runpy

    from esm_maturity.ui import identity, router

    identity.resolve()
    router._state.depth = getattr(router._state, "depth", 0) + 1
    try:
        runpy.run_path(page)
    finally:
        router._state.depth -= 1


def test_the_page_itself_refuses_a_sponsor(changed):
    add_people(changed, (SPONSOR_EMAIL, "sponsor"))
    at = sign_in(AppTest.from_function(_page_as_routed, args=(str(ROOT / PAGE),), default_timeout=30), SPONSOR_EMAIL)
    at.run()
    assert not at.exception, at.exception
    assert "is a sponsor and cannot read the activity log" in screen(at.info)
    assert not at.dataframe and not at.selectbox and not at.get("download_button")
