"""The quarter's headline: three or four sentences a sponsor reads first (the Trends page, the meeting
pack's second slide and the one-page summary).

Every figure follows the trend queries' rules (queries.py): submitted assessments of active
departments only, within the filters. Each function is one parameterised query that aggregates
and rounds in the database; `sentences` turns the figures into words (no database, no Streamlit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..backlog.fields import OPEN_STATUSES
from ..db import Database
from ..models import Quarter
from .flow import _ITEMS, _params as _item_params   # the backlog items within the same filters
from .queries import _SUBMITTED, Filters            # the submitted scores within the filters


@dataclass(frozen=True)
class Submissions:
    submitted: int
    departments: int


@dataclass(frozen=True)
class Level:
    level: float | None      # the organisation's level this quarter (mean of the departments' overall levels)
    previous: float | None   # the same, the previous quarter
    change: float | None     # level - previous, rounded in the database


@dataclass(frozen=True)
class Gap:
    dimension_id: str
    dimension: str
    mean_gap: float          # mean of target - level over the departments that scored the dimension
    below: int               # how many of them are below target
    scored: int              # how many scored it (with a target)
    department_id: str       # the department furthest below target in that dimension (first by name on a tie)
    department: str
    widest: int              # its gap, in levels
    tied: int                # how many departments share that widest gap
    level_with: int = 0      # how many other dimensions have the same mean gap (rounded to 0.01)


@dataclass(frozen=True)
class Improvements:
    closed: int              # closed during the quarter (by closed date)
    still_open: int          # open today
    total: int               # every item within the filters (0: no backlog yet)


@dataclass(frozen=True)
class Headline:
    quarter: Quarter
    submissions: Submissions
    level: Level
    gap: Gap | None
    improvements: Improvements


def submissions(db: Database, quarter: Quarter, f: Filters) -> Submissions:
    """Active departments within the filters, and how many submitted the quarter's self-assessment."""
    row = db.one(
        "SELECT count(*) AS departments, count(a.department_id) AS submitted "
        "FROM departments d LEFT JOIN assessments a ON a.department_id = d.department_id AND a.quarter = $1 "
        " AND a.status = 'submitted' "
        "WHERE d.active AND (CAST($2 AS BOOLEAN) OR d.department_id IN (SELECT unnest(CAST($3 AS TEXT[]))))",
        [str(quarter), not f.departments, list(f.departments)])
    return Submissions(int(row[1]), int(row[0]))


def organisation_level(db: Database, quarter: Quarter, f: Filters) -> Level:
    """The organisation's level this quarter and the previous one, as the trend chart's dotted line draws it."""
    previous = quarter.previous()
    row = db.one(
        f"WITH {_SUBMITTED}, "
        "per_dept AS (SELECT quarter, department_id, avg(score) AS overall FROM sub "
        "  GROUP BY quarter, department_id HAVING count(score) > 0), "
        "org AS (SELECT avg(CASE WHEN quarter = $2 THEN overall END) AS level, "
        "  avg(CASE WHEN quarter = $1 THEN overall END) AS previous FROM per_dept) "
        "SELECT round(level, 2), round(previous, 2), round(level - previous, 2) FROM org",
        f.params(previous, quarter))
    return Level(*(None if v is None else float(v) for v in row))


def largest_gap(db: Database, quarter: Quarter, f: Filters) -> Gap | None:
    """The dimension furthest from target on average (None when no dimension is below target on average; the
    first in the model's order on a tie), with the department furthest below target in it."""
    row = db.one(
        f"WITH {_SUBMITTED}, "
        "gaps AS (SELECT department_id, dimension_id, target - score AS gap FROM sub "
        "  WHERE score IS NOT NULL AND target IS NOT NULL), "
        "dims AS (SELECT g.dimension_id, avg(g.gap) AS mean_gap, count(CASE WHEN g.gap > 0 THEN 1 END) AS below, "
        "  count(*) AS scored, max(g.gap) AS widest FROM gaps g GROUP BY g.dimension_id), "
        "top AS (SELECT d.* FROM dims d JOIN dimensions m ON m.dimension_id = d.dimension_id "
        "  WHERE d.mean_gap > 0 ORDER BY d.mean_gap DESC, m.position, d.dimension_id LIMIT 1), "
        "furthest AS (SELECT g.department_id, "
        "  row_number() OVER (ORDER BY p.name, g.department_id) AS rank, count(*) OVER () AS tied "
        "  FROM gaps g JOIN top t ON t.dimension_id = g.dimension_id AND g.gap = t.widest "
        "  JOIN departments p ON p.department_id = g.department_id) "
        "SELECT t.dimension_id, m.name, round(t.mean_gap, 2), t.below, t.scored, "
        " w.department_id, p.name, t.widest, w.tied, "
        " (SELECT count(*) FROM dims d WHERE round(d.mean_gap, 2) = round(t.mean_gap, 2)) - 1 AS level_with "
        "FROM top t JOIN dimensions m ON m.dimension_id = t.dimension_id "
        "JOIN furthest w ON w.rank = 1 JOIN departments p ON p.department_id = w.department_id",
        f.params(quarter, quarter))
    if row is None:
        return None
    dim, name, mean_gap, below, scored, dept, dept_name, widest, tied, level_with = row
    return Gap(dim, name, float(mean_gap), int(below), int(scored), dept, dept_name, int(widest), int(tied),
               int(level_with))


