"""Recording check-ins and actions, carry-over decisions, promotion to the backlog, bad input."""

import datetime as dt

import pytest

from esm_maturity.checkins import queries
from esm_maturity.checkins.keys import allocate_keys
from esm_maturity.checkins.records import ActionInput, CarryOverDecision, CheckinInput, ItemReview
from esm_maturity.checkins.commands import (add_action, promote_action, record_checkin, set_action_status,
                                            update_checkin)
from esm_maturity.departments import add_department
from esm_maturity.models import ConflictError, PermissionDenied, ValidationError
from tests.conftest import ADMIN, CHAMPION, SPONSOR

D = dt.date


@pytest.fixture
def org(db):
    add_department(db, ADMIN, "HR", "Human Resources", "Dana", "Priya")
    add_department(db, ADMIN, "IT", "IT Services", "Marcus", "Sofia")
    return db


def counts(db):
    return (db.scalar("SELECT count(*) FROM checkins"), db.scalar("SELECT count(*) FROM actions"),
            db.scalar("SELECT count(*) FROM audit_log WHERE entity IN ('checkin', 'action')"))


def record(db, held="2026-10-01", dept="HR", actions=(), **kw):
    return record_checkin(db, CHAMPION, CheckinInput(held_on=held, department_id=dept, **kw), list(actions))


def test_record_checkin_with_actions_and_audit(org):
    result = record(org, notes="Talked about intake", attendees=" Ann ,Bob,, ",
                    actions=[ActionInput("Publish the service hours", "Ann", "2026-10-20"), ActionInput(),
                             ActionInput("Map onboarding")])
    assert result.checkin_id == "CHK-0001" and result.action_ids == ["ACT-0001", "ACT-0002"]
    checkin = queries.get_checkin(org, "CHK-0001")
    assert (checkin.held_on, checkin.department_id, checkin.kind, checkin.attendees) == \
        (D(2026, 10, 1), "HR", "department", "Ann, Bob")
    actions = queries.actions_of(org, "CHK-0001")
    assert [(a.text, a.owner, a.due_on, a.status) for a in actions] == [
        ("Publish the service hours", "Ann", D(2026, 10, 20), "open"), ("Map onboarding", "", None, "open")]
    assert org.rows("SELECT action, entity, entity_key, actor FROM audit_log WHERE entity IN ('checkin', 'action') "
                    "ORDER BY audit_id") == [("add", "checkin", "CHK-0001", "eddie"),
                                             ("add", "action", "ACT-0001", "eddie"),
                                             ("add", "action", "ACT-0002", "eddie")]


@pytest.mark.parametrize("data, actions, message", [
    (dict(held_on="2026-10-01", department_id="HR", next_on="2026-09-30"), [], "before this check-in was held"),
    (dict(held_on="2026-10-01", department_id="HR"), [ActionInput("", "Ann", "2026-10-09")], "say what will be done"),
    (dict(held_on="2026-10-01", department_id="NOPE"), [], "there is no department 'NOPE'"),
    (dict(held_on="01/10/2026", department_id="HR"), [], "YYYY-MM-DD"),
    (dict(held_on=None, department_id="HR"), [], "a date is required"),
    (dict(held_on="2026-10-01", department_id=None, kind="department"), [], "needs a department"),
    (dict(held_on="2026-10-01", department_id="HR", kind="party"), [], "not a kind of check-in"),
    (dict(held_on="2026-10-01", department_id="HR"), [ActionInput("x", due_on="2026-09-01")], "before the check-in"),
])
def test_bad_input_is_refused_with_a_message_and_nothing_written(org, data, actions, message):
    before = counts(org)
    with pytest.raises(ValidationError) as err:
        record_checkin(org, CHAMPION, CheckinInput(**data), actions)
    assert message in str(err.value)
    assert counts(org) == before


def test_several_problems_are_reported_together(org):
    with pytest.raises(ValidationError) as err:
        record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", department_id="HR", next_on="2026-01-01"),
                       [ActionInput("ok"), ActionInput(owner="Ann")])
    fields = [p.field for p in err.value.problems]
    assert fields == ["next check-in", "action 2"]


def test_deactivated_department_is_refused(org):
    from esm_maturity.departments import update_department
    update_department(org, ADMIN, "IT", name="IT Services", sponsor="", champion="", active=False, expected_version=1)
    with pytest.raises(ValidationError, match="deactivated"):
        record(org, dept="IT")
    assert counts(org)[0] == 0


def test_a_meeting_across_departments(org):
    result = record_checkin(org, CHAMPION, CheckinInput(held_on=D(2026, 10, 1), kind="steering"),
                            [ActionInput("Agree the catalogue")])
    assert queries.get_checkin(org, result.checkin_id).department_id is None
    assert list(queries.list_checkins(org, department_id="")["checkin_id"]) == [result.checkin_id]
    assert queries.list_checkins(org, department_id="HR").empty


