"""Sponsors see an agreed score's spread as a badge ("n=5 · aligned", "below threshold") on Trends, in
the heatmap's tooltips and beside the department's gaps, and never the answers themselves."""

from __future__ import annotations

from esm_maturity.storage import open_database
from tests.app.conftest import add_people, open_app
from tests.app.test_trends_page import chart_rows
from tests.rounds_setup import QUARTER as Q, SECRET, agreed_round

PAGE = "pages/trends.py"


def test_the_sponsor_sees_the_badges_and_nothing_of_the_answers(demo_path):
    with open_database(demo_path) as db:
        agreed_round(db)
    add_people(demo_path, ("vera@example.org", "sponsor"))
    at = open_app(demo_path, PAGE, {"department": "HR", "quarter": str(Q)}, user="vera@example.org")
    assert not at.exception
    heat = chart_rows(at)["trend_heatmap"]
    hr = dict(zip(heat[heat["department_id"] == "HR"]["dimension_id"], heat[heat["department_id"] == "HR"]["agreed"]))
    first, second = list(hr)[:2]
    assert hr[first] == "n=5 · aligned" and hr[second] == "below threshold"
    assert set(list(hr.values())[2:]) == {""}                         # scored directly: no badge
    badges = next(t.value for t in at.table if "Answers and their agreement" in t.value.columns)
    assert list(badges["Answers and their agreement"]) == ["n=5 · aligned", "below threshold"]
    page_text = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.metric])
    assert SECRET not in page_text and "n=3" not in page_text


def test_a_dimension_named_in_markdown_is_shown_as_its_text_in_the_badge_table(demo_path):
    from esm_maturity import maturity
    from esm_maturity.ui.text import esc
    from tests.conftest import ADMIN

    hostile = "[click](http://evil.example/) **bold** <b>x</b>"
    with open_database(demo_path) as db:
        first, _ = agreed_round(db)
        seen = maturity.get_dimension(db, first)
        maturity.update_dimension(db, ADMIN, first, name=hostile, description=seen.description, rubric=seen.rubric,
                                  expected_version=seen.version)
    add_people(demo_path, ("vera@example.org", "sponsor"))
    at = open_app(demo_path, PAGE, {"department": "HR", "quarter": str(Q)}, user="vera@example.org")
    badges = next(t.value for t in at.table if "Answers and their agreement" in t.value.columns)
    assert badges.iloc[0, 0] == esc(hostile) and badges.iloc[0, 0] != hostile
