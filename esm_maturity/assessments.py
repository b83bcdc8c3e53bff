"""Quarterly self-assessments: score, save a draft, submit (locks), reopen (recorded)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .access.policy import Permission, require
from .db import Database, Tx
from .limits import LIMITS
from .maturity import Dimension, dimensions
from .models import (DRAFT, SUBMITTED, Actor, ConflictError, LockedError, NotFound, Problem, Quarter,
                     ScoreInput, ScoreValue, ValidationError, clean_text, parse_level)

EVIDENCE_MAX = LIMITS["score"]["evidence"]


@dataclass(frozen=True)
class Assessment:
    quarter: str
    department_id: str
    status: str
    submitted_by: str | None
    submitted_on: dt.date | None
    version: int
    updated_at: dt.datetime

    @property
    def locked(self) -> bool:
        return self.status == SUBMITTED


@dataclass(frozen=True)
class SheetRow:
    """One dimension on the form: the rubric, what is stored now, and last quarter's score and target.
    `stored` says whether this quarter holds an entry for the dimension at all (even one without a target)."""

    dimension: Dimension
    current: ScoreInput
    last: ScoreValue | None
    last_target: int | None = None
    stored: bool = True

    @property
    def target_default(self) -> int | None:
        """The target the form starts from: this quarter's, or (nothing stored yet) last quarter's carried forward."""
        return self.current.target if self.stored else self.last_target


def gap_improvement_title(row: SheetRow) -> str:
    """A title for the backlog item that would close this dimension's gap to its target."""
    level, target, name = row.current.score.level, row.current.target, row.dimension.name.lower()
    return f"Raise {name} from level {level} to {target}" if level and target and target > level else f"Improve {name}"


def largest_gaps_first(sheet: list[SheetRow]) -> list[SheetRow]:
    """The form's dimensions with the largest gap between target and score first."""
    return sorted(sheet, key=lambda r: -((r.current.target or 0) - (r.current.score.level or 0)))


def get_assessment(db: Database, quarter: Quarter | str, department_id: str) -> Assessment | None:
    row = db.one("SELECT quarter, department_id, status, submitted_by, submitted_on, version, updated_at "
                 "FROM assessments WHERE quarter = $1 AND department_id = $2", [str(quarter), department_id])
    return Assessment(*row) if row else None


def _stored_scores(rows) -> dict[str, ScoreInput]:
    return {dim: ScoreInput(dim, ScoreValue(score, bool(na)), target, evidence or "")
            for dim, score, na, target, evidence in rows}


def stored_scores(db: Database, quarter: Quarter | str, department_id: str) -> dict[str, ScoreInput]:
    return _stored_scores(db.rows(
        "SELECT dimension_id, score, na, target, evidence FROM scores WHERE quarter = $1 AND department_id = $2",
        [str(quarter), department_id]))


def scoring_sheet(db: Database, quarter: Quarter | str, department_id: str) -> list[SheetRow]:
    """Every active dimension with the stored entry and the previous quarter's score and target."""
    quarter = Quarter.parse(str(quarter))
    now = stored_scores(db, quarter, department_id)
    before = stored_scores(db, quarter.previous(), department_id)
    sheet = []
    for dim in dimensions(db):
        last = before.get(dim.dimension_id)
        sheet.append(SheetRow(dim, now.get(dim.dimension_id, ScoreInput(dim.dimension_id)),
                              last.score if last and last.score.assessed else None,
                              last.target if last else None, dim.dimension_id in now))
    return sheet


