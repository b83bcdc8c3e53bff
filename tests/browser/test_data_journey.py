"""Data journey in a real browser: upload an edited workbook, preview, confirm, then download the export."""

import io

import openpyxl
import python_calamine

from esm_maturity.db import Database
from esm_maturity.workbook import export_bytes
from tests.browser.conftest import copy_db, wait_idle


def test_upload_preview_confirm_and_download(start_server, page, demo_file, tmp_path):
    db_file = copy_db(demo_file, tmp_path / "demo.duckdb")
    with Database(db_file) as db:
        book = openpyxl.load_workbook(io.BytesIO(export_bytes(db)))
    for row in book["Departments"].iter_rows(min_row=2):
        if row[0].value == "LEG":
            row[1].value = "Legal and Compliance"
    edited = tmp_path / "edited.xlsx"
    book.save(edited)

    server = start_server(db_file)
    page.goto(server.url + "/data")
    wait_idle(page, "Prepare the export")
    page.get_by_role("tab", name="Import").click()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(edited))
    wait_idle(page, "Preview")
    page.get_by_role("button", name="Import 1 change(s)").wait_for()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.get_by_role("button", name="Import 1 change(s)").click()
    wait_idle(page, "Imported 1 change(s) from edited.xlsx.")

    page.get_by_role("tab", name="Export").click()
    page.get_by_role("button", name="Prepare the export").click()
    wait_idle(page, "Download the workbook")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the workbook").click()
    download = info.value
    assert download.suggested_filename.startswith("esm-workbook-") and download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / "download.xlsx"
    download.save_as(saved)
    rows = python_calamine.CalamineWorkbook.from_path(str(saved)).get_sheet_by_name("Departments").to_python()
    assert ["LEG", "Legal and Compliance"] == rows[[r[0] for r in rows].index("LEG")][:2]
