"""Check-ins for the demo organisation (a year of meetings and actions), the large
organisation of the benchmarks (7,200 check-ins, 20,000 actions) and the benchmarks
of the check-ins page's queries."""

from __future__ import annotations

import datetime as dt

from . import clock
from .checkins_model import allocate_keys
from .db import Tx

CHECKIN_FIELDS = ["checkin_id", "held_on", "department_id", "kind", "facilitator", "attendees", "notes", "decisions",
                  "wins", "blockers", "next_on", "version", "created_at", "updated_at"]
ACTION_FIELDS = ["action_id", "checkin_id", "text", "owner", "due_on", "status", "item_id", "version", "created_at",
                 "updated_at", "closed_on"]

_NOTES = [
    "Reviewed the {dim} scores with the team. People agreed the rubric matches what they see day to day.",
    "Walked through last month's requests end to end. Hand-offs are still where most of the waiting happens.",
    "Talked about {dim}: the new intake form helps, but two teams still take requests by e-mail.",
    "Quick check-in: most actions on track.\n- intake form live for all teams\n- knowledge articles reviewed",
    "Sponsor joined for the first half hour and asked for clearer evidence behind the {dim} score.",
    "Looked at customer feedback from the quarter: response times improved, updates to requesters still patchy.",
]
_DECISIONS = [
    "Keep the weekly stand-up for the service desk; revisit in two months.",
    "Adopt the shared request catalogue for all new services.",
    "The champion owns the {dim} improvement plan; the sponsor unblocks budget questions.",
    "No new work until the open actions are closed.",
    "",
]
_WINS = [
    "First month with every request acknowledged within a day.",
    "Two teams now publish their service hours and contacts.",
    "A failed pilot taught us to involve the front line earlier: lesson shared with the other departments.",
    "Customer thanked the team for proactive updates.",
    "",
]
_BLOCKERS = ["Waiting for access to the shared portal.", "Two people on leave; capacity is thin this month.",
             "Budget for training not yet approved.", "", ""]
_ACTIONS = [
    "Update the request catalogue entries for {dept}",
    "Run a lunch-and-learn on {dim}",
    "Draft the service hours page and share it with the sponsor",
    "Map the onboarding journey end to end with two requesters",
    "Review knowledge articles older than a year",
    "Agree a response-time target with the customer panel",
    "Collect evidence for the {dim} score before the next self-assessment",
    "Invite the Facilities champion to share their intake form",
    "Close out the survey results and pick two changes",
    "Retire the old e-mail intake address",
]
_PEOPLE = ["Anna Kowalski", "Ravi Shah", "Chloe Martin", "Diego Fernández", "Grace Kim", "Samir Haddad",
           "Nora Lindqvist", "Peter O'Neill"]
QUIET = ("SEC", "PMO")  # departments that went quiet in the demo: their last check-in is months ago


def _texts(rng, dim: str) -> dict:
    return {"notes": rng.choice(_NOTES).format(dim=dim), "decisions": rng.choice(_DECISIONS).format(dim=dim),
            "wins": rng.choice(_WINS), "blockers": rng.choice(_BLOCKERS)}


def _actions_for(rng, checkin: dict, today: dt.date, dim: str, dept_name: str, count: int) -> list[dict]:
    out = []
    for _ in range(count):
        held = checkin["held_on"]
        due = held + dt.timedelta(days=rng.randint(14, 45))
        status, closed = "open", None
        if due < today - dt.timedelta(days=4):
            roll = rng.random()
            if roll < 0.84:
                status, closed = "done", min(due + dt.timedelta(days=rng.randint(-10, 12)), today)
            elif roll < 0.94:
                status, closed = "dropped", min(due + dt.timedelta(days=rng.randint(0, 20)), today)
        out.append({"checkin_id": checkin["checkin_id"], "text": rng.choice(_ACTIONS).format(dept=dept_name, dim=dim),
                    "owner": rng.choice(_PEOPLE), "due_on": due, "status": status, "closed_on": closed,
                    "item_id": None})
    return out


