"""How a workbook is read: cells in chunks, from wherever the header starts, sheets parsed a few ahead,
each sheet's rows held once; an import used once; its memory measured in a fresh process."""

from __future__ import annotations

import threading
import time

import duckdb
import pytest

from esm_maturity.models import EsmError
from esm_maturity.bench import memprobe
from esm_maturity.db import Database
from esm_maturity.workbook import apply_import, export_bytes, importer, loader, preview_import, read_upload, reader
from tests.conftest import ADMIN
from tests.unit.test_workbook_import import counts, edit
from tests.unit import hostile_corpus as corpus

ABOUT = corpus.ABOUT_ROWS
SCORE_HEADER = ["quarter", "department_id", "dimension_id", "score", "target", "evidence"]


def _issues(report) -> list[tuple]:
    return sorted((i.sheet, i.row, i.column, i.message) for i in report.issues)


@pytest.mark.parametrize("chunk", [1, 2, 4096])
def test_true_and_1_in_one_score_column_are_told_apart_in_any_chunk(db, monkeypatch, chunk):
    monkeypatch.setattr(reader, "CHUNK_ROWS", chunk)
    rows = [SCORE_HEADER,
            ["2026-Q4", "IT", "collaboration", 1, None, "one"],           # 2: a number
            ["2026-Q4", "IT", "knowledge", True, None, "a boolean"],      # 3: TRUE equals 1 to Python
            ["2026-Q4", "IT", "roles", 1, 1, "one again"],                # 4
            ["2026-Q4", "IT", "sponsorship", False, True, "FALSE/TRUE"]]  # 5: FALSE equals 0, TRUE 1
    parsed = read_upload(db, corpus.xlsx({"About": ABOUT, "Scores": rows}), "bools.xlsx")
    errors = {(i.row, i.column): i.message for i in parsed.errors}
    assert set(errors) == {(3, "score"), (5, "score"), (5, "target")}
    assert "True is not a level" in errors[(3, "score")] and "False is not a level" in errors[(5, "score")]
    sheet = parsed.sheet("Scores")
    assert [(r.excel_row, sheet.value(r, "score").level) for r in sheet.rows] == [(2, 1), (4, 1)]
    assert [sheet.value(r, "target") for r in sheet.rows] == [None, 1]


def test_a_header_that_starts_at_c3_reads_the_right_columns_and_rows(demo_db):
    rows = [[None] * 8, [None] * 8,
            [None, None, *SCORE_HEADER],
            [None, None, "2026-Q4", "IT", "collaboration", 4, 5, "moved up"],
            [None, None, "2026-Q4", "IT", "knowledge", "seven", None, "bad"]]
    parsed = read_upload(demo_db, corpus.xlsx({"About": ABOUT, "Scores": rows}), "offset.xlsx")
    sheet = parsed.sheet("Scores")
    assert [r.excel_row for r in sheet.rows] == [4]
    assert sheet.value(sheet.rows[0], "dimension_id") == "collaboration"
    assert sheet.value(sheet.rows[0], "target") == 5
    assert [(i.sheet, i.row, i.column) for i in parsed.errors] == [("Scores", 5, "score")]


def test_reading_in_small_chunks_gives_the_same_rows_and_report(demo_db, monkeypatch):
    data = export_bytes(demo_db)
    messy = corpus.messy_scores()

    def read(chunk: int):
        monkeypatch.setattr(reader, "CHUNK_ROWS", chunk)
        whole = read_upload(demo_db, data, "export.xlsx")
        rows = {name: [(r.excel_row, r.cells) for r in sheet.rows] for name, sheet in whole.sheets.items()}
        return rows, _issues(preview_import(demo_db, ADMIN, read_upload(demo_db, messy, "messy.xlsx")))

    small, default = read(3), read(4096)
    assert small == default
    assert sum(map(len, small[0].values())) > 500 and small[1]


class _FakeSheet:
    def __init__(self, name):
        self.name = name


def test_the_loader_parses_small_sheets_ahead_but_one_large_sheet_at_a_time(monkeypatch):
    started: list[str] = []
    release = threading.Event()

    def fake_load(opened, name):
        started.append(name)
        if name == "Big2":
            release.wait(5)
        return _FakeSheet(name)

    monkeypatch.setattr(loader, "_open", lambda data: (None, ["A", "B", "Big1", "Big2", "C"]))
    monkeypatch.setattr(loader, "_load", fake_load)
    big = loader.SheetLoader.AHEAD_BYTES
    with loader.SheetLoader(b"", lambda name: True) as sheets:
        for name, size in (("A", 10), ("B", 10), ("Big1", big), ("Big2", big), ("C", 10)):
            sheets.sheet_checked(name, size)
        time.sleep(0.2)
        assert started == ["A", "B", "Big1"]          # Big2 waits: Big1 is ahead of the reader
        assert sheets.sheet("A").name == "A" and sheets.sheet("B").name == "B"
        assert started == ["A", "B", "Big1"]
        assert sheets.sheet("Big1").name == "Big1"    # taken: now Big2 parses (and C waits behind it)
        time.sleep(0.2)
        assert started == ["A", "B", "Big1", "Big2"]
        release.set()
        assert sheets.sheet("Big2").name == "Big2" and sheets.sheet("C").name == "C"
        assert started == ["A", "B", "Big1", "Big2", "C"]


def test_an_import_hands_each_sheet_over_once_and_cannot_run_twice(demo_db):
    data = export_bytes(demo_db)
    parsed = read_upload(demo_db, data, "again.xlsx")
    assert preview_import(demo_db, ADMIN, parsed).ok          # a preview keeps the rows ...
    assert apply_import(demo_db, ADMIN, parsed).applied       # ... the import takes them
    assert parsed.sheet("Scores") is None and parsed.sheet("Backlog") is None
    with pytest.raises(EsmError, match="imported already; read the file again"):
        apply_import(demo_db, ADMIN, parsed)


def test_a_transaction_conflict_is_reported_not_retried_and_writes_nothing(demo_db, monkeypatch):
    data = export_bytes(demo_db)

    def rename(ws, h):
        ws.cell(2, h["name"]).value = "Renamed in the file"
    changed = edit(data, "Departments", rename)
    before = counts(demo_db)
    calls = []

    def conflict(self, ctx):
        calls.append(1)
        raise duckdb.TransactionException("TransactionContext Error: Catalog write-write conflict on alter")
    monkeypatch.setattr(importer._Writer, "write_rest", conflict)
    with pytest.raises(EsmError, match="another change was saved at the same moment, so nothing was imported"):
        apply_import(demo_db, ADMIN, read_upload(demo_db, changed, "conflict.xlsx"))
    assert calls == [1]
    assert counts(demo_db) == before


def test_import_memory_is_measured_in_a_fresh_process(demo_db, tmp_path, new_db):
    (tmp_path / "export.xlsx").write_bytes(export_bytes(demo_db))
    target = new_db("fresh")
    probe = memprobe.measure("import", str(target), str(tmp_path / "export.xlsx"))
    assert set(probe) == {"job", "base_mb", "peak_mb", "added_mb"}
    assert probe["peak_mb"] >= probe["base_mb"] > 50      # the base holds Python, DuckDB, pandas, pyarrow
    assert 0 < probe["added_mb"] < probe["peak_mb"]
    with Database(target) as db:                          # the job really imported
        assert db.scalar("SELECT count(*) FROM scores") == demo_db.scalar("SELECT count(*) FROM scores")
    assert set(memprobe.JOBS) == {"import", "export"}
