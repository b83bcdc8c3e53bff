"""Check-ins: record a meeting with its actions and carry-over; browse, promote, cadence, timeline."""


import streamlit as st

from esm_maturity import clock
from esm_maturity.checkins import cadence as cadence_view
from esm_maturity.checkins import queries
from esm_maturity.checkins.records import (ActionInput, CarryOverDecision, CheckinInput, DECISIONS, ItemReview,
                                           KIND_LABELS, KINDS)
from esm_maturity.checkins.commands import (add_action, promote_action, record_checkin, set_action_status,
                                            update_checkin)
from esm_maturity.models import ConflictError, EsmError
from esm_maturity.checkins.timeline import EVENTS, timeline
from esm_maturity.ui import forms
from esm_maturity.ui.context import MISSING, departments_or_stop, flash, page_setup, show_error, show_flash
from esm_maturity.ui.text import esc, esc_label

ACTION_ROWS = 5
FIELDS = ("ci_facilitator", "ci_attendees", "ci_notes", "ci_decisions", "ci_wins", "ci_blockers", "ci_next_on")

db, actor = page_setup()
st.title("Check-ins")
show_flash()

departments = departments_or_stop(db)
names = {d.department_id: d.name for d in departments}
champions = {d.department_id: d.champion for d in departments}
today = clock.today()


def label(department_id: str | None) -> str:
    return names.get(department_id or "", queries.ACROSS) if department_id else queries.ACROSS


def safe_markdown(text: str) -> str:
    """User text as Markdown that can only make bullet lists and line breaks: everything else is escaped."""
    lines = []
    for line in str(text).splitlines():
        bullet = line.lstrip().startswith(("- ", "* "))
        lines.append("- " + esc(line.lstrip()[2:]) if bullet else esc(line) + "  ")
    return "\n".join(lines)


if not actor.can_edit:
    st.info(f"You ({esc(actor.name)}) have the viewer role: you can read check-ins but not record or change them.")

record_tab, browse_tab, cadence_tab, timeline_tab = st.tabs(
    ["Record a check-in", "Check-ins and actions", "Cadence", "Timeline"])

