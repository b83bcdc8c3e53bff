"""Excel workbooks: whole-data export and import, the template, offline self-assessment forms.

The contract is ../shared/WORKBOOK.md, mirrored and extended in contract.py (the workbook is a
full backup: every field a person sees, the status history too).

The file side knows files, never the database: contract.py (the format as data), safety.py
(checks before any parser), loader.py (calamine in a worker thread), cells.py (a cell by its
column's kind), parsed.py and reader.py (sheets into typed rows and issues), writer.py (xlsxwriter
in constant-memory mode) and form_file.py (the form's layout, returned forms read back). It
imports only the domain's values (models, limits, clock).

The import side may use the database: plan.py (Change, Context, ImportReport), sheets/ (the
per-sheet rules), importer.py (plan, preview, apply all or nothing), table_writer.py (the writer
thread), upsert.py (the SQL an import writes), store.py (what the database holds, for export)
and forms.py (the forms of this database).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

from ..db import Database
from ..models import Actor
from . import contract, forms
from .importer import apply_import, import_file, preview_import
from .parsed import Issue, ParsedWorkbook
from .plan import ImportFailed, ImportReport
from .reader import open_workbook, read_workbook
from .round_export import round_sheets
from .safety import MAX_UPLOAD_BYTES, UnsafeWorkbook
from .store import export_rows, model_about, model_version, organisation_about
from .stream_export import summary_sheet
from .writer import write_workbook

SHEET_NAMES = frozenset(s.name for s in contract.SHEETS)


def export_to(db: Database, target: str | Path | BinaryIO, actor: Actor | None = None) -> dict[str, int]:
    """Write the whole database as the contract workbook (a full backup: contract.MACHINE_MANAGED and
    NOT_RESTORED say what it leaves out); returns rows per sheet. For an admin or a champion (`actor`) the
    export-only rating-round sheets follow (round_export.py: read through the rounds' own results, so
    nothing below an anonymous round's threshold is written); anyone else's export, or one with no actor,
    has none."""
    sheets = [(s, export_rows(db.rows, s)) for s in contract.SHEETS]
    return write_workbook(target, [*sheets, *summary_sheet(db), *round_sheets(db, actor)], model_version(db.rows),
                          model_about(db.rows) + organisation_about(db.rows))


def export_bytes(db: Database, actor: Actor | None = None) -> bytes:
    buffer = io.BytesIO()
    export_to(db, buffer, actor)
    return buffer.getvalue()


def template_bytes() -> bytes:
    """The contract workbook with headers, dropdowns and no rows."""
    buffer = io.BytesIO()
    write_workbook(buffer, ((s, []) for s in contract.SHEETS))
    return buffer.getvalue()


def read_upload(db: Database, data: bytes, filename: str) -> ParsedWorkbook:
    """Check an uploaded file (sheets the contract does not know are reported) and start reading it.

    Every check has run when this returns (a refused file raises UnsafeWorkbook); the big
    sheets are still being parsed, so preview_import/apply_import validate the first ones
    while the worker thread parses the rest.
    """
    return open_workbook(data, filename, SHEET_NAMES)


__all__ = ["read_uploads", "export_filename", "forms", "export_to", "export_bytes", "template_bytes", "read_upload", "read_workbook", "preview_import",
           "apply_import", "import_file", "ImportReport", "ImportFailed", "Issue", "ParsedWorkbook",
           "UnsafeWorkbook", "MAX_UPLOAD_BYTES", "contract"]


def read_uploads(db: Database, files: list[tuple[str, bytes]]) -> list[ParsedWorkbook]:
    """Read one workbook or several returned forms; a file that is refused raises UnsafeWorkbook naming it."""
    parsed = []
    for name, data in files:
        try:
            parsed.append(read_upload(db, data, name))
        except UnsafeWorkbook as err:
            raise UnsafeWorkbook(f"{name}: {err.problems[0].message}", "file") from None
        if len(files) > 1:
            parsed[-1].finish()   # one worker thread at a time
    return parsed


def export_filename(stamp: str) -> str:
    return f"esm-workbook-{stamp}.xlsx"
