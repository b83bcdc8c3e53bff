"""A deterministic demo organisation (Northwind Services): ten departments, eight quarters of scores, a
backlog, a year of check-ins and rating rounds in every state.

Each part of the demo is a seeder: a function (tx, ctx) in SEEDERS that writes its rows inside the
one transaction that loads the demo. The rating rounds come after it, through the rounds' own commands
(rounds.py): their rules (k invitees, one answer per token, the agreement) hold as for anyone.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Callable

from .. import clock
from ..access.policy import Permission, require
from ..db import Database, Tx
from ..maturity import load_default_model
from ..models import Actor, Quarter, ValidationError, quarter_range
from .backlog import seed_backlog
from .checkins import seed_checkins
from .context import DemoContext
from .rounds import AGREED_DEPARTMENTS, seed_rounds
from .streams import seed_streams

DEPARTMENTS = [
    ("HR", "Human Resources", "Dana Whitfield", "Priya Natarajan"),
    ("IT", "IT Services", "Marcus Lee", "Sofia Alvarez"),
    ("FIN", "Finance", "Helen Brooks", "Tom Okafor"),
    ("FAC", "Facilities", "Graham Sato", "Aisha Rahman"),
    ("LEG", "Legal", "Caroline Dubois", "Ben Carter"),
    ("PROC", "Procurement", "Helen Brooks", "Lina Petrova"),
    ("MKT", "Marketing", "Oliver Grant", "Mei Chen"),
    ("CS", "Customer Service", "Dana Whitfield", "Jorge Ramos"),
    ("SEC", "Security", "Marcus Lee", "Fatima Zahra"),
    ("PMO", "Project Office", "Oliver Grant", "Erik Larsen"),
]

# Why a score moved: phrases a department rep might write.
_UP = [
    "Ran a cross-team workshop and agreed the new way of working; {dim} is now routine.",
    "Champion reviewed progress with the sponsor; the last blockers on {dim} were cleared.",
    "Two improvements from the register closed this quarter and lifted {dim}.",
    "Customer feedback showed the change to {dim} is working; we kept it going.",
]
_DOWN = [
    "Lost two experienced people; {dim} slipped while new staff got up to speed.",
    "A reorganisation paused our {dim} work; restarting next quarter.",
    "Honest re-score after the sponsor review: we had overrated {dim} last time.",
]
_SAME = [
    "No material change in {dim}; evidence from the last review still holds.",
    "Steady: {dim} practices continued as documented.",
    "",
]


DEMO_NAME = "Northwind Services (demo)"


def seed_organisation(tx: Tx, ctx: DemoContext) -> None:
    """The demo's name on slides and chart images; a name someone already gave this database stays."""
    tx.execute("INSERT INTO organisation_settings (key, value) VALUES ('name', $1) ON CONFLICT (key) DO NOTHING",
               [DEMO_NAME])


def seed_departments(tx: Tx, ctx: DemoContext) -> None:
    tx.executemany("INSERT INTO departments (department_id, name, sponsor, champion) VALUES ($1, $2, $3, $4)",
                   DEPARTMENTS)
    ctx.counts["departments"] = len(DEPARTMENTS)


