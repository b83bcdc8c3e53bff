"""Value streams: the list, define a stream (from a template or empty), its steps and swim-lane, and the flow
check-in. Everybody reads; the edit controls appear for the people the domain allows (access/policy.py)."""

import streamlit as st

from esm_maturity.models import Quarter
from esm_maturity.streams import queries
from esm_maturity.ui import flow_form, step_editor, stream_forms, swim_lane
from esm_maturity.ui.context import departments_or_stop, page_setup, show_flash

db, actor = page_setup()
st.title("Value streams")
show_flash()

names = {d.department_id: d.name for d in departments_or_stop(db)}
current = Quarter.current()
quarter = stream_forms.pick_quarter(current)
creator = stream_forms.may_create(actor)

retired = st.toggle("Show retired streams", key="vs_show_retired")
listing = stream_forms.stream_list(db, quarter, retired)
if listing.empty:
    stream_forms.empty_state(creator)
if creator:
    with st.expander("Start a value stream", icon=":material/add_circle:", expanded=listing.empty):
        from_template, empty = st.tabs(["From a template", "Empty"])
        with from_template:
            stream_forms.template_form(db, actor, names, quarter)
        with empty:
            stream_forms.empty_form(db, actor, quarter)

stream_id = stream_forms.pick_stream(listing)
if stream_id is None:
    st.stop()
stream = queries.get_stream(db, stream_id)
stream_forms.heading(stream)
stream_forms.overview_link(stream_id)
defines, records = stream_forms.may_define(actor, stream), stream_forms.may_record_flow(actor, stream)

define_tab, steps_tab, flow_tab = st.tabs(["Define", "Steps", "Flow check-in"], key="vs_tab")

with define_tab:
    if defines:
        stream_forms.define_form(db, actor, stream)
    else:
        st.caption("Only the stream's owner, a champion or an admin changes it; you can read it here.")
        stream_forms.define_view(stream)

with steps_tab:
    step_editor.show_warnings(db, stream_id, quarter)
    steps = queries.steps_in(db, stream_id, quarter)
    st.markdown(f"**Steps in {quarter}**")
    step_editor.steps_table(steps, names)
    swim_lane.show(db, stream_id, quarter, stream.name)
    if defines:
        st.markdown("**Edit the steps**")
        step_editor.editor(db, actor, stream, names, current)
    step_editor.history(db, stream_id, names)

with flow_tab:
    flow_form.comparison(db, stream_id, quarter)
    if records:
        flow_form.flow_form(db, actor, stream, quarter)
    else:
        st.caption("The stream's owner or champion records its flow; you can read the figures here.")
    flow_form.derived(db, stream_id, quarter)
    st.markdown("**Hand-off quality**")
    flow_form.handoff_grid(db, actor, stream, quarter, names)
    st.markdown("**Open improvements that name this stream**")
    flow_form.improvements(db, stream_id, names)
