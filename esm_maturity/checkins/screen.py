"""What the check-in screens read and show, without Streamlit: the forms' widget keys, the inputs
built from the values they hold, and the words for a department, a recording and the timeline.

`state` is any mapping from widget key to value: Streamlit's session state on the page, a dict in
the tests. One read lives here as well, for the backlog's item details: the actions that track an item
(`actions_tracking`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

import pandas as pd

from ..db import Database
from .queries import ACROSS
from .records import (KEEP, KIND_LABELS, Action, ActionInput, CarryOverDecision, Checkin, CheckinInput, ItemReview,
                      Recorded)
from .timeline import EVENTS

ACTION_ROWS = 5  # empty rows for new actions on the record form
OPEN_KEY = "ci_open"  # the check-in opened in the list (the record form opens the one it saved)
# The page's tabs; the one shown lives in the URL (?tab=, absent for the first) and stays through reruns.
TAB_KEY = "tab"
RECORD_TAB, LIST_TAB, CADENCE_TAB, TIMELINE_TAB = "Record a check-in", "Check-ins and actions", "Cadence", "Timeline"
TABS = (RECORD_TAB, LIST_TAB, CADENCE_TAB, TIMELINE_TAB)
MEETING_KEYS = ("ci_facilitator", "ci_attendees", "ci_notes", "ci_decisions", "ci_wins", "ci_blockers", "ci_next_on")
ACTION_TEXT, ACTION_OWNER, ACTION_DUE = "act_text_{}", "act_owner_{}", "act_due_{}"
ACTION_KEYS = tuple(key.format(i) for key in (ACTION_TEXT, ACTION_OWNER, ACTION_DUE) for i in range(ACTION_ROWS))
CARRY = "carry_{}"  # the decision on an open action carried over (by action_id)
REVIEW, REVIEW_NOTE, REVIEW_LESSONS = "review_{}", "review_note_{}", "review_lessons_{}"  # by item_id
# The value stream a check-in was about: shown (and sent) only when the organisation has streams.
STREAM_KEY, EDIT_STREAM_KEY = "ci_stream", "edit_stream"
TEXTS = (("notes", "Notes"), ("decisions", "Decisions"), ("wins", "Wins and lessons to celebrate"),
         ("blockers", "Blockers"))  # a check-in's free-text fields and their titles


def empty_form(state: Mapping[str, Any]) -> dict[str, Any]:
    """The record form's values after a save: the meeting and new actions blank, and every carry-over
    decision and review note still in `state` back at its start (kept, nothing written)."""
    values: dict[str, Any] = {key: None if key == "ci_next_on" or key.startswith("act_due_") else ""
                              for key in (*MEETING_KEYS, *ACTION_KEYS)}
    for key in state:
        if key.startswith(("review_note_", "review_lessons_")):
            values[key] = ""
        elif key.startswith(("carry_", "review_")):
            values[key] = KEEP
    return values


def without_actions_of(actions: pd.DataFrame, checkin_id: str | None) -> pd.DataFrame:
    """Open actions to carry over, less those agreed at `checkin_id` (the check-in just recorded: its
    actions are new, not carried over)."""
    if not checkin_id or actions.empty:
        return actions
    return actions[actions["checkin_id"] != checkin_id].reset_index(drop=True)


def labelled_listing(listing: pd.DataFrame) -> pd.DataFrame:
    """The list of check-ins with each kind in words."""
    listing = listing.copy()
    listing["kind"] = listing["kind"].map(lambda k: KIND_LABELS.get(k, k))
    return listing


def check_in_choices(listed: list[str], linked: str | None) -> list[str]:
    """The check-ins to open: those listed, and first a linked one that is not among them."""
    return ([linked] if linked and linked not in listed else []) + listed


@dataclass(frozen=True)
class TrackingAction:
    """An action that tracks a backlog item, with the check-in it was agreed at."""

    action_id: str
    checkin_id: str
    held_on: dt.date
    text: str
    status: str


def actions_tracking(db: Database, item_id: str) -> list[TrackingAction]:
    """The check-in actions linked to the backlog item (promoted to it, or tracking it), oldest first."""
    return [TrackingAction(*row) for row in db.rows(
        "SELECT a.action_id, a.checkin_id, c.held_on, a.text, a.status FROM actions a "
        "JOIN checkins c ON c.checkin_id = a.checkin_id WHERE a.item_id = $1 ORDER BY a.action_id", [item_id])]


def department_label(names: Mapping[str, str], department_id: str | None) -> str:
    """A department's name, or the words for a meeting across departments."""
    return names.get(department_id, ACROSS) if department_id else ACROSS


