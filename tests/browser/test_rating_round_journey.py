"""A rating round in Chromium, in organisation mode (sign-in through a mock OpenID Connect provider):

1. a champion signs in and, on the Rating rounds page, starts an anonymous round for Finance, invites five
   people and opens it;
2. the five answer through their personal links, each in a browser context of their own, without signing
   in: the link opens the answer page alone, and its token leaves the address bar;
3. the champion closes the round and agrees the scores (the median of each dimension), submitting the
   self-assessment;
4. the sponsor signs in and sees the agreed scores' badge ("n=5 · ...") on Trends.

No token ever reaches the server's log. A second test: a link as the very first visit after the server
starts (Streamlit's old pages/-folder mode) shows only the answer page too."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from esm_maturity import clock
from esm_maturity.assessments import get_assessment, reopen_assessment
from esm_maturity.rounds import commands, results
from esm_maturity.storage import open_database
from tests.browser.conftest import (CLEO, IDLE, SAM, SIGN_IN_SCREEN, app_text, copy_db, demo_with_people, settle,
                                    signed_in, wait_idle)
from tests.conftest import ADMIN, DEMO_ANCHOR, TODAY

# the mock provider runs in this process, on an Authlib API it deprecates
pytestmark = [pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]

NAV = '[data-testid="stSidebarNav"]'
DEPARTMENT, QUARTER = "FIN", str(DEMO_ANCHOR)   # the server's current quarter (it runs on ESM_TODAY = TODAY)
RATERS = [f"rater{i}@example.org" for i in range(1, 6)]
ROUND_DIMENSIONS = 3   # the model's first three (fewer clicks; the others keep their scores)
LINK = re.compile(r"https?://\S+/respond\?respond=([A-Za-z0-9_-]+)")


def _level(person: int, position: int) -> int:
    """What rater `person` gives the dimension at `position`: close together, so each dimension is aligned."""
    return 3 + (person == 4 and position % 2 == 0)


@pytest.fixture
def finance(start_organisation_server, demo_file, tmp_path):
    """The demo organisation with a champion and a sponsor; Finance's quarter open for scoring, no round."""
    db_file = tmp_path / "demo.duckdb"
    with demo_with_people(demo_file, db_file) as db:
        state = get_assessment(db, QUARTER, DEPARTMENT)
        if state is not None and state.locked:
            reopen_assessment(db, ADMIN, QUARTER, DEPARTMENT, "Finance agrees its scores in a rating round")
        assert not [r for r in results.rounds_of(db, DEPARTMENT) if r.quarter == QUARTER]
        assert not [k for k in results.badges(db, QUARTER) if k[0] == DEPARTMENT]   # no badge to start with
        dims = [d for d, in db.rows("SELECT dimension_id FROM dimensions WHERE active ORDER BY position")]
    return SimpleNamespace(server=start_organisation_server(db_file), db_file=db_file, dims=dims)


def _start_round(tab, server, dims: list[str]) -> list[str]:
    """On the Rating rounds page: an anonymous round for this quarter, five people invited, opened. The
    links, read off the page in the one run that shows them."""
    signed_in(tab, server, CLEO, "cleo", f"/rounds?department={DEPARTMENT}")
    wait_idle(tab, "Start the round (as a draft)")
    tab.locator(".st-key-round_new_instructions textarea").fill("Rate Finance as it works today.")
    chosen = tab.locator(".st-key-round_new_dimensions input")
    chosen.click()
    for _ in range(len(dims) - ROUND_DIMENSIONS):   # every dimension is chosen; keep the first three
        chosen.press("Backspace")
    chosen.press("Escape")
    tab.locator(".st-key-round_create button").click()
    wait_idle(tab, "is a draft: invite people, then open it.")
    settle(tab, 300)
    box = tab.locator(".st-key-round_invitees textarea")
    box.fill("\n".join(RATERS))
    box.press("Tab")
    settle(tab, 300)   # the list's own rerun first: on a busy machine it could land after the invitation's
    tab.locator(".st-key-round_invite button").click()
    wait_idle(tab, "5 people invited to rating round")
    tab.wait_for_function("document.querySelectorAll('[data-testid=\"stCode\"]').length >= 5")
    links = [c.inner_text().strip() for c in tab.locator('[data-testid="stCode"]').all()]
    assert len(links) == 5 and all(LINK.fullmatch(link) for link in links), links
    settle(tab, 300)
    tab.locator(".st-key-round_open button").click()
    wait_idle(tab, "the people invited can answer until you close it.")
    assert "0 of 5 answered" in app_text(tab)
    return links


def _open_link(tab, link: str) -> None:
    tab.goto(link, wait_until="commit")   # the five pages load side by side


