"""Hostile text in every field a person can fill, read back on every page in a real browser.

The database is filled through the package's own commands (and a few fields through the forms),
with the payloads of tests/text_corpus.py: script tags, onerror images, iframes, javascript:
links, Markdown images and links to a local port, bare URLs, RTL overrides, emoji, long text.
Then every page is opened (tabs, item and check-in details, Settings expanders, the offline forms,
Trends in meeting mode, a chart tooltip) and the test holds that:

- no script ran (`window.__pwned` stays undefined, no dialog opened);
- no link was made from user text (every `a[href]` stays on the app's own pages);
- the text shows literally (samples of it are found, as typed, in the page's text);
- no request left the app's own origin (http://127.0.0.1:PORT), fonts and icons included.
"""

from __future__ import annotations

import datetime as dt
import re

from esm_maturity import maturity
from esm_maturity.assessments import save_assessment
from esm_maturity.backlog.commands import add_item
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.checkins.commands import record_checkin
from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.models import Quarter, ScoreInput, ScoreValue
from esm_maturity.ui.text import WORD_JOINER
from tests.browser.conftest import IDLE, settle, wait_idle
from tests.conftest import ADMIN, TODAY
from tests.text_corpus import LONG, MARKERS, fill, lines

QUARTER = Quarter.of(TODAY)
HOSTILE, OTHER = "PWN", "ZZ-2"

# What each field holds (each within its limit); the test reads some of them back from the screen.
TEXT = {
    "dept_name": fill(120, 4), "dept_sponsor": fill(120, 0), "dept_champion": fill(120, 7),
    "other_name": "www.example.test " + fill(100, 8),
    "dim_name": fill(120, 3), "dim_description": fill(500, 1), "new_dim_name": fill(120, 9),
    **{f"rubric_{lvl}": fill(1000, lvl) for lvl in range(1, 6)},
    **{f"level_{lvl}": fill(60, lvl + 3) for lvl in range(1, 6)},
    **{f"meaning_{lvl}": fill(500, lvl + 5) for lvl in range(1, 6)},
    "evidence": LONG, "evidence_short": fill(400, 2),
    "title": fill(200, 5), "description": LONG, "owner": fill(120, 7), "raised_by": fill(120, 6),
    "closed_title": fill(200, 12), "outcome": lines(2000, 3), "lessons": lines(2000, 7),
    "held_title": fill(200, 15), "reason": fill(500, 4),
    "facilitator": fill(120, 5), "attendees": fill(2000, 2), "notes": LONG, "decisions": lines(1000, 4),
    "wins": lines(1000, 9), "blockers": lines(1000, 13), "action": fill(500, 3), "action_owner": fill(120, 8),
    # typed into the forms by the test
    "ui_dept_name": "UI " + fill(110, 4), "ui_action": "UI " + fill(300, 6), "ui_action_owner": fill(100, 2),
}


def _hostile_database(path) -> dict:
    """Every text field filled with payloads, through the package's commands. Returns the keys made."""
    with Database(path) as db:
        maturity.load_default_model(db, ADMIN)
        add_department(db, ADMIN, HOSTILE, TEXT["dept_name"], TEXT["dept_sponsor"], TEXT["dept_champion"])
        add_department(db, ADMIN, OTHER, TEXT["other_name"], TEXT["dept_champion"], TEXT["dept_sponsor"])
        first = maturity.dimensions(db)[0]
        maturity.update_dimension(db, ADMIN, first.dimension_id, name=TEXT["dim_name"],
                                  description=TEXT["dim_description"],
                                  rubric={lvl: TEXT[f"rubric_{lvl}"] for lvl in range(1, 6)},
                                  expected_version=first.version)
        maturity.add_dimension(db, ADMIN, "hostile_dimension", TEXT["new_dim_name"], TEXT["dim_description"],
                               {lvl: TEXT[f"rubric_{6 - lvl}"] for lvl in range(1, 6)})
        levels = maturity.levels_frame(db)
        for row in levels.itertuples():
            maturity.rename_level(db, ADMIN, int(row.level), TEXT[f"level_{row.level}"], TEXT[f"meaning_{row.level}"],
                                  expected_version=int(row.version))
        dims = [d.dimension_id for d in maturity.dimensions(db)]
        for department, levels_then, levels_now, submit_now in ((HOSTILE, 2, 3, True), (OTHER, 3, 2, False)):
            for quarter, level, submit in ((QUARTER.previous(), levels_then, True), (QUARTER, levels_now, submit_now)):
                entries = [ScoreInput(d, ScoreValue.parse(str(level)), 4,
                                      TEXT["evidence"] if i == 0 else TEXT["evidence_short"]) for i, d in enumerate(dims)]
                save_assessment(db, ADMIN, quarter, department, entries, expected_version=0, submit=submit)
        common = {"department_id": HOSTILE, "dimension_id": first.dimension_id, "owner": TEXT["owner"],
                  "raised_by": TEXT["raised_by"], "value": 4, "effort": "M"}
        item = add_item(db, ADMIN, title=TEXT["title"], description=TEXT["description"],
                        due_on=TODAY - dt.timedelta(days=2), **common)
        add_item(db, ADMIN, title=TEXT["closed_title"], description=TEXT["outcome"], status="closed",
                 outcome=TEXT["outcome"], lessons=TEXT["lessons"], **common)
        add_item(db, ADMIN, title=TEXT["held_title"], description=TEXT["reason"], status="on hold",
                 status_reason=TEXT["reason"], **common)
        recorded = record_checkin(db, ADMIN, CheckinInput(
            held_on=TODAY - dt.timedelta(days=3), department_id=HOSTILE, facilitator=TEXT["facilitator"],
            attendees=TEXT["attendees"], notes=TEXT["notes"], decisions=TEXT["decisions"], wins=TEXT["wins"],
            blockers=TEXT["blockers"], next_on=TODAY + dt.timedelta(days=14)),
            [ActionInput(TEXT["action"], TEXT["action_owner"], TODAY - dt.timedelta(days=1))])
        db.checkpoint()
    return {"item": item, "checkin": recorded.checkin_id}


