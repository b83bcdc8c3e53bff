"""The backlog grid: quick edits saved by item key, with the version each row showed.

st.data_editor reports edits by row position, and positions move when someone else adds or re-rates an
item. So while edits are pending, the exact rows that were drawn stay in session state (`bl_rendered`,
with the editor's key), and the save maps each position through them to a key and a version
(backlog.grid). A full save starts a new round: a fresh editor over the live rows. A partial one keeps
the rows, refreshed to their latest values and versions, so failed edits stay on screen to fix or retry,
with a note on each.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from ..access import Permission, allowed
from ..backlog.fields import EFFORTS, STATUSES
from ..backlog.grid import GRID_EDITABLE, refresh_rows, save_grid_edits
from ..backlog.queries import Filters, GRID_COLUMNS, list_items
from ..db import Database
from ..limits import LIMITS
from ..models import Actor
from ..streams.queries import list_streams
from . import forms
from .cached import read
from .context import flash, MISSING
from .item_form import SCOPE as ITEM_FORM
from .text import esc

KEY, RENDERED = "backlog_grid_key", "bl_rendered"
_ROUND, _PROBLEMS = "bl_grid_round", "bl_grid_problems"

# At 1,400 px (the sidebar open) the grid is about 940 px wide: the key columns come first and fit in it
# (the figures follow, a scroll to the right away).
SHOWN = ["item_id", "title", "status", "owner", "due_on", "dimension", "department", "priority", "value", "effort",
         "gap", "stream"]   # the value stream: shown only when the organisation has streams
_COLUMNS = {
    "item_id": st.column_config.TextColumn("Key", width=72),
    "title": st.column_config.TextColumn("Title", width=330),
    "status": st.column_config.SelectboxColumn("Status", options=list(STATUSES), required=True, width=100),
    "owner": st.column_config.TextColumn("Owner", max_chars=LIMITS["backlog_item"]["owner"], width=120),
    "due_on": st.column_config.DateColumn("Due", format="YYYY-MM-DD", width=96),
    "dimension": st.column_config.TextColumn("Dimension", width=200),
    "department": st.column_config.TextColumn("Department", width=140),
    "priority": st.column_config.NumberColumn("Priority", format="%.1f", width=70,
                                              help="value × (1 + gap) ÷ effort points; see below"),
    "value": st.column_config.SelectboxColumn("Value", options=[1, 2, 3, 4, 5], help="Benefit, 1 to 5", width=64),
    "effort": st.column_config.SelectboxColumn("Effort", options=list(EFFORTS), width=64),
    "gap": st.column_config.NumberColumn("Gap", help="Target minus latest submitted score", format="%d", width=56),
    "stream": st.column_config.TextColumn("Value stream", width=180)}
_CONFLICT_NOTE = ("Someone else saved these items after you loaded the grid; their change is kept and shown in the "
                  "rows now. Your edits are still on screen: **Save changes** again to put yours on top, or "
                  "**Discard my edits**.")


@dataclass(frozen=True)
class Grid:
    key: str              # the editor's widget key: a new round or other filters give a fresh editor
    rows: pd.DataFrame    # the rows as drawn (kept while edits are pending)
    pending: dict         # the edited rows by position, not saved yet
    matching: int         # how many items match the filters (the grid holds the first of them)
    streams: bool = False # the organisation has value streams: the grid shows each item's


def rows(db: Database, filters: Filters) -> Grid:
    """The grid's rows: the live ones, or while edits are pending the ones the person is editing."""
    fresh = read(db, list_items, filters)
    signature = hashlib.sha1(repr(filters).encode()).hexdigest()[:10]
    key = f"backlog_grid_{st.session_state.setdefault(_ROUND, 0)}_{signature}"
    st.session_state[KEY] = key
    pending = (st.session_state.get(key) or {}).get("edited_rows") or {}
    rendered = st.session_state.get(RENDERED)
    if not (pending and rendered and rendered[0] == key):
        rendered = (key, fresh[GRID_COLUMNS].reset_index(drop=True))
        st.session_state[RENDERED] = rendered
    return Grid(key, rendered[1], pending, int(fresh["matching"].iloc[0]) if len(fresh) else 0,
                bool(read(db, list_streams)))


def editor(grid: Grid, can_edit: bool) -> None:
    """The editable table: only the quick-edit columns, and none for a viewer."""
    if grid.matching > len(grid.rows):
        st.caption(f"Showing the first {len(grid.rows):,} of {grid.matching:,} matching items: narrow the filters "
                   "to see the rest.")
    st.data_editor(grid.rows, key=grid.key, hide_index=True, placeholder=MISSING, num_rows="fixed", width="stretch",
                   height=min(420, 35 * (len(grid.rows) + 1) + 3),
                   disabled=not can_edit or [c for c in GRID_COLUMNS if c not in GRID_EDITABLE],
                   column_order=SHOWN if grid.streams else [c for c in SHOWN if c != "stream"],
                   column_config=_COLUMNS)


def save_bar(db: Database, actor: Actor, grid: Grid) -> None:
    """Save and discard, then what the last save could not do (kept while its edits are on screen)."""
    buttons = st.columns([1.2, 1.2, 5])
    if buttons[0].button("Save changes", key="backlog_save", type="primary", icon=":material/save:",
                         disabled=not grid.pending or not allowed(actor, Permission.backlog)):
        _save(db, actor, grid)
    if buttons[1].button("Discard my edits", key="backlog_discard", disabled=not grid.pending):
        st.session_state[_ROUND] += 1
        st.session_state.pop(_PROBLEMS, None)
        st.rerun()
    if grid.pending and _PROBLEMS in st.session_state:
        notes, failed = st.session_state[_PROBLEMS]
        for note in notes:
            st.success(note)
        for result in failed:
            st.error(f"{result.item_id}: {esc(result.message)}")
        if any(r.outcome == "conflict" for r in failed):
            st.warning(_CONFLICT_NOTE)
    elif not grid.pending:
        st.session_state.pop(_PROBLEMS, None)
    if grid.pending:
        st.caption(f"{len(grid.pending)} row(s) edited, not saved yet.")


def _save(db: Database, actor: Actor, grid: Grid) -> None:
    results = save_grid_edits(db, actor, grid.rows, grid.pending)
    forms.forget(ITEM_FORM)  # the detail form reloads the items just saved
    saved = [r.item_id for r in results if r.outcome == "saved"]
    failed = [r for r in results if r.outcome != "saved"]
    if not failed:
        st.session_state[_ROUND] += 1
        flash(("Saved " + ", ".join(saved) + ".") if saved else "Nothing had changed.")
    # Keep every row on the same item, with its latest values and version: saved edits become
    # no-ops, and the edits that failed stay on screen to fix or retry.
    st.session_state[RENDERED] = (grid.key, refresh_rows(db, grid.rows))
    st.session_state[_PROBLEMS] = ([f"Saved {', '.join(saved)}."] if saved else [], failed)
    st.rerun()
