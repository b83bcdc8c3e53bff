"""Trend queries for sponsors: heatmap, department trend, gaps to target, distribution, movers.

Rules shared by every query here:
- Only **submitted** assessments count; a draft stays out of every trend until it is submitted.
- Only active departments appear; every dimension that was scored keeps its history.
- Overall maturity is the mean of the dimensions scored that quarter: N/A and not assessed leave
  the average, so a retired dimension only counts in the quarters it was scored in.
- A quarter without a submitted assessment is a row with NULLs (a gap in the chart), never a 0.
- Filters (quarter range, departments, dimensions) are applied in SQL and every function returns
  aggregated rows: at most departments x dimensions for one quarter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

from ..db import Database
from ..models import Quarter, quarter_range
from ..rounds.results import badge_sql


@dataclass(frozen=True)
class Filters:
    """What the person chose to look at. Empty departments/dimensions mean all of them."""

    first: Quarter
    last: Quarter
    departments: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()

    @property
    def quarters(self) -> list[Quarter]:
        return quarter_range(self.first, self.last)

    def params(self, first: Quarter | None = None, last: Quarter | None = None) -> list:
        """$1-$6 of the `_SUBMITTED` common table expression."""
        return [str(first or self.first), str(last or self.last),
                not self.departments, list(self.departments), not self.dimensions, list(self.dimensions)]


# Submitted scores of active departments within the filters; $1-$6 come from Filters.params().
_SUBMITTED = (
    "sub AS ("
    " SELECT s.quarter, s.department_id, s.dimension_id, s.score, s.na, s.target, s.evidence,"
    f" {badge_sql('s')} AS agreed"
    " FROM scores s"
    " JOIN assessments a ON a.quarter = s.quarter AND a.department_id = s.department_id"
    "  AND a.status = 'submitted'"
    " JOIN departments d ON d.department_id = s.department_id AND d.active"
    " WHERE s.quarter BETWEEN $1 AND $2"
    "  AND (CAST($3 AS BOOLEAN) OR s.department_id IN (SELECT unnest(CAST($4 AS TEXT[]))))"
    "  AND (CAST($5 AS BOOLEAN) OR s.dimension_id IN (SELECT unnest(CAST($6 AS TEXT[])))))")
_DEPARTMENTS = ("depts AS (SELECT department_id, name FROM departments WHERE active"
                " AND (CAST($3 AS BOOLEAN) OR department_id IN (SELECT unnest(CAST($4 AS TEXT[])))))")
_DIMENSION_FILTER = "(CAST($5 AS BOOLEAN) OR dimension_id IN (SELECT unnest(CAST($6 AS TEXT[]))))"


def submitted_quarters(db: Database) -> list[Quarter]:
    """Every quarter with at least one submitted assessment, oldest first."""
    return [Quarter.parse(r[0]) for r in
            db.rows("SELECT DISTINCT quarter FROM assessments WHERE status = 'submitted' ORDER BY quarter")]


def default_filters(db: Database, last: int = 8) -> Filters | None:
    """The last `last` quarters up to the newest with a submitted assessment; None without any."""
    quarters = submitted_quarters(db)
    if not quarters:
        return None
    return Filters(max(quarters[0], quarters[-1].shift(-(last - 1))), quarters[-1])


def department_names(db: Database) -> dict[str, str]:
    """Active departments, key -> name, ordered by name."""
    return dict(db.rows("SELECT department_id, name FROM departments WHERE active ORDER BY name, department_id"))


def submitted_departments(db: Database, quarter: Quarter) -> list[str]:
    """Departments with a submitted assessment for the quarter."""
    return [r[0] for r in db.rows("SELECT department_id FROM assessments WHERE quarter = $1 AND status = 'submitted'",
                                  [str(quarter)])]


def dimension_names(db: Database) -> dict[str, str]:
    """Every dimension that is active or was ever scored, key -> name, in model order."""
    return dict(db.rows(
        "SELECT dimension_id, name FROM dimensions WHERE active "
        " OR dimension_id IN (SELECT DISTINCT dimension_id FROM scores) ORDER BY position, dimension_id"))


def heatmap(db: Database, quarter: Quarter, f: Filters, limit: int | None = None,
            keep: str | None = None) -> pd.DataFrame:
    """One row per department x dimension for the quarter: level, target, evidence and a cell label.

    Dimensions: the active ones plus any retired one scored that quarter. `cell` is the level
    ("1".."5"), "N/A", "not assessed", or "not submitted" when the department has no submitted
    assessment for the quarter. Departments in name order; with `limit`, only the `limit` departments
    furthest below target (the sum of their shortfalls, target - level, over the dimensions scored;
    departments without a submitted assessment last), furthest first, and `keep` (a department key)
    whatever its place.
    """
    return db.frame(
        f"WITH {_SUBMITTED}, {_DEPARTMENTS}, "
        "dims AS (SELECT dimension_id, name, position FROM dimensions"
        f"  WHERE (active OR dimension_id IN (SELECT dimension_id FROM sub)) AND {_DIMENSION_FILTER}), "
        "done AS (SELECT department_id FROM assessments WHERE quarter = $1 AND status = 'submitted'), "
        "short AS (SELECT department_id, sum(greatest(target - score, 0)) AS shortfall FROM sub"
        "  WHERE score IS NOT NULL AND target IS NOT NULL GROUP BY department_id), "
        "ranked AS (SELECT d.department_id, d.name, row_number() OVER (ORDER BY done.department_id IS NULL, "
        "  coalesce(short.shortfall, 0) DESC, d.name, d.department_id) AS place "
        "  FROM depts d LEFT JOIN short ON short.department_id = d.department_id "
        "  LEFT JOIN done ON done.department_id = d.department_id), "
        "drawn AS (SELECT * FROM ranked WHERE CAST($7 AS INTEGER) IS NULL OR place <= CAST($7 AS INTEGER)"
        "  OR department_id = CAST($8 AS TEXT)) "
        "SELECT d.department_id, d.name AS department, m.dimension_id, m.name AS dimension, m.position, "
        " s.score, coalesce(s.na, FALSE) AS na, s.target, substr(coalesce(s.evidence, ''), 1, 200) AS evidence, "
        " l.name AS level_name, coalesce(s.agreed, '') AS agreed, "
        " CASE WHEN done.department_id IS NULL THEN 'not submitted' WHEN s.na THEN 'N/A' "
        "      WHEN s.score IS NULL THEN 'not assessed' ELSE CAST(s.score AS TEXT) END AS cell "
        "FROM drawn d CROSS JOIN dims m "
        "LEFT JOIN sub s ON s.department_id = d.department_id AND s.dimension_id = m.dimension_id "
        "LEFT JOIN done ON done.department_id = d.department_id "
        "LEFT JOIN levels l ON l.level = s.score "
        "ORDER BY CASE WHEN CAST($7 AS INTEGER) IS NULL THEN 0 ELSE d.place END, d.name, d.department_id, "
        " m.position, m.dimension_id",
        f.params(quarter, quarter) + [limit, keep])


def department_trend(db: Database, department_id: str, f: Filters) -> pd.DataFrame:
    """One row per quarter of the range: the department's overall level, its target, the organisation's.

    overall: mean of the dimensions scored that quarter; target: mean target of those same
    dimensions; organisation: mean of every (filtered) department's overall. NULL where nothing
    was submitted.
    """
    quarters = [str(q) for q in f.quarters]
    return db.frame(
        f"WITH {_SUBMITTED}, q(quarter) AS (SELECT unnest(CAST($7 AS TEXT[]))), "
        "dept AS (SELECT quarter, avg(score) AS overall, avg(CASE WHEN score IS NOT NULL THEN target END) AS target,"
        "  count(score) AS scored FROM sub WHERE department_id = $8 GROUP BY quarter), "
        "per_dept AS (SELECT quarter, department_id, avg(score) AS overall FROM sub "
        "  GROUP BY quarter, department_id HAVING count(score) > 0), "
        "org AS (SELECT quarter, avg(overall) AS organisation FROM per_dept GROUP BY quarter) "
        "SELECT q.quarter, dept.overall, dept.target, coalesce(dept.scored, 0) AS scored, org.organisation "
        "FROM q LEFT JOIN dept ON dept.quarter = q.quarter LEFT JOIN org ON org.quarter = q.quarter "
        "ORDER BY q.quarter",
        f.params() + [quarters, department_id])


def dimension_trends(db: Database, department_id: str, f: Filters) -> pd.DataFrame:
    """One row per quarter x dimension for a department (small multiples); NULL score where missing.

    Dimensions: the active ones plus any retired one the department scored in the range.
    """
    quarters = [str(q) for q in f.quarters]
    return db.frame(
        f"WITH {_SUBMITTED}, q(quarter) AS (SELECT unnest(CAST($7 AS TEXT[]))), "
        "mine AS (SELECT * FROM sub WHERE department_id = $8), "
        "dims AS (SELECT dimension_id, name, position FROM dimensions"
        f"  WHERE (active OR dimension_id IN (SELECT dimension_id FROM mine)) AND {_DIMENSION_FILTER}) "
        "SELECT q.quarter, m.dimension_id, m.name AS dimension, m.position, s.score, s.target, "
        " coalesce(s.na, FALSE) AS na "
        "FROM q CROSS JOIN dims m "
        "LEFT JOIN mine s ON s.quarter = q.quarter AND s.dimension_id = m.dimension_id "
        "ORDER BY m.position, m.dimension_id, q.quarter",
        f.params() + [quarters, department_id])


def department_gaps(db: Database, department_id: str, quarter: Quarter, f: Filters) -> pd.DataFrame:
    """A department's level, target and gap (target - level) per dimension it scored in the quarter."""
    return db.frame(
        f"WITH {_SUBMITTED} "
        "SELECT m.dimension_id, m.name AS dimension, m.position, s.score, s.target, s.target - s.score AS gap "
        "FROM sub s JOIN dimensions m ON m.dimension_id = s.dimension_id "
        "WHERE s.department_id = $7 AND s.score IS NOT NULL "
        "ORDER BY m.position, m.dimension_id",
        f.params(quarter, quarter) + [department_id])


