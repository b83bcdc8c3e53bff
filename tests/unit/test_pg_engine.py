"""PostgreSQL as the shared store: what holds across replicas (each `Database` here has its own pool, as
each app replica has), the advisory-lock migrations, the data version, and refusals in plain words.

These run on every run that has PostgreSQL's server (the `pg_cluster` fixture skips without it, and
fails under ESM_REQUIRE_POSTGRES=1, as in CI)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from esm_maturity.backlog.commands import add_item, update_item
from esm_maturity.backlog.commands import get_item
from esm_maturity.departments import add_department
from esm_maturity.db import Database, MIGRATIONS_DIR, available_migrations
from esm_maturity.maturity import load_default_model
from esm_maturity.models import SYSTEM, ConflictError, DatabaseTooNew, EsmError, ValidationError
from tests.conftest import ADMIN, ROOT


@pytest.fixture
def pg_url(pg_cluster):
    name = pg_cluster.create()
    yield pg_cluster.url(name)
    pg_cluster.drop(name)


@pytest.fixture
def two_replicas(pg_url):
    """Two Databases on one PostgreSQL database: two pools, as two app processes have."""
    with Database(pg_url) as first:
        load_default_model(first, SYSTEM)
        add_department(first, ADMIN, "HR", "Human Resources")
        with Database(pg_url) as second:
            yield first, second


def _item(db: Database) -> str:
    return add_item(db, ADMIN, title="Shared intake form", department_id="HR", dimension_id="value_streams",
                    value=3, effort="M")


def test_a_save_from_a_stale_version_is_refused_across_replicas(two_replicas):
    first, second = two_replicas
    key = _item(first)
    seen = get_item(second, key)["version"]
    update_item(first, ADMIN, key, {"title": "Saved first"}, seen)
    with pytest.raises(ConflictError, match="changed by someone else"):
        update_item(second, ADMIN, key, {"title": "Saved second, from the old version"}, seen)
    assert get_item(second, key)["title"] == "Saved first"


def test_two_replicas_saving_the_same_version_at_once_keep_exactly_one(two_replicas):
    """Both read version v and save at the same moment: one wins, the other is told, nothing is lost."""
    first, second = two_replicas
    key = _item(first)
    seen = get_item(first, key)["version"]
    start, results = threading.Barrier(2), {}

    def save(db: Database, title: str) -> None:
        start.wait()
        try:
            results[title] = update_item(db, ADMIN, key, {"title": title}, seen)
        except ConflictError:
            results[title] = "conflict"

    threads = [threading.Thread(target=save, args=(db, t)) for db, t in ((first, "A"), (second, "B"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(str, results.values())) == sorted([str(seen + 1), "conflict"])
    winner = next(t for t, r in results.items() if r != "conflict")
    assert get_item(first, key)["title"] == winner
    assert first.scalar("SELECT count(*) FROM audit_log WHERE entity_key = $1 AND action = 'edit'", [key]) == 1


def test_serializable_writes_retry_until_every_increment_counts(two_replicas):
    """Read-modify-write from two replicas at once: SERIALIZABLE refuses the loser, `write` runs it
    again, and every increment is kept (under READ COMMITTED some would be lost)."""
    first, second = two_replicas
    with first.transaction() as tx:
        tx.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
        tx.execute("INSERT INTO counter VALUES (1, 0)")
    first.RETRIES = second.RETRIES = 50

    def bump(tx):
        n = tx.one("SELECT n FROM counter WHERE id = 1")[0]
        tx.execute("UPDATE counter SET n = $1 WHERE id = 1", [n + 1])

    def worker(db: Database) -> None:
        for _ in range(15):
            db.write(SYSTEM, bump)

    threads = [threading.Thread(target=worker, args=(db,)) for db in (first, second, first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert first.scalar("SELECT n FROM counter WHERE id = 1") == 60


def test_one_replicas_write_moves_the_data_version_the_other_replica_sees(two_replicas):
    """The screen's caches key on the data version: a write through one replica must move it for all."""
    first, second = two_replicas
    before = second.data_version
    _item(first)
    after = second.data_version
    assert after != before and after[1] > before[1]
    assert second.data_version == after   # reads alone do not move it


