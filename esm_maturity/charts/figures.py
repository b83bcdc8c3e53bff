"""Altair chart builders. They take aggregated rows (never raw scores) and return charts."""

from __future__ import annotations

import json
import altair as alt
import pandas as pd

LEVEL_SCALE = alt.Scale(domain=[0, 5], nice=False)
LEVEL_TICKS = list(range(6))   # levels are whole numbers: no 0.5 steps on a level axis
PALETTE = {"score": "#2f6f8f", "target": "#e07b39"}


def dimension_averages(frame: pd.DataFrame) -> alt.Chart:
    """Bars: the organisation's mean level per dimension; ticks: the mean target."""
    data = frame.assign(average=frame["average"].astype(float), target=frame["target"].astype(float))
    base = alt.Chart(data).encode(
        y=alt.Y("dimension:N", sort=alt.SortField("position"), title=None, axis=alt.Axis(labelLimit=260)))
    bars = base.mark_bar(color=PALETTE["score"], cornerRadiusEnd=3).encode(
        x=alt.X("average:Q", scale=LEVEL_SCALE, title="Average level", axis=alt.Axis(values=LEVEL_TICKS)),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("average:Q", format=".2f", title="average level"),
                 alt.Tooltip("target:Q", format=".2f", title="average target"),
                 alt.Tooltip("departments:Q", title="departments scored")])
    ticks = base.mark_tick(color=PALETTE["target"], thickness=3, size=22).encode(
        x="target:Q", tooltip=[alt.Tooltip("target:Q", format=".2f", title="average target")])
    labels = base.mark_text(align="left", dx=4, color="#333").encode(
        x="average:Q", text=alt.Text("average:Q", format=".1f"))
    return (bars + ticks + labels).properties(height=alt.Step(30))


# --- trend page (sponsors) ------------------------------------------------------------------

CELL_COLOURS = {"1": "#d7e6f0", "2": "#a9cbe0", "3": "#6fa6c8", "4": "#3a7eab", "5": "#1b4f72",
                "N/A": "#ececec", "not assessed": "#fbe3d1", "not submitted": "#f8f8f8"}
CELL_MARK = {"N/A": "N/A", "not assessed": "?", "not submitted": "–"}
CELL_TEXT = {"1": "#1b1b1b", "2": "#1b1b1b", "3": "#1b1b1b", "4": "#ffffff", "5": "#ffffff",
             "N/A": "#777777", "not assessed": "#a65a1f", "not submitted": "#999999"}
HEATMAP_SELECTION = "department"
LINES = {"department": "#2f6f8f", "target": "#e07b39", "organisation": "#8c8c8c"}


def _in_model_order(frame: pd.DataFrame) -> list[str]:
    """Dimension names in the model's order (an explicit sort: Vega's sort-by-field can reorder stacks)."""
    return list(frame.sort_values(["position", "dimension"])["dimension"].drop_duplicates())