def improvements(db: Database, quarter: Quarter, f: Filters) -> Improvements:
    """Backlog items within the filters: closed during the quarter, open today, and all of them."""
    row = db.one(
        f"WITH {_ITEMS} "
        "SELECT count(CASE WHEN status = 'closed' AND closed_on BETWEEN $5 AND $6 THEN 1 END), "
        " count(CASE WHEN status IN (SELECT unnest(CAST($7 AS TEXT[]))) THEN 1 END), count(*) FROM items",
        _item_params(f) + [quarter.start, quarter.end, list(OPEN_STATUSES)])
    return Improvements(int(row[0]), int(row[1]), int(row[2]))


def headline(db: Database, quarter: Quarter, f: Filters) -> Headline:
    return Headline(quarter, submissions(db, quarter, f), organisation_level(db, quarter, f),
                    largest_gap(db, quarter, f), improvements(db, quarter, f))


# --- the words ------------------------------------------------------------------------------------


def _n(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _levels(value: float) -> str:
    return f"{value:.2f} level" + ("" if value == 1 else "s")


def sentences(h: Headline, label: Callable[[str, str], str] | None = None) -> list[str]:
    """The headline in three or four sentences. `label(department_id, name)` says how a department is
    named (an alias when names are hidden, a shortened name on a slide); default: its name."""
    label = label or (lambda department_id, name: name)
    q, s, lv = h.quarter, h.submissions, h.level
    if not s.departments:
        out = ["No active departments match the filters."]
    elif s.submitted == s.departments > 1:
        every = "Both" if s.departments == 2 else f"All {s.departments}"
        out = [f"{every} departments submitted their self-assessment for {q}."]
    else:
        out = [f"{s.submitted} of {_n(s.departments, 'department')} submitted their self-assessment for {q}."]
    if lv.level is None:
        out.append(f"No submitted scores for {q} yet, so there is no organisation level.")
    elif lv.change is None:
        out.append(f"The organisation's level is {lv.level:.2f} of 5; {q.previous()} has no submitted scores "
                   "to compare with.")
    elif abs(lv.change) < 0.005:
        out.append(f"The organisation's level is {lv.level:.2f} of 5, unchanged since {q.previous()}.")
    else:
        way = "up" if lv.change > 0 else "down"
        out.append(f"The organisation's level is {lv.level:.2f} of 5, {way} {abs(lv.change):.2f} since "
                   f"{q.previous()} ({lv.previous:.2f}).")
    g = h.gap
    if g is not None:
        who = (f"{label(g.department_id, g.department)} is furthest behind" if g.tied == 1
               else f"{g.tied} departments are furthest behind")
        tie = f" (tied with {_n(g.level_with, 'other dimension')})" if g.level_with else ""
        out.append(f"The largest gap to target is in {g.dimension}{tie}: {_levels(g.mean_gap)} on average, with "
                   f"{g.below} of {_n(g.scored, 'department')} below target; {who}, {_n(g.widest, 'level')} "
                   "short.")
    elif lv.level is not None:
        out.append("On average every dimension is at or above its target.")
    i = h.improvements
    if i.total:
        closed = _n(i.closed, "improvement") if i.closed else "No improvements"
        out.append(f"{closed} closed in {q}; {i.still_open} still open.")
    return out


__all__ = ["Headline", "Submissions", "Level", "Gap", "Improvements", "headline", "submissions",
           "organisation_level", "largest_gap", "improvements", "sentences"]
