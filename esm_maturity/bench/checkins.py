"""The check-ins' part of the large organisation (7,200 check-ins, 20,000 actions) and the check-ins
page's benchmarks."""

from __future__ import annotations

import datetime as dt

from .. import clock
from ..checkins import cadence, timeline
from ..checkins import queries as checkins_queries
from ..checkins.keys import allocate_keys
from ..db import Tx
from ..demo.checkins import ACTION_FIELDS, CHECKIN_FIELDS
from .org import Benchmark, LargeOrg

def seed_large_checkins(tx: Tx, org: LargeOrg, checkins: int = 7_200, actions: int = 20_000) -> None:
    rng, today = org.rng, clock.today()
    per_department = max(1, checkins // len(org.departments))
    spacing = max(1, (len(org.quarters) * 91) // per_department)
    rows = []
    for index in range(checkins):
        dept = org.departments[index % len(org.departments)] if index % 25 else None
        held = today - dt.timedelta(days=(index // len(org.departments)) * spacing + rng.randint(0, 20))
        rows.append([dept, held])
    keys = allocate_keys(tx, "checkin", len(rows))
    stamp = dt.datetime.combine(today, dt.time())
    words = ["budget", "intake", "knowledge", "portal", "survey", "onboarding", "catalogue", "training"]
    tx.insert_rows("checkins", CHECKIN_FIELDS, [
        [key, held, dept, "department" if dept else "steering", f"Champion {dept}", "A, B, C",
         f"Notes on {rng.choice(words)} and {rng.choice(words)} for {dept or 'all'}", "decided", "won", "blocked",
         held + dt.timedelta(days=spacing), 1, stamp, stamp] for key, (dept, held) in zip(keys, rows)])
    action_rows = []
    for key in allocate_keys(tx, "action", actions):
        checkin = rng.randrange(len(rows))
        held = rows[checkin][1]
        due = held + dt.timedelta(days=rng.randint(7, 60))
        recent = due > today - dt.timedelta(days=30)
        status = "open" if recent or rng.random() < 0.1 else rng.choice(["done", "dropped"])
        action_rows.append([key, keys[checkin], f"Action on {rng.choice(words)}", "Owner", due, status, None, 1,
                            stamp, stamp, None if status == "open" else due])
    tx.insert_rows("actions", ACTION_FIELDS, action_rows)
    org.counts.update(checkins=len(rows), actions=len(action_rows))


def bench_checkins_page(org: LargeOrg) -> None:
    """What the check-ins page runs on one visit: list, search, carry-over, cadence and a timeline."""
    today = clock.today()
    dept = org.departments[len(org.departments) // 2]
    checkins_queries.list_checkins(org.db, limit=200)
    checkins_queries.list_checkins(org.db, department_id=dept, search="budget")
    checkins_queries.carry_over(org.db, dept, today)
    cadence.cadence(org.db, today, 45)
    timeline.timeline(org.db, dept)


def bench_cadence(org: LargeOrg) -> None:
    cadence.cadence(org.db, clock.today(), 45)


def benchmarks() -> list:
    """The check-ins entries of the benchmark."""
    return [Benchmark("check-ins page queries", bench_checkins_page, target_seconds=0.25),
            Benchmark("check-ins cadence (overview section)", bench_cadence, target_seconds=0.1)]
