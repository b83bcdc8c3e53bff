"""Improvement flow on hand-made backlog rows: opened vs closed, work in progress, age, cycle time."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from esm_maturity.trends import flow
from esm_maturity.models import SYSTEM, Quarter
from esm_maturity.trends.queries import Filters

D = dt.date
TODAY = D(2025, 12, 31)
F = Filters(Quarter(2025, 1), Quarter(2025, 4))


def add_items(db, rows):
    """rows: (item_id, department_id, dimension_id, status, raised_on, closed_on)."""
    now = dt.datetime(2025, 12, 31)
    db.write(SYSTEM, lambda tx: tx.insert_rows(
        "backlog_items", ["item_id", "title", "department_id", "dimension_id", "status", "raised_on", "closed_on",
                          "created_at", "updated_at"],
        [(i, f"title {i}", d, m, s, r, c, now, now) for i, d, m, s, r, c in rows]))


@pytest.fixture
def backlog(db):
    add_items(db, [
        ("CI-0001", "HR", "sponsorship", "closed", D(2025, 1, 10), D(2025, 2, 9)),     # 30 days, closed Q1
        ("CI-0002", "HR", "purpose", "closed", D(2025, 1, 20), D(2025, 4, 30)),        # 100 days, closed Q2
        ("CI-0003", "IT", "purpose", "closed", D(2025, 2, 1), D(2025, 5, 1)),          # 89 days, closed Q2
        ("CI-0004", "IT", "roles", "in progress", D(2025, 12, 20), None),              # 11 days old
        ("CI-0005", "HR", "roles", "planned", D(2025, 8, 1), None),                    # 152 days old
        ("CI-0006", "HR", None, "idea", D(2024, 11, 1), None),                         # 425 days, raised before range
        ("CI-0007", "IT", "roles", "rejected", D(2025, 3, 1), D(2025, 3, 5)),          # not closed: no cycle time
        ("CI-0008", "IT", "roles", "on hold", None, None),                             # no raised date: no age
    ])
    return db


def test_flow_needs_the_backlog_table_with_rows(db):
    assert not flow.backlog_ready(db)          # the table exists (migration) but is empty
    add_items(db, [("CI-0001", "HR", None, "idea", D(2025, 1, 1), None)])
    assert flow.backlog_ready(db)


def test_opened_and_closed_per_quarter_with_every_quarter_present(backlog):
    frame = flow.opened_closed(backlog, F)
    assert list(frame["quarter"]) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert list(frame["opened"]) == [4, 0, 1, 1]      # CI-0006 was raised before the range
    assert list(frame["closed"]) == [1, 2, 0, 0]      # a rejected item is not closed


def test_work_in_progress_by_status_in_workflow_order(backlog):
    frame = flow.work_in_progress(backlog, F)
    assert list(frame["status"]) == list(flow.OPEN_STATUSES)
    assert dict(zip(frame["status"], frame["items"])) == {
        "idea": 1, "accepted": 0, "planned": 1, "in progress": 1, "on hold": 1, "measuring": 0}


def test_age_of_open_items_in_buckets(backlog):
    frame = flow.open_age(backlog, F, today=TODAY)
    assert dict(zip(frame["age"], frame["items"])) == {
        "under 30 days": 1, "30-89 days": 0, "90-179 days": 1, "180-364 days": 0, "a year or more": 1}


def test_cycle_time_median_per_quarter_of_closing_with_gaps(backlog):
    frame = flow.cycle_time(backlog, F)
    median = dict(zip(frame["quarter"], frame["median_days"]))
    assert median["2025-Q1"] == 30
    assert median["2025-Q2"] == pytest.approx((100 + 89) / 2)
    assert pd.isna(median["2025-Q3"]) and pd.isna(median["2025-Q4"])   # nothing closed: a gap, not 0
    assert list(frame["closed"]) == [1, 2, 0, 0]


def test_department_and_dimension_filters_apply(backlog):
    hr = Filters(F.first, F.last, departments=("HR",))
    assert list(flow.opened_closed(backlog, hr)["opened"]) == [2, 0, 1, 0]
    roles = Filters(F.first, F.last, dimensions=("roles",))
    wip = flow.work_in_progress(backlog, roles)
    assert dict(zip(wip["status"], wip["items"])) == {
        "idea": 0, "accepted": 0, "planned": 1, "in progress": 1, "on hold": 1, "measuring": 0}
