"""Answer a rating round: by a personal link (no sign-in, this page alone), or a signed-in person's invitation."""

import streamlit as st

from esm_maturity.ui import identity
from esm_maturity.ui import respond_form as form
from esm_maturity.ui.resources import database
from esm_maturity.ui.router import ensure_routed

ensure_routed()
db = database()
st.title("Answer a rating round")

token = identity.link_token()
if token is not None:   # the router ran this page alone: nobody is signed in, nothing else is shown
    form.by_link(db, token)
elif identity.settings().organisation:
    form.signed_in(db, identity.current())
else:
    form.local_mode()
