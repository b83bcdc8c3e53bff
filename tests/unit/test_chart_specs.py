"""Every chart builder's spec is valid Vega-Lite, checked here once: the page builds specs without
Altair's schema check (esm_maturity/ui/chart_export.py), so this test is the check. Built from the
demo organisation's own query rows, in page and meeting-room type, every option the pages use."""

from __future__ import annotations

import altair as alt
import pytest

from esm_maturity import overview
from esm_maturity.backlog import queries as backlog
from esm_maturity.charts import figures as charts
from esm_maturity.charts import portfolio as portfolio_charts
from esm_maturity.charts import streams as stream_charts
from esm_maturity.streams import portfolio_reads
from esm_maturity.trends import flow
from esm_maturity.trends import queries as trends
from tests.conftest import TODAY
from tests.unit.test_stream_charts import stream_chart_rows


def _charts(db) -> dict[str, alt.TopLevelMixin]:
    f = trends.default_filters(db)
    q = f.last
    heat = trends.heatmap(db, q, f)
    ranked = trends.heatmap(db, q, f, limit=3, keep="LEG")
    stream_heat, stream_trend = stream_chart_rows(db)
    return {
        "heatmap": charts.heatmap(heat),
        "heatmap chosen, large": charts.heatmap(heat, large_text=True, selected="HR"),
        "heatmap ranked": charts.heatmap(ranked, selected="LEG", ranked=True),
        "department trend": charts.department_trend(trends.department_trend(db, "HR", f), height=400),
        "dimension multiples": charts.dimension_multiples(trends.dimension_trends(db, "HR", f), width=380,
                                                          large_text=True),
        "department gaps": charts.department_gaps(trends.department_gaps(db, "HR", q, f)),
        "organisation gaps": charts.organisation_gaps(trends.organisation_gaps(db, q, f), large_text=True),
        "distribution": charts.distribution(trends.distribution(db, q, f)),
        "movers": charts.movers(trends.movers(db, q, q.previous(), f)),
        "opened and closed": charts.opened_closed(flow.opened_closed(db, f)),
        "work in progress": charts.work_in_progress(flow.work_in_progress(db, f)),
        "open age": charts.open_age(flow.open_age(db, f, TODAY)),
        "cycle time": charts.cycle_time(flow.cycle_time(db, f)),
        "dimension averages": charts.dimension_averages(overview.dimension_averages(db, q)),
        "value and effort": charts.value_effort(backlog.chart_items(db)),
        "stream heatmap": stream_charts.stream_heatmap(stream_heat, large_text=True),
        "stream floors and lead time": stream_charts.floors_and_lead_time(stream_trend),
        "portfolio floors": portfolio_charts.floor_matrix(portfolio_reads.matrix_rows(db, q)),
        "shared constraints": portfolio_charts.constraint_ranking(portfolio_reads.constraint_rows(db, q),
                                                                  large_text=True),
    }


def test_every_builder_makes_a_valid_vega_lite_spec_in_both_sizes(demo_db):
    built = _charts(demo_db)
    assert len(built) == 19
    for name, chart in built.items():
        for shown in (chart, charts.for_meeting(chart)):
            try:
                spec = shown.to_dict(validate=True)
            except Exception as err:   # Altair's SchemaValidationError names the offending property
                pytest.fail(f"{name}: not valid Vega-Lite: {err}")
            assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
