"""Settings from the environment. No Streamlit here."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

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


def local_name() -> str:
    """Local mode's name for the one user in the audit trail: ESM_ACTOR, else 'local admin'."""
    return os.environ.get("ESM_ACTOR", "").strip()


def secrets_files() -> list[Path]:
    """Where Streamlit reads `secrets.toml` (the user's, then the working directory's), plus the
    project's own, for the command line run from elsewhere."""
    found = [Path.home() / ".streamlit" / "secrets.toml", Path.cwd() / ".streamlit" / "secrets.toml",
             PROJECT_ROOT / ".streamlit" / "secrets.toml"]
    unique = []
    for path in found:
        if path.resolve() not in [p.resolve() for p in unique]:
            unique.append(path)
    return [p for p in unique if p.is_file()]


def read_secrets() -> dict:
    """The merged secrets files (later files win), as the command line sees them."""
    merged: dict = {}
    for path in secrets_files():
        with path.open("rb") as fh:
            merged.update(tomllib.load(fh))
    return merged
