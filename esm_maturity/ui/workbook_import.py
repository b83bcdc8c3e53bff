"""The Data page's import: upload, preview (only the report is kept between reruns), confirm, all or nothing."""

from __future__ import annotations

import streamlit as st

from ..access import Permission, allowed
from .. import workbook
from ..db import Database
from ..models import Actor, EsmError
from .context import MISSING, show_error
from .identity import may

_PARSED = "data_parsed"
_CLEARED_AFTER_IMPORT = ("data_upload", "data_export", _PARSED)


def _preview(db: Database, actor: Actor, uploads) -> workbook.ImportReport | None:
    """The preview's report, made once per set of files. Only the report is kept between reruns: the file
    is read again on confirmation, so a large workbook's rows are not held while someone reads it."""
    signature = tuple((f.name, f.file_id) for f in uploads)
    try:
        if st.session_state.get(_PARSED, (None,))[0] != signature:
            with st.spinner("Checking the file..."):
                report = workbook.preview_import(db, actor, workbook.read_uploads(db, _files(uploads)))
                st.session_state[_PARSED] = (signature, report)
    except EsmError as err:
        show_error(err)
        return None
    return st.session_state[_PARSED][1]


def _files(uploads) -> list[tuple[str, bytes]]:
    return [(f.name, f.getvalue()) for f in uploads]


def _report(report: workbook.ImportReport) -> None:
    st.subheader("Preview")
    st.dataframe(report.counts_frame(), hide_index=True, placeholder=MISSING, key="data_preview_counts",
                 column_config={"sheet": "Sheet", "new": "New", "changed": "Changed", "unchanged": "Unchanged"})
    if report.issues:
        errors = len(report.errors)
        (st.error if errors else st.warning)(
            f"{errors} error(s) and {len(report.issues) - errors} warning(s). "
            + ("Fix the errors in the file and upload it again; nothing will be imported until then."
               if errors else "Warnings do not stop the import."))
        st.dataframe(report.issues_frame(), hide_index=True, placeholder=MISSING, width="stretch",
                     key="data_preview_issues",
                     column_config={"severity": "Severity", "sheet": "Sheet", "row": "Row", "column": "Column",
                                    "message": "Message"})


def _confirm(db: Database, actor: Actor, uploads, report: workbook.ImportReport) -> None:
    if report.ok and report.total_changes == 0:
        st.success("Everything in the file already equals what is stored: nothing to import.")
        return
    if not report.ok or not st.button(f"Import {report.total_changes:,} change(s)", key="data_import_confirm",
                                      type="primary", icon=":material/upload:", disabled=not allowed(actor, Permission.import_workbook)):
        return
    try:
        with st.spinner("Importing..."):
            done = workbook.apply_import(db, actor, workbook.read_uploads(db, _files(uploads)))
    except EsmError as err:   # ImportFailed included: its report says what stopped it
        show_error(err)
        return
    st.session_state["flash"] = f"Imported {done.total_changes:,} change(s) from {done.filename}."
    for key in _CLEARED_AFTER_IMPORT:
        st.session_state.pop(key, None)
    st.rerun()


def import_panel(db: Database, actor: Actor) -> None:
    st.write("Upload an exported (or template-based) workbook, or one or more returned self-assessment forms. "
             "Nothing is written until you confirm; then everything is imported in one go, or nothing is.")
    may(actor, Permission.import_workbook, note="You can still check a file: nothing is written.")
    if allowed(actor, Permission.import_workbook) and actor.role.value != "admin":
        st.caption("The import applies your role row by row: rows you may not change are listed as errors, and "
                   "then nothing is imported.")
    uploads = st.file_uploader("Workbook or forms (.xlsx)", type=["xlsx"], accept_multiple_files=True,
                               key="data_upload", max_upload_size=workbook.MAX_UPLOAD_BYTES // 2**20)
    if not uploads:
        st.caption("Start from an export or the empty template (on the Export tab): they already have every sheet "
                   "and column, with dropdowns. Capitals and spaces in sheet and column names do not matter, and "
                   "any sheet but About may be left out.")
        return
    report = _preview(db, actor, uploads)
    if report is not None:
        _report(report)
        _confirm(db, actor, uploads, report)
