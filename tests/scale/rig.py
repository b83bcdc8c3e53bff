"""The scale rig (its fixtures are in conftest.py): the demo organisation on PostgreSQL, app replicas started as `python -m esm_maturity serve`,
HAProxy in front of them with deploy/haproxy.cfg, and tabs that speak Streamlit's websocket protocol
(esm_maturity/bench/wire.py) and can also fill in and save a form.

Each replica runs in a process group of its own, so `kill -9` stops that replica and nothing else; HAProxy
runs in the foreground (`-db`) as a child of the test. The balancer's configuration is the documented file
with its ports and `server` lines replaced, and a replacement that finds nothing fails: the file and the
test cannot drift apart. HAProxy's status page (the file's `listen stats`) says which replica is up and
how many sessions each has served. Everything listens on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from esm_maturity.bench.server import free_port, stop_group
from esm_maturity.bench.wire import STREAM, Tab, _protos
from tests.conftest import ROOT, TODAY

SCALE = os.environ.get("ESM_SCALE") == "1"
HAPROXY = Path(os.environ.get("ESM_HAPROXY", "/usr/sbin/haproxy"))
CONFIG = ROOT / "deploy" / "haproxy.cfg"
COOKIE_SECRET = secrets.token_hex(32)   # one secret, the same on every replica of this run
ACTOR = "alice"                          # local mode's admin in the audit trail


# --- replicas and the balancer ---------------------------------------------------------------------------------

def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    """Poll `url`/_stcore/health until it answers ok (as the browser tests wait for their server)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return
        if process.poll() is not None:
            break
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy: {log.read_text(errors='replace')[-1500:]}")


def cpu_seconds(group: int) -> float:
    """CPU seconds used so far by the live processes of process group `group` (a replica: the serve command
    and its Streamlit server), from /proc."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:   # gone meanwhile
            continue
        if int(fields[2]) == group:   # pgrp; utime and stime follow at 11 and 12
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


class Replica:
    """One replica: `python -m esm_maturity serve` on 127.0.0.1:`port` over the shared database. The
    cookie secret goes in the environment: Streamlit refuses `--server.cookieSecret` on the command line."""

    def __init__(self, name: str, db_url: str, folder: Path, env: dict | None = None, args: tuple = ()):
        self.name, self.db_url, self.folder, self.env, self.args = name, db_url, folder, env or {}, args
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> "Replica":
        self.starts += 1
        log = self.folder / f"{self.name}-{self.starts}.log"
        env = {**os.environ, "ESM_DB_URL": self.db_url, "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET,
               "ESM_TODAY": str(TODAY), "ESM_ACTOR": ACTOR, **self.env}
        env.pop("ESM_DB_PATH", None)
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "esm_maturity", "serve", "--server.port", str(self.port),
                 "--server.headless", "true", "--browser.gatherUsageStats", "false",
                 "--server.fileWatcherType", "none", *self.args],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_healthy(self.url, self.process, log)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """kill -9 of this replica's process group: the serve command and the Streamlit server it started."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.alive:
            stop_group(self.process)


@dataclass(frozen=True)
class Backend:
    """One replica as HAProxy's status page shows it."""
    status: str       # UP, DOWN, or a transition such as "UP 1/2"
    sessions: int     # connections it has been given so far
    current: int      # connections open now


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"deploy/haproxy.cfg should have exactly one {old!r}"
    return text.replace(old, new)


SERVER_LINE = re.compile(r"^ +server app\d+ 127\.0\.0\.1:\d+ cookie app\d+\n", re.MULTILINE)


def render(text: str, port: int, stats_port: int, replicas: list[Replica]) -> str:
    """deploy/haproxy.cfg with the test's ports and one `server` line for each of `replicas`."""
    text = _replace_once(text, "bind 127.0.0.1:8500", f"bind 127.0.0.1:{port}")
    text = _replace_once(text, "bind 127.0.0.1:8404", f"bind 127.0.0.1:{stats_port}")
    first = SERVER_LINE.search(text)
    assert first, "deploy/haproxy.cfg should list its replicas as `server appN 127.0.0.1:PORT cookie appN` lines"
    servers = "".join(f"    server {r.name} 127.0.0.1:{r.port} cookie {r.name}\n" for r in replicas)
    return text[:first.start()] + servers + SERVER_LINE.sub("", text[first.start():])