def _norm(text: str) -> str:
    """Text as a person reads it: no word joiners, white space collapsed."""
    return " ".join(text.replace(WORD_JOINER, "").replace("\u00a0", " ").split())


class Watch:
    """Everything a page does that the test forbids: requests off the origin, dialogs, script."""

    def __init__(self, page, origin: str):
        self.page, self.origin = page, origin
        self.off_origin: list[str] = []
        self.dialogs: list[str] = []
        page.on("request", lambda request: self._seen(request.url))
        page.on("websocket", lambda socket: self._seen(socket.url))
        page.on("dialog", self._dialog)
        # Nothing goes out even if the test is about to fail: off-origin requests are refused.
        page.context.route(re.compile(r"^(?!" + re.escape(origin) + r"/).*"), lambda route: route.abort())

    def _seen(self, url: str) -> None:
        own = (self.origin + "/", self.origin.replace("http", "ws", 1) + "/", "data:", "blob:")
        if not url.startswith(own):
            self.off_origin.append(url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: str, expect: str) -> None:
        self.page.goto(self.origin + path)
        wait_idle(self.page, expect)
        settle(self.page)
        self.check(path)

    def check(self, where: str) -> str:
        """The page as it stands: nothing ran, no link or frame from user text, no error. Returns its text."""
        page = self.page
        assert page.evaluate("() => typeof window.__pwned") == "undefined", f"script ran on {where}"
        assert not self.dialogs, f"a dialog opened on {where}: {self.dialogs}"
        assert page.locator('[data-testid="stException"]').count() == 0, f"an error on {where}"
        hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
        bad = [h for h in hrefs if not h.startswith(self.origin + "/") or any(m in h for m in MARKERS)]
        assert not bad, f"links made from user text on {where}: {bad}"
        assert page.evaluate("() => document.querySelectorAll('iframe, frame, object, embed').length") == 0
        images = page.evaluate("() => [...document.querySelectorAll('img[src], image')].map(i => i.src || '')")
        assert all(i.startswith((self.origin + "/", "data:", "blob:")) for i in images), images
        assert not self.off_origin, f"requests off the app's origin from {where}: {self.off_origin}"
        return _norm(page.inner_text("body"))

    def shows(self, where: str, *texts: str) -> None:
        seen = self.check(where)
        for text in texts:
            assert _norm(text) in seen, f"{where} does not show {text[:60]!r} literally"


