"""One improvement's history beside its form: the statuses it went through and every recorded change."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .context import MISSING

_WHEN = {"format": "YYYY-MM-DD HH:mm"}


def show(statuses: pd.DataFrame, changes: pd.DataFrame) -> None:
    """The status history (backlog.queries.status_history) and the changes in words (item_changes)."""
    st.markdown("**Status history**")
    st.dataframe(statuses, hide_index=True, placeholder=MISSING, width="stretch",
                 column_config={"status": "Status", "actor": "By",
                                "changed_at": st.column_config.DatetimeColumn("Since (UTC)", **_WHEN)})
    st.markdown("**Changes**")
    if changes.empty:
        st.caption("No recorded changes (the demo's items were loaded in bulk).")
    else:
        st.dataframe(changes, hide_index=True, placeholder=MISSING, width="stretch",
                     column_config={"occurred_at": st.column_config.DatetimeColumn("When (UTC)", **_WHEN),
                                    "actor": "Who", "action": "What", "change": "Change"})