with record_tab:
    options = [""] + list(names)
    wanted = st.query_params.get("department", "")
    top = st.columns([2, 1, 1])
    department_id = top[0].selectbox("Department", options, index=options.index(wanted) if wanted in names else 1,
                                     format_func=lambda k: names.get(k, "Across departments (steering)"),
                                     key="ci_department") or None
    kind = top[1].selectbox("Kind", KINDS, index=0 if department_id else 2, format_func=KIND_LABELS.get,
                            key=f"ci_kind_{'dept' if department_id else 'across'}")
    held_on = forms.date_field(top[2], "Held on", "ci_held_on", value=today)
    carry = forms.as_seen("carry", (department_id, held_on),
                          lambda: queries.carry_over(db, department_id, held_on or today))

    with st.form("checkin_form", border=False):
        if carry.empty:
            st.caption(f"Nothing carries over: no open actions from earlier check-ins of {esc(label(department_id))}"
                       " and no backlog items due for review.")
        if not carry.actions.empty:
            st.subheader("Carried over: open actions", anchor=False)
            st.caption("Decide each one: kept stays open, done and dropped close it on the day of this check-in.")
            for row in carry.actions.itertuples():
                left, right = st.columns([3, 2])
                late = " · **overdue**" if row.overdue else ""
                left.markdown(f"{esc(row.text)}  \n{row.action_id} · {esc(row.owner or 'no owner')} · due "
                              f"{row.due_on or '—'}{late} · from {row.checkin_id} ({row.held_on})")
                right.radio("Decision", DECISIONS, horizontal=True, key=f"carry_{row.action_id}",
                            label_visibility="collapsed")
        if not carry.items.empty:
            st.subheader("Backlog items due for review", anchor=False)
            st.caption("Done moves an item on (in progress → measuring, measuring → closed: give the outcome and "
                       "lessons); dropped withdraws it (the note is the reason).")
            for row in carry.items.itertuples():
                cols = st.columns([3, 2, 2, 2])
                cols[0].markdown(f"{row.item_id} · {esc(row.title)}  \n{esc(row.status)} · due {row.due_on or '—'}"
                                 f" · {esc(row.owner or 'no owner')}")
                cols[1].radio("Decision", DECISIONS, horizontal=True, key=f"review_{row.item_id}",
                              label_visibility="collapsed")
                cols[2].text_input("Outcome or reason", key=f"review_note_{row.item_id}")
                cols[3].text_input("Lessons (to close)", key=f"review_lessons_{row.item_id}")

        st.subheader("The meeting", anchor=False)
        cols = st.columns(2)
        cols[0].text_input("Facilitator", value=champions.get(department_id or "", ""), key="ci_facilitator")
        cols[1].text_input("Attendees", key="ci_attendees", placeholder="Comma-separated names")
        st.text_area("Notes", key="ci_notes", height=120,
                     help="Plain text; lines starting with '- ' become a bullet list.")
        cols = st.columns(3)
        cols[0].text_area("Decisions", key="ci_decisions", height=100)
        cols[1].text_area("Wins and lessons to celebrate", key="ci_wins", height=100)
        cols[2].text_area("Blockers", key="ci_blockers", height=100)
        forms.date_field(st, "Next check-in", "ci_next_on", value=None)

        st.subheader("New actions", anchor=False)
        st.caption("Leave a row empty to skip it.")
        for i in range(ACTION_ROWS):
            cols = st.columns([4, 2, 1])
            cols[0].text_input(f"Action {i + 1}", key=f"act_text_{i}", placeholder="What will be done",
                               label_visibility="visible" if i == 0 else "collapsed")
            cols[1].text_input("Owner", key=f"act_owner_{i}", label_visibility="visible" if i == 0 else "collapsed")
            forms.date_field(cols[2], "Due", f"act_due_{i}", value=None,
                             label_visibility="visible" if i == 0 else "collapsed")
        save = st.form_submit_button("Save check-in", type="primary", key="ci_save", icon=":material/save:",
                                     disabled=not actor.can_edit)

    if save:
        state = st.session_state
        data = CheckinInput(held_on=held_on, department_id=department_id, kind=kind,
                            facilitator=state["ci_facilitator"], attendees=state["ci_attendees"],
                            notes=state["ci_notes"], decisions=state["ci_decisions"], wins=state["ci_wins"],
                            blockers=state["ci_blockers"], next_on=state["ci_next_on"])
        actions = [ActionInput(state[f"act_text_{i}"], state[f"act_owner_{i}"], state[f"act_due_{i}"])
                   for i in range(ACTION_ROWS)]
        decisions = {r.action_id: CarryOverDecision(state[f"carry_{r.action_id}"], int(r.version))
                     for r in carry.actions.itertuples()}
        reviews = {r.item_id: ItemReview(state[f"review_{r.item_id}"], int(r.version),
                                         state[f"review_note_{r.item_id}"], state[f"review_lessons_{r.item_id}"])
                   for r in carry.items.itertuples()}
        try:
            result = record_checkin(db, actor, data, actions, decisions, reviews)
            closed = sum(1 for d in result.carried.values() if d != "kept")
            for key in (*FIELDS, *(f"act_{p}_{i}" for p in ("text", "owner", "due") for i in range(ACTION_ROWS))):
                st.session_state.pop(key, None)
            st.session_state["ci_open"] = result.checkin_id
            forms.forget("carry")
            flash(f"Recorded {result.checkin_id} for {label(department_id)} with {len(result.action_ids)} new "
                 f"action(s); {closed} carried-over action(s) or item(s) closed or moved on.")
        except ConflictError as err:
            forms.mark_conflict("carry")
            show_error(err)
        except EsmError as err:
            show_error(err)
    forms.offer_reload("carry", label="Load the open actions and items again (the rest of the form stays)")