def _hover_chart(page, chart, watch: Watch, where: str) -> str:
    """Move the mouse over a chart until its tooltip shows; return the tooltip's text ('' if none)."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    tooltip = page.locator("#vg-tooltip-element")
    for fx, fy in ((0.5, 0.3), (0.6, 0.5), (0.4, 0.2), (0.7, 0.4), (0.5, 0.6), (0.3, 0.4)):
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(250)
        if tooltip.count() and tooltip.is_visible() and tooltip.inner_text().strip():
            assert tooltip.locator("img, script, iframe, a, svg").count() == 0, f"markup in a tooltip on {where}"
            watch.check(where + " (tooltip)")
            return _norm(tooltip.inner_text())
    return ""


def test_hostile_text_stays_text_and_no_request_leaves_the_server(start_server, page, tmp_path):
    keys = _hostile_database(tmp_path / "hostile.duckdb")
    server = start_server(tmp_path / "hostile.duckdb")
    watch = Watch(page, server.url)

    # Overview: this quarter's table, the dimension chart, movers and cadence.
    watch.open("/", "ESM maturity overview")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()

    # Settings: the department history expander and the model forms; one department added by hand.
    watch.open("/settings", "Add a department")
    history = page.get_by_text("History of", exact=False).first
    history.click()
    watch.shows("settings", "History of " + TEXT["dept_name"])
    form = page.locator('[data-testid="stForm"]').filter(has_text="Add a department")
    for label, value in (("Key", "UI-1"), ("Name", TEXT["ui_dept_name"]), ("Executive sponsor", TEXT["owner"]),
                         ("ESM champion", TEXT["facilitator"])):
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Add department").click()
    wait_idle(page, "Added UI")
    watch.shows("settings after adding", f"Added {TEXT['ui_dept_name']} (UI-1).")
    page.get_by_role("tab", name="Maturity model").click()
    page.get_by_text("Level names", exact=True).click()
    settle(page)
    watch.check("settings, maturity model")
    page.get_by_role("tab", name="People").click()
    people = page.locator('[data-testid="stForm"]').filter(has_text="Add a person")
    people.get_by_label("E-mail address they sign in with", exact=True).fill("hostile@example.org")
    people.get_by_label("Name", exact=True).fill(TEXT["owner"])
    people.get_by_role("button", name="Add person").click()
    wait_idle(page, "Added hostile")
    page.get_by_role("tab", name="People").click()
    settle(page)
    watch.shows("settings, people", "Added hostile@example.org as sponsor.")

    # Activity: every change above, with the hostile text in its change column.
    watch.open("/activity", "Activity")

    # Data: the offline form of the first department (ours) is offered by name.
    watch.open("/data", "Move everything in and out")
    page.get_by_role("tab", name="Self-assessment forms").click()
    wait_idle(page, "Download the form for")
    watch.shows("data, forms", "Download the form for " + TEXT["dept_name"])

    # Self-assessment: a draft shows the rubric, level names and the dimension as text.
    watch.open(f"/assessment?department={OTHER}&quarter={QUARTER}", "Quarterly self-assessment")
    page.locator('[data-testid="stRadio"]').first.wait_for()
    watch.shows("assessment", TEXT["dim_name"], TEXT["dim_description"], TEXT["rubric_3"],
                f"3 · {TEXT['level_3']}", TEXT["new_dim_name"])
    watch.open(f"/assessment?department={HOSTILE}&quarter={QUARTER}", "Quarterly self-assessment")

    # Backlog: the list, the value and effort chart, and one item in full.
    watch.open(f"/backlog?item={keys['item']}", "Improvement details")   # the item opens in a dialog
    page.get_by_text("raised on", exact=False).first.wait_for()
    watch.shows("backlog item", f"by {TEXT['raised_by']}")
    page.locator('[data-testid="stVegaLiteChart"]').first.wait_for()

    # Check-ins: carry-over in the record tab, a check-in in full, an action added by hand, cadence, timeline.
    watch.open("/checkins", "The meeting")
    watch.shows("check-ins, record", TEXT["action"])
    page.get_by_role("tab", name="Check-ins and actions").click()
    wait_idle(page, "Actions")
    plain_lines = [line for name in ("notes", "decisions", "blockers") for line in TEXT[name].splitlines()
                   if not line.startswith(("- ", "* "))]  # those lines are bullets, on purpose
    watch.shows("check-in details", keys["checkin"], TEXT["action"], f"Facilitator: {TEXT['facilitator']}",
                *plain_lines)
    form = page.locator('[data-testid="stForm"]').filter(has_text="Add an action")
    form.get_by_label("Add an action").fill(TEXT["ui_action"])
    form.get_by_label("Owner").fill(TEXT["ui_action_owner"])
    form.get_by_role("button", name="Add", exact=True).click()
    wait_idle(page, "Added A")
    page.get_by_role("tab", name="Check-ins and actions").click()
    settle(page)
    watch.shows("check-in after adding an action", TEXT["ui_action"], TEXT["ui_action_owner"])
    for tab in ("Cadence", "Timeline"):
        page.get_by_role("tab", name=tab).click()
        settle(page)
        watch.check(f"check-ins, {tab}")

    # Trends: the department's trend, a heatmap tooltip, then meeting mode.
    watch.open(f"/trends?department={HOSTILE}&quarter={QUARTER}", "Organisation heatmap")
    page.locator('[data-testid="stVegaLiteChart"]').nth(2).wait_for()
    watch.shows("trends", f"{TEXT['dept_name']}: trend", f"Edit the self-assessment: {TEXT['dept_name']}")
    tooltip = _hover_chart(page, page.locator('[data-testid="stVegaLiteChart"]').first, watch, "heatmap")
    assert any(_norm(TEXT[name]) in tooltip for name in ("dept_name", "other_name", "ui_dept_name")), \
        f"the heatmap's tooltip does not show the department's name literally: {tooltip}"
    watch.open(f"/trends?department={HOSTILE}&quarter={QUARTER}&meeting=1", "Organisation heatmap")
    page.locator('[data-testid="stVegaLiteChart"]').nth(2).wait_for()
    watch.shows("trends, meeting mode", f"{TEXT['dept_name']}: trend")
    page.wait_for_selector(IDLE)
    watch.check("the end")
