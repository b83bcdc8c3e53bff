"""The demo's value streams: the four templates laid across the ten departments, two years of flow records
and hand-off quality, a few improvements and check-ins that name a stream.

Built through the streams' own commands (esm_maturity.streams), after the rest of the demo, with a random
generator of its own: no other demo figure moves. Every step is valid from the demo's first quarter; the
request stream's approval moves from the Project Office to Finance half-way (a new step version), so a past
quarter keeps the owner it had. Lead time falls as the stream's floors rise (its maturity beside its
outcome). The stream's owners and champions are the departments' sponsors and champions, named in its
description: the demo has no people who sign in, and a stream's owner must be one.

| stream                  | kind     | owning departments (supporting)                 |
|-------------------------|----------|-------------------------------------------------|
| Onboard a new employee  | enabling | HR (LEG) → FAC → IT (SEC) → SEC → HR            |
| Request to fulfil       | core     | CS → PMO, then FIN from the fifth quarter → IT (FAC) → CS |
| Procure to pay          | enabling | PROC (LEG) → PROC → FAC → FIN → FIN             |
| Incident to resolution  | core     | CS → IT → IT (SEC) → IT → CS (MKT)              |
"""

from __future__ import annotations

import random
from dataclasses import replace

from ..backlog.fields import FINAL_STATUSES
from ..db import Database, Tx
from ..models import Actor, Quarter
from ..streams import commands, flow, queries, rollup, templates
from ..streams.records import ESTIMATED, MANUAL, MEASURED, TICKETS, FlowInput, StepInput, StreamInput

# template key -> (owners by position, supporting by position, lead time in days at level 1, who sponsors it)
LAYOUT = {
    "onboard": (("HR", "FAC", "IT", "SEC", "HR"), {1: ("LEG",), 3: ("SEC",)}, 24.0, "HR"),
    "request": (("CS", "PMO", "IT", "CS"), {3: ("FAC",)}, 9.0, "CS"),
    "procure": (("PROC", "PROC", "FAC", "FIN", "FIN"), {1: ("LEG",)}, 38.0, "FIN"),
    "incident": (("CS", "IT", "IT", "IT", "CS"), {3: ("SEC",), 5: ("MKT",)}, 3.5, "IT"),
}
MOVED = ("request", 2, "FIN", 4)   # (stream, step position, its new owner, from the demo's n-th quarter, 0-based)
TARGET_DAYS = {"onboard": (3, 2, 2, 1, 5), "request": (0.5, 1, 3, 0.5), "procure": (5, 2, 10, 4, 2),
               "incident": (0.1, 0.2, 1, 0.5, 0.5)}
LINKED_PER_STREAM = 2    # open improvements linked to each stream (at its levers)
RATED_QUARTERS = 3       # the latest quarters with every hand-off rated (rolled %C&A shows)
UNTIMED = "incident"     # its champion left the latest quarter's process time blank ("not recorded")


def _description(template: templates.Template, sponsor: str, champion: str) -> str:
    return (f"Sponsor: {sponsor}. Champion: {champion}. Mapped with the teams that own its steps; "
            f"{template.consumer.lower()} are its consumers.")


def _create(db: Database, actor: Actor, key: str, first: Quarter, people: dict[str, tuple[str, str]]) -> str:
    owners, supporting, _, lead = LAYOUT[key]
    t = templates.TEMPLATES[key]
    sponsor, champion = people[lead]
    data = StreamInput(t.name, t.kind, t.trigger, t.outcome, t.consumer, _description(t, sponsor, champion))
    steps = [replace(s, supporting=supporting.get(i, ()), target_days=float(TARGET_DAYS[key][i - 1]))
             for i, s in enumerate(templates.template_steps(t, owners), start=1)]
    return commands.create_stream(db, actor, data, steps, from_quarter=first).stream_id


def _move_owner(db: Database, actor: Actor, stream_id: str, quarters: list[Quarter]) -> None:
    _, position, owner, at = MOVED
    step = queries.steps_in(db, stream_id, quarters[at])[position - 1]
    new = StepInput(step.name, owner, step.supporting, step.weight, step.target_days, step.output)
    commands.update_step(db, actor, stream_id, step.step_id, new,
                         expected_version=queries.get_stream(db, stream_id).version, from_quarter=quarters[at])


def _flow(rng: random.Random, base: float, floor: float | None, index: int, untimed: bool) -> FlowInput:
    """A quarter's figures: lead time falls as the mean floor rises; the first three quarters are estimates;
    `untimed`: no process time recorded."""
    level = floor if floor is not None else 1.5
    lead = round(base * (1.35 - 0.22 * level) * rng.uniform(0.93, 1.07), 1)
    efficiency = min(0.6, 0.12 + 0.05 * level + rng.uniform(-0.02, 0.02))
    measured = index >= 3
    return FlowInput(
        lead_time_days=lead, process_time_days=None if untimed else round(lead * efficiency, 1),
        handoffs=None, rework_pct=round(max(2.0, 24 - 5 * level + rng.uniform(-2, 2)), 1),
        throughput=int(rng.randint(40, 60) * (1 + 0.1 * index)), wip=rng.randint(6, 20),
        items=rng.randint(25, 40) if measured else rng.randint(6, 12), source=TICKETS if measured else MANUAL,
        confidence=MEASURED if measured else ESTIMATED,
        note="" if measured else "Estimated with the teams from a sample of recent items.")


