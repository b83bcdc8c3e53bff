"""Trends for sponsors: heatmap, department trend, gaps to target, movers, improvement flow."""

import math

import streamlit as st

from esm_maturity.charts import figures as charts
from esm_maturity.trends import flow
from esm_maturity.trends import queries as trends
from esm_maturity.models import EsmError, Quarter, quarter_range
from esm_maturity.ui import trend_view as view
from esm_maturity.ui.chart_export import show_chart
from esm_maturity.ui.context import page_setup, show_error
from esm_maturity.ui.text import esc, esc_label

db, actor = page_setup()
st.title("Maturity trends")

defaults = trends.default_filters(db)
if defaults is None:
    st.info("No submitted self-assessments yet. Trends appear once departments submit their first quarter.")
    st.page_link("pages/assessment.py", label="Self-assessment", icon=":material/checklist:")
    st.stop()

submitted = trends.submitted_quarters(db)
all_quarters = [str(q) for q in quarter_range(submitted[0], submitted[-1])]
names = trends.department_names(db)
view.read_link(all_quarters, list(names))

top = st.columns([3, 2, 3, 2], vertical_alignment="bottom")
meeting = top[3].toggle("Meeting mode", key=view.MEETING_KEY,
                        help="Hides filters and editing links, enlarges text and charts; the link keeps the view.")
if meeting:
    view.meeting_style()

if not meeting:
    with st.expander("Filters", icon=":material/filter_list:"):
        span = st.select_slider("Quarters", all_quarters, value=(str(defaults.first), str(defaults.last)),
                                key="trend_range", persist_state="page")
        picked_departments = st.multiselect("Departments (all when empty)", list(names), format_func=names.get,
                                            key="trend_departments", persist_state="page")
        dimension_names = trends.dimension_names(db)
        picked_dimensions = st.multiselect("Dimensions (all when empty)", list(dimension_names),
                                           format_func=dimension_names.get, key="trend_dimensions",
                                           persist_state="page")
        hidden = st.toggle("Hide department names (benchmark view)", key="trend_hide_names", persist_state="page")
else:  # the filters chosen before the meeting still apply
    span = st.session_state.get("trend_range", (str(defaults.first), str(defaults.last)))
    picked_departments = st.session_state.get("trend_departments", [])
    picked_dimensions = st.session_state.get("trend_dimensions", [])
    hidden = st.session_state.get("trend_hide_names", False)

f = trends.Filters(Quarter.parse(span[0]), Quarter.parse(span[1]), tuple(picked_departments),
                   tuple(picked_dimensions))
aliases = trends.department_aliases(list(names))
label = (lambda d: aliases.get(d, d)) if hidden else (lambda d: names.get(d, d))
shown = [d for d in names if not f.departments or d in f.departments]
quarters_desc = [str(q) for q in reversed(f.quarters)]

view.apply_drill_down({aliases[d]: d for d in names} if hidden else {d: d for d in names})
view.keep_valid(view.QUARTER_KEY, quarters_desc, quarters_desc[0])
quarter = Quarter.parse(top[1].selectbox("Quarter", quarters_desc, key=view.QUARTER_KEY))
reported = set(trends.submitted_departments(db, quarter))
view.keep_valid(view.DEPARTMENT_KEY, shown, next((d for d in shown if d in reported), shown[0] if shown else None))
department = top[0].selectbox("Department", shown, format_func=label, key=view.DEPARTMENT_KEY,
                              help="Or click a department in the heatmap.")
view.write_link(str(quarter), department, meeting)


def show(chart, key: str, name: str, **kwargs):
    """A chart as the mode wants it: in meeting mode large type (charts.for_meeting, which replaces
    Streamlit's chart theme) and no downloads."""
    if meeting:
        return show_chart(charts.for_meeting(chart), key, name, downloads=False, theme=None, **kwargs)
    return show_chart(chart, key, name, **kwargs)


st.caption("Submitted self-assessments only: a draft counts once it is submitted. Overall level = mean of the "
           "dimensions scored that quarter (N/A and not assessed leave the average). Missing quarters are gaps.")