def test_viewer_cannot_record_or_change(org):
    with pytest.raises(PermissionDenied, match="cannot record or change a check-in"):
        record_checkin(org, SPONSOR, CheckinInput(held_on="2026-10-01", department_id="HR"))
    record(org, actions=[ActionInput("a")])
    with pytest.raises(PermissionDenied):
        set_action_status(org, SPONSOR, "ACT-0001", "done", expected_version=1)
    with pytest.raises(PermissionDenied):
        promote_action(org, SPONSOR, "ACT-0001", expected_version=1)
    assert queries.get_action(org, "ACT-0001").status == "open"


def test_carry_over_marks_done_kept_dropped_in_the_same_transaction(org):
    record(org, "2026-09-01", actions=[ActionInput("a"), ActionInput("b"), ActionInput("c")])
    record(org, "2026-09-02", dept="IT", actions=[ActionInput("it")])
    carry = queries.carry_over(org, "HR", D(2026, 10, 1))
    assert list(carry.actions["action_id"]) == ["ACT-0001", "ACT-0002", "ACT-0003"]  # not IT's action
    result = record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", department_id="HR"), [ActionInput("d")],
                            {"ACT-0001": CarryOverDecision("done", 1), "ACT-0002": CarryOverDecision("kept", 1),
                             "ACT-0003": CarryOverDecision("dropped", 1)})
    assert result.carried == {"ACT-0001": "done", "ACT-0002": "kept", "ACT-0003": "dropped"}
    status = dict(org.rows("SELECT action_id, status FROM actions"))
    assert status == {"ACT-0001": "done", "ACT-0002": "open", "ACT-0003": "dropped", "ACT-0004": "open",
                      "ACT-0005": "open"}
    assert org.scalar("SELECT closed_on FROM actions WHERE action_id = 'ACT-0001'") == D(2026, 10, 1)
    assert list(queries.carry_over(org, "HR", D(2026, 11, 1)).actions["action_id"]) == ["ACT-0002", "ACT-0005"]


def test_carry_over_conflict_writes_nothing(org):
    record(org, "2026-09-01", actions=[ActionInput("a")])
    set_action_status(org, ADMIN, "ACT-0001", "done", expected_version=1)  # someone else closed it meanwhile
    before = counts(org)
    with pytest.raises(ConflictError, match="someone else changed ACT-0001"):
        record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", department_id="HR"), [ActionInput("new")],
                       {"ACT-0001": CarryOverDecision("dropped", 1)})
    assert counts(org) == before
    assert queries.get_action(org, "ACT-0001").status == "done"


def test_carry_over_of_another_departments_action_is_refused(org):
    record(org, "2026-09-01", dept="IT", actions=[ActionInput("a")])
    with pytest.raises(ValidationError, match="another department"):
        record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", department_id="HR"), [],
                       {"ACT-0001": CarryOverDecision("done", 1)})
    assert counts(org)[0] == 1


def test_action_status_changes_and_version(org):
    record(org, actions=[ActionInput("a")])
    assert set_action_status(org, CHAMPION, "ACT-0001", "done", expected_version=1, on=D(2026, 10, 5)) == 2
    action = queries.get_action(org, "ACT-0001")
    assert (action.status, action.closed_on, action.version) == ("done", D(2026, 10, 5), 2)
    with pytest.raises(ConflictError):
        set_action_status(org, CHAMPION, "ACT-0001", "open", expected_version=1)
    set_action_status(org, CHAMPION, "ACT-0001", "open", expected_version=2)
    assert queries.get_action(org, "ACT-0001").closed_on is None
    with pytest.raises(ValidationError, match="open, done or dropped"):
        set_action_status(org, CHAMPION, "ACT-0001", "finished", expected_version=3)


def test_add_action_and_update_checkin(org):
    record(org)
    assert add_action(org, CHAMPION, "CHK-0001", ActionInput("later one", "Bob")) == "ACT-0001"
    with pytest.raises(ValidationError, match="say what will be done"):
        add_action(org, CHAMPION, "CHK-0001", ActionInput("  ", "Bob"))
    assert update_checkin(org, CHAMPION, "CHK-0001", CheckinInput(held_on="2026-10-02", department_id="HR",
                                                                notes="fixed"), expected_version=1) == 2
    assert queries.get_checkin(org, "CHK-0001").notes == "fixed"
    with pytest.raises(ConflictError):
        update_checkin(org, CHAMPION, "CHK-0001", CheckinInput(held_on="2026-10-02", department_id="HR"),
                       expected_version=1)


