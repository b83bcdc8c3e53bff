"""On Trends, the chosen department's value streams: its steps, the streams and dimensions where it is the
lever (ties named), and the hand-off quality its downstream partners gave it; a department in no stream
shows nothing new, and the benchmark view (hidden names) leaves the panel out."""

from __future__ import annotations

from esm_maturity.departments import add_department
from esm_maturity.storage import open_database
from esm_maturity.streams import commands, flow, queries
from esm_maturity.streams.records import StepInput, StreamInput
from esm_maturity.ui.department_streams import COLUMNS, TITLE
from esm_maturity.ui.text import esc
from tests.app.test_portfolio_page import HOSTILE, open_app
from tests.conftest import ADMIN
from tests.unit.test_streams import score

PAGE = "pages/trends.py"
Q = "2026-Q3"
DIM, OTHER = "collaboration", "safety"


def seed(path) -> str:
    """A → B → C (A supporting C's step) in a stream named in Markdown: A at the floor on DIM, A and C tied
    on OTHER; B, receiving from A, rated that hand-off 80%; B's hand-off to C is not rated. D is in none."""
    with open_database(path) as db:
        for key in "ABCD":
            add_department(db, ADMIN, key, f"Dept {key}")
        saved = commands.create_stream(db, ADMIN, StreamInput(HOSTILE), [
            StepInput("Request", "A"), StepInput("Approve", "B"), StepInput("Deliver", "C", ("A",))],
            from_quarter=Q)
        score(db, Q, "A", {DIM: 1, OTHER: 2})
        score(db, Q, "B", {DIM: 3, OTHER: 4})
        score(db, Q, "C", {DIM: 2, OTHER: 2})
        score(db, Q, "D", {DIM: 5, OTHER: 5})
        _, approve, _ = queries.steps_in(db, saved.stream_id, Q)
        flow.set_handoff_quality(db, ADMIN, saved.stream_id, Q, approve.step_id, 80, wait_days=1.5)
        return saved.stream_id


def panel(at):
    return next((t.value for t in at.table if list(t.value.columns) == list(COLUMNS)), None)


def test_the_department_sees_its_steps_where_it_is_the_lever_and_the_quality_it_handed_on(db_path):
    stream_id = seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q, "department": "A"})
    assert not at.exception
    assert f"**{TITLE}, {Q}**" in [m.value for m in at.markdown]
    table = panel(at)
    assert len(table) == 1
    row = table.iloc[0]
    assert row["Stream"] == esc(HOSTILE) != HOSTILE   # escaped Markdown: shown as typed
    assert row["Its steps"] == esc("1 · Request; 3 · Deliver (supporting)")
    assert row["Lever on"] == esc("Cross-functional collaboration (floor 1); "
                                  "Psychological safety and learning from failure (floor 2, tied with Dept C)")
    assert row["Hand-off quality given"] == esc("to Dept B (step 1 → 2): 80% complete and accurate, wait 1.5 days")
    assert "worst" not in " ".join(c.value for c in at.caption).lower()
    overview = [l for l in at.get("page_link") if l.proto.query_string == f"stream={stream_id}"]
    assert len(overview) == 1


def test_an_unrated_hand_off_says_so_and_a_department_not_at_the_floor_is_no_lever(db_path):
    seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q, "department": "B"})
    row = panel(at).iloc[0]
    assert row["Lever on"] == "–"
    assert row["Hand-off quality given"] == esc("to Dept C (step 2 → 3): not rated yet")


def test_a_department_in_no_stream_shows_nothing_new(db_path):
    seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q, "department": "D"})
    assert not at.exception
    assert panel(at) is None
    assert not [m for m in at.markdown if TITLE in m.value]
    assert not [l for l in at.get("page_link") if l.proto.query_string.startswith("stream=")]


def test_the_benchmark_view_leaves_the_panel_out(db_path):
    seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q, "department": "A"})
    at.toggle(key="trend_hide_names").set_value(True).run()
    assert not at.exception
    assert panel(at) is None


def test_meeting_mode_keeps_the_table_without_links(db_path):
    seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q, "department": "A", "meeting": "1"})
    assert not at.exception
    assert panel(at) is not None
    assert not [l for l in at.get("page_link") if l.proto.query_string.startswith("stream=")]
