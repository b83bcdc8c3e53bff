"""Altair chart builders for value streams, in the house theme (figures.py): pure functions, rows in,
chart out (None when there are no rows to draw). No database, no streamlit.

- `heatmap_frame` + `stream_heatmap`: the stream's steps (rows, in order) × dimensions, each cell the
  owning department's agreed score; a footer row with the stream's roll-up; the constraint cells (the
  departments at the floor, every tie) outlined.
- `trend_frame` + `floors_and_lead_time`: the floor per dimension (1-5) above the lead time (days), on one
  quarter axis; gaps where nothing was recorded, never a 0.
"""

from __future__ import annotations

import math
from typing import Any

import altair as alt
import pandas as pd

from .figures import (BACKGROUND, CELL_COLOURS, HIGHLIGHT, INK, INK_SOFT, LEVEL_AXIS, LEVEL_COLOURS, LEVEL_SCALE,
                      PALETTE, RULE, _column_axis, _finish, _in_model_order, _literal, _row_axis)

RULE_SHORT = {"weakest_link": "weakest link", "mean": "mean", "weighted": "weighted mean"}
NOT_SCORED, NO_OWNER, INCOMPLETE = "not scored", "no owner", "incomplete"
STREAM_CELLS = {**LEVEL_COLOURS, "N/A": CELL_COLOURS["N/A"], NOT_SCORED: BACKGROUND, NO_OWNER: BACKGROUND,
                INCOMPLETE: BACKGROUND}
STREAM_TEXT = {"1": "#1b1b1b", "2": "#ffffff", "3": "#ffffff", "4": "#ffffff", "5": "#ffffff", "N/A": "#ffffff",
               NOT_SCORED: "#a65a1f", NO_OWNER: INK_SOFT, INCOMPLETE: INK}
WHITE_CELLS = (NOT_SCORED, NO_OWNER, INCOMPLETE)   # their outline (RULE) is the mark
# One colour per dimension (each >= 3:1 on white), with a dash and a point shape of its own as well.
DIMENSION_COLOURS = ["#2f6f8f", "#c85200", "#5c6070", "#8e6c8a", "#1f7a4d", "#a8326e", "#6a4c93", "#8a6d00"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]]
COLUMNS = ["row", "row_order", "kind", "step", "department", "dimension_id", "dimension", "position", "cell",
           "mark", "score", "constraint", "badge", "detail"]


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _ids(value: Any) -> tuple:
    try:
        return tuple(value)
    except TypeError:
        return ()


def stream_row_label(rule: str) -> str:
    return f"Stream ({RULE_SHORT.get(rule, rule)})"


def _step_cell(row: Any) -> tuple[str, str, float | None]:
    """(category, text, score) of one step's cell."""
    score = _number(row.score)
    if not isinstance(row.department_id, str) or not row.department_id:
        return NO_OWNER, NO_OWNER, None
    if bool(row.na):
        return "N/A", "N/A", None
    if score is None:
        return NOT_SCORED, NOT_SCORED, None
    return str(int(score)), str(int(score)), score


def _rollup_cell(row: Any) -> tuple[str, str, float | None]:
    value = _number(row.value)
    if row.label == "N/A":
        return "N/A", "N/A", None
    if row.label == "no owning department":
        return NO_OWNER, "–", None
    if not bool(row.complete):
        return INCOMPLETE, f"incomplete\n({int(row.scored)} of {int(row.applies)}\nscored)", value
    if value is None:
        return NOT_SCORED, NOT_SCORED, None
    return str(min(5, max(1, round(value)))), str(row.label), value


def heatmap_frame(steps: pd.DataFrame, rollup: pd.DataFrame) -> pd.DataFrame:
    """The heatmap's rows from links.step_scores (optionally with a `badge` column) and the stream's
    rollup.maturity_frame rows for the same quarter: one row per step × dimension, then the roll-up row."""
    at_floor = {r.dimension_id: set(_ids(r.at_floor)) for r in rollup.itertuples()}
    names = {d: n for d, n in zip(steps.get("department_id", []), steps.get("department", [])) if isinstance(d, str)}
    out = []
    for r in steps.itertuples():
        cell, mark, score = _step_cell(r)
        department = r.department if isinstance(r.department, str) else NO_OWNER
        out.append([f"{int(r.step_position)}. {r.step} · {department}", int(r.step_position), "step", r.step,
                    department, r.dimension_id, r.dimension, int(r.position), cell, mark, score,
                    score is not None and r.department_id in at_floor.get(r.dimension_id, ()),
                    str(getattr(r, "badge", "") or ""), ""])
    last = int(steps["step_position"].max()) if len(steps) else 0
    for r in rollup.itertuples():
        cell, mark, value = _rollup_cell(r)
        tied = ", ".join(names.get(d, d) for d in _ids(r.at_floor))
        detail = str(r.label) + (f"; at the floor: {tied}" if tied else "")
        out.append([stream_row_label(r.rollup_rule), last + 1, "stream", stream_row_label(r.rollup_rule), "",
                    r.dimension_id, r.dimension, int(r.position), cell, mark, value, False, "", detail])
    return pd.DataFrame(out, columns=COLUMNS)