def organisation_gaps(db: Database, quarter: Quarter, f: Filters) -> pd.DataFrame:
    """Per dimension: mean level, mean target, mean gap and how many departments are below target."""
    return db.frame(
        f"WITH {_SUBMITTED} "
        "SELECT m.dimension_id, m.name AS dimension, m.position, avg(s.score) AS average, "
        " avg(s.target) AS target, avg(s.target - s.score) AS gap, "
        " count(CASE WHEN s.score < s.target THEN 1 END) AS below_target, count(s.score) AS departments "
        "FROM sub s JOIN dimensions m ON m.dimension_id = s.dimension_id "
        "WHERE s.score IS NOT NULL GROUP BY m.dimension_id, m.name, m.position "
        "ORDER BY m.position, m.dimension_id",
        f.params(quarter, quarter))


def distribution(db: Database, quarter: Quarter, f: Filters) -> pd.DataFrame:
    """Per dimension and level (or N/A): how many departments. No names: safe for benchmark views."""
    return db.frame(
        f"WITH {_SUBMITTED} "
        "SELECT m.dimension_id, m.name AS dimension, m.position, "
        " CASE WHEN s.na THEN 'N/A' ELSE CAST(s.score AS TEXT) END AS level, count(*) AS departments "
        "FROM sub s JOIN dimensions m ON m.dimension_id = s.dimension_id "
        "WHERE s.score IS NOT NULL OR s.na "
        "GROUP BY m.dimension_id, m.name, m.position, CASE WHEN s.na THEN 'N/A' ELSE CAST(s.score AS TEXT) END "
        "ORDER BY m.position, m.dimension_id, level",
        f.params(quarter, quarter))


