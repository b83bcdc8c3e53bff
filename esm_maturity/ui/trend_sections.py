"""The trend page's sections. Each draws one part from aggregated rows, in the page's mode: meeting
mode draws charts with their own large type and no downloads; hidden names show departments as
Department 01, 02..."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import streamlit as st

from ..charts import figures as charts
from ..db import Database
from ..models import Quarter
from ..trends import flow
from ..trends import queries as trends
from . import trend_view as view
from .chart_export import show_chart
from .text import esc, esc_label


@dataclass(frozen=True)
class View:
    """What every section needs to know: the filters, the quarter and the page's mode."""

    db: Database
    filters: trends.Filters
    quarter: Quarter
    meeting: bool
    hidden: bool
    aliases: dict[str, str]
    label: Callable[[str], str]

    def show(self, chart, key: str, name: str, **kwargs):
        if self.meeting:  # large type (for_meeting replaces Streamlit's chart theme), no downloads
            return show_chart(charts.for_meeting(chart), key, name, downloads=False, theme=None, **kwargs)
        return show_chart(chart, key, name, **kwargs)


def filters(db: Database, names: dict[str, str], defaults: trends.Filters, quarters: list[str], meeting: bool):
    """The filters (quarter span, departments, dimensions, hidden names); in meeting mode the ones
    chosen before still apply. Returns (Filters, hide names?)."""
    if not meeting:
        with st.expander("Filters", icon=":material/filter_list:"):
            span = st.select_slider("Quarters", quarters, value=(str(defaults.first), str(defaults.last)),
                                    key="trend_range", persist_state="page")
            departments = st.multiselect("Departments (all when empty)", list(names), format_func=names.get,
                                         key="trend_departments", persist_state="page")
            dimension_names = trends.dimension_names(db)
            dimensions = st.multiselect("Dimensions (all when empty)", list(dimension_names),
                                        format_func=dimension_names.get, key="trend_dimensions", persist_state="page")
            hidden = st.toggle("Hide department names (benchmark view)", key="trend_hide_names", persist_state="page")
    else:
        span = st.session_state.get("trend_range", (str(defaults.first), str(defaults.last)))
        departments = st.session_state.get("trend_departments", [])
        dimensions = st.session_state.get("trend_dimensions", [])
        hidden = st.session_state.get("trend_hide_names", False)
    return trends.Filters(Quarter.parse(span[0]), Quarter.parse(span[1]), tuple(departments), tuple(dimensions)), hidden


def heatmap(v: View) -> None:
    st.subheader(f"Organisation heatmap, {v.quarter}")
    cells = trends.heatmap(v.db, v.quarter, v.filters)
    if v.hidden:
        cells = trends.hide_names(cells, v.aliases)
    if cells.empty:
        st.info("No departments or dimensions match the filters.")
        return
    v.show(charts.heatmap(cells, large_text=v.meeting), view.HEATMAP_KEY, f"heatmap {v.quarter}",
           on_select="rerun", selection_mode=charts.HEATMAP_SELECTION)
    st.caption("Click a department's row to see its trend below (double-click clears). Hover for the score, "
               "target and evidence.")


def _known(x) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x))


def _headline(trend, quarter: Quarter) -> None:
    now = trend[trend["quarter"] == str(quarter)]
    before = trend[trend["quarter"] == str(quarter.previous())]
    level = now["overall"].iloc[0] if len(now) else None
    previous = before["overall"].iloc[0] if len(before) else None
    target = now["target"].iloc[0] if len(now) else None
    metric = st.columns(3)
    change = level - previous if _known(level) and _known(previous) else None
    metric[0].metric(f"Overall level, {quarter}", f"{level:.2f}" if _known(level) else "not submitted",
                     delta=None if change is None else f"{change:+.2f} since {quarter.previous()}",
                     delta_color="off" if change is not None and abs(change) < 0.005 else "normal")
    metric[1].metric("Target", f"{target:.2f}" if _known(target) else "–")
    metric[2].metric("Gap to target", f"{target - level:.2f}" if _known(level) and _known(target) else "–")


