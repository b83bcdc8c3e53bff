"""The meeting pack's value-stream slides: what each one says, as plain text the deck lays out (deck._streams).

One card per active stream that has steps in the pack's quarter (with a department filter: a stream one of
the chosen departments owns a step of). Read through the streams' own queries (rollup, flow, queries),
which aggregate in the database. Per dimension the roll-up value, every department at the floor (the
constraint) and the coverage when incomplete; the flow figures ("not recorded" where absent, never 0;
"estimated" where the champion estimated them); the biggest levers with their open improvements. Department
names are the pack's labels on the slide (aliases when names are hidden), the full names in the notes.
Words: "lever" and "constraint", never "worst".
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backlog.fields import FINAL_STATUSES
from ..db import Database
from ..models import Quarter
from ..streams import flow, queries, rollup
from ..streams.records import ESTIMATED, RULE_WORDS, WEAKEST_LINK, FlowRecord, FlowSummary, Stream
from .words import plain, short

LEVERS_SHOWN = 2         # levers on the slide (every one in the notes)
SUBTITLE_CHARS = 160     # trigger → outcome on the slide (in full in the notes)
METHOD = ("Stream maturity is derived, never scored: per dimension, from the agreed scores (submitted "
          "self-assessments) of the departments that own the stream's steps in the quarter. A department owning "
          "several steps counts once; supporting departments do not count; a missing score never counts as 0 "
          "(the dimension is incomplete and names who has not scored). The department(s) at a dimension's floor "
          "are its constraint: the lever that lifts the whole stream, every tie listed.")
FLOW_METHOD = ("Flow efficiency = process time ÷ lead time. Rolled %C&A = the product of every hand-off's "
               "% complete and accurate, as judged by the receiving department; shown only when every hand-off "
               "is rated. Figures left blank are not recorded, never 0.")


@dataclass(frozen=True)
class StreamCard:
    """One stream's slide: every text plain and ready to lay out."""

    stream_id: str
    name: str
    subtitle: str
    rule: str                               # the roll-up rule in words, for the dimensions' heading
    dimensions: list[tuple[str, str, str]]  # (dimension, "2", its constraint department(s))
    tiles: list[tuple[str, str]]            # (figure, caption): lead time, flow efficiency, rolled %C&A, ...
    levers: list[str]
    notes: str

    @property
    def slide_name(self) -> str:
        return f"stream-{self.stream_id}"


