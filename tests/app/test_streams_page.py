"""The Value streams page driven through AppTest: the empty state, a stream from a template with its owners
assigned (steps and swim-lane shown), the stream's fields, the step editor (rename, delete, reorder; positions
1..n in the database), a conflict between two sessions, warnings, the flow check-in (derived hand-offs
pre-filled, a rework % out of range refused), hand-off quality, a sponsor's read-only view, and a stream name
with Markdown/HTML shown as typed."""

from __future__ import annotations

import pytest

from esm_maturity.db import Database
from esm_maturity.streams import commands
from esm_maturity.streams.records import StepInput, StreamInput
from esm_maturity.ui.step_editor import editor_key
from tests.app.conftest import add_people, open_app
from tests.conftest import ADMIN, DEMO_ANCHOR

PAGE = "pages/streams.py"
QUARTER = str(DEMO_ANCHOR)
ONBOARD = ["HR", "FAC", "IT", "SEC", "HR"]


DEPARTMENTS = {"HR": "Human Resources", "IT": "IT Services", "FIN": "Finance", "FAC": "Facilities",
               "SEC": "Security"}


@pytest.fixture
def org_path(db_path):
    """An organisation of five departments and no value stream (the demo's streams would be in the way)."""
    from esm_maturity.departments import add_department
    from esm_maturity.maturity import load_default_model
    from esm_maturity.models import SYSTEM

    with Database(db_path) as db:
        load_default_model(db, SYSTEM)
        for key, name in DEPARTMENTS.items():
            add_department(db, ADMIN, key, name)
    return db_path


@pytest.fixture
def org_app(org_path, monkeypatch):
    monkeypatch.setenv("ESM_DB_PATH", str(org_path))
    return lambda page=None, query=None, **kw: open_app(org_path, page, query, **kw)


def shown(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                                  "subheader") for e in getattr(at, kind)]
    return " ".join(str(p) for p in parts).replace("\u2060", "").replace("\\", "")


def errors(at) -> str:
    return " ".join(str(e.value) for e in at.error).replace("\\", "").replace("\u2060", "")


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def open_page(app, **kw):
    at = app(PAGE, **kw)
    assert not at.exception, at.exception
    return at


def make_stream(path, name="Onboard a new employee", owners=ONBOARD, **fields):
    """A stream written straight through the domain (as an admin) before the app opens the file."""
    steps = [StepInput(f"Step {i}", d, output=f"out {i}") for i, d in enumerate(owners, start=1)]
    with Database(path) as db:
        return commands.create_stream(db, ADMIN, StreamInput(name=name, **fields), steps,
                                      from_quarter=QUARTER).stream_id


def open_steps(path, stream_id):
    return db_rows(path, "SELECT position, name, department_id, step_id FROM stream_steps WHERE stream_id = $1 "
                         "AND valid_to IS NULL ORDER BY position", [stream_id])


def version(path, stream_id):
    return db_rows(path, "SELECT version FROM value_streams WHERE stream_id = $1", [stream_id])[0][0]


def test_the_empty_state_says_what_a_stream_is_and_offers_the_templates(org_app):
    at = open_page(org_app)
    assert "A value stream is the series of steps" in shown(at)
    assert "Start from a template" in shown(at)
    assert at.selectbox(key="vs_template").value == "onboard"
    assert at.selectbox(key="vs_quarter").value == QUARTER       # the clock's quarter by default
    assert not at.tabs or all(t.label != "Define" for t in at.tabs)


def test_create_from_a_template_with_departments_assigned_shows_steps_and_swim_lane(org_app, org_path):
    at = open_page(org_app)
    at.text_input(key="vs_template_name").input("Onboarding at our place")
    for i, dept in enumerate(ONBOARD):
        at.selectbox(key=f"vs_template_dept_{i}").set_value(dept)
    at.button(key="vs_template_create").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Created value stream VS-1" in shown(at)
    rows = open_steps(org_path, "VS-1")
    assert [(p, d) for p, _, d, _ in rows] == list(zip(range(1, 6), ONBOARD))
    assert db_rows(org_path, "SELECT name FROM value_streams")[0][0] == "Onboarding at our place"
    assert at.selectbox(key="vs_stream").value == "VS-1" and at.query_params["stream"] == "VS-1"
    steps = next(t.value for t in at.dataframe if "Owning department" in str(t.value.columns) or
                 "department" in t.value.columns)
    assert list(steps["department"]) == ["Human Resources", "Facilities", "IT Services", "Security",
                                         "Human Resources"]
    charts = [c for c in at.get("vega_lite_chart")]
    assert charts, "no swim-lane chart"
    assert "4 hand-offs" in shown(at)
    lane = next(t.value for t in at.dataframe if list(t.value.index)[:1] == ["Human Resources"])
    assert list(lane.columns)[0].startswith("1 · Prepare the contract")
    assert "→ owner" in list(lane.loc["Facilities"])


