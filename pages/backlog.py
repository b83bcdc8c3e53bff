"""Improvement backlog: filter, prioritise and quickly edit the continual improvement register."""

import hashlib

import streamlit as st

from esm_maturity import clock
from esm_maturity.charts import figures as charts
from esm_maturity.backlog.fields import EFFORTS, next_statuses, SOURCES, STATUSES
from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.backlog.grid import GRID_EDITABLE, refresh_rows, save_grid_edits
from esm_maturity.backlog.queries import (GRID_COLUMNS, PRIORITY_EXPLAINED, SORTS, STATUS_GROUPS, Filters,
                                          chart_items, item_changes, list_items, overdue_count, owners,
                                          status_counts, status_history)
from esm_maturity.departments import list_departments
from esm_maturity.limits import LIMITS
from esm_maturity.maturity import dimensions
from esm_maturity.models import ConflictError, EsmError
from esm_maturity.ui import forms
from esm_maturity.ui.context import MISSING, page_setup, show_error, show_flash
from esm_maturity.ui.text import esc

db, actor = page_setup()
st.title("Improvement backlog")
st.caption("The continual improvement register: every improvement that moves a department up the maturity "
           "scale, from idea to measured outcome.")
show_flash()

departments = {d.department_id: d.name for d in list_departments(db)}
if not departments:
    st.info("There are no departments yet. Add them in Settings, or load the demo organisation on the Overview.")
    st.page_link("pages/settings.py", label="Go to Settings", icon=":material/settings:")
    st.stop()
dims = {d.dimension_id: d.name for d in dimensions(db)}
if not actor.can_edit:
    st.info(f"You ({esc(actor.name)}) have the viewer role: you can read the backlog but not change it.")


def pick(options: list, wanted):
    return options.index(wanted) if wanted in options else 0


# --- filters: they live in the URL, so a link reproduces the view -------------------------------------
qp = st.query_params
status_options = list(STATUS_GROUPS) + list(STATUSES)
owner_options = [""] + owners(db)
cols = st.columns([2, 2, 1.4, 1.6, 2, 1.2])
department_id = cols[0].selectbox("Department", [""] + list(departments), key="bl_department",
                                  index=pick([""] + list(departments), qp.get("department")),
                                  format_func=lambda k: departments.get(k, "All departments"))
dimension_id = cols[1].selectbox("Dimension", [""] + list(dims), key="bl_dimension",
                                 index=pick([""] + list(dims), qp.get("dimension")),
                                 format_func=lambda k: dims.get(k, "All dimensions"))
status = cols[2].selectbox("Status", status_options, key="bl_status", index=pick(status_options, qp.get("status")),
                           format_func=lambda s: {"open": "open items", "all": "all items",
                                                  "done": "closed, rejected, withdrawn"}.get(s, s))
owner = cols[3].selectbox("Owner", owner_options, key="bl_owner", index=pick(owner_options, qp.get("owner")),
                          format_func=lambda o: o or "anyone")
text = cols[4].text_input("Search", value=qp.get("q", ""), key="bl_text", placeholder="key, title, description")
sort = cols[5].selectbox("Sort by", list(SORTS), key="bl_sort", index=pick(list(SORTS), qp.get("sort")))
wanted = {"department": department_id, "dimension": dimension_id, "status": status if status != "open" else "",
          "owner": owner, "q": text.strip(), "sort": sort if sort != "priority" else ""}
for name, value in wanted.items():
    if value and qp.get(name) != value:
        qp[name] = value
    elif not value and name in qp:
        del qp[name]
filters = Filters(department_id or None, dimension_id or None, status, owner or None, text.strip() or None, sort)

counts = status_counts(db, filters)
metrics = st.columns(5)
metrics[0].metric("Open", sum(counts[s] for s in STATUSES[:6]))
metrics[1].metric("In progress", counts["in progress"])
metrics[2].metric("Overdue", overdue_count(db, filters, clock.today()), help="Open items past their due date")
metrics[3].metric("Measuring", counts["measuring"])
metrics[4].metric("Closed", counts["closed"])

# --- the grid: quick edits saved by item key, with the version each row showed ------------------------------
st.subheader("Items")
fresh = list_items(db, filters)
signature = hashlib.sha1(repr(filters).encode()).hexdigest()[:10]
grid_key = f"backlog_grid_{st.session_state.setdefault('bl_grid_round', 0)}_{signature}"
st.session_state["backlog_grid_key"] = grid_key
pending = (st.session_state.get(grid_key) or {}).get("edited_rows") or {}
rendered = st.session_state.get("bl_rendered")
if not (pending and rendered and rendered[0] == grid_key):
    rendered = (grid_key, fresh[GRID_COLUMNS].reset_index(drop=True))
    st.session_state["bl_rendered"] = rendered
