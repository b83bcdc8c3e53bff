"""Every change to a rating round: create, invite, revoke, set the mode, open, close, answer, agree.

Who: the round's department's people who score (Permission.rounds: admins, champions, and the
department's own reps) run a round; an answer needs only the token of an invitation (a personal link
or an offline form's code), or a signed-in person's own invitation. Every change is audited, except an
anonymous answer: its time and origin are exactly what must not be kept (records.MODE_WORDS).
"""

from __future__ import annotations

import uuid

from .. import assessments
from ..access.policy import Permission, require
from ..db import Database, Tx
from ..limits import LIMITS
from ..maturity import dimensions
from ..models import (SYSTEM, Actor, ConflictError, LockedError, NotFound, Problem, Quarter, ScoreInput, ScoreValue,
                      ValidationError, clean_text)
from . import stats, tokens
from .records import (ANONYMOUS, ANSWERED, CLOSED, DEFAULT_THRESHOLD, DRAFT, LINK, MAX_THRESHOLD, MEDIAN,
                      MEETING, MIN_THRESHOLD, MODES, OFFLINE, OPEN, PENDING, REVOKED, ROUND_COLUMNS,
                      SIGNED_IN, AGREED, BELOW, Answer, Decision, Holder, Invitation, Issued, Round)

COMMENT_MAX, INVITEE_MAX, INSTRUCTIONS_MAX = (LIMITS["round"][f] for f in ("comment", "invitee", "instructions"))
RATIONALE_MAX, MOST_INVITEES = LIMITS["score"]["rationale"], 200
THRESHOLD_KEY = "anonymity_threshold"

__all__ = ["agree", "answer", "answer_signed_in", "close_round", "create_round", "invite", "open_round",
           "revoke", "set_mode", "set_threshold", "threshold"]


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

def _round(tx: Tx, round_id: str) -> Round:
    row = tx.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [round_id])
    if row is None:
        raise NotFound(f"there is no rating round {round_id!r}")
    return Round.of(row)


def _seen(tx: Tx, round_id: str, expected_version: int) -> Round:
    found = _round(tx, round_id)
    if found.version != expected_version:
        raise ConflictError(f"someone else changed rating round {round_id} while you were looking at it; "
                            "reload to see it")
    return found


def _responses(tx: Tx, round_id: str) -> int:
    return int(tx.one("SELECT count(*) FROM round_responses WHERE round_id = $1", [round_id])[0])


def _bump(tx: Tx, found: Round, values: dict) -> int:
    return tx.update_versioned("rating_rounds", {"round_id": found.round_id}, found.version, values,
                               f"someone else changed rating round {found.round_id} at the same moment; reload")


def _managing(db: Database, actor: Actor, round_id: str, doing: str) -> Round:
    """The round, once `actor` may run rounds for its department (the refusal is audited)."""
    row = db.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [round_id])
    if row is None:
        raise NotFound(f"there is no rating round {round_id!r}")
    found = Round.of(row)
    require(db, actor, Permission.rounds, found.department_id, entity="rating round", key=round_id)
    return found


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
        return _round(tx, round_id)

    return db.write(actor, work)


def set_mode(db: Database, actor: Actor, round_id: str, mode: str, *, expected_version: int) -> int:
    """Named or anonymous, until the first answer exists (then the mode is locked for good)."""
    found = _managing(db, actor, round_id, "set the mode")
    if mode not in MODES:
        raise ValidationError(f"a round is named or anonymous, not {mode!r}", "mode")

    def work(tx: Tx) -> int:
        current = _seen(tx, round_id, expected_version)
        if _responses(tx, round_id):
            raise LockedError(f"rating round {round_id} has answers, so its mode ({current.mode}) is locked")
        version = _bump(tx, current, {"mode": mode})
        tx.audit("edit", "rating round", round_id, before={"mode": current.mode}, after={"mode": mode},
                 department_id=found.department_id)
        return version

    return db.write(actor, work)


