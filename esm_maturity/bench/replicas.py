"""The room of ten again, on replicas: the large organisation copied into an empty PostgreSQL database
(ESM_BENCH_PG_URL), REPLICAS app processes on it, and the same tabs (bench/wire.py) spread over them in
turn, as a balancer's least-connections rule spreads new sessions. Beside it, in the same rounds, the same
room on one of the replicas alone; the floor is one session alone on one replica.

One process runs its page scripts one at a time (bench/load.py), so this is how a deployment serves a room
faster: with processes side by side on the machine's cores. Skipped without ESM_BENCH_PG_URL; the
database must be empty (the copy refuses one that is not) and is left holding the copy.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from ..db import Database
from ..db.copy import copy_database
from .load import SESSION_TTL, at_once, percentile
from .server import AppServer
from .wire import Run

REPLICAS = 2
ROUNDS = 3


@dataclass
class ReplicaRooms:
    replicas: int
    sessions: int
    alone: list[float]                                   # one session alone on one replica: each wait
    one: list[float] = field(default_factory=list)       # each round's p95, the room on one replica
    spread: list[float] = field(default_factory=list)    # each round's p95, the room spread over all
    errors: list[str] = field(default_factory=list)

    @property
    def one_session(self) -> float:
        return statistics.median(self.alone)

    @property
    def one_p95(self) -> float:
        return statistics.median(self.one)

    @property
    def spread_p95(self) -> float:
        return statistics.median(self.spread)


def _p95(runs: list[Run], into: ReplicaRooms) -> float:
    into.errors += [e for r in runs for e in r.errors]
    return percentile([r.seconds for r in runs], 0.95)


def measure(db_file: Path, url: str, workdir: Path, page: str = "trends", sessions: int = 10, alone: int = 5,
            replicas: int = REPLICAS, rounds: int = ROUNDS) -> ReplicaRooms:
    """Copy `db_file` into the empty database at `url`, start `replicas` servers on it and measure."""
    with Database(db_file) as source, Database(url) as target:
        copy_database(source, target)
    ttl = [f"--server.disconnectedSessionTTL={SESSION_TTL}"]   # as bench/load.py's server
    servers: list[AppServer] = []
    try:
        for n in range(replicas):
            servers.append(AppServer(url, workdir / f"replica-{n}.log", args=ttl))
        urls = [server.url for server in servers]
        for server_url in urls:   # each replica's first visit fills what every later one reuses
            at_once([server_url], page)
        result = ReplicaRooms(replicas, sessions, [at_once(urls[:1], page)[0].seconds for _ in range(alone)])
        for _ in range(rounds):   # the two rooms take turns, so both see the machine in the same state
            result.one.append(_p95(at_once(urls[:1] * sessions, page), result))
            result.spread.append(_p95(at_once([urls[i % replicas] for i in range(sessions)], page), result))
        return result
    finally:
        for server in servers:
            server.stop()
