"""Fixtures shared by every tier: temporary databases, empty or with the demo organisation."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from esm_maturity import clock
from esm_maturity.db import Database
from esm_maturity.demo.organisation import load_demo
from esm_maturity.maturity import load_default_model
from esm_maturity.models import SYSTEM, Actor, Quarter, Role

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
def any_day(request, pinned_clock, tmp_path_factory):
    """Pin the clock to each awkward day in turn; `.demo_path()` gives a demo built around it."""
    day = request.param
    with clock.frozen(day):
        yield DayUnderTest(day, tmp_path_factory)


class DayUnderTest:
    def __init__(self, day: dt.date, factory):
        self.day, self._factory = day, factory

    @property
    def quarter(self) -> Quarter:
        return Quarter.of(self.day)

    def demo_path(self) -> Path:
        """A fresh copy of the demo organisation built around this day."""
        source = _demo_for(self.day, self._factory)
        path = self._factory.mktemp("day") / "demo.duckdb"
        shutil.copy(source, path)
        return path


_DEMOS: dict[dt.date, Path] = {}


def _demo_for(day: dt.date, factory) -> Path:
    if day not in _DEMOS:
        path = factory.mktemp("demo") / f"demo-{day}.duckdb"
        with clock.frozen(day), Database(path) as database:
            load_demo(database, SYSTEM, today=day)
            database.checkpoint()
        _DEMOS[day] = path
    return _DEMOS[day]


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "esm.duckdb"


@pytest.fixture
def db(db_path):
    """An empty database with the default model loaded."""
    database = Database(db_path)
    load_default_model(database, SYSTEM)
    yield database
    database.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """The demo organisation, built once per test process; copy it before writing."""
    return _demo_for(TODAY, tmp_path_factory)


@pytest.fixture
def demo_path(demo_file, tmp_path) -> Path:
    """A private copy of the demo database file."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_file, path)
    return path


@pytest.fixture
def demo_db(demo_path):
    database = Database(demo_path)
    yield database
    database.close()
