"""The agree step of a closed rating round: one card per dimension, the most split first, and one save that
writes one agreed score per dimension (commands.agree).

Everything a card shows comes from results.results: a dimension below its round's threshold arrives as
`Suppressed`, with no count, median, range or comment to show, and its card says only that. The agreed
level starts empty; "Use median" fills in the median as a level, and the method is "median accepted"
when that level is kept unchanged, "agreed in a meeting" otherwise. A rationale is asked for where
commands.rationale_needed says so (the command checks it again). The save runs before the cards are
drawn, so each refusal is shown in the card it is about.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..access import Permission, allowed
from ..assessments import stored_scores
from ..charts import figures as charts
from ..db import Database
from ..maturity import Dimension, dimensions, level_names
from ..models import Actor, ConflictError, EsmError, Problem, Quarter, ValidationError
from ..rounds import commands, results
from ..rounds.records import AGREED, BELOW, CLOSED, MEDIAN, MEETING, Decision, Round
from ..rounds.stats import SPLIT, Summary
from . import forms
from .assessment_form import level_label, score_text
from .chart_export import Plot, draw
from .context import MISSING, flash, show_error
from .text import esc, esc_label

SCOPE, _ASKED, _REFUSED, SUBMIT_KEY = "round_agree", "agree_asked", "agree_refused", "agree_submit"
BADGE_COLOURS = {"aligned": "green", "mixed": "orange", "split": "red"}
LOW = 2   # an agreed level at or below this offers an improvement


def level_key(dim: str) -> str:
    return f"agree_level_{dim}"


def why_key(dim: str) -> str:
    return f"agree_why_{dim}"


def _median_key(dim: str) -> str:
    return f"agree_median_used_{dim}"


def _use_median(dim: str, level: int) -> None:
    st.session_state[level_key(dim)] = level
    st.session_state[_median_key(dim)] = True


def _changed_by_hand(dim: str) -> None:
    st.session_state[_median_key(dim)] = False


def _ask() -> None:
    st.session_state[_ASKED] = True


def method_of(dim: str, summary: Summary | None, level: int) -> str:
    used = st.session_state.get(_median_key(dim)) and summary is not None and level == summary.suggested
    return MEDIAN if used else MEETING


def _named(problems: list[Problem], names: dict[str, str]) -> list[Problem]:
    return [Problem(names.get(p.field, p.field) if p.field else None, p.message) for p in problems]


def _run_asked_save(db: Database, actor: Actor, found: Round, cards: list, seen: int, names: dict[str, str],
                    department: str) -> None:
    """The save "Agree these scores" asked for: on success forget the form and rerun with the news; on a
    refusal say why, and keep what it refused per dimension for the cards."""
    if not st.session_state.pop(_ASKED, None):
        return
    st.session_state.pop(_REFUSED, None)
    s, decisions = st.session_state, []
    for card in cards:
        level = s.get(level_key(card.dimension_id))
        if level is not None:
            decisions.append(Decision(card.dimension_id, int(level), method_of(card.dimension_id, card.summary, level),
                                      s.get(why_key(card.dimension_id)) or ""))
    submit = bool(s.get(SUBMIT_KEY))
    try:
        commands.agree(db, actor, found.round_id, decisions, expected_version=seen, submit=submit)
    except ValidationError as err:
        s[_REFUSED] = (found.round_id, {p.field: p.message for p in err.problems if p.field in names})
        show_error(ValidationError(problems=_named(err.problems, names)))
        return
    except ConflictError as err:
        forms.mark_conflict(SCOPE)
        show_error(err)
        return
    except EsmError as err:
        show_error(err)
        return
    forms.forget(SCOPE)
    flash(f"Agreed {len(decisions)} score(s) for {department}, {found.quarter}"
          + (", and submitted the self-assessment." if submit else ", in its self-assessment (still a draft)."))


def _rubric(dim: Dimension, levels: dict[int, str]) -> None:
    with st.expander("Rubric", icon=":material/menu_book:"):
        st.markdown("  \n".join(f"**{esc_label(level_label(levels, str(level)))}** — {esc_label(text)}"
                                for level, text in sorted(dim.rubric.items())))


def _figures(card: results.Shown, name: str) -> None:
    s = card.summary
    left, right = st.columns([3, 2], gap="medium")
    with left:
        frame = pd.DataFrame({"level": [str(level) for level in range(1, 6)], "answers": list(s.counts)})
        draw(Plot(charts.answer_counts, frame, source=("round answers", s.counts)), key=f"agree_chart_{card.dimension_id}",
             name=f"Answers for {name}")
    with right:
        row = st.container(horizontal=True)
        row.metric("Median", f"{s.median:g}")
        row.metric("Range", f"{s.low}–{s.high}" if s.range else f"{s.low}")
        row = st.container(horizontal=True)
        row.metric("Answers", s.n_valid)
        row.metric("Don't know", s.dont_know)
    if card.comments:
        with st.expander("Comments", icon=":material/chat:"):
            for comment in card.comments:
                st.markdown(":material/format_quote: " + esc(comment))


def _suppressed(card: results.Suppressed, k: int) -> None:
    if card.state == BELOW:
        st.info(f"Below threshold: fewer than {k} answers; nothing is shown.", icon=":material/visibility_off:")
    else:
        st.info("No evidence: nobody gave a level (every answer was don't know, or nobody answered); nothing "
                "is shown. Check that the rubric is understood.", icon=":material/help:")


def _rationale_note(summary: Summary | None, level) -> str:
    if level is None:
        if summary is None:
            return "A rationale is optional here."
        if summary.agreement == SPLIT:
            return "Required: the answers split. Say why the level agreed was chosen."
        return f"Required if the level agreed is a level or more from the median ({summary.median:g})."
    if not commands.rationale_needed(summary, int(level)):
        return "A rationale is optional here."
    if summary.agreement == SPLIT:
        return "Required: the answers split. Say why this level was agreed."
    return f"Required: {level} is a level or more from the median ({summary.median:g}). Say why."


def _decision(card, levels: dict[int, str], refused: str | None) -> int | None:
    dim, summary = card.dimension_id, card.summary
    if refused:
        st.error(esc(refused), icon=":material/error:")
    row = st.columns([1, 1.6, 3.4], vertical_alignment="top")
    if summary is not None:
        row[0].button("Use median", key=f"agree_use_median_{dim}", on_click=_use_median, args=(dim, summary.suggested),
                      help=f"Agree the median as a level: {summary.suggested}", icon=":material/functions:")
    level = row[1].selectbox("Agreed level", [None, 1, 2, 3, 4, 5], key=level_key(dim), on_change=_changed_by_hand,
                             args=(dim,), placeholder="choose a level",
                             format_func=lambda v: "choose a level" if v is None else level_label(levels, str(v)))
    with row[2]:
        st.text_area("Rationale", key=why_key(dim), height=80,
                     placeholder="What the meeting decided and why (what the high and low raters saw)")
        st.caption(_rationale_note(summary, level))
    return level


def _improve(actor: Actor, found: Round, dim: Dimension, card, level: int | None) -> None:
    """A split or low dimension: an improvement on the backlog, filled in the way a self-assessment gap is."""
    if level is None and card.summary is not None:
        level = card.summary.suggested   # not agreed yet: the median says whether it is low
    low = level is not None and level <= LOW
    if not allowed(actor, Permission.backlog) or not (card.state == SPLIT or low):
        return
    if st.button("Add an improvement", key=f"agree_improve_{dim.dimension_id}", icon=":material/add_task:",
                 help="Opens the backlog's add form for this dimension (agree the scores first: leaving this page "
                      "drops what is not saved)."):
        d = dim.dimension_id
        st.switch_page("pages/backlog.py", query_params={
            "new": "1", "department": found.department_id, "dimension": d, "source": "assessment",
            "source_ref": f"{found.quarter}/{found.department_id}/{d}", "title": f"Improve {dim.name.lower()}"})


def _card(actor: Actor, found: Round, card, dim: Dimension, levels: dict[int, str], last, agreed,
          badges: dict, refused: str | None) -> int | None:
    d = card.dimension_id
    with st.container(border=True, key=f"agree_card_{d}"):
        head = st.container(horizontal=True, vertical_alignment="center")
        head.subheader(esc_label(dim.name), anchor=False, width="content")  # no anchor made of user text
        head.badge(card.state, color=BADGE_COLOURS.get(card.state, "gray"))
        if card.summary is not None:
            _figures(card, dim.name)
        else:
            _suppressed(card, found.threshold)
        st.markdown(f"Last quarter ({Quarter.parse(found.quarter).previous()}), agreed: "
                    f"**{esc(score_text(levels, last.score if last else None))}**")
        _rubric(dim, levels)
        if found.status == CLOSED:
            level = _decision(card, levels, refused)
        else:
            level = agreed.score.level if agreed else None
            badge = badges.get((found.department_id, d), "")
            st.markdown(f"Agreed: **{esc(score_text(levels, agreed.score if agreed else None))}**"
                        + (f" · {esc(badge)}" if badge else ""))
        _improve(actor, found, dim, card, level)
    return level


def agree_step(db: Database, actor: Actor, found: Round, department: str) -> None:
    """The cards of a closed round with the agree form; of an agreed round, with what was agreed."""
    cards = results.results(db, actor, found.round_id)
    dims = {d.dimension_id: d for d in dimensions(db, include_retired=True)}
    names = {c.dimension_id: dims[c.dimension_id].name if c.dimension_id in dims else c.dimension_id for c in cards}
    levels, quarter = level_names(db), Quarter.parse(found.quarter)
    last = stored_scores(db, quarter.previous(), found.department_id)
    agreed = stored_scores(db, quarter, found.department_id) if found.status == AGREED else {}
    badges = results.badges(db, found.quarter) if found.status == AGREED else {}
    st.subheader("Agree the scores" if found.status == CLOSED else "The agreed scores", anchor=False)
    refused: dict[str, str] = {}
    if found.status == CLOSED:
        st.caption("One card per dimension, the most split first. Agree a level for each (Use median fills in the "
                   "median), with a rationale where one is required, then save them together.")
        seen = forms.load_record(SCOPE, found.round_id, found.version,
                                 {key(c.dimension_id): value for c in cards
                                  for key, value in ((level_key, None), (why_key, ""), (_median_key, False))})
        _run_asked_save(db, actor, found, cards, seen, names, department)
        kept = st.session_state.get(_REFUSED)
        refused = kept[1] if kept and kept[0] == found.round_id else {}
    chosen = 0
    for card in cards:
        dim = dims.get(card.dimension_id) or Dimension(card.dimension_id, card.dimension_id, "", 0, False, 0, {})
        level = _card(actor, found, card, dim, levels, last.get(card.dimension_id), agreed.get(card.dimension_id),
                      badges, refused.get(card.dimension_id))
        chosen += level is not None
    if found.status != CLOSED:
        return
    with st.container(horizontal=True, vertical_alignment="center", key="agree_bar"):
        st.markdown(f"**{chosen} of {len(cards)} dimensions have an agreed level**", width="content")
        st.checkbox("and submit the self-assessment", key=SUBMIT_KEY,
                    help="Submitting locks the department's self-assessment for the quarter.")
        st.button("Agree these scores", key="agree_save", type="primary", icon=":material/handshake:", on_click=_ask,
                  disabled=not results.may_run(actor, found.department_id))
    forms.offer_reload(SCOPE, label="Discard my choices and load the latest", key="agree_reload")


def named_answers(db: Database, actor: Actor, found: Round) -> None:
    """Who answered what, for the people who run a named round (an anonymous round has no such view)."""
    if found.anonymous or found.status not in (CLOSED, AGREED) or not results.may_run(actor, found.department_id):
        return
    dims = {d.dimension_id: d.name for d in dimensions(db, include_retired=True)}
    rows = results.named_answers(db, actor, found.round_id)
    with st.expander(f"Who answered what ({len({r[0] for r in rows})} people, named round)", icon=":material/badge:"):
        if not rows:
            st.info("Nobody answered.")
            return
        st.dataframe(pd.DataFrame([{"person": who, "dimension": dims.get(d, d), "level": level,
                                    "dont_know": dont_know, "comment": comment}
                                   for who, d, level, dont_know, comment in rows]),
                     hide_index=True, placeholder=MISSING, width="stretch", key="round_named_answers",
                     column_config={"person": "Person", "dimension": "Dimension",
                                    "level": st.column_config.NumberColumn("Level", format="%d"),
                                    "dont_know": "Don't know", "comment": "Comment"})
