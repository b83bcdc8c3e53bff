"""The stream overview's flow: five tiles for the quarter (each with its change and its trend in words;
"not recorded", never 0; "estimated" where the record says so) and the floors per dimension above the lead
time on one quarter axis. Reads through ui/cached.read; the chart is a recipe (ui/chart_export.Plot)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ..charts import streams as charts
from ..db import Database
from ..models import Quarter
from ..streams import flow, rollup
from ..streams.records import ESTIMATED, FlowSummary, Stream
from .cached import read, source
from .chart_export import Plot, show_chart
from .stream_overview_view import TREND_QUARTERS, subtitle

# --- flow ----------------------------------------------------------------------------------------------

NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class Tile:
    label: str
    key: str            # in _figures
    shown: str          # how the value reads: a format with {v}
    delta: str          # how the change reads
    colour: str         # st.metric's delta_color: "inverse" where lower is better
    series: str | None  # the flow_trend column of its sparkline
    from_record: bool = True


TILES = (Tile("Lead time", "lead", "{v:.1f} days", "{d:+.1f} days", "inverse", "lead_time_days"),
         Tile("Flow efficiency", "efficiency", "{v:.0f}%", "{d:+.0f} pp", "normal", "flow_efficiency"),
         Tile("Hand-offs", "handoffs", "{v:.0f}", "{d:+.0f}", "inverse", "handoffs"),
         Tile("Rework", "rework", "{v:.0f}%", "{d:+.0f} pp", "inverse", "rework_pct"),
         Tile("Rolled %C&A", "rolled", "{v:.0f}%", "{d:+.0f} pp", "normal", None, False))
TILE_HELP = {"Rolled %C&A": "Rolled % complete and accurate: the product of every hand-off's % complete and "
                            "accurate, as the receiving departments rated them; shown when every hand-off is rated."}
PER_ROW = 3   # tiles side by side: "not recorded" fits a tile at this width, in meeting type too


def _figures(summary: FlowSummary) -> dict[str, float | None]:
    """The tiles' figures (None: not recorded); percentages as 0-100."""
    r, eff = summary.record, summary.flow_efficiency
    return {"lead": r.lead_time_days if r else None, "efficiency": None if eff is None else eff * 100,
            "handoffs": None if not r or r.handoffs is None else float(r.handoffs),
            "rework": r.rework_pct if r else None, "rolled": summary.rolled_complete_accurate}


def trend_words(trend: pd.DataFrame, tile: Tile) -> str | None:
    """The tile's trend as words under it: its first and latest recorded quarters of the last few ("2025-Q1
    14.0 days → 2026-Q4 9.5 days"); None with fewer than two. Words rather than a sparkline: a sparkline is
    an image without alternative text, and a room reads the words from the back."""
    if tile.series is None or tile.series not in trend:
        return None
    values = pd.to_numeric(trend[tile.series], errors="coerce") * (100 if tile.series == "flow_efficiency" else 1)
    recorded = [(q, float(v)) for q, v in zip(trend["quarter"], values) if pd.notna(v)]
    if len(recorded) < 2:
        return None
    (first_q, first), (last_q, last) = recorded[0], recorded[-1]
    return f"{first_q}: {tile.shown.format(v=first)} → {last_q}: {tile.shown.format(v=last)}"


def flow_tiles(db: Database, stream_id: str, quarter: str) -> None:
    """Five tiles for the quarter, each with its change against the quarter before and its trend in words;
    "estimated" when the record says so, "not recorded" (never 0) without a figure."""
    st.subheader("Flow", anchor=False)
    previous = str(Quarter.parse(quarter).previous())
    now = read(db, flow.flow_summary, stream_id, quarter)
    a, b = _figures(now), _figures(read(db, flow.flow_summary, stream_id, previous))
    trend = read(db, flow.flow_trend, stream_id, _trend_quarters(quarter))
    estimated = bool(now.record and now.record.confidence == ESTIMATED)
    rolled_missing = "no hand-offs" if not now.boundaries else NOT_RECORDED
    rated = f"{now.rated} of {len(now.boundaries)} hand-offs rated." if now.boundaries else ""
    columns = [c for _ in range(0, len(TILES), PER_ROW) for c in st.columns(PER_ROW)]
    for column, tile in zip(columns, TILES):
        value, before = a[tile.key], b[tile.key]
        change = None if value is None or before is None else tile.delta.format(d=value - before)
        still = change is None or not any(ch in "123456789" for ch in change)   # no change at the tile's precision
        notes = [TILE_HELP.get(tile.label, ""), "" if tile.from_record else rated,
                 "" if before is None else f"The change against {previous}."]
        column.metric(tile.label + (" · estimated" if estimated and tile.from_record else ""),
                      (NOT_RECORDED if tile.from_record else rolled_missing) if value is None
                      else tile.shown.format(v=value),
                      change, delta_color="off" if still else tile.colour,
                      help=" ".join(n for n in notes if n) or None)
        words = trend_words(trend, tile)
        if words:
            column.caption(words)
    if now.record is None:
        st.caption(f"No flow figures recorded for {quarter}: the tiles say \"{NOT_RECORDED}\", never 0.")
    else:
        st.caption(f"Source: {now.record.source}; {now.record.confidence}.")
    if now.process_exceeds_lead:
        st.warning("The process time recorded exceeds the lead time: the figures need a second look.")


# --- floors beside lead time ---------------------------------------------------------------------------

def _trend_quarters(quarter: str) -> list[str]:
    q = Quarter.parse(quarter)
    return [str(q.shift(-i)) for i in range(TREND_QUARTERS - 1, -1, -1)]


def trend_rows(db: Database, stream_id: str, quarter: str) -> pd.DataFrame:
    quarters = _trend_quarters(quarter)
    return charts.trend_frame(rollup.maturity_frame(db, quarters, [stream_id]),
                              flow.flow_trend(db, stream_id, quarters))


def trend(db: Database, stream: Stream, quarter: str, meeting: bool) -> None:
    st.subheader("Floors beside lead time", anchor=False)
    frame = read(db, trend_rows, stream.stream_id, quarter)
    plot = Plot(charts.floors_and_lead_time, frame, {"large_text": meeting, "width": 900 if meeting else 640},
                meeting, source=source(db, trend_rows, stream.stream_id, quarter))
    show_chart(plot, "stream_trend", f"Floor per dimension and lead time of {stream.name}", discreet=meeting,
               subtitle=subtitle(db, stream, quarter))
    st.caption("Gaps: quarters without an agreed score or without a flow record (never drawn as 0).")
