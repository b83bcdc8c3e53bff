"""The check-ins page driven through AppTest: record a check-in with actions and carry-over,
refuse bad input, promote an action to the backlog, cadence and timeline."""

import datetime as dt

from esm_maturity import clock
from esm_maturity.db import Database
from tests.app.conftest import add_people

PAGE = "pages/checkins.py"


def texts(at):
    """(errors, successes) as a person reads them: Markdown escapes removed."""
    return (" ".join(str(e.value) for e in at.error).replace("\\", ""),
            " ".join(str(e.value) for e in at.success).replace("\\", ""))


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def open_page(demo_app, department="HR"):
    at = demo_app(PAGE, {"department": department})
    assert not at.exception, at.exception
    assert at.selectbox(key="ci_department").value == department
    return at


def test_record_a_checkin_with_actions_and_carry_over(demo_app, demo_path):
    at = open_page(demo_app)
    open_before = db_rows(demo_path, "SELECT a.action_id FROM actions a JOIN checkins c ON c.checkin_id = a.checkin_id "
                                     "WHERE c.department_id = 'HR' AND a.status = 'open' "
                                     "ORDER BY c.held_on, a.action_id")
    assert open_before, "the demo gives HR open actions to carry over"
    first = open_before[0][0]
    assert at.radio(key=f"carry_{first}").value == "kept"
    at.radio(key=f"carry_{first}").set_value("done")
    at.text_input(key="ci_attendees").input("Priya Natarajan, Ann Lee")
    at.text_area(key="ci_notes").input("Intake form is live.\n- two teams left")
    at.text_area(key="ci_wins").input("First month with every request answered")
    at.date_input(key="ci_next_on").set_value(clock.today() + dt.timedelta(days=30))
    at.text_input(key="act_text_0").input("Publish the service hours page")
    at.text_input(key="act_owner_0").input("Ann Lee")
    at.date_input(key="act_due_0").set_value(clock.today() + dt.timedelta(days=14))
    at.text_input(key="act_text_2").input("Retire the e-mail intake")
    at.button(key="ci_save").click().run()
    assert not at.exception, at.exception
    errors, successes = texts(at)
    assert not errors and "with 2 new action(s)" in successes
    checkin_id = successes.split("Recorded ")[1].split(" ")[0]
    stored = db_rows(demo_path, "SELECT department_id, notes, wins, attendees, facilitator FROM checkins "
                                "WHERE checkin_id = $1", [checkin_id])
    assert stored == [("HR", "Intake form is live.\n- two teams left", "First month with every request answered",
                       "Priya Natarajan, Ann Lee", "Priya Natarajan")]
    assert db_rows(demo_path, "SELECT text, owner FROM actions WHERE checkin_id = $1 ORDER BY action_id",
                   [checkin_id]) == [("Publish the service hours page", "Ann Lee"), ("Retire the e-mail intake", "")]
    assert db_rows(demo_path, "SELECT status, closed_on FROM actions WHERE action_id = $1", [first]) == \
        [("done", clock.today())]
    # the form is empty again, and the new check-in is open in the second tab
    assert at.text_area(key="ci_notes").value == "" and at.text_input(key="act_text_0").value == ""
    assert at.selectbox(key="ci_open").value == checkin_id
    assert any("Publish the service hours page" in m.value for m in at.markdown)


def test_bad_input_shows_a_message_and_writes_nothing(demo_app, demo_path):
    at = open_page(demo_app)
    count = db_rows(demo_path, "SELECT count(*) FROM checkins")
    at.date_input(key="ci_held_on").set_value(dt.date(2026, 10, 10))
    at.date_input(key="ci_next_on").set_value(dt.date(2026, 10, 1))
    at.text_input(key="act_owner_1").input("Ann Lee")  # an action without text
    at.text_area(key="ci_notes").input("kept on screen")
    at.button(key="ci_save").click().run()
    errors, successes = texts(at)
    assert "2026-10-01 is before this check-in was held (2026-10-10)" in errors
    assert "action 2: say what will be done" in errors
    assert not successes
    assert db_rows(demo_path, "SELECT count(*) FROM checkins") == count
    assert at.text_area(key="ci_notes").value == "kept on screen"


def test_promote_an_action_to_the_backlog(demo_app, demo_path):
    at = open_page(demo_app)
    checkin_id, action_id, text = db_rows(
        demo_path, "SELECT c.checkin_id, a.action_id, a.text FROM actions a JOIN checkins c "
                   "ON c.checkin_id = a.checkin_id WHERE c.department_id = 'HR' AND a.status = 'open' "
                   "AND a.item_id IS NULL ORDER BY c.held_on DESC, a.action_id LIMIT 1")[0]
    at.selectbox(key="list_department").set_value("HR").run()
    at.selectbox(key="ci_open").set_value(checkin_id).run()
    at.button(key=f"promote_{action_id}").click().run()
    assert not at.exception, at.exception
    errors, successes = texts(at)
    assert not errors and f"{action_id} is now the backlog item CI-" in successes
    item_id = db_rows(demo_path, "SELECT item_id FROM actions WHERE action_id = $1", [action_id])[0][0]
    assert db_rows(demo_path, "SELECT title, department_id, source, source_ref FROM backlog_items WHERE item_id = $1",
                   [item_id]) == [(text, "HR", "check-in", action_id)]
    assert any(link.proto.query_string == f"item={item_id}" and f"Tracks {item_id}" in link.value.replace("\\", "")
               for link in at.page_link)   # the action links to its item
    assert f"promote_{action_id}" not in [b.key for b in at.button]