try:
    st.subheader(f"Organisation heatmap, {quarter}")
    cells = trends.heatmap(db, quarter, f)
    if hidden:
        cells = trends.hide_names(cells, aliases)
    if cells.empty:
        st.info("No departments or dimensions match the filters.")
    else:
        show(charts.heatmap(cells, large_text=meeting), view.HEATMAP_KEY, f"heatmap {quarter}",
                   on_select="rerun", selection_mode=charts.HEATMAP_SELECTION)
        st.caption("Click a department's row to see its trend below (double-click clears). Hover for the score, "
                   "target and evidence.")

    if department:
        st.subheader(f"{esc_label(label(department))}: trend", anchor=False)
        trend = trends.department_trend(db, department, f)
        now = trend[trend["quarter"] == str(quarter)]
        before = trend[trend["quarter"] == str(quarter.previous())]
        level = now["overall"].iloc[0] if len(now) else None
        previous = before["overall"].iloc[0] if len(before) else None
        target = now["target"].iloc[0] if len(now) else None
        known = lambda x: x is not None and not (isinstance(x, float) and math.isnan(x))  # noqa: E731
        metric = st.columns(3)
        change = level - previous if known(level) and known(previous) else None
        metric[0].metric(f"Overall level, {quarter}", f"{level:.2f}" if known(level) else "not submitted",
                         delta=None if change is None else f"{change:+.2f} since {quarter.previous()}",
                         delta_color="off" if change is not None and abs(change) < 0.005 else "normal")
        metric[1].metric("Target", f"{target:.2f}" if known(target) else "–")
        metric[2].metric("Gap to target", f"{target - level:.2f}" if known(level) and known(target) else "–")
        if trend["overall"].notna().any():
            show(charts.department_trend(trend, height=400 if meeting else 280), "trend_overall",
                 f"{label(department)} trend")
            st.caption("Solid: the department's overall level. Dashed: its target. Dotted: the organisation's "
                       "mean. A break in the line is a quarter without a submitted assessment.")
            multiples = trends.dimension_trends(db, department, f)
            show(charts.dimension_multiples(multiples, width=380 if meeting else 280, large_text=meeting),
                 "trend_dimensions", f"{label(department)} dimensions")
        else:
            st.info(f"{esc(label(department))} has no submitted assessment between {f.first} and {f.last}.")
        if not meeting and not hidden:
            st.page_link("pages/assessment.py",
                         label=f"Edit the self-assessment: {esc_label(label(department))}, {quarter}",
                         icon=":material/edit:", query_params={"department": department, "quarter": str(quarter)})

    st.subheader(f"Gap to target, {quarter}")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{esc(label(department))}**" if department else "**Department**")
        gaps = trends.department_gaps(db, department, quarter, f) if department else None
        if gaps is None or gaps.empty:
            st.info("No submitted scores for this department in this quarter.")
        else:
            show(charts.department_gaps(gaps), "trend_department_gaps", f"{label(department)} gaps {quarter}")
    with right:
        st.markdown("**Organisation: mean gap per dimension**")
        org_gaps = trends.organisation_gaps(db, quarter, f)
        if org_gaps.empty:
            st.info(f"No submitted scores for {quarter}.")
        else:
            show(charts.organisation_gaps(org_gaps), "trend_org_gaps", f"organisation gaps {quarter}")
    spread = trends.distribution(db, quarter, f)
    if not spread.empty:
        st.markdown("**How departments are spread over the levels, per dimension**")
        show(charts.distribution(spread), "trend_distribution", f"distribution {quarter}")

    st.subheader("Movers")
    for column, other, key in zip(st.columns(2, gap="large"), (quarter.previous(), quarter.year_ago()),
                                  ("trend_movers_quarter", "trend_movers_year")):
        with column:
            st.markdown(f"**Since {other}**")
            moved = trends.movers(db, quarter, other, f)
            if hidden:
                moved = trends.hide_names(moved, aliases)
            if moved.empty:
                st.info(f"No department's overall level changed between {other} and {quarter}.")
            else:
                show(charts.movers(moved), key, f"movers {other} to {quarter}")
    st.caption("Change in a department's mean level over the dimensions it scored in both quarters.")

    if flow.backlog_ready(db):
        st.subheader("Improvement flow")
        a, b = st.columns(2, gap="large")
        with a:
            st.markdown("**Opened and closed per quarter**")
            show(charts.opened_closed(flow.opened_closed(db, f)), "flow_opened_closed",
                 "improvements opened and closed")
            st.markdown("**Age of open improvements**")
            show(charts.open_age(flow.open_age(db, f)), "flow_age", "age of open improvements")
        with b:
            st.markdown("**Work in progress by status**")
            show(charts.work_in_progress(flow.work_in_progress(db, f)), "flow_wip", "work in progress")
            st.markdown("**Cycle time: median days from raised to closed**")
            show(charts.cycle_time(flow.cycle_time(db, f)), "flow_cycle_time", "cycle time")
    else:
        st.caption("Improvement flow appears here once the improvement backlog has items.")
except EsmError as err:
    show_error(err)
