"""Copying a whole database between engines (`copy`), and the deploy step (`migrate`).

Each copy is compared with its source field for field, types included: DuckDB lists and PostgreSQL
arrays, timestamps, dates, flags, doubles and big integers must come through exactly.
"""

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esm_maturity import clock
from esm_maturity.backlog.commands import add_item
from esm_maturity.db import MIGRATIONS_DIR, Database, Tx, available_migrations, split_sql
from esm_maturity.db.copy import copy_database
from esm_maturity.demo.organisation import load_demo
from esm_maturity.models import SYSTEM, EsmError
from tests import stores
from tests.conftest import ADMIN, TODAY

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "s3cret-pw"
# Values that are easy to lose on the way: COPY's escapes, array quoting, float digits, microseconds.
AWKWARD_TEXT = 'tab\there, new\nline, back\\slash, "quotes", {braces}, comma, é ü 漢字, NULL'
AWKWARD_LIST = ["a,b", 'say "hi"', "{x}", "NULL", "", "back\\slash", "é"]


@pytest.fixture(scope="module")
def duck_demo(request, tmp_path_factory):
    """The demo organisation in a DuckDB file, whichever engine this run tests (built here on the
    PostgreSQL run). Copy it before opening it."""
    if stores.ENGINE == "duckdb":
        return request.getfixturevalue("demo_file")
    path = tmp_path_factory.mktemp("duck") / "demo.duckdb"
    with clock.frozen(TODAY), Database(path) as db:
        load_demo(db, SYSTEM, today=TODAY)
        db.checkpoint()
    return path


@pytest.fixture
def pg_url(pg_cluster):
    """New empty databases on the test cluster: `pg_url()`; dropped afterwards."""
    made = []

    def make() -> str:
        made.append(pg_cluster.create())
        return pg_cluster.url(made[-1])

    yield make
    for name in made:
        pg_cluster.drop(name)


def duck_copy(source: Path, folder: Path, name: str = "source") -> Path:
    return Path(shutil.copy(source, folder / f"{name}.duckdb"))


def contents(db: Database) -> dict[str, list[tuple]]:
    """Every table but schema_migrations, each value with its Python type, rows in a fixed order."""
    found = {}
    for table in db.tables():
        if table != "schema_migrations":
            columns = sorted(db.columns(table))
            rows = db.rows(f"SELECT {', '.join(columns)} FROM {table}")
            found[table] = sorted((tuple(typed(v) for v in row) for row in rows), key=repr)
    return found


def typed(value):
    if isinstance(value, list):
        return "list", tuple(typed(v) for v in value)
    return type(value).__name__, value


def types_in(found: dict[str, list[tuple]]) -> set[str]:
    return {kind for rows in found.values() for row in rows for kind, _ in row}


def add_awkward_rows(db: Database) -> None:
    """Rows with the values most likely to change on the way (in the copy's source)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO stream_steps (step_id, valid_from, valid_to, stream_id, position, name, department_id, "
                   "supporting, weight, target_days, output) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10)",
                   ["VS-9.1", "2025-Q1", "VS-9", 1, AWKWARD_TEXT, None, AWKWARD_LIST, 0.1 + 0.2, 1e-300, AWKWARD_TEXT])
        tx.execute("INSERT INTO backlog_status_history (item_id, status, changed_at, actor) VALUES ($1, $2, $3, $4)",
                   ["CI-0001", "idea", dt.datetime(2026, 2, 28, 23, 59, 59, 999999), AWKWARD_TEXT])
        tx.execute("INSERT INTO audit_log (occurred_at, actor, action, entity, entity_key, after_json) "
                   "VALUES ($1, $2, $3, $4, $5, $6)",
                   [dt.datetime(1999, 12, 31, 0, 0, 0, 1), "x", "add", "test", "big", '{"n": 9007199254740993}'])


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "esm_maturity", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def with_password(location) -> str:
    """A PostgreSQL URL with a password in it (the test cluster trusts every local connection, so it is
    never checked; it must never be printed either); a file path as it is."""
    text = str(location)
    return text.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@", 1)


# --- the copy ---------------------------------------------------------------------------------------


def test_a_copy_holds_every_row_and_field_of_the_source(demo_file, new_db):
    """On this run's engine, in small batches (the keyed reads and the reads by position both page)."""
    with Database(new_db.copy(demo_file, "source")) as source, Database(new_db("target")) as target:
        add_awkward_rows(source)
        report = copy_database(source, target, batch=7)
        original, copied = contents(source), contents(target)
    assert copied == original
    assert report.tables == {table: len(rows) for table, rows in original.items()}
    assert report.tables["scores"] > 500 and report.tables["backlog_status_history"] > 7
    assert {"list", "datetime", "date", "bool", "float", "int", "str", "NoneType"} <= types_in(original)


