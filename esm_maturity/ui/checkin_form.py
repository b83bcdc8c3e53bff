"""The form that records a check-in: the department (first from ?department=), kind, day and
facilitator above it (the facilitator follows the department's champion until someone types another
name), then the carry-over it decides on, the meeting, the new actions, and its save.

The carry-over is kept as it was drawn (forms.as_seen, scope "carry"): each decision is sent with
the version its row was drawn with, so a row someone else changed meanwhile is refused, not skipped.
After a save the next run empties the form by setting each field (a key merely dropped would leave the
old text in the browser, ready to be saved twice), and the actions just agreed are not offered as
carried over.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ..access import Permission, allowed
from ..checkins import screen
from ..checkins.commands import record_checkin
from ..checkins.queries import CarryOver, carry_over
from ..checkins.records import DECISIONS, KIND_LABELS, KINDS, Recorded
from ..db import Database
from ..models import Actor, Role
from ..backlog.fields import with_current
from . import forms
from .text import esc
from .trend_view import keep_valid

SCOPE = "carry"
_CHAMPION = "ci_facilitator_champion"   # the champion last put in the facilitator field
_CLEAR, _RECORDED = "ci_clear", "ci_recorded"   # after a save: empty the form; what was recorded, where


def department_field(where: Any, names: dict[str, str], actor: Actor) -> str | None:
    """The department met (None: a meeting across departments); the link's ?department= picks it first.
    A department rep records check-ins of their own departments only."""
    options, first = [""] + list(names), 1
    if actor.role is Role.department:
        options, first = [k for k in names if allowed(actor, Permission.checkin, k)], 0
    wanted = st.query_params.get("department", "")
    first = options.index(wanted) if wanted and wanted in options else min(first, len(options) - 1)
    return where.selectbox("Department", options, index=first,
                           format_func=lambda k: names.get(k, "Across departments (steering)"),
                           key="ci_department") or None


def kind_field(where: Any, department_id: str | None) -> str:
    """The kind of meeting, one choice for departments and one across them (each keeps its own)."""
    return where.selectbox("Kind", KINDS, index=KINDS.index(screen.default_kind(department_id)),
                           format_func=KIND_LABELS.get, key=f"ci_kind_{'dept' if department_id else 'across'}")


def empty_after_save() -> None:
    """First on the record tab: after a save, every field of the form back to empty (the day, department
    and kind stay)."""
    if st.session_state.pop(_CLEAR, False):
        for key, value in screen.empty_form(st.session_state).items():
            st.session_state[key] = value


def facilitator_field(where: Any, champion: str) -> str:
    """The facilitator: the department's champion, following the department, unless a name was typed."""
    state, shown = st.session_state, st.session_state.get("ci_facilitator")
    if shown != champion and shown in (None, "", state.get(_CHAMPION)):   # nobody typed a name: follow
        state["ci_facilitator"] = champion
    state[_CHAMPION] = champion
    return where.text_input("Facilitator", key="ci_facilitator",
                            help="The department's champion, unless you type who facilitated")


def seen_carry_over(db: Database, department_id: str | None, held_on: Any, today: Any) -> CarryOver:
    """The open actions and items due that the form decides on, as first drawn for this department and day
    (without the actions of the check-in just recorded here: they are new, not carried over)."""
    recorded = st.session_state.get(_RECORDED)
    just_recorded = recorded[0] if recorded and recorded[1:] == (department_id, held_on) else None

    def load() -> CarryOver:
        found = carry_over(db, department_id, held_on or today)
        return CarryOver(screen.without_actions_of(found.actions, just_recorded), found.items)

    return forms.as_seen(SCOPE, (department_id, held_on, just_recorded), load)


def carry_over_fields(carry: CarryOver, department: str) -> None:
    """Inside the form: a decision on each open action and each backlog item due for review."""
    if carry.empty:
        st.caption(f"Nothing carries over: no open actions from earlier check-ins of {esc(department)}"
                   " and no backlog items due for review.")
    if not carry.actions.empty:
        _open_actions(carry.actions)
    if not carry.items.empty:
        _items_due(carry.items)


def _open_actions(actions: pd.DataFrame) -> None:
    st.subheader("Carried over: open actions", anchor=False)
    st.caption("Decide each one: kept stays open, done and dropped close it on the day of this check-in.")
    for row in actions.itertuples():
        left, right = st.columns([3, 2])
        late = " · **overdue**" if row.overdue else ""
        left.markdown(f"{esc(row.text)}  \n{row.action_id} · {esc(row.owner or 'no owner')} · due "
                      f"{row.due_on or '—'}{late} · from {row.checkin_id} ({row.held_on})")
        right.radio("Decision", DECISIONS, horizontal=True, key=screen.CARRY.format(row.action_id),
                    label_visibility="collapsed")


