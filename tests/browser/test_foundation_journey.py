"""A newcomer's journeys in a real browser: load the demo, score and submit a quarter, deep links."""

import re

from esm_maturity.db import Database
from esm_maturity.ui.registry import PAGES
from tests.browser.conftest import copy_db, wait_idle
from tests.conftest import DEMO_ANCHOR


def test_deep_link_as_first_visit_shows_the_apps_navigation(start_server, page, demo_file, tmp_path):
    server = start_server(copy_db(demo_file, tmp_path / "demo.duckdb"))
    page.goto(server.url + "/settings")  # the very first visit after the server started
    wait_idle(page, "Add a department")
    nav = page.locator('[data-testid="stSidebarNav"]')
    nav.get_by_text("Self-assessment").wait_for()
    labels = [span.get_attribute("label") for span in nav.locator('[data-testid="stSidebarNavLink"] span[label]').all()]
    assert labels == [p.title for p in PAGES]  # in the old file-based mode these would be file names
    assert page.locator('[data-testid="stException"]').count() == 0
    nav.get_by_text("Self-assessment").click()
    wait_idle(page, "Quarterly self-assessment")
    assert page.url.startswith(server.url + "/assessment")


def test_load_demo_then_score_and_submit_a_quarter(start_server, page, tmp_path):
    db_file = tmp_path / "fresh.duckdb"
    server = start_server(db_file)
    page.goto(server.url + "/")
    wait_idle(page, "Getting started")
    page.get_by_role("button", name="Load the demo organisation").click()
    wait_idle(page, "Demo organisation loaded")
    page.get_by_text("Submitted").first.wait_for()

    # Security has not started the current quarter in the demo.
    page.goto(server.url + "/assessment?department=SEC")
    wait_idle(page, "Quarterly self-assessment")
    page.get_by_text("Sponsorship and championing").first.wait_for()
    groups = page.locator('[data-testid="stRadio"]')   # the nine dimensions' levels, between two bars
    groups.nth(8).wait_for()
    wait_idle(page)
    count = groups.count()
    assert count == 9
    for i in range(count):
        group = groups.nth(i)
        # Keep last quarter's level so no evidence is required, except where we give some.
        last = group.locator("xpath=ancestor::div[@data-testid='stHorizontalBlock'][1]").get_by_text(
            re.compile(r"Last quarter:")).inner_text()
        level = re.search(r"Last quarter: (\d)", last)
        option = level.group(1) if level else "N/A"
        group.locator("label").filter(has_text=re.compile(rf"^{re.escape(option)}( ·|$)")).first.click()
    page.locator(".st-key-submit button").click()   # the bar below the dimensions (the one above does the same)
    wait_idle(page, "Submitted and locked")
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_text("Reopen this assessment").wait_for()

    server.stop()
    with Database(db_file) as db:
        assert db.rows("SELECT status, submitted_by FROM assessments WHERE quarter = $1 AND department_id = 'SEC'",
                       [db.scalar("SELECT max(quarter) FROM assessments")]) == [
            ("submitted", "alice")]
        assert db.scalar("SELECT count(*) FROM scores WHERE department_id = 'SEC' AND quarter = "
                         "(SELECT max(quarter) FROM assessments)") == 9


def test_missing_evidence_is_refused_in_the_browser(start_server, page, demo_file, tmp_path):
    server = start_server(copy_db(demo_file, tmp_path / "demo.duckdb"))
    page.goto(server.url + f"/assessment?department=SEC&quarter={DEMO_ANCHOR}")
    wait_idle(page, "Sponsorship and championing")
    page.locator('[data-testid="stRadio"]').nth(8).wait_for()
    wait_idle(page)
    group = page.locator('[data-testid="stRadio"]').first
    last = page.get_by_text(re.compile(r"Last quarter: \d")).first.inner_text()
    other = "1" if re.search(r"(\d)", last).group(1) != "1" else "2"
    group.locator("label").filter(has_text=re.compile(rf"^{other} ·")).first.click()
    page.locator(".st-key-save_draft button").click()
    wait_idle(page, "add evidence")
    # One message at the dimension it names, one summary under the bar that was clicked.
    assert page.locator('[data-testid="stAlertContentError"]').count() == 2
    assert "add evidence" in page.locator('[class*="st-key-dimension_"]').first.locator(
        '[data-testid="stAlertContentError"]').inner_text()
