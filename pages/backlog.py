"""Improvement backlog: filter, prioritise and quickly edit the continual improvement register."""

import streamlit as st

from esm_maturity import clock
from esm_maturity.access import Permission
from esm_maturity.backlog import queries
from esm_maturity.backlog.fields import OPEN_STATUSES
from esm_maturity.charts import figures as charts
from esm_maturity.maturity import dimensions
from esm_maturity.ui import backlog_filters, backlog_grid, chart_export, item_form
from esm_maturity.ui.cached import read, source
from esm_maturity.ui.context import departments_or_stop, page_setup, show_flash
from esm_maturity.ui.identity import may

db, actor = page_setup()
st.title("Improvement backlog")
st.caption("The continual improvement register: every improvement that moves a department up the maturity "
           "scale, from idea to measured outcome.")
news = st.container()   # a save's message: here, or in the item's dialog when one is open

departments = {d.department_id: d.name for d in departments_or_stop(db)}
dims = {d.dimension_id: d.name for d in dimensions(db)}
can_edit = may(actor, Permission.backlog, note="You can read the backlog and its items.")

# --- filters: they live in the URL, so a link reproduces the view -------------------------------------------
streams = item_form.stream_names(db)   # empty for an organisation without value streams
filters = backlog_filters.filter_bar(departments, dims, read(db, queries.owners), streams)

counts = read(db, queries.status_counts, filters)
metrics = st.columns(5)
metrics[0].metric("Open", sum(counts[s] for s in OPEN_STATUSES))
metrics[1].metric("In progress", counts["in progress"])
metrics[2].metric("Overdue", read(db, queries.overdue_count, filters, clock.today()), help="Open items past their due date")
metrics[3].metric("Measuring", counts["measuring"])
metrics[4].metric("Closed", counts["closed"])

# --- the grid: quick edits saved by item key, with the version each row showed; an item opens in full ---------
grid = backlog_grid.rows(db, filters)
head = st.columns([1, 2], vertical_alignment="bottom")
head[0].subheader("Items")
with head[1]:
    chosen = backlog_filters.open_item(grid.rows)
if grid.rows.empty:
    st.info("No items match these filters. Clear a filter, or add an improvement below.")
else:
    backlog_grid.editor(grid, can_edit)
    backlog_grid.save_bar(db, actor, grid)

with st.expander("How the suggested priority is worked out", icon=":material/calculate:"):
    st.markdown(queries.PRIORITY_EXPLAINED + (" " + queries.STREAMS_EXPLAINED if streams else ""))

# --- value / effort chart ------------------------------------------------------------------------------------
st.subheader("Value and effort of open items")
plotted = read(db, queries.chart_items, filters)
if plotted.empty:
    st.info("No open items with both a value and an effort under these filters.")
else:
    chart_export.draw(chart_export.Plot(charts.value_effort, plotted, source=source(db, queries.chart_items, filters)),
                      "backlog_value_effort", "Value and effort of open items")
    total = int(plotted["plottable"].iloc[0])
    st.caption("Top left are the quick wins: high value for little effort. Bigger circles close bigger maturity "
               "gaps; darker ones have a higher suggested priority."
               + (f" Showing the {len(plotted)} highest priorities of {total:,}." if total > len(plotted) else ""))

# --- add an item (also from a maturity gap on the assessment page) ---------------------------------------------
if can_edit:
    item_form.add_form(db, actor, departments, dims, filters.department_id)

# --- one item in full, in a dialog over the page: edit everything, its links, its history ----------------------
if chosen:
    item_form.details(db, actor, chosen, departments, dims, can_edit)
else:
    with news:
        show_flash()