def _items_due(items: pd.DataFrame) -> None:
    st.subheader("Backlog items due for review", anchor=False)
    st.caption("Done moves an item on (in progress → measuring, measuring → closed: give the outcome and "
               "lessons); dropped withdraws it (the note is the reason).")
    for row in items.itertuples():
        cols = st.columns([3, 2, 2, 2])
        cols[0].markdown(f"{row.item_id} · {esc(row.title)}  \n{esc(row.status)} · due {row.due_on or '—'}"
                         f" · {esc(row.owner or 'no owner')}")
        cols[1].radio("Decision", DECISIONS, horizontal=True, key=screen.REVIEW.format(row.item_id),
                      label_visibility="collapsed")
        cols[2].text_input("Outcome or reason", key=screen.REVIEW_NOTE.format(row.item_id))
        cols[3].text_input("Lessons (to close)", key=screen.REVIEW_LESSONS.format(row.item_id))


def meeting(streams: dict[str, str] | None = None) -> None:
    """Inside the form: who met, what was said and decided, and when the next check-in is; with value
    streams (key -> name), the stream the meeting was about."""
    st.subheader("The meeting", anchor=False)
    cols = st.columns([3, 1, 2] if streams else [3, 1])
    cols[0].text_input("Attendees", key="ci_attendees", placeholder="Comma-separated names")
    forms.date_field(cols[1], "Next check-in", "ci_next_on", value=None)
    if streams:
        stream_field(cols[2], streams, screen.STREAM_KEY)
    st.text_area("Notes", key="ci_notes", height=120, help="Plain text; lines starting with '- ' become a bullet list.")
    cols = st.columns(3)
    cols[0].text_area("Decisions", key="ci_decisions", height=100)
    cols[1].text_area("Wins and lessons to celebrate", key="ci_wins", height=100)
    cols[2].text_area("Blockers", key="ci_blockers", height=100)


def stream_field(where: Any, streams: dict[str, str], key: str, current: str | None = None) -> None:
    """The value stream a check-in was about: none, or an active stream (and its own, retired or not)."""
    options = with_current([""] + list(streams), current)
    keep_valid(key, options, "")
    where.selectbox("Value stream", options, key=key, format_func=lambda k: streams.get(k, k) if k else "(none)",
                    help="The value stream this meeting was about, if any")


def new_actions() -> None:
    """Inside the form: rows for the actions agreed (an empty row is skipped)."""
    st.subheader("New actions", anchor=False)
    st.caption("Leave a row empty to skip it.")
    for i in range(screen.ACTION_ROWS):
        shown = "visible" if i == 0 else "collapsed"
        cols = st.columns([4, 2, 1.3])
        cols[0].text_input(f"Action {i + 1}", key=screen.ACTION_TEXT.format(i), placeholder="What will be done",
                           label_visibility=shown)
        cols[1].text_input("Owner", key=screen.ACTION_OWNER.format(i), label_visibility=shown)
        forms.date_field(cols[2], "Due", screen.ACTION_DUE.format(i), value=None, label_visibility=shown)


def record(db: Database, actor: Actor, carry: CarryOver, *, held_on: Any, department_id: str | None, kind: str,
           department: str) -> None:
    """Save what the form holds; on success empty the form and open the new check-in in the list."""
    state = st.session_state
    data = screen.checkin_input(state, held_on=held_on, department_id=department_id, kind=kind)
    actions = screen.action_inputs(state)
    decisions = screen.carry_decisions(state, carry.actions)
    reviews = screen.item_reviews(state, carry.items)

    def recorded(result: Recorded) -> str:
        state[_CLEAR] = True
        state[_RECORDED] = (result.checkin_id, department_id, held_on)
        state[screen.OPEN_KEY] = result.checkin_id
        return screen.recorded_message(result, department)

    forms.save(SCOPE, lambda: record_checkin(db, actor, data, actions, decisions, reviews), recorded)


def reload_carry_over() -> None:
    """After a refused save: load the open actions and items again, keeping the rest of the form."""
    forms.offer_reload(SCOPE, label="Load the open actions and items again (the rest of the form stays)")
