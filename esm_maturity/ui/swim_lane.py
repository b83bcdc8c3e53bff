"""The swim-lane preview: departments as rows, the steps as columns in order, every hand-off marked.

The chart (an Altair heat grid in the house style, charts/figures.py) has one cell per department and step:
filled where the department owns the step, pale where it supports it; "⇢" is written in the owner cell a
hand-off arrives at. Step labels are "position · name", angled and cut short so 15 steps stay
readable; the full names are in the tooltip and in the table below the chart.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from ..charts import figures as charts
from ..db import Database
from ..models import Quarter
from ..streams import queries
from ..streams.queries import SwimLane
from .cached import read, source
from .chart_export import Plot, draw
from .context import MISSING

ROLE_COLOURS = {"owner": charts.PALETTE["score"], "support": charts.GRID}
HANDOFF = "⇢"                 # written in the cell a hand-off arrives at


def lane_rows(lane: SwimLane) -> pd.DataFrame:
    """One row per (department, step) that has a part: the chart's data (few rows: departments × steps)."""
    arriving = {to for _, to in lane.handoffs}
    rows = []
    for s in lane.steps:
        for dept in lane.departments:
            role = lane.cells.get((dept, s.step_id))
            if role:
                rows.append({"department": lane.names.get(dept, dept), "position": s.position,
                             "step": f"{s.position} · {s.name}", "step_name": s.name, "role": role,
                             "mark": HANDOFF if role == "owner" and s.step_id in arriving else ""})
    return pd.DataFrame(rows, columns=["department", "position", "step", "step_name", "role", "mark"])


def lane_chart(frame: pd.DataFrame, steps: tuple[str, ...] = (), departments: tuple[str, ...] = ()) -> alt.Chart:
    """The swim-lane grid: departments (in `departments` order) down, steps (in `steps` order) across."""
    x = alt.X("step:N", sort=list(steps), title=None,
              axis=alt.Axis(orient="top", labelAngle=-35, labelLimit=160, labelAlign="left"))
    y = alt.Y("department:N", sort=list(departments), title=None, axis=alt.Axis(labelLimit=220))
    base = alt.Chart(frame).encode(x=x, y=y)
    cells = base.mark_rect(stroke=charts.RULE, strokeWidth=0.5).encode(
        color=alt.Color("role:N", scale=alt.Scale(domain=list(ROLE_COLOURS), range=list(ROLE_COLOURS.values())),
                        legend=alt.Legend(title=None, orient="bottom")),
        tooltip=[alt.Tooltip("position:Q", title="Position"), alt.Tooltip("step_name:N", title="Step"),
                 alt.Tooltip("department:N", title="Department"), alt.Tooltip("role:N", title="Part")])
    marks = base.mark_text(fontWeight="bold", fontSize=18, color="#ffffff").encode(text="mark:N")
    width = max(360, 72 * max(1, len(steps)))
    # The page draws it at the container's width, fitted: the height holds the angled step labels too.
    height = 36 * max(1, len(departments)) + 110
    chart = (cells + marks).properties(width=width, height=height, description=(
        f"Swim-lane of {len(steps)} steps across {len(departments)} departments; "
        f"{int((frame['mark'] == HANDOFF).sum()) if not frame.empty else 0} hand-offs"))
    return charts.styled(chart)


def show(db: Database, stream_id: str, quarter: Quarter, stream_name: str) -> None:
    lane = read(db, queries.swim_lane, stream_id, str(quarter))
    if not lane.steps:
        st.caption("No steps in this quarter: the swim-lane appears once the stream has steps.")
        return
    frame = lane_rows(lane)
    handoffs = len(lane.handoffs)
    st.caption(f"{len(lane.steps)} steps, {len(lane.departments)} departments, {handoffs} hand-off"
               f"{'' if handoffs == 1 else 's'} in {quarter}, marked {HANDOFF} in the step it arrives at (where the "
               "owning department changes from one step to the next)."
               + (f" {len(lane.unowned)} step(s) have no owner yet and no row." if lane.unowned else ""))
    if not frame.empty:
        names = tuple(dict.fromkeys(lane.names.get(d, d) for d in lane.departments))
        plot = Plot(lane_chart, frame, {"steps": tuple(f"{s.position} · {s.name}" for s in lane.steps),
                                        "departments": names},
                    source=source(db, queries.swim_lane, stream_id, str(quarter)))
        draw(plot, key="vs_swim_lane", name=f"Swim-lane of {stream_name}")
    with st.expander("The swim-lane as a table", icon=":material/table_rows:"):
        st.dataframe(lane.frame().replace({"": None}), placeholder=MISSING, width="stretch")
