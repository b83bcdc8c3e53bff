"""Reading the backlog: the filtered, prioritised list; counts; chart rows; an item's history.

Filtering, sorting and the priority are computed in DuckDB; the page gets only the rows it shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from .fields import FINAL_STATUSES, OPEN_STATUSES, parse_status, STATUSES
from ..db import Database

EFFORT_POINTS = {"S": 1, "M": 2, "L": 3, "XL": 5}
DEFAULT_VALUE, DEFAULT_EFFORT = 3, "M"
STATUS_GROUPS = ("open", "all", "done")  # besides a single status
SORTS = {
    "priority": "priority DESC, item_id",
    "due date": "due_on ASC NULLS LAST, priority DESC, item_id",
    "newest": "raised_on DESC NULLS LAST, item_id DESC",
    "key": "item_id",
    "status": "status_rank, priority DESC, item_id",
}
PRIORITY_EXPLAINED = (
    "**Suggested priority** = value × (1 + gap) ÷ effort points. "
    "*Value* is the benefit, 1 to 5 (blank counts as 3). "
    "*Gap* is how far the department is below its target on the item's dimension: the target minus the "
    "score of its latest submitted self-assessment that scored that dimension (0 when there is no score, "
    "no target, no dimension, or the target is met). "
    "*Effort points*: S = 1, M = 2, L = 3, XL = 5 (blank counts as M). "
    "So a valuable, small improvement on a dimension far below target comes first; the highest possible is "
    "5 × 5 ÷ 1 = 25.")
STREAMS_EXPLAINED = (
    "Value streams do not change the number. When an item's department is at the floor of value streams on "
    "the item's dimension this quarter (their lever: the stream is only as mature as that department), the "
    "item says so when opened (\"Lever in 2 value streams: ...\"), so you can weigh that in.")


def _in_list(values: tuple[str, ...]) -> str:
    # Constants of this module, never user input.
    return "(" + ", ".join("'" + v + "'" for v in values) + ")"


_STATUS_RANK = "CASE i.status " + " ".join(f"WHEN '{s}' THEN {n}" for n, s in enumerate(STATUSES)) + " END"
_EFFORT_POINTS_SQL = ("CASE coalesce(i.effort, '" + DEFAULT_EFFORT + "') "
                      + " ".join(f"WHEN '{k}' THEN {v}" for k, v in EFFORT_POINTS.items()) + " END")

# The latest submitted score per department and dimension (the quarter text sorts in time order).
_LATEST = (
    "latest AS (SELECT department_id, dimension_id, score, target FROM ("
    " SELECT s.department_id, s.dimension_id, s.score, s.target, row_number() OVER ("
    "   PARTITION BY s.department_id, s.dimension_id ORDER BY s.quarter DESC) AS rn"
    " FROM scores s JOIN assessments a ON a.quarter = s.quarter AND a.department_id = s.department_id"
    "   AND a.status = 'submitted'"
    " WHERE s.score IS NOT NULL) ranked WHERE rn = 1)")

_SELECT = (
    "WITH " + _LATEST + ", items AS ("
    " SELECT i.item_id, i.title, i.department_id, coalesce(d.name, i.department_id) AS department, i.dimension_id,"
    "  m.name AS dimension, i.status, i.owner, i.value, i.effort, i.due_on, i.raised_on, i.closed_on, i.source,"
    "  l.score AS level, l.target,"
    "  CASE WHEN l.target > l.score THEN l.target - l.score ELSE 0 END AS gap,"
    "  CAST(coalesce(i.value, " + str(DEFAULT_VALUE) + ") AS DOUBLE PRECISION)"
    "   * (1 + CASE WHEN l.target > l.score THEN l.target - l.score ELSE 0 END) / " + _EFFORT_POINTS_SQL
    + " AS priority, " + _STATUS_RANK + " AS status_rank, i.version, i.stream_id, i.step_id, vs.name AS stream"
    " FROM backlog_items i"
    " LEFT JOIN value_streams vs ON vs.stream_id = i.stream_id"
    " LEFT JOIN departments d ON d.department_id = i.department_id"
    " LEFT JOIN dimensions m ON m.dimension_id = i.dimension_id"
    " LEFT JOIN latest l ON l.department_id = i.department_id AND l.dimension_id = i.dimension_id"
    " WHERE (CAST($1 AS TEXT) IS NULL OR i.department_id = $1) AND (CAST($2 AS TEXT) IS NULL OR i.dimension_id = $2)"
    "  AND (CAST($3 AS TEXT) = 'all' OR ($3 = 'open' AND i.status IN " + _in_list(OPEN_STATUSES) + ")"
    "       OR ($3 = 'done' AND i.status IN " + _in_list(FINAL_STATUSES) + ") OR i.status = $3)"
    "  AND (CAST($4 AS TEXT) IS NULL OR lower(i.owner) = lower($4))"
    "  AND (CAST($5 AS TEXT) IS NULL OR i.item_id ILIKE $5 OR i.title ILIKE $5 OR i.description ILIKE $5"
    "       OR i.owner ILIKE $5) AND (CAST($6 AS TEXT) IS NULL OR i.item_id = $6)"
    "  AND (CAST($7 AS TEXT) IS NULL OR i.stream_id = $7))")

GRID_COLUMNS = ["item_id", "title", "status", "owner", "value", "effort", "due_on", "priority", "gap", "department",
                "dimension", "stream", "version"]


@dataclass(frozen=True)
class Filters:
    """What the person is looking at; every field lives in the page's URL."""

    department_id: str | None = None
    dimension_id: str | None = None
    status: str = "open"          # 'open', 'all', 'done' or one status
    owner: str | None = None
    text: str | None = None
    sort: str = "priority"
    item_id: str | None = None    # one item only (used to refresh a row of the grid)
    stream_id: str | None = None  # the items that name this value stream

    def params(self) -> list:
        status = self.status if self.status in STATUS_GROUPS else parse_status(self.status)
        text = (self.text or "").strip()
        like = f"%{text}%" if text else None  # '%' and '_' typed by a person act as wildcards: harmless
        return [self.department_id or None, self.dimension_id or None, status, (self.owner or "").strip() or None,
                like, self.item_id or None, self.stream_id or None]

    def across_statuses(self, status: str) -> "Filters":
        """The same department, dimension, owner, text and stream, with `status` (the counts, the chart)."""
        return Filters(self.department_id, self.dimension_id, status, self.owner, self.text, stream_id=self.stream_id)


