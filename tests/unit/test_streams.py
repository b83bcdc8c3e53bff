"""Value streams: steps versioned by quarter with positions 1..n, the derived maturity (weakest link, mean,
weighted; ties, coverage, N/A, missing departments named), templates, warnings, conflicts, and flow
(flow efficiency, rolled % complete and accurate)."""

from __future__ import annotations

import pytest

from esm_maturity.access.people import add_person
from esm_maturity.departments import add_department
from esm_maturity.models import Actor, ConflictError, NotFound, PermissionDenied, Role, ValidationError
from esm_maturity.streams import commands, flow, queries, rollup, templates
from esm_maturity.streams.records import (FlowInput, StepInput, StreamInput, flow_efficiency,
                                          rolled_complete_accurate)
from tests.conftest import ADMIN, CHAMPION, SPONSOR

Q1, Q2, Q3, Q4 = "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"
DIM = "collaboration"
REP = Actor("rita@example.org", Role.department, frozenset({"B"}))


@pytest.fixture
def org(db):
    """Departments A-E and two people; scores are written with `score` below."""
    for key in "ABCDE":
        add_department(db, ADMIN, key, f"Dept {key}")
    add_person(db, ADMIN, "rita@example.org", "Rita", "department", ["B"])
    add_person(db, ADMIN, "olu@example.org", "Olu", "department", ["C"])
    return db


def score(db, quarter, dept, levels: dict, status="submitted"):
    """Write an assessment and its scores directly ('N/A' for does not apply, None for not assessed)."""
    with db.transaction() as tx:
        tx.execute("INSERT INTO assessments (quarter, department_id, status, updated_at) VALUES ($1, $2, $3, now())",
                   [quarter, dept, status])
        for dim, level in levels.items():
            tx.execute("INSERT INTO scores (quarter, department_id, dimension_id, score, na) VALUES ($1, $2, $3, $4, $5)",
                       [quarter, dept, dim, None if level in ("N/A", None) else level, level == "N/A"])


def steps(*owners, weights=None):
    weights = weights or [1.0] * len(owners)
    return [StepInput(f"Step {i}", owner, (), w, None, f"out {i}") for i, (owner, w) in
            enumerate(zip(owners, weights), start=1)]


def make(db, *owners, rule="weakest_link", quarter=Q1, weights=None, **extra):
    return commands.create_stream(db, ADMIN, StreamInput(f"Stream {len(queries.list_streams(db, include_inactive=True))}",
                                                         rollup_rule=rule, **extra),
                                  steps(*owners, weights=weights), from_quarter=quarter)


def cell(db, stream_id, quarter, dim=DIM, rule=None):
    return rollup.stream_maturity(db, stream_id, quarter, rule=rule).dimension(dim)


# --- the roll-ups ----------------------------------------------------------------------------------------

def test_weakest_link_is_the_minimum_with_mean_spread_and_every_tie(org):
    s = make(org, "A", "B", "C", "D")
    for dept, level in zip("ABCD", (2, 4, 2, 3)):
        score(org, Q1, dept, {DIM: level})
    c = cell(org, s.stream_id, Q1)
    assert (c.value, c.floor, c.mean, c.spread) == (2, 2, 2.75, 2)
    assert c.at_floor == ("A", "C") and c.complete and c.coverage == "4 of 4 scored" and c.label == "2"


def test_mean_and_weighted_rules_and_a_department_owning_several_steps_counts_once(org):
    # A owns steps of weight 1 and 2 (weighs 3, once), B one of weight 1
    s = make(org, "A", "B", "A", rule="weighted", weights=[1, 1, 2])
    score(org, Q1, "A", {DIM: 2})
    score(org, Q1, "B", {DIM: 4})
    weighted = cell(org, s.stream_id, Q1)
    assert weighted.rule == "weighted" and weighted.value == pytest.approx((3 * 2 + 1 * 4) / 4)
    assert weighted.label == "2.5" and weighted.applies == 2   # two departments, not three steps
    mean = cell(org, s.stream_id, Q1, rule="mean")
    assert mean.value == 3.0 and mean.mean == 3.0 and mean.label == "3.0"
    assert cell(org, s.stream_id, Q1, rule="weakest_link").value == 2


