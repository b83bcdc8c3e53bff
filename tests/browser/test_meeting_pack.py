"""A sponsor's one click in Chromium: the Trends page opens with the quarter's headline (its first figure is
the database's), and the meeting pack's two downloads are a deck python-pptx opens and a one-page PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path

from esm_maturity.db import Database
from tests.browser.conftest import copy_db, wait_idle
from tests.conftest import DEMO_ANCHOR

HEADLINE = ".st-key-trend_headline"


def _download(page, name: str) -> tuple[bytes, str]:
    with page.expect_download(timeout=120_000) as info:
        page.locator('[data-testid="stDownloadButton"]').get_by_role("button", name=name).click()
    return Path(info.value.path()).read_bytes(), info.value.suggested_filename


def test_the_headline_and_the_pack_downloads(start_server, page, demo_file, tmp_path):
    path = copy_db(demo_file, tmp_path / "demo.duckdb")
    with Database(path) as db:   # before the server holds the file: DuckDB lets one process open it
        submitted = db.scalar("SELECT count(*) FROM assessments a JOIN departments d USING (department_id) "
                              "WHERE a.quarter = $1 AND a.status = 'submitted' AND d.active", [str(DEMO_ANCHOR)])
        active = db.scalar("SELECT count(*) FROM departments WHERE active")
    server = start_server(path)
    page.goto(server.url + "/trends")
    wait_idle(page, "departments submitted their self-assessment")
    first = page.locator(HEADLINE).locator('[data-testid="stMarkdownContainer"]').first.inner_text()
    figures = re.match(r"(\d+) of (\d+) departments submitted", first)
    assert figures and (int(figures[1]), int(figures[2])) == (submitted, active), first

    from pptx import Presentation

    deck, deck_name = _download(page, "Meeting pack (.pptx)")
    assert deck_name == f"esm-maturity-{DEMO_ANCHOR}.pptx"
    slides = Presentation(io.BytesIO(deck)).slides
    streams = [s for s in slides if s.name.startswith("stream-")]   # a slide per value stream, at the end
    assert len(slides) - len(streams) == 9 and len(streams) == 4 and slides[1].name == "headline"
    assert any(first.strip() in shape.text_frame.text for shape in slides[1].shapes if shape.has_text_frame)

    pdf, pdf_name = _download(page, "One-page summary (.pdf)")
    assert pdf_name == f"esm-maturity-{DEMO_ANCHOR}-summary.pdf"
    assert pdf[:5] == b"%PDF-" and len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf)) == 1
