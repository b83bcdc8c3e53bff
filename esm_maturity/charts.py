"""Altair chart builders. They take aggregated rows (never raw scores) and return charts."""

from __future__ import annotations

import altair as alt
import pandas as pd

LEVEL_SCALE = alt.Scale(domain=[0, 5], nice=False)
PALETTE = {"score": "#2f6f8f", "target": "#e07b39"}


def dimension_averages(frame: pd.DataFrame) -> alt.Chart:
    """Bars: the organisation's mean level per dimension; ticks: the mean target."""
    data = frame.assign(average=frame["average"].astype(float), target=frame["target"].astype(float))
    base = alt.Chart(data).encode(
        y=alt.Y("dimension:N", sort=alt.SortField("position"), title=None, axis=alt.Axis(labelLimit=260)))
    bars = base.mark_bar(color=PALETTE["score"], cornerRadiusEnd=3).encode(
        x=alt.X("average:Q", scale=LEVEL_SCALE, title="Average level (submitted assessments)"),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("average:Q", format=".2f", title="average level"),
                 alt.Tooltip("target:Q", format=".2f", title="average target"),
                 alt.Tooltip("departments:Q", title="departments scored")])
    ticks = base.mark_tick(color=PALETTE["target"], thickness=3, size=22).encode(
        x="target:Q", tooltip=[alt.Tooltip("target:Q", format=".2f", title="average target")])
    labels = base.mark_text(align="left", dx=4, color="#333").encode(
        x="average:Q", text=alt.Text("average:Q", format=".1f"))
    return (bars + ticks + labels).properties(height=alt.Step(30))
