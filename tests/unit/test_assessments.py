"""Scoring a quarter: drafts, the evidence rule, submit and lock, reopen, conflicts, audit."""

import json

import pytest

from esm_maturity.assessments import (gap_improvement_title, get_assessment, largest_gaps_first, reopen_assessment,
                                      save_assessment, scoring_sheet)
from esm_maturity.departments import add_department
from esm_maturity.maturity import dimensions, set_dimension_active
from esm_maturity.models import (ConflictError, LockedError, NotFound, PermissionDenied, Quarter, ScoreInput,
                                 ScoreValue, ValidationError)
from tests.conftest import ADMIN, CHAMPION, SPONSOR

Q = Quarter(2026, 2)


@pytest.fixture
def org(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    return db


def all_scored(db, level=3, **overrides):
    return [ScoreInput(d.dimension_id, ScoreValue.parse(overrides.get(d.dimension_id, level)), 4, "because")
            for d in dimensions(db)]


def snapshot(db):
    return (db.rows("SELECT * FROM scores ORDER BY quarter, department_id, dimension_id"),
            db.rows("SELECT * FROM assessments ORDER BY quarter, department_id"))


def test_save_draft_then_submit_locks(org):
    v1 = save_assessment(org, CHAMPION, Q, "HR", all_scored(org)[:3], expected_version=0)
    assert get_assessment(org, Q, "HR").status == "draft"
    assert org.scalar("SELECT count(*) FROM scores") == 3
    v2 = save_assessment(org, CHAMPION, Q, "HR", all_scored(org), expected_version=v1, submit=True)
    state = get_assessment(org, Q, "HR")
    assert (state.status, state.submitted_by, state.version) == ("submitted", "eddie", v2)
    with pytest.raises(LockedError, match="reopen"):
        save_assessment(org, CHAMPION, Q, "HR", all_scored(org, 4), expected_version=v2)
    assert org.scalar("SELECT max(score) FROM scores") == 3


def test_submit_needs_every_dimension(org):
    before = snapshot(org)
    entries = all_scored(org)
    entries[0] = ScoreInput(entries[0].dimension_id)
    with pytest.raises(ValidationError, match="missing: Sponsorship"):
        save_assessment(org, CHAMPION, Q, "HR", entries, expected_version=0, submit=True)
    assert snapshot(org) == before


def test_na_counts_as_answered_and_is_stored_as_na(org):
    entries = all_scored(org, sponsorship="N/A")
    save_assessment(org, CHAMPION, Q, "HR", entries, expected_version=0, submit=True)
    assert org.one("SELECT score, na FROM scores WHERE dimension_id = 'sponsorship'") == (None, True)


@pytest.mark.parametrize("bad,message", [(7, "out of range"), ("three", "not a level"), (2.5, "whole number")])
def test_out_of_range_scores_change_nothing(org, bad, message):
    before = snapshot(org)
    entries = all_scored(org)
    entries[1] = ScoreInput(entries[1].dimension_id, bad)
    with pytest.raises(ValidationError, match=message):
        save_assessment(org, CHAMPION, Q, "HR", entries, expected_version=0)
    assert snapshot(org) == before


def test_evidence_required_when_score_differs_from_last_quarter(org):
    v = save_assessment(org, CHAMPION, Q.previous(), "HR", all_scored(org, 2), expected_version=0, submit=True)
    assert v == 1
    changed = all_scored(org, 2, purpose=3)
    changed[1] = ScoreInput("purpose", ScoreValue(3), 4, "")
    before = snapshot(org)
    with pytest.raises(ValidationError, match="changed from 2 last quarter to 3"):
        save_assessment(org, CHAMPION, Q, "HR", changed, expected_version=0)
    assert snapshot(org) == before
    same = [ScoreInput(d.dimension_id, ScoreValue(2), None, "") for d in dimensions(org)]
    save_assessment(org, CHAMPION, Q, "HR", same, expected_version=0)  # unchanged scores need no evidence


def test_scoring_sheet_shows_last_quarter_and_rubric(org):
    save_assessment(org, CHAMPION, Q.previous(), "HR", all_scored(org, 2), expected_version=0)
    sheet = scoring_sheet(org, Q, "HR")
    assert [row.dimension.dimension_id for row in sheet] == [d.dimension_id for d in dimensions(org)]
    assert all(row.last == ScoreValue(2) for row in sheet)
    assert all(len(row.dimension.rubric) == 5 for row in sheet)
    assert all(not row.current.score.assessed for row in sheet)


def test_retired_dimension_leaves_new_assessments_but_keeps_history(org):
    save_assessment(org, CHAMPION, Q, "HR", all_scored(org), expected_version=0, submit=True)
    set_dimension_active(org, ADMIN, "safety", False)
    sheet = scoring_sheet(org, Q.next(), "HR")
    assert "safety" not in {row.dimension.dimension_id for row in sheet}
    assert org.scalar("SELECT score FROM scores WHERE dimension_id = 'safety' AND quarter = $1", [str(Q)]) == 3
    entries = [ScoreInput(row.dimension.dimension_id, ScoreValue(3), None, "") for row in sheet]
    save_assessment(org, CHAMPION, Q.next(), "HR", entries, expected_version=0, submit=True)  # no 'safety' needed
    with pytest.raises(ValidationError, match="not an active dimension"):
        save_assessment(org, CHAMPION, Q.next().next(), "HR", [ScoreInput("safety", ScoreValue(3))], expected_version=0)


def test_a_colleagues_save_is_never_overwritten(org):
    save_assessment(org, CHAMPION, Q, "HR", all_scored(org, 2), expected_version=0)
    # Both people loaded version 1; the first saves, the second is refused.
    save_assessment(org, ADMIN, Q, "HR", all_scored(org, 4), expected_version=1)
    with pytest.raises(ConflictError, match="someone else saved"):
        save_assessment(org, CHAMPION, Q, "HR", all_scored(org, 1), expected_version=1)
    assert org.scalar("SELECT min(score) FROM scores") == 4


def test_two_people_starting_the_same_quarter(org):
    save_assessment(org, CHAMPION, Q, "HR", all_scored(org, 2), expected_version=0)
    with pytest.raises(ConflictError):
        save_assessment(org, ADMIN, Q, "HR", all_scored(org, 5), expected_version=0)


def test_reopen_is_recorded_and_needs_a_reason_and_admin(org):
    save_assessment(org, CHAMPION, Q, "HR", all_scored(org), expected_version=0, submit=True)
    with pytest.raises(PermissionDenied):
        reopen_assessment(org, CHAMPION, Q, "HR", "typo")
    with pytest.raises(ValidationError, match="why"):
        reopen_assessment(org, ADMIN, Q, "HR", "  ")
    version = reopen_assessment(org, ADMIN, Q, "HR", "Finance figures arrived late")
    assert get_assessment(org, Q, "HR").status == "draft"
    row = org.one("SELECT actor, before_json, after_json FROM audit_log WHERE action = 'reopen'")
    assert row[0] == "alice"
    assert json.loads(row[1])["status"] == "submitted"
    assert json.loads(row[2]) == {"status": "draft", "reason": "Finance figures arrived late"}
    save_assessment(org, CHAMPION, Q, "HR", all_scored(org, 4), expected_version=version)


def test_every_score_change_is_audited(org):
    save_assessment(org, CHAMPION, Q, "HR", all_scored(org)[:2], expected_version=0)
    rows = org.rows("SELECT actor, entity_key, before_json, after_json FROM audit_log WHERE entity = 'score' "
                    "ORDER BY audit_id")
    assert [r[1] for r in rows] == ["2026-Q2/HR/sponsorship", "2026-Q2/HR/purpose"]
    assert rows[0][0] == "eddie" and rows[0][2] is None
    assert json.loads(rows[0][3]) == {"score": 3, "na": False, "target": 4, "evidence": "because"}


def test_viewers_cannot_score(org):
    with pytest.raises(PermissionDenied):
        save_assessment(org, SPONSOR, Q, "HR", all_scored(org), expected_version=0)
    assert org.scalar("SELECT count(*) FROM scores") == 0


def test_unknown_department_and_quarter(org):
    with pytest.raises(NotFound):
        save_assessment(org, CHAMPION, Q, "NOPE", all_scored(org), expected_version=0)
    with pytest.raises(ValidationError, match="YYYY-Qn"):
        save_assessment(org, CHAMPION, "2026/2", "HR", all_scored(org), expected_version=0)
    assert org.scalar("SELECT count(*) FROM assessments") == 0


def test_gaps_come_largest_first_with_a_title_for_the_backlog(org):
    entries = all_scored(org, 3, sponsorship=1, knowledge=4)   # every target is 4
    save_assessment(org, CHAMPION, Q, "HR", entries, expected_version=0)
    sheet = largest_gaps_first(scoring_sheet(org, Q, "HR"))
    assert sheet[0].dimension.dimension_id == "sponsorship" and sheet[-1].dimension.dimension_id == "knowledge"
    assert gap_improvement_title(sheet[0]) == f"Raise {sheet[0].dimension.name.lower()} from level 1 to 4"
    assert gap_improvement_title(sheet[-1]) == f"Improve {sheet[-1].dimension.name.lower()}"
