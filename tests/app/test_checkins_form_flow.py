"""The check-in form without friction: the facilitator follows the department, the form is empty after
a save and does not offer the actions just agreed as carried over, kinds read as words, and an action
and the improvement it tracks link to each other."""

import datetime as dt

from esm_maturity import clock
from esm_maturity.checkins import screen
from esm_maturity.checkins.records import KIND_LABELS
from esm_maturity.db import Database

PAGE = "pages/checkins.py"


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def champions(path) -> dict[str, str]:
    return dict(db_rows(path, "SELECT department_id, champion FROM departments"))


def successes(at) -> str:
    return " ".join(s.value for s in at.success).replace("\\", "")


def test_the_facilitator_follows_the_department_until_someone_types_one(demo_app, demo_path):
    names = champions(demo_path)
    at = demo_app(PAGE, {"department": "HR"})
    assert at.text_input(key="ci_facilitator").value == names["HR"]
    at.selectbox(key="ci_department").set_value("FIN").run()
    assert at.text_input(key="ci_facilitator").value == names["FIN"]
    at.text_area(key="ci_notes").input("Budget review")
    at.button(key="ci_save").click().run()
    recorded = successes(at).split("Recorded ")[1].split(" ")[0]
    assert db_rows(demo_path, "SELECT department_id, facilitator FROM checkins WHERE checkin_id = $1",
                   [recorded]) == [("FIN", names["FIN"])]
    # A name typed by the person stays when the department changes.
    at.text_input(key="ci_facilitator").input("Guest Facilitator").run()
    at.selectbox(key="ci_department").set_value("IT").run()
    assert at.text_input(key="ci_facilitator").value == "Guest Facilitator"
    # Emptied, it follows again.
    at.text_input(key="ci_facilitator").input("").run()
    at.selectbox(key="ci_department").set_value("HR").run()
    assert at.text_input(key="ci_facilitator").value == names["HR"]


def test_after_a_save_the_form_is_empty_and_the_new_action_is_not_carried_over(demo_app, demo_path):
    at = demo_app(PAGE, {"department": "HR"})
    kept = [k.key for k in at.radio if k.key and k.key.startswith("carry_")]
    assert kept, "the demo gives HR open actions to carry over"
    at.text_input(key="ci_attendees").input("Ann Lee")
    at.text_area(key="ci_notes").input("Agreed a new intake form")
    at.date_input(key="ci_next_on").set_value(clock.today() + dt.timedelta(days=21))
    at.text_input(key="act_text_0").input("Draft the intake form")
    at.text_input(key="act_owner_0").input("Ann Lee")
    at.date_input(key="act_due_0").set_value(clock.today() + dt.timedelta(days=7))
    at.button(key="ci_save").click().run()
    assert not at.exception and "with 1 new action(s)" in successes(at)   # the news is shown
    checkin_id = successes(at).split("Recorded ")[1].split(" ")[0]
    new_action = db_rows(demo_path, "SELECT action_id FROM actions WHERE checkin_id = $1", [checkin_id])[0][0]
    # Every field is set back to empty (so the browser shows it empty too), the day and department stay.
    for key in ("ci_attendees", "ci_notes", "act_text_0", "act_owner_0"):
        assert at.session_state[key] == "", key
    assert at.session_state["ci_next_on"] is None and at.session_state["act_due_0"] is None
    assert at.date_input(key="act_due_0").value is None and at.text_input(key="act_text_0").value == ""
    assert at.selectbox(key="ci_department").value == "HR" and at.date_input(key="ci_held_on").value == clock.today()
    carried = [k.key for k in at.radio if k.key and k.key.startswith("carry_")]
    assert f"carry_{new_action}" not in carried and set(carried) == set(kept)
    # Saving the empty form again records nothing twice: it is refused for want of anything said.
    count = db_rows(demo_path, "SELECT count(*) FROM actions WHERE text = 'Draft the intake form'")
    at.button(key="ci_save").click().run()
    assert db_rows(demo_path, "SELECT count(*) FROM actions WHERE text = 'Draft the intake form'") == count


def test_the_list_shows_kinds_in_words(demo_app):
    at = demo_app(PAGE, {"department": "HR"})
    listing = at.dataframe[0].value
    assert set(listing["kind"]) <= set(KIND_LABELS.values()) and "Department check-in" in set(listing["kind"])


def test_an_action_and_its_improvement_link_to_each_other(demo_app, demo_path):
    checkin_id, action_id, item_id = db_rows(
        demo_path, "SELECT checkin_id, action_id, item_id FROM actions WHERE item_id IS NOT NULL "
                   "ORDER BY action_id LIMIT 1")[0]
    title = db_rows(demo_path, "SELECT title FROM backlog_items WHERE item_id = $1", [item_id])[0][0]
    # From the check-in to the item: a link that opens it on the backlog.
    at = demo_app(PAGE, {"checkin": checkin_id, "tab": screen.LIST_TAB})
    assert not at.exception, at.exception
    assert at.selectbox(key="ci_open").value == checkin_id   # the link opens the check-in
    to_item = [link for link in at.page_link if link.proto.query_string == f"item={item_id}"]
    assert to_item and title in to_item[0].value.replace("\\", "") and to_item[0].proto.page.endswith("backlog")
    # From the item to the action: its details name the action and link back to its check-in.
    at = demo_app("pages/backlog.py", {"item": item_id, "status": "all"})
    assert not at.exception, at.exception
    dialog = at.get("dialog")[0]
    back = [link for link in dialog.page_link if f"checkin={checkin_id}" in link.proto.query_string]
    assert back and action_id in back[0].value and "tab=Check-ins+and+actions" in back[0].proto.query_string
    assert back[0].proto.page.endswith("checkins")


def test_a_link_opens_its_checkin_and_a_filter_still_chooses_from_the_list(demo_app, demo_path):
    oldest = db_rows(demo_path, "SELECT min(checkin_id) FROM checkins WHERE department_id = 'HR'")[0][0]
    at = demo_app(PAGE, {"checkin": oldest})
    assert at.selectbox(key="ci_open").value == oldest and at.query_params["checkin"] == oldest
    at.selectbox(key="list_department").set_value("FIN").run()   # the list no longer holds it: its newest opens
    newest_fin = db_rows(demo_path, "SELECT checkin_id FROM checkins WHERE department_id = 'FIN' "
                                    "ORDER BY held_on DESC, checkin_id DESC LIMIT 1")[0][0]
    assert at.selectbox(key="ci_open").value == newest_fin and at.query_params["checkin"] == newest_fin
    assert not at.exception
