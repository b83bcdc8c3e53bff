"""Altair chart builders and the one chart theme.

Builders take aggregated rows (never raw scores) and return charts that already carry the theme at
page size, a text alternative stating their figures (`description`, from describe.py) and full names
in their tooltips. `for_meeting` gives the same look in a meeting room's type sizes; the PNG and SVG
exports keep the chart's look and add a title (`export_spec`). Show charts with theme=None: the chart
carries its whole look, Streamlit's chart theme would only shrink the type again. Importing this
module makes the theme Altair's active theme (see `_page_theme`).
"""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd

from . import describe

# --- the theme: one look for the page, meeting mode and the exported images --------------------------

FONT = '"Source Sans", "Source Sans Pro", "Liberation Sans", Arial, sans-serif'   # the app's font first
BACKGROUND = "#ffffff"
INK = "#31333f"        # all chart text: 12.5:1 on white
INK_SOFT = "#5c6070"   # subtitles and secondary symbols: 6.2:1
RULE = "#7c8090"       # axis lines and ticks, empty-cell outlines: 3.9:1 (a graphic needs 3:1)
GRID = "#e6e9ef"       # grid lines: a faint guide, never data

# Type sizes in px: on the page (and in images), and on a meeting room's screen.
SIZES = {"page": {"label": 13, "title": 14, "legend": 13, "header": 14, "heading": 18, "mark": 13, "line": 15},
         "room": {"label": 16, "title": 17, "legend": 17, "header": 18, "heading": 24, "mark": 16, "line": 19}}


def theme(large: bool = False) -> dict:
    """The Vega-Lite config of every chart (large: meeting-room type sizes)."""
    s = SIZES["room" if large else "page"]
    text = {"labelColor": INK, "titleColor": INK, "labelFont": FONT, "titleFont": FONT}
    return {
        "background": BACKGROUND, "font": FONT,
        "axis": {**text, "labelFontSize": s["label"], "titleFontSize": s["title"], "titleFontWeight": "normal",
                 "labelLineHeight": s["line"], "gridColor": GRID, "domainColor": RULE, "tickColor": RULE,
                 "titlePadding": 10, "labelPadding": 5},
        "legend": {**text, "labelFontSize": s["legend"], "titleFontSize": s["legend"], "titleFontWeight": "normal",
                   "labelLimit": 360, "symbolStrokeColor": RULE},
        "header": {**text, "labelFontSize": s["header"], "titleFontSize": s["header"], "labelFontWeight": "bold",
                   "labelLineHeight": s["line"] + 1},
        "title": {"font": FONT, "color": INK, "fontSize": s["heading"], "anchor": "start", "offset": 14,
                  "subtitleFont": FONT, "subtitleColor": INK_SOFT, "subtitleFontSize": s["title"],
                  "subtitlePadding": 4},
        "text": {"font": FONT, "fontSize": s["mark"], "color": INK},
        "range": {"category": CATEGORY},
        "view": {"strokeWidth": 0},
    }


THEME_NAME = "esm_maturity"


@alt.theme.register(THEME_NAME, enable=True)
def _page_theme() -> dict:
    """The theme at page size as Altair's active theme: every chart's spec gets it when serialised,
    after Altair's schema check (a config carried on each chart would be checked again per chart,
    which the Trends page would pay on every run). Charts that carry a config of their own (meeting
    mode) override it key by key."""
    return {"config": theme()}


_ROOM: list[alt.Config] = []


def styled(chart: alt.TopLevelMixin, *, large: bool = False) -> alt.TopLevelMixin:
    """The chart in the theme: at page size (Altair's active theme, so no config on the chart) or in
    meeting-room type (the whole theme at room sizes, carried on the chart)."""
    out = chart.copy(deep=False)
    if not large:
        out.config = alt.Undefined
        return out
    if not _ROOM:
        _ROOM.append(alt.Config(**theme(large=True)))   # built (and schema-checked) once
    out.config = _ROOM[0]   # shared, never changed in place (Altair's configure_* copy it first)
    return out


