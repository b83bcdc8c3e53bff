"""No lost update (issue 10, part 3): two people, each in their own browser, open the same record's
edit form; A saves, then B saves a different value on the form drawn before A's save. B is told the
save was refused, the record keeps A's value (a third person opening it sees A's), and B's typed
value is still on B's screen.

One server over a copy of the demo organisation serves every kind of record; each test edits records
no other test here touches, so their order does not matter."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from esm_maturity.backlog.fields import OPEN_STATUSES
from esm_maturity.db import Database
from tests.browser.conftest import Server, copy_db, edit_grid_owner, settle
from tests.conftest import DEMO_ANCHOR

# The app's conflict messages, matched loosely: "someone else changed ...", "... was changed by
# someone else", "Someone else saved ...".
CONFLICT = re.compile(r"someone else|somebody else|another (?:person|user)|colleague|meanwhile"
                      r"|(?:changed|saved|edited) (?:by|since)", re.IGNORECASE)
ALERTS = '[data-testid="stAlert"]'
SUCCESS = '[data-testid="stAlertContentSuccess"]'
ERROR = '[data-testid="stAlertContentError"]'
EXCEPTION = '[data-testid="stException"]'
ALERT_TEXTS = "sel => [...document.querySelectorAll(sel)].map(e => e.innerText.trim())"
QUIET_MS = 300  # how long a page must stay idle to count as settled (the grid keeps the longer default)


@dataclass(frozen=True)
class Records:
    """One record of each kind, chosen from the demo so that no two tests share one."""
    assessment_department: str  # a draft in the current quarter
    scored_dimension: str       # whose evidence both people edit
    grid_item: str              # the first open item by key: the grid's first row sorted by key
    detail_item: str
    edited_checkin: str
    action_checkin: str
    action: str
    carry_department: str
    carried_action: str
    carried_checkin: str        # where the carried action was agreed
    dimension: str              # names, as the Settings picker shows them
    rubric_dimension: str


def _choose_records(db: Database) -> Records:
    drafts = db.rows("SELECT department_id FROM assessments WHERE quarter = $1 AND status = 'draft' "
                     "ORDER BY department_id", [str(DEMO_ANCHOR)])
    assert drafts, f"the demo has no draft assessment in {DEMO_ANCHOR} to edit"
    dimensions = db.rows("SELECT dimension_id, name FROM dimensions WHERE active ORDER BY position, dimension_id")
    items = db.rows("SELECT item_id FROM backlog_items WHERE status IN ($1, $2, $3, $4, $5, $6) ORDER BY item_id "
                    "LIMIT 2", list(OPEN_STATUSES))
    edited, edited_department = db.one("SELECT checkin_id, department_id FROM checkins "
                                       "ORDER BY held_on DESC, checkin_id DESC LIMIT 1")
    open_actions = db.rows("SELECT a.action_id, a.checkin_id, c.department_id FROM actions a JOIN checkins c "
                           "ON c.checkin_id = a.checkin_id WHERE a.status = 'open' AND c.department_id <> $1 "
                           "ORDER BY c.held_on DESC, a.action_id", [edited_department])
    action, action_checkin, action_department = open_actions[0]
    carried, carried_checkin, carry_department = next(row for row in open_actions if row[2] != action_department)
    return Records(drafts[0][0], dimensions[0][0], items[0][0], items[1][0], edited, action_checkin, action,
                   carry_department, carried, carried_checkin, dimensions[0][1], dimensions[1][1])


@pytest.fixture(scope="module")
def served(browser, demo_file, tmp_path_factory):
    """One `streamlit run` over a private copy of the demo, and the records the tests edit."""
    folder = tmp_path_factory.mktemp("no_lost_update")
    db_file = copy_db(demo_file, folder / "demo.duckdb")
    with Database(db_file) as db:
        records = _choose_records(db)
    server = Server(db_file, folder / "server.log")
    yield server, records
    server.stop()


@pytest.fixture
def records(served) -> Records:
    return served[1]


@pytest.fixture
def people(browser, served):
    """people(path, ready, n=2) -> n new people (each in their own browser context, so their own
    session) with `path` open and `ready` shown. They load at the same time."""
    server, contexts = served[0], []

    def open_as_new_people(path: str, ready: str, n: int = 2) -> list[Page]:
        tabs = []
        for _ in range(n):
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            contexts.append(context)
            tab = context.new_page()
            tab.set_default_timeout(30_000)
            tab.goto(server.url + path, wait_until="commit")
            tabs.append(tab)
        for tab in tabs:
            tab.get_by_text(ready).first.or_(tab.locator(EXCEPTION)).first.wait_for()
            assert not tab.locator(EXCEPTION).count(), f"{path} failed: {exception_text(tab)}"
        for tab in tabs:
            settle(tab, QUIET_MS)
        return tabs

    yield open_as_new_people
    for context in contexts:
        context.close()


# --- what a person does and sees ---------------------------------------------------------------------------------

def key(tab: Page, widget_key: str, inner: str = "") -> Locator:
    """The element Streamlit made for the widget with this key (1.67 puts `st-key-<key>` on it)."""
    return tab.locator(f".st-key-{widget_key} {inner}".strip())


def type_into(field: Locator, text: str) -> None:
    field.fill(text)
    field.press("Tab")  # commit the value before submitting


def choose(tab: Page, widget_key: str, option: str) -> None:
    """Pick `option` in a selectbox; the caller waits for what the choice shows."""
    box = key(tab, widget_key, "input")
    box.click()
    box.fill(option)
    tab.get_by_role("option").filter(has_text=option).first.click()


def open_tab(tab: Page, name: str) -> None:
    tab.get_by_role("tab", name=name).click()
    settle(tab, QUIET_MS)


def expand(tab: Page, label: str) -> None:
    tab.locator('[data-testid="stExpander"] summary', has_text=label).first.click()
    settle(tab, QUIET_MS)


def exception_text(tab: Page) -> str:
    return tab.locator(EXCEPTION).first.inner_text()[:500]


def alerts(tab: Page) -> list[str]:
    return tab.evaluate(ALERT_TEXTS, ALERTS)


def first_save(tab: Page, button: Locator) -> None:
    """A saves: it must succeed, or the test proves nothing."""
    button.click()
    tab.locator(SUCCESS).or_(tab.locator(ERROR)).or_(tab.locator(EXCEPTION)).first.wait_for()
    settle(tab, QUIET_MS)
    assert not tab.locator(EXCEPTION).count(), f"A's save failed: {exception_text(tab)}"
    assert tab.locator(SUCCESS).count() and not tab.locator(ERROR).count(), f"A's own save failed: {alerts(tab)}"


def second_save(tab: Page, button: Locator, timeout: float = 8_000) -> list[str]:
    """B saves on the form drawn before A's save; returns every message B sees afterwards."""
    before = alerts(tab)
    button.click()
    try:  # wait for a message to appear or change (after a silent rerun there is none: the wait runs out)
        tab.wait_for_function(f"before => JSON.stringify(({ALERT_TEXTS})('{ALERTS}')) !== JSON.stringify(before)",
                              arg=before, timeout=timeout)
    except PlaywrightTimeout:
        pass
    settle(tab, QUIET_MS)
    return alerts(tab)


