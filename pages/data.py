"""Data: the whole database as an Excel workbook (export, import, template) and offline self-assessment forms."""

import streamlit as st

from esm_maturity import clock, workbook
from esm_maturity.departments import list_departments
from esm_maturity.models import EsmError, Quarter
from esm_maturity.ui import workbook_import
from esm_maturity.ui.context import page_setup, show_error, show_flash
from esm_maturity.ui.text import esc_label

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
            st.session_state["data_export"] = (workbook.export_bytes(db, actor),
                                               clock.now().strftime("%Y%m%d-%H%M"))
    if "data_export" in st.session_state:
        data, stamp = st.session_state["data_export"]
        left.download_button("Download the workbook", data, workbook.export_filename(stamp), XLSX,
                             key="data_export_download", icon=":material/download:", type="primary")
    right.download_button("Download an empty template", workbook.template_bytes(), "esm-workbook-template.xlsx",
                          XLSX, key="data_template_download", icon=":material/draft:")

with import_tab:
    workbook_import.import_panel(db, actor)

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