def test_a_missing_score_is_never_zero_and_the_missing_are_named(org):
    s = make(org, "A", "B", "C")
    score(org, Q1, "A", {DIM: 3})
    score(org, Q1, "B", {DIM: 4}, status="draft")   # a draft is not agreed
    score(org, Q1, "C", {DIM: None})                # submitted, dimension not assessed
    c = cell(org, s.stream_id, Q1)
    assert c.value == 3 and c.floor == 3 and not c.complete     # over the one scored, never 0
    assert c.missing == ("B", "C") and c.coverage == "1 of 3 scored"
    assert c.label == "incomplete (1 of 3 scored; not scored: Dept B, Dept C)"


def test_n_a_leaves_the_roll_up(org):
    s = make(org, "A", "B")
    score(org, Q1, "A", {DIM: 4})
    score(org, Q1, "B", {DIM: "N/A"})
    c = cell(org, s.stream_id, Q1)
    assert c.complete and c.value == 4 and c.applies == 1 and c.na == ("B",) and c.label == "4"
    score(org, Q2, "A", {DIM: "N/A"})
    score(org, Q2, "B", {DIM: "N/A"})
    assert cell(org, s.stream_id, Q2).label == "N/A"


def test_an_inactive_department_counts_as_not_scored(org):
    from esm_maturity.departments import get_department, update_department

    s = make(org, "A", "B")
    score(org, Q1, "A", {DIM: 4})
    score(org, Q1, "B", {DIM: 1})
    b = get_department(org, "B")
    update_department(org, ADMIN, "B", name=b.name, sponsor="", champion="", active=False,
                      expected_version=b.version)
    assert cell(org, s.stream_id, Q1).missing == ("B",)


# --- steps by quarter ---------------------------------------------------------------------------------------

def test_a_step_retired_from_q3_leaves_q3_but_not_q2(org):
    s = make(org, "A", "B", "C")
    for q in (Q2, Q3):
        score(org, q, "A", {DIM: 4})
        score(org, q, "B", {DIM: 1})
        score(org, q, "C", {DIM: 3})
    b_step = queries.steps_in(org, s.stream_id, Q2)[1]
    saved = commands.remove_step(org, ADMIN, s.stream_id, b_step.step_id, expected_version=1, from_quarter=Q3)
    assert saved.version == 2
    assert cell(org, s.stream_id, Q2).at_floor == ("B",) and cell(org, s.stream_id, Q2).floor == 1
    assert cell(org, s.stream_id, Q3).at_floor == ("C",) and cell(org, s.stream_id, Q3).floor == 3
    assert [(x.position, x.department_id) for x in queries.steps_in(org, s.stream_id, Q2)] == [(1, "A"), (2, "B"),
                                                                                              (3, "C")]
    assert [(x.position, x.department_id) for x in queries.steps_in(org, s.stream_id, Q3)] == [(1, "A"), (2, "C")]
    assert queries.steps_in(org, s.stream_id, "2024-Q4") == []   # before the stream began


def test_a_new_owner_closes_the_old_row_so_the_past_keeps_its_owner(org):
    s = make(org, "A", "B")
    first = queries.steps_in(org, s.stream_id, Q1)[0]
    commands.update_step(org, ADMIN, s.stream_id, first.step_id, StepInput("Step 1", "C", ("D",), 2.0, 5, "x"),
                         expected_version=1, from_quarter=Q3)
    assert queries.steps_in(org, s.stream_id, Q2)[0].department_id == "A"
    now = queries.steps_in(org, s.stream_id, Q4)[0]
    assert (now.step_id, now.department_id, now.supporting, now.weight, now.target_days) == (
        first.step_id, "C", ("D",), 2.0, 5.0)
    assert [(v.valid_from, v.valid_to) for v in queries.step_history(org, s.stream_id) if v.step_id == first.step_id] \
        == [(Q1, Q2), (Q3, None)]


