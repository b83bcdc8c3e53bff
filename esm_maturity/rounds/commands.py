"""Every change to a rating round: create, invite, revoke, set the mode, open, close, and
(from answering.py and agreeing.py, named here too) answer and agree.

Who: the round's department's people who score (Permission.rounds: admins, champions, and the
department's own reps) run a round; an answer needs only the token of an invitation (a personal link
or an offline form's code), or a signed-in person's own invitation. Every change is audited, except an
anonymous answer: its time and origin are exactly what must not be kept (records.MODE_WORDS).
"""

from __future__ import annotations

import uuid

from ..access.policy import Permission, require
from ..db import Database, Tx
from ..limits import LIMITS
from ..maturity import dimensions
from ..models import Actor, ConflictError, LockedError, NotFound, Quarter, ValidationError, clean_text
from . import tokens
from .agreeing import RATIONALE_MAX, agree, rationale_needed
from .answering import COMMENT_MAX, answer, answer_signed_in, holder, invited_rounds, signed_in_holder, signed_in_key
from .records import (ANONYMOUS, CLOSED, DEFAULT_THRESHOLD, DRAFT, LINK, MAX_THRESHOLD, MIN_THRESHOLD, MODES, OPEN,
                      PENDING, REVOKED, Invitation, Issued, Round)
from .store import answers_in, managed_round, next_version, round_as_seen, round_in

INVITEE_MAX, INSTRUCTIONS_MAX = LIMITS["round"]["invitee"], LIMITS["round"]["instructions"]
MOST_INVITEES = 200
THRESHOLD_KEY = "anonymity_threshold"

# The round's own commands here; answering and agreeing live beside them and are named here too.
__all__ = ["COMMENT_MAX", "RATIONALE_MAX", "agree", "answer", "answer_signed_in", "close_round", "create_round",
           "holder", "invite", "invited_rounds", "open_round", "rationale_needed", "revoke", "set_mode",
           "set_threshold", "signed_in_holder", "signed_in_key", "threshold"]


# --- the organisation's threshold -------------------------------------------------------------------

def threshold(db: Database) -> tuple[int, int]:
    """The organisation's anonymity threshold k for new rounds (default 5) and its version (0: never set)."""
    row = db.one("SELECT value, version FROM organisation_settings WHERE key = $1", [THRESHOLD_KEY])
    return (int(row[0]), int(row[1])) if row else (DEFAULT_THRESHOLD, 0)


def _check_threshold(k) -> int:
    try:
        value = int(k)
    except (TypeError, ValueError):
        raise ValidationError(f"{k!r} is not a number of answers", "threshold") from None
    if isinstance(k, bool) or not MIN_THRESHOLD <= value <= MAX_THRESHOLD:
        raise ValidationError(f"the anonymity threshold is {MIN_THRESHOLD} to {MAX_THRESHOLD} answers, not {k}",
                              "threshold")
    return value


def set_threshold(db: Database, actor: Actor, k: int, *, expected_version: int) -> int:
    """Set k for rounds created from now on (admins). A round keeps the k it was created with."""
    require(db, actor, Permission.people, entity="organisation", key=THRESHOLD_KEY)
    value = _check_threshold(k)

    def work(tx: Tx) -> int:
        row = tx.one("SELECT value, version FROM organisation_settings WHERE key = $1", [THRESHOLD_KEY])
        conflict = "someone else changed the anonymity threshold while you were editing; reload to see it"
        if row is None:
            if expected_version != 0 or not tx.execute(
                    "INSERT INTO organisation_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING "
                    "RETURNING version", [THRESHOLD_KEY, str(value)]):
                raise ConflictError(conflict)
            version = 1
        else:
            version = tx.update_versioned("organisation_settings", {"key": THRESHOLD_KEY}, expected_version,
                                          {"value": str(value)}, conflict)
        tx.audit("edit", "organisation", THRESHOLD_KEY, before={"threshold": int(row[0])} if row else None,
                 after={"threshold": value})
        return version

    return db.write(actor, work)