def default_kind(department_id: str | None) -> str:
    """A department meets in a department check-in; a meeting across departments is a steering one."""
    return "department" if department_id else "steering"


def checkin_input(state: Mapping[str, Any], *, held_on: Any, department_id: str | None, kind: str) -> CheckinInput:
    """The record form's meeting fields (the day, department and kind are drawn above the form)."""
    return CheckinInput(held_on=held_on, department_id=department_id, kind=kind,
                        facilitator=state["ci_facilitator"], attendees=state["ci_attendees"], notes=state["ci_notes"],
                        decisions=state["ci_decisions"], wins=state["ci_wins"], blockers=state["ci_blockers"],
                        next_on=state["ci_next_on"], stream_id=state.get(STREAM_KEY) or None)


def action_inputs(state: Mapping[str, Any]) -> list[ActionInput]:
    """Every row of new actions, empty ones included (the command skips them)."""
    return [ActionInput(state[ACTION_TEXT.format(i)], state[ACTION_OWNER.format(i)], state[ACTION_DUE.format(i)])
            for i in range(ACTION_ROWS)]


def carry_decisions(state: Mapping[str, Any], actions: pd.DataFrame) -> dict[str, CarryOverDecision]:
    """The decision on each carried-over action, with the version it was drawn with."""
    return {r.action_id: CarryOverDecision(state[CARRY.format(r.action_id)], int(r.version))
            for r in actions.itertuples()}


def item_reviews(state: Mapping[str, Any], items: pd.DataFrame) -> dict[str, ItemReview]:
    """The decision on each backlog item due for review, with the version it was drawn with."""
    return {r.item_id: ItemReview(state[REVIEW.format(r.item_id)], int(r.version), state[REVIEW_NOTE.format(r.item_id)],
                                  state[REVIEW_LESSONS.format(r.item_id)])
            for r in items.itertuples()}


def recorded_message(result: Recorded, department: str) -> str:
    closed = sum(1 for decision in result.carried.values() if decision != KEEP)
    return (f"Recorded {result.checkin_id} for {department} with {len(result.action_ids)} new action(s); "
            f"{closed} carried-over action(s) or item(s) closed or moved on.")


def promotable(action: Action) -> bool:
    """An open action that does not track a backlog item yet can become one."""
    return action.is_open and not action.item_id


def edit_values(checkin: Checkin) -> dict[str, Any]:
    """The edit form's widget values, filled from the stored check-in."""
    return {"edit_held_on": checkin.held_on, "edit_kind": checkin.kind, "edit_next_on": checkin.next_on,
            "edit_facilitator": checkin.facilitator, "edit_attendees": checkin.attendees,
            EDIT_STREAM_KEY: checkin.stream_id or "", **{f"edit_{name}": getattr(checkin, name) for name, _ in TEXTS}}


def edited_input(state: Mapping[str, Any], checkin: Checkin) -> CheckinInput:
    """What the edit form holds (a check-in keeps its department)."""
    return CheckinInput(state["edit_held_on"], checkin.department_id, state["edit_kind"], state["edit_facilitator"],
                        state["edit_attendees"], next_on=state["edit_next_on"],
                        stream_id=state.get(EDIT_STREAM_KEY, checkin.stream_id) or None,
                        **{name: state[f"edit_{name}"] for name, _ in TEXTS})


def labelled_timeline(events: pd.DataFrame) -> pd.DataFrame:
    """The timeline with its events and kinds in words (a kind without a label stays as it is)."""
    events["event"] = events["event"].map(EVENTS)
    events["kind"] = events["kind"].map(lambda k: KIND_LABELS.get(k, k))
    return events