def eventually(read: Callable[[], Any], hoped: Any, seconds: float = 15) -> Any:
    """What `read` returns once it returns `hoped`, or after `seconds` whatever it returns then: on a
    busy machine a fresh page was seen to fill an input a moment after its run was over (once more than
    5 s after, with two browser tests side by side on two cores)."""
    deadline = time.monotonic() + seconds
    while (value := read()) != hoped and time.monotonic() < deadline:
        time.sleep(0.1)
    return value


def verdict(what: str, b: Page, seen_by_b: list[str], *, stored: Callable[[], Any], first: Any,
            on_screen: Callable[[], Any] | None = None, second: Any = None) -> None:
    """The three promises checked together, so a failure says everything B and the record showed.
    `stored` reads the record as a third person sees it; `on_screen` reads B's edit on B's screen."""
    problems = []
    if not any(CONFLICT.search(text) for text in seen_by_b):
        problems.append(f"B's save was not refused with a message (B saw {seen_by_b or 'no message at all'})")
    if (kept := eventually(stored, first)) != first:
        problems.append(f"the record holds {kept!r}, not A's {first!r}")
    if on_screen and (shown := eventually(on_screen, second)) != second:
        problems.append(f"B's screen shows {shown!r}, not B's own {second!r}")
    if b.locator(EXCEPTION).count():
        problems.append(f"B's page shows an exception: {exception_text(b)}")
    assert not problems, f"{what}: " + "; ".join(problems)