shown = rendered[1]
matching = int(fresh["matching"].iloc[0]) if len(fresh) else 0

if shown.empty:
    st.info("No items match these filters. Clear a filter, or add an improvement below.")
else:
    if matching > len(shown):
        st.caption(f"Showing the first {len(shown):,} of {matching:,} matching items: narrow the filters "
                   "to see the rest.")
    st.data_editor(
        shown, key=grid_key, hide_index=True, placeholder=MISSING, num_rows="fixed", width="stretch",
        height=min(420, 35 * (len(shown) + 1) + 3),
        disabled=not actor.can_edit or [c for c in GRID_COLUMNS if c not in GRID_EDITABLE],
        column_order=[c for c in GRID_COLUMNS if c != "version"],
        column_config={
            "item_id": st.column_config.TextColumn("Key", width="small"),
            "title": st.column_config.TextColumn("Title", width="medium"),
            "department": "Department", "dimension": "Dimension",
            "status": st.column_config.SelectboxColumn("Status", options=list(STATUSES), required=True),
            "owner": st.column_config.TextColumn("Owner", max_chars=LIMITS["backlog_item"]["owner"]),
            "value": st.column_config.SelectboxColumn("Value", options=[1, 2, 3, 4, 5], help="Benefit, 1 to 5"),
            "effort": st.column_config.SelectboxColumn("Effort", options=list(EFFORTS)),
            "due_on": st.column_config.DateColumn("Due", format="YYYY-MM-DD"),
            "gap": st.column_config.NumberColumn("Gap", help="Target minus latest submitted score", format="%d"),
            "priority": st.column_config.NumberColumn("Priority", format="%.1f",
                                                      help="value × (1 + gap) ÷ effort points; see below")})
    buttons = st.columns([1.2, 1.2, 5])
    if buttons[0].button("Save changes", key="backlog_save", type="primary", icon=":material/save:",
                         disabled=not pending or not actor.can_edit):
        results = save_grid_edits(db, actor, shown, pending)
        st.session_state.pop("bl_item_loaded", None)  # the detail form reloads the items just saved
        saved = [r.item_id for r in results if r.outcome == "saved"]
        failed = [r for r in results if r.outcome != "saved"]
        if not failed:
            st.session_state["bl_grid_round"] += 1
            st.session_state["flash"] = ("Saved " + ", ".join(saved) + ".") if saved else "Nothing had changed."
            st.rerun()
        # Keep every row on the same item, with its latest values and version: saved edits become
        # no-ops, and the edits that failed stay on screen to fix or retry.
        st.session_state["bl_rendered"] = (grid_key, refresh_rows(db, shown))
        st.session_state["bl_grid_problems"] = ([f"Saved {', '.join(saved)}."] if saved else [], failed)
        st.rerun()
    if buttons[1].button("Discard my edits", key="backlog_discard", disabled=not pending):
        st.session_state["bl_grid_round"] += 1
        st.session_state.pop("bl_grid_problems", None)
        st.rerun()
    if pending and "bl_grid_problems" in st.session_state:
        notes, failed = st.session_state["bl_grid_problems"]
        for note in notes:
            st.success(note)
        for result in failed:
            st.error(f"{result.item_id}: {esc(result.message)}")
        if any(r.outcome == "conflict" for r in failed):
            st.warning("Someone else saved these items after you loaded the grid; their change is kept and shown "
                       "in the rows now. Your edits are still on screen: **Save changes** again to put yours on "
                       "top, or **Discard my edits**.")
    elif not pending:
        st.session_state.pop("bl_grid_problems", None)
    if pending:
        st.caption(f"{len(pending)} row(s) edited, not saved yet.")

with st.expander("How the suggested priority is worked out", icon=":material/calculate:"):
    st.markdown(PRIORITY_EXPLAINED)

# --- value / effort chart ------------------------------------------------------------------------------------
st.subheader("Value and effort of open items")
plotted = chart_items(db, filters)
if plotted.empty:
    st.info("No open items with both a value and an effort under these filters.")
