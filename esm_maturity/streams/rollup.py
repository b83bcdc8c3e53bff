"""Stream maturity per dimension and quarter: derived from the departments' agreed scores, never stored.

The rules every query here shares:
- D(stream, q) is the set of departments owning at least one step of the stream valid in quarter q
  (supporting departments are not in it). A department owning several steps counts once.
- s(d, dim, q) is the agreed score: the `scores` row of a *submitted* assessment of an *active* department
  (the same rule as trends.queries._SUBMITTED; a rating round's agreed score lands in that row too).
- N/A leaves the roll-up: a department that marked the dimension N/A is not in n for it (listed in `na`).
- A missing score (no submitted assessment, or the dimension not assessed) is never a 0: coverage is
  "k of n scored", the cell is "incomplete (k of n scored)" and names the departments missing. `value` is
  then computed over the k departments scored, and must only be shown beside that word.
- The rules: weakest_link (the default) = min over D; mean = plain mean over D; weighted =
  Σ w_d·s_d / Σ w_d, where w_d is the sum of the weights of the steps d owns (a department owning two steps
  of weight 1 and 2 weighs 3, once). The floor (min), the mean, the spread (max − min) and the coverage are
  always returned beside the rule's value, and every department tied at the floor is listed (`at_floor`):
  the stream's constraint, or lever, on that dimension, whatever the rule.
- A step without an owning department (a stream still being drafted) makes every dimension incomplete.

Aggregation runs in DuckDB (one statement over every stream × quarter × dimension asked for); the API
returns small frames or dataclasses. Wording for screens: "lever" or "constraint", never "worst".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from ..db import Database
from ..models import Quarter
from .records import MEAN, RULES, WEIGHTED, WEAKEST_LINK

if TYPE_CHECKING:
    import pandas as pd

# $1 quarters (TEXT[]), $2 every active stream (BOOLEAN), $3 these streams too (TEXT[]).
_CELLS = (
    "q(quarter) AS (SELECT unnest(CAST($1 AS TEXT[]))), "
    "vs AS (SELECT stream_id, name, rollup_rule FROM value_streams WHERE (CAST($2 AS BOOLEAN) AND active)"
    "  OR stream_id IN (SELECT unnest(CAST($3 AS TEXT[])))), "
    "valid AS (SELECT s.stream_id, q.quarter, s.department_id, s.weight FROM stream_steps s"
    "  JOIN vs ON vs.stream_id = s.stream_id"
    "  JOIN q ON s.valid_from <= q.quarter AND (s.valid_to IS NULL OR s.valid_to >= q.quarter)), "
    "owned AS (SELECT stream_id, quarter, department_id, sum(weight) AS weight FROM valid"
    "  WHERE department_id IS NOT NULL GROUP BY stream_id, quarter, department_id), "
    "unowned AS (SELECT stream_id, quarter, count(*) AS steps FROM valid WHERE department_id IS NULL"
    "  GROUP BY stream_id, quarter), "
    "dims AS (SELECT dimension_id, name, position FROM dimensions WHERE active), "
    "sub AS (SELECT s.quarter, s.department_id, s.dimension_id, s.score, s.na FROM scores s"
    "  JOIN assessments a ON a.quarter = s.quarter AND a.department_id = s.department_id AND a.status = 'submitted'"
    "  JOIN departments d ON d.department_id = s.department_id AND d.active"
    "  WHERE s.quarter IN (SELECT quarter FROM q)), "
    "cells AS (SELECT o.stream_id, o.quarter, m.dimension_id, o.department_id, o.weight, sub.score,"
    "  coalesce(sub.na, FALSE) AS na FROM owned o CROSS JOIN dims m"
    "  LEFT JOIN sub ON sub.quarter = o.quarter AND sub.department_id = o.department_id"
    "   AND sub.dimension_id = m.dimension_id), "
    "agg AS (SELECT stream_id, quarter, dimension_id, min(score) AS floor, max(score) AS top, avg(score) AS mean,"
    "  sum(weight * score) / sum(CASE WHEN score IS NOT NULL THEN weight END) AS weighted,"
    "  count(score) AS scored, count(*) FILTER (WHERE NOT na) AS applies, count(*) AS departments,"
    "  array_agg(department_id ORDER BY department_id) FILTER (WHERE score IS NULL AND NOT na) AS missing,"
    "  array_agg(department_id ORDER BY department_id) FILTER (WHERE na) AS na_departments"
    "  FROM cells GROUP BY stream_id, quarter, dimension_id), "
    "floors AS (SELECT c.stream_id, c.quarter, c.dimension_id, c.department_id, c.score FROM cells c"
    "  JOIN agg ON agg.stream_id = c.stream_id AND agg.quarter = c.quarter AND agg.dimension_id = c.dimension_id"
    "  WHERE c.score = agg.floor), "
    "tied AS (SELECT stream_id, quarter, dimension_id, array_agg(department_id ORDER BY department_id) AS at_floor"
    "  FROM floors GROUP BY stream_id, quarter, dimension_id)")

_ROLLUP = (
    f"WITH {_CELLS} "
    "SELECT vs.stream_id, vs.name AS stream, vs.rollup_rule, q.quarter, m.dimension_id, m.name AS dimension,"
    " m.position, CASE vs.rollup_rule WHEN 'mean' THEN agg.mean WHEN 'weighted' THEN agg.weighted"
    "  ELSE agg.floor END AS value, agg.floor, agg.mean, agg.weighted, agg.top - agg.floor AS spread,"
    " coalesce(agg.scored, 0) AS scored, coalesce(agg.applies, 0) AS applies,"
    " coalesce(agg.departments, 0) AS departments, coalesce(u.steps, 0) AS unowned_steps,"
    " agg.missing, agg.na_departments, tied.at_floor "
    "FROM vs CROSS JOIN q CROSS JOIN dims m"
    " LEFT JOIN agg ON agg.stream_id = vs.stream_id AND agg.quarter = q.quarter AND agg.dimension_id = m.dimension_id"
    " LEFT JOIN tied ON tied.stream_id = vs.stream_id AND tied.quarter = q.quarter"
    "  AND tied.dimension_id = m.dimension_id"
    " LEFT JOIN unowned u ON u.stream_id = vs.stream_id AND u.quarter = q.quarter "
    "ORDER BY lower(vs.name), vs.stream_id, q.quarter, m.position")

_LISTS = ("missing", "na_departments", "at_floor")


def _quarters(quarters: Sequence[Quarter | str] | Quarter | str) -> list[str]:
    if isinstance(quarters, (str, Quarter)):
        quarters = [quarters]
    return sorted({str(Quarter.parse(q)) for q in quarters})


def _tuple(value: Any) -> tuple:
    """A list from the frame as a tuple (NULL: empty)."""
    try:
        return tuple(value)
    except TypeError:   # NULL (None, NaN or pandas' NA)
        return ()


def _tuples(frame: "pd.DataFrame", *columns: str) -> "pd.DataFrame":
    for column in columns:
        frame[column] = [_tuple(v) for v in frame[column]]
    return frame


def plain_number(value: Any) -> Any:
    """A number from the frame as Python (NaN and NULL: None)."""
    if value is None:
        return None
    try:
        return None if math.isnan(value) else float(value)
    except TypeError:
        return None


def maturity_frame(db: Database, quarters: Sequence[Quarter | str] | Quarter | str,
                   stream_ids: Sequence[str] | None = None) -> "pd.DataFrame":
    """One row per stream × quarter × active dimension: stream_id, stream, rollup_rule, quarter,
    dimension_id, dimension, position, value (the stream's rule), floor, mean, weighted, spread, scored (k),
    applies (n: owning departments less those N/A), departments, unowned_steps, missing, na_departments,
    at_floor (lists of department ids), complete (k == n > 0 and no unowned step) and label. Every active
    stream unless `stream_ids` names some (inactive ones too)."""
    chosen = list(stream_ids or [])
    frame = db.frame(_ROLLUP, [_quarters(quarters), not chosen, chosen])
    _tuples(frame, *_LISTS)
    frame["complete"] = [(k == n and n > 0 and u == 0) for k, n, u in
                         zip(frame["scored"], frame["applies"], frame["unowned_steps"])]
    names = department_names(db)
    frame["label"] = [label(r.rollup_rule, plain_number(r.value), int(r.scored), int(r.applies), int(r.departments),
                            r.missing, int(r.unowned_steps), names) for r in frame.itertuples()]
    return frame


def fullest_quarter(db: Database, quarters: Sequence[Quarter | str], stream_ids: Sequence[str] | None = None) -> str | None:
    """Of `quarters`, the latest with the most complete stream × dimension pictures (every owning department
    scored), over every active stream unless `stream_ids` names some; None when no picture is complete. The
    quarter a sponsor's page opens on: this quarter, while departments are still scoring, would show
    "incomplete" everywhere."""
    asked = _quarters(quarters)
    if not asked:
        return None
    frame = maturity_frame(db, asked, stream_ids)
    if frame.empty or not frame["complete"].any():
        return None
    complete = frame.groupby("quarter")["complete"].sum()
    return max(q for q, n in complete.items() if n == complete.max())


def department_names(db: Database) -> dict[str, str]:
    return dict(db.rows("SELECT department_id, name FROM departments"))


def label(rule: str, value: float | None, scored: int, applies: int, departments: int, missing: Sequence[str],
          unowned_steps: int, names: dict[str, str]) -> str:
    """How a roll-up cell reads: "2" (weakest link), "2.7" (mean, weighted), "incomplete (2 of 3 scored;
    not scored: Finance)", "N/A" (the dimension applies to no owning department), or "no owning department"."""
    if departments == 0 and not unowned_steps:
        return "no owning department"
    if departments and applies == 0:
        return "N/A"
    if scored < applies or unowned_steps or scored == 0:
        notes = [f"{scored} of {applies} scored"]
        if missing:
            notes.append("not scored: " + ", ".join(names.get(d, d) for d in missing))
        if unowned_steps:
            notes.append(f"{unowned_steps} step{'' if unowned_steps == 1 else 's'} without an owner")
        return f"incomplete ({'; '.join(notes)})"
    if value is None:
        return "not scored"
    return f"{value:.0f}" if rule == WEAKEST_LINK else f"{value:.1f}"


