"""State of the trend page: the link (query parameters), heatmap drill-down and meeting mode.

The chosen quarter, department and meeting mode live in the URL (?quarter=2026-Q3&department=HR
&meeting=1) so a link opens the same view; they are read on load and written after each run.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

QUARTER_KEY, DEPARTMENT_KEY, MEETING_KEY = "trend_quarter", "trend_department", "meeting_mode"
HEATMAP_KEY, HEATMAP_ALL_KEY = "trend_heatmap", "trend_heatmap_all"
_URL = {QUARTER_KEY: "quarter", DEPARTMENT_KEY: "department", MEETING_KEY: "meeting"}
_SEEN = "_trend_heatmap_seen"

# Our own static CSS for meeting mode (never any user text in here). The charts' type comes from
# their theme (charts/figures.py), not from here; the charts' image popovers stay small.
MEETING_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"] {display: none;}
[data-testid="stMainBlockContainer"] {max-width: 100%; padding-top: 1.5rem;}
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] p {font-size: 1.3rem;}
[data-testid="stMarkdownContainer"] li {font-size: 1.3rem;}
h1 {font-size: 3.2rem !important;}
h2, h3 {font-size: 2.2rem !important;}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] div, [data-testid="stMetricValue"] p {
  font-size: 3.4rem !important; line-height: 1.2;}
[data-testid="stMetricLabel"] p {font-size: 1.3rem !important;}
[data-testid="stMetricDelta"] div, [data-testid="stMetricDelta"] p {font-size: 1.2rem !important;}
[data-testid="stPopoverButton"] p {font-size: 0.95rem !important;}
</style>"""


def take_from_link(key: str, name: str, options: list[str]) -> None:
    """On load: the widget `key` starts from the URL's `name` when that is one of `options` (and the
    widget has no value yet)."""
    if key not in st.session_state and st.query_params.get(name) in options:
        st.session_state[key] = st.query_params[name]


def take_meeting_from_link() -> None:
    """On load: meeting mode from the URL's `meeting` (1, true, yes, on), shared by the sponsor pages."""
    if MEETING_KEY not in st.session_state and "meeting" in st.query_params:
        st.session_state[MEETING_KEY] = st.query_params["meeting"].lower() in {"1", "true", "yes", "on"}


def read_link(quarters: list[str], departments: list[str]) -> None:
    """On load, take quarter, department and meeting mode from the URL (when valid and not yet set)."""
    take_from_link(QUARTER_KEY, "quarter", quarters)
    take_from_link(DEPARTMENT_KEY, "department", departments)
    take_meeting_from_link()


def keep_valid(key: str, options: list[str], default: str | None) -> None:
    """Before a selectbox renders: reset its value when the filters removed it."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def selected_departments(state: Any) -> list[str]:
    """Department keys picked in the heatmap (from its selection state)."""
    try:
        picked = state["selection"]["department"]
    except (KeyError, TypeError):
        return []
    return [str(p["department_id"]) for p in picked or [] if isinstance(p, dict) and p.get("department_id")]


def apply_drill_down(labels_to_ids: dict[str, str]) -> None:
    """A new click on a heatmap department chooses that department (before its selectbox renders).

    `labels_to_ids` maps what the heatmap carries (keys, or aliases when names are hidden) to keys.
    """
    picked = selected_departments(st.session_state.get(HEATMAP_KEY))
    if picked and picked != st.session_state.get(_SEEN):
        department = labels_to_ids.get(picked[0])
        if department:
            st.session_state[DEPARTMENT_KEY] = department
    st.session_state[_SEEN] = picked


def write_link(quarter: str | None, department: str | None, meeting: bool) -> None:
    """Keep the URL in step with what is on screen."""
    wanted = {"quarter": quarter, "department": department, "meeting": "1" if meeting else None}
    for name, value in wanted.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
        elif st.query_params.get(name) != value:
            st.query_params[name] = value


def meeting_style() -> None:
    st.html(MEETING_CSS)
