"""Saving quick edits from the backlog grid, by item key, with the version the person saw.

A data editor reports edits by row position. Positions mean nothing once someone else
inserts or re-sorts, so every position is mapped back through the exact frame that was
rendered (the page keeps it) to an item key and the version shown in that row.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .fields import clean_fields
from .commands import update_item
from .queries import Filters, list_items
from ..db import Database
from ..models import Actor, ConflictError, EsmError

GRID_EDITABLE = ("status", "owner", "value", "effort", "due_on")


@dataclass
class GridResult:
    item_id: str
    position: int
    outcome: str                 # 'saved', 'conflict' or 'refused'
    message: str = ""
    changes: dict = field(default_factory=dict)


def row_changes(row: pd.Series, edits: dict) -> dict:
    """The edited cells of one row that really differ from what was shown, as clean values."""
    wanted = {k: v for k, v in edits.items() if k in GRID_EDITABLE}
    if not wanted:
        return {}
    clean = clean_fields(wanted, set(GRID_EDITABLE))
    shown = clean_fields({k: row[k] for k in wanted}, set(GRID_EDITABLE))
    return {k: v for k, v in clean.items() if v != shown[k]}


def save_grid_edits(db: Database, actor: Actor, rendered: pd.DataFrame, edited_rows: dict) -> list[GridResult]:
    """Save each edited row of `rendered` (the frame the person saw) as its own versioned update."""
    results = []
    for position, edits in sorted(((int(p), e) for p, e in edited_rows.items()), key=lambda pe: pe[0]):
        if not 0 <= position < len(rendered):
            continue
        row = rendered.iloc[position]
        item_id = str(row["item_id"])
        try:
            changes = row_changes(row, edits)
            if not changes:
                continue
            update_item(db, actor, item_id, changes, int(row["version"]))
            results.append(GridResult(item_id, position, "saved", changes=changes))
        except ConflictError as err:
            results.append(GridResult(item_id, position, "conflict", str(err)))
        except EsmError as err:
            results.append(GridResult(item_id, position, "refused", str(err)))
    return results


def refresh_rows(db: Database, rendered: pd.DataFrame) -> pd.DataFrame:
    """The same rows in the same order, each re-read from the database by key (latest values and version)."""
    fresh = rendered.copy()
    for position, item_id in enumerate(rendered["item_id"]):
        latest = list_items(db, Filters(status="all", item_id=str(item_id)), limit=1)
        if latest.empty:
            continue
        for column in fresh.columns:
            if column in latest.columns:
                fresh.iat[position, fresh.columns.get_loc(column)] = latest.iloc[0][column]
    return fresh
