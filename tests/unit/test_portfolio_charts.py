"""The portfolio's charts: valid Vega-Lite in page and meeting-room type, incomplete cells marked (light,
dashed, "k/n" in the cell, "incomplete (k of n)" in the tooltip), the departments at the floor named, and
the ranking in the rows' order."""

from __future__ import annotations

import pytest

from esm_maturity.charts import figures
from esm_maturity.charts import portfolio as charts
from esm_maturity.streams import commands, portfolio_reads
from esm_maturity.streams.records import StepInput, StreamInput
from tests.conftest import ADMIN
from tests.unit.test_streams import DIM, Q1, make, org, score  # noqa: F401  (org is a fixture)


@pytest.fixture
def seeded(org):
    complete = make(org, "A", "B")
    partial = commands.create_stream(org, ADMIN, StreamInput("[Partial](http://x) *stream*"),
                                     [StepInput("x", "A"), StepInput("y", "C")], from_quarter=Q1)
    score(org, Q1, "A", {DIM: 2, "safety": 4})
    score(org, Q1, "B", {DIM: 3, "safety": 4})
    return org, complete.stream_id, partial.stream_id


def _valid(chart) -> dict:
    for shown in (chart, figures.for_meeting(chart)):
        spec = shown.to_dict(validate=True)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    return chart.to_dict(validate=True)


def _values(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_the_matrix_is_valid_and_marks_incomplete_cells(seeded):
    db, complete, partial = seeded
    rows = portfolio_reads.matrix_rows(db, Q1)
    spec = _valid(charts.floor_matrix(rows))
    _valid(charts.floor_matrix(rows, large_text=True))
    cells = {(r["stream_id"], r["dimension_id"]): r for r in _values(spec)}
    done, open_ = cells[(complete, DIM)], cells[(partial, DIM)]
    assert (done["mark"], done["picture"], done["status"], done["at_floor"], done["band"]) == (
        "2", "complete", "complete", "Dept A", "2")
    assert (open_["mark"], open_["picture"], open_["status"], open_["missing"]) == (
        "2 · 1/2", "incomplete", "incomplete (1 of 2)", "Dept C")
    assert open_["outline"] == figures.INK_SOFT and done["outline"] is None
    tie = cells[(complete, "safety")]
    assert tie["at_floor"] == "Dept A, Dept B"   # every department tied at the floor is named
    unscored = cells[(complete, "knowledge")]   # nobody scored it: no value, never a 0
    assert (unscored["band"], unscored["mark"], unscored["status"]) == ("no value", "–", "no scores")
    layer = spec["layer"][0]["encoding"]
    assert layer["opacity"]["scale"]["range"] == [1.0, charts.INCOMPLETE_OPACITY]   # incomplete drawn light
    assert layer["strokeDash"]["scale"]["range"][1] == charts.DASHES["incomplete"]   # and dashed
    tooltip = {t.get("title", t["field"]): t["field"] for t in layer["tooltip"]}
    assert tooltip["picture"] == "status" and tooltip["at the floor (the lever)"] == "at_floor"
    assert "worst" not in str(spec).lower()
    assert spec["description"].startswith("2 streams × 9 dimensions; lowest floor 2")
    assert "cells incomplete" in spec["description"]


def test_the_ranking_is_valid_and_keeps_the_rows_order(seeded):
    db, complete, partial = seeded
    rows = portfolio_reads.constraint_rows(db, Q1)
    spec = _valid(charts.constraint_ranking(rows))
    _valid(charts.constraint_ranking(rows, large_text=True))
    values = _values(spec)
    assert values[0]["pair"] == "Dept A · " + rows.iloc[0]["dimension"] and values[0]["streams"] == 2
    assert "[Partial](http://x) *stream*" in values[0]["stream_names"]   # chart text: as typed
    assert spec["encoding"]["y"]["sort"] == [v["pair"] for v in values]
    assert "constrains 2 streams" in spec["description"]
    assert charts.describe_ranking(rows.head(0)).startswith("No department")
