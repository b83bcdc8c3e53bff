"""Value stream links on the backlog and check-in pages, driven through AppTest: the item forms offer a stream
and its steps (and save them), the backlog filters on ?stream=, an opened item says where it is a lever, the
check-in form saves a stream; an organisation without streams sees none of it."""

from __future__ import annotations

import pytest

from esm_maturity.backlog.commands import add_item
from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.storage import open_database
from esm_maturity.streams import commands as streams
from esm_maturity.streams.records import StepInput, StreamInput
from tests.app.conftest import open_app
from tests.conftest import ADMIN

QUARTER = "2026-Q4"   # the pinned day's quarter
STREAM = "Onboard *a* [new](http://x) employee"   # Markdown in a name stays text


def prepare(path, with_streams: bool) -> None:
    """HR and IT; with streams: VS-1 (HR, IT) and VS-2 (IT, HR), submitted scores on 'collaboration' with HR
    at the floor; items CI-0001 (linked to VS-1 step VS-1.2, HR/collaboration) and CI-0002 (no link)."""
    with open_database(path) as db:
        add_department(db, ADMIN, "HR", "Human Resources")
        add_department(db, ADMIN, "IT", "IT Services")
        link = {}
        if with_streams:
            streams.create_stream(db, ADMIN, StreamInput(STREAM), [StepInput("Prepare", "HR"),
                                                                   StepInput("Equip", "IT")], from_quarter=QUARTER)
            streams.create_stream(db, ADMIN, StreamInput("Request to fulfil"),
                                  [StepInput("Log", "IT"), StepInput("Approve", "HR")], from_quarter=QUARTER)
            with db.transaction() as tx:
                for dept, level in (("HR", 2), ("IT", 4)):
                    tx.execute("INSERT INTO assessments (quarter, department_id, status, updated_at) "
                               "VALUES ($1, $2, 'submitted', now())", [QUARTER, dept])
                    tx.execute("INSERT INTO scores (quarter, department_id, dimension_id, score) "
                               "VALUES ($1, $2, 'collaboration', $3)", [QUARTER, dept, level])
            link = {"stream_id": "VS-1", "step_id": "VS-1.2"}
        add_item(db, ADMIN, title="Shared intake form", department_id="HR", dimension_id="collaboration", **link)
        add_item(db, ADMIN, title="Laptop checklist", department_id="IT")


@pytest.fixture
def app(db_path, monkeypatch):
    monkeypatch.setenv("ESM_DB_PATH", str(db_path))

    def start(page, query=None, with_streams=True):
        prepare(db_path, with_streams)
        at = open_app(db_path, page, query)
        assert not at.exception, at.exception
        return at
    return start


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def keys(at, kind="selectbox") -> set[str]:
    return {w.key for w in at.get(kind)}


def test_the_item_form_offers_the_stream_and_its_steps_and_saves_the_link(app, db_path):
    at = app("pages/backlog.py", {"item": "CI-0002"})
    dialog = at.get("dialog")[0]
    stream = dialog.selectbox(key="item_stream")
    assert stream.value == "" and stream.options == ["(none)", STREAM, "Request to fulfil"]   # names as text
    assert dialog.selectbox(key="item_step").disabled
    stream.set_value("VS-2").run()
    dialog = at.get("dialog")[0]
    step = dialog.selectbox(key="item_step")
    assert step.options == ["(any step)", "1. Log", "2. Approve"] and not step.disabled
    step.set_value("VS-2.2").run()
    at.get("dialog")[0].button(key="item_save").click().run()
    assert not at.exception, at.exception
    assert db_rows(db_path, "SELECT stream_id, step_id, version FROM backlog_items WHERE item_id = 'CI-0002'") == [
        ("VS-2", "VS-2.2", 2)]
    changes = " ".join(str(v) for v in at.get("dialog")[0].dataframe[-1].value["change"])
    assert "stream_id: (blank) → VS-2" in changes   # the item's history shows it like any other field


