"""The offline self-assessment form as a file: one small workbook per department and quarter.

write_form lays out a form from plain rows (each dimension with its five rubric lines beside it,
last quarter's score, dropdowns for score and target, a cell for evidence, and a `respondent` row on
About for the name of whoever fills it in); forms_to_workbook turns returned forms (one or many)
into one workbook with a Scores sheet, which goes through the same import. No database: forms.py
reads what a form shows.
"""

from __future__ import annotations

import re
from typing import Iterable

from ..limits import LIMITS, too_long
from ..models import Quarter, ValidationError, check_department_id
from . import contract as c
from .parsed import Issue, ParsedSheet, ParsedWorkbook, Row
from .writer import Writer, about_pairs

HOW_TO_FILL_IN = ("On the Self-assessment sheet choose a score (1-5, or N/A when the dimension does not apply) "
                  "and a target for each dimension, and write evidence: why this score. Evidence is required "
                  "when the score differs from last quarter's. Write your name beside 'respondent' on this About "
                  "sheet: it is kept with the scores. Keep the dimension_id column as it is; then send the file "
                  "back to be uploaded on the Data page.")
RESPONDENT = "respondent"   # the About key where the person who fills in the form writes their name
WRAPPED = {"dimension", "evidence", "level 1", "level 2", "level 3", "level 4", "level 5"}


def write_form(target, quarter: str, department_id: str, department: str, model_version: str,
               rows: Iterable[tuple]) -> None:
    """Write a form; `rows` are in the order of contract.FORM_COLUMNS."""
    writer = Writer(target)
    try:
        writer.about(about_pairs(model_version, [
            ("quarter", quarter), ("department_id", department_id), ("department", department),
            (RESPONDENT, ""), ("how to fill in", HOW_TO_FILL_IN)], fmt=c.FORM_FORMAT))
        writer.sheet(c.FORM_SHEET, c.FORM_COLUMNS, rows, validation_rows=0, wrap=WRAPPED)
    finally:
        writer.close()


def form_filename(quarter: Quarter | str, department_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]", "_", department_id)
    return f"self-assessment-{quarter}-{safe}.xlsx"


def forms_to_workbook(forms: list[ParsedWorkbook]) -> ParsedWorkbook:
    """Returned forms as one workbook with a Scores sheet (rows keep their file's name for the report). The
    importer is credited with the scores (assessed_by); the name written in the form is their respondent."""
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
        respondent = form.about.get(RESPONDENT, "") or None
        problem = too_long(respondent or "", LIMITS["score"]["respondent"])
        if problem:
            issues.append(Issue(f"{form.filename}: {c.ABOUT}", None, RESPONDENT, problem))
            continue
        sheet = form.sheets.get(c.FORM_SHEET)
        for row in sheet.rows if sheet else []:
            cells = (quarter, dept, sheet.value(row, "dimension_id"), sheet.value(row, "score"),
                     sheet.value(row, "target"), sheet.value(row, "evidence") or "", respondent)
            rows.append(Row(row.excel_row, cells, label))
    scores = ParsedSheet(c.SCORES, c.SCORES.name, ("quarter", "department_id", "dimension_id", "score", "target",
                                                   "evidence", RESPONDENT), rows)
    names = ", ".join(f.filename for f in forms)
    return ParsedWorkbook(names, ",".join(f.sha256 for f in forms), {}, {c.SCORES.name: scores}, issues, c.FORMAT)
