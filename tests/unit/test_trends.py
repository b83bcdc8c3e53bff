"""Trend queries on hand-made data with known answers: N/A, missing quarters, drafts, retired
dimensions, targets, filters, gaps, distribution, movers and hidden names."""

from __future__ import annotations

import datetime as dt
import pandas as pd
import pytest

from esm_maturity.trends import queries as trends
from esm_maturity.models import SYSTEM, Quarter

Q1, Q2, Q3, Q4 = Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3), Quarter(2025, 4)
ALL = trends.Filters(Q1, Q4)


def seed(db, departments, assessments, scores):
    """departments: [(id, name)]; assessments: [(quarter, dept, status)];
    scores: [(quarter, dept, dimension, score or 'N/A' or None, target)]."""
    def work(tx):
        tx.insert_rows("departments", ["department_id", "name"], departments)
        tx.insert_rows("assessments", ["quarter", "department_id", "status", "version", "updated_at"],
                       [(str(q), d, s, 1, dt.datetime(2025, 1, 1)) for q, d, s in assessments])
        tx.insert_rows("scores", ["quarter", "department_id", "dimension_id", "score", "na", "target", "evidence"],
                       [(str(q), d, m, None if s in (None, "N/A") else s, s == "N/A", t, f"ev {d} {m} {q}")
                        for q, d, m, s, t in scores])
    db.write(SYSTEM, work)


@pytest.fixture
def org(db):
    """HR: Q1, Q3 submitted (Q2 missing), Q4 only a draft; Q1 scores the retired 'tools' dimension.
    IT: Q1-Q3 submitted."""
    seed(db, [("HR", "Human Resources"), ("IT", "IT Services")],
         [(Q1, "HR", "submitted"), (Q3, "HR", "submitted"), (Q4, "HR", "draft"),
          (Q1, "IT", "submitted"), (Q2, "IT", "submitted"), (Q3, "IT", "submitted")],
         [(Q1, "HR", "sponsorship", 2, 3), (Q1, "HR", "purpose", 4, 5), (Q1, "HR", "roles", "N/A", None),
          (Q1, "HR", "tools", 5, 5),
          (Q3, "HR", "sponsorship", 3, 4), (Q3, "HR", "purpose", 4, 4), (Q3, "HR", "roles", None, 3),
          (Q4, "HR", "sponsorship", 5, 5), (Q4, "HR", "purpose", 5, 5),
          (Q1, "IT", "sponsorship", 1, 2), (Q1, "IT", "purpose", 1, 2),
          (Q2, "IT", "sponsorship", 2, 3), (Q2, "IT", "purpose", 2, 3),
          (Q3, "IT", "sponsorship", 1, 3), (Q3, "IT", "purpose", 3, 3)])
    return db


def by_quarter(frame, column):
    return {q: (None if pd.isna(v) else float(v))
            for q, v in zip(frame["quarter"], frame[column])}


def test_overall_excludes_na_and_not_assessed_and_counts_retired_dimension_only_when_scored(org):
    trend = trends.department_trend(org, "HR", ALL)
    overall = by_quarter(trend, "overall")
    # Q1: sponsorship 2, purpose 4, tools 5 (retired but scored), roles N/A -> (2+4+5)/3
    assert overall["2025-Q1"] == pytest.approx(11 / 3)
    # Q3: sponsorship 3, purpose 4, roles not assessed -> 3.5 (tools not scored: not a zero)
    assert overall["2025-Q3"] == pytest.approx(3.5)
    assert dict(zip(trend["quarter"], trend["scored"])) == {"2025-Q1": 3, "2025-Q2": 0, "2025-Q3": 2, "2025-Q4": 0}


def test_missing_quarter_and_draft_are_gaps_not_zeros(org):
    trend = trends.department_trend(org, "HR", ALL)
    assert list(trend["quarter"]) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    overall = by_quarter(trend, "overall")
    assert overall["2025-Q2"] is None      # nothing submitted
    assert overall["2025-Q4"] is None      # only a draft: drafts do not count


def test_target_is_the_mean_target_of_the_scored_dimensions(org):
    target = by_quarter(trends.department_trend(org, "HR", ALL), "target")
    assert target["2025-Q1"] == pytest.approx((3 + 5 + 5) / 3)
    assert target["2025-Q3"] == pytest.approx((4 + 4) / 2)   # roles has a target but no score


def test_organisation_line_is_the_mean_of_department_overalls(org):
    organisation = by_quarter(trends.department_trend(org, "IT", ALL), "organisation")
    assert organisation["2025-Q1"] == pytest.approx((11 / 3 + 1.0) / 2)
    assert organisation["2025-Q2"] == pytest.approx(2.0)   # IT only
    assert organisation["2025-Q4"] is None


def test_dimension_filter_and_range_filter_apply(org):
    only_sponsorship = trends.Filters(Q1, Q3, dimensions=("sponsorship",))
    trend = trends.department_trend(org, "HR", only_sponsorship)
    assert list(trend["quarter"]) == ["2025-Q1", "2025-Q2", "2025-Q3"]
    assert by_quarter(trend, "overall") == {"2025-Q1": 2.0, "2025-Q2": None, "2025-Q3": 3.0}


