"""The demo's value streams: four active streams across the departments, eight quarters of flow each, a
constraint that moves from one department to another, improvements and check-ins linked at the levers, and
every other figure of the demo exactly as it was without them."""

from __future__ import annotations

from esm_maturity.backlog.fields import FINAL_STATUSES
from esm_maturity.db import Database
from esm_maturity.demo import organisation
from esm_maturity.models import SYSTEM, quarter_range
from esm_maturity.streams import flow, queries, rollup
from tests.conftest import DEMO_ANCHOR, TODAY

QUARTERS = quarter_range(DEMO_ANCHOR.shift(-7), DEMO_ANCHOR)


def test_four_active_streams_across_the_departments(demo_db):
    found = queries.list_streams(demo_db)
    assert len(found) == 4 and all(s.active for s in found)
    assert {s.name for s in found} == {"Onboard a new employee", "Request to fulfil", "Procure to pay",
                                       "Incident to resolution"}
    assert {s.kind for s in found} == {"core", "enabling"}
    owners, supporting = set(), set()
    for s in found:
        for q in QUARTERS:
            steps = queries.steps_in(demo_db, s.stream_id, q)
            assert len(steps) >= 4 and [x.position for x in steps] == list(range(1, len(steps) + 1))
            owners |= {x.department_id for x in steps}
            supporting |= {d for x in steps for d in x.supporting}
        assert "Sponsor:" in s.description and "Champion:" in s.description
    assert len(owners) >= 8 and len(owners | supporting) == 10
    # every step is valid from the demo's first quarter; one changed owner half-way (history kept)
    first = demo_db.rows("SELECT min(valid_from) FROM stream_steps")[0][0]
    assert first == str(QUARTERS[0])
    moved = demo_db.rows("SELECT step_id, valid_from, valid_to, department_id FROM stream_steps WHERE step_id IN "
                         "(SELECT step_id FROM stream_steps GROUP BY step_id HAVING count(*) > 1) "
                         "ORDER BY step_id, valid_from")
    assert [(r[1], r[2], r[3]) for r in moved] == [(str(QUARTERS[0]), str(QUARTERS[3]), "PMO"),
                                                  (str(QUARTERS[4]), None, "FIN")]


def test_eight_quarters_of_flow_with_lead_time_falling(demo_db):
    for s in queries.list_streams(demo_db):
        trend = flow.flow_trend(demo_db, s.stream_id, QUARTERS)
        assert list(trend["recorded"]) == [True] * 8, s.name
        lead = list(trend["lead_time_days"])
        assert lead[-1] < lead[0], (s.name, lead)
        assert {"estimated", "measured"} <= set(trend["confidence"])
        assert (trend["rework_pct"].between(0, 100)).all() and (trend["throughput"] > 0).all()
        for q in QUARTERS[-3:]:   # every hand-off rated in the latest quarters: rolled %C&A shows
            summary = flow.flow_summary(demo_db, s.stream_id, q)
            assert summary.boundaries and summary.rolled_complete_accurate is not None, (s.name, q)
            assert summary.record.handoffs == len(summary.boundaries)
    some = demo_db.rows("SELECT count(DISTINCT quarter) FROM stream_handoffs")[0][0]
    assert some > 3   # and some earlier quarters rated in part


def test_a_constraint_moves_from_one_department_to_another(demo_db):
    moves = []
    for s in queries.list_streams(demo_db):
        profiles = [rollup.stream_maturity(demo_db, s.stream_id, q) for q in QUARTERS]
        for before, after in zip(profiles, profiles[1:]):
            for a, b in zip(before.dimensions, after.dimensions):
                if a.at_floor and b.at_floor and not set(a.at_floor) & set(b.at_floor):
                    moves.append((s.name, a.dimension_id, before.quarter, a.at_floor, b.at_floor))
    assert moves, "no stream's constraint moved between two quarters"
    # the request stream's approval moved from the Project Office to Finance: its constraint followed
    assert any(m[0] == "Request to fulfil" and "PMO" in m[3] and "FIN" in m[4] for m in moves)


def test_open_improvements_are_linked_at_a_lever_and_check_ins_name_streams(demo_db):
    linked = demo_db.rows("SELECT item_id, stream_id, step_id, department_id, dimension_id, status FROM backlog_items "
                          "WHERE stream_id IS NOT NULL")
    assert 4 <= len(linked) <= 8
    at_lever = 0
    for item, stream_id, step_id, dept, dim, status in linked:
        assert status not in FINAL_STATUSES
        step = next(s for s in queries.steps_in(demo_db, stream_id, DEMO_ANCHOR) if s.step_id == step_id)
        assert step.department_id == dept
        levers = rollup.levers(demo_db, stream_id, DEMO_ANCHOR)
        at_lever += ((dept, dim) in set(zip(levers["department_id"], levers["dimension_id"])))
    assert at_lever == len(linked)
    named = demo_db.rows("SELECT c.stream_id, c.department_id FROM checkins c WHERE c.stream_id IS NOT NULL")
    assert len(named) >= 2 and {s for s, _ in named} <= {s.stream_id for s in queries.list_streams(demo_db)}


def all_but(db: Database, table: str, *left_out: str) -> str:
    """Every column of `table` but `left_out`, as a select list: DuckDB's `* EXCLUDE (...)`, on either engine."""
    names = db.rows("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
                    "AND table_name = $1 ORDER BY ordinal_position", [table])
    return ", ".join(name for (name,) in names if name not in left_out)


def _without_links(db: Database) -> dict[str, list]:
    return {
        "scores": sorted(db.rows("SELECT * FROM scores"), key=repr),
        "assessments": sorted(db.rows("SELECT quarter, department_id, status, submitted_by, submitted_on "
                                      "FROM assessments"), key=repr),
        "items": db.rows(f"SELECT {all_but(db, 'backlog_items', 'stream_id', 'step_id')} FROM backlog_items "
                         "ORDER BY item_id"),
        "checkins": db.rows(f"SELECT {all_but(db, 'checkins', 'stream_id')} FROM checkins ORDER BY checkin_id"),
        "actions": db.rows("SELECT * FROM actions ORDER BY action_id"),
        "rounds": db.rows("SELECT round_id, department_id, status FROM rating_rounds ORDER BY round_id"),
    }


def test_every_other_figure_is_as_without_the_streams(demo_db, new_db, monkeypatch):
    monkeypatch.setattr(organisation, "seed_streams", lambda *args, **kwargs: 0)
    with Database(new_db("plain")) as plain:
        counts = organisation.load_demo(plain, SYSTEM, DEMO_ANCHOR, today=TODAY)
        assert counts["value streams"] == 0 and not plain.rows("SELECT * FROM value_streams")
        assert _without_links(plain) == _without_links(demo_db)
