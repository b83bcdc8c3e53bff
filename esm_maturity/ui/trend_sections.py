"""The trend page's sections. Each draws one part from aggregated rows, in the page's mode: meeting
mode draws charts in large type with their downloads tucked into a small popover; hidden names show
departments as Department 01, 02... Every chart's image carries its title, the quarter and the
organisation's name.

Every query goes through `View.read` (shared by all sessions until the next write, ui/cached.py) and
every chart is a recipe whose spec is built once (ui/chart_export.py): a rerun that changes nothing
asks the database for nothing and builds no chart. The heatmap draws at most HEATMAP_ROWS departments,
those furthest below target, until someone asks for all of them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import pandas as pd
import streamlit as st

from .. import clock
from ..charts import figures as charts
from ..db import Database
from ..models import Quarter
from ..organisation import organisation_name
from ..rounds import results as rounds
from ..trends import flow, method
from ..trends import queries as trends
from . import trend_view as view
from .cached import read, source
from .chart_export import Plot, show_chart
from .text import esc, esc_label

HEATMAP_ROWS = 25   # departments on the heatmap before "Show all": rows a room can read


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

    def subtitle(self, span: bool = False) -> Callable[[], str]:
        """The images' subtitle: the organisation and the quarter (and the quarters a series covers).
        A callable: the organisation's name is read only when someone downloads an image."""
        parts = [str(self.quarter)] + ([f"quarters {self.filters.first} to {self.filters.last}"] if span else [])
        return lambda: " · ".join([organisation_name(self.db), *parts])

    def read(self, query: Callable, *args):
        """query(db, *args), shared by every session until the next write."""
        return read(self.db, query, *args)

    def show(self, build: Callable, rows: tuple, key: str, name: str, *, title: str | None = None,
             span: bool = False, options: dict | None = None, **kwargs):
        """One chart, `build(frame, **options)` over the frame `rows` = (query, *args) reads (department
        names hidden when the page hides them), in the page's mode (meeting mode: the same theme in
        meeting-room type, downloads in a small popover); `title` (default `name`) heads its images."""
        query, *args = rows
        frame = self.read(query, *args)
        if self.hidden and "department_id" in frame:
            frame = trends.hide_names(frame, self.aliases)
        plot = Plot(build, frame, options or {}, self.meeting, source=(*source(self.db, query, *args), self.hidden))
        return show_chart(plot, key, name, title=title, subtitle=self.subtitle(span), discreet=self.meeting,
                          **kwargs)


def filters(db: Database, names: dict[str, str], defaults: trends.Filters, quarters: list[str], meeting: bool):
    """The filters (quarter span, departments, dimensions, hidden names); in meeting mode the ones
    chosen before still apply. Returns (Filters, hide names?)."""
    if not meeting:
        with st.expander("Filters", icon=":material/filter_list:"):
            span = st.select_slider("Quarters", quarters, value=(str(defaults.first), str(defaults.last)),
                                    key="trend_range", persist_state="page")
            departments = st.multiselect("Departments (all when empty)", list(names), format_func=names.get,
                                         key="trend_departments", persist_state="page")
            dimension_names = read(db, trends.dimension_names)
            dimensions = st.multiselect("Dimensions (all when empty)", list(dimension_names),
                                        format_func=dimension_names.get, key="trend_dimensions", persist_state="page")
            hidden = st.toggle("Hide department names (benchmark view)", key="trend_hide_names", persist_state="page")
    else:
        span = st.session_state.get("trend_range", (str(defaults.first), str(defaults.last)))
        departments = st.session_state.get("trend_departments", [])
        dimensions = st.session_state.get("trend_dimensions", [])
        hidden = st.session_state.get("trend_hide_names", False)
    return trends.Filters(Quarter.parse(span[0]), Quarter.parse(span[1]), tuple(departments), tuple(dimensions)), hidden


