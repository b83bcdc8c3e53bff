"""Two people on the same record in two sessions: the second save is refused, the first is kept, and
the second person's edits stay in their form (each form sends the version drawn, not a re-read one)."""

from __future__ import annotations

from esm_maturity.db import Database

CHECKINS, SETTINGS = "pages/checkins.py", "pages/settings.py"


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def errors(at) -> str:
    return " ".join(e.value for e in at.error).replace("\\", "")


def refused(at) -> bool:
    return "someone else" in errors(at) and not at.exception


def test_two_people_edit_one_checkin(demo_app, demo_path):
    checkin_id = db_rows(demo_path, "SELECT min(checkin_id) FROM checkins WHERE department_id = 'HR'")[0][0]
    a, b = demo_app(CHECKINS, {"department": "HR"}), demo_app(CHECKINS, {"department": "HR"})
    for person in (a, b):
        person.selectbox(key="list_department").set_value("HR").run()
        person.selectbox(key="ci_open").set_value(checkin_id).run()
    a.text_area(key="edit_notes").input("Notes from A")
    a.button(key="edit_checkin_save").click().run()
    assert not a.error and f"Saved {checkin_id}" in " ".join(s.value for s in a.success)
    b.text_area(key="edit_notes").input("Notes from B")
    b.button(key="edit_checkin_save").click().run()
    assert refused(b)
    assert db_rows(demo_path, "SELECT notes FROM checkins WHERE checkin_id = $1", [checkin_id]) == [("Notes from A",)]
    assert b.text_area(key="edit_notes").value == "Notes from B"
    b.button(key="reload_checkin").click().run()
    assert b.text_area(key="edit_notes").value == "Notes from A"


def test_two_people_decide_on_one_action(demo_app, demo_path):
    checkin_id, action_id = db_rows(
        demo_path, "SELECT c.checkin_id, a.action_id FROM actions a JOIN checkins c ON c.checkin_id = a.checkin_id "
                   "WHERE a.status = 'open' AND c.department_id = 'HR' ORDER BY a.action_id LIMIT 1")[0]
    a, b = demo_app(CHECKINS, {"department": "HR"}), demo_app(CHECKINS, {"department": "HR"})
    for person in (a, b):
        person.selectbox(key="list_department").set_value("HR").run()
        person.selectbox(key="ci_open").set_value(checkin_id).run()
    a.button(key=f"done_{action_id}").click().run()
    assert not a.error
    b.button(key=f"drop_{action_id}").click().run()
    assert refused(b)
    assert db_rows(demo_path, "SELECT status FROM actions WHERE action_id = $1", [action_id]) == [("done",)]


def test_two_people_edit_one_department(demo_app, demo_path):
    a, b = demo_app(SETTINGS), demo_app(SETTINGS)
    for person in (a, b):
        person.selectbox(key="dept_edit_id").set_value("HR").run()
    a.text_input(key="dept_edit_sponsor").input("Sponsor A")
    a.button(key="dept_save").click().run()
    assert not a.error
    b.text_input(key="dept_edit_sponsor").input("Sponsor B")
    b.button(key="dept_save").click().run()
    assert refused(b)
    assert db_rows(demo_path, "SELECT sponsor FROM departments WHERE department_id = 'HR'") == [("Sponsor A",)]
    assert b.text_input(key="dept_edit_sponsor").value == "Sponsor B"


def test_two_admins_edit_one_person(demo_app, demo_path):
    from tests.app.conftest import add_people

    add_people(demo_path, ("dora@example.org", "department", ["HR"]))
    a, b = demo_app(SETTINGS), demo_app(SETTINGS)
    for person in (a, b):
        person.selectbox(key="person_edit_email").set_value("dora@example.org").run()
    a.multiselect(key="person_edit_departments").set_value(["HR", "FIN"])
    a.button(key="person_save").click().run()
    assert not a.error and not a.exception
    b.text_input(key="person_edit_name").input("Name from B")
    b.button(key="person_save").click().run()
    assert refused(b)
    assert db_rows(demo_path, "SELECT department_id FROM person_departments ORDER BY 1") == [("FIN",), ("HR",)]
    assert db_rows(demo_path, "SELECT name FROM people") == [("Dora",)]
    assert b.text_input(key="person_edit_name").value == "Name from B"


def test_two_people_edit_one_dimension_and_its_rubric(demo_app, demo_path):
    a, b = demo_app(SETTINGS), demo_app(SETTINGS)
    for person in (a, b):
        person.selectbox(key="dim_edit_id").set_value("safety").run()
    a.text_area(key="dim_rubric_3").input("Rubric from A")
    a.button(key="dim_save").click().run()
    assert not a.error
    b.text_input(key="dim_name").input("Name from B")
    b.button(key="dim_save").click().run()
    assert refused(b)
    assert db_rows(demo_path, "SELECT description FROM rubric WHERE dimension_id = 'safety' AND level = 3") == [
        ("Rubric from A",)]
    assert db_rows(demo_path, "SELECT name FROM dimensions WHERE dimension_id = 'safety'") != [("Name from B",)]
    assert b.text_input(key="dim_name").value == "Name from B"


def test_two_people_rename_one_level(demo_app, demo_path):
    a, b = demo_app(SETTINGS), demo_app(SETTINGS)
    a.text_input(key="level_name_2").input("Level from A")
    a.button(key="levels_save").click().run()
    assert not a.error
    b.text_input(key="level_name_2").input("Level from B")
    b.button(key="levels_save").click().run()
    assert refused(b)
    assert db_rows(demo_path, "SELECT name FROM levels WHERE level = 2") == [("Level from A",)]
    assert b.text_input(key="level_name_2").value == "Level from B"
