"""The screen's shared cache (esm_maturity/ui/cached.py): one computation per key however many sessions
ask at once, bounded, never poisoned by a failure, and each caller gets its own copy to change."""

from __future__ import annotations

import threading
import time

import pandas as pd
import pytest

from esm_maturity.models import Quarter
from esm_maturity.trends.queries import Filters
from esm_maturity.ui.cached import Shared, handed_out, spelled


def test_ten_sessions_asking_at_once_compute_once():
    shared, calls = Shared(8), []

    def slow():
        calls.append(1)
        time.sleep(0.05)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(shared.get("k", slow))) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["value"] * 10 and len(calls) == 1


def test_it_keeps_the_most_recently_used_entries_only():
    shared = Shared(2)
    shared.get("a", lambda: 1)
    shared.get("b", lambda: 2)
    shared.get("a", lambda: "not again")     # a is used again: b is now the oldest
    shared.get("c", lambda: 3)
    assert len(shared) == 2
    assert shared.get("b", lambda: "computed again") == "computed again"
    assert shared.get("a", lambda: "not again") == "not again"   # a left when b came back


def test_a_failure_is_not_kept_and_the_next_caller_computes_again():
    shared = Shared(4)
    with pytest.raises(RuntimeError):
        shared.get("k", lambda: (_ for _ in ()).throw(RuntimeError("database gone")))
    assert shared.get("k", lambda: 42) == 42


def test_each_caller_changes_only_its_own_copy():
    frame = pd.DataFrame({"a": [1, 2]})
    mine = handed_out(frame)
    mine["a"] = [9, 9]
    mine["b"] = 1
    assert list(frame["a"]) == [1, 2] and "b" not in frame
    names = {"HR": "Human Resources"}
    handed_out(names)["IT"] = "IT Services"
    assert names == {"HR": "Human Resources"}


def test_arguments_are_spelled_out_in_full_and_only_plain_values_are_taken():
    f = Filters(Quarter(2025, 1), Quarter(2026, 4), ("HR",), ())
    assert spelled((f, None)) != spelled((Filters(Quarter(2025, 1), Quarter(2026, 4), ("IT",), ()), None))
    assert spelled(("1",)) != spelled((1,)) and spelled([1]) != spelled((1,))
    with pytest.raises(TypeError):
        spelled((pd.DataFrame({"a": [1]}),))


def _department_count(db) -> int:
    return db.scalar("SELECT count(*) FROM departments")


def _counting_versions(db, monkeypatch) -> list[int]:
    asked: list[int] = []
    engine_version = db.engine.data_version

    def counted():
        asked.append(1)
        return engine_version()

    monkeypatch.setattr(db.engine, "data_version", counted)
    return asked


def test_a_page_run_asks_for_the_data_version_once_until_it_writes(db, monkeypatch):
    """On PostgreSQL the version is a round trip: a run's reads share one, and a write in the run
    (through the same Database) makes its next read ask again and see the new rows."""
    from esm_maturity.models import SYSTEM
    from esm_maturity.ui import cached

    asked = _counting_versions(db, monkeypatch)
    cached.run_started()
    try:
        assert [cached.read(db, _department_count) for _ in range(5)] == [0] * 5
        assert len(asked) == 1
        with db.transaction(SYSTEM) as tx:
            tx.execute("INSERT INTO departments (department_id, name) VALUES ('HR', 'Human resources')")
        assert cached.read(db, _department_count) == 1 and len(asked) == 2   # its own write: asked again
        cached.read(db, _department_count)
        assert len(asked) == 2
    finally:
        cached.run_ended()
    cached.read(db, _department_count)   # outside a page run (a fragment, the warm-up): every read asks
    cached.read(db, _department_count)
    assert len(asked) == 4


def test_every_page_run_starts_with_a_fresh_version(db, monkeypatch):
    """A write by someone else (another replica, another session) shows on the next run: each run asks."""
    from esm_maturity.ui import cached

    asked = _counting_versions(db, monkeypatch)
    for _ in range(3):
        cached.run_started()
        try:
            cached.read(db, _department_count)
            cached.read(db, _department_count)
        finally:
            cached.run_ended()
    assert len(asked) == 3
