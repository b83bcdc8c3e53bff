"""Check-ins: record a meeting with its actions and carry-over; browse, promote, cadence, timeline."""

import streamlit as st

from esm_maturity import clock
from esm_maturity.access import Permission, allowed, allowed_somewhere
from esm_maturity.checkins import cadence, queries, screen
from esm_maturity.checkins.timeline import timeline
from esm_maturity.ui import cadence_view, checkin_detail, checkin_form, forms, item_form
from esm_maturity.ui.cached import read
from esm_maturity.ui.context import MISSING, departments_or_stop, page_setup, show_flash
from esm_maturity.ui.identity import may, own_first
from esm_maturity.ui.text import esc

db, actor = page_setup()
st.title("Check-ins")
show_flash()

departments = departments_or_stop(db)
names = {d.department_id: d.name for d in departments}
champions = {d.department_id: d.champion for d in departments}
today = clock.today()


# The tab shown stays through every rerun (a saved action, another check-in opened) and is in the URL.
record_tab, browse_tab, cadence_tab, timeline_tab = st.tabs(screen.TABS, key=screen.TAB_KEY, bind="query-params")

with record_tab:
    if not allowed_somewhere(actor, Permission.checkin):
        may(actor, Permission.checkin, note="You can read the check-ins and their actions in the next tabs.")
    else:
        checkin_form.empty_after_save()
        top = st.columns([2, 1.3, 1, 1.7])
        department_id = checkin_form.department_field(top[0], own_first(actor, names), actor)
        kind = checkin_form.kind_field(top[1], department_id)
        held_on = forms.date_field(top[2], "Held on", "ci_held_on", value=today)
        checkin_form.facilitator_field(top[3], champions.get(department_id or "", ""))
        department = screen.department_label(names, department_id)
        carry = checkin_form.seen_carry_over(db, department_id, held_on, today)
        with st.form("checkin_form", border=False):
            checkin_form.carry_over_fields(carry, department)
            checkin_form.meeting(item_form.stream_names(db))
            checkin_form.new_actions()
            save = st.form_submit_button("Save check-in", type="primary", key="ci_save", icon=":material/save:",
                                         disabled=not allowed(actor, Permission.checkin, department_id))
        if save:
            checkin_form.record(db, actor, carry, held_on=held_on, department_id=department_id, kind=kind,
                                department=department)
        checkin_form.reload_carry_over()

with browse_tab:
    filters = st.columns([2, 3])
    listed_department = filters[0].selectbox("Show", [None, ""] + list(names), key="list_department",
                                             format_func=lambda k: "All check-ins" if k is None else
                                             names.get(k, "Across departments"))
    search = filters[1].text_input("Search notes, decisions, wins, blockers, attendees and actions",
                                   key="ci_search", placeholder="e.g. intake form")
    listing = queries.list_checkins(db, department_id=listed_department, search=search)
    if listing.empty:
        st.info("No check-ins match." if search else "No check-ins recorded yet: record the first one in the "
                                                      "first tab.")
    else:
        checkin_detail.listing_table(listing)
        opened = checkin_detail.choose(listing, filtered=bool(search) or listed_department is not None)
        checkin = queries.get_checkin(db, opened)
        with st.container(border=True, key="checkin_detail"):
            checkin_detail.summary(checkin, screen.department_label(names, checkin.department_id))
            checkin_detail.actions(db, actor, checkin, names)
            checkin_detail.add_action_form(db, actor, checkin)
            checkin_detail.edit_form(db, actor, checkin)

with cadence_tab:
    view = read(db, cadence.cadence, today, cadence_view.quiet_days_field())
    cadence_view.counts(view)
    cadence_view.lists(view)

with timeline_tab:
    timeline_department = st.selectbox("Department", list(names), format_func=names.get, key="timeline_department")
    events = timeline(db, timeline_department)
    if events.empty:
        st.info(f"Nothing has happened in {esc(names[timeline_department])} yet: no check-ins, submitted "
                "self-assessments or closed improvements.")
    else:
        st.caption("Newest first. Average level: the mean of the scored dimensions of a submitted self-assessment.")
        st.dataframe(screen.labelled_timeline(events), hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"on_date": st.column_config.DateColumn("Date"), "event": "Event",
                                    "ref": "Reference", "kind": "Detail", "summary": "Summary",
                                    "score": st.column_config.NumberColumn("Average level", format="%.1f")})
