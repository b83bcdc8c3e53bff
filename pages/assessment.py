"""Self-assessment: a department scores each dimension for a quarter, saves, submits."""

import streamlit as st

from esm_maturity.assessments import get_assessment, reopen_assessment, save_assessment, scoring_sheet
from esm_maturity.maturity import level_names
from esm_maturity.models import NA, ConflictError, EsmError, Quarter, ScoreInput, ScoreValue
from esm_maturity.ui.context import MISSING, departments_or_stop, page_setup, show_error, show_flash
from esm_maturity.ui.text import esc, esc_label

NOT_ASSESSED = "not assessed"
SCORE_OPTIONS = [NOT_ASSESSED, "1", "2", "3", "4", "5", NA]
TARGET_OPTIONS = ["", "1", "2", "3", "4", "5"]

db, actor = page_setup()
st.title("Quarterly self-assessment")

departments = departments_or_stop(db)

names = {d.department_id: d.name for d in departments}
ids = list(names)
wanted = st.query_params.get("department")
top = st.columns([2, 1, 3])
department_id = top[0].selectbox("Department", ids, index=ids.index(wanted) if wanted in ids else 0,
                                  format_func=names.get, key="assess_department")
quarter_text = top[1].text_input("Quarter", value=st.query_params.get("quarter", str(Quarter.current())),
                                 key="assess_quarter", help="Write it as YYYY-Qn, for example 2025-Q3")
try:
    quarter = Quarter.parse(quarter_text)
except EsmError as err:
    show_error(err)
    st.stop()
st.query_params.update({"department": department_id, "quarter": str(quarter)})

show_flash()

levels = level_names(db)
sheet = scoring_sheet(db, quarter, department_id)
state = get_assessment(db, quarter, department_id)
context = f"{department_id}|{quarter}"


def level_label(value: str) -> str:
    return f"{value} · {levels[int(value)]}" if value.isdigit() else value


def score_text(score: ScoreValue | None) -> str:
    if score is None or not score.assessed:
        return "not assessed"
    return NA if score.na else level_label(str(score.level))


def improve_a_gap() -> None:
    """Raise an improvement for one of this department's maturity gaps, on the backlog page."""
    if not actor.can_edit:
        return
    gaps = {r.dimension.dimension_id: (r.dimension.name, r.current.score.level, r.current.target) for r in sheet}
    order = sorted(gaps, key=lambda d: -((gaps[d][2] or 0) - (gaps[d][1] or 0)))
    with st.expander("Add an improvement for a maturity gap", icon=":material/add_task:"):
        dim = st.selectbox("Dimension", order, key="gap_dimension", format_func=lambda d: gaps[d][0] + (
            f" (level {gaps[d][1]}, target {gaps[d][2]})" if gaps[d][1] and gaps[d][2] else ""))
        if st.button("Add it to the improvement backlog", key="gap_to_backlog", icon=":material/arrow_forward:"):
            name, level, target = gaps[dim]
            st.switch_page("pages/backlog.py", query_params={
                "new": "1", "department": department_id, "dimension": dim, "source": "assessment",
                "source_ref": f"{quarter}/{department_id}/{dim}",
                "title": f"Raise {name.lower()} from level {level} to {target}" if level and target and target > level
                else f"Improve {name.lower()}"})


status = state.status if state else "not started"
with top[2]:
    st.markdown(f"**Status:** {status}" + (f" — by {esc(state.submitted_by)} on {state.submitted_on}"
                                           if state and state.locked else ""))
    st.caption(f"Last quarter for comparison: {quarter.previous()}. A score that changes needs evidence. "
               "N/A means the dimension does not apply and leaves the average.")

if not sheet:
    st.warning("The maturity model has no active dimensions. An admin can restore or add one in Settings.")
    st.stop()