def seed_assessments(tx: Tx, ctx: DemoContext) -> None:
    rng = ctx.rng
    score_rows, assessment_rows = [], []
    current = ctx.quarters[-1]
    for d_index, dept in enumerate(ctx.departments):
        level = {dim: rng.choice([1, 1, 2, 2, 3]) for dim, _ in ctx.dimensions}
        not_applicable = {"value_streams"} if dept == "LEG" else set()
        for q_index, quarter in enumerate(ctx.quarters):
            if quarter == current and d_index >= 8:
                continue  # two departments have not started this quarter
            status = "draft" if quarter == current and d_index >= 6 else "submitted"
            # A department whose round agrees this quarter's scores is a draft until the agreement submits it
            # (rounds.py): the same scores, submitted in the end, drawn from the same random numbers.
            stored = "draft" if quarter == current and ctx.rounds and dept in AGREED_DEPARTMENTS else status
            day = min(quarter.end - dt.timedelta(days=rng.randint(3, 20)), ctx.today)
            champion = DEPARTMENTS[d_index][3]
            assessment_rows.append((str(quarter), dept, stored, champion if stored == "submitted" else None,
                                    day if stored == "submitted" else None, 1,
                                    dt.datetime.combine(day, dt.time(12))))
            for dim, dim_name in ctx.dimensions:
                if dim in not_applicable:
                    score_rows.append((str(quarter), dept, dim, None, True, None,
                                       "Legal has no end-to-end service journeys of its own.", champion, day))
                    continue
                old = level[dim]
                if q_index:
                    roll = rng.random()
                    if roll < 0.28 and old < 5:
                        level[dim] = old + 1
                    elif roll > 0.95 and old > 1:
                        level[dim] = old - 1
                new = level[dim]
                if status == "draft" and rng.random() < 0.3:
                    continue  # a draft is half done
                pool = _UP if new > old else _DOWN if new < old else _SAME
                evidence = rng.choice(pool).format(dim=dim_name.lower())
                target = min(5, max(new + 1, 3))
                score_rows.append((str(quarter), dept, dim, new, False, target, evidence, champion, day))
    tx.insert_rows("assessments", ["quarter", "department_id", "status", "submitted_by", "submitted_on", "version",
                                   "updated_at"], assessment_rows)
    tx.insert_rows("scores", ["quarter", "department_id", "dimension_id", "score", "na", "target", "evidence",
                              "assessed_by", "assessed_on"], score_rows)
    ctx.counts["assessments"] = len(assessment_rows)
    ctx.counts["scores"] = len(score_rows)


SEEDERS: list[Callable[[Tx, DemoContext], None]] = [seed_organisation, seed_departments, seed_assessments,
                                                    seed_backlog, seed_checkins]


def load_demo(db: Database, actor: Actor, anchor: Quarter | None = None, seed: int = 7,
              today: dt.date | None = None, rounds: bool = True) -> dict[str, int]:
    """Load the demo organisation into a database that has no departments yet.

    `today` is the day the demo is built around (default: the clock's today); `anchor` is the
    last quarter of history (default: today's quarter). The same anchor, seed and day always
    give the same organisation. `rounds`: with the rating rounds of rounds.py for the anchor quarter.
    """
    require(db, actor, Permission.demo)
    if db.scalar("SELECT count(*) FROM departments"):
        raise ValidationError("this database already has departments; load the demo into an empty database "
                              "(use --db with a new file)")
    load_default_model(db, actor)
    today = today or clock.today()
    anchor = anchor or Quarter.of(today)
    quarters = quarter_range(anchor.shift(-7), anchor)
    dims = [(r[0], r[1]) for r in db.rows("SELECT dimension_id, name FROM dimensions WHERE active ORDER BY position")]
    today = min(today, anchor.end)
    ctx = DemoContext(random.Random(seed), quarters, [d[0] for d in DEPARTMENTS], dims, today, rounds=rounds)

    def work(tx: Tx) -> dict[str, int]:
        if tx.one("SELECT count(*) FROM departments")[0]:
            raise ValidationError("this database already has departments")
        for seeder in SEEDERS:
            seeder(tx, ctx)
        tx.audit("load demo", "organisation", "demo", after={"anchor": str(anchor), **ctx.counts})
        return dict(ctx.counts)

    counts = db.write(actor, work)
    if rounds:
        counts["rating rounds"] = seed_rounds(db, actor, anchor, seed)
    counts["value streams"] = seed_streams(db, actor, quarters, seed)   # after the rounds: their agreed scores
    return counts


__all__ = ["load_demo", "SEEDERS"]
