"""The scoring journey through the page: score, evidence rule, submit, lock, reopen."""

from esm_maturity.db import Database
from esm_maturity.models import Quarter
from tests.app.conftest import add_people

Q = "2026-Q4"


def texts(at):
    """(errors, successes) as a person reads them: Markdown escapes removed."""
    return (" ".join(str(e.value) for e in at.error).replace("\\", ""),
            " ".join(str(e.value) for e in at.success).replace("\\", ""))


def open_scoring(demo_app, department="SEC"):
    """Security has not started the demo's last quarter."""
    at = demo_app("pages/assessment.py", {"department": department, "quarter": Q})
    assert not at.exception
    assert at.selectbox(key="assess_department").value == department
    return at


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def test_shows_rubric_and_last_quarter(demo_app):
    at = open_scoring(demo_app)
    radio = at.radio(key="score_sponsorship")
    assert len(radio.options) == 7
    assert any("Ad hoc" in o for o in radio.options) and "N/A" in radio.options
    assert any("Last quarter:" in m.value for m in at.markdown)
    assert at.radio(key="score_sponsorship").value == "not assessed"


def test_changed_score_without_evidence_is_refused_and_nothing_saved(demo_app, demo_path):
    at = open_scoring(demo_app)
    last = db_rows(demo_path, "SELECT score FROM scores WHERE quarter = $1 AND department_id = 'SEC' "
                              "AND dimension_id = 'sponsorship'", [str(Quarter.parse(Q).previous())])[0][0]
    new = 1 if last != 1 else 2
    at.radio(key="score_sponsorship").set_value(str(new))
    at.button(key="save_draft").click().run()
    assert "add evidence" in texts(at)[0]
    assert db_rows(demo_path, "SELECT count(*) FROM scores WHERE quarter = $1 AND department_id = 'SEC'", [Q]) == [(0,)]
    assert at.radio(key="score_sponsorship").value == str(new)  # the person's entry stays on screen


def test_score_save_submit_lock_and_reopen(demo_app, demo_path):
    at = open_scoring(demo_app)
    dims = [r[0] for r in db_rows(demo_path, "SELECT dimension_id FROM dimensions WHERE active ORDER BY position")]
    last = dict(db_rows(demo_path, "SELECT dimension_id, score FROM scores WHERE quarter = $1 "
                                   "AND department_id = 'SEC'", [str(Quarter.parse(Q).previous())]))
    for dim in dims:
        at.radio(key=f"score_{dim}").set_value(str(last[dim]))
        at.selectbox(key=f"target_{dim}").set_value("4")
    at.radio(key="score_safety").set_value("N/A")
    at.text_area(key="evidence_safety").input("Security has no customer-facing staff yet.")
    at.button(key="save_draft").click().run()
    assert not at.exception
    assert "Draft saved" in texts(at)[1]
    stored = dict(db_rows(demo_path, "SELECT dimension_id, coalesce(CAST(score AS TEXT), 'N/A') FROM scores "
                                     "WHERE quarter = $1 AND department_id = 'SEC'", [Q]))
    assert stored["safety"] == "N/A" and stored["sponsorship"] == str(last["sponsorship"])
    assert db_rows(demo_path, "SELECT status FROM assessments WHERE quarter = $1 AND department_id = 'SEC'",
                   [Q]) == [("draft",)]

    at.button(key="submit").click().run()
    assert "Submitted and locked" in texts(at)[1]
    assert db_rows(demo_path, "SELECT status, submitted_by FROM assessments WHERE quarter = $1 "
                              "AND department_id = 'SEC'", [Q]) == [("submitted", "alice")]
    # Locked: no form any more, a read-only table and a reopen control.
    assert not at.radio and at.dataframe
    at.button(key="reopen").click().run()
    assert "why" in texts(at)[0].lower()
    at.text_input(key="reopen_reason").input("Scores entered for the wrong quarter")
    at.button(key="reopen").click().run()
    assert "reopened" in texts(at)[1]
    assert db_rows(demo_path, "SELECT status FROM assessments WHERE quarter = $1 AND department_id = 'SEC'",
                   [Q]) == [("draft",)]
    assert db_rows(demo_path, "SELECT actor FROM audit_log WHERE action = 'reopen'") == [("alice",)]
    assert at.radio(key="score_safety").value == "N/A"  # the form is back, filled from the database


def test_submit_with_missing_dimensions_is_refused(demo_app, demo_path):
    at = open_scoring(demo_app)
    at.radio(key="score_sponsorship").set_value("3")
    at.text_area(key="evidence_sponsorship").input("ok")
    at.button(key="submit").click().run()
    assert "before submitting" in texts(at)[0]
    assert db_rows(demo_path, "SELECT count(*) FROM assessments WHERE quarter = $1 AND department_id = 'SEC'",
                   [Q]) == [(0,)]


def test_bad_quarter_gets_a_clear_message(demo_app):
    at = demo_app("pages/assessment.py", {"department": "SEC"})
    at.query_params["quarter"] = "2026/4"   # a link typed by hand
    at.run()
    assert not at.exception
    assert any("2026/4 is not a quarter" in w.value.replace("\\", "") and "YYYY-Qn" in w.value for w in at.warning)
    assert at.selectbox(key="assess_quarter").value == str(Quarter.current())   # the current quarter instead
    assert at.query_params["quarter"] == str(Quarter.current()) and at.radio


def test_conflict_keeps_the_first_save_and_my_entries(demo_app, demo_path):
    from esm_maturity.assessments import save_assessment
    from esm_maturity.models import Actor, ScoreInput, ScoreValue

    at = open_scoring(demo_app, "CS")  # Customer Service has a draft in the demo
    # A colleague saves the same draft from another browser after this page was shown.
    import streamlit as st

    from esm_maturity.ui.resources import _open_database

    db = _open_database(str(demo_path))
    save_assessment(db, Actor("bob"), Q, "CS", [ScoreInput("purpose", ScoreValue(5), None, "bob's evidence")],
                    expected_version=db.scalar("SELECT version FROM assessments WHERE quarter = $1 AND "
                                               "department_id = 'CS'", [Q]))
    at.text_area(key="evidence_purpose").input("my evidence")
    at.button(key="save_draft").click().run()
    assert "someone else saved" in texts(at)[0]
    assert at.text_area(key="evidence_purpose").value == "my evidence"
    assert db.scalar("SELECT evidence FROM scores WHERE quarter = $1 AND department_id = 'CS' AND "
                     "dimension_id = 'purpose'", [Q]) == "bob's evidence"
    at.button(key="reload_latest").click().run()
    assert at.text_area(key="evidence_purpose").value == "bob's evidence"
    st.cache_resource.clear()


def test_a_sponsor_and_another_departments_rep_read_only(demo_app, demo_path):
    add_people(demo_path, ("vera@example.org", "sponsor"), ("dora@example.org", "department", ["SEC"]))
    at = demo_app("pages/assessment.py", {"department": "SEC", "quarter": Q}, user="vera@example.org")
    assert not at.exception and not at.radio
    assert any("is a sponsor and cannot score a self-assessment" in i.value for i in at.info)
    own = demo_app("pages/assessment.py", {"quarter": Q}, user="dora@example.org")
    assert own.selectbox(key="assess_department").value == "SEC"   # a rep opens on their own department
    assert own.radio and not own.info
    other = demo_app("pages/assessment.py", {"department": "HR", "quarter": Q}, user="dora@example.org")
    assert not other.radio
    assert any("department rep for SEC, so cannot score a self-assessment for HR" in i.value for i in other.info)