def test_positions_renumber_with_no_gaps_in_every_quarter(org):
    s = make(org, "A", "B", "C", "D")
    ids = [x.step_id for x in queries.steps_in(org, s.stream_id, Q1)]
    v = commands.move_step(org, ADMIN, s.stream_id, ids[3], 1, expected_version=1, from_quarter=Q2).version
    v = commands.remove_step(org, ADMIN, s.stream_id, ids[1], expected_version=v, from_quarter=Q2).version
    v = commands.add_step(org, ADMIN, s.stream_id, StepInput("New", "E"), position=2, expected_version=v,
                          from_quarter=Q3).version
    assert [x.department_id for x in queries.steps_in(org, s.stream_id, Q1)] == ["A", "B", "C", "D"]
    assert [x.department_id for x in queries.steps_in(org, s.stream_id, Q2)] == ["D", "A", "C"]
    assert [x.department_id for x in queries.steps_in(org, s.stream_id, Q3)] == ["D", "E", "A", "C"]
    for q in (Q1, Q2, Q3, Q4):
        positions = [x.position for x in queries.steps_in(org, s.stream_id, q)]
        assert positions == list(range(1, len(positions) + 1)), q
    with pytest.raises(ValidationError, match="from 2025-Q3 or later"):   # history is not rewritten
        commands.move_step(org, ADMIN, s.stream_id, ids[0], 1, expected_version=v, from_quarter=Q2)


def test_edits_within_one_quarter_leave_no_history(org):
    s = make(org, "A", "B", "C")
    ids = [x.step_id for x in queries.steps_in(org, s.stream_id, Q1)]
    v = commands.move_step(org, ADMIN, s.stream_id, ids[2], 1, expected_version=1, from_quarter=Q1).version
    commands.remove_step(org, ADMIN, s.stream_id, ids[0], expected_version=v, from_quarter=Q1)
    history = queries.step_history(org, s.stream_id)
    assert len(history) == 2 and all(h.valid_from == Q1 and h.valid_to is None for h in history)


def test_save_steps_takes_the_editor_table_in_its_new_order(org):
    s = make(org, "A", "B", "C")
    a, b, c = queries.steps_in(org, s.stream_id, Q1)
    saved = commands.save_steps(org, ADMIN, s.stream_id, [(c.step_id, StepInput("C first", "C")),
                                                          (None, StepInput("New", "D")), (a.step_id, StepInput("A", "A"))],
                                expected_version=1, from_quarter=Q2)
    now = queries.steps_in(org, s.stream_id, Q2)
    assert [(x.position, x.name, x.department_id) for x in now] == [(1, "C first", "C"), (2, "New", "D"), (3, "A", "A")]
    assert now[0].step_id == c.step_id and saved.version == 2
    assert [x.department_id for x in queries.steps_in(org, s.stream_id, Q1)] == ["A", "B", "C"]


def test_bad_steps_are_refused_with_their_field(org):
    with pytest.raises(ValidationError, match="weight"):
        make(org, "A", "B", weights=[1, 0])
    with pytest.raises(ValidationError, match="no department 'ZZ'"):
        make(org, "A", "ZZ")
    with pytest.raises(ValidationError, match="is required"):
        commands.create_stream(org, ADMIN, StreamInput("X"), [StepInput("  ", "A")])
    with pytest.raises(ValidationError, match="core or enabling"):
        commands.create_stream(org, ADMIN, StreamInput("X", kind="support"))
    with pytest.raises(ValidationError, match="no active person"):
        commands.create_stream(org, ADMIN, StreamInput("X", owner="nobody@example.org"))
    make(org, "A", "B")
    with pytest.raises(ValidationError, match="already called"):
        commands.create_stream(org, ADMIN, StreamInput("stream 0"))


# --- versions, conflicts, audit -------------------------------------------------------------------------------

def test_a_stale_version_is_a_conflict_and_writes_nothing(org):
    s = make(org, "A", "B")
    step = queries.steps_in(org, s.stream_id, Q1)[0]
    commands.update_stream(org, ADMIN, s.stream_id, StreamInput("Renamed", trigger="t"), expected_version=1)
    before = queries.step_history(org, s.stream_id)
    with pytest.raises(ConflictError):
        commands.move_step(org, ADMIN, s.stream_id, step.step_id, 2, expected_version=1, from_quarter=Q1)
    with pytest.raises(ConflictError):
        commands.update_stream(org, ADMIN, s.stream_id, StreamInput("Again"), expected_version=1)
    assert queries.step_history(org, s.stream_id) == before
    assert queries.get_stream(org, s.stream_id).name == "Renamed"
    actions = [r[0] for r in org.rows("SELECT action FROM audit_log WHERE entity = 'value stream' ORDER BY audit_id")]
    assert actions == ["create", "edit"]