@dataclass(frozen=True)
class DimensionRollup:
    """One dimension of a stream in a quarter. `value` follows the stream's rule; floor, mean, spread and the
    coverage are always there. Department lists hold keys (StreamMaturity.names has their names)."""

    dimension_id: str
    dimension: str
    rule: str
    value: float | None          # over the departments scored; None when none is
    floor: float | None
    mean: float | None
    weighted: float | None
    spread: float | None
    scored: int                  # k
    applies: int                 # n: owning departments less those N/A
    at_floor: tuple[str, ...]    # every department tied at the floor: the constraint(s), the lever(s)
    missing: tuple[str, ...]     # owning departments with no agreed score
    na: tuple[str, ...]          # owning departments for which the dimension does not apply
    unowned_steps: int
    complete: bool
    label: str

    @property
    def coverage(self) -> str:
        return f"{self.scored} of {self.applies} scored"


@dataclass(frozen=True)
class StreamMaturity:
    stream_id: str
    quarter: str
    rule: str
    dimensions: tuple[DimensionRollup, ...]
    names: dict[str, str]

    @property
    def complete(self) -> bool:
        return all(d.complete for d in self.dimensions)

    @property
    def lowest_floor(self) -> float | None:
        """If one number is wanted: the lowest dimension floor, to be labelled as such (never the default)."""
        floors = [d.floor for d in self.dimensions if d.floor is not None]
        return min(floors) if floors else None

    def dimension(self, dimension_id: str) -> DimensionRollup:
        return next(d for d in self.dimensions if d.dimension_id == dimension_id)


