"""Import: validate a parsed workbook against the database, report, and apply all or nothing.

plan() runs the sheet rules (sheets.STEPS): it reads what is stored, checks every row (keys,
references, the domain's rules: locked submitted assessments, the evidence rule, ...) and
sorts rows into new, changed and unchanged. apply_import() plans again inside one write
transaction and writes only if there is no error (table_writer.py writes while later sheets
are validated; upsert.py holds the SQL), with an audit row per changed record, one per sheet
for the records it created (their keys), and one for the file with its hash.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from .. import clock
from ..db import Database, is_conflict
from ..access.policy import Permission, allowed, allowed_everywhere, refusal, require
from ..models import Actor, EsmError, PermissionDenied, ValidationError
from . import contract as c
from .form_file import forms_to_workbook
from .loader import paused_gc
from .parsed import ParsedWorkbook
from .plan import Change, Context, ImportFailed, ImportReport
from .reader import open_workbook
from .sheets import STEPS, Step, table_rank
from .store import Fetch
from .table_writer import TableWriter as _Writer   # the one writer apply_import runs (tests patch it here)


def plan(fetch: Fetch, actor: Actor, parsed: ParsedWorkbook, now: dt.datetime,
         handled: Callable[[Step, Context], None] | None = None) -> tuple[Context, ImportReport]:
    """Check every row and sort it into new / changed / unchanged; nothing is written here.

    `handled(step, ctx)` is called after each step (apply_import starts writing the finished
    tables then)."""
    enabled = {s.name for s in c.SHEETS}
    ctx = Context(fetch, actor, now.date(), now, [], enabled)
    checked = 0
    for step in STEPS:  # each reads its sheet when it starts (parsed.sheet), the worker parses the next
        step.rule(ctx, parsed)
        for change in ctx.changes[checked:]:   # before handled() may write the rows and let them go
            check_permission(ctx, change)
        checked = len(ctx.changes)
        if handled is not None:
            handled(step, ctx)
    ctx.changes.sort(key=table_rank)
    counts: dict[str, dict[str, int]] = {}
    for change in ctx.changes:
        n = counts.setdefault(change.sheet, {"new": 0, "changed": 0, "unchanged": 0})
        n["new"] += change.n_new
        n["changed"] += change.n_changed
        n["unchanged"] += change.unchanged
    report = ImportReport(parsed.filename, parsed.sha256, counts, [*parsed.issues, *ctx.issues])
    return ctx, report


def check_permission(ctx: Context, change: Change) -> None:
    """The same rules as the app's commands, row by row: each new or changed row (and what it
    replaces) must be one the importer may write, for its department. One error per sheet and
    department, naming the rows' count; the refusal goes to the audit trail when applied."""
    if change.permission is None or not (change.new or change.changed):
        return
    actor, refused = ctx.actor, {}
    if allowed_everywhere(actor, change.permission):   # an admin's whole-organisation import: no row walk
        return
    if change.stream_of is not None:
        _check_streams(ctx, change)
        return
    for row in change.new:
        for department in change.departments(row):
            if not allowed(actor, change.permission, department):
                refused[department] = refused.get(department, 0) + 1
    for old, row in change.changed:   # a changed row counts once per department, before or after
        before, after = tuple(change.departments(old)), tuple(change.departments(row))
        for department in (after if before == after else dict.fromkeys((*before, *after))):
            if not allowed(actor, change.permission, department):
                refused[department] = refused.get(department, 0) + 1
    for department, n in sorted(refused.items(), key=lambda kv: kv[0] or ""):
        reason = refusal(actor, change.permission, department)
        where = f"{n:,} row{'s' if n != 1 else ''}" + (f" for {department}" if department else "")
        ctx.error(change.sheet, None, None, f"{where}: {reason}; remove them, or ask someone who may to import")
        ctx.refusals.append(reason)