def test_keys_skip_those_created_elsewhere(org):
    with org.transaction() as tx:  # an import brought its own keys
        tx.execute("INSERT INTO checkins (checkin_id, held_on, created_at, updated_at, kind) "
                   "VALUES ('CHK-0001', DATE '2026-01-01', now(), now(), 'steering'), "
                   "('CHK-0040', DATE '2026-01-02', now(), now(), 'steering')")
    assert record(org).checkin_id == "CHK-0041"
    with org.transaction() as tx:
        assert allocate_keys(tx, "checkin", 3) == ["CHK-0042", "CHK-0043", "CHK-0044"]


# --- promotion to the backlog -------------------------------------------------------------------------


def test_promote_action_creates_a_backlog_item_linked_both_ways(org):
    record(org, actions=[ActionInput("Publish the service hours page", "Ann", "2026-10-30")])
    item_id = promote_action(org, CHAMPION, "ACT-0001", expected_version=1)
    item = org.one("SELECT title, department_id, source, source_ref, owner, due_on, status FROM backlog_items "
                   "WHERE item_id = $1", [item_id])
    assert item == ("Publish the service hours page", "HR", "check-in", "ACT-0001", "Ann", D(2026, 10, 30), "idea")
    action = queries.get_action(org, "ACT-0001")
    assert (action.item_id, action.version) == (item_id, 2)
    assert org.scalar("SELECT count(*) FROM audit_log WHERE action = 'promote' AND entity_key = 'ACT-0001'") == 1
    with pytest.raises(ValidationError, match="already tracks"):
        promote_action(org, CHAMPION, "ACT-0001", expected_version=2)
    assert org.scalar("SELECT count(*) FROM backlog_items") == 1


def test_promote_from_a_meeting_across_departments_needs_a_department(org):
    record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", kind="steering"), [ActionInput("Shared portal")])
    with pytest.raises(ValidationError, match="choose the department"):
        promote_action(org, CHAMPION, "ACT-0001", expected_version=1)
    assert org.scalar("SELECT count(*) FROM backlog_items") == 0
    item_id = promote_action(org, CHAMPION, "ACT-0001", expected_version=1, department_id="IT")
    assert org.scalar("SELECT department_id FROM backlog_items WHERE item_id = $1", [item_id]) == "IT"


def test_promote_is_refused_for_closed_or_stale_actions(org):
    record(org, actions=[ActionInput("a"), ActionInput("b")])
    set_action_status(org, CHAMPION, "ACT-0001", "dropped", expected_version=1)
    with pytest.raises(ValidationError, match="reopen it first"):
        promote_action(org, CHAMPION, "ACT-0001", expected_version=2)
    with pytest.raises(ConflictError):
        promote_action(org, CHAMPION, "ACT-0002", expected_version=7)
    assert org.scalar("SELECT count(*) FROM backlog_items") == 0


def test_backlog_items_due_for_review_are_carried_over_and_decided(org):
    from esm_maturity.backlog import commands as backlog

    def item(title, status, due, **extra):
        fields = {"title": title, "department_id": "HR", "due_on": due, "owner": "Ann", "dimension_id":
                  "collaboration", **extra}
        item_id = backlog.add_item(org, ADMIN, **fields)
        with org.transaction() as tx:  # put it straight into the status the test needs
            tx.execute("UPDATE backlog_items SET status = $1 WHERE item_id = $2", [status, item_id])
        return item_id

    due = item("due, in progress", "in progress", D(2026, 9, 1))
    later = item("not due yet", "planned", D(2027, 1, 1))
    measuring = item("measuring, due later", "measuring", D(2027, 1, 1))
    gone = item("closed long ago", "closed", D(2026, 1, 1), outcome="x", lessons="y")
    other = backlog.add_item(org, ADMIN, title="IT item", department_id="IT", due_on=D(2026, 9, 1))
    listed = list(queries.items_due_for_review(org, "HR", D(2026, 10, 1))["item_id"])
    assert listed == [due, measuring] and later not in listed and gone not in listed and other not in listed

    with pytest.raises(ValidationError, match="outcome"):  # closing needs the backlog's own gates
        record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", department_id="HR"), [], None,
                       {due: ItemReview("done", 1), measuring: ItemReview("done", 1, note="", lessons="")})
    assert counts(org)[0] == 0
    record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-01", department_id="HR"), [], None,
                   {due: ItemReview("done", 1), measuring: ItemReview("done", 1, "Requests answered in a day",
                                                                      "Start with the front line")})
    status = dict(org.rows("SELECT item_id, status FROM backlog_items"))
    assert status[due] == "measuring" and status[measuring] == "closed"
    record_checkin(org, CHAMPION, CheckinInput(held_on="2026-10-02", department_id="HR"), [], None,
                   {due: ItemReview("dropped", 2, "Superseded by the portal")})
    assert org.one("SELECT status, status_reason FROM backlog_items WHERE item_id = $1", [due]) == \
        ("withdrawn", "Superseded by the portal")
