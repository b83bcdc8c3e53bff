"""The backlog's two item forms: adding an improvement, and one improvement in full.

The add form can be opened from a maturity gap on the assessment page: the link
(?new=1&department=HR&dimension=roles&title=...&source=assessment&source_ref=2026-Q3/HR/roles) fills it
once; a successful add drops those parameters and opens the new item (?item=CI-0061).

An item opened (?item=) shows in a dialog over the page, wide enough for every field, wherever the
person has scrolled to: its edit form, the check-in actions it came from or that track it (links to
them), where it is a lever of value streams, and its history.

When the organisation has value streams, both forms offer the stream the item lifts and one of that
stream's steps valid this quarter. The two choices sit just above the form (a form's widgets do not
rerun the page), so the steps follow the stream chosen; the save sends them with the rest.

The edit form is a versioned form (ui.forms): filled from the item once, saved with the version the
person saw. Closing the dialog closes the item (and forgets unsaved edits).
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from ..backlog import queries
from ..backlog.commands import add_item, get_item, update_item
from ..backlog.fields import (EFFORTS, form_fields, form_values, FORM_FIELDS, link_fields, link_values, SOURCES,
                              status_choices, with_current)
from ..checkins import screen as checkin_screen
from ..db import Database
from ..limits import LIMITS
from ..models import Actor, EsmError, Quarter
from ..streams.queries import list_streams, steps_in
from ..streams.rollup import department_levers
from . import forms, item_history
from .cached import read
from .context import show_error, show_flash
from .text import esc, esc_label
from .trend_view import keep_valid

SCOPE = "item"  # the edit form's scope in ui.forms
STATUS_HELP = ("Accepting needs an owner and a dimension; on hold and withdrawn need a reason; closing needs the "
               "outcome and lessons learned.")
_LINK_MARKER, _GAP_LINK = "bl_new_loaded", ("department", "dimension", "title", "source_ref")
_SHORT = {"department_id": "department", "dimension_id": "dimension", "due_on": "due"}


def _keys(prefix: str, names: tuple[str, ...]) -> dict[str, str]:
    """Each field's widget key: item_title, item_department, new_due..."""
    return {name: prefix + _SHORT.get(name, name) for name in names}


EDIT_KEYS = _keys("item_", FORM_FIELDS)
NEW_KEYS = _keys("new_", ("title", "description", "department_id", "dimension_id", "source", "value", "effort",
                          "owner", "due_on"))
_CLEARED = ("new_title", "new_description", "new_value", "new_effort", "new_owner", "new_due", "new_stream",
            "new_step")  # after an add


def from_gap() -> bool:
    """Was the page opened to add an improvement for a maturity gap (?new=1)?"""
    return st.query_params.get("new") == "1"


def prefill_new(departments: dict[str, str], dims: dict[str, str], department_id: str | None) -> None:
    """Before the add form: fill it from a gap's link (once per link); else start in the filtered department."""
    params = st.query_params
    marker = tuple(params.get(name) for name in _GAP_LINK)
    if from_gap() and st.session_state.get(_LINK_MARKER) != marker:
        st.session_state["new_department"] = params.get("department") if params.get("department") in departments \
            else next(iter(departments))
        st.session_state["new_dimension"] = params.get("dimension") if params.get("dimension") in dims else ""
        st.session_state["new_title"] = params.get("title", "")
        st.session_state["new_source"] = params.get("source") if params.get("source") in SOURCES else "staff idea"
        st.session_state[_LINK_MARKER] = marker
    st.session_state.setdefault("new_department", department_id or next(iter(departments)))
    st.session_state.setdefault("new_source", "staff idea")


def new_fields(with_links: bool = False) -> dict:
    """The add form's values as the new item's fields (with the gap it came from, if any, and the value
    stream and step when the form offered them)."""
    fields = form_fields({name: st.session_state[key] for name, key in NEW_KEYS.items()})
    fields["source_ref"] = st.query_params.get("source_ref") if from_gap() else None
    if with_links:
        fields.update(link_fields(st.session_state.get("new_stream"), st.session_state.get("new_step")))
    return fields


# --- value streams: the stream an item lifts, one of its steps, and where its department is the lever -------

def stream_names(db: Database) -> dict[str, str]:
    """The active value streams, key -> name, by name (empty: the organisation has none)."""
    return {s.stream_id: s.name for s in read(db, list_streams)}