def movers(db: Database, quarter: Quarter, compare_to: Quarter, f: Filters, limit: int = 5) -> pd.DataFrame:
    """Departments whose overall level rose or fell most between `compare_to` and `quarter`.

    Compared on the dimensions the department scored in both quarters only, so a dimension added,
    retired or marked N/A in between does not move the number. Up to `limit` rises and `limit` falls.
    Changes are ranked rounded to six places, so two equal changes whose averages differ only in the last
    bit of a float tie on the department, the same on every engine.
    """
    first, last = min(quarter, compare_to), max(quarter, compare_to)
    return db.frame(
        f"WITH {_SUBMITTED}, "
        "pairs AS (SELECT c.department_id, avg(p.score) AS before, avg(c.score) AS after, count(*) AS dimensions "
        " FROM sub c JOIN sub p ON p.department_id = c.department_id AND p.dimension_id = c.dimension_id "
        "  AND p.quarter = $7 "
        " WHERE c.quarter = $8 AND c.score IS NOT NULL AND p.score IS NOT NULL GROUP BY c.department_id), "
        "ranked AS (SELECT department_id, before, after, after - before AS change, dimensions, "
        " row_number() OVER (PARTITION BY after > before ORDER BY CAST(abs(after - before) AS DECIMAL(18, 6)) DESC, "
        "  department_id) AS rank "
        " FROM pairs WHERE after <> before) "
        "SELECT r.department_id, d.name AS department, r.before, r.after, r.change, r.dimensions "
        "FROM ranked r JOIN departments d ON d.department_id = r.department_id "
        "WHERE r.rank <= $9 ORDER BY r.change DESC, d.name",
        f.params(first, last) + [str(compare_to), str(quarter), int(limit)])


# --- hiding department names (benchmark views) ----------------------------------------------


def department_aliases(department_ids: list[str]) -> dict[str, str]:
    """A stable neutral label per department ("Department 07"), in an order that reveals nothing."""
    ordered = sorted(set(department_ids), key=lambda d: hashlib.sha256(d.encode()).hexdigest())
    width = max(2, len(str(len(ordered))))
    return {dept: f"Department {i:0{width}d}" for i, dept in enumerate(ordered, start=1)}


def active_aliases(db: Database) -> dict[str, str]:
    """department_aliases of every active department (what a page hides names with)."""
    return department_aliases(list(department_names(db)))


def hide_names(frame: pd.DataFrame, aliases: dict[str, str]) -> pd.DataFrame:
    """Replace department keys and names by their aliases (both columns, so nothing leaks).

    Evidence is dropped too: free text often names the department ("Legal has no ...").
    """
    out = frame.copy()
    labels = out["department_id"].map(aliases)
    out["department_id"] = labels
    if "department" in out:
        out["department"] = labels
    if "evidence" in out:
        out["evidence"] = ""
    return out