if state and state.locked or not actor.can_edit:
    st.session_state.pop("assess_loaded", None)
    if not actor.can_edit:
        st.info(f"You ({esc(actor.name)}) have the viewer role: you can read this assessment but not change it.")
    st.dataframe(
        [{"Dimension": row.dimension.name, "Score": score_text(row.current.score),
          "Target": level_label(str(row.current.target)) if row.current.target else "",
          f"Last quarter ({quarter.previous()})": score_text(row.last), "Evidence": row.current.evidence}
         for row in sheet], hide_index=True, placeholder=MISSING, width="stretch")
    if state and state.locked and actor.is_admin:
        with st.expander("Reopen this assessment", icon=":material/lock_open:"):
            st.write("Reopening unlocks the scores for changes. It is recorded with your name and reason.")
            reason = st.text_input("Why does it need reopening?", key="reopen_reason")
            if st.button("Reopen", key="reopen"):
                try:
                    reopen_assessment(db, actor, quarter, department_id, reason)
                    st.session_state["flash"] = f"{names[department_id]}'s {quarter} assessment is reopened."
                    st.rerun()
                except EsmError as err:
                    show_error(err)
    improve_a_gap()
    st.stop()

# Fill the form from the database when it is first shown for this department and quarter,
# and remember the version the person is editing, so a colleague's save is never overwritten.
if st.session_state.get("assess_loaded", (None,))[0] != context:
    for row in sheet:
        key = row.dimension.dimension_id
        st.session_state[f"score_{key}"] = (NA if row.current.score.na else str(row.current.score.level)
                                            if row.current.score.level else NOT_ASSESSED)
        st.session_state[f"target_{key}"] = str(row.current.target or "")
        st.session_state[f"evidence_{key}"] = row.current.evidence
    st.session_state["assess_loaded"] = (context, state.version if state else 0)
expected_version = st.session_state["assess_loaded"][1]

with st.form("assessment_form", border=False):
    for row in sheet:
        dim = row.dimension
        key = dim.dimension_id
        with st.container(border=True):
            left, right = st.columns([3, 2], gap="large")
            with left:
                st.subheader(esc_label(dim.name), anchor=False)  # no anchor link made of user text
                if dim.description:
                    st.caption(esc(dim.description))
                st.radio("Level", SCORE_OPTIONS, key=f"score_{key}",
                         format_func=lambda v, r=dim.rubric: (
                             f"**{esc_label(level_label(v))}** — {esc_label(r.get(int(v), ''))}" if v.isdigit() else v))
            with right:
                st.markdown(f"Last quarter: **{esc(score_text(row.last))}**")
                st.selectbox("Target level", TARGET_OPTIONS, key=f"target_{key}",
                             format_func=lambda v: level_label(v) if v else "no target")
                st.text_area("Evidence: why this score?", key=f"evidence_{key}", height=110,
                             placeholder="What you see in practice; required when the score changes")
    buttons = st.columns([1, 1, 4])
    save = buttons[0].form_submit_button("Save draft", key="save_draft", icon=":material/save:")
    submit = buttons[1].form_submit_button("Submit", key="submit", type="primary", icon=":material/lock:")

if save or submit:
    entries = []
    for row in sheet:
        key = row.dimension.dimension_id
        chosen = st.session_state[f"score_{key}"]
        entries.append(ScoreInput(key, ScoreValue.parse(None if chosen == NOT_ASSESSED else chosen),
                                  st.session_state[f"target_{key}"] or None, st.session_state[f"evidence_{key}"]))
    try:
        save_assessment(db, actor, quarter, department_id, entries, expected_version=expected_version,
                        submit=bool(submit))
        st.session_state.pop("assess_loaded", None)
        st.session_state["flash"] = (f"Submitted and locked {names[department_id]}'s {quarter} assessment."
                                     if submit else f"Draft saved for {names[department_id]}, {quarter}.")
        st.rerun()
    except ConflictError as err:
        show_error(err)
        st.session_state["assess_conflict"] = True
    except EsmError as err:
        show_error(err)

if st.session_state.get("assess_conflict"):
    if st.button("Discard my entries and load the latest version", key="reload_latest"):
        st.session_state.pop("assess_loaded", None)
        st.session_state.pop("assess_conflict", None)
        st.rerun()

improve_a_gap()
