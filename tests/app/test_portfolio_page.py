"""The Stream portfolio page through AppTest: its empty states, the streams × dimensions matrix of floors
with a table of the same (an incomplete cell marked in both), the shared constraints ranked (a pair that is
the floor of two streams first, with its open improvements and its link to the backlog), ?quarter= honoured
and written back, and a stream named in Markdown shown as typed."""

from __future__ import annotations



from esm_maturity.departments import add_department
from esm_maturity.storage import open_database
from esm_maturity.streams import commands
from esm_maturity.streams.records import StepInput, StreamInput
from esm_maturity.ui.text import esc, esc_label
from tests.app.conftest import APP, sign_in
from tests.conftest import ADMIN
from tests.unit.test_streams import score
from tests.app.test_trends_page import chart_rows

PAGE = "pages/portfolio.py"
Q1, Q2 = "2026-Q2", "2026-Q3"   # the clock stands in 2026-Q4 (tests/conftest.TODAY)
DIM, OTHER = "collaboration", "safety"
HOSTILE = "**Bold** [stream](http://evil.example/x) <b>x</b>"


def open_app(path, page: str = PAGE, query: dict | None = None, user: str | None = None):
    """app.py over `path`, switched to `page` with exactly `query` in the URL (the landing page writes its
    own ?quarter=, which AppTest would carry over to the next page; a browser would not)."""
    import os

    from streamlit.testing.v1 import AppTest

    os.environ["ESM_DB_PATH"] = str(path)
    at = AppTest.from_file(APP, default_timeout=30)
    if user is not None:
        sign_in(at, user)
    at.run()
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def links(at) -> list[tuple[str, str, str]]:
    return [(link.proto.label, link.proto.page, link.proto.query_string) for link in at.get("page_link")]


def seed(path, *, scores: bool = True, item: bool = True) -> dict[str, str]:
    """Departments A-C; "Onboard" owned by A then B, the Markdown-named stream by A then C; in Q2 A is the
    floor of both on DIM (1), C has not submitted (the second stream incomplete); Q1 holds other scores."""
    with open_database(path) as db:
        for key in "ABC":
            add_department(db, ADMIN, key, f"Dept {key}")
        first = commands.create_stream(db, ADMIN, StreamInput("Onboard"), [StepInput("Welcome", "A"),
                                                                          StepInput("Equip", "B")], from_quarter=Q1)
        second = commands.create_stream(db, ADMIN, StreamInput(HOSTILE), [StepInput("Ask", "A"),
                                                                         StepInput("Approve", "C")], from_quarter=Q1)
        if scores:
            score(db, Q2, "A", {DIM: 1, OTHER: 4})
            score(db, Q2, "B", {DIM: 3, OTHER: 2})
            score(db, Q1, "A", {DIM: 5, OTHER: 5})
            score(db, Q1, "B", {DIM: 5, OTHER: 5})
            score(db, Q1, "C", {DIM: 5, OTHER: 5})
        if item:
            with db.transaction() as tx:
                for key, status in (("CI-0001", "in progress"), ("CI-0002", "closed")):
                    tx.execute("INSERT INTO backlog_items (item_id, title, department_id, dimension_id, status, "
                               "created_at, updated_at) VALUES ($1, 'x', 'A', $2, $3, now(), now())",
                               [key, DIM, status])
        return {"first": first.stream_id, "second": second.stream_id}


def test_no_streams_says_so_and_points_to_defining_one(empty_app):
    at = empty_app(PAGE)
    assert not at.exception
    assert at.title[0].value == "Stream portfolio"
    assert "no value streams yet" in at.info[0].value
    assert not at.get("vega_lite_chart") and not at.selectbox
    assert ("Define a value stream", "streams", "") in links(at)


def test_no_scores_that_quarter_says_so(db_path, monkeypatch):
    seed(db_path, scores=False)
    monkeypatch.setenv("ESM_DB_PATH", str(db_path))
    at = open_app(db_path, PAGE)
    assert not at.exception
    assert at.selectbox(key="portfolio_quarter").value == "2026-Q4"   # nothing submitted: the clock's quarter
    assert "No submitted scores for 2026-Q4" in at.info[0].value
    assert not at.get("vega_lite_chart") and not at.table


