"""The Activity page's filters, table and link.

The filters live in the URL, so a link reproduces the view:

    ?person=vera@example.org&record=backlog_item&key=CI-00&change=refused&from=2026-11-01&to=2026-11-30
    &department=HR&rows=1000

Each filter starts from its parameter (when valid) on the first run and the URL is written back after
each run, without the defaults (anything, 200 rows). Widgets get their values through their keys only.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from ..audit import ACTIVITY_COLUMNS, REFUSED, Activity, ActivityChoices, ActivityFilters, entity_word
from . import forms
from .context import MISSING

PERSON, ENTITY, KEY, ACTION = "act_person", "act_entity", "act_key", "act_action"
SINCE, UNTIL, DEPARTMENT, ROWS = "act_from", "act_to", "act_department", "act_rows"
_URL = {PERSON: "person", ENTITY: "record", KEY: "key", ACTION: "change", SINCE: "from", UNTIL: "to",
        DEPARTMENT: "department", ROWS: "rows"}
ROW_CHOICES = [200, 1000, 5000]
KEY_CHARS = 200
_DATES = (SINCE, UNTIL)


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def read_link(choices: ActivityChoices) -> None:
    """On load, take each filter from the URL (when valid and not yet set); the rest start empty."""
    params = st.query_params
    valid = {PERSON: choices.people, ENTITY: choices.entities, ACTION: choices.actions,
             DEPARTMENT: choices.departments}
    for key, options in valid.items():
        if key not in st.session_state:
            st.session_state[key] = params.get(_URL[key]) if params.get(_URL[key]) in options else ""
    if KEY not in st.session_state:
        st.session_state[KEY] = (params.get(_URL[KEY]) or "")[:KEY_CHARS]
    for key in _DATES:
        if key not in st.session_state:
            st.session_state[key] = _day(params.get(_URL[key]))
    if ROWS not in st.session_state:
        rows = params.get(_URL[ROWS])
        st.session_state[ROWS] = int(rows) if rows in {str(n) for n in ROW_CHOICES} else ROW_CHOICES[0]


def keep_valid(key: str, options: list, default) -> None:
    """Before a selectbox renders: reset its value when it is no longer among the options."""
    if st.session_state.get(key) not in options:
        st.session_state[key] = default


def _select(where, label: str, key: str, options: dict, anything: str, name=lambda v, n: f"{v} ({n:,})"):
    values = [""] + list(options)
    keep_valid(key, values, "")
    return where.selectbox(label, values, key=key,
                           format_func=lambda v: name(v, options[v]) if v else anything) or None


def filter_bar(choices: ActivityChoices) -> tuple[ActivityFilters, int]:
    """The filters in two rows, each starting from the link; then the link follows them."""
    read_link(choices)
    top = st.columns([3, 2, 2, 2])
    person = _select(top[0], "Person", PERSON, choices.people, "Anyone")
    entity = _select(top[1], "Kind of record", ENTITY, choices.entities, "Any record",
                     lambda v, n: f"{entity_word(v)} ({n:,})")
    key = top[2].text_input("Record key", key=KEY,
                            placeholder="part of a key, e.g. CI-00")
    action = _select(top[3], "Kind of change", ACTION, choices.actions, "Any change",
                     lambda v, n: f"{'refused attempt' if v == REFUSED else v} ({n:,})")
    row = st.columns([2, 2, 3, 2])
    since = forms.date_field(row[0], "From (UTC)", SINCE)
    until = forms.date_field(row[1], "To (UTC)", UNTIL)
    department = _select(row[2], "Department", DEPARTMENT, choices.departments, "Any department",
                         lambda v, name: name if name == v else f"{name} ({v})")
    keep_valid(ROWS, ROW_CHOICES, ROW_CHOICES[0])
    limit = row[3].selectbox("Show at most", ROW_CHOICES, key=ROWS, format_func=lambda n: f"{n:,} entries")
    filters = ActivityFilters(person, entity, key.strip() or None, action, since, until, department)
    write_link(filters, limit)
    return filters, limit


def write_link(filters: ActivityFilters, limit: int) -> None:
    """Keep the URL in step with the filters on screen (a default leaves its parameter out)."""
    wanted = {"person": filters.person, "record": filters.entity, "key": filters.key, "change": filters.action,
              "from": filters.since.isoformat() if filters.since else None,
              "to": filters.until.isoformat() if filters.until else None,
              "department": filters.department_id, "rows": str(limit) if limit != ROW_CHOICES[0] else None}
    for name, value in wanted.items():
        if value and st.query_params.get(name) != value:
            st.query_params[name] = value
        elif not value and name in st.query_params:
            del st.query_params[name]


_CONFIG = {"occurred_at": st.column_config.DatetimeColumn(ACTIVITY_COLUMNS["occurred_at"],
                                                          format="YYYY-MM-DD HH:mm:ss"),
           **{c: st.column_config.TextColumn(label) for c, label in ACTIVITY_COLUMNS.items() if c != "occurred_at"}}


def table(found: Activity) -> None:
    """The entries, newest first; a refused attempt reads '⛔ refused' and says why in its change."""
    st.dataframe(found.rows, hide_index=True, placeholder=MISSING, width="stretch", column_config=_CONFIG)