def test_duckdb_to_postgresql_and_back_loses_nothing(duck_demo, pg_url, tmp_path):
    with Database(duck_copy(duck_demo, tmp_path)) as source:
        add_awkward_rows(source)
        original = contents(source)
        with Database(pg_url()) as shared:
            to_pg = copy_database(source, shared)
            on_pg = contents(shared)
            supporting = sorted(shared.columns("stream_steps")).index("supporting")
            with Database(tmp_path / "back.duckdb") as back:
                copy_database(shared, back)
                returned = contents(back)
    assert on_pg == original
    assert returned == original
    assert sum(to_pg.tables.values()) == sum(len(rows) for rows in original.values())
    lists = {row[supporting] for row in on_pg["stream_steps"]}
    assert ("list", tuple(("str", v) for v in AWKWARD_LIST)) in lists and ("list", ()) in lists


def test_a_target_that_is_not_empty_is_refused(demo_file, new_db, db):
    """`db` has the default model loaded, as every database the app has opened does."""
    before = contents(db)
    with Database(new_db.copy(demo_file, "source")) as source:
        with pytest.raises(EsmError, match=r"is not empty \(rows in .*dimensions.*migrate --db"):
            copy_database(source, db)
    assert contents(db) == before


def test_different_schema_versions_are_refused(demo_file, new_db, tmp_path):
    known = available_migrations()
    older = tmp_path / "older"
    older.mkdir()
    for _, _, path in known[:-1]:
        shutil.copy(path, older / path.name)
    with Database(new_db.copy(demo_file, "source")) as source, \
            Database(new_db("old"), migrations_dir=older) as target:
        with pytest.raises(EsmError, match=f"schema version {known[-1][0]} .* has {known[-2][0]}"):
            copy_database(source, target)
        assert target.scalar("SELECT count(*) FROM audit_log") == 0


def test_the_same_database_is_refused(new_db):
    location = new_db("only")
    with Database(location) as one, Database(location) as same:
        with pytest.raises(EsmError, match="are the same database"):
            copy_database(one, same)


def test_the_sequences_continue_after_the_copy(duck_demo, pg_url, tmp_path):
    """A new improvement and its audit row after the copy take the next numbers: no duplicate key."""
    with Database(duck_copy(duck_demo, tmp_path)) as source, Database(pg_url()) as shared:
        sequences = {k: v for k, v in source.engine.sequences().items() if k != "data_version_seq"}
        last_audit = source.scalar("SELECT max(audit_id) FROM audit_log")
        copy_database(source, shared)
        assert {k: v for k, v in shared.engine.sequences().items() if k in sequences} == sequences
        with Database(tmp_path / "back.duckdb") as back:
            copy_database(shared, back)
            for db in (shared, back):
                assert add_item(db, ADMIN, title="After the move", department_id="HR") == \
                    f"CI-{sequences['backlog_seq'] + 1:04d}"
                assert db.scalar("SELECT max(audit_id) FROM audit_log") == last_audit + 1


def test_setting_a_sequence_moves_it_on_and_never_back(db_path):
    with Database(db_path) as db:
        for value in (5, 3, 60):
            with db.transaction() as tx:
                db.engine.set_sequence(tx, "checkin_seq", value)
        with db.transaction() as tx:
            assert tx.one("SELECT nextval('checkin_seq')")[0] == 61


