"""The value-streams page: its link (?quarter=2026-Q4&stream=VS-1), the list, starting a stream (from a
template or empty) and the stream's own fields (versioned).

Who sees which control follows access/policy.py (StreamScope): champions and admins create streams; the
stream's owner (or an admin or champion) edits it; everybody else reads. The commands check it again.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ..access.people import list_people
from ..access.policy import Permission, StreamScope, allowed
from ..db import Database
from ..models import Actor, EsmError, Quarter
from ..streams import commands, queries, templates
from ..streams.records import KINDS, RULE_WORDS, RULES, Stream, StreamInput
from . import forms
from .cached import read
from .context import MISSING, flash, show_error
from .registry import PAGES
from .text import esc_label

QUARTER_KEY, STREAM_KEY = "vs_quarter", "vs_stream"
_PICK = "_vs_pick"          # a stream just created: chosen on the next run, before the picker is drawn
OVERVIEW = "pages/stream_overview.py"
KIND_WORDS = {"core": "core (value for consumers)", "enabling": "enabling (serves internal customers)"}
WHAT_IS_A_STREAM = ("A value stream is the series of steps that turns a demand (the trigger, such as \"offer "
                    "accepted\") into an outcome (\"new hire productive on day one\"). Each step is owned by one "
                    "department; where the owner changes, work is handed off. The stream's maturity comes from the "
                    "departments' own scores: nobody scores a stream twice.")


# --- the link: quarter and stream ------------------------------------------------------------------

def quarter_options(current: Quarter) -> list[str]:
    """Two years back to a year ahead, newest first."""
    return [str(current.shift(n)) for n in range(4, -9, -1)]


def pick_quarter(current: Quarter) -> Quarter:
    options = quarter_options(current)
    if QUARTER_KEY not in st.session_state and st.query_params.get("quarter") in options:
        st.session_state[QUARTER_KEY] = st.query_params["quarter"]
    if st.session_state.get(QUARTER_KEY) not in options:
        st.session_state[QUARTER_KEY] = str(current)
    chosen = st.selectbox("Quarter", options, key=QUARTER_KEY,
                          format_func=lambda q: f"{q} (this quarter)" if q == str(current) else q)
    _write("quarter", None if chosen == str(current) else chosen)
    return Quarter.parse(chosen)


def pick_stream(frame: pd.DataFrame) -> str | None:
    """The chosen stream (from a creation just made, the link, or the first), kept valid and in the URL."""
    options = list(frame["stream_id"])
    labels = dict(zip(frame["stream_id"], frame["name"]))
    if st.session_state.get(_PICK) in options:
        st.session_state[STREAM_KEY] = st.session_state.pop(_PICK)
    elif STREAM_KEY not in st.session_state and st.query_params.get("stream") in options:
        st.session_state[STREAM_KEY] = st.query_params["stream"]
    if not options:
        _write("stream", None)
        return None
    if st.session_state.get(STREAM_KEY) not in options:
        st.session_state[STREAM_KEY] = options[0]
    chosen = st.selectbox("Value stream", options, key=STREAM_KEY, format_func=lambda k: f"{labels[k]} ({k})")
    _write("stream", chosen)
    return chosen


def _write(name: str, value: str | None) -> None:
    if value is None:
        if name in st.query_params:
            del st.query_params[name]
    elif st.query_params.get(name) != value:
        st.query_params[name] = value


def overview_link(stream_id: str) -> None:
    """A link to the sponsor overview, once that page exists and is registered."""
    root = Path(__file__).resolve().parents[2]
    if (root / OVERVIEW).exists() and any(p.path == OVERVIEW for p in PAGES):
        st.page_link(OVERVIEW, label="Sponsor overview of this stream", icon=":material/insights:",
                     query_params={"stream": stream_id})


# --- who may do what -------------------------------------------------------------------------------

def scope(stream: Stream, receiving: str | None = None) -> StreamScope:
    return StreamScope(stream.stream_id, stream.owner, stream.champion, receiving)


def may_create(actor: Actor) -> bool:
    return allowed(actor, Permission.streams, stream=StreamScope())


def may_define(actor: Actor, stream: Stream) -> bool:
    return allowed(actor, Permission.streams, stream=scope(stream))


def may_record_flow(actor: Actor, stream: Stream) -> bool:
    return allowed(actor, Permission.flow, stream=scope(stream))


# --- the list --------------------------------------------------------------------------------------

def stream_list(db: Database, quarter: Quarter, retired: bool = False) -> pd.DataFrame:
    """The streams of the quarter as a table (name, kind, owner, champion, steps, departments, warnings,
    roll-up rule; with `retired`, the retired streams too, marked); returns the frame the page picks from."""
    frame = read(db, queries.streams_frame, str(quarter), retired)
    if frame.empty:
        return frame
    shown = frame.assign(
        warnings=[len(read(db, queries.warnings, k, str(quarter))) for k in frame["stream_id"]],
        rule=[RULE_WORDS.get(r, r) for r in frame["rollup_rule"]],
        status=["active" if a else "retired" for a in frame["active"]])
    columns = ["stream_id", "name", "kind", "owner", "champion", "steps", "departments", "handoffs", "warnings",
               "rule"] + (["status"] if retired else [])
    st.dataframe(shown[columns], hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"stream_id": "Key", "name": "Value stream", "kind": "Kind", "owner": "Owner",
                                "champion": "Champion", "steps": "Steps", "departments": "Departments",
                                "handoffs": "Hand-offs", "warnings": "Warnings", "rule": "Roll-up rule",
                                "status": "Status"})
    return frame


def empty_state(creator: bool) -> None:
    st.info(WHAT_IS_A_STREAM + (" Start from a template below, or with an empty stream." if creator else
                                " No value stream is defined yet; a champion or an admin starts the first one."),
            icon=":material/conversion_path:")


# --- starting a stream -----------------------------------------------------------------------------

def _chosen(saved, verb: str) -> str:
    st.session_state[_PICK] = saved.stream_id
    return f"{verb} value stream {saved.stream_id}."


def template_form(db: Database, actor: Actor, names: dict[str, str], quarter: Quarter) -> None:
    """Pick a template, name it, assign an owning department to each of its steps, create."""
    key = st.selectbox("Template", list(templates.TEMPLATES), key="vs_template",
                       format_func=lambda k: templates.TEMPLATES[k].name)
    template = templates.TEMPLATES[key]
    if st.session_state.get("_vs_template_seen") != key:     # a new template: its name and no owners yet
        st.session_state["vs_template_name"] = template.name
        for i in range(len(template.steps)):
            st.session_state[f"vs_template_dept_{i}"] = None
        st.session_state["_vs_template_seen"] = key
    options = [None, *names]
    with st.form("vs_template_form", border=False):
        name = st.text_input("Name", key="vs_template_name")
        st.caption("Who owns each step? Each step has exactly one owning department (you can change it later).")
        owners = [st.selectbox(f"Step {i}: {step}", options, key=f"vs_template_dept_{i - 1}",
                               format_func=lambda d: "not assigned yet" if d is None else names[d])
                  for i, (step, _) in enumerate(template.steps, start=1)]
        create = st.form_submit_button("Create from the template", type="primary", key="vs_template_create",
                                       icon=":material/add_circle:")
    if create:
        _create(lambda: templates.create_from_template(db, actor, key, owners, name=name, from_quarter=quarter))


def empty_form(db: Database, actor: Actor, quarter: Quarter) -> None:
    with st.form("vs_empty_form", border=False):
        name = st.text_input("Name", key="vs_empty_name", placeholder="e.g. Order to delivery")
        create = st.form_submit_button("Create an empty stream", key="vs_empty_create", icon=":material/add:")
    if create:
        _create(lambda: commands.create_stream(db, actor, StreamInput(name=name), from_quarter=quarter))


def _create(work) -> None:
    try:
        saved = work()
    except EsmError as err:
        show_error(err)
        return
    flash(_chosen(saved, "Created"))


# --- the stream's own fields -----------------------------------------------------------------------

def _people(db: Database, stream: Stream) -> tuple[list[str], dict[str, str]]:
    people = {p.email: p.name for p in list_people(db) if p.active}
    for email in (stream.owner, stream.champion):   # someone no longer active stays visible
        if email and email not in people:
            people[email] = ""
    return ["", *people], people


def define_form(db: Database, actor: Actor, stream: Stream) -> None:
    """The stream's fields, filled once with the version the person saw; saved with that version."""
    seen = forms.load_record("stream", stream.stream_id, stream.version, {
        "vs_name": stream.name, "vs_kind": stream.kind, "vs_trigger": stream.trigger, "vs_outcome": stream.outcome,
        "vs_consumer": stream.consumer, "vs_description": stream.description, "vs_owner": stream.owner or "",
        "vs_champion": stream.champion or "", "vs_rule": stream.rollup_rule, "vs_retired": not stream.active})
    emails, people = _people(db, stream)
    who = lambda e: "nobody yet" if not e else (f"{people[e]} ({e})" if people.get(e) else e)   # noqa: E731
    with st.form("vs_define_form"):
        name = st.text_input("Name", key="vs_name")
        left, right = st.columns(2)
        kind = left.selectbox("Kind", list(KINDS), key="vs_kind", format_func=KIND_WORDS.get)
        rule = right.selectbox("Roll-up rule", list(RULES), key="vs_rule", format_func=RULE_WORDS.get)
        trigger = left.text_input("Trigger (the demand that starts it)", key="vs_trigger")
        outcome = right.text_input("Outcome (the value at its end)", key="vs_outcome")
        consumer = left.text_input("Consumer", key="vs_consumer")
        owner = right.selectbox("Owner", emails, key="vs_owner", format_func=who)
        champion = left.selectbox("Champion (records the flow check-in)", emails, key="vs_champion", format_func=who)
        description = st.text_area("Description", key="vs_description")
        retired = st.checkbox("Retired: kept with its history, left out of the overview, the portfolio and the pack",
                              key="vs_retired")
        save = st.form_submit_button("Save the stream", type="primary", key="vs_define_save", icon=":material/save:")
    if save:
        data = StreamInput(name=name, kind=kind, trigger=trigger, outcome=outcome, consumer=consumer,
                           description=description, owner=owner or None, champion=champion or None,
                           rollup_rule=rule, active=not retired)
        saved_ok(lambda: commands.update_stream(db, actor, stream.stream_id, data, expected_version=seen),
                 "stream", f"Saved {name}.")
    forms.offer_reload("stream", key="vs_define_reload")


def saved_ok(work, scope_name: str, done: str) -> None:
    """forms.save, and on success every form of the stream reloads (its version moved on)."""
    forms.save(scope_name, lambda: _then_forget(work), done)


def _then_forget(work):
    result = work()
    for name in ("stream", "steps"):
        forms.forget(name)
    return result


def define_view(stream: Stream) -> None:
    """The stream's fields, read-only."""
    rows = [("Kind", KIND_WORDS.get(stream.kind, stream.kind)), ("Trigger", stream.trigger),
            ("Outcome", stream.outcome), ("Consumer", stream.consumer), ("Owner", stream.owner),
            ("Champion", stream.champion), ("Roll-up rule", RULE_WORDS.get(stream.rollup_rule, stream.rollup_rule)),
            ("Description", stream.description)]
    st.dataframe(pd.DataFrame(rows, columns=["field", "value"]).replace({"": None}), hide_index=True,
                 placeholder=MISSING, width="stretch", column_config={"field": "", "value": "Value"})


def heading(stream: Stream) -> None:
    st.subheader(f"{esc_label(stream.name)} ({stream.stream_id})", anchor=False)