def stream_heatmap(frame: pd.DataFrame, *, large_text: bool = False) -> alt.TopLevelMixin | None:
    """Steps × dimensions coloured by level, the roll-up row last; constraint cells outlined in black;
    N/A grey, "not scored" and "incomplete" white with their words. None without rows."""
    if frame is None or frame.empty:
        return None
    data = frame.assign(score=pd.to_numeric(frame["score"], errors="coerce").astype(float),
                        outline=frame["cell"].map(lambda c: RULE if c in WHITE_CELLS else None),
                        constraint=frame["constraint"].astype(bool),
                        text_size=frame["cell"].map(lambda c: (13 if large_text else 11) if c == INCOMPLETE
                                                    else 16 if large_text else 13))
    rows = list(data.sort_values(["row_order"])["row"].drop_duplicates())
    footer = next((r for r in rows if r.startswith("Stream (")), None) if (data["kind"] == "stream").any() else None
    bold = {"labelFontWeight": {"expr": f"datum.value === {_literal(footer)} ? 'bold' : 'normal'"}} if footer else {}
    y = alt.Y("row:N", sort=rows, title=None, scale=alt.Scale(paddingInner=0.1), axis=_row_axis(large_text, **bold))
    base = alt.Chart().encode(
        x=alt.X("dimension:N", sort=_in_model_order(data), title=None, scale=alt.Scale(paddingInner=0.06),
                axis=_column_axis(data["dimension"].nunique(), large_text)),
        y=y,
        tooltip=[alt.Tooltip("step:N"), alt.Tooltip("department:N"), alt.Tooltip("dimension:N"),
                 alt.Tooltip("mark:N", title="score"), alt.Tooltip("badge:N", title="rating round"),
                 alt.Tooltip("detail:N", title="roll-up"),
                 alt.Tooltip("constraint:N", title="at the floor (constraint)")])
    cells = base.mark_rect(cornerRadius=2, strokeWidth=1.5).encode(
        color=alt.Color("cell:N", title="Score", scale=alt.Scale(domain=list(STREAM_CELLS),
                                                                  range=list(STREAM_CELLS.values())),
                        legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square",
                                          symbolSize=200, symbolStrokeWidth=1)),
        stroke=alt.Stroke("outline:N", scale=None))
    text = base.mark_text(fontWeight="bold", lineBreak="\n").encode(
        text=alt.Text("mark:N"), size=alt.Size("text_size:Q", scale=None, legend=None),
        color=alt.Color("cell:N", scale=alt.Scale(domain=list(STREAM_TEXT), range=list(STREAM_TEXT.values())),
                        legend=None))
    outlined = base.transform_filter("datum.constraint").mark_rect(
        filled=False, stroke=HIGHLIGHT, strokeWidth=3.5, cornerRadius=3)
    chart = alt.layer(cells, text, outlined, data=data).resolve_scale(color="independent")
    chart = chart.properties(height=alt.Step(60 if large_text else 54), width="container")
    return _finish(chart, describe_heatmap(frame))


def describe_heatmap(frame: pd.DataFrame) -> str:
    steps = frame.loc[frame["kind"] == "step", "row"].nunique()
    dims = frame["dimension"].nunique()
    outlined = frame[frame["constraint"].astype(bool)]
    held = "; ".join(f"{d}: {', '.join(sorted(set(g['department'])))}" for d, g in outlined.groupby("dimension"))
    footer = frame[frame["kind"] == "stream"]
    rollup = "; ".join(f"{r.dimension} {r.mark.replace(chr(10), ' ')}" for r in footer.itertuples())
    return (f"{steps} steps by {dims} dimensions. Roll-up: {rollup or 'none'}. "
            f"At the floor: {held or 'no department scored'}.")


# --- floors beside lead time -------------------------------------------------------------------------


