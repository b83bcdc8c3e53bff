"""Grid saves map row positions through the rendered frame to keys and versions."""

import pytest

from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.backlog.grid import refresh_rows, save_grid_edits
from esm_maturity.backlog.queries import GRID_COLUMNS, Filters, list_items
from esm_maturity.departments import add_department
from tests.conftest import ADMIN, CHAMPION


@pytest.fixture
def org(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    for n, value in enumerate([2, 3, 4], start=1):
        add_item(db, CHAMPION, title=f"item {n}", department_id="HR", value=value, effort="M")
    return db


def rendered(db):
    return list_items(db, Filters(sort="priority"))[GRID_COLUMNS].reset_index(drop=True)


def test_edits_go_to_the_rendered_items_even_after_an_insert_and_a_resort(org):
    shown = rendered(org)
    assert list(shown["item_id"]) == ["CI-0003", "CI-0002", "CI-0001"]
    # someone else adds a top-priority item and re-rates another: the live order is now different
    add_item(org, ADMIN, title="urgent", department_id="HR", value=5, effort="S")
    update_item(org, ADMIN, "CI-0001", {"value": 5}, 1)
    assert list(rendered(org)["item_id"])[:2] == ["CI-0004", "CI-0001"]
    results = save_grid_edits(org, CHAMPION, shown, {0: {"owner": "Zoe"}, "1": {"effort": "S", "due_on": "2027-01-31"}})
    assert [(r.item_id, r.outcome) for r in results] == [("CI-0003", "saved"), ("CI-0002", "saved")]
    assert get_item(org, "CI-0003")["owner"] == "Zoe"
    assert str(get_item(org, "CI-0002")["due_on"]) == "2027-01-31"
    assert get_item(org, "CI-0004")["owner"] == "" and get_item(org, "CI-0001")["effort"] == "M"


def test_a_conflict_keeps_the_first_change_and_is_reported(org):
    shown = rendered(org)
    update_item(org, ADMIN, "CI-0003", {"owner": "First"}, 1)
    results = save_grid_edits(org, CHAMPION, shown, {0: {"owner": "Second"}, 1: {"owner": "Other"}})
    assert [(r.item_id, r.outcome) for r in results] == [("CI-0003", "conflict"), ("CI-0002", "saved")]
    assert "someone else" in results[0].message
    assert get_item(org, "CI-0003")["owner"] == "First"
    # after a refresh the same rows hold the latest version, so a retry applies the second person's edit
    fresh = refresh_rows(org, shown)
    assert list(fresh["item_id"]) == list(shown["item_id"]) and fresh.loc[0, "version"] == 2
    again = save_grid_edits(org, CHAMPION, fresh, {0: {"owner": "Second"}, 1: {"owner": "Other"}})
    assert [(r.item_id, r.outcome) for r in again] == [("CI-0003", "saved")]  # row 1 is already saved
    assert get_item(org, "CI-0003")["owner"] == "Second"


def test_a_refused_edit_is_reported_and_others_still_save(org):
    shown = rendered(org)
    results = save_grid_edits(org, CHAMPION, shown, {0: {"status": "closed"}, 2: {"value": 5}})
    assert results[0].outcome == "refused" and "cannot move from idea to closed" in results[0].message
    assert results[1].outcome == "saved" and get_item(org, "CI-0001")["value"] == 5
    assert get_item(org, "CI-0003")["status"] == "idea"


def test_non_editable_columns_and_unchanged_cells_are_ignored(org):
    shown = rendered(org)
    assert save_grid_edits(org, CHAMPION, shown, {0: {"title": "hacked", "value": 4}}) == []
    assert get_item(org, "CI-0003")["title"] == "item 3" and get_item(org, "CI-0003")["version"] == 1