def _live_invitations(tx: Tx, round_id: str) -> int:
    return int(tx.one("SELECT count(*) FROM round_invitations WHERE round_id = $1 AND status <> 'revoked'",
                      [round_id])[0])


def open_round(db: Database, actor: Actor, round_id: str, *, expected_version: int) -> int:
    """Draft to open: answers are taken from now on. An anonymous round needs at least k invitations."""
    found = _managing(db, actor, round_id, "open")

    def work(tx: Tx) -> int:
        current = _seen(tx, round_id, expected_version)
        if current.status != DRAFT:
            raise LockedError(f"rating round {round_id} is {current.status}, not a draft")
        invited = _live_invitations(tx, round_id)
        if current.anonymous and invited < current.threshold:
            raise ValidationError(
                f"an anonymous round needs at least {current.threshold} people invited (it has {invited}): with "
                "fewer, answers could be told apart. Invite more people, or make the round named.", "invitations")
        if not invited:
            raise ValidationError("invite at least one person before opening the round", "invitations")
        version = _bump(tx, current, {"status": OPEN})
        tx.audit("open", "rating round", round_id, before={"status": DRAFT}, after={"status": OPEN},
                 department_id=found.department_id)
        return version

    return db.write(actor, work)


def close_round(db: Database, actor: Actor, round_id: str, *, expected_version: int) -> int:
    """Open to closed: no more answers or changes to answers; the results can be read and agreed."""
    found = _managing(db, actor, round_id, "close")

    def work(tx: Tx) -> int:
        current = _seen(tx, round_id, expected_version)
        if current.status != OPEN:
            raise LockedError(f"rating round {round_id} is {current.status}, not open")
        version = _bump(tx, current, {"status": CLOSED})
        tx.audit("close", "rating round", round_id, before={"status": OPEN}, after={"status": CLOSED},
                 department_id=found.department_id)
        return version

    return db.write(actor, work)


# --- invitations -------------------------------------------------------------------------------------

def invite(db: Database, actor: Actor, round_id: str, invitees: list[str], channel: str = LINK) -> list[Issued]:
    """One invitation per invitee (a name or an e-mail address; blank lines left out), each with a new
    token returned here once: show it as a personal link, or write it into an offline form as its code."""
    found = _managing(db, actor, round_id, "invite")
    if channel not in (LINK, "offline"):
        raise ValidationError(f"an invitation is a link or an offline form, not {channel!r}", "channel")
    names = [clean_text(n, "invitee", INVITEE_MAX).strip() for n in invitees]
    names = list(dict.fromkeys(n for n in names if n))
    if not names:
        raise ValidationError("name at least one person to invite", "invitees")
    if len(names) > MOST_INVITEES:
        raise ValidationError(f"at most {MOST_INVITEES} invitations at once", "invitees")

    def work(tx: Tx) -> list[Issued]:
        current = _round(tx, round_id)
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
    found = _managing(db, actor, round_id, "revoke")

    def work(tx: Tx) -> None:
        row = tx.one("SELECT invitee, status FROM round_invitations WHERE invitation_id = $1 AND round_id = $2",
                     [invitation_id, round_id])
        if row is None:
            raise NotFound("there is no such invitation in this round")
        tx.execute("UPDATE round_invitations SET status = 'revoked' WHERE invitation_id = $1", [invitation_id])
        tx.audit("revoke", "rating round", round_id, before={"invitee": row[0], "status": row[1]},
                 after={"invitee": row[0], "status": REVOKED}, department_id=found.department_id)

    db.write(actor, work)


# --- answering ---------------------------------------------------------------------------------------

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
        found = _round(tx, row[1])
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
        found = _round(tx, round_id)
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


# --- agreeing ----------------------------------------------------------------------------------------

def rationale_needed(summary: stats.Summary | None, level: int) -> bool:
    """A rationale is asked for when the agreed level is a level or more from the median, or the answers split."""
    return summary is not None and (abs(level - summary.median) >= 1 or summary.agreement == stats.SPLIT)


