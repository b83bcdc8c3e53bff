"""The sponsor's stream overview: its link (?stream=VS-1&quarter=2025-Q4&meeting=1), its header, heatmap, table
and levers (the flow tiles and the floors beside lead time: ui/stream_flow_view.py).

Every read goes through ui/cached.read (shared by all sessions until the next write); the charts are
recipes (ui/chart_export.Plot) built once. User text (stream, step, department and dimension names, item
titles) reaches Markdown only through ui/text.py's helpers; chart text needs none. Wording: "lever" and
"constraint", never "worst".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ..charts import streams as charts
from ..db import Database
from ..models import Quarter, ValidationError, quarter_range
from ..organisation import organisation_name
from ..rounds import results as rounds
from ..streams import links, rollup
from ..streams.records import RULE_WORDS, Stream
from . import trend_view
from .cached import read, source
from .chart_export import Plot, show_chart
from .registry import PAGES
from .text import esc, esc_label

STREAM_KEY, QUARTER_KEY = "so_stream", "so_quarter"
MEETING_KEY = trend_view.MEETING_KEY   # one meeting mode across the sponsor pages
TREND_QUARTERS = 8
BACKLOG, STREAMS_PAGE = "pages/backlog.py", "pages/streams.py"
DASH = "–"
ROOT = Path(__file__).resolve().parents[2]   # the project: pages/ lives there
LEVERS_SHOWN = 8  # the biggest levers, each with its improvements; the per-dimension table names every tie
ITEMS_SHOWN = 3   # open improvements listed per lever (and naming the stream); the rest are a link away
ORDER_NOTE = "Levers that constrain more streams come first: lifting them lifts every one of those streams."


# --- the link ----------------------------------------------------------------------------------------

def quarters(submitted: list[Quarter], linked: str | None) -> tuple[list[str], str]:
    """The quarters to offer, newest first (the submitted ones, the last eight up to this quarter and a
    valid linked one), and the default: the latest with submitted assessments, else this quarter."""
    now = Quarter.current()
    default = submitted[-1] if submitted else now
    ends = [*submitted, now, now.shift(-(TREND_QUARTERS - 1))]
    if linked:
        try:
            ends.append(Quarter.parse(linked))
        except ValidationError:   # a mistyped link: the default quarter instead
            pass
    return [str(q) for q in reversed(quarter_range(min(ends), max(ends)))], str(default)


def fullest_quarter(db: Database, stream_id: str, submitted: list[Quarter], fallback: str) -> str:
    """The quarter the overview opens on: the newest with submitted assessments, unless the one before it has
    a fuller picture of this stream (rollup.fullest_quarter: while departments are still scoring the newest
    reads "incomplete" everywhere); `fallback` when neither has a complete dimension."""
    asked = [str(q) for q in submitted[-2:]]
    return read(db, rollup.fullest_quarter, asked, [stream_id]) or fallback


def read_link(stream_ids: list[str], offered: list[str]) -> None:
    """On load, take stream, quarter and meeting mode from the URL (when valid and not yet set)."""
    trend_view.take_from_link(STREAM_KEY, "stream", stream_ids)
    trend_view.take_from_link(QUARTER_KEY, "quarter", offered)
    trend_view.take_meeting_from_link()


def write_link(stream_id: str, quarter: str, meeting: bool) -> None:
    for name, value in {"stream": stream_id, "quarter": quarter, "meeting": "1" if meeting else None}.items():
        if value is None:
            st.query_params.pop(name, None)
        elif st.query_params.get(name) != value:
            st.query_params[name] = value


def no_streams() -> None:
    st.info("There are no value streams yet. A value stream runs from a trigger to an outcome through steps "
            "owned by departments; once one is defined, its overview appears here.")
    if any(p.path == STREAMS_PAGE for p in PAGES) and (ROOT / STREAMS_PAGE).exists():
        st.page_link(STREAMS_PAGE, label="Define a value stream", icon=":material/account_tree:")


# --- header ------------------------------------------------------------------------------------------

def header(stream: Stream, maturity: rollup.StreamMaturity, quarter: str) -> None:
    st.subheader(f"{esc_label(stream.name)} · {quarter}", anchor=False)
    said = lambda text: esc(text) if text else DASH  # noqa: E731
    flows = f": {said(stream.trigger)} → {said(stream.outcome)}" if stream.trigger or stream.outcome else ""
    lines = [f"**{'Core' if stream.kind == 'core' else 'Enabling'} stream**{flows}",
             f"Consumer: {said(stream.consumer)} · Owner: {said(stream.owner)} · Champion: {said(stream.champion)}",
             f"Roll-up rule: {RULE_WORDS.get(stream.rollup_rule, esc(stream.rollup_rule))}"]
    st.markdown("  \n".join(lines))
    st.markdown(headline(maturity))


def headline(maturity: rollup.StreamMaturity) -> str:
    """One line: no single number by default; the lowest dimension floor, labelled, and how complete."""
    dims = maturity.dimensions
    complete = sum(d.complete for d in dims)
    low = maturity.lowest_floor
    if low is None:
        return ("No agreed scores yet: the profile per dimension fills in as the owning departments submit "
                f"({complete} of {len(dims)} dimensions complete).")
    at = ", ".join(esc(d.dimension) for d in dims if d.floor == low)
    return (f"The stream's maturity is its profile per dimension, below. Lowest dimension floor: **{low:.0f}** "
            f"({at}) · complete picture on {complete} of {len(dims)} dimensions.")


def scored(maturity: rollup.StreamMaturity) -> bool:
    return any(d.scored for d in maturity.dimensions)


# --- the heatmap and the table -------------------------------------------------------------------------

def heatmap_rows(db: Database, stream_id: str, quarter: str) -> pd.DataFrame:
    """The heatmap's rows: each step's cells (with the rating-round badge) and the roll-up row."""
    steps = links.step_scores(db, stream_id, quarter)
    badges = rounds.badges(db, quarter)
    steps["badge"] = [badges.get((d, m), "") for d, m in zip(steps["department_id"], steps["dimension_id"])]
    return charts.heatmap_frame(steps, rollup.maturity_frame(db, [quarter], [stream_id]))


def subtitle(db: Database, stream: Stream, quarter: str):
    return lambda: " · ".join([organisation_name(db), stream.name, quarter])


def heatmap(db: Database, stream: Stream, quarter: str, meeting: bool) -> None:
    st.subheader("Steps and dimensions", anchor=False)
    frame = read(db, heatmap_rows, stream.stream_id, quarter)
    if frame.empty:
        st.info(f"The stream has no steps valid in {quarter}.")
        return
    plot = Plot(charts.stream_heatmap, frame, {"large_text": meeting}, meeting,
                source=source(db, heatmap_rows, stream.stream_id, quarter))
    show_chart(plot, "stream_heatmap", f"Heatmap of {stream.name}, {quarter}", discreet=meeting,
               subtitle=subtitle(db, stream, quarter))
    st.caption("Each cell: the owning department's agreed score. Outlined: the departments at the floor of "
               "that dimension (the constraint; every tie). The last row is the stream's roll-up.")


def _num(value: float | None, fmt: str = ".1f") -> str:
    return DASH if value is None else format(value, fmt)


def dimension_frame(maturity: rollup.StreamMaturity) -> pd.DataFrame:
    """The per-dimension table, its cells escaped (st.table renders Markdown)."""
    name = lambda d: esc(maturity.names.get(d, d))  # noqa: E731
    return pd.DataFrame([{
        "Dimension": esc(d.dimension), "By the rule": esc(d.label), "Floor": _num(d.floor, ".0f"),
        "Mean": _num(d.mean), "Spread": _num(d.spread, ".0f"), "Coverage": d.coverage,
        "At the floor (constraint)": ", ".join(name(x) for x in d.at_floor) or DASH,
        "Not scored": ", ".join(name(x) for x in d.missing) or DASH,
        "N/A": ", ".join(name(x) for x in d.na) or DASH} for d in maturity.dimensions])


def dimension_table(maturity: rollup.StreamMaturity) -> None:
    st.subheader("Per dimension, in words", anchor=False)
    st.table(dimension_frame(maturity), hide_index=True, border="horizontal")


# --- levers --------------------------------------------------------------------------------------------

def _item_label(item) -> str:
    owner = f", {item.owner}" if isinstance(item.owner, str) and item.owner else ""
    return esc_label(f"{item.item_id} · {item.title} ({item.status}{owner})")


def _items(found: pd.DataFrame) -> None:
    for item in found.itertuples():
        st.page_link(BACKLOG, label=_item_label(item), icon=":material/low_priority:",
                     query_params={"item": item.item_id})


EMPTY = pd.DataFrame()


def _lever(lever, items: dict[tuple[str, str], pd.DataFrame]) -> None:
    """One lever: the pair, its floor, how many other streams it holds back, its open improvements (or a
    link to add one) and the backlog filtered to the pair."""
    others = int(lever.other_streams)
    also = (f"also the constraint in {others} other stream{'' if others == 1 else 's'}" if others
            else "the constraint in no other stream")
    incomplete = "" if lever.complete else " (picture incomplete)"
    pair = {"department": lever.department_id, "dimension": lever.dimension_id}
    with st.container(border=True):
        st.markdown(f"**{esc(lever.department)} · {esc(lever.dimension)}**: at level {lever.floor:.0f}"
                    f"{incomplete}; {also}.")
        mine = items.get((lever.department_id, lever.dimension_id), EMPTY)
        if mine.empty:
            st.caption("No improvement is open for this lever.")
            st.page_link(BACKLOG, label="Add an improvement for this lever in the backlog", icon=":material/add:",
                         query_params=pair)
            return
        _items(mine)
        more = int(mine["in_group"].iloc[0]) - len(mine)
        label = (f"All {more + len(mine)} open for {esc_label(lever.department)} · {esc_label(lever.dimension)} "
                 "in the backlog" if more else
                 f"The backlog for {esc_label(lever.department)} · {esc_label(lever.dimension)}")
        st.page_link(BACKLOG, label=label, icon=":material/filter_list:", query_params=pair)


def levers(db: Database, stream_id: str, quarter: str) -> None:
    """The department × dimension pairs at the floor, those that constrain more streams first."""
    st.subheader("Biggest levers", anchor=False)
    found = read(db, rollup.levers, stream_id, quarter)
    if found.empty:
        st.info("No lever yet: no owning department has an agreed score for this stream in this quarter.")
        return
    found = found.sort_values(["other_streams", "floor", "position", "department"],
                              ascending=[False, True, True, True])
    shown = found.head(LEVERS_SHOWN)
    items = read(db, links.open_improvements, list(zip(shown["department_id"], shown["dimension_id"])), stream_id,
                 ITEMS_SHOWN)
    paired = items[items["why"] == links.LEVER_PAIR]
    by_pair = {pair: group for pair, group in paired.groupby(["department_id", "dimension_id"], sort=False)}
    st.caption(ORDER_NOTE)
    for lever in shown.itertuples():
        _lever(lever, by_pair)
    if len(found) > len(shown):
        st.caption(f"{len(found) - len(shown)} more department × dimension pairs are at this stream's floor (ties): "
                   "the table above names every one, and the portfolio ranks the pairs across streams.")
    named = items[items["why"] == links.NAMES_STREAM]
    if not named.empty:
        st.markdown("**Open improvements that name this stream**")
        _items(named)
        total = int(named["in_group"].iloc[0])
        if total > len(named):
            st.page_link(BACKLOG, label=f"All {total} open improvements that name this stream, in the backlog",
                         icon=":material/filter_list:", query_params={"stream": stream_id})