def trend_frame(maturity: pd.DataFrame, flow: pd.DataFrame) -> pd.DataFrame:
    """Long rows for `floors_and_lead_time` from rollup.maturity_frame (one stream, several quarters) and
    flow.flow_trend: panel ("floor" or "lead time"), quarter, series, position, value (NaN: a gap), note."""
    floors = pd.DataFrame({
        "panel": "floor", "quarter": maturity["quarter"].astype(str), "series": maturity["dimension"],
        "position": maturity["position"].astype(int),
        "value": pd.to_numeric(maturity["floor"], errors="coerce").astype(float),
        "note": [str(x) for x in maturity["label"]]})
    lead = pd.DataFrame({
        "panel": "lead time", "quarter": flow["quarter"].astype(str), "series": "lead time", "position": 0,
        "value": pd.to_numeric(flow["lead_time_days"], errors="coerce").astype(float),
        "note": [str(c) if isinstance(c, str) else "not recorded" for c in flow["confidence"]]})
    return pd.concat([floors, lead], ignore_index=True)


def floors_and_lead_time(frame: pd.DataFrame, *, width: int = 640,
                         large_text: bool = False) -> alt.TopLevelMixin | None:
    """Two panels on one quarter axis: the floor of each dimension (lines on 1-5) above the stream's lead
    time in days (a line with points). None without rows."""
    if frame is None or frame.empty:
        return None
    data = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce").astype(float))
    quarters = sorted(data["quarter"].unique())
    floors, lead = data[data["panel"] == "floor"], data[data["panel"] == "lead time"]
    dims = list(floors.sort_values(["position", "series"])["series"].drop_duplicates())
    colours = [DIMENSION_COLOURS[i % len(DIMENSION_COLOURS)] for i in range(len(dims))]
    x = alt.X("quarter:O", sort=quarters, scale=alt.Scale(domain=quarters), title=None, axis=alt.Axis(labelAngle=0))
    height = 240 if large_text else 200
    legend = alt.Legend(orient="bottom", title=None, symbolType="stroke", symbolStrokeWidth=3, symbolSize=500,
                        columns=2, labelLimit=max(200, width // 2 - 60))
    top = alt.Chart(floors).mark_line(point=True, strokeWidth=2.5).encode(
        x=x, y=alt.Y("value:Q", scale=LEVEL_SCALE, title="Floor (level)", axis=alt.Axis(**LEVEL_AXIS)),
        color=alt.Color("series:N", title=None, sort=dims, scale=alt.Scale(domain=dims, range=colours),
                        legend=legend),
        strokeDash=alt.StrokeDash("series:N", sort=dims, scale=alt.Scale(
            domain=dims, range=[DASHES[(i + i // len(DIMENSION_COLOURS)) % len(DASHES)] for i in range(len(dims))]),
            legend=legend),
        tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("series:N", title="dimension"),
                 alt.Tooltip("value:Q", title="floor"), alt.Tooltip("note:N", title="roll-up")],
    ).properties(width=width, height=height, title="Floor per dimension")
    bottom = alt.Chart(lead).mark_line(point=alt.OverlayMarkDef(filled=True, size=70), strokeWidth=3,
                                       color=PALETTE["score"]).encode(
        x=x, y=alt.Y("value:Q", title="Lead time (days)", scale=alt.Scale(zero=True)),
        tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("value:Q", title="lead time (days)", format=".1f"),
                 alt.Tooltip("note:N", title="confidence")],
    ).properties(width=width, height=round(height * 0.7), title="Lead time")
    chart = alt.vconcat(top, bottom, spacing=24).resolve_scale(x="shared", color="independent",
                                                                      strokeDash="independent")
    return _finish(chart, describe_trend(frame))


def describe_trend(frame: pd.DataFrame) -> str:
    lead = frame[(frame["panel"] == "lead time") & frame["value"].notna()]
    lows = frame[(frame["panel"] == "floor") & frame["value"].notna()]
    lead_text = ", ".join(f"{r.quarter} {r.value:.0f} days" for r in lead.itertuples()) or "not recorded"
    if len(lows):
        lowest = lows["value"].min()
        low = f"lowest floor {lowest:.0f} in {', '.join(sorted(lows.loc[lows['value'] == lowest, 'quarter'].unique()))}"
    else:
        low = "no floors scored"
    return f"Lead time: {lead_text}. Floors: {low}."


__all__ = ["floors_and_lead_time", "heatmap_frame", "stream_heatmap", "trend_frame"]
