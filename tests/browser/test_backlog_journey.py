"""A champion in a meeting: open the backlog by a link, edit an owner in the grid, add an item."""

from esm_maturity.backlog.fields import OPEN_STATUSES
from esm_maturity.db import Database
from tests.browser.conftest import copy_db, edit_grid_owner, settle, wait_idle


def test_edit_a_cell_in_the_grid_and_add_an_item(start_server, page, demo_file, tmp_path):
    db_file = copy_db(demo_file, tmp_path / "demo.duckdb")
    with Database(db_file) as db:
        first = db.scalar("SELECT min(item_id) FROM backlog_items WHERE status IN ($1, $2, $3, $4, $5, $6)",
                          list(OPEN_STATUSES))
    server = start_server(db_file)
    page.goto(server.url + "/backlog?sort=key")  # a deep link as the first visit
    wait_idle(page, "Value and effort of open items")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0

    edit_grid_owner(page, "Browser Owner")  # the first row's owner, through the canvas grid
    page.get_by_role("button", name="Save changes").click()
    wait_idle(page, f"Saved {first}.")
    settle(page)

    page.get_by_text("Add an improvement").first.click()
    title = page.get_by_role("textbox", name="Title").first
    title.fill("Chat channel for facilities requests")
    title.press("Tab")  # commit the value before submitting
    settle(page)
    page.get_by_role("button", name="Add to the backlog").click()
    wait_idle(page, "Added CI-0061.")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "item=CI-0061" in page.url

    server.stop()
    with Database(db_file) as db:
        assert db.one("SELECT owner, version FROM backlog_items WHERE item_id = $1", [first]) == ("Browser Owner", 2)
        assert db.one("SELECT title, status, raised_by FROM backlog_items WHERE item_id = 'CI-0061'") == (
            "Chat channel for facilities requests", "idea", "alice")
