"""The list of check-ins and the one opened from it: what was said, its actions with their buttons
(and a link to the backlog item an action tracks), a form to add an action and the edit form. The
check-in opened is in the URL (?checkin=), so a link (from a backlog item) opens it.

Each action button carries the version of the action as it was drawn (callback arguments), so a
click on an action someone else changed meanwhile is refused, never applied to their version. The
edit form keeps the version the person saw (forms.load_record, scope "checkin").
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..access import Permission, allowed
from ..backlog.commands import get_item
from ..checkins import queries, screen
from ..checkins.commands import add_action, promote_action, set_action_status, update_checkin
from ..checkins.records import KIND_LABELS, KINDS, Action, ActionInput, Checkin
from ..db import Database
from ..models import Actor, EsmError
from . import forms
from .checkin_form import stream_field
from .context import MISSING
from .item_form import stream_names
from .text import esc, esc_label
from .trend_view import keep_valid

SCOPE = "checkin"
_OPEN_URL = "ci_open_url"   # the ?checkin= the picker last followed


def safe_markdown(text: str) -> str:
    """User text as Markdown that can only make bullet lists and line breaks: everything else is escaped."""
    lines = []
    for line in str(text).splitlines():
        bullet = line.lstrip().startswith(("- ", "* "))
        lines.append("- " + esc(line.lstrip()[2:]) if bullet else esc(line) + "  ")
    return "\n".join(lines)


def listing_table(listing: pd.DataFrame) -> None:
    shown = screen.labelled_listing(listing)[["checkin_id", "held_on", "department", "kind", "facilitator", "actions",
                                              "open_actions", "next_on", "notes"]]
    st.dataframe(shown, hide_index=True, placeholder=MISSING, width="stretch", height=260,
                 column_config={"checkin_id": "Check-in", "held_on": st.column_config.DateColumn("Held on"),
                                "department": "Department", "kind": "Kind", "facilitator": "Facilitator",
                                "actions": "Actions", "open_actions": "Open",
                                "next_on": st.column_config.DateColumn("Next"), "notes": "Notes"})


def choose(listing: pd.DataFrame, filtered: bool) -> str:
    """The check-in to open: a newly followed link's (?checkin=), else the one open before, else the newest
    listed. Unless the list is filtered, a linked check-in older than the list is offered too. The link
    then follows the picker."""
    linked = st.query_params.get("checkin", "")
    ids = list(listing["checkin_id"]) if filtered else screen.check_in_choices(list(listing["checkin_id"]), linked)
    arrived = screen.OPEN_KEY not in st.session_state   # a fresh visit to the page: the link decides
    if linked in ids and (arrived or linked != st.session_state.get(_OPEN_URL)):
        st.session_state[screen.OPEN_KEY] = linked
    keep_valid(screen.OPEN_KEY, ids, ids[0])
    rows = {r.checkin_id: r for r in listing.itertuples()}
    chosen = st.selectbox("Open a check-in", ids, key=screen.OPEN_KEY,
                          format_func=lambda k: f"{k} · {rows[k].held_on} · {rows[k].department}" if k in rows else k)
    st.session_state[_OPEN_URL] = chosen
    st.query_params["checkin"] = chosen
    return chosen


def summary(checkin: Checkin, department: str) -> None:
    """What the meeting was, who met, and what they said."""
    st.subheader(f"{checkin.checkin_id} · {esc_label(KIND_LABELS[checkin.kind])} · {esc_label(department)} · "
                 f"{checkin.held_on}", anchor=False)
    st.caption(f"Facilitator: {esc(checkin.facilitator or '—')} · Attendees: {esc(checkin.attendees or '—')} · "
               f"Next check-in: {checkin.next_on or 'not set'}"
               + (f" · Value stream: {esc(checkin.stream_id)}" if checkin.stream_id else ""))
    for name, title in screen.TEXTS:
        text = getattr(checkin, name)
        if text:
            st.markdown(f"**{title}**")
            st.markdown(safe_markdown(text))


def actions(db: Database, actor: Actor, checkin: Checkin, names: dict[str, str]) -> None:
    """The check-in's actions, each with its buttons: done, drop or reopen, and to the backlog."""
    st.markdown("**Actions**")
    found = queries.actions_of(db, checkin.checkin_id)
    target_department = checkin.department_id
    if checkin.department_id is None and any(screen.promotable(a) for a in found):
        target_department = st.selectbox("Department for new backlog items", list(names), format_func=names.get,
                                         key="promote_department")
    if not found:
        st.caption("No actions were agreed at this check-in.")

    def mark(action_id: str, version: int, status: str, done: str) -> None:
        forms.run_action(lambda: set_action_status(db, actor, action_id, status, expected_version=version), done)

    def to_backlog(action_id: str, version: int, department: str | None) -> None:
        forms.run_action(lambda: promote_action(db, actor, action_id, expected_version=version,
                                                department_id=department),
                         lambda item_id: f"{action_id} is now the backlog item {item_id} (source: check-in "
                                         f"{checkin.checkin_id}).")

    can_change = allowed(actor, Permission.checkin, checkin.department_id)
    can_promote = allowed(actor, Permission.backlog)
    for action in found:
        cols = st.columns([5, 1, 1, 1.4])
        cols[0].markdown(_action_line(action))
        if action.item_id:
            item_link(cols[0], db, action.item_id)
        key, version = action.action_id, action.version
        if action.is_open:
            cols[1].button("Done", key=f"done_{key}", disabled=not can_change, on_click=mark,
                           args=(key, version, "done", f"{key} is done."))
            cols[2].button("Drop", key=f"drop_{key}", disabled=not can_change, on_click=mark,
                           args=(key, version, "dropped", f"{key} is dropped."))
        else:
            cols[1].button("Reopen", key=f"reopen_{key}", disabled=not can_change, on_click=mark,
                           args=(key, version, "open", f"{key} is open again."))
        if screen.promotable(action):
            cols[3].button("To backlog", key=f"promote_{key}", icon=":material/playlist_add:",
                           disabled=not can_promote,
                           help="Create a backlog item from this action, linked both ways",
                           on_click=to_backlog, args=(key, version, target_department))


