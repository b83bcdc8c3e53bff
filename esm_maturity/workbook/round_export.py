"""The export's rating-round sheets (contract.ROUND_SHEETS), for admins and champions only.

Everything is read through esm_maturity.rounds.results, the one way to a round's answers, so its
suppression holds here too: a named round's answers one by one (named_answers), an anonymous round's
per-dimension figures only where results() shows them (at or above the round's threshold k); a
suppressed dimension has no row at all. While a round is a draft or open only how many have answered
is written. A sponsor's or a department rep's export has none of these sheets.
"""

from __future__ import annotations

from typing import Iterable

from ..db import Database
from ..models import Actor, Role
from ..rounds import results
from ..rounds.records import AGREED, CLOSED
from . import contract as c

# Who gets the round sheets: the people who run rounds everywhere (a department rep's export is a backup of
# the organisation's record, and a sponsor never reads a round).
ROUND_READERS = frozenset({Role.admin, Role.champion})


def may_export_rounds(actor: Actor | None) -> bool:
    return actor is not None and actor.role in ROUND_READERS


def _median(value: float) -> object:
    return int(value) if float(value).is_integer() else float(value)


def round_sheets(db: Database, actor: Actor | None) -> list[tuple[c.Sheet, Iterable[tuple]]]:
    """(sheet, rows) of each round sheet for this actor's export; none for anyone else."""
    if not may_export_rounds(actor):
        return []
    rounds = sorted((r for r in results.rounds_of(db) if results.may_run(actor, r.department_id)),
                    key=lambda r: (r.quarter, r.department_id, int(r.round_id[2:]) if r.round_id[2:].isdigit()
                                   else 0, r.round_id))
    listing, answers, figures = [], [], []
    for found in rounds:
        seen = results.progress(db, found.round_id)
        listing.append((found.round_id, found.department_id, found.quarter, found.mode, found.threshold,
                        found.status, ", ".join(found.dimension_ids), seen.answered, seen.invited,
                        found.created_by, found.created_on, found.instructions))
        if found.status not in (CLOSED, AGREED):
            continue
        if not found.anonymous:
            answers += [(found.round_id, invitee, dim, level, bool(dont_know), comment)
                        for invitee, dim, level, dont_know, comment in results.named_answers(db, actor, found.round_id)]
        order = {d: i for i, d in enumerate(found.dimension_ids)}
        for card in sorted(results.results(db, actor, found.round_id), key=lambda x: order[x.dimension_id]):
            if not isinstance(card, results.Shown):
                continue   # suppressed: below the threshold, or nobody gave a level; nothing of it is written
            s = card.summary
            figures.append((found.round_id, found.department_id, found.quarter, found.mode, card.dimension_id,
                            s.n_valid, s.dont_know, *s.counts, _median(s.median), s.agreement))
    return [(c.ROUNDS, listing), (c.ROUND_ANSWERS, answers), (c.ROUND_RESULTS, figures)]


__all__ = ["round_sheets", "may_export_rounds", "ROUND_READERS"]
