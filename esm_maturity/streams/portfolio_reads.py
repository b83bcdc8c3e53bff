"""Reads for the stream portfolio and a department's part in the streams: the matrix of floors and the
shared constraints as flat rows a chart and a table take, the open improvements per department ×
dimension pair, and the hand-off quality a department's downstream partners gave it.

Rules shared by these reads (beside rollup.py's and queries.py's, which they build on):
- "Open" is a backlog status in backlog.fields.OPEN_STATUSES; an improvement counts for the pair of its
  department and dimension (one without a dimension counts for no pair).
- A hand-off *given* by a department in quarter q is a boundary between a step it owns and the next step
  valid in q, owned by another department (queries.handoff_pairs); its quality is the % complete and
  accurate the *receiving* department recorded for that boundary and quarter (flow.set_handoff_quality),
  or nothing yet (rated false). A rating of a boundary the steps no longer form does not count.
- Department and stream names are returned as stored (user text: the screen escapes them).
Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..backlog.fields import OPEN_STATUSES
from ..db import Database
from ..models import Quarter
from . import queries, rollup
from .records import WEAKEST_LINK

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["DepartmentPart", "constraint_rows", "department_part", "handoffs_given_to", "matrix_rows", "open_counts",
           "stream_names"]


def open_counts(db: Database, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """How many open improvements each (department_id, dimension_id) pair has (0 for a pair with none)."""
    wanted = list(dict.fromkeys((str(d), str(m)) for d, m in pairs))
    if not wanted:
        return {}
    rows = db.rows(
        "WITH p AS (SELECT unnest(CAST($1 AS TEXT[])) AS department_id, unnest(CAST($2 AS TEXT[])) AS dimension_id) "
        "SELECT p.department_id, p.dimension_id, count(b.item_id) FROM p "
        "LEFT JOIN backlog_items b ON b.department_id = p.department_id AND b.dimension_id = p.dimension_id "
        " AND b.status IN (SELECT unnest(CAST($3 AS TEXT[]))) "
        "GROUP BY p.department_id, p.dimension_id",
        [[d for d, _ in wanted], [m for _, m in wanted], list(OPEN_STATUSES)])
    found = {(d, m): int(n) for d, m, n in rows}
    return {pair: found.get(pair, 0) for pair in wanted}


def handoffs_given_to(db: Database, department_id: str, quarter: Quarter | str) -> "pd.DataFrame":
    """The hand-offs the department's steps give in `quarter` (active streams), each with the quality the
    receiving department judged: stream_id, stream, from_step_id, from_position, from_step, to_step_id,
    to_step, receiving_id, receiving (its name), pct_complete_accurate, wait_days, note, rated."""
    return db.frame(
        "WITH s AS (SELECT s.* FROM stream_steps s JOIN value_streams v ON v.stream_id = s.stream_id AND v.active "
        " WHERE s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to >= $2)) "
        "SELECT f.stream_id, v.name AS stream, f.step_id AS from_step_id, f.position AS from_position, "
        " f.name AS from_step, t.step_id AS to_step_id, t.name AS to_step, t.department_id AS receiving_id, "
        " d.name AS receiving, h.pct_complete_accurate, h.wait_days, coalesce(h.note, '') AS note, "
        " h.to_step_id IS NOT NULL AS rated "
        "FROM s f JOIN s t ON t.stream_id = f.stream_id AND t.position = f.position + 1 "
        " AND t.department_id IS DISTINCT FROM f.department_id "
        "JOIN value_streams v ON v.stream_id = f.stream_id "
        "LEFT JOIN departments d ON d.department_id = t.department_id "
        "LEFT JOIN stream_handoffs h ON h.stream_id = f.stream_id AND h.quarter = $2 AND h.to_step_id = t.step_id "
        " AND h.from_step_id = f.step_id "
        "WHERE f.department_id = $1 ORDER BY lower(v.name), f.stream_id, f.position",
        [department_id, str(Quarter.parse(quarter))])


def stream_names(db: Database) -> dict[str, str]:
    """Every stream's key -> name (inactive ones too: a link may name one)."""
    return dict(db.rows("SELECT stream_id, name FROM value_streams ORDER BY lower(name), stream_id"))


