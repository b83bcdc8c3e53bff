"""Real journeys: `streamlit run` on a free port over a temporary database, driven by
Debian's Chromium through Playwright. Skipped without Chromium unless ESM_REQUIRE_BROWSER=1."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from esm_maturity.bench.server import stop_group
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
    def __init__(self, db_file: Path, log_file: Path, env: dict | None = None, *, port: int | None = None,
                 args: list[str] | None = None):
        self.port = port or _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_file = db_file
        self._log = open(log_file, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "esm_maturity.ui.server", "run", "app.py", "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={self.port}", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none", *(args or [])],
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
        stop_group(self.process)
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


# --- organisation mode: sign-in through a mock OpenID Connect provider on 127.0.0.1 ------------------------------

# Whatever a tab asks of any host but 127.0.0.1 is refused (the mock provider's pages link a stylesheet on a
# CDN; a test never depends on the network, nor leaks to it).
OFF_HOST = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


def _require_module(name: str) -> None:
    try:
        importlib.import_module(name)
    except ImportError:
        missing = f"{name} is not installed (pip install -r requirements-dev.txt)"
        if os.environ.get("ESM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests are required here but {missing}")
        pytest.skip(missing)


class Provider:
    """oidc-provider-mock served from a thread of this process on 127.0.0.1: any client id and secret are
    accepted, and a person signs in by typing a subject on its page. `set_user` gives a subject its claims."""

    def __init__(self):
        import werkzeug.serving
        from oidc_provider_mock import app

        self._server = werkzeug.serving.make_server("127.0.0.1", 0, app(), threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        daemon=True)
        self._thread.start()

    def set_user(self, sub: str, claims: dict) -> None:
        request = urllib.request.Request(f"{self.url}/users/{urllib.parse.quote(sub, safe='')}", method="PUT",
                                         data=json.dumps(claims).encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 204, response.status

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@pytest.fixture(scope="module")
def oidc_provider():
    _require_browser()
    _require_module("oidc_provider_mock")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the provider checks it on each request, in this process
        provider = Provider()
        yield provider
        provider.stop()


def _organisation_secrets(app_url: str, provider_url: str, first_admin: str) -> str:
    text = ("[auth]\n"
            f'redirect_uri = "{app_url}/oauth2callback"\n'
            f'cookie_secret = "{secrets.token_hex(16)}"\n'
            'client_id = "esm-maturity-tests"\n'
            'client_secret = "any secret will do"\n'
            f'server_metadata_url = "{provider_url}/.well-known/openid-configuration"\n')
    return text + (f'\n[esm]\nfirst_admin = "{first_admin}"\n' if first_admin else "")


@pytest.fixture(scope="module")
def start_organisation_server(oidc_provider, tmp_path_factory):
    """start_organisation_server(db_file, first_admin="") -> Server in organisation mode: its own secrets.toml
    (an [auth] section for the mock provider, redirect_uri on the 127.0.0.1 origin the tabs open) passed with
    --secrets.files; `server.provider` is the provider. Every server started is stopped after the module."""
    servers = []

    def start(db_file: Path, first_admin: str = "") -> Server:
        folder = tmp_path_factory.mktemp("organisation")
        port = _free_port()
        secrets_file = folder / "secrets.toml"
        secrets_file.write_text(_organisation_secrets(f"http://127.0.0.1:{port}", oidc_provider.url, first_admin))
        server = Server(db_file, folder / "server.log", {"AUTHLIB_INSECURE_TRANSPORT": "1", "ESM_ACTOR": ""},
                        port=port, args=[f"--secrets.files={secrets_file}"])
        server.provider = oidc_provider
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def new_tab(browser):
    """new_tab() -> a tab in a browser context of its own (its own cookies: one person each), kept off the
    network beyond 127.0.0.1. Every context is closed after the test."""
    contexts = []

    def open_tab():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.route(OFF_HOST, lambda route: route.abort())
        contexts.append(context)
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


SIGN_IN_SCREEN = "Sign in with your organisation account"


def sign_in(tab, server: Server, sub: str, claims: dict | None = None) -> None:
    """From the app's sign-in screen: Sign in, type the subject on the provider's page, Authorize, and wait
    for the app again. `claims` (email, name) are given to the subject first."""
    if claims is not None:
        server.provider.set_user(sub, claims)
    tab.locator(".st-key-sign_in button").click()
    tab.locator('input[name="sub"]').fill(sub)
    tab.get_by_role("button", name="Authorize").click()
    tab.wait_for_url(lambda url: url.startswith(server.url) and "/oauth2callback" not in url)
    tab.wait_for_selector(IDLE)


def sign_out(tab, server: Server) -> None:
    """Sign out (the sidebar's or the request-access page's button), end the session on the provider's
    page, and wait for the app's sign-in screen."""
    tab.locator(".st-key-sign_out button").click()
    tab.get_by_role("button", name="End session").click()
    tab.wait_for_url(lambda url: url.startswith(server.url))
    wait_idle(tab, SIGN_IN_SCREEN)


def app_text(tab) -> str:
    """What the app shows, as a person reads it (no word joiners, plain spaces)."""
    return tab.locator('[data-testid="stApp"]').inner_text().replace("\u2060", "").replace("\xa0", " ")


def signed_in(tab, server: Server, who: tuple[str, str], sub: str, path: str) -> None:
    """Open `path`, sign in there as `who` (e-mail, name) with the provider's subject `sub`, and come back."""
    tab.goto(server.url + path)
    wait_idle(tab, SIGN_IN_SCREEN)
    sign_in(tab, server, sub, {"email": who[0], "name": who[1]})
    wait_idle(tab, "Signed in as")
    tab.goto(server.url + path)   # back to the page the person wanted
    wait_idle(tab, "Signed in as")


def choose(tab, widget_key: str, option: str) -> None:
    """Pick in a selectbox by typing (its list shows only the first options)."""
    box = tab.locator(f".st-key-{widget_key} input")
    box.click()
    box.fill(option)
    tab.get_by_role("option").filter(has_text=option).first.click()
    settle(tab, 300)


CLEO = ("cleo.champion@example.org", "Cleo Champion")   # a champion and a sponsor who sign in
SAM = ("sam.sponsor@example.org", "Sam Sponsor")


@contextlib.contextmanager
def demo_with_people(demo_file: Path, path: Path):
    """A copy of the demo at `path` with CLEO (champion) and SAM (sponsor), open under the pinned clock for
    the test to prepare; closed after, since one process holds a DuckDB file and the server opens it next."""
    from esm_maturity import clock
    from esm_maturity.access.people import add_person
    from esm_maturity.storage import open_database
    from tests.conftest import ADMIN

    copy_db(demo_file, path)
    with clock.frozen(TODAY):
        db = open_database(path)
        try:
            add_person(db, ADMIN, *CLEO, "champion")
            add_person(db, ADMIN, *SAM, "sponsor")
            yield db
        finally:
            db.close()