def _floats(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Nullable integers/decimals as floats with NaN (Vega sees null: a gap, never a 0)."""
    return frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce").astype(float) for c in columns})


def heatmap(frame: pd.DataFrame, *, large_text: bool = False) -> alt.Chart:
    """Departments x dimensions coloured by level; clicking a department selects it (drill-down)."""
    data = _floats(frame, "score", "target").assign(
        evidence=frame["evidence"].fillna(""), level_name=frame["level_name"].fillna(""),
        mark=frame["cell"].map(lambda c: CELL_MARK.get(c, c)))
    many = data["department_id"].nunique() > 40
    pick = alt.selection_point(name=HEATMAP_SELECTION, fields=["department_id"], on="click", clear="dblclick")
    base = alt.Chart(data).encode(
        x=alt.X("dimension:N", sort=_in_model_order(data), title=None,
                axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=190,
                              labelOverlap=False, labelFontSize=15 if large_text else 11)),
        y=alt.Y("department:N", sort=sorted(data["department"].unique()), title=None,
                axis=alt.Axis(labelLimit=240 if large_text else 200, labelFontSize=17 if large_text else 11)),
        tooltip=[alt.Tooltip("department:N"), alt.Tooltip("dimension:N"), alt.Tooltip("cell:N", title="level"),
                 alt.Tooltip("level_name:N", title="level name"), alt.Tooltip("target:Q", title="target"),
                 alt.Tooltip("evidence:N")])
    cells = base.mark_rect(stroke="#ffffff", strokeWidth=1.5, cornerRadius=2, cursor="pointer").encode(
        color=alt.Color("cell:N", title="Level", scale=alt.Scale(domain=list(CELL_COLOURS),
                                                                  range=list(CELL_COLOURS.values())),
                        legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square",
                                          symbolSize=180, symbolStrokeColor="#cccccc", symbolStrokeWidth=0.5)),
        opacity=alt.condition(pick, alt.value(1.0), alt.value(0.35)),
)
    chart = cells
    if not many:
        labels = base.mark_text(fontSize=17 if large_text else 12).encode(
            text=alt.Text("mark:N"),
            color=alt.Color("cell:N", scale=alt.Scale(domain=list(CELL_TEXT), range=list(CELL_TEXT.values())),
                            legend=None))
        chart = alt.layer(cells, labels).resolve_scale(color="independent")
    chart = chart.add_params(pick)
    step = 10 if many else (38 if large_text else 26)
    return chart.properties(height=alt.Step(step), width="container")


def department_trend(frame: pd.DataFrame, *, title: str = "", height: int = 280) -> alt.Chart:
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
        y=alt.Y("level:Q", scale=LEVEL_SCALE, title="Overall level", axis=alt.Axis(values=LEVEL_TICKS)),
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=list(LINES), range=list(LINES.values())),
                        legend=alt.Legend(orient="bottom")),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=list(LINES), range=[[1, 0], [6, 4], [2, 3]]),
                                  legend=None),
        tooltip=[alt.Tooltip("quarter:O"), alt.Tooltip("series:N"), alt.Tooltip("level:Q", format=".2f"),
                 alt.Tooltip("scored:Q", title="dimensions scored")])
    return chart.properties(height=height, width="container", title=title)


def dimension_multiples(frame: pd.DataFrame, columns: int = 3, width: int = 280, *,
                        large_text: bool = False) -> alt.Chart:
    """Small multiples: one panel per dimension with the level and (dashed) the target per quarter."""
    data = _floats(frame, "score", "target")
    long = data.melt(id_vars=["quarter", "dimension", "position"], value_vars=["score", "target"],
                     var_name="series", value_name="level")
    order = list(data.sort_values("position")["dimension"].drop_duplicates())
    return alt.Chart(long).mark_line(point=True).encode(
        x=alt.X("quarter:O", title=None, sort=sorted(data["quarter"].unique()),
                axis=alt.Axis(labelAngle=-45, labelFontSize=13 if large_text else 9)),
        y=alt.Y("level:Q", scale=LEVEL_SCALE, title=None, axis=alt.Axis(values=LEVEL_TICKS)),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                        scale=alt.Scale(domain=["score", "target"], range=[PALETTE["score"], PALETTE["target"]])),
        strokeDash=alt.StrokeDash("series:N", scale=alt.Scale(domain=["score", "target"], range=[[1, 0], [6, 4]]),
                                  legend=None),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("quarter:O"), alt.Tooltip("series:N"),
                 alt.Tooltip("level:Q")],
    ).properties(width=width, height=round(width * 0.5)).facet(
        facet=alt.Facet("dimension:N", sort=order, title=None, header=alt.Header(
            labelFontWeight="bold", labelLimit=width - 10, labelFontSize=16 if large_text else 12)),
        columns=columns)


def department_gaps(frame: pd.DataFrame) -> alt.Chart:
    """Bars: the department's level per dimension; ticks: its target; text: the gap."""
    data = _floats(frame, "score", "target", "gap")
    base = alt.Chart(data).encode(
        y=alt.Y("dimension:N", sort=_in_model_order(data), title=None, axis=alt.Axis(labelLimit=260)))
    bars = base.mark_bar(color=PALETTE["score"], cornerRadiusEnd=3).encode(
        x=alt.X("score:Q", scale=LEVEL_SCALE, title="Level (bar) and target (tick)",
                axis=alt.Axis(values=LEVEL_TICKS)),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("score:Q", title="level"), alt.Tooltip("target:Q"),
                 alt.Tooltip("gap:Q", title="gap to target")])
    ticks = base.mark_tick(color=PALETTE["target"], thickness=4, size=24).encode(
        x="target:Q", tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("target:Q")])
    return (bars + ticks).properties(height=alt.Step(28), width="container")


def organisation_gaps(frame: pd.DataFrame) -> alt.Chart:
    """Mean gap to target per dimension across departments (longer bar: further from target)."""
    data = _floats(frame, "average", "target", "gap")
    return alt.Chart(data).mark_bar(color=PALETTE["target"], cornerRadiusEnd=3).encode(
        y=alt.Y("dimension:N", sort=_in_model_order(data), title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("gap:Q", title="Mean gap to target (levels)"),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("gap:Q", format=".2f", title="mean gap"),
                 alt.Tooltip("average:Q", format=".2f", title="mean level"),
                 alt.Tooltip("target:Q", format=".2f", title="mean target"),
                 alt.Tooltip("below_target:Q", title="departments below target"),
                 alt.Tooltip("departments:Q", title="departments scored")],
    ).properties(height=alt.Step(28), width="container")


