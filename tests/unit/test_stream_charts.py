"""The stream charts: the heatmap (steps × dimensions, the roll-up row last, constraint cells outlined, an
incomplete roll-up cell marked, N/A and not scored distinct and never 0) and the floors beside the lead time;
valid Vega-Lite in page and meeting-room type; no rows: no chart."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from esm_maturity.charts import figures
from esm_maturity.charts import streams as charts
from esm_maturity.models import Quarter
from esm_maturity.streams import commands, flow, links, rollup
from esm_maturity.streams.records import FlowInput, StepInput, StreamInput
from tests.conftest import ADMIN
from tests.unit.test_streams import Q1, Q2, make, org, score  # noqa: F401  (org is a fixture)

DIM, OTHER = "collaboration", "knowledge"


def stream_chart_rows(db) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A stream over the first three active departments, in the latest quarter with scores (or 2025-Q1):
    the heatmap's rows and the trend's rows (tests/unit/test_chart_specs.py builds its charts from them)."""
    departments = [r[0] for r in db.rows("SELECT department_id FROM departments WHERE active "
                                         "ORDER BY department_id LIMIT 3")]
    last = db.scalar("SELECT max(quarter) FROM assessments WHERE status = 'submitted'") or "2025-Q1"
    quarters = [str(Quarter.parse(last).shift(-i)) for i in range(3, -1, -1)]
    saved = commands.create_stream(db, ADMIN, StreamInput("Chart stream"),
                                   [StepInput(f"Step {i}", d) for i, d in enumerate(departments, start=1)],
                                   from_quarter=quarters[0])
    flow.record_flow(db, ADMIN, saved.stream_id, quarters[1], FlowInput(lead_time_days=20, process_time_days=4))
    flow.record_flow(db, ADMIN, saved.stream_id, quarters[3], FlowInput(lead_time_days=14, confidence="measured"))
    heat = charts.heatmap_frame(links.step_scores(db, saved.stream_id, last),
                                rollup.maturity_frame(db, [last], [saved.stream_id]))
    trend = charts.trend_frame(rollup.maturity_frame(db, quarters, [saved.stream_id]),
                               flow.flow_trend(db, saved.stream_id, quarters))
    return heat, trend


def _valid(chart) -> dict:
    for shown in (chart, figures.for_meeting(chart)):
        spec = shown.to_dict(validate=True)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    return chart.to_dict(validate=True)


@pytest.fixture
def seeded(org):
    s = make(org, "A", "B", "C", "A")
    score(org, Q1, "A", {DIM: 2, OTHER: 3})
    score(org, Q1, "B", {DIM: 2, OTHER: "N/A"})
    score(org, Q1, "C", {OTHER: 4})                       # C has not scored collaboration
    return org, s.stream_id


def test_the_heatmap_rows_mark_the_constraints_every_tie_and_the_incomplete_roll_up(seeded):
    db, stream = seeded
    frame = charts.heatmap_frame(links.step_scores(db, stream, Q1), rollup.maturity_frame(db, [Q1], [stream]))
    steps = frame[frame["kind"] == "step"]
    assert list(steps["row"].drop_duplicates()) == ["1. Step 1 · Dept A", "2. Step 2 · Dept B", "3. Step 3 · Dept C",
                                                     "4. Step 4 · Dept A"]
    collab = steps[steps["dimension_id"] == DIM]
    assert list(collab["mark"]) == ["2", "2", "not scored", "2"]          # never 0
    assert list(collab["constraint"]) == [True, True, False, True]        # A and B tied at the floor
    knowledge = steps[steps["dimension_id"] == OTHER]
    assert list(knowledge["mark"]) == ["3", "N/A", "4", "3"]
    assert list(knowledge["constraint"]) == [True, False, False, True]
    footer = frame[frame["kind"] == "stream"].set_index("dimension_id")
    assert set(footer["row"]) == {"Stream (weakest link)"} and not footer["constraint"].any()
    assert footer.loc[DIM, "mark"] == "incomplete\n(2 of 3\nscored)" and footer.loc[DIM, "cell"] == "incomplete"
    assert "not scored: Dept C" in footer.loc[DIM, "detail"] and "Dept A, Dept B" in footer.loc[DIM, "detail"]
    assert footer.loc[OTHER, "mark"] == "3" and footer.loc[OTHER, "cell"] == "3"


def test_the_heatmap_is_valid_vega_lite_with_the_roll_up_row_and_the_outline(seeded):
    db, stream = seeded
    frame = charts.heatmap_frame(links.step_scores(db, stream, Q1), rollup.maturity_frame(db, [Q1], [stream]))
    spec = _valid(charts.stream_heatmap(frame))
    outline = [layer for layer in spec["layer"] if layer.get("transform") == [{"filter": "datum.constraint"}]]
    assert len(outline) == 1
    assert outline[0]["mark"]["filled"] is False and outline[0]["mark"]["stroke"] == figures.HIGHLIGHT
    assert spec["layer"][0]["encoding"]["y"]["sort"][-1] == "Stream (weakest link)"
    data = next(iter(spec["datasets"].values()))
    assert any(r["row"] == "Stream (weakest link)" and r["mark"].startswith("incomplete") for r in data)
    assert "incomplete" in spec["description"] and "Dept A" in spec["description"]
    assert json.dumps(spec).count(figures.HIGHLIGHT) >= 1


def test_the_floors_and_lead_time_share_the_quarter_axis_with_gaps_not_zeros(seeded):
    db, stream = seeded
    flow.record_flow(db, ADMIN, stream, Q2, FlowInput(lead_time_days=12))
    frame = charts.trend_frame(rollup.maturity_frame(db, [Q1, Q2], [stream]), flow.flow_trend(db, stream, [Q1, Q2]))
    lead = frame[frame["panel"] == "lead time"].set_index("quarter")
    assert pd.isna(lead.loc[Q1, "value"]) and lead.loc[Q1, "note"] == "not recorded" and lead.loc[Q2, "value"] == 12
    floors = frame[(frame["panel"] == "floor") & (frame["quarter"] == Q1) & frame["value"].notna()]
    assert pd.isna(frame[(frame["panel"] == "floor") & (frame["quarter"] == Q2)]["value"]).all()   # nothing scored
    spec = _valid(charts.floors_and_lead_time(frame))
    assert len(spec["vconcat"]) == 2 and spec["resolve"]["scale"]["x"] == "shared"
    top, bottom = spec["vconcat"]
    assert top["encoding"]["y"]["scale"]["domain"] == [1, 5] and bottom["encoding"]["y"]["title"] == "Lead time (days)"
    assert top["encoding"]["x"]["scale"]["domain"] == bottom["encoding"]["x"]["scale"]["domain"] == [Q1, Q2]
    assert set(floors["value"]) == {2.0, 3.0}                            # collaboration 2, knowledge 3 in Q1


def test_no_rows_no_chart():
    assert charts.stream_heatmap(pd.DataFrame(columns=charts.COLUMNS)) is None
    assert charts.floors_and_lead_time(pd.DataFrame(columns=["panel", "quarter", "series", "position", "value",
                                                             "note"])) is None


def test_the_helper_for_the_spec_check_builds_both_charts(demo_db):
    heat, trend = stream_chart_rows(demo_db)
    _valid(charts.stream_heatmap(heat))
    _valid(charts.floors_and_lead_time(trend, large_text=True))
