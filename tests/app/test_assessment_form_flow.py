"""The self-assessment without friction: a count of the dimensions scored, Save and Submit above the
dimensions as well as below, a refusal shown at the dimension it names, last quarter's targets carried
forward, a quarter picker, and a gap picker that follows the department."""

from esm_maturity.assessments import gap_improvement_title, largest_gaps_first, save_assessment, scoring_sheet
from esm_maturity.db import Database
from esm_maturity.models import Actor, ScoreInput, ScoreValue
from esm_maturity.ui.assessment_form import gap_key
from tests.conftest import DEMO_ANCHOR

PAGE = "pages/assessment.py"
Q = DEMO_ANCHOR   # the demo's last quarter (the pinned day's): Security has not started it


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def open_form(demo_app, department="SEC", quarter=Q):
    at = demo_app(PAGE, {"department": department, "quarter": str(quarter)})
    assert not at.exception, at.exception
    return at


def plain(text: str) -> str:
    return str(text).replace("\\", "").replace("\u2060", "")


def block(at, key: str):
    """The container drawn with `key` (Streamlit puts the key at the end of the block's id)."""
    def walk(node):
        for child in getattr(node, "children", {}).values():
            if getattr(getattr(child, "proto", None), "id", "").endswith(f"-{key}"):
                return child
            found = walk(child)
            if found is not None:
                return found
        return None

    found = walk(at.main)
    assert found is not None, f"no block {key}"
    return found


def errors_in(node) -> str:
    return " ".join(plain(e.value) for e in node.error)


def dimensions(path) -> list[str]:
    return [r[0] for r in db_rows(path, "SELECT dimension_id FROM dimensions WHERE active ORDER BY position")]


def last_scores(path, department="SEC", quarter=Q) -> dict[str, int]:
    return dict(db_rows(path, "SELECT dimension_id, score FROM scores WHERE quarter = $1 AND department_id = $2",
                        [str(quarter.previous()), department]))


def count_lines(at) -> list[str]:
    return [plain(m.value).replace("*", "").replace(":material/checklist: ", "") for m in at.markdown
            if "dimensions scored" in m.value]


def test_the_count_of_dimensions_scored_follows_the_screen_in_both_bars(demo_app, demo_path):
    at = open_form(demo_app)
    dims = dimensions(demo_path)
    assert count_lines(at) == [f"0 of {len(dims)} dimensions scored"] * 2
    for dim in dims[:4]:
        at.radio(key=f"score_{dim}").set_value("3")
    at.radio(key=f"score_{dims[4]}").set_value("N/A")   # N/A answers the dimension too
    at.run()
    assert count_lines(at) == [f"5 of {len(dims)} dimensions scored"] * 2


def test_the_top_bar_saves_and_submits_the_same_form(demo_app, demo_path):
    at = open_form(demo_app)
    dims, last = dimensions(demo_path), last_scores(demo_path)
    assert {b.key for b in at.button} >= {"save_draft_top", "submit_top", "save_draft", "submit"}
    for dim in dims:
        at.radio(key=f"score_{dim}").set_value(str(last[dim]))
    at.button(key="save_draft_top").click().run()
    assert not at.exception and "Draft saved" in plain(at.success[0].value)
    assert db_rows(demo_path, "SELECT count(*) FROM scores WHERE quarter = $1 AND department_id = 'SEC' "
                              "AND score IS NOT NULL", [str(Q)]) == [(len(dims),)]
    at.button(key="submit_top").click().run()
    assert "Submitted and locked" in plain(at.success[0].value)
    assert db_rows(demo_path, "SELECT status FROM assessments WHERE quarter = $1 AND department_id = 'SEC'",
                   [str(Q)]) == [("submitted",)]


def test_a_refusal_is_shown_inside_the_dimension_it_names(demo_app, demo_path):
    at = open_form(demo_app)
    dims, last = dimensions(demo_path), last_scores(demo_path)
    changed, kept = dims[0], dims[1]
    at.radio(key=f"score_{changed}").set_value("1" if last[changed] != 1 else "2")   # a change with no evidence
    at.radio(key=f"score_{kept}").set_value(str(last[kept]))
    at.button(key="submit_top").click().run()
    assert not at.exception
    assert "add evidence that explains why" in errors_in(block(at, f"dimension_{changed}"))
    assert errors_in(block(at, f"dimension_{kept}")) == ""            # scored as before: nothing to fix
    for dim in dims[2:]:                                              # not scored: named where it is
        assert "Not scored yet" in errors_in(block(at, f"dimension_{dim}"))
    summary = errors_in(block(at, "assess_bar_top")) or plain(at.error[0].value)
    assert "need attention" in summary and "before submitting" in summary
    assert db_rows(demo_path, "SELECT count(*) FROM assessments WHERE quarter = $1 AND department_id = 'SEC'",
                   [str(Q)]) == [(0,)]
    # The messages stay at their dimensions while the person fixes them, and go with the next save.
    at.text_area(key=f"evidence_{changed}").input("A new sponsor started and meets the team monthly.")
    at.run()
    assert "add evidence" in errors_in(block(at, f"dimension_{changed}"))
    at.button(key="save_draft").click().run()
    assert "Draft saved" in plain(at.success[0].value) and not at.error


