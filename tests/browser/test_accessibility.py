"""axe-core on every page of the demo organisation, as a person sees it: no serious or critical
violation (the rules axe marks serious or critical: contrast, names of controls, labels, ARIA...)."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from esm_maturity.ui.registry import PAGES
from tests.browser.conftest import copy_db, settle, wait_idle

# Each page at its address, with what it shows once drawn; Trends in meeting mode too.
VISITS = [(f"/{p.url_path}", p.title) for p in PAGES] + [("/trends?meeting=1", "Maturity trends")]
SERIOUS = ("serious", "critical")


def _report(results) -> str:
    lines = []
    for v in results.response["violations"]:
        if v["impact"] in SERIOUS:
            targets = "; ".join(", ".join(n["target"]) for n in v["nodes"][:5])
            lines.append(f"{v['id']} ({v['impact']}, {len(v['nodes'])} nodes): {v['help']} -> {targets}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def axe():
    return Axe()


def test_no_serious_accessibility_violation_on_any_page(start_server, page, demo_file, tmp_path, axe):
    server = start_server(copy_db(demo_file, tmp_path / "demo.duckdb"))
    found = {}
    for path, expect in VISITS:
        page.goto(server.url + path)
        wait_idle(page, None)
        page.locator('[data-testid="stMain"] h1').first.wait_for()
        settle(page)
        report = _report(axe.run(page))
        if report:
            found[path] = report
    assert not found, "\n\n".join(f"{path}:\n{report}" for path, report in found.items())
