"""Settings: the organisation's name and its departments, the maturity model, and (for admins) the people who
may sign in."""

import streamlit as st

from esm_maturity import maturity
from esm_maturity.access import Permission, allowed
from esm_maturity.departments import list_departments
from esm_maturity.ui import department_forms, model_forms, people_forms
from esm_maturity.ui.organisation_form import organisation_form
from esm_maturity.ui.threshold_form import threshold_form
from esm_maturity.ui.context import page_setup, show_flash
from esm_maturity.ui.identity import may

db, actor = page_setup()
st.title("Settings")
show_flash()
may(actor, Permission.model, note="You can read the settings; an admin changes the maturity model"
    + ("." if allowed(actor, Permission.departments) else " and the departments."))
people_tab = allowed(actor, Permission.people)
departments_tab, model_tab, *more = st.tabs(["Departments", "Maturity model", *(["People"] if people_tab else [])])

with departments_tab:
    organisation_form(db, actor)
    threshold_form(db, actor)
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

if people_tab:
    with more[0]:
        people_forms.people_tab(db, actor, {d.department_id: d.name for d in list_departments(db)})