def test_dimension_trends_keep_a_retired_dimension_with_gaps(org):
    frame = trends.dimension_trends(org, "HR", ALL)
    tools = frame[frame["dimension_id"] == "tools"]
    assert list(tools["quarter"]) == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert [None if pd.isna(v) else int(v) for v in tools["score"]] == [5, None, None, None]
    assert set(frame["dimension_id"]) >= {"sponsorship", "purpose", "roles", "tools"}
    # nine active dimensions plus the retired one HR scored, four quarters each
    assert len(frame) == 10 * 4


def test_heatmap_cells(org):
    cells = trends.heatmap(org, Q1, ALL)
    cell = {(r.department_id, r.dimension_id): r.cell for r in cells.itertuples()}
    assert cell[("HR", "sponsorship")] == "2"
    assert cell[("HR", "roles")] == "N/A"
    assert cell[("HR", "safety")] == "not assessed"
    assert cell[("HR", "tools")] == "5"            # retired, but scored in Q1
    row = cells[(cells["department_id"] == "HR") & (cells["dimension_id"] == "purpose")].iloc[0]
    assert (int(row["target"]), row["evidence"], row["level_name"]) == (5, "ev HR purpose 2025-Q1", "Integrated")
    q2 = trends.heatmap(org, Q2, ALL)
    assert "tools" not in set(q2["dimension_id"])   # retired and not scored in Q2
    assert set(q2[q2["department_id"] == "HR"]["cell"]) == {"not submitted"}
    assert len(q2) == 2 * 9


def test_heatmap_department_filter(org):
    cells = trends.heatmap(org, Q1, trends.Filters(Q1, Q4, departments=("IT",), dimensions=("purpose", "roles")))
    assert sorted(zip(cells["department_id"], cells["dimension_id"])) == [("IT", "purpose"), ("IT", "roles")]


def test_gaps_for_a_department_and_the_organisation(org):
    gaps = trends.department_gaps(org, "HR", Q3, ALL)
    assert dict(zip(gaps["dimension_id"], gaps["gap"])) == {"sponsorship": 1, "purpose": 0}
    org_gaps = trends.organisation_gaps(org, Q3, ALL).set_index("dimension_id")
    assert org_gaps.loc["sponsorship", "gap"] == pytest.approx((1 + 2) / 2)
    assert org_gaps.loc["sponsorship", "below_target"] == 2
    assert org_gaps.loc["purpose", "below_target"] == 0
    assert org_gaps.loc["purpose", "departments"] == 2


def test_distribution_counts_levels_and_na_without_names(org):
    spread = trends.distribution(org, Q1, ALL)
    counts = {(r.dimension_id, r.level): r.departments for r in spread.itertuples()}
    assert counts[("sponsorship", "1")] == 1 and counts[("sponsorship", "2")] == 1
    assert counts[("roles", "N/A")] == 1
    assert "department" not in spread.columns and "department_id" not in spread.columns


def test_movers_compare_common_dimensions_since_previous_quarter_and_a_year_ago(db):
    seed(db, [("A", "Alpha"), ("B", "Beta"), ("C", "Gamma")],
         [(q, d, "submitted") for q in (Quarter(2024, 3), Q2, Q3) for d in ("A", "B", "C")],
         [(Q2, "A", "sponsorship", 2, None), (Q2, "A", "purpose", 2, None),
          (Q3, "A", "sponsorship", 4, None), (Q3, "A", "purpose", 3, None), (Q3, "A", "roles", 1, None),
          (Q2, "B", "sponsorship", 4, None), (Q3, "B", "sponsorship", 3, None),
          (Q2, "C", "sponsorship", 3, None), (Q3, "C", "sponsorship", 3, None),
          (Quarter(2024, 3), "B", "sponsorship", 1, None)])
    moved = trends.movers(db, Q3, Q2, ALL)
    change = dict(zip(moved["department_id"], moved["change"]))
    # A: roles is new in Q3 and must not drag the comparison down: (4+3)/2 - (2+2)/2
    assert change == {"A": pytest.approx(1.5), "B": pytest.approx(-1.0)}   # C did not move
    assert list(moved["department_id"]) == ["A", "B"]
    year = trends.movers(db, Q3, Q3.year_ago(), ALL)
    assert dict(zip(year["department_id"], year["change"])) == {"B": pytest.approx(2.0)}
    assert len(trends.movers(db, Q3, Q2, ALL, limit=1)) == 2   # one rise and one fall


def test_hidden_names_are_stable_distinct_and_replace_keys_and_names(org):
    aliases = trends.department_aliases(["HR", "IT", "FIN"])
    assert aliases == trends.department_aliases(["FIN", "IT", "HR"])
    assert len(set(aliases.values())) == 3 and all(v.startswith("Department ") for v in aliases.values())
    shown = trends.hide_names(trends.heatmap(org, Q1, ALL), aliases)
    text = shown.to_csv()
    assert "Human Resources" not in text and ",HR," not in text
    assert not shown["evidence"].str.contains("HR").any()    # evidence can name the department
    assert set(shown["department"]) == {aliases["HR"], aliases["IT"]}


def test_empty_database_has_no_default_filters(db):
    assert trends.default_filters(db) is None
    assert trends.submitted_quarters(db) == []


def test_default_filters_span_the_last_eight_quarters_with_submissions(org):
    f = trends.default_filters(org)
    assert (f.first, f.last) == (Q1, Q3)
    assert trends.submitted_departments(org, Q2) == ["IT"]
