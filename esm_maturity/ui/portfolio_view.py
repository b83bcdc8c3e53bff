"""The stream portfolio page's parts: its quarter (in the URL, like ui/trend_view.py), the streams ×
dimensions matrix of floors with a table of the same, and the ranking of shared constraints with links to
the backlog and to each stream.

The quarter lives in the URL (?quarter=2026-Q3); an unknown one falls back to the newest quarter with a
submitted assessment (or the clock's quarter when there is none). Every read goes through ui/cached.read;
every chart is a recipe (ui/chart_export.Plot). User text (stream, department and dimension names) goes
into Markdown and labels through esc/esc_label only; chart text is plain. Wording: "lever" or
"constraint", never "worst".
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ..access.policy import allowed_somewhere
from ..charts import portfolio as charts
from ..db import Database
from ..models import Quarter, quarter_range
from ..organisation import organisation_name
from ..streams import portfolio_reads as reads
from ..streams import rollup
from ..trends import queries as trends
from . import identity
from .cached import read, source
from .chart_export import Plot, show_chart
from .registry import PAGES
from .text import esc, esc_label

QUARTER_KEY = "portfolio_quarter"
STREAMS_PAGE, OVERVIEW_PAGE, BACKLOG_PAGE = "pages/streams.py", "pages/stream_overview.py", "pages/backlog.py"
LISTED = 10        # shared constraints listed with their links
RECENT = 2         # the default quarter: the newest submitted, or the one before while it is fuller
_ROOT = Path(__file__).resolve().parents[2]


def page_available(path: str) -> bool:
    """May this run link to the page: it is in the registry, its file is there and the person may open it
    (st.page_link refuses a page the navigation does not hold)."""
    spec = next((p for p in PAGES if p.path == path), None)
    if spec is None or not (_ROOT / path).is_file():
        return False
    return spec.needs is None or allowed_somewhere(identity.current(), spec.needs)


def stream_link(stream_id: str, name: str, container=st) -> None:
    """A link to the stream's overview (its name as typed), or its name alone while there is no such page."""
    if page_available(OVERVIEW_PAGE):
        container.page_link(OVERVIEW_PAGE, label=esc_label(name), icon=":material/conversion_path:",
                            query_params={"stream": stream_id})
    else:
        container.markdown(esc(name))


# --- the quarter --------------------------------------------------------------------------------------------

def quarter_options(db: Database) -> tuple[list[str], str]:
    """The quarters to choose from, newest first, and the default: the newest quarter with a submitted
    assessment, unless the quarter before it has a fuller picture of the streams (rollup.fullest_quarter: more
    stream × dimension cells complete, while departments are still scoring); the clock's quarter without any."""
    submitted = read(db, trends.submitted_quarters)
    now = Quarter.current()
    if not submitted:
        return [str(now)], str(now)
    span = quarter_range(submitted[0], max(submitted[-1], now))
    fullest = read(db, rollup.fullest_quarter, [str(q) for q in submitted[-RECENT:]])
    return [str(q) for q in reversed(span)], fullest or str(submitted[-1])


def choose_quarter(db: Database, place=st) -> Quarter:
    """The quarter selectbox: from the URL on load (when valid), kept valid, written back to the URL."""
    options, default = quarter_options(db)
    wanted = st.query_params.get("quarter")
    if QUARTER_KEY not in st.session_state and wanted in options:
        st.session_state[QUARTER_KEY] = wanted
    if st.session_state.get(QUARTER_KEY) not in options:
        st.session_state[QUARTER_KEY] = default
    chosen = place.selectbox("Quarter", options, key=QUARTER_KEY)
    if st.query_params.get("quarter") != chosen:
        st.query_params["quarter"] = chosen
    return Quarter.parse(chosen)


# --- empty states -------------------------------------------------------------------------------------------

def no_streams() -> None:
    st.info("There are no value streams yet. Define one (its steps and the department owning each) and the "
            "portfolio shows where each stream's maturity is held back.")
    if page_available(STREAMS_PAGE):
        st.page_link(STREAMS_PAGE, label="Define a value stream", icon=":material/conversion_path:")


def _no_scores(quarter: Quarter) -> None:
    st.info(f"No submitted scores for {quarter} from the departments owning the streams' steps: a stream's "
            "maturity is derived from them. Choose another quarter, or submit the self-assessments.")
    st.page_link("pages/assessment.py", label="Self-assessment", icon=":material/checklist:")


# --- the matrix ---------------------------------------------------------------------------------------------

def _subtitle(db: Database, quarter: Quarter):
    return lambda: f"{organisation_name(db)} · {quarter}"


