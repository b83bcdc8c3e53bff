"""Benchmarks of whole-data export and import on the large organisation, beside their floors.

A floor is the same cells moved by the fastest plain code: xlsxwriter in constant-memory
mode writing ready-made rows (export) and python-calamine reading every sheet into
Python values (import). The targets are issue 14's: export within 1.2x its floor, import
within 1.5x; the floor benchmarks run too, so each run shows the ratio.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import python_calamine
import xlsxwriter

from ..db import Database
from ..models import SYSTEM
from ..workbook import apply_import, export_to, read_upload
from ..workbook.contract import SHEETS
from ..workbook.store import export_rows
from .memprobe import measure
from .org import Benchmark


def _export_path(org) -> Path:
    path = org.workdir / "workbook-export.xlsx"
    if not path.exists():
        export_to(org.db, path)
    return path


def _rows(org) -> list[tuple[str, list[tuple]]]:
    cached = getattr(org, "_workbook_rows", None)
    if cached is None:
        cached = [(s.name, export_rows(org.db.rows, s)) for s in SHEETS]
        org._workbook_rows = cached
    return cached


def export_floor(org) -> None:
    rows = _rows(org)
    book = xlsxwriter.Workbook(str(org.workdir / "floor.xlsx"), {"constant_memory": True})
    for name, data in rows:
        ws = book.add_worksheet(name)
        for i, row in enumerate(data):
            ws.write_row(i, 0, row)
    book.close()


def export_large(org) -> None:
    export_to(org.db, org.workdir / "export.xlsx")


def import_floor(org) -> None:
    book = python_calamine.CalamineWorkbook.from_path(str(_export_path(org)))
    for name in book.sheet_names:
        book.get_sheet_by_name(name).to_python()


def empty_target(org) -> Database:
    """An empty, migrated database to import into (made before the clock starts)."""
    count = getattr(org, "_workbook_imports", 0) + 1
    org._workbook_imports = count
    return Database(org.workdir / f"import{count}.duckdb")


def drop_target(target: Database) -> None:
    target.close()
    target.path.unlink()


def import_large(org, target: Database) -> None:
    """Read, check and import the large organisation's export into an empty database; committed at the end."""
    data = _export_path(org).read_bytes()
    report = apply_import(target, SYSTEM, read_upload(target, data, "large.xlsx"))
    assert report.applied and report.total_changes > 100_000, report.lines()[:12]


def import_memory(org) -> dict[str, float]:
    """Resident memory of importing the large organisation's export into an empty database, in a fresh process."""
    target = org.workdir / "import-memory.duckdb"
    try:
        return measure("import", str(target), str(_export_path(org)))
    finally:
        for path in (target, target.with_name(target.name + ".wal")):
            path.unlink(missing_ok=True)


def export_memory(org) -> dict[str, float]:
    """Resident memory of exporting the large organisation, in a fresh process (from a copy of its database)."""
    org.db.checkpoint()
    copy = org.workdir / "export-memory.duckdb"
    shutil.copyfile(org.db.path, copy)
    try:
        return measure("export", str(copy), str(org.workdir / "export-memory.xlsx"))
    finally:
        copy.unlink(missing_ok=True)


def benchmarks():

    return [Benchmark("workbook export floor (xlsxwriter, same cells)", export_floor, 60, repeat=3),
            Benchmark("workbook export (whole database)", export_large, target_seconds=EXPORT_TARGET, repeat=3,
                      target_peak_mb=300, peak=export_memory, floor=EXPORT_FLOOR, ratio=EXPORT_RATIO),
            Benchmark(IMPORT_FLOOR, import_floor, 60, repeat=3),
            Benchmark("workbook import (into an empty database)", import_large, target_seconds=IMPORT_TARGET,
                      repeat=3, target_peak_mb=300, peak=import_memory, floor=IMPORT_FLOOR, ratio=IMPORT_RATIO,
                      setup=empty_target, teardown=drop_target)]


# The targets are these ratios to the floors measured in the same run (issue 14); the fixed values (the
# same ratios to the floors on the reference machine: export 6.1 s, import 0.9 s) apply only when a floor
# is not run (`bench "import ("`).
EXPORT_FLOOR = "workbook export floor (xlsxwriter, same cells)"
IMPORT_FLOOR = "workbook import floor (calamine, same cells)"
EXPORT_RATIO, IMPORT_RATIO = 1.2, 1.5
EXPORT_TARGET = EXPORT_RATIO * 6.1
IMPORT_TARGET = IMPORT_RATIO * 0.9
