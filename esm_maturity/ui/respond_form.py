"""The answer page's parts: a rating round reached by a personal link (no sign-in) or by a signed-in
person's own invitation; its heading and honest wording; per dimension the rubric, a choice of 1-5 or
"Don't know" and a comment; and the form that saves the answers.

The form is filled once from the answers the person gave before (forms.load_record), so they can change
them until the round closes. A link's token lives only in the session (identity.link_token): it is never
drawn, put into a key or a message, or logged.
"""

from __future__ import annotations

from typing import Callable

import streamlit as st

from ..db import Database
from ..departments import get_department
from ..maturity import Dimension, dimensions, level_names
from ..models import Actor, EsmError, NotFound, Problem, ValidationError
from ..rounds import commands
from ..rounds.records import AGREED, CLOSED, DRAFT, Answer, Holder, Round
from . import forms
from .context import show_error
from .text import esc, esc_label

LEVELS = ("1", "2", "3", "4", "5")
DONT_KNOW = "dont_know"
OPTIONS = [*LEVELS, DONT_KNOW]
SCOPE = "respond"
_SENT = "respond_sent"   # the thank-you of the save just made, shown once by the next run

BAD_LINK = ("This link is not valid: it may have been mistyped, or withdrawn by the champion. Ask your champion "
            "for a new one.")
NOT_OPEN = ("This rating round has not opened yet: nothing can be answered before it opens. Keep your link and "
            "come back once your champion opens the round.")
CLOSED_KEPT = "This rating round has closed: your answers are kept; thank you."
CLOSED_UNANSWERED = "This rating round has closed and takes no more answers; thank you."
TOO_LATE = "Not saved: the round closed before you sent these answers, so it takes no more changes."
CHANGE_UNTIL_CLOSE = "You can change your answers until the round closes."
SAVED = "Thank you: your answers are saved. " + CHANGE_UNTIL_CLOSE
FINAL = ("Thank you: your answers are saved. In an anonymous round they are final: nothing links them to you, "
         "so they cannot be shown to you again or changed.")
KEEP_LINK = ("Keep your link: this page forgets it when you reload or close it, so open the link again to change "
             "your answers.")


def level_key(dimension_id: str) -> str:
    return f"respond_level_{dimension_id}"


def comment_key(dimension_id: str) -> str:
    return f"respond_comment_{dimension_id}"


# --- reached by a personal link ------------------------------------------------------------------

def by_link(db: Database, token: str) -> None:
    """The round of the link's token: a message when it is invalid, not open yet or closed; else the form."""
    holder = commands.holder(db, token)
    if holder is None:
        st.error(BAD_LINK, icon=":material/link_off:")
        return
    found = holder.round
    heading(db, found)
    if found.status == DRAFT:
        st.info(NOT_OPEN, icon=":material/schedule:")
        return
    if found.status in (CLOSED, AGREED):
        if st.session_state.get("respond_submit"):   # sent from a form drawn before the round closed
            st.error(TOO_LATE, icon=":material/lock:")
        st.success(CLOSED_KEPT if holder.answered else CLOSED_UNANSWERED, icon=":material/check_circle:")
        return
    about(found)
    if not thanked() and holder.answered:
        st.info(f"You have answered this round. {CHANGE_UNTIL_CLOSE}", icon=":material/edit:")
    answer_form(db, holder, lambda answers: commands.answer(db, token, answers), SAVED)
    st.caption(KEEP_LINK)


# --- a signed-in person's invitations ------------------------------------------------------------

def signed_in(db: Database, actor: Actor) -> None:
    """The open rounds this person is invited to (by their e-mail address), one at a time."""
    rounds = commands.invited_rounds(db, actor)
    if not rounds:
        st.info("You are not invited to an open rating round. When a champion invites you by your e-mail address, "
                "the round shows here while it is open; a personal link from your champion works too, without "
                "signing in.", icon=":material/how_to_vote:")
        return
    names = {r.round_id: f"{department_name(db, r.department_id)} · {r.quarter}" for r in rounds}
    round_id = rounds[0].round_id
    if len(rounds) > 1:
        round_id = st.selectbox("Rating round", list(names), format_func=names.get, key="respond_round")
    holder = commands.signed_in_holder(db, actor, round_id)
    if holder is None:   # uninvited meanwhile
        st.info("You are no longer invited to this round.", icon=":material/how_to_vote:")
        return
    found = holder.round
    heading(db, found)
    about(found)
    if found.anonymous and holder.answered:
        st.session_state.pop(_SENT, None)
        st.success(FINAL, icon=":material/check_circle:")
        return
    if found.anonymous:
        st.caption("In an anonymous round your answers are final once sent: nothing links them to you, so they "
                   "cannot be shown to you again or changed.")
    elif not thanked() and holder.answered:
        st.info(f"You have answered this round. {CHANGE_UNTIL_CLOSE}", icon=":material/edit:")
    answer_form(db, holder, lambda answers: commands.answer_signed_in(db, actor, round_id, answers),
                FINAL if found.anonymous else SAVED)


