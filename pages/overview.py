"""Overview: getting started on an empty database; this quarter at a glance with data."""

import streamlit as st

from esm_maturity.access import Permission, allowed
from esm_maturity import clock, overview
from esm_maturity.demo.organisation import load_demo
from esm_maturity.models import EsmError, Quarter
from esm_maturity.ui import cadence_view, chart_export, overview_view
from esm_maturity.ui.cached import read
from esm_maturity.ui.context import MISSING, page_setup, show_error, show_flash
from esm_maturity.ui.text import esc

db, actor = page_setup()
st.title("ESM maturity overview")

if not read(db, overview.has_data):
    with st.container(border=True):
        st.subheader("Getting started")
        st.write("This tracker keeps your organisation's Enterprise Service Management journey visible: "
                 "departments score their maturity each quarter, champions keep the improvement backlog, "
                 "and sponsors follow the trends.")
        st.markdown("**Try it with a demo organisation** — ten departments and two years of self-assessments.")
        if st.button("Load the demo organisation", type="primary", key="load_demo", disabled=not allowed(actor, Permission.demo),
                     help=None if allowed(actor, Permission.demo) else "Only an admin can load the demo."):
            try:
                with st.spinner("Loading the demo organisation..."):
                    counts = load_demo(db, actor)
                st.session_state["flash"] = (f"Demo organisation loaded: {counts['departments']} departments, "
                                             f"{counts['assessments']} assessments.")
                st.rerun()
            except EsmError as err:
                show_error(err)
        st.markdown("**Or set up your own organisation:**")
        st.markdown("1. Add your departments, with their sponsor and champion.")
        st.page_link("pages/settings.py", label="Settings: departments and maturity model", icon=":material/settings:")
        st.markdown("2. Ask each department to score this quarter against the maturity model.")
        st.page_link("pages/assessment.py", label="Self-assessment", icon=":material/checklist:")
    st.stop()

show_flash()

quarter_text = st.query_params.get("quarter", str(Quarter.current()))
try:
    quarter = Quarter.parse(quarter_text)
except EsmError:
    st.warning(f"{esc(quarter_text)} is not a quarter (YYYY-Qn); showing the current quarter.")
    quarter = Quarter.current()
choices = [str(quarter.shift(-i)) for i in range(0, 12)]
picked = st.selectbox("Quarter", choices, key="overview_quarter", width=200)
quarter = Quarter.parse(picked)
st.query_params["quarter"] = str(quarter)

landing = overview_view.reads(db, quarter, clock.today())
done = landing.completion
submitted = int((done["status"] == "submitted").sum())
cols = st.columns(4)
cols[0].metric("Departments", len(done))
cols[1].metric("Submitted", f"{submitted} of {len(done)}")
cols[2].metric("In draft", int((done["status"] == "draft").sum()))
cols[3].metric("Not started", int((done["status"] == "not started").sum()))

left, right = st.columns([1.2, 1], gap="large")
with left:
    st.subheader(f"Self-assessments for {quarter}")
    st.dataframe(
        done[["department", "status", "scored", "dimensions", "submitted_by", "submitted_on"]].fillna(
            {"submitted_by": ""}),
        hide_index=True, placeholder=MISSING, width="stretch",
        column_config={"department": "Department", "status": st.column_config.TextColumn("Status", width="small"),
                       "scored": st.column_config.ProgressColumn("Scored", min_value=0,
                                                                 max_value=int(done["dimensions"].max() or 1),
                                                                 format="%d", width="small"),
                       "dimensions": None, "submitted_by": "Submitted by",
                       "submitted_on": st.column_config.DateColumn("On", format="YYYY-MM-DD", width=92)})
with right:
    st.subheader("Organisation average per dimension")
    averages = landing.averages
    if averages["departments"].sum() == 0:
        st.info(f"No submitted self-assessments for {quarter} yet.")
    else:
        chart_export.draw(overview_view.averages_chart(db, quarter, averages), "overview_averages",
                          f"Organisation average per dimension, {quarter}")
        st.caption("Bars: mean level of submitted assessments (N/A and not assessed left out). "
                   "Orange ticks: mean target.")

st.subheader(f"Largest movers since {quarter.previous()}")
moves = landing.movers
if moves.empty:
    st.info(f"No scores changed between {quarter.previous()} and {quarter}.")
else:
    st.dataframe(moves, hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"department": "Department", "dimension": "Dimension",
                                "before": str(quarter.previous()), "after": str(quarter),
                                "change": st.column_config.NumberColumn("Change", format="%+d")})

st.subheader("Cadence", anchor=False)
cadence_view.summary(landing.cadence)
st.page_link("pages/checkins.py", label="Check-ins: record a meeting, follow up actions, change the quiet window",
             icon=":material/groups:")
