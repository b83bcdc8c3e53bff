"""Database and Tx: the engine-neutral face of the database (see the package's docstring).

Reads run on their own cursor and are read fully. Every write runs inside one explicit
transaction, is rolled back on error and retried on a transaction conflict. Migrations are
numbered SQL files, each applied in its own transaction together with its record row, under a
lock that a second process starting at the same moment waits on.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence, TypeVar

from .. import clock, config
from ..models import SYSTEM, Actor, ConflictError, DatabaseTooNew, PermissionDenied

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
T = TypeVar("T")


def split_sql(script: str) -> list[str]:
    """Split a migration into statements (';' outside quotes and comments)."""
    statements, buf, i, quote = [], [], 0, None
    while i < len(script):
        ch = script[i]
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
            buf.append(ch)
        elif script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end < 0 else end
            continue
        elif ch == ";":
            statements.append("".join(buf).strip())
            buf = []
        else:
            buf.append(ch)
        i += 1
    statements.append("".join(buf).strip())
    return [s for s in statements if s]


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _MIGRATION_RE.match(path.name)
        if m:
            found.append((int(m.group(1)), m.group(2), path))
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a number in {directory}")
    return found


def _identifiers(*names: str) -> None:
    """Table and column names come from our own code, never from user input: refuse anything else."""
    for name in names:
        if not _IDENTIFIER.fullmatch(name):
            raise ValueError(f"not an identifier: {name!r}")


def open_engine(target: str | Path):
    """The engine for a DuckDB file path or a postgresql:// URL (psycopg is loaded only for the latter)."""
    if isinstance(target, str) and config.is_database_url(target):
        from .pg import PgEngine  # psycopg only for a PostgreSQL URL
        return PgEngine(target)
    from .duck import DuckEngine  # duckdb only for a file (a PostgreSQL replica never loads it)
    return DuckEngine(target)


class Tx:
    """A write transaction: execute statements and record audit rows in it."""

    def __init__(self, engine_tx: Any, actor: Actor):
        self._tx = engine_tx
        self.actor = actor
        self.now = clock.now()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._tx.execute(sql, params)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._tx.executemany(sql, rows)

    def one(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        rows = self.execute(sql, params)
        return rows[0] if rows else None

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]] | pa.Table | pd.DataFrame,
                    constants: Sequence[Any] = ()) -> int:
        """Bulk insert: many rows at once (executemany is ~100x slower in DuckDB).

        `table` and `columns` are identifiers from our own code, never user input; the values travel
        as data (DuckDB's appender, PostgreSQL's COPY), never as SQL text. Rows of tuples may leave out
        the last columns when every row has the same values there (`constants`); None is NULL. An
        Arrow table or a DataFrame may be passed too.

        The appender needs neither pyarrow nor pandas (a command-line import loads neither: about
        90 MB less), converts rows three times faster than building Arrow columns did, and inserts
        without the GIL.
        """
        _identifiers(table, *columns)
        if _is_arrow(rows) or _is_frame(rows):
            data = rows.select(list(columns)) if _is_arrow(rows) else rows[list(columns)]
            count = data.num_rows if _is_arrow(data) else len(data)
            if count:
                self._tx.insert_view(table, columns, data)
            return count
        rows = rows if isinstance(rows, (list, tuple)) else list(rows)
        if not rows:
            return 0
        self._tx.append(table, columns, rows if not constants else ((*row, *constants) for row in rows))
        return len(rows)

    def update_versioned(self, table: str, key: dict[str, Any], expected_version: int, values: dict[str, Any],
                         conflict: str) -> int:
        """`UPDATE table SET values, version = version + 1 WHERE key AND version = expected_version`.

        The version the person saw is part of the statement itself, so the check holds across
        processes (several app replicas on one database), not only under this process's lock.
        Zero rows changed means someone else saved first: ConflictError(conflict), and the caller's
        transaction is rolled back. Returns the new version. `table` and the column names are
        identifiers from our own code; every value is bound as a parameter.
        """
        _identifiers(table, *key, *values)
        params = [*values.values(), *key.values(), int(expected_version)]
        assignments = [f"{name} = ${i}" for i, name in enumerate(values, start=1)]
        where = [f"{name} = ${i}" for i, name in enumerate(key, start=len(values) + 1)]
        rows = self.execute(f"UPDATE {table} SET {', '.join([*assignments, 'version = version + 1'])} "
                            f"WHERE {' AND '.join(where)} AND version = ${len(params)} RETURNING version", params)
        if not rows:
            raise ConflictError(conflict)
        return int(rows[0][0])

    def bump_versions(self, table: str, key_column: str, keys: Sequence[Any]) -> None:
        """Move records' versions on after a change that is no form's own (an import rewrote a
        dimension's rubric): a form open on one of them then refuses its save instead of overwriting."""
        _identifiers(table, key_column)
        if keys:
            self.execute(f"UPDATE {table} SET version = version + 1 WHERE {key_column} = ANY($1)", [list(keys)])

    def audit(self, action: str, entity: str, key: str, before: Any = None, after: Any = None,
              department_id: str | None = None) -> None:
        self.execute(
            "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_key, department_id, before_json, after_json) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            [self.now, self.actor.name, action, entity, key, department_id,
             _json(before), _json(after)])


def is_conflict(err: BaseException) -> bool:
    """A transaction conflict on either engine: another transaction changed the same rows first
    (worth trying again)."""
    if "duckdb" in sys.modules:
        from .duck import is_conflict_error  # only when DuckDB is loaded already
        if is_conflict_error(err):
            return True
    if "psycopg" in sys.modules:
        from .pg import RETRYABLE  # only when psycopg is loaded already
        return isinstance(err, RETRYABLE)
    return False


