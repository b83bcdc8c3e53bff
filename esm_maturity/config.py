"""Settings from the environment. No Streamlit here."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from .models import Actor, Role

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "esm.duckdb"
DEFAULT_MODEL_PATH = DATA_DIR / "default_model.toml"


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database file: an explicit path, then ESM_DB_PATH, then data/esm.duckdb."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ESM_DB_PATH", "").strip()
    return Path(env) if env else DEFAULT_DB_PATH


def local_actor() -> Actor:
    """Who is using the app on this machine.

    The person is the local user (ESM_ACTOR overrides the name) with the role from
    ESM_ROLE: admin (default), editor or viewer.
    """
    name = os.environ.get("ESM_ACTOR", "").strip()
    if not name:
        try:
            name = getpass.getuser()
        except Exception:  # no user name in a container: still record something
            name = "local user"
    role = Role.parse(os.environ.get("ESM_ROLE", "admin"))
    return Actor(name=name, role=role)
