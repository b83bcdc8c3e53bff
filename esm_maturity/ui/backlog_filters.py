"""The backlog's link: its filters and the open item live in the URL, so a link reproduces the view.

    ?department=HR&dimension=knowledge&status=all&owner=Ann&q=articles&sort=key&stream=VS-1&item=CI-0005

The value stream filter (?stream=) is there only when the organisation has value streams.

Each filter starts from its parameter (when valid) and the URL is written back after each run, without
the defaults (open items, sorted by priority). The item picker follows the link whenever the link
changes (a shared link, a newly added item) and the link follows the picker.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..backlog.fields import item_choices, STATUSES
from ..backlog.queries import Filters, SORTS, STATUS_GROUPS

ITEM_KEY, _ITEM_URL = "bl_item", "bl_item_url"
_STATUS_LABELS = {"open": "open items", "all": "all items", "done": "closed, rejected, withdrawn"}


def read_link(name: str, options: list) -> int:
    """Where the URL's `name` sits among a selectbox's options (the first option when absent or unknown)."""
    wanted = st.query_params.get(name)
    return options.index(wanted) if wanted in options else 0


def filter_bar(departments: dict[str, str], dims: dict[str, str], owners: list[str],
               streams: dict[str, str] | None = None) -> Filters:
    """The six filters in one row (seven with value streams), each starting from the link; then the link
    follows them."""
    department_options, dimension_options = [""] + list(departments), [""] + list(dims)
    status_options, owner_options = list(STATUS_GROUPS) + list(STATUSES), [""] + owners
    cols = st.columns([2, 2, 1.4, 1.6, 2, 1.2] + ([2] if streams else []))
    department_id = cols[0].selectbox("Department", department_options, key="bl_department",
                                      index=read_link("department", department_options),
                                      format_func=lambda k: departments.get(k, "All departments"))
    dimension_id = cols[1].selectbox("Dimension", dimension_options, key="bl_dimension",
                                     index=read_link("dimension", dimension_options),
                                     format_func=lambda k: dims.get(k, "All dimensions"))
    status = cols[2].selectbox("Status", status_options, key="bl_status", index=read_link("status", status_options),
                               format_func=lambda s: _STATUS_LABELS.get(s, s))
    owner = cols[3].selectbox("Owner", owner_options, key="bl_owner", index=read_link("owner", owner_options),
                              format_func=lambda o: o or "anyone")
    text = cols[4].text_input("Search", value=st.query_params.get("q", ""), key="bl_text",
                              placeholder="key, title, description")
    sort = cols[5].selectbox("Sort by", list(SORTS), key="bl_sort", index=read_link("sort", list(SORTS)))
    stream_id = stream_filter(cols[6], streams) if streams else None
    filters = Filters(department_id or None, dimension_id or None, status, owner or None, text.strip() or None, sort,
                      stream_id=stream_id)
    write_link(filters)
    return filters


def stream_filter(where, streams: dict[str, str]) -> str | None:
    """The value stream filter: all items, or those naming one stream (?stream=VS-1)."""
    options = [""] + list(streams)
    return where.selectbox("Value stream", options, key="bl_stream", index=read_link("stream", options),
                           format_func=lambda k: streams.get(k, "All streams")) or None


def write_link(filters: Filters) -> None:
    """Keep the URL in step with the filters on screen (a default leaves its parameter out)."""
    wanted = {"department": filters.department_id, "dimension": filters.dimension_id,
              "status": filters.status if filters.status != "open" else None, "owner": filters.owner,
              "q": filters.text, "sort": filters.sort if filters.sort != "priority" else None,
              "stream": filters.stream_id}
    for name, value in wanted.items():
        if value and st.query_params.get(name) != value:
            st.query_params[name] = value
        elif not value and name in st.query_params:
            del st.query_params[name]


def open_item(shown: pd.DataFrame) -> str:
    """The item picker over the rows on screen (and a linked item that is not among them): its choice,
    '' for none. A changed link chooses its item; the link then follows the picker."""
    linked = st.query_params.get("item", "")
    titles = dict(zip(shown["item_id"], shown["title"]))
    if linked != st.session_state.get(_ITEM_URL) or ITEM_KEY not in st.session_state:   # a new link, a new visit
        st.session_state[ITEM_KEY] = linked
    chosen = st.selectbox("Open an item", item_choices(list(shown["item_id"]), linked), key=ITEM_KEY,
                          format_func=lambda k: f"{k} · {titles[k]}" if k in titles else (
                              k or "choose one to see and edit all its fields"))
    st.session_state[_ITEM_URL] = chosen
    if chosen:
        st.query_params["item"] = chosen
    else:
        st.query_params.pop("item", None)
    return chosen
