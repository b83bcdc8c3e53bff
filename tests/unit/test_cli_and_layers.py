"""The command line, and the layering rule: core modules never load streamlit."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests import stores

ROOT = Path(__file__).resolve().parents[2]
CORE = sorted(p.stem for p in (ROOT / "esm_maturity").glob("*.py") if p.stem != "__init__")
CORE += sorted(f"{p.parent.name}.{p.stem}" for p in (ROOT / "esm_maturity").glob("*/*.py")
               if p.parent.name not in {"ui", "migrations"} and p.stem != "__init__")


def run_cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "esm_maturity", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("module", CORE)
def test_core_module_does_not_import_streamlit(module):
    code = (f"import sys, esm_maturity.{module}; "
            "bad = sorted(m for m in sys.modules if m == 'streamlit' or m.startswith('streamlit.')); "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"esm_maturity.{module} loaded streamlit: {result.stdout} {result.stderr}"


def test_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    assert "demo" in result.stdout


def test_demo_command_and_its_failure(new_db):
    db = new_db("x")
    first = run_cli("demo", "--db", str(db), "--quarter", "2026-Q4")
    assert first.returncode == 0, first.stderr
    assert "10 departments" in first.stdout
    again = run_cli("demo", "--db", str(db))
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "already has departments" in again.stderr


def test_bad_quarter_is_one_line(new_db):
    result = run_cli("demo", "--db", str(new_db("y")), "--quarter", "2026/4")
    assert result.returncode == 1
    assert result.stderr.startswith("error:") and "YYYY-Qn" in result.stderr


@pytest.mark.skipif(stores.ENGINE != "duckdb", reason="ESM_DB_PATH naming a DuckDB file not there yet")
def test_db_path_comes_from_the_environment(tmp_path):
    import os

    env = {**os.environ, "ESM_DB_PATH": str(tmp_path / "env.duckdb")}
    assert run_cli("demo", env=env).returncode == 0
    assert (tmp_path / "env.duckdb").exists()


def test_every_command_opens_the_database_one_way(tmp_path, demo_path, new_db):
    """A command on an empty file migrates it and loads the default model, as the app does: a workbook
    with scores imports into a new file from the command line without the app ever having opened it."""
    from esm_maturity.db import Database
    from esm_maturity.workbook import export_bytes

    with Database(demo_path) as demo:
        workbook = tmp_path / "demo.xlsx"
        workbook.write_bytes(export_bytes(demo))
    fresh = new_db("new")
    result = run_cli("import", str(workbook), "--db", str(fresh))
    assert result.returncode == 0, result.stdout + result.stderr
    with Database(fresh) as db:
        assert db.scalar("SELECT count(*) FROM levels") == 5
        assert db.scalar("SELECT count(*) FROM scores WHERE dimension_id = 'value_streams'") > 0
    empty = new_db("empty")
    assert run_cli("cadence", "--db", str(empty)).returncode == 0
    with Database(empty) as db:
        assert db.scalar("SELECT count(*) FROM dimensions") == 10


def test_the_app_and_the_commands_share_the_opening_call():
    """Only storage.open_database opens the app's database; the benchmark's own scratch files aside."""
    openers = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "esm_maturity").rglob("*.py")
                     if path.name != "storage.py" and not {"bench", "db"} & set(path.relative_to(ROOT).parts[1:-1])
                     and "Database(" in path.read_text(encoding="utf-8"))
    assert openers == [], f"open the database with storage.open_database: {openers}"
