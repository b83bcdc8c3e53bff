"""links.open_improvements: the open improvements of a stream's levers (department × dimension pairs) and
those that name the stream; closed ones left out; no pairs. links.step_scores: each step's cells."""

from __future__ import annotations

from esm_maturity.backlog.commands import add_item
from esm_maturity.streams import links
from tests.conftest import ADMIN
from tests.unit.test_streams import Q1, make, org, score  # noqa: F401  (org is a fixture)

DIM, OTHER = "collaboration", "knowledge"


def item(db, title, dept, dim=None, status=None, stream_id=None):
    key = add_item(db, ADMIN, title=title, department_id=dept, dimension_id=dim)
    if status or stream_id:   # the backlog commands may not take a stream yet: set it as the migration allows
        with db.transaction() as tx:
            tx.execute("UPDATE backlog_items SET status = coalesce($1, status), stream_id = $2 WHERE item_id = $3",
                       [status, stream_id, key])
    return key


def test_open_items_of_the_pairs_and_of_the_stream_closed_ones_left_out(org):
    s = make(org, "A", "B")
    on_pair = item(org, "Pair item", "A", DIM)
    other_pair = item(org, "Second pair", "B", OTHER)
    item(org, "Closed pair item", "A", DIM, status="closed")
    item(org, "Not a pair", "A", OTHER)                      # A × knowledge is not asked for
    item(org, "Other department", "C", DIM)
    naming = item(org, "Names the stream", "C", None, stream_id=s.stream_id)
    item(org, "Closed, names the stream", "C", None, status="withdrawn", stream_id=s.stream_id)
    found = links.open_improvements(org, [("A", DIM), ("B", OTHER)], s.stream_id)
    assert list(found["item_id"]) == [on_pair, other_pair, naming]
    assert list(found["why"]) == ["lever pair", "lever pair", "names this stream"]
    assert set(found.columns) >= {"item_id", "title", "status", "owner", "department_id", "dimension_id", "stream_id",
                                  "step_id", "due_on", "why"}
    assert found.loc[found["item_id"] == naming, "stream_id"].iloc[0] == s.stream_id
    assert found.loc[found["item_id"] == on_pair, "department"].iloc[0] == "Dept A"
    # without the stream: only the pairs
    assert list(links.open_improvements(org, [("A", DIM)])["item_id"]) == [on_pair]


def test_an_item_on_a_pair_that_also_names_the_stream_is_listed_once_as_a_lever(org):
    s = make(org, "A", "B")
    both = item(org, "Both", "A", DIM, stream_id=s.stream_id)
    found = links.open_improvements(org, [("A", DIM)], s.stream_id)
    assert list(found["item_id"]) == [both] and list(found["why"]) == ["lever pair"]


def test_no_pairs_gives_only_the_items_naming_the_stream_or_nothing(org):
    s = make(org, "A", "B")
    item(org, "Pair item", "A", DIM)
    assert links.open_improvements(org, []).empty
    naming = item(org, "Names it", "B", None, stream_id=s.stream_id)
    assert list(links.open_improvements(org, [], s.stream_id)["item_id"]) == [naming]


def test_a_title_with_sql_and_markdown_is_data(org):
    s = make(org, "A", "B")
    title = "x'); DROP TABLE backlog_items; -- **bold**"
    key = item(org, title, "A", DIM)
    found = links.open_improvements(org, [("A'", DIM), ("A", DIM)], s.stream_id)
    assert list(found["title"]) == [title] and list(found["item_id"]) == [key]


def test_step_scores_one_row_per_step_and_dimension_agreed_scores_only(org):
    s = make(org, "A", "B", "A")
    score(org, Q1, "A", {DIM: 2, OTHER: "N/A"})
    score(org, Q1, "B", {DIM: 4}, status="draft")
    cells = links.step_scores(org, s.stream_id, Q1)
    dims = org.scalar("SELECT count(*) FROM dimensions WHERE active")
    assert len(cells) == 3 * dims and list(cells["step_position"].drop_duplicates()) == [1, 2, 3]
    mine = cells[cells["dimension_id"] == DIM].set_index("step_position")
    assert mine.loc[1, "score"] == 2 and mine.loc[3, "score"] == 2 and mine.loc[1, "department"] == "Dept A"
    assert mine.loc[2].isna()["score"]                      # a draft is not agreed: not scored, never 0
    na = cells[(cells["dimension_id"] == OTHER) & (cells["step_position"] == 1)].iloc[0]
    assert bool(na["na"]) and na.isna()["score"]


def test_per_group_keeps_the_first_few_of_each_pair_and_of_the_stream_and_counts_them_all(org):
    s = make(org, "A", "B")
    pair = [item(org, f"Pair {i}", "A", DIM) for i in range(4)]
    other = item(org, "Other pair", "B", OTHER)
    naming = [item(org, f"Names {i}", "C", None, stream_id=s.stream_id) for i in range(3)]
    found = links.open_improvements(org, [("A", DIM), ("B", OTHER)], s.stream_id, per_group=2)
    assert list(found["item_id"]) == [*pair[:2], other, *naming[:2]]
    assert list(found["in_group"]) == [4, 4, 1, 3, 3]   # how many each group holds, beyond those kept
    assert len(links.open_improvements(org, [("A", DIM), ("B", OTHER)], s.stream_id)) == 8   # no limit: all
