"""Trends on a large organisation stays readable and fresh: the heatmap draws the departments
furthest below target (and the one chosen) until "Show all" is on, and a page served from the
shared cache shows a write on the very next run."""

from __future__ import annotations

from esm_maturity.assessments import reopen_assessment, save_assessment
from esm_maturity.models import ScoreInput, ScoreValue
from esm_maturity.storage import open_database
from esm_maturity.trends import queries as trends
from esm_maturity.ui.trend_sections import HEATMAP_ROWS
from tests.app.conftest import open_app
from tests.app.test_trends_page import chart_rows, widget
from tests.conftest import ADMIN

PAGE = "pages/trends.py"
EXTRA = 30   # departments added to the demo's ten: more than HEATMAP_ROWS


def _grow(path) -> None:
    """The demo plus EXTRA departments that submitted nothing this quarter."""
    with open_database(path) as db:
        with db.transaction(ADMIN) as tx:
            tx.insert_rows("departments", ["department_id", "name", "sponsor", "champion"],
                           [(f"X{i:02d}", f"Extra {i:02d}", "", "") for i in range(EXTRA)])


def _shortfalls(db, quarter, f) -> list[str]:
    """Departments by the sum of their shortfalls to target, furthest first, the ones not submitted last."""
    cells = trends.heatmap(db, quarter, f)
    submitted = cells.groupby("department_id")["cell"].agg(lambda c: (c != "not submitted").any())
    gap = (cells["target"] - cells["score"]).clip(lower=0).groupby(cells["department_id"]).sum()
    names = cells.groupby("department_id")["department"].first()
    return sorted(names.index, key=lambda d: (not submitted[d], -float(gap[d] or 0), names[d], d))


def test_the_heatmap_draws_the_departments_furthest_below_target_first(demo_path):
    _grow(demo_path)
    with open_database(demo_path) as db:
        f = trends.default_filters(db)
        expected = _shortfalls(db, f.last, f)[:HEATMAP_ROWS]
    at = open_app(demo_path, PAGE, {"department": "X29"})
    assert not at.exception
    heat = chart_rows(at)["trend_heatmap"]
    drawn = list(dict.fromkeys(heat["department_id"]))
    assert drawn == sorted(expected + ["X29"], key=lambda d: (expected + ["X29"]).index(d))   # the chosen one kept
    assert len(drawn) == HEATMAP_ROWS + 1 and len(heat) == (HEATMAP_ROWS + 1) * 9
    assert any(f"The {HEATMAP_ROWS} departments furthest below target" in c.value for c in at.caption)
    everyone = widget(at, "toggle", "trend_heatmap_all")
    assert everyone.label == f"Show all {10 + EXTRA} departments"
    everyone.set_value(True).run()
    assert chart_rows(at)["trend_heatmap"]["department_id"].nunique() == 10 + EXTRA


def test_a_small_organisation_shows_every_department_without_a_switch(demo_app):
    at = demo_app(PAGE)
    assert chart_rows(at)["trend_heatmap"]["department_id"].nunique() == 10
    assert not [t for t in at.toggle if t.key == "trend_heatmap_all"]


def test_a_saved_score_shows_on_the_next_run_of_a_cached_page(demo_path):
    at = open_app(demo_path, PAGE, {"department": "HR"})
    at.run()                                 # served from the cache now
    with open_database(demo_path) as db:
        f = trends.default_filters(db)
        quarter = f.last
        before = chart_rows(at)["trend_heatmap"]
        hr = before[(before["department_id"] == "HR") & before["score"].notna()]
        dimension = hr["dimension_id"].iloc[0]
        new_level = 1 if hr["score"].iloc[0] != 1 else 2
        version = reopen_assessment(db, ADMIN, quarter, "HR", "a late correction")
        kept = [ScoreInput(r.dimension_id, ScoreValue(int(r.score)), int(r.target) if r.target == r.target else None,
                           "kept") for r in hr.itertuples() if r.dimension_id != dimension]
        save_assessment(db, ADMIN, quarter, "HR", kept + [ScoreInput(dimension, ScoreValue(new_level), 5, "new")],
                        expected_version=version, submit=True)
    at.run()
    after = chart_rows(at)["trend_heatmap"]
    cell = after[(after["department_id"] == "HR") & (after["dimension_id"] == dimension)]
    assert cell["score"].iloc[0] == new_level
