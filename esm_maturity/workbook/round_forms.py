"""Offline rating forms: one small workbook per invitee of a rating round, and the returned forms imported.

offline_forms writes, for each invitation just made (rounds.commands.invite gives each token once), a
workbook with an `Instructions` sheet (the department, quarter, the round's instructions, the honest words
of its mode, how to return it) and a `Rating` sheet: a row per dimension of the round with its rubric for
levels 1-5, an answer cell with a drop-down ("1,2,3,4,5,Don't know") and a comment cell; the round id and
the one-time form code sit in a hidden, protected `Form` sheet, labelled. Text is always written as text
(xlsxwriter's write_string, never a formula), as in writer.py.

import_offline_forms reads returned forms: each file through the upload checks (safety.check_upload: size,
zip bomb, macros, entities, far cells...), every value checked again (a drop-down is not enforced by Excel
files: anything but 1-5, Don't know or blank is refused, naming the file, the dimension and the value),
each code once, every file before any is written; then each form is answered through
rounds.commands.answer(source=OFFLINE). Only the values are kept: never the file, nor its metadata.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field

from ..access.policy import Permission, require
from ..db import Database
from ..departments import get_department
from ..maturity import dimensions
from ..models import Actor, EsmError, PermissionDenied
from ..rounds import commands, results, tokens
from ..rounds.records import OFFLINE, OPEN, Answer, Issued
from .safety import UnsafeWorkbook, check_upload
from .writer import WORKBOOK_OPTIONS, safe_text

RATING_FORMAT = "esm-maturity-rating-form"
FORMAT_VERSION = "1"
INSTRUCTIONS_SHEET, RATING_SHEET, FORM_SHEET = "Instructions", "Rating", "Form"
RATING_COLUMNS = ("dimension_id", "dimension", "answer", "comment", "level 1", "level 2", "level 3", "level 4",
                  "level 5")
WIDTHS = (20, 28, 12, 50, 34, 34, 34, 34, 34)
DONT_KNOW = "Don't know"
CHOICES = ("1", "2", "3", "4", "5", DONT_KNOW)
FORM_CODE, ROUND_ID = "form code", "round_id"
HOW_TO_FILL_IN = ("On the Rating sheet, choose an answer for each dimension from the drop-down: the level (1 to 5) "
                  "whose description fits the department best, or Don't know. A comment is optional. Leave a "
                  "dimension blank to skip it.")
HOW_TO_RETURN = ("Save the file as it is (Excel Workbook, .xlsx) and send it back to your champion, who uploads it. "
                 "The form's code can be used once: a second copy of the same form is refused. Only your answers "
                 "are kept, never the file or who saved it.")
_DONT_KNOW_WORDS = {"don't know", "dont know", "don’t know", "do not know", "dk"}


# --- writing ----------------------------------------------------------------------------------------

def _file_name(round_id: str, invitee: str, taken: set[str]) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", invitee).strip("_")[:60] or "invitee"
    name, n = f"rating-{round_id}-{safe}.xlsx", 2
    while name.lower() in taken:
        name, n = f"rating-{round_id}-{safe}-{n}.xlsx", n + 1
    taken.add(name.lower())
    return name


def _text(ws, row: int, col: int, value: object, fmt=None) -> None:
    """User text as text: write_string never makes a formula, number or link of it."""
    text = "" if value is None else str(value)
    if text:
        ws.write_string(row, col, safe_text(text), fmt)


def _form_bytes(found, department: str, dims: list, issued: Issued) -> bytes:
    import xlsxwriter  # deferred: only writing forms needs it (as in writer.py)

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {**WORKBOOK_OPTIONS, "constant_memory": False})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#E8EEF2", "bottom": 1, "locked": True})
        wrap = book.add_format({"text_wrap": True, "valign": "top", "locked": True})
        title = book.add_format({"bold": True, "font_size": 14})
        entry = book.add_format({"locked": False, "bg_color": "#FFF8DC", "valign": "top", "border": 1})
        entry_wrap = book.add_format({"locked": False, "bg_color": "#FFF8DC", "valign": "top", "border": 1,
                                      "text_wrap": True})
        ws = book.add_worksheet(INSTRUCTIONS_SHEET)
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 100, wrap)
        _text(ws, 0, 0, "Rating form", title)
        lines = [("Department", department), ("Quarter", found.quarter), ("Round", found.round_id),
                 ("Invitee", issued.invitation.invitee), ("Mode", found.words), ("Instructions", found.instructions),
                 ("How to fill in", HOW_TO_FILL_IN), ("How to return it", HOW_TO_RETURN)]
        for i, (label, value) in enumerate(lines, start=2):
            _text(ws, i, 0, label, bold)
            _text(ws, i, 1, value, wrap)
        ws.protect()

        ws = book.add_worksheet(RATING_SHEET)
        for j, width in enumerate(WIDTHS):
            ws.set_column(j, j, width, wrap)
        for j, name in enumerate(RATING_COLUMNS):
            _text(ws, 0, j, name, bold)
        ws.freeze_panes(1, 2)
        for i, dim in enumerate(dims, start=1):
            _text(ws, i, 0, dim.dimension_id, wrap)
            _text(ws, i, 1, dim.name, wrap)
            ws.write_blank(i, 2, None, entry)
            ws.write_blank(i, 3, None, entry_wrap)
            for level in range(1, 6):
                _text(ws, i, 3 + level, dim.rubric.get(level, ""), wrap)
        if dims:
            ws.data_validation(1, 2, len(dims), 2, {
                "validate": "list", "source": list(CHOICES), "error_title": "answer",
                "error_message": "Choose 1, 2, 3, 4, 5 or Don't know", "input_title": "Your answer",
                "input_message": "1 to 5 (see the level columns), or Don't know"})
        ws.protect("", {"format_columns": True, "format_rows": True})

        ws = book.add_worksheet(FORM_SHEET)
        ws.set_column(0, 1, 40)
        for i, (key, value) in enumerate([("key", "value"), ("format", RATING_FORMAT),
                                          ("format_version", FORMAT_VERSION), (ROUND_ID, found.round_id),
                                          (FORM_CODE, issued.token)]):
            _text(ws, i, 0, key, bold if i == 0 else None)
            _text(ws, i, 1, value, bold if i == 0 else None)
        ws.protect()
        ws.hide()
        book.set_properties({"title": f"Rating form {found.round_id}", "author": "", "comments": ""})
    finally:
        book.close()
    return buffer.getvalue()


def offline_forms(db: Database, actor: Actor, round_id: str, issued: list[Issued]) -> bytes:
    """A zip with one form per invitation just made (`issued`, from commands.invite), for those who run the round."""
    found = results.get_round(db, round_id)
    require(db, actor, Permission.rounds, found.department_id, entity="rating round", key=round_id)
    ours = {invitation_id for invitation_id, *_ in results.invitations(db, actor, round_id)}
    strangers = [i.invitation.invitee for i in issued if i.invitation.invitation_id not in ours]
    if strangers:
        raise EsmError(f"not invitations of rating round {round_id}: {', '.join(strangers)}")
    by_id = {d.dimension_id: d for d in dimensions(db, include_retired=True)}
    dims = [by_id[d] for d in found.dimension_ids if d in by_id]
    department = get_department(db, found.department_id).name
    buffer, taken = io.BytesIO(), set()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for one in issued:
            archive.writestr(_file_name(round_id, one.invitation.invitee, taken),
                             _form_bytes(found, department, dims, one))
    return buffer.getvalue()


# --- reading back -----------------------------------------------------------------------------------

@dataclass
class FormResult:
    filename: str
    round_id: str = ""
    answers: list[Answer] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    code: str = field(default="", repr=False)     # never shown, logged or stored: only handed to commands.answer
    written: bool = False


@dataclass
class OfflineReport:
    """What an import of returned rating forms found and did, file by file."""

    files: list[FormResult]
    applied: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.files) and not any(f.problems for f in self.files)

    @property
    def answered(self) -> int:
        return sum(f.written for f in self.files)

    def lines(self) -> list[str]:
        out = []
        for f in self.files:
            state = "answered" if f.written else ("refused" if f.problems else "checked")
            out.append(f"{f.filename}: {state}" + (f" (round {f.round_id}, {len(f.answers)} answer(s))"
                                                   if f.answers else ""))
            out += [f"  error: {p}" for p in f.problems]
        if not self.files:
            out.append("No files were uploaded.")
        elif self.applied:
            refused = sum(bool(f.problems) for f in self.files)
            out.append(f"Imported {self.answered} form(s)." + (f" {refused} could not be answered (see above)."
                                                               if refused else ""))
        elif not self.ok:
            out.append(f"{sum(bool(f.problems) for f in self.files)} file(s) with errors: nothing was imported. "
                       "Fix them (or leave them out) and upload again.")
        return out


def _message(err: Exception) -> str:
    problems = getattr(err, "problems", None)
    return "; ".join(p.message for p in problems) if problems else str(err)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_answer(value: object) -> tuple[int | None, bool] | None:
    """(level, don't know) of an answer cell; None when it is neither 1-5, Don't know nor blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, False
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return (int(value), False) if float(value).is_integer() and 1 <= value <= 5 else None
    text = " ".join(str(value).split()).casefold()
    if text in _DONT_KNOW_WORDS:
        return None, True
    if text in {"1", "2", "3", "4", "5"}:
        return int(text), False
    return None


def _read_form(name: str, data: bytes) -> tuple[dict[str, str], list[list], FormResult]:
    """The Form sheet's values and the Rating sheet's rows of one file, after the upload checks."""
    from python_calamine import CalamineWorkbook  # deferred: as the workbook reader (loader.py)

    result = FormResult(name)
    try:
        info = check_upload(data, name)
    except UnsafeWorkbook as err:
        result.problems.append(err.problems[0].message)
        return {}, [], result
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = {s.casefold(): s for s in book.sheet_names}
        if FORM_SHEET.casefold() not in sheets or RATING_SHEET.casefold() not in sheets:
            result.problems.append(f"this is not a rating form (it has no {FORM_SHEET!r} and {RATING_SHEET!r} "
                                   "sheets); ask your champion for a new form")
            return {}, [], result
        form_rows = book.get_sheet_by_name(sheets[FORM_SHEET.casefold()]).to_python(skip_empty_area=False)
        rating_title = sheets[RATING_SHEET.casefold()]
        rows = book.get_sheet_by_name(rating_title).to_python(skip_empty_area=False)
    except Exception as err:  # calamine raises its own error types for damaged files
        result.problems.append(f"the file could not be read ({str(err)[:120]}); save it again as Excel Workbook "
                               "(.xlsx)")
        return {}, [], result
    if info.formula_cells.get(rating_title):
        result.problems.append("the Rating sheet has formulas without a saved value; type the answers instead")
    form = {_cell_text(r[0]).strip().casefold(): _cell_text(r[1]).strip() for r in form_rows[1:] if len(r) >= 2}
    return form, rows, result


def _check(db: Database, actor: Actor, name: str, data: bytes, codes: dict[str, str]) -> FormResult:
    form, rows, result = _read_form(name, data)
    if result.problems:
        return result
    if form.get("format") != RATING_FORMAT or form.get("format_version") != FORMAT_VERSION:
        result.problems.append("this is not a rating form of this app (its Form sheet is missing or changed); "
                               "ask your champion for a new form")
        return result
    code, result.round_id = form.get(FORM_CODE, ""), form.get(ROUND_ID, "")
    held = commands.holder(db, code) if tokens.looks_like_token(code) else None
    if held is None:
        result.problems.append("the form code is not valid: the invitation may have been revoked, or the form "
                               "belongs to another database; ask your champion for a new form")
        return result
    found = held.round
    if found.round_id != result.round_id:
        result.problems.append(f"the form says round {result.round_id!r} but its code belongs to round "
                               f"{found.round_id}; ask your champion for a new form")
        return result
    try:
        require(db, actor, Permission.rounds, found.department_id, entity="rating round", key=found.round_id)
    except PermissionDenied as err:
        result.problems.append(_message(err))
        return result
    if found.status != OPEN:
        result.problems.append(f"rating round {found.round_id} is {found.status}: answers are taken only while it "
                               "is open")
    if held.answered:
        result.problems.append("this form's code has been used already: each form is imported once")
    seen_in = codes.get(code)
    if seen_in:
        result.problems.append(f"the same form as {seen_in} (the same code): each form is imported once")
    codes.setdefault(code, name)
    result.answers = _answers(found, rows, result)
    if not result.problems and not result.answers:
        result.problems.append("no dimension is answered: choose 1-5 or Don't know for at least one")
    result.code = code
    return result


def _answers(found, rows: list[list], result: FormResult) -> list[Answer]:
    header = [" ".join(_cell_text(v).split()).casefold() for v in (rows[0] if rows else [])]
    at = {name: header.index(name) for name in ("dimension_id", "answer", "comment") if name in header}
    if len(at) < 3:
        result.problems.append("the Rating sheet's header row was changed (dimension_id, answer and comment are "
                               "needed); ask your champion for a new form")
        return []
    answers, seen = [], set()
    for row in rows[1:]:
        cells = list(row) + [None] * (len(header) - len(row))
        dim = _cell_text(cells[at["dimension_id"]]).strip()
        answer, comment = cells[at["answer"]], cells[at["comment"]]
        comment = "" if comment is None else _cell_text(comment)
        if not dim:
            if _parse_answer(answer) != (None, False) or comment.strip():
                result.problems.append("an answer sits on a row without a dimension_id; keep the form's rows as "
                                       "they are")
            continue
        if dim not in found.dimension_ids:
            result.problems.append(f"dimension {dim!r} is not rated in round {found.round_id}")
            continue
        if dim in seen:
            result.problems.append(f"dimension {dim!r} appears twice")
            continue
        seen.add(dim)
        parsed = _parse_answer(answer)
        if parsed is None:
            result.problems.append(f"dimension {dim!r}: {_cell_text(answer)!r} is not an answer; choose 1, 2, 3, 4, "
                                   "5 or Don't know (or leave it blank)")
            continue
        if len(comment) > commands.COMMENT_MAX:
            result.problems.append(f"dimension {dim!r}: the comment is too long ({len(comment):,} characters; at "
                                   f"most {commands.COMMENT_MAX:,})")
            continue
        level, dont_know = parsed
        if level is None and not dont_know:
            if comment.strip():
                result.problems.append(f"dimension {dim!r}: a comment without an answer; choose 1-5 or Don't know")
            continue
        answers.append(Answer(dim, level, dont_know, comment))
    return answers


def import_offline_forms(db: Database, actor: Actor, files: list[tuple[str, bytes]]) -> OfflineReport:
    """Check every returned form, then (if none has a problem) answer each through its one-time code."""
    codes: dict[str, str] = {}
    checked = [_check(db, actor, name, data, codes) for name, data in files]
    report = OfflineReport(checked)
    if not report.ok:
        return report
    for result in checked:
        try:
            commands.answer(db, result.code, result.answers, source=OFFLINE)
            result.written = True
        except EsmError as err:   # answered or closed meanwhile: said for this file, the others go ahead
            result.problems.append(_message(err))
        result.code = ""
    report.applied = True
    return report


__all__ = ["offline_forms", "import_offline_forms", "OfflineReport", "FormResult", "RATING_COLUMNS", "DONT_KNOW"]
