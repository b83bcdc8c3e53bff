"""The export's read-only StreamSummary sheet (contract.STREAM_SUMMARY): what the value streams' figures are,
derived and never stored, so that a file read without the app still shows them.

One row per active stream × active dimension × quarter, for every quarter with a submitted assessment or a
flow record or hand-off rating, where the stream has steps (or a flow record) that quarter: the roll-up of the
owning departments' agreed scores by the stream's rule (esm_maturity.streams.rollup: value, floor, mean,
spread, coverage "k of n scored", every department tied at the floor, the overview's label), beside the
stream's flow efficiency and rolled % complete and accurate that quarter (blank: not recorded, never 0).
Each quarter rather than the latest: a backup then keeps the picture every past quarter showed. Import leaves
the sheet alone, even edited (reader: contract.DERIVED, EXPORT_ONLY_WHY).
"""

from __future__ import annotations


from ..db import Database
from ..streams import flow, rollup
from ..streams.rollup import plain_number
from ..streams.records import flow_efficiency, rolled_complete_accurate
from . import contract as c

_QUARTERS = ("SELECT quarter FROM assessments WHERE status = 'submitted' UNION SELECT quarter FROM stream_flow "
             "UNION SELECT quarter FROM stream_handoffs")


def summary_rows(db: Database) -> list[tuple]:
    """The StreamSummary sheet's rows (contract.STREAM_SUMMARY's columns), by stream, quarter and dimension."""
    if not db.scalar("SELECT count(*) FROM value_streams WHERE active"):
        return []
    quarters = sorted(q for (q,) in db.rows(_QUARTERS))
    if not quarters:
        return []
    frame = rollup.maturity_frame(db, quarters)
    figures = {(s, q): (lead, process) for s, q, lead, process in db.rows(
        "SELECT stream_id, quarter, lead_time_days, process_time_days FROM stream_flow")}
    rolled = {(s, q): rolled_complete_accurate([b.pct_complete_accurate for b in flow.boundaries(db, s, q)])
              for s, q in db.rows("SELECT DISTINCT h.stream_id, h.quarter FROM stream_handoffs h "
                                  "JOIN value_streams v ON v.stream_id = h.stream_id AND v.active")}
    rows = []
    for r in frame.itertuples():
        at = (r.stream_id, r.quarter)
        if not (int(r.departments) or int(r.unowned_steps) or at in figures):
            continue
        efficiency = flow_efficiency(*figures[at]) if at in figures else None
        rows.append((r.stream_id, r.stream, r.quarter, r.dimension_id, r.dimension, r.rollup_rule,
                     plain_number(r.value), plain_number(r.floor), plain_number(r.mean), plain_number(r.spread),
                     f"{int(r.scored)} of {int(r.applies)}", ", ".join(r.at_floor), r.label,
                     None if efficiency is None else round(efficiency * 100, 1), rolled.get(at)))
    return rows


def summary_sheet(db: Database) -> list[tuple[c.Sheet, list[tuple]]]:
    """(sheet, rows) of the summary, for every export (its figures are the overview's, which everyone reads)."""
    return [(c.STREAM_SUMMARY, summary_rows(db))]


__all__ = ["summary_rows", "summary_sheet"]