class Balancer:
    """HAProxy in front of `replicas`: `url` is where people open the app. Ready when every replica has
    passed its health check."""

    def __init__(self, replicas: list[Replica], folder: Path, port: int | None = None):
        if not HAPROXY.exists():
            pytest.fail(f"ESM_SCALE=1 needs HAProxy at {HAPROXY} (apt-get install haproxy)")
        self.port, self.stats_port = port or free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = folder / f"haproxy-{self.port}.cfg"
        config.write_text(render(CONFIG.read_text(), self.port, self.stats_port, replicas))
        self.log = folder / f"haproxy-{self.port}.log"
        with open(self.log, "w") as out:
            self.process = subprocess.Popen([str(HAPROXY), "-f", str(config), "-db"], stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        names = {r.name for r in replicas}
        self.wait_for(lambda found: set(found) == names and all(b.status == "UP" for b in found.values()),
                      "every replica to pass its health check")

    def backends(self) -> dict[str, Backend]:
        """Each replica's state, from HAProxy's status page (its CSV export)."""
        text = urllib.request.urlopen(f"http://127.0.0.1:{self.stats_port}/;csv", timeout=5).read().decode()
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {row["svname"]: Backend(row["status"], int(row["stot"] or 0), int(row["scur"] or 0)) for row in rows
                if row["pxname"] == "replicas" and row["svname"] not in ("BACKEND", "FRONTEND")}

    def wait_for(self, ok, what: str, timeout: float = 30) -> dict[str, Backend]:
        deadline = time.monotonic() + timeout
        found: dict[str, Backend] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                found = self.backends()
                if ok(found):
                    return found
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy stopped: {self.log.read_text()[-1500:]}")
            time.sleep(0.2)
        raise AssertionError(f"HAProxy did not see {what} within {timeout} s: {found}")

    def new_visitor(self) -> str:
        """The replica HAProxy gives a browser without a cookie (the SERVERID cookie it sets)."""
        with urllib.request.urlopen(self.url + "/_stcore/health", timeout=10) as response:
            return served_by(response.headers.get_all("Set-Cookie") or [])

    def stop(self) -> None:
        stop_group(self.process)


def served_by(set_cookies: list[str]) -> str:
    """The replica named by HAProxy's SERVERID cookie among `Set-Cookie` headers ("" when none was set:
    a request whose cookie named a live replica)."""
    for header in set_cookies:
        name, _, rest = header.partition("=")
        if name.strip() == "SERVERID":
            return rest.split(";", 1)[0]
    return ""


# --- a tab that fills in forms ---------------------------------------------------------------------------------

class PageTab(Tab):
    """bench.wire's Tab, plus what a person reads and does on a page: the widgets by key (to fill one and
    click a button in one rerun, as the frontend sends a form), the messages (`alerts`: (kind, text)) and
    metrics of the last run. `cookie` pins the session to a replica, as a browser's SERVERID cookie does;
    `replica` is the one HAProxy chose or kept."""

    def __init__(self, url: str, cookie: str = "", timeout: float = 60):
        super().__init__(url, timeout)
        self.cookie = cookie
        self.replica = cookie
        self.widgets: dict[str, str] = {}
        self.alerts: list[tuple[str, str]] = []
        self.metrics: dict[str, str] = {}
        self._seen: tuple[list, dict] = ([], {})

    async def __aenter__(self) -> "PageTab":
        # deferred like Tab's own: websockets is needed only where a tab connects
        from websockets.asyncio.client import connect

        self._BackMsg, self._ForwardMsg, self._WidgetState = _protos()
        headers = {"Cookie": f"SERVERID={self.cookie}"} if self.cookie else None
        self._ws = await connect(self.url.replace("http", "ws", 1) + STREAM, subprotocols=["streamlit"],
                                 origin=self.url, max_size=None, open_timeout=self.timeout,
                                 additional_headers=headers)
        self.replica = served_by(self._ws.response.headers.get_all("Set-Cookie")) or self.cookie
        return self

    async def submit(self, texts: dict[str, str], button: str):
        """Type `texts` (widget key -> text) and click `button`, in one rerun."""
        widgets = [self._WidgetState(id=self.widgets[key], string_value=text) for key, text in texts.items()]
        widgets.append(self._WidgetState(id=self.widgets[button], trigger_value=True))
        back = self._BackMsg()
        state = back.rerun_script
        state.page_script_hash, state.query_string = self.page_script_hash, self.query_string
        state.widget_states.widgets.extend(widgets)
        state.cached_message_hashes.extend(self._cache)
        self._context(state, "", self.query_string)
        return await self._run(back)

    async def _run(self, back):
        self._seen = ([], {})
        run = await super()._run(back)
        self.alerts, self.metrics = self._seen
        return run

    def _read(self, msg, boxes, errors) -> bool:
        if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            kind = element.WhichOneof("type")
            if kind == "alert":
                self._seen[0].append((element.alert.Format.Name(element.alert.format), element.alert.body))
            elif kind == "metric":
                self._seen[1][element.metric.label] = element.metric.body
            else:
                widget = getattr(getattr(element, kind), "id", "")
                if isinstance(widget, str) and widget.startswith("$$ID-"):
                    self.widgets[widget.split("-", 2)[2]] = widget   # $$ID-<hash>-<key>
        return super()._read(msg, boxes, errors)

    def said(self, kind: str) -> list[str]:
        """The last run's messages of one kind (SUCCESS, ERROR...)."""
        return [text for found, text in self.alerts if found == kind]
