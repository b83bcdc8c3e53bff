"""The import as a command: what its process loads, and the bulk insert it writes through (DuckDB's appender)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from esm_maturity.db import Database
from esm_maturity.models import SYSTEM
from tests import stores
from esm_maturity.workbook import export_bytes, loader

ROOT = Path(__file__).resolve().parents[2]

# What `python -m esm_maturity import` must not load: none of it is needed to read, check and write a workbook.
HEAVY = ("pandas", "pyarrow", "numpy", "xlsxwriter", "openpyxl", "streamlit", "altair")


def test_the_import_command_loads_no_heavy_library(demo_db, tmp_path, new_db):
    source, target = tmp_path / "export.xlsx", new_db("fresh")
    source.write_bytes(export_bytes(demo_db))
    code = ("import json, sys\n"
            "from esm_maturity.__main__ import main\n"
            f"code = main(['import', {str(source)!r}, '--db', {str(target)!r}])\n"
            f"print(json.dumps([code, sorted(m for m in {HEAVY!r} if m in sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert code == 0 and loaded == []
    with Database(target) as db:   # and it imported everything
        assert db.scalar("SELECT count(*) FROM scores") == demo_db.scalar("SELECT count(*) FROM scores") > 0


# PostgreSQL cannot store NUL in text (refused in plain words: tests/unit/test_pg_engine.py)
NUL = "\x00" if stores.ENGINE == "duckdb" else ""


def test_insert_rows_fills_defaults_and_constants_and_keeps_values_as_given(new_db):
    with Database(new_db("t")) as db:
        with db.transaction(SYSTEM) as tx:
            tx.execute("CREATE TABLE t (id TEXT PRIMARY KEY, note TEXT, n INTEGER, on_day DATE, moment TIMESTAMP, "
                       "flag BOOLEAN, version INTEGER NOT NULL DEFAULT 1, origin TEXT)")
            moment = dt.datetime(2025, 3, 4, 5, 6, 7, 891011)
            rows = [("a", "  as typed \t", 3, dt.date(2025, 1, 2), moment, True),
                    ("b", "", None, None, None, False),
                    ("c", None, 5, dt.date(2024, 12, 31), moment, None),
                    ("d", f"nul {NUL} and ünïcode 🙂", 0, dt.date(2025, 1, 2), moment, True)]
            assert tx.insert_rows("t", ["id", "note", "n", "on_day", "moment", "flag", "origin"], rows, ["import"]) == 4
            assert tx.insert_rows("t", ["id"], []) == 0
        stored = db.rows("SELECT id, note, n, on_day, moment, flag, version, origin FROM t ORDER BY id")
    assert stored == [(*row, 1, "import") for row in rows]


def test_insert_rows_is_part_of_the_transaction(new_db):
    with Database(new_db("t")) as db:
        with db.transaction(SYSTEM) as tx:
            tx.execute("CREATE TABLE t (id TEXT PRIMARY KEY, note TEXT)")
        with pytest.raises(RuntimeError), db.transaction(SYSTEM) as tx:
            tx.insert_rows("t", ["id", "note"], [("a", "x"), ("b", "y")])
            assert tx.execute("SELECT count(*) FROM t") == [(2,)]   # visible inside the transaction
            raise RuntimeError("stop")
        assert db.scalar("SELECT count(*) FROM t") == 0             # rolled back with it
        with pytest.raises(Exception, match="(?i)duplicate key"), db.transaction(SYSTEM) as tx:
            tx.insert_rows("t", ["id", "note"], [("a", "x"), ("a", "y")])
        assert db.scalar("SELECT count(*) FROM t") == 0
        with pytest.raises(ValueError, match="not an identifier"), db.transaction(SYSTEM) as tx:
            tx.insert_rows("t; DROP TABLE t", ["id"], [("a",)])


def test_mapping_large_blocks_is_harmless():
    loader.map_large_blocks()   # a no-op where glibc's mallopt is missing
    loader.give_back_memory()
    assert bytearray(3 * loader.MAPPED_FROM)[-1] == 0
