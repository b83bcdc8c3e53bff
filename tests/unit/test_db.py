"""Storage: migrations, the single writer, rollback, the lock message, newer databases."""

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest

from esm_maturity.db import MIGRATIONS_DIR, Database, available_migrations, split_sql
from esm_maturity.models import SYSTEM, DatabaseInUse, DatabaseTooNew
from tests import stores

ROOT = Path(__file__).resolve().parents[2]

# The driver's own errors for an unknown table and a duplicate key, on this run's engine.
if stores.ENGINE == "postgresql":
    from psycopg import errors as pg_errors

    UNKNOWN_TABLE, DUPLICATE_KEY = pg_errors.UndefinedTable, pg_errors.UniqueViolation
else:
    UNKNOWN_TABLE, DUPLICATE_KEY = duckdb.CatalogException, duckdb.ConstraintException


def schema(db: Database) -> list[tuple]:
    return db.rows("SELECT table_name, column_name, data_type, is_nullable, column_default "
                   "FROM information_schema.columns WHERE table_name <> 'schema_migrations' "
                   "ORDER BY table_name, ordinal_position")


def test_fresh_database_is_fully_migrated(db_path):
    with Database(db_path) as db:
        versions = [r[0] for r in db.rows("SELECT version FROM schema_migrations ORDER BY version")]
        assert versions == [v for v, _, _ in available_migrations()]
        assert db.schema_version() == versions[-1]


def test_applying_twice_is_a_no_op(db_path):
    with Database(db_path) as db:
        before = schema(db)
        assert db.migrate() == []
    with Database(db_path) as db:
        assert db.migrate() == []
        assert schema(db) == before


def test_upgraded_database_equals_fresh_one(tmp_path, new_db):
    """A database made with only the first migration, then upgraded, ends equal to a fresh one."""
    first_only = tmp_path / "first"
    first_only.mkdir()
    (first_only / "0001_initial.sql").write_text((MIGRATIONS_DIR / "0001_initial.sql").read_text())
    old, new = new_db("old"), new_db("new")
    with Database(old, migrations_dir=first_only):
        pass
    with Database(old) as upgraded, Database(new) as fresh:
        assert schema(upgraded) == schema(fresh)
        assert upgraded.schema_version() == fresh.schema_version()


