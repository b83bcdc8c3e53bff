"""The portfolio's reads: open improvements per department × dimension pair, the hand-off quality a
department's downstream partners gave it, and the flat rows of the matrix and the shared constraints."""

from __future__ import annotations

from esm_maturity.backlog.fields import OPEN_STATUSES, STATUSES
from esm_maturity.streams import commands, flow, portfolio_reads, queries
from esm_maturity.streams.records import StepInput, StreamInput
from tests.conftest import ADMIN
from tests.unit.test_streams import DIM, Q1, Q2, make, org, score  # noqa: F401  (org is a fixture)


def item(db, key: str, dept: str, dim: str | None, status: str) -> None:
    with db.transaction() as tx:
        tx.execute("INSERT INTO backlog_items (item_id, title, department_id, dimension_id, status, created_at, "
                   "updated_at) VALUES ($1, $2, $3, $4, $5, now(), now())", [key, f"Item {key}", dept, dim, status])


def test_open_counts_count_only_open_items_of_each_pair(org):
    item(org, "CI-0001", "A", DIM, "idea")
    item(org, "CI-0002", "A", DIM, "in progress")
    item(org, "CI-0003", "A", DIM, "closed")        # final: not open
    item(org, "CI-0004", "A", "safety", "planned")  # another pair
    item(org, "CI-0005", "B", DIM, "withdrawn")
    item(org, "CI-0006", "A", None, "idea")         # no dimension: no pair
    assert set(OPEN_STATUSES) < set(STATUSES)
    counts = portfolio_reads.open_counts(org, [("A", DIM), ("B", DIM), ("A", "safety"), ("C", "safety")])
    assert counts == {("A", DIM): 2, ("B", DIM): 0, ("A", "safety"): 1, ("C", "safety"): 0}
    assert portfolio_reads.open_counts(org, []) == {}


def test_hand_offs_given_carry_the_receivers_rating_and_unrated_ones_show(org):
    s = make(org, "A", "B", "B", "A", "C")   # A hands off to B (step 2) and to C (step 5); B hands off to A
    a1, b2, _, a4, c5 = queries.steps_in(org, s.stream_id, Q1)
    flow.set_handoff_quality(org, ADMIN, s.stream_id, Q1, b2.step_id, 80, wait_days=2, note="forms missing")
    flow.set_handoff_quality(org, ADMIN, s.stream_id, Q1, a4.step_id, 60)   # given by B, not by A
    given = portfolio_reads.handoffs_given_to(org, "A", Q1)
    assert list(given.to_step_id) == [b2.step_id, c5.step_id]
    first, second = given.iloc[0], given.iloc[1]
    assert (first.from_step_id, first.receiving, first.pct_complete_accurate, first.wait_days, first.note,
            bool(first.rated)) == (a1.step_id, "Dept B", 80, 2, "forms missing", True)
    assert (second.receiving_id, bool(second.rated)) == ("C", False)
    by_b = portfolio_reads.handoffs_given_to(org, "B", Q1)
    assert list(by_b.pct_complete_accurate) == [60]
    assert portfolio_reads.handoffs_given_to(org, "A", Q2).pct_complete_accurate.isna().all()   # not rated in Q2
    assert portfolio_reads.handoffs_given_to(org, "D", Q1).empty


def test_a_rating_of_a_boundary_the_steps_no_longer_form_does_not_count(org):
    s = make(org, "A", "B", "C")
    _, b, c = queries.steps_in(org, s.stream_id, Q1)
    flow.set_handoff_quality(org, ADMIN, s.stream_id, Q2, c.step_id, 90)   # B -> C rated in Q2
    commands.move_step(org, ADMIN, s.stream_id, c.step_id, 2, expected_version=1, from_quarter=Q2)   # A, C, B
    given = portfolio_reads.handoffs_given_to(org, "B", Q2)
    assert given.empty   # B's step is last now: it gives no hand-off
    from_a = portfolio_reads.handoffs_given_to(org, "A", Q2)
    assert list(from_a.receiving_id) == ["C"] and not from_a.rated.any()


def test_matrix_rows_are_flat_and_mark_incomplete_cells(org):
    s = make(org, "A", "B", "C")
    score(org, Q1, "A", {DIM: 2, "safety": 3})
    score(org, Q1, "B", {DIM: 2, "safety": 4})
    rows = portfolio_reads.matrix_rows(org, Q1)
    cell = rows[(rows.stream_id == s.stream_id) & (rows.dimension_id == DIM)].iloc[0]
    assert (cell.value_text, cell.status, cell.at_floor, cell.missing, cell.coverage) == (
        "2", "incomplete (2 of 3)", "Dept A, Dept B", "Dept C", "2 of 3 scored")
    assert not cell.complete
    assert all(isinstance(v, str) for v in rows["at_floor"])   # no lists left for a chart
    score(org, Q1, "C", {DIM: 1, "safety": 5})
    cell = portfolio_reads.matrix_rows(org, Q1).query("dimension_id == @DIM").iloc[0]
    assert (cell.value_text, cell.status, cell.at_floor) == ("1", "complete", "Dept C")
    unscored = portfolio_reads.matrix_rows(org, Q2)
    assert set(unscored.status) == {"no scores"} and set(unscored.value_text) == {""}


def test_constraint_rows_rank_a_pair_constraining_two_streams_first_with_its_open_items(org):
    first = make(org, "A", "B")
    second = commands.create_stream(org, ADMIN, StreamInput("*Second* stream"), [StepInput("x", "A"),
                                                                                 StepInput("y", "C")],
                                    from_quarter=Q1)
    for dept, level in zip("ABC", (1, 3, 2)):
        score(org, Q1, dept, {DIM: level})
    item(org, "CI-0001", "A", DIM, "accepted")
    rows = portfolio_reads.constraint_rows(org, Q1)
    top = rows.iloc[0]
    assert (top.department_id, top.dimension_id, top.streams, top.lowest, top.open_items) == ("A", DIM, 2, 1.0, 1)
    assert top.stream_ids == (first.stream_id, second.stream_id)
    assert top.stream_names == "Stream 0 · *Second* stream"


def test_department_part_gathers_steps_levers_and_hand_offs_in_one_read(org):
    s = make(org, "A", "B")
    score(org, Q1, "A", {DIM: 1})
    score(org, Q1, "B", {DIM: 3})
    part = portfolio_reads.department_part(org, "A", Q1)
    assert not part.empty and list(part.steps.step) == ["Step 1"]
    assert list(zip(part.levers.stream_id, part.levers.dimension_id)) == [(s.stream_id, DIM)]
    assert list(part.given.receiving_id) == ["B"] and not part.given.rated.any()
    elsewhere = portfolio_reads.department_part(org, "D", Q1)
    assert elsewhere.empty and elsewhere.levers.empty and elsewhere.given.empty
