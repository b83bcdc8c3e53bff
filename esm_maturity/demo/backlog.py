"""The backlog's part of the demo organisation: about 60 improvements at every stage of the flow."""

from __future__ import annotations

import datetime as dt

from ..backlog.fields import EFFORTS, FINAL_STATUSES, item_key, SOURCES
from ..db import Tx
from .context import DemoContext

ITEM_COLUMNS = ["item_id", "title", "description", "department_id", "dimension_id", "status", "status_reason",
                "owner", "value", "effort", "raised_on", "raised_by", "due_on", "closed_on", "outcome", "lessons",
                "source", "source_ref", "version", "created_at", "updated_at"]
HISTORY_COLUMNS = ["item_id", "status", "changed_at", "actor"]

IDEAS = {
    "sponsorship": [
        ("Monthly sponsor walk of the service board", "The sponsor joins one stand-up a month to see the flow "
                                                      "of work and unblock it."),
        ("Name a deputy champion for each team", "So improvement work continues when the champion is away."),
    ],
    "purpose": [
        ("Publish a one-page service charter", "What we do, for whom, and how to reach us, agreed with customers."),
        ("Agree three outcome goals for next year", "Outcome goals instead of activity counts."),
    ],
    "roles": [
        ("RACI for request fulfilment", "Who approves, who does, who is told, for the ten most common requests."),
        ("Define the service owner role", "One accountable owner per service, with time set aside for it."),
    ],
    "value_streams": [
        ("Map the new-starter journey end to end", "From offer letter to first productive week, across HR, IT "
                                                   "and Facilities."),
        ("Remove the duplicate approval in purchase requests", "Requests under the threshold are approved twice."),
    ],
    "collaboration": [
        ("Shared intake form with IT for equipment", "One form instead of two e-mails and a phone call."),
        ("Fortnightly cross-team triage", "Requests that touch two departments are sorted together."),
    ],
    "safety": [
        ("Blameless review template", "A short template for reviewing what went wrong without blame."),
        ("Lesson of the month at the all-hands", "Someone shares a mistake and what the team learned."),
    ],
    "knowledge": [
        ("Knowledge articles for the ten most common requests", "Self-help answers linked from the portal."),
        ("Retire outdated intranet pages", "Pages older than two years are reviewed or removed."),
    ],
    "customer": [
        ("Two-question survey on closed requests", "Was it resolved? How easy was it? Sent on closure."),
        ("Publish response times to customers", "A monthly page with how quickly we answer and resolve."),
    ],
    "improvement": [
        ("Quarterly check-in with the sponsor", "Review the backlog and the maturity scores every quarter."),
        ("Improvement idea box in the portal", "Anyone can raise an improvement; champions triage weekly."),
    ],
}
PEOPLE = ["Priya Natarajan", "Sofia Alvarez", "Tom Okafor", "Aisha Rahman", "Ben Carter", "Lina Petrova", "Mei Chen",
          "Jorge Ramos", "Fatima Zahra", "Erik Larsen", "Hannah Moss", "Raj Patel", "Chloe Martin", "Sam O'Neill"]
OUTCOMES = [
    ("Requests resolved on first contact rose from 54% to 71% in two months.",
     "Involving front-line staff in the design made adoption easy; we should have piloted with one team first."),
    ("Average time to onboard a new starter fell from 9 to 5 working days.",
     "The map exposed hand-offs nobody owned; naming an owner mattered more than the tooling."),
    ("Customer satisfaction on closed requests went from 3.6 to 4.2 out of 5.",
     "Short surveys get answers; we dropped the third question after the first month."),
    ("Duplicate requests between HR and IT halved.",
     "A shared form only works with a shared triage meeting behind it."),
]
HOLD_REASONS = ["Waiting for the new portal release next quarter.", "Team capacity taken by the year-end close.",
                "Sponsor asked to pause until the reorganisation is settled."]
REJECT_REASONS = ["Duplicates an item already in progress in IT.", "Cost outweighs the benefit at our size."]
WITHDRAW_REASONS = ["Superseded by the organisation-wide portal project.", "The process it fixed has been retired."]
# (status, how many) for the demo: every status appears.
DEMO_MIX = [("idea", 10), ("accepted", 7), ("planned", 8), ("in progress", 10), ("on hold", 4), ("measuring", 6),
            ("closed", 9), ("rejected", 3), ("withdrawn", 3)]


