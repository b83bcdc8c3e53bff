"""Reading value streams: the list, one stream with its steps in a quarter, the swim-lane, the warnings,
and a department's part in the streams.

Rules every query here shares: a step "valid in quarter q" is a step row with valid_from <= q and
(valid_to IS NULL or valid_to >= q) (quarters are YYYY-Qn text, which sorts in time order); its position is
its place among the steps valid in q (1..n, no gaps). A hand-off is a pair of consecutive steps whose
owning departments differ (a step with no owner yet differs from an owned one). Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..db import Database
from ..models import NotFound, Quarter
from .records import FEWEST_STEPS, MOST_STEPS, STEP_COLUMNS, STREAM_COLUMNS, Step, Stream

if TYPE_CHECKING:
    import pandas as pd

VALID_IN = "s.valid_from <= $2 AND (s.valid_to IS NULL OR s.valid_to >= $2)"   # $2: the quarter


def list_streams(db: Database, *, include_inactive: bool = False) -> list[Stream]:
    """Every (active) stream, by name."""
    return [Stream.of(r) for r in db.rows(
        f"SELECT {STREAM_COLUMNS} FROM value_streams WHERE active OR CAST($1 AS BOOLEAN) ORDER BY lower(name), "
        "stream_id", [include_inactive])]


def streams_frame(db: Database, quarter: Quarter | str, include_inactive: bool = False) -> "pd.DataFrame":
    """The list for a page: stream, name, kind, owner, champion, rule, active, and in `quarter` the number of
    steps, of owning departments, of hand-offs (one row per stream)."""
    return db.frame(
        "WITH s AS (SELECT s.stream_id, s.position, s.department_id FROM stream_steps s WHERE "
        + VALID_IN.replace("$2", "$1") + "), "
        "h AS (SELECT stream_id, department_id, lag(department_id) OVER (PARTITION BY stream_id ORDER BY position) "
        "  AS before, position FROM s) "
        "SELECT v.stream_id, v.name, v.kind, v.owner, v.champion, v.rollup_rule, v.active, "
        " (SELECT count(*) FROM s WHERE s.stream_id = v.stream_id) AS steps, "
        " (SELECT count(DISTINCT department_id) FROM s WHERE s.stream_id = v.stream_id) AS departments, "
        " (SELECT count(*) FROM h WHERE h.stream_id = v.stream_id AND h.position > 1 "
        "   AND h.department_id IS DISTINCT FROM h.before) AS handoffs "
        "FROM value_streams v WHERE v.active OR CAST($2 AS BOOLEAN) ORDER BY lower(v.name), v.stream_id",
        [str(Quarter.parse(quarter)), include_inactive])


def get_stream(db: Database, stream_id: str) -> Stream:
    row = db.one(f"SELECT {STREAM_COLUMNS} FROM value_streams WHERE stream_id = $1", [stream_id])
    if row is None:
        raise NotFound(f"there is no value stream {stream_id!r}")
    return Stream.of(row)


def steps_in(db: Database, stream_id: str, quarter: Quarter | str) -> list[Step]:
    """The stream's steps valid in `quarter`, in order (positions 1..n)."""
    columns = ", ".join(f"s.{c.strip()}" for c in STEP_COLUMNS.split(","))
    return [Step.of(r) for r in db.rows(f"SELECT {columns} FROM stream_steps s WHERE s.stream_id = $1 AND {VALID_IN} "
                                        "ORDER BY s.position", [stream_id, str(Quarter.parse(quarter))])]


def step_history(db: Database, stream_id: str) -> list[Step]:
    """Every version of every step of the stream, by step and first quarter (what changed, when)."""
    return [Step.of(r) for r in db.rows(f"SELECT {STEP_COLUMNS} FROM stream_steps WHERE stream_id = $1 "
                                        "ORDER BY step_id, valid_from", [stream_id])]


def handoff_pairs(steps: Sequence[Step]) -> list[tuple[Step, Step]]:
    """The hand-offs of an ordered list of steps: consecutive steps owned by different departments."""
    return [(a, b) for a, b in zip(steps, steps[1:]) if a.department_id != b.department_id]


@dataclass(frozen=True)
class StreamView:
    """A stream with its steps valid in a quarter, their hand-offs and its warnings."""

    stream: Stream
    quarter: str
    steps: tuple[Step, ...]
    handoffs: tuple[tuple[str, str], ...]   # (from step_id, to step_id)
    warnings: tuple[str, ...]

    @property
    def departments(self) -> tuple[str, ...]:
        """The owning departments, in the order they first own a step."""
        return tuple(dict.fromkeys(s.department_id for s in self.steps if s.department_id))


def stream_view(db: Database, stream_id: str, quarter: Quarter | str) -> StreamView:
    steps = steps_in(db, stream_id, quarter)
    return StreamView(get_stream(db, stream_id), str(Quarter.parse(quarter)), tuple(steps),
                      tuple((a.step_id, b.step_id) for a, b in handoff_pairs(steps)), tuple(layout_warnings(steps)))


