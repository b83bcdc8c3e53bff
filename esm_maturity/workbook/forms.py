"""Offline self-assessment forms: one small workbook per department and quarter.

The form shows each active dimension with its five rubric lines beside it, last
quarter's score, dropdowns for score (1-5, N/A) and target, and a cell for evidence.
Returned forms (one or many) become Scores rows and go through the same import.
"""

from __future__ import annotations

import io
import re
import zipfile

from ..assessments import scoring_sheet
from ..db import Database
from ..departments import get_department, list_departments
from ..maturity import model_version
from ..models import NA, Quarter, ValidationError, check_department_id
from . import contract as c
from .reader import Issue, ParsedSheet, ParsedWorkbook, Row
from .writer import Writer, about_pairs


def _cell(score) -> object:
    if score is None or not score.assessed:
        return None
    return NA if score.na else score.level


def write_form(target, db: Database, quarter: Quarter | str, department_id: str) -> None:
    quarter = Quarter.parse(str(quarter))
    dept = get_department(db, department_id)
    writer = Writer(target)
    try:
        writer.about(about_pairs(model_version(db), [
            ("quarter", str(quarter)), ("department_id", dept.department_id), ("department", dept.name),
            ("how to fill in", "On the Self-assessment sheet choose a score (1-5, or N/A when the dimension does "
                               "not apply) and a target for each dimension, and write evidence: why this score. "
                               "Evidence is required when the score differs from last quarter's. Keep the "
                               "dimension_id column as it is; then send the file back to be uploaded on the "
                               "Data page.")], fmt=c.FORM_FORMAT))
        rows = []
        for line in scoring_sheet(db, quarter, dept.department_id):
            dim, now = line.dimension, line.current
            rows.append((dim.dimension_id, dim.name, _cell(line.last), _cell(now.score), now.target,
                         now.evidence or None, *(dim.rubric.get(level, "") for level in range(1, 6))))
        writer.sheet(c.FORM_SHEET, c.FORM_COLUMNS, rows, validation_rows=0,
                     wrap={"dimension", "evidence", "level 1", "level 2", "level 3", "level 4", "level 5"})
    finally:
        writer.close()


def form_bytes(db: Database, quarter: Quarter | str, department_id: str) -> bytes:
    buffer = io.BytesIO()
    write_form(buffer, db, quarter, department_id)
    return buffer.getvalue()


def form_filename(quarter: Quarter | str, department_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", department_id)
    return f"self-assessment-{quarter}-{safe}.xlsx"


def forms_zip(db: Database, quarter: Quarter | str) -> bytes:
    """One form per active department, zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for dept in list_departments(db):
            archive.writestr(form_filename(quarter, dept.department_id),
                             form_bytes(db, quarter, dept.department_id))
    return buffer.getvalue()


def forms_to_workbook(forms: list[ParsedWorkbook]) -> ParsedWorkbook:
    """Returned forms as one workbook with a Scores sheet (rows keep their file's name for the report)."""
    issues: list[Issue] = []
    rows: list[Row] = []
    for form in forms:
        issues += form.issues
        label = f"{form.filename}: {c.FORM_SHEET}"
        try:
            quarter = str(Quarter.parse(form.about.get("quarter", "")))
            dept = check_department_id(form.about.get("department_id"))
        except ValidationError as err:
            issues.append(Issue(f"{form.filename}: {c.ABOUT}", None, err.problems[0].field,
                                err.problems[0].message + "; download a new form from the Data page"))
            continue
        sheet = form.sheets.get(c.FORM_SHEET)
        for row in sheet.rows if sheet else []:
            cells = (quarter, dept, sheet.value(row, "dimension_id"), sheet.value(row, "score"),
                     sheet.value(row, "target"), sheet.value(row, "evidence") or "")
            rows.append(Row(row.excel_row, cells, label))
    scores = ParsedSheet(c.SCORES, c.SCORES.name, ("quarter", "department_id", "dimension_id", "score", "target",
                                                   "evidence"), rows)
    names = ", ".join(f.filename for f in forms)
    return ParsedWorkbook(names, ",".join(f.sha256 for f in forms), {}, {c.SCORES.name: scores}, issues, c.FORMAT)
