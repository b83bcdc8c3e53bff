"""The self-assessment page's parts: the department and quarter in the URL, the scoring form (filled
once from the stored assessment, saved with the version the person saw), the read-only view of a
submitted quarter with its reopen panel, and the link that turns a gap into a backlog item.

The scoring form has a bar above and below the dimensions (how many are scored, Save draft, Submit):
both ask for the same save, which runs before the dimensions are drawn, so a refusal is shown inside
the block of each dimension it names (and kept there until the next save), with a summary at the bar
that was clicked.
"""

from __future__ import annotations

import streamlit as st

from ..access import Permission, allowed
from ..assessments import (SheetRow, gap_improvement_title, largest_gaps_first, quarters_with_data,
                           reopen_assessment, save_assessment)
from ..db import Database
from ..models import NA, Actor, ConflictError, EsmError, Problem, Quarter, ScoreInput, ScoreValue, ValidationError
from . import forms
from .context import MISSING, flash
from .text import esc, esc_label

NOT_ASSESSED = "not assessed"
SCORE_OPTIONS = [NOT_ASSESSED, "1", "2", "3", "4", "5", NA]
TARGET_OPTIONS = ["", "1", "2", "3", "4", "5"]
SCOPE = "assessment"
QUARTERS_SHOWN = 8   # the quarter picker offers this quarter and the 7 before it, and the next one
_ASKED, _REFUSED = "assess_asked", "assess_refused"   # the save a bar asked for; what the last save refused
_BUTTONS = {"top": ("save_draft_top", "submit_top"), "bottom": ("save_draft", "submit")}
NOT_SCORED = "Not scored yet: choose a level, or N/A if it does not apply, before submitting."


def quarter_choices(current: Quarter, *others: str) -> list[str]:
    """The quarters to pick from, newest first: the next one, this one and the 7 before it, and any other
    quarter named (one with assessments, the link's)."""
    shown = {str(current.shift(i)) for i in range(1 - QUARTERS_SHOWN, 2)}
    return sorted(shown | {q for q in others if q}, reverse=True)


def quarter_label(current: Quarter, text: str) -> str:
    return text + {str(current): " · this quarter", str(current.next()): " · next quarter"}.get(text, "")


def pick(where, names: dict[str, str], db: Database) -> tuple[str, Quarter]:
    """The department and quarter, from the URL on the first visit and written back to it. A link's
    quarter that is not a quarter gets a word and the current quarter."""
    ids = list(names)
    wanted = st.query_params.get("department")
    department_id = where[0].selectbox("Department", ids, index=ids.index(wanted) if wanted in ids else 0,
                                       format_func=names.get, key="assess_department")
    current, linked = Quarter.current(), st.query_params.get("quarter", "")
    try:
        linked = str(Quarter.parse(linked)) if linked else ""
    except EsmError:
        st.warning(f"{esc(linked)} is not a quarter (write it as YYYY-Qn, for example 2025-Q3); showing "
                   f"{current}.", icon=":material/event_busy:")
        linked = ""
    choices = quarter_choices(current, linked, *quarters_with_data(db))
    picked = where[1].selectbox("Quarter", choices, index=choices.index(linked or str(current)),
                                format_func=lambda q: quarter_label(current, q), key="assess_quarter")
    quarter = Quarter.parse(picked)
    st.query_params.update({"department": department_id, "quarter": str(quarter)})
    return department_id, quarter


def level_label(levels: dict[int, str], value: str) -> str:
    return f"{value} · {levels[int(value)]}" if value.isdigit() else value


def score_text(levels: dict[int, str], score: ScoreValue | None) -> str:
    if score is None or not score.assessed:
        return NOT_ASSESSED
    return NA if score.na else level_label(levels, str(score.level))


