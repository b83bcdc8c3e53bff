"""The workbook is a full backup: the demo, exported and imported into an empty database, comes back
field for field, table by table; keys keep counting; re-importing changes nothing; the status history
comes back, all or nothing, and moves made offline still get their history row."""

from __future__ import annotations

import datetime as dt

import pytest

from esm_maturity.backlog.commands import add_item, get_item
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.checkins.commands import record_checkin
from esm_maturity.db import Database
from esm_maturity.maturity import load_default_model
from esm_maturity.models import SYSTEM
from esm_maturity.workbook import ImportFailed, apply_import, contract, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN, CHAMPION, ROOT
from tests.unit import hostile_corpus as corpus
from tests.unit.test_workbook_import import edit

# Written by the app itself, never typed: not in the workbook (contract.MACHINE_MANAGED says why).
# Not in the workbook by design: a rating round's invitations (token hashes) and answers (anonymous ones
# unlinkable) never leave the database one by one (workbook.contract.NOT_RESTORED).
MACHINE_TABLES = {"audit_log", "schema_migrations", "rating_rounds", "round_invitations", "round_responses",
                  "round_answers"}
MACHINE_COLUMNS = {"version", "created_at", "updated_at"}


def tables(db: Database) -> list[str]:
    return [t for (t,) in db.rows("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                                  "AND table_schema = current_schema() ORDER BY table_name")]


def compared_columns(db: Database, table: str) -> list[str]:
    names = [c for (c,) in db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
                                   "AND table_schema = current_schema() ORDER BY ordinal_position", [table])]
    return [c for c in names if c not in MACHINE_COLUMNS]


def key_columns(db: Database, table: str) -> list[str]:
    """The primary key (the first columns of the ordering); a table without one is ordered by every column."""
    return [c for (c,) in db.rows(
        "SELECT k.column_name FROM information_schema.table_constraints c JOIN information_schema.key_column_usage k "
        "ON k.constraint_name = c.constraint_name AND k.table_schema = c.table_schema AND k.table_name = c.table_name "
        "WHERE c.table_name = $1 AND c.table_schema = current_schema() AND c.constraint_type = 'PRIMARY KEY' "
        "ORDER BY k.ordinal_position", [table])]


def table_rows(db: Database, table: str, columns: list[str], order: list[str]) -> list[tuple]:
    return db.rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(order)}")


def differences(source: Database, target: Database) -> list[str]:
    """Every user-visible table compared column by column, rows ordered by key; a list of what differs."""
    found = []
    assert set(tables(source)) == set(tables(target))
    for table in tables(source):
        if table in MACHINE_TABLES:
            continue
        columns = compared_columns(source, table)
        keys = key_columns(source, table)
        order = keys + [c for c in columns if c not in keys]
        a, b = table_rows(source, table, columns, order), table_rows(target, table, columns, order)
        if len(a) != len(b):
            found.append(f"{table}: {len(a)} rows exported, {len(b)} imported")
            continue
        for i, column in enumerate(columns):
            lost = [(x[:len(keys)] or x, x[i], y[i]) for x, y in zip(a, b) if x[i] != y[i]]
            if lost:
                found.append(f"{table}.{column}: {len(lost)} of {len(a)} rows differ, e.g. {lost[:2]}")
    return found


@pytest.fixture
def restored(demo_db, new_db):
    """The demo's export imported into a new, empty database (no model loaded): (data, database, report)."""
    data = export_bytes(demo_db)
    target = Database(new_db("restored"))
    report = apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))
    yield data, target, report
    target.close()


def test_every_stored_field_of_every_table_comes_back(demo_db, restored):
    data, target, report = restored
    assert report.applied and report.ok
    assert differences(demo_db, target) == []
    # the comparison saw the fields that used to be lost, with real variety in them
    for sql, at_least in [("SELECT count(DISTINCT source) FROM backlog_items", 4),
                          ("SELECT count(DISTINCT raised_by) FROM backlog_items", 5),
                          ("SELECT count(source_ref) FROM backlog_items", 2),
                          ("SELECT count(*) FROM checkins WHERE blockers <> ''", 10),
                          ("SELECT count(DISTINCT closed_on) FROM actions", 20),
                          ("SELECT count(*) FROM backlog_status_history", 150),
                          ("SELECT count(*) FROM dimensions WHERE NOT active", 1),
                          ("SELECT count(DISTINCT meaning) FROM levels", 5),
                          ("SELECT count(*) FROM model_info", 3)]:
        assert target.scalar(sql) >= at_least, sql


def test_into_a_database_that_has_the_default_model_already(demo_db, db):
    report = apply_import(db, ADMIN, read_upload(db, export_bytes(demo_db), "backup.xlsx"))
    assert report.applied
    assert differences(demo_db, db) == []


def test_machine_managed_fields_are_documented_in_the_contract():
    documented = " ".join([*contract.MACHINE_MANAGED, *contract.NOT_RESTORED])
    for name in (*MACHINE_TABLES, *MACHINE_COLUMNS, "backlog_seq", "checkin_seq", "action_seq"):
        assert name in documented


def test_reimporting_the_backup_changes_nothing(restored):
    data, target, _ = restored
    before = target.scalar("SELECT count(*) FROM backlog_status_history")
    again = apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))
    assert again.total_changes == 0 and again.counts["Status history"]["unchanged"] == before
    assert target.scalar("SELECT count(*) FROM backlog_status_history") == before


