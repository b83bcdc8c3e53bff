"""The embedded engine: one DuckDB file, opened once per process (the only module that imports duckdb).

DuckDB lets one process hold a file, so every write runs under one in-process lock and the data
version is a count this process keeps: a read cached under it stays true until this process writes.
"""

from __future__ import annotations

import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import duckdb

from ..models import DatabaseInUse, DatabaseTooNew, EsmError

if TYPE_CHECKING:
    import pandas as pd

# Per database file: how many times this process opened it or committed a write to it (every
# Database on the file shares the count, so a write through one moves the data version of all).
_VERSIONS: dict[str, int] = {}
_VERSIONS_LOCK = threading.Lock()


def _in_use_message(path: Path, err: Exception) -> str:
    text = str(err)
    holder = re.search(r"held in (.+?) \(PID (\d+)\)", text)
    who = f"process {holder.group(2)} ({holder.group(1)})" if holder else "another process"
    return (f"The database {path} is in use by {who}, probably the running app or another command. "
            "DuckDB lets only one process open a file: stop that process and try again, "
            "or point --db / ESM_DB_URL at another file.")


class DuckTx:
    """The engine's side of a write transaction: statements on one cursor."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection):
        self.cursor = cursor

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        self.cursor.execute(sql, list(params or []))
        try:
            return self.cursor.fetchall()
        except duckdb.InvalidInputException:  # a statement with no result
            return []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.cursor.executemany(sql, [list(r) for r in rows])

    def append(self, table: str, columns: Sequence[str], rows: Any) -> None:
        """DuckDB's appender: each value converted as a bound parameter is, without the GIL, and
        without pyarrow or pandas (a command-line import loads neither)."""
        appender = self.cursor.appender(table, columns=list(columns))
        appender.append_rows(rows)
        appender.flush()

    def insert_view(self, table: str, columns: Sequence[str], data: Any) -> None:
        """Insert an Arrow table or a DataFrame, read in place as a view."""
        view = f"_bulk_{table}"
        self.cursor.register(view, data)
        try:
            cols = ", ".join(columns)
            self.cursor.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {view}")
        finally:
            self.cursor.unregister(view)


class DuckEngine:
    """One DuckDB file."""

    kind = "duckdb"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.label = str(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = duckdb.connect(str(self.path))
        except duckdb.IOException as err:
            if "lock" in str(err).lower():
                raise DatabaseInUse(_in_use_message(self.path, err)) from None
            raise EsmError(f"Cannot open the database {self.path}: {err}") from None
        except duckdb.SerializationException as err:
            raise DatabaseTooNew(
                f"The database {self.path} was written by a newer version of DuckDB than this app uses. "
                "Upgrade the app, or point --db / ESM_DB_URL at another file.") from err
        self._write_lock = threading.RLock()
        self._version_key = str(self.path.resolve())

    def close(self) -> None:
        self._conn.close()

    def checkpoint(self) -> None:
        with self._write_lock:
            self._conn.cursor().execute("CHECKPOINT")

    # --- reads -----------------------------------------------------------------------

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        cur = self._conn.cursor()
        try:
            return cur.execute(sql, list(params or [])).fetchall()
        finally:
            cur.close()

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        cur = self._conn.cursor()
        try:
            return cur.execute(sql, list(params or [])).df()
        finally:
            cur.close()

    # --- writes ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[DuckTx]:
        """BEGIN ... COMMIT under the process's write lock; ROLLBACK on any error."""
        with self._write_lock:
            cur = self._conn.cursor()
            try:
                cur.execute("BEGIN TRANSACTION")
                try:
                    yield DuckTx(cur)
                except BaseException:
                    cur.execute("ROLLBACK")
                    raise
                cur.execute("COMMIT")
            finally:
                cur.close()

    def is_retryable(self, err: BaseException) -> bool:
        """A transaction conflict: another transaction changed the same rows first."""
        return is_conflict_error(err)

    def committed(self) -> None:
        self.bump()

    def bump(self) -> None:
        with _VERSIONS_LOCK:
            _VERSIONS[self._version_key] = _VERSIONS.get(self._version_key, 0) + 1

    def data_version(self) -> tuple[str, int]:
        return self._version_key, _VERSIONS[self._version_key]

    @contextmanager
    def migration_lock(self) -> Iterator[None]:
        """One process holds the file: the write lock is enough."""
        with self._write_lock:
            yield

    # --- sequences (for `copy`) -------------------------------------------------------

    def sequences(self) -> dict[str, int]:
        """Each sequence's last value handed out (0 when none yet)."""
        return {name: int(last or 0) for name, last in self.rows(
            "SELECT sequence_name, last_value FROM duckdb_sequences() "
            "WHERE schema_name = current_schema() ORDER BY sequence_name")}

    def set_sequence(self, tx: DuckTx, name: str, last_value: int) -> None:
        """Move a sequence on until the last value it handed out is `last_value`, so its next value
        follows it. DuckDB has no setval, and a sequence a column's default uses cannot be dropped and
        made again: the missing values are drawn (5 million take about 0.3 s). Never moves one back; the
        values drawn stay drawn even if the transaction rolls back, as on PostgreSQL."""
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a sequence name: {name!r}")
        found = tx.execute("SELECT coalesce(last_value, 0) FROM duckdb_sequences() "
                           "WHERE schema_name = current_schema() AND sequence_name = $1", [name])
        if not found:
            raise EsmError(f"The database {self.path} has no sequence {name}.")
        missing = int(last_value) - int(found[0][0])
        if missing > 0:
            tx.execute(f"SELECT max(nextval('{name}')) FROM range($1)", [missing])


def is_conflict_error(err: BaseException) -> bool:
    return isinstance(err, duckdb.TransactionException) and "conflict" in str(err).lower()
