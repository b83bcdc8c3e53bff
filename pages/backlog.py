"""Improvement backlog: filter, prioritise and quickly edit the continual improvement register."""

import streamlit as st

from esm_maturity import clock
from esm_maturity.access import Permission
from esm_maturity.backlog import queries
from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.backlog.fields import OPEN_STATUSES, SOURCES, status_choices, with_current
from esm_maturity.charts import figures as charts
from esm_maturity.limits import LIMITS
from esm_maturity.maturity import dimensions
from esm_maturity.models import EsmError
from esm_maturity.ui import backlog_filters, backlog_grid, forms, item_form, item_history
from esm_maturity.ui.context import departments_or_stop, page_setup, show_error, show_flash
from esm_maturity.ui.identity import may

db, actor = page_setup()
st.title("Improvement backlog")
st.caption("The continual improvement register: every improvement that moves a department up the maturity "
           "scale, from idea to measured outcome.")
show_flash()

departments = {d.department_id: d.name for d in departments_or_stop(db)}
dims = {d.dimension_id: d.name for d in dimensions(db)}
can_edit = may(actor, Permission.backlog, note="You can read the backlog and its items.")

# --- filters: they live in the URL, so a link reproduces the view -------------------------------------------
filters = backlog_filters.filter_bar(departments, dims, queries.owners(db))

counts = queries.status_counts(db, filters)
metrics = st.columns(5)
metrics[0].metric("Open", sum(counts[s] for s in OPEN_STATUSES))
metrics[1].metric("In progress", counts["in progress"])
metrics[2].metric("Overdue", queries.overdue_count(db, filters, clock.today()), help="Open items past their due date")
metrics[3].metric("Measuring", counts["measuring"])
metrics[4].metric("Closed", counts["closed"])

# --- the grid: quick edits saved by item key, with the version each row showed ------------------------------
st.subheader("Items")
grid = backlog_grid.rows(db, filters)
if grid.rows.empty:
    st.info("No items match these filters. Clear a filter, or add an improvement below.")
else:
    backlog_grid.editor(grid, can_edit)
    backlog_grid.save_bar(db, actor, grid)

with st.expander("How the suggested priority is worked out", icon=":material/calculate:"):
    st.markdown(queries.PRIORITY_EXPLAINED)

# --- value / effort chart ------------------------------------------------------------------------------------
st.subheader("Value and effort of open items")
plotted = queries.chart_items(db, filters)
if plotted.empty:
    st.info("No open items with both a value and an effort under these filters.")
else:
    st.altair_chart(charts.value_effort(plotted), width="stretch")
    total = int(plotted["plottable"].iloc[0])
    st.caption("Top left are the quick wins: high value for little effort. Bigger circles close bigger maturity "
               "gaps; darker ones have a higher suggested priority."
               + (f" Showing the {len(plotted)} highest priorities of {total:,}." if total > len(plotted) else ""))

# --- add an item (also from a maturity gap on the assessment page) ---------------------------------------------
if can_edit:
    with st.expander("Add an improvement", icon=":material/add_circle:", expanded=item_form.from_gap()):
        item_form.prefill_new(departments, dims, filters.department_id)
        with st.form("add_item", border=False):
            st.text_input("Title", key="new_title", max_chars=LIMITS["backlog_item"]["title"],
                          placeholder="What will improve, in a few words")
            st.text_area("Description", key="new_description", height=80)
            row = st.columns(3)
            row[0].selectbox("Department", list(departments), key="new_department", format_func=departments.get)
            row[1].selectbox("Dimension", [""] + list(dims), key="new_dimension",
                             format_func=lambda k: dims.get(k, "(decide later)"))
            row[2].selectbox("Source", list(SOURCES), key="new_source")
            row = st.columns(4)
            item_form.value_and_effort(row, "new_")
            row[2].text_input("Owner", key="new_owner", max_chars=LIMITS["backlog_item"]["owner"])
            forms.date_field(row[3], "Due", "new_due", value=None)
            if st.form_submit_button("Add to the backlog", key="add_item_submit", icon=":material/add:"):
                item_form.add(lambda: add_item(db, actor, **item_form.new_fields()))

# --- one item in full: edit everything, see its history ----------------------------------------------------------
st.subheader("Item details")
chosen = backlog_filters.open_item(grid.rows)
if not chosen:
    st.caption("Pick an item to edit all its fields, move it along the flow and see its history.")
    st.stop()
try:
    item = get_item(db, chosen)
except EsmError as err:
    show_error(err)
    st.stop()

seen = item_form.load(chosen, item)
left, right = st.columns([3, 2], gap="large")
with left, st.form("edit_item", border=True):
    st.markdown(item_form.headline(chosen, item))
    st.text_input("Title", key="item_title", max_chars=LIMITS["backlog_item"]["title"])
    st.text_area("Description", key="item_description", height=80)
    row = st.columns(3)
    row[0].selectbox("Status", status_choices(item["status"]), key="item_status", help=item_form.STATUS_HELP)
    row[1].selectbox("Department", with_current(list(departments), item["department_id"]), key="item_department",
                     format_func=lambda k: departments.get(k, k))
    row[2].selectbox("Dimension", with_current([""] + list(dims), item["dimension_id"]), key="item_dimension",
                     format_func=lambda k: dims.get(k, k or "(not set)"))
    row = st.columns(4)
    row[0].text_input("Owner", key="item_owner", max_chars=LIMITS["backlog_item"]["owner"])
    item_form.value_and_effort(row[1:], "item_")
    forms.date_field(row[3], "Due", "item_due")
    st.selectbox("Source", list(SOURCES), key="item_source")
    st.text_input("Reason (on hold, rejected, withdrawn)", key="item_status_reason",
                  max_chars=LIMITS["backlog_item"]["status_reason"])
    st.text_area("Outcome: benefit realised", key="item_outcome", height=80)
    st.text_area("Lessons learned", key="item_lessons", height=80)
    if st.form_submit_button("Save item", key="item_save", type="primary", icon=":material/save:",
                             disabled=not can_edit):
        forms.save(item_form.SCOPE, lambda: update_item(db, actor, chosen, item_form.changes(), seen),
                   f"Saved {chosen}.")
forms.offer_reload(item_form.SCOPE, left, key="item_reload")

with right:
    item_history.show(queries.status_history(db, chosen), queries.item_changes(db, chosen))
