"""The Rating rounds page's running of a round: the department and its rounds, a new round, invitations
(personal links or offline forms), the mode, open and close.

An invitation's token exists once, in what commands.invite returns. The invite button's callback keeps
it in session state only until the page's next line takes it (`take_issued`), and the page shows it in
that one run: as a link `<app>/respond?respond=<token>`, or as an offline form's code (and in the forms'
download). A rerun, and the links are gone; the database holds only their hashes and nothing logs them.
While a round is open the page shows only "x of N answered", never a figure per dimension.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from ..db import Database
from ..maturity import dimensions
from ..models import Actor, EsmError, Quarter, ValidationError
from ..rounds import commands, results
from ..rounds.records import ANONYMOUS, DRAFT, LINK, MODE_WORDS, NAMED, OPEN, REVOKED, Issued, Progress, Round
from . import forms
from .assessment_form import quarter_choices, quarter_label
from .context import MISSING, flash, show_error
from .text import esc

URL_PATH, RESPOND_PATH, RESPOND_PARAM = "rounds", "respond", "respond"
OFFLINE_CHANNEL = "offline"   # commands.invite's channel of an offline form (its answers' source: "offline form")
CHANNELS = {LINK: "personal link", OFFLINE_CHANNEL: "offline form (Excel)"}
_ISSUED, _WANTED = "rounds_issued", "rounds_wanted"
INVITEES_KEY, CHANNEL_KEY, PICK_KEY = "round_invitees", "round_channel", "round_pick"


# --- the department and its rounds --------------------------------------------------------------------

def pick_department(names: dict[str, str]) -> str:
    """The department, from the link (?department=HR) on the first visit, and written back to it."""
    ids = list(names)
    wanted = st.query_params.get("department")
    department_id = st.selectbox("Department", ids, index=ids.index(wanted) if wanted in ids else 0,
                                 format_func=names.get, key="rounds_department")
    st.query_params["department"] = department_id
    return department_id


def answered(progress: Progress) -> str:
    return f"{progress.answered} of {progress.invited} answered"


def round_label(found: Round) -> str:
    return f"{found.round_id} · {found.quarter} · {found.mode} · {found.status}"


def round_list(db: Database, rounds: list[Round]) -> None:
    if not rounds:
        st.info("This department has no rating rounds yet.")
        return
    st.dataframe(pd.DataFrame([{"round": r.round_id, "quarter": r.quarter, "mode": r.mode, "status": r.status,
                                "answered": answered(results.progress(db, r.round_id)),
                                "dimensions": len(r.dimension_ids), "created_by": r.created_by}
                               for r in rounds]),
                 hide_index=True, placeholder=MISSING, width="stretch", key="rounds_list",
                 column_config={"round": "Round", "quarter": "Quarter", "mode": "Mode", "status": "Status",
                                "answered": "Answered", "dimensions": "Dimensions", "created_by": "Started by"})


def pick_round(rounds: list[Round]) -> Round | None:
    """The round worked on: the one just made or invited to, else the last chosen, else the newest."""
    if not rounds:
        return None
    by_id = {r.round_id: r for r in rounds}
    wanted = st.session_state.pop(_WANTED, None)
    if wanted in by_id:
        st.session_state[PICK_KEY] = wanted
    elif st.session_state.get(PICK_KEY) not in by_id:
        st.session_state.pop(PICK_KEY, None)
    chosen = st.selectbox("Round", list(by_id), key=PICK_KEY, format_func=lambda r: round_label(by_id[r]))
    return by_id[chosen]


# --- a new round ------------------------------------------------------------------------------------------

def mode_words(mode: str, k: int) -> str:
    return MODE_WORDS[mode].format(k=k)


def create_form(db: Database, actor: Actor, department_id: str, name: str) -> None:
    k = commands.threshold(db)[0]
    active = {d.dimension_id: d.name for d in dimensions(db)}
    current = Quarter.current()
    choices = quarter_choices(current)
    st.caption(f"The organisation's anonymity threshold is k = {k}: an anonymous round opens only with at least "
               f"{k} people invited, and shows a dimension's answers only when at least {k} gave a level. "
               "An admin sets it in Settings.")
    with st.form("round_create", border=False):
        quarter = st.selectbox("Quarter", choices, index=choices.index(str(current)), key="round_new_quarter",
                               format_func=lambda q: quarter_label(current, q))
        mode = st.radio("Who can see the answers", [ANONYMOUS, NAMED],
                        key="round_new_mode", format_func=str.capitalize,
                        captions=[mode_words(m, k) for m in (ANONYMOUS, NAMED)])
        chosen = st.multiselect("Dimensions", list(active), default=list(active), format_func=active.get,
                                key="round_new_dimensions", help="All of the model's dimensions unless you choose "
                                "fewer; the others are scored on the self-assessment as before.")
        instructions = st.text_area("Instructions for the people you invite", key="round_new_instructions",
                                    placeholder="What to think about, which period, how to treat in-between "
                                    "cases. Remind people not to write anything that identifies them.")
        if not st.form_submit_button("Start the round (as a draft)", key="round_create", type="primary",
                                     icon=":material/add:"):
            return
    try:
        if not chosen:
            raise ValidationError("choose at least one dimension for the round", "dimensions")
        made = commands.create_round(db, actor, department_id, quarter, mode, chosen, instructions)
    except EsmError as err:
        show_error(err)
        return
    st.session_state[_WANTED] = made.round_id
    flash(f"Rating round {made.round_id} for {name}, {made.quarter}, is a draft: invite people, then open it.")


# --- the round's header and its state ---------------------------------------------------------------------

def summary(found: Round, progress: Progress) -> None:
    st.subheader(f"{found.round_id} · {found.quarter}", anchor=False)
    st.markdown(f"**Status:** {found.status} · **{answered(progress)}** · **Mode:** {found.mode} · "
                f"**Threshold:** k = {found.threshold} · started by {esc(found.created_by)} on {found.created_on}")
    st.info(found.words, icon=":material/visibility_off:" if found.anonymous else ":material/badge:")
    if found.instructions:
        st.caption("Instructions: " + esc(found.instructions))


def _locked_mode(found: Round, progress: Progress) -> bool:
    return progress.answered > 0 or found.status not in (DRAFT, OPEN)


def controls(db: Database, actor: Actor, found: Round, progress: Progress) -> None:
    """The mode (until the first answer), Open (a draft) and Close (an open round)."""
    rid, version = found.round_id, found.version
    if _locked_mode(found, progress):
        why = "answers exist" if progress.answered else f"the round is {found.status}"
        st.markdown(f":material/lock: **Mode: {found.mode}**, locked because {why}.")
    else:
        row = st.columns([3, 1], vertical_alignment="bottom")
        key = f"round_mode_{rid}_{version}"
        row[0].radio("Mode", [ANONYMOUS, NAMED], index=[ANONYMOUS, NAMED].index(found.mode), key=key,
                     horizontal=True, format_func=str.capitalize,
                     help="Locked for good once the first answer exists.")
        row[1].button("Change the mode", key="round_set_mode", on_click=forms.run_action, args=(
            lambda: commands.set_mode(db, actor, rid, st.session_state[key], expected_version=version),
            lambda _: f"Rating round {rid} is now {st.session_state[key]}."))
    if found.status == DRAFT:
        if found.anonymous:
            st.caption(f"An anonymous round opens with at least {found.threshold} people invited "
                       f"({progress.invited} now).")
        st.button("Open the round", key="round_open", type="primary", icon=":material/play_arrow:",
                  on_click=forms.run_action, args=(
                      lambda: commands.open_round(db, actor, rid, expected_version=version),
                      f"Rating round {rid} is open: the people invited can answer until you close it."))
    elif found.status == OPEN:
        st.button("Close the round", key="round_close", icon=":material/stop:", on_click=forms.run_action, args=(
            lambda: commands.close_round(db, actor, rid, expected_version=version),
            f"Rating round {rid} is closed: agree the scores below."))


# --- invitations ------------------------------------------------------------------------------------------

def _invite(db: Database, actor: Actor, round_id: str) -> None:
    """The invite button's callback: the tokens go into session state for the next run only."""
    s = st.session_state
    channel = s.get(CHANNEL_KEY, LINK)
    try:
        issued = commands.invite(db, actor, round_id, (s.get(INVITEES_KEY) or "").splitlines(), channel)
    except EsmError as err:
        s["flash_error"] = err
        return
    s[_ISSUED] = (round_id, channel, issued)
    s[_WANTED], s[INVITEES_KEY] = round_id, ""
    s["flash"] = f"{len(issued)} {'person' if len(issued) == 1 else 'people'} invited to rating round {round_id}."


