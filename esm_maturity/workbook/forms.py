"""Offline self-assessment forms for this database: one per department and quarter, or all of them zipped.

What a form shows is read through the domain (the scoring sheet, the department, the model's
version) and laid out by form_file.py; returned forms are read back there too.
"""

from __future__ import annotations

import io
import zipfile

from ..assessments import scoring_sheet
from ..db import Database
from ..departments import get_department, list_departments
from ..maturity import model_version
from ..models import NA, Quarter
from .form_file import form_filename, write_form


def _cell(score) -> object:
    if score is None or not score.assessed:
        return None
    return NA if score.na else score.level


def _form_rows(db: Database, quarter: Quarter, department_id: str) -> list[tuple]:
    """Each dimension's line of the form: last quarter's score, this quarter's so far, and the rubric."""
    rows = []
    for line in scoring_sheet(db, quarter, department_id):
        dim, now = line.dimension, line.current
        rows.append((dim.dimension_id, dim.name, _cell(line.last), _cell(now.score), now.target,
                     now.evidence or None, *(dim.rubric.get(level, "") for level in range(1, 6))))
    return rows


def form_bytes(db: Database, quarter: Quarter | str, department_id: str) -> bytes:
    quarter = Quarter.parse(str(quarter))
    dept = get_department(db, department_id)
    buffer = io.BytesIO()
    write_form(buffer, str(quarter), dept.department_id, dept.name, model_version(db),
               _form_rows(db, quarter, dept.department_id))
    return buffer.getvalue()


def forms_zip(db: Database, quarter: Quarter | str) -> bytes:
    """One form per active department, zipped."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for dept in list_departments(db):
            archive.writestr(form_filename(quarter, dept.department_id),
                             form_bytes(db, quarter, dept.department_id))
    return buffer.getvalue()


__all__ = ["form_bytes", "form_filename", "forms_zip"]
