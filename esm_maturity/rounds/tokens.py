"""Invitation tokens: a personal link's secret, shown once and never stored.

The invitation keeps `invitation_hash(token)`; an answer keeps `edit_key(token)`, a second one-way hash
with its own prefix, so the holder of the token can come back and change the answer until the round
closes, while nothing in the database links an anonymous answer to its invitation (neither hash can be
computed from the other). Tokens are never logged and never written to the audit trail.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 24   # 32 URL-safe characters


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def _hash(purpose: str, token: str) -> str:
    return hashlib.sha256(f"esm-round-{purpose}:{token}".encode()).hexdigest()


def invitation_hash(token: str) -> str:
    return _hash("invitation", token.strip())


def edit_key(token: str) -> str:
    return _hash("answer", token.strip())


def looks_like_token(text: str) -> bool:
    """A cheap check before any lookup: the URL-safe alphabet, about the right length."""
    text = text.strip()
    return 20 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)
