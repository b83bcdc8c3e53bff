"""The landing page's figures: completion, organisation averages, largest movers."""

from __future__ import annotations

import pandas as pd

from .db import Database
from .models import Quarter


def has_data(db: Database) -> bool:
    return bool(db.scalar("SELECT count(*) FROM departments"))


def completion(db: Database, quarter: Quarter | str) -> pd.DataFrame:
    """Each active department's state for the quarter: not started, draft or submitted."""
    return db.frame(
        "SELECT d.department_id, d.name AS department, coalesce(a.status, 'not started') AS status, "
        "a.submitted_by, a.submitted_on, "
        "(SELECT count(*) FROM scores s JOIN dimensions m ON m.dimension_id = s.dimension_id AND m.active "
        " WHERE s.quarter = $1 AND s.department_id = d.department_id AND (s.score IS NOT NULL OR s.na)) AS scored, "
        "(SELECT count(*) FROM dimensions WHERE active) AS dimensions "
        "FROM departments d LEFT JOIN assessments a ON a.department_id = d.department_id AND a.quarter = $1 "
        "WHERE d.active ORDER BY CASE coalesce(a.status, '') WHEN 'submitted' THEN 2 WHEN 'draft' THEN 1 ELSE 0 END, "
        "d.name", [str(quarter)])


def dimension_averages(db: Database, quarter: Quarter | str) -> pd.DataFrame:
    """Mean level per active dimension over submitted assessments (N/A and not assessed excluded)."""
    return db.frame(
        "SELECT m.dimension_id, m.name AS dimension, m.position, avg(s.score) AS average, "
        "avg(s.target) AS target, count(s.score) AS departments "
        "FROM dimensions m "
        "LEFT JOIN (SELECT s.* FROM scores s JOIN assessments a ON a.quarter = s.quarter "
        "           AND a.department_id = s.department_id AND a.status = 'submitted' "
        "           JOIN departments d ON d.department_id = s.department_id AND d.active "
        "           WHERE s.quarter = $1) s ON s.dimension_id = m.dimension_id "
        "WHERE m.active GROUP BY m.dimension_id, m.name, m.position ORDER BY m.position", [str(quarter)])


def movers(db: Database, quarter: Quarter | str, compare_to: Quarter | str | None = None,
           limit: int = 5) -> pd.DataFrame:
    """Largest changes in a department's level on a dimension between two quarters (default: the one before)."""
    quarter = Quarter.parse(str(quarter))
    other = Quarter.parse(str(compare_to)) if compare_to else quarter.previous()
    return db.frame(
        "WITH pairs AS ("
        " SELECT d.name AS department, m.name AS dimension, p.score AS before, c.score AS after, "
        "        c.score - p.score AS change "
        " FROM scores c JOIN scores p ON p.department_id = c.department_id AND p.dimension_id = c.dimension_id "
        "   AND p.quarter = $2 "
        " JOIN departments d ON d.department_id = c.department_id AND d.active "
        " JOIN dimensions m ON m.dimension_id = c.dimension_id "
        " WHERE c.quarter = $1 AND c.score IS NOT NULL AND p.score IS NOT NULL AND c.score <> p.score), "
        "ranked AS (SELECT *, row_number() OVER (PARTITION BY change > 0 ORDER BY abs(change) DESC, department, "
        "          dimension) AS rank FROM pairs) "
        "SELECT department, dimension, before, after, change FROM ranked WHERE rank <= $3 "
        "ORDER BY change DESC, department, dimension", [str(quarter), str(other), int(limit)])
