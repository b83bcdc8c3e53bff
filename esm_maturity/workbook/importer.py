"""Import: validate a parsed workbook against the database, report, and apply all or nothing.

plan() reads what is stored, checks every row (keys, references, the domain's
rules: locked submitted assessments, the evidence rule, ...) and sorts rows into new,
changed and unchanged. apply_import() plans again inside one write transaction and
writes only if there is no error, with an audit row per changed record, one per sheet for the
records it created (their keys), and one for the file with its hash.

Three threads share a large import: the reader's worker parses sheets (loader.py), the
main thread turns each sheet into rows and validates it as soon as it is parsed, and
_Writer runs the DuckDB statements of the tables already validated. Python work stays on
the main thread; the other two release the GIL while they work.
"""

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Callable, Sequence

import duckdb

from .. import clock
from ..db import Database, Tx, is_conflict
from ..models import Actor, EsmError, Problem, Role, ValidationError
from .loader import give_back_memory, paused_gc
from .reader import Issue, ParsedWorkbook
from .store import Fetch, enabled_sheets


@dataclass
class Change:
    """Rows for one table: new ones, changed ones (with what was stored), and how many were equal."""

    sheet: str
    table: str
    columns: tuple[str, ...]
    key_len: int
    entity: str
    new: list[tuple] = field(default_factory=list)
    changed: list[tuple[tuple, tuple]] = field(default_factory=list)
    unchanged: int = 0
    versioned: bool = False
    extra: dict[str, Any] = field(default_factory=dict)        # written on insert and update
    insert_only: dict[str, Any] = field(default_factory=dict)  # written on insert only
    dept_index: int | None = None
    admin_only: bool = False
    allocate: Callable[[Tx, int], list[str]] | None = None   # keys for new rows whose key is blank
    counter: tuple[str, str] | None = None   # (sequence, key prefix): moved past the keys the rows bring
    after_write: Callable[[Tx, "Change"], None] | None = None
    unique_key: bool = True   # False: the table has no key constraint (changed rows are updated by a join)
    audit_by_first_key: bool = False   # the audit names created rows by their first key column, once each
    counted: tuple[int, int] | None = None   # (new, changed), kept when the rows are released

    @property
    def n_new(self) -> int:
        return self.counted[0] if self.counted else len(self.new)

    @property
    def n_changed(self) -> int:
        return self.counted[1] if self.counted else len(self.changed)

    def release(self) -> None:
        """Drop the rows once they are written and audited; the counts stay for the report."""
        self.counted = (self.n_new, self.n_changed)
        self.new, self.changed = [], []

    def add(self, row: tuple, old: tuple | None) -> str:
        if old is None:
            self.new.append(row)
            return "new"
        if old == row:
            self.unchanged += 1
            return "unchanged"
        self.changed.append((old, row))
        return "changed"


@dataclass
class ImportReport:
    filename: str
    sha256: str
    counts: dict[str, dict[str, int]]     # sheet -> {"new", "changed", "unchanged"}
    issues: list[Issue]
    applied: bool = False

    def __post_init__(self) -> None:
        self.issues = sorted(self.issues, key=lambda i: (i.severity != "error", i.sheet, i.row or 0))

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total_changes(self) -> int:
        return sum(n["new"] + n["changed"] for n in self.counts.values())

    def lines(self) -> list[str]:
        out = [f"{self.filename} (sha256 {self.sha256[:12]}...)"]
        for sheet, n in self.counts.items():
            out.append(f"  {sheet}: {n['new']} new, {n['changed']} changed, {n['unchanged']} unchanged")
        for issue in self.issues:
            out.append(f"  {issue.severity}: {issue}")
        if self.errors:
            out.append(f"{len(self.errors)} error(s): nothing was imported.")
        elif self.applied:
            out.append(f"Imported {self.total_changes} change(s).")
        else:
            out.append(f"Dry run: {self.total_changes} change(s) would be imported; nothing was written.")
        return out

    def issues_frame(self):
        import pandas as pd

        return pd.DataFrame([{"severity": i.severity, "sheet": i.sheet, "row": i.row, "column": i.column,
                              "message": i.message} for i in self.issues],
                            columns=["severity", "sheet", "row", "column", "message"])

    def counts_frame(self):
        import pandas as pd

        return pd.DataFrame([{"sheet": s, **n} for s, n in self.counts.items()],
                            columns=["sheet", "new", "changed", "unchanged"])


