"""Settings (departments, model) and the overview, driven as a person would."""

from esm_maturity.db import Database
from tests.app.conftest import add_people


def rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def screen(elements):
    return " ".join(str(e.value) for e in elements).replace("\\", "")


def test_empty_overview_offers_the_demo_and_loads_it(empty_app, db_path):
    at = empty_app()
    assert any("Getting started" in s.value for s in at.subheader)
    assert [p.label for p in at.get("page_link")]
    at.button(key="load_demo").click().run()
    assert not at.exception
    assert "Demo organisation loaded" in screen(at.success)
    assert rows(db_path, "SELECT count(*) FROM departments") == [(10,)]
    assert [m.label for m in at.metric][:2] == ["Departments", "Submitted"]
    assert at.get("vega_lite_chart") or at.get("arrow_vega_lite_chart")


def test_overview_shows_completion_averages_and_movers(demo_app):
    at = demo_app(query={"quarter": "2026-Q4"})
    assert at.selectbox(key="overview_quarter").value == "2026-Q4"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Departments"] == "10" and metrics["Submitted"] == "6 of 10" and metrics["Not started"] == "2"
    completion = at.dataframe[0].value
    assert set(completion["status"]) == {"submitted", "draft", "not started"}
    assert any("Largest movers" in s.value for s in at.subheader)


def test_add_department_and_errors_change_nothing(empty_app, db_path):
    at = empty_app("pages/settings.py")
    at.text_input(key="dept_new_id").input("Human Resources")
    at.text_input(key="dept_new_name").input("Human Resources")
    at.button(key="dept_add").click().run()
    assert "not a valid key" in screen(at.error)
    assert rows(db_path, "SELECT count(*) FROM departments") == [(0,)]
    at.text_input(key="dept_new_id").input("HR")
    at.button(key="dept_add").click().run()
    assert "Added Human Resources" in screen(at.success)
    at.text_input(key="dept_new_id").input("hr")
    at.text_input(key="dept_new_name").input("Duplicate")
    at.button(key="dept_add").click().run()
    assert "already taken" in screen(at.error)
    assert rows(db_path, "SELECT department_id, name FROM departments") == [("HR", "Human Resources")]


def test_edit_and_deactivate_department_shows_history(demo_app, demo_path):
    at = demo_app("pages/settings.py")
    at.selectbox(key="dept_edit_id").set_value("FAC").run()
    at.text_input(key="dept_edit_sponsor").input("New Sponsor")
    at.checkbox(key="dept_edit_active").uncheck()
    at.button(key="dept_save").click().run()
    assert not at.exception
    assert rows(demo_path, "SELECT sponsor, active FROM departments WHERE department_id = 'FAC'") == [
        ("New Sponsor", False)]
    assert "deactivate" in set(at.dataframe[1].value["action"])


def test_retire_and_edit_a_dimension(demo_app, demo_path):
    at = demo_app("pages/settings.py")
    at.selectbox(key="dim_edit_id").set_value("safety").run()
    at.text_area(key="dim_rubric_3").input("Blameless reviews are routine.")
    at.button(key="dim_save").click().run()
    assert rows(demo_path, "SELECT description FROM rubric WHERE dimension_id = 'safety' AND level = 3") == [
        ("Blameless reviews are routine.",)]
    at.button(key="dim_toggle").click().run()
    assert rows(demo_path, "SELECT active FROM dimensions WHERE dimension_id = 'safety'") == [(False,)]
    assert "retired" in screen(at.success)


def test_settings_by_role(demo_app, demo_path):
    add_people(demo_path, ("vera@example.org", "sponsor"), ("eddie@example.org", "champion"))
    at = demo_app("pages/settings.py", user="vera@example.org")
    assert not at.exception and at.button(key="dept_add").disabled and at.button(key="dim_save").disabled
    assert [t.label for t in at.tabs] == ["Departments", "Maturity model"]   # no People tab
    assert any("You can read the settings" in i.value for i in at.info)
    champion = demo_app("pages/settings.py", user="eddie@example.org")
    assert not champion.button(key="dept_add").disabled and champion.button(key="dim_save").disabled
    admin = demo_app("pages/settings.py")   # local mode: the local admin
    assert "People" in [t.label for t in admin.tabs] and not admin.button(key="person_add").disabled


def test_newer_database_gets_a_message_not_a_traceback(db_path, empty_app):
    with Database(db_path) as db, db.transaction() as tx:
        tx.execute("INSERT INTO schema_migrations VALUES (9999, 'future', now())")
    at = empty_app()
    assert not at.exception
    assert "newer version" in screen(at.error)
