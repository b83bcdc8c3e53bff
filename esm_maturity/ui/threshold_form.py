"""Settings' anonymity threshold k: how many answers a dimension of an anonymous rating round needs before
any figure or comment of it is shown (rounds keep the k they were created with). A small form for admins,
read-only text for everyone else. The version is the one the form was drawn with (forms.load_record), so
a colleague's change in between is refused, not overwritten."""

from __future__ import annotations

import streamlit as st

from ..access import Permission, allowed
from ..db import Database
from ..models import Actor
from ..rounds import commands
from ..rounds.records import MAX_THRESHOLD, MIN_THRESHOLD
from . import forms

SCOPE, K_KEY = "threshold", "org_threshold"
HELP = (f"An anonymous rating round shows a dimension's answers (counts, median, range, comments) only when at "
        f"least this many people gave a level, and cannot open with fewer people invited. {MIN_THRESHOLD} to "
        f"{MAX_THRESHOLD}; new rounds take the value set now, a round already made keeps its own.")


def threshold_form(db: Database, actor: Actor) -> None:
    k, version = commands.threshold(db)
    if not allowed(actor, Permission.people):
        st.markdown(f"**Anonymity threshold for rating rounds:** {k} answers", help=HELP)
        return
    seen = forms.load_record(SCOPE, "k", version, {K_KEY: k})
    with st.form("anonymity_threshold", border=False):
        row = st.columns([4, 1], vertical_alignment="bottom")
        typed = row[0].number_input("Anonymity threshold k for rating rounds (answers)", key=K_KEY,
                                    min_value=MIN_THRESHOLD, max_value=MAX_THRESHOLD, step=1, help=HELP)
        if row[1].form_submit_button("Set threshold", key="threshold_save"):
            forms.save(SCOPE, lambda: commands.set_threshold(db, actor, int(typed), expected_version=seen),
                       f"New rating rounds need at least {int(typed)} answers per dimension to show its results.")
    forms.offer_reload(SCOPE)