def _validate(entries: list[ScoreInput], dims: dict[str, Dimension], previous: dict[str, ScoreInput],
              submitting: bool) -> list[ScoreInput]:
    problems: list[Problem] = []
    clean: list[ScoreInput] = []
    for entry in entries:
        dim = dims.get(entry.dimension_id)
        if dim is None:
            problems.append(Problem(entry.dimension_id, "is not an active dimension of the model"))
            continue
        try:
            score = ScoreValue.parse(entry.score, "score")
            target = parse_level(entry.target, "target")
            evidence = clean_text(entry.evidence, "evidence", EVIDENCE_MAX)
        except ValidationError as err:
            problems += [Problem(f"{dim.name} ({p.field})", p.message) for p in err.problems]
            continue
        last = previous.get(dim.dimension_id)
        if last and last.score.assessed and score.assessed and score != last.score and not evidence.strip():
            problems.append(Problem(dim.name, f"the score changed from {last.score} last quarter to {score}: "
                                              "add evidence that explains why"))
        clean.append(ScoreInput(dim.dimension_id, score, target, evidence))
    if submitting:
        given = {e.dimension_id for e in clean if e.score.assessed}
        missing = [d.name for d in dims.values() if d.dimension_id not in given]
        if missing:
            problems.append(Problem(None, "score every dimension (or mark it N/A) before submitting; missing: "
                                          + ", ".join(missing)))
    if problems:
        raise ValidationError(problems=problems)
    return clean


def _as_dict(entry: ScoreInput) -> dict:
    return {"score": entry.score.level, "na": entry.score.na, "target": entry.target, "evidence": entry.evidence}


DIRECT = "direct"   # scores.method of a score typed on the form (rating rounds: esm_maturity/rounds)
PROVENANCE = ("method", "round_id", "n_valid", "agreement", "rationale")


def save_assessment(db: Database, actor: Actor, quarter: Quarter | str, department_id: str,
                    entries: list[ScoreInput], *, expected_version: int, submit: bool = False,
                    provenance: dict[str, dict] | None = None) -> int:
    """Save the form as a draft (or submit it). Returns the assessment's new version.

    expected_version is the version the person saw (0 when nothing was stored yet); if
    someone else saved since, ConflictError is raised and nothing is written. A score is recorded
    as typed directly (method "direct") unless `provenance` says where it came from (a rating round's
    agreement: {dimension_id: {method, round_id, n_valid, agreement, rationale}}).
    """
    work = assessment_writer(db, actor, quarter, department_id, entries, expected_version=expected_version,
                             submit=submit, provenance=provenance)
    return db.write(actor, work)


def assessment_writer(db: Database, actor: Actor, quarter: Quarter | str, department_id: str,
                      entries: list[ScoreInput], *, expected_version: int, submit: bool = False,
                      provenance: dict[str, dict] | None = None):
    """save_assessment's checks, then its write as a function of a transaction (for a caller that
    writes more in the same transaction: a rating round's agreement)."""
    quarter = Quarter.parse(quarter)
    require(db, actor, Permission.score, department_id, entity="assessment", key=f"{quarter}/{department_id}")
    dims = {d.dimension_id: d for d in dimensions(db)}
    previous = stored_scores(db, quarter.previous(), department_id)
    clean = _validate(entries, dims, previous, submit)
    provenance = provenance or {}

    def work(tx: Tx) -> int:
        dept = tx.one("SELECT name, active FROM departments WHERE department_id = $1", [department_id])
        if dept is None:
            raise NotFound(f"no department {department_id!r}")
        if not dept[1]:
            raise ValidationError(f"{dept[0]} is deactivated; reactivate it in Settings to score it", "department")
        row = tx.one("SELECT status, version, submitted_by FROM assessments WHERE quarter = $1 AND department_id = $2",
                     [str(quarter), department_id])
        version = row[1] if row else 0
        if row and row[0] == SUBMITTED:
            raise LockedError(f"{dept[0]}'s {quarter} assessment was submitted by {row[2]} and is locked; "
                              "reopen it to make changes")
        conflict = (f"someone else saved {dept[0]}'s {quarter} assessment while you were editing. "
                    "Your entries are still on screen: reload to see theirs, then apply yours again.")
        if version != expected_version:
            raise ConflictError(conflict)
        today = tx.now.date()
        status = SUBMITTED if submit else DRAFT
        new_version = _write_assessment(tx, quarter, department_id, expected_version, conflict, {
            "status": status, "submitted_by": actor.name if submit else None,
            "submitted_on": today if submit else None, "updated_at": tx.now})
        stored = _stored_scores(tx.execute(
            "SELECT dimension_id, score, na, target, evidence FROM scores WHERE quarter = $1 AND department_id = $2",
            [str(quarter), department_id]))
        for entry in clean:
            old = stored.get(entry.dimension_id)
            if old is None and not entry.score.assessed and entry.target is None and not entry.evidence:
                continue
            came = provenance.get(entry.dimension_id)
            if old is not None and _as_dict(old) == _as_dict(entry) and came is None:
                continue
            came = came or {"method": DIRECT}
            tx.execute(
                "INSERT INTO scores (quarter, department_id, dimension_id, score, na, target, evidence, assessed_by, "
                "assessed_on, method, round_id, n_valid, agreement, rationale) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
                "ON CONFLICT (quarter, department_id, dimension_id) DO UPDATE SET score = excluded.score, "
                "na = excluded.na, target = excluded.target, evidence = excluded.evidence, "
                "assessed_by = excluded.assessed_by, assessed_on = excluded.assessed_on, method = excluded.method, "
                "round_id = excluded.round_id, n_valid = excluded.n_valid, agreement = excluded.agreement, "
                "rationale = excluded.rationale",
                [str(quarter), department_id, entry.dimension_id, entry.score.level, entry.score.na, entry.target,
                 entry.evidence, actor.name, today, *(came.get(k) for k in PROVENANCE)])
            tx.audit("score", "score", f"{quarter}/{department_id}/{entry.dimension_id}",
                     before=_as_dict(old) if old else None,
                     after={**_as_dict(entry), **({k: v for k, v in came.items() if v is not None}
                                                   if entry.dimension_id in provenance else {})},
                     department_id=department_id)
        if submit or not row:
            tx.audit("submit" if submit else "start", "assessment", f"{quarter}/{department_id}",
                     before={"status": row[0]} if row else None, after={"status": status},
                     department_id=department_id)
        return new_version

    return work