# --- reading inside a transaction -------------------------------------------------------------------

# --- the round ----------------------------------------------------------------------------------------

def create_round(db: Database, actor: Actor, department_id: str, quarter: Quarter | str, mode: str = ANONYMOUS,
                 dimension_ids: list[str] | None = None, instructions: str = "") -> Round:
    """A draft round for the department and quarter, over `dimension_ids` (default: every active one)."""
    quarter = Quarter.parse(quarter)
    require(db, actor, Permission.rounds, department_id, entity="rating round", key=f"{quarter}/{department_id}")
    if mode not in MODES:
        raise ValidationError(f"a round is named or anonymous, not {mode!r}", "mode")
    active = [d.dimension_id for d in dimensions(db)]
    chosen = list(dict.fromkeys(dimension_ids)) if dimension_ids else active
    unknown = [d for d in chosen if d not in active]
    if unknown:
        raise ValidationError(f"not active dimensions of the model: {', '.join(unknown)}", "dimensions")
    instructions = clean_text(instructions, "instructions", INSTRUCTIONS_MAX)
    k = threshold(db)[0]

    def work(tx: Tx) -> Round:
        dept = tx.one("SELECT name, active FROM departments WHERE department_id = $1", [department_id])
        if dept is None or not dept[1]:
            raise NotFound(f"no active department {department_id!r}")
        busy = tx.one("SELECT round_id FROM rating_rounds WHERE department_id = $1 AND quarter = $2 "
                      "AND status IN ('draft', 'open', 'closed')", [department_id, str(quarter)])
        if busy:
            raise ValidationError(f"{dept[0]} already has rating round {busy[0]} for {quarter}; finish it first",
                                  "round")
        number = tx.one("SELECT coalesce(max(CAST(substr(round_id, 3) AS INTEGER)), 0) + 1 FROM rating_rounds")[0]
        round_id = f"R-{number}"
        tx.execute("INSERT INTO rating_rounds (round_id, department_id, quarter, dimension_ids, mode, threshold, "
                   "status, instructions, created_by, created_on) VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $8, $9)",
                   [round_id, department_id, str(quarter), chosen, mode, k, instructions, actor.name, tx.now.date()])
        tx.audit("create", "rating round", round_id, after={"quarter": str(quarter), "mode": mode, "threshold": k,
                                                             "dimensions": chosen}, department_id=department_id)
        return round_in(tx, round_id)

    return db.write(actor, work)


def set_mode(db: Database, actor: Actor, round_id: str, mode: str, *, expected_version: int) -> int:
    """Named or anonymous, until the first answer exists (then the mode is locked for good)."""
    found = managed_round(db, actor, round_id, "set the mode")
    if mode not in MODES:
        raise ValidationError(f"a round is named or anonymous, not {mode!r}", "mode")

    def work(tx: Tx) -> int:
        current = round_as_seen(tx, round_id, expected_version)
        if answers_in(tx, round_id):
            raise LockedError(f"rating round {round_id} has answers, so its mode ({current.mode}) is locked")
        version = next_version(tx, current, {"mode": mode})
        tx.audit("edit", "rating round", round_id, before={"mode": current.mode}, after={"mode": mode},
                 department_id=found.department_id)
        return version

    return db.write(actor, work)


def _live_invitations(tx: Tx, round_id: str) -> int:
    return int(tx.one("SELECT count(*) FROM round_invitations WHERE round_id = $1 AND status <> 'revoked'",
                      [round_id])[0])


def open_round(db: Database, actor: Actor, round_id: str, *, expected_version: int) -> int:
    """Draft to open: answers are taken from now on. An anonymous round needs at least k invitations."""
    found = managed_round(db, actor, round_id, "open")

    def work(tx: Tx) -> int:
        current = round_as_seen(tx, round_id, expected_version)
        if current.status != DRAFT:
            raise LockedError(f"rating round {round_id} is {current.status}, not a draft")
        invited = _live_invitations(tx, round_id)
        if current.anonymous and invited < current.threshold:
            raise ValidationError(
                f"an anonymous round needs at least {current.threshold} people invited (it has {invited}): with "
                "fewer, answers could be told apart. Invite more people, or make the round named.", "invitations")
        if not invited:
            raise ValidationError("invite at least one person before opening the round", "invitations")
        version = next_version(tx, current, {"status": OPEN})
        tx.audit("open", "rating round", round_id, before={"status": DRAFT}, after={"status": OPEN},
                 department_id=found.department_id)
        return version

    return db.write(actor, work)