def seed_checkins(tx: Tx, ctx) -> None:
    """A year of department check-ins (roughly monthly), quarterly sponsor reviews and steering meetings."""
    rng, today = ctx.rng, ctx.today
    names = dict(tx.execute("SELECT department_id, name FROM departments"))
    people = {r[0]: (r[1], r[2]) for r in tx.execute(
        "SELECT department_id, sponsor, champion FROM departments ORDER BY department_id")}
    dims = [name.lower() for _, name in ctx.dimensions] or ["collaboration"]
    meetings: list[dict] = []
    start = today - dt.timedelta(days=365)
    for dept in ctx.departments:
        sponsor, champion = people[dept]
        day = start + dt.timedelta(days=rng.randint(0, 20))
        stop = today - dt.timedelta(days=rng.randint(70, 110)) if dept in QUIET else today
        while day <= stop:
            gap = rng.randint(24, 40)
            kind = "sponsor review" if rng.random() < 0.2 else "department"
            attendees = [champion] + rng.sample(_PEOPLE, rng.randint(1, 3)) + ([sponsor] if kind != "department"
                                                                                else [])
            meetings.append({"held_on": day, "department_id": dept, "kind": kind, "facilitator": champion,
                             "attendees": ", ".join(attendees), "next_on": day + dt.timedelta(days=gap),
                             **_texts(rng, rng.choice(dims))})
            day += dt.timedelta(days=gap)
    day = start + dt.timedelta(days=30)
    while day <= today:
        meetings.append({"held_on": day, "department_id": None, "kind": "steering", "facilitator": "Dana Whitfield",
                         "attendees": ", ".join(rng.sample([p[1] for p in people.values()], 5)),
                         "next_on": day + dt.timedelta(days=60), **_texts(rng, rng.choice(dims))})
        day += dt.timedelta(days=60)
    meetings.sort(key=lambda m: (m["held_on"], m["department_id"] or ""))
    for checkin_id, meeting in zip(allocate_keys(tx, "checkin", len(meetings)), meetings):
        meeting["checkin_id"] = checkin_id
    actions = []
    for meeting in meetings:
        dept_name = names.get(meeting["department_id"], "all departments")
        actions += _actions_for(rng, meeting, today, rng.choice(dims), dept_name, rng.choice([0, 1, 1, 2, 2, 3]))
    _link_backlog(tx, meetings, actions)
    for action_id, action in zip(allocate_keys(tx, "action", len(actions)), actions):
        action["action_id"] = action_id
    stamp = dt.datetime.combine(today, dt.time(9))
    tx.insert_rows("checkins", CHECKIN_FIELDS,
                   [[m.get(c) for c in CHECKIN_FIELDS[:11]] + [1, stamp, stamp] for m in meetings])
    tx.insert_rows("actions", ACTION_FIELDS, [[a["action_id"], a["checkin_id"], a["text"], a["owner"], a["due_on"],
                                               a["status"], a["item_id"], 1, stamp, stamp, a["closed_on"]]
                                              for a in actions])
    ctx.counts["check-ins"] = len(meetings)
    ctx.counts["actions"] = len(actions)


def _link_backlog(tx: Tx, meetings: list[dict], actions: list[dict]) -> None:
    """Link a few open actions to the backlog items of their department (when the demo has a backlog)."""
    if not tx.one("SELECT count(*) FROM information_schema.tables WHERE table_name = 'backlog_items'")[0]:
        return
    items: dict[str, list[str]] = {}
    for item_id, dept in tx.execute("SELECT item_id, department_id FROM backlog_items "
                                    "WHERE status NOT IN ('closed', 'rejected', 'withdrawn') ORDER BY item_id"):
        items.setdefault(dept, []).append(item_id)
    department = {m["checkin_id"]: m["department_id"] for m in meetings}
    linked = 0
    for action in actions:
        pool = items.get(department[action["checkin_id"]])
        if pool and action["status"] == "open" and linked < 12:
            action["item_id"] = pool.pop(0)
            linked += 1


# --- the large organisation (python -m esm_maturity bench) ---------------------------------------


def seed_large_checkins(tx: Tx, org, checkins: int = 7_200, actions: int = 20_000) -> None:
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


def bench_checkins_page(org) -> None:
    """What the check-ins page runs on one visit: list, search, carry-over, cadence and a timeline."""
    from . import cadence, checkins_queries, timeline

    today = clock.today()
    dept = org.departments[len(org.departments) // 2]
    checkins_queries.list_checkins(org.db, limit=200)
    checkins_queries.list_checkins(org.db, department_id=dept, search="budget")
    checkins_queries.carry_over(org.db, dept, today)
    cadence.cadence(org.db, today, 45)
    timeline.timeline(org.db, dept)


def bench_cadence(org) -> None:
    from . import cadence

    cadence.cadence(org.db, clock.today(), 45)


def benchmarks() -> list:
    """The check-ins entries of bench.BENCHMARKS (imported late: bench imports this module)."""
    from .bench import Benchmark

    return [Benchmark("check-ins page queries", bench_checkins_page, target_seconds=0.25),
            Benchmark("check-ins cadence (overview section)", bench_cadence, target_seconds=0.1)]
