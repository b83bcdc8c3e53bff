"""A returned offline form keeps the name of whoever filled it in (scores.respondent) and credits the person
who uploads it (assessed_by); the Scores sheet carries the respondent, so the workbook stays a full backup."""

from __future__ import annotations

import io

import openpyxl
import pytest

from esm_maturity.db import Database
from esm_maturity.limits import LIMITS
from esm_maturity.workbook import apply_import, contract, export_bytes, forms, preview_import, read_upload, \
    read_uploads
from esm_maturity.workbook.form_file import HOW_TO_FILL_IN
from tests.conftest import ADMIN, CHAMPION
from tests.unit import test_workbook_backup as backup
from tests.unit.test_workbook_people import seed_people

QUARTER = "2026-Q4"


def fill(data: bytes, respondent: str | None, scores: dict[str, tuple]) -> bytes:
    """Fill a form as a person would in Excel: their name on About, scores on the form's sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    about = book[contract.ABOUT]
    row = next(r for r in range(2, about.max_row + 1) if about.cell(r, 1).value == "respondent")
    about.cell(row, 2).value = respondent
    sheet = book[contract.FORM_SHEET]
    header = [c.value for c in sheet[1]]
    for cells in sheet.iter_rows(min_row=2):
        if cells[0].value in scores:
            for name, value in zip(("score", "target", "evidence"), scores[cells[0].value]):
                cells[header.index(name)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def open_form(demo_db):
    """(department, dimension, a score for it that needs no evidence) of a department that has not started
    this quarter."""
    dept = demo_db.scalar("SELECT min(department_id) FROM departments WHERE department_id NOT IN "
                          "(SELECT department_id FROM assessments WHERE quarter = $1)", [QUARTER])
    dim = demo_db.scalar("SELECT dimension_id FROM dimensions WHERE active ORDER BY position LIMIT 1")
    last = demo_db.scalar("SELECT score FROM scores WHERE quarter = '2026-Q3' AND department_id = $1 AND "
                          "dimension_id = $2", [dept, dim])
    return dept, dim, last or 3


def scored(db: Database, dept: str, dim: str) -> tuple:
    return db.one("SELECT score, assessed_by, respondent FROM scores WHERE quarter = $1 AND department_id = $2 "
                  "AND dimension_id = $3", [QUARTER, dept, dim])


def test_the_form_asks_for_the_respondent(demo_db):
    book = openpyxl.load_workbook(io.BytesIO(forms.form_bytes(demo_db, QUARTER, "IT")))
    about = {r[0]: r[1] for r in book["About"].iter_rows(min_row=2, values_only=True)}
    assert "respondent" in about and not about["respondent"]   # for the person to fill in
    assert "respondent" in HOW_TO_FILL_IN and about["how to fill in"] == HOW_TO_FILL_IN


def test_a_returned_form_credits_the_uploader_and_keeps_the_respondent(demo_db, open_form):
    dept, dim, score = open_form
    form = fill(forms.form_bytes(demo_db, QUARTER, dept), "  Rita Rep ", {dim: (score, None, None)})
    report = apply_import(demo_db, CHAMPION, read_uploads(demo_db, [(f"{dept}.xlsx", form)]))
    assert report.counts["Scores"]["new"] == 1
    assert scored(demo_db, dept, dim) == (score, CHAMPION.name, "Rita Rep")
    # the same form again: nothing changed, so nobody is credited anew
    again = apply_import(demo_db, ADMIN, read_uploads(demo_db, [(f"{dept}.xlsx", form)]))
    assert again.total_changes == 0 and scored(demo_db, dept, dim) == (score, CHAMPION.name, "Rita Rep")
    # a blank respondent is no respondent (NULL), on the rows the form changes
    other = 5 if score != 5 else 4
    blank = fill(forms.form_bytes(demo_db, QUARTER, dept), "   ", {dim: (other, None, "Moved after the review")})
    apply_import(demo_db, ADMIN, read_uploads(demo_db, [(f"{dept}.xlsx", blank)]))
    assert scored(demo_db, dept, dim) == (other, ADMIN.name, None)


def test_forms_from_several_people_keep_each_respondent(demo_db):
    depts = [r[0] for r in demo_db.rows("SELECT department_id FROM departments WHERE department_id NOT IN "
                                        "(SELECT department_id FROM assessments WHERE quarter = $1) "
                                        "ORDER BY department_id", [QUARTER])]
    dim = demo_db.scalar("SELECT dimension_id FROM dimensions WHERE active ORDER BY position LIMIT 1")
    files = [(f"{d}.xlsx", fill(forms.form_bytes(demo_db, QUARTER, d), f"Person of {d}", {dim: (None, 4, None)}))
             for d in depts]
    apply_import(demo_db, CHAMPION, read_uploads(demo_db, files))
    assert demo_db.rows("SELECT department_id, respondent, assessed_by FROM scores WHERE quarter = $1 AND "
                        "department_id = ANY($2) ORDER BY department_id", [QUARTER, depts]) == [
        (d, f"Person of {d}", CHAMPION.name) for d in depts]


def test_a_respondent_over_the_limit_is_an_error_on_about(demo_db, open_form):
    dept, dim, score = open_form
    most = LIMITS["score"]["respondent"]
    form = fill(forms.form_bytes(demo_db, QUARTER, dept), "x" * (most + 1), {dim: (score, None, None)})
    report = preview_import(demo_db, CHAMPION, read_uploads(demo_db, [(f"{dept}.xlsx", form)]))
    [error] = report.errors
    assert (error.sheet, error.column) == (f"{dept}.xlsx: About", "respondent")
    assert f"at most {most:,}" in error.message


def test_the_scores_sheet_carries_the_respondent_both_ways(demo_db, open_form, new_db):
    dept, dim, score = open_form
    form = fill(forms.form_bytes(demo_db, QUARTER, dept), "Rita Rep", {dim: (score, None, None)})
    apply_import(demo_db, CHAMPION, read_uploads(demo_db, [(f"{dept}.xlsx", form)]))
    data = export_bytes(demo_db)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Scores"]
    h = {c.value: c.column for c in ws[1]}
    assert list(h)[-1] == "respondent"
    row = next(r for r in range(2, ws.max_row + 1) if (ws.cell(r, h["quarter"]).value, ws.cell(
        r, h["department_id"]).value, ws.cell(r, h["dimension_id"]).value) == (QUARTER, dept, dim))
    assert ws.cell(row, h["respondent"]).value == "Rita Rep"
    with Database(new_db("restored")) as target:
        apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))
        assert scored(target, dept, dim) == (score, CHAMPION.name, "Rita Rep")
    # edited in the workbook (who and when are there): the respondent alone is a change
    ws.cell(row, h["respondent"]).value = "Someone Else"
    out = io.BytesIO()
    book.save(out)
    report = apply_import(demo_db, ADMIN, read_upload(demo_db, out.getvalue(), "edited.xlsx"))
    assert report.counts["Scores"]["changed"] == 1
    assert scored(demo_db, dept, dim) == (score, CHAMPION.name, "Someone Else")


def test_the_backup_carries_people_and_respondents_field_for_field(demo_db, new_db, monkeypatch):
    seed_people(demo_db)
    with demo_db.transaction() as tx:
        tx.execute("UPDATE scores SET respondent = 'Resp ' || department_id WHERE quarter = '2026-Q3'")
    # when a person was added is the restore's own time (contract.MACHINE_MANAGED)
    monkeypatch.setattr(backup, "MACHINE_COLUMNS", {*backup.MACHINE_COLUMNS, "added_at"})
    assert "added_at" in " ".join(contract.MACHINE_MANAGED)
    with Database(new_db("restored")) as target:
        report = apply_import(target, ADMIN, read_upload(target, export_bytes(demo_db), "backup.xlsx"))
        assert report.ok and backup.differences(demo_db, target) == []
        assert target.scalar("SELECT count(*) FROM person_departments") == 2
        assert target.scalar("SELECT count(respondent) FROM scores") > 50
