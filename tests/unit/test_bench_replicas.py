"""The room on replicas (bench/replicas.py) in a tiny run: the demo organisation copied into an empty
PostgreSQL database, two app processes on it, two sessions spread over them and on one alone. It checks
that the figures are sane and reported, not that a target is met."""

from __future__ import annotations

from esm_maturity.bench import replicas
from esm_maturity.bench.load import Load, Room
from esm_maturity.bench.targets import Figures, evaluate, load_lines
from esm_maturity.bench.waits import build_small
from esm_maturity.db import Database
from tests.conftest import TODAY


def test_the_room_runs_on_replicas_over_postgresql(pg_cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("ESM_TODAY", str(TODAY))   # the replicas see the demo's day
    url = pg_cluster.url(pg_cluster.create())
    small = build_small(tmp_path / "small.duckdb")
    rooms = replicas.measure(small, url, tmp_path, sessions=2, alone=1, rounds=1)

    assert rooms.replicas == 2 and rooms.sessions == 2 and not rooms.errors
    assert rooms.one_session > 0 and len(rooms.one) == len(rooms.spread) == 1 and rooms.spread_p95 > 0
    with Database(url) as copied, Database(small) as source:   # the replicas served the copied organisation
        count = "SELECT count(*) FROM scores"
        assert copied.rows(count) == source.rows(count) and copied.rows(count)[0][0] > 0


def test_the_target_notes_the_room_on_replicas():
    load = Load("trends", [0.08], 250.0, [Room(10, [0.6] * 10, 250.0, 260.0, 255.0)])
    rooms = replicas.ReplicaRooms(2, 10, [0.1, 0.1, 0.1], one=[0.7, 0.6, 0.65], spread=[0.3, 0.28, 0.37])
    figures = Figures([], "large", load, replicas=rooms)
    row = next(r for r in evaluate(figures) if r.what == "10 concurrent sessions, p95")
    assert "spread over 2 replicas on PostgreSQL: p95 0.30 s, 3.00x (one of them alone: 6.50x)" in row.note
    assert row.met is False   # the target stays the one process's: the default deployment
    lines = load_lines(figures)
    assert any("spread over 2" in line and "p95 0.30s (rounds: 0.30s, 0.28s, 0.37s)" in line for line in lines)
    skipped = load_lines(Figures([], "large", load, replicas_skipped="no ESM_BENCH_PG_URL"))
    assert skipped[-1] == "replicas on PostgreSQL: skipped (no ESM_BENCH_PG_URL)"
