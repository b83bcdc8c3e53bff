"""A department's timeline: its check-ins, submitted self-assessments (with the average
level) and closed improvements, in date order."""

from __future__ import annotations

import pandas as pd

from .queries import as_dates
from ..db import Database

EVENTS = {"check-in": "Check-in", "assessment": "Self-assessment submitted", "improvement": "Improvement closed"}


def timeline(db: Database, department_id: str, *, newest_first: bool = True, limit: int = 500) -> pd.DataFrame:
    """One row per event: on (date), event, ref (key or quarter), kind, summary, score (average level or NULL).

    The average level of an assessment counts scored dimensions only (N/A and not assessed left out).
    """
    parts = [
        "SELECT c.held_on AS on_date, 'check-in' AS event, c.checkin_id AS ref, c.kind AS kind, "
        "substr(c.notes, 1, 240) AS summary, CAST(NULL AS DOUBLE PRECISION) AS score "
        "FROM checkins c WHERE c.department_id = $1",
        "SELECT a.submitted_on, 'assessment', a.quarter, 'submitted by ' || coalesce(a.submitted_by, '?'), "
        "'', (SELECT avg(s.score) FROM scores s WHERE s.quarter = a.quarter AND s.department_id = a.department_id "
        "     AND s.score IS NOT NULL) "
        "FROM assessments a WHERE a.department_id = $1 AND a.status = 'submitted' AND a.submitted_on IS NOT NULL",
        "SELECT b.closed_on, 'improvement', b.item_id, b.status, "
        "b.title || CASE WHEN b.outcome <> '' THEN ' — ' || b.outcome ELSE '' END, "
        "CAST(NULL AS DOUBLE PRECISION) "
        "FROM backlog_items b WHERE b.department_id = $1 AND b.status = 'closed' AND b.closed_on IS NOT NULL",
    ]
    order = "DESC" if newest_first else "ASC"
    return as_dates(db.frame(f"SELECT * FROM ({' UNION ALL '.join(parts)}) t ORDER BY on_date {order}, event, ref "
                             "LIMIT $2", [department_id, int(limit)]), "on_date")
