"""Answering a rating round: by a personal link's token, an offline form's code (once), or as a signed-in
invitee; and reading back what the holder answered (to show and change it until the round closes).

An anonymous answer keeps a random id and the day only, no link to its invitation and no audit row: its
time and origin are exactly what must not be kept (records.MODE_WORDS)."""

from __future__ import annotations

import uuid

from ..db import Database, Tx
from ..limits import LIMITS
from ..models import SYSTEM, Actor, LockedError, NotFound, Problem, ValidationError, clean_text
from . import stats, tokens
from .records import (ANONYMOUS, ANSWERED, CLOSED, LINK, OFFLINE, OPEN, REVOKED, ROUND_COLUMNS, SIGNED_IN, AGREED,
                      Answer, Holder, Round)
from .store import round_in

COMMENT_MAX = LIMITS["round"]["comment"]



_BAD_LINK = ("this link or form code is not valid: it may have been mistyped, revoked, or belong to a round "
             "that has ended. Ask your champion for a new one.")


def _clean_answers(found: Round, answers: list[Answer]) -> list[Answer]:
    problems, clean = [], []
    for a in answers:
        if a.dimension_id not in found.dimension_ids:
            problems.append(Problem(a.dimension_id, "is not rated in this round"))
            continue
        level = a.level
        if a.dont_know:
            level = None
        elif level is not None and (isinstance(level, bool) or level not in stats.LEVELS):
            problems.append(Problem(a.dimension_id, f"choose a level from 1 to 5 or don't know, not {level!r}"))
            continue
        try:
            comment = clean_text(a.comment or "", "comment", COMMENT_MAX)
        except ValidationError as err:
            problems += [Problem(a.dimension_id, p.message) for p in err.problems]
            continue
        if level is None and not a.dont_know:
            continue   # left blank: not answered
        clean.append(Answer(a.dimension_id, level, bool(a.dont_know), comment))
    if problems:
        raise ValidationError(problems=problems)
    if not clean:
        raise ValidationError("answer at least one dimension (a level, or don't know)", "answers")
    return clean


def _write_answers(tx: Tx, response_id: str, answers: list[Answer]) -> None:
    tx.execute("DELETE FROM round_answers WHERE response_id = $1", [response_id])
    tx.insert_rows("round_answers", ["response_id", "dimension_id", "level", "dont_know", "comment"],
                   [(response_id, a.dimension_id, a.level, a.dont_know, a.comment) for a in answers])


def _answer_for(tx: Tx, found: Round, invitation_id: str, invitee: str, key: str, answers: list[Answer],
                source: str, *, editable: bool) -> None:
    existing = tx.one("SELECT response_id FROM round_responses WHERE edit_key = $1", [key])
    if existing and not editable:
        raise LockedError("this invitation has been answered already: an offline form's code is used once, and "
                          "an anonymous answer given while signed in is final")
    if existing:
        _write_answers(tx, existing[0], answers)
    else:
        status = tx.one("SELECT status FROM round_invitations WHERE invitation_id = $1", [invitation_id])[0]
        if status == ANSWERED:
            raise LockedError("this invitation has been answered already" +
                              ("" if editable else ": an offline form's code is used once"))
        response_id = uuid.uuid4().hex
        tx.execute("INSERT INTO round_responses (response_id, round_id, invitation_id, edit_key, answered_on, source) "
                   "VALUES ($1, $2, $3, $4, $5, $6)",
                   [response_id, found.round_id, None if found.anonymous else invitation_id, key, tx.now.date(),
                    source])
        _write_answers(tx, response_id, answers)
        tx.execute("UPDATE round_invitations SET status = 'answered' WHERE invitation_id = $1", [invitation_id])
    if not found.anonymous:   # an anonymous answer leaves no trace of when or whose (records.MODE_WORDS)
        tx.audit("answer", "rating round", found.round_id, after={"invitee": invitee, "source": source,
                                                                   "answers": len(answers)},
                 department_id=found.department_id)


def _open_for_answers(found: Round) -> None:
    if found.status != OPEN:
        raise LockedError(f"rating round {found.round_id} is {found.status}: answers are taken only while it is "
                          "open" + (", and it has closed" if found.status in (CLOSED, AGREED) else ""))