def _action_line(action: Action) -> str:
    closed = f" on {action.closed_on}" if action.closed_on else ""
    return (f"{esc(action.text)}  \n{action.action_id} · {esc(action.owner or 'no owner')} · due "
            f"{action.due_on or '—'} · **{action.status}**{closed}")


def item_link(where, db: Database, item_id: str) -> None:
    """A link to the backlog item an action tracks, opened there in full."""
    try:
        title = get_item(db, item_id)["title"]
    except EsmError:   # the item is gone: say so, without a link
        where.caption(f"Tracked {esc(item_id)}, no longer in the backlog")
        return
    where.page_link("pages/backlog.py", label=f"Tracks {esc_label(item_id)} · {esc_label(title)}",
                    query_params={"item": item_id}, icon=":material/playlist_add_check:")


def add_action_form(db: Database, actor: Actor, checkin: Checkin) -> None:
    with st.form("add_action_form", clear_on_submit=True):
        cols = st.columns([4, 2, 1.5, 0.7], vertical_alignment="bottom")
        text = cols[0].text_input("Add an action", key="add_action_text", placeholder="What will be done")
        owner = cols[1].text_input("Owner", key="add_action_owner")
        due = forms.date_field(cols[2], "Due", "add_action_due", value=None)
        if cols[3].form_submit_button("Add", key="add_action",
                                      disabled=not allowed(actor, Permission.checkin, checkin.department_id)):
            forms.save("add_action", lambda: add_action(db, actor, checkin.checkin_id, ActionInput(text, owner, due)),
                       lambda action_id: f"Added {action_id} to {checkin.checkin_id}.")


def edit_form(db: Database, actor: Actor, checkin: Checkin) -> None:
    """The check-in's fields, filled once from the record; the save sends the version seen then."""
    seen = forms.load_record(SCOPE, checkin.checkin_id, checkin.version, screen.edit_values(checkin))
    with st.expander("Edit this check-in", icon=":material/edit:", expanded=forms.in_conflict(SCOPE)), \
            st.form("edit_checkin"):
        cols = st.columns(3)
        forms.date_field(cols[0], "Held on", "edit_held_on")
        cols[1].selectbox("Kind", KINDS, format_func=KIND_LABELS.get, key="edit_kind")
        forms.date_field(cols[2], "Next check-in", "edit_next_on")
        streams = stream_names(db)
        cols = st.columns(3 if streams or checkin.stream_id else 2)
        cols[0].text_input("Facilitator", key="edit_facilitator")
        cols[1].text_input("Attendees", key="edit_attendees")
        if streams or checkin.stream_id:   # a link to a stream since retired stays visible
            stream_field(cols[2], streams, screen.EDIT_STREAM_KEY, checkin.stream_id)
        for name, title in screen.TEXTS:
            st.text_area(title, key=f"edit_{name}", height=90)
        if st.form_submit_button("Save the check-in", key="edit_checkin_save",
                                 disabled=not allowed(actor, Permission.checkin, checkin.department_id)):
            data = screen.edited_input(st.session_state, checkin)
            forms.save(SCOPE, lambda: update_checkin(db, actor, checkin.checkin_id, data, expected_version=seen),
                       f"Saved {checkin.checkin_id}.")
    forms.offer_reload(SCOPE)