def test_every_step_change_is_audited_with_before_and_after(org):
    s = make(org, "A", "B")
    step = queries.steps_in(org, s.stream_id, Q1)[0]
    commands.move_step(org, ADMIN, s.stream_id, step.step_id, 2, expected_version=1, from_quarter=Q2)
    action, after = org.one("SELECT action, after_json FROM audit_log WHERE entity = 'value stream' "
                            "ORDER BY audit_id DESC LIMIT 1")
    assert action == "move step" and '"from": "2025-Q2"' in after


# --- templates and warnings ---------------------------------------------------------------------------------

def test_every_template_builds_a_stream_with_the_departments_given(org):
    assert set(templates.TEMPLATES) == {"onboard", "request", "procure", "incident"}
    saved = templates.create_from_template(org, CHAMPION, "onboard", ["A", "B", "C", "C", "A"], from_quarter=Q1)
    made = queries.stream_view(org, saved.stream_id, Q1)
    assert made.stream.name == "Onboard a new employee" and made.stream.kind == "enabling"
    assert [s.department_id for s in made.steps] == ["A", "B", "C", "C", "A"]
    assert [s.output for s in made.steps][0] == "Signed contract, employee record"
    assert made.handoffs == tuple((made.steps[i].step_id, made.steps[i + 1].step_id) for i in (0, 1, 3))
    assert saved.warnings == ()
    partly = templates.create_from_template(org, CHAMPION, "procure", {1: "A", 2: "B"}, name="P2P",
                                            from_quarter=Q1)
    assert sum("has no owning department" in w for w in partly.warnings) == 3
    with pytest.raises(ValidationError, match="no template"):
        templates.create_from_template(org, CHAMPION, "hire", [])


def test_warnings_single_department_too_few_too_many_and_unowned(org):
    assert any("single-department" in w for w in make(org, "A", "A").warnings)
    assert any("has 1 step" in w for w in make(org, "A").warnings)
    assert any("16 steps" in w for w in make(org, *(["A", "B"] * 8)).warnings)
    unowned = make(org, "A", None, "B")
    assert [w for w in unowned.warnings if "no owning department" in w] == [
        "step 2 (Step 2) has no owning department yet: assign one; until then the stream's maturity is incomplete"]
    assert make(org, "A", "B", "C").warnings == ()


def test_a_step_without_an_owner_makes_the_roll_up_incomplete(org):
    s = make(org, "A", None)
    score(org, Q1, "A", {DIM: 3})
    c = cell(org, s.stream_id, Q1)
    assert not c.complete and c.label == "incomplete (1 of 1 scored; 1 step without an owner)"


# --- the swim-lane, levers and portfolio ------------------------------------------------------------------------

def test_the_swim_lane_marks_owners_supporters_and_hand_offs(org):
    s = commands.create_stream(org, ADMIN, StreamInput("Lane"), [StepInput("one", "A", ("C",)), StepInput("two", "A"),
                                                              StepInput("three", "B")], from_quarter=Q1)
    lane = queries.swim_lane(org, s.stream_id, Q1)
    one, two, three = (x.step_id for x in lane.steps)
    assert lane.departments == ("A", "B", "C")
    assert lane.cells == {("A", one): "owner", ("A", two): "owner", ("B", three): "owner", ("C", one): "support"}
    assert lane.handoffs == ((two, three),)
    frame = lane.frame()
    assert list(frame.index) == ["Dept A", "Dept B", "Dept C"] and frame.iloc[1, 2] == "→ owner"


