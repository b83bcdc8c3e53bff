"""Improvement flow for the trend page, read from the backlog when it exists.

Opened vs closed per quarter, work in progress by status, age of open items and cycle time
(raised to closed). Everything is counted in SQL; dates become quarter labels in Python.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from .. import clock
from ..backlog.fields import OPEN_STATUSES
from ..db import Database
from ..models import Quarter
from .queries import Filters

AGE_BUCKETS = ("under 30 days", "30-89 days", "90-179 days", "180-364 days", "a year or more")

# Backlog items within the department and dimension filters; $1-$4 from _params().
_ITEMS = ("items AS (SELECT item_id, status, raised_on, closed_on FROM backlog_items"
          " WHERE (CAST($1 AS BOOLEAN) OR department_id IN (SELECT unnest(CAST($2 AS TEXT[]))))"
          "  AND (CAST($3 AS BOOLEAN) OR dimension_id IN (SELECT unnest(CAST($4 AS TEXT[])))))")


def _params(f: Filters) -> list:
    return [not f.departments, list(f.departments), not f.dimensions, list(f.dimensions)]


def backlog_ready(db: Database) -> bool:
    """True when the backlog holds at least one item (the flow charts have something to show)."""
    return db.one("SELECT 1 FROM backlog_items LIMIT 1") is not None


def _by_quarter(frame: pd.DataFrame, f: Filters, columns: list[str], fill=0) -> pd.DataFrame:
    """Label (year, q) rows as quarters and give every quarter of the range a row."""
    labels = [str(Quarter(int(y), int(q))) for y, q in zip(frame["year"], frame["q"])]
    indexed = frame.assign(quarter=labels).set_index("quarter")[columns]
    full = indexed.reindex([str(q) for q in f.quarters])
    if fill is not None:
        full = full.fillna(fill)
    return full.rename_axis("quarter").reset_index()


def opened_closed(db: Database, f: Filters) -> pd.DataFrame:
    """Per quarter of the range: items raised, and items closed (status closed, by closed_on)."""
    start, end = f.first.start, f.last.end
    frame = db.frame(
        f"WITH {_ITEMS}, "
        "opened AS (SELECT CAST(extract(year FROM raised_on) AS INTEGER) AS year, "
        "  CAST(extract(quarter FROM raised_on) AS INTEGER) AS q, count(*) AS n FROM items "
        "  WHERE raised_on BETWEEN $5 AND $6 GROUP BY 1, 2), "
        "closed AS (SELECT CAST(extract(year FROM closed_on) AS INTEGER) AS year, "
        "  CAST(extract(quarter FROM closed_on) AS INTEGER) AS q, count(*) AS n FROM items "
        "  WHERE status = 'closed' AND closed_on BETWEEN $5 AND $6 GROUP BY 1, 2) "
        "SELECT coalesce(o.year, c.year) AS year, coalesce(o.q, c.q) AS q, "
        " coalesce(o.n, 0) AS opened, coalesce(c.n, 0) AS closed "
        "FROM opened o FULL OUTER JOIN closed c ON c.year = o.year AND c.q = o.q",
        _params(f) + [start, end])
    out = _by_quarter(frame, f, ["opened", "closed"])
    return out.astype({"opened": int, "closed": int})


def work_in_progress(db: Database, f: Filters) -> pd.DataFrame:
    """Open items (not closed, rejected or withdrawn) per status, in workflow order."""
    frame = db.frame(
        f"WITH {_ITEMS} SELECT status, count(*) AS items FROM items "
        "WHERE status IN (SELECT unnest(CAST($5 AS TEXT[]))) GROUP BY status",
        _params(f) + [list(OPEN_STATUSES)])
    counts = dict(zip(frame["status"], frame["items"]))
    return pd.DataFrame({"status": list(OPEN_STATUSES), "order": range(len(OPEN_STATUSES)),
                         "items": [int(counts.get(s, 0)) for s in OPEN_STATUSES]})


def open_age(db: Database, f: Filters, today: dt.date | None = None) -> pd.DataFrame:
    """Open items by age (days since raised) in buckets."""
    today = today or clock.today()
    frame = db.frame(
        f"WITH {_ITEMS}, aged AS (SELECT CAST($5 AS DATE) - raised_on AS days FROM items "
        " WHERE raised_on IS NOT NULL AND status IN (SELECT unnest(CAST($6 AS TEXT[])))) "
        "SELECT CASE WHEN days < 30 THEN 0 WHEN days < 90 THEN 1 WHEN days < 180 THEN 2 "
        " WHEN days < 365 THEN 3 ELSE 4 END AS bucket, count(*) AS items FROM aged GROUP BY 1",
        _params(f) + [today, list(OPEN_STATUSES)])
    counts = dict(zip(frame["bucket"], frame["items"]))
    return pd.DataFrame({"age": list(AGE_BUCKETS), "order": range(len(AGE_BUCKETS)),
                         "items": [int(counts.get(i, 0)) for i in range(len(AGE_BUCKETS))]})


def cycle_time(db: Database, f: Filters) -> pd.DataFrame:
    """Per quarter of closing: median days from raised to closed, and how many items closed.

    NULL median (a gap) in a quarter where nothing closed.
    """
    frame = db.frame(
        f"WITH {_ITEMS}, done AS (SELECT closed_on, closed_on - raised_on AS days FROM items "
        " WHERE status = 'closed' AND closed_on BETWEEN $5 AND $6 AND raised_on IS NOT NULL) "
        "SELECT CAST(extract(year FROM closed_on) AS INTEGER) AS year, "
        " CAST(extract(quarter FROM closed_on) AS INTEGER) AS q, "
        " percentile_cont(0.5) WITHIN GROUP (ORDER BY days) AS median_days, count(*) AS closed "
        "FROM done GROUP BY 1, 2",
        _params(f) + [f.first.start, f.last.end])
    out = _by_quarter(frame, f, ["median_days", "closed"], fill=None)
    out["closed"] = out["closed"].fillna(0).astype(int)
    out["median_days"] = out["median_days"].astype(float)
    return out
