"""Charts a room can read: level axes 1-5, no cut-off label, the chosen department outlined, every
colour with enough contrast, one theme everywhere, images titled for a slide, and a text
alternative that states the figures. Built from small hand-made frames (no database)."""

from __future__ import annotations

import functools
import json
import re

import pandas as pd
import pytest

from esm_maturity.charts import describe
from esm_maturity.charts import figures as charts
from tests.text_corpus import PAYLOADS

LONG_DIMENSIONS = ["Psychological safety and learning from failure", "Continual improvement and check-in cadence",
                   "Knowledge sharing", "Sponsorship and championing"]
DEPARTMENTS = {"HR": "Human Resources", "IT": "IT Services", "CS": "Customer Service"}


# --- frames shaped like the queries' rows ---------------------------------------------------------------

def heatmap_rows(departments=DEPARTMENTS, dimensions=LONG_DIMENSIONS) -> pd.DataFrame:
    rows = []
    for d, (key, name) in enumerate(departments.items()):
        for i, dim in enumerate(dimensions):
            score = None if key == "CS" else (d + i) % 5 + 1
            rows.append({"department_id": key, "department": name, "dimension_id": f"d{i}", "dimension": dim,
                         "position": i, "score": score, "na": False, "target": None if score is None else 4,
                         "evidence": "", "level_name": "", "cell": "not submitted" if score is None else str(score)})
    frame = pd.DataFrame(rows)
    return frame.astype({"score": "Int32", "target": "Int32"})


def gap_rows() -> pd.DataFrame:
    return pd.DataFrame({"dimension_id": ["a", "b", "c", "d"], "dimension": LONG_DIMENSIONS, "position": [1, 2, 3, 4],
                         "score": [1, 3, 5, 4], "target": [3, 3, 5, 5], "gap": [2, 0, 0, 1]})


def average_rows() -> pd.DataFrame:
    return pd.DataFrame({"dimension_id": ["a", "b", "c", "d"], "dimension": LONG_DIMENSIONS, "position": [1, 2, 3, 4],
                         "average": [1.2, 3.4, 3.3, 4.7], "target": [1.4, 3.3, 4.3, 5.0], "departments": [6, 6, 5, 6]})


def trend_rows() -> pd.DataFrame:
    return pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"], "overall": [1.8, None, 2.5, 4.0],
                         "target": [3.2, None, 3.5, 4.6], "scored": [9, 0, 9, 9],
                         "organisation": [1.7, 2.0, 2.4, 3.4]})


def multiples_rows() -> pd.DataFrame:
    rows = [{"quarter": q, "dimension_id": f"d{i}", "dimension": dim, "position": i, "score": (i + j) % 5 + 1,
             "target": 4, "na": False} for i, dim in enumerate(LONG_DIMENSIONS)
            for j, q in enumerate(["2026-Q3", "2026-Q4"])]
    return pd.DataFrame(rows)


def org_gap_rows() -> pd.DataFrame:
    return pd.DataFrame({"dimension_id": ["a", "b"], "dimension": LONG_DIMENSIONS[:2], "position": [1, 2],
                         "average": [3.0, 4.5], "target": [4.2, 4.8], "gap": [1.2, 0.3], "below_target": [5, 2],
                         "departments": [6, 6]})


def spread_rows() -> pd.DataFrame:
    return pd.DataFrame({"dimension_id": ["a", "a", "b"], "dimension": LONG_DIMENSIONS[:1] * 2 + LONG_DIMENSIONS[1:2],
                         "position": [1, 1, 2], "level": ["2", "N/A", "5"], "departments": [3, 1, 4]})


def mover_rows(names=("Human Resources", "IT Services")) -> pd.DataFrame:
    return pd.DataFrame({"department_id": ["HR", "IT"], "department": list(names), "before": [3.6, 2.5],
                         "after": [3.5, 2.8], "change": [-0.1, 0.3], "dimensions": [9, 9]})


