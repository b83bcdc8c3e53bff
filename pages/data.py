"""Data: the whole database as an Excel workbook (export, import, template) and offline self-assessment forms."""


import streamlit as st

from esm_maturity import clock
from esm_maturity import workbook
from esm_maturity.departments import list_departments
from esm_maturity.models import EsmError, Quarter
from esm_maturity.ui.context import MISSING, page_setup, show_error, show_flash
from esm_maturity.ui.text import esc, esc_label

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

db, actor = page_setup()
st.title("Data")
st.caption("Move everything in and out as one Excel workbook, keep backups, and collect self-assessments from "
           "people who never open the app.")
show_flash()

export_tab, import_tab, forms_tab = st.tabs(["Export", "Import", "Self-assessment forms"])

with export_tab:
    st.write("The workbook holds everything this app stores (departments, the maturity model, assessments, "
             "scores, the backlog and its status history, check-ins and actions), one row per record, with "
             "filters and dropdowns: a full backup. Edit it in Excel and import it again: rows are matched by "
             "their keys.")
    left, right = st.columns(2)
    if left.button("Prepare the export", key="data_export_prepare", icon=":material/table_view:"):
        with st.spinner("Writing the workbook..."):
            st.session_state["data_export"] = (workbook.export_bytes(db),
                                               clock.now().strftime("%Y%m%d-%H%M"))
    if "data_export" in st.session_state:
        data, stamp = st.session_state["data_export"]
        left.download_button("Download the workbook", data, workbook.export_filename(stamp), XLSX,
                             key="data_export_download", icon=":material/download:", type="primary")
    right.download_button("Download an empty template", workbook.template_bytes(), "esm-workbook-template.xlsx",
                          XLSX, key="data_template_download", icon=":material/draft:")

with import_tab:
    st.write("Upload an exported (or template-based) workbook, or one or more returned self-assessment forms. "
             "Nothing is written until you confirm; then everything is imported in one go, or nothing is.")
    if not actor.can_edit:
        st.info(f"{esc(actor.name)} has the {actor.role.name} role: you can check a file, but importing needs an editor "
                "(and changes to departments or the maturity model need an admin).")
    uploads = st.file_uploader("Workbook or forms (.xlsx)", type=["xlsx"], accept_multiple_files=True,
                               key="data_upload", max_upload_size=workbook.MAX_UPLOAD_BYTES // 2**20)
    if not uploads:
        st.caption("Sheets are matched by name and columns by header (case and spaces ignored); every sheet except "
                   "About is optional. See the README for the columns of each sheet.")
    else:
        signature = tuple((f.name, f.file_id) for f in uploads)
        files = [(f.name, f.getvalue()) for f in uploads]
        try:
            # Only the report is kept between reruns: the file is read again on confirmation, so a
            # large workbook's rows are not held in memory while someone reads the preview.
            if st.session_state.get("data_parsed", (None,))[0] != signature:
                with st.spinner("Checking the file..."):
                    report = workbook.preview_import(db, actor, workbook.read_uploads(db, files))
                    st.session_state["data_parsed"] = (signature, report)
            _, report = st.session_state["data_parsed"]
        except EsmError as err:
            show_error(err)
            st.stop()
        st.subheader("Preview")
        st.dataframe(report.counts_frame(), hide_index=True, placeholder=MISSING, key="data_preview_counts",
                     column_config={"sheet": "Sheet", "new": "New", "changed": "Changed", "unchanged": "Unchanged"})
        if report.issues:
            errors = len(report.errors)
            (st.error if errors else st.warning)(
                f"{errors} error(s) and {len(report.issues) - errors} warning(s). "
                + ("Fix the errors in the file and upload it again; nothing will be imported until then."
                   if errors else "Warnings do not stop the import."))
            st.dataframe(report.issues_frame(), hide_index=True, placeholder=MISSING,
                         width="stretch", key="data_preview_issues",
                         column_config={"severity": "Severity", "sheet": "Sheet", "row": "Row", "column": "Column",
                                        "message": "Message"})
        if report.ok and report.total_changes == 0:
            st.success("Everything in the file already equals what is stored: nothing to import.")
        elif report.ok:
            if st.button(f"Import {report.total_changes:,} change(s)", key="data_import_confirm", type="primary",
                         icon=":material/upload:", disabled=not actor.can_edit):
                try:
                    with st.spinner("Importing..."):
                        done = workbook.apply_import(db, actor, workbook.read_uploads(db, files))
                    st.session_state["flash"] = (f"Imported {done.total_changes:,} change(s) from "
                                                      f"{done.filename}.")
                    for key in ("data_upload", "data_export", "data_parsed"):
                        st.session_state.pop(key, None)
                    st.rerun()
                except workbook.ImportFailed as err:
                    show_error(err)
                except EsmError as err:
                    show_error(err)

with forms_tab:
    st.write("For people who never open the app: a form per department for one quarter, with the rubric beside "
             "each dimension, last quarter's score, dropdowns for score and target, and cells for evidence. "
             "Upload returned forms on the Import tab.")
    departments = list_departments(db)
    if not departments:
        st.info("There are no departments yet: add them in Settings, or load the demo organisation.")
    else:
        cols = st.columns([1, 2])
        quarter_text = cols[0].text_input("Quarter", str(Quarter.current()), key="data_form_quarter",
                                          help="YYYY-Qn, for example 2025-Q3")
        names = {**{d.department_id: d.name for d in departments}, "": "All departments (one zip file)"}
        chosen = cols[1].selectbox("Department", list(names), format_func=names.get, key="data_form_department")
        try:
            quarter = Quarter.parse(quarter_text)
            if chosen:
                st.download_button(f"Download the form for {esc_label(names[chosen])}",
                                   workbook.forms.form_bytes(db, quarter, chosen),
                                   workbook.forms.form_filename(quarter, chosen), XLSX, key="data_form_download",
                                   icon=":material/download:")
            else:
                st.download_button(f"Download {len(departments)} forms (zip)", workbook.forms.forms_zip(db, quarter),
                                   f"self-assessment-forms-{quarter}.zip", "application/zip",
                                   key="data_form_download", icon=":material/folder_zip:")
        except EsmError as err:
            show_error(err)