@pytest.mark.parametrize("change", ["a row lost", "a value changed"])
def test_the_check_names_a_table_whose_copy_differs(demo_file, new_db, monkeypatch, change):
    """The check reads the committed target back: a row lost or changed on the way is caught."""
    insert = Tx.insert_rows

    def faulty(self, table, columns, rows, constants=()):
        if table == "model_info":
            rows = rows[:-1] if change == "a row lost" else [(*rows[0][:-1], "changed"), *rows[1:]]
        return insert(self, table, columns, rows, constants)

    monkeypatch.setattr(Tx, "insert_rows", faulty)
    with Database(new_db.copy(demo_file, "source")) as source, Database(new_db("target")) as target:
        with pytest.raises(EsmError, match=r"does not match the source in model_info \(") as err:
            copy_database(source, target)
    assert ("different content" in str(err.value)) == (change == "a value changed")


def test_a_failed_copy_writes_nothing(demo_file, new_db, monkeypatch):
    insert = Tx.insert_rows

    def failing(self, table, columns, rows, constants=()):
        if table == "value_streams":   # the last table: every other one was written already
            raise RuntimeError("disk full\nmore detail")
        return insert(self, table, columns, rows, constants)

    monkeypatch.setattr(Tx, "insert_rows", failing)
    with Database(new_db.copy(demo_file, "source")) as source, Database(new_db("target")) as target:
        with pytest.raises(EsmError, match=r"Copying the table value_streams failed, nothing was written: disk full$"):
            copy_database(source, target)
        assert all(not rows for rows in contents(target).values())


def test_the_schema_has_no_foreign_keys():
    """The copy writes tables in any order: a migration that adds a foreign key must give it an order."""
    statements = [s for _, _, path in available_migrations(MIGRATIONS_DIR)
                  for s in split_sql(path.read_text(encoding="utf-8"))]
    assert statements
    assert not [s for s in statements if re.search(r"\b(REFERENCES|FOREIGN\s+KEY)\b", s, re.IGNORECASE)]


# --- the command line -------------------------------------------------------------------------------


def test_migrate_applies_what_is_missing_and_loads_no_model(new_db):
    location = with_password(new_db("deploy"))
    first = run_cli("migrate", "--db", location)
    assert first.returncode == 0, first.stderr
    newest = available_migrations()[-1]
    assert f"to schema version {newest[0]}: applied 0001_initial, " in first.stdout
    assert f"{newest[0]:04d}_{newest[1]}" in first.stdout
    again = run_cli("migrate", "--db", location)
    assert again.returncode == 0, again.stderr
    assert f"is at schema version {newest[0]} already: nothing to apply" in again.stdout
    assert PASSWORD not in first.stdout + first.stderr + again.stdout + again.stderr
    with Database(location) as db:
        assert db.scalar("SELECT count(*) FROM model_info") == 0
        assert db.scalar("SELECT count(*) FROM dimensions") == 0


def test_copy_command_moves_a_duckdb_file_to_postgresql(duck_demo, pg_url, tmp_path):
    source = duck_copy(duck_demo, tmp_path)
    target = with_password(pg_url())
    with Database(source) as db:
        audit_rows = db.scalar("SELECT count(*) FROM audit_log")
        total = sum(db.scalar(f"SELECT count(*) FROM {t}") for t in db.tables() if t != "schema_migrations")
    done = run_cli("copy", "--from", str(source), "--to", target)
    assert done.returncode == 0, done.stderr
    assert re.search(rf"^\s+audit_log\s+{audit_rows:,} rows\s+ok$", done.stdout, re.MULTILINE)
    assert re.search(rf"^\s+total\s+{total:,} rows in \d+ tables, each checked$", done.stdout, re.MULTILINE)
    again = run_cli("copy", "--from", str(source), "--to", target)
    assert again.returncode == 1
    assert again.stderr.startswith("error: The target ") and "is not empty" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1
    assert PASSWORD not in done.stdout + done.stderr + again.stdout + again.stderr
    assert ":***@" in done.stdout


def test_copy_command_refuses_with_one_line(demo_file, new_db, tmp_path):
    missing = run_cli("copy", "--from", str(tmp_path / "nothing.duckdb"), "--to", str(new_db("to")))
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"error: there is no file {tmp_path / 'nothing.duckdb'}"
    source = new_db.copy(demo_file, "source")
    into_itself = run_cli("copy", "--from", str(source), "--to", str(source))
    assert into_itself.returncode == 1
    assert len(into_itself.stderr.strip().splitlines()) == 1 and into_itself.stderr.startswith("error: ")