def backlog_rows() -> pd.DataFrame:
    return pd.DataFrame({"item_id": ["CI-0001", "CI-0002", "CI-0003"], "title": ["a", "b", "c"],
                         "department": ["HR"] * 3, "dimension": ["x", None, "y"], "status": ["idea"] * 3,
                         "owner": ["Ann", None, "Bo"], "value": [5, 2, 4], "effort": ["S", "XL", "M"],
                         "gap": [2, 0, 1], "priority": [10.0, 0.2, 4.0], "plottable": [3, 3, 3]})


def flow_charts():
    quarters = ["2026-Q3", "2026-Q4"]
    return [charts.opened_closed(pd.DataFrame({"quarter": quarters, "opened": [4, 8], "closed": [1, 6]})),
            charts.work_in_progress(pd.DataFrame({"status": ["idea", "in progress"], "order": [0, 1], "items": [3, 4]})),
            charts.open_age(pd.DataFrame({"age": ["under 30 days", "a year or more"], "order": [0, 1], "items": [2, 9]})),
            charts.cycle_time(pd.DataFrame({"quarter": quarters, "median_days": [None, 42.0], "closed": [0, 6]}))]


@functools.cache
def every_chart():
    """Each builder once (charts are not changed by serialising them)."""
    return {"heatmap": charts.heatmap(heatmap_rows(), selected="IT"),
            "trend": charts.department_trend(trend_rows()),
            "multiples": charts.dimension_multiples(multiples_rows()),
            "department_gaps": charts.department_gaps(gap_rows()),
            "organisation_gaps": charts.organisation_gaps(org_gap_rows()),
            "distribution": charts.distribution(spread_rows()),
            "movers": charts.movers(mover_rows()),
            "averages": charts.dimension_averages(average_rows()),
            "value_effort": charts.value_effort(backlog_rows()),
            **{f"flow_{i}": c for i, c in enumerate(flow_charts())}}


LEVEL_CHARTS = ["trend", "multiples", "department_gaps", "averages"]


@functools.cache
def _spec(name: str) -> str:
    return json.dumps(every_chart()[name].to_dict())


def spec_of(name: str) -> dict:
    return json.loads(_spec(name))


# --- spec walking ---------------------------------------------------------------------------------------