def _write_assessment(tx: Tx, quarter: Quarter, department_id: str, expected_version: int, conflict: str,
                      values: dict) -> int:
    """The assessment row, written first and only if it is still the version the person saw: a new one
    (version 0 seen) is inserted unless someone created it meanwhile; otherwise the version is in the UPDATE."""
    if expected_version:
        return tx.update_versioned("assessments", {"quarter": str(quarter), "department_id": department_id},
                                   expected_version, values, conflict)
    created = tx.execute(
        "INSERT INTO assessments (quarter, department_id, status, submitted_by, submitted_on, version, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, 1, $6) ON CONFLICT (quarter, department_id) DO NOTHING RETURNING version",
        [str(quarter), department_id, values["status"], values["submitted_by"], values["submitted_on"],
         values["updated_at"]])
    if not created:
        raise ConflictError(conflict)
    return 1


def reopen_assessment(db: Database, actor: Actor, quarter: Quarter | str, department_id: str, reason: str) -> int:
    """Unlock a submitted assessment. Needs the admin role and a reason; recorded in the audit trail."""
    quarter = Quarter.parse(quarter)
    require(db, actor, Permission.reopen, department_id, entity="assessment", key=f"{quarter}/{department_id}")
    reason = clean_text(reason, "reason", LIMITS["assessment"]["reopen_reason"])
    if not reason.strip():
        raise ValidationError("say why the assessment is being reopened", "reason")

    def work(tx: Tx) -> int:
        row = tx.one("SELECT status, version, submitted_by, submitted_on FROM assessments "
                     "WHERE quarter = $1 AND department_id = $2", [str(quarter), department_id])
        if row is None:
            raise NotFound(f"there is no {quarter} assessment for {department_id}")
        if row[0] != SUBMITTED:
            raise ValidationError("the assessment is not submitted, so there is nothing to reopen", "status")
        version = tx.update_versioned(
            "assessments", {"quarter": str(quarter), "department_id": department_id}, row[1],
            {"status": DRAFT, "submitted_by": None, "submitted_on": None, "updated_at": tx.now},
            "someone else changed this assessment at the same moment; reload and reopen it again")
        tx.audit("reopen", "assessment", f"{quarter}/{department_id}",
                 before={"status": row[0], "submitted_by": row[2], "submitted_on": row[3]},
                 after={"status": DRAFT, "reason": reason}, department_id=department_id)
        return version

    return db.write(actor, work)


def quarters_with_data(db: Database) -> list[str]:
    return [r[0] for r in db.rows("SELECT DISTINCT quarter FROM assessments ORDER BY quarter")]
