"""The writer thread of an import: DuckDB writes the tables already validated while the main thread
validates the next sheet.

Three threads share a large import: the reader's worker parses sheets (loader.py), the main
thread turns each sheet into rows and validates it as soon as it is parsed, and TableWriter
runs the statements of the tables already validated, in one transaction. Python work stays on
the main thread; the other two release the GIL while they work.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from typing import Any, Callable, Sequence

from ..db import Tx
from .loader import give_back_memory
from .parsed import ParsedWorkbook
from .plan import Change, Context
from .sheets import Step, Write, table_rank
from .upsert import audit_change, write_change


class TableWriter:
    """Runs every use of the transaction in one second thread, so DuckDB writes a finished table
    (without the GIL) while the main thread validates the next sheet.

    The main thread still does the Python part of a write (rows, audit records: see QueuedTx);
    the thread runs the statements (and the appender's conversion of the rows), in order, one at
    a time, in the one transaction. A table is written once no step may still change it or read what it
    replaces (each step's sheets.Write says when), and only while no error has been found.
    It is queued just after the next step has read its stored rows, so that read does not
    wait behind the write.
    """

    def __init__(self, tx: Tx, parsed: ParsedWorkbook, steps: Sequence[Step],
                 on_progress: Callable[[str], None] | None):
        self._tx, self._parsed, self._steps, self._on_progress = tx, parsed, steps, on_progress
        self._queued_tx = QueuedTx(tx, self)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="workbook-writer")
        self._jobs: list[Future] = []
        self._ready: list[Change] = []
        self._taken: set[int] = set()    # ids of the changes written or queued
        self._seen = 0                   # len(ctx.changes) after the last step
        self._in_thread: dict[int, bool] = {}   # id -> whether its rows were written in the thread
        self._started = False
        self._stopped = False
        self._read_ahead: dict[str, Future] = {}

    def __enter__(self) -> TableWriter:
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

    def handled(self, step: Step, ctx: Context) -> None:
        """A step has run: queue the tables its Write allows (plan() calls this after each step)."""
        added, self._seen = ctx.changes[self._seen:], len(ctx.changes)   # this step's tables
        if self._stopped:
            return
        if any(i.severity == "error" for i in ctx.issues) or self._parsed.found_error():
            self._stopped = True          # the import will fail: write nothing more
            self._taken.difference_update(map(id, self._ready))
            self._ready = []
            return
        if step.write is Write.FINAL_FROM_HERE and not self._started:
            self._started = True
            self._read_ahead_after(step, ctx)
        if self._started:
            self._take(ctx.changes)
        elif step.write is Write.AFTER_NEXT_READ:
            self._take(added)          # queued after the next step's read (fetch)
        elif step.write is Write.ROWS_AT_ONCE:
            self._queue_early(added)   # now: the next step reads its sheet before the database

    def _read_ahead_after(self, step: Step, ctx: Context) -> None:
        """What the later steps read, read before any write is queued (they read other tables)."""
        later = self._steps[self._steps.index(step) + 1:]
        self._read_ahead = {sql: self._pool.submit(self._tx.execute, sql, []) for sheet, sql in
                            (s.read_ahead for s in later if s.read_ahead) if sheet in ctx.enabled}

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
                self._in_thread[id(change)] = self._queue_step(write_change, change)

    def _queue_ready(self) -> None:
        ready, self._ready = sorted(self._ready, key=table_rank), []
        for change in ready:
            if change.new or change.changed:
                if self._on_progress:
                    self._on_progress(change.table)
                in_thread = self._in_thread.get(id(change))
                if in_thread is None:
                    in_thread = self._queue_step(write_change, change)
                self._queue_step(audit_change, change, in_thread)
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


class QueuedTx:
    """The transaction as the main thread sees it while TableWriter runs: each statement is queued
    for the writer thread (nothing is read back). Rows go to DuckDB's appender in that thread
    (Tx.insert_rows): no copy of a table's rows is made on the way."""

    def __init__(self, tx: Tx, writer: TableWriter):
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
