"""Settings: departments, the maturity model, and the audit trail."""

import streamlit as st

from esm_maturity import audit, maturity
from esm_maturity.departments import add_department, departments_frame, get_department, update_department
from esm_maturity.models import LEVELS, EsmError
from esm_maturity.ui import forms
from esm_maturity.ui.context import MISSING, flash, page_setup, show_error, show_flash
from esm_maturity.ui.text import esc, esc_label

db, actor = page_setup()
st.title("Settings")
show_flash()
if not actor.is_admin:
    st.info(f"{esc(actor.name)} has the {actor.role.name} role: settings are read-only; an admin can change them.")


AUDIT_COLUMNS = ["occurred_at", "actor", "action", "entity", "entity_key", "change"]
AUDIT_CONFIG = {"occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
                "actor": "Who", "action": "What", "entity": "Record", "entity_key": "Key", "change": "Change"}


departments_tab, model_tab, activity_tab = st.tabs(["Departments", "Maturity model", "Activity"])

with departments_tab:
    frame = departments_frame(db)
    if frame.empty:
        st.info("No departments yet: add the first one below.")
    else:
        st.dataframe(frame.drop(columns=["version"]), hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"department_id": "Key", "name": "Name", "sponsor": "Sponsor",
                                    "champion": "Champion", "active": "Active"})
    add_col, edit_col = st.columns(2, gap="large")
    with add_col, st.form("add_department", clear_on_submit=False):
        st.subheader("Add a department")
        new_id = st.text_input("Key", key="dept_new_id",  # no max_chars: a longer key gets a message, not a cut
                               help="Up to 16 letters, digits, '-' or '_', no spaces: e.g. HR, FIN, IT-OPS")
        new_name = st.text_input("Name", key="dept_new_name")
        new_sponsor = st.text_input("Executive sponsor", key="dept_new_sponsor")
        new_champion = st.text_input("ESM champion", key="dept_new_champion")
        if st.form_submit_button("Add department", key="dept_add", disabled=not actor.is_admin):
            try:
                dept = add_department(db, actor, new_id, new_name, new_sponsor, new_champion)
                for k in ("dept_new_id", "dept_new_name", "dept_new_sponsor", "dept_new_champion"):
                    st.session_state.pop(k, None)
                flash(f"Added {dept.name} ({dept.department_id}).")
            except EsmError as err:
                show_error(err)
    with edit_col:
        st.subheader("Edit a department")
        if frame.empty:
            st.caption("Nothing to edit yet.")
        else:
            labels = dict(zip(frame["department_id"], frame["name"]))
            chosen = st.selectbox("Department", list(labels), format_func=lambda k: f"{labels[k]} ({k})",
                                  key="dept_edit_id")
            dept = get_department(db, chosen)
            seen = forms.load_record("department", chosen, dept.version, {
                "dept_edit_name": dept.name, "dept_edit_sponsor": dept.sponsor,
                "dept_edit_champion": dept.champion, "dept_edit_active": dept.active})
            with st.form("edit_department"):
                name = st.text_input("Name", key="dept_edit_name")
                sponsor = st.text_input("Executive sponsor", key="dept_edit_sponsor")
                champion = st.text_input("ESM champion", key="dept_edit_champion")
                active = st.checkbox("Active (inactive departments leave new assessments; history stays)",
                                     key="dept_edit_active")
                if st.form_submit_button("Save changes", key="dept_save", disabled=not actor.is_admin):
                    forms.save("department", lambda: update_department(
                        db, actor, chosen, name=name, sponsor=sponsor, champion=champion, active=active,
                        expected_version=seen), f"Saved {name}.")
            forms.offer_reload("department")
            with st.expander(f"History of {esc_label(dept.name)}", icon=":material/history:"):
                log = audit.history(db, department_id=chosen, limit=100)
                if log.empty:
                    st.caption("No recorded changes yet.")
                else:
                    st.dataframe(log, hide_index=True, placeholder=MISSING, width="stretch", column_order=AUDIT_COLUMNS,
                                 column_config=AUDIT_CONFIG)