def walk(node):
    """Every dict inside a spec."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def config(spec: dict) -> dict:
    """A spec's config without the view size Altair's default theme adds to every chart."""
    out = json.loads(json.dumps(spec["config"]))
    for key in ("continuousWidth", "continuousHeight"):
        out.get("view", {}).pop(key, None)
    return out


def channels(spec: dict, name: str) -> list[dict]:
    return [node["encoding"][name] for node in walk(spec) if isinstance(node.get("encoding"), dict)
            and name in node["encoding"]]


# --- level axes -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", LEVEL_CHARTS)
def test_every_level_axis_runs_from_1_to_5_in_whole_steps(name):
    spec = spec_of(name)
    levels = [c for ch in ("x", "y") for c in channels(spec, ch) if c.get("scale", {}).get("domain")]
    assert levels, "no level scale found"
    for enc in levels:
        assert enc["scale"]["domain"] == [1, 5] and enc["scale"]["nice"] is False
        assert enc["axis"]["values"] == [1, 2, 3, 4, 5]


def test_level_bars_start_at_level_1_and_gaps_keep_their_own_scale():
    spec = charts.department_gaps(gap_rows()).to_dict()
    assert {"datum": 1} in channels(spec, "x2")
    for name in ("organisation_gaps", "movers"):
        domains = [c.get("scale", {}).get("domain") for c in channels(spec_of(name), "x")]
        assert [1, 5] not in domains


# --- labels: wrapped, never cut ----------------------------------------------------------------------------

def test_row_and_column_labels_wrap_instead_of_being_cut():
    for name in ("department_gaps", "organisation_gaps", "distribution", "averages", "movers"):
        (y,) = {json.dumps(c["axis"], sort_keys=True) for c in channels(spec_of(name), "y")
                if "axis" in c and c["axis"]}
        axis = json.loads(y)
        assert axis["labelExpr"] == charts.wrap_expr(charts.ROW_WRAP) and axis["labelLimit"] >= 300, name
    heat = charts.heatmap(heatmap_rows()).to_dict()
    x = next(c["axis"] for c in channels(heat, "x") if c.get("axis"))
    assert "split(" in x["labelExpr"] and x["labelAngle"] == 0 and x["labelLimit"] >= 300
    assert x["labelPadding"]["expr"].startswith("6 + ")        # each label's lines grow upwards, clear of the cells


def test_the_wrap_keeps_words_whole():
    assert charts.wrapped_lines("Psychological safety and learning from failure", 14) == [
        "Psychological", "safety and", "learning from", "failure"]
    assert charts.wrapped_lines("Supercalifragilisticexpialidocious idea", 10) == [
        "Supercalifragilisticexpialidocious", "idea"]


@pytest.mark.parametrize("large", [False, True])
def test_no_label_is_cut_off_in_the_rendered_images(large):
    """vl-convert runs the same Vega as the browser: every long name is drawn whole, in lines."""
    built = [charts.heatmap(heatmap_rows(), large_text=large, selected="HR"),
             charts.department_gaps(gap_rows(), large_text=large), charts.dimension_averages(average_rows()),
             charts.organisation_gaps(org_gap_rows(), large_text=large),
             charts.dimension_multiples(multiples_rows(), large_text=large)]
    for chart in built:
        svg = charts.to_svg(charts.for_meeting(chart) if large else chart).decode("utf-8")
        assert "…" not in svg
        text = " ".join(re.findall(r">([^<>]+)<", svg))
        for word in ("Psychological", "failure", "cadence"):
            assert word in text


# --- the chosen department ---------------------------------------------------------------------------------

def test_the_chosen_department_is_outlined_and_its_name_bold():
    spec = charts.heatmap(heatmap_rows(), selected="IT").to_dict()
    rings = [layer for layer in spec["layer"] if layer["mark"].get("filled") is False]
    assert len(rings) == 1
    assert rings[0]["mark"]["stroke"] == charts.HIGHLIGHT and rings[0]["mark"]["strokeWidth"] >= 2.5
    assert {"filter": {"field": "department_id", "equal": "IT"}} in rings[0]["transform"]
    y = next(c["axis"] for c in channels(spec, "y") if c.get("axis"))
    assert y["labelFontWeight"]["expr"] == "datum.value === \"IT Services\" ? 'bold' : 'normal'"
    svg = charts.to_svg(charts.heatmap(heatmap_rows(), selected="IT")).decode("utf-8")
    assert re.search(r'font-weight="bold"[^>]*>IT Services<', svg)
    assert not re.search(r'font-weight="bold"[^>]*>Human Resources<', svg)


def test_no_outline_without_a_chosen_department_and_a_hostile_name_stays_a_string():
    spec = charts.heatmap(heatmap_rows()).to_dict()
    assert not [layer for layer in spec["layer"] if layer["mark"].get("filled") is False]
    hostile = {"X": 'Dept "quoted" \\ \' ); alert(1) //', "Y": PAYLOADS[0]}
    chart = charts.heatmap(heatmap_rows(hostile), selected="X")
    svg = charts.to_svg(chart).decode("utf-8")       # the expression parses: Vega drew the chart
    assert "<script" not in svg and "alert(1)" in svg


# --- contrast -------------------------------------------------------------------------------------------

def _channel(c: int) -> float:
    c /= 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def luminance(colour) -> float:
    r, g, b = _rgb(colour) if isinstance(colour, str) else colour
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a, b) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_ratio_matches_the_wcag_examples():
    assert contrast("#ffffff", "#000000") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("palette", sorted(charts.PALETTES))
def test_every_palette_colour_stands_out_against_the_background(palette):
    for colour in charts.PALETTES[palette]:
        assert contrast(colour, charts.BACKGROUND) >= 3, f"{palette}: {colour}"


def test_the_priority_ramp_keeps_its_contrast_between_its_stops():
    ramp = [_rgb(c) for c in charts.PRIORITY_RAMP]
    for a, b in zip(ramp, ramp[1:]):                       # interpolate="rgb": straight lines in sRGB
        for t in [i / 20 for i in range(21)]:
            mixed = tuple(round(x + (y - x) * t) for x, y in zip(a, b))
            assert contrast(mixed, charts.BACKGROUND) >= 3


def test_ordered_palettes_run_one_way_in_lightness():
    """Readable without telling hues apart: each step darker than the one before."""
    for ramp in (list(charts.LEVEL_COLOURS.values()), charts.PRIORITY_RAMP):
        lum = [luminance(c) for c in ramp]
        assert lum == sorted(lum, reverse=True)
        assert all(contrast(a, b) >= 1.3 for a, b in zip(ramp, ramp[1:]))


def test_cell_text_reads_on_its_cell_and_empty_cells_have_an_outline():
    for cell, fill in charts.CELL_COLOURS.items():
        assert contrast(charts.CELL_TEXT[cell], fill) >= 4.5, cell
    assert set(charts.EMPTY_CELLS) == {k for k, v in charts.CELL_COLOURS.items() if v == charts.BACKGROUND}
    assert contrast(charts.RULE, charts.BACKGROUND) >= 3
    assert contrast(charts.INK, charts.BACKGROUND) >= 7 and contrast(charts.INK_SOFT, charts.BACKGROUND) >= 4.5


@pytest.mark.parametrize("name", sorted(every_chart()))
def test_no_mark_is_washed_out_by_opacity_and_every_fixed_colour_is_from_a_palette(name):
    allowed = {c for colours in charts.PALETTES.values() for c in colours} | {charts.BACKGROUND}
    for node in walk(spec_of(name)):
        mark = node.get("mark")
        if isinstance(mark, dict):
            for key in ("color", "fill", "stroke"):
                if isinstance(mark.get(key), str):
                    assert mark[key] in allowed, (name, key, mark[key])
    # Vega-Lite draws ticks and circles at 0.7 opacity unless told: the drawn image has none below 1
    svg = charts.to_svg(every_chart()[name]).decode("utf-8")
    assert {float(o) for o in re.findall(r'opacity="([0-9.]+)"', svg)} <= {1.0}, name


# --- one theme ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(every_chart()))
def test_every_chart_carries_the_theme_and_meeting_mode_only_enlarges_it(name):
    chart = every_chart()[name]
    assert config(chart.to_dict()) == charts.theme()
    room = config(charts.for_meeting(chart).to_dict())
    assert room == charts.theme(large=True)
    assert room["axis"]["labelFont"] == charts.theme()["axis"]["labelFont"] == charts.FONT
    assert room["axis"]["labelFontSize"] > charts.theme()["axis"]["labelFontSize"] >= 13


def test_the_trend_legends_draw_lines_not_dashed_dots():
    for name in ("trend", "multiples"):
        spec = spec_of(name)
        for channel in ("color", "strokeDash"):
            legend = channels(spec, channel)[0]["legend"]
            assert legend["symbolType"] == "stroke" and legend["symbolStrokeWidth"] >= 3


# --- value labels never touch a target tick ------------------------------------------------------------------

def _bar_labels(spec: dict) -> pd.DataFrame:
    (rows,) = spec["datasets"].values()
    return pd.DataFrame(rows)


def test_value_labels_sit_where_no_target_tick_can_touch_them():
    frame = pd.DataFrame({"dimension_id": list("abcdef"), "dimension": list("ABCDEF"), "position": range(6),
                          "average": [1.2, 3.4, 3.3, 4.7, 5.0, 2.0], "target": [1.4, 3.3, 4.3, 5.0, 5.0, 1.8],
                          "departments": [6] * 6})
    spec = charts.dimension_averages(frame).to_dict()
    labels = _bar_labels(spec).set_index("dimension")
    # short bar: outside, right of the tick; a tick inside the label's span: outside; a clear tick: inside
    assert not labels.loc["A", "inside"] and labels.loc["A", "label_x"] == pytest.approx(1.4)
    assert not labels.loc["B", "inside"] and labels.loc["B", "label_x"] == pytest.approx(3.4)
    assert labels.loc["C", "inside"] and labels.loc["D", "inside"] and labels.loc["E", "inside"]
    assert not labels.loc["F", "inside"]                # the tick at 1.8 would cross the "2.0" inside
    for _, row in labels.iterrows():
        if row["inside"]:     # written inside the bar's end, white: no tick inside the label's span
            assert row["label_x"] == row["average"] and row["label_colour"] == "#ffffff"
            assert not (row["average"] - charts.LABEL_ROOM - 0.1 < row["target"] < row["average"] - 0.02)
        else:                 # written right of both the bar and the tick, in ink
            assert row["label_x"] == max(row["average"], row["target"]) and row["label_colour"] == charts.INK
    (text,) = [layer["mark"] for layer in spec["layer"] if layer["mark"]["type"] == "text"]
    assert text["align"] == {"expr": "datum.inside ? 'right' : 'left'"} and text["fontWeight"] == "bold"
    assert contrast("#ffffff", charts.PALETTE["score"]) >= 4.5   # white label on the bar


# --- images ---------------------------------------------------------------------------------------------

def test_the_exported_image_is_titled_with_the_quarter_and_the_organisation():
    chart = charts.heatmap(heatmap_rows(), selected="IT")
    spec = json.loads(charts.export_spec(chart, "Maturity by department and dimension, 2026-Q4",
                                         "Acme Services · 2026-Q4"))
    assert spec["title"] == {"text": "Maturity by department and dimension, 2026-Q4",
                             "subtitle": "Acme Services · 2026-Q4"}
    assert spec["width"] == charts.EXPORT_WIDTH and config(spec) == charts.theme()
    assert "title" not in chart.to_dict()                          # the page shows its own heading
    svg = charts.to_svg(charts.export_spec(chart, "Maturity, 2026-Q4", "Acme Services · 2026-Q4")).decode()
    assert "Maturity, 2026-Q4" in svg and "Acme Services · 2026-Q4" in svg


def test_a_meeting_chart_exports_in_its_large_type():
    spec = json.loads(charts.export_spec(charts.for_meeting(charts.movers(mover_rows())), "Movers", "Acme · 2026-Q4"))
    assert config(spec) == charts.theme(large=True) and spec["title"]["subtitle"] == "Acme · 2026-Q4"
    assert spec["width"] > charts.EXPORT_WIDTH                      # the larger type gets the room it needs


# --- text alternatives ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(every_chart()))
def test_every_chart_describes_its_figures(name):
    text = spec_of(name)["description"]
    assert text and re.search(r"\d", text), name


def test_the_descriptions_state_the_figures():
    assert describe.heatmap(heatmap_rows()) == (
        "3 departments × 4 dimensions; 2 with submitted scores: highest mean level IT Services 3.5, "
        "lowest Human Resources 2.5; 1 not submitted.")
    assert describe.department_trend(trend_rows()) == (
        "Overall level 2026-Q1 to 2026-Q4: 1.8 in 2026-Q1, 4.0 in 2026-Q4 (target 4.6, organisation 3.4); "
        "1 quarter without a submitted assessment.")
    assert describe.department_gaps(gap_rows()) == (
        "4 dimensions scored, 2 at or above target; largest gap Psychological safety and learning from failure "
        "(level 1, target 3).")
    assert describe.dimension_averages(average_rows()) == (
        "Mean level over 4 dimensions: highest Sponsorship and championing 4.7 (target 5.0), lowest "
        "Psychological safety and learning from failure 1.2 (target 1.4).")
    assert describe.movers(mover_rows()) == "2 departments changed: most up IT Services +0.30, most down Human Resources -0.10."
    assert describe.distribution(spread_rows()) == (
        "8 scores over 2 dimensions: level 2 3, level 5 4, N/A 1; most common level 5.")
    assert describe.value_effort(backlog_rows()) == (
        "3 open improvements by effort and value; 2 quick wins (value 4-5, effort S or M); highest priority "
        "CI-0001 (10.0).")
    assert describe.cycle_time(pd.DataFrame({"quarter": ["Q"], "median_days": [None], "closed": [0]})) == (
        "No improvement closed in these quarters.")


def test_a_description_keeps_user_text_as_plain_text():
    names = (PAYLOADS[0], "**bold** [link](http://x.test)")
    text = describe.movers(mover_rows(names))
    assert names[0] in text and names[1] in text                    # verbatim: an attribute, never Markdown