class ImportFailed(ValidationError):
    """Raised by apply_import when the workbook has errors; carries the report."""

    def __init__(self, report: ImportReport):
        self.report = report
        super().__init__(problems=[Problem(None, str(i)) for i in report.errors[:50]]
                         + ([Problem(None, f"... and {len(report.errors) - 50} more")] if len(report.errors) > 50
                            else []))


@dataclass
class Context:
    fetch: Fetch
    actor: Actor
    today: dt.date
    now: dt.datetime
    issues: list[Issue]
    enabled: set[str]
    changes: list[Change] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)   # shared lookups between sheets

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(sheet, row, column, message))

    def warn(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(sheet, row, column, message, "warning"))


def plan(fetch: Fetch, actor: Actor, parsed: ParsedWorkbook, now: dt.datetime,
         handled: Callable[[str, Context], None] | None = None) -> tuple[Context, ImportReport]:
    """Check every row and sort it into new / changed / unchanged; nothing is written here.

    `handled(name, ctx)` is called after each sheet handler (apply_import starts writing
    the finished tables then)."""
    enabled = {s.name for s in enabled_sheets(fetch)}
    ctx = Context(fetch, actor, now.date(), now, [], enabled)
    from .rules import HANDLERS

    for handler in HANDLERS:  # each reads its sheet when it starts (parsed.sheet), the worker parses the next
        handler(ctx, parsed)
        if handled is not None:
            handled(handler.__name__, ctx)
    ctx.changes.sort(key=_table_rank)
    counts: dict[str, dict[str, int]] = {}
    for change in ctx.changes:
        n = counts.setdefault(change.sheet, {"new": 0, "changed": 0, "unchanged": 0})
        n["new"] += change.n_new
        n["changed"] += change.n_changed
        n["unchanged"] += change.unchanged
    needs_admin = sorted({ch.sheet for ch in ctx.changes if ch.admin_only and (ch.n_new or ch.n_changed)})
    if needs_admin and not actor.is_admin:
        for sheet in needs_admin:
            ctx.error(sheet, None, None, f"{actor.name} is a {actor.role.name}: changing this sheet needs the admin "
                                         "role; remove the sheet or ask an admin to import")
    report = ImportReport(parsed.filename, parsed.sha256, counts, [*parsed.issues, *ctx.issues])
    return ctx, report


def _table_rank(change: Change) -> int:
    from .rules import TABLE_ORDER

    return TABLE_ORDER.index(change.table)


def preview_import(db: Database, actor: Actor, parsed: ParsedWorkbook | list[ParsedWorkbook]) -> ImportReport:
    """Validate and report what would change. Writes nothing (the dry run), so any role may check a file."""
    from .rules import combine

    parsed = combine(parsed)
    with paused_gc():
        return plan(db.rows, actor, parsed, clock.now())[1]


def apply_import(db: Database, actor: Actor, parsed: ParsedWorkbook | list[ParsedWorkbook],
                 on_progress: Callable[[str], None] | None = None) -> ImportReport:
    """Validate again inside one transaction and write everything, or nothing when there is an error.

    Tables are written while later sheets are still being validated (see _Writer); an error
    anywhere rolls the whole transaction back, so all or nothing holds."""
    actor.require(Role.editor, "import a workbook")
    from .rules import combine

    parsed = combine(parsed)
    if parsed.single_use:
        raise EsmError("this workbook was imported already; read the file again to import it again")
    # Each sheet's rows are freed once validated (the import then holds one sheet at a time), so
    # the work cannot be run twice: a transaction conflict is reported instead of retried.
    parsed.single_use = True
    with paused_gc():
        try:
            with db.transaction(actor) as tx:
                with _Writer(tx, parsed, on_progress) as writer:
                    ctx, report = plan(writer.fetch, actor, parsed, tx.now, writer.handled)
                    if report.errors:
                        writer.abandon()
                        raise ImportFailed(report)
                    writer.write_rest(ctx)
                tx.audit("import", "workbook", parsed.filename,
                         after={"file": parsed.filename, "sha256": parsed.sha256, "counts": report.counts})
        except duckdb.TransactionException as err:
            if not is_conflict(err):
                raise
            raise EsmError("another change was saved at the same moment, so nothing was imported; "
                           "import the file again") from None
    report.applied = True
    return report