def for_meeting(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The same look in type readable across a meeting room (show it with theme=None)."""
    return styled(chart, large=True)


# --- colours: every mark >= 3:1 against white, text >= 4.5:1 against what it sits on -----------------
# Ordered palettes run light to dark in one direction (readable without telling hues apart); the
# categorical pairs are blue and orange, told apart with any colour vision. tests/unit check them all.

PALETTE = {"score": "#2f6f8f", "target": "#c85200"}          # 5.5:1 and 4.5:1 on white
CATEGORY = ["#2f6f8f", "#c85200", "#5c6070", "#8e6c8a"]
LEVEL_COLOURS = {"1": "#1f9e89", "2": "#2b7bba", "3": "#4a4fb0", "4": "#5e2a84", "5": "#2b0a3d"}
CELL_COLOURS = {**LEVEL_COLOURS, "N/A": "#767676", "not assessed": BACKGROUND, "not submitted": BACKGROUND}
CELL_TEXT = {"1": "#1b1b1b", "2": "#ffffff", "3": "#ffffff", "4": "#ffffff", "5": "#ffffff",
             "N/A": "#ffffff", "not assessed": "#a65a1f", "not submitted": INK_SOFT}
CELL_MARK = {"N/A": "N/A", "not assessed": "?", "not submitted": "–"}
EMPTY_CELLS = ["not assessed", "not submitted"]   # white cells: their outline (RULE) is the mark
HIGHLIGHT = "#111111"                               # the chosen department's row outline
LINES = {"department": PALETTE["score"], "target": PALETTE["target"], "organisation": "#6b6f7c"}
MOVES = {"up": PALETTE["score"], "down": PALETTE["target"]}
FLOW = {"opened": PALETTE["target"], "closed": PALETTE["score"], "age": "#8e6c8a"}
PRIORITY_RAMP = ["#e16462", "#b12a90", "#6a00a8", "#0d0887"]   # plasma without its light end, low to high
PALETTES = {"palette": list(PALETTE.values()), "category": CATEGORY, "levels": list(LEVEL_COLOURS.values()),
            "cells": [c for c in CELL_COLOURS.values() if c != BACKGROUND] + [RULE], "lines": list(LINES.values()),
            "moves": list(MOVES.values()), "flow": list(FLOW.values()), "priority": PRIORITY_RAMP,
            "highlight": [HIGHLIGHT], "text": [INK, INK_SOFT, RULE]}

# --- shared pieces ----------------------------------------------------------------------------------

LEVEL_SCALE = alt.Scale(domain=[1, 5], nice=False, zero=False)   # levels run 1 to 5
LEVEL_TICKS = [1, 2, 3, 4, 5]   # whole numbers: no 0.5 steps on a level axis
LEVEL_AXIS = {"values": LEVEL_TICKS, "format": "d"}
HEATMAP_SELECTION = "department"
SIGNED_AXIS = alt.Axis(format=".2~f", tickCount=6, labelExpr="datum.value > 0 ? '+' + datum.label : datum.label")
COUNT_AXIS = alt.Axis(format="d", tickMinStep=1, tickCount=5)   # whole items, a few ticks at any width
ROW_WRAP = 30          # characters per line of a row label (dimension, department)
ROW_LIMIT = 400        # px: a backstop per line; wrapped labels never reach it


def _wrapped(width: int) -> str:
    """A Vega expression: the axis label with a line break before each word that would pass `width`
    characters (a longer word keeps its own line, whole)."""
    return r"trim(replace(datum.label, regexp('(.{1,%d}(?=\\s|$)|\\S+)\\s*', 'g'), '$1\n'))" % width


def wrap_expr(width: int) -> str:
    """A Vega label expression: the label in lines of about `width` characters, broken at spaces.
    The tooltip keeps the whole name."""
    return f"split({_wrapped(width)}, '\\n')"


def _more_lines(width: int) -> str:
    """A Vega expression: how many lines the wrapped label has beyond the first."""
    return f"(length(split({_wrapped(width)}, '\\n')) - 1)"


def wrapped_lines(text: str, width: int) -> list[str]:
    """What wrap_expr makes of `text` (for sizing rows in Python)."""
    return re.findall(r"(.{1,%d}(?=\s|$)|\S+)\s*" % width, str(text).strip()) or [""]


def _line(large_text: bool) -> int:
    return SIZES["room" if large_text else "page"]["line"]


def _step(labels, base: int, large_text: bool = False, width: int = ROW_WRAP) -> alt.Step:
    """Row height: `base`, or enough for the longest wrapped label."""
    lines = max((len(wrapped_lines(t, width)) for t in labels), default=1)
    return alt.Step(max(base, lines * _line(large_text) + 8))


def _row_axis(large_text: bool = False, **kwargs) -> alt.Axis:
    """A y axis of names: wrapped, each label's lines centred on its row (Vega starts them there)."""
    return alt.Axis(labelExpr=wrap_expr(ROW_WRAP), labelLimit=ROW_LIMIT, labelBaseline="middle",
                    labelOffset={"expr": f"-{_more_lines(ROW_WRAP)} * {_line(large_text) / 2}"}, **kwargs)


def _literal(text: str) -> str:
    """A string as a Vega expression literal (JSON's escapes are the expression language's)."""
    return json.dumps(str(text), ensure_ascii=True)


def _in_model_order(frame: pd.DataFrame) -> list[str]:
    """Dimension names in the model's order (an explicit sort: Vega's sort-by-field can reorder stacks)."""
    return list(frame.sort_values(["position", "dimension"])["dimension"].drop_duplicates())


def _floats(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Nullable integers/decimals as floats with NaN (Vega sees null: a gap, never a 0)."""
    return frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce").astype(float) for c in columns})


def _finish(chart: alt.TopLevelMixin, text: str) -> alt.TopLevelMixin:
    """A builder's last step: its text alternative and the theme (the chart is the builder's own)."""
    chart.description = text
    return styled(chart)


LABEL_ROOM = 0.55   # levels: a bar this long holds its value label inside its end


def _level_bars(data: pd.DataFrame, value: str, target: str, y: alt.Y, title: str, tooltip: list,
                fmt: str) -> alt.LayerChart:
    """Bars from level 1 to `value`, a tick at `target`, and the value written where no tick can
    touch it: inside the bar's end (white on the bar) when the bar is long enough and no tick falls
    on the label, otherwise just right of both bar and tick."""
    v, t = data[value], data[target]
    tick_on_label = (t > v - LABEL_ROOM - 0.1) & (t < v - 0.02)   # a tick at or past the bar's end is clear
    data = data.assign(label=v.map(lambda x: "" if pd.isna(x) else format(x, fmt)),
                       inside=((v - 1) >= LABEL_ROOM) & ~tick_on_label)
    data["label_x"] = data[value].where(data["inside"], data[[value, target]].max(axis=1))
    data["label_colour"] = data["inside"].map({True: "#ffffff", False: INK})
    base = alt.Chart().encode(y=y)   # the layers share the data given once, to the layer
    bars = base.mark_bar(color=PALETTE["score"], cornerRadiusEnd=3).encode(
        x=alt.X(f"{value}:Q", scale=LEVEL_SCALE, title=title, axis=alt.Axis(**LEVEL_AXIS)),
        x2=alt.X2(datum=1), tooltip=tooltip)
    ticks = base.mark_tick(color=PALETTE["target"], opacity=1, thickness=3, size=24).encode(x=alt.X(f"{target}:Q"), tooltip=tooltip)
    labels = base.mark_text(align={"expr": "datum.inside ? 'right' : 'left'"}, dx={"expr": "datum.inside ? -6 : 7"},
                            fontWeight="bold").encode(
        x=alt.X("label_x:Q"), text=alt.Text("label:N"), tooltip=tooltip, color=alt.Color("label_colour:N", scale=None))
    return alt.layer(bars, ticks, labels, data=data)


def dimension_averages(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Bars: the organisation's mean level per dimension; ticks: the mean target; the value at the bar."""
    data = frame.assign(average=frame["average"].astype(float), target=frame["target"].astype(float))
    tooltip = [alt.Tooltip("dimension:N"), alt.Tooltip("average:Q", format=".2f", title="average level"),
               alt.Tooltip("target:Q", format=".2f", title="average target"),
               alt.Tooltip("departments:Q", title="departments scored")]
    y = alt.Y("dimension:N", sort=_in_model_order(data), title=None, axis=_row_axis())
    chart = _level_bars(data, "average", "target", y, "Average level (bar) and target (tick)", tooltip, ".1f")
    return _finish(chart.properties(height=_step(data["dimension"], 32)), describe.dimension_averages(frame))


# --- trend page (sponsors) ------------------------------------------------------------------------------

def _chosen(data: pd.DataFrame, selected: str | None) -> str | None:
    """The heatmap's label of the chosen department (None when it is not in the rows)."""
    if not selected:
        return None
    rows = data.loc[data["department_id"] == selected, "department"]
    return str(rows.iloc[0]) if len(rows) else None


COLUMN_WRAP = 14   # characters per line of a heatmap column header (7 to 9 columns)


def _column_axis(columns: int, large_text: bool) -> alt.Axis:
    """The heatmap's column headers on top: up to 12 columns level and wrapped, the block of lines
    growing upwards from the cells (Vega starts a label's lines at its anchor); more columns slanted."""
    wrap = 20 if columns <= 6 else COLUMN_WRAP if columns <= 9 else 11
    if columns > 12:
        return alt.Axis(orient="top", labelAngle=-45, labelAlign="left", labelLimit=ROW_LIMIT, labelOverlap=False)
    return alt.Axis(orient="top", labelAngle=0, labelAlign="center", labelBaseline="bottom", labelOverlap=False,
                    labelLimit=ROW_LIMIT, labelExpr=wrap_expr(wrap),
                    labelPadding={"expr": f"6 + {_more_lines(wrap)} * {_line(large_text)}"})


def heatmap(frame: pd.DataFrame, *, large_text: bool = False, selected: str | None = None,
            ranked: bool = False) -> alt.TopLevelMixin:
    """Departments x dimensions coloured by level; clicking a department selects it (drill-down).

    `selected` (a department_id as in the rows) is outlined and its name set in bold. Rows in name
    order, or (`ranked`) in the rows' own order. Long dimension names wrap; the tooltip has them whole.
    """
    data = _floats(frame, "score", "target").assign(
        evidence=frame["evidence"].fillna(""), level_name=frame["level_name"].fillna(""),
        **({"agreed": frame["agreed"].fillna("")} if "agreed" in frame else {}),
        mark=frame["cell"].map(lambda c: CELL_MARK.get(c, c)),
        outline=frame["cell"].map(lambda c: RULE if c in EMPTY_CELLS else None))   # per row: no condition to check
    many = data["department_id"].nunique() > 40
    departments = list(dict.fromkeys(data["department"])) if ranked else sorted(data["department"].unique())
    chosen = _chosen(data, selected)
    bold = {"labelFontWeight": {"expr": f"datum.value === {_literal(chosen)} ? 'bold' : 'normal'"}} if chosen else {}
    pick = alt.selection_point(name=HEATMAP_SELECTION, fields=["department_id"], on="click", clear="dblclick")
    y = alt.Y("department:N", sort=departments, title=None, scale=alt.Scale(paddingInner=0.1),
              axis=_row_axis(large_text, **bold))
    base = alt.Chart().encode(   # the layers share the data given once, to the layer (cheaper to build)
        x=alt.X("dimension:N", sort=_in_model_order(data), title=None, scale=alt.Scale(paddingInner=0.06),
                axis=_column_axis(data["dimension"].nunique(), large_text)),
        y=y,
        tooltip=[alt.Tooltip("department:N"), alt.Tooltip("dimension:N"), alt.Tooltip("cell:N", title="level"),
                 alt.Tooltip("level_name:N", title="level name"), alt.Tooltip("target:Q", title="target"),
                 *([alt.Tooltip("agreed:N", title="rating round")] if "agreed" in data else []),
                 alt.Tooltip("evidence:N")])
    legend_labels = " : ".join(f"datum.label === '{k}' ? '{v} {k}'" for k, v in CELL_MARK.items() if k != "N/A")
    cells = base.mark_rect(cornerRadius=2, cursor="pointer", strokeWidth=1.5).encode(
        color=alt.Color("cell:N", title="Level", scale=alt.Scale(domain=list(CELL_COLOURS),
                                                                  range=list(CELL_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square",
                                          symbolSize=200, symbolStrokeWidth=1,
                                          labelExpr=f"{legend_labels} : datum.label")),
        stroke=alt.Stroke("outline:N", scale=None))
    layers = [cells]
    if not many:
        layers.append(base.mark_text(fontWeight="bold").encode(
            text=alt.Text("mark:N"),
            color=alt.Color("cell:N", scale=alt.Scale(domain=list(CELL_TEXT), range=list(CELL_TEXT.values())),
                            legend=None)))
    if chosen:   # a rect with only y spans the whole row: the chosen department's, outlined
        layers.append(alt.Chart().transform_filter(alt.FieldEqualPredicate(field="department_id", equal=selected))
                      .mark_rect(filled=False, stroke=HIGHLIGHT, strokeWidth=3, cornerRadius=3, aria=False)
                      .encode(y=y))
    layers[0] = cells.add_params(pick)
    chart = alt.layer(*layers, data=data).resolve_scale(color="independent")
    step = alt.Step(10) if many else _step(departments, 38 if large_text else 30, large_text)
    chart = chart.properties(height=step, width="container")
    return _finish(chart, describe.heatmap(frame))


def _series_legend() -> alt.Legend:
    """A line per series in the legend, dashed like the line (not the dashed outline of a dot)."""
    return alt.Legend(orient="bottom", title=None, symbolType="stroke", symbolStrokeWidth=3, symbolSize=700)


def department_trend(frame: pd.DataFrame, *, title: str = "", height: int = 280) -> alt.TopLevelMixin:
    """The department's overall level per quarter with its target and the organisation's mean.

    Quarters without a submitted assessment are nulls: Vega-Lite breaks the line there.
    """
    data = _floats(frame, "overall", "target", "organisation")
    long = data.melt(id_vars=["quarter", "scored"], value_vars=["overall", "target", "organisation"],
                     var_name="series", value_name="level")
    long["series"] = long["series"].map({"overall": "department", "target": "target",
                                         "organisation": "organisation"})
    chart = alt.Chart(long).mark_line(point=True, strokeWidth=3).encode(
        x=alt.X("quarter:O", title=None, sort=list(data["quarter"]), axis=alt.Axis(labelAngle=0)),
        y=alt.Y("level:Q", scale=LEVEL_SCALE, title="Overall level", axis=alt.Axis(**LEVEL_AXIS)),
        color=alt.Color("series:N", scale=alt.Scale(domain=list(LINES), range=list(LINES.values())),
                        legend=_series_legend()),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=list(LINES), range=[[1, 0], [7, 4], [2, 3]]),
                                  legend=_series_legend()),
        tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("series:N"), alt.Tooltip("level:Q", format=".2f"),
                 alt.Tooltip("scored:Q", title="dimensions scored")])
    return _finish(chart.properties(height=height, width="container", title=title), describe.department_trend(frame))