def read_only(sheet: list[SheetRow], quarter: Quarter, levels: dict[int, str]) -> None:
    """A submitted (or, for a viewer, any) assessment as a table; the form reloads when it opens again. A save
    asked for on the form drawn before it was locked is not kept for later: it is refused here, in words."""
    forms.forget(SCOPE)
    if st.session_state.pop(_ASKED, None):
        st.error("Not saved: this assessment was submitted and locked while you were editing. Reopen it to make "
                 "changes.", icon=":material/lock:")
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
        # One picker per department and quarter: another department's choice never stays on screen.
        dim = st.selectbox("Dimension", list(rows), key=gap_key(department_id, quarter), format_func=label)
        if st.button("Add it to the improvement backlog", key="gap_to_backlog", icon=":material/arrow_forward:"):
            st.switch_page("pages/backlog.py", query_params=gap_link(rows[dim], quarter, department_id))


def gap_key(department_id: str, quarter: Quarter) -> str:
    """The gap picker's widget key: its own for each department and quarter."""
    return f"gap_dimension_{department_id}_{quarter}"


def gap_link(row: SheetRow, quarter: Quarter, department_id: str) -> dict[str, str]:
    """The backlog's add form, filled for the dimension shown in the picker."""
    dim = row.dimension.dimension_id
    return {"new": "1", "department": department_id, "dimension": dim, "source": "assessment",
            "source_ref": f"{quarter}/{department_id}/{dim}", "title": gap_improvement_title(row)}


def _stored_values(sheet: list[SheetRow]) -> dict[str, object]:
    values = {}
    for row in sheet:
        key, score = row.dimension.dimension_id, row.current.score
        values[f"score_{key}"] = NA if score.na else str(score.level) if score.level else NOT_ASSESSED
        values[f"target_{key}"] = str(row.target_default or "")  # last quarter's, until this one has its own
        values[f"evidence_{key}"] = row.current.evidence
    return values


def _entries(sheet: list[SheetRow]) -> list[ScoreInput]:
    s = st.session_state
    return [ScoreInput(key, ScoreValue.parse(None if s[f"score_{key}"] == NOT_ASSESSED else s[f"score_{key}"]),
                       s[f"target_{key}"] or None, s[f"evidence_{key}"])
            for key in (row.dimension.dimension_id for row in sheet)]


def scored(sheet: list[SheetRow]) -> int:
    """How many dimensions the form holds a level or N/A for (as the person has it on screen)."""
    return sum(1 for row in sheet if st.session_state.get(f"score_{row.dimension.dimension_id}",
                                                          NOT_ASSESSED) != NOT_ASSESSED)


def _dimension(row: SheetRow, quarter: Quarter, levels: dict[int, str], problems: list[str]) -> None:
    dim, key = row.dimension, row.dimension.dimension_id
    with st.container(border=True, key=f"dimension_{key}"):
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.subheader(esc_label(dim.name), anchor=False)  # no anchor link made of user text
            if problems:  # what the last save refused here, where the person fixes it
                st.error("  \n".join(esc(p) for p in problems), icon=":material/error:")
            if dim.description:
                st.caption(esc(dim.description))
            st.radio("Level", SCORE_OPTIONS, key=f"score_{key}", format_func=lambda v, r=dim.rubric: (
                f"**{esc_label(level_label(levels, v))}** — {esc_label(r.get(int(v), ''))}" if v.isdigit() else v))
        with right:
            st.markdown(f"Last quarter: **{esc(score_text(levels, row.last))}**")
            st.selectbox("Target level", TARGET_OPTIONS, key=f"target_{key}",
                         format_func=lambda v: level_label(levels, v) if v else "no target")
            if not row.stored and row.last_target:
                st.caption(f"Carried forward from {quarter.previous()}; it is kept for {quarter} when you save.")
            st.text_area("Evidence: why this score?", key=f"evidence_{key}", height=110,
                         placeholder="What you see in practice; required when the score changes")


def _ask(action: str, where: str) -> None:
    """A bar's button: remember which save was asked for; it runs before the form is drawn."""
    st.session_state[_ASKED] = (action, where)


