"""Charts of the value-stream portfolio: the streams × dimensions matrix of floors and the ranking of
shared constraints. Pure functions, aggregated rows in, a themed chart out (as figures.py): the rows are
streams.portfolio_reads.matrix_rows and constraint_rows (flat, no lists). Each chart carries its text
alternative (`description`), stating its figures.

The matrix colours a cell by the whole level its value reaches (the weakest-link floor, or the mean or
weighted mean where the stream uses that rule); a cell whose picture is incomplete (an owning department
not scored) is drawn light with a dashed outline, its text says how many were scored ("2 · 2/3") and its
tooltip says "incomplete (k of n)"; a cell without any value is white with a grey outline. Wording:
"lever" or "constraint", never "worst".
"""

from __future__ import annotations

import math

import altair as alt
import pandas as pd

from .figures import (BACKGROUND, COUNT_AXIS, INK, INK_SOFT, LEVEL_COLOURS, PALETTE, RULE, _column_axis, _finish,
                      _floats, _in_model_order, _row_axis, _step)

INCOMPLETE_OPACITY = 0.35          # an incomplete cell: its level's colour, light
NO_VALUE = "no value"
MATRIX_COLOURS = {**LEVEL_COLOURS, NO_VALUE: BACKGROUND}
COMPLETE, INCOMPLETE = "complete", "incomplete"
DASHES = {COMPLETE: [1, 0], INCOMPLETE: [4, 3]}
DARK_TEXT_LEVELS = {"1"}           # text on these colours is dark (figures.CELL_TEXT)
RANKED = 15                        # pairs drawn in the ranking chart


