"""The value streams' part of the large organisation (40 streams of 4-12 steps over its 300 departments,
some steps changing owner half-way, flow records every quarter, hand-off quality in the last four, one
improvement in twenty naming a stream) and the stream pages' benchmarks."""

from __future__ import annotations

import datetime as dt
import random

from .. import clock
from ..db import Tx
from ..streams import flow, links, portfolio_reads, queries, rollup
from .org import Benchmark, LargeOrg

STREAMS = 40
KINDS = ("core", "enabling")
RULES = ("weakest_link", "weakest_link", "mean", "weighted")


def _steps(rng: random.Random, org: LargeOrg, stream_id: str) -> list[tuple]:
    """A stream's step rows: 4-12 steps over 3-6 departments, every third stream's second step changing
    owner half-way through the quarters (a second version)."""
    first, middle = str(org.quarters[0]), org.quarters[len(org.quarters) // 2]
    departments = rng.sample(org.departments, rng.randint(3, 6))
    rows = []
    for position in range(1, rng.randint(4, 12) + 1):
        owner = departments[min(len(departments) - 1, (position - 1) * len(departments) // 12 + rng.randint(0, 1))]
        step_id = f"{stream_id}.{position}"
        supporting = [rng.choice(org.departments)] if rng.random() < 0.2 else []
        moved = position == 2 and int(stream_id[3:]) % 3 == 0
        until = str(middle.previous()) if moved else None
        rows.append((step_id, first, until, stream_id, position, f"Step {position} of {stream_id}", owner,
                     supporting, float(rng.randint(1, 3)), float(rng.randint(1, 10)), f"Output {position}"))
        if moved:
            rows.append((step_id, str(middle), None, stream_id, position, f"Step {position} of {stream_id}",
                         rng.choice(org.departments), [], 1.0, None, f"Output {position}"))
    return rows


def seed_large_streams(tx: Tx, org: LargeOrg, streams: int = STREAMS) -> None:
    rng, today = random.Random(16), clock.today()
    stamp = dt.datetime.combine(today, dt.time())
    stream_rows, step_rows, flow_rows, handoff_rows = [], [], [], []
    for number in range(1, streams + 1):
        stream_id = f"VS-{number}"
        stream_rows.append((stream_id, f"Value stream {number:02d}", KINDS[number % 2], "A request", "Value", "Staff",
                            "", None, None, RULES[number % len(RULES)], True, "bench", today, 1))
        steps = _steps(rng, org, stream_id)
        step_rows += steps
        lead = rng.uniform(20, 60)
        for index, quarter in enumerate(org.quarters):
            lead *= rng.uniform(0.93, 1.02)
            flow_rows.append((stream_id, str(quarter), round(lead, 1), round(lead * rng.uniform(0.1, 0.3), 1),
                              rng.randint(2, 6), round(rng.uniform(3, 25), 1), rng.randint(50, 400),
                              rng.randint(5, 60), rng.randint(50, 400),
                              "ticket export" if index > 4 else "manual estimate",
                              "measured" if index > 4 else "estimated", "", "bench", stamp, 1))
        latest = [s for s in steps if s[2] is None]
        for quarter in org.quarters[-4:]:
            for before, after in zip(latest, latest[1:]):
                if before[6] != after[6]:
                    handoff_rows.append((stream_id, str(quarter), after[0], before[0], float(rng.randint(55, 99)),
                                         float(rng.randint(0, 5)), "", "bench", stamp, 1))
    tx.insert_rows("value_streams", ["stream_id", "name", "kind", "trigger", "outcome", "consumer", "description",
                                     "owner", "champion", "rollup_rule", "active", "created_by", "created_on",
                                     "version"], stream_rows)
    tx.insert_rows("stream_steps", ["step_id", "valid_from", "valid_to", "stream_id", "position", "name",
                                    "department_id", "supporting", "weight", "target_days", "output"], step_rows)
    tx.insert_rows("stream_flow", ["stream_id", "quarter", "lead_time_days", "process_time_days", "handoffs",
                                   "rework_pct", "throughput", "wip", "items", "source", "confidence", "note",
                                   "recorded_by", "recorded_at", "version"], flow_rows)
    tx.insert_rows("stream_handoffs", ["stream_id", "quarter", "to_step_id", "from_step_id", "pct_complete_accurate",
                                       "wait_days", "note", "recorded_by", "recorded_at", "version"], handoff_rows)
    tx.execute("UPDATE backlog_items SET stream_id = 'VS-' || CAST(1 + CAST(substr(item_id, 4) AS INTEGER) % $1 "
               "AS TEXT) WHERE CAST(substr(item_id, 4) AS INTEGER) % 20 = 0", [streams])
    org.counts.update(value_streams=len(stream_rows), stream_steps=len(step_rows), stream_flow=len(flow_rows))


def bench_stream_overview(org: LargeOrg) -> None:
    """What the Stream overview asks for one stream and quarter."""
    stream_id, quarter = "VS-3", org.quarters[-1]
    queries.get_stream(org.db, stream_id)
    rollup.stream_maturity(org.db, stream_id, quarter)
    links.step_scores(org.db, stream_id, quarter)
    found = rollup.levers(org.db, stream_id, quarter)
    links.open_improvements(org.db, list(zip(found["department_id"], found["dimension_id"])), stream_id)
    flow.flow_summary(org.db, stream_id, quarter)
    flow.flow_trend(org.db, stream_id, org.quarters[-8:])
    rollup.maturity_frame(org.db, org.quarters[-8:], [stream_id])


def bench_portfolio(org: LargeOrg) -> None:
    """What the Stream portfolio asks: every stream × dimension, the shared constraints with their open items."""
    quarter = org.quarters[-1]
    portfolio_reads.matrix_rows(org.db, quarter)
    assert not portfolio_reads.constraint_rows(org.db, quarter).empty


def benchmarks() -> list:
    """The value streams' entries of the benchmark."""
    return [Benchmark("stream overview queries", bench_stream_overview, target_seconds=0.25),
            Benchmark("stream portfolio queries", bench_portfolio, target_seconds=0.25)]
