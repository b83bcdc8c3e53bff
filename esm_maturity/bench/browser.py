"""Cold start to the first page drawn in headless Chromium, beside a one-line Streamlit app measured the same way.

One cold start: `streamlit run` is started (the clock starts with the process), /_stcore/health is polled
until it answers, a new tab opens the server's root, and the clock stops when the page's first text has
appeared and the app is idle (`[data-testid="stApp"][data-test-script-state="notRunning"]`). Chromium is
started once before; the two apps take turns; the median of `repeat` starts each.

Debian's Chromium through Playwright, as the browser tests use it; `missing()` says why it cannot run.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
from pathlib import Path

from .server import APP, AppServer

CHROMIUM = os.environ.get("ESM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
ONE_LINE_APP = 'import streamlit as st\nst.write("hi")\n'


def missing() -> str | None:
    """Why the cold-start benchmark cannot run here, or None."""
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def _cold_start(browser, script: Path, db_file: Path | None, first_text: str, log: Path) -> float:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        tab = context.new_page()
        tab.set_default_timeout(120_000)
        server = AppServer(db_file, log, script=script, wait=False)
        try:
            server.wait_healthy()
            tab.goto(server.url)
            tab.locator(first_text).first.wait_for()
            tab.wait_for_selector(IDLE)
            return time.perf_counter() - server.started
        finally:
            server.stop()
    finally:
        context.close()


def cold_starts(db_file: Path, workdir: Path, repeat: int = 3) -> dict[str, list[float]]:
    """Seconds from process start to the first page drawn: {"app": [...], "one-line app": [...]}."""
    # deferred: Playwright is a development dependency, loaded only when Chromium is there to drive
    from playwright.sync_api import sync_playwright

    one_line = workdir / "one_line_app.py"
    one_line.write_text(ONE_LINE_APP, encoding="utf-8")
    # each app, its database and the first text it draws
    apps = {"app": (APP, db_file, "h1"),
            "one-line app": (one_line, None, '[data-testid="stMarkdownContainer"]:has-text("hi")')}
    seconds: dict[str, list[float]] = {name: [] for name in apps}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for turn in range(repeat):
                for name in (list(apps) if turn % 2 == 0 else list(reversed(apps))):
                    script, db, first_text = apps[name]
                    log = workdir / f"cold-{name.replace(' ', '-')}-{turn}.log"
                    seconds[name].append(_cold_start(browser, script, db, first_text, log))
        finally:
            browser.close()
    return seconds


def medians(seconds: dict[str, list[float]]) -> dict[str, float]:
    return {name: statistics.median(values) for name, values in seconds.items()}