def test_matrix_and_table_mark_the_incomplete_cell_and_name_the_floor(db_path, monkeypatch):
    ids = seed(db_path)
    at = open_app(db_path, PAGE)
    assert not at.exception
    # Q2, the newest quarter, is still incomplete where Q1 was complete: the page opens on the fuller Q1
    assert at.selectbox(key="portfolio_quarter").value == Q1 and at.query_params["quarter"] == Q1
    at = open_app(db_path, PAGE, {"quarter": Q2})
    assert at.selectbox(key="portfolio_quarter").value == Q2
    matrix = chart_rows(at)["portfolio_matrix"]
    cells = {(r.stream_id, r.dimension_id): r for r in matrix.itertuples()}
    complete, partial = cells[(ids["first"], DIM)], cells[(ids["second"], DIM)]
    assert (complete.mark, complete.picture, complete.at_floor) == ("1", "complete", "Dept A")
    assert (partial.mark, partial.picture, partial.status, partial.missing) == (
        "1 · 1/2", "incomplete", "incomplete (1 of 2)", "Dept C")
    assert cells[(ids["first"], OTHER)].at_floor == "Dept B"
    assert set(matrix.stream) == {"Onboard", HOSTILE}   # chart text: as typed
    table = next(t.value for t in at.table if "Per dimension" in t.value.columns)   # three columns, a stream a row
    assert list(table.columns) == ["Stream", "Lowest floor", "Per dimension"]
    by_stream = table.set_index("Stream")
    assert by_stream.loc["Onboard", "Lowest floor"] == "1"
    assert esc("Cross-functional collaboration: 1 · at the floor: Dept A;") in by_stream.loc["Onboard", "Per dimension"]
    assert esc("Cross-functional collaboration: 1 · at the floor: Dept A · incomplete (1 of 2)") in \
        by_stream.loc[esc(HOSTILE), "Per dimension"]
    assert esc(HOSTILE) != HOSTILE   # the stream's name is escaped Markdown: the browser shows it as typed
    assert "worst" not in " ".join(c.value for c in at.caption).lower()


def test_shared_constraints_rank_the_pair_constraining_two_streams_first_with_its_links(db_path, monkeypatch):
    ids = seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q2})
    ranking = chart_rows(at)["portfolio_constraints"]
    assert ranking.iloc[0]["pair"] == "Dept A · Cross-functional collaboration" and ranking.iloc[0]["streams"] == 2
    assert ranking.iloc[0]["open_items"] == 1   # the closed item does not count
    assert list(ranking["streams"]) == sorted(ranking["streams"], reverse=True)
    first = next(m.value for m in at.markdown if m.value.startswith("**1. "))
    assert first == (f"**1. {esc('Dept A')} · {esc('Cross-functional collaboration')}**: the floor of 2 streams "
                     "(lowest floor 1); 1 open improvement for this pair")
    assert any("a fix here lifts every stream listed" in c.value for c in at.caption)
    found = links(at)
    backlog = (esc_label("Backlog: Dept A · Cross-functional collaboration"), "backlog",
               f"department=A&dimension={DIM}")
    assert backlog in found
    after = found[found.index(backlog) + 1:found.index(backlog) + 3]
    # each stream named is a link to its overview
    assert sorted(after) == sorted([("Onboard", "stream_overview", f"stream={ids['first']}"),
                                    (esc_label(HOSTILE), "stream_overview", f"stream={ids['second']}")])


def test_the_quarter_in_the_link_is_honoured_and_an_unknown_one_falls_back(db_path, monkeypatch):
    ids = seed(db_path)
    at = open_app(db_path, PAGE, {"quarter": Q1})
    assert not at.exception
    assert at.selectbox(key="portfolio_quarter").value == Q1 and at.query_params["quarter"] == Q1
    matrix = chart_rows(at)["portfolio_matrix"]
    assert set(matrix[matrix.dimension_id == DIM].mark) == {"5"} and set(matrix.picture) == {"complete"}
    assert f"Stream maturity by dimension, {Q1}" in [s.value for s in at.subheader]
    at.selectbox(key="portfolio_quarter").set_value(Q2).run()
    assert at.query_params["quarter"] == Q2
    assert set(chart_rows(at)["portfolio_matrix"].query("dimension_id == @DIM").mark) == {"1", "1 · 1/2"}
    wrong = open_app(db_path, PAGE, {"quarter": "1999-Q1"})   # not offered: the default, the fuller Q1
    assert wrong.selectbox(key="portfolio_quarter").value == Q1 and wrong.query_params["quarter"] == Q1
    assert ids


def test_a_sponsor_sees_the_portfolio(db_path):
    from tests.app.conftest import add_people

    seed(db_path)
    add_people(db_path, ("vera@example.org", "sponsor"))
    at = open_app(db_path, PAGE, user="vera@example.org")
    assert not at.exception
    assert "portfolio_matrix" in chart_rows(at) and "portfolio_constraints" in chart_rows(at)
