"""How long each stored text field may be: the one definition.

The domain's validation, the forms (`max_chars=`) and the workbook contract
(`Column.max_len`) all read these numbers, and a test holds that they agree. Lengths count
characters (Python `len`), and text is kept exactly as typed: only keys and vocabulary
words (status, effort, kind, source...) are trimmed, so leading and trailing white space
counts towards a limit.
"""

from __future__ import annotations

LIMITS: dict[str, dict[str, int]] = {
    "department": {"name": 120, "sponsor": 120, "champion": 120},
    "dimension": {"name": 200, "description": 500},
    "level": {"name": 60, "meaning": 500},
    "rubric": {"description": 1000},
    "assessment": {"submitted_by": 120, "reopen_reason": 500},
    "score": {"evidence": 4000, "assessed_by": 120, "respondent": 120, "rationale": 1000},
    "backlog_item": {"title": 200, "description": 4000, "status_reason": 1000, "owner": 120, "raised_by": 120,
                     "outcome": 2000, "lessons": 2000, "source_ref": 60},
    "status_change": {"actor": 120},
    "checkin": {"facilitator": 120, "attendees": 2000, "notes": 10_000, "decisions": 10_000, "wins": 10_000,
                "blockers": 10_000},
    "action": {"text": 1000, "owner": 120},
    "person": {"email": 120, "name": 120},
    "organisation": {"name": 120},
    "round": {"instructions": 2000, "invitee": 120, "comment": 1000},
    "stream": {"name": 120, "trigger": 500, "outcome": 500, "consumer": 200, "description": 2000},
    "stream_step": {"name": 200, "output": 500},
    "flow": {"note": 2000},
    "handoff": {"note": 1000},
}


def limit(entity: str, field: str) -> int:
    """The most characters `entity`'s `field` may hold (KeyError for a field that has no limit here)."""
    return LIMITS[entity][field]


def too_long(text: str, most: int) -> str | None:
    """The message for text over its limit ("is too long (1,001 characters; at most 1,000)"), else None."""
    if len(text) <= most:
        return None
    return f"is too long ({len(text):,} characters; at most {most:,})"


__all__ = ["LIMITS", "limit", "too_long"]
