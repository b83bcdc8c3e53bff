"""Who is signing in: the two modes, and the person behind a sign-in.

- **Local** (no `[auth]` section in `.streamlit/secrets.toml`): nobody signs in; the one user is
  the local admin, and the server answers on 127.0.0.1 only.
- **Organisation** (an `[auth]` section): people sign in with the organisation's identity
  provider (OIDC); only people in the people table, with a role, see any data. The first admin
  comes from `[esm] first_admin` in the same file.

No Streamlit here: the ui passes the secrets and the signed-in user's claims in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..db import Database
from ..models import Actor, Role
from .people import Person, signed_in

LOCAL_ADMIN = "local admin"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class SignInSettings:
    organisation: bool
    first_admin: str = ""

    @classmethod
    def from_secrets(cls, secrets: Mapping[str, Any]) -> "SignInSettings":
        auth = secrets.get("auth") if hasattr(secrets, "get") else None
        esm = secrets.get("esm") if hasattr(secrets, "get") else None
        first = str(esm.get("first_admin", "") or "").strip() if hasattr(esm, "get") else ""
        return cls(organisation=bool(auth), first_admin=first)


def local_actor(name: str = "") -> Actor:
    """Local mode's single user: an admin, named by ESM_ACTOR or 'local admin' (never the server's
    operating-system user)."""
    return Actor(name.strip() or LOCAL_ADMIN, Role.admin)


def login_of(claims: Mapping[str, Any]) -> str:
    """The key a sign-in is known by: its e-mail address, else the provider's subject."""
    return str(claims.get("email") or claims.get("sub") or "").strip().lower()


def person_for(db: Database, claims: Mapping[str, Any], settings: SignInSettings) -> Person | None:
    """The person a signed-in user is, or None when they have no role here."""
    login = login_of(claims)
    if not login:
        return None
    return signed_in(db, login, name=str(claims.get("name") or ""), first_admin=settings.first_admin)


def is_loopback(address: str | None) -> bool:
    return bool(address) and str(address).strip().strip("[]").lower() in LOOPBACK
