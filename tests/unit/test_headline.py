"""The quarter's headline: every figure matches the database, computed here again with SQL of its own on
the demo organisation; the sentences say them, name departments as asked, and read well at the edges."""

from __future__ import annotations

import pytest

from esm_maturity.models import Quarter
from esm_maturity.trends import headline as hl
from esm_maturity.trends import queries as trends
from tests.conftest import DEMO_ANCHOR

SUBMITTED = ("SELECT s.quarter, s.department_id, s.dimension_id, s.score, s.target FROM scores s "
             "JOIN assessments a USING (quarter, department_id) JOIN departments d USING (department_id) "
             "WHERE a.status = 'submitted' AND d.active")


def _filters(db, departments=()):
    f = trends.default_filters(db)
    return trends.Filters(f.first, f.last, tuple(departments))


def _org_level(db, quarter: Quarter, departments=()) -> float | None:
    """Mean over departments of each one's mean level, as the trend chart's dotted line."""
    rows = db.rows(f"SELECT department_id, avg(score) FROM ({SUBMITTED}) AS submitted WHERE quarter = $1 AND score IS NOT NULL "
                   "GROUP BY department_id", [str(quarter)])
    levels = [float(avg) for dept, avg in rows if not departments or dept in departments]
    return sum(levels) / len(levels) if levels else None


@pytest.mark.parametrize("departments", [(), ("HR", "FIN", "MKT")])
def test_submissions_count_the_active_departments_that_submitted(demo_db, departments):
    f = _filters(demo_db, departments)
    got = hl.submissions(demo_db, DEMO_ANCHOR, f)
    active = [d for (d,) in demo_db.rows("SELECT department_id FROM departments WHERE active")
              if not departments or d in departments]
    done = {d for (d,) in demo_db.rows("SELECT department_id FROM assessments WHERE quarter = $1 AND "
                                       "status = 'submitted'", [str(DEMO_ANCHOR)])}
    assert got == hl.Submissions(len([d for d in active if d in done]), len(active))
    if not departments:
        assert got == hl.Submissions(6, 10)   # the demo: two drafts and two not started this quarter


@pytest.mark.parametrize("quarter", [DEMO_ANCHOR, DEMO_ANCHOR.shift(-3), DEMO_ANCHOR.shift(-7)])
def test_the_organisation_level_and_its_change_match_the_database(demo_db, quarter):
    got = hl.organisation_level(demo_db, quarter, _filters(demo_db))
    now, before = _org_level(demo_db, quarter), _org_level(demo_db, quarter.previous())
    assert got.level == round(now, 2)
    if before is None:   # the demo's first quarter has nothing before it
        assert got.previous is None and got.change is None
    else:
        assert got.previous == round(before, 2) and got.change == round(now - before, 2)


def test_the_largest_gap_is_the_dimension_furthest_from_target(demo_db):
    gap = hl.largest_gap(demo_db, DEMO_ANCHOR, _filters(demo_db))
    rows = demo_db.rows(
        f"SELECT g.dimension_id, avg(g.target - g.score), count(CASE WHEN g.target > g.score THEN 1 END), count(*), "
        " max(g.target - g.score), min(m.position) "
        f"FROM ({SUBMITTED}) g JOIN dimensions m USING (dimension_id) "
        "WHERE g.quarter = $1 AND g.score IS NOT NULL AND g.target IS NOT NULL GROUP BY g.dimension_id",
        [str(DEMO_ANCHOR)])
    best = max(round(r[1], 2) for r in rows)
    tied = sorted((r for r in rows if round(r[1], 2) == best), key=lambda r: r[5])
    dim, mean, below, scored, widest, _ = tied[0]
    assert (gap.dimension_id, gap.mean_gap, gap.below, gap.scored, gap.widest, gap.level_with) == \
        (dim, round(mean, 2), below, scored, widest, len(tied) - 1)
    furthest = demo_db.rows(f"SELECT g.department_id, d.name FROM ({SUBMITTED}) g JOIN departments d USING "
                            "(department_id) WHERE g.quarter = $1 AND g.dimension_id = $2 AND "
                            "g.target - g.score = $3 ORDER BY d.name", [str(DEMO_ANCHOR), dim, widest])
    assert (gap.department_id, gap.department, gap.tied) == (furthest[0][0], furthest[0][1], len(furthest))


def test_improvements_closed_in_the_quarter_and_open_today(demo_db):
    got = hl.improvements(demo_db, DEMO_ANCHOR, _filters(demo_db, ("IT", "HR")))
    closed, still_open, total = demo_db.one(
        "SELECT count(CASE WHEN status = 'closed' AND closed_on BETWEEN $1 AND $2 THEN 1 END), "
        " count(CASE WHEN status NOT IN ('closed', 'rejected', 'withdrawn') THEN 1 END), count(*) "
        "FROM backlog_items WHERE department_id IN ('IT', 'HR')", [DEMO_ANCHOR.start, DEMO_ANCHOR.end])
    assert got == hl.Improvements(closed, still_open, total) and total > 0


def test_the_sentences_say_the_figures(demo_db):
    h = hl.headline(demo_db, DEMO_ANCHOR, _filters(demo_db))
    first, level, gap, flow = hl.sentences(h)
    assert first == f"6 of 10 departments submitted their self-assessment for {DEMO_ANCHOR}."
    assert f"{h.level.level:.2f} of 5" in level and str(DEMO_ANCHOR.previous()) in level
    assert gap.startswith(f"The largest gap to target is in {h.gap.dimension}") and f"{h.gap.mean_gap:.2f}" in gap
    assert flow.startswith(f"{h.improvements.closed} improvement") and f"{h.improvements.still_open} still open" in flow


def test_hidden_names_never_reach_the_sentences(demo_db):
    h = hl.headline(demo_db, DEMO_ANCHOR, _filters(demo_db))
    aliases = trends.department_aliases(list(trends.department_names(demo_db)))
    text = " ".join(hl.sentences(h, lambda department_id, name: aliases[department_id]))
    names = [n for (n,) in demo_db.rows("SELECT name FROM departments")]
    assert not [n for n in names if n in text]
    if h.gap.tied == 1:
        assert aliases[h.gap.department_id] in text


def test_a_quarter_without_submissions_and_filters_without_departments(demo_db):
    empty = hl.sentences(hl.headline(demo_db, DEMO_ANCHOR.shift(-20), _filters(demo_db)))
    assert empty[0].startswith("0 of 10 departments") and "No submitted scores" in empty[1]
    assert len(empty) in (2, 3)
    nobody = hl.sentences(hl.headline(demo_db, DEMO_ANCHOR, _filters(demo_db, ("NOPE",))))
    assert nobody[0] == "No active departments match the filters."


def test_every_one_or_both_departments(demo_db):
    both = hl.sentences(hl.headline(demo_db, DEMO_ANCHOR, _filters(demo_db, ("HR", "FIN"))))[0]
    assert both == f"Both departments submitted their self-assessment for {DEMO_ANCHOR}."
    every = hl.sentences(hl.headline(demo_db, DEMO_ANCHOR.previous(), _filters(demo_db)))[0]
    assert every == f"All 10 departments submitted their self-assessment for {DEMO_ANCHOR.previous()}."
