"""Copy a whole database into a new one, on either engine (`python -m esm_maturity copy`).

An organisation can start on a DuckDB file and move to PostgreSQL (or back) without losing anything:

- The target is new and only migrated: the same schema version as the source, and not one row in any
  table but schema_migrations. A database the app or another command has opened holds the default
  maturity model already, so it is refused: make the target with `python -m esm_maturity migrate`.
- Every table of the schema is copied but schema_migrations (the target keeps its own record). The
  schema has no foreign keys (0001_initial.sql says why), so the order does not matter; a test fails
  the day a migration adds one.
- The source is read in one snapshot (one transaction), in batches in primary-key order, and written
  in one target transaction together with the sequences: all or nothing.
- After the commit every table is read back from the target and checked against what was read from
  the source: the same number of rows and the same fingerprint of their content (one that depends
  neither on the order of the rows nor on the engine). A mismatch names the table.
- data_version_seq is not copied: it is the engine's own count of writes (the screen's caches key on
  it), and the target's moves on with the copy's commit.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

from ..models import SYSTEM, EsmError
from .core import Database, _identifiers

BATCH = 50_000
OWN_RECORD = "schema_migrations"
ENGINE_SEQUENCES = {"data_version_seq"}
_MODULUS = 2 ** 128
# Given back alike by both engines, so fingerprinted as they are (TIMESTAMP is to the microsecond on both).
_PLAIN = {str, int, bool, type(None), dt.date, dt.datetime}
Read = Callable[[str, Sequence[Any]], list[tuple]]


@dataclass(frozen=True)
class Table:
    """One table to copy: its columns and the order its rows are read in (its primary key; every column
    when it has none, `keyed` False)."""
    name: str
    columns: list[str]
    key: list[str]
    keyed: bool


@dataclass
class Fingerprint:
    """The rows of a table as a count and the sum of a hash of each row: equal on both sides whatever
    the order the rows come back in."""
    rows: int = 0
    total: int = 0

    def add(self, rows: Sequence[tuple]) -> None:
        """Normalised column by column: only a column holding values the engines may give back
        differently (floats, lists) is rewritten, value by value; the rest are hashed as they were read
        (half the time of normalising every value, the copy's largest cost in Python)."""
        if not rows:
            return
        columns = [column if set(map(type, column)) <= _PLAIN else list(map(_normal, column))
                   for column in zip(*rows)]
        total = self.total
        for row in zip(*columns):
            total += int.from_bytes(hashlib.blake2b(repr(row).encode(), digest_size=16).digest(), "big")
        self.total = total % _MODULUS
        self.rows += len(rows)


@dataclass
class CopyReport:
    """What was copied: each table's row count (every one checked), and the sequences set."""
    source: str
    target: str
    schema_version: int
    tables: dict[str, int] = field(default_factory=dict)
    sequences: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.tables.values())

    def lines(self) -> list[str]:
        width = max([len(name) for name in self.tables] + [5])
        digits = len(f"{max([*self.tables.values(), self.total]):,}")
        lines = [f"Copied {self.source} to {self.target} (schema version {self.schema_version}):"]
        lines += [f"  {name:<{width}}  {count:>{digits},} {'row ' if count == 1 else 'rows'}  ok"
                  for name, count in self.tables.items()]
        lines.append(f"  {'total':<{width}}  {self.total:>{digits},} {'row ' if self.total == 1 else 'rows'} "
                     f"in {len(self.tables)} tables, each checked")
        if self.sequences:
            lines.append("  sequences: " + ", ".join(f"{name} {value:,}" for name, value in self.sequences.items()))
        return lines


def copy_database(source: Database, target: Database, batch: int = BATCH) -> CopyReport:
    """Copy every row of `source` into the empty `target`, with the sequences, in one transaction;
    then check every table. Raises EsmError (target untouched) when the two cannot be copied between,
    and EsmError naming the tables when the check finds a difference."""
    tables = _plan(source, target)
    report = CopyReport(source.label, target.label, source.schema_version())
    expected = {}
    with source.engine.transaction() as snapshot, target.transaction(SYSTEM) as tx:
        for table in tables:
            expected[table.name] = _copy_table(snapshot.execute, tx, table, batch)
        report.sequences = {name: value for name, value in source.engine.sequences().items()
                            if name not in ENGINE_SEQUENCES}
        for name, value in report.sequences.items():
            target.engine.set_sequence(tx, name, value)
    _check(target, tables, expected, batch)
    report.tables = {name: seen.rows for name, seen in expected.items()}
    return report


