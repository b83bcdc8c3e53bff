"""Flow beside maturity: one flow record per stream and quarter, and hand-off quality per boundary.

Who (Permission.flow, access/policy.py): admins and champions; a department rep for a stream that names
them its owner or champion; for hand-off quality also a rep of the department that *receives* the hand-off
(it judges the % complete and accurate of what it got, after the DevOps Handbook). Sponsors read.

A boundary is a hand-off in the quarter: consecutive steps valid then whose owning departments differ
(queries.handoff_pairs), keyed by the receiving step. Figures left blank are "not recorded", never 0.
Derived, never stored: flow efficiency = process time ÷ lead time; rolled % complete and accurate = the
product over the quarter's boundaries, shown only when every boundary has a value.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from ..access.policy import Permission, StreamScope, require
from ..db import Database, Tx
from ..limits import LIMITS
from ..models import Actor, ConflictError, NotFound, Problem, Quarter, ValidationError, clean_text
from . import checks
from .queries import get_stream, handoff_pairs, steps_in
from .records import (CONFIDENCES, FLOW_COLUMNS, FLOW_FIELDS, SOURCES, Boundary, FlowInput, FlowRecord, FlowSummary)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["boundaries", "derived_handoffs", "flow_record", "flow_summary", "flow_trend", "record_flow",
           "set_handoff_quality"]

_COUNTS = {"handoffs", "throughput", "wip", "items"}


def _figure(value: Any, field: str) -> float | int | None:
    number = checks.number(value, field)
    if number is None:
        return None
    if field in _COUNTS:
        if not number.is_integer():
            raise ValidationError(f"{value} is not a whole number", field)
        return int(number)
    if field in ("rework_pct", "pct_complete_accurate") and number > 100:
        raise ValidationError(f"{value} is out of range; a percentage runs from 0 to 100", field)
    return number


def check_flow(data: FlowInput) -> FlowInput:
    """The figures checked: numbers ≥ 0, counts whole, rework 0-100, a known source and confidence."""
    problems, values = [], {}
    for name in FLOW_FIELDS:
        try:
            values[name] = _figure(getattr(data, name), name)
        except ValidationError as err:
            problems.extend(err.problems)
    source, confidence = str(data.source or "").strip().lower(), str(data.confidence or "").strip().lower()
    if source not in SOURCES:
        problems.append(Problem("source", f"the source is one of {', '.join(SOURCES)}, not {data.source!r}"))
    if confidence not in CONFIDENCES:
        problems.append(Problem("confidence", f"the figures are measured or estimated, not {data.confidence!r}"))
    try:
        note = clean_text(data.note or "", "note", LIMITS["flow"]["note"])
    except ValidationError as err:
        problems.extend(err.problems)
        note = ""
    if problems:
        raise ValidationError(problems=problems)
    return FlowInput(**values, source=source, confidence=confidence, note=note)


def _scope(db: Database, stream_id: str, receiving: str | None = None) -> StreamScope:
    found = get_stream(db, stream_id)
    return StreamScope(stream_id, found.owner, found.champion, receiving)


def derived_handoffs(db: Database, stream_id: str, quarter: Quarter | str) -> int:
    """The hand-offs the steps valid in `quarter` imply: how many times the owning department changes from
    one step to the next (what the flow form pre-fills)."""
    return len(handoff_pairs(steps_in(db, stream_id, quarter)))


def flow_record(db: Database, stream_id: str, quarter: Quarter | str) -> FlowRecord | None:
    row = db.one(f"SELECT {FLOW_COLUMNS} FROM stream_flow WHERE stream_id = $1 AND quarter = $2",
                 [stream_id, str(Quarter.parse(quarter))])
    return FlowRecord(*row) if row else None


def record_flow(db: Database, actor: Actor, stream_id: str, quarter: Quarter | str, data: FlowInput, *,
                expected_version: int = 0) -> FlowRecord:
    """Save the stream's flow record for the quarter: a new one (`expected_version` 0) or a change to the
    version the person saw. Blank hand-offs store the count derived from the step owners."""
    quarter = Quarter.parse(quarter)
    clean = check_flow(data)
    require(db, actor, Permission.flow, entity="value stream", key=f"{stream_id}/{quarter}",
            stream=_scope(db, stream_id))
    if clean.handoffs is None:
        clean = FlowInput(**{**asdict(clean), "handoffs": derived_handoffs(db, stream_id, quarter)})
    values = {**asdict(clean), "recorded_by": actor.name}
    key = f"{stream_id}/{quarter}"

    def work(tx: Tx) -> FlowRecord:
        old = tx.one(f"SELECT {FLOW_COLUMNS} FROM stream_flow WHERE stream_id = $1 AND quarter = $2",
                     [stream_id, str(quarter)])
        conflict = (f"someone else saved {stream_id}'s flow for {quarter} while you were editing it; reload to see "
                    "their figures")
        if old is None:
            if expected_version != 0:
                raise ConflictError(conflict)
            columns = [*values, "recorded_at", "stream_id", "quarter"]
            tx.execute(f"INSERT INTO stream_flow ({', '.join(columns)}) VALUES "
                       f"({', '.join(f'${i}' for i in range(1, len(columns) + 1))})",
                       [*values.values(), tx.now, stream_id, str(quarter)])
        else:
            tx.update_versioned("stream_flow", {"stream_id": stream_id, "quarter": str(quarter)}, expected_version,
                                {**values, "recorded_at": tx.now}, conflict)
        before = FlowRecord(*old) if old else None
        tx.audit("record flow" if old is None else "edit flow", "value stream", key,
                 before={f: getattr(before, f) for f in asdict(clean)} if before else None, after=asdict(clean))
        return FlowRecord(*tx.one(f"SELECT {FLOW_COLUMNS} FROM stream_flow WHERE stream_id = $1 AND quarter = $2",
                                  [stream_id, str(quarter)]))

    return db.write(actor, work)


def boundaries(db: Database, stream_id: str, quarter: Quarter | str) -> list[Boundary]:
    """The quarter's hand-offs in order, each with its quality where the receiving department rated it."""
    quarter = str(Quarter.parse(quarter))
    rated = {r[0]: r[1:] for r in db.rows(
        "SELECT to_step_id, from_step_id, pct_complete_accurate, wait_days, note, version FROM stream_handoffs "
        "WHERE stream_id = $1 AND quarter = $2", [stream_id, quarter])}
    found = []
    for a, b in handoff_pairs(steps_in(db, stream_id, quarter)):
        got = rated.get(b.step_id)
        if got and got[0] == a.step_id:   # a rating of another boundary (the steps moved since) does not count
            found.append(Boundary(a.step_id, b.step_id, a.department_id, b.department_id, got[1], got[2], got[3],
                                  got[4]))
        else:
            found.append(Boundary(a.step_id, b.step_id, a.department_id, b.department_id))
    return found


