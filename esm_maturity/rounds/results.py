"""What may be read of a rating round, and by whom: the one way to its answers.

- While a round is a draft or open, only `progress` (x of N answered) is readable, by anyone who runs it.
- Once closed, `results` gives the people who run rounds for the department a card per dimension. In an
  anonymous round a dimension with fewer than k valid answers is `Suppressed`: no counts, median, range,
  agreement or comments leave this module for it, whoever asks (a page, an export, a chart). Comments of
  an anonymous round come in a random order, with no names.
- `named_answers` (who answered what) exists for named rounds only.
- Sponsors never read a round: they see the agreed score's badge (`badges`), built from the scores table,
  which holds no count below the threshold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..access.policy import Permission, allowed, require
from ..db import Database
from ..models import Actor, LockedError, NotFound, PermissionDenied
from . import stats
from .records import AGREED, BELOW, CLOSED, NO_EVIDENCE, ROUND_COLUMNS, Progress, Round


@dataclass(frozen=True)
class Shown:
    """A dimension's figures, at or above the threshold (or in a named round)."""

    dimension_id: str
    summary: stats.Summary
    comments: tuple[str, ...]

    @property
    def state(self) -> str:
        return self.summary.agreement


@dataclass(frozen=True)
class Suppressed:
    """A dimension of an anonymous round below its threshold, or with no level given: nothing but that."""

    dimension_id: str
    state: str          # BELOW, or NO_EVIDENCE (every answer "don't know", or none)
    summary: None = None
    comments: tuple[str, ...] = ()


