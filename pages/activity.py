"""Activity: who did what, and when: every recorded change and every refused attempt."""

import streamlit as st

from esm_maturity import audit, clock
from esm_maturity.access import Permission
from esm_maturity.models import EsmError
from esm_maturity.ui import activity_view as view
from esm_maturity.ui.context import page_setup, show_error
from esm_maturity.ui.identity import may

db, actor = page_setup()
st.title("Activity")

# The navigation hides this page from other roles; a deep link to /activity stops here.
if not may(actor, Permission.activity, note="Ask a champion or an admin if you need to know who changed what."):
    st.stop()

st.caption("Who did what, and when: every change to the records (scores, improvements, check-ins, "
           "departments, the model, people, imports) and every refused attempt, from the audit trail. "
           "Times are UTC.")

choices = audit.activity_choices(db)
if choices.empty:
    st.info("Nothing has been recorded yet. Every change and every refused attempt will appear here.")
    st.stop()

filters, limit = view.filter_bar(choices)
try:
    found = audit.activity(db, filters, limit=limit)
except EsmError as err:
    show_error(err)
    st.stop()

if found.rows.empty:
    st.info("No activity matches these filters. Clear a filter or widen the dates.")
    st.stop()

st.caption(found.summary)
view.table(found)
st.download_button("Download what is shown", audit.export_csv(found.rows), key="act_download",
                   file_name=f"activity-{clock.today().isoformat()}.csv", mime="text/csv",
                   icon=":material/download:", help="The entries in the table above, as a CSV file.")