# Tables are final once this handler has run (Scores adds draft assessments: nothing else is written
# before it is done) ...
_WRITE_FROM = "scores"
# ... except these handlers' own tables, which no later handler changes or reads from the database:
# written once the next handler has read what it needs (while it validates its sheet) ...
_WRITE_SOON = {"departments", "dimensions", "levels"}
# ... or at once (the next handler reads its sheet before the database).
_WRITE_AT_ONCE = {"backlog"}


class _Writer:
    """Runs every use of the transaction in one second thread, so DuckDB writes a finished table
    (without the GIL) while the main thread validates the next sheet.

    The main thread still does the Python part of a write (rows, audit records, Arrow-backed
    frames: see _QueuedTx); the thread only runs statements, in order, one at a time, in the
    one transaction. A table is written once no handler may still change it or read what it
    replaces (_WRITE_FROM, _WRITE_AT_ONCE), and only while no error has been found. It is
    queued just after the next handler has read its stored rows, so that read does not wait
    behind the write.
    """

    def __init__(self, tx: Tx, parsed: ParsedWorkbook, on_progress: Callable[[str], None] | None):
        self._tx, self._parsed, self._on_progress = tx, parsed, on_progress
        self._queued_tx = _QueuedTx(tx, self)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="workbook-writer")
        self._jobs: list[Future] = []
        self._ready: list[Change] = []
        self._taken: set[int] = set()    # ids of the changes written or queued
        self._seen = 0                   # len(ctx.changes) after the last handler
        self._in_thread: dict[int, bool] = {}   # id -> whether its rows were written in the thread
        self._started = False
        self._stopped = False
        self._read_ahead: dict[str, Future] = {}

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            if exc[0] is not None:
                self.abandon()
            else:
                self._wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def fetch(self, sql: str, params: Sequence[Any]) -> list[tuple]:
        read = self._read_ahead.pop(sql, None) if not params else None
        rows = (read or self._pool.submit(self._tx.execute, sql, params)).result()
        self._queue_ready()
        return rows

    def queue(self, fn: Callable, *args: Any, **kwargs: Any) -> None:
        self._jobs.append(self._pool.submit(fn, *args, **kwargs))

    def handled(self, name: str, ctx: Context) -> None:
        added, self._seen = ctx.changes[self._seen:], len(ctx.changes)   # this handler's tables
        if self._stopped:
            return
        if any(i.severity == "error" for i in (*ctx.issues, *self._parsed._issues)):
            self._stopped = True          # the import will fail: write nothing more
            self._taken.difference_update(map(id, self._ready))
            self._ready = []
            return
        if name == _WRITE_FROM and not self._started:
            self._started = True
            from .rules_ci import READS

            # what the later handlers read, read before any write is queued (they read other tables)
            self._read_ahead = {sql: self._pool.submit(self._tx.execute, sql, []) for sheet, sql in READS.items()
                                if sheet in ctx.enabled}
        if self._started:
            self._take(ctx.changes)
        elif name in _WRITE_SOON:
            self._take(added)          # queued after the next handler's read (fetch)
        elif name in _WRITE_AT_ONCE:
            self._queue_early(added)   # now: the next handler reads its sheet before the database

    def write_rest(self, ctx: Context) -> None:
        self._take(ctx.changes)
        self._queue_ready()
        self._wait()
        for change in ctx.changes:
            change.release()

    def _take(self, changes: list[Change]) -> None:
        for change in changes:
            if id(change) not in self._taken:
                self._taken.add(id(change))
                self._ready.append(change)

    def abandon(self) -> None:
        """Wait for what runs (the transaction rolls back afterwards); its errors matter no more."""
        for job in self._jobs:
            job.cancel()
        for job in self._jobs:
            with suppress(Exception):
                job.result()
        self._jobs = []

    def _queue_early(self, changes: list[Change]) -> None:
        for change in changes:   # its rows now; its audit rows in their turn, so the audit log keeps its order
            if change.new or change.changed:
                self._in_thread[id(change)] = self._queue_step(_write, change)

    def _queue_ready(self) -> None:
        ready, self._ready = sorted(self._ready, key=_table_rank), []
        for change in ready:
            if change.new or change.changed:
                if self._on_progress:
                    self._on_progress(change.table)
                in_thread = self._in_thread.get(id(change))
                if in_thread is None:
                    in_thread = self._queue_step(_write, change)
                self._queue_step(_audit_change, change, in_thread)
                self.queue(change.release)   # written and audited: its rows may go
                self.queue(give_back_memory)

    def _queue_step(self, step: Callable, change: Change, in_thread: bool | None = None) -> bool:
        """Prepare the step here and queue its statements, or (when keys come from the database, and
        for what follows that) run it whole in the writer thread. Returns which it did."""
        if in_thread is None:
            in_thread = change.allocate is not None and any(row[0] is None for row in change.new)
        if in_thread:
            self.queue(step, self._tx, change, self._parsed)
        else:
            step(self._queued_tx, change, self._parsed)
        return in_thread

    def _wait(self) -> None:
        jobs, self._jobs = self._jobs, []
        for job in jobs:
            job.result()


