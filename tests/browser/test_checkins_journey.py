"""A champion records a check-in in a real browser, with a hostile note that must show as text,
then turns the agreed action into a backlog item."""

from esm_maturity.db import Database
from tests.browser.conftest import copy_db, settle, wait_idle

SCRIPT = "<script>window.__xss = 'script'</script>"
IMAGE = "<img src=x onerror=\"window.__xss = 'img'\">"
NOTE = f"Agreed the intake form. {SCRIPT}\n{IMAGE}\n- two teams still use e-mail"


def test_record_checkin_with_hostile_note_then_promote_the_action(start_server, page, demo_file, tmp_path):
    db_file = copy_db(demo_file, tmp_path / "demo.duckdb")
    server = start_server(db_file)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server.url + "/checkins?department=HR")  # a deep link as the first visit
    wait_idle(page, "The meeting")
    form = page.locator('[data-testid="stForm"]').first
    form.locator('textarea[aria-label="Notes"]').fill(NOTE)
    form.locator('textarea[aria-label="Decisions"]').fill("Keep the weekly stand-up <b>bold?</b>")
    form.locator('input[aria-label="Action 1"]').fill("Publish the service hours page")
    form.locator('input[aria-label="Owner"]').first.fill("Ann Lee")
    form.get_by_role("button", name="Save check-in").click()
    wait_idle(page, "with 1 new action(s)")
    assert page.locator('[data-testid="stException"]').count() == 0
    success = page.locator('[data-testid="stAlertContentSuccess"]').inner_text()
    checkin_id = success.split("Recorded ")[1].split(" ")[0]

    page.get_by_role("tab", name="Check-ins and actions").click()
    settle(page)   # a tab in the URL reruns the page when it changes
    detail = page.locator(".st-key-checkin_detail")
    detail.get_by_text(f"{checkin_id} ·").wait_for()
    detail.get_by_text("Publish the service hours page").wait_for()
    # The hostile note is shown as text: its markup is visible, nothing of it ran or was built.
    shown = detail.locator('[data-testid="stMarkdownContainer"]')   # not the edit form's text areas
    shown.get_by_text(SCRIPT, exact=False).wait_for()
    shown.get_by_text(IMAGE, exact=False).wait_for()
    shown.get_by_text("Keep the weekly stand-up <b>bold?</b>").wait_for()
    assert page.evaluate("window.__xss") is None
    assert page.locator('img[src="x"]').count() == 0
    assert page.locator("script", has_text="__xss").count() == 0
    assert detail.locator("b", has_text="bold?").count() == 0
    assert detail.locator("li", has_text="two teams still use e-mail").count() == 1  # the one Markdown we allow
    assert not dialogs

    detail.get_by_role("button", name="To backlog").click()
    wait_idle(page, "is now the backlog item CI-")
    detail.get_by_text("tracks CI-").wait_for()
    assert page.evaluate("window.__xss") is None

    server.stop()
    with Database(db_file) as db:
        assert db.scalar("SELECT notes FROM checkins WHERE checkin_id = $1", [checkin_id]) == NOTE
        action_id, item_id = db.one("SELECT action_id, item_id FROM actions WHERE checkin_id = $1", [checkin_id])
        assert db.one("SELECT title, department_id, source, source_ref, owner FROM backlog_items WHERE item_id = $1",
                      [item_id]) == ("Publish the service hours page", "HR", "check-in", action_id, "Ann Lee")
