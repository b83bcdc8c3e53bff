"""Every form's fields with out-of-range values: each gets a message that names the real problem, and
nothing is written (the audit trail, which every write extends, stays as it was)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest

from esm_maturity.db import Database
from esm_maturity.limits import limit

EARLY, LATE = dt.date(1500, 3, 4), dt.date(2250, 1, 1)
OUT_OF_RANGE = "out of range: use a date from 1990-01-01 to 2200-12-31"


def too_long(entity: str, name: str) -> str:
    return "x" * (limit(entity, name) + 1)


def at_most(entity: str, name: str) -> str:
    return f"at most {limit(entity, name):,}"


@dataclass
class Case:
    page: str
    widget: str            # text_input, text_area or date_input
    key: str
    value: Any
    save: str
    message: str
    query: dict = field(default_factory=dict)
    prepare: Callable | None = None   # what a person does first (open the record)

    def __str__(self) -> str:
        return f"{self.page.split('/')[-1]}:{self.key}"


def open_checkin(at, db_path):
    checkin_id = _one(db_path, "SELECT min(checkin_id) FROM checkins WHERE department_id = 'HR'")
    at.selectbox(key="list_department").set_value("HR").run()
    at.selectbox(key="ci_open").set_value(checkin_id).run()


def open_item(at, db_path):
    at.selectbox(key="bl_item").set_value(_one(db_path, "SELECT min(item_id) FROM backlog_items "
                                                        "WHERE status = 'idea'")).run()


def open_hr(at, db_path):
    at.selectbox(key="dept_edit_id").set_value("HR").run()


def _one(db_path, sql):
    with Database(db_path) as db:
        return db.scalar(sql)


SETTINGS, BACKLOG, CHECKINS = "pages/settings.py", "pages/backlog.py", "pages/checkins.py"
CASES = [
    Case(SETTINGS, "text_input", "dept_new_id", "ABCDEFGHIJKLMNOPQ", "dept_add", "up to 16"),
    Case(SETTINGS, "text_input", "dept_new_name", too_long("department", "name"), "dept_add",
         at_most("department", "name")),
    Case(SETTINGS, "text_input", "dept_edit_sponsor", too_long("department", "sponsor"), "dept_save",
         at_most("department", "sponsor"), prepare=open_hr),
    Case(SETTINGS, "text_input", "dim_name", too_long("dimension", "name"), "dim_save", at_most("dimension", "name")),
    Case(SETTINGS, "text_input", "dim_description", too_long("dimension", "description"), "dim_save",
         at_most("dimension", "description")),
    Case(SETTINGS, "text_area", "dim_rubric_3", too_long("rubric", "description"), "dim_save",
         at_most("rubric", "description")),
    Case(SETTINGS, "text_input", "level_name_2", too_long("level", "name"), "levels_save", at_most("level", "name")),
    Case(SETTINGS, "text_input", "level_meaning_2", too_long("level", "meaning"), "levels_save",
         at_most("level", "meaning")),
    Case(BACKLOG, "text_area", "new_description", too_long("backlog_item", "description"), "add_item_submit",
         at_most("backlog_item", "description")),
    Case(BACKLOG, "date_input", "new_due", LATE, "add_item_submit", OUT_OF_RANGE),
    Case(BACKLOG, "text_area", "item_outcome", too_long("backlog_item", "outcome"), "item_save",
         at_most("backlog_item", "outcome"), prepare=open_item),
    Case(BACKLOG, "date_input", "item_due", EARLY, "item_save", OUT_OF_RANGE, prepare=open_item),
    Case(CHECKINS, "text_area", "ci_notes", too_long("checkin", "notes"), "ci_save", at_most("checkin", "notes"),
         query={"department": "HR"}),
    Case(CHECKINS, "text_input", "ci_attendees", too_long("checkin", "attendees"), "ci_save",
         at_most("checkin", "attendees"), query={"department": "HR"}),
    Case(CHECKINS, "date_input", "ci_next_on", LATE, "ci_save", OUT_OF_RANGE, query={"department": "HR"}),
    Case(CHECKINS, "date_input", "ci_held_on", EARLY, "ci_save", OUT_OF_RANGE, query={"department": "HR"}),
    Case(CHECKINS, "text_input", "act_text_0", too_long("action", "text"), "ci_save", at_most("action", "text"),
         query={"department": "HR"}),
    Case(CHECKINS, "date_input", "act_due_0", LATE, "ci_save", OUT_OF_RANGE, query={"department": "HR"}),
    Case(CHECKINS, "text_input", "add_action_text", too_long("action", "text"), "add_action",
         at_most("action", "text"), query={"department": "HR"}, prepare=open_checkin),
    Case(CHECKINS, "date_input", "edit_next_on", LATE, "edit_checkin_save", OUT_OF_RANGE,
         query={"department": "HR"}, prepare=open_checkin),
    Case(CHECKINS, "text_area", "edit_blockers", too_long("checkin", "blockers"), "edit_checkin_save",
         at_most("checkin", "blockers"), query={"department": "HR"}, prepare=open_checkin),
]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_an_out_of_range_value_gets_a_message_and_writes_nothing(demo_app, demo_path, case):
    at = demo_app(case.page, case.query)
    if case.prepare:
        case.prepare(at, demo_path)
    audit_before = _one(demo_path, "SELECT count(*) FROM audit_log")
    widget = getattr(at, case.widget)(key=case.key)
    if case.widget == "date_input":
        widget.set_value(case.value)
    else:
        widget.input(case.value)
    at.button(key=case.save).click().run()
    assert not at.exception, at.exception
    shown = " ".join(e.value for e in at.error).replace("\\", "").replace("\u2060", "")
    assert case.message in shown, shown
    assert _one(demo_path, "SELECT count(*) FROM audit_log") == audit_before
    assert not at.success


def test_the_assessment_refuses_long_evidence(demo_app, demo_path):
    at = demo_app("pages/assessment.py", {"department": "MKT"})
    key = next(t.key for t in at.text_area if t.key and t.key.startswith("evidence_"))
    audit_before = _one(demo_path, "SELECT count(*) FROM audit_log")
    at.text_area(key=key).input(too_long("score", "evidence"))
    at.button(key="save_draft").click().run()
    shown = " ".join(e.value for e in at.error).replace("\\", "").replace("\u2060", "")
    assert at_most("score", "evidence") in shown, shown
    assert _one(demo_path, "SELECT count(*) FROM audit_log") == audit_before


def test_the_quiet_days_box_keeps_to_its_range(demo_app):
    at = demo_app(CHECKINS, {"department": "HR"})
    box = at.number_input(key="quiet_days")
    assert (box.proto.min, box.proto.max) == (1, 730)
    box.set_value(731).run()   # what the browser cannot send is not used by the server either
    assert not at.exception and not any(m.label.startswith("Quiet for 731") for m in at.metric)