class _QueuedTx:
    """The transaction as the main thread sees it while _Writer runs: each statement is queued
    for the writer thread (nothing is read back). Rows become an Arrow table in that thread just
    before their insert, so only one table's Arrow copy exists at a time."""

    def __init__(self, tx: Tx, writer: _Writer):
        self.now, self.actor = tx.now, tx.actor
        self._tx, self._writer = tx, writer

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        self._writer.queue(self._tx.execute, sql, params)
        return []

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                    constants: Sequence[Any] = ()) -> None:
        self._writer.queue(self._tx.insert_rows, table, columns, rows, constants)

    def audit(self, *args: Any, **kwargs: Any) -> None:
        self._writer.queue(self._tx.audit, *args, **kwargs)

    def bump_versions(self, *args: Any) -> None:
        self._writer.queue(self._tx.bump_versions, *args)

    def call(self, fn: Callable, *args: Any) -> None:
        """fn(tx, *args) in the writer thread, for a step that reads what it wrote."""
        self._writer.queue(fn, self._tx, *args)


def _audit_change(tx: Tx, change: Change, parsed: ParsedWorkbook) -> None:
    if change.changed:
        tx.insert_rows("audit_log", AUDIT_COLUMNS, _audit_rows(tx, change))
    if change.new:
        _audit_created(tx, change, parsed)


def _write(tx: Tx, change: Change, parsed: ParsedWorkbook | None = None) -> None:
    """Rows with keys first, then new rows with assigned keys (so assigned keys skip the imported ones).
    change.new keeps its length throughout (the report counts it while this runs)."""
    blank = [row for row in change.new if row[0] is None]
    keyed = [row for row in change.new if row[0] is not None] if blank else change.new
    _upsert(tx, change.table, change.columns, change.key_len, keyed, change, updates_needed=False)
    _upsert(tx, change.table, change.columns, change.key_len, [r for _, r in change.changed], change)
    if change.counter and keyed:
        sequence, prefix = change.counter
        _run(tx, _advance_counter, sequence, _highest_key(prefix, keyed))
    if blank:
        keys = change.allocate(tx, len(blank))
        blank = [(key, *row[1:]) for key, row in zip(keys, blank)]
        _upsert(tx, change.table, change.columns, change.key_len, blank, change, updates_needed=False)
        change.new = keyed + blank
    if change.after_write:
        change.after_write(tx, change)


def _run(tx: Tx | _QueuedTx, fn: Callable, *args: Any) -> None:
    """fn(tx, *args): now, or queued in the writer thread when the main thread only queues statements."""
    if isinstance(tx, _QueuedTx):
        tx.call(fn, *args)
    else:
        fn(tx, *args)


def _highest_key(prefix: str, rows: list[tuple]) -> int:
    """The highest number among keys like PREFIX-0042 in the rows' first column (0 if none)."""
    start = len(prefix) + 1
    numbers = [row[0][start:] for row in rows if row[0].startswith(prefix + "-")]
    return max((int(n) for n in numbers if n.isdigit()), default=0)


def _advance_counter(tx: Tx, sequence: str, highest: int) -> None:
    """Move a key counter past the highest key an import brought, so the app's next key is a fresh one."""
    if highest <= 0:
        return
    current = tx.execute(f"SELECT nextval('{sequence}')", [])[0][0]
    if highest > current:
        tx.execute(f"SELECT max(nextval('{sequence}')) FROM generate_series(1, $1)", [highest - current])


