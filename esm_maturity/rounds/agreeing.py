"""Agreeing a closed round's scores: one per dimension, into the department's self-assessment, with where
it came from (the round, its number of valid answers, their agreement, how it was agreed and why)."""

from __future__ import annotations

from .. import assessments
from ..db import Database, Tx
from ..limits import LIMITS
from ..models import Actor, ConflictError, LockedError, Problem, ScoreInput, ScoreValue, ValidationError, clean_text
from . import stats
from .records import CLOSED, MEDIAN, MEETING, AGREED, BELOW, Decision
from .store import managed_round, next_version, round_as_seen

RATIONALE_MAX = LIMITS["score"]["rationale"]


def rationale_needed(summary: stats.Summary | None, level: int) -> bool:
    """A rationale is asked for when the agreed level is a level or more from the median, or the answers split."""
    return summary is not None and (abs(level - summary.median) >= 1 or summary.agreement == stats.SPLIT)


def agree(db: Database, actor: Actor, round_id: str, decisions: list[Decision], *, expected_version: int,
          submit: bool = False) -> int:
    """Write one agreed score per dimension of a closed round into the department's self-assessment for
    the quarter (its targets and evidence kept; submitted too when `submit`), with the round, n, agreement
    and method; the round becomes agreed. Returns the assessment's new version."""
    from .results import summaries   # deferred: results imports this module's records

    found = managed_round(db, actor, round_id, "agree")
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
        current = round_as_seen(tx, round_id, expected_version)
        if current.status != CLOSED:
            raise LockedError(f"rating round {round_id} is {current.status}: scores are agreed once it is closed")
        version = write(tx)
        next_version(tx, current, {"status": AGREED})
        tx.audit("agree", "rating round", round_id, before={"status": CLOSED},
                 after={"status": AGREED, "levels": levels}, department_id=found.department_id)
        return version

    return db.write(actor, work)

