"""Rating rounds: a department's people rate its maturity, then agree one score per dimension."""

import streamlit as st

from esm_maturity.access import Permission
from esm_maturity.rounds import results
from esm_maturity.rounds.records import CLOSED, AGREED, DRAFT, OPEN
from esm_maturity.ui import round_agree, round_forms
from esm_maturity.ui.context import departments_or_stop, page_setup, show_flash
from esm_maturity.ui.identity import may, own_first

db, actor = page_setup()
st.title("Rating rounds")
show_flash()
issued = round_forms.take_issued()   # invitations just made: their links are shown in this run only

names = own_first(actor, {d.department_id: d.name for d in departments_or_stop(db)})
department_id = round_forms.pick_department(names)
runs = may(actor, Permission.rounds, department_id, note="You can see its rounds and how many have answered.")
rounds = results.rounds_of(db, department_id)
round_forms.round_list(db, rounds)
if not runs:
    st.stop()

with st.expander("Start a rating round", icon=":material/add_circle:", expanded=not rounds):
    round_forms.create_form(db, actor, department_id, names[department_id])

found = round_forms.pick_round(rounds)
if found is None:
    st.stop()
progress = results.progress(db, found.round_id)

with st.container(border=True, key="round_panel"):
    round_forms.summary(found, progress)
    round_forms.show_issued(db, actor, found, issued)
    round_forms.controls(db, actor, found, progress)
    if found.status in (DRAFT, OPEN):
        round_forms.invite_form(db, actor, found)
    invited = round_forms.invitation_list(db, actor, found)
    if found.status == OPEN and any(channel == round_forms.OFFLINE_CHANNEL for _, _, channel, _ in invited):
        round_forms.offline_returns(db, actor, found)

if found.status == OPEN:
    st.info("While the round is open only how many have answered is shown; the answers appear, dimension by "
            "dimension, once you close it.", icon=":material/hourglass_top:")
elif found.status in (CLOSED, AGREED):
    round_agree.agree_step(db, actor, found, names[department_id])
    round_agree.named_answers(db, actor, found)