def test_last_quarters_target_is_the_default_until_this_quarter_has_its_own(demo_app, demo_path):
    nxt = Q.next()
    targets = dict(db_rows(demo_path, "SELECT dimension_id, target FROM scores WHERE quarter = $1 AND "
                                      "department_id = 'HR' AND target IS NOT NULL", [str(Q)]))
    assert len(targets) >= 2, "the demo gives HR targets in its last quarter"
    own, carried = sorted(targets)[:2]
    with Database(demo_path) as db:   # HR has already saved one dimension next quarter, on purpose with no target
        save_assessment(db, Actor("bob"), nxt, "HR", [ScoreInput(own, ScoreValue(None), None, "still deciding")],
                        expected_version=0)
    at = open_form(demo_app, "HR", nxt)
    assert at.selectbox(key=f"target_{carried}").value == str(targets[carried])
    assert at.selectbox(key=f"target_{own}").value == ""   # a stored 'no target' is kept
    assert any(f"Carried forward from {Q}" in c.value for c in at.caption)
    # Not written until the person saves: then it is this quarter's target.
    assert db_rows(demo_path, "SELECT count(*) FROM scores WHERE quarter = $1 AND department_id = 'HR' "
                              "AND dimension_id = $2", [str(nxt), carried]) == [(0,)]
    at.button(key="save_draft").click().run()
    assert "Draft saved" in plain(at.success[0].value)
    assert db_rows(demo_path, "SELECT target FROM scores WHERE quarter = $1 AND department_id = 'HR' AND "
                              "dimension_id = $2", [str(nxt), carried]) == [(targets[carried],)]
    assert db_rows(demo_path, "SELECT target FROM scores WHERE quarter = $1 AND department_id = 'HR' AND "
                              "dimension_id = $2", [str(nxt), own]) == [(None,)]


def test_the_quarter_is_picked_from_a_list_and_follows_the_link(demo_app):
    at = demo_app(PAGE, {"department": "SEC"})
    picker = at.selectbox(key="assess_quarter")
    assert picker.value == str(Q)   # the current quarter by default
    assert picker.options[:2] == [f"{Q.next()} · next quarter", f"{Q} · this quarter"]
    assert {str(Q.shift(-i)) for i in range(8)} <= {o.split(" ")[0] for o in picker.options}
    picker.set_value(str(Q.previous())).run()
    assert at.query_params["quarter"] == str(Q.previous()) and not at.exception
    linked = open_form(demo_app, "SEC", Q.shift(-2))
    assert linked.selectbox(key="assess_quarter").value == str(Q.shift(-2))


def test_the_gap_picker_follows_the_department_and_carries_the_dimension_shown(demo_app, demo_path):
    quarter = Q.previous()   # submitted by HR and Finance, with gaps to targets
    with Database(demo_path) as db:
        order = {d: largest_gaps_first(scoring_sheet(db, quarter, d)) for d in ("HR", "FIN")}
    fin_first = order["FIN"][0]
    hr_other = next(r for r in order["HR"][1:] if r.dimension.dimension_id != fin_first.dimension.dimension_id)

    at = open_form(demo_app, "HR", quarter)
    at.selectbox(key=gap_key("HR", quarter)).set_value(hr_other.dimension.dimension_id).run()
    at.button(key="gap_to_backlog").click().run()   # the dimension shown is the one the backlog form gets
    assert not at.exception
    assert at.query_params["dimension"] == hr_other.dimension.dimension_id
    assert at.selectbox(key="new_dimension").value == hr_other.dimension.dimension_id
    assert at.text_input(key="new_title").value == gap_improvement_title(hr_other)

    at = open_form(demo_app, "HR", quarter)
    at.selectbox(key=gap_key("HR", quarter)).set_value(hr_other.dimension.dimension_id).run()
    at.selectbox(key="assess_department").set_value("FIN").run()
    assert not at.exception
    assert not [s for s in at.selectbox if s.key == gap_key("HR", quarter)]   # HR's choice is not carried over
    assert at.selectbox(key=gap_key("FIN", quarter)).value == fin_first.dimension.dimension_id
    at.button(key="gap_to_backlog").click().run()
    assert at.query_params["department"] == "FIN"
    assert at.query_params["dimension"] == fin_first.dimension.dimension_id
    assert at.selectbox(key="new_dimension").value == fin_first.dimension.dimension_id
    assert at.selectbox(key="new_department").value == "FIN"
    assert at.text_input(key="new_title").value == gap_improvement_title(fin_first)


def test_a_save_asked_for_after_someone_else_submitted_is_refused_not_kept(demo_app, demo_path):
    at = open_form(demo_app)
    dims, last = dimensions(demo_path), last_scores(demo_path)
    with Database(demo_path) as db:   # a colleague scores and submits Security meanwhile
        save_assessment(db, Actor("bob"), Q, "SEC", [ScoreInput(d, ScoreValue(last[d]), None, "") for d in dims],
                        expected_version=0, submit=True)
    at.radio(key=f"score_{dims[0]}").set_value(str(last[dims[0]]))
    at.button(key="save_draft_top").click().run()
    assert "submitted and locked while you were editing" in " ".join(plain(e.value) for e in at.error)
    assert "assess_asked" not in at.session_state   # nothing left to fire once it is reopened
