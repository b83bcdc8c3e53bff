"""Forms without friction, where only a real browser can see it: the check-ins tab stays where the
person is, the record form shows empty after a save, action and improvement link both ways, the
backlog's key columns are on screen at 1,400 px and an item opens in a dialog in view, the overview's
cadence tables show every column, and the self-assessment's bar and refusals sit where the person is."""

from __future__ import annotations

import re

import pytest

from esm_maturity.db import Database
from tests.browser.conftest import choose, copy_db, settle, wait_idle
from tests.conftest import DEMO_ANCHOR

LIST_TAB = "Check-ins and actions"
SELECTED_TAB = '[role="tab"][aria-selected="true"]'
DIALOG = '[role="dialog"]'
HEADERS = """sel => [...document.querySelectorAll(sel)].map(g =>
    [...g.querySelectorAll('[role=columnheader]')].map(h => h.innerText.trim()))"""


@pytest.fixture
def demo(start_server, demo_file, tmp_path):
    """A server over a copy of the demo, and a read of that copy taken before the server opened it."""
    db_file = copy_db(demo_file, tmp_path / "demo.duckdb")
    with Database(db_file) as db:
        facts = {
            "open": db.one("SELECT c.checkin_id, a.action_id FROM actions a JOIN checkins c ON c.checkin_id = "
                           "a.checkin_id WHERE a.status = 'open' AND c.department_id = 'HR' "
                           "ORDER BY c.held_on DESC, a.action_id LIMIT 1"),
            "other": db.scalar("SELECT min(checkin_id) FROM checkins WHERE department_id = 'FIN'"),
            "tracked": db.one("SELECT checkin_id, action_id, item_id FROM actions WHERE item_id IS NOT NULL "
                              "ORDER BY action_id LIMIT 1"),
            "champions": dict(db.rows("SELECT department_id, champion FROM departments")),
            "dimension": db.scalar("SELECT dimension_id FROM dimensions WHERE active ORDER BY position LIMIT 1"),
        }
    return start_server(db_file), facts


def selected_tab(tab) -> str:
    return tab.locator(SELECTED_TAB).first.inner_text().strip()


def test_the_checkins_tab_stays_where_the_person_is(demo, page):
    server, facts = demo
    checkin_id, action_id = facts["open"]
    page.goto(server.url + "/checkins?department=HR")
    wait_idle(page, "The meeting")
    page.get_by_role("tab", name=LIST_TAB).click()
    settle(page, 300)
    choose(page, "ci_open", checkin_id)
    page.locator(".st-key-checkin_detail").get_by_text(f"{checkin_id} ·").first.wait_for()
    page.locator(f".st-key-done_{action_id} button").click()     # a save: its news appears above the tabs
    wait_idle(page, f"{action_id} is done.")
    settle(page, 300)
    assert selected_tab(page) == LIST_TAB
    choose(page, "ci_open", facts["other"])                         # another check-in: the news goes again
    page.locator(".st-key-checkin_detail").get_by_text(f"{facts['other']} ·").first.wait_for()
    settle(page, 300)
    assert selected_tab(page) == LIST_TAB and "tab=" in page.url
    page.reload()                                                   # the URL keeps the tab too
    wait_idle(page, "Open a check-in")
    settle(page, 300)
    assert selected_tab(page) == LIST_TAB


def test_an_action_and_its_improvement_link_both_ways(demo, page):
    server, facts = demo
    checkin_id, action_id, item_id = facts["tracked"]
    page.goto(server.url + f"/checkins?checkin={checkin_id}&tab={LIST_TAB.replace(' ', '+')}")
    wait_idle(page, "Open a check-in")
    detail = page.locator(".st-key-checkin_detail")
    detail.get_by_text(f"{checkin_id} ·").first.wait_for()
    detail.get_by_role("link", name=re.compile(f"Tracks {item_id}")).click()
    page.wait_for_url(re.compile(rf"/backlog\?.*item={item_id}"))
    dialog = page.locator(DIALOG)
    dialog.get_by_text(f"{item_id} · raised on").wait_for()
    dialog.get_by_role("link", name=re.compile(action_id)).click()   # the item names its action: back to it
    page.wait_for_url(re.compile(rf"/checkins\?.*checkin={checkin_id}"))
    page.locator(".st-key-checkin_detail").get_by_text(f"{checkin_id} ·").first.wait_for()
    settle(page, 300)
    assert selected_tab(page) == LIST_TAB
    assert page.locator('[data-testid="stException"]').count() == 0


