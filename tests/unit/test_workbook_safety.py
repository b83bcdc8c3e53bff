"""Hostile files are refused before parsing, quickly and with a clear message; messy files get a row report."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from esm_maturity.workbook import UnsafeWorkbook, apply_import, preview_import, read_upload, safety
from esm_maturity.workbook.reader import read_workbook
from tests.conftest import ADMIN
from tests.unit import hostile_corpus as corpus


def _snapshot(db) -> dict:
    tables = ["departments", "dimensions", "rubric", "levels", "assessments", "scores", "audit_log"]
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in tables}


@pytest.mark.parametrize("case", corpus.HOSTILE, ids=[c.name for c in corpus.HOSTILE])
def test_hostile_file_is_refused_quickly_and_changes_nothing(db, case):
    data = case.build()
    before = _snapshot(db)
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(UnsafeWorkbook) as caught:
        read_upload(db, data, f"{case.name}.xlsx")
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert case.message in str(caught.value)
    assert seconds < 1.0
    assert peak < len(data) + 20 * 2**20  # no blow-up beyond the file itself
    assert _snapshot(db) == before


def test_huge_shared_strings_table_is_refused(monkeypatch):
    monkeypatch.setattr(safety, "MAX_SHARED_STRINGS", 1_000)
    assert read_workbook(corpus.SHARED_STRINGS_BOMB(999), "ok.xlsx").about["format"] == "esm-maturity-workbook"
    with pytest.raises(UnsafeWorkbook, match="shared text table holds more than 1,000"):
        read_workbook(corpus.SHARED_STRINGS_BOMB(1_001), "sst.xlsx")


def test_sheet_area_limit_counts_rows_times_columns(monkeypatch):
    rows = [["department_id", "name"]] + [[f"D{i}", f"Dept {i}"] for i in range(60)]
    data = corpus.raw_xlsx({"About": corpus.sheet_xml(corpus.ABOUT_ROWS), "Departments": corpus.sheet_xml(
        rows, extra_cells='<row r="150000"><c r="B150000"><v>1</v></c></row>')})
    monkeypatch.setattr(safety, "MAX_CELLS", 1_000_000)
    with pytest.raises(UnsafeWorkbook, match="row 150,000"):
        read_workbook(data, "deep.xlsx")


def test_formula_without_saved_value_is_a_row_error(db):
    parsed = read_upload(db, corpus.formula_without_value(), "formula.xlsx")
    assert [(i.sheet, i.row, i.column) for i in parsed.errors] == [("Scores", 2, "score")]
    assert "formula without a saved value" in parsed.errors[0].message
    assert parsed.sheets["Scores"].rows == []


def test_messy_rows_are_reported_by_sheet_row_and_column(demo_db):
    before = _snapshot(demo_db)
    parsed = read_upload(demo_db, corpus.messy_scores(), "messy.xlsx")
    report = preview_import(demo_db, ADMIN, parsed)
    found = {(i.row, i.column): i.message for i in report.errors}
    assert "True is not a level" in found[(2, "score")]
    assert "out of range" in found[(3, "score")]
    assert "'three' is not a level" in found[(4, "score")]
    assert "not a whole number" in found[(5, "score")]
    assert "01/02/2025" in found[(6, "assessed_on")]
    assert "appears twice (first on row 7)" in found[(8, "quarter, department_id, dimension_id")]
    assert "A9:A10 are merged" in found[(9, "quarter")]
    assert all(i.sheet.strip() == "Scores" for i in report.errors)   # 'Scores ' with a trailing space matched
    assert not report.ok
    with pytest.raises(Exception):
        apply_import(demo_db, ADMIN, parsed)
    assert _snapshot(demo_db) == before


def test_unknown_sheets_and_columns_are_warnings_and_missing_required_column_an_error(db):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Departments": [["department_id", "colour"], ["HR", "blue"]],
                        "Notes": [["anything"]]})
    parsed = read_upload(db, data, "cols.xlsx")
    warnings = {(i.sheet, i.column) for i in parsed.issues if i.severity == "warning"}
    assert ("Departments", "colour") in warnings and ("Notes", None) in warnings
    assert [(i.sheet, i.row, i.column) for i in parsed.errors] == [("Departments", 1, "name")]


def test_wrong_format_in_about_is_refused(db):
    about = [["key", "value"], ["format", "something-else"], ["format_version", "1"]]
    with pytest.raises(UnsafeWorkbook, match="Start from the template"):
        read_upload(db, corpus.xlsx({"About": about}), "other.xlsx")
