"""An improvement names the value stream it lifts (and one of its steps), a check-in the stream it was about:
checked by the commands, versioned and audited like any other field, and carried by the workbook (an old
workbook without the columns still imports; an unknown stream is an error on its row and nothing is written)."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.backlog.fields import link_fields, link_values
from esm_maturity.backlog.queries import Filters, item_changes, list_items, status_counts
from esm_maturity.checkins.commands import record_checkin, update_checkin
from esm_maturity.checkins.queries import get_checkin
from esm_maturity.checkins.records import CheckinInput
from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.maturity import load_default_model
from esm_maturity.models import SYSTEM, ConflictError, ValidationError
from esm_maturity.streams import commands as streams
from esm_maturity.streams.records import StepInput, StreamInput
from esm_maturity.workbook import ImportFailed, apply_import, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN
from tests.unit.test_workbook_import import edit

QUARTER = "2026-Q4"   # the pinned day's quarter (tests/conftest.py TODAY)


def organisation(db: Database) -> Database:
    """Departments HR and IT, and two streams: VS-1 (steps VS-1.1, VS-1.2) and VS-2 (VS-2.1, VS-2.2)."""
    add_department(db, ADMIN, "HR", "Human Resources")
    add_department(db, ADMIN, "IT", "IT Services")
    for name in ("Onboard a new employee", "Request to fulfil"):
        streams.create_stream(db, ADMIN, StreamInput(name), [StepInput("Prepare", "HR"), StepInput("Equip", "IT")],
                              from_quarter=QUARTER)
    return db


@pytest.fixture
def org(db):
    return organisation(db)


def problems(err) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in err.value.problems]


def item(org, **fields) -> str:
    return add_item(org, ADMIN, title="Shared intake form", department_id="HR", **fields)


# --- the domain ------------------------------------------------------------------------------------------

def test_an_item_names_a_stream_and_a_step_and_the_history_shows_it(org):
    key = item(org, stream_id="VS-1", step_id="VS-1.2")
    stored = get_item(org, key)
    assert (stored["stream_id"], stored["step_id"], stored["version"]) == ("VS-1", "VS-1.2", 1)
    update_item(org, ADMIN, key, {"stream_id": "VS-2", "step_id": "VS-2.1"}, 1)
    assert (get_item(org, key)["stream_id"], get_item(org, key)["step_id"]) == ("VS-2", "VS-2.1")
    changes = list(item_changes(org, key)["change"])
    assert changes[0] == "step_id: VS-1.2 → VS-2.1; stream_id: VS-1 → VS-2"
    audit = json.loads(org.scalar("SELECT after_json FROM audit_log WHERE entity = 'backlog_item' AND action = 'add' "
                                  "AND entity_key = $1", [key]))
    assert (audit["stream_id"], audit["step_id"]) == ("VS-1", "VS-1.2")


def test_an_unknown_stream_is_refused_in_words_a_person_can_act_on(org):
    with pytest.raises(ValidationError) as err:
        item(org, stream_id="VS-9")
    assert problems(err) == [("stream_id", "VS-9 is not a value stream; pick one listed on the Value streams page, "
                                           "or leave it blank")]
    assert org.scalar("SELECT count(*) FROM backlog_items") == 0


def test_a_step_of_another_stream_or_of_none_is_refused(org):
    with pytest.raises(ValidationError) as err:
        item(org, stream_id="VS-1", step_id="VS-2.1")
    assert problems(err) == [("step_id", "VS-2.1 is a step of VS-2, not of VS-1; pick one of VS-1's steps, or leave "
                                         "the step blank")]
    with pytest.raises(ValidationError) as err:
        item(org, stream_id="VS-1", step_id="VS-1.7")
    assert "VS-1.7 is not a step of any value stream" in problems(err)[0][1]
    key = item(org, stream_id="VS-1", step_id="VS-1.1")
    with pytest.raises(ValidationError) as err:
        update_item(org, ADMIN, key, {"step_id": "VS-2.2"}, 1)
    assert problems(err)[0][0] == "step_id" and get_item(org, key)["step_id"] == "VS-1.1"


def test_a_step_without_a_stream_is_refused(org):
    with pytest.raises(ValidationError) as err:
        item(org, step_id="VS-1.1")
    assert problems(err) == [("step_id", "the step VS-1.1 needs its value stream: pick the stream first, or clear "
                                         "the step")]
    key = item(org)
    with pytest.raises(ValidationError):
        update_item(org, ADMIN, key, {"stream_id": None, "step_id": "VS-1.1"}, 1)


def test_clearing_the_stream_clears_the_step_and_another_stream_drops_the_old_step(org):
    key = item(org, stream_id="VS-1", step_id="VS-1.2")
    version = update_item(org, ADMIN, key, {"stream_id": None}, 1)
    stored = get_item(org, key)
    assert (stored["stream_id"], stored["step_id"], version) == (None, None, 2)
    version = update_item(org, ADMIN, key, {"stream_id": "VS-1", "step_id": "VS-1.1"}, version)
    version = update_item(org, ADMIN, key, {"stream_id": "VS-2"}, version)
    assert (get_item(org, key)["stream_id"], get_item(org, key)["step_id"]) == ("VS-2", None)
    # what the forms send: no stream is no step either
    assert link_fields("", "VS-1.1") == {"stream_id": None, "step_id": None}
    assert link_fields("VS-1", "") == {"stream_id": "VS-1", "step_id": None}
    assert link_values({"stream_id": None, "step_id": None}) == {"stream_id": "", "step_id": ""}


def test_a_retired_stream_cannot_be_newly_named_but_an_existing_link_stays(org):
    key = item(org, stream_id="VS-2")
    streams.update_stream(org, ADMIN, "VS-2", StreamInput("Request to fulfil", active=False), expected_version=1)
    with pytest.raises(ValidationError) as err:
        item(org, stream_id="VS-2")
    assert "retired" in problems(err)[0][1]
    update_item(org, ADMIN, key, {"owner": "Ann"}, 1)   # the item keeps its link through other edits
    assert get_item(org, key)["stream_id"] == "VS-2"


def test_a_version_conflict_is_still_refused_with_a_link(org):
    key = item(org)
    update_item(org, ADMIN, key, {"stream_id": "VS-1"}, 1)   # a colleague saved first
    with pytest.raises(ConflictError):
        update_item(org, ADMIN, key, {"stream_id": "VS-2"}, 1)
    assert get_item(org, key)["stream_id"] == "VS-1"


def test_the_backlog_filters_on_a_stream(org):
    linked, other, none = item(org, stream_id="VS-1"), item(org, stream_id="VS-2"), item(org)
    shown = list_items(org, Filters(status="all", stream_id="VS-1"))
    assert list(shown["item_id"]) == [linked] and shown["stream"].iloc[0] == "Onboard a new employee"
    assert sorted(list_items(org, Filters(status="all"))["item_id"]) == sorted([linked, other, none])
    assert sum(status_counts(org, Filters(stream_id="VS-2")).values()) == 1


def test_a_checkin_names_a_stream_checked_and_audited(org):
    with pytest.raises(ValidationError) as err:
        record_checkin(org, ADMIN, CheckinInput("2026-11-10", "HR", stream_id="VS-9"))
    assert problems(err)[0] == ("stream_id", "VS-9 is not a value stream; pick one listed on the Value streams "
                                             "page, or leave it blank")
    recorded = record_checkin(org, ADMIN, CheckinInput("2026-11-10", "HR", stream_id="VS-1"))
    checkin = get_checkin(org, recorded.checkin_id)
    assert checkin.stream_id == "VS-1"
    update_checkin(org, ADMIN, checkin.checkin_id, CheckinInput("2026-11-10", "HR", stream_id="VS-2"),
                   expected_version=checkin.version)
    assert get_checkin(org, checkin.checkin_id).stream_id == "VS-2"
    with pytest.raises(ConflictError):
        update_checkin(org, ADMIN, checkin.checkin_id, CheckinInput("2026-11-10", "HR", stream_id=None),
                       expected_version=checkin.version)
    after = json.loads(org.scalar("SELECT after_json FROM audit_log WHERE entity = 'checkin' AND action = 'edit'"))
    assert after["stream_id"] == "VS-2"


# --- the workbook ----------------------------------------------------------------------------------------


def row_of(ws, header, key_column: str, key: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, header[key_column]).value == key)


@pytest.fixture
def linked(org):
    """Items with a stream and step, with a stream only, with none; a check-in about VS-2."""
    keys = (item(org, stream_id="VS-1", step_id="VS-1.2"), item(org, stream_id="VS-2"), item(org))
    checkin = record_checkin(org, ADMIN, CheckinInput("2026-11-10", "HR", stream_id="VS-2")).checkin_id
    return org, keys, checkin


@pytest.fixture
def other(new_db):
    """Another database with the same departments and streams (the same keys), nothing else."""
    database = Database(new_db("other"))
    load_default_model(database, SYSTEM)
    yield organisation(database)
    database.close()


def links(db) -> tuple[list, list]:
    return (db.rows("SELECT item_id, stream_id, step_id FROM backlog_items ORDER BY item_id"),
            db.rows("SELECT checkin_id, stream_id FROM checkins ORDER BY checkin_id"))


def sheet_rows(data: bytes, sheet: str) -> list[tuple]:
    return list(openpyxl.load_workbook(io.BytesIO(data))[sheet].iter_rows(values_only=True))


def test_export_writes_the_links_and_the_round_trip_is_lossless(linked, other):
    db, (first, second, third), checkin = linked
    data = export_bytes(db)
    backlog = sheet_rows(data, "Backlog")
    assert backlog[0][-2:] == ("stream_id", "step_id")
    assert [r[-2:] for r in backlog[1:]] == [("VS-1", "VS-1.2"), ("VS-2", None), (None, None)]
    assert sheet_rows(data, "Check-ins")[0][-1] == "stream_id" and sheet_rows(data, "Check-ins")[1][-1] == "VS-2"
    report = apply_import(other, ADMIN, read_upload(other, data, "backup.xlsx"))
    assert report.ok and report.applied
    assert links(other) == links(db)
    again = export_bytes(other)
    for sheet in ("Backlog", "Check-ins"):
        assert sheet_rows(again, sheet) == sheet_rows(data, sheet)
    assert preview_import(other, ADMIN, read_upload(other, again, "again.xlsx")).total_changes == 0


def test_an_unknown_stream_or_a_step_of_another_is_a_row_error_and_nothing_is_written(linked):
    db, (first, second, third), checkin = linked

    def break_links(ws, h):
        ws.cell(row_of(ws, h, "item_id", first), h["title"]).value = "Renamed offline"
        ws.cell(row_of(ws, h, "item_id", second), h["stream_id"]).value = "VS-9"
        ws.cell(row_of(ws, h, "item_id", third), h["stream_id"]).value = "VS-1"
        ws.cell(row_of(ws, h, "item_id", third), h["step_id"]).value = "VS-2.1"
    bad = edit(export_bytes(db), "Backlog", break_links)
    bad = edit(bad, "Check-ins", lambda ws, h: setattr(ws.cell(2, h["stream_id"]), "value", "VS-7"))
    before = (links(db), db.scalar("SELECT count(*) FROM audit_log"))
    report = preview_import(db, ADMIN, read_upload(db, bad, "bad.xlsx"))
    found = {(i.sheet, i.row, i.column): i.message for i in report.errors}
    assert found == {
        ("Backlog", 3, "stream_id"): "VS-9 is not a value stream in the ValueStreams sheet or the app; use a stream's "
                                     "key (VS-1), or leave it blank",
        ("Backlog", 4, "step_id"): "VS-2.1 is a step of VS-2, not of VS-1; use one of VS-1's steps, or leave it blank",
        ("Check-ins", 2, "stream_id"): "VS-7 is not a value stream in the ValueStreams sheet or the app; use a "
                                       "stream's key (VS-1), or leave it blank"}
    with pytest.raises(ImportFailed):
        apply_import(db, ADMIN, read_upload(db, bad, "bad.xlsx"))
    assert (links(db), db.scalar("SELECT count(*) FROM audit_log")) == before
    assert get_item(db, first)["title"] == "Shared intake form"   # the good row's change is not written either


def test_a_step_without_a_stream_in_a_workbook_is_a_row_error(linked):
    db, (first, second, third), checkin = linked
    bad = edit(export_bytes(db), "Backlog",
               lambda ws, h: setattr(ws.cell(row_of(ws, h, "item_id", third), h["step_id"]), "value", "VS-1.1"))
    errors = preview_import(db, ADMIN, read_upload(db, bad, "bad.xlsx")).errors
    assert [(e.sheet, e.row, e.column) for e in errors] == [("Backlog", 4, "step_id")]
    assert "needs its value stream" in errors[0].message


def test_an_old_workbook_without_the_columns_still_imports(linked, other):
    db, (first, second, third), checkin = linked

    def old_layout(ws, h):   # a workbook from before the links: no stream_id, step_id columns
        ws.delete_cols(h["stream_id"], 2 if "step_id" in h else 1)
    data = edit(edit(export_bytes(db), "Backlog", old_layout), "Check-ins", old_layout)
    assert "stream_id" not in sheet_rows(data, "Backlog")[0]

    def new_item(ws, h):
        ws.cell(ws.max_row + 1, h["title"]).value = "Offline idea"
        ws.cell(ws.max_row, h["department_id"]).value = "IT"
        ws.cell(ws.max_row, h["status"]).value = "idea"
    data = edit(data, "Backlog", new_item)
    # into a database without these items: every item and check-in arrives without a link
    report = apply_import(other, ADMIN, read_upload(other, data, "old.xlsx"))
    assert report.ok and report.applied
    items, checkins = links(other)
    assert len(items) == 4 and all(stream is None and step is None for _, stream, step in items)
    assert checkins == [(checkin, None)]
    # into the database that has them: a column the sheet leaves out keeps what is stored
    report = apply_import(db, ADMIN, read_upload(db, data, "old.xlsx"))
    assert report.ok and report.counts["Backlog"]["new"] == 1
    assert get_item(db, first)["stream_id"] == "VS-1" and get_item(db, first)["step_id"] == "VS-1.2"
    assert get_checkin(db, checkin).stream_id == "VS-2"
