"""What the check-in screens read and show (esm_maturity/checkins/screen.py), without Streamlit:
the inputs built from the forms' values, and the words for departments, recordings and the timeline."""

import datetime as dt

import pandas as pd

from esm_maturity.checkins import screen
from esm_maturity.checkins.records import (Action, ActionInput, CarryOverDecision, Checkin, CheckinInput, ItemReview,
                                           Recorded)

D = dt.date
NOW = dt.datetime(2026, 10, 1, 9, 0)
NAMES = {"HR": "Human Resources", "IT": "IT Services"}


def checkin(**changes):
    values = dict(checkin_id="CHK-0007", held_on=D(2026, 10, 1), department_id="HR", kind="department",
                  facilitator="Priya", attendees="Ann, Bob", notes="n", decisions="d", wins="w", blockers="b",
                  next_on=D(2026, 11, 1), version=3, created_at=NOW, updated_at=NOW)
    return Checkin(**{**values, **changes})


def action(status="open", item_id=None):
    return Action("ACT-0001", "CHK-0007", "Publish", "Ann", None, status, item_id, 1, NOW, NOW, None)


def test_department_label_and_default_kind():
    assert screen.department_label(NAMES, "HR") == "Human Resources"
    assert screen.department_label(NAMES, None) == screen.department_label(NAMES, "") == "Across departments"
    assert screen.department_label(NAMES, "GONE") == "Across departments"
    assert (screen.default_kind("HR"), screen.default_kind(None)) == ("department", "steering")


def test_the_record_form_becomes_its_inputs():
    state = {"ci_facilitator": "Priya", "ci_attendees": "Ann", "ci_notes": "notes", "ci_decisions": "dec",
             "ci_wins": "wins", "ci_blockers": "", "ci_next_on": D(2026, 11, 1)}
    state.update({key: "" for key in screen.ACTION_KEYS})
    state.update({"act_text_0": "Publish", "act_owner_0": "Ann", "act_due_0": D(2026, 10, 20), "act_due_3": None})
    assert set(screen.MEETING_KEYS) <= set(state)
    assert screen.checkin_input(state, held_on=D(2026, 10, 1), department_id="HR", kind="department") == CheckinInput(
        D(2026, 10, 1), "HR", "department", "Priya", "Ann", "notes", "dec", "wins", "", D(2026, 11, 1))
    rows = screen.action_inputs(state)
    assert len(rows) == screen.ACTION_ROWS and rows[0] == ActionInput("Publish", "Ann", D(2026, 10, 20))
    assert all(row.blank for row in rows[1:])


def test_carry_over_decisions_keep_the_versions_drawn():
    actions = pd.DataFrame({"action_id": ["ACT-0001", "ACT-0002"], "version": [2, 5]})
    items = pd.DataFrame({"item_id": ["CI-0003"], "version": [4]})
    state = {"carry_ACT-0001": "done", "carry_ACT-0002": "kept", "review_CI-0003": "dropped",
             "review_note_CI-0003": "no longer needed", "review_lessons_CI-0003": ""}
    assert screen.carry_decisions(state, actions) == {"ACT-0001": CarryOverDecision("done", 2),
                                                      "ACT-0002": CarryOverDecision("kept", 5)}
    assert screen.item_reviews(state, items) == {"CI-0003": ItemReview("dropped", 4, "no longer needed", "")}
    assert screen.carry_decisions({}, actions.iloc[:0]) == {} and screen.item_reviews({}, items.iloc[:0]) == {}


def test_recorded_message_counts_what_moved_on():
    result = Recorded("CHK-0009", ["ACT-0010", "ACT-0011"], {"ACT-0001": "done", "ACT-0002": "kept", "CI-3": "dropped"})
    assert screen.recorded_message(result, "Human Resources") == (
        "Recorded CHK-0009 for Human Resources with 2 new action(s); 2 carried-over action(s) or item(s) closed "
        "or moved on.")


def test_only_an_open_action_without_an_item_can_be_promoted():
    assert screen.promotable(action())
    assert not screen.promotable(action(item_id="CI-0001"))
    assert not screen.promotable(action(status="done"))


def test_the_edit_form_round_trips_a_checkin():
    record = checkin()
    values = screen.edit_values(record)
    assert values["edit_held_on"] == D(2026, 10, 1) and values["edit_blockers"] == "b"
    values["edit_notes"] = "changed"
    assert screen.edited_input(values, record) == CheckinInput(
        D(2026, 10, 1), "HR", "department", "Priya", "Ann, Bob", "changed", "d", "w", "b", D(2026, 11, 1))
    assert screen.edited_input(screen.edit_values(checkin(department_id=None)), record).department_id == "HR"


def test_the_timeline_in_words():
    events = pd.DataFrame({"event": ["check-in", "assessment"], "kind": ["steering", "2026-Q3"]})
    labelled = screen.labelled_timeline(events)
    assert list(labelled["event"]) == ["Check-in", "Self-assessment submitted"]
    assert list(labelled["kind"]) == ["Steering", "2026-Q3"]