MAIN_FLOW = ["idea", "accepted", "planned", "in progress", "measuring", "closed"]


def _path_to(status: str) -> list[str]:
    """The statuses an item passed through to reach `status` along the usual flow."""
    if status in ("rejected", "withdrawn"):
        return ["idea", status]
    if status == "on hold":
        return MAIN_FLOW[:4] + ["on hold"]
    return MAIN_FLOW[:MAIN_FLOW.index(status) + 1]


def _item_rows(key: str, status: str, dept: str, dim: str | None, title: str, description: str, rng,
               raised: dt.date, today: dt.date, owner: str, source: str, source_ref: str | None,
               n: int) -> tuple[tuple, list[tuple]]:
    """One item's row and its status history, with dates that run forward from `raised` to `today`."""
    path = _path_to(status)
    span = max((today - raised).days, len(path))
    days = sorted(rng.sample(range(1, span + 1), len(path) - 1)) if len(path) > 1 else []
    moments = [dt.datetime.combine(raised, dt.time(9))] + [
        dt.datetime.combine(raised + dt.timedelta(days=d), dt.time(10 + i % 7)) for i, d in enumerate(days)]
    history = [(key, s, at, owner or "demo") for s, at in zip(path, moments)]
    committed = status not in ("idea", "rejected", "withdrawn")
    value = rng.randint(1, 5) if committed or rng.random() < 0.6 else None
    effort = rng.choice(EFFORTS) if committed or rng.random() < 0.6 else None
    due = max(raised + dt.timedelta(days=30), today + dt.timedelta(days=rng.randint(-30, 150))) \
        if status in ("accepted", "planned", "in progress", "on hold", "measuring") else None
    reason = {"on hold": HOLD_REASONS, "rejected": REJECT_REASONS, "withdrawn": WITHDRAW_REASONS}.get(status)
    outcome, lessons = OUTCOMES[n % len(OUTCOMES)] if status == "closed" else ("", "")
    closed = moments[-1].date() if status in FINAL_STATUSES else None
    row = (key, title, description, dept, dim, status, rng.choice(reason) if reason else "",
           owner if committed or rng.random() < 0.3 else "", value, effort, raised, rng.choice(PEOPLE), due, closed,
           outcome, lessons, source, source_ref, 1, moments[0], moments[-1])
    return row, history


def _keys(tx: Tx, count: int) -> list[str]:
    return [item_key(r[0]) for r in tx.execute("SELECT nextval('backlog_seq') FROM generate_series(1, $1)", [count])]


def seed_backlog(tx: Tx, ctx: DemoContext) -> None:
    """About 60 improvements across every status, raised over the demo's two years."""
    rng = ctx.rng
    dims = [d for d, _ in ctx.dimensions if d in IDEAS]
    first = ctx.quarters[0].start
    plan = []
    for status, count in DEMO_MIX:
        for _ in range(count):
            raised = first + dt.timedelta(days=rng.randint(0, max((ctx.today - first).days - 30, 1)))
            if status == "idea":
                raised = ctx.today - dt.timedelta(days=rng.randint(2, 90))
            plan.append((raised, status))
    plan.sort()
    items, history = [], []
    for n, (key, (raised, status)) in enumerate(zip(_keys(tx, len(plan)), plan)):
        dept = rng.choice(ctx.departments)
        dim = rng.choice(dims)
        title, description = rng.choice(IDEAS[dim])
        source = rng.choice(SOURCES)
        ref = f"{ctx.quarters[-2]}/{dept}/{dim}" if source == "assessment" else None
        row, steps = _item_rows(key, status, dept, dim if status != "idea" or rng.random() < 0.7 else None,
                                title, description, rng, raised, ctx.today, rng.choice(PEOPLE), source, ref, n)
        items.append(row)
        history += steps
    tx.insert_rows("backlog_items", ITEM_COLUMNS, items)
    tx.insert_rows("backlog_status_history", HISTORY_COLUMNS, history)
    ctx.counts["improvements"] = len(items)
