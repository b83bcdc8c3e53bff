"""Settings' maturity model: level names, a dimension with its rubric (both versioned), retire or
restore a dimension, add one."""

from __future__ import annotations

import streamlit as st

from ..access import Permission, allowed
from .. import maturity
from ..db import Database
from ..models import LEVELS, Actor, EsmError
from . import forms
from .context import MISSING, flash, show_error


def level_names_form(db: Database, actor: Actor) -> None:
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
        if st.form_submit_button("Save level names", key="levels_save", disabled=not allowed(actor, Permission.model)):
            forms.save("levels", lambda: maturity.rename_levels(db, actor, edits, seen), "Level names saved.")
    forms.offer_reload("levels")


def dimension_list(dims: list[maturity.Dimension]) -> None:
    st.dataframe([{"Key": d.dimension_id, "Name": d.name, "Active": d.active, "Description": d.description}
                  for d in dims], hide_index=True, placeholder=MISSING, width="stretch")


def dimension_form(db: Database, actor: Actor, dims: list[maturity.Dimension]) -> None:
    """Pick a dimension; edit its name, description and rubric with the version first shown; retire or
    restore it (with that version too)."""
    by_id = {d.dimension_id: d for d in dims}
    chosen = st.selectbox("Edit dimension", list(by_id), key="dim_edit_id",
                          format_func=lambda k: by_id[k].name + ("" if by_id[k].active else " (retired)"))
    if not chosen:
        return
    dim = by_id[chosen]
    seen = forms.load_record("dimension", chosen, dim.version, {
        "dim_name": dim.name, "dim_description": dim.description,
        **{f"dim_rubric_{lvl}": dim.rubric.get(lvl, "") for lvl in LEVELS}})
    with st.form("edit_dimension"):
        name = st.text_input("Name", key="dim_name")
        description = st.text_input("Description", key="dim_description")
        rubric = {lvl: st.text_area(f"Level {lvl} looks like", key=f"dim_rubric_{lvl}", height=70) for lvl in LEVELS}
        if st.form_submit_button("Save dimension", key="dim_save", disabled=not allowed(actor, Permission.model)):
            forms.save("dimension", lambda: maturity.update_dimension(
                db, actor, chosen, name=name, description=description, rubric=rubric, expected_version=seen),
                f"Saved {name}.")
    forms.offer_reload("dimension")
    label = "Retire this dimension" if dim.active else "Restore this dimension"
    if st.button(label, key="dim_toggle", disabled=not allowed(actor, Permission.model),
                 help="A retired dimension keeps its history but leaves new assessments."):
        forms.save("dimension", lambda: maturity.set_dimension_active(db, actor, chosen, not dim.active,
                                                                      expected_version=seen),
                   f"{dim.name} is {'retired' if dim.active else 'active again'}.")


def add_dimension_form(db: Database, actor: Actor) -> None:
    with st.expander("Add a dimension", icon=":material/add:"), st.form("add_dimension"):
        new_key = st.text_input("Key", key="dim_new_id", help="lower-case, e.g. service_design")
        new_name = st.text_input("Name", key="dim_new_name")
        new_desc = st.text_input("Description", key="dim_new_description")
        new_rubric = {lvl: st.text_area(f"Level {lvl} looks like", key=f"dim_new_rubric_{lvl}", height=70)
                      for lvl in LEVELS}
        if st.form_submit_button("Add dimension", key="dim_add", disabled=not allowed(actor, Permission.model)):
            try:
                maturity.add_dimension(db, actor, new_key, new_name, new_desc, new_rubric)
            except EsmError as err:
                show_error(err)
                return
            flash(f"Added the dimension {new_name}.")
