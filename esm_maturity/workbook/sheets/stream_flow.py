"""The StreamFlow and HandoffQuality sheets: one flow record per stream and quarter, and the receiving
department's % complete and accurate per hand-off, checked by the streams' own rules (streams.flow.check_flow:
figures at least 0, counts whole, rework 0-100, a known source and confidence).

A figure left blank is "not recorded", never 0, and is stored so (an import restores, it does not derive the
hand-off count the flow form would). Who recorded a row and when (recorded_by, recorded_at) are kept as the
sheet has them; blank: as stored, else the person importing, now. A hand-off names steps of its stream (in the
ValueStreamSteps sheet or the app); a rating of a boundary the steps no longer have is kept, as the app keeps it.
"""

from __future__ import annotations

from ...access.policy import Permission
from ...models import ValidationError
from ...streams.checks import number
from ...streams.flow import check_flow
from ...streams.records import ESTIMATED, FLOW_FIELDS, MANUAL, FlowInput
from .. import contract as c
from ..parsed import ParsedSheet, ParsedWorkbook, Row
from ..plan import Context, Change
from .keyed import get, keyed, label, stored
from .streams import report_row, stream_scope

FLOW_COLUMNS = ("stream_id", "quarter", *FLOW_FIELDS, "source", "confidence", "note", "recorded_by", "recorded_at")
HANDOFF_COLUMNS = ("stream_id", "quarter", "to_step_id", "from_step_id", "pct_complete_accurate", "wait_days", "note",
                   "recorded_by", "recorded_at")
FLOW_SQL = f"SELECT {', '.join(FLOW_COLUMNS)} FROM stream_flow"
HANDOFF_SQL = f"SELECT {', '.join(HANDOFF_COLUMNS)} FROM stream_handoffs"


def _stream_problem(ctx: Context, stream_id: str) -> list[tuple[str, str]]:
    if stream_id in ctx.state.get("streams", ()):
        return []
    return [("stream_id", f"there is no value stream {stream_id!r} in the ValueStreams sheet or the app")]


def _recorded(ctx: Context, ps: ParsedSheet, row: Row, old: tuple | None, at: int) -> tuple:
    """(recorded_by, recorded_at): as the sheet has them; blank: as stored, else the importer, now."""
    by = get(row, ps, "recorded_by", old, at, None) or (old[at] if old else ctx.actor.name)
    when = get(row, ps, "recorded_at", old, at + 1, None) or (old[at + 1] if old else ctx.now)
    return by, when


def stream_flow(ctx: Context, wb: ParsedWorkbook) -> None:
    rows = stored(ctx, FLOW_SQL, 2)
    ps = wb.sheet(c.STREAM_FLOW.name)
    if ps is None:
        return
    change = Change(ps.title, "stream_flow", FLOW_COLUMNS, 2, "stream flow", versioned=True,
                    permission=Permission.flow, stream_of=lambda r: stream_scope(ctx, r[0]))
    for row, key in keyed(ctx, ps):
        stream_id, quarter = key
        key = (stream_id.upper(), quarter)
        old = rows.get(key)
        problems = _stream_problem(ctx, key[0])
        figures = {f: get(row, ps, f, old, i, None) for i, f in enumerate(FLOW_FIELDS, start=2)}
        n = len(FLOW_FIELDS) + 2
        try:
            clean = check_flow(FlowInput(**figures, source=get(row, ps, "source", old, n, MANUAL),
                                         confidence=get(row, ps, "confidence", old, n + 1, ESTIMATED),
                                         note=get(row, ps, "note", old, n + 2)))
        except ValidationError as err:
            problems += [(p.field or "", _worded(p.field, p.message)) for p in err.problems]
            clean = None
        if report_row(ctx, ps, row, problems):
            continue
        values = tuple(getattr(clean, f) for f in FLOW_FIELDS)
        if clean.process_time_days is not None and clean.lead_time_days is not None \
                and clean.process_time_days > clean.lead_time_days:
            ctx.warn(label(ps, row), row.excel_row, "process_time_days",
                     f"{clean.process_time_days:g} days of work in a lead time of {clean.lead_time_days:g}: "
                     "the figures need a second look")
        change.add((*key, *values, clean.source, clean.confidence, clean.note, *_recorded(ctx, ps, row, old, n + 3)),
                   old)
    ctx.changes.append(change)


def _worded(field: str | None, message: str) -> str:
    if field == "lead_time_days" and "out of range" in message:
        return message + " (a lead time in calendar days cannot be negative)"
    return message


def stream_handoffs(ctx: Context, wb: ParsedWorkbook) -> None:
    rows = stored(ctx, HANDOFF_SQL, 3)
    ps = wb.sheet(c.HANDOFF_QUALITY.name)
    if ps is None:
        return
    steps = ctx.state.get("stream_steps", {})
    change = Change(ps.title, "stream_handoffs", HANDOFF_COLUMNS, 3, "hand-off quality", versioned=True,
                    permission=Permission.flow, stream_of=lambda r: stream_scope(ctx, r[0]))
    for row, key in keyed(ctx, ps):
        key = (key[0].upper(), key[1], key[2])
        stream_id, quarter, to_step = key
        old = rows.get(key)
        from_step = ps.value(row, "from_step_id")
        problems = _stream_problem(ctx, stream_id)
        if not problems:
            for column, step in (("to_step_id", to_step), ("from_step_id", from_step)):
                if step not in steps.get(stream_id, ()):
                    problems.append((column, f"there is no step {step!r} of {stream_id} in the ValueStreamSteps "
                                             "sheet or the app"))
            if from_step == to_step:
                problems.append(("from_step_id", "a hand-off arrives from the step before: from_step_id and "
                                                 "to_step_id differ"))
        pct = ps.value(row, "pct_complete_accurate")
        if pct is not None and not 0 <= pct <= 100:
            problems.append(("pct_complete_accurate", f"{pct:g} is out of range; a percentage runs from 0 to 100"))
        wait = get(row, ps, "wait_days", old, 5, None)
        try:
            number(wait, "wait_days")
        except ValidationError as err:
            problems.append(("wait_days", err.problems[0].message))
        if report_row(ctx, ps, row, problems):
            continue
        change.add((*key, from_step, pct, wait, get(row, ps, "note", old, 6), *_recorded(ctx, ps, row, old, 7)), old)
    ctx.changes.append(change)
