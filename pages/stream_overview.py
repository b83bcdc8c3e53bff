"""Stream overview for sponsors: one value stream in one quarter. For each dimension the department that
holds the stream back (every tie), how complete the picture is, the lead time beside the maturity, and the
open improvements that would lift it. Link: ?stream=VS-1&quarter=2025-Q4&meeting=1."""

import streamlit as st

from esm_maturity.models import EsmError
from esm_maturity.streams import queries as streams
from esm_maturity.streams import rollup
from esm_maturity.trends import queries as trends
from esm_maturity.ui import stream_flow_view as flow_view
from esm_maturity.ui import stream_overview_view as view
from esm_maturity.ui import trend_view
from esm_maturity.ui.cached import read
from esm_maturity.ui.context import page_setup, show_error

db, actor = page_setup()
st.title("Stream overview")

listed = read(db, streams.list_streams)
if not listed:
    view.no_streams()
    st.stop()

names = {s.stream_id: s.name for s in listed}
submitted = read(db, trends.submitted_quarters)
quarters, default_quarter = view.quarters(submitted, st.query_params.get("quarter"))
view.read_link(list(names), quarters)

top = st.columns([3, 2, 2], vertical_alignment="bottom")
trend_view.keep_valid(view.STREAM_KEY, list(names), next(iter(names)))
stream_id = top[0].selectbox("Value stream", list(names), format_func=names.get, key=view.STREAM_KEY)
trend_view.keep_valid(view.QUARTER_KEY, quarters, view.fullest_quarter(db, stream_id, submitted, default_quarter))
quarter = top[1].selectbox("Quarter", quarters, key=view.QUARTER_KEY)
meeting = top[2].toggle("Meeting mode", key=view.MEETING_KEY,
                        help="Enlarges text and charts for a meeting room; the link keeps the view.")
if meeting:
    trend_view.meeting_style()
view.write_link(stream_id, quarter, meeting)

try:
    stream = read(db, streams.get_stream, stream_id)
    maturity = read(db, rollup.stream_maturity, stream_id, quarter)
    view.header(stream, maturity, quarter)
    if view.scored(maturity):
        view.heatmap(db, stream, quarter, meeting)
        view.dimension_table(maturity)
        view.levers(db, stream_id, quarter)
    else:
        st.info(f"No agreed scores for this stream in {quarter} yet: none of its owning departments has a submitted "
                "self-assessment for the quarter. Pick another quarter, or see the flow below.")
    flow_view.flow_tiles(db, stream_id, quarter)
    flow_view.trend(db, stream, quarter, meeting)
except EsmError as err:
    show_error(err)