def _profiles(db: Database, quarters: list[Quarter]) -> tuple[dict[tuple[str, str], float | None],
                                                              dict[str, list[tuple[str, str, float]]]]:
    """From one roll-up over the quarters: each stream's mean floor per quarter (None: nothing scored), and
    its levers in the last quarter (every department × dimension at a floor, with the floor)."""
    frame = rollup.maturity_frame(db, quarters)
    floors: dict[tuple[str, str], float | None] = {}
    for (stream_id, quarter), rows in frame.groupby(["stream_id", "quarter"]):
        found = rows["floor"].dropna()
        floors[(stream_id, quarter)] = float(found.mean()) if len(found) else None
    levers: dict[str, list[tuple[str, str, float]]] = {}
    for r in frame[frame["quarter"] == str(quarters[-1])].itertuples():
        levers.setdefault(r.stream_id, []).extend((d, r.dimension_id, float(r.floor)) for d in r.at_floor)
    return floors, levers


def _record_flows(db: Database, actor: Actor, streams: dict[str, str], quarters: list[Quarter],
                  floors: dict[tuple[str, str], float | None], rng: random.Random) -> int:
    count = 0
    for key, stream_id in streams.items():
        base = LAYOUT[key][2]
        for index, quarter in enumerate(quarters):
            data = _flow(rng, base, floors.get((stream_id, str(quarter))), index,
                         key == UNTIMED and quarter == quarters[-1])
            flow.record_flow(db, actor, stream_id, quarter, data)
            count += 1
            rated = index >= len(quarters) - RATED_QUARTERS
            for boundary in flow.boundaries(db, stream_id, quarter):
                if rated or (index >= 3 and rng.random() < 0.35):
                    flow.set_handoff_quality(db, actor, stream_id, quarter, boundary.to_step_id,
                                             round(min(99.0, 62 + 6 * index + rng.uniform(-8, 8)), 0),
                                             wait_days=round(rng.uniform(0.2, 3.0), 1))
    return count


def _link(db: Database, actor: Actor, streams: dict[str, str], quarter: Quarter,
          levers: dict[str, list[tuple[str, str, float]]]) -> list[str]:
    """A few open improvements at each stream's levers (the lowest floors first) name the stream and the
    lever's step; the latest check-in of a lever department names the stream too. One UPDATE each in one
    transaction: the items and check-ins keep their versions and dates (every other figure stays)."""
    open_items = db.rows(
        "SELECT item_id, department_id, dimension_id FROM backlog_items WHERE stream_id IS NULL "
        "AND status NOT IN (SELECT unnest(CAST($1 AS TEXT[]))) AND department_id IS NOT NULL "
        "AND dimension_id IS NOT NULL ORDER BY item_id", [list(FINAL_STATUSES)])
    linked: list[tuple[str, str, str]] = []
    checkins: dict[str, str] = {}
    for stream_id in streams.values():
        owners = {s.department_id: s.step_id for s in reversed(queries.steps_in(db, stream_id, quarter))}
        floors = {(dept, dim): floor for dept, dim, floor in levers.get(stream_id, [])}
        taken = {item for item, _, _ in linked}
        chosen = sorted(((floors[(dept, dim)], item, dept) for item, dept, dim in open_items
                         if (dept, dim) in floors and item not in taken))   # the biggest levers first
        chosen = [(item, dept) for _, item, dept in chosen]
        linked += [(item, stream_id, owners[dept]) for item, dept in chosen[:LINKED_PER_STREAM]]
        row = db.one("SELECT checkin_id FROM checkins WHERE department_id IN (SELECT unnest(CAST($1 AS TEXT[]))) "
                     "AND checkin_id NOT IN (SELECT unnest(CAST($2 AS TEXT[]))) ORDER BY held_on DESC, checkin_id "
                     "LIMIT 1", [sorted({d for d, _ in floors}), list(checkins)])
        if row:
            checkins[row[0]] = stream_id

    def work(tx: Tx) -> list[str]:
        for item, stream_id, step in linked:
            tx.execute("UPDATE backlog_items SET stream_id = $1, step_id = $2 WHERE item_id = $3",
                       [stream_id, step, item])
        for checkin_id, stream_id in checkins.items():
            tx.execute("UPDATE checkins SET stream_id = $1 WHERE checkin_id = $2", [stream_id, checkin_id])
        tx.audit("link demo streams", "organisation", "demo",
                 after={"improvements": {i: s for i, s, _ in linked}, "check-ins": checkins})
        return [i for i, _, _ in linked]

    return db.write(actor, work)


def seed_streams(db: Database, actor: Actor, quarters: list[Quarter], seed: int = 7) -> int:
    """The demo's four value streams over `quarters` (the demo's eight), with their flow; returns how many."""
    rng = random.Random(seed * 7919 + 16)
    people = {r[0]: (r[1], r[2]) for r in db.rows("SELECT department_id, sponsor, champion FROM departments")}
    streams = {key: _create(db, actor, key, quarters[0], people) for key in LAYOUT}
    _move_owner(db, actor, streams[MOVED[0]], quarters)
    floors, levers = _profiles(db, quarters)
    _record_flows(db, actor, streams, quarters, floors, rng)
    _link(db, actor, streams, quarters[-1], levers)
    return len(streams)


__all__ = ["seed_streams", "LAYOUT", "MOVED"]
