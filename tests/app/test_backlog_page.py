"""The backlog page driven through AppTest, asserting the screen and the database."""

from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.db import Database
from tests.conftest import ADMIN
from tests.app.conftest import add_people


def texts(at):
    """(errors, successes, warnings) as a person reads them: Markdown escapes removed."""
    return tuple(" ".join(str(e.value) for e in elements).replace("\\", "")
                 for elements in (at.error, at.success, at.warning))


def item(path, key):
    with Database(path) as db:
        return get_item(db, key)


def grid(at):
    """The editor's key and the exact frame it shows."""
    key = at.session_state["backlog_grid_key"]
    owner, frame = at.session_state["bl_rendered"]
    assert owner == key
    return key, frame


def edit(at, key, edited_rows):
    """What the browser sends when a cell is edited; the page reruns (and enables Save)."""
    at.session_state[key] = {"edited_rows": edited_rows, "added_rows": [], "deleted_rows": []}
    at.run()


def open_backlog(demo_app, query=None):
    at = demo_app("pages/backlog.py", query)
    assert not at.exception, at.exception
    return at


def test_page_shows_grid_metrics_chart_and_priority_explained(demo_app):
    at = open_backlog(demo_app)
    key, frame = grid(at)
    assert len(frame) == 45  # the demo's open items
    assert list(frame["priority"]) == sorted(frame["priority"], reverse=True)
    assert at.metric[0].value == "45"
    assert any("value × (1 + gap) ÷ effort points" in m.value for m in at.markdown)
    chart = at.get("vega_lite_chart")
    assert chart and "Effort" in chart[0].proto.spec


def test_grid_edit_is_saved_by_key(demo_app, demo_path):
    at = open_backlog(demo_app)
    key, frame = grid(at)
    target = frame.loc[2, "item_id"]
    edit(at, key, {2: {"owner": "Zoe Quinn", "effort": "XL"}})
    at.button(key="backlog_save").click().run()
    errors, successes, _ = texts(at)
    assert not errors and f"Saved {target}." in successes
    saved = item(demo_path, target)
    assert (saved["owner"], saved["effort"], saved["version"]) == ("Zoe Quinn", "XL", 2)
    assert at.session_state["backlog_grid_key"] != key  # the edits are cleared after a full save


def test_insert_and_resort_by_someone_else_never_move_an_edit(demo_app, demo_path):
    at = open_backlog(demo_app)
    key, frame = grid(at)
    first, second = frame.loc[0, "item_id"], frame.loc[1, "item_id"]
    with Database(demo_path) as db:  # a colleague adds a new top item and re-rates the second one down
        new = add_item(db, ADMIN, title="Urgent fix", department_id="HR", dimension_id="roles", value=5, effort="S")
        update_item(db, ADMIN, second, {"value": 1}, int(frame.loc[1, "version"]))
    edit(at, key, {0: {"owner": "Row Zero"}})  # the rerun still shows the rows the person edited
    assert at.session_state["bl_rendered"][1].loc[0, "item_id"] == first
    at.button(key="backlog_save").click().run()
    assert item(demo_path, first)["owner"] == "Row Zero"
    assert item(demo_path, new)["owner"] == ""
    # after the save the grid shows the live order again: the colleague's item in, the re-rated one moved down
    _, fresh = grid(at)
    assert new in set(fresh["item_id"]) and fresh.loc[1, "item_id"] != second
    assert fresh.index[fresh["item_id"] == second][0] > 1


def test_conflict_keeps_the_first_change_and_the_second_persons_edits(demo_app, demo_path):
    at = open_backlog(demo_app)
    key, frame = grid(at)
    target, other = frame.loc[0, "item_id"], frame.loc[3, "item_id"]
    with Database(demo_path) as db:
        update_item(db, ADMIN, target, {"owner": "First Person"}, int(frame.loc[0, "version"]))
    edit(at, key, {0: {"owner": "Second Person"}, 3: {"owner": "Also Second"}})
    at.button(key="backlog_save").click().run()
    errors, successes, warnings = texts(at)
    assert f"{target}: {target} was changed by someone else" in errors
    assert f"Saved {other}." in successes and "Your edits are still on screen" in warnings
    assert item(demo_path, target)["owner"] == "First Person"
    assert item(demo_path, other)["owner"] == "Also Second"
    # the second person's edits are still in the grid, on the same rows, now over the latest version
    assert at.session_state["backlog_grid_key"] == key
    assert at.session_state[key]["edited_rows"][0] == {"owner": "Second Person"}
    rows = at.session_state["bl_rendered"][1]
    assert rows.loc[0, "item_id"] == target and rows.loc[0, "owner"] == "First Person"
    # retrying applies theirs on top, deliberately
    at.button(key="backlog_save").click().run()
    assert item(demo_path, target)["owner"] == "Second Person"
    assert item(demo_path, other)["version"] == 2  # not saved twice