def _is_frame(rows: Any) -> bool:
    """A pandas DataFrame? (pandas is imported only by the code that makes one: a command-line
    import never loads it, which keeps that process ~85 MB smaller.)"""
    pd = sys.modules.get("pandas")
    return pd is not None and isinstance(rows, pd.DataFrame)


def _is_arrow(rows: Any) -> bool:
    """An Arrow table? (Asked without importing pyarrow, which only the code that makes one loads.)"""
    pa = sys.modules.get("pyarrow")
    return pa is not None and isinstance(rows, pa.Table)


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=str, sort_keys=True, ensure_ascii=False)


class Database:
    """One database, a DuckDB file or a PostgreSQL URL, opened once per process and migrated."""

    RETRIES = 8

    def __init__(self, target: str | Path, migrations_dir: Path = MIGRATIONS_DIR, migrate: bool = True):
        self.writes = 0                        # write transactions committed through this object
        self._writes_lock = threading.Lock()
        self._engine = open_engine(target)
        self.kind = self._engine.kind
        self.path = self._engine.path          # the DuckDB file; None on PostgreSQL
        self.label = self._engine.label        # the file, or the URL without its password
        self._migrations_dir = migrations_dir
        try:
            if migrate:
                self.migrate()
        except Exception:
            self._engine.close()
            raise
        self._engine.bump()

    # --- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> "Database":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def checkpoint(self) -> None:
        self._engine.checkpoint()

    @property
    def engine(self) -> Any:
        """The engine underneath (for `copy`, which reads the catalog)."""
        return self._engine

    @property
    def data_version(self) -> tuple[str, int]:
        """(the database, a number that moves on with every committed write).
        On DuckDB it counts this process's opens and writes (one process holds the file); on PostgreSQL
        it is a shared sequence every replica moves after its commits. A read cached under one data
        version stays true until the version moves (the screen's caches key on it)."""
        return self._engine.data_version()

    # --- reads -----------------------------------------------------------------------

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run a query and return every row as a DataFrame."""
        return self._engine.frame(sql, params)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self._engine.rows(sql, params)

    def one(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        result = self.rows(sql, params)
        return result[0] if result else None

    def scalar(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.one(sql, params)
        return row[0] if row else None

    def tables(self) -> list[str]:
        """The schema's tables (the same catalog query on both engines; for `copy`)."""
        return [r[0] for r in self.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_type = 'BASE TABLE' ORDER BY table_name")]

    def columns(self, table: str) -> list[str]:
        """A table's columns in their order."""
        return [r[0] for r in self.rows(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = $1 ORDER BY ordinal_position", [table])]

    # --- writes ----------------------------------------------------------------------

    @contextmanager
    def transaction(self, actor: Actor = SYSTEM) -> Iterator[Tx]:
        """One explicit transaction; rolled back on any error."""
        try:
            with self._engine.transaction() as engine_tx:
                yield Tx(engine_tx, actor)
        except PermissionDenied as err:
            self.record_refusal(actor, err)
            raise
        self._engine.committed()
        with self._writes_lock:
            self.writes += 1

    def record_refusal(self, actor: Actor, err: PermissionDenied) -> None:
        """Write a refused action to the audit trail (once per refusal), in its own transaction:
        who asked, what, on which record, and the reason they were given."""
        if getattr(err, "recorded", False):
            return
        err.recorded = True
        with self.transaction(actor) as tx:
            tx.audit("refused", err.entity, err.key, after={"asked to": err.doing, "role": actor.role.value,
                                                            "reason": str(err)},
                     department_id=err.department_id)

    def write(self, actor: Actor, work: Callable[[Tx], T]) -> T:
        """Run `work(tx)` in a transaction, retrying it on a transaction conflict (on PostgreSQL: a
        serialization failure or a deadlock, which SERIALIZABLE turns every lost race into)."""
        for attempt in range(self.RETRIES):
            try:
                with self.transaction(actor) as tx:
                    return work(tx)
            except Exception as err:
                if not self._engine.is_retryable(err) or attempt == self.RETRIES - 1:
                    raise
                time.sleep(0.01 * (2 ** attempt))
        raise AssertionError("unreachable")

    # --- migrations ------------------------------------------------------------------

    def schema_version(self) -> int:
        return self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations") or 0

    def migrate(self) -> list[int]:
        """Apply every migration not yet recorded, each in its own transaction, under the engine's
        migration lock (a second replica starting at the same moment waits, then finds them done)."""
        with self._engine.migration_lock():
            with self._engine.transaction() as tx:
                tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                           " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)")
            return self._apply_migrations()

    def _apply_migrations(self) -> list[int]:
        known = available_migrations(self._migrations_dir)
        newest_known = max((v for v, _, _ in known), default=0)
        applied = {r[0] for r in self.rows("SELECT version FROM schema_migrations")}
        if applied and max(applied) > newest_known:
            raise DatabaseTooNew(
                f"The database {self.label} has schema version {max(applied)}, but this app knows only up "
                f"to {newest_known}: it was written by a newer version of the ESM tracker. "
                "Upgrade the app, or point --db / ESM_DB_URL at another database.")
        done = []
        for version, name, path in known:
            if version in applied:
                continue
            statements = split_sql(path.read_text(encoding="utf-8"))
            with self.transaction() as tx:
                for statement in statements:
                    tx.execute(statement)
                tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                           [version, name, tx.now])
            done.append(version)
        return done
