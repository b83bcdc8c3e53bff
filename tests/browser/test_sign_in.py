"""Organisation mode in Chromium: people sign in through an OpenID Connect provider (a mock on
127.0.0.1) and see what their role allows; nobody sees data without signing in.

One server for the module over the demo organisation, with three people added by an admin before it
starts; each person has a browser context of their own. The first test must be the first visit the
server gets (a deep link before any session ran app.py); the last one stops the server to read the
database."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from esm_maturity import clock
from esm_maturity.access.people import add_person
from esm_maturity.assessments import reopen_assessment, scoring_sheet
from esm_maturity.storage import open_database
from esm_maturity.ui.text import WORD_JOINER
from tests.browser.conftest import SIGN_IN_SCREEN, copy_db, settle, sign_in, sign_out, wait_idle
from tests.conftest import ADMIN, DEMO_ANCHOR, TODAY

# the mock provider runs in this process, on an Authlib API it deprecates
pytestmark = [pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]

CHART = '[data-testid="stVegaLiteChart"]'
NAV = '[data-testid="stSidebarNav"]'
QUARTER = str(DEMO_ANCHOR)  # the app's current quarter (the server runs on ESM_TODAY = TODAY)

ADA = ("ada.admin@example.org", "Ada Admin")            # the admin a person without a role is sent to
HANA = ("hana.rep@example.org", "Hana Rep")             # department rep for HR
SAM = ("sam.sponsor@example.org", "Sam Sponsor")        # sponsor: reads only


@pytest.fixture(scope="module")
def org(start_organisation_server, demo_file, tmp_path_factory):
    """The demo organisation with three people; HR's current quarter reopened so its rep can score it."""
    db_file = copy_db(demo_file, tmp_path_factory.mktemp("sign_in") / "demo.duckdb")
    with clock.frozen(TODAY):
        db = open_database(db_file)
        try:
            add_person(db, ADMIN, *ADA, "admin")
            add_person(db, ADMIN, *HANA, "department", ["HR"])
            add_person(db, ADMIN, *SAM, "sponsor")
            reopen_assessment(db, ADMIN, QUARTER, "HR", "HR scores again after the reorganisation")
            row = scoring_sheet(db, QUARTER, "HR")[0]
        finally:
            db.close()  # one process per DuckDB file: the server opens it next
    level = row.current.score.level or 1
    return SimpleNamespace(server=start_organisation_server(db_file), db_file=db_file,
                           dimension=row.dimension.dimension_id, new_level=level % 5 + 1)


def _plain(text: str) -> str:
    """Text as read, without the escaping's invisible joiners (an e-mail address never becomes a link) and
    non-breaking spaces."""
    return text.replace(WORD_JOINER, "").replace("\xa0", " ")


def _app_text(tab) -> str:
    return _plain(tab.locator('[data-testid="stApp"]').inner_text())


def _signed_in_as(tab, caption: str) -> None:
    wait_idle(tab, "Signed in as")
    assert caption in _plain(tab.locator('[data-testid="stSidebar"]').inner_text())


def _only_the_sign_in_screen(tab) -> None:
    wait_idle(tab, SIGN_IN_SCREEN)
    settle(tab)
    assert tab.locator(".st-key-sign_in button").is_visible()
    assert tab.locator(NAV).count() == 0  # no navigation, not even the pages/ folder's file names
    assert tab.locator(CHART).count() == 0
    assert tab.locator('[data-testid="stDataFrame"]').count() == 0
    text = _app_text(tab)
    for data in ("Human Resources", "Maturity trends", "Improvement backlog", "CI-0001"):
        assert data not in text
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_a_deep_link_as_the_first_visit_shows_only_the_sign_in_screen(org, new_tab):
    tab = new_tab()
    tab.goto(org.server.url + "/trends?department=HR")
    _only_the_sign_in_screen(tab)


def test_someone_without_a_role_is_asked_to_request_access_from_an_admin(org, new_tab):
    tab = new_tab()
    tab.goto(org.server.url)
    wait_idle(tab, SIGN_IN_SCREEN)
    sign_in(tab, org.server, "stranger", {"email": "stranger@example.org", "name": "A Stranger"})
    wait_idle(tab, "Request access")
    text = _app_text(tab)
    assert "stranger@example.org" in text and "Ada Admin (ada.admin@example.org)" in text
    assert tab.locator(NAV).count() == 0 and tab.locator(CHART).count() == 0
    sign_out(tab, org.server)  # the request-access page has its own way out
    _only_the_sign_in_screen(tab)