with model_tab:
    st.caption(f"Model version {maturity.model_version(db) or '?'}. Levels are whole numbers 1-5; "
               "N/A and 'not assessed' are not levels.")
    with st.expander("Level names", icon=":material/stairs:"):
        levels = list(maturity.levels_frame(db).itertuples())
        # What the person saw when the form was drawn: each level's name, meaning and version.
        seen = forms.load_record("levels", "levels", {r.level: (r.name, r.meaning, r.version) for r in levels}, {
            **{f"level_name_{r.level}": r.name for r in levels},
            **{f"level_meaning_{r.level}": r.meaning for r in levels}})
        with st.form("levels_form"):
            edits = {}
            for row in levels:
                c1, c2 = st.columns([1, 3])
                edits[row.level] = (c1.text_input(f"Level {row.level} name", key=f"level_name_{row.level}"),
                                    c2.text_input(f"Level {row.level} meaning", key=f"level_meaning_{row.level}"))
            if st.form_submit_button("Save level names", key="levels_save", disabled=not actor.is_admin):
                forms.save("levels", lambda: maturity.rename_levels(db, actor, edits, seen), "Level names saved.")
        forms.offer_reload("levels")

    dims = maturity.dimensions(db, include_retired=True)
    st.subheader("Dimensions")
    st.dataframe([{"Key": d.dimension_id, "Name": d.name, "Active": d.active, "Description": d.description}
                  for d in dims], hide_index=True, placeholder=MISSING, width="stretch")
    by_id = {d.dimension_id: d for d in dims}
    chosen_dim = st.selectbox("Edit dimension", list(by_id), key="dim_edit_id",
                              format_func=lambda k: by_id[k].name + ("" if by_id[k].active else " (retired)"))
    if chosen_dim:
        dim = by_id[chosen_dim]
        seen_dim = forms.load_record("dimension", chosen_dim, dim.version, {
            "dim_name": dim.name, "dim_description": dim.description,
            **{f"dim_rubric_{lvl}": dim.rubric.get(lvl, "") for lvl in LEVELS}})
        with st.form("edit_dimension"):
            name = st.text_input("Name", key="dim_name")
            description = st.text_input("Description", key="dim_description")
            rubric = {lvl: st.text_area(f"Level {lvl} looks like", key=f"dim_rubric_{lvl}", height=70)
                      for lvl in LEVELS}
            if st.form_submit_button("Save dimension", key="dim_save", disabled=not actor.is_admin):
                forms.save("dimension", lambda: maturity.update_dimension(
                    db, actor, chosen_dim, name=name, description=description, rubric=rubric,
                    expected_version=seen_dim), f"Saved {name}.")
        forms.offer_reload("dimension")
        label = "Retire this dimension" if dim.active else "Restore this dimension"
        if st.button(label, key="dim_toggle", disabled=not actor.is_admin,
                     help="A retired dimension keeps its history but leaves new assessments."):
            try:
                maturity.set_dimension_active(db, actor, chosen_dim, not dim.active, expected_version=seen_dim)
                forms.forget("dimension")  # its version moved on: the form loads it again
                flash(f"{dim.name} is {'retired' if dim.active else 'active again'}.")
            except EsmError as err:
                show_error(err)

    with st.expander("Add a dimension", icon=":material/add:"), st.form("add_dimension"):
        new_key = st.text_input("Key", key="dim_new_id", help="lower-case, e.g. service_design")
        new_name = st.text_input("Name", key="dim_new_name")
        new_desc = st.text_input("Description", key="dim_new_description")
        new_rubric = {lvl: st.text_area(f"Level {lvl} looks like", key=f"dim_new_rubric_{lvl}", height=70)
                      for lvl in LEVELS}
        if st.form_submit_button("Add dimension", key="dim_add", disabled=not actor.is_admin):
            try:
                maturity.add_dimension(db, actor, new_key, new_name, new_desc, new_rubric)
                flash(f"Added the dimension {new_name}.")
            except EsmError as err:
                show_error(err)

with activity_tab:
    st.caption("Every change, newest first: who, what, when (UTC), before and after.")
    st.dataframe(audit.history(db, limit=500), hide_index=True, placeholder=MISSING,
                 width="stretch", column_order=AUDIT_COLUMNS,
                 column_config=AUDIT_CONFIG)
