"""The Data page: export and template buttons, upload -> preview -> confirm, errors shown by row, forms."""

from __future__ import annotations

import io

import openpyxl

from esm_maturity.db import Database
from esm_maturity.workbook import export_bytes
from tests.unit import hostile_corpus as corpus
from tests.app.conftest import add_people

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _renamed_export(db_file) -> bytes:
    with Database(db_file) as db:
        data = export_bytes(db)
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Departments"]
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "FIN":
            row[1].value = "Finance and Procurement"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _upload(at, name: str, data: bytes):
    at.get("file_uploader")[0].set_value([(name, data, XLSX)])
    at.run()
    return at


def _frame(at, column: str):
    """The data frame that has `column` (AppTest does not carry a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _labels(at) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_page_offers_export_template_and_forms(demo_app):
    at = demo_app("pages/data.py")
    assert not at.exception
    assert at.title[0].value == "Data"
    assert "Download an empty template" in _labels(at)
    assert not any(label == "Download the workbook" for label in _labels(at))
    at.button(key="data_export_prepare").click().run()
    assert "Download the workbook" in _labels(at)
    assert any(label.startswith("Download the form for") for label in _labels(at))
    at.selectbox(key="data_form_department").set_value("").run()
    assert "Download 10 forms (zip)" in _labels(at)


def test_upload_preview_then_confirm_imports(demo_app, demo_path):
    at = demo_app("pages/data.py")
    data = _renamed_export(demo_path)
    _upload(at, "edited.xlsx", data)
    assert not at.exception
    counts = _frame(at, "unchanged")
    row = counts[counts["sheet"] == "Departments"].iloc[0]
    assert (row["new"], row["changed"], row["unchanged"]) == (0, 1, 9)
    confirm = at.button(key="data_import_confirm")
    assert confirm.label == "Import 1 change(s)"
    # between preview and confirm only the report is kept, not the workbook's rows (read again on confirm)
    kept = at.session_state["data_parsed"]
    assert [type(k).__name__ for k in kept] == ["tuple", "ImportReport"]
    at.button(key="data_import_confirm").click().run()
    assert not at.exception
    assert "Imported 1 change(s) from edited.xlsx." in [s.value for s in at.success]
    from esm_maturity.ui.resources import _open_database
    db = _open_database(str(demo_path))
    assert db.scalar("SELECT name FROM departments WHERE department_id = 'FIN'") == "Finance and Procurement"
    assert db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'workbook' AND entity_key = 'edited.xlsx'") == 1


def test_errors_are_listed_by_row_and_nothing_can_be_imported(demo_app, demo_path):
    at = demo_app("pages/data.py")
    _upload(at, "messy.xlsx", corpus.messy_scores())
    assert not at.exception
    issues = _frame(at, "message")
    assert {"sheet", "row", "column", "message"} <= set(issues.columns)
    assert ((issues["row"] == 3) & (issues["column"] == "score")).any()
    assert any("error(s)" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == "data_import_confirm"]


def test_hostile_upload_shows_a_clear_message(demo_app):
    at = demo_app("pages/data.py")
    _upload(at, "bomb.xlsx", corpus.HOSTILE[7].build())
    assert not at.exception
    assert any("zip bomb" in e.value for e in at.error)


def test_a_sponsor_can_check_a_file_but_not_import_it(demo_app, demo_path):
    data = _renamed_export(demo_path)
    add_people(demo_path, ("vera@example.org", "sponsor"))
    at = demo_app("pages/data.py", user="vera@example.org")
    _upload(at, "edited.xlsx", data)
    assert not at.exception
    assert any("cannot import a workbook" in i.value and "You can still check a file" in i.value for i in at.info)
    issues = _frame(at, "message")
    assert issues["message"].str.contains("1 row for FIN: Vera (vera@example.org) is a sponsor", regex=False).any()
    assert not [b for b in at.button if b.key == "data_import_confirm" and not b.disabled]