def _cell(row) -> str:
    """A table cell: the value, who is at the floor, and whether the picture is complete (plain text)."""
    if not row.value_text:
        return row.status
    text = row.value_text + (f" · at the floor: {row.at_floor}" if row.at_floor else "")
    return text if row.complete else f"{text} · {row.status}"


def matrix_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The matrix in words, every cell escaped Markdown: a stream per row, with its lowest floor and every
    dimension in one wrapped column ("Dimension: 2 · at the floor: IT Services; ..."). Three columns fit the
    page at any number of streams and dimensions, so the table never scrolls sideways, where a keyboard could
    not reach it."""
    streams: dict[tuple[str, str], list] = {}
    for r in rows.sort_values(["position", "dimension"], kind="stable").itertuples():
        floors, words = streams.setdefault((r.stream_id, r.stream), ([], []))
        if pd.notna(r.floor):
            floors.append(float(r.floor))
        words.append(f"{r.dimension}: {_cell(r)}")
    return pd.DataFrame([[esc(name), f"{min(floors):.0f}" if floors else "no scores", esc("; ".join(words))]
                         for (_, name), (floors, words) in streams.items()],
                        columns=["Stream", "Lowest floor", "Per dimension"])


def matrix_words(db: Database, quarter: Quarter) -> pd.DataFrame:
    """matrix_table of the quarter's matrix: built once per change of the data (through cached.read)."""
    return matrix_table(reads.matrix_rows(db, quarter))


def matrix(db: Database, quarter: Quarter) -> bool:
    """The matrix of floors and its table; False (after saying so) when nobody owning a step scored."""
    st.subheader(f"Stream maturity by dimension, {quarter}")
    rows = read(db, reads.matrix_rows, quarter)
    if not (rows["scored"] > 0).any():
        _no_scores(quarter)
        return False
    plot = Plot(charts.floor_matrix, rows, {}, source=source(db, reads.matrix_rows, quarter))
    show_chart(plot, "portfolio_matrix", f"stream floors {quarter}", title=f"Stream maturity by dimension, {quarter}",
               subtitle=_subtitle(db, quarter))
    st.caption("Each cell is the stream's value on that dimension by its roll-up rule (weakest link by default: "
               "the lowest owning department). Light cells with a dashed outline are incomplete: not every owning "
               "department has a submitted score (k/n scored); a missing score never counts as 0. Hover for the "
               "departments at the floor: the stream's levers.")
    st.table(read(db, matrix_words, quarter), hide_index=True, border="horizontal")
    return True


# --- shared constraints -------------------------------------------------------------------------------------

def _pair_line(rank: int, r) -> str:
    streams = int(r.streams)
    items = int(r.open_items)
    return (f"**{rank}. {esc(r.department)} · {esc(r.dimension)}**: the floor of {streams} "
            f"stream{'' if streams == 1 else 's'} (lowest floor {float(r.lowest):.0f}); "
            f"{items} open improvement{'' if items == 1 else 's'} for this pair")


def constraints(db: Database, quarter: Quarter) -> None:
    """The department × dimension pairs at the floor of the most streams, each linked to its backlog."""
    st.subheader(f"Shared constraints, {quarter}")
    st.caption("Department × dimension pairs ranked by how many streams they are the floor of, then by the "
               "lowest floor: a fix here lifts every stream listed.")
    rows = read(db, reads.constraint_rows, quarter)
    if rows.empty:
        st.info(f"No department × dimension pair is at a stream's floor in {quarter} yet.")
        return
    plot = Plot(charts.constraint_ranking, rows, {}, source=source(db, reads.constraint_rows, quarter))
    show_chart(plot, "portfolio_constraints", f"shared constraints {quarter}",
               title=f"Shared constraints: streams whose floor each pair is, {quarter}",
               subtitle=_subtitle(db, quarter))
    names = read(db, reads.stream_names)
    for rank, r in enumerate(rows.head(LISTED).itertuples(), start=1):
        with st.container(border=True):
            st.markdown(_pair_line(rank, r))
            line = st.container(horizontal=True, gap="small")
            line.page_link(BACKLOG_PAGE, label=esc_label(f"Backlog: {r.department} · {r.dimension}"),
                           icon=":material/low_priority:",
                           query_params={"department": r.department_id, "dimension": r.dimension_id})
            for stream_id in r.stream_ids:
                stream_link(stream_id, names.get(stream_id, stream_id), line)
    if len(rows) > LISTED:
        st.caption(f"{len(rows) - LISTED} more pairs are at a stream's floor; the chart ranks the first "
                   f"{min(len(rows), charts.RANKED)}.")
