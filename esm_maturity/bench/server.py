"""A `streamlit run` server for the bench: on a free 127.0.0.1 port over one database file, stopped by its pid.

Started the way the browser tests start it (headless, no file watcher, no usage statistics), from the
project root so the app's own .streamlit/config.toml applies. `rss_mib()` reads the server's resident
memory (psutil when installed, else /proc/PID/status), `cpu_seconds()` the processor time it has used.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of process `pid` in MiB."""
    try:
        import psutil  # optional: not a dependency; /proc below is the fallback
    except ImportError:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        raise RuntimeError(f"no VmRSS for process {pid}")
    return psutil.Process(pid).memory_info().rss / 2**20


def cpu_seconds(pid: int) -> float:
    """Processor time process `pid` has used so far, every thread (finished ones too), in seconds.

    Linux's clock for another process (clock id `~pid << 3 | 2`: CPUCLOCK_SCHED of the whole process)
    counts in nanoseconds; /proc/PID/stat, the fallback, in ticks of 10 ms, too coarse for one page load."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)
    except (OSError, AttributeError, OverflowError):   # not Linux
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()   # after the command's name, which may hold spaces
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime, stime


class AppServer:
    """`with AppServer(db_file, log) as server:` ... `server.url`, `server.port`, `server.rss_mib()`."""

    def __init__(self, db_file: Path | str | None, log_file: Path, script: Path = APP, args: list[str] = (),
                 wait: bool = True):
        """`db_file`: a DuckDB file, or a postgresql:// URL (one of several replicas on it), or None for
        whatever the environment says."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(log_file, "w")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        if db_file is not None:   # ESM_DB_URL takes a file or a URL, and wins over ESM_DB_PATH (config.db_target)
            env["ESM_DB_URL"] = str(db_file)
        self.started = time.perf_counter()
        # the app as `python -m esm_maturity serve` starts it (ui/server.py: Streamlit's command line after a
        # warm-up); any other script with plain Streamlit
        launcher = "esm_maturity.ui.server" if script == APP else "streamlit"
        self.process = subprocess.Popen(
            [sys.executable, "-m", launcher, "run", str(script), "--server.headless=true",
             "--server.address=127.0.0.1", f"--server.port={self.port}", "--browser.gatherUsageStats=false",
             "--server.fileWatcherType=none", *args],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        if wait:
            try:
                self.wait_healthy()
            except BaseException:
                self.stop()
                raise

    def wait_healthy(self, timeout: float = 60, poll: float = 0.02) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                if urllib.request.urlopen(self.url + "/_stcore/health", timeout=2).read() == b"ok":
                    return
            if self.process.poll() is not None:
                break
            time.sleep(poll)
        raise RuntimeError(f"streamlit did not start; see {self._log.name}")

    def rss_mib(self) -> float:
        return rss_mib(self.process.pid)

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def stop(self) -> None:
        stop_group(self.process)
        self._log.close()

    def __enter__(self) -> "AppServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def stop_group(process: subprocess.Popen) -> None:
    """Stop a server started in its own process group: TERM, then KILL after 10 s (the browser tests use it too)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
