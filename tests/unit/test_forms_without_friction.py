"""The pure parts of the friction fixes: the check-in form emptied after a save, the actions just agreed
left out of the carry-over, kinds in words, the links' choices, and the target carried forward."""

import pandas as pd

from esm_maturity.assessments import SheetRow, save_assessment, scoring_sheet
from esm_maturity.checkins import screen
from esm_maturity.checkins.records import KEEP
from esm_maturity.departments import add_department
from esm_maturity.maturity import dimensions
from esm_maturity.models import Quarter, ScoreInput, ScoreValue
from tests.conftest import ADMIN


def test_the_emptied_form_blanks_every_field_and_resets_each_decision():
    state = {"ci_notes": "said", "act_text_0": "do", "act_due_0": "2026-12-01", "ci_next_on": "2027-01-01",
             "carry_ACT-0001": "done", "review_CI-0001": "dropped", "review_note_CI-0001": "why",
             "review_lessons_CI-0001": "learnt", "ci_held_on": "2026-11-18", "ci_department": "HR"}
    empty = screen.empty_form(state)
    assert empty["ci_notes"] == "" and empty["act_text_0"] == "" and empty["ci_facilitator"] == ""
    assert empty["act_due_0"] is None and empty["ci_next_on"] is None
    assert empty["carry_ACT-0001"] == KEEP and empty["review_CI-0001"] == KEEP
    assert empty["review_note_CI-0001"] == "" and empty["review_lessons_CI-0001"] == ""
    assert "ci_held_on" not in empty and "ci_department" not in empty   # the day and department stay
    assert set(screen.MEETING_KEYS + screen.ACTION_KEYS) <= set(empty)


def test_the_actions_of_the_checkin_just_recorded_are_not_carried_over():
    actions = pd.DataFrame({"action_id": ["ACT-0001", "ACT-0002", "ACT-0003"],
                            "checkin_id": ["CHK-0001", "CHK-0009", "CHK-0009"]})
    assert list(screen.without_actions_of(actions, "CHK-0009")["action_id"]) == ["ACT-0001"]
    assert list(screen.without_actions_of(actions, None)["action_id"]) == ["ACT-0001", "ACT-0002", "ACT-0003"]


def test_kinds_in_words_and_a_linked_checkin_first():
    listing = pd.DataFrame({"kind": ["department", "steering", "sponsor review", "other"]})
    assert list(screen.labelled_listing(listing)["kind"]) == ["Department check-in", "Steering", "Sponsor review",
                                                              "other"]
    assert list(listing["kind"])[0] == "department"   # the list itself is left as it was
    assert screen.check_in_choices(["CHK-0003", "CHK-0002"], "CHK-0001") == ["CHK-0001", "CHK-0003", "CHK-0002"]
    assert screen.check_in_choices(["CHK-0003", "CHK-0002"], "CHK-0002") == ["CHK-0003", "CHK-0002"]
    assert screen.TABS[0] == screen.RECORD_TAB and len(set(screen.TABS)) == len(screen.TABS)


def test_actions_tracking_an_item(demo_db):
    action_id, checkin_id, item_id = demo_db.one(
        "SELECT action_id, checkin_id, item_id FROM actions WHERE item_id IS NOT NULL ORDER BY action_id LIMIT 1")
    found = screen.actions_tracking(demo_db, item_id)
    assert (found[0].action_id, found[0].checkin_id) == (action_id, checkin_id)
    assert screen.actions_tracking(demo_db, "CI-9999") == []


def test_the_target_default_is_last_quarters_until_this_quarter_has_an_entry(db):
    q = Quarter(2026, 3)
    dims = [d.dimension_id for d in dimensions(db)]
    add_department(db, ADMIN, "HR", "Human Resources")
    save_assessment(db, ADMIN, q.previous(), "HR", [ScoreInput(d, ScoreValue(2), 4, "") for d in dims],
                    expected_version=0)
    save_assessment(db, ADMIN, q, "HR", [ScoreInput(dims[0], ScoreValue(None), None, "thinking")], expected_version=0)
    rows = {r.dimension.dimension_id: r for r in scoring_sheet(db, q, "HR")}
    assert rows[dims[0]].stored and rows[dims[0]].target_default is None       # this quarter's own: no target
    assert not rows[dims[1]].stored and rows[dims[1]].target_default == 4     # carried forward
    assert rows[dims[1]].current.target is None                               # nothing written for it yet
    assert SheetRow(rows[dims[1]].dimension, ScoreInput(dims[1]), None).target_default is None