def list_items(db: Database, filters: Filters = Filters(), limit: int | None = 500) -> pd.DataFrame:
    """The filtered items, sorted in DuckDB, with gap and priority; `matching` is the count before the limit."""
    order = SORTS.get(filters.sort, SORTS["priority"])
    sql = (_SELECT + " SELECT *, count(*) OVER () AS matching FROM items ORDER BY " + order
           + (" LIMIT $8" if limit else ""))
    params = filters.params() + ([int(limit)] if limit else [])
    return db.frame(sql, params)


def status_counts(db: Database, filters: Filters = Filters()) -> dict[str, int]:
    """Items per status under the filter's department, dimension, owner and text (any status)."""
    everything = filters.across_statuses("all")
    rows = db.rows(_SELECT + " SELECT status, count(*) FROM items GROUP BY status", everything.params())
    counts = {s: 0 for s in STATUSES}
    counts.update({status: int(n) for status, n in rows})
    return counts


def overdue_count(db: Database, filters: Filters, today) -> int:
    open_only = filters.across_statuses("open")
    return int(db.scalar(_SELECT + " SELECT count(*) FROM items WHERE due_on < $8", open_only.params() + [today]))


def chart_items(db: Database, filters: Filters = Filters(), limit: int = 300) -> pd.DataFrame:
    """Open items with a value and an effort for the value/effort chart: the `limit` highest priorities."""
    status = filters.status if filters.status in OPEN_STATUSES else "open"
    open_only = filters.across_statuses(status)
    return db.frame(_SELECT + " SELECT item_id, title, department, dimension, status, owner, value, effort, gap, "
                    "priority, count(*) OVER () AS plottable FROM items WHERE value IS NOT NULL AND effort IS NOT NULL "
                    "ORDER BY priority DESC, item_id LIMIT $8", open_only.params() + [int(limit)])


