"""The backlog's rules: fields, the status flow and its gates, concurrency, priority, demo."""


import pytest

from esm_maturity import clock
from esm_maturity.backlog import commands as backlog
from esm_maturity.backlog.fields import next_statuses, parse_status, STATUSES
from esm_maturity.backlog.commands import add_item, change_status, get_item, insert_item, update_item
from esm_maturity.backlog.queries import Filters, current_gap, item_changes, list_items, status_counts, status_history
from esm_maturity.departments import add_department
from esm_maturity.models import (ConflictError, NotFound, PermissionDenied, ValidationError)
from tests.conftest import ADMIN, CHAMPION, SPONSOR


@pytest.fixture
def org(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    add_department(db, ADMIN, "IT", "IT Services")
    return db


def count(db, table="backlog_items"):
    return db.scalar(f"SELECT count(*) FROM {table}")


def fields_of(err):
    return {p.field for p in err.value.problems}


def test_add_item_gives_keys_and_defaults(org):
    first = add_item(org, CHAMPION, title="Shared intake form", department_id="HR")
    second = add_item(org, CHAMPION, title="Survey on closed requests", department_id="IT", value="4", effort="m",
                      source="Customer_Feedback")
    assert (first, second) == ("CI-0001", "CI-0002")
    item = get_item(org, second)
    assert item["status"] == "idea" and item["raised_by"] == "eddie" and item["version"] == 1
    assert item["raised_on"] == clock.today()
    assert (item["value"], item["effort"], item["source"]) == (4, "M", "customer feedback")
    assert status_history(org, second)["status"].tolist() == ["idea"]
    assert item_changes(org, second)["action"].tolist() == ["add"]


@pytest.mark.parametrize("fields, field", [
    ({"title": "  ", "department_id": "HR"}, "title"),
    ({"title": "x", "department_id": "NOPE"}, "department_id"),
    ({"title": "x", "department_id": "HR", "value": 9}, "value"),
    ({"title": "x", "department_id": "HR", "value": True}, "value"),
    ({"title": "x", "department_id": "HR", "effort": "huge"}, "effort"),
    ({"title": "x", "department_id": "HR", "due_on": "01/02/2026"}, "due_on"),
    ({"title": "x", "department_id": "HR", "dimension_id": "nothing"}, "dimension_id"),
    ({"title": "x", "department_id": "HR", "status": "done"}, "status"),
    ({"title": "x", "department_id": "HR", "source": "rumour"}, "source"),
    ({"title": "x", "department_id": "HR", "colour": "red"}, "colour"),
])
def test_bad_input_is_refused_with_the_field_and_writes_nothing(org, fields, field):
    with pytest.raises(ValidationError) as err:
        add_item(org, CHAMPION, **fields)
    assert field in fields_of(err)
    assert count(org) == 0 and count(org, "backlog_status_history") == 0
    assert org.scalar("SELECT count(*) FROM audit_log WHERE entity = 'backlog_item'") == 0


def test_messages_tell_a_person_what_to_do(org):
    with pytest.raises(ValidationError) as err:
        add_item(org, CHAMPION, title="", department_id="XYZ", value=9)
    text = str(err.value)
    assert "title: is required" in text and "1 (little benefit) to 5" in text
    with pytest.raises(ValidationError, match="there is no department 'XYZ'; pick one listed in Settings"):
        add_item(org, CHAMPION, title="x", department_id="XYZ")


def test_viewer_cannot_add_or_edit(org):
    with pytest.raises(PermissionDenied):
        add_item(org, SPONSOR, title="x", department_id="HR")
    key = add_item(org, CHAMPION, title="x", department_id="HR")
    with pytest.raises(PermissionDenied):
        update_item(org, SPONSOR, key, {"owner": "vera"}, 1)
    assert get_item(org, key)["owner"] == ""


def test_parse_status_ignores_case_and_underscores():
    assert parse_status("In_Progress") == "in progress"
    assert parse_status("  ON  hold ") == "on hold"
    with pytest.raises(ValidationError, match="use one of"):
        parse_status("doing")


def test_flow_allows_the_documented_moves_only():
    assert next_statuses("idea") == ("accepted", "rejected", "withdrawn")
    assert set(next_statuses("in progress")) == {"on hold", "measuring", "rejected", "withdrawn"}
    assert "in progress" in next_statuses("on hold")
    assert next_statuses("measuring")[0] == "closed"
    assert next_statuses("closed") == next_statuses("rejected") == next_statuses("withdrawn") == ()


def walk(db, key, *moves):
    version = get_item(db, key)["version"]
    for status, extra in moves:
        version = change_status(db, CHAMPION, key, status, version, **extra)
    return version


def test_accepting_needs_owner_and_dimension_and_says_so(org):
    key = add_item(org, CHAMPION, title="x", department_id="HR")
    with pytest.raises(ValidationError) as err:
        change_status(org, CHAMPION, key, "accepted", 1)
    assert fields_of(err) == {"owner", "dimension_id"}
    assert "Accepting needs an owner" in str(err.value)
    item = get_item(org, key)
    assert item["status"] == "idea" and item["version"] == 1
    assert change_status(org, CHAMPION, key, "accepted", 1, owner="Priya", dimension_id="collaboration") == 2
    assert get_item(org, key)["status"] == "accepted"


def test_a_whole_life_with_every_gate(org):
    key = add_item(org, CHAMPION, title="Map onboarding", department_id="HR")
    version = walk(org, key, ("accepted", {"owner": "Priya", "dimension_id": "value_streams"}),
                   ("planned", {}), ("in progress", {}))
    with pytest.raises(ValidationError) as err:
        change_status(org, CHAMPION, key, "on hold", version)
    assert fields_of(err) == {"status_reason"}
    version = walk(org, key, ("on hold", {"status_reason": "waiting for the portal"}), ("in progress", {}),
                   ("measuring", {}))
    with pytest.raises(ValidationError) as err:
        change_status(org, CHAMPION, key, "closed", version, outcome="Onboarding takes 5 days, not 9")
    assert fields_of(err) == {"lessons"} and "lessons learned" in str(err.value)
    assert get_item(org, key)["closed_on"] is None
    change_status(org, CHAMPION, key, "closed", version, outcome="5 days, not 9", lessons="Name an owner early")
    item = get_item(org, key)
    assert item["status"] == "closed" and item["closed_on"] == clock.today()
    assert status_history(org, key)["status"].tolist() == ["idea", "accepted", "planned", "in progress", "on hold",
                                                            "in progress", "measuring", "closed"]


def test_refused_moves_name_the_allowed_ones(org):
    key = add_item(org, CHAMPION, title="x", department_id="HR")
    with pytest.raises(ValidationError, match="from idea it can move to accepted, rejected, withdrawn"):
        change_status(org, CHAMPION, key, "closed", 1, outcome="o", lessons="l")
    change_status(org, CHAMPION, key, "rejected", 1)
    item = get_item(org, key)
    assert item["closed_on"] is not None
    with pytest.raises(ValidationError, match="final"):
        change_status(org, CHAMPION, key, "accepted", 2, owner="a", dimension_id="roles")


def test_withdrawing_needs_a_reason(org):
    key = add_item(org, CHAMPION, title="x", department_id="HR")
    with pytest.raises(ValidationError) as err:
        change_status(org, CHAMPION, key, "withdrawn", 1)
    assert fields_of(err) == {"status_reason"} and "Withdrawing needs a reason" in str(err.value)
    change_status(org, CHAMPION, key, "withdrawn", 1, status_reason="superseded")
    assert get_item(org, key)["status"] == "withdrawn"


def test_gates_hold_for_edits_after_the_move(org):
    key = add_item(org, CHAMPION, title="x", department_id="HR")
    change_status(org, CHAMPION, key, "accepted", 1, owner="Priya", dimension_id="roles")
    with pytest.raises(ValidationError) as err:
        update_item(org, CHAMPION, key, {"owner": ""}, 2)
    assert "An item that is accepted needs an owner" in str(err.value)


def test_second_save_of_the_same_version_is_a_conflict_and_keeps_the_first(org):
    key = add_item(org, CHAMPION, title="x", department_id="HR")
    assert update_item(org, CHAMPION, key, {"owner": "First"}, 1) == 2
    with pytest.raises(ConflictError, match="changed by someone else"):
        update_item(org, ADMIN, key, {"owner": "Second"}, 1)
    assert get_item(org, key)["owner"] == "First" and get_item(org, key)["version"] == 2


def test_unchanged_save_writes_nothing(org):
    key = add_item(org, CHAMPION, title="x", department_id="HR", owner="A")
    assert update_item(org, CHAMPION, key, {"owner": "A", "title": "x", "department_id": " HR "}, 1) == 1
    assert get_item(org, key)["version"] == 1
    # text is kept as typed: spaces around the title are a change (the key above was only trimmed)
    assert update_item(org, CHAMPION, key, {"title": " x "}, 1) == 2 and get_item(org, key)["title"] == " x "


def test_unknown_item_is_not_found(org):
    with pytest.raises(NotFound):
        update_item(org, CHAMPION, "CI-9999", {"owner": "x"}, 1)


def test_insert_item_inside_another_transaction(org):
    """The check-ins developer promotes an action inside their own transaction."""
    def work(tx):
        tx.execute("INSERT INTO departments (department_id, name) VALUES ('OPS', 'Operations')")
        return insert_item(tx, {"title": "From a check-in", "department_id": "OPS", "source": "check-in",
                                "source_ref": "A-0007", "status": "planned", "owner": "Tom",
                                "dimension_id": "roles"})
    key = org.write(CHAMPION, work)
    item = get_item(org, key)
    assert (item["status"], item["source"], item["source_ref"], item["raised_by"]) == \
        ("planned", "check-in", "A-0007", "eddie")

    def failing(tx):
        insert_item(tx, {"title": "Another", "department_id": "OPS"})
        raise ValidationError("the action is closed", "action")
    with pytest.raises(ValidationError):
        org.write(CHAMPION, failing)
    assert count(org) == 1


def test_insert_with_a_closed_status_needs_outcome_and_lessons(org):
    with pytest.raises(ValidationError) as err:
        org.write(CHAMPION, lambda tx: insert_item(tx, {"title": "x", "department_id": "HR", "status": "Closed",
                                                      "owner": "a", "dimension_id": "roles"}))
    assert fields_of(err) == {"outcome", "lessons"} and count(org) == 0


def test_priority_uses_value_effort_and_the_latest_submitted_gap(org):
    org.write(ADMIN, lambda tx: tx.execute(
        "INSERT INTO assessments VALUES ('2026-Q1', 'HR', 'submitted', 'a', DATE '2026-03-30', 1, now()), "
        "('2026-Q2', 'HR', 'submitted', 'a', DATE '2026-06-30', 1, now()), "
        "('2026-Q3', 'HR', 'draft', NULL, NULL, 1, now())"))
    org.write(ADMIN, lambda tx: tx.execute(
        "INSERT INTO scores (quarter, department_id, dimension_id, score, target) VALUES "
        "('2026-Q1', 'HR', 'roles', 1, 5), ('2026-Q2', 'HR', 'roles', 2, 4), ('2026-Q3', 'HR', 'roles', 4, 4)"))
    assert current_gap(org, "HR", "roles") == {"score": 2, "target": 4, "gap": 2}  # the draft does not count
    big = add_item(org, CHAMPION, title="big gap", department_id="HR", dimension_id="roles", value=4, effort="S")
    none = add_item(org, CHAMPION, title="no dimension", department_id="HR", value=4, effort="S")
    blank = add_item(org, CHAMPION, title="blank value and effort", department_id="HR", dimension_id="roles")
    xl = add_item(org, CHAMPION, title="xl", department_id="IT", dimension_id="roles", value=5, effort="XL")
    frame = list_items(org).set_index("item_id")
    assert frame.loc[big, "gap"] == 2 and frame.loc[big, "priority"] == pytest.approx(4 * 3 / 1)
    assert frame.loc[none, "priority"] == pytest.approx(4.0)
    assert frame.loc[blank, "priority"] == pytest.approx(3 * 3 / 2)
    assert frame.loc[xl, "priority"] == pytest.approx(1.0)
    assert list(list_items(org)["item_id"]) == [big, blank, none, xl]  # sorted by priority in the database
    assert list(list_items(org, Filters(sort="key"))["item_id"]) == [big, none, blank, xl]


def test_filters(org):
    a = add_item(org, CHAMPION, title="Knowledge articles", department_id="HR", dimension_id="knowledge", owner="Mei")
    b = add_item(org, CHAMPION, title="Survey", department_id="IT", description="about knowledge")
    c = add_item(org, CHAMPION, title="Old", department_id="IT")
    change_status(org, CHAMPION, c, "rejected", 1)
    keys = lambda **kw: sorted(list_items(org, Filters(**kw))["item_id"])  # noqa: E731
    assert keys() == [a, b]
    assert keys(status="all") == [a, b, c]
    assert keys(status="done") == keys(status="rejected") == [c]
    assert keys(department_id="IT") == [b]
    assert keys(dimension_id="knowledge") == [a]
    assert keys(owner="mei") == [a]
    assert keys(text="KNOWLEDGE") == [a, b]
    assert keys(text="ci-0003", status="all") == [c]
    frame = list_items(org, Filters(status="all"), limit=2)
    assert len(frame) == 2 and frame["matching"].iloc[0] == 3
    assert status_counts(org)["rejected"] == 1 and status_counts(org)["idea"] == 2


def test_demo_backlog_covers_every_status(demo_db):
    counts = status_counts(demo_db)
    assert 55 <= sum(counts.values()) <= 65
    assert all(counts[s] > 0 for s in STATUSES)
    closed = list_items(demo_db, Filters(status="closed"))
    for key in closed["item_id"]:
        item = get_item(demo_db, key)
        assert item["outcome"] and item["lessons"] and item["closed_on"] >= item["raised_on"]
    # every item's history starts with idea and ends in its current status
    bad = demo_db.scalar(
        "SELECT count(*) FROM backlog_items i WHERE i.status <> (SELECT h.status FROM backlog_status_history h "
        "WHERE h.item_id = i.item_id ORDER BY h.changed_at DESC LIMIT 1)")
    assert bad == 0
    # the next key continues after the demo's
    assert add_item(demo_db, CHAMPION, title="new", department_id="HR") == f"CI-{sum(counts.values()) + 1:04d}"


def test_item_key_format():
    assert backlog.item_key(7) == "CI-0007" and backlog.item_key(12345) == "CI-12345"


def test_command_line_lists_by_priority(demo_path, capsys):
    from esm_maturity.__main__ import main

    assert main(["backlog", "--db", str(demo_path), "--limit", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("key") and len(out) == 5 and "42 more" in out[-1]
    priorities = [float(line.split()[1]) for line in out[1:4]]
    assert priorities == sorted(priorities, reverse=True)
    assert main(["backlog", "--db", str(demo_path), "--status", "doing"]) == 1
    assert "is not a status" in capsys.readouterr().err