def test_clearing_the_stream_in_the_form_clears_the_step(app, db_path):
    at = app("pages/backlog.py", {"item": "CI-0001"})
    dialog = at.get("dialog")[0]
    assert (dialog.selectbox(key="item_stream").value, dialog.selectbox(key="item_step").value) == ("VS-1", "VS-1.2")
    dialog.selectbox(key="item_stream").set_value("").run()
    at.get("dialog")[0].button(key="item_save").click().run()
    assert db_rows(db_path, "SELECT stream_id, step_id FROM backlog_items WHERE item_id = 'CI-0001'") == [(None, None)]


def test_the_add_form_saves_a_stream_and_step(app, db_path):
    at = app("pages/backlog.py")
    at.selectbox(key="new_stream").set_value("VS-1").run()
    at.selectbox(key="new_step").set_value("VS-1.1").run()
    at.text_input(key="new_title").input("Welcome pack")
    at.button(key="add_item_submit").click().run()
    assert not at.exception, at.exception
    assert db_rows(db_path, "SELECT stream_id, step_id FROM backlog_items WHERE title = 'Welcome pack'") == [
        ("VS-1", "VS-1.1")]


def test_an_opened_item_says_in_which_streams_it_is_the_lever(app):
    at = app("pages/backlog.py", {"item": "CI-0001"})
    shown = " ".join(m.value for m in at.get("dialog")[0].markdown)
    assert "**Lever in 2 value streams:**" in shown and "Request to fulfil" in shown
    assert "Onboard \\*a\\* \\[new\\](http\\:" in shown   # the stream's name escaped, never a link
    assert any("the item says so when opened" in m.value for m in at.markdown)   # how the priority weighs it
    other = open_app(at_path(at), "pages/backlog.py", {"item": "CI-0002"})   # no dimension: no line
    assert "Lever in" not in " ".join(m.value for m in other.get("dialog")[0].markdown)


def test_the_backlog_filters_on_a_stream_from_the_link(app):
    at = app("pages/backlog.py", {"stream": "VS-1"})
    assert at.selectbox(key="bl_stream").value == "VS-1"
    rows = at.session_state["bl_rendered"][1]
    assert list(rows["item_id"]) == ["CI-0001"] and rows["stream"].iloc[0] == STREAM
    assert "stream" in list(at.dataframe[0].proto.column_order)
    at.selectbox(key="bl_stream").set_value("").run()
    assert sorted(at.session_state["bl_rendered"][1]["item_id"]) == ["CI-0001", "CI-0002"]
    assert "stream" not in at.query_params


def test_without_streams_the_forms_and_filters_look_as_before(app):
    at = app("pages/backlog.py", {"item": "CI-0001", "stream": "VS-1"}, with_streams=False)
    assert not {"item_stream", "item_step", "new_stream", "new_step", "bl_stream"} & keys(at)
    assert len(at.session_state["bl_rendered"][1]) == 2   # ?stream= means nothing here
    assert "stream" not in list(at.dataframe[0].proto.column_order)
    assert not any("Lever in" in m.value or "Value streams" in m.value for m in at.markdown)
    checkins = open_app(at_path(at), "pages/checkins.py")
    assert not {"ci_stream", "edit_stream"} & keys(checkins)


def at_path(at):
    import os

    return os.environ["ESM_DB_PATH"]


def test_the_checkin_form_saves_a_stream_and_the_edit_form_changes_it(app, db_path):
    at = app("pages/checkins.py", {"department": "HR"})
    field = at.selectbox(key="ci_stream")
    assert field.options == ["(none)", STREAM, "Request to fulfil"]
    field.set_value("VS-2")
    at.text_area(key="ci_notes").input("Flow review")
    at.button(key="ci_save").click().run()
    assert not at.exception, at.exception
    assert db_rows(db_path, "SELECT checkin_id, stream_id FROM checkins") == [("CHK-0001", "VS-2")]
    at = open_app(db_path, "pages/checkins.py", {"tab": "Check-ins and actions", "checkin": "CHK-0001"})
    assert at.selectbox(key="edit_stream").value == "VS-2"
    assert any("Value stream: VS" in c.value for c in at.caption)
    at.selectbox(key="edit_stream").set_value("VS-1")
    at.button(key="edit_checkin_save").click().run()
    assert not at.exception, at.exception
    assert db_rows(db_path, "SELECT stream_id, version FROM checkins") == [("VS-1", 2)]