def _number(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _names(ids, names: dict[str, str]) -> str:
    return ", ".join(names.get(d, plain(d)) for d in ids)


def _dimension_cell(d: rollup.DimensionRollup, labels: dict[str, str]) -> tuple[str, str, str]:
    """(dimension, its value, its constraint): the value "2", "2.7 (floor 2)" (mean or weighted), "incomplete
    (2 of 3 scored)" (the constraint is then the lowest of those scored), "N/A"; every department tied at the
    floor."""
    if d.applies == 0 or d.label in ("N/A", "no owning department"):
        return plain(d.dimension), d.label, ""
    if not d.complete:
        value = f"incomplete ({d.coverage})"
    elif d.rule == WEAKEST_LINK:
        value = d.label
    else:
        value = f"{d.label} (floor {_number(d.floor)})"
    return plain(d.dimension), value, _names(d.at_floor, labels)


def _dimension_note(d: rollup.DimensionRollup, full: dict[str, str]) -> str:
    parts = [f"{plain(d.dimension)}: {_full_label(d, full)}"]
    if d.floor is not None:
        parts.append(f"floor {_number(d.floor)}, mean {d.mean:.1f}, spread {_number(d.spread or 0)}")
    parts.append(d.coverage)
    if d.at_floor:
        parts.append("at the floor: " + _names(d.at_floor, full))
    if d.missing:
        parts.append("not scored: " + _names(d.missing, full))
    if d.na:
        parts.append("N/A for " + _names(d.na, full))
    return "; ".join(parts)


def _full_label(d: rollup.DimensionRollup, full: dict[str, str]) -> str:
    return rollup.label(d.rule, d.value, d.scored, d.applies, d.applies + len(d.na), d.missing, d.unowned_steps,
                        full)


def _flow_tiles(summary: FlowSummary, before: FlowRecord | None, quarter: Quarter) -> list[tuple[str, str]]:
    """(figure, caption) per flow tile; "not recorded" where the champion left it blank, never 0."""
    rec = summary.record
    estimated = " · estimated" if rec and rec.confidence == ESTIMATED else ""
    if rec is None or rec.lead_time_days is None:
        lead = ("not recorded", f"lead time, {quarter}")
    else:
        change = ""
        if before is not None and before.lead_time_days is not None:
            change = f"; {rec.lead_time_days - before.lead_time_days:+.1f} since {quarter.previous()}"
        lead = (f"{_number(rec.lead_time_days)} days", f"lead time{change}{estimated}")
    efficiency = summary.flow_efficiency
    tiles = [lead, (f"{efficiency:.0%}" if efficiency is not None else "not recorded",
                    f"flow efficiency{estimated if efficiency is not None else ''}")]
    rolled = summary.rolled_complete_accurate
    if rolled is not None:
        tiles.append((f"{rolled:.0f}%", f"rolled %C&A over {len(summary.boundaries)} hand-offs"))
    elif not summary.boundaries:
        tiles.append(("–", "rolled %C&A: the stream has no hand-offs"))
    else:
        tiles.append(("not recorded", f"rolled %C&A ({summary.rated} of {len(summary.boundaries)} hand-offs rated)"))
    rework = None if rec is None else rec.rework_pct
    handoffs = None if rec is None else rec.handoffs
    tiles.append(("not recorded" if rework is None else f"{_number(rework)}%",
                  "rework" + ("" if handoffs is None else f"; {handoffs} hand-offs per item")))
    return tiles


def _flow_note(summary: FlowSummary, before: FlowRecord | None, hidden: bool) -> str:
    rec = summary.record
    if rec is None:
        return f"Flow: no record for {summary.quarter}."
    figures = ", ".join(f"{name.replace('_', ' ')} {'not recorded' if value is None else _number(value)}"
                        for name, value in (("lead_time_days", rec.lead_time_days),
                                            ("process_time_days", rec.process_time_days),
                                            ("handoffs", rec.handoffs), ("rework_pct", rec.rework_pct),
                                            ("throughput", rec.throughput), ("wip", rec.wip),
                                            ("items", rec.items)))
    said = [f"Flow in {summary.quarter}: {figures}; {rec.confidence}, from {rec.source}."]
    if before is not None and before.lead_time_days is not None:
        said.append(f"Lead time the quarter before: {_number(before.lead_time_days)} days.")
    if summary.process_exceeds_lead:
        said.append("The process time exceeds the lead time: the figures need a second look.")
    if rec.note and not hidden:
        said.append("Note: " + plain(rec.note))
    return " ".join(said)


def _open_items(db: Database, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Open improvements per department × dimension, for the pairs asked for (one aggregate)."""
    if not pairs:
        return {}
    rows = db.rows(
        "SELECT department_id, dimension_id, count(*) FROM backlog_items WHERE status NOT IN "
        "(SELECT unnest(CAST($2 AS TEXT[]))) AND department_id || '/' || dimension_id IN "
        "(SELECT unnest(CAST($1 AS TEXT[]))) GROUP BY department_id, dimension_id",
        [sorted({f"{d}/{m}" for d, m in pairs}), list(FINAL_STATUSES)])
    return {(d, m): int(n) for d, m, n in rows}


def _lever_text(row, names: dict[str, str], items: dict[tuple[str, str], int], *, brief: bool = False) -> str:
    n = items.get((row.department_id, row.dimension_id), 0)
    others = int(row.other_streams)
    text = (f"{'Lever: ' if brief else ''}{names.get(row.department_id, plain(row.department_id))} · "
            f"{plain(row.dimension)} (floor {_number(float(row.floor))}) · "
            f"{n} open improvement{'' if n == 1 else 's'}")
    if others:
        text += (f" · also in {others} other stream{'' if others == 1 else 's'}" if brief else
                 f" · the constraint in {others} other stream{'' if others == 1 else 's'} too")
    return text


def _card(db: Database, stream: Stream, quarter: Quarter, steps, maturity: rollup.StreamMaturity, levers,
          labels: dict[str, str], full: dict[str, str], hidden: bool) -> StreamCard:
    summary = flow.flow_summary(db, stream.stream_id, quarter)
    before = flow.flow_record(db, stream.stream_id, quarter.previous())
    items = _open_items(db, [(r.department_id, r.dimension_id) for r in levers.itertuples()])
    trigger = plain(stream.trigger) or "trigger not described"
    outcome = plain(stream.outcome) or "outcome not described"
    shown = [_lever_text(r, labels, items, brief=True) for r in levers.itertuples()]
    step_note = "; ".join(
        f"{s.position}. {plain(s.name)} ({full.get(s.department_id, plain(s.department_id or 'no owner yet'))}"
        + (f", supported by {_names(s.supporting, full)}" if s.supporting else "") + ")" for s in steps)
    notes = [f"Value stream {plain(stream.name)} ({stream.kind}), {quarter}: {trigger} → {outcome}."
             + (f" Consumer: {plain(stream.consumer)}." if stream.consumer else ""),
             *([plain(stream.description)] if stream.description and not hidden else []),
             f"Steps in {quarter}: {step_note}.",
             f"Roll-up rule: {RULE_WORDS.get(maturity.rule, maturity.rule)}.",
             *(_dimension_note(d, full) for d in maturity.dimensions),
             _flow_note(summary, before, hidden),
             "Levers (department × dimension at the floor, with the open improvements for the pair): "
             + ("; ".join(_lever_text(r, full, items) for r in levers.itertuples()) or "none yet") + ".",
             METHOD, FLOW_METHOD]
    return StreamCard(
        stream.stream_id, plain(stream.name), short(f"{trigger} → {outcome} · {stream.kind} stream",
                                                    SUBTITLE_CHARS),
        "weakest link" if maturity.rule == WEAKEST_LINK else RULE_WORDS.get(maturity.rule, maturity.rule),
        [_dimension_cell(d, labels) for d in maturity.dimensions], _flow_tiles(summary, before, quarter),
        shown[:LEVERS_SHOWN] or [f"No lever yet: no owning department has an agreed score for {quarter}."],
        "\n\n".join(notes))


def cards(db: Database, quarter: Quarter, labels: dict[str, str], full: dict[str, str],
          departments: tuple[str, ...] = (), hidden: bool = False) -> list[StreamCard]:
    """One card per active stream with steps in `quarter` (owned in part by one of `departments`, when some
    are chosen). `labels` and `full`: every department's label on a slide and its name in the notes
    (aliases when names are hidden)."""
    out = []
    levers = rollup.all_levers(db, quarter)   # one statement for every stream's levers, one for its maturity
    by_stream = {key: group for key, group in levers.groupby("stream_id", sort=False)}
    maturity = rollup.all_maturity(db, quarter)
    for stream in queries.list_streams(db):
        steps = queries.steps_in(db, stream.stream_id, quarter)
        if not steps or (departments and not {s.department_id for s in steps} & set(departments)):
            continue
        out.append(_card(db, stream, quarter, steps, maturity[stream.stream_id],
                         by_stream.get(stream.stream_id, levers.iloc[0:0]), labels, full, hidden))
    return out


__all__ = ["StreamCard", "cards", "LEVERS_SHOWN"]
