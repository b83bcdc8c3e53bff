"""Settings: departments, the maturity model, and the audit trail."""

import streamlit as st

from esm_maturity import audit, maturity
from esm_maturity.ui import department_forms, model_forms
from esm_maturity.ui.context import page_setup, show_flash
from esm_maturity.ui.text import esc

db, actor = page_setup()
st.title("Settings")
show_flash()
if not actor.is_admin:
    st.info(f"{esc(actor.name)} has the {actor.role.name} role: settings are read-only; an admin can change them.")

departments_tab, model_tab, activity_tab = st.tabs(["Departments", "Maturity model", "Activity"])

with departments_tab:
    frame = department_forms.department_list(db)
    add_col, edit_col = st.columns(2, gap="large")
    with add_col:
        department_forms.add_form(db, actor)
    with edit_col:
        department_forms.edit_form(db, actor, frame)

with model_tab:
    st.caption(f"Model version {maturity.model_version(db) or '?'}. Levels are whole numbers 1-5; "
               "N/A and 'not assessed' are not levels.")
    with st.expander("Level names", icon=":material/stairs:"):
        model_forms.level_names_form(db, actor)
    dims = maturity.dimensions(db, include_retired=True)
    st.subheader("Dimensions")
    model_forms.dimension_list(dims)
    model_forms.dimension_form(db, actor, dims)
    model_forms.add_dimension_form(db, actor)

with activity_tab:
    st.caption("Every change, newest first: who, what, when (UTC), before and after.")
    department_forms.audit_table(audit.history(db, limit=500))
