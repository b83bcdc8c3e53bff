"""Trends for sponsors: heatmap, department trend, gaps to target, movers, improvement flow."""

import streamlit as st

from esm_maturity.models import EsmError, Quarter, quarter_range
from esm_maturity.trends import method
from esm_maturity.trends import queries as trends
from esm_maturity.ui import department_streams, pack_buttons, trend_headline
from esm_maturity.ui.cached import read
from esm_maturity.ui import trend_sections as section
from esm_maturity.ui import trend_view as view
from esm_maturity.ui.context import page_setup, show_error

db, actor = page_setup()
st.title("Maturity trends")

defaults = read(db, trends.default_filters)
if defaults is None:
    st.info("No submitted self-assessments yet. Trends appear once departments submit their first quarter.")
    st.page_link("pages/assessment.py", label="Self-assessment", icon=":material/checklist:")
    st.stop()

submitted = read(db, trends.submitted_quarters)
all_quarters = [str(q) for q in quarter_range(submitted[0], submitted[-1])]
names = read(db, trends.department_names)
view.read_link(all_quarters, list(names))

headline = trend_headline.box()   # filled below, once the quarter and the filters are known
top = st.columns([3, 2, 3, 2], vertical_alignment="bottom")
meeting = top[3].toggle("Meeting mode", key=view.MEETING_KEY,
                        help="Hides filters and editing links, enlarges text and charts; the link keeps the view.")
if meeting:
    view.meeting_style()
f, hidden = section.filters(db, names, defaults, all_quarters, meeting)

aliases = read(db, trends.active_aliases)
label = (lambda d: aliases.get(d, d)) if hidden else (lambda d: names.get(d, d))
shown = [d for d in names if not f.departments or d in f.departments]
quarters_desc = [str(q) for q in reversed(f.quarters)]

view.apply_drill_down({aliases[d]: d for d in names} if hidden else {d: d for d in names})
view.keep_valid(view.QUARTER_KEY, quarters_desc, quarters_desc[0])
quarter = Quarter.parse(top[1].selectbox("Quarter", quarters_desc, key=view.QUARTER_KEY))
reported = set(read(db, trends.submitted_departments, quarter))
view.keep_valid(view.DEPARTMENT_KEY, shown, next((d for d in shown if d in reported), shown[0] if shown else None))
department = top[0].selectbox("Department", shown, format_func=label, key=view.DEPARTMENT_KEY,
                              help="Or click a department in the heatmap.")
view.write_link(str(quarter), department, meeting)
trend_headline.show(headline, db, quarter, f, label, meeting)
pack_buttons.show(top[2], db, quarter, f, hidden)
if not meeting:
    with st.expander("How these figures are computed", icon=":material/info:"):
        st.caption(method.METHOD)
        st.caption(method.HEADLINE)

v = section.View(db, f, quarter, meeting, hidden, aliases, label)
try:
    section.heatmap(v, department)
    if department:
        section.department(v, department)
        department_streams.show(v, department)
    section.gaps(v, department)
    section.movers(v)
    section.improvement_flow(v)
except EsmError as err:
    show_error(err)