def distribution(frame: pd.DataFrame) -> alt.Chart:
    """How many departments sit at each level, per dimension (no department names)."""
    levels = ["1", "2", "3", "4", "5", "N/A"]
    colours = [CELL_COLOURS[k] for k in levels]
    data = frame
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("dimension:N", sort=_in_model_order(data), title=None, axis=alt.Axis(labelLimit=260)),
        x=alt.X("departments:Q", stack="normalize", title="Share of departments",
                axis=alt.Axis(format="%")),
        color=alt.Color("level:N", title="Level", scale=alt.Scale(domain=levels, range=colours),
                        legend=alt.Legend(orient="bottom", direction="horizontal")),
        order=alt.Order("level:N"),
        tooltip=[alt.Tooltip("dimension:N"), alt.Tooltip("level:N"), alt.Tooltip("departments:Q")],
    ).properties(height=alt.Step(28), width="container")


def movers(frame: pd.DataFrame) -> alt.Chart:
    """Diverging bars: change in a department's overall level (on the dimensions scored both times)."""
    data = _floats(frame, "before", "after", "change")
    return alt.Chart(data).mark_bar(cornerRadiusEnd=3).encode(
        y=alt.Y("department:N", sort=alt.SortField("change", order="descending"), title=None,
                axis=alt.Axis(labelLimit=200)),
        x=alt.X("change:Q", title="Change in overall level"),
        color=alt.condition(alt.datum.change > 0, alt.value("#2e8b57"), alt.value("#c0392b")),
        tooltip=[alt.Tooltip("department:N"), alt.Tooltip("before:Q", format=".2f"),
                 alt.Tooltip("after:Q", format=".2f"), alt.Tooltip("change:Q", format="+.2f"),
                 alt.Tooltip("dimensions:Q", title="dimensions compared")],
    ).properties(height=alt.Step(26), width="container")


def opened_closed(frame: pd.DataFrame) -> alt.Chart:
    """Improvements raised vs closed per quarter, side by side."""
    long = frame.melt(id_vars=["quarter"], value_vars=["opened", "closed"], var_name="flow", value_name="items")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("quarter:O", title=None, axis=alt.Axis(labelAngle=-45)),
        xOffset=alt.XOffset("flow:N", sort=["opened", "closed"]),
        y=alt.Y("items:Q", title="Improvements"),
        color=alt.Color("flow:N", title=None, sort=["opened", "closed"],
                        scale=alt.Scale(domain=["opened", "closed"], range=[PALETTE["target"], "#2e8b57"]),
                        legend=alt.Legend(orient="bottom")),
        tooltip=["quarter:O", "flow:N", "items:Q"],
    ).properties(height=240, width="container")


def work_in_progress(frame: pd.DataFrame) -> alt.Chart:
    """Open improvements per status, in workflow order."""
    return alt.Chart(frame).mark_bar(color=PALETTE["score"], cornerRadiusEnd=3).encode(
        y=alt.Y("status:N", sort=list(frame["status"]), title=None),
        x=alt.X("items:Q", title="Open improvements"),
        tooltip=["status:N", "items:Q"],
    ).properties(height=alt.Step(28), width="container")


