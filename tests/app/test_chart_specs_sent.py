"""What the page sends for a chart is Altair's own spec (the one tests/unit/test_chart_specs.py
validates), with the rows as Arrow datasets, and it is built once per distinct recipe."""

from __future__ import annotations

import json

from streamlit import dataframe_util

from esm_maturity.charts import figures as charts
from esm_maturity.trends import queries as trends
from esm_maturity.ui import chart_export


def _without_data(spec: dict) -> dict:
    """The spec with every data reference and the datasets taken out (their names are hashes)."""
    if isinstance(spec, dict):
        return {k: _without_data(v) for k, v in spec.items() if k not in {"data", "datasets"}}
    if isinstance(spec, list):
        return [_without_data(v) for v in spec]
    return spec


def test_the_browser_spec_is_altairs_spec_with_the_rows_as_arrow(demo_db):
    f = trends.default_filters(demo_db)
    rows = trends.heatmap(demo_db, f.last, f)
    for chart in (charts.heatmap(rows, selected="HR"), charts.for_meeting(charts.heatmap(rows))):
        sent = chart_export.browser_spec(chart)
        assert _without_data(sent) == _without_data(json.loads(chart.to_json()))
        (name, raw), = sent["datasets"].items()
        assert sent["data"] == {"name": name}
        back = dataframe_util.convert_arrow_bytes_to_pandas_df(raw)
        assert len(back) == len(rows) == 90 and {"department_id", "cell", "evidence"} <= set(back.columns)


def test_a_recipe_is_built_once_and_each_caller_gets_its_own_copy(demo_db):
    f = trends.default_filters(demo_db)
    rows = trends.organisation_gaps(demo_db, f.last, f)
    built = []

    def counting(frame, **options):
        built.append(options)
        return charts.organisation_gaps(frame, **options)

    def recipe(frame, source):
        return chart_export.Plot(counting, frame, {"large_text": True}, meeting=True, source=source)

    first = chart_export._spec(recipe(rows, ("gaps", 1)))
    first["usermeta"] = {"changed": "by the first caller"}
    again = chart_export._spec(recipe(rows.copy(), ("gaps", 1)))
    assert built == [{"large_text": True}] and "usermeta" not in again
    other = chart_export._spec(recipe(rows.head(3), ("gaps", 2)))      # another source: built again
    assert len(built) == 2 and other != again
    without = chart_export.Plot(counting, rows.head(2), {"large_text": True}, meeting=True)
    assert chart_export._spec(without) == chart_export._spec(without) and len(built) == 3   # keyed by the rows
