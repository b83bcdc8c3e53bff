"""Settings' organisation name (on the meeting pack's slides, the summary and chart images): a small form
for those who may change departments, read-only text for everyone else. The version is the one the
form was drawn with (forms.load_record), so a colleague's rename in between is refused, not overwritten."""

from __future__ import annotations

import streamlit as st

from ..access import Permission, allowed
from ..db import Database
from ..models import Actor
from ..organisation import name_and_version, set_organisation_name
from . import forms
from .text import esc

SCOPE, NAME_KEY = "organisation", "org_name"


def organisation_form(db: Database, actor: Actor) -> None:
    name, version = name_and_version(db)
    if not allowed(actor, Permission.departments):
        st.markdown(f"**Organisation:** {esc(name)}")
        return
    seen = forms.load_record(SCOPE, "name", version, {NAME_KEY: name})
    with st.form("organisation_name", border=False):
        row = st.columns([4, 1], vertical_alignment="bottom")
        typed = row[0].text_input("Organisation name", key=NAME_KEY,
                                  help="Shown on the meeting pack's slides, the one-page summary and chart images.")
        if row[1].form_submit_button("Rename", key="org_save"):
            forms.save(SCOPE, lambda: set_organisation_name(db, actor, typed, expected_version=seen),
                       f"The organisation is now {typed}.")
    forms.offer_reload(SCOPE)