def heatmap(v: View, department: str | None = None) -> None:
    """The organisation heatmap with the chosen department outlined (default: the department
    selectbox's value): every department up to HEATMAP_ROWS, else those furthest below target (and the
    chosen one) until "Show all" is on."""
    st.subheader(f"Organisation heatmap, {v.quarter}")
    chosen = department if department is not None else st.session_state.get(view.DEPARTMENT_KEY)
    total = len(v.filters.departments) or len(v.read(trends.department_names))
    bounded = total > HEATMAP_ROWS and not (
        st.toggle(f"Show all {total} departments", key=view.HEATMAP_ALL_KEY,
                  help=f"Off: the {HEATMAP_ROWS} departments furthest below target, and the one chosen."))
    rows = (trends.heatmap, v.quarter, v.filters, HEATMAP_ROWS if bounded else None, chosen)
    cells = v.read(*rows)
    if cells.empty:
        st.info("No departments or dimensions match the filters.")
        return
    if chosen and v.hidden:
        chosen = v.aliases.get(chosen)
    drawn = cells["department_id"].nunique()
    name = f"heatmap {v.quarter}" + (f", {drawn} of {total} departments, furthest below target first" if bounded
                                     else "")
    v.show(charts.heatmap, rows, view.HEATMAP_KEY, name, options=dict(large_text=v.meeting, selected=chosen,
                                                                         ranked=bounded),
           title=f"Maturity by department and dimension, {v.quarter}", on_select="rerun",
           selection_mode=charts.HEATMAP_SELECTION)
    if bounded:
        st.caption(f"The {HEATMAP_ROWS} departments furthest below target in {v.quarter}, furthest first (the sum "
                   "of their shortfalls over the dimensions scored; departments that have not submitted come last)"
                   + (", and the one chosen." if drawn > HEATMAP_ROWS else ".") + " Turn on “Show all” for every "
                   "department.")
    st.caption("Click a department's row to see its trend below (double-click clears); the chosen one is "
               "outlined. Hover for the score, target and evidence.")


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
    trend_rows = (trends.department_trend, department_id, v.filters)
    trend = v.read(*trend_rows)
    _headline(trend, v.quarter)
    if trend["overall"].notna().any():
        v.show(charts.department_trend, trend_rows, "trend_overall", f"{name} trend", span=True,
               options=dict(height=400 if v.meeting else 280), title=f"{name}: overall level per quarter")
        st.caption("Solid: the department's overall level. Dashed: its target. Dotted: the organisation's "
                   "mean. A break in the line is a quarter without a submitted assessment.")
        v.show(charts.dimension_multiples, (trends.dimension_trends, department_id, v.filters), "trend_dimensions", f"{name} dimensions", span=True,
               options=dict(width=380 if v.meeting else 280, large_text=v.meeting),
               title=f"{name}: level and target per dimension")
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
        rows = (trends.department_gaps, department_id, v.quarter, v.filters)
        frame = v.read(*rows) if department_id else None
        if frame is None or frame.empty:
            st.info("No submitted scores for this department in this quarter.")
        else:
            name = v.label(department_id)
            v.show(charts.department_gaps, rows, "trend_department_gaps", f"{name} gaps {v.quarter}",
                   options=dict(large_text=v.meeting), title=f"{name}: level and target per dimension, {v.quarter}")
            agreed = v.read(rounds.agreed_in_rounds, department_id, str(v.quarter))
            if agreed:   # a static table (its cells are Markdown: the dimension's name is user text, escaped;
                # the badge is the app's own words and figures)
                st.table(pd.DataFrame([(esc(name), badge) for name, badge in agreed],
                                      columns=["Agreed in a rating round", "Answers and their agreement"]),
                         hide_index=True, border="horizontal")
                st.caption("n: how many gave a level. Aligned, mixed or split: how far their levels lay apart. "
                           "Below threshold: too few answers in an anonymous round to show anything.")
    with right:
        st.markdown("**Organisation: mean gap per dimension**")
        rows = (trends.organisation_gaps, v.quarter, v.filters)
        frame = v.read(*rows)
        if frame.empty:
            st.info(f"No submitted scores for {v.quarter}.")
        else:
            v.show(charts.organisation_gaps, rows, "trend_org_gaps", f"organisation gaps {v.quarter}",
                   options=dict(large_text=v.meeting), title=f"Mean gap to target per dimension, {v.quarter}")
    rows = (trends.distribution, v.quarter, v.filters)
    spread = v.read(*rows)
    if not spread.empty:
        st.markdown("**How departments are spread over the levels, per dimension**")
        v.show(charts.distribution, rows, "trend_distribution", f"distribution {v.quarter}",
               options=dict(large_text=v.meeting), title=f"Departments per level and dimension, {v.quarter}")


def movers(v: View) -> None:
    st.subheader("Movers")
    for column, other, key in zip(st.columns(2, gap="large"), (v.quarter.previous(), v.quarter.year_ago()),
                                  ("trend_movers_quarter", "trend_movers_year")):
        with column:
            st.markdown(f"**Since {other}**")
            rows = (trends.movers, v.quarter, other, v.filters)
            if v.read(*rows).empty:
                st.info(f"No department's overall level changed between {other} and {v.quarter}.")
            else:
                v.show(charts.movers, rows, key, f"movers {other} to {v.quarter}", options=dict(large_text=v.meeting),
                       title=f"Change in overall level, {other} to {v.quarter}")
    st.caption(method.MOVERS)


def improvement_flow(v: View) -> None:
    if not v.read(flow.backlog_ready):
        st.caption("Improvement flow appears here once the improvement backlog has items.")
        return
    st.subheader("Improvement flow")
    a, b = st.columns(2, gap="large")
    with a:
        st.markdown("**Opened and closed per quarter**")
        v.show(charts.opened_closed, (flow.opened_closed, v.filters), "flow_opened_closed",
               "improvements opened and closed", title="Improvements raised and closed per quarter", span=True)
        st.markdown("**Age of open improvements**")
        v.show(charts.open_age, (flow.open_age, v.filters, clock.today()), "flow_age",
               "age of open improvements", title="Open improvements by age")
    with b:
        st.markdown("**Work in progress by status**")
        v.show(charts.work_in_progress, (flow.work_in_progress, v.filters), "flow_wip", "work in progress",
               title="Open improvements by status")
        st.markdown("**Cycle time: median days from raised to closed**")
        v.show(charts.cycle_time, (flow.cycle_time, v.filters), "flow_cycle_time", "cycle time",
               title="Median days from raised to closed, per quarter", span=True)
