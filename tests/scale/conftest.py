"""The scale rig's fixtures (the rig itself is tests/scale/rig.py): the demo organisation on PostgreSQL, the
replicas, balancers in front of any of them, Chromium, a sign-in provider, and the figures the run prints."""

from __future__ import annotations

import importlib
import importlib.util
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import ROOT, TODAY
from tests.scale.rig import ACTOR, Balancer, Replica

# --- fixtures --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def scale_folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scale")


@pytest.fixture(scope="module")
def scale_db(request, scale_folder):
    """The demo organisation in a new database on the throw-away PostgreSQL cluster, loaded the way an
    operator would (`python -m esm_maturity demo --db URL`). ESM_SCALE=1 without PostgreSQL fails."""
    try:
        cluster = request.getfixturevalue("pg_cluster")
    except pytest.skip.Exception as err:
        pytest.fail(f"ESM_SCALE=1 needs PostgreSQL: {err}")
    name = cluster.create()
    url = cluster.url(name)
    env = {**os.environ, "ESM_TODAY": str(TODAY), "ESM_ACTOR": ACTOR}
    done = subprocess.run([sys.executable, "-m", "esm_maturity", "demo", "--db", url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"the demo did not load: {done.stderr[-1500:]}"
    yield url
    cluster.drop(name)


@pytest.fixture(scope="module")
def replicas(scale_db, scale_folder):
    """Two replicas, app1 and app2, on the demo database; stopped after the module."""
    started: list[Replica] = []
    try:
        for name in ("app1", "app2"):
            started.append(Replica(name, scale_db, scale_folder).start())
        yield started
    finally:
        for replica in started:
            replica.stop()


@pytest.fixture
def both_up(replicas):
    """The two replicas, both running (one a test killed is started again, on the same port)."""
    for replica in replicas:
        if not replica.alive:
            replica.start()
    return replicas


@pytest.fixture
def balance(scale_folder):
    """balance(replicas, port=None) -> a Balancer in front of them (on `port`, or a free one); every balancer
    is stopped after the test."""
    started: list[Balancer] = []

    def start(replicas: list[Replica], port: int | None = None) -> Balancer:
        started.append(Balancer(replicas, scale_folder, port))
        return started[-1]

    yield start
    for balancer in started:
        balancer.stop()


@pytest.fixture(scope="module")
def scale_browser():
    """Debian's Chromium through Playwright, as the browser tests launch it; with ESM_SCALE=1 it is required."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(f"ESM_SCALE=1 needs Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("ESM_SCALE=1 needs playwright (pip install -r requirements-dev.txt)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def scale_provider():
    """The mock OpenID Connect provider of the browser tests, on 127.0.0.1 in this process (required with
    ESM_SCALE=1)."""
    from tests.browser.conftest import Provider

    if importlib.util.find_spec("oidc_provider_mock") is None:
        pytest.fail("ESM_SCALE=1 needs oidc-provider-mock (pip install -r requirements-dev.txt)")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")   # the provider reads it on each request, in this process
        # The provider loads Authlib modules that Authlib calls deprecated; Authlib's own warnings module puts
        # an "always" filter first when it loads, so it is loaded before the filter that quiets them.
        importlib.import_module("authlib.deprecate")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            provider = Provider()
        yield provider
        provider.stop()


# --- the figures the README quotes -----------------------------------------------------------------------------

@pytest.fixture
def figure(record_property):
    """figure(text): a measured figure, printed (-s), kept with the test's report and listed at the end of
    the run (also from xdist's workers)."""
    def keep(text: str) -> None:
        print(text)
        record_property("scale figure", text)
    return keep


def pytest_terminal_summary(terminalreporter):
    lines = [value for reports in terminalreporter.stats.values() for report in reports
             for name, value in getattr(report, "user_properties", ()) if name == "scale figure"
             and getattr(report, "when", "call") == "call"]
    if lines:
        terminalreporter.write_sep("-", "scale figures")
        for line in lines:
            terminalreporter.write_line(line)