def test_new_records_after_a_restore_get_fresh_keys(restored):
    _, target, _ = restored
    highest = {prefix: target.scalar(f"SELECT max(CAST(substr({column}, {len(prefix) + 2}) AS INTEGER)) FROM {table}")
               for prefix, table, column in [("CI", "backlog_items", "item_id"), ("CHK", "checkins", "checkin_id"),
                                             ("ACT", "actions", "action_id")]}
    item = add_item(target, CHAMPION, title="After the restore", department_id="HR")
    recorded = record_checkin(target, CHAMPION, CheckinInput(held_on=dt.date(2026, 11, 18), department_id="HR"),
                              [ActionInput(text="Follow up")])
    assert item == f"CI-{highest['CI'] + 1:04d}"
    assert recorded.checkin_id == f"CHK-{highest['CHK'] + 1:04d}"
    assert recorded.action_ids == [f"ACT-{highest['ACT'] + 1:04d}"]


def row_of(ws, column: int, value) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, column).value == value)


def test_a_move_made_offline_gets_its_history_row_and_history_edits_apply(demo_db):
    item = demo_db.one("SELECT item_id FROM backlog_items WHERE status = 'idea' ORDER BY item_id LIMIT 1")[0]
    data = export_bytes(demo_db)

    def withdraw(ws, h):
        row = row_of(ws, h["item_id"], item)
        ws.cell(row, h["status"]).value = "withdrawn"
        ws.cell(row, h["status_reason"]).value = "Duplicate of another idea"

    def rename_actor(ws, h):
        ws.cell(row_of(ws, h["item_id"], item), h["actor"]).value = "Someone Else"
    changed = edit(edit(data, "Backlog", withdraw), "Status history", rename_actor)
    before = demo_db.rows("SELECT status, changed_at FROM backlog_status_history WHERE item_id = $1", [item])
    report = apply_import(demo_db, CHAMPION, read_upload(demo_db, changed, "offline.xlsx"))
    assert report.counts["Status history"] == {"new": 0, "changed": 1, "unchanged": report.counts["Status history"][
        "unchanged"]}
    history = demo_db.rows("SELECT status, actor FROM backlog_status_history WHERE item_id = $1 ORDER BY changed_at",
                           [item])
    assert len(history) == len(before) + 1
    assert history[0] == ("idea", "Someone Else") and history[-1] == ("withdrawn", "eddie")
    assert get_item(demo_db, item)["status"] == "withdrawn"


def test_a_bad_history_row_stops_the_whole_import(demo_db, new_db):
    data = export_bytes(demo_db)

    def bad(ws, h):
        ws.cell(2, h["item_id"]).value = "CI-9999"
        ws.cell(3, h["changed_at"]).value = "yesterday"
    broken = edit(data, "Status history", bad)
    with Database(new_db("empty")) as empty:
        load_default_model(empty, SYSTEM)
        before = {t: empty.scalar(f"SELECT count(*) FROM {t}") for t in ("departments", "backlog_items",
                                                                         "backlog_status_history")}
        with pytest.raises(ImportFailed) as caught:
            apply_import(empty, ADMIN, read_upload(empty, broken, "broken.xlsx"))
        errors = {(i.sheet, i.row, i.column) for i in caught.value.report.errors}
        assert errors == {("Status history", 2, "item_id"), ("Status history", 3, "changed_at")}
        assert {t: empty.scalar(f"SELECT count(*) FROM {t}") for t in before} == before


def test_an_open_action_with_a_closed_date_is_an_error(demo_db):
    data = export_bytes(demo_db)

    def close_date(ws, h):
        ws.cell(row_of(ws, h["status"], "open"), h["closed_on"]).value = dt.date(2026, 11, 1)
    report = preview_import(demo_db, CHAMPION, read_upload(demo_db, edit(data, "Actions", close_date), "a.xlsx"))
    assert [(i.sheet, i.column) for i in report.errors] == [("Actions", "closed_on")]
    assert "open action has no closed date" in report.errors[0].message


def test_the_comparison_finds_a_lost_column(demo_db, new_db):
    """Guard the guard: a workbook without the blockers column restores check-ins without blockers."""
    def drop_blockers(ws, h):
        ws.delete_cols(h["blockers"])
    data = edit(export_bytes(demo_db), "Check-ins", drop_blockers)
    with Database(new_db("lossy")) as target:
        apply_import(target, ADMIN, read_upload(target, data, "lossy.xlsx"))
        found = differences(demo_db, target)
    assert len(found) == 1 and found[0].startswith("checkins.blockers: ")


def test_a_status_history_sheet_alone_is_imported_and_checked(demo_db):
    item = demo_db.one("SELECT min(item_id) FROM backlog_items")[0]
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Status history": [["item_id", "status", "changed_at", "actor"],
                                           [item, "idea", "2020-01-02 03:04:05.678901", "Archivist"],
                                           [" ci-9999 ", "idea", "2020-01-02", None]]})
    report = preview_import(demo_db, CHAMPION, read_upload(demo_db, data, "history.xlsx"))
    assert [(i.row, i.column) for i in report.errors] == [(3, "item_id")]
    fixed = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                         "Status history": [["item_id", "status", "changed_at", "actor"],
                                            [item, "idea", "2020-01-02 03:04:05.678901", "Archivist"]]})
    done = apply_import(demo_db, CHAMPION, read_upload(demo_db, fixed, "history.xlsx"))
    assert done.counts["Status history"]["new"] == 1
    assert demo_db.one("SELECT actor FROM backlog_status_history WHERE item_id = $1 AND changed_at = $2",
                       [item, dt.datetime(2020, 1, 2, 3, 4, 5, 678901)]) == ("Archivist",)


def test_the_readme_lists_every_sheet_and_column():
    readme = (ROOT / "README.md").read_text()
    for sheet in contract.SHEETS:
        line = f"- `{sheet.name}`: " + ", ".join(f"`{c.name}`" + ("*" if c.required else "") for c in sheet.columns)
        assert line in readme, line
