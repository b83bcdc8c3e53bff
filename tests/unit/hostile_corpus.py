"""A generator of hostile and messy workbooks, built in memory for the workbook tests.

Hostile files must be refused before any parser sees them; messy files must be read
and reported row by row. Each entry names the file and the words its message must contain.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Callable

import xlsxwriter

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="{main}"/>'
    '{sheets}</Types>')
MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' \
     'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def cell(ref: str, value) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    text = str(value).replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: list[list], extra_cells: str = "", dimension: str | None = None) -> str:
    body = []
    for i, row in enumerate(rows, start=1):
        cells = "".join(cell(f"{chr(65 + j)}{i}", v) for j, v in enumerate(row) if v is not None)
        body.append(f'<row r="{i}">{cells}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>{dim}<sheetData>{"".join(body)}{extra_cells}' \
           '</sheetData></worksheet>'


ABOUT_ROWS = [["key", "value"], ["format", "esm-maturity-workbook"], ["format_version", "1"]]


def raw_xlsx(sheets: dict[str, str], *, extra: dict[str, bytes | str] | None = None, main: str = MAIN,
             compression=zipfile.ZIP_DEFLATED) -> bytes:
    """A minimal .xlsx from sheet XML strings (name -> xml), written part by part."""
    buffer = io.BytesIO()
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>'
                        for i in range(1, len(sheets) + 1))
    workbook = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS}><sheets>'
                + "".join(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>' for i, name in enumerate(sheets, 1))
                + "</sheets></workbook>")
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1))
            + "</Relationships>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships '
                 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                 'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                 'Target="xl/workbook.xml"/></Relationships>')
    with zipfile.ZipFile(buffer, "w", compression) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main, sheets=overrides))
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", workbook)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        for i, xml in enumerate(sheets.values(), start=1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buffer.getvalue()


def xlsx(sheets: dict[str, list[list]], merge: tuple | None = None) -> bytes:
    """A workbook written by xlsxwriter, with typed cells (dates, booleans, numbers)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "strings_to_numbers": False})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                if isinstance(value, (dt.date, dt.datetime)):
                    ws.write_datetime(i, j, value, date)
                elif value is not None:
                    ws.write(i, j, value)
        if merge and merge[0] == name:
            ws.merge_range(*merge[1:], None)
    book.close()
    return buffer.getvalue()


# --- hostile: refused before parsing -------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    name: str
    build: Callable[[], bytes]
    message: str          # words the refusal must contain


def _ole(payload: bytes) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + payload + b"\x00" * 4096


def _good() -> bytes:
    return raw_xlsx({"About": sheet_xml(ABOUT_ROWS)})


def _zip_bomb() -> bytes:
    filler = "<row/>" * 4_000_000  # 24 MB of XML that deflates ~1000 times
    return raw_xlsx({"About": sheet_xml(ABOUT_ROWS), "Scores": sheet_xml([["quarter"]], extra_cells=filler)})


def _shared_strings(count: int) -> bytes:
    table = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
             f'2006/main" count="{count}" uniqueCount="{count}">' + "".join(f"<si><t>s{i}</t></si>" for i in
                                                                          range(count)) + "</sst>")
    return raw_xlsx({"About": sheet_xml(ABOUT_ROWS)}, extra={"xl/sharedStrings.xml": table})


def _entities() -> bytes:
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
           f'<worksheet {NS}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row>'
           '</sheetData></worksheet>')
    return raw_xlsx({"About": sheet_xml(ABOUT_ROWS), "Departments": lol})


def _far_cell(with_dimension: bool) -> bytes:
    xml = sheet_xml([["department_id", "name"], ["HR", "People"]], extra_cells=(
        '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
        dimension="A1:XFD1048576" if with_dimension else None)
    return raw_xlsx({"About": sheet_xml(ABOUT_ROWS), "Departments": xml})


def _truncated() -> bytes:
    data = _good()
    return data[: len(data) // 2]


HOSTILE = [
    Hostile("empty", lambda: b"", "empty"),
    Hostile("not a zip", lambda: b"quarter,department_id\n2025-Q1,HR\n", "not an Excel workbook"),
    Hostile("truncated", _truncated, "damaged or incomplete"),
    Hostile("encrypted", lambda: _ole("EncryptedPackage".encode("utf-16-le")), "password"),
    Hostile("xls", lambda: _ole(b"Workbook"), ".xls"),
    Hostile("macro-enabled", lambda: raw_xlsx({"About": sheet_xml(ABOUT_ROWS)},
                                              extra={"xl/vbaProject.bin": b"\x00" * 64}), "macros"),
    Hostile("macro content type", lambda: raw_xlsx({"About": sheet_xml(ABOUT_ROWS)}, main=MACRO_MAIN),
            "macro-enabled"),
    Hostile("zip bomb", _zip_bomb, "zip bomb"),
    Hostile("xml entities", _entities, "entities"),
    Hostile("far-away cell (declared)", lambda: _far_cell(True), "far-away cells"),
    Hostile("far-away cell (undeclared)", lambda: _far_cell(False), "far-away cells"),
    Hostile("oversized upload", lambda: b"PK\x03\x04" + b"\x00" * (50 * 2**20 + 1), "limit is 50 MB"),
    Hostile("no About sheet", lambda: raw_xlsx({"Departments": sheet_xml([["department_id", "name"]])}),
            "no About sheet"),
]
SHARED_STRINGS_BOMB = _shared_strings


# --- messy: read, with a report row by row ------------------------------------------------------------


def formula_without_value() -> bytes:
    """Scores row 2 has a formula in `score` with no saved value (the reader would see a blank)."""
    row2 = ('<row r="2">' + cell("A2", "2026-Q4") + cell("B2", "IT") + cell("C2", "collaboration")
            + '<c r="D2"><f>SUM(1,2)</f></c></row>')
    return raw_xlsx({"About": sheet_xml(ABOUT_ROWS),
                     "Scores": sheet_xml([["quarter", "department_id", "dimension_id", "score"]], extra_cells=row2)})


def messy_scores() -> bytes:
    """Every common mistake in one Scores sheet (rows 2-9), plus a sheet name and header with stray spaces."""
    about = [["key", "value"], ["format", "esm-maturity-workbook"], ["format_version", 1]]
    scores = [
        [" Quarter ", "department_id", "dimension_id", "score ", "target", "evidence", "assessed_on"],
        ["2026-Q4", "IT", "collaboration", True, None, "a boolean score", None],           # 2 boolean
        ["2026-Q4", "IT", "knowledge", 7, None, "out of range", None],                     # 3 out of range
        ["2026-Q4", "IT", "customer_focus", "three", None, "a word", None],                # 4 text
        ["2026-Q4", "IT", "psychological_safety", 2.5, None, "a fraction", None],          # 5 fraction
        ["2026-Q4", "IT", "shared_purpose", 3, None, "text date", "01/02/2025"],           # 6 ambiguous date
        ["2026-Q4", "IT", "roles", 3, None, "fine", dt.date(2026, 11, 2)],                 # 7 good
        ["2026-Q4", "IT", "roles", 4, None, "duplicate key", None],                        # 8 duplicate of 7
        ["2026-Q4", "IT", "sponsorship", 3, None, "merged below", None],                   # 9 merged with 10
        [None, None, None, None, None, None, None],                                        # 10
    ]
    return xlsx({"About": about, "Scores ": scores}, merge=("Scores ", 8, 0, 9, 0))