def test_levers_count_the_other_streams_where_the_same_pair_is_the_floor(org):
    first, second, third = make(org, "A", "B"), make(org, "A", "C"), make(org, "B", "C")
    for dept, level in zip("ABC", (1, 3, 2)):
        score(org, Q1, dept, {DIM: level, "safety": 4})
    found = rollup.levers(org, first.stream_id, Q1)
    mine = found[found.dimension_id == DIM].iloc[0]
    assert (mine.department_id, mine.floor, mine.other_streams, mine.other_stream_ids) == (
        "A", 1, 1, (second.stream_id,))
    tie = found[found.dimension_id == "safety"]
    assert sorted(tie.department_id) == ["A", "B"]   # both at the floor of 4
    shared = rollup.shared_constraints(org, Q1)
    top = shared[shared.dimension_id == DIM].iloc[0]
    assert (top.department_id, top.streams) == ("A", 2)
    where = rollup.department_levers(org, "C", Q1)
    assert set(zip(where.stream_id, where.dimension_id)) == {(second.stream_id, "safety"), (third.stream_id, DIM),
                                                             (third.stream_id, "safety")}
    matrix = rollup.portfolio(org, Q1)
    assert set(matrix.stream_id) == {first.stream_id, second.stream_id, third.stream_id}


def test_the_maturity_frame_spans_quarters_for_the_trend(org):
    s = make(org, "A", "B")
    score(org, Q1, "A", {DIM: 1})
    score(org, Q1, "B", {DIM: 2})
    score(org, Q2, "A", {DIM: 3})
    score(org, Q2, "B", {DIM: 2})
    frame = rollup.maturity_frame(org, [Q2, Q1], [s.stream_id])
    rows = frame[frame.dimension_id == DIM]
    assert rows.quarter.tolist() == [Q1, Q2] and rows.at_floor.tolist() == [("A",), ("B",)]   # the lever moved


# --- flow ----------------------------------------------------------------------------------------------------

def test_flow_efficiency_and_hand_offs_prefilled_from_the_owners(org):
    s = make(org, "A", "A", "B", "C")
    assert flow.derived_handoffs(org, s.stream_id, Q1) == 2
    saved = flow.record_flow(org, ADMIN, s.stream_id, Q1, FlowInput(lead_time_days=20, process_time_days=5,
                                                                     rework_pct=10, items=40))
    assert saved.handoffs == 2 and saved.flow_efficiency == 0.25 and saved.version == 1
    again = flow.record_flow(org, ADMIN, s.stream_id, Q1, FlowInput(lead_time_days=10, process_time_days=12,
                                                                     handoffs=5), expected_version=1)
    assert again.handoffs == 5 and again.version == 2
    assert flow.flow_summary(org, s.stream_id, Q1).process_exceeds_lead
    with pytest.raises(ConflictError):
        flow.record_flow(org, ADMIN, s.stream_id, Q1, FlowInput(lead_time_days=1), expected_version=1)
    with pytest.raises(ConflictError):   # a new record when one exists
        flow.record_flow(org, ADMIN, s.stream_id, Q1, FlowInput(lead_time_days=1))
    assert flow.flow_summary(org, s.stream_id, Q2).record is None   # not recorded: no zeros
    assert flow_efficiency(0, 3) is None and flow_efficiency(None, 3) is None


def test_flow_figures_out_of_range_are_refused(org):
    s = make(org, "A", "B")
    for bad, field in ((FlowInput(rework_pct=101), "rework_pct"), (FlowInput(lead_time_days=-1), "lead_time_days"),
                       (FlowInput(wip=2.5), "wip"), (FlowInput(source="guess"), "source"),
                       (FlowInput(confidence="sure"), "confidence")):
        with pytest.raises(ValidationError, match=field):
            flow.record_flow(org, ADMIN, s.stream_id, Q1, bad)
    assert org.scalar("SELECT count(*) FROM stream_flow") == 0