else:
    st.altair_chart(charts.value_effort(plotted), width="stretch")
    total = int(plotted["plottable"].iloc[0])
    st.caption("Top left are the quick wins: high value for little effort. Bigger circles close bigger maturity "
               "gaps; darker ones have a higher suggested priority."
               + (f" Showing the {len(plotted)} highest priorities of {total:,}." if total > len(plotted) else ""))

# --- add an item -------------------------------------------------------------------------------------------------
from_gap = qp.get("new") == "1"
with st.expander("Add an improvement", icon=":material/add_circle:", expanded=from_gap):
    marker = (qp.get("department"), qp.get("dimension"), qp.get("title"), qp.get("source_ref"))
    if from_gap and st.session_state.get("bl_new_loaded") != marker:
        st.session_state["new_department"] = qp.get("department") if qp.get("department") in departments else \
            next(iter(departments))
        st.session_state["new_dimension"] = qp.get("dimension") if qp.get("dimension") in dims else ""
        st.session_state["new_title"] = qp.get("title", "")
        st.session_state["new_source"] = qp.get("source") if qp.get("source") in SOURCES else "staff idea"
        st.session_state["bl_new_loaded"] = marker
    st.session_state.setdefault("new_department", department_id or next(iter(departments)))
    st.session_state.setdefault("new_source", "staff idea")
    with st.form("add_item", border=False):
        st.text_input("Title", key="new_title", max_chars=LIMITS["backlog_item"]["title"],
                      placeholder="What will improve, in a few words")
        st.text_area("Description", key="new_description", height=80)
        row = st.columns(3)
        new_department = row[0].selectbox("Department", list(departments), key="new_department",
                                          format_func=departments.get)
        new_dimension = row[1].selectbox("Dimension", [""] + list(dims), key="new_dimension",
                                         format_func=lambda k: dims.get(k, "(decide later)"))
        row[2].selectbox("Source", list(SOURCES), key="new_source")
        row = st.columns(4)
        row[0].selectbox("Value", ["", 1, 2, 3, 4, 5], key="new_value", format_func=lambda v: str(v) if v else "not rated")
        row[1].selectbox("Effort", [""] + list(EFFORTS), key="new_effort", format_func=lambda v: v if v else "not sized")
        row[2].text_input("Owner", key="new_owner", max_chars=LIMITS["backlog_item"]["owner"])
        forms.date_field(row[3], "Due", "new_due", value=None)
        if st.form_submit_button("Add to the backlog", key="add_item_submit", icon=":material/add:",
                                 disabled=not actor.can_edit):
            s = st.session_state
            try:
                item_id = add_item(db, actor, title=s["new_title"], description=s["new_description"],
                                   department_id=new_department, dimension_id=new_dimension or None,
                                   source=s["new_source"], value=s["new_value"] or None, effort=s["new_effort"] or None,
                                   owner=s["new_owner"], due_on=s["new_due"],
                                   source_ref=qp.get("source_ref") if from_gap else None)
                for key in ("new_title", "new_description", "new_value", "new_effort", "new_owner", "new_due"):
                    st.session_state.pop(key, None)
                for key in ("new", "title", "source", "source_ref"):
                    qp.pop(key, None)
                qp["item"] = item_id
                st.session_state["flash"] = f"Added {item_id}."
                st.rerun()
            except EsmError as err:
                show_error(err)

# --- one item in full: edit everything, see its history ----------------------------------------------------------
st.subheader("Item details")
choices = [""] + list(shown["item_id"])
if qp.get("item") and qp.get("item") not in choices:
    choices.insert(1, qp.get("item"))
titles = dict(zip(shown["item_id"], shown["title"]))
if qp.get("item", "") != st.session_state.get("bl_item_url"):  # a link or a new item: follow the URL
    st.session_state["bl_item"] = qp.get("item", "")
chosen = st.selectbox("Open an item", choices, key="bl_item",
                      format_func=lambda k: f"{k} · {titles[k]}" if k in titles else (k or "choose an item"))
st.session_state["bl_item_url"] = chosen
if not chosen:
    qp.pop("item", None)
    st.caption("Pick an item to edit all its fields, move it along the flow and see its history.")
    st.stop()
qp["item"] = chosen
try:
    item = get_item(db, chosen)
except EsmError as err:
    show_error(err)
    st.stop()