def layout_warnings(steps: Sequence[Step]) -> list[str]:
    """What to tell the person defining a stream (warnings, never errors): too few or too many steps, a
    single department, a step without an owning department."""
    found = []
    n = len(steps)
    if n < FEWEST_STEPS:
        found.append(f"the stream has {n} step{'' if n == 1 else 's'}: a value stream runs through at least "
                     f"{FEWEST_STEPS} (a map usually has 5 to {MOST_STEPS})")
    elif n > MOST_STEPS:
        found.append(f"the stream has {n} steps: a map of more than {MOST_STEPS} is hard to read; consider "
                     "splitting it into segments")
    owners = {s.department_id for s in steps if s.department_id}
    if len(owners) == 1 and all(s.department_id for s in steps):
        found.append(f"single-department: every step is owned by {next(iter(owners))}, so the stream is not "
                     "cross-departmental and has no hand-offs")
    for s in steps:
        if not s.department_id:
            found.append(f"step {s.position} ({s.name}) has no owning department yet: assign one; until then the "
                         "stream's maturity is incomplete")
    return found


def warnings(db: Database, stream_id: str, quarter: Quarter | str) -> list[str]:
    return layout_warnings(steps_in(db, stream_id, quarter))


@dataclass(frozen=True)
class SwimLane:
    """Departments as rows, steps as columns (in order), hand-offs marked.

    `cells[(department_id, step_id)]` is "owner" or "support"; `handoffs` are the step boundaries where
    the owner changes (from step_id, to step_id); `unowned` the steps without an owner (no row of theirs)."""

    quarter: str
    departments: tuple[str, ...]
    names: dict[str, str]
    steps: tuple[Step, ...]
    cells: dict[tuple[str, str], str]
    handoffs: tuple[tuple[str, str], ...]
    unowned: tuple[str, ...]

    def frame(self) -> "pd.DataFrame":
        """The lane as a table: one row per department (its name), one column per step ("1 · name"),
        "owner", "support" or ""; the hand-off marker "→ " prefixes the owner cell a hand-off arrives at."""
        import pandas as pd   # deferred: only a page's table needs pandas, not the domain's reads

        arriving = {to for _, to in self.handoffs}
        columns = [f"{s.position} · {s.name}" for s in self.steps]
        rows = []
        for dept in self.departments:
            row = []
            for s in self.steps:
                cell = self.cells.get((dept, s.step_id), "")
                row.append(("→ " if cell == "owner" and s.step_id in arriving else "") + cell)
            rows.append(row)
        return pd.DataFrame(rows, columns=columns, index=[self.names.get(d, d) for d in self.departments])


def swim_lane(db: Database, stream_id: str, quarter: Quarter | str) -> SwimLane:
    """The swim-lane of the stream's steps valid in `quarter`: owning departments first (in the order they
    first own a step), then departments that only support."""
    steps = steps_in(db, stream_id, quarter)
    cells: dict[tuple[str, str], str] = {}
    order: list[str] = []
    for s in steps:
        if s.department_id:
            cells[(s.department_id, s.step_id)] = "owner"
            order.append(s.department_id)
    for s in steps:
        for d in s.supporting:
            cells.setdefault((d, s.step_id), "support")
            order.append(d)
    departments = tuple(dict.fromkeys(order))
    names = dict(db.rows("SELECT department_id, name FROM departments WHERE department_id IN "
                         "(SELECT unnest(CAST($1 AS TEXT[])))", [list(departments)]))
    return SwimLane(str(Quarter.parse(quarter)), departments, names, tuple(steps), cells,
                    tuple((a.step_id, b.step_id) for a, b in handoff_pairs(steps)),
                    tuple(s.step_id for s in steps if not s.department_id))


def department_steps(db: Database, department_id: str, quarter: Quarter | str) -> "pd.DataFrame":
    """The steps a department owns or supports in `quarter`, in every active stream: stream_id, stream,
    step_id, position, step, role ("owner" or "support")."""
    return db.frame(
        "SELECT v.stream_id, v.name AS stream, s.step_id, s.position, s.name AS step, "
        " CASE WHEN s.department_id = $1 THEN 'owner' ELSE 'support' END AS role "
        "FROM stream_steps s JOIN value_streams v ON v.stream_id = s.stream_id AND v.active "
        f"WHERE {VALID_IN} AND (s.department_id = $1 OR $1 = ANY(s.supporting)) "
        "ORDER BY lower(v.name), v.stream_id, s.position", [department_id, str(Quarter.parse(quarter))])


def linked_improvements(db: Database, stream_id: str) -> "pd.DataFrame":
    """The open improvements that name the stream (backlog_items.stream_id): item_id, title, status, owner,
    department_id, dimension_id, step_id, by key. Closed, rejected and withdrawn items are left out."""
    return db.frame(
        "SELECT item_id, title, status, owner, department_id, dimension_id, step_id FROM backlog_items "
        "WHERE stream_id = $1 AND status NOT IN ('closed', 'rejected', 'withdrawn') ORDER BY item_id",
        [stream_id])
