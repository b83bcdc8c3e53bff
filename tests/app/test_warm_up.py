"""The server's warm-up (esm_maturity/ui/server.py) does the landing page's reads before anyone arrives,
and the page then takes them from the shared cache; without a running server it does nothing."""

from __future__ import annotations

import pytest

from esm_maturity import clock
from esm_maturity.models import Quarter
from esm_maturity.ui import chart_export, overview_view, resources, server


def test_the_warm_up_leaves_the_landing_pages_reads_and_chart_in_the_cache(demo_db, monkeypatch):
    overview_view.warm(demo_db)
    built = []
    monkeypatch.setattr(chart_export, "browser_spec", lambda chart: built.append(chart) or {})
    for name in ("frame", "rows", "one", "scalar"):
        monkeypatch.setattr(demo_db, name, lambda *a, **k: pytest.fail("the database was asked again"))
    quarter = Quarter.current()
    landing = overview_view.reads(demo_db, quarter, clock.today())
    assert len(landing.completion) == 10 and landing.averages["departments"].sum() > 0
    chart_export.browser_spec_of(overview_view.averages_chart(demo_db, quarter, landing.averages))
    assert built == []                     # the chart's spec was built by the warm-up too


def test_without_a_running_server_the_warm_up_opens_nothing(monkeypatch):
    monkeypatch.setattr(server, "_server_started", lambda timeout=120: False)
    monkeypatch.setattr(resources, "opened", lambda: pytest.fail("opened the database"))
    server.warm_up()