def local_mode() -> None:
    st.info("In local mode nobody signs in here, so a round is answered through a personal link. The champion "
            "invites people on the Rating rounds page and hands each one their link (this page's address ending "
            "in ?respond= and a code); whoever opens the link answers, with no sign-in.",
            icon=":material/link:")


# --- the round and its form ----------------------------------------------------------------------

def department_name(db: Database, department_id: str) -> str:
    try:
        return get_department(db, department_id).name
    except NotFound:
        return department_id


def heading(db: Database, found: Round) -> None:
    st.subheader(esc_label(f"{department_name(db, found.department_id)} · {found.quarter}"), anchor=False)


def about(found: Round) -> None:
    """What the champion asked, and what the round's mode means (the same words on every screen)."""
    if found.instructions.strip():
        st.markdown(esc(found.instructions))
    st.info(esc(found.words), icon=":material/visibility_off:" if found.anonymous else ":material/badge:")


def thanked() -> bool:
    """The thank-you of the save just made (once), in place of the 'you have answered' line."""
    done = st.session_state.pop(_SENT, None)
    if done:
        st.success(done, icon=":material/check_circle:")
    return bool(done)


def _stored(holder: Holder) -> dict[str, object]:
    values: dict[str, object] = {}
    for dim_id in holder.round.dimension_ids:
        given = holder.answers.get(dim_id)
        values[level_key(dim_id)] = (None if given is None else DONT_KNOW if given.dont_know
                                     else str(given.level) if given.level else None)
        values[comment_key(dim_id)] = given.comment if given else ""
    return values


def option_label(levels: dict[int, str], value: object) -> str:
    if value == DONT_KNOW:
        return "Don't know"
    return f"{value} · {esc_label(levels[int(value)])}" if value in LEVELS else esc_label(value)


def _dimension(dim: Dimension, levels: dict[int, str], anonymous: bool) -> None:
    key = dim.dimension_id
    with st.container(border=True, key=f"respond_dim_{key}"):
        st.subheader(esc_label(dim.name), anchor=False)
        if dim.description:
            st.caption(esc(dim.description))
        st.markdown("\n".join(f"- **{n} · {esc_label(levels.get(n, ''))}**: {esc_label(dim.rubric.get(n, ''))}"
                              for n in range(1, 6)))
        st.radio(f"Your rating: {esc_label(dim.name)}", OPTIONS, index=None, horizontal=True, key=level_key(key),
                 format_func=lambda v: option_label(levels, v))
        st.text_area(f"Comment (optional, up to {commands.COMMENT_MAX:,} characters)", key=comment_key(key), height=80,
                     placeholder="Why this level? Leave out anything that identifies you" if anonymous else
                     "Why this level?")


def entered(dimension_ids: tuple[str, ...]) -> list[Answer]:
    """The answers as the form holds them; a value that is no choice goes on to be refused by the command."""
    out = []
    for dim_id in dimension_ids:
        value, comment = st.session_state.get(level_key(dim_id)), st.session_state.get(comment_key(dim_id)) or ""
        if value == DONT_KNOW:
            out.append(Answer(dim_id, None, True, comment))
        else:
            level = int(value) if isinstance(value, str) and value in LEVELS else value
            out.append(Answer(dim_id, level, False, comment))
    return out


def _unrated_comments(answers: list[Answer], names: dict[str, str]) -> list[Problem]:
    return [Problem(names.get(a.dimension_id, a.dimension_id), "has a comment but no rating: choose a level or "
                    "Don't know, or the comment is not kept") for a in answers
            if a.level is None and not a.dont_know and a.comment.strip()]


def answer_form(db: Database, holder: Holder, send: Callable[[list[Answer]], None], done: str) -> None:
    """Every dimension of the round, filled from the person's earlier answers; Send saves them all."""
    found = holder.round
    forms.load_record(SCOPE, (found.round_id, holder.invitation_id), found.version, _stored(holder))
    known = {d.dimension_id: d for d in dimensions(db, include_retired=True)}
    shown = [known[d] for d in found.dimension_ids if d in known]
    levels = level_names(db)
    with st.form("respond_form", border=False):
        for dim in shown:
            _dimension(dim, levels, found.anonymous)
        sent = st.form_submit_button("Send my answers", key="respond_submit", type="primary", icon=":material/send:")
    if not sent:
        return
    answers, names = entered(tuple(d.dimension_id for d in shown)), {d.dimension_id: d.name for d in shown}
    problems = _unrated_comments(answers, names)
    if problems:
        show_error(ValidationError(problems=problems))
        return
    try:
        send(answers)
    except ValidationError as err:   # each problem named by its dimension's name, not its key
        show_error(ValidationError(problems=[Problem(names.get(p.field, p.field), p.message) for p in err.problems]))
        return
    except EsmError as err:
        show_error(err)
        return
    forms.forget(SCOPE)   # the next run fills the form from the stored answers
    st.session_state[_SENT] = done
    st.rerun()
