"""The Trends page's chart images: titled for a slide with the chart's title, the quarter and the
organisation's name (read only on a click), and the text alternative the page draws with each chart."""

from __future__ import annotations

import pandas as pd

from esm_maturity.charts import figures as charts
from esm_maturity.models import Quarter
from esm_maturity.organisation import name_and_version, set_organisation_name
from esm_maturity.trends import queries as trends
from esm_maturity.ui.chart_export import image_bytes, text_alternative
from esm_maturity.ui.trend_sections import View
from tests.conftest import ADMIN


def _rename(db, name: str) -> None:
    set_organisation_name(db, ADMIN, name, expected_version=name_and_version(db)[1])


def _view(db, quarter: str = "2026-Q4") -> View:
    f = trends.default_filters(db)
    return View(db, f, Quarter.parse(quarter), False, False, {}, lambda d: d)


def test_the_subtitle_names_the_organisation_and_the_quarter_when_asked(demo_db):
    view = _view(demo_db)
    subtitle = view.subtitle()
    assert callable(subtitle) and subtitle() == f"{name_and_version(demo_db)[0]} · 2026-Q4"
    _rename(demo_db, "Acme Services")
    assert subtitle() == "Acme Services · 2026-Q4"          # read on the click, not when the page was drawn
    assert view.subtitle(span=True)() == "Acme Services · 2026-Q4 · quarters 2025-Q1 to 2026-Q4"


def test_a_downloaded_image_carries_title_quarter_and_organisation(demo_db):
    _rename(demo_db, "Acme Services")
    view = _view(demo_db, "2026-Q3")
    f = trends.default_filters(demo_db)
    chart = charts.heatmap(trends.heatmap(demo_db, view.quarter, f), selected="HR")
    svg = image_bytes(chart, "svg", "Maturity by department and dimension, 2026-Q3", view.subtitle()()).decode()
    assert "Maturity by department and dimension, 2026-Q3" in svg and "Acme Services · 2026-Q3" in svg
    png = image_bytes(charts.for_meeting(chart), "png", "Heatmap", view.subtitle()())
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_text_alternative_is_the_name_then_the_figures():
    frame = pd.DataFrame({"department_id": ["HR"], "department": ["Human Resources"], "before": [3.0],
                          "after": [3.5], "change": [0.5], "dimensions": [9]})
    chart = charts.movers(frame)
    assert text_alternative(chart, "movers 2026-Q3 to 2026-Q4") == (
        "movers 2026-Q3 to 2026-Q4. 1 department changed: most up Human Resources +0.50.")
    assert text_alternative(chart.properties(description=""), "plain") == "plain"