def take_issued() -> tuple[str, str, list[Issued]] | None:
    """The invitations just made, with their tokens, taken out of session state: shown in this run only."""
    return st.session_state.pop(_ISSUED, None)


def invite_form(db: Database, actor: Actor, found: Round) -> None:
    with st.form("round_invite", border=False):
        st.text_area("Invite: one name or e-mail address per line", key=INVITEES_KEY, height=120,
                     placeholder="ann@example.org\nBob Smith",
                     help="Someone invited by the e-mail address they sign in with can also answer signed in.")
        st.radio("How they answer", list(CHANNELS), format_func=CHANNELS.get, key=CHANNEL_KEY, horizontal=True,
                 help="A personal link needs no sign-in. An offline form is an Excel file with a one-time code.")
        st.form_submit_button("Invite", key="round_invite", icon=":material/person_add:", on_click=_invite,
                              args=(db, actor, found.round_id))


def base_url() -> str:
    """The app's address as the person's browser has it (without this page's path); "" when unknown."""
    try:
        url = st.context.url
        headers = st.context.headers
    except Exception:   # no browser behind this run (a script, a test)
        return ""
    if url:
        parts = urlsplit(url)
        path = parts.path.rstrip("/")
        if path.endswith("/" + URL_PATH):
            path = path[: -len(URL_PATH) - 1]
        return f"{parts.scheme}://{parts.netloc}{path}"
    host = headers.get("host") if headers else None
    if host:
        return f"{headers.get('x-forwarded-proto') or 'http'}://{host}"
    return ""


