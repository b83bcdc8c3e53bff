"""The flow check-in of a stream and quarter: the figures (one record, versioned), last quarter beside them,
the hand-off quality per boundary (judged by the receiving department), the derived figures, and the open
improvements that name the stream.

Who: the stream's owner or champion (or an admin or champion) records the figures; a hand-off's quality is
also for the receiving department's reps (access/policy.py). The others see the same, read-only.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from ..access.policy import Permission, allowed
from ..db import Database
from ..models import Actor, ConflictError, EsmError, Quarter
from ..streams import flow, queries
from ..streams.records import CONFIDENCES, FLOW_FIELDS, SOURCES, Boundary, FlowInput, FlowRecord, Stream
from . import forms
from .cached import read
from .context import MISSING, flash, show_error
from .stream_forms import scope
from .text import esc, esc_label

LABELS = {"lead_time_days": "Lead time (days)", "process_time_days": "Process time (days)",
          "handoffs": "Hand-offs per item", "rework_pct": "Rework %", "throughput": "Throughput (items done)",
          "wip": "Work in progress", "items": "Items behind the figures", "source": "Source",
          "confidence": "Confidence", "note": "Note", "pct_complete_accurate": "% complete and accurate",
          "wait_days": "Wait (days)"}
WHOLE = {"handoffs", "throughput", "wip", "items"}
HANDOFF_REMINDER = ("The receiving department judges % complete and accurate: the share of what it received "
                    "that it could use as it came, without asking back or correcting it.")


def _key(field: str) -> str:
    return f"vf_{field}"


def show_flow_errors(err: EsmError) -> None:
    """A refused save, each problem named by its field's label."""
    problems = getattr(err, "problems", None)
    if not problems:
        show_error(err)
        return
    for p in problems:
        st.error(esc(f"{LABELS.get(p.field, p.field)}: {p.message}" if p.field else p.message))


def _values(record: FlowRecord | None, derived: int) -> dict[str, Any]:
    def typed(field: str) -> Any:
        value = getattr(record, field) if record else None
        return None if value is None else (int(value) if field in WHOLE else float(value))

    values = {_key(f): typed(f) for f in FLOW_FIELDS}
    if record is None:
        values[_key("handoffs")] = derived
    values[_key("source")] = record.source if record else SOURCES[0]
    values[_key("confidence")] = record.confidence if record else CONFIDENCES[-1]
    values[_key("note")] = record.note if record else ""
    return values


def _number(where: Any, field: str):
    if field in WHOLE:
        return where.number_input(LABELS[field], key=_key(field), value=None, step=1, format="%d")
    return where.number_input(LABELS[field], key=_key(field), value=None, step=0.5, format="%.1f")


def flow_form(db: Database, actor: Actor, stream: Stream, quarter: Quarter) -> None:
    """The quarter's figures, pre-filled with the derived hand-offs, saved with the version first seen."""
    record = flow.flow_record(db, stream.stream_id, quarter)
    derived = flow.derived_handoffs(db, stream.stream_id, quarter)
    seen = forms.load_record("flow", (stream.stream_id, str(quarter)), record.version if record else 0,
                             _values(record, derived))
    with st.form("vf_form"):
        cols = st.columns(3)
        values = {f: _number(cols[i % 3], f) for i, f in enumerate(FLOW_FIELDS)}
        st.caption(f"The steps of {quarter} imply {derived} hand-off{'' if derived == 1 else 's'} per item "
                   "(each change of owning department); change it to what you observed.")
        left, right = st.columns(2)
        source = left.selectbox(LABELS["source"], list(SOURCES), key=_key("source"))
        confidence = right.selectbox(LABELS["confidence"], list(CONFIDENCES), key=_key("confidence"))
        note = st.text_area(LABELS["note"], key=_key("note"))
        save = st.form_submit_button("Save the flow check-in", type="primary", key="vf_save", icon=":material/save:")
    if save:
        data = FlowInput(**values, source=source, confidence=confidence, note=note)
        try:
            flow.record_flow(db, actor, stream.stream_id, quarter, data, expected_version=seen)
        except ConflictError as err:
            forms.mark_conflict("flow")
            show_error(err)
        except EsmError as err:
            show_flow_errors(err)
        else:
            forms.forget("flow")
            flash(f"Saved the flow check-in of {stream.name} for {quarter}.")
    forms.offer_reload("flow", key="vf_reload")