def stream_fields(db: Database, prefix: str, streams: dict[str, str], stored: dict | None = None) -> None:
    """The "Value stream" and "Step" choices (keys `<prefix>stream`, `<prefix>step`): none or an active
    stream (and the item's own, retired or not), then one of that stream's steps valid this quarter (and the
    item's own step of an earlier quarter). Outside a form, so the steps follow the stream at once."""
    stored = stored or {"stream_id": None, "step_id": None}
    stream_key, step_key = prefix + "stream", prefix + "step"
    options = with_current([""] + list(streams), stored["stream_id"])
    keep_valid(stream_key, options, "")
    cols = st.columns(2)
    chosen = cols[0].selectbox("Value stream", options, key=stream_key,
                               format_func=lambda k: streams.get(k, k) if k else "(none)",
                               help="The value stream this improvement lifts, if any")
    steps = {s.step_id: f"{s.position}. {s.name}" for s in read(db, steps_in, chosen, Quarter.current())} \
        if chosen else {}
    own = stored["step_id"] if chosen and chosen == stored["stream_id"] else None
    step_options = with_current([""] + list(steps), own)
    keep_valid(step_key, step_options, "")
    cols[1].selectbox("Step", step_options, key=step_key, disabled=not chosen,
                      format_func=lambda k: steps.get(k, f"{k} (not a step this quarter)") if k else "(any step)",
                      help="One of the stream's steps this quarter (optional)")


def lever_line(db: Database, item: dict) -> str | None:
    """"Lever in 2 value streams: A, B" when the item's department is at the floor of streams this quarter on
    the item's dimension (escaped for Markdown); None otherwise."""
    if not item.get("dimension_id"):
        return None
    levers = read(db, department_levers, item["department_id"], Quarter.current())
    names = list(dict.fromkeys(levers.loc[levers["dimension_id"] == item["dimension_id"], "stream"]))
    if not names:
        return None
    return (f"**Lever in {len(names)} value stream{'s' if len(names) != 1 else ''}:** "
            + ", ".join(esc(n) for n in names) + ". Its department is at the floor of "
            + ("this stream" if len(names) == 1 else "these streams") + " on this dimension this quarter: "
            "lifting it lifts " + ("it" if len(names) == 1 else "them") + ". The suggested priority does not "
            "count this; weigh it in.")


def add(work: Callable[[], str]) -> None:
    """The add form's button: run `work` (the add command, returning the new key) as a form save; on
    success empty the form, open the new item and rerun with the news; on an error show it."""
    forms.save("new_item", lambda: _opened(work()), lambda item_id: f"Added {item_id}.")


def _opened(item_id: str) -> str:
    """After an add: the form is empty again and the link opens the new item instead of the gap."""
    for key in _CLEARED:
        st.session_state.pop(key, None)
    for name in ("new", "title", "source", "source_ref"):
        st.query_params.pop(name, None)
    st.query_params["item"] = item_id
    return item_id


def load(item_id: str, item: dict) -> int:
    """Before the edit form: fill it from the item the first time it is shown; the version seen then."""
    return forms.load_record(SCOPE, item_id, item["version"],
                             {**{EDIT_KEYS[name]: value for name, value in form_values(item).items()},
                              **{"item_stream": link_values(item)["stream_id"],
                                 "item_step": link_values(item)["step_id"]}})


def changes(with_links: bool = False) -> dict:
    """The edit form's values as the item's changed fields (with the stream and step when the form offered
    them)."""
    fields = form_fields({name: st.session_state[key] for name, key in EDIT_KEYS.items()})
    if with_links:
        fields.update(link_fields(st.session_state.get("item_stream"), st.session_state.get("item_step")))
    return fields


def headline(item_id: str, item: dict) -> str:
    """The edit form's first line: key, who raised it and when, and when it closed."""
    return (f"**{esc(item_id)}** · raised on {item['raised_on']} by {esc(item['raised_by'] or 'unknown')}"
            + (f" · closed on {item['closed_on']}" if item["closed_on"] else ""))


def value_and_effort(where: list, prefix: str) -> None:
    """The value and effort choices (blank: not rated, not sized) in the first two of `where`."""
    where[0].selectbox("Value", ["", 1, 2, 3, 4, 5], key=f"{prefix}value",
                       format_func=lambda v: str(v) if v else "not rated")
    where[1].selectbox("Effort", [""] + list(EFFORTS), key=f"{prefix}effort",
                       format_func=lambda v: v if v else "not sized")


