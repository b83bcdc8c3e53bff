"""The cadence on screen, for any page that shows it: the quiet window, the three counts (departments
gone quiet, overdue actions, self-assessments not submitted) and the three lists behind them. Column
widths are set so that names, statuses and dates fit at 1,400 px."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ..checkins.cadence import DEFAULT_QUIET_DAYS, Cadence
from .context import MISSING

QUIET_DAYS_KEY = "quiet_days"
LIST_ROWS = 50   # rows of a list drawn on the page; the rest are counted and downloadable
EXPLAINED = ("Active departments without a check-in", "Open check-in actions past their due date",
             "Active departments whose self-assessment for this quarter is not submitted")


def quiet_days_field() -> int:
    """How many days without a check-in make a department quiet."""
    return int(st.number_input("A department has gone quiet after this many days without a check-in", min_value=1,
                               max_value=730, value=DEFAULT_QUIET_DAYS, step=1, key=QUIET_DAYS_KEY, width=320))


def counts(view: Cadence, *, explained: bool = False) -> None:
    """The three counts side by side; `explained` adds a tooltip saying what each one counts."""
    helps = EXPLAINED if explained else (None, None, None)
    cols = st.columns(3)
    cols[0].metric(f"Quiet for {view.quiet_days}+ days", len(view.quiet), help=helps[0])
    cols[1].metric("Overdue actions", len(view.overdue), help=helps[1])
    cols[2].metric(f"Not submitted {view.quarter}", len(view.not_submitted), help=helps[2])


def lists(view: Cadence) -> None:
    """The three lists, each with the words for when it is empty (the first LIST_ROWS rows of a long one,
    and all of them as CSV)."""
    st.subheader("Departments gone quiet", anchor=False)
    _table(view.quiet.drop(columns=["department_id"]), "departments gone quiet", "quiet",
           f"Every active department has met in the last {view.quiet_days} days.",
           {"department": "Department", "champion": "Champion",
            "last_checkin": st.column_config.DateColumn("Last check-in"), "days_since": "Days since",
            "next_planned": st.column_config.DateColumn("Next planned")})
    st.subheader("Overdue actions", anchor=False)
    _table(view.overdue[["action_id", "text", "owner", "department", "due_on", "days_overdue", "checkin_id",
                         "item_id"]], "overdue actions", "overdue",
           "No open action is past its due date.",
           {"action_id": "Action", "text": "What", "owner": "Owner", "department": "Department",
            "due_on": st.column_config.DateColumn("Due"), "days_overdue": "Days overdue", "checkin_id": "Agreed at",
            "item_id": "Backlog item"})
    st.subheader(f"Self-assessment not submitted for {view.quarter}", anchor=False)
    _table(view.not_submitted.drop(columns=["department_id"]), "departments not submitted", "not_submitted",
           f"Every active department has submitted {view.quarter}.",
           {"department": "Department", "champion": "Champion", "status": "Status"})


def summary(view: Cadence) -> None:
    """The overview's short form: the counts; the departments gone quiet and those not submitted side by
    side; then the overdue actions across the page, with their owner and due date."""
    counts(view, explained=True)
    cols = st.columns(2, gap="medium")
    cols[0].dataframe(view.quiet[["department", "last_checkin", "days_since"]], hide_index=True, placeholder=MISSING,
                      width="stretch", column_config={
                          "department": st.column_config.TextColumn("Gone quiet", width=180),
                          "last_checkin": st.column_config.DateColumn("Last check-in", width=110),
                          "days_since": st.column_config.NumberColumn("Days since", width=90)})
    cols[1].dataframe(view.not_submitted[["department", "status"]], hide_index=True, placeholder=MISSING,
                      width="stretch", column_config={
                          "department": st.column_config.TextColumn(f"Not submitted {view.quarter}", width=200),
                          "status": st.column_config.TextColumn("Status", width=110)})
    if view.overdue.empty:
        st.success("No open action is past its due date.")
        return
    st.dataframe(view.overdue[["text", "owner", "department", "due_on", "days_overdue"]].head(LIST_ROWS), hide_index=True,
                 placeholder=MISSING, width="stretch", column_config={
                     "text": st.column_config.TextColumn("Overdue action", width=380),
                     "owner": st.column_config.TextColumn("Owner", width=140),
                     "department": st.column_config.TextColumn("Department", width=150),
                     "due_on": st.column_config.DateColumn("Due", width=100),
                     "days_overdue": st.column_config.NumberColumn("Days overdue", width=100)})
    if len(view.overdue) > LIST_ROWS:
        st.caption(f"The {LIST_ROWS} most overdue of {len(view.overdue):,} open actions past their due date; "
                   "Check-ins → Cadence lists them all.")


def _table(frame: pd.DataFrame, what: str, key: str, all_clear: str, columns: dict[str, Any]) -> None:
    """The list, or `all_clear` when it is empty; a long one shows its first LIST_ROWS rows, says how many
    there are and offers all of them as a CSV file (made only on the click)."""
    if frame.empty:
        st.success(all_clear)
        return
    st.dataframe(frame.head(LIST_ROWS), hide_index=True, placeholder=MISSING, width="stretch", column_config=columns)
    if len(frame) > LIST_ROWS:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.caption(f"The first {LIST_ROWS} of {len(frame):,} {what}.")
        row.download_button(f"All {len(frame):,} as CSV", data=lambda: frame.to_csv(index=False).encode("utf-8"),
                            file_name=f"{key.replace('_', '-')}.csv", mime="text/csv", key=f"cadence_{key}_csv",
                            on_click="ignore", icon=":material/download:", type="tertiary")
