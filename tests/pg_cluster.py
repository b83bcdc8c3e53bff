"""A throw-away PostgreSQL cluster for the tests: Debian's `postgresql` binaries, a new data folder,
127.0.0.1 and a free port, no service manager, no network, durability off (test data only).

`start()` returns a Cluster or raises Unavailable with the reason; `Cluster.stop()` removes it.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class Unavailable(RuntimeError):
    """PostgreSQL's server binaries are missing or the cluster would not start."""


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Unavailable("PostgreSQL's server is not installed (Debian: apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_owner(command: list[str]) -> list[str]:
    """initdb and the server refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


class Cluster:
    def __init__(self, bindir: Path, folder: Path, port: int):
        self.bindir, self.folder, self.port = bindir, folder, port
        self.admin_url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, params: list | None = None) -> list[tuple]:
        """One statement on the maintenance database, in autocommit (CREATE/DROP DATABASE)."""
        import psycopg  # the tests' own admin connection

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            cur = conn.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def create(self, template: str | None = None) -> str:
        """A new empty database (or a copy of `template`, which nothing may be connected to)."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop(self, name: str) -> None:
        self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        subprocess.run(_as_owner([str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                                  "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def start() -> Cluster:
    bindir = _bindir()
    folder = Path(tempfile.mkdtemp(prefix="esm-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    try:
        done = subprocess.run(_as_owner([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
                                         "-E", "UTF8", "--locale=C", "--no-sync"]),
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise Unavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        port = _free_port()
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=500 -c shared_buffers=64MB")
        done = subprocess.run(_as_owner([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l",
                                         str(folder / "server.log"), "-w", "-t", "60", "start"]),
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
            raise Unavailable(f"the PostgreSQL server did not start: {done.stderr.strip()} {log[-800:]}")
    except (OSError, subprocess.SubprocessError) as err:
        shutil.rmtree(folder, ignore_errors=True)
        raise Unavailable(f"PostgreSQL could not start here: {err}") from err
    except Unavailable:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Cluster(bindir, folder, port)


if __name__ == "__main__":   # python -m tests.pg_cluster: start one and print its URL (Ctrl-C stops it)
    import time

    cluster = start()
    print(cluster.admin_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        cluster.stop()