with browse_tab:
    filters = st.columns([2, 3])
    listed_department = filters[0].selectbox("Show", [None, ""] + list(names), key="list_department",
                                             format_func=lambda k: "All check-ins" if k is None else
                                             names.get(k, "Across departments"))
    search = filters[1].text_input("Search notes, decisions, wins, blockers, attendees and actions",
                                   key="ci_search", placeholder="e.g. intake form")
    listing = queries.list_checkins(db, department_id=listed_department, search=search)
    if listing.empty:
        st.info("No check-ins match." if search else "No check-ins recorded yet: record the first one in the "
                                                      "first tab.")
    else:
        st.dataframe(listing[["checkin_id", "held_on", "department", "kind", "facilitator", "actions",
                              "open_actions", "next_on", "notes"]], hide_index=True, placeholder=MISSING,
                              width="stretch", height=260,
                     column_config={"checkin_id": "Check-in", "held_on": st.column_config.DateColumn("Held on"),
                                    "department": "Department", "kind": "Kind", "facilitator": "Facilitator",
                                    "actions": "Actions", "open_actions": "Open",
                                    "next_on": st.column_config.DateColumn("Next"), "notes": "Notes"})
        ids = list(listing["checkin_id"])
        if st.session_state.get("ci_open") not in ids:
            st.session_state["ci_open"] = ids[0]
        rows = {r.checkin_id: r for r in listing.itertuples()}
        chosen = st.selectbox("Open a check-in", ids, key="ci_open",
                              format_func=lambda k: f"{k} · {rows[k].held_on} · {rows[k].department}")
        checkin = queries.get_checkin(db, chosen)
        with st.container(border=True, key="checkin_detail"):
            st.subheader(f"{checkin.checkin_id} · {esc_label(KIND_LABELS[checkin.kind])} · "
                         f"{esc_label(label(checkin.department_id))} · {checkin.held_on}", anchor=False)
            st.caption(f"Facilitator: {esc(checkin.facilitator or '—')} · Attendees: {esc(checkin.attendees or '—')} · "
                       f"Next check-in: {checkin.next_on or 'not set'}")
            for title, text in (("Notes", checkin.notes), ("Decisions", checkin.decisions),
                                ("Wins and lessons to celebrate", checkin.wins), ("Blockers", checkin.blockers)):
                if text:
                    st.markdown(f"**{title}**")
                    st.markdown(safe_markdown(text))
            st.markdown("**Actions**")
            actions = queries.actions_of(db, checkin.checkin_id)
            target_department = checkin.department_id
            if checkin.department_id is None and any(a.is_open and not a.item_id for a in actions):
                target_department = st.selectbox("Department for new backlog items", list(names),
                                                 format_func=names.get, key="promote_department")
            backlog_ready = queries.backlog_ready(db)
            if not actions:
                st.caption("No actions were agreed at this check-in.")

            # Each button carries the version of the action as it was drawn (callback arguments), so a
            # click on an action someone else changed meanwhile is refused, never applied to their version.
            def mark(action_id: str, version: int, status: str, done: str) -> None:
                forms.run_action(lambda: set_action_status(db, actor, action_id, status, expected_version=version),
                                 done)

            def to_backlog(action_id: str, version: int, department: str | None) -> None:
                forms.run_action(lambda: promote_action(db, actor, action_id, expected_version=version,
                                                        department_id=department),
                                 lambda item_id: f"{action_id} is now the backlog item {item_id} (source: check-in "
                                                 f"{checkin.checkin_id}).")

            for action in actions:
                cols = st.columns([5, 1, 1, 1.4])
                link = f" · tracks **{action.item_id}**" if action.item_id else ""
                cols[0].markdown(f"{esc(action.text)}  \n{action.action_id} · {esc(action.owner or 'no owner')} · "
                                 f"due "
                                 f"{action.due_on or '—'} · **{action.status}**"
                                 f"{f' on {action.closed_on}' if action.closed_on else ''}{link}")
                key, version = action.action_id, action.version
                if action.is_open:
                    cols[1].button("Done", key=f"done_{key}", disabled=not actor.can_edit, on_click=mark,
                                   args=(key, version, "done", f"{key} is done."))
                    cols[2].button("Drop", key=f"drop_{key}", disabled=not actor.can_edit, on_click=mark,
                                   args=(key, version, "dropped", f"{key} is dropped."))
                else:
                    cols[1].button("Reopen", key=f"reopen_{key}", disabled=not actor.can_edit, on_click=mark,
                                   args=(key, version, "open", f"{key} is open again."))
                if action.is_open and not action.item_id:
                    cols[3].button("To backlog", key=f"promote_{key}", icon=":material/playlist_add:",
                                   disabled=not (actor.can_edit and backlog_ready),
                                   help="Create a backlog item from this action, linked both ways",
                                   on_click=to_backlog, args=(key, version, target_department))
            with st.form("add_action_form", clear_on_submit=True):
                cols = st.columns([4, 2, 1.2, 1])
                new_text = cols[0].text_input("Add an action", key="add_action_text", placeholder="What will be done")
                new_owner = cols[1].text_input("Owner", key="add_action_owner")
                new_due = forms.date_field(cols[2], "Due", "add_action_due", value=None)
                if cols[3].form_submit_button("Add", key="add_action", disabled=not actor.can_edit):
                    try:
                        new_id = add_action(db, actor, checkin.checkin_id, ActionInput(new_text, new_owner, new_due))
                        flash(f"Added {new_id} to {checkin.checkin_id}.")
                    except EsmError as err:
                        show_error(err)
            text_fields = (("notes", "Notes"), ("decisions", "Decisions"), ("wins", "Wins and lessons to celebrate"),
                           ("blockers", "Blockers"))
            seen = forms.load_record("checkin", checkin.checkin_id, checkin.version, {
                "edit_held_on": checkin.held_on, "edit_kind": checkin.kind, "edit_next_on": checkin.next_on,
                "edit_facilitator": checkin.facilitator, "edit_attendees": checkin.attendees,
                **{f"edit_{name}": getattr(checkin, name) for name, _ in text_fields}})
            with st.expander("Edit this check-in", icon=":material/edit:",
                             expanded=forms.in_conflict("checkin")), st.form("edit_checkin"):
                cols = st.columns(3)
                held = forms.date_field(cols[0], "Held on", "edit_held_on")
                kind = cols[1].selectbox("Kind", KINDS, format_func=KIND_LABELS.get, key="edit_kind")
                next_on = forms.date_field(cols[2], "Next check-in", "edit_next_on")
                cols = st.columns(2)
                facilitator = cols[0].text_input("Facilitator", key="edit_facilitator")
                attendees = cols[1].text_input("Attendees", key="edit_attendees")
                texts = {name: st.text_area(title, key=f"edit_{name}", height=90) for name, title in text_fields}
                if st.form_submit_button("Save the check-in", key="edit_checkin_save", disabled=not actor.can_edit):
                    forms.save("checkin", lambda: update_checkin(
                        db, actor, checkin.checkin_id,
                        CheckinInput(held, checkin.department_id, kind, facilitator, attendees, next_on=next_on,
                                     **texts), expected_version=seen), f"Saved {checkin.checkin_id}.")
            forms.offer_reload("checkin")