def _figure(record: FlowRecord | None, field: str) -> float | None:
    if record is None:
        return None
    if field == "flow_efficiency":
        return None if record.flow_efficiency is None else round(record.flow_efficiency * 100, 1)
    return getattr(record, field)


def comparison(db: Database, stream_id: str, quarter: Quarter) -> None:
    """This quarter's figures beside last quarter's, and the difference (blank: not recorded)."""
    now, before = flow.flow_record(db, stream_id, quarter), flow.flow_record(db, stream_id, quarter.previous())
    if now is None and before is None:
        st.caption(f"No flow recorded for {quarter} or {quarter.previous()} yet.")
        return
    rows = []
    for field in (*FLOW_FIELDS, "flow_efficiency"):
        a, b = _figure(now, field), _figure(before, field)
        rows.append({"figure": LABELS.get(field, "Flow efficiency %"), "this": a, "last": b,
                     "difference": None if a is None or b is None else round(a - b, 2)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"figure": "Figure", "this": st.column_config.NumberColumn(str(quarter)),
                                "last": st.column_config.NumberColumn(str(quarter.previous())),
                                "difference": st.column_config.NumberColumn("Difference", format="%+.2f")})


def derived(db: Database, stream_id: str, quarter: Quarter) -> None:
    """Flow efficiency and the rolled % complete and accurate (only once every boundary is rated)."""
    summary = flow.flow_summary(db, stream_id, quarter)
    efficiency = summary.flow_efficiency
    rolled = summary.rolled_complete_accurate
    cols = st.columns(3)
    cols[0].metric("Flow efficiency", "not recorded" if efficiency is None else f"{efficiency:.0%}",
                   help="Process time ÷ lead time")
    cols[1].metric("Rolled % complete and accurate", f"{rolled:.0f}%" if rolled is not None else
                   ("no hand-offs" if not summary.boundaries else "incomplete"),
                   help="The product of every hand-off's % complete and accurate; shown once every one is rated")
    cols[2].metric("Hand-offs rated", f"{summary.rated} of {len(summary.boundaries)}")
    if summary.process_exceeds_lead:
        st.warning("The process time is longer than the lead time: check the figures.", icon=":material/warning:")


# --- hand-off quality ------------------------------------------------------------------------------

def _boundary_frame(found: list[Boundary], steps: dict[str, str], names: dict[str, str]) -> pd.DataFrame:
    label = lambda step_id, dept: f"{steps.get(step_id, step_id)} · {names.get(dept, dept or 'no owner')}"  # noqa
    return pd.DataFrame([{"to_step_id": b.to_step_id, "from": label(b.from_step_id, b.from_department),
                          "to": label(b.to_step_id, b.to_department), "pct": b.pct_complete_accurate,
                          "wait": b.wait_days, "note": b.note, "version": b.version} for b in found],
                        columns=["to_step_id", "from", "to", "pct", "wait", "note", "version"]).astype(
        {"pct": "float64", "wait": "float64"})


_GRID = {"to_step_id": None, "version": None, "from": st.column_config.TextColumn("From step · department",
                                                                                   disabled=True),
         "to": st.column_config.TextColumn("To step · department (judges)", disabled=True),
         "pct": st.column_config.NumberColumn("% complete and accurate", format="%.0f"),
         "wait": st.column_config.NumberColumn("Wait (days)", format="%.1f"), "note": "Note"}


