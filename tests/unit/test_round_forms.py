"""Offline rating forms (esm_maturity/workbook/round_forms.py): generated per invitee, filled in as a person
would (openpyxl), imported: answers stored once per code, bad values refused by file, dimension and value,
a hostile file refused, and no file metadata kept."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from esm_maturity.models import PermissionDenied
from esm_maturity.rounds import commands, results
from esm_maturity.rounds.records import NAMED, ANONYMOUS
from esm_maturity.workbook.round_forms import RATING_COLUMNS, import_offline_forms, offline_forms
from esm_maturity.workbook.safety import MAX_UPLOAD_BYTES
from tests.conftest import ADMIN, CHAMPION, SPONSOR, TODAY
from esm_maturity.models import Quarter

Q = Quarter.of(TODAY).shift(1)          # a quarter the demo has no round for
DIMS = ["sponsorship", "purpose", "safety"]
SECRET = "Mallory Metadata"


def _round(db, mode=NAMED, people=("Pat O'Neil", "=HYPERLINK(\"http://x\")"), department="IT"):
    made = commands.create_round(db, CHAMPION, department, Q, mode, DIMS, "@SUM(1,2) rate honestly")
    issued = commands.invite(db, CHAMPION, made.round_id, list(people), channel="offline")
    return made, issued


def _open(db, round_id):
    commands.open_round(db, CHAMPION, round_id, expected_version=results.get_round(db, round_id).version)


def _forms(db, made, issued) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(offline_forms(db, CHAMPION, made.round_id, issued)))
    return {name: archive.read(name) for name in archive.namelist()}


def fill(data: bytes, answers: dict[str, tuple]) -> bytes:
    """Fill a form as a person would in Excel, and leave their name in the file's properties."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Rating"]
    header = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        dim = row[0].value
        if dim in answers:
            row[header.index("answer")].value, row[header.index("comment")].value = answers[dim]
    book.properties.creator = SECRET
    book.properties.lastModifiedBy = SECRET
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_form_has_instructions_the_rubric_a_drop_down_and_its_code_hidden(demo_db):
    made, issued = _round(demo_db)
    forms = _forms(demo_db, made, issued)
    assert sorted(forms) == sorted([f"rating-{made.round_id}-Pat_O_Neil.xlsx",
                                    f"rating-{made.round_id}-HYPERLINK_http_x.xlsx"])
    data = forms[f"rating-{made.round_id}-Pat_O_Neil.xlsx"]
    book = openpyxl.load_workbook(io.BytesIO(data))
    said = dict(list(book["Instructions"].iter_rows(min_row=3, values_only=True)))
    assert said["Department"] == "IT Services" and said["Quarter"] == str(Q) and said["Round"] == made.round_id
    assert said["Mode"] == made.words and said["Instructions"] == "@SUM(1,2) rate honestly"
    assert "send it back" in said["How to return it"]
    rating = book["Rating"]
    rows = list(rating.iter_rows(values_only=True))
    assert list(rows[0]) == list(RATING_COLUMNS) and [r[0] for r in rows[1:]] == DIMS
    rubric = demo_db.scalar("SELECT description FROM rubric WHERE dimension_id = 'purpose' AND level = 4")
    assert rows[2][RATING_COLUMNS.index("level 4")] == rubric
    [check] = rating.data_validations.dataValidation
    assert check.formula1 == '"1,2,3,4,5,Don\'t know"' and str(check.sqref) == "C2:C4"
    assert rating.protection.sheet and not rating["C2"].protection.locked and rating["A2"].protection.locked
    form = book["Form"]
    assert form.sheet_state == "hidden" and form.protection.sheet
    keys = dict(list(form.iter_rows(min_row=2, values_only=True)))
    assert keys["round_id"] == made.round_id and keys["form code"] == issued[0].token
    with zipfile.ZipFile(io.BytesIO(forms[f"rating-{made.round_id}-HYPERLINK_http_x.xlsx"])) as z:
        assert not any(b"<f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))
    other = openpyxl.load_workbook(io.BytesIO(forms[f"rating-{made.round_id}-HYPERLINK_http_x.xlsx"]))
    assert dict(list(other["Instructions"].iter_rows(min_row=3, values_only=True)))["Invitee"] == \
        '=HYPERLINK("http://x")'                                                    # text, never a formula


def test_only_those_who_run_the_round_get_its_forms(demo_db):
    made, issued = _round(demo_db)
    with pytest.raises(PermissionDenied):
        offline_forms(demo_db, SPONSOR, made.round_id, issued)
    rep = ADMIN.__class__("rita", ADMIN.role.__class__("department"), frozenset({"HR"}))
    with pytest.raises(PermissionDenied):
        offline_forms(demo_db, rep, made.round_id, issued)


def test_a_form_round_trips_and_its_code_is_used_once(demo_db):
    made, issued = _round(demo_db)
    _open(demo_db, made.round_id)
    forms = _forms(demo_db, made, issued)
    pat, other = sorted(forms)[1], sorted(forms)[0]
    filled = {pat: fill(forms[pat], {"sponsorship": (4, "-1 for us, @team: works"), "purpose": ("Don't know", None)}),
              other: fill(forms[other], {"sponsorship": ("2", ""), "safety": (5.0, "ok")})}
    report = import_offline_forms(demo_db, CHAMPION, list(filled.items()))
    assert report.ok and report.applied and report.answered == 2, report.lines()
    assert results.progress(demo_db, made.round_id).answered == 2
    commands.close_round(demo_db, CHAMPION, made.round_id,
                         expected_version=results.get_round(demo_db, made.round_id).version)
    rows = sorted(results.named_answers(demo_db, CHAMPION, made.round_id))
    assert ("Pat O'Neil", "sponsorship", 4, False, "-1 for us, @team: works") in rows
    assert ("Pat O'Neil", "purpose", None, True, "") in rows
    assert ('=HYPERLINK("http://x")', "safety", 5, False, "ok") in rows and len(rows) == 4
    assert demo_db.scalar("SELECT count(*) FROM round_responses WHERE source = 'offline form'") == 2
    # the same form again: refused by name, nothing written
    again = import_offline_forms(demo_db, CHAMPION, [(pat, filled[pat])])
    assert not again.ok and not again.applied
    assert any("used already" in p for p in again.files[0].problems)
    assert pat in "\n".join(again.lines())


def test_a_code_twice_in_one_upload_is_refused_and_nothing_is_written(demo_db):
    made, issued = _round(demo_db)
    _open(demo_db, made.round_id)
    forms = _forms(demo_db, made, issued)
    name = sorted(forms)[1]
    data = fill(forms[name], {"sponsorship": (3, "")})
    report = import_offline_forms(demo_db, CHAMPION, [(name, data), ("copy.xlsx", data)])
    assert not report.ok and "the same form as" in report.files[1].problems[0]
    assert results.progress(demo_db, made.round_id).answered == 0


@pytest.mark.parametrize("value", [6, 0, 2.5, "three", "yes", True, "-3"])
def test_anything_but_1_to_5_dont_know_or_blank_is_refused_with_file_dimension_and_value(demo_db, value):
    made, issued = _round(demo_db)
    _open(demo_db, made.round_id)
    forms = _forms(demo_db, made, issued)
    good, bad = sorted(forms)
    files = [(good, fill(forms[good], {"sponsorship": (3, "")})),
             (bad, fill(forms[bad], {"purpose": (value, ""), "safety": (4, "")}))]
    report = import_offline_forms(demo_db, CHAMPION, files)
    assert not report.ok and not report.applied
    text = "\n".join(report.lines())
    assert bad in text and "'purpose'" in text and "is not an answer" in text and "nothing was imported" in text
    assert not report.files[0].problems
    assert results.progress(demo_db, made.round_id).answered == 0           # all files checked before any write


def test_a_formula_is_refused_not_evaluated(demo_db):
    made, issued = _round(demo_db)
    _open(demo_db, made.round_id)
    name, data = sorted(_forms(demo_db, made, issued).items())[1]
    report = import_offline_forms(demo_db, CHAMPION, [(name, fill(data, {"purpose": ("=1+2", "")}))])
    assert not report.ok and "formulas without a saved value" in report.files[0].problems[0]
    assert results.progress(demo_db, made.round_id).answered == 0


def test_a_closed_round_or_a_stranger_is_refused(demo_db):
    made, issued = _round(demo_db)
    _open(demo_db, made.round_id)
    forms = _forms(demo_db, made, issued)
    name = sorted(forms)[1]
    data = fill(forms[name], {"sponsorship": (3, "")})
    assert "PermissionDenied" not in str(import_offline_forms(demo_db, SPONSOR, [(name, data)]).lines())
    refused = import_offline_forms(demo_db, SPONSOR, [(name, data)])
    assert not refused.ok and "sponsor" in refused.files[0].problems[0]
    commands.close_round(demo_db, CHAMPION, made.round_id,
                         expected_version=results.get_round(demo_db, made.round_id).version)
    late = import_offline_forms(demo_db, CHAMPION, [(name, data)])
    assert not late.ok and "closed" in late.files[0].problems[0]


def test_hostile_files_are_refused_before_any_parser(demo_db):
    made, issued = _round(demo_db)
    _open(demo_db, made.round_id)
    forms = _forms(demo_db, made, issued)
    name, data = sorted(forms.items())[1]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            for n in src.namelist():
                z.writestr(n, src.read(n))
        z.writestr("xl/vbaProject.bin", b"macro")
    files = [("macro.xlsx", bomb.getvalue()), ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100),
             ("empty.xlsx", b""), ("big.xlsx", b"PK\x03\x04" + b"0" * (MAX_UPLOAD_BYTES + 1)),
             ("notes.txt", b"hello")]
    report = import_offline_forms(demo_db, CHAMPION, files)
    problems = {f.filename: f.problems[0] for f in report.files}
    assert "macros" in problems["macro.xlsx"] and ".xls" in problems["old.xls"]
    assert "empty" in problems["empty.xlsx"] and "limit" in problems["big.xlsx"]
    assert "not an Excel workbook" in problems["notes.txt"]
    assert results.progress(demo_db, made.round_id).answered == 0


def test_no_file_metadata_is_stored_and_anonymous_answers_keep_no_link(demo_db):
    people = [f"person{i}@example.org" for i in range(5)]
    made, issued = _round(demo_db, ANONYMOUS, people, department="FIN")
    _open(demo_db, made.round_id)
    forms = _forms(demo_db, made, issued)
    files = [(n, fill(d, {"sponsorship": (i % 5 + 1, "fine")})) for i, (n, d) in enumerate(sorted(forms.items()))]
    assert SECRET.encode() in zipfile.ZipFile(io.BytesIO(files[0][1])).read("docProps/core.xml")
    report = import_offline_forms(demo_db, CHAMPION, files)
    assert report.ok and report.answered == 5
    dump = " ".join(str(row) for t in ("round_invitations", "round_responses", "round_answers", "rating_rounds",
                                       "audit_log") for row in demo_db.rows(f"SELECT * FROM {t}"))
    assert SECRET not in dump
    assert all(i.token not in dump for i in issued)
    assert demo_db.scalar("SELECT count(*) FROM round_responses WHERE round_id = $1 AND invitation_id IS NOT NULL",
                          [made.round_id]) == 0
    assert not any(f.code for f in report.files)                                   # the codes are let go