def department(v: View, department_id: str) -> None:
    """One department's overall level against its target and the organisation, then per dimension."""
    name = v.label(department_id)
    st.subheader(f"{esc_label(name)}: trend", anchor=False)
    trend = trends.department_trend(v.db, department_id, v.filters)
    _headline(trend, v.quarter)
    if trend["overall"].notna().any():
        v.show(charts.department_trend(trend, height=400 if v.meeting else 280), "trend_overall", f"{name} trend")
        st.caption("Solid: the department's overall level. Dashed: its target. Dotted: the organisation's "
                   "mean. A break in the line is a quarter without a submitted assessment.")
        multiples = trends.dimension_trends(v.db, department_id, v.filters)
        v.show(charts.dimension_multiples(multiples, width=380 if v.meeting else 280, large_text=v.meeting),
               "trend_dimensions", f"{name} dimensions")
    else:
        st.info(f"{esc(name)} has no submitted assessment between {v.filters.first} and {v.filters.last}.")
    if not v.meeting and not v.hidden:
        st.page_link("pages/assessment.py", label=f"Edit the self-assessment: {esc_label(name)}, {v.quarter}",
                     icon=":material/edit:", query_params={"department": department_id, "quarter": str(v.quarter)})


def gaps(v: View, department_id: str | None) -> None:
    st.subheader(f"Gap to target, {v.quarter}")
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown(f"**{esc(v.label(department_id))}**" if department_id else "**Department**")
        frame = trends.department_gaps(v.db, department_id, v.quarter, v.filters) if department_id else None
        if frame is None or frame.empty:
            st.info("No submitted scores for this department in this quarter.")
        else:
            v.show(charts.department_gaps(frame), "trend_department_gaps", f"{v.label(department_id)} gaps {v.quarter}")
    with right:
        st.markdown("**Organisation: mean gap per dimension**")
        frame = trends.organisation_gaps(v.db, v.quarter, v.filters)
        if frame.empty:
            st.info(f"No submitted scores for {v.quarter}.")
        else:
            v.show(charts.organisation_gaps(frame), "trend_org_gaps", f"organisation gaps {v.quarter}")
    spread = trends.distribution(v.db, v.quarter, v.filters)
    if not spread.empty:
        st.markdown("**How departments are spread over the levels, per dimension**")
        v.show(charts.distribution(spread), "trend_distribution", f"distribution {v.quarter}")


def movers(v: View) -> None:
    st.subheader("Movers")
    for column, other, key in zip(st.columns(2, gap="large"), (v.quarter.previous(), v.quarter.year_ago()),
                                  ("trend_movers_quarter", "trend_movers_year")):
        with column:
            st.markdown(f"**Since {other}**")
            moved = trends.movers(v.db, v.quarter, other, v.filters)
            if v.hidden:
                moved = trends.hide_names(moved, v.aliases)
            if moved.empty:
                st.info(f"No department's overall level changed between {other} and {v.quarter}.")
            else:
                v.show(charts.movers(moved), key, f"movers {other} to {v.quarter}")
    st.caption("Change in a department's mean level over the dimensions it scored in both quarters.")


def improvement_flow(v: View) -> None:
    if not flow.backlog_ready(v.db):
        st.caption("Improvement flow appears here once the improvement backlog has items.")
        return
    st.subheader("Improvement flow")
    a, b = st.columns(2, gap="large")
    with a:
        st.markdown("**Opened and closed per quarter**")
        v.show(charts.opened_closed(flow.opened_closed(v.db, v.filters)), "flow_opened_closed",
               "improvements opened and closed")
        st.markdown("**Age of open improvements**")
        v.show(charts.open_age(flow.open_age(v.db, v.filters)), "flow_age", "age of open improvements")
    with b:
        st.markdown("**Work in progress by status**")
        v.show(charts.work_in_progress(flow.work_in_progress(v.db, v.filters)), "flow_wip", "work in progress")
        st.markdown("**Cycle time: median days from raised to closed**")
        v.show(charts.cycle_time(flow.cycle_time(v.db, v.filters)), "flow_cycle_time", "cycle time")