def test_failing_migration_leaves_nothing(tmp_path, new_db):
    migrations = tmp_path / "m"
    migrations.mkdir()
    (migrations / "0001_initial.sql").write_text((MIGRATIONS_DIR / "0001_initial.sql").read_text())
    (migrations / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (a INTEGER);\nINSERT INTO half_done VALUES (1);\nSELECT * FROM no_such_table;")
    target = new_db("x")
    with pytest.raises(UNKNOWN_TABLE):
        Database(target, migrations_dir=migrations)
    with Database(target, migrations_dir=MIGRATIONS_DIR.parent / "migrations") as db:
        tables = {r[0] for r in db.rows("SELECT table_name FROM information_schema.tables")}
        assert "half_done" not in tables
        assert 2 not in {r[0] for r in db.rows("SELECT version FROM schema_migrations WHERE name = 'broken'")}


def test_newer_database_is_refused_with_a_message(db_path):
    with Database(db_path) as db:
        with db.transaction() as tx:
            tx.execute("INSERT INTO schema_migrations VALUES (9999, 'from_the_future', now())")
    with pytest.raises(DatabaseTooNew, match="newer version"):
        Database(db_path)


@pytest.mark.skipif(stores.ENGINE != "duckdb", reason="DuckDB's file lock: a second process cannot open the file")
def test_second_process_gets_a_plain_message(db_path):
    with Database(db_path):
        result = subprocess.run(
            [sys.executable, "-m", "esm_maturity", "demo", "--db", str(db_path)],
            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.startswith("error: The database") and "in use by process" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.skipif(stores.ENGINE != "duckdb", reason="DuckDB's file lock names the process holding the file")
def test_in_use_error_names_the_holder(db_path):
    holder = subprocess.Popen([sys.executable, "-c",
                               f"import duckdb,time; c=duckdb.connect({str(db_path)!r}); print('ok', flush=True); "
                               "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(DatabaseInUse, match=rf"process {holder.pid}"):
            Database(db_path)
    finally:
        holder.kill()
        holder.wait()


def test_error_inside_a_write_rolls_back(db):
    def work(tx):
        tx.execute("INSERT INTO departments (department_id, name) VALUES ('HR', 'Human Resources')")
        tx.audit("add", "department", "HR")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        db.write(SYSTEM, work)
    assert db.scalar("SELECT count(*) FROM departments") == 0
    assert db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'department'") == 0


def test_constraint_violation_rolls_back_the_whole_transaction(db):
    def work(tx):
        tx.execute("INSERT INTO departments (department_id, name) VALUES ('HR', 'Human Resources')")
        tx.execute("INSERT INTO departments (department_id, name) VALUES ('HR', 'Again')")

    with pytest.raises(DUPLICATE_KEY):
        db.write(SYSTEM, work)
    assert db.scalar("SELECT count(*) FROM departments") == 0
    db.write(SYSTEM, lambda tx: tx.execute("INSERT INTO departments (department_id, name) VALUES ('HR', 'HR')"))
    assert db.scalar("SELECT count(*) FROM departments") == 1


def test_concurrent_writers_lose_nothing(db):
    db.write(SYSTEM, lambda tx: tx.execute("CREATE TABLE counter (n INTEGER)"))
    db.write(SYSTEM, lambda tx: tx.execute("INSERT INTO counter VALUES (0)"))
    errors = []

    def bump():
        try:
            for _ in range(50):
                db.write(SYSTEM, lambda tx: tx.execute("UPDATE counter SET n = n + 1"))
                db.frame("SELECT * FROM counter")
        except Exception as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=bump) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.scalar("SELECT n FROM counter") == 400


@pytest.mark.skipif(stores.ENGINE != "duckdb", reason="raises DuckDB's own transaction-conflict error")
def test_write_retries_a_transaction_conflict(db):
    calls = []

    def flaky(tx):
        calls.append(1)
        if len(calls) < 3:
            raise duckdb.TransactionException("TransactionContext Error: Conflict on update!")
        tx.execute("INSERT INTO departments (department_id, name) VALUES ('IT', 'IT')")
        return "done"

    assert db.write(SYSTEM, flaky) == "done"
    assert len(calls) == 3
    assert db.scalar("SELECT count(*) FROM departments") == 1


def test_audit_row_is_written_in_the_same_transaction(db):
    def work(tx):
        tx.execute("INSERT INTO departments (department_id, name) VALUES ('HR', 'HR')")
        tx.audit("add", "department", "HR", before=None, after={"name": "HR"}, department_id="HR")

    db.write(SYSTEM, work)
    row = db.one("SELECT actor, action, entity_key, after_json FROM audit_log WHERE entity = 'department'")
    assert row == ("system", "add", "HR", '{"name": "HR"}')


def test_split_sql_respects_quotes_and_comments():
    script = "-- a comment; with a semicolon\nCREATE TABLE a (t TEXT DEFAULT 'x;y');\n\nINSERT INTO a VALUES ('--');"
    assert split_sql(script) == ["CREATE TABLE a (t TEXT DEFAULT 'x;y')", "INSERT INTO a VALUES ('--')"]


def test_sql_stays_in_the_postgresql_subset():
    for path in Path(ROOT / "esm_maturity").rglob("*"):
        if path.suffix not in {".py", ".sql"}:
            continue
        text = path.read_text().upper()
        for banned in ("INSERT OR REPLACE", "QUALIFY ", "GROUP BY ALL"):
            assert banned not in text, f"{banned} in {path}"