def add_form(db: Database, actor: Actor, departments: dict[str, str], dims: dict[str, str],
             department_id: str | None) -> None:
    """The add form in its expander (open when the page came from a maturity gap)."""
    with st.expander("Add an improvement", icon=":material/add_circle:", expanded=from_gap()):
        prefill_new(departments, dims, department_id)
        streams = stream_names(db)
        if streams:   # an organisation without value streams sees the form as it always was
            stream_fields(db, "new_", streams)
        with st.form("add_item", border=False):
            st.text_input("Title", key="new_title", max_chars=LIMITS["backlog_item"]["title"],
                          placeholder="What will improve, in a few words")
            st.text_area("Description", key="new_description", height=80)
            row = st.columns(3)
            row[0].selectbox("Department", list(departments), key="new_department", format_func=departments.get)
            row[1].selectbox("Dimension", [""] + list(dims), key="new_dimension",
                             format_func=lambda k: dims.get(k, "(decide later)"))
            row[2].selectbox("Source", list(SOURCES), key="new_source")
            row = st.columns(4)
            value_and_effort(row, "new_")
            row[2].text_input("Owner", key="new_owner", max_chars=LIMITS["backlog_item"]["owner"])
            forms.date_field(row[3], "Due", "new_due", value=None)
            if st.form_submit_button("Add to the backlog", key="add_item_submit", icon=":material/add:"):
                add(lambda: add_item(db, actor, **new_fields(bool(streams))))


def _closed() -> None:
    """The dialog was closed: the item with it (the link's ?item= goes, the picker follows), unsaved edits too."""
    st.query_params.pop("item", None)
    forms.forget(SCOPE)


@st.dialog("Improvement details", width="large", on_dismiss=_closed)
def details(db: Database, actor: Actor, chosen: str, departments: dict[str, str], dims: dict[str, str],
            can_edit: bool) -> None:
    """One improvement in full, over the page: the news of its last save, the edit form, its links to
    check-in actions and its history."""
    show_flash()
    try:
        item = get_item(db, chosen)
    except EsmError as err:
        show_error(err)
        return
    seen = load(chosen, item)
    st.markdown(headline(chosen, item))
    streams = stream_names(db)
    linked = bool(streams) or bool(item["stream_id"])   # a link to a stream since retired stays visible
    if linked:
        lever = lever_line(db, item)
        if lever:
            st.markdown(lever)
        stream_fields(db, "item_", streams, item)
    _edit_form(db, actor, chosen, item, seen, departments, dims, can_edit, linked)
    forms.offer_reload(SCOPE, key="item_reload")
    _linked_actions(db, chosen)
    item_history.show(queries.status_history(db, chosen), queries.item_changes(db, chosen))


def _edit_form(db: Database, actor: Actor, chosen: str, item: dict, seen: int, departments: dict[str, str],
               dims: dict[str, str], can_edit: bool, linked: bool = False) -> None:
    with st.form("edit_item", border=False):
        st.text_input("Title", key="item_title", max_chars=LIMITS["backlog_item"]["title"])
        st.text_area("Description", key="item_description", height=80)
        row = st.columns(3)
        row[0].selectbox("Status", status_choices(item["status"]), key="item_status", help=STATUS_HELP)
        row[1].selectbox("Department", with_current(list(departments), item["department_id"]),
                         key="item_department", format_func=lambda k: departments.get(k, k))
        row[2].selectbox("Dimension", with_current([""] + list(dims), item["dimension_id"]), key="item_dimension",
                         format_func=lambda k: dims.get(k, k or "(not set)"))
        row = st.columns(4)
        row[0].text_input("Owner", key="item_owner", max_chars=LIMITS["backlog_item"]["owner"])
        value_and_effort(row[1:], "item_")
        forms.date_field(row[3], "Due", "item_due")
        row = st.columns([1, 2])
        row[0].selectbox("Source", list(SOURCES), key="item_source")
        row[1].text_input("Reason (on hold, rejected, withdrawn)", key="item_status_reason",
                          max_chars=LIMITS["backlog_item"]["status_reason"])
        row = st.columns(2)
        row[0].text_area("Outcome: benefit realised", key="item_outcome", height=80)
        row[1].text_area("Lessons learned", key="item_lessons", height=80)
        if st.form_submit_button("Save item", key="item_save", type="primary", icon=":material/save:",
                                 disabled=not can_edit):
            forms.save(SCOPE, lambda: update_item(db, actor, chosen, changes(linked), seen), f"Saved {chosen}.")


def _linked_actions(db: Database, item_id: str) -> None:
    """The check-in actions this item came from or that track it, each a link to its check-in."""
    found = checkin_screen.actions_tracking(db, item_id)
    if not found:
        return
    st.markdown("**Check-in actions**")
    for action in found:
        st.page_link("pages/checkins.py", icon=":material/groups:",
                     label=f"{action.action_id} · {esc_label(action.text)} ({action.status}; agreed at "
                           f"{action.checkin_id} on {action.held_on})",
                     query_params={"checkin": action.checkin_id, checkin_screen.TAB_KEY: checkin_screen.LIST_TAB})
