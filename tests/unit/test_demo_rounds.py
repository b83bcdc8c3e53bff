"""The demo's rating rounds (esm_maturity/demo/rounds.py): every state, named and anonymous, one anonymous
dimension below its threshold, agreed scores with their provenance in submitted assessments, and the
demo's other figures as they were."""

from __future__ import annotations

from esm_maturity.db import Database
from esm_maturity.demo.organisation import load_demo
from esm_maturity.models import SYSTEM
from esm_maturity.rounds import results
from esm_maturity.rounds.records import BELOW
from tests.conftest import ADMIN, DEMO_ANCHOR


def test_the_demo_has_rounds_in_every_state_named_and_anonymous(demo_db):
    rounds = results.rounds_of(demo_db)
    assert {r.status for r in rounds} == {"draft", "open", "closed", "agreed"}
    assert {r.mode for r in rounds} == {"named", "anonymous"}
    assert {r.quarter for r in rounds} == {str(DEMO_ANCHOR)}
    progress = {r.department_id: results.progress(demo_db, r.round_id) for r in rounds}
    assert progress["PMO"].answered == 3 and progress["PMO"].invited == 6


def test_one_anonymous_round_is_below_its_threshold_on_a_dimension(demo_db):
    below = {(r.department_id, card.dimension_id) for r in results.rounds_of(demo_db)
             if r.anonymous and r.status in ("closed", "agreed")
             for card in results.results(demo_db, ADMIN, r.round_id) if card.state == BELOW}
    assert ("MKT", "knowledge") in below and ("HR", "safety") in below
    closed = next(r for r in results.rounds_of(demo_db) if r.status == "closed")
    assert closed.department_id == "MKT" and closed.anonymous


def test_agreed_rounds_leave_agreed_scores_in_submitted_assessments_with_badges(demo_db):
    q = str(DEMO_ANCHOR)
    agreed = [r for r in results.rounds_of(demo_db) if r.status == "agreed"]
    assert {r.department_id for r in agreed} == {"FAC", "HR"}
    for r in agreed:
        assert demo_db.scalar("SELECT status FROM assessments WHERE quarter = $1 AND department_id = $2",
                              [q, r.department_id]) == "submitted"
        stored = demo_db.scalar("SELECT count(*) FROM scores WHERE quarter = $1 AND department_id = $2 AND "
                                "round_id = $3", [q, r.department_id, r.round_id])
        assert stored == len(r.dimension_ids)
    badges = results.badges(demo_db, q)
    assert badges[("HR", "safety")] == BELOW and badges[("FAC", "sponsorship")].startswith("n=7 · ")
    assert demo_db.scalar("SELECT count(*) FROM scores WHERE method = 'agreed in a meeting' AND rationale <> ''") >= 1


def test_rounds_change_no_other_figure_of_the_demo(new_db):
    def figures(db):
        return (db.rows("SELECT quarter, department_id, dimension_id, score, na, target FROM scores "
                        "ORDER BY 1, 2, 3"),
                db.rows("SELECT quarter, department_id, status FROM assessments ORDER BY 1, 2"))
    with Database(new_db("with")) as with_rounds, Database(new_db("without")) as without:
        counts = load_demo(with_rounds, SYSTEM, DEMO_ANCHOR)
        plain = load_demo(without, SYSTEM, DEMO_ANCHOR, rounds=False)
        assert counts.pop("rating rounds") == 6 and counts == plain
        assert figures(with_rounds) == figures(without)
        assert not without.scalar("SELECT count(*) FROM rating_rounds")
        # named rounds got no answers here: the audit trail holds no one's answer
        assert not with_rounds.rows("SELECT * FROM audit_log WHERE action = 'answer'")