def test_mark_an_action_done_from_the_list(demo_app, demo_path):
    at = open_page(demo_app)
    checkin_id, action_id = db_rows(
        demo_path, "SELECT c.checkin_id, a.action_id FROM actions a JOIN checkins c ON c.checkin_id = a.checkin_id "
                   "WHERE a.status = 'open' ORDER BY a.action_id LIMIT 1")[0]
    at.selectbox(key="ci_open").set_value(checkin_id).run()
    at.button(key=f"done_{action_id}").click().run()
    assert f"{action_id} is done" in texts(at)[1]
    assert db_rows(demo_path, "SELECT status FROM actions WHERE action_id = $1", [action_id]) == [("done",)]


def test_search_and_cadence_and_timeline(demo_app, demo_path):
    at = open_page(demo_app)
    at.text_input(key="ci_search").input("Intake Form").run()
    listed = set(at.dataframe[0].value["checkin_id"])
    expected = {r[0] for r in db_rows(
        demo_path, "SELECT checkin_id FROM checkins c WHERE notes ILIKE '%intake form%' OR decisions ILIKE "
                   "'%intake form%' OR wins ILIKE '%intake form%' OR blockers ILIKE '%intake form%' OR EXISTS "
                   "(SELECT 1 FROM actions a WHERE a.checkin_id = c.checkin_id AND a.text ILIKE '%intake form%')")}
    assert listed and listed == expected
    assert len(listed) < db_rows(demo_path, "SELECT count(*) FROM checkins")[0][0]
    quiet = {m.label: m.value for m in at.metric}
    assert quiet["Quiet for 45+ days"] == "2"  # Security and Project Office went quiet in the demo
    at.number_input(key="quiet_days").set_value(5).run()
    assert int({m.label: m.value for m in at.metric}["Quiet for 5+ days"]) > 2
    at.selectbox(key="timeline_department").set_value("HR").run()
    events = at.dataframe[-1].value
    assert {"Check-in", "Self-assessment submitted"} <= set(events["event"])
    assert list(events["on_date"]) == sorted(events["on_date"], reverse=True)


def test_a_sponsor_reads_and_a_rep_records_for_their_departments_only(demo_app, demo_path):
    add_people(demo_path, ("vera@example.org", "sponsor"), ("dora@example.org", "department", ["HR", "IT"]))
    at = demo_app(PAGE, user="vera@example.org")
    assert not at.exception and not [b for b in at.button if b.key == "ci_save"]
    assert any("is a sponsor and cannot record or change a check-in" in i.value for i in at.info)
    assert all(b.disabled for b in at.button if b.key.startswith(("done_", "drop_", "promote_")))
    rep = demo_app(PAGE, {"department": "FIN"}, user="dora@example.org")
    assert rep.selectbox(key="ci_department").options == ["Human Resources", "IT"] or \
        set(rep.selectbox(key="ci_department").options) <= {"HR", "IT", "Human Resources", "IT Services"}
    assert not rep.button(key="ci_save").disabled


def test_overview_shows_the_cadence(demo_app, demo_path):
    at = demo_app("pages/overview.py")
    assert not at.exception, at.exception
    metrics = {m.label: m.value for m in at.metric}
    overdue = db_rows(demo_path, "SELECT count(*) FROM actions WHERE status = 'open' AND due_on < $1",
                      [clock.today()])[0][0]
    assert metrics["Quiet for 45+ days"] == "2" and metrics["Overdue actions"] == str(overdue)
    quiet = [d for d in at.dataframe if "department" in d.value and "last_checkin" in d.value][0].value
    assert set(quiet["department"]) == {"Security", "Project Office"}


def test_edit_a_recorded_checkin(demo_app, demo_path):
    at = open_page(demo_app)
    checkin_id, held_on = db_rows(demo_path, "SELECT checkin_id, held_on FROM checkins "
                                             "WHERE department_id = 'HR' ORDER BY checkin_id LIMIT 1")[0]
    at.selectbox(key="ci_open").set_value(checkin_id).run()
    at.text_area(key="edit_notes").input("Corrected notes: <b>not bold</b>")
    at.button(key="edit_checkin_save").click().run()
    assert f"Saved {checkin_id}" in texts(at)[1]
    assert db_rows(demo_path, "SELECT notes FROM checkins WHERE checkin_id = $1", [checkin_id]) == [
        ("Corrected notes: <b>not bold</b>",)]
    # A next check-in before the meeting is refused and changes nothing.
    at.date_input(key="edit_next_on").set_value(held_on - dt.timedelta(days=3))
    at.text_area(key="edit_notes").input("Should not be saved")
    at.button(key="edit_checkin_save").click().run()
    assert "before" in texts(at)[0]
    assert db_rows(demo_path, "SELECT notes FROM checkins WHERE checkin_id = $1", [checkin_id]) == [
        ("Corrected notes: <b>not bold</b>",)]