def agree(db: Database, actor: Actor, round_id: str, decisions: list[Decision], *, expected_version: int,
          submit: bool = False) -> int:
    """Write one agreed score per dimension of a closed round into the department's self-assessment for
    the quarter (its targets and evidence kept; submitted too when `submit`), with the round, n, agreement
    and method; the round becomes agreed. Returns the assessment's new version."""
    from .results import summaries   # deferred: results imports this module's records

    found = _managing(db, actor, round_id, "agree")
    if found.status != CLOSED:
        raise LockedError(f"rating round {round_id} is {found.status}: scores are agreed once it is closed")
    if found.version != expected_version:
        raise ConflictError(f"someone else changed rating round {round_id} while you were agreeing; reload")
    by_dim = {d.dimension_id: d for d in decisions}
    missing = [d for d in found.dimension_ids if d not in by_dim]
    problems = [Problem(d, "agree a level for it") for d in missing]
    figures = summaries(db, found)
    provenance, levels = {}, {}
    for dim, decision in by_dim.items():
        if dim not in found.dimension_ids:
            problems.append(Problem(dim, "is not rated in this round"))
            continue
        if isinstance(decision.level, bool) or decision.level not in stats.LEVELS:
            problems.append(Problem(dim, f"the agreed level is 1 to 5, not {decision.level!r}"))
            continue
        if decision.method not in (MEDIAN, MEETING):
            problems.append(Problem(dim, f"agreed how? {decision.method!r}"))
            continue
        rationale = clean_text(decision.rationale or "", "rationale", RATIONALE_MAX)
        summary, shown = figures.get(dim, (None, False))
        visible = summary if shown else None
        if rationale_needed(visible, decision.level) and not rationale.strip():
            why = "the answers split" if visible.agreement == stats.SPLIT else f"the median is {visible.median:g}"
            problems.append(Problem(dim, f"say why {decision.level} was agreed: {why}"))
            continue
        agreement = visible.agreement if visible else (BELOW if summary is not None else "no evidence")
        provenance[dim] = {"method": decision.method, "round_id": round_id,
                           "n_valid": visible.n_valid if visible else None, "agreement": agreement,
                           "rationale": rationale}
        levels[dim] = decision.level
    if problems:
        raise ValidationError(problems=problems)
    stored = assessments.stored_scores(db, found.quarter, found.department_id)
    row = db.one("SELECT version FROM assessments WHERE quarter = $1 AND department_id = $2",
                 [found.quarter, found.department_id])
    entries = [old for dim_id, old in stored.items() if dim_id not in levels]
    for dim_id, level in levels.items():
        old, note = stored.get(dim_id), provenance[dim_id]
        said = (f"Agreed in rating round {round_id} ({note['agreement']}"
                + (f", n={note['n_valid']}" if note["n_valid"] else "") + ")"
                + (f": {note['rationale']}" if note["rationale"] else "."))
        evidence = old.evidence if old and old.evidence.strip() else said
        entries.append(ScoreInput(dim_id, ScoreValue(level), old.target if old else None, evidence))
    write = assessments.assessment_writer(db, actor, found.quarter, found.department_id, entries,
                                          expected_version=row[0] if row else 0, submit=submit,
                                          provenance=provenance)

    def work(tx: Tx) -> int:   # the scores and the round's new state: all or nothing
        current = _seen(tx, round_id, expected_version)
        if current.status != CLOSED:
            raise LockedError(f"rating round {round_id} is {current.status}: scores are agreed once it is closed")
        version = write(tx)
        _bump(tx, current, {"status": AGREED})
        tx.audit("agree", "rating round", round_id, before={"status": CLOSED},
                 after={"status": AGREED, "levels": levels}, department_id=found.department_id)
        return version

    return db.write(actor, work)


__all__ += ["holder", "invited_rounds", "rationale_needed", "signed_in_holder"]
