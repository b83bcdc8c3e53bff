"""No lost update: the version the person saw is part of every UPDATE of a versioned record."""

from __future__ import annotations

import re
import threading

import pytest

from esm_maturity import maturity
from esm_maturity.assessments import get_assessment, save_assessment
from esm_maturity.backlog.commands import add_item, get_item, update_item
from esm_maturity.checkins.commands import record_checkin, set_action_status, update_checkin
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.db import Database
from esm_maturity.departments import add_department, get_department, update_department
from esm_maturity.models import ConflictError, Quarter, ScoreInput, ScoreValue
from tests.conftest import ADMIN, CHAMPION, ROOT

VERSIONED = ("assessments", "backlog_items", "checkins", "actions", "departments", "dimensions", "levels")


def test_every_update_of_a_versioned_table_carries_the_version():
    """Outside db.py no statement updates a versioned table except through Tx.update_versioned."""
    pattern = re.compile(r"UPDATE\s+(" + "|".join(VERSIONED) + r")\b", re.IGNORECASE)
    offenders = []
    for path in (ROOT / "esm_maturity").rglob("*.py"):
        if {"db", "demo", "bench"} & set(path.relative_to(ROOT).parts[1:-1]):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders


def test_a_stale_version_changes_no_row(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    with pytest.raises(ConflictError, match="someone else"):
        with db.transaction(ADMIN) as tx:
            tx.update_versioned("departments", {"department_id": "HR"}, 7, {"name": "Lost"}, "someone else saved")
    assert get_department(db, "HR").name == "Human Resources" and get_department(db, "HR").version == 1
    with db.transaction(ADMIN) as tx:
        assert tx.update_versioned("departments", {"department_id": "HR"}, 1, {"name": "Kept"}, "x") == 2
    with pytest.raises(ValueError, match="not an identifier"):
        with db.transaction(ADMIN) as tx:
            tx.update_versioned("departments; DROP TABLE x", {"department_id": "HR"}, 2, {"name": "n"}, "x")


@pytest.fixture
def records(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    item_id = add_item(db, CHAMPION, title="Portal", department_id="HR")
    done = record_checkin(db, CHAMPION, CheckinInput(held_on="2026-11-02", department_id="HR"),
                          [ActionInput("Call", "Sam")])
    return db, item_id, done.checkin_id, done.action_ids[0]


def _second_save_is_refused(first, second):
    first()
    with pytest.raises(ConflictError):
        second()


def test_each_kind_of_record_refuses_the_second_save(records):
    db, item_id, checkin_id, action_id = records
    q = Quarter(2026, 4)
    dims = maturity.dimensions(db)
    entries = lambda level: [ScoreInput(d.dimension_id, ScoreValue.parse(level), None, "e") for d in dims]  # noqa: E731
    _second_save_is_refused(lambda: save_assessment(db, CHAMPION, q, "HR", entries(2), expected_version=0),
                            lambda: save_assessment(db, CHAMPION, q, "HR", entries(3), expected_version=0))
    assert get_assessment(db, q, "HR").version == 1
    _second_save_is_refused(lambda: update_item(db, CHAMPION, item_id, {"owner": "A"}, 1),
                            lambda: update_item(db, CHAMPION, item_id, {"owner": "B"}, 1))
    assert get_item(db, item_id)["owner"] == "A"
    edit = lambda notes: update_checkin(db, CHAMPION, checkin_id, CheckinInput(  # noqa: E731
        held_on="2026-11-02", department_id="HR", notes=notes), expected_version=1)
    _second_save_is_refused(lambda: edit("first"), lambda: edit("second"))
    assert db.scalar("SELECT notes FROM checkins WHERE checkin_id = $1", [checkin_id]) == "first"
    _second_save_is_refused(lambda: set_action_status(db, CHAMPION, action_id, "done", expected_version=1),
                            lambda: set_action_status(db, CHAMPION, action_id, "dropped", expected_version=1))
    assert db.scalar("SELECT status FROM actions WHERE action_id = $1", [action_id]) == "done"
    dept = lambda name: update_department(db, ADMIN, "HR", name=name, sponsor="", champion="",  # noqa: E731
                                          active=True, expected_version=1)
    _second_save_is_refused(lambda: dept("First"), lambda: dept("Second"))
    dim = maturity.get_dimension(db, "safety")
    save_dim = lambda name: maturity.update_dimension(db, ADMIN, "safety", name=name,  # noqa: E731
                                                      description="d", rubric=dim.rubric, expected_version=dim.version)
    _second_save_is_refused(lambda: save_dim("First"), lambda: save_dim("Second"))
    assert maturity.get_dimension(db, "safety").name == "First"
    _second_save_is_refused(lambda: maturity.rename_level(db, ADMIN, 2, "First", "", expected_version=1),
                            lambda: maturity.rename_level(db, ADMIN, 2, "Second", "", expected_version=1))
    seen = {r.level: (r.name, r.meaning, r.version) for r in maturity.levels_frame(db).itertuples()}
    assert maturity.rename_levels(db, ADMIN, {3: ("Defined", "m")}, seen) == [3]
    with pytest.raises(ConflictError):
        maturity.rename_levels(db, ADMIN, {3: ("Other", "m")}, seen)
    assert maturity.level_names(db)[2] == "First" and maturity.level_names(db)[3] == "Defined"


def test_two_database_objects_on_one_file_never_both_save(new_db):
    """Two writers with separate locks (as two app replicas would have) save the same version at once:
    exactly one wins, the other is refused."""
    path = new_db("shared")
    with Database(path) as db:
        add_department(db, ADMIN, "HR", "Human Resources")
    first, second = Database(path), Database(path)
    results, barrier = [], threading.Barrier(2)

    def save(db: Database, name: str) -> None:
        barrier.wait()
        try:
            update_department(db, ADMIN, "HR", name=name, sponsor="", champion="", active=True, expected_version=1)
            results.append(("saved", name))
        except ConflictError:
            results.append(("refused", name))

    threads = [threading.Thread(target=save, args=(db, n)) for db, n in ((first, "One"), (second, "Two"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(kind for kind, _ in results) == ["refused", "saved"]
    winner = next(name for kind, name in results if kind == "saved")
    assert get_department(first, "HR").name == winner and get_department(first, "HR").version == 2
    first.close()
    second.close()


def test_an_import_that_rewrites_a_rubric_moves_its_dimension_on(demo_db):
    """A form open on a dimension cannot save over an import's new rubric line."""
    import io

    import openpyxl

    from esm_maturity.workbook import apply_import, export_bytes, read_upload

    seen = maturity.get_dimension(demo_db, "safety").version
    book = openpyxl.load_workbook(io.BytesIO(export_bytes(demo_db)))
    sheet = book["Levels"]
    headers = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if row[headers.index("dimension_id")].value == "safety" and row[headers.index("level")].value == 3:
            row[headers.index("description")].value = "Rubric from the import"
    out = io.BytesIO()
    book.save(out)
    apply_import(demo_db, ADMIN, read_upload(demo_db, out.getvalue(), "rubric.xlsx"))
    assert maturity.get_dimension(demo_db, "safety").version == seen + 1
    with pytest.raises(ConflictError):
        maturity.update_dimension(demo_db, ADMIN, "safety", name="Safety", description="d",
                                  rubric=maturity.get_dimension(demo_db, "safety").rubric, expected_version=seen)
    assert maturity.get_dimension(demo_db, "safety").rubric[3] == "Rubric from the import"