def test_the_link_chooses_the_stream_and_a_bad_link_falls_back(org_app, org_path):
    make_stream(org_path, "First")
    make_stream(org_path, "Second", owners=["IT", "FIN"])
    at = open_page(org_app, query={"stream": "VS-2"})
    assert at.selectbox(key="vs_stream").value == "VS-2"
    at = open_page(org_app, query={"stream": "VS-99"})
    assert at.selectbox(key="vs_stream").value == "VS-1"
    assert at.query_params["stream"] == "VS-1"


def test_edit_the_streams_fields(org_app, org_path):
    add_people(org_path, ("olu@example.org", "department", ["IT"]))
    make_stream(org_path)
    at = open_page(org_app)
    at.text_input(key="vs_name").input("Hire to retire")
    at.selectbox(key="vs_kind").set_value("enabling")
    at.text_input(key="vs_trigger").input("Offer accepted")
    at.selectbox(key="vs_owner").set_value("olu@example.org")
    at.selectbox(key="vs_rule").set_value("mean")
    at.button(key="vs_define_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Saved Hire to retire." in shown(at)
    assert db_rows(org_path, "SELECT name, kind, trigger, owner, rollup_rule, version FROM value_streams") == [
        ("Hire to retire", "enabling", "Offer accepted", "olu@example.org", "mean", 2)]


def test_a_retired_stream_leaves_the_list_and_comes_back_with_show_retired(org_app, org_path):
    make_stream(org_path, "First")
    make_stream(org_path, "Second", owners=["IT", "FIN"])
    at = open_page(org_app, query={"stream": "VS-2"})
    at.checkbox(key="vs_retired").check()
    at.button(key="vs_define_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert db_rows(org_path, "SELECT stream_id, active FROM value_streams ORDER BY 1") == [("VS-1", True),
                                                                                        ("VS-2", False)]
    at = open_page(org_app)
    assert at.selectbox(key="vs_stream").options == ["First (VS-1)"]
    at.toggle(key="vs_show_retired").set_value(True).run()
    assert at.selectbox(key="vs_stream").options == ["First (VS-1)", "Second (VS-2)"]
    listed = at.dataframe[0].value
    assert list(listed["status"]) == ["active", "retired"]
    at.selectbox(key="vs_stream").set_value("VS-2").run()
    assert at.checkbox(key="vs_retired").value is True
    at.checkbox(key="vs_retired").uncheck()
    at.button(key="vs_define_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert db_rows(org_path, "SELECT active FROM value_streams WHERE stream_id = 'VS-2'") == [(True,)]


def test_edit_steps_rename_delete_and_reorder_renumbers_1_to_n(org_app, org_path):
    stream_id = make_stream(org_path)
    at = open_page(org_app)
    key = editor_key(stream_id, version(org_path, stream_id))
    # rows as drawn: 0..4 = steps 1..5. Rename step 2, delete step 3, move step 5 to the top.
    at.session_state[key] = {"edited_rows": {1: {"name": "Desk and badge"}, 4: {"position": 1}},
                             "added_rows": [{"name": "Say goodbye", "department": "Finance"}],
                             "deleted_rows": [2]}
    at.run()
    at.button(key="vs_steps_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Saved the steps" in shown(at)
    rows = open_steps(org_path, stream_id)
    assert [(p, n, d) for p, n, d, _ in rows] == [(1, "Step 5", "HR"), (2, "Step 1", "HR"),
                                                   (3, "Desk and badge", "FAC"), (4, "Step 4", "SEC"),
                                                   (5, "Say goodbye", "FIN")]
    assert version(org_path, stream_id) == 2


def test_a_second_session_saving_steps_after_the_first_is_refused(org_app, org_path):
    stream_id = make_stream(org_path)
    first, second = open_page(org_app), open_page(org_app)
    key = editor_key(stream_id, 1)
    first.session_state[key] = {"edited_rows": {0: {"name": "First's name"}}, "added_rows": [], "deleted_rows": []}
    first.run()
    first.button(key="vs_steps_save").click().run()
    assert not first.error, errors(first)
    second.session_state[key] = {"edited_rows": {0: {"name": "Second's name"}}, "added_rows": [], "deleted_rows": []}
    second.run()
    second.button(key="vs_steps_save").click().run()
    assert "someone else changed value stream" in errors(second)
    assert open_steps(org_path, stream_id)[0][1] == "First's name"
    assert any(b.key == "vs_steps_reload" for b in second.button)
    # the stream form of the second session was drawn with version 1 too: refused as well
    second.text_input(key="vs_name").input("Overwritten?")
    second.button(key="vs_define_save").click().run()
    assert "someone else changed value stream" in errors(second)
    assert db_rows(org_path, "SELECT name FROM value_streams")[0][0] == "Onboard a new employee"


def test_warnings_for_a_single_department_stream(org_app, org_path):
    make_stream(org_path, "Only HR", owners=["HR", "HR", "HR"])
    at = open_page(org_app)
    warnings = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "single-department: every step is owned by HR" in warnings
    listing = next(t.value for t in at.dataframe if "warnings" in t.value.columns)
    assert list(listing["warnings"]) == [1]


def test_record_a_flow_check_in_with_the_derived_hand_offs(org_app, org_path):
    stream_id = make_stream(org_path)
    at = open_page(org_app)
    assert at.number_input(key="vf_handoffs").value == 4          # the owners change four times
    at.number_input(key="vf_lead_time_days").set_value(20.0)
    at.number_input(key="vf_process_time_days").set_value(5.0)
    at.number_input(key="vf_rework_pct").set_value(150.0)
    at.button(key="vf_save").click().run()
    assert "Rework %: 150.0 is out of range" in errors(at)
    assert db_rows(org_path, "SELECT count(*) FROM stream_flow")[0][0] == 0
    at.number_input(key="vf_rework_pct").set_value(12.5)
    at.number_input(key="vf_items").set_value(30)
    at.button(key="vf_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert db_rows(org_path, "SELECT quarter, lead_time_days, process_time_days, handoffs, rework_pct, items "
                             "FROM stream_flow WHERE stream_id = $1", [stream_id]) == [
        (QUARTER, 20.0, 5.0, 4, 12.5, 30)]
    assert any(m.label == "Flow efficiency" and m.value == "25%" for m in at.metric)


def test_hand_off_quality_is_saved_and_rolled_only_when_all_are_rated(org_app, org_path):
    stream_id = make_stream(org_path, owners=["HR", "IT", "FIN"])
    at = open_page(org_app)
    assert "The receiving department judges % complete and accurate" in shown(at)
    at.session_state[f"vf_handoffs_{stream_id}_{QUARTER}_0"] = {
        "edited_rows": {0: {"pct": 80.0, "wait": 2.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="vf_handoffs_save").click().run()
    assert not at.exception and not at.error, errors(at)
    assert "Saved 1 hand-off rating." in shown(at)
    assert db_rows(org_path, "SELECT to_step_id, pct_complete_accurate, wait_days FROM stream_handoffs") == [
        (f"{stream_id}.2", 80.0, 2.0)]
    assert any(m.label == "Rolled % complete and accurate" and m.value == "incomplete" for m in at.metric)
    at.session_state[f"vf_handoffs_{stream_id}_{QUARTER}_1"] = {
        "edited_rows": {1: {"pct": 50.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="vf_handoffs_save").click().run()
    assert not at.error, errors(at)
    assert any(m.label == "Rolled % complete and accurate" and m.value == "40%" for m in at.metric)


def test_a_department_rep_rates_only_the_hand_offs_their_department_receives(org_path):
    add_people(org_path, ("ivy@example.org", "department", ["IT"]))
    stream_id = make_stream(org_path, owners=["HR", "IT", "FIN"])
    at = open_app(org_path, PAGE, user="ivy@example.org")
    assert not at.exception, at.exception
    keys = {b.key for b in at.button}
    assert not keys & {"vf_save", "vs_define_save", "vs_steps_save", "vs_template_create"}, keys
    assert "vf_handoffs_save" in keys                                       # IT receives the first hand-off
    read_only = next(t.value for t in at.dataframe if "to" in t.value.columns and "pct" in t.value.columns)
    assert list(read_only["to"]) == ["3 Step 3 · Finance"]                  # IT -> FIN: Finance judges it
    at.session_state[f"vf_handoffs_{stream_id}_{QUARTER}_0"] = {
        "edited_rows": {0: {"pct": 70.0}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="vf_handoffs_save").click().run()
    assert not at.error, errors(at)
    assert db_rows(org_path, "SELECT to_step_id, pct_complete_accurate, recorded_by FROM stream_handoffs") == [
        (f"{stream_id}.2", 70.0, "ivy@example.org")]


def test_an_unknown_supporting_department_is_refused_with_its_row(org_app, org_path):
    stream_id = make_stream(org_path)
    at = open_page(org_app)
    at.session_state[editor_key(stream_id, 1)] = {
        "edited_rows": {0: {"supporting": "IT Services, Nowhere"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="vs_steps_save").click().run()
    assert "step 1: there is no department 'Nowhere'" in errors(at)
    assert version(org_path, stream_id) == 1
    at.session_state[editor_key(stream_id, 1)] = {
        "edited_rows": {0: {"supporting": "IT Services, fin"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="vs_steps_save").click().run()
    assert not at.error, errors(at)
    assert db_rows(org_path, "SELECT supporting FROM stream_steps WHERE step_id = $1 AND valid_to IS NULL",
                   [f"{stream_id}.1"]) == [(["IT", "FIN"],)]


def test_a_department_rep_edits_the_stream_they_own_and_records_flow_for_the_one_they_champion(org_path):
    add_people(org_path, ("olu@example.org", "department", ["IT"]))
    make_stream(org_path, "Owned", owner="olu@example.org")
    make_stream(org_path, "Championed", owners=["FIN", "SEC"], champion="olu@example.org")
    at = open_app(org_path, PAGE, user="olu@example.org")
    assert not at.exception, at.exception
    keys = {b.key for b in at.button}
    assert at.selectbox(key="vs_stream").value == "VS-2"          # by name: "Championed" comes first
    assert "vf_save" in keys and "vs_define_save" not in keys and "vs_template_create" not in keys, keys
    at.selectbox(key="vs_stream").set_value("VS-1").run()
    keys = {b.key for b in at.button}
    assert {"vf_save", "vs_define_save", "vs_steps_save"} <= keys, keys


def test_a_sponsor_sees_no_edit_forms(org_path):
    add_people(org_path, ("vera@example.org", "sponsor"))
    make_stream(org_path)
    at = open_app(org_path, PAGE, user="vera@example.org")
    assert not at.exception, at.exception
    keys = {b.key for b in at.button}
    assert not keys & {"vs_define_save", "vs_steps_save", "vf_save", "vf_handoffs_save", "vs_template_create",
                       "vs_empty_create"}, keys
    assert not at.text_input and not at.number_input
    assert "Step 1" in " ".join(str(t.value) for t in at.dataframe)


def test_a_name_with_markdown_and_html_is_shown_as_typed(org_app, org_path):
    name = "**Bold** <b>x</b> [link](http://evil.example) :smile:"
    make_stream(org_path, name)
    at = open_page(org_app)
    heading = at.subheader[0].value
    assert "\\*\\*Bold\\*\\*" in heading and "\\<b\\>" in heading and "\\[link\\]" in heading
    assert at.text_input(key="vs_name").value == name
    listing = next(t.value for t in at.dataframe if "name" in t.value.columns and "kind" in t.value.columns)
    assert list(listing["name"]) == [name]


@pytest.mark.parametrize("owners", [["HR", "IT"] * 8])
def test_fifteen_steps_and_more_stay_on_one_readable_lane(org_app, org_path, owners):
    make_stream(org_path, "Long", owners=owners)
    at = open_page(org_app)
    assert "more than 15" in " ".join(w.value for w in at.warning)
    assert "16 steps, 2 departments, 15 hand-offs" in shown(at)


def test_the_swim_lane_spec_is_valid_vega_lite(org_path):
    """The page builds the spec without Altair's schema check (ui/chart_export): check it here once."""
    from esm_maturity.streams import queries
    from esm_maturity.ui.swim_lane import HANDOFF, lane_chart, lane_rows

    stream_id = make_stream(org_path, owners=["HR", "IT", "IT", "FIN"])
    with Database(org_path) as db:
        lane = queries.swim_lane(db, stream_id, QUARTER)
    frame = lane_rows(lane)
    assert list(frame["mark"]) == ["", HANDOFF, "", HANDOFF]
    spec = lane_chart(frame, tuple(frame["step"]), ("Human Resources", "IT Services", "Finance")).to_dict()
    assert spec["layer"][0]["mark"]["type"] == "rect"