def get_round(db: Database, round_id: str) -> Round:
    row = db.one(f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE round_id = $1", [round_id])
    if row is None:
        raise NotFound(f"there is no rating round {round_id!r}")
    return Round.of(row)


def rounds_of(db: Database, department_id: str | None = None) -> list[Round]:
    """Every round (of a department), newest first."""
    return [Round.of(r) for r in db.rows(
        f"SELECT {ROUND_COLUMNS} FROM rating_rounds WHERE CAST($1 AS TEXT) IS NULL OR department_id = $1 "
        "ORDER BY quarter DESC, CAST(substr(round_id, 3) AS INTEGER) DESC", [department_id])]


def progress(db: Database, round_id: str) -> Progress:
    row = db.one("SELECT count(*) FILTER (WHERE status = 'answered'), count(*) FILTER (WHERE status <> 'revoked') "
                 "FROM round_invitations WHERE round_id = $1", [round_id])
    return Progress(int(row[0]), int(row[1]))


def invitations(db: Database, actor: Actor, round_id: str) -> list[tuple[str, str, str, str]]:
    """(invitation_id, invitee, channel, status) of each invitation, for chasing: whether someone answered,
    never when, nor what."""
    found = get_round(db, round_id)
    require(db, actor, Permission.rounds, found.department_id, entity="rating round", key=round_id)
    return [tuple(r) for r in db.rows("SELECT invitation_id, invitee, channel, status FROM round_invitations "
                                      "WHERE round_id = $1 ORDER BY invitee", [round_id])]


def summaries(db: Database, found: Round) -> dict[str, tuple[stats.Summary | None, bool]]:
    """{dimension: (its figures or None, may they be shown?)}: for this module and the agree step only."""
    levels: dict[str, list[int]] = {d: [] for d in found.dimension_ids}
    unknown: dict[str, int] = {d: 0 for d in found.dimension_ids}
    for dim, level, dont_know in db.rows(
            "SELECT a.dimension_id, a.level, a.dont_know FROM round_answers a "
            "JOIN round_responses r ON r.response_id = a.response_id WHERE r.round_id = $1", [found.round_id]):
        if dim not in levels:
            continue
        if dont_know:
            unknown[dim] += 1
        elif level is not None:
            levels[dim].append(int(level))
    out = {}
    for dim in found.dimension_ids:
        summary = stats.summarise(levels[dim], unknown[dim])
        shown = summary is not None and (not found.anonymous or summary.n_valid >= found.threshold)
        out[dim] = (summary, shown)
    return out


def _readable(db: Database, actor: Actor, found: Round) -> None:
    require(db, actor, Permission.rounds, found.department_id, entity="rating round", key=found.round_id)
    if found.status not in (CLOSED, AGREED):
        raise LockedError(f"rating round {found.round_id} is {found.status}: its answers are read once it is "
                          "closed (until then only how many have answered)")


def results(db: Database, actor: Actor, round_id: str, *, shuffle: random.Random | None = None
            ) -> list[Shown | Suppressed]:
    """One card per dimension of a closed round, the most split first; suppressed below the threshold."""
    found = get_round(db, round_id)
    _readable(db, actor, found)
    comments: dict[str, list[str]] = {d: [] for d in found.dimension_ids}
    for dim, comment in db.rows(
            "SELECT a.dimension_id, a.comment FROM round_answers a JOIN round_responses r "
            "ON r.response_id = a.response_id WHERE r.round_id = $1 AND a.comment <> '' "
            "ORDER BY a.dimension_id, a.response_id", [round_id]):
        if dim in comments:
            comments[dim].append(comment)
    cards: list[Shown | Suppressed] = []
    mixer = shuffle or random.Random()
    for dim, (summary, shown) in summaries(db, found).items():
        if not shown:
            cards.append(Suppressed(dim, NO_EVIDENCE if summary is None else BELOW))
            continue
        said = list(comments[dim])
        if found.anonymous:
            mixer.shuffle(said)
        cards.append(Shown(dim, summary, tuple(said)))
    order = {d: i for i, d in enumerate(found.dimension_ids)}
    return sorted(cards, key=lambda c: (stats.SPLIT_ORDER.get(c.state, 3),
                                        -(c.summary.range if c.summary else -1), order[c.dimension_id]))


def named_answers(db: Database, actor: Actor, round_id: str) -> list[tuple[str, str, int | None, bool, str]]:
    """(invitee, dimension, level, don't know, comment) of a named round, for those who run it."""
    found = get_round(db, round_id)
    _readable(db, actor, found)
    if found.anonymous:
        raise PermissionDenied("an anonymous round's answers are never shown one by one", doing="read who answered what",
                               entity="rating round", key=round_id, department_id=found.department_id)
    return [tuple(r) for r in db.rows(
        "SELECT i.invitee, a.dimension_id, a.level, a.dont_know, a.comment FROM round_answers a "
        "JOIN round_responses r ON r.response_id = a.response_id "
        "JOIN round_invitations i ON i.invitation_id = r.invitation_id "
        "WHERE r.round_id = $1 ORDER BY i.invitee, a.dimension_id", [round_id])]


def may_run(actor: Actor, department_id: str | None) -> bool:
    return allowed(actor, Permission.rounds, department_id)


def badge_sql(alias: str) -> str:
    """The badge of a score row `alias` (of the scores table) as SQL: "n=7 · aligned", "below threshold",
    "no evidence", or '' for a score typed directly. What sponsors see; it holds no count below k,
    because an agreement below k stores none."""
    return (f"CASE WHEN {alias}.round_id IS NULL OR {alias}.agreement IS NULL THEN '' "
            f"WHEN {alias}.n_valid IS NULL THEN {alias}.agreement "
            f"ELSE 'n=' || CAST({alias}.n_valid AS TEXT) || ' · ' || {alias}.agreement END")


def badges(db: Database, quarter: str) -> dict[tuple[str, str], str]:
    """{(department, dimension): badge} of the quarter's scores that came from a rating round."""
    return {(d, m): b for d, m, b in db.rows(
        f"SELECT department_id, dimension_id, {badge_sql('s')} FROM scores s WHERE quarter = $1 "
        "AND round_id IS NOT NULL", [str(quarter)])}


def agreed_in_rounds(db: Database, department_id: str, quarter: str) -> list[tuple[str, str]]:
    """(dimension name, badge) of a department's scores for the quarter that a rating round agreed, in
    model order: what the Trends page and the meeting pack show beside the agreed score."""
    return [tuple(r) for r in db.rows(
        f"SELECT m.name, {badge_sql('s')} FROM scores s JOIN dimensions m ON m.dimension_id = s.dimension_id "
        "JOIN assessments a ON a.quarter = s.quarter AND a.department_id = s.department_id "
        "AND a.status = 'submitted' WHERE s.quarter = $1 AND s.department_id = $2 AND s.round_id IS NOT NULL "
        "ORDER BY m.position, m.dimension_id", [str(quarter), department_id])]
