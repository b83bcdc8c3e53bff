"""Fixtures shared by every tier: temporary databases, empty or with the demo organisation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from esm_maturity.db import Database
from esm_maturity.demo import load_demo
from esm_maturity.maturity import load_default_model
from esm_maturity.models import SYSTEM, Actor, Quarter, Role

ROOT = Path(__file__).resolve().parent.parent
DEMO_ANCHOR = Quarter(2026, 4)
ADMIN = Actor("alice", Role.admin)
EDITOR = Actor("eddie", Role.editor)
VIEWER = Actor("vera", Role.viewer)


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
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with Database(path) as database:
        load_demo(database, SYSTEM, DEMO_ANCHOR)
        database.checkpoint()
    return path


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
