"""The backlog's part of the large organisation (30,000 items) and the backlog page's benchmarks."""

from __future__ import annotations

import datetime as dt

from ..backlog.fields import item_key
from ..backlog.commands import get_item, update_item
from ..backlog.fields import SOURCES
from ..backlog.queries import Filters, chart_items, list_items, overdue_count, owners, status_counts
from ..db import Tx
from ..demo.backlog import HISTORY_COLUMNS, IDEAS, ITEM_COLUMNS, _item_rows, _keys
from ..models import SYSTEM
from .org import Benchmark, LargeOrg

LARGE_MIX = ["idea"] * 6 + ["accepted"] * 3 + ["planned"] * 3 + ["in progress"] * 4 + ["on hold", "measuring"] * 1 \
    + ["closed"] * 5 + ["rejected", "withdrawn"]


def seed_large_backlog(tx: Tx, org: LargeOrg, items: int = 30_000) -> None:
    """30,000 items over the large organisation's departments, with their status histories."""
    rng = org.rng
    today = org.quarters[-1].end
    first = org.quarters[0].start
    span = (today - first).days
    templates = [(dim, title, desc) for dim, rows in IDEAS.items() if dim in org.dimensions for title, desc in rows]
    people = [f"Person {i:03d}" for i in range(500)]
    rows, history = [], []
    for n, key in enumerate(_keys(tx, items)):
        dim, title, desc = rng.choice(templates)
        raised = first + dt.timedelta(days=rng.randint(0, span - 1))
        row, steps = _item_rows(key, rng.choice(LARGE_MIX), rng.choice(org.departments), dim, f"{title} ({n})",
                                desc, rng, raised, today, rng.choice(people), rng.choice(SOURCES), None, n)
        rows.append(row)
        history += steps
    tx.insert_rows("backlog_items", ITEM_COLUMNS, rows)
    tx.insert_rows("backlog_status_history", HISTORY_COLUMNS, history)
    org.counts.update(improvements=len(rows), status_changes=len(history))


# --- benchmarks -----------------------------------------------------------------------------------------


def _page_queries(org: LargeOrg) -> None:
    """What /backlog runs on a first visit: the grid, counts, overdue, chart rows and the owner list."""

    filters = Filters()
    list_items(org.db, filters)
    status_counts(org.db, filters)
    overdue_count(org.db, filters, org.quarters[-1].end)
    chart_items(org.db, filters)
    owners(org.db)


def _filtered_queries(org: LargeOrg) -> None:

    filters = Filters(department_id=org.rng.choice(org.departments), status="all", text="survey", sort="due date")
    list_items(org.db, filters)
    status_counts(org.db, filters)
    chart_items(org.db, filters)


def _grid_save(org: LargeOrg) -> None:

    key = item_key(org.rng.randint(1, org.counts.get("improvements", 1)))
    item = get_item(org.db, key)
    update_item(org.db, SYSTEM, key, {"owner": f"Person {org.rng.randint(0, 499):03d}"}, item["version"])


def benchmarks():

    return [Benchmark("backlog page queries (30,000 items)", _page_queries, target_seconds=0.5),
            Benchmark("backlog filtered by department and text", _filtered_queries, target_seconds=0.3),
            Benchmark("backlog grid save of one item", _grid_save, target_seconds=0.1, repeat=10)]
