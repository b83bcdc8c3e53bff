"""Cadence, timeline, search, and the demo organisation's year of check-ins."""

import datetime as dt

import pytest

from esm_maturity.checkins import queries
from esm_maturity.checkins import cadence
from esm_maturity.assessments import save_assessment
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.checkins.commands import record_checkin, set_action_status
from esm_maturity.demo.checkins import QUIET
from esm_maturity.departments import add_department, update_department
from esm_maturity.models import ScoreInput, ScoreValue, ValidationError
from esm_maturity.checkins.timeline import timeline
from tests.conftest import ADMIN, CHAMPION

D = dt.date
TODAY = D(2026, 11, 26)


@pytest.fixture
def org(db):
    for key, name in (("HR", "Human Resources"), ("IT", "IT Services"), ("FIN", "Finance"), ("OLD", "Old Dept")):
        add_department(db, ADMIN, key, name)
    update_department(db, ADMIN, "OLD", name="Old Dept", sponsor="", champion="", active=False, expected_version=1)
    return db


def meet(db, dept, held, actions=(), **kw):
    return record_checkin(db, CHAMPION, CheckinInput(held_on=held, department_id=dept, **kw), list(actions))


def test_quiet_departments_respect_the_window(org):
    meet(org, "HR", TODAY - dt.timedelta(days=10))
    meet(org, "IT", TODAY - dt.timedelta(days=60), next_on=TODAY - dt.timedelta(days=30))
    quiet = cadence.quiet_departments(org, TODAY)
    assert list(quiet["department_id"]) == ["FIN", "IT"]  # never met first; inactive OLD left out
    it = quiet[quiet["department_id"] == "IT"].iloc[0]
    assert (it["days_since"], it["last_checkin"], it["next_planned"]) == (60, TODAY - dt.timedelta(days=60),
                                                                           TODAY - dt.timedelta(days=30))
    assert list(cadence.quiet_departments(org, TODAY, 90)["department_id"]) == ["FIN"]
    assert list(cadence.quiet_departments(org, TODAY, 5)["department_id"]) == ["FIN", "IT", "HR"]
    # a check-in exactly on the boundary day is not quiet
    assert "IT" not in set(cadence.quiet_departments(org, TODAY, 60)["department_id"])


@pytest.mark.parametrize("days", [0, -3, 731, "many", True])
def test_quiet_days_must_be_sensible(org, days):
    with pytest.raises(ValidationError, match="days"):
        cadence.cadence(org, TODAY, days)


def test_overdue_actions(org):
    meet(org, "HR", D(2026, 10, 1), [ActionInput("late", due_on=D(2026, 11, 1)),
                                     ActionInput("due today", due_on=TODAY), ActionInput("no date"),
                                     ActionInput("late but done", due_on=D(2026, 10, 2))])
    record_checkin(org, CHAMPION, CheckinInput(held_on=D(2026, 9, 1), kind="steering"),
                   [ActionInput("steering late", due_on=D(2026, 9, 5))])
    set_action_status(org, CHAMPION, "ACT-0004", "done", expected_version=1)
    overdue = cadence.overdue_actions(org, TODAY)
    assert list(overdue["text"]) == ["steering late", "late"]
    assert list(overdue["days_overdue"]) == [82, 25]
    assert list(overdue["department"]) == [queries.ACROSS, "Human Resources"]
    assert list(cadence.overdue_actions(org, TODAY, "HR")["text"]) == ["late"]


def test_not_submitted_this_quarter(org):
    from esm_maturity.maturity import dimensions
    entries = [ScoreInput(d.dimension_id, ScoreValue(3)) for d in dimensions(org)]
    save_assessment(org, CHAMPION, "2026-Q4", "HR", entries, expected_version=0, submit=True)
    save_assessment(org, CHAMPION, "2026-Q4", "IT", entries[:2], expected_version=0)
    save_assessment(org, CHAMPION, "2026-Q3", "FIN", entries, expected_version=0, submit=True)
    view = cadence.cadence(org, TODAY)
    assert str(view.quarter) == "2026-Q4"
    assert dict(zip(view.not_submitted["department_id"], view.not_submitted["status"])) == {
        "IT": "draft", "FIN": "not started"}


