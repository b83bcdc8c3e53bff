"""Fixtures shared by every tier: temporary databases, empty or with the demo organisation."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from esm_maturity import clock
from esm_maturity.db import Database
from esm_maturity.demo.organisation import load_demo
from esm_maturity.maturity import load_default_model
from esm_maturity.models import SYSTEM, Actor, Quarter, Role
from tests import pg_cluster as pg_cluster_module, stores

ROOT = Path(__file__).resolve().parent.parent

# The day every test runs on: the clock is pinned to it (ESM_TEST_TODAY runs the whole suite on
# another day). The demo organisation is built around the same day.
TODAY = dt.date.fromisoformat(os.environ.get("ESM_TEST_TODAY", "2026-11-18"))
DEMO_ANCHOR = Quarter.of(TODAY)

# Days on which the date-sensitive tests run as well: a quarter's first and last day, 31 December,
# 29 February, and the real today (read once, here, on purpose).
AWKWARD_DAYS = [dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2026, 12, 31), dt.date(2028, 2, 29),
                dt.datetime.now(dt.timezone.utc).date()]
ADMIN = Actor("alice", Role.admin)
CHAMPION = Actor("eddie", Role.champion)
SPONSOR = Actor("vera", Role.sponsor)


@pytest.fixture(autouse=True)
def pinned_clock():
    """Every test runs on TODAY unless it asks for another day (see `any_day`)."""
    with clock.frozen(TODAY) as today:
        yield today


@pytest.fixture(params=AWKWARD_DAYS, ids=str)
def any_day(request, pinned_clock, store):
    """Pin the clock to each awkward day in turn; `.demo_path()` gives a demo built around it."""
    day = request.param
    with clock.frozen(day):
        yield DayUnderTest(day, store)


class DayUnderTest:
    def __init__(self, day: dt.date, store):
        self.day, self._store = day, store

    @property
    def quarter(self) -> Quarter:
        return Quarter.of(self.day)

    def demo_path(self):
        """A fresh copy of the demo organisation built around this day."""
        return self._store.copy(_demo_for(self.day, self._store), "demo")


_DEMOS: dict[dt.date, object] = {}


def _demo_for(day: dt.date, store):
    if day not in _DEMOS:
        path = store.fresh(f"demo-{day}")
        with clock.frozen(day), Database(path) as database:
            load_demo(database, SYSTEM, today=day)
            database.checkpoint()
        _DEMOS[day] = path
    return _DEMOS[day]


@pytest.fixture(scope="session")
def pg_cluster():
    """A throw-away PostgreSQL cluster for this test process (skipped without PostgreSQL's server,
    unless ESM_REQUIRE_POSTGRES=1, which CI sets: there a missing server fails)."""
    try:
        cluster = pg_cluster_module.start()
    except pg_cluster_module.Unavailable as err:
        if stores.REQUIRE_POSTGRES:
            pytest.fail(f"ESM_REQUIRE_POSTGRES=1 but {err}")
        pytest.skip(str(err))
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def store(request, tmp_path_factory):
    """Where this run's databases live: files, or a PostgreSQL cluster (ESM_TEST_ENGINE=postgresql)."""
    if stores.ENGINE == "postgresql":
        return stores.PgStore(request.getfixturevalue("pg_cluster"))
    return stores.FileStore(tmp_path_factory)


@pytest.fixture
def new_db(store):
    """Make new empty databases in this test: `new_db("name")`; `new_db.copy(source)` copies one.
    All are dropped afterwards."""
    made = []

    class New:
        def __call__(self, name: str = "esm"):
            made.append(store.fresh(name))
            return made[-1]

        def copy(self, source, name: str = "copy"):
            made.append(store.copy(source, name))
            return made[-1]

    yield New()
    for location in made:
        store.drop(location)


@pytest.fixture
def db_path(new_db):
    """A new empty database (a file path, or a postgresql:// URL on the PostgreSQL run)."""
    return new_db("esm")


@pytest.fixture
def db(db_path):
    """An empty database with the default model loaded."""
    database = Database(db_path)
    load_default_model(database, SYSTEM)
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_file(store):
    """The demo organisation, built once per test process; copy it before writing."""
    return _demo_for(TODAY, store)


@pytest.fixture
def demo_path(demo_file, new_db):
    """A private copy of the demo database."""
    return new_db.copy(demo_file, "demo")


@pytest.fixture
def demo_db(demo_path):
    database = Database(demo_path)
    yield database
    database.close()
