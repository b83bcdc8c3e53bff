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
    badges = next(d.value for d in at.dataframe if list(d.value.columns) == ["dimension", "badge"])
    assert list(badges["badge"]) == ["n=5 · aligned", "below threshold"] and len(badges) == 2
    page_text = " ".join(str(e.value) for e in [*at.markdown, *at.caption, *at.info, *at.metric])
    assert SECRET not in page_text and "n=3" not in page_text