def _check_streams(ctx: Context, change: Change) -> None:
    """check_permission for value-stream rows: each new or changed row must be one the importer may write for
    its stream as stored (a department rep: a stream naming them its owner, or for flow its champion; a new
    stream is the champions' and admins' work). One error per sheet and stream."""
    refused: dict = {}
    for row in [*change.new, *(row for _, row in change.changed)]:
        scope = change.stream_of(row)
        if not allowed(ctx.actor, change.permission, stream=scope):
            refused[scope] = refused.get(scope, 0) + 1
    for scope, n in sorted(refused.items(), key=lambda kv: kv[0].stream_id or ""):
        reason = refusal(ctx.actor, change.permission, stream=scope)
        where = f"{n:,} row{'s' if n != 1 else ''} of " + (f"value stream {scope.stream_id}" if scope.stream_id
                                                              else "a new value stream")
        ctx.error(change.sheet, None, None, f"{where}: {reason}; remove them, or ask someone who may to import")
        ctx.refusals.append(reason)


def preview_import(db: Database, actor: Actor, parsed: ParsedWorkbook | list[ParsedWorkbook]) -> ImportReport:
    """Validate and report what would change. Writes nothing (the dry run), so any role may check a file."""
    parsed = combine(parsed)
    with paused_gc():
        return plan(db.rows, actor, parsed, clock.now())[1]


def apply_import(db: Database, actor: Actor, parsed: ParsedWorkbook | list[ParsedWorkbook],
                 on_progress: Callable[[str], None] | None = None) -> ImportReport:
    """Validate again inside one transaction and write everything, or nothing when there is an error.

    Tables are written while later sheets are still being validated (table_writer.py); an error
    anywhere rolls the whole transaction back, so all or nothing holds."""
    parsed = combine(parsed)
    require(db, actor, Permission.import_workbook, entity="workbook", key=parsed.filename)
    if parsed.single_use:
        raise EsmError("this workbook was imported already; read the file again to import it again")
    # Each sheet's rows are freed once validated (the import then holds one sheet at a time), so
    # the work cannot be run twice: a transaction conflict is reported instead of retried.
    parsed.single_use = True
    with paused_gc():
        try:
            with db.transaction(actor) as tx:
                with _Writer(tx, parsed, STEPS, on_progress) as writer:
                    ctx, report = plan(writer.fetch, actor, parsed, tx.now, writer.handled)
                    if report.errors:
                        writer.abandon()
                        raise ImportFailed(report, ctx.refusals)
                    writer.write_rest(ctx)
                tx.audit("import", "workbook", parsed.filename,
                         after={"file": parsed.filename, "sha256": parsed.sha256, "counts": report.counts})
        except ImportFailed as failed:
            if failed.refusals:   # rows the person may not write: the refusal goes to the audit trail
                db.record_refusal(actor, PermissionDenied(
                    "; ".join(str(r) for r in failed.refusals), doing=Permission.import_workbook.doing,
                    entity="workbook", key=parsed.filename))
            raise
        except Exception as err:
            if not is_conflict(err):
                raise
            raise EsmError("another change was saved at the same moment, so nothing was imported; "
                           "import the file again") from None
    report.applied = True
    return report


def combine(parsed: ParsedWorkbook | list[ParsedWorkbook]) -> ParsedWorkbook:
    """One workbook, or several returned self-assessment forms merged into one Scores sheet."""
    items = parsed if isinstance(parsed, list) else [parsed]
    if len(items) == 1 and items[0].kind == c.FORMAT:
        return items[0]
    if any(p.kind != c.FORM_FORMAT for p in items):
        raise ValidationError("upload either one ESM workbook or one or more self-assessment forms, not a mix",
                              "file")
    return forms_to_workbook(items)


def import_file(db: Database, actor: Actor, path: Path, *, dry_run: bool) -> ImportReport:
    """Read, check and import (or only preview) one file: the command line's entry point."""
    enabled = {s.name for s in c.SHEETS}
    data = path.read_bytes()
    parsed = open_workbook(data, path.name, enabled)
    del data   # checked, hashed and handed to calamine (which reads its own copy): 8 MB less for the import
    if dry_run:
        return preview_import(db, actor, parsed)
    try:
        return apply_import(db, actor, parsed)
    except ImportFailed as err:
        return err.report
