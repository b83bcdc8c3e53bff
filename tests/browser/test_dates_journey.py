"""A date typed far from today is never dropped without a word: inside the tracked range it is saved,
outside it the person gets a message naming the range and nothing is written."""

import datetime as dt

from esm_maturity.db import Database
from tests.browser.conftest import copy_db, wait_idle
from tests.conftest import TODAY


def type_date(scope, label: str, day: dt.date) -> None:
    """Type a date into Streamlit's segmented date field (year, month, day), as a person does."""
    scope.get_by_role("spinbutton", name=f"year, {label}").first.click()
    page = scope.page
    page.keyboard.type(f"{day.year:04d}{day.month:02d}{day.day:02d}")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")


def test_typed_dates_far_from_today(start_server, page, demo_file, tmp_path):
    db_file = copy_db(demo_file, tmp_path / "demo.duckdb")
    server = start_server(db_file)
    page.goto(server.url + "/checkins?department=HR")
    wait_idle(page, "The meeting")
    form = page.locator('[data-testid="stForm"]').first
    # More than ten years ahead (outside Streamlit's default picker range) but inside the tracked range.
    far = dt.date(TODAY.year + 15, 6, 30)
    type_date(form, "Next check-in", far)
    form.locator('textarea[aria-label="Notes"]').fill("Planning far ahead")
    form.get_by_role("button", name="Save check-in").click()
    wait_idle(page, "Recorded ")
    checkin_id = page.locator('[data-testid="stAlertContentSuccess"]').inner_text().split("Recorded ")[1].split(" ")[0]

    # Outside the tracked range: a message that says the range, and nothing saved.
    form = page.locator('[data-testid="stForm"]').first
    type_date(form, "Next check-in", dt.date(2250, 1, 1))
    form.locator('textarea[aria-label="Notes"]').fill("Too far")
    form.get_by_role("button", name="Save check-in").click()
    wait_idle(page, "out of range")
    assert "1990-01-01 to 2200-12-31" in page.locator('[data-testid="stAlertContentError"]').inner_text()

    server.stop()
    with Database(db_file) as db:
        assert db.scalar("SELECT next_on FROM checkins WHERE checkin_id = $1", [checkin_id]) == far
        assert db.scalar("SELECT count(*) FROM checkins WHERE notes = 'Too far'") == 0