def set_handoff_quality(db: Database, actor: Actor, stream_id: str, quarter: Quarter | str, to_step_id: str,
                        pct_complete_accurate: float, *, wait_days: float | None = None, note: str = "",
                        expected_version: int = 0) -> int:
    """The receiving department's judgement of the hand-off arriving at `to_step_id` in the quarter (% complete
    and accurate, 0-100; optionally the wait in days). Returns the rating's new version (0 before: new)."""
    quarter = Quarter.parse(quarter)
    pct = _figure(pct_complete_accurate, "pct_complete_accurate")
    if pct is None:
        raise ValidationError("is required: the % of hand-offs that arrived complete and accurate",
                              "pct_complete_accurate")
    wait = _figure(wait_days, "wait_days")
    note = clean_text(note or "", "note", LIMITS["handoff"]["note"])
    boundary = next((b for b in boundaries(db, stream_id, quarter) if b.to_step_id == to_step_id), None)
    if boundary is None:
        raise NotFound(f"no hand-off arrives at step {to_step_id!r} of {stream_id} in {quarter}: its step before is "
                       "owned by the same department, or the step is not valid then")
    key = f"{stream_id}/{quarter}/{to_step_id}"
    require(db, actor, Permission.flow, entity="value stream", key=key,
            stream=_scope(db, stream_id, boundary.to_department))

    def work(tx: Tx) -> int:
        old = tx.one("SELECT from_step_id, pct_complete_accurate, wait_days, note, version FROM stream_handoffs "
                     "WHERE stream_id = $1 AND quarter = $2 AND to_step_id = $3", [stream_id, str(quarter), to_step_id])
        conflict = "someone else rated this hand-off while you were editing it; reload to see their rating"
        values = {"from_step_id": boundary.from_step_id, "pct_complete_accurate": pct, "wait_days": wait,
                  "note": note, "recorded_by": actor.name, "recorded_at": tx.now}
        if old is None:
            if expected_version != 0:
                raise ConflictError(conflict)
            tx.execute("INSERT INTO stream_handoffs (stream_id, quarter, to_step_id, from_step_id, "
                       "pct_complete_accurate, wait_days, note, recorded_by, recorded_at) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                       [stream_id, str(quarter), to_step_id, *values.values()])
            version = 1
        else:
            version = tx.update_versioned("stream_handoffs", {"stream_id": stream_id, "quarter": str(quarter),
                                                              "to_step_id": to_step_id}, expected_version, values,
                                          conflict)
        tx.audit("rate hand-off", "value stream", key,
                 before=dict(zip(("from_step_id", "pct_complete_accurate", "wait_days", "note"), old[:4])) if old
                 else None,
                 after={"from_step_id": boundary.from_step_id, "pct_complete_accurate": pct, "wait_days": wait,
                        "note": note}, department_id=boundary.to_department)
        return version

    return db.write(actor, work)


def flow_summary(db: Database, stream_id: str, quarter: Quarter | str) -> FlowSummary:
    """The quarter's flow: the record (None: not recorded), the boundaries with their quality, flow efficiency
    and rolled % complete and accurate (FlowSummary's properties), and whether process time exceeds lead time
    (a warning: the figures need a second look)."""
    record = flow_record(db, stream_id, quarter)
    exceeds = bool(record and record.process_time_days is not None and record.lead_time_days is not None
                   and record.process_time_days > record.lead_time_days)
    return FlowSummary(stream_id, str(Quarter.parse(quarter)), record, tuple(boundaries(db, stream_id, quarter)),
                       exceeds)


def flow_trend(db: Database, stream_id: str, quarters: list[Quarter | str]) -> "pd.DataFrame":
    """One row per quarter asked for: the flow figures (NULL where not recorded: a gap, never 0), flow
    efficiency, confidence and source; for the tiles' trends and the chart beside the floors."""
    return db.frame(
        "WITH q(quarter) AS (SELECT unnest(CAST($2 AS TEXT[]))) "
        "SELECT q.quarter, " + ", ".join(f"f.{c}" for c in FLOW_FIELDS) + ", "
        " CASE WHEN f.lead_time_days > 0 THEN f.process_time_days / f.lead_time_days END AS flow_efficiency, "
        " f.confidence, f.source, f.quarter IS NOT NULL AS recorded "
        "FROM q LEFT JOIN stream_flow f ON f.stream_id = $1 AND f.quarter = q.quarter ORDER BY q.quarter",
        [stream_id, sorted({str(Quarter.parse(x)) for x in quarters})])