def test_rolled_complete_and_accurate_only_when_every_boundary_has_a_value(org):
    s = make(org, "A", "B", "B", "C")
    a, b, b2, c = queries.steps_in(org, s.stream_id, Q1)
    assert [x.to_step_id for x in flow.boundaries(org, s.stream_id, Q1)] == [b.step_id, c.step_id]
    flow.set_handoff_quality(org, ADMIN, s.stream_id, Q1, b.step_id, 80)
    summary = flow.flow_summary(org, s.stream_id, Q1)
    assert summary.rated == 1 and summary.rolled_complete_accurate is None   # one boundary lacks a value
    flow.set_handoff_quality(org, ADMIN, s.stream_id, Q1, c.step_id, 50, wait_days=2)
    assert flow.flow_summary(org, s.stream_id, Q1).rolled_complete_accurate == pytest.approx(40.0)
    with pytest.raises(NotFound, match="no hand-off"):   # same department: not a boundary
        flow.set_handoff_quality(org, ADMIN, s.stream_id, Q1, b2.step_id, 90)
    with pytest.raises(ValidationError, match="0 to 100"):
        flow.set_handoff_quality(org, ADMIN, s.stream_id, Q1, b.step_id, 120, expected_version=1)
    assert rolled_complete_accurate([]) is None and rolled_complete_accurate([90, None]) is None


# --- permissions beyond the matrix ---------------------------------------------------------------------------

def test_the_streams_champion_records_flow_but_does_not_define_it(org):
    s = make(org, "A", "B", owner="olu@example.org", champion="rita@example.org")
    step = queries.steps_in(org, s.stream_id, Q1)[0]
    flow.record_flow(org, REP, s.stream_id, Q1, FlowInput(lead_time_days=3))
    with pytest.raises(PermissionDenied, match="does not name them its owner"):
        commands.move_step(org, REP, s.stream_id, step.step_id, 2, expected_version=1, from_quarter=Q1)
    with pytest.raises(PermissionDenied, match="only champions and admins can create"):
        commands.create_stream(org, REP, StreamInput("Mine"))
    with pytest.raises(PermissionDenied):
        flow.record_flow(org, SPONSOR, s.stream_id, Q2, FlowInput(lead_time_days=3))


def test_the_receiving_department_rates_its_hand_off_and_only_its_own(org):
    s = make(org, "A", "B", "C", owner="olu@example.org")
    _, b, c = queries.steps_in(org, s.stream_id, Q1)
    flow.set_handoff_quality(org, REP, s.stream_id, Q1, b.step_id, 70)   # B receives from A: Rita is B's rep
    with pytest.raises(PermissionDenied):
        flow.set_handoff_quality(org, REP, s.stream_id, Q1, c.step_id, 70)   # C receives: not hers
    with pytest.raises(PermissionDenied):
        flow.record_flow(org, REP, s.stream_id, Q1, FlowInput(lead_time_days=3))   # the stream does not name her


def test_the_fullest_quarter_is_the_latest_with_the_most_complete_pictures(org):
    stream_id = make(org, "A", "B", quarter=Q1).stream_id
    assert rollup.fullest_quarter(org, [Q1, Q2]) is None            # nothing scored: no quarter to prefer
    score(org, Q1, "A", {DIM: 2})
    score(org, Q1, "B", {DIM: 3})
    score(org, Q2, "A", {DIM: 3})                                  # B is still scoring Q2
    assert rollup.fullest_quarter(org, [Q1, Q2]) == Q1
    assert rollup.fullest_quarter(org, [Q1, Q2], [stream_id]) == Q1
    score(org, Q2, "B", {DIM: 3})
    assert rollup.fullest_quarter(org, [Q1, Q2]) == Q2              # as full as Q1: the latest wins
    assert rollup.fullest_quarter(org, []) is None


def test_the_batch_reads_give_each_stream_what_the_single_reads_give(org):
    first = make(org, "A", "B", "C").stream_id
    second = make(org, "B", "C", rule="mean").stream_id
    score(org, Q1, "A", {DIM: 2})
    score(org, Q1, "B", {DIM: 2})
    score(org, Q1, "C", {DIM: 4})
    every = rollup.all_levers(org, Q1)
    for stream_id in (first, second):
        alone = rollup.levers(org, stream_id, Q1).reset_index(drop=True)
        batch = every[every["stream_id"] == stream_id].drop(columns="stream_id").reset_index(drop=True)
        assert batch.to_dict("records") == alone.drop(columns="stream_id", errors="ignore").to_dict("records")
    maturity = rollup.all_maturity(org, Q1)
    assert set(maturity) == {first, second}
    for stream_id in (first, second):
        assert maturity[stream_id] == rollup.stream_maturity(org, stream_id, Q1)