with cadence_tab:
    days = st.number_input("A department has gone quiet after this many days without a check-in", min_value=1,
                           max_value=730, value=cadence_view.DEFAULT_QUIET_DAYS, step=1, key="quiet_days", width=320)
    view = cadence_view.cadence(db, today, int(days))
    cols = st.columns(3)
    cols[0].metric(f"Quiet for {view.quiet_days}+ days", len(view.quiet))
    cols[1].metric("Overdue actions", len(view.overdue))
    cols[2].metric(f"Not submitted {view.quarter}", len(view.not_submitted))
    st.subheader("Departments gone quiet", anchor=False)
    if view.quiet.empty:
        st.success(f"Every active department has met in the last {view.quiet_days} days.")
    else:
        st.dataframe(view.quiet.drop(columns=["department_id"]), hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"department": "Department", "champion": "Champion",
                                    "last_checkin": st.column_config.DateColumn("Last check-in"),
                                    "days_since": "Days since", "next_planned": st.column_config.DateColumn(
                                        "Next planned")})
    st.subheader("Overdue actions", anchor=False)
    if view.overdue.empty:
        st.success("No open action is past its due date.")
    else:
        st.dataframe(view.overdue[["action_id", "text", "owner", "department", "due_on", "days_overdue",
                                   "checkin_id", "item_id"]], hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"action_id": "Action", "text": "What", "owner": "Owner",
                                    "department": "Department", "due_on": st.column_config.DateColumn("Due"),
                                    "days_overdue": "Days overdue", "checkin_id": "Agreed at",
                                    "item_id": "Backlog item"})
    st.subheader(f"Self-assessment not submitted for {view.quarter}", anchor=False)
    if view.not_submitted.empty:
        st.success(f"Every active department has submitted {view.quarter}.")
    else:
        st.dataframe(view.not_submitted.drop(columns=["department_id"]), hide_index=True, placeholder=MISSING,
                     width="stretch",
                     column_config={"department": "Department", "champion": "Champion", "status": "Status"})

with timeline_tab:
    timeline_department = st.selectbox("Department", list(names), format_func=names.get, key="timeline_department")
    events = timeline(db, timeline_department)
    if events.empty:
        st.info(f"Nothing has happened in {esc(names[timeline_department])} yet: no check-ins, submitted "
                "self-assessments or closed improvements.")
    else:
        st.caption("Newest first. Average level: the mean of the scored dimensions of a submitted self-assessment.")
        events["event"] = events["event"].map(EVENTS)
        events["kind"] = events["kind"].map(lambda k: KIND_LABELS.get(k, k))
        st.dataframe(events, hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"on_date": st.column_config.DateColumn("Date"), "event": "Event",
                                    "ref": "Reference", "kind": "Detail", "summary": "Summary",
                                    "score": st.column_config.NumberColumn("Average level", format="%.1f")})