def test_refused_grid_edit_changes_nothing(demo_app, demo_path):
    at = open_backlog(demo_app, {"status": "measuring"})
    key, frame = grid(at)
    target = frame.loc[0, "item_id"]
    edit(at, key, {0: {"status": "closed"}})
    at.button(key="backlog_save").click().run()
    errors, _, _ = texts(at)
    assert "Closing needs an outcome" in errors and "Closing needs lessons learned" in errors
    assert item(demo_path, target)["status"] == "measuring"


def test_filters_live_in_the_url(demo_app):
    at = open_backlog(demo_app, {"department": "HR", "status": "all", "sort": "key"})
    _, frame = grid(at)
    assert set(frame["department"]) == {"Human Resources"} and list(frame["item_id"]) == sorted(frame["item_id"])
    at.selectbox(key="bl_dimension").set_value("knowledge").run()
    at.text_input(key="bl_text").set_value("articles").run()
    assert at.query_params["dimension"] == "knowledge" and at.query_params["q"] == "articles"
    assert at.query_params["department"] == "HR"
    _, frame = grid(at)
    assert all("articles" in t.lower() for t in frame["title"])


def test_add_an_item_and_bad_input(demo_app, demo_path):
    at = open_backlog(demo_app)
    at.selectbox(key="new_department").set_value("FIN")
    at.button(key="add_item_submit").click().run()
    errors, _, _ = texts(at)
    assert "title: is required" in errors
    with Database(demo_path) as db:
        assert db.scalar("SELECT count(*) FROM backlog_items") == 60
    at.text_input(key="new_title").set_value("Self-service password reset")
    at.selectbox(key="new_value").set_value(4)
    at.selectbox(key="new_effort").set_value("S")
    at.button(key="add_item_submit").click().run()
    _, successes, _ = texts(at)
    assert "Added CI-0061." in successes
    new = item(demo_path, "CI-0061")
    assert (new["title"], new["department_id"], new["value"], new["effort"], new["raised_by"]) == \
        ("Self-service password reset", "FIN", 4, "S", "alice")
    assert at.query_params["item"] == "CI-0061" and at.selectbox(key="bl_item").value == "CI-0061"


def test_detail_view_moves_an_item_through_a_gate(demo_app, demo_path):
    with Database(demo_path) as db:
        key = db.scalar("SELECT item_id FROM backlog_items WHERE status = 'idea' AND dimension_id IS NULL "
                        "ORDER BY item_id LIMIT 1")
    at = open_backlog(demo_app, {"item": key, "status": "all"})
    assert at.selectbox(key="bl_item").value == key
    at.selectbox(key="item_status").set_value("accepted")
    at.text_input(key="item_owner").set_value("")
    at.button(key="item_save").click().run()
    errors, _, _ = texts(at)
    assert "Accepting needs an owner" in errors and "Accepting needs a dimension" in errors
    assert item(demo_path, key)["status"] == "idea"
    at.text_input(key="item_owner").set_value("Mei Chen")
    at.selectbox(key="item_dimension").set_value("knowledge")
    at.button(key="item_save").click().run()
    assert not texts(at)[0]
    saved = item(demo_path, key)
    assert (saved["status"], saved["owner"], saved["dimension_id"]) == ("accepted", "Mei Chen", "knowledge")
    history = at.dataframe[-2].value  # the item's status history, beside its form
    assert list(history["status"]) == ["idea", "accepted"]


def test_add_from_a_maturity_gap_on_the_assessment_page(demo_app, demo_path):
    at = demo_app("pages/assessment.py", {"department": "HR", "quarter": "2026-Q3"})
    assert not at.exception
    dimension = at.selectbox(key="gap_dimension_HR_2026-Q3").value
    at.button(key="gap_to_backlog").click().run()
    assert not at.exception
    assert at.query_params["new"] == "1" and at.query_params["department"] == "HR"
    assert at.text_input(key="new_title").value.startswith(("Raise", "Improve"))
    assert at.selectbox(key="new_dimension").value == dimension
    at.switch_page("pages/backlog.py")  # AppTest reruns the page it was told, not the one st.switch_page chose
    at.run()
    at.button(key="add_item_submit").click().run()
    new = item(demo_path, "CI-0061")
    assert (new["department_id"], new["dimension_id"], new["source"], new["source_ref"]) == \
        ("HR", dimension, "assessment", f"2026-Q3/HR/{dimension}")


def test_a_sponsor_reads_the_backlog_and_changes_nothing(demo_app, demo_path):
    add_people(demo_path, ("vera@example.org", "sponsor"), ("dora@example.org", "department", ["HR"]))
    for who in ("vera@example.org", "dora@example.org"):
        at = demo_app("pages/backlog.py", user=who)
        assert not at.exception, at.exception
        assert at.button(key="backlog_save").disabled and not [b for b in at.button if b.key == "add_item_submit"]
        assert any("cannot change the improvement backlog" in i.value for i in at.info)
