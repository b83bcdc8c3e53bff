"""Benchmarks of the trend page on the large organisation (300 departments x 24 quarters).

Each run also checks that no chart would receive more than MAX_CHART_ROWS rows. The PNG is made
only when someone clicks its download button (and cached), so its target is looser.
"""

from __future__ import annotations

from ..charts import figures as charts
from ..trends import flow
from ..trends import queries as trends
from .org import Benchmark, LargeOrg

MAX_CHART_ROWS = 5000


def _filters(org: LargeOrg) -> trends.Filters:
    return trends.Filters(org.quarters[-8], org.quarters[-1])


def _frames(org: LargeOrg) -> dict:
    f = _filters(org)
    quarter, department = f.last, org.departments[len(org.departments) // 2]
    frames = {
        "heatmap": trends.heatmap(org.db, quarter, f),
        "trend": trends.department_trend(org.db, department, f),
        "dimensions": trends.dimension_trends(org.db, department, f),
        "department gaps": trends.department_gaps(org.db, department, quarter, f),
        "organisation gaps": trends.organisation_gaps(org.db, quarter, f),
        "distribution": trends.distribution(org.db, quarter, f),
        "movers quarter": trends.movers(org.db, quarter, quarter.previous(), f),
        "movers year": trends.movers(org.db, quarter, quarter.year_ago(), f),
    }
    _check_rows(frames)
    return frames


def _check_rows(frames: dict) -> None:
    for name, frame in frames.items():
        if len(frame) > MAX_CHART_ROWS:
            raise AssertionError(f"the {name} chart would get {len(frame):,} rows (limit {MAX_CHART_ROWS:,})")


def _page_queries(org: LargeOrg) -> None:
    trends.default_filters(org.db)
    trends.department_names(org.db)
    trends.dimension_names(org.db)
    _frames(org)


def _chart_specs(org: LargeOrg) -> None:
    frames = _frames(org)
    for chart in (charts.heatmap(frames["heatmap"]), charts.department_trend(frames["trend"]),
                  charts.dimension_multiples(frames["dimensions"]), charts.department_gaps(frames["department gaps"]),
                  charts.organisation_gaps(frames["organisation gaps"]), charts.distribution(frames["distribution"]),
                  charts.movers(frames["movers quarter"]), charts.movers(frames["movers year"])):
        chart.to_json()


def _flow_queries(org: LargeOrg) -> None:
    if not flow.backlog_ready(org.db):
        return
    f = _filters(org)
    _check_rows({"opened/closed": flow.opened_closed(org.db, f), "wip": flow.work_in_progress(org.db, f),
                 "age": flow.open_age(org.db, f), "cycle time": flow.cycle_time(org.db, f)})


def _heatmap_png(org: LargeOrg) -> None:
    f = _filters(org)
    charts.to_png(charts.heatmap(trends.heatmap(org.db, f.last, f)))


def benchmarks() -> list[Benchmark]:

    return [
        Benchmark("trends page queries", _page_queries, target_seconds=0.3),
        Benchmark("trends chart specs (queries + Altair)", _chart_specs, target_seconds=0.8),
        Benchmark("trends improvement flow queries", _flow_queries, target_seconds=0.2),
        Benchmark("trends heatmap PNG, 300 departments", _heatmap_png, target_seconds=8.0, repeat=2,
                  target_peak_mb=100),
    ]
