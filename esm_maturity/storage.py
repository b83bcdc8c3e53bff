"""The one way to open the app's database, for the app and every command alike.

`open_database` opens (or creates) the file, applies the migrations, and loads the shipped maturity
model into a new database, so a command on an empty file behaves as the app does.
"""

from __future__ import annotations

import os

from . import config
from .db import Database
from .maturity import load_default_model, model_loaded
from .models import SYSTEM


def open_database(path: str | os.PathLike | None = None) -> Database:
    """The database at `path`, a file or a postgresql:// URL (default: ESM_DB_URL, then ESM_DB_PATH, then
    data/esm.duckdb), migrated, with a model."""
    db = Database(config.db_target(path))
    try:
        if not model_loaded(db):
            load_default_model(db, SYSTEM)
    except Exception:
        db.close()
        raise
    return db


def open_unloaded(path: str | os.PathLike | None = None, migrate: bool = True) -> Database:
    """The database at `path` as it is: migrated (unless `migrate` is False) but with no model loaded,
    for the commands that must see it untouched (`migrate`, `copy`)."""
    return Database(config.db_target(path), migrate=migrate)


__all__ = ["open_database", "open_unloaded"]