# --- the edit forms: both people change one field of the same record ---------------------------------------------

def open_checkin(tab: Page, checkin_id: str) -> Locator:
    open_tab(tab, "Check-ins and actions")
    choose(tab, "ci_open", checkin_id)
    detail = tab.locator(".st-key-checkin_detail")
    detail.get_by_text(f"{checkin_id} ·").first.wait_for()
    settle(tab, QUIET_MS)
    return detail


def open_checkin_editor(tab: Page, records: Records) -> None:
    open_checkin(tab, records.edited_checkin)
    expand(tab, "Edit this check-in")


def open_dimension(tab: Page, name: str) -> None:
    open_tab(tab, "Maturity model")
    choose(tab, "dim_edit_id", name)
    tab.wait_for_function("name => document.querySelector('.st-key-dim_name input')?.value === name", arg=name)
    settle(tab, QUIET_MS)


def open_level_names(tab: Page, records: Records) -> None:
    open_tab(tab, "Maturity model")
    expand(tab, "Level names")


@dataclass(frozen=True)
class Form:
    path: str      # formatted with the records (r) and the quarter
    ready: str     # text the page shows when it is drawn
    field: str     # widget key of the one text field both people change (formatted like path)
    save: str      # widget key of the form's save button
    opens: Callable[[Page, Records], None] = lambda tab, records: None  # from the page to the form


FORMS = {
    "self-assessment": Form("/assessment?department={r.assessment_department}&quarter={quarter}", "Save draft",
                            "evidence_{r.scored_dimension}", "save_draft"),
    "improvement details": Form("/backlog?item={r.detail_item}", "Lessons learned", "item_description",
                                "item_save"),
    "check-in": Form("/checkins", "The meeting", "edit_notes", "edit_checkin_save", open_checkin_editor),
    "department": Form("/settings", "Edit a department", "dept_edit_sponsor", "dept_save"),
    "dimension": Form("/settings", "Edit a department", "dim_description", "dim_save",
                      lambda tab, r: open_dimension(tab, r.dimension)),
    "rubric": Form("/settings", "Edit a department", "dim_rubric_3", "dim_save",
                   lambda tab, r: open_dimension(tab, r.rubric_dimension)),
    "level names": Form("/settings", "Edit a department", "level_meaning_3", "levels_save", open_level_names),
}


@pytest.mark.parametrize("kind", FORMS)
def test_second_save_of_an_edit_form_is_refused(people, records, kind):
    form = FORMS[kind]
    path = form.path.format(r=records, quarter=DEMO_ANCHOR)
    field = form.field.format(r=records)
    first, second = f"{kind}: as A wrote it", f"{kind}: as B wrote it"

    def field_of(tab: Page) -> Locator:
        return key(tab, field, ":is(input, textarea)")

    a, b = people(path, form.ready)
    for tab in (a, b):  # both draw the form before anyone saves
        form.opens(tab, records)
    type_into(field_of(a), first)
    first_save(a, key(a, form.save, "button"))

    type_into(field_of(b), second)
    seen = second_save(b, key(b, form.save, "button"))

    c, = people(path, form.ready, n=1)
    form.opens(c, records)
    verdict(kind, b, seen, stored=field_of(c).input_value, first=first,
            on_screen=field_of(b).input_value, second=second)


# --- a row of the backlog grid ------------------------------------------------------------------------------------