def test_the_record_form_follows_the_department_and_shows_empty_after_a_save(demo, page):
    server, facts = demo
    page.goto(server.url + "/checkins?department=HR")
    wait_idle(page, "The meeting")
    facilitator = page.locator(".st-key-ci_facilitator input")
    page.wait_for_function("want => document.querySelector('.st-key-ci_facilitator input')?.value === want",
                           arg=facts["champions"]["HR"])
    choose(page, "ci_department", "Finance")
    page.wait_for_function("want => document.querySelector('.st-key-ci_facilitator input')?.value === want",
                           arg=facts["champions"]["FIN"])
    form = page.locator('[data-testid="stForm"]').first
    notes = form.locator('textarea[aria-label="Notes"]')
    notes.fill("Agreed the budget review checklist")
    action = form.locator('input[aria-label="Action 1"]')
    action.fill("Publish the budget checklist")
    action.press("Tab")
    form.get_by_role("button", name="Save check-in").click()
    wait_idle(page, "with 1 new action(s)")
    settle(page, 300)
    # The browser shows the form empty (not only the server), and the new action is not 'carried over'.
    assert notes.input_value() == "" and action.input_value() == ""
    assert form.locator('input[aria-label="Owner"]').first.input_value() == ""
    assert "Publish the budget checklist" not in form.inner_text()
    assert facilitator.input_value() == facts["champions"]["FIN"]


def test_the_backlog_shows_its_key_columns_and_opens_an_item_in_view(demo, page):
    server, _ = demo
    page.goto(server.url + "/backlog")
    wait_idle(page, "Value and effort of open items")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    settle(page)
    # The grid keeps a table of the columns it draws for screen readers: only those in view.
    shown = page.evaluate(HEADERS, '[data-testid="stDataFrame"]')[0]
    assert shown[:6] == ["Key", "Title", "Status", "Owner", "Due", "Dimension"], shown
    page.mouse.wheel(0, 300)
    page.wait_for_timeout(200)
    choose(page, "bl_item", "CI-00")
    dialog = page.locator(DIALOG)
    dialog.get_by_text("Lessons learned").wait_for()
    box = dialog.bounding_box()
    assert box["y"] >= 0 and box["y"] < 200 and box["width"] >= 900, box   # over the page, wide
    for field, room in (("item_owner", 150), ("item_due", 80), ("item_title", 600)):   # nothing cut off
        clipped = page.evaluate(f"""() => {{ const i = document.querySelector('.st-key-{field} input');
                                          return [i.scrollWidth, i.clientWidth, i.value]; }}""")
        assert clipped[0] <= clipped[1] and clipped[1] >= room, (field, clipped)
    page.keyboard.press("Escape")   # closing the dialog closes the item
    dialog.wait_for(state="detached")
    settle(page, 300)
    assert "item=" not in page.url


def test_the_overview_cadence_tables_show_every_column(demo, page):
    server, _ = demo
    page.goto(server.url + "/")
    wait_idle(page, "Cadence")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    settle(page)
    tables = page.evaluate(HEADERS, '[data-testid="stDataFrame"]')[-3:]
    assert tables[0] == ["Gone quiet", "Last check-in", "Days since"]
    assert tables[1] == [f"Not submitted {DEMO_ANCHOR}", "Status"]
    assert tables[2] == ["Overdue action", "Owner", "Department", "Due", "Days overdue"]


def test_the_assessment_bar_is_in_view_and_a_refusal_sits_at_its_dimension(demo, page):
    server, facts = demo
    dim = facts["dimension"]
    page.goto(server.url + f"/assessment?department=SEC&quarter={DEMO_ANCHOR}")
    wait_idle(page, "Sponsorship and championing")
    page.locator('[data-testid="stRadio"]').nth(8).wait_for()
    settle(page, 300)
    top = page.locator(".st-key-assess_bar_top")
    assert top.get_by_role("button", name="Save draft").bounding_box()["y"] < 1000   # no scrolling to save
    assert "0 of 9 dimensions scored" in top.inner_text()
    block = page.locator(f".st-key-dimension_{dim}")
    last = block.get_by_text(re.compile(r"Last quarter: \d")).first.inner_text()
    other = "1" if re.search(r"(\d)", last).group(1) != "1" else "2"
    block.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(rf"^{other} ·")).first.click()
    page.wait_for_function("() => document.querySelector('.st-key-assess_bar_top').innerText.includes('1 of 9')")
    settle(page, 300)
    top.get_by_role("button", name="Save draft").click()
    wait_idle(page, "add evidence")
    settle(page, 300)
    assert "add evidence" in block.locator('[data-testid="stAlertContentError"]').inner_text()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 2   # at the dimension, and a summary under the bar that was clicked
    summary = errors.filter(has_text="need attention").bounding_box()
    assert 0 < summary["y"] - top.bounding_box()["y"] < 200
    assert page.locator('[data-testid="stException"]').count() == 0