def _upsert(tx: Tx, table: str, columns_: tuple[str, ...], key_len: int, rows_: list[tuple], change: Change,
            updates_needed: bool = True) -> None:
    """New and changed rows in one INSERT ... ON CONFLICT DO UPDATE through a staging table."""
    if not rows_:
        return
    stage = f"import_stage_{table}"
    extra = {**change.extra, **change.insert_only}
    columns = [*columns_, *extra]
    constants = tuple(extra.values())
    cols = ", ".join(columns)
    if not updates_needed:
        tx.insert_rows(table, columns, rows_, constants)  # new keys only (checked in this transaction): a plain insert
        return
    tx.execute(f"CREATE TEMP TABLE {stage} AS SELECT {cols} FROM {change.table} WHERE FALSE")
    try:
        tx.insert_rows(stage, columns, rows_, constants)
        if not change.unique_key:
            _update_from(tx, change, stage, columns_, key_len)
            return
        keys = ", ".join(columns_[:key_len])
        updates = [f"{col} = excluded.{col}" for col in [*columns_[key_len:], *change.extra]]
        if change.versioned:
            updates.append(f"version = {change.table}.version + 1")
        action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
        tx.execute(f"INSERT INTO {change.table} ({cols}) SELECT {cols} FROM {stage} ON CONFLICT ({keys}) {action}")
    finally:
        tx.execute(f"DROP TABLE {stage}")


def _update_from(tx: Tx, change: Change, stage: str, columns: tuple[str, ...], key_len: int) -> None:
    """Changed rows of a table without a key constraint (no ON CONFLICT): one UPDATE joined to the stage."""
    sets = [f"{col} = s.{col}" for col in [*columns[key_len:], *change.extra]]
    if change.versioned:
        sets.append(f"version = {change.table}.version + 1")
    match = " AND ".join(f"{change.table}.{col} = s.{col}" for col in columns[:key_len])
    tx.execute(f"UPDATE {change.table} SET {', '.join(sets)} FROM {stage} s WHERE {match}")


_JSON = json.JSONEncoder(default=str, ensure_ascii=False, sort_keys=True)
AUDIT_COLUMNS = ["occurred_at", "actor", "action", "entity", "entity_key", "department_id", "before_json", "after_json"]


def _audit_rows(tx: Tx, change: Change) -> list[tuple]:
    """One row per changed record, with what was stored before and what the import wrote."""
    names = change.columns
    dumps = _JSON.encode
    key_len, dept = change.key_len, change.dept_index
    actor, now, entity = tx.actor.name, tx.now, change.entity
    return [(now, actor, "import", entity, "/".join(str(k) for k in row[:key_len]),
             row[dept] if dept is not None else None, dumps(dict(zip(names, old))), dumps(dict(zip(names, row))))
            for old, row in change.changed]


def _audit_created(tx: Tx, change: Change, parsed: ParsedWorkbook) -> None:
    """One row per sheet for the records an import created: their keys, the file and its hash.

    The file (identified by its SHA-256) holds every value that was written, so a row per
    created record would repeat it; records an import changes keep a row each (_audit_rows).
    """
    key_len, dept = change.key_len, change.dept_index
    if change.audit_by_first_key:   # e.g. the items whose status history was added
        keys = list(dict.fromkeys(row[0] for row in change.new))
    elif key_len == 1:
        keys = [str(row[0]) for row in change.new]
    elif key_len == 2:
        keys = [f"{a}/{b}" for a, b in map(itemgetter(0, 1), change.new)]
    elif key_len == 3:
        keys = [f"{a}/{b}/{c}" for a, b, c in map(itemgetter(0, 1, 2), change.new)]
    else:
        keys = ["/".join(map(str, row[:key_len])) for row in change.new]
    departments = {row[dept] for row in change.new} if dept is not None else set()
    tx.audit("import", change.entity, parsed.filename, after={
        "created": len(change.new), "sheet": change.sheet, "file": parsed.filename, "sha256": parsed.sha256,
        "keys": keys}, department_id=departments.pop() if len(departments) == 1 else None)


def import_file(db: Database, actor: Actor, data: bytes, filename: str, *, dry_run: bool) -> ImportReport:
    """Read, check and import (or only preview) one file: the command line's entry point."""
    from .reader import open_workbook

    enabled = {s.name for s in enabled_sheets(db.rows)}
    parsed = open_workbook(data, filename, enabled)
    if dry_run:
        return preview_import(db, actor, parsed)
    try:
        return apply_import(db, actor, parsed)
    except ImportFailed as err:
        return err.report


__all__ = ["ImportReport", "ImportFailed", "preview_import", "apply_import", "import_file", "Change", "Context",
           "EsmError"]
