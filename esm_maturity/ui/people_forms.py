"""Settings' people: who may sign in, with which role and departments (admins only)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..access import Permission, allowed
from ..access.policy import ROLE_WORDS
from ..access.people import Person, add_person, list_people, update_person
from ..db import Database
from ..limits import LIMITS
from ..models import Actor, EsmError, Role
from . import forms
from .context import MISSING, flash, show_error

ROLES = [r.value for r in Role]
ROLE_HELP = ("Admin: everything. Champion: the backlog, check-ins and departments, and helps every department "
             "score. Department rep: the self-assessment and check-ins of their departments. Sponsor: reads "
             "everything, changes nothing.")
_NEW = ("person_new_email", "person_new_name", "person_new_role", "person_new_departments")


def people_list(people: list[Person]) -> None:
    if not people:
        st.info("Nobody is listed yet. The first admin from the configuration is added when they sign in.")
        return
    frame = pd.DataFrame([{"email": p.email, "name": p.name, "role": ROLE_WORDS[p.role.value],
                           "departments": ", ".join(p.departments), "active": p.active} for p in people])
    st.dataframe(frame, hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"email": "Signs in as", "name": "Name", "role": "Role",
                                "departments": "Departments", "active": "Active"})


def add_form(db: Database, actor: Actor, departments: dict[str, str]) -> None:
    with st.form("add_person"):
        st.subheader("Add a person")
        email = st.text_input("E-mail address they sign in with", key="person_new_email",
                              max_chars=LIMITS["person"]["email"])
        name = st.text_input("Name", key="person_new_name", max_chars=LIMITS["person"]["name"])
        role = st.selectbox("Role", ROLES, format_func=ROLE_WORDS.get, key="person_new_role", help=ROLE_HELP,
                            index=ROLES.index(Role.sponsor.value))   # the least a person may do, to start
        depts = st.multiselect("Departments (for a department rep)", list(departments), format_func=departments.get,
                               key="person_new_departments")
        if st.form_submit_button("Add person", key="person_add", disabled=not allowed(actor, Permission.people)):
            try:
                person = add_person(db, actor, email, name, role, depts)
            except EsmError as err:
                show_error(err)
                return
            for key in _NEW:
                st.session_state.pop(key, None)
            flash(f"Added {person.email} as {ROLE_WORDS[person.role.value]}.")


def edit_form(db: Database, actor: Actor, people: list[Person], departments: dict[str, str]) -> None:
    """Pick a person and change their role, departments or access, with the version first shown."""
    st.subheader("Change a person")
    if not people:
        st.caption("Nobody to change yet.")
        return
    by_email = {p.email: p for p in people}
    chosen = st.selectbox("Person", list(by_email), key="person_edit_email",
                          format_func=lambda k: f"{by_email[k].name} ({k})" if by_email[k].name else k)
    person = by_email[chosen]
    seen = forms.load_record("person", chosen, person.version, {
        "person_edit_name": person.name, "person_edit_role": person.role.value,
        "person_edit_departments": [d for d in person.departments if d in departments],
        "person_edit_active": person.active})
    with st.form("edit_person"):
        name = st.text_input("Name", key="person_edit_name", max_chars=LIMITS["person"]["name"])
        role = st.selectbox("Role", ROLES, format_func=ROLE_WORDS.get, key="person_edit_role", help=ROLE_HELP)
        depts = st.multiselect("Departments (for a department rep)", list(departments), format_func=departments.get,
                               key="person_edit_departments")
        active = st.checkbox("May sign in", key="person_edit_active")
        if st.form_submit_button("Save", key="person_save", disabled=not allowed(actor, Permission.people)):
            forms.save("person", lambda: update_person(db, actor, chosen, name=name, role=role, departments=depts,
                                                       active=active, expected_version=seen), f"Saved {chosen}.")
    forms.offer_reload("person")


def people_tab(db: Database, actor: Actor, departments: dict[str, str]) -> None:
    st.caption("Who may sign in, and as what. " + ROLE_HELP)
    people = list_people(db)
    people_list(people)
    add_col, edit_col = st.columns(2, gap="large")
    with add_col:
        add_form(db, actor, departments)
    with edit_col:
        edit_form(db, actor, people, departments)
