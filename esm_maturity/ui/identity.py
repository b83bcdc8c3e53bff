"""Who is using the app in this run: the local admin, or the person signed in with the
organisation's identity provider (Streamlit's st.login / st.user / st.logout).

The router resolves the person once per run, before the navigation is drawn; nobody reaches a
page (or its data) in organisation mode without signing in and holding a role. The one exception is
a personal link to a rating round (`link_token`): it opens the answer page alone, whose token is the
only key to one invitation. The rules are in esm_maturity.access (identity.py, people.py); this
module draws the screens.
"""

from __future__ import annotations

import threading
from typing import Any, Mapping

import streamlit as st

from .. import config
from ..access.identity import SignInSettings, is_loopback, local_actor, login_of, person_for
from ..access.people import admins
from ..access.policy import ROLE_WORDS, Permission, allowed, refusal
from ..models import Actor
from .registry import PAGES
from .resources import database
from .text import esc

_run = threading.local()   # each session's script runs on its own thread; set at the start of every run


def settings() -> SignInSettings:
    """Organisation mode when `.streamlit/secrets.toml` has an [auth] section."""
    try:
        return SignInSettings.from_secrets(st.secrets)
    except Exception:   # no secrets file at all: local mode
        return SignInSettings(organisation=False)


def _claims() -> dict[str, Any]:
    try:
        return dict(st.user.to_dict())
    except Exception:
        return {}


def resolve() -> Actor:
    """The person acting in this run, or a sign-in / request-access screen and a stop."""
    _run.actor = None
    found = settings()
    if not found.organisation:
        address = st.get_option("server.address")
        if address and not is_loopback(address):
            st.error("This server answers beyond this computer, but nobody signs in, so anyone who reaches it "
                     "would be an admin. Start it with `make run` (this computer only), or turn on sign-in: see "
                     "'Deploying for your organisation' in the README.", icon=":material/lock:")
            st.stop()
        _run.actor = local_actor(config.local_name())
        return _run.actor
    claims = _claims()
    if not claims.get("is_logged_in"):
        _no_page_list()
        _sign_in_screen(found)
        st.stop()
    person = person_for(database(), claims, found)
    if person is None:
        _no_page_list()
        _request_access_screen(claims)
        st.stop()
    _run.actor = person.actor()
    return _run.actor


# A personal link to a rating round (/respond?respond=<token>) needs no sign-in and opens that page alone.
RESPOND = "respond"             # the link's query parameter, and the respond page's url_path
_LINK_TOKEN = "_respond_token"  # the session's link token, once taken out of the URL


def link_token() -> str | None:
    """The token of the personal link this session came by, or None. Taken from the URL into the session
    on the first run, then out of the URL (so the address bar no longer shows it); never shown or logged."""
    if RESPOND in st.query_params:
        st.session_state[_LINK_TOKEN] = st.query_params.get(RESPOND) or ""
        del st.query_params[RESPOND]
    token = st.session_state.get(_LINK_TOKEN)
    if token is not None:
        _run.actor = None   # nobody signed in acts through a link
    return token


def link_pages() -> list:
    """A link's whole app: the respond page, at its address and at the root (a link to `/?respond=`)."""
    spec = next(p for p in PAGES if p.url_path == RESPOND)
    return [st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.url_path),
            st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=f"{RESPOND}-link", default=True)]


def current() -> Actor:
    """The person resolve() found in this run (a page run bare resolves first)."""
    actor = getattr(_run, "actor", None)
    return actor if actor is not None else resolve()


def _no_page_list() -> None:
    """No page list beside a screen shown before someone has a role. The first visit after the server
    starts (Streamlit's old pages/-folder mode) would otherwise keep the folder's file names in the
    sidebar. The registry's pages, so a deep link keeps its address; none of them runs."""
    st.navigation([st.Page(p.path, title=p.title, url_path=p.url_path or None, default=not p.url_path)
                   for p in PAGES], position="hidden")


def _providers(found: Mapping[str, Any]) -> list[str]:
    """The named providers of [auth.NAME] sections; none when [auth] itself names one."""
    auth = found.get("auth", {}) if hasattr(found, "get") else {}
    if "client_id" in auth:
        return []
    return [name for name, value in auth.items() if hasattr(value, "get") and "client_id" in value]


def _sign_in_screen(found: SignInSettings) -> None:
    st.title("ESM maturity tracker")
    st.write("Sign in with your organisation account to see the maturity scores, the improvement backlog and "
             "the check-ins.")
    providers = _providers(st.secrets)
    if len(providers) > 1:
        for name in providers:
            if st.button(f"Sign in with {esc(name.title())}", key=f"sign_in_{name}", type="primary",
                         icon=":material/login:"):
                st.login(name)
    elif st.button("Sign in", key="sign_in", type="primary", icon=":material/login:"):
        st.login(*providers)


def _request_access_screen(claims: Mapping[str, Any]) -> None:
    who = login_of(claims) or "this account"
    st.title("Request access")
    st.write(f"You are signed in as **{esc(who)}**, but you have no role in the ESM maturity tracker yet, "
             "so there is nothing to show you.")
    people = admins(database())
    if people:
        st.write("Ask one of the admins to add you on the Settings page, with the role you need (department rep, "
                 "champion or sponsor) and your departments:")
        st.markdown("\n".join(f"- {esc(p.name or p.email)} ({esc(p.email)})" if p.name else f"- {esc(p.email)}"
                              for p in people))
    else:
        st.write("No admin has signed in yet. The first admin is named in the server's configuration "
                 "(`first_admin` under `[esm]` in `.streamlit/secrets.toml`); ask whoever runs the server.")
    sign_out_button()


def sign_out_button(where: Any = st) -> None:
    if where.button("Sign out", key="sign_out", icon=":material/logout:"):
        st.logout()




def sidebar(actor: Actor) -> None:
    """Who is signed in, as what, and a way out; in local mode one quiet line."""
    if not settings().organisation:
        st.sidebar.caption("Local mode: no sign-in, you are the admin, and only this computer can open the app.")
        return
    role = ROLE_WORDS[actor.role.value]
    scope = f" for {', '.join(actor.departments)}" if actor.departments else ""
    st.sidebar.caption(f"Signed in as {esc(actor.label)}: {role}{esc(scope)}")
    sign_out_button(st.sidebar)


def may(actor: Actor, permission: Permission, department_id: str | None = None, *, note: str = "") -> bool:
    """Whether the page should offer this; when not and `note` says what can still be done, a quiet
    line with the reason (the same words the refusal would use)."""
    if allowed(actor, permission, department_id):
        return True
    if note:
        reason = str(refusal(actor, permission, department_id))
        st.info(f"{esc(reason)}. {esc(note)}", icon=":material/visibility:")
    return False


def own_first(actor: Actor, names: dict[str, str]) -> dict[str, str]:
    """Departments with the person's own first (a department rep opens on theirs)."""
    mine = [k for k in names if k in actor.departments]
    return {**{k: names[k] for k in mine}, **{k: v for k, v in names.items() if k not in mine}}
