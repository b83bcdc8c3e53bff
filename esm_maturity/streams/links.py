"""Reads that link a value stream to what would lift it: the open improvements of its levers, and the
agreed score of each step's owning department (the cells of the stream's heatmap).

Rules every query here shares: an improvement is open while its status is one of
backlog.fields.OPEN_STATUSES; a lever is a (department_id, dimension_id) pair; an agreed score is a
`scores` row of a *submitted* assessment of an *active* department (rollup.py's rule). Pairs travel as two
parallel arrays (never text pasted into SQL). Aggregation and joins run in the database. Nothing here writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

from ..backlog.fields import OPEN_STATUSES
from ..db import Database
from ..models import Quarter

if TYPE_CHECKING:
    import pandas as pd

LEVER_PAIR, NAMES_STREAM = "lever pair", "names this stream"

_PAIR = "EXISTS (SELECT 1 FROM p WHERE p.department_id = b.department_id AND p.dimension_id = b.dimension_id)"


def open_improvements(db: Database, pairs: Sequence[tuple[str, str]], stream_id: str | None = None,
                      per_group: int | None = None) -> "pd.DataFrame":
    """Open improvements whose (department_id, dimension_id) is one of `pairs`, and (with `stream_id`) open
    improvements that name the stream: item_id, title, status, owner, department_id, department,
    dimension_id, dimension, stream_id, step_id, due_on, why ("lever pair", or "names this stream" for
    an item that is not on a lever pair) and in_group (how many the item's group holds: its pair, or the
    items naming the stream). With `per_group`, at most that many of each group (the soonest due first),
    so a page lists a few and links to the rest. By department, dimension and key."""
    departments = [str(d) for d, _ in pairs]
    dims = [str(m) for _, m in pairs]
    return db.frame(
        "WITH p AS (SELECT unnest(CAST($1 AS TEXT[])) AS department_id, unnest(CAST($2 AS TEXT[])) AS dimension_id), "
        "found AS (SELECT b.item_id, b.title, b.status, b.owner, b.department_id, d.name AS department, "
        " b.dimension_id, m.name AS dimension, b.stream_id, b.step_id, b.due_on, "
        f" CASE WHEN {_PAIR} THEN '{LEVER_PAIR}' ELSE '{NAMES_STREAM}' END AS why "
        " FROM backlog_items b LEFT JOIN departments d ON d.department_id = b.department_id "
        " LEFT JOIN dimensions m ON m.dimension_id = b.dimension_id "
        " WHERE b.status IN (SELECT unnest(CAST($3 AS TEXT[]))) "
        f"  AND ({_PAIR} OR (CAST($4 AS TEXT) IS NOT NULL AND b.stream_id = CAST($4 AS TEXT)))), "
        "grouped AS (SELECT *, CASE WHEN why = 'lever pair' THEN department_id || '|' || dimension_id ELSE '' END"
        "  AS grp FROM found), "
        "ranked AS (SELECT *, row_number() OVER (PARTITION BY grp ORDER BY due_on NULLS LAST, item_id) AS rank, "
        " count(*) OVER (PARTITION BY grp) AS in_group FROM grouped) "
        "SELECT item_id, title, status, owner, department_id, department, dimension_id, dimension, stream_id, "
        " step_id, due_on, why, in_group FROM ranked WHERE CAST($5 AS INTEGER) IS NULL OR rank <= CAST($5 AS INTEGER) "
        "ORDER BY department_id, dimension_id, item_id",
        [departments, dims, list(OPEN_STATUSES), stream_id, per_group])


def step_scores(db: Database, stream_id: str, quarter: Quarter | str) -> "pd.DataFrame":
    """One row per step valid in `quarter` × active dimension, in step and model order: step_id,
    step_position, step, department_id, department (NULL: no owner yet), dimension_id, dimension,
    position, score (NULL: not scored), na (the department marked it N/A)."""
    return db.frame(
        "WITH st AS (SELECT s.step_id, s.position, s.name, s.department_id FROM stream_steps s "
        "  WHERE s.stream_id = $1 AND s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to >= $2)), "
        "sub AS (SELECT s.department_id, s.dimension_id, s.score, s.na FROM scores s "
        "  JOIN assessments a ON a.quarter = s.quarter AND a.department_id = s.department_id "
        "   AND a.status = 'submitted' "
        "  JOIN departments d ON d.department_id = s.department_id AND d.active WHERE s.quarter = $2) "
        "SELECT st.step_id, st.position AS step_position, st.name AS step, st.department_id, d.name AS department, "
        " m.dimension_id, m.name AS dimension, m.position, sub.score, coalesce(sub.na, FALSE) AS na "
        "FROM st CROSS JOIN dimensions m "
        "LEFT JOIN departments d ON d.department_id = st.department_id "
        "LEFT JOIN sub ON sub.department_id = st.department_id AND sub.dimension_id = m.dimension_id "
        "WHERE m.active ORDER BY st.position, m.position, m.dimension_id",
        [stream_id, str(Quarter.parse(quarter))])