if st.session_state.get("bl_item_loaded", (None,))[0] != chosen:
    for field in ("title", "description", "owner", "status_reason", "outcome", "lessons"):
        st.session_state[f"item_{field}"] = item[field]
    st.session_state["item_status"] = item["status"]
    st.session_state["item_department"] = item["department_id"]
    st.session_state["item_dimension"] = item["dimension_id"] or ""
    st.session_state["item_value"] = item["value"] or ""
    st.session_state["item_effort"] = item["effort"] or ""
    st.session_state["item_due"] = item["due_on"]
    st.session_state["item_source"] = item["source"]
    st.session_state["bl_item_loaded"] = (chosen, item["version"])
seen_version = st.session_state["bl_item_loaded"][1]

left, right = st.columns([3, 2], gap="large")
with left, st.form("edit_item", border=True):
    st.markdown(f"**{esc(chosen)}** · raised on {item['raised_on']} by {esc(item['raised_by'] or 'unknown')}"
                + (f" · closed on {item['closed_on']}" if item["closed_on"] else ""))
    st.text_input("Title", key="item_title", max_chars=LIMITS["backlog_item"]["title"])
    st.text_area("Description", key="item_description", height=80)
    row = st.columns(3)
    row[0].selectbox("Status", [item["status"], *next_statuses(item["status"])], key="item_status",
                     help="Accepting needs an owner and a dimension; on hold and withdrawn need a reason; "
                          "closing needs the outcome and lessons learned.")
    row[1].selectbox("Department", list(departments) + ([item["department_id"]] if item["department_id"]
                                                         not in departments else []),
                     key="item_department", format_func=lambda k: departments.get(k, k))
    row[2].selectbox("Dimension", [""] + list(dims) + ([item["dimension_id"]] if item["dimension_id"]
                                                       and item["dimension_id"] not in dims else []),
                     key="item_dimension", format_func=lambda k: dims.get(k, k or "(not set)"))
    row = st.columns(4)
    row[0].text_input("Owner", key="item_owner", max_chars=LIMITS["backlog_item"]["owner"])
    row[1].selectbox("Value", ["", 1, 2, 3, 4, 5], key="item_value", format_func=lambda v: str(v) if v else "not rated")
    row[2].selectbox("Effort", [""] + list(EFFORTS), key="item_effort", format_func=lambda v: v if v else "not sized")
    forms.date_field(row[3], "Due", "item_due")
    st.selectbox("Source", list(SOURCES), key="item_source")
    st.text_input("Reason (on hold, rejected, withdrawn)", key="item_status_reason",
                  max_chars=LIMITS["backlog_item"]["status_reason"])
    st.text_area("Outcome: benefit realised", key="item_outcome", height=80)
    st.text_area("Lessons learned", key="item_lessons", height=80)
    if st.form_submit_button("Save item", key="item_save", type="primary", icon=":material/save:",
                             disabled=not actor.can_edit):
        s = st.session_state
        changes = {"title": s["item_title"], "description": s["item_description"], "status": s["item_status"],
                   "department_id": s["item_department"], "dimension_id": s["item_dimension"] or None,
                   "owner": s["item_owner"], "value": s["item_value"] or None, "effort": s["item_effort"] or None,
                   "due_on": s["item_due"], "source": s["item_source"], "status_reason": s["item_status_reason"],
                   "outcome": s["item_outcome"], "lessons": s["item_lessons"]}
        try:
            update_item(db, actor, chosen, changes, seen_version)
            st.session_state.pop("bl_item_loaded", None)
            st.session_state["flash"] = f"Saved {chosen}."
            st.rerun()
        except ConflictError as err:
            show_error(err)
            st.session_state["bl_item_conflict"] = True
        except EsmError as err:
            show_error(err)
if st.session_state.get("bl_item_conflict"):
    if left.button("Discard my changes and load the latest", key="item_reload"):
        st.session_state.pop("bl_item_loaded", None)
        st.session_state.pop("bl_item_conflict", None)
        st.rerun()

with right:
    st.markdown("**Status history**")
    st.dataframe(status_history(db, chosen), hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"status": "Status", "changed_at": st.column_config.DatetimeColumn(
                     "Since (UTC)", format="YYYY-MM-DD HH:mm"), "actor": "By"})
    st.markdown("**Changes**")
    changes_frame = item_changes(db, chosen)
    if changes_frame.empty:
        st.caption("No recorded changes (the demo's items were loaded in bulk).")
    else:
        st.dataframe(changes_frame, hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"occurred_at": st.column_config.DatetimeColumn("When (UTC)",
                                                                                    format="YYYY-MM-DD HH:mm"),
                                    "actor": "Who", "action": "What", "change": "Change"})