def _plan(source: Database, target: Database) -> list[Table]:
    """The tables to copy, after every reason to refuse has been ruled out (nothing written yet)."""
    if _identity(source) == _identity(target):
        raise EsmError(f"The source and the target are the same database ({source.label}).")
    versions = source.schema_version(), target.schema_version()
    if versions[0] != versions[1]:
        raise EsmError(f"The source {source.label} has schema version {versions[0]} and the target "
                       f"{target.label} has {versions[1]}: they must be the same. Run `python -m esm_maturity "
                       "migrate --db ...` on the older one first.")
    names = [t for t in source.tables() if t != OWN_RECORD]
    target_names = [t for t in target.tables() if t != OWN_RECORD]
    if sorted(names) != sorted(target_names):
        raise EsmError(f"The source {source.label} and the target {target.label} have different tables "
                       f"(only in the source: {', '.join(sorted(set(names) - set(target_names))) or 'none'}; "
                       f"only in the target: {', '.join(sorted(set(target_names) - set(names))) or 'none'}).")
    keys = _primary_keys(source)
    tables = []
    for name in names:
        columns = source.columns(name)
        if sorted(columns) != sorted(target.columns(name)):
            raise EsmError(f"The table {name} has different columns in the source and in the target.")
        _identifiers(name, *columns)
        tables.append(Table(name, columns, keys.get(name) or columns, name in keys))
    _refuse_unless_empty(target, names)
    return tables


def _identity(db: Database) -> str:
    return str(db.path.resolve()) if db.path is not None else db.label


def _refuse_unless_empty(target: Database, names: Sequence[str]) -> None:
    filled = [name for name in names if target.rows(f"SELECT 1 FROM {name} LIMIT 1")]
    if filled:
        raise EsmError(f"The target {target.label} is not empty (rows in {', '.join(filled[:5])}"
                       f"{', ...' if len(filled) > 5 else ''}): copy only into a new database that is migrated "
                       "and nothing else (python -m esm_maturity migrate --db TARGET). A database the app or "
                       "another command has opened holds the default maturity model already.")


def _primary_keys(db: Database) -> dict[str, list[str]]:
    """Each table's primary-key columns, in key order (the same catalog query runs on both engines)."""
    keys: dict[str, list[str]] = {}
    for table, column in db.rows(
            "SELECT tc.table_name, kcu.column_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
            "AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name "
            "WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema() "
            "ORDER BY tc.table_name, kcu.ordinal_position"):
        keys.setdefault(table, []).append(column)
    return keys


def _copy_table(read: Read, tx: Any, table: Table, batch: int) -> Fingerprint:
    """Stream one table from the source into the target transaction; the fingerprint of what was read."""
    seen = Fingerprint()
    for rows in _batches(read, table, batch):
        try:
            tx.insert_rows(table.name, table.columns, rows)
        except EsmError:
            raise
        except Exception as err:  # noqa: BLE001 - the driver's own error, as one line naming the table
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise EsmError(f"Copying the table {table.name} failed, nothing was written: {first}") from err
        seen.add(rows)
    return seen


def _batches(read: Read, table: Table, batch: int) -> Iterator[list[tuple]]:
    """The table's rows, `batch` at a time, in key order: after the last key seen (a primary key), or
    by position (a table without one, ordered by every column)."""
    select = f"SELECT {', '.join(table.columns)} FROM {table.name}"
    order = f" ORDER BY {', '.join(table.key)}"
    positions = [table.columns.index(c) for c in table.key]
    after: list[Any] = []
    offset = 0
    while True:
        if not table.keyed:
            rows = read(f"{select}{order} LIMIT $1 OFFSET $2", [batch, offset])
        elif after:
            marks = ", ".join(f"${i}" for i in range(1, len(after) + 1))
            rows = read(f"{select} WHERE ({', '.join(table.key)}) > ({marks}){order} LIMIT ${len(after) + 1}",
                        [*after, batch])
        else:
            rows = read(f"{select}{order} LIMIT $1", [batch])
        if rows:
            yield rows
        if len(rows) < batch:
            return
        offset += len(rows)
        after = [rows[-1][p] for p in positions]


def _check(target: Database, tables: Sequence[Table], expected: dict[str, Fingerprint], batch: int) -> None:
    """Read every table back from the committed target and compare it with what the source gave."""
    wrong = []
    for table in tables:
        found = Fingerprint()
        for rows in _batches(target.rows, table, batch):
            found.add(rows)
        if found != expected[table.name]:
            wrong.append(f"{table.name} ({found.rows:,} rows, the source {expected[table.name].rows:,}"
                         f"{'' if found.rows != expected[table.name].rows else ', different content'})")
    if wrong:
        raise EsmError(f"The copy in {target.label} does not match the source in {', '.join(wrong)}: do not use "
                       "it; copy again into a new database.")


def _normal(value: Any) -> Any:
    """A value as both engines give it back: floats to 9 places, Decimal as a float, lists as tuples."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (float, decimal.Decimal)):
        return round(float(value), 9)
    if isinstance(value, (list, tuple)):
        return tuple(_normal(v) for v in value)
    return value


__all__ = ["copy_database", "CopyReport", "BATCH"]