def open_age(frame: pd.DataFrame) -> alt.Chart:
    """Open improvements by age since they were raised."""
    return alt.Chart(frame).mark_bar(color="#8e6c8a", cornerRadiusEnd=3).encode(
        x=alt.X("age:N", sort=list(frame["age"]), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("items:Q", title="Open improvements"),
        tooltip=["age:N", "items:Q"],
    ).properties(height=240, width="container")


def cycle_time(frame: pd.DataFrame) -> alt.Chart:
    """Median days from raised to closed, per quarter of closing (a gap where nothing closed)."""
    data = _floats(frame, "median_days")
    return alt.Chart(data).mark_line(point=True, strokeWidth=3, color=PALETTE["score"]).encode(
        x=alt.X("quarter:O", title=None, axis=alt.Axis(labelAngle=-45)),
        y=alt.Y("median_days:Q", title="Median cycle time (days)"),
        tooltip=["quarter:O", alt.Tooltip("median_days:Q", format=".0f", title="median days"),
                 alt.Tooltip("closed:Q", title="closed")],
    ).properties(height=240, width="container")


def to_png(chart: alt.TopLevelMixin | str, scale: float = 2.0) -> bytes:
    """The chart as a PNG image, rendered offline by vl-convert (takes a chart or its JSON spec)."""
    import vl_convert as vlc  # deferred: loaded only when someone asks for an image

    spec = chart if isinstance(chart, str) else _export_spec(chart)
    return vlc.vegalite_to_png(spec, scale=scale)


def to_svg(chart: alt.TopLevelMixin | str) -> bytes:
    """The chart as an SVG image (UTF-8 bytes), rendered offline by vl-convert."""
    import vl_convert as vlc  # deferred: loaded only when someone asks for an image

    spec = chart if isinstance(chart, str) else _export_spec(chart)
    return vlc.vegalite_to_svg(spec).encode("utf-8")


def export_spec(chart: alt.TopLevelMixin) -> str:
    """The JSON spec used for images: a fixed width where the chart fills its container on screen."""
    return _export_spec(chart)


def _export_spec(chart: alt.TopLevelMixin) -> str:
    spec = json.loads(chart.to_json())
    if spec.get("width") == "container":
        spec["width"] = 720
    spec.setdefault("background", "white")
    return json.dumps(spec, sort_keys=True)


# Meeting mode draws charts without Streamlit's chart theme (which sets the type size, small), so
# this is the whole look: the app's font and greys, with type readable across a meeting room.
MEETING_FONT = '"Source Sans", "Source Sans Pro", sans-serif'
MEETING_TEXT, MEETING_GRID = "#31333f", "#e6e9ef"


def for_meeting(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Larger type for a chart shown on a meeting-room screen (show it with theme=None)."""
    text = {"labelColor": MEETING_TEXT, "titleColor": MEETING_TEXT, "labelFont": MEETING_FONT,
            "titleFont": MEETING_FONT}
    return (chart.configure(font=MEETING_FONT)
            .configure_axis(labelFontSize=16, titleFontSize=17, titleFontWeight="normal", gridColor=MEETING_GRID,
                            domainColor=MEETING_GRID, tickColor=MEETING_GRID, titlePadding=12, **text)
            .configure_legend(labelFontSize=17, titleFontSize=17, symbolSize=220, titleFontWeight="normal",
                              labelLimit=320, **text)
            .configure_header(labelFontSize=18, titleFontSize=18, labelColor=MEETING_TEXT,
                              titleColor=MEETING_TEXT, labelFont=MEETING_FONT)
            .configure_title(fontSize=20, color=MEETING_TEXT, anchor="start", font=MEETING_FONT)
            .configure_view(strokeWidth=0))


# --- improvement backlog ----------------------------------------------------------------------

EFFORT_ORDER = ["S", "M", "L", "XL"]


def value_effort(frame: pd.DataFrame) -> alt.Chart:
    """Open improvements by effort (x) and value (y), jittered so items in one cell stay apart.

    Top left are the quick wins (high value, small effort). Size shows the maturity gap; colour
    the suggested priority. Takes at most a few hundred rows (the highest priorities).
    """
    data = frame.assign(value=pd.to_numeric(frame["value"], errors="coerce").astype(float),
                        gap=pd.to_numeric(frame["gap"], errors="coerce").astype(float),
                        priority=pd.to_numeric(frame["priority"], errors="coerce").astype(float),
                        dimension=frame["dimension"].fillna("(no dimension)"),
                        owner=frame["owner"].fillna(""))
    base = alt.Chart(data).transform_calculate(
        jx="(random() - 0.5) * 0.7", vy="datum.value + (random() - 0.5) * 0.5")
    points = base.mark_circle(opacity=0.75, stroke="#ffffff", strokeWidth=1).encode(
        x=alt.X("effort:O", sort=EFFORT_ORDER, scale=alt.Scale(domain=EFFORT_ORDER), title="Effort",
                axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("jx:Q", scale=alt.Scale(domain=[-0.5, 0.5])),
        y=alt.Y("vy:Q", scale=alt.Scale(domain=[0.5, 5.5], nice=False), title="Value (1-5)",
                axis=alt.Axis(values=[1, 2, 3, 4, 5], tickMinStep=1)),
        size=alt.Size("gap:Q", scale=alt.Scale(domain=[0, 4], range=[60, 420]), title="Maturity gap"),
        color=alt.Color("priority:Q", scale=alt.Scale(scheme="orangered"), title="Priority"),
        tooltip=[alt.Tooltip("item_id:N", title="item"), alt.Tooltip("title:N"),
                 alt.Tooltip("department:N"), alt.Tooltip("dimension:N"), alt.Tooltip("status:N"),
                 alt.Tooltip("owner:N"), alt.Tooltip("value:Q"), alt.Tooltip("effort:N"),
                 alt.Tooltip("gap:Q", title="maturity gap"),
                 alt.Tooltip("priority:Q", format=".1f", title="suggested priority")])
    return points.properties(height=360)