def test_timeline_orders_checkins_scores_and_closed_improvements(org):
    from esm_maturity.backlog import commands as backlog
    from esm_maturity.maturity import dimensions
    meet(org, "HR", D(2026, 10, 1), notes="first meeting")
    meet(org, "HR", D(2026, 11, 2), notes="second meeting")
    meet(org, "IT", D(2026, 10, 5), notes="not HR")
    entries = [ScoreInput(d.dimension_id, ScoreValue(2 + i % 2)) for i, d in enumerate(dimensions(org))]
    save_assessment(org, CHAMPION, "2026-Q4", "HR", entries, expected_version=0, submit=True)
    with org.transaction() as tx:
        tx.execute("UPDATE assessments SET submitted_on = DATE '2026-10-20'")
    item_id = backlog.add_item(org, ADMIN, title="Service hours page", department_id="HR")
    with org.transaction() as tx:
        tx.execute("UPDATE backlog_items SET status = 'closed', closed_on = DATE '2026-10-25', "
                   "outcome = 'answered faster' WHERE item_id = $1", [item_id])
    events = timeline(org, "HR", newest_first=False)
    assert list(zip(events["on_date"], events["event"], events["ref"])) == [
        (D(2026, 10, 1), "check-in", "CHK-0001"), (D(2026, 10, 20), "assessment", "2026-Q4"),
        (D(2026, 10, 25), "improvement", item_id), (D(2026, 11, 2), "check-in", "CHK-0002")]
    scored = [e.score.level for e in entries]
    assert events.iloc[1]["score"] == pytest.approx(sum(scored) / len(scored))
    assert events.iloc[2]["summary"] == "Service hours page — answered faster"
    assert list(timeline(org, "HR")["ref"])[0] == "CHK-0002"  # newest first by default


def test_search_across_notes_is_case_insensitive_and_literal(org):
    meet(org, "HR", D(2026, 10, 1), notes="The Intake FORM is live", decisions="keep 100% of it")
    meet(org, "IT", D(2026, 10, 2), wins="portal_v2 shipped", actions=[ActionInput("Retire the fax intake")])
    meet(org, "IT", D(2026, 10, 3), blockers="nothing")
    assert list(queries.list_checkins(org, search="intake form")["checkin_id"]) == ["CHK-0001"]
    assert list(queries.list_checkins(org, search="INTAKE")["checkin_id"]) == ["CHK-0002", "CHK-0001"]
    assert list(queries.list_checkins(org, search="100%")["checkin_id"]) == ["CHK-0001"]
    # % and _ are literal, not wildcards (as wildcards they would match every check-in)
    assert list(queries.list_checkins(org, search="%")["checkin_id"]) == ["CHK-0001"]
    assert list(queries.list_checkins(org, search="portal_v2")["checkin_id"]) == ["CHK-0002"]
    assert queries.list_checkins(org, search="portalXv2").empty
    assert list(queries.list_checkins(org, department_id="IT", search="intake")["checkin_id"]) == ["CHK-0002"]
    assert len(queries.list_checkins(org)) == 3


def test_demo_has_a_year_of_checkins_and_a_story_for_cadence(demo_db):
    first, last = demo_db.one("SELECT min(held_on), max(held_on) FROM checkins")
    assert (last - first).days >= 330
    assert demo_db.scalar("SELECT count(DISTINCT department_id) FROM checkins") == 10
    assert demo_db.scalar("SELECT count(*) FROM checkins WHERE department_id IS NULL") >= 5
    statuses = dict(demo_db.rows("SELECT status, count(*) FROM actions GROUP BY status"))
    assert set(statuses) == {"open", "done", "dropped"}
    assert demo_db.scalar("SELECT count(*) FROM actions WHERE item_id IS NOT NULL") > 0
    today = demo_db.scalar("SELECT max(held_on) FROM checkins")
    view = cadence.cadence(demo_db, today)
    assert set(view.quiet["department_id"]) == set(QUIET)
    assert len(view.overdue) > 0
    # every linked action points at an item of its own department
    assert demo_db.scalar("SELECT count(*) FROM actions a JOIN checkins c ON c.checkin_id = a.checkin_id "
                          "JOIN backlog_items b ON b.item_id = a.item_id WHERE b.department_id <> c.department_id") == 0


def test_cadence_command(demo_path, capsys):
    from esm_maturity.__main__ import main
    assert main(["cadence", "--db", str(demo_path), "--days", "60"]) == 0
    out = capsys.readouterr().out
    assert "Departments gone quiet: 2" in out and "Security (SEC): last check-in" in out
    assert "Overdue actions:" in out and "Self-assessment not submitted for" in out
    assert main(["cadence", "--db", str(demo_path), "--days", "0"]) == 1
    assert "out of range" in capsys.readouterr().err


def test_demo_checkins_are_deterministic(new_db):
    from esm_maturity.db import Database
    from esm_maturity.demo.organisation import load_demo
    from esm_maturity.models import SYSTEM
    from tests.conftest import DEMO_ANCHOR
    from tests.unit.test_demo_streams import all_but

    clock_columns = ("created_at", "updated_at")   # when each run wrote its rows

    def snapshot(name):
        with Database(new_db(name)) as db:
            load_demo(db, SYSTEM, DEMO_ANCHOR)
            return (db.rows(f"SELECT {all_but(db, 'checkins', *clock_columns)} FROM checkins ORDER BY checkin_id"),
                    db.rows(f"SELECT {all_but(db, 'actions', *clock_columns)} FROM actions ORDER BY action_id"))

    assert snapshot("a") == snapshot("b")