def _rollups(frame: "pd.DataFrame") -> tuple[DimensionRollup, ...]:
    return tuple(DimensionRollup(
        r.dimension_id, r.dimension, r.rollup_rule, plain_number(r.value), plain_number(r.floor), plain_number(r.mean),
        plain_number(r.weighted), plain_number(r.spread), int(r.scored), int(r.applies), r.at_floor, r.missing,
        r.na_departments, int(r.unowned_steps), bool(r.complete), r.label) for r in frame.itertuples())


def stream_maturity(db: Database, stream_id: str, quarter: Quarter | str, *, rule: str | None = None) -> StreamMaturity:
    """The stream's maturity profile in `quarter`, one DimensionRollup per active dimension. `rule` overrides
    the stream's own roll-up rule (to show another beside it)."""
    frame = maturity_frame(db, [quarter], [stream_id])
    if rule is not None:
        if rule not in RULES:
            raise ValueError(f"not a roll-up rule: {rule!r}")
        frame["rollup_rule"] = rule
        frame["value"] = frame[{WEAKEST_LINK: "floor", MEAN: "mean", WEIGHTED: "weighted"}[rule]]
        names = department_names(db)
        frame["label"] = [label(rule, plain_number(r.value), int(r.scored), int(r.applies), int(r.departments),
                                r.missing, int(r.unowned_steps), names) for r in frame.itertuples()]
    used = frame["rollup_rule"].iloc[0] if len(frame) else (rule or WEAKEST_LINK)
    return StreamMaturity(stream_id, str(Quarter.parse(quarter)), used, _rollups(frame), department_names(db))


def all_maturity(db: Database, quarter: Quarter | str) -> dict[str, StreamMaturity]:
    """stream_maturity() of every active stream in `quarter` (by its own rule), from one statement."""
    frame, names, asked = maturity_frame(db, [quarter]), department_names(db), str(Quarter.parse(quarter))
    return {stream_id: StreamMaturity(stream_id, asked, group["rollup_rule"].iloc[0], _rollups(group), names)
            for stream_id, group in frame.groupby("stream_id", sort=False)}


# --- levers and the portfolio --------------------------------------------------------------------------

_FLOORS = f"WITH {_CELLS} "