def owners(db: Database) -> list[str]:
    return [r[0] for r in db.rows("SELECT DISTINCT owner FROM backlog_items WHERE owner <> '' ORDER BY owner")]


def current_gap(db: Database, department_id: str, dimension_id: str) -> dict | None:
    """The latest submitted score and target of a department on a dimension, and the gap between them."""
    row = db.one("WITH " + _LATEST + " SELECT score, target FROM latest WHERE department_id = $1 "
                 "AND dimension_id = $2", [department_id, dimension_id])
    if row is None:
        return None
    score, target = row
    return {"score": score, "target": target, "gap": max((target or 0) - score, 0) if target else 0}


def status_history(db: Database, item_id: str) -> pd.DataFrame:
    return db.frame("SELECT status, changed_at, actor FROM backlog_status_history WHERE item_id = $1 "
                    "ORDER BY changed_at, " + _STATUS_RANK.replace("i.status", "status"), [item_id])


def _load(value) -> dict:
    """A stored before/after JSON value as a dict, whatever the row holds: NULL (read back as None,
    NaN or NA), a record, or something older code wrote that is not a record."""
    if not isinstance(value, (str, bytes)) or not value:
        return {}
    try:
        data = json.loads(value)
    except ValueError:
        return {"value": str(value)}
    return data if isinstance(data, dict) else {"value": data}


def _describe(action: str, before, after, item_id: str) -> str:
    old, new = _load(before), _load(after)
    if action == "import" and "keys" in new and "created" in new:
        return f"created by importing {new.get('file') or 'a workbook'} (sheet {new.get('sheet', 'Backlog')})"
    if not old:
        return "raised as " + _show(new.get("status")) + ": " + _show(new.get("title"))
    parts = [f"{key}: {_show(old.get(key))} → {_show(new.get(key))}"
             for key in sorted(set(old) | set(new)) if old.get(key) != new.get(key)]
    return "; ".join(parts) or "saved with no change"


def _show(value) -> str:
    return "(blank)" if value in (None, "") else str(value)


def item_changes(db: Database, item_id: str, limit: int = 100) -> pd.DataFrame:
    """Every recorded change to the item, newest first, in words: when (UTC), who, what changed.

    An import that created the item records it in one row per sheet (the file's name is its key and
    the created keys are listed in it): that row is found by the item's key among them."""
    frame = db.frame("SELECT occurred_at, actor, action, before_json, after_json FROM audit_log "
                     "WHERE entity = 'backlog_item' AND (entity_key = $1 OR (action = 'import' "
                     "AND after_json LIKE '%\"created\":%' AND after_json LIKE $3 ESCAPE '\\')) ORDER BY audit_id DESC LIMIT $2",
                     [item_id, int(limit), '%"' + _like_literal(item_id) + '"%'])
    frame["change"] = [_describe(str(act), b, a, item_id)
                       for act, b, a in zip(frame["action"], frame["before_json"], frame["after_json"])]
    return frame[["occurred_at", "actor", "action", "change"]]


def _like_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def report_lines(frame: pd.DataFrame) -> list[str]:
    """The listed items as plain text lines for the command line, highest priority first."""
    if frame.empty:
        return ["No improvements match."]
    lines = [f"{'key':9} {'priority':>8} {'gap':>3}  {'status':11} {'dept':6} {'owner':18} title"]
    for row in frame.itertuples():
        lines.append(f"{row.item_id:9} {row.priority:8.1f} {int(row.gap):3d}  {row.status:11} "
                     f"{row.department_id:6} {(row.owner or '-')[:18]:18} {row.title}")
    shown, total = len(frame), int(frame["matching"].iloc[0])
    if total > shown:
        lines.append(f"... {total - shown:,} more; use --limit or narrow with --department / --status")
    return lines
