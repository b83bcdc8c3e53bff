"""The demo organisation and the overview's figures."""

import pandas as pd
import pytest

from esm_maturity import overview
from esm_maturity.assessments import save_assessment
from esm_maturity.db import Database
from esm_maturity.demo.organisation import load_demo
from esm_maturity.departments import add_department
from esm_maturity.maturity import dimensions
from esm_maturity.models import SYSTEM, Quarter, ScoreInput, ScoreValue, ValidationError
from tests.conftest import ADMIN, DEMO_ANCHOR, CHAMPION


def test_demo_is_deterministic(new_db):
    frames = []
    for name in ("a", "b"):
        with Database(new_db(name)) as db:
            load_demo(db, SYSTEM, DEMO_ANCHOR)
            frames.append(db.frame("SELECT quarter, department_id, dimension_id, score, na, target, evidence "
                                   "FROM scores ORDER BY quarter, department_id, dimension_id"))
    pd.testing.assert_frame_equal(frames[0], frames[1])


def test_demo_is_plausible(demo_db):
    assert demo_db.scalar("SELECT count(*) FROM departments") == 10
    quarters = [r[0] for r in demo_db.rows("SELECT DISTINCT quarter FROM assessments ORDER BY 1")]
    assert quarters[0] == str(DEMO_ANCHOR.shift(-7)) and quarters[-1] == str(DEMO_ANCHOR) and len(quarters) == 8
    assert demo_db.scalar("SELECT min(score) FROM scores") >= 1 and demo_db.scalar("SELECT max(score) FROM scores") <= 5
    assert demo_db.scalar("SELECT count(*) FROM scores WHERE na") > 0
    assert demo_db.scalar("SELECT count(*) FROM scores WHERE evidence <> ''") > 300
    status = dict(demo_db.rows("SELECT status, count(*) FROM assessments WHERE quarter = $1 GROUP BY status",
                               [str(DEMO_ANCHOR)]))
    assert status == {"submitted": 6, "draft": 2}


def test_demo_refuses_a_database_with_data(demo_db):
    with pytest.raises(ValidationError, match="already has departments"):
        load_demo(demo_db, SYSTEM, DEMO_ANCHOR)


@pytest.fixture
def two_departments(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    add_department(db, ADMIN, "IT", "IT Services")
    return db


def score(db, quarter, dept, levels, submit=True, version=0):
    entries = [ScoreInput(d.dimension_id, ScoreValue.parse(levels.get(d.dimension_id, 3)), 4, "evidence")
               for d in dimensions(db)]
    return save_assessment(db, CHAMPION, quarter, dept, entries, expected_version=version, submit=submit)


def test_completion_counts_each_state(two_departments):
    db = two_departments
    q = Quarter(2026, 1)
    score(db, q, "HR", {})
    frame = overview.completion(db, q).set_index("department_id")
    assert frame.loc["HR", "status"] == "submitted" and frame.loc["HR", "scored"] == 9
    assert frame.loc["IT", "status"] == "not started" and frame.loc["IT", "scored"] == 0


def test_averages_leave_out_na_and_drafts(two_departments):
    db = two_departments
    q = Quarter(2026, 1)
    score(db, q, "HR", {"sponsorship": 2, "purpose": "N/A"})
    score(db, q, "IT", {"sponsorship": 5}, submit=False)  # a draft does not count
    averages = overview.dimension_averages(db, q).set_index("dimension_id")
    assert averages.loc["sponsorship", "average"] == 2
    assert pd.isna(averages.loc["purpose", "average"]) and averages.loc["purpose", "departments"] == 0


def test_movers_rank_the_largest_changes(two_departments):
    db = two_departments
    q = Quarter(2026, 1)
    score(db, q.previous(), "HR", {"sponsorship": 1, "purpose": 4})
    score(db, q, "HR", {"sponsorship": 4, "purpose": 2})
    moves = overview.movers(db, q)
    assert list(zip(moves["dimension"], moves["change"])) == [
        ("Sponsorship and championing", 3), ("Shared purpose and clear goals", -2)]