def handoff_grid(db: Database, actor: Actor, stream: Stream, quarter: Quarter, names: dict[str, str]) -> None:
    """One row per boundary; the rows this person may rate in an editor, the others read-only."""
    found = flow.boundaries(db, stream.stream_id, quarter)
    if not found:
        st.caption("No hand-offs in this quarter: every step is owned by the same department.")
        return
    st.info(HANDOFF_REMINDER, icon=":material/handshake:")
    steps = {s.step_id: f"{s.position} {s.name}" for s in queries.steps_in(db, stream.stream_id, quarter)}
    mine = [b for b in found if allowed(actor, Permission.flow, stream=scope(stream, b.to_department))]
    others = [b for b in found if b not in mine]
    if others:
        st.dataframe(_boundary_frame(others, steps, names).drop(columns=["version"]), hide_index=True,
                     placeholder=MISSING, width="stretch", column_config=_GRID)
    if not mine:
        return
    # The ratings as first seen (their versions go with the save): someone else's rating meanwhile is a
    # conflict, not a silent reload under the person's typing. A new layout of boundaries loads afresh.
    context = (stream.stream_id, str(quarter), tuple((b.from_step_id, b.to_step_id) for b in mine))
    seen = forms.as_seen("handoffs", context, lambda: _boundary_frame(mine, steps, names))
    edited = st.data_editor(seen, key=handoffs_key(stream.stream_id, quarter, seen), hide_index=True,
                            width="stretch", column_config=_GRID, num_rows="fixed", placeholder=MISSING)
    if st.button("Save hand-off quality", key="vf_handoffs_save", icon=":material/save:"):
        _save_handoffs(db, actor, stream, quarter, seen, edited)
    forms.offer_reload("handoffs", key="vf_handoffs_reload")


def handoffs_key(stream_id: str, quarter: Quarter, seen: pd.DataFrame) -> str:
    """The hand-off editor's key: a new one whenever the ratings seen change (a save starts it clean)."""
    return f"vf_handoffs_{stream_id}_{quarter}_{int(seen['version'].sum())}"


def _changed(a: Any, b: Any) -> bool:
    blank = lambda v: v is None or (isinstance(v, float) and math.isnan(v)) or v == ""  # noqa: E731
    return not (blank(a) and blank(b)) and a != b


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _save_handoffs(db: Database, actor: Actor, stream: Stream, quarter: Quarter, seen: pd.DataFrame,
                   edited: pd.DataFrame) -> None:
    """Save the rows the person changed, each with the version it was drawn with."""
    saved, failed, conflict = 0, False, False
    for old, new in zip(seen.to_dict("records"), edited.to_dict("records")):
        if not any(_changed(old[c], new[c]) for c in ("pct", "wait", "note")):
            continue
        try:
            flow.set_handoff_quality(db, actor, stream.stream_id, quarter, new["to_step_id"],
                                     None if _blank(new["pct"]) else new["pct"],
                                     wait_days=None if _blank(new["wait"]) else new["wait"],
                                     note="" if _blank(new["note"]) else str(new["note"]),
                                     expected_version=int(old["version"]))
            saved += 1
        except EsmError as err:
            failed, conflict = True, conflict or isinstance(err, ConflictError)
            st.error(esc(f"The hand-off to {new['to']} was not saved:"))
            show_flow_errors(err)
    if failed and (saved or conflict):   # what is on screen no longer matches the stored versions
        forms.mark_conflict("handoffs")
    elif saved:
        forms.forget("handoffs")
        flash(f"Saved {saved} hand-off rating{'' if saved == 1 else 's'}.")
    elif not failed:
        st.info("Nothing changed.")


# --- linked improvements ---------------------------------------------------------------------------

LINKS_SHOWN = 5   # the improvements naming the stream with a link each; the backlog filtered to it lists all


def improvements(db: Database, stream_id: str, names: dict[str, str]) -> None:
    found = read(db, queries.linked_improvements, stream_id)
    if found.empty:
        st.caption("No open improvement names this stream yet (link one from its form on the backlog).")
        return
    st.dataframe(found.assign(department_id=[names.get(d, d) for d in found["department_id"]]),
                 hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"item_id": "Key", "title": "Improvement", "status": "Status", "owner": "Owner",
                                "department_id": "Department", "dimension_id": "Dimension", "step_id": "Step"})
    for item_id, title in zip(found["item_id"][:LINKS_SHOWN], found["title"][:LINKS_SHOWN]):
        st.page_link("pages/backlog.py", label=f"{item_id}: {esc_label(title)}", icon=":material/open_in_new:",
                     query_params={"item": item_id})
    if len(found) > LINKS_SHOWN:
        st.page_link("pages/backlog.py", label=f"All {len(found)} in the backlog", icon=":material/filter_list:",
                     query_params={"stream": stream_id})