def respond_link(token: str, base: str | None = None) -> str:
    return f"{base_url() if base is None else base}/{RESPOND_PATH}?{RESPOND_PARAM}={token}"


def _offline_forms(db: Database, actor: Actor, round_id: str, issued: list[Issued]) -> bytes:
    from ..workbook.round_forms import offline_forms  # deferred: the Excel writer, only when forms are issued

    return offline_forms(db, actor, round_id, issued)


def show_issued(db: Database, actor: Actor, found: Round, taken: tuple[str, str, list[Issued]] | None) -> None:
    """The links (or form codes) of the invitations just made, once."""
    if not taken or taken[0] != found.round_id:
        return
    _, channel, issued = taken
    offline = channel == OFFLINE_CHANNEL
    st.warning("Shown only now: " + ("give each person their form; the code in it works once." if offline else
               "copy each link and send it to its person.") + " They are not stored (only a fingerprint of each), "
               "so they cannot be shown again. If one is lost, revoke that invitation and invite the person again.",
               icon=":material/key:")
    base = base_url()
    for item in issued:
        st.markdown(f"**{esc(item.invitation.invitee)}**" + (" · form code" if offline else ""))
        st.code(item.token if offline else respond_link(item.token, base), language=None, wrap_lines=True)
    if offline:
        try:
            data = _offline_forms(db, actor, found.round_id, issued)
        except EsmError as err:
            show_error(err)
            return
        st.download_button("Download the offline forms (.zip, one .xlsx per person)", data=data,
                           file_name=f"{found.round_id}-forms.zip", mime="application/zip",
                           key="round_forms_download", on_click="ignore", icon=":material/download:")


def invitation_list(db: Database, actor: Actor, found: Round) -> list[tuple[str, str, str, str]]:
    """Who is invited, how, and whether they answered (never when, nor what); revoke one."""
    rows = results.invitations(db, actor, found.round_id)
    if not rows:
        st.info("Nobody is invited yet.")
        return rows
    st.dataframe(pd.DataFrame([{"invitee": who, "channel": CHANNELS.get(how, how), "status": status}
                               for _, who, how, status in rows]),
                 hide_index=True, placeholder=MISSING, width="stretch", key="round_invitations",
                 column_config={"invitee": "Invited", "channel": "Answers by", "status": "Status"})
    live = {i: who for i, who, _, status in rows if status != REVOKED}
    if live and found.status in (DRAFT, OPEN):
        row = st.columns([3, 1], vertical_alignment="bottom")
        key, rid = f"round_revoke_pick_{found.round_id}", found.round_id
        row[0].selectbox("Revoke an invitation (its link or form stops working)", list(live), format_func=live.get,
                         key=key)
        row[1].button("Revoke", key="round_revoke", icon=":material/block:", on_click=forms.run_action, args=(
            lambda: commands.revoke(db, actor, rid, st.session_state[key]),
            lambda _: f"{live.get(st.session_state[key], 'The invitation')}'s invitation is revoked."))
    return rows


def offline_returns(db: Database, actor: Actor, found: Round) -> None:
    """Upload the offline forms that came back; each value is checked again and each code used once."""
    with st.expander("Import returned offline forms", icon=":material/upload_file:"):
        from ..workbook.round_forms import import_offline_forms  # deferred: the Excel reader, only for returns
        uploads = st.file_uploader("Returned forms (.xlsx)", type=["xlsx"], accept_multiple_files=True,
                                   key=f"round_returns_{found.round_id}")
        if not uploads or not st.button("Import their answers", key="round_import_forms", icon=":material/upload:"):
            return
        try:
            report = import_offline_forms(db, actor, [(f.name, f.getvalue()) for f in uploads])
        except EsmError as err:
            show_error(err)
            return
        text = "\n".join(str(line) for line in report.lines())
        if report.ok:
            flash(text or "The forms' answers are in.")
        st.error(esc(text) or "The forms could not be imported.")


__all__ = ["base_url", "controls", "create_form", "invitation_list", "invite_form", "offline_returns",
           "pick_department", "pick_round", "respond_link", "round_label", "round_list", "show_issued", "summary",
           "take_issued"]
