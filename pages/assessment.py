"""Self-assessment: a department scores each dimension for a quarter, saves, submits."""

import streamlit as st

from esm_maturity.access import Permission, allowed
from esm_maturity.assessments import get_assessment, scoring_sheet
from esm_maturity.maturity import level_names
from esm_maturity.ui import assessment_form as form
from esm_maturity.ui.context import departments_or_stop, page_setup, show_flash
from esm_maturity.ui.identity import may, own_first
from esm_maturity.ui.text import esc

db, actor = page_setup()
st.title("Quarterly self-assessment")

names = own_first(actor, {d.department_id: d.name for d in departments_or_stop(db)})
top = st.columns([2, 1.5, 2.7])
department_id, quarter = form.pick(top, names, db)
show_flash()

levels = level_names(db)
sheet = scoring_sheet(db, quarter, department_id)
state = get_assessment(db, quarter, department_id)

with top[2]:
    status = state.status if state else "not started"
    st.markdown(f"**Status:** {status}" + (f" — by {esc(state.submitted_by)} on {state.submitted_on}"
                                           if state and state.locked else ""))
    st.caption(f"Last quarter for comparison: {quarter.previous()}. A score that changes needs evidence. "
               "N/A means the dimension does not apply and leaves the average.")

if not sheet:
    st.warning("The maturity model has no active dimensions. An admin can restore or add one in Settings.")
    st.stop()

can_score = may(actor, Permission.score, department_id, note="You can read this assessment.")
if state and state.locked or not can_score:
    form.read_only(sheet, quarter, levels)
    if state and state.locked and allowed(actor, Permission.reopen, department_id):
        form.reopen_panel(db, actor, quarter, department_id, names[department_id])
else:
    form.scoring_form(db, actor, sheet, state.version if state else 0, quarter, department_id,
                      names[department_id], levels)
form.improve_a_gap(actor, sheet, quarter, department_id)
