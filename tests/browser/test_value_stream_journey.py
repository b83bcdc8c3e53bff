"""A value stream in Chromium, in organisation mode (sign-in through a mock OpenID Connect provider):

1. a champion signs in and, on the Value streams page, builds a stream from the "Procure to pay" template
   under a name of its own;
2. assigns each step its owning department in the same form (Procurement twice, Facilities, Finance twice:
   three departments, two hand-offs);
3. records the quarter's flow check-in (the hand-offs come pre-filled from the step owners);
4. the sponsor signs in, opens the stream's overview, finds the department holding the stream back on a
   dimension among the biggest levers, and clicks through from it to its open improvement, which the
   backlog opens.

The improvement exists before the journey (the fixture raises it for the pair the stream will be held back
by), so what the sponsor clicks is exactly what the roll-up derives from the departments' scores."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from esm_maturity import clock
from esm_maturity.backlog.commands import add_item
from esm_maturity.storage import open_database
from tests.browser.conftest import CLEO, SAM, app_text, choose, demo_with_people, settle, signed_in, wait_idle
from tests.conftest import ADMIN, DEMO_ANCHOR, TODAY

pytestmark = [pytest.mark.filterwarnings("ignore::authlib.deprecate.AuthlibDeprecationWarning"),
              pytest.mark.filterwarnings("ignore:get_jwt_config:DeprecationWarning")]

QUARTER = str(DEMO_ANCHOR)   # the server's current quarter (it runs on ESM_TODAY = TODAY)
NAME = "Procure to pay (field offices)"
OWNERS = ("PROC", "PROC", "FAC", "FIN", "FIN")   # the template's five steps
TITLE = "Journey: one purchase-order checklist for the field offices"


def _floor(db) -> tuple[str, str, str]:
    """A dimension on which one of the stream's departments alone holds the lowest agreed score this
    quarter, and that department: (department_id, dimension_id, dimension name)."""
    owners = sorted(set(OWNERS))
    rows = db.rows(
        "SELECT s.dimension_id, m.name, s.department_id, s.score FROM scores s "
        "JOIN assessments a ON a.quarter = s.quarter AND a.department_id = s.department_id AND a.status = 'submitted' "
        "JOIN dimensions m ON m.dimension_id = s.dimension_id AND m.active "
        "WHERE s.quarter = $1 AND list_contains(CAST($2 AS TEXT[]), s.department_id) AND s.score IS NOT NULL "
        "ORDER BY m.position, s.department_id", [QUARTER, owners])
    by_dimension: dict[tuple[str, str], dict[str, int]] = {}
    for dimension_id, name, department_id, score in rows:
        by_dimension.setdefault((dimension_id, name), {})[department_id] = score
    for (dimension_id, name), scores in by_dimension.items():
        lowest = min(scores.values())
        at_floor = [d for d, score in scores.items() if score == lowest]
        if len(at_floor) == 1:
            return at_floor[0], dimension_id, name
    raise AssertionError(f"no dimension has a single lowest department among {owners} in {QUARTER}")


@pytest.fixture
def demo(start_organisation_server, demo_file, tmp_path):
    """The demo organisation with a champion and a sponsor, and an open improvement for the pair the new
    stream will be held back by."""
    db_file = tmp_path / "demo.duckdb"
    with demo_with_people(demo_file, db_file) as db:
        department_id, dimension_id, dimension = _floor(db)
        item_id = add_item(db, ADMIN, title=TITLE, department_id=department_id, dimension_id=dimension_id,
                           status="idea", source="staff idea")
        departments = dict(db.rows("SELECT department_id, name FROM departments"))
        streams_before = db.rows("SELECT count(*) FROM value_streams")[0][0]
    return SimpleNamespace(server=start_organisation_server(db_file), db_file=db_file, item_id=item_id,
                           lever=(department_id, dimension_id, dimension), departments=departments,
                           stream_id=f"VS-{streams_before + 1}")


def _build_from_template(tab, server, departments: dict[str, str]) -> None:
    signed_in(tab, server, CLEO, "cleo", "/streams")
    wait_idle(tab, "Value streams")
    tab.get_by_text("Start a value stream").first.click()
    settle(tab, 300)
    choose(tab, "vs_template", "Procure to pay")
    name = tab.locator(".st-key-vs_template_name input")
    name.fill(NAME)
    name.press("Tab")
    for i, owner in enumerate(OWNERS):
        choose(tab, f"vs_template_dept_{i}", departments[owner])
    tab.locator(".st-key-vs_template_create button").click()
    wait_idle(tab, "Created value stream")
    assert tab.locator('[data-testid="stException"]').count() == 0


def _record_flow(tab) -> None:
    tab.get_by_role("tab", name="Flow check-in").click()
    settle(tab, 300)
    handoffs = tab.locator(".st-key-vf_handoffs input")
    assert handoffs.input_value() == "2"   # pre-filled: PROC -> FAC -> FIN
    for field, value in (("lead_time_days", "6.5"), ("process_time_days", "1.5"), ("rework_pct", "12"),
                         ("throughput", "140"), ("items", "140")):
        box = tab.locator(f".st-key-vf_{field} input")
        box.fill(value)
        box.press("Tab")
    tab.locator(".st-key-vf_save button").click()
    wait_idle(tab, "Saved the flow check-in")
    assert tab.locator('[data-testid="stException"]').count() == 0


def test_a_champion_builds_a_stream_and_the_sponsor_clicks_from_its_constraint_to_the_improvement(demo, new_tab):
    server, (department_id, _, dimension) = demo.server, demo.lever
    champion = new_tab()
    _build_from_template(champion, server, demo.departments)
    _record_flow(champion)

    sponsor = new_tab()
    signed_in(sponsor, server, SAM, "sam", f"/stream_overview?stream={demo.stream_id}&quarter={QUARTER}")
    wait_idle(sponsor, "Biggest levers")
    sponsor.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
    settle(sponsor)
    text = app_text(sponsor)
    assert NAME in text
    assert f"{demo.departments[department_id]} · {dimension}" in text   # the department holding it back
    assert "6.5 days" in text   # the lead time the champion recorded, beside the maturity
    assert "worst" not in text.lower()
    assert sponsor.locator('[data-testid="stException"]').count() == 0

    sponsor.get_by_role("link", name=f"{demo.item_id} · {TITLE}").first.click()
    wait_idle(sponsor, "Improvement details")   # the backlog opens the item in a dialog
    settle(sponsor)
    dialog = sponsor.get_by_role("dialog")
    shown = dialog.inner_text() + " ".join(box.input_value() for box in dialog.locator("input, textarea").all())
    assert TITLE in shown
    assert "/backlog" in sponsor.url and f"item={demo.item_id}" in sponsor.url
    assert sponsor.locator('[data-testid="stException"]').count() == 0

    server.stop()   # the database is free to read
    with clock.frozen(TODAY):
        db = open_database(demo.db_file)
        try:
            steps = db.rows("SELECT department_id FROM stream_steps WHERE stream_id = $1 AND valid_to IS NULL "
                            "ORDER BY position", [demo.stream_id])
            flow = db.rows("SELECT lead_time_days, handoffs, recorded_by FROM stream_flow WHERE stream_id = $1 "
                           "AND quarter = $2", [demo.stream_id, QUARTER])
            name = db.rows("SELECT name FROM value_streams WHERE stream_id = $1", [demo.stream_id])
        finally:
            db.close()
    assert name == [(NAME,)]
    assert [d for d, in steps] == list(OWNERS)
    assert flow == [(6.5, 2, CLEO[0])]