def _answer(tab, link: str, person: int, dims: list[str]) -> None:
    """One rater: the link opened the answer page alone, with no sign-in; rate every dimension, send."""
    token = LINK.fullmatch(link).group(1)
    wait_idle(tab, "Answer a rating round")
    tab.locator(".st-key-respond_submit button").wait_for()
    tab.wait_for_selector(IDLE)
    assert tab.locator(NAV).count() == 0 and tab.locator('[data-testid="stSidebar"]').count() == 0
    assert tab.locator(".st-key-sign_in").count() == 0
    text = app_text(tab)
    assert f"Finance · {QUARTER}" in text and "Rate Finance as it works today." in text
    assert "Anonymous: nobody can link your answers to you" in text
    assert token not in text and "respond=" not in tab.url   # out of the address bar once captured
    for position, dim in enumerate(dims):
        level = _level(person, position)
        tab.locator(f".st-key-respond_level_{dim} label").filter(has_text=re.compile(rf"^{level} ·")).first.click()
    if person == 1:
        comment = tab.locator(f".st-key-respond_comment_{dims[0]} textarea")
        comment.fill("The monthly close checklist is used by everyone now.")
        comment.press("Tab")
    tab.locator(".st-key-respond_submit button").click()


def _thanked(tab) -> None:
    wait_idle(tab, "Thank you: your answers are saved.")
    assert "You can change your answers until the round closes." in app_text(tab)
    assert tab.locator('[data-testid="stException"]').count() == 0


def _close_and_agree(tab, server, dims: list[str]) -> None:
    tab.goto(server.url + f"/rounds?department={DEPARTMENT}")
    wait_idle(tab, "5 of 5 answered")
    settle(tab, 300)
    tab.locator(".st-key-round_close button").click()
    wait_idle(tab, "is closed: agree the scores below.")
    tab.locator(".st-key-agree_save button").wait_for()
    settle(tab, 300)
    for done, dim in enumerate(dims, start=1):
        tab.locator(f".st-key-agree_use_median_{dim} button").first.click()
        tab.get_by_text(f"{done} of {len(dims)} dimensions have an agreed level").wait_for()
        tab.wait_for_selector(IDLE)
    tab.locator(".st-key-agree_submit label").click()
    settle(tab, 300)
    tab.locator(".st-key-agree_save button").click()
    wait_idle(tab, "and submitted the self-assessment.")
    assert tab.locator('[data-testid="stException"]').count() == 0


def _log_of(server) -> str:
    with open(server._log.name, encoding="utf-8", errors="replace") as log:
        return log.read()


def test_five_people_answer_by_link_and_the_sponsor_sees_the_badge(finance, new_tab):
    server, dims = finance.server, finance.dims[:ROUND_DIMENSIONS]
    champion = new_tab()
    links = _start_round(champion, server, finance.dims)
    raters = [new_tab() for _ in links]   # a browser context each: nobody shares a session or a cookie
    for tab, link in zip(raters, links):
        _open_link(tab, link)
    for person, (tab, link) in enumerate(zip(raters, links), start=1):
        _answer(tab, link, person, dims)
    for tab in raters:
        _thanked(tab)
    _close_and_agree(champion, server, dims)

    sponsor = new_tab()
    signed_in(sponsor, server, SAM, "sam", f"/trends?department={DEPARTMENT}&quarter={QUARTER}")
    wait_idle(sponsor, "Maturity trends")
    sponsor.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    settle(sponsor)
    text = app_text(sponsor)
    assert "n=5 · " in text, "the agreed scores' badge is not on Trends"
    assert "monthly close checklist" not in text   # the answers themselves never reach the sponsor

    server.stop()   # the database is free to read, and the log complete
    log = _log_of(server)
    assert not [link for link in links if LINK.fullmatch(link).group(1) in log]   # no token is ever logged
    with clock.frozen(TODAY):
        db = open_database(finance.db_file)
        try:
            responses = db.rows("SELECT r.invitation_id FROM round_responses r JOIN rating_rounds g ON "
                                "g.round_id = r.round_id WHERE g.department_id = $1 AND g.quarter = $2",
                                [DEPARTMENT, QUARTER])
            agreed = db.rows("SELECT dimension_id, n_valid, agreement, round_id IS NOT NULL FROM scores WHERE "
                             "department_id = $1 AND quarter = $2 AND round_id IS NOT NULL ORDER BY dimension_id",
                             [DEPARTMENT, QUARTER])
        finally:
            db.close()
    assert responses == [(None,)] * 5   # anonymous: no answer points to its invitation
    assert agreed == sorted((d, 5, "aligned", True) for d in dims)


def test_a_link_as_the_first_visit_after_start_shows_only_the_answer_page(start_organisation_server, demo_file,
                                                                          tmp_path, new_tab):
    db_file = copy_db(demo_file, tmp_path / "first.duckdb")
    with clock.frozen(TODAY):
        db = open_database(db_file)
        try:
            made = commands.create_round(db, ADMIN, DEPARTMENT, QUARTER, "named")
            token = commands.invite(db, ADMIN, made.round_id, ["someone@example.org"])[0].token
            commands.open_round(db, ADMIN, made.round_id, expected_version=results.get_round(db, made.round_id).version)
        finally:
            db.close()
    server = start_organisation_server(db_file)
    tab = new_tab()
    tab.goto(f"{server.url}/respond?respond={token}")   # the very first visit this server gets
    wait_idle(tab, "Named: your champion sees your answers with your name.")
    tab.locator(".st-key-respond_submit button").wait_for()
    settle(tab)
    assert tab.locator(NAV).count() == 0 and tab.locator('[data-testid="stSidebar"]').count() == 0
    assert SIGN_IN_SCREEN not in app_text(tab) and token not in app_text(tab) and "respond=" not in tab.url
    assert tab.locator('[data-testid="stException"]').count() == 0
