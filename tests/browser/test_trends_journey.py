"""A sponsor's journey in Chromium: open the trend page from a link, drill from the heatmap into a
department, download the heatmap as a PNG."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import copy_db, wait_idle

CHART = '[data-testid="stVegaLiteChart"]'


def _department_param(page) -> str:
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(page.url).query).get("department", [""])[0]


def test_link_drill_down_and_png_download(start_server, page, demo_file, tmp_path):
    server = start_server(copy_db(demo_file, tmp_path / "demo.duckdb"))
    # a deep link is the first visit after start: it must open the same view
    page.goto(server.url + "/trends?quarter=2026-Q2&department=IT")
    wait_idle(page, "IT Services: trend")
    assert "quarter=2026-Q2" in page.url
    heatmap = page.locator(CHART).first
    heatmap.wait_for()
    page.wait_for_timeout(500)  # let Vega draw

    # Click a cell of Legal's row (Vega draws SVG; each cell carries an aria-label with its fields)
    heatmap.locator('[aria-label*="department: Legal;"]').last.click()
    wait_idle(page, "Legal: trend")
    assert _department_param(page) == "LEG"

    # the department selectbox followed the click (keyboard users can use it instead)
    selectbox = page.locator('[data-testid="stSelectbox"]').first
    assert "Legal" in selectbox.inner_text() + selectbox.locator("input").input_value()

    with page.expect_download(timeout=60_000) as download:
        page.locator('[data-testid="stDownloadButton"]').get_by_role("button", name="PNG", exact=True).first.click()
    path = Path(download.value.path())
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert download.value.suggested_filename == "heatmap-2026-q2.png"