def grid_cell(tab: Page, column: int, row: int) -> str:
    """A cell's text, from the table the grid keeps behind its canvas for screen readers."""
    return tab.locator(f'[data-testid="stDataFrame"] [data-testid="glide-cell-{column}-{row}"]').first.inner_text()


def test_second_save_of_a_grid_row_is_refused(people, records):
    a, b = people("/backlog?sort=key", "Value and effort of open items")
    for tab in (a, b):
        tab.locator('[data-testid="stVegaLiteChart"]').first.wait_for()
        settle(tab)
        assert grid_cell(tab, 0, 0) == records.grid_item
    edit_grid_owner(a, "Owner set by A")
    first_save(a, a.get_by_role("button", name="Save changes"))

    edit_grid_owner(b, "Owner set by B")
    seen = second_save(b, b.get_by_role("button", name="Save changes"))

    c, = people(f"/backlog?item={records.grid_item}", "Lessons learned", n=1)
    verdict("backlog grid row", b, seen, stored=key(c, "item_owner", "input").input_value, first="Owner set by A",
            on_screen=lambda: grid_cell(b, 3, 0), second="Owner set by B")


# --- an action: marked done or dropped on a check-in, or decided in the next check-in's carry-over -------------------

def action_status(detail: Locator, action_id: str) -> str:
    line = detail.locator('[data-testid="stMarkdownContainer"]', has_text=f"{action_id} ·").first.inner_text()
    found = re.search(r"· (open|done|dropped)\b", line)
    return found.group(1) if found else line


def test_second_click_on_an_action_is_refused(people, records):
    a, b = people("/checkins", "The meeting")
    for tab in (a, b):
        assert action_status(open_checkin(tab, records.action_checkin), records.action) == "open"
    first_save(a, key(a, f"done_{records.action}", "button"))

    seen = second_save(b, key(b, f"drop_{records.action}", "button"))

    c, = people("/checkins", "The meeting", n=1)
    detail = open_checkin(c, records.action_checkin)
    # The click is B's whole edit: there is no typed value to keep on screen.
    verdict("action (done / dropped)", b, seen, stored=lambda: action_status(detail, records.action), first="done")


def decide(tab: Page, action_id: str, decision: str) -> None:
    key(tab, f"carry_{action_id}", "label").filter(has_text=re.compile(f"^{decision}$")).click()


def decision_shown(tab: Page, action_id: str) -> str | None:
    radios = key(tab, f"carry_{action_id}", 'input[type="radio"]')
    for i in range(radios.count()):
        if radios.nth(i).is_checked():  # the option's own label (the group's collapsed label is one too)
            return radios.nth(i).locator("xpath=ancestor::label[1]").inner_text().strip()
    return None


def test_second_carry_over_of_an_action_is_refused(people, records):
    action = records.carried_action
    a, b = people(f"/checkins?department={records.carry_department}", "The meeting")
    for tab in (a, b):
        key(tab, f"carry_{action}").wait_for()
    decide(a, action, "done")
    type_into(key(a, "ci_notes", "textarea"), "Carry-over meeting of A")
    first_save(a, key(a, "ci_save", "button"))

    decide(b, action, "dropped")
    type_into(key(b, "ci_notes", "textarea"), "Carry-over meeting of B")
    seen = second_save(b, key(b, "ci_save", "button"))

    c, = people("/checkins", "The meeting", n=1)
    detail = open_checkin(c, records.carried_checkin)
    status = eventually(lambda: action_status(detail, action), "done")
    search = c.get_by_role("textbox", name=re.compile("^Search notes"))
    search.fill("Carry-over meeting of B")
    search.press("Enter")
    b_recorded = c.locator(".st-key-checkin_detail").get_by_text("Carry-over meeting of B")
    c.get_by_text("No check-ins match.").or_(b_recorded).first.wait_for()
    stored = {"action": status, "B's check-in recorded": b_recorded.count() > 0}
    verdict("action (carry-over)", b, seen, stored=lambda: stored,
            first={"action": "done", "B's check-in recorded": False},
            on_screen=lambda: (key(b, "ci_notes", "textarea").input_value(), decision_shown(b, action)),
            second=("Carry-over meeting of B", "dropped"))
