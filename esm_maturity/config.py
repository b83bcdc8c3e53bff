"""Settings from the environment. No Streamlit here."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"
DEFAULT_DB_PATH = DATA_DIR / "esm.duckdb"
DEFAULT_MODEL_PATH = DATA_DIR / "default_model.toml"


def db_target(explicit: str | os.PathLike | None = None) -> str | Path:
    """The database: an explicit --db, then ESM_DB_URL, then ESM_DB_PATH (the older name), then
    data/esm.duckdb. Each is a DuckDB file path or a postgresql:// URL (returned as the string)."""
    for value in (explicit, os.environ.get("ESM_DB_URL"), os.environ.get("ESM_DB_PATH")):
        text = str(value).strip() if value else ""
        if text:
            return text if is_database_url(text) else Path(text)
    return DEFAULT_DB_PATH


def is_database_url(text: str) -> bool:
    """A PostgreSQL URL (postgresql:// or postgres://) rather than a DuckDB file path."""
    return text.startswith(("postgresql://", "postgres://"))


def shown_target(explicit: str | os.PathLike | None = None) -> str:
    """The database for a message: the file, or the URL without its password."""
    target = db_target(explicit)
    return str(target) if isinstance(target, Path) else redact(target)


def redact(url: str) -> str:
    """A database URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


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