def _bar(where: str, sheet: list[SheetRow], refused: dict) -> None:
    """How many dimensions are scored, Save draft and Submit; below them, when this bar's save was
    refused, the summary (and after a conflict, the way to load the latest)."""
    save_key, submit_key = _BUTTONS[where]
    with st.container(horizontal=True, vertical_alignment="center", key=f"assess_bar_{where}"):
        st.markdown(f":material/checklist: **{scored(sheet)} of {len(sheet)} dimensions scored**", width="content")
        st.button("Save draft", key=save_key, icon=":material/save:", on_click=_ask, args=("save", where))
        st.button("Submit", key=submit_key, type="primary", icon=":material/lock:", on_click=_ask,
                  args=("submit", where))
    if refused.get("where") != where:
        return
    names = [row.dimension.name for row in sheet if row.dimension.dimension_id in refused["dimensions"]]
    lines = ([f"Not saved: {len(names)} dimension(s) need attention, each marked where it is: " + ", ".join(names)]
             if names else []) + refused["general"]
    if lines:
        st.error("  \n".join(esc(line) for line in lines), icon=":material/error:")
    forms.offer_reload(SCOPE, label="Discard my entries and load the latest version", key="reload_latest")


def _by_dimension(sheet: list[SheetRow], problems: list[Problem], submitting: bool) -> tuple[dict, list[str]]:
    """Each problem at the dimension it names (the field starts with the dimension's name); the rest
    stay general. A refused submit also marks every dimension still not scored."""
    names = sorted(((row.dimension.name, row.dimension.dimension_id) for row in sheet), key=lambda n: -len(n[0]))
    found: dict[str, list[str]] = {}
    general: list[str] = []
    for problem in problems:
        field = problem.field or ""
        match = next(((n, d) for n, d in names if field == n or field.startswith(n + " (")), None)
        if match is None:
            general.append(str(problem))
            continue
        inner = field[len(match[0]):].strip(" ()")
        text = f"{inner}: {problem.message}" if inner else problem.message
        found.setdefault(match[1], []).append(text[:1].upper() + text[1:])
    if submitting and any(p.field is None for p in problems):
        for row in sheet:
            if st.session_state.get(f"score_{row.dimension.dimension_id}", NOT_ASSESSED) == NOT_ASSESSED:
                found.setdefault(row.dimension.dimension_id, []).append(NOT_SCORED)
    return found, general


def _run_asked_save(db: Database, actor: Actor, sheet: list[SheetRow], quarter: Quarter, department_id: str,
                    name: str, seen: int, record: str) -> None:
    """The save a bar asked for: on success forget the form and rerun with the news; on a refusal keep
    what it refused for this record (shown at each dimension until the next save)."""
    asked = st.session_state.pop(_ASKED, None)
    if asked is None:
        return
    action, where = asked
    st.session_state.pop(_REFUSED, None)
    refused = {"record": record, "where": where, "dimensions": {}, "general": []}
    try:
        save_assessment(db, actor, quarter, department_id, _entries(sheet), expected_version=seen,
                        submit=action == "submit")
    except ConflictError as err:
        forms.mark_conflict(SCOPE)
        refused["general"] = [str(err)]
    except ValidationError as err:
        refused["dimensions"], refused["general"] = _by_dimension(sheet, err.problems, action == "submit")
    except EsmError as err:
        refused["general"] = [str(err)]
    else:
        forms.forget(SCOPE)
        flash(f"Submitted and locked {name}'s {quarter} assessment." if action == "submit"
              else f"Draft saved for {name}, {quarter}.")
    st.session_state[_REFUSED] = refused


def scoring_form(db: Database, actor: Actor, sheet: list[SheetRow], version: int, quarter: Quarter,
                 department_id: str, name: str, levels: dict[int, str]) -> None:
    """Every dimension's level, target and evidence between two bars to save a draft or submit; the save
    sends the version first shown."""
    record = f"{department_id}|{quarter}"
    seen = forms.load_record(SCOPE, record, version, _stored_values(sheet))
    _run_asked_save(db, actor, sheet, quarter, department_id, name, seen, record)
    refused = st.session_state.get(_REFUSED) or {}
    if refused.get("record") != record:
        refused = {}
    _bar("top", sheet, refused)
    for row in sheet:
        _dimension(row, quarter, levels, refused.get("dimensions", {}).get(row.dimension.dimension_id, []))
    _bar("bottom", sheet, refused)