def _band(value: float) -> str:
    """The whole level a value reaches ("1".."5"), or "no value"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_VALUE
    return str(min(5, max(1, math.floor(value + 1e-9))))


def _cell_text(row) -> str:
    if not row["value_text"]:
        return {"N/A": "N/A"}.get(row["status"], "–")
    if row["complete"]:
        return row["value_text"]
    return f"{row['value_text']} · {int(row['scored'])}/{int(row['applies'])}"


def _text_colour(row) -> str:
    if row["band"] == NO_VALUE:
        return INK_SOFT
    if not row["complete"] or row["band"] in DARK_TEXT_LEVELS:
        return INK
    return "#ffffff"


def matrix_data(frame: pd.DataFrame) -> pd.DataFrame:
    """The matrix rows with what the chart draws: band (the colour), picture (complete or incomplete),
    mark (the cell's text), text_colour and outline (per row, so the spec has no conditions to check)."""
    data = _floats(frame, "value", "floor", "mean", "spread")
    data["complete"] = data["complete"].astype(bool)
    data["band"] = [_band(v) for v in data["value"]]
    data["picture"] = [COMPLETE if c or b == NO_VALUE else INCOMPLETE for c, b in zip(data["complete"], data["band"])]
    data["mark"] = [_cell_text(r) for _, r in data.iterrows()]
    data["text_colour"] = [_text_colour(r) for _, r in data.iterrows()]
    data["outline"] = [RULE if b == NO_VALUE else INK_SOFT if p == INCOMPLETE else None
                       for b, p in zip(data["band"], data["picture"])]
    data["rule"] = data["rollup_rule"].str.replace("_", " ")
    return data


def describe_matrix(frame: pd.DataFrame) -> str:
    """'3 streams × 9 dimensions; lowest floor 1 (Onboarding, Collaboration); 4 cells incomplete.'"""
    streams, dimensions = frame["stream"].nunique(), frame["dimension"].nunique()
    text = f"{streams} stream{'' if streams == 1 else 's'} × {dimensions} dimension{'' if dimensions == 1 else 's'}"
    floors = pd.to_numeric(frame["floor"], errors="coerce").astype(float)
    if floors.notna().any():
        low = frame.loc[floors.idxmin()]
        text += (f"; lowest floor {floors.min():.0f} ({low['stream']}, {low['dimension']}, "
                 f"at the floor: {low['at_floor']})")
    else:
        text += "; no scores"
    incomplete = int((~frame["complete"].astype(bool) & floors.notna()).sum())
    return text + (f"; {incomplete} cell{'' if incomplete == 1 else 's'} incomplete." if incomplete else ".")


def floor_matrix(frame: pd.DataFrame, *, large_text: bool = False) -> alt.TopLevelMixin:
    """Streams (rows, by name) × dimensions (columns, in the model's order), each cell the stream's value by
    its rule; incomplete cells light with a dashed outline. The tooltip names the departments at the floor."""
    data = matrix_data(frame)
    streams = list(dict.fromkeys(data["stream"]))
    base = alt.Chart().encode(
        x=alt.X("dimension:N", sort=_in_model_order(data), title=None, scale=alt.Scale(paddingInner=0.06),
                axis=_column_axis(data["dimension"].nunique(), large_text)),
        y=alt.Y("stream:N", sort=streams, title=None, scale=alt.Scale(paddingInner=0.1),
                axis=_row_axis(large_text)),
        tooltip=[alt.Tooltip("stream:N"), alt.Tooltip("dimension:N"), alt.Tooltip("value_text:N", title="value"),
                 alt.Tooltip("rule:N", title="roll-up rule"), alt.Tooltip("status:N", title="picture"),
                 alt.Tooltip("coverage:N"), alt.Tooltip("at_floor:N", title="at the floor (the lever)"),
                 alt.Tooltip("missing:N", title="not scored"), alt.Tooltip("mean:Q", format=".1f"),
                 alt.Tooltip("spread:Q", format=".0f")])
    cells = base.mark_rect(cornerRadius=2, strokeWidth=1.5).encode(
        color=alt.Color("band:N", title="Level reached", scale=alt.Scale(domain=list(MATRIX_COLOURS),
                                                                          range=list(MATRIX_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square",
                                          symbolSize=200, symbolStrokeWidth=1)),
        opacity=alt.Opacity("picture:N", title="Picture", scale=alt.Scale(domain=[COMPLETE, INCOMPLETE],
                                                                           range=[1.0, INCOMPLETE_OPACITY]),
                            legend=alt.Legend(orient="bottom", symbolType="square", symbolSize=200,
                                              symbolFillColor=LEVEL_COLOURS["3"])),
        stroke=alt.Stroke("outline:N", scale=None),
        strokeDash=alt.StrokeDash("picture:N", scale=alt.Scale(domain=list(DASHES), range=list(DASHES.values())),
                                  legend=None))
    text = base.mark_text(fontWeight="bold").encode(text=alt.Text("mark:N"),
                                                      color=alt.Color("text_colour:N", scale=None))
    chart = alt.layer(cells, text, data=data).resolve_scale(color="independent")
    chart = chart.properties(height=_step(streams, 38 if large_text else 32, large_text), width="container")
    return _finish(chart, describe_matrix(frame))


def describe_ranking(frame: pd.DataFrame) -> str:
    """'12 department × dimension pairs at a stream's floor; Finance · Knowledge constrains 3 streams
    (lowest floor 1, 2 open improvements).'"""
    if frame.empty:
        return "No department × dimension pair is at a stream's floor."
    top = frame.iloc[0]
    return (f"{len(frame)} department × dimension pair{'' if len(frame) == 1 else 's'} at a stream's floor; "
            f"{top['department']} · {top['dimension']} constrains {int(top['streams'])} "
            f"stream{'' if int(top['streams']) == 1 else 's'} (lowest floor {float(top['lowest']):.0f}, "
            f"{int(top['open_items'])} open improvement{'' if int(top['open_items']) == 1 else 's'}).")


def constraint_ranking(frame: pd.DataFrame, *, large_text: bool = False, top: int = RANKED) -> alt.TopLevelMixin:
    """Bars: the department × dimension pairs by how many streams they are the floor of (the first `top`
    rows, in the rows' order: most streams first, then the lowest floor). The tooltip names the streams."""
    data = frame.head(top).assign(pair=[f"{d} · {m}" for d, m in zip(frame["department"].head(top),
                                                                     frame["dimension"].head(top))])
    data = data[["pair", "department", "dimension", "streams", "stream_names", "lowest", "open_items"]]
    data = data.assign(streams=data["streams"].astype(int), open_items=data["open_items"].astype(int),
                       lowest=data["lowest"].astype(float))
    pairs = list(dict.fromkeys(data["pair"]))
    chart = alt.Chart(data).mark_bar(color=PALETTE["target"], cornerRadiusEnd=3).encode(
        y=alt.Y("pair:N", sort=pairs, title=None, axis=_row_axis(large_text)),
        x=alt.X("streams:Q", title="Streams whose floor it is", axis=COUNT_AXIS),
        tooltip=[alt.Tooltip("department:N"), alt.Tooltip("dimension:N"),
                 alt.Tooltip("streams:Q", title="streams constrained"), alt.Tooltip("stream_names:N", title="streams"),
                 alt.Tooltip("lowest:Q", format=".0f", title="lowest floor"),
                 alt.Tooltip("open_items:Q", title="open improvements")],
    ).properties(height=_step(pairs, 30, large_text), width="container")
    return _finish(chart, describe_ranking(frame))


__all__ = ["constraint_ranking", "describe_matrix", "describe_ranking", "floor_matrix", "matrix_data"]
