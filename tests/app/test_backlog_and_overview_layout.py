"""The backlog's key columns first and sized to fit, an item opening in a dialog over the page (its news,
its form, its history), and the overview's cadence tables with the owner and due date of each overdue
action."""

from esm_maturity.backlog.queries import GRID_COLUMNS
from esm_maturity.db import Database
from esm_maturity.ui.backlog_grid import SHOWN

KEY_COLUMNS = ["item_id", "title", "status", "owner", "due_on", "dimension"]
GRID_WIDTH_AT_1400 = 940   # the main column at a 1,400 px window with the sidebar open


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def config_of(table) -> dict:
    import json

    return json.loads(table.proto.columns)


def test_the_key_columns_come_first_and_fit_at_1400_px(demo_app):
    at = demo_app("pages/backlog.py")
    grid = at.dataframe[0]
    assert list(grid.proto.column_order)[:6] == KEY_COLUMNS
    assert set(SHOWN) == set(GRID_COLUMNS) - {"version"}   # every column is still there, after the key ones
    widths = {name: spec.get("width") for name, spec in config_of(grid).items()}
    assert all(isinstance(widths[c], int) for c in KEY_COLUMNS)
    assert sum(widths[c] for c in KEY_COLUMNS) <= GRID_WIDTH_AT_1400
    assert widths["title"] >= 300   # titles get the room


def test_an_item_opens_in_a_dialog_and_stays_open_with_its_news_after_a_save(demo_app, demo_path):
    at = demo_app("pages/backlog.py")
    assert not at.get("dialog") and not [t for t in at.text_input if t.key == "item_title"]
    item_id = at.session_state["bl_rendered"][1].loc[3, "item_id"]
    at.selectbox(key="bl_item").set_value(item_id).run()
    dialog = at.get("dialog")
    assert len(dialog) == 1 and dialog[0].proto.dialog.title == "Improvement details"
    assert dialog[0].text_input(key="item_owner").value == db_rows(
        demo_path, "SELECT owner FROM backlog_items WHERE item_id = $1", [item_id])[0][0]
    assert at.query_params["item"] == item_id
    dialog[0].text_input(key="item_owner").input("Dialog Owner")
    dialog[0].button(key="item_save").click().run()
    assert not at.exception, at.exception
    dialog = at.get("dialog")[0]
    assert f"Saved {item_id}." in " ".join(s.value for s in dialog.success)   # the news where the person looks
    assert db_rows(demo_path, "SELECT owner FROM backlog_items WHERE item_id = $1", [item_id]) == [("Dialog Owner",)]
    assert dialog.text_input(key="item_owner").value == "Dialog Owner"


def test_no_dialog_for_a_grid_save_and_its_news_at_the_top(demo_app):
    at = demo_app("pages/backlog.py")
    key = at.session_state["backlog_grid_key"]
    target = at.session_state["bl_rendered"][1].loc[0, "item_id"]
    at.session_state[key] = {"edited_rows": {0: {"owner": "Grid Owner"}}, "added_rows": [], "deleted_rows": []}
    at.run()
    at.button(key="backlog_save").click().run()
    assert not at.get("dialog") and f"Saved {target}." in " ".join(s.value for s in at.success)


def test_the_overview_lists_overdue_actions_with_owner_and_due_date(demo_app, demo_path):
    from esm_maturity import clock

    at = demo_app("pages/overview.py")
    assert not at.exception, at.exception
    overdue = [t for t in at.dataframe if "text" in t.value and "due_on" in t.value][0]
    assert {"owner", "due_on", "department", "days_overdue"} <= set(overdue.value.columns)
    stored = db_rows(demo_path, "SELECT text, owner, due_on FROM actions WHERE status = 'open' AND due_on < $1 "
                                "ORDER BY due_on, action_id", [clock.today()])
    shown = overdue.value
    assert [(r.text, r.owner) for r in shown.itertuples()] == [(t, o) for t, o, _ in stored]
    assert all(shown["due_on"].notna())
    for table in at.dataframe[-3:]:   # the cadence tables: every column has a width that fits its words
        columns = {name: spec for name, spec in config_of(table).items() if name != "_index"}
        assert all(isinstance(spec.get("width"), int) for spec in columns.values()), columns
