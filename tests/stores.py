"""Where the tests' databases live: DuckDB files (the default) or databases on a throw-away
PostgreSQL cluster (ESM_TEST_ENGINE=postgresql), behind one face.

- `fresh(name)` is a new empty database (nothing migrated), `copy(source)` a private copy of one.
- Either returns what `Database(...)` and ESM_DB_URL take: a file path, or a postgresql:// URL.
- On PostgreSQL, a copy is `CREATE DATABASE ... TEMPLATE source` (nothing may be connected to the
  source: connections still open on it are closed first).
"""

from __future__ import annotations

import os
import shutil
import uuid
import weakref
from pathlib import Path

ENGINE = os.environ.get("ESM_TEST_ENGINE", "duckdb").strip().lower() or "duckdb"
REQUIRE_POSTGRES = os.environ.get("ESM_REQUIRE_POSTGRES") == "1"


class FileStore:
    kind = "duckdb"

    def __init__(self, factory):
        self._factory = factory

    def fresh(self, name: str = "esm") -> Path:
        return self._factory.mktemp("db") / f"{name}.duckdb"

    def copy(self, source, name: str = "copy") -> Path:
        target = self.fresh(name)
        shutil.copy(source, target)
        return target

    def drop(self, location) -> None:
        """Files go with pytest's temporary folders."""


class PgStore:
    kind = "postgresql"

    def __init__(self, cluster):
        self.cluster = cluster
        self._engines: weakref.WeakSet = weakref.WeakSet()
        _watch(self._engines)

    def fresh(self, name: str = "esm") -> str:
        return self.cluster.url(self.cluster.create())

    def copy(self, source: str, name: str = "copy") -> str:
        template = _name(source)
        self.release(template)
        return self.cluster.url(self.cluster.create(template=template))

    def release(self, database: str) -> None:
        """Close every pool this process holds on `database` (a template must have no connections)."""
        for engine in list(self._engines):
            if _name(engine.url) == database:
                engine.close()

    def drop(self, location: str) -> None:
        database = _name(location)
        self.release(database)
        self.cluster.drop(database)


def _name(url: str) -> str:
    return str(url).rsplit("/", 1)[-1].split("?", 1)[0]


def _watch(engines: weakref.WeakSet) -> None:
    """Remember every PostgreSQL engine the tests open, so a database can be released before it is
    copied or dropped (AppTest's cached databases are never closed by the app itself)."""
    from esm_maturity.db.pg import PgEngine  # PostgreSQL runs only

    if getattr(PgEngine, "_watched", None) is not None:
        PgEngine._watched = engines
        return
    original = PgEngine.__init__

    def watched_init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PgEngine._watched.add(self)

    PgEngine._watched = engines
    PgEngine.__init__ = watched_init


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"
