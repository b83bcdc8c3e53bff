"""On Trends, beside the chosen department: the value streams it takes part in, where it is currently the
lever, and the hand-off quality its downstream partners gave it.

One cached read (streams.portfolio_reads.department_part); a department in no stream shows nothing. Left
out in the benchmark view (hidden names): a department's streams would name it. In meeting mode the
table stays and the links go. Every cell is user text made safe (esc): st.table renders Markdown.
Wording: "lever", never "worst".
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from ..db import Database
from ..streams import portfolio_reads as reads
from ..streams.rollup import department_names
from .cached import read
from .portfolio_view import page_available, stream_link
from .text import esc

TITLE = "Value streams this department takes part in"
COLUMNS = ("Stream", "Its steps", "Lever on", "Hand-off quality given")


def _number(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _steps(frame: pd.DataFrame) -> str:
    return "; ".join(f"{int(r.position)} · {r.step}" + (" (supporting)" if r.role == "support" else "")
                     for r in frame.itertuples())


def _levers(frame: pd.DataFrame, label) -> str:
    parts = []
    for r in frame.itertuples():
        text = f"{r.dimension} (floor {float(r.floor):.0f}"
        if r.tied_with:
            text += ", tied with " + ", ".join(label(d) for d in r.tied_with)
        parts.append(text + ")")
    return "; ".join(parts) or "–"


def _given(frame: pd.DataFrame) -> str:
    parts = []
    for r in frame.itertuples():
        pct, wait = _number(r.pct_complete_accurate), _number(r.wait_days)
        who = r.receiving or r.receiving_id or "a step without an owner"
        if pct is None:
            parts.append(f"to {who} (step {int(r.from_position)} → {int(r.from_position) + 1}): not rated yet")
        else:
            extra = f", wait {wait:g} days" if wait is not None else ""
            parts.append(f"to {who} (step {int(r.from_position)} → {int(r.from_position) + 1}): "
                         f"{pct:.0f}% complete and accurate{extra}")
    return "; ".join(parts) or "–"


def part_table(part: reads.DepartmentPart, label) -> pd.DataFrame:
    """One row per stream: its name, the department's steps, the dimensions where it is the lever (ties
    named) and the hand-offs it gives with their quality; every cell escaped for st.table."""
    rows = []
    for stream_id, steps in part.steps.groupby("stream_id", sort=False):
        levers = part.levers[part.levers["stream_id"] == stream_id]
        given = part.given[part.given["stream_id"] == stream_id]
        rows.append([steps["stream"].iloc[0], _steps(steps), _levers(levers, label), _given(given)])
    return pd.DataFrame([[esc(c) for c in row] for row in rows], columns=list(COLUMNS))


def panel(db: Database, department_id: str, quarter) -> tuple[pd.DataFrame, dict[str, str]] | None:
    """The panel's table and its streams (key: name), or None when the department takes part in none; built
    once per change of the data (through cached.read), so a rerun of Trends only draws it."""
    part = reads.department_part(db, department_id, quarter)
    if part.empty:
        return None
    names = department_names(db)
    table = part_table(part, lambda d: names.get(d, d))
    return table, dict(zip(part.steps["stream_id"], part.steps["stream"]))


def show(v, department_id: str) -> None:
    """The panel for the Trends page's View `v` (its db, quarter, meeting mode and hidden names)."""
    if v.hidden:
        return
    found = read(v.db, panel, department_id, v.quarter)
    if found is None:
        return
    table, streams = found
    st.markdown(f"**{TITLE}, {v.quarter}**")
    st.table(table, hide_index=True, border="horizontal")
    st.caption("Lever: the department is at the stream's floor on that dimension, so raising it there lifts the "
               "stream. Hand-off quality: the % complete and accurate of what it hands on, judged by the "
               "department receiving it.")
    if not v.meeting and page_available("pages/stream_overview.py"):
        line = st.container(horizontal=True, gap="small")
        for stream_id, name in streams.items():
            stream_link(stream_id, name, line)