def _names(ids, names: dict[str, str]) -> str:
    return ", ".join(names.get(d, d) for d in ids)


def _value_text(rule: str, value) -> str:
    if value is None or value != value:   # NULL or NaN
        return ""
    return f"{value:.0f}" if rule == WEAKEST_LINK else f"{value:.1f}"


def matrix_rows(db: Database, quarter: Quarter | str) -> "pd.DataFrame":
    """The portfolio's streams × dimensions in `quarter` as flat rows (no lists): rollup.portfolio's
    stream_id, stream, rollup_rule, dimension_id, dimension, position, value, floor, mean, spread, scored,
    applies, complete and label, plus value_text ("2", "2.5"; "" when nothing is scored), coverage
    ("4 of 4 scored"), status ("complete", "incomplete (k of n)", "N/A", "no scores"), at_floor (the
    names of the departments at the floor, ties all named) and missing (the names of those not scored)."""
    frame = rollup.portfolio(db, quarter)
    names = rollup.department_names(db)
    frame["value_text"] = [_value_text(r, None if v is None else float(v)) for r, v in
                           zip(frame["rollup_rule"], frame["value"].astype(float))]
    frame["coverage"] = [f"{int(k)} of {int(n)} scored" for k, n in zip(frame["scored"], frame["applies"])]
    frame["status"] = [_status(r) for r in frame.itertuples()]
    frame["at_floor"] = [_names(ids, names) for ids in frame["at_floor"]]
    frame["missing"] = [_names(ids, names) for ids in frame["missing"]]
    return frame.drop(columns=["na_departments", "quarter"])


def _status(row) -> str:
    if row.complete:
        return "complete"
    if int(row.departments) and not int(row.applies):
        return "N/A"
    if not int(row.scored) and not int(row.unowned_steps):
        return "no scores" if int(row.departments) else "no owning department"
    return f"incomplete ({int(row.scored)} of {int(row.applies)})"


def constraint_rows(db: Database, quarter: Quarter | str) -> "pd.DataFrame":
    """The shared constraints in `quarter` (rollup.shared_constraints: the pairs at the floor of the most
    streams first, then the lowest floor) as flat rows: department_id, department, dimension_id, dimension,
    streams, stream_ids (a tuple), stream_names (joined by " · "), lowest, open_items."""
    frame = rollup.shared_constraints(db, quarter)
    names = stream_names(db)
    counts = open_counts(db, list(zip(frame["department_id"], frame["dimension_id"])))
    frame["stream_names"] = [" · ".join(names.get(s, s) for s in ids) for ids in frame["stream_ids"]]
    frame["open_items"] = [counts.get((d, m), 0) for d, m in zip(frame["department_id"], frame["dimension_id"])]
    frame["lowest"] = frame["lowest"].astype(float)
    return frame


@dataclass(frozen=True, eq=False)
class DepartmentPart:
    """A department's part in the active streams in a quarter: its steps (queries.department_steps), where
    it is the lever (rollup.department_levers: stream, dimension, floor, tied_with) and the hand-offs it
    gives with their quality (handoffs_given_to). Frames shared by a cache: read them, never change them."""

    steps: "pd.DataFrame"
    levers: "pd.DataFrame"
    given: "pd.DataFrame"

    @property
    def empty(self) -> bool:
        return self.steps.empty


def department_part(db: Database, department_id: str, quarter: Quarter | str) -> DepartmentPart:
    """Everything the department's streams panel shows, in one read; a department in no stream costs one
    small query (the roll-up is not run for it)."""
    steps = queries.department_steps(db, department_id, quarter)
    if steps.empty:
        return DepartmentPart(steps, steps.iloc[0:0], steps.iloc[0:0])
    return DepartmentPart(steps, rollup.department_levers(db, department_id, quarter),
                          handoffs_given_to(db, department_id, quarter))
