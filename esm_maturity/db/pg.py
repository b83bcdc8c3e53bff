"""The shared engine: PostgreSQL, for several app replicas (the only module that imports psycopg).

- The same `$1` SQL as DuckDB runs through psycopg 3's RawCursor, on a small pool per process.
- Reads run one statement each in autocommit. Every write is one SERIALIZABLE transaction: two
  replicas that read the same rows cannot both commit, and the loser is retried (SQLSTATE 40001
  and 40P01) by `Database.write`.
- Bulk inserts are COPY.
- The data version is the sequence `data_version_seq`, moved on after each commit: one replica's
  cache never outlives another replica's write (a cached read is keyed on the version it saw).
- Migrations run under an advisory lock, so a second replica starting on an empty database waits.
"""

from __future__ import annotations

import decimal
import math
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool, PoolTimeout

from ..config import redact
from ..models import EsmError, ValidationError

if TYPE_CHECKING:
    import pandas as pd

MIGRATION_LOCK = 0x45534D  # 'ESM': the advisory lock every replica takes around migrations
RETRYABLE = (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected)
# Type names whose values become numbers, dates or flags in a frame (as DuckDB's frames have them).
_NUMERIC = {"numeric", "float4", "float8"}
_INTEGER = {"int2", "int4", "int8"}
_TEMPORAL = {"date", "timestamp", "timestamptz"}


def _cannot_reach(url: str, err: BaseException) -> EsmError:
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return EsmError(f"Cannot reach the PostgreSQL database {redact(url)}: {first}. Check that the server is "
                    "running and the URL (ESM_DB_URL or --db) names the right host, port, database and user.")


@contextmanager
def _plain_errors() -> Iterator[None]:
    """PostgreSQL's refusals that a person can act on, in the app's own words."""
    try:
        yield
    except psycopg.DataError as err:
        if "0x00" in str(err):
            raise ValidationError("The text contains a NUL character (0x00), which the PostgreSQL database cannot "
                                  "store: remove it and save again. Nothing was saved.") from None
        raise


class PgTx:
    """The engine's side of a write transaction: statements on one connection."""

    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        with _plain_errors():
            cur = self.conn.execute(sql, list(params or []))
        return cur.fetchall() if cur.description is not None else []

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with _plain_errors(), self.conn.cursor() as cur:
            cur.executemany(sql, [list(r) for r in rows])

    def append(self, table: str, columns: Sequence[str], rows: Any) -> None:
        with (_plain_errors(), self.conn.cursor() as cur,
              cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy):
            for row in rows:
                copy.write_row(row)

    def insert_view(self, table: str, columns: Sequence[str], data: Any) -> None:
        """An Arrow table or a DataFrame, row by row through COPY (NaN and NaT are NULL)."""
        if hasattr(data, "to_pylist"):
            records = ([row[c] for c in columns] for row in data.to_pylist())
        else:
            records = (list(row) for row in data.itertuples(index=False, name=None))
        self.append(table, columns, ([_plain(v) for v in row] for row in records))


def _plain(value: Any) -> Any:
    """A pandas or numpy cell as the Python value psycopg adapts (missing values as None)."""
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__module__.startswith("pandas"):
        import pandas as pd  # loaded already: the value is pandas'
        if value is pd.NaT or value is pd.NA:
            return None
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    return value