def dimension_multiples(frame: pd.DataFrame, columns: int = 3, width: int = 280, *,
                        large_text: bool = False) -> alt.TopLevelMixin:
    """Small multiples: one panel per dimension with the level and (dashed) the target per quarter."""
    data = _floats(frame, "score", "target")
    long = data.melt(id_vars=["quarter", "dimension", "position"], value_vars=["score", "target"],
                     var_name="series", value_name="level")
    long["series"] = long["series"].map({"score": "level", "target": "target"})
    order = list(data.sort_values("position")["dimension"].drop_duplicates())
    series = ["level", "target"]
    chart = alt.Chart(long).mark_line(point=True, strokeWidth=2.5).encode(
        x=alt.X("quarter:O", title=None, sort=sorted(data["quarter"].unique()), axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("level:Q", scale=LEVEL_SCALE, title=None, axis=alt.Axis(**LEVEL_AXIS)),
        color=alt.Color("series:N", scale=alt.Scale(domain=series, range=[PALETTE["score"], PALETTE["target"]]),
                        legend=_series_legend()),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=series, range=[[1, 0], [7, 4]]),
                                  legend=_series_legend()),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("quarter:O"), alt.Tooltip("series:N"),
                 alt.Tooltip("level:Q")],
    ).properties(width=width, height=round(width * 0.5)).facet(
        facet=alt.Facet("dimension:N", sort=order, title=None, header=alt.Header(
            labelExpr=wrap_expr(max(16, width // (10 if large_text else 8))), labelLimit=width)),
        columns=columns)
    return _finish(chart, describe.dimension_multiples(frame))


def department_gaps(frame: pd.DataFrame, *, large_text: bool = False) -> alt.TopLevelMixin:
    """Bars: the department's level per dimension; ticks: its target; the level written at the bar."""
    data = _floats(frame, "score", "target", "gap")
    tooltip = [alt.Tooltip("dimension:N"), alt.Tooltip("score:Q", title="level"), alt.Tooltip("target:Q"),
               alt.Tooltip("gap:Q", title="gap to target")]
    y = alt.Y("dimension:N", sort=_in_model_order(data), title=None, axis=_row_axis(large_text))
    chart = _level_bars(data, "score", "target", y, "Level (bar) and target (tick)", tooltip, ".0f")
    return _finish(chart.properties(height=_step(data["dimension"], 30, large_text), width="container"),
                   describe.department_gaps(frame))


def organisation_gaps(frame: pd.DataFrame, *, large_text: bool = False) -> alt.TopLevelMixin:
    """Mean gap to target per dimension across departments (longer bar: further from target)."""
    data = _floats(frame, "average", "target", "gap")
    chart = alt.Chart(data).mark_bar(color=PALETTE["target"], cornerRadiusEnd=3).encode(
        y=alt.Y("dimension:N", sort=_in_model_order(data), title=None, axis=_row_axis(large_text)),
        x=alt.X("gap:Q", title="Mean gap to target (levels)", axis=alt.Axis(tickCount=6)),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("gap:Q", format=".2f", title="mean gap"),
                 alt.Tooltip("average:Q", format=".2f", title="mean level"),
                 alt.Tooltip("target:Q", format=".2f", title="mean target"),
                 alt.Tooltip("below_target:Q", title="departments below target"),
                 alt.Tooltip("departments:Q", title="departments scored")],
    ).properties(height=_step(data["dimension"], 30, large_text), width="container")
    return _finish(chart, describe.organisation_gaps(frame))


def distribution(frame: pd.DataFrame, *, large_text: bool = False) -> alt.TopLevelMixin:
    """How many departments sit at each level, per dimension (no department names)."""
    levels = ["1", "2", "3", "4", "5", "N/A"]
    chart = alt.Chart(frame).mark_bar(stroke=BACKGROUND, strokeWidth=1).encode(
        y=alt.Y("dimension:N", sort=_in_model_order(frame), title=None, axis=_row_axis(large_text)),
        x=alt.X("departments:Q", stack="normalize", title="Share of departments",
                axis=alt.Axis(format="%", values=[0, 0.25, 0.5, 0.75, 1])),
        color=alt.Color("level:N", title="Level", scale=alt.Scale(domain=levels, range=[CELL_COLOURS[k] for k in levels]),
                        legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square")),
        order=alt.Order("level:N"),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("level:N"), alt.Tooltip("departments:Q")],
    ).properties(height=_step(frame["dimension"], 30, large_text), width="container")
    return _finish(chart, describe.distribution(frame))


def movers(frame: pd.DataFrame, *, large_text: bool = False) -> alt.TopLevelMixin:
    """Diverging bars: change in a department's overall level (on the dimensions scored both times)."""
    data = _floats(frame, "before", "after", "change")
    data["colour"] = data["change"].map(lambda c: MOVES["up"] if c > 0 else MOVES["down"])
    chart = alt.Chart(data).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("department:N", sort=alt.SortField("change", order="descending"), title=None, axis=_row_axis(large_text)),
        x=alt.X("change:Q", title="Change in overall level", axis=SIGNED_AXIS),
        color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("department:N"), alt.Tooltip("before:Q", format=".2f"),
                 alt.Tooltip("after:Q", format=".2f"), alt.Tooltip("change:Q", format="+.2f"),
                 alt.Tooltip("dimensions:Q", title="dimensions compared")],
    ).properties(height=_step(data["department"], 28, large_text), width="container")
    return _finish(chart, describe.movers(frame))


def opened_closed(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Improvements raised vs closed per quarter, side by side."""
    long = frame.melt(id_vars=["quarter"], value_vars=["opened", "closed"], var_name="flow", value_name="items")
    flows = ["opened", "closed"]
    chart = alt.Chart(long).mark_bar().encode(
        x=alt.X("quarter:O", title=None, axis=alt.Axis(labelAngle=-45)),
        xOffset=alt.XOffset("flow:N", sort=flows),
        y=alt.Y("items:Q", title="Improvements", axis=COUNT_AXIS),
        color=alt.Color("flow:N", title=None, sort=flows, scale=alt.Scale(domain=flows, range=[FLOW[f] for f in flows]),
                        legend=alt.Legend(orient="bottom", symbolType="square")),
        tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("flow:N"), alt.Tooltip("items:Q")],
    ).properties(height=240, width="container")
    return _finish(chart, describe.opened_closed(frame))


def work_in_progress(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Open improvements per status, in workflow order."""
    chart = alt.Chart(frame).mark_bar(color=PALETTE["score"], cornerRadiusEnd=3).encode(
        y=alt.Y("status:N", sort=list(frame["status"]), title=None, axis=_row_axis()),
        x=alt.X("items:Q", title="Open improvements", axis=COUNT_AXIS),
        tooltip=[alt.Tooltip("status:N"), alt.Tooltip("items:Q")],
    ).properties(height=alt.Step(30), width="container")
    return _finish(chart, describe.counts(frame, "status"))


def open_age(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Open improvements by age since they were raised."""
    chart = alt.Chart(frame).mark_bar(color=FLOW["age"], cornerRadiusEnd=3).encode(
        x=alt.X("age:N", sort=list(frame["age"]), title=None, axis=alt.Axis(labelAngle=0, labelExpr=wrap_expr(12))),
        y=alt.Y("items:Q", title="Open improvements", axis=COUNT_AXIS),
        tooltip=[alt.Tooltip("age:N"), alt.Tooltip("items:Q")],
    ).properties(height=240, width="container")
    return _finish(chart, describe.counts(frame, "age"))


def cycle_time(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Median days from raised to closed, per quarter of closing (a gap where nothing closed)."""
    data = _floats(frame, "median_days")
    chart = alt.Chart(data).mark_line(point=True, strokeWidth=3, color=PALETTE["score"]).encode(
        x=alt.X("quarter:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("median_days:Q", title="Median cycle time (days)"),
        tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("median_days:Q", format=".0f", title="median days"),
                 alt.Tooltip("closed:Q", title="closed")],
    ).properties(height=240, width="container")
    return _finish(chart, describe.cycle_time(frame))


# --- images -------------------------------------------------------------------------------------------

EXPORT_WIDTH = 960   # px for a chart that fills its container on screen: 1920 px at 2x, a slide's width


def export_spec(chart: alt.TopLevelMixin, title: str | None = None, subtitle: str | None = None) -> str:
    """The JSON spec used for images: a fixed width where the chart fills its container on screen
    (wider in meeting-room type), and (given) a title and subtitle, on the image only (what, which
    quarter, which organisation)."""
    spec = json.loads(chart.to_json())
    if spec.get("width") == "container":   # larger type (meeting mode) gets the room it takes on screen
        label = spec.get("config", {}).get("axis", {}).get("labelFontSize", SIZES["page"]["label"])
        spec["width"] = round(EXPORT_WIDTH * max(1.0, label / SIZES["page"]["label"]))
    if title:
        spec["title"] = {"text": title, **({"subtitle": subtitle} if subtitle else {})}
    spec.setdefault("background", BACKGROUND)
    return json.dumps(spec, sort_keys=True)


def to_png(chart: alt.TopLevelMixin | str, scale: float = 2.0) -> bytes:
    """The chart as a PNG image, rendered offline by vl-convert (takes a chart or its JSON spec)."""
    import vl_convert as vlc  # deferred: loaded only when someone asks for an image

    return vlc.vegalite_to_png(chart if isinstance(chart, str) else export_spec(chart), scale=scale)


def to_svg(chart: alt.TopLevelMixin | str) -> bytes:
    """The chart as an SVG image (UTF-8 bytes), rendered offline by vl-convert."""
    import vl_convert as vlc  # deferred: loaded only when someone asks for an image

    return vlc.vegalite_to_svg(chart if isinstance(chart, str) else export_spec(chart)).encode("utf-8")


# --- improvement backlog --------------------------------------------------------------------------------

EFFORT_ORDER = ["S", "M", "L", "XL"]


def value_effort(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """Open improvements by effort (x) and value (y), jittered so items in one cell stay apart.

    Top left are the quick wins (high value, small effort). Size shows the maturity gap; colour
    the suggested priority (darker: higher). Takes at most a few hundred rows (the highest priorities).
    """
    data = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce").astype(float),
                        gap=pd.to_numeric(frame["gap"], errors="coerce").astype(float),
                        priority=pd.to_numeric(frame["priority"], errors="coerce").astype(float),
                        dimension=frame["dimension"].fillna("(no dimension)"),
                        owner=frame["owner"].fillna(""))
    base = alt.Chart(data).transform_calculate(
        jx="(random() - 0.5) * 0.7", vy="datum.value + (random() - 0.5) * 0.5")
    points = base.mark_circle(opacity=1, stroke=BACKGROUND, strokeWidth=1).encode(
        x=alt.X("effort:O", sort=EFFORT_ORDER, scale=alt.Scale(domain=EFFORT_ORDER), title="Effort",
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("jx:Q", scale=alt.Scale(domain=[-0.5, 0.5])),
        y=alt.Y("vy:Q", scale=alt.Scale(domain=[0.5, 5.5], nice=False), title="Value (1-5)",
                axis=alt.Axis(values=[1, 2, 3, 4, 5], tickMinStep=1)),
        size=alt.Size("gap:Q", scale=alt.Scale(domain=[0, 4], range=[70, 460]), title="Maturity gap",
                      legend=alt.Legend(orient="bottom", direction="horizontal", symbolFillColor=INK_SOFT,
                                        symbolStrokeColor=BACKGROUND, values=[0, 1, 2, 3, 4])),
        color=alt.Color("priority:Q", scale=alt.Scale(range=PRIORITY_RAMP, interpolate="rgb"), title="Priority",
                        legend=alt.Legend(orient="bottom", direction="horizontal", gradientLength=220)),
        tooltip=[alt.Tooltip("item_id:N", title="item"), alt.Tooltip("title:N"),
                 alt.Tooltip("department:N"), alt.Tooltip("dimension:N"), alt.Tooltip("status:N"),
                 alt.Tooltip("owner:N"), alt.Tooltip("value:Q"), alt.Tooltip("effort:N"),
                 alt.Tooltip("gap:Q", title="maturity gap"),
                 alt.Tooltip("priority:Q", format=".1f", title="suggested priority")])
    # fit-x: the plot keeps its height under the legends (Streamlit's theme would fit all into 380 px)
    chart = points.properties(height=380, width="container", autosize=alt.AutoSizeParams(type="fit-x",
                                                                                       contains="padding"))
    return _finish(chart, describe.value_effort(frame))


# --- rating rounds: one dimension's answers --------------------------------------------------------------


def answer_counts(frame: pd.DataFrame) -> alt.TopLevelMixin:
    """A small histogram of a closed round's answers to one dimension: how many gave each level 1-5.

    Takes five rows (`level` "1".."5", `answers`), made from a results.Shown summary only: a dimension
    below its round's threshold has no counts to draw."""
    levels = [str(level) for level in LEVEL_TICKS]
    data = frame.assign(level=frame["level"].astype(str), answers=frame["answers"].astype(int))
    chart = alt.Chart(data).mark_bar(cornerRadiusEnd=3).encode(
        x=alt.X("level:O", sort=levels, scale=alt.Scale(domain=levels), title="Level",
                axis=alt.Axis(labelAngle=0)),
        y=alt.Y("answers:Q", title="Answers", axis=COUNT_AXIS),
        color=alt.Color("level:N", scale=alt.Scale(domain=levels, range=[LEVEL_COLOURS[k] for k in levels]),
                        legend=None),
        tooltip=[alt.Tooltip("level:O", title="level"), alt.Tooltip("answers:Q", title="answers")],
    ).properties(height=150, width="container")
    counts = dict(zip(data["level"], data["answers"]))
    total = sum(counts.values())
    text = (f"{total} answer{'' if total == 1 else 's'} with a level: "
            + ", ".join(f"level {k} {counts.get(k, 0)}" for k in levels) + ".")
    return _finish(chart, text)
