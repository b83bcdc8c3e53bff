"""Settings' departments: the list, the add form, the edit form (versioned) and each one's history."""

from __future__ import annotations

import streamlit as st

from .. import audit
from ..access import Permission, allowed
from ..db import Database
from ..departments import add_department, departments_frame, get_department, update_department
from ..models import Actor, EsmError
from . import forms
from .context import MISSING, flash, show_error
from .text import esc_label

AUDIT_COLUMNS = ["occurred_at", "actor", "action", "entity", "entity_key", "change"]
AUDIT_CONFIG = {"occurred_at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm"),
                "actor": "Who", "action": "What", "entity": "Record", "entity_key": "Key", "change": "Change"}
_NEW = ("dept_new_id", "dept_new_name", "dept_new_sponsor", "dept_new_champion")


def audit_table(frame) -> None:
    st.dataframe(frame, hide_index=True, placeholder=MISSING, width="stretch", column_order=AUDIT_COLUMNS,
                 column_config=AUDIT_CONFIG)


def department_list(db: Database):
    frame = departments_frame(db)
    if frame.empty:
        st.info("No departments yet: add the first one below.")
    else:
        st.dataframe(frame.drop(columns=["version"]), hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"department_id": "Key", "name": "Name", "sponsor": "Sponsor",
                                    "champion": "Champion", "active": "Active"})
    return frame


def add_form(db: Database, actor: Actor) -> None:
    with st.form("add_department", clear_on_submit=False):
        st.subheader("Add a department")
        new_id = st.text_input("Key", key="dept_new_id",  # no max_chars: a longer key gets a message, not a cut
                               help="Up to 16 letters, digits, '-' or '_', no spaces: e.g. HR, FIN, IT-OPS")
        new_name = st.text_input("Name", key="dept_new_name")
        new_sponsor = st.text_input("Executive sponsor", key="dept_new_sponsor")
        new_champion = st.text_input("ESM champion", key="dept_new_champion")
        if st.form_submit_button("Add department", key="dept_add", disabled=not allowed(actor, Permission.departments)):
            try:
                dept = add_department(db, actor, new_id, new_name, new_sponsor, new_champion)
            except EsmError as err:
                show_error(err)
                return
            for key in _NEW:
                st.session_state.pop(key, None)
            flash(f"Added {dept.name} ({dept.department_id}).")


def edit_form(db: Database, actor: Actor, frame) -> None:
    """Pick a department, edit it with the version first shown, and read its history."""
    st.subheader("Edit a department")
    if frame.empty:
        st.caption("Nothing to edit yet.")
        return
    labels = dict(zip(frame["department_id"], frame["name"]))
    chosen = st.selectbox("Department", list(labels), format_func=lambda k: f"{labels[k]} ({k})", key="dept_edit_id")
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
        if st.form_submit_button("Save changes", key="dept_save", disabled=not allowed(actor, Permission.departments)):
            forms.save("department", lambda: update_department(
                db, actor, chosen, name=name, sponsor=sponsor, champion=champion, active=active,
                expected_version=seen), f"Saved {name}.")
    forms.offer_reload("department")
    with st.expander(f"History of {esc_label(dept.name)}", icon=":material/history:"):
        log = audit.history(db, department_id=chosen, limit=100)
        if log.empty:
            st.caption("No recorded changes yet.")
        else:
            audit_table(log)