class PgEngine:
    """A PostgreSQL database reached by URL, shared by every replica."""

    kind = "postgresql"
    POOL_SIZE = 4

    def __init__(self, url: str, pool_size: int | None = None):
        self.url = url
        self.label = redact(url)
        self.path = None
        size = pool_size or self.POOL_SIZE
        # One direct connection first: a wrong host, database or password is told at once, in the
        # server's own words (the pool would retry in the background until its timeout).
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as reason:
            raise _cannot_reach(url, reason) from None
        self._pool = ConnectionPool(url, min_size=1, max_size=max(size, 2), open=False, name="esm",
                                    kwargs={"autocommit": True, "cursor_factory": psycopg.RawCursor}, timeout=30)
        try:
            self._pool.open(wait=True, timeout=10)
        except (psycopg.Error, PoolTimeout) as err:
            self._pool.close()
            raise _cannot_reach(url, err) from None

    def close(self) -> None:
        self._pool.close()

    def checkpoint(self) -> None:
        """Nothing to do: PostgreSQL checkpoints on its own."""

    # --- reads -----------------------------------------------------------------------

    def _read(self, sql: str, params: Sequence[Any] | None) -> tuple[list[tuple], list[Any]]:
        with self._pool.connection() as conn:
            cur = conn.execute(sql, list(params or []))
            return (cur.fetchall(), list(cur.description or [])) if cur.description is not None else ([], [])

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        rows, _ = self._read(sql, params)
        return [tuple(float(v) if isinstance(v, decimal.Decimal) else v for v in row) for row in rows]

    def frame(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        import pandas as pd  # only for a frame (a command-line import never loads pandas)
        rows, description = self._read(sql, params)
        names = [d.name for d in description]
        types = [self._type_name(d.type_code) for d in description]
        columns = list(zip(*rows)) if rows else [() for _ in names]
        data = {}
        for i, (name, kind) in enumerate(zip(names, types)):
            values = list(columns[i])
            if kind in _NUMERIC:
                data[name] = pd.array([None if v is None else float(v) for v in values], dtype="float64")
            elif kind in _INTEGER:
                data[name] = pd.array(values, dtype="Int64")
            elif kind in _TEMPORAL:
                data[name] = pd.to_datetime(pd.Series(values, dtype="object"))
                if kind == "date" or not rows:
                    data[name] = data[name].astype("datetime64[us]")
            elif kind == "bool":
                data[name] = pd.array(values, dtype="boolean")
            else:
                data[name] = pd.Series(values, dtype="object" if kind not in ("text", "varchar") else None)
        return pd.DataFrame(data, columns=names)

    def _type_name(self, oid: int) -> str:
        info = psycopg.adapters.types.get(oid)
        return info.name if info else ""

    # --- writes ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[PgTx]:
        """BEGIN ISOLATION LEVEL SERIALIZABLE ... COMMIT on a pooled connection; ROLLBACK on any error."""
        try:
            holder = self._pool.connection()
            conn = holder.__enter__()
        except PoolTimeout as err:
            raise _cannot_reach(self.url, err) from None
        try:
            conn.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            try:
                yield PgTx(conn)
            except BaseException:
                if not conn.closed:
                    try:
                        conn.execute("ROLLBACK")
                    except psycopg.OperationalError:  # the connection broke: the server rolled it back
                        pass
                raise
            conn.execute("COMMIT")
        finally:
            holder.__exit__(None, None, None)

    def is_retryable(self, err: BaseException) -> bool:
        """A serialization failure or a deadlock: another transaction won; run the work again."""
        return isinstance(err, RETRYABLE)

    def committed(self) -> None:
        """Move the shared data version on, after the commit is visible (so a replica that reads the
        new version also reads the new rows)."""
        self.bump()

    def bump(self) -> None:
        try:
            self.rows("SELECT nextval('data_version_seq')")
        except psycopg.errors.UndefinedTable:  # before the migration that makes it
            pass

    def data_version(self) -> tuple[str, int]:
        try:
            return self.label, int(self.rows("SELECT last_value FROM data_version_seq")[0][0])
        except psycopg.errors.UndefinedTable:  # before the migration that makes it
            return self.label, 0

    @contextmanager
    def migration_lock(self) -> Iterator[None]:
        """A session advisory lock: a second replica migrating at the same time waits here."""
        with self._pool.connection() as conn:
            conn.execute("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK])
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK])

    # --- sequences (for `copy`) -------------------------------------------------------

    def sequences(self) -> dict[str, int]:
        return {name: int(last or 0) for name, last in self.rows(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
            "ORDER BY sequencename")}

    def set_sequence(self, tx: PgTx, name: str, last_value: int) -> None:
        """Move a sequence on so its next value follows `last_value`; never back (a sequence further on
        stays where it is). setval is not undone by a rollback: a copy tried again sets the same value."""
        found = tx.execute("SELECT coalesce(last_value, 0) FROM pg_sequences "
                           "WHERE schemaname = current_schema() AND sequencename = CAST($1 AS TEXT)", [name])
        if not found:
            raise EsmError(f"The database {self.label} has no sequence {name}.")
        if int(last_value) > int(found[0][0]):
            tx.execute("SELECT setval(CAST($1 AS TEXT)::regclass, $2)", [name, int(last_value)])


__all__ = ["PgEngine", "RETRYABLE"]