_LEVERS = (
    "SELECT f.stream_id, f.department_id, d.name AS department, f.dimension_id, m.name AS dimension, m.position, "
    " f.score AS floor, (agg.scored = agg.applies AND coalesce(u.steps, 0) = 0) AS complete, "
    " (SELECT count(DISTINCT o.stream_id) FROM floors o WHERE o.department_id = f.department_id "
    "   AND o.dimension_id = f.dimension_id AND o.stream_id <> f.stream_id) AS other_streams, "
    " (SELECT array_agg(DISTINCT o.stream_id ORDER BY o.stream_id) FROM floors o "
    "   WHERE o.department_id = f.department_id AND o.dimension_id = f.dimension_id "
    "   AND o.stream_id <> f.stream_id) AS other_stream_ids "
    "FROM floors f JOIN departments d ON d.department_id = f.department_id "
    "JOIN dims m ON m.dimension_id = f.dimension_id "
    "JOIN agg ON agg.stream_id = f.stream_id AND agg.quarter = f.quarter AND agg.dimension_id = f.dimension_id "
    "LEFT JOIN unowned u ON u.stream_id = f.stream_id AND u.quarter = f.quarter ")


def levers(db: Database, stream_id: str, quarter: Quarter | str) -> "pd.DataFrame":
    """The stream's biggest levers in `quarter`: each department × dimension at the floor (ties all listed),
    with the floor, whether the dimension's picture is complete, and in how many *other* active streams the
    same department × dimension is at the floor too (other_streams, and their keys)."""
    return _tuples(db.frame(
        _FLOORS + _LEVERS + "WHERE f.stream_id = $4 ORDER BY f.score, other_streams DESC, m.position, d.name",
        [[str(Quarter.parse(quarter))], True, [stream_id], stream_id]), "other_stream_ids")


def all_levers(db: Database, quarter: Quarter | str) -> "pd.DataFrame":
    """levers() of every active stream in `quarter` in one statement (stream_id names each row's stream),
    for readers that show every stream at once (the meeting pack)."""
    return _tuples(db.frame(
        _FLOORS + _LEVERS + "ORDER BY f.stream_id, f.score, other_streams DESC, m.position, d.name",
        [[str(Quarter.parse(quarter))], True, []]), "other_stream_ids")


def portfolio(db: Database, quarter: Quarter | str) -> "pd.DataFrame":
    """Streams × dimensions in `quarter` (every active stream): maturity_frame's rows for the quarter. Pivot
    `label` (or `floor`) on stream × dimension for the matrix; `complete` marks the incomplete cells."""
    return maturity_frame(db, [quarter])


def shared_constraints(db: Database, quarter: Quarter | str) -> "pd.DataFrame":
    """The department × dimension pairs at the floor of the most active streams in `quarter`: department_id,
    department, dimension_id, dimension, streams (how many), stream_ids, lowest (the lowest floor among
    them). The first rows are the fixes that would lift the most streams at once."""
    return _tuples(db.frame(
        _FLOORS +
        "SELECT f.department_id, d.name AS department, f.dimension_id, m.name AS dimension, "
        " count(DISTINCT f.stream_id) AS streams, array_agg(DISTINCT f.stream_id ORDER BY f.stream_id) AS stream_ids, "
        " min(f.score) AS lowest "
        "FROM floors f JOIN departments d ON d.department_id = f.department_id "
        "JOIN dims m ON m.dimension_id = f.dimension_id "
        "GROUP BY f.department_id, d.name, f.dimension_id, m.name, m.position "
        "ORDER BY streams DESC, lowest, m.position, d.name",
        [[str(Quarter.parse(quarter))], True, []]), "stream_ids")


def department_levers(db: Database, department_id: str, quarter: Quarter | str) -> "pd.DataFrame":
    """Where a department is the lever in `quarter`: each active stream and dimension whose floor it is at,
    with the floor and the other departments tied with it (tied_with)."""
    return _tuples(db.frame(
        _FLOORS +
        "SELECT f.stream_id, v.name AS stream, f.dimension_id, m.name AS dimension, f.score AS floor, "
        " (SELECT array_agg(o.department_id ORDER BY o.department_id) FROM floors o WHERE o.stream_id = f.stream_id "
        "   AND o.quarter = f.quarter AND o.dimension_id = f.dimension_id AND o.department_id <> f.department_id)"
        "  AS tied_with "
        "FROM floors f JOIN vs v ON v.stream_id = f.stream_id JOIN dims m ON m.dimension_id = f.dimension_id "
        "WHERE f.department_id = $4 ORDER BY lower(v.name), f.stream_id, m.position",
        [[str(Quarter.parse(quarter))], True, [], department_id]), "tied_with")