def answer(db: Database, token: str, answers: list[Answer], *, source: str = LINK) -> None:
    """Answer (or change the answer) of the invitation whose token this is, while its round is open. A
    link's answer can be changed until the round closes; an offline form's code is used once."""
    if not tokens.looks_like_token(token or ""):
        raise NotFound(_BAD_LINK)

    def work(tx: Tx) -> None:
        row = tx.one("SELECT invitation_id, round_id, invitee, channel, status FROM round_invitations "
                     "WHERE token_hash = $1", [tokens.invitation_hash(token)])
        if row is None or row[4] == REVOKED or (row[3] == "offline") != (source == OFFLINE):
            raise NotFound(_BAD_LINK)   # an offline form's code works only through the form's import
        found = round_in(tx, row[1])
        _open_for_answers(found)
        offline = source == OFFLINE
        _answer_for(tx, found, row[0], row[2], tokens.edit_key(token), _clean_answers(found, answers), source,
                    editable=not offline)

    db.write(SYSTEM, work)


def _signed_in_invitation(tx: Tx, actor: Actor, round_id: str) -> tuple[str, str]:
    row = tx.one("SELECT invitation_id, invitee FROM round_invitations WHERE round_id = $1 AND lower(invitee) = $2 "
                 "AND status <> 'revoked'", [round_id, actor.name.lower()])
    if row is None:
        raise NotFound(f"you ({actor.name}) are not invited to rating round {round_id}")
    return row[0], row[1]


def signed_in_key(round_id: str, invitation_id: str, found: Round) -> str:
    """A signed-in answer's edit key: in a named round derived from the invitation (so it can be changed
    until close); in an anonymous round random, so nothing can find it again (it cannot be changed)."""
    return tokens.edit_key(f"{round_id}:{invitation_id}") if not found.anonymous else uuid.uuid4().hex


def answer_signed_in(db: Database, actor: Actor, round_id: str, answers: list[Answer]) -> None:
    """A signed-in person answers their own invitation (matched by e-mail). In an anonymous round the
    answer is final once given: keeping a way back to it would link it to the person."""

    def work(tx: Tx) -> None:
        found = round_in(tx, round_id)
        _open_for_answers(found)
        invitation_id, invitee = _signed_in_invitation(tx, actor, round_id)
        _answer_for(tx, found, invitation_id, invitee, signed_in_key(round_id, invitation_id, found),
                    _clean_answers(found, answers), SIGNED_IN, editable=not found.anonymous)

    db.write(actor if not _is_anonymous(db, round_id) else SYSTEM, work)


def _is_anonymous(db: Database, round_id: str) -> bool:
    return db.scalar("SELECT mode FROM rating_rounds WHERE round_id = $1", [round_id]) == ANONYMOUS


def holder(db: Database, token: str) -> Holder | None:
    """The round a token belongs to and the answers its holder gave (to show and change), or None."""
    if not tokens.looks_like_token(token or ""):
        return None
    row = db.one("SELECT invitation_id, round_id, status FROM round_invitations WHERE token_hash = $1",
                 [tokens.invitation_hash(token)])
    if row is None or row[2] == REVOKED:
        return None
    found = Round.of(db.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [row[1]]))
    return _holding(db, found, None if found.anonymous else row[0], tokens.edit_key(token), row[2] == ANSWERED)


def signed_in_holder(db: Database, actor: Actor, round_id: str) -> Holder | None:
    row = db.one("SELECT invitation_id, status FROM round_invitations WHERE round_id = $1 AND lower(invitee) = $2 "
                 "AND status <> 'revoked'", [round_id, actor.name.lower()])
    if row is None:
        return None
    found = Round.of(db.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [round_id]))
    key = signed_in_key(round_id, row[0], found) if not found.anonymous else None
    return _holding(db, found, row[0], key, row[1] == ANSWERED)


def _holding(db: Database, found: Round, invitation_id: str | None, key: str | None, answered: bool) -> Holder:
    answers = {}
    if key:
        answers = {r[0]: Answer(*r) for r in db.rows(
            "SELECT a.dimension_id, a.level, a.dont_know, a.comment FROM round_answers a "
            "JOIN round_responses r ON r.response_id = a.response_id WHERE r.edit_key = $1", [key])}
    return Holder(found, invitation_id, answers, answered)


def invited_rounds(db: Database, actor: Actor) -> list[Round]:
    """The open rounds a signed-in person is invited to (by e-mail)."""
    return [Round.of(r) for r in db.rows(
        f"SELECT {', '.join('r.' + c.strip() for c in ROUND_COLUMNS.split(','))} FROM rating_rounds r "
        "JOIN round_invitations i ON i.round_id = r.round_id WHERE lower(i.invitee) = $1 AND i.status <> 'revoked' "
        "AND r.status = 'open' ORDER BY r.round_id", [actor.name.lower()])]