def test_a_sponsor_reads_the_trends_and_cannot_change_the_backlog(org, new_tab):
    tab = new_tab()
    tab.goto(org.server.url + "/trends")  # a deep link: sign in first
    wait_idle(tab, SIGN_IN_SCREEN)
    sign_in(tab, org.server, "sam", {"email": SAM[0], "name": SAM[1]})
    _signed_in_as(tab, f"Signed in as {SAM[1]} ({SAM[0]}): sponsor")
    nav = tab.locator(NAV)
    assert nav.get_by_text("Activity").count() == 0  # a page the role cannot use is not offered

    nav.get_by_role("link", name="Trends").click()
    wait_idle(tab, "Maturity trends")
    tab.locator(CHART).first.wait_for()
    assert tab.locator(CHART).count() >= 2

    tab.goto(org.server.url + "/backlog?item=CI-0001")
    wait_idle(tab, "Value and effort of open items")
    tab.get_by_text("You can read the backlog and its items.").wait_for()
    tab.locator(".st-key-item_save button").wait_for()
    assert tab.locator(".st-key-item_save button").is_disabled()
    assert tab.locator(".st-key-backlog_save button").is_disabled()
    assert tab.get_by_text("Add an improvement", exact=True).count() == 0
    assert tab.locator(".st-key-add_item_submit").count() == 0
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_a_department_rep_scores_their_own_department_only_then_signs_out(org, new_tab):
    evidence = "Browser test: the HR service desk now runs a weekly review."
    tab = new_tab()
    tab.goto(org.server.url)
    wait_idle(tab, SIGN_IN_SCREEN)
    # the provider sends the address in another case; the people table keys it in lower case
    sign_in(tab, org.server, "hana", {"email": HANA[0].title(), "name": HANA[1]})
    _signed_in_as(tab, f"Signed in as {HANA[1]} ({HANA[0]}): department rep for HR")

    tab.locator(NAV).get_by_role("link", name="Self-assessment").click()  # opens on their own department
    wait_idle(tab, "Quarterly self-assessment")
    tab.locator(".st-key-save_draft button").wait_for()
    picker = tab.locator(".st-key-assess_department")
    assert "Human Resources" in picker.inner_text() + picker.locator("input").input_value()
    assert "department=HR" in tab.url
    score = tab.locator(f".st-key-score_{org.dimension}")
    score.locator("label").filter(has_text=re.compile(rf"^{org.new_level} ·")).first.click()
    box = tab.locator(f".st-key-evidence_{org.dimension} textarea")
    box.fill(evidence)
    box.press("Tab")  # commit the value before submitting
    settle(tab)
    tab.locator(".st-key-save_draft button").click()
    wait_idle(tab, f"Draft saved for Human Resources, {QUARTER}.")

    # another department: the reason in a quiet line, the sheet read-only, nothing to save
    box = picker.locator("input")
    box.click()
    box.fill("Marketing")
    tab.get_by_role("option").filter(has_text="Marketing").first.click()
    wait_idle(tab, "so cannot score a self-assessment for MKT")
    tab.get_by_text("You can read this assessment.", exact=False).wait_for()
    tab.locator('[data-testid="stDataFrame"]').first.wait_for()
    assert tab.locator(".st-key-save_draft").count() == 0 and tab.locator(".st-key-submit").count() == 0

    sign_out(tab, org.server)
    tab.goto(org.server.url + "/backlog")  # the same browser, a deep link: signed out means no data
    _only_the_sign_in_screen(tab)

    org.server.stop()  # last test of the module: the database is free to read
    with clock.frozen(TODAY):
        db = open_database(org.db_file)
        try:
            stored = db.one("SELECT score, evidence, assessed_by FROM scores WHERE quarter = $1 AND "
                            "department_id = 'HR' AND dimension_id = $2", [QUARTER, org.dimension])
            status = db.scalar("SELECT status FROM assessments WHERE quarter = $1 AND department_id = 'HR'",
                               [QUARTER])
        finally:
            db.close()
    assert stored == (org.new_level, evidence, HANA[0])
    assert status == "draft"
