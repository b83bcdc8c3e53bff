"""A stream's steps: the warnings, the step editor (st.data_editor, saved by key with the version the person
saw), the read-only table and the step history.

st.data_editor reports edits by row position. The editor is therefore drawn from the steps *as the person
first saw them* (kept in session state with the stream's version, forms.as_seen), never re-read on the
save's rerun: every row carries its step key, and the save sends the whole list in the new order with that
version (commands.save_steps), so a change someone made meanwhile is a conflict, not a silent mix-up.

Reordering: type a new position; a step moved up goes before the step already there, one moved down after
it; new rows without a position go at the end. save_steps renumbers 1..n.

Supporting departments are a comma-separated text column of department names (or keys), checked here
against the departments: a data_editor has no multiselect column, and a ListColumn is read-only.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import streamlit as st

from ..db import Database
from ..models import Actor, Problem, Quarter, ValidationError
from ..streams import commands, queries
from ..streams.records import Step, StepInput, Stream
from . import forms
from .context import MISSING, show_error
from .stream_forms import saved_ok
from .text import esc

SCOPE = "steps"
FROM_KEY = "vs_steps_from"
COLUMNS = ["step_id", "position", "name", "department", "supporting", "weight", "target_days", "output"]


def editor_key(stream_id: str, version: int) -> str:
    """The data_editor's key: a new one for each version seen (a save starts from a clean editor)."""
    return f"vs_steps_{stream_id}_v{version}"


def show_warnings(db: Database, stream_id: str, quarter: Quarter) -> None:
    for warning in queries.warnings(db, stream_id, quarter):
        st.warning(esc(warning), icon=":material/warning:")


def open_steps(db: Database, stream_id: str) -> list[Step]:
    """The steps as they stand from the stream's latest change on (what the editor changes)."""
    return sorted((s for s in queries.step_history(db, stream_id) if s.valid_to is None), key=lambda s: s.position)


def latest_change(db: Database, stream_id: str) -> Quarter | None:
    found = []
    for s in queries.step_history(db, stream_id):
        found.append(Quarter.parse(s.valid_from))
        if s.valid_to:
            found.append(Quarter.parse(s.valid_to).next())
    return max(found) if found else None


def _frame(steps: list[Step], names: dict[str, str]) -> pd.DataFrame:
    rows = [{"step_id": s.step_id, "position": s.position, "name": s.name,
             "department": names.get(s.department_id, s.department_id) if s.department_id else None,
             "supporting": ", ".join(names.get(d, d) for d in s.supporting), "weight": float(s.weight),
             "target_days": s.target_days, "output": s.output} for s in steps]
    return pd.DataFrame(rows, columns=COLUMNS).astype({"position": "Int64", "weight": "float64",
                                                       "target_days": "float64"})


def _config(names: dict[str, str], editable: bool) -> dict:
    return {"step_id": st.column_config.TextColumn("Key", disabled=True),
            "position": st.column_config.NumberColumn("Position", min_value=0, step=1, format="%d"),
            "name": st.column_config.TextColumn("Step", required=True),
            "department": st.column_config.SelectboxColumn("Owning department", options=list(names.values())),
            "supporting": st.column_config.TextColumn(
                "Supporting departments", help="Department names, separated by commas" if editable else None),
            "weight": st.column_config.NumberColumn("Weight", min_value=0.0, format="%.2f"),
            "target_days": st.column_config.NumberColumn("Target days", min_value=0.0, format="%.1f"),
            "output": st.column_config.TextColumn("Output")}


def steps_table(steps: list[Step], names: dict[str, str]) -> None:
    """The steps valid in the chosen quarter, read-only."""
    if not steps:
        st.caption("No steps in this quarter.")
        return
    st.dataframe(_frame(steps, names), hide_index=True, placeholder=MISSING, width="stretch",
                 column_config=_config(names, False))


def _blank(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) or (
        isinstance(value, str) and not value.strip())


def _department(text: Any, by_name: dict[str, str], row: int, problems: list[Problem]) -> str | None:
    if _blank(text):
        return None
    found = by_name.get(str(text).strip().lower())
    if found is None:
        problems.append(Problem(f"step {row}", f"there is no department {str(text).strip()!r}"))
    return found