def test_two_processes_migrating_an_empty_database_at_once_both_succeed(pg_url):
    """The advisory lock makes the second wait; each migration is applied exactly once."""
    code = ("import sys; from esm_maturity.db import Database; "
            "db = Database(sys.argv[1]); print(db.schema_version()); db.close()")
    runs = [subprocess.Popen([sys.executable, "-c", code, pg_url], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(3)]
    outputs = [run.communicate(timeout=120) for run in runs]
    newest = max(v for v, _, _ in available_migrations())
    assert [run.returncode for run in runs] == [0, 0, 0], [err for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == [str(newest)] * 3
    with Database(pg_url) as db:
        assert db.rows("SELECT version, count(*) FROM schema_migrations GROUP BY version HAVING count(*) > 1") == []
        assert db.scalar("SELECT count(*) FROM schema_migrations") == newest


def test_numbers_come_back_as_numbers(two_replicas):
    """PostgreSQL's avg() is numeric (Decimal in Python): reads give floats, as DuckDB's do."""
    first, _ = two_replicas
    value = first.scalar("SELECT avg(x) FROM (VALUES (1), (2), (4)) AS t(x)")
    assert isinstance(value, float) and value == pytest.approx(7 / 3)
    frame = first.frame("SELECT avg(x) AS mean, count(*) AS n, max(d) AS newest "
                        "FROM (VALUES (1, DATE '2026-01-01'), (2, NULL)) AS t(x, d)")
    assert frame["mean"].dtype == "float64" and frame["n"].iloc[0] == 2
    assert str(frame["newest"].dtype).startswith("datetime64")


def test_text_with_a_nul_character_is_refused_in_plain_words_and_nothing_is_written(two_replicas):
    first, _ = two_replicas
    with pytest.raises(ValidationError, match="NUL character"):
        add_item(first, ADMIN, title="before \x00 after", department_id="HR", dimension_id="value_streams",
                 value=3, effort="M")
    assert first.scalar("SELECT count(*) FROM backlog_items") == 0


def test_a_bulk_insert_with_a_nul_character_is_refused_too(two_replicas):
    first, _ = two_replicas
    with pytest.raises(ValidationError, match="NUL character"), first.transaction() as tx:
        tx.insert_rows("departments", ["department_id", "name"], [("OPS", "Operations"), ("X", "bad \x00 name")])
    assert first.scalar("SELECT count(*) FROM departments WHERE department_id IN ('OPS', 'X')") == 0


def test_an_unreachable_server_is_a_plain_message_without_the_password(pg_cluster):
    url = f"postgresql://esm:s3cret-pw@127.0.0.1:{pg_cluster.port}/no_such_database"
    with pytest.raises(EsmError) as refused:
        Database(url)
    text = str(refused.value)
    assert "Cannot reach the PostgreSQL database" in text and "no_such_database" in text
    assert "s3cret-pw" not in text and "***" in text


def test_a_database_from_a_newer_app_is_refused(pg_url, tmp_path):
    with Database(pg_url) as db, db.transaction() as tx:
        tx.execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', $1)", [tx.now])
    with pytest.raises(DatabaseTooNew, match="schema version 999"):
        Database(pg_url)


def test_only_the_engines_import_their_drivers():
    """Nothing outside db/duck.py imports duckdb and nothing outside db/pg.py imports psycopg (the
    import contracts hold the same; this names the files)."""
    offenders = []
    for path in (ROOT / "esm_maturity").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for driver, home in (("duckdb", "duck.py"), ("psycopg", "pg.py")):
            if (f"import {driver}" in text or f"from {driver}" in text) and path.name != home \
                    and "bench" not in path.parts:
                offenders.append(f"{path.relative_to(ROOT)}: {driver}")
    assert offenders == []


def test_the_migrations_folder_is_shared(pg_url):
    """One set of migrations for both engines: PostgreSQL applies every file the DuckDB run does."""
    with Database(pg_url) as db:
        applied = [r[0] for r in db.rows("SELECT name FROM schema_migrations ORDER BY version")]
    assert applied == [name for _, name, _ in available_migrations(MIGRATIONS_DIR)]
    assert Path(MIGRATIONS_DIR).is_dir()
