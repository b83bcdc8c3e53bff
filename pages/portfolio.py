"""Stream portfolio: every value stream's maturity per dimension (its floor), and the department ×
dimension pairs that hold back the most streams at once."""

import streamlit as st

from esm_maturity.models import EsmError
from esm_maturity.streams import queries as streams
from esm_maturity.ui import portfolio_view as view
from esm_maturity.ui.cached import read
from esm_maturity.ui.context import page_setup, show_error

db, actor = page_setup()
st.title("Stream portfolio")

if not read(db, streams.list_streams):
    view.no_streams()
    st.stop()

top = st.columns([1, 3], vertical_alignment="bottom")
quarter = view.choose_quarter(db, top[0])
top[1].caption("A stream's maturity is derived from the agreed scores of the departments owning its steps that "
               "quarter; nobody scores a stream twice.")

try:
    if view.matrix(db, quarter):
        view.constraints(db, quarter)
except EsmError as err:
    show_error(err)