def layout(edited: pd.DataFrame, seen: pd.DataFrame, names: dict[str, str]) -> list[tuple[str | None, StepInput]]:
    """The editor's rows as save_steps takes them: (step key or None, the step), in the new order."""
    by_name = {v.lower(): k for k, v in names.items()} | {k.lower(): k for k in names}
    before = {r.step_id: r.position for r in seen.itertuples()}
    problems: list[Problem] = []
    ordered = []
    for index, r in enumerate(edited.to_dict("records")):
        step_id = None if _blank(r.get("step_id")) else str(r["step_id"])
        position = None if _blank(r.get("position")) else float(r["position"])
        old = before.get(step_id)
        lean = 0 if position is None or old is None or position == old else (-1 if position < old else 1)
        if step_id is None and position is not None:
            lean = -1
        row = index + 1
        text = "" if _blank(r.get("supporting")) else str(r["supporting"])
        supporting = [_department(p, by_name, row, problems) for p in text.split(",")]
        step = StepInput(name="" if _blank(r.get("name")) else str(r["name"]),
                         department_id=_department(r.get("department"), by_name, row, problems),
                         supporting=tuple(d for d in supporting if d),
                         weight=1.0 if _blank(r.get("weight")) else r["weight"],
                         target_days=None if _blank(r.get("target_days")) else r["target_days"],
                         output="" if _blank(r.get("output")) else str(r["output"]))
        ordered.append(((math.inf if position is None else position, lean, index), step_id, step))
    if problems:
        raise ValidationError(problems=problems)
    return [(step_id, step) for _, step_id, step in sorted(ordered, key=lambda x: x[0])]


def _from_quarter(db: Database, stream_id: str, current: Quarter) -> Quarter:
    latest = latest_change(db, stream_id)
    first = max(latest, current.shift(-4)) if latest else current.shift(-4)
    options, q = [], first
    while q <= current.shift(4):
        options.append(str(q))
        q = q.next()
    if st.session_state.get(FROM_KEY) not in options:
        st.session_state[FROM_KEY] = str(current) if str(current) in options else options[0]
    return Quarter.parse(st.selectbox("The change takes effect from", options, key=FROM_KEY,
                                      help="Earlier quarters keep the steps they had, so their history stays right"))


def editor(db: Database, actor: Actor, stream: Stream, names: dict[str, str], current: Quarter) -> None:
    """The step editor over the steps the person first saw, saved with the version seen then."""
    seen_version, seen = forms.as_seen(SCOPE, stream.stream_id,
                                       lambda: (stream.version, _frame(open_steps(db, stream.stream_id), names)))
    latest = latest_change(db, stream.stream_id)
    st.caption("Edit cells, add rows at the bottom, delete rows, and type a new position to move a step"
               + (f". The editor holds the steps as they stand from {latest} on." if latest else "."))
    edited = st.data_editor(seen, key=editor_key(stream.stream_id, seen_version), num_rows="dynamic",
                            hide_index=True, width="stretch", column_config=_config(names, True), placeholder=MISSING,
                            column_order=COLUMNS)
    cols = st.columns([2, 1])
    with cols[0]:
        from_quarter = _from_quarter(db, stream.stream_id, current)
    if cols[1].button("Save steps", type="primary", key="vs_steps_save", icon=":material/save:"):
        try:
            steps = layout(edited, seen, names)
        except ValidationError as err:
            show_error(err)
            return
        saved_ok(lambda: commands.save_steps(db, actor, stream.stream_id, steps, expected_version=seen_version,
                                             from_quarter=from_quarter), SCOPE, f"Saved the steps of {stream.name}.")
    forms.offer_reload(SCOPE, key="vs_steps_reload")


def history(db: Database, stream_id: str, names: dict[str, str]) -> None:
    with st.expander("Step history", icon=":material/history:"):
        rows = queries.step_history(db, stream_id)
        if not rows:
            st.caption("No steps yet.")
            return
        frame = pd.DataFrame([{"step_id": s.step_id, "valid_from": s.valid_from, "valid_to": s.valid_to,
                               "position": s.position, "name": s.name,
                               "department": names.get(s.department_id, s.department_id),
                               "supporting": ", ".join(names.get(d, d) for d in s.supporting) or None,
                               "target_days": s.target_days, "output": s.output or None} for s in rows])
        st.dataframe(frame, hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"step_id": "Key", "valid_from": "From", "valid_to": "Until",
                                    "position": "Position", "name": "Step", "department": "Owning department",
                                    "supporting": "Supporting", "target_days": "Target days", "output": "Output"})
