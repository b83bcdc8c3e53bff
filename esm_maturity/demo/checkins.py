"""Check-ins for the demo organisation: a year of meetings with their actions, two departments gone quiet."""

from __future__ import annotations

import datetime as dt

from ..checkins.keys import allocate_keys
from ..db import Tx
from .context import DemoContext

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


def seed_checkins(tx: Tx, ctx: DemoContext) -> None:
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
    """Link a few open actions to the backlog items of their department."""
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
