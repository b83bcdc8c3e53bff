"""The import plan: what a workbook would change, sheet by sheet, and the report of it.

The per-sheet rules (sheets/) sort every row into a Change (new, changed or unchanged rows for
one table) inside a Context (what is stored, who imports, the issues found); importer.py turns
the Context into an ImportReport and, when nothing is wrong, writes the Changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from ..access.policy import Permission, StreamScope
from ..db import Tx
from ..models import Actor, Problem, ValidationError
from .parsed import Issue
from .store import Fetch


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
    permission: Permission | None = None   # what writing these rows needs (checked row by row, by department)
    departments_of: Callable[[tuple], Iterable[str | None]] | None = None   # a row's departments, when not dept_index
    # a value-stream row's stream as stored (its owner and champion; no stream: a new one), when the
    # permission is scoped to a stream rather than a department
    stream_of: Callable[[tuple], StreamScope] | None = None
    allocate: Callable[[Tx, int], list[str]] | None = None   # keys for new rows whose key is blank
    counter: tuple[str, str] | None = None   # (sequence, key prefix): moved past the keys the rows bring
    after_write: Callable[[Tx, "Change"], None] | None = None
    unique_key: bool = True   # False: the table has no key constraint (changed rows are updated by a join)
    audit_by_first_key: bool = False   # the audit names created rows by their first key column, once each
    counted: tuple[int, int] | None = None   # (new, changed), kept when the rows are released
    # the table holds the first `table_columns` columns; the rest are compared, reported and audited, and
    # after_write writes them (a person's departments); None: the table holds every column
    table_columns: int | None = None

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

    def departments(self, row: tuple) -> Iterable[str | None]:
        """The departments a row belongs to, for the permission check."""
        if self.departments_of is not None:
            return self.departments_of(row)
        return (row[self.dept_index],) if self.dept_index is not None else (None,)

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
        import pandas as pd  # deferred: only the Data page asks for frames; the command line never loads pandas

        return pd.DataFrame([{"severity": i.severity, "sheet": i.sheet, "row": i.row, "column": i.column,
                              "message": i.message} for i in self.issues],
                            columns=["severity", "sheet", "row", "column", "message"])

    def counts_frame(self):
        import pandas as pd  # deferred: as in issues_frame

        return pd.DataFrame([{"sheet": s, **n} for s, n in self.counts.items()],
                            columns=["sheet", "new", "changed", "unchanged"])


class ImportFailed(ValidationError):
    """Raised by apply_import when the workbook has errors; carries the report."""

    def __init__(self, report: ImportReport, refusals: list | None = None):
        self.report = report
        self.refusals = list(refusals or [])   # PermissionDenied for rows the importer may not write
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
    refusals: list = field(default_factory=list)   # PermissionDenied for rows the importer may not write

    def error(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(sheet, row, column, message))

    def warn(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        self.issues.append(Issue(sheet, row, column, message, "warning"))
