"""The self-assessment page's parts: the department and quarter in the URL, the scoring form (filled
once from the stored assessment, saved with the version the person saw), the read-only view of a
submitted quarter with its reopen panel, and the link that turns a gap into a backlog item."""

from __future__ import annotations

import streamlit as st

from ..access import Permission, allowed
from ..assessments import (SheetRow, gap_improvement_title, largest_gaps_first, reopen_assessment, save_assessment)
from ..db import Database
from ..models import NA, Actor, EsmError, Quarter, ScoreInput, ScoreValue
from . import forms
from .context import MISSING, show_error
from .text import esc, esc_label

NOT_ASSESSED = "not assessed"
SCORE_OPTIONS = [NOT_ASSESSED, "1", "2", "3", "4", "5", NA]
TARGET_OPTIONS = ["", "1", "2", "3", "4", "5"]
SCOPE = "assessment"


def pick(where, names: dict[str, str]) -> tuple[str, Quarter | None]:
    """The department and quarter, from the URL on the first visit and written back to it."""
    ids = list(names)
    wanted = st.query_params.get("department")
    department_id = where[0].selectbox("Department", ids, index=ids.index(wanted) if wanted in ids else 0,
                                       format_func=names.get, key="assess_department")
    text = where[1].text_input("Quarter", value=st.query_params.get("quarter", str(Quarter.current())),
                               key="assess_quarter", help="Write it as YYYY-Qn, for example 2025-Q3")
    try:
        quarter = Quarter.parse(text)
    except EsmError as err:
        show_error(err)
        return department_id, None
    st.query_params.update({"department": department_id, "quarter": str(quarter)})
    return department_id, quarter


def level_label(levels: dict[int, str], value: str) -> str:
    return f"{value} · {levels[int(value)]}" if value.isdigit() else value


def score_text(levels: dict[int, str], score: ScoreValue | None) -> str:
    if score is None or not score.assessed:
        return NOT_ASSESSED
    return NA if score.na else level_label(levels, str(score.level))


def read_only(sheet: list[SheetRow], quarter: Quarter, levels: dict[int, str]) -> None:
    """A submitted (or, for a viewer, any) assessment as a table; the form reloads when it opens again."""
    forms.forget(SCOPE)
    st.dataframe(
        [{"Dimension": row.dimension.name, "Score": score_text(levels, row.current.score),
          "Target": level_label(levels, str(row.current.target)) if row.current.target else "",
          f"Last quarter ({quarter.previous()})": score_text(levels, row.last), "Evidence": row.current.evidence}
         for row in sheet], hide_index=True, placeholder=MISSING, width="stretch")


def reopen_panel(db: Database, actor: Actor, quarter: Quarter, department_id: str, name: str) -> None:
    with st.expander("Reopen this assessment", icon=":material/lock_open:"):
        st.write("Reopening unlocks the scores for changes. It is recorded with your name and reason.")
        reason = st.text_input("Why does it need reopening?", key="reopen_reason")
        if st.button("Reopen", key="reopen"):
            forms.save(SCOPE, lambda: reopen_assessment(db, actor, quarter, department_id, reason),
                       f"{name}'s {quarter} assessment is reopened.")


def improve_a_gap(actor: Actor, sheet: list[SheetRow], quarter: Quarter, department_id: str) -> None:
    """Raise an improvement for one of this department's maturity gaps, on the backlog page."""
    if not allowed(actor, Permission.backlog):
        return
    rows = {r.dimension.dimension_id: r for r in largest_gaps_first(sheet)}

    def label(dim: str) -> str:
        row = rows[dim]
        level, target = row.current.score.level, row.current.target
        return row.dimension.name + (f" (level {level}, target {target})" if level and target else "")

    with st.expander("Add an improvement for a maturity gap", icon=":material/add_task:"):
        dim = st.selectbox("Dimension", list(rows), key="gap_dimension", format_func=label)
        if st.button("Add it to the improvement backlog", key="gap_to_backlog", icon=":material/arrow_forward:"):
            st.switch_page("pages/backlog.py", query_params={
                "new": "1", "department": department_id, "dimension": dim, "source": "assessment",
                "source_ref": f"{quarter}/{department_id}/{dim}", "title": gap_improvement_title(rows[dim])})


def _stored_values(sheet: list[SheetRow]) -> dict[str, object]:
    values = {}
    for row in sheet:
        key, score = row.dimension.dimension_id, row.current.score
        values[f"score_{key}"] = NA if score.na else str(score.level) if score.level else NOT_ASSESSED
        values[f"target_{key}"] = str(row.current.target or "")
        values[f"evidence_{key}"] = row.current.evidence
    return values


def _entries(sheet: list[SheetRow]) -> list[ScoreInput]:
    s = st.session_state
    return [ScoreInput(key, ScoreValue.parse(None if s[f"score_{key}"] == NOT_ASSESSED else s[f"score_{key}"]),
                       s[f"target_{key}"] or None, s[f"evidence_{key}"])
            for key in (row.dimension.dimension_id for row in sheet)]


def _dimension(row: SheetRow, levels: dict[int, str]) -> None:
    dim, key = row.dimension, row.dimension.dimension_id
    with st.container(border=True):
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.subheader(esc_label(dim.name), anchor=False)  # no anchor link made of user text
            if dim.description:
                st.caption(esc(dim.description))
            st.radio("Level", SCORE_OPTIONS, key=f"score_{key}", format_func=lambda v, r=dim.rubric: (
                f"**{esc_label(level_label(levels, v))}** — {esc_label(r.get(int(v), ''))}" if v.isdigit() else v))
        with right:
            st.markdown(f"Last quarter: **{esc(score_text(levels, row.last))}**")
            st.selectbox("Target level", TARGET_OPTIONS, key=f"target_{key}",
                         format_func=lambda v: level_label(levels, v) if v else "no target")
            st.text_area("Evidence: why this score?", key=f"evidence_{key}", height=110,
                         placeholder="What you see in practice; required when the score changes")


def scoring_form(db: Database, actor: Actor, sheet: list[SheetRow], version: int, quarter: Quarter,
                 department_id: str, name: str, levels: dict[int, str]) -> None:
    """Every dimension's level, target and evidence; Save draft or Submit, with the version first shown."""
    seen = forms.load_record(SCOPE, f"{department_id}|{quarter}", version, _stored_values(sheet))
    with st.form("assessment_form", border=False):
        for row in sheet:
            _dimension(row, levels)
        buttons = st.columns([1, 1, 4])
        save = buttons[0].form_submit_button("Save draft", key="save_draft", icon=":material/save:")
        submit = buttons[1].form_submit_button("Submit", key="submit", type="primary", icon=":material/lock:")
    if save or submit:
        forms.save(SCOPE, lambda: save_assessment(db, actor, quarter, department_id, _entries(sheet),
                                                  expected_version=seen, submit=bool(submit)),
                   f"Submitted and locked {name}'s {quarter} assessment." if submit
                   else f"Draft saved for {name}, {quarter}.")
    forms.offer_reload(SCOPE, label="Discard my entries and load the latest version", key="reload_latest")
