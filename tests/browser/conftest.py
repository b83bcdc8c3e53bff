"""Real journeys: `streamlit run` on a free port over a temporary database, driven by
Debian's Chromium through Playwright. Skipped without Chromium unless ESM_REQUIRE_BROWSER=1."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, TODAY

CHROMIUM = os.environ.get("ESM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _require_browser() -> None:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            missing = "playwright is not installed (pip install -r requirements-dev.txt)"
    if missing:
        if os.environ.get("ESM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db_file: Path, log_file: Path, env: dict | None = None):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_file = db_file
        self._log = open(log_file, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={self.port}", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none"],
            cwd=ROOT, env={**os.environ, "ESM_DB_PATH": str(db_file), "ESM_ACTOR": "alice", "ESM_ROLE": "admin",
                           "ESM_TODAY": str(TODAY),
                           **(env or {})},
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read() == b"ok":
                    return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"streamlit did not start; see {log_file}")

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self._log.close()


@pytest.fixture(scope="session")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def start_server(tmp_path):
    """start_server(db_file) -> Server; every server started is stopped after the test."""
    _require_browser()
    servers = []

    def start(db_file: Path | None = None, env: dict | None = None) -> Server:
        server = Server(db_file or tmp_path / "esm.duckdb", tmp_path / f"server{len(servers)}.log", env)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def wait_idle(tab, expect_text: str | None = None, timeout: float = 30_000) -> None:
    """Wait for `expect_text` to show (if given), then for the script to finish."""
    if expect_text:
        tab.get_by_text(expect_text, exact=False).first.wait_for(timeout=timeout)
    tab.wait_for_selector(IDLE, timeout=timeout)


def settle(tab, quiet_ms: int = 500) -> None:
    """Wait until the app has been idle for a moment: a rerun the frontend starts by itself (a grid
    resetting its edits, a chart drawing) can otherwise swallow the next click."""
    tab.wait_for_selector(IDLE)
    tab.wait_for_timeout(quiet_ms)
    tab.wait_for_selector(IDLE)


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    return dst


def edit_grid_owner(tab, owner: str) -> None:
    """The grid draws on a canvas: click the first row's key, move right to Owner, Enter, type, Enter."""
    grid = tab.locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    tab.mouse.click(box["x"] + 40, box["y"] + 35 + 17)
    tab.wait_for_function("document.activeElement && document.activeElement.closest('[data-testid=\"stDataFrame\"]')")
    for _ in range(3):  # Key -> Title -> Status -> Owner
        tab.keyboard.press("ArrowRight")
    tab.keyboard.press("Enter")
    editor = tab.locator("#portal textarea.gdg-input")
    editor.wait_for()
    editor.fill(owner)
    tab.keyboard.press("Enter")
    wait_idle(tab, "row(s) edited, not saved yet")
    settle(tab)