def close_round(db: Database, actor: Actor, round_id: str, *, expected_version: int) -> int:
    """Open to closed: no more answers or changes to answers; the results can be read and agreed."""
    found = managed_round(db, actor, round_id, "close")

    def work(tx: Tx) -> int:
        current = round_as_seen(tx, round_id, expected_version)
        if current.status != OPEN:
            raise LockedError(f"rating round {round_id} is {current.status}, not open")
        version = next_version(tx, current, {"status": CLOSED})
        tx.audit("close", "rating round", round_id, before={"status": OPEN}, after={"status": CLOSED},
                 department_id=found.department_id)
        return version

    return db.write(actor, work)


# --- invitations -------------------------------------------------------------------------------------

def invite(db: Database, actor: Actor, round_id: str, invitees: list[str], channel: str = LINK) -> list[Issued]:
    """One invitation per invitee (a name or an e-mail address; blank lines left out), each with a new
    token returned here once: show it as a personal link, or write it into an offline form as its code."""
    found = managed_round(db, actor, round_id, "invite")
    if channel not in (LINK, "offline"):
        raise ValidationError(f"an invitation is a link or an offline form, not {channel!r}", "channel")
    names = [clean_text(n, "invitee", INVITEE_MAX).strip() for n in invitees]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        raise ValidationError("name at least one person to invite", "invitees")
    if len(names) > MOST_INVITEES:
        raise ValidationError(f"at most {MOST_INVITEES} invitations at once", "invitees")

    def work(tx: Tx) -> list[Issued]:
        current = round_in(tx, round_id)
        if current.status not in (DRAFT, OPEN):
            raise LockedError(f"rating round {round_id} is {current.status}: nobody more can be invited")
        taken = {r[0].lower() for r in tx.execute(
            "SELECT invitee FROM round_invitations WHERE round_id = $1 AND status <> 'revoked'", [round_id])}
        again = [n for n in names if n.lower() in taken]
        if again:
            raise ValidationError(f"already invited: {', '.join(again)}", "invitees")
        issued = []
        for name in names:
            token = tokens.new_token()
            invitation = Invitation(uuid.uuid4().hex, name, channel, PENDING)
            tx.execute("INSERT INTO round_invitations (invitation_id, round_id, invitee, channel, token_hash, status) "
                       "VALUES ($1, $2, $3, $4, $5, $6)",
                       [invitation.invitation_id, round_id, name, channel, tokens.invitation_hash(token), PENDING])
            issued.append(Issued(invitation, token))
        tx.audit("invite", "rating round", round_id, after={"invitees": names, "channel": channel},
                 department_id=found.department_id)
        return issued

    return db.write(actor, work)


def revoke(db: Database, actor: Actor, round_id: str, invitation_id: str) -> None:
    """The invitation's link or form stops working (an answer already given stays: anonymous answers
    cannot be found, named ones stay with the round)."""
    found = managed_round(db, actor, round_id, "revoke")

    def work(tx: Tx) -> None:
        row = tx.one("SELECT invitee, status FROM round_invitations WHERE invitation_id = $1 AND round_id = $2",
                     [invitation_id, round_id])
        if row is None:
            raise NotFound("there is no such invitation in this round")
        tx.execute("UPDATE round_invitations SET status = 'revoked' WHERE invitation_id = $1", [invitation_id])
        tx.audit("revoke", "rating round", round_id, before={"invitee": row[0], "status": row[1]},
                 after={"invitee": row[0], "status": REVOKED}, department_id=found.department_id)

    db.write(actor, work)
