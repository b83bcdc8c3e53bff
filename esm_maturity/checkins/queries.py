"""Reading check-ins: the list with search, one check-in and its actions, and the carry-over
that a new check-in starts from. Writes live in checkins.py."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..backlog.fields import OPEN_STATUSES
from ..db import Database
from ..models import NotFound
from .records import ACTION_COLUMNS, CHECKIN_COLUMNS, Action, Checkin

ACROSS = "Across departments"  # the name shown for a meeting without a department


def as_dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """DATE columns as plain dates (pandas reads them as timestamps), missing ones as None."""
    for column in columns:
        frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]]
    return frame


def like_pattern(text: str) -> str | None:
    """A case-insensitive 'contains' pattern for ILIKE ... ESCAPE '\\' (None for no search)."""
    text = (text or "").strip()
    if not text:
        return None
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def list_checkins(db: Database, *, department_id: str | None = None, search: str = "", limit: int = 200,
                  since: dt.date | None = None) -> pd.DataFrame:
    """Newest first, with action counts. department_id None: all; "": meetings across departments.

    `search` looks (case-insensitively) in notes, decisions, wins, blockers, facilitator, attendees
    and the text of the check-in's actions.
    """
    return as_dates(db.frame(
        "SELECT c.checkin_id, c.held_on, c.department_id, coalesce(d.name, $5) AS department, c.kind, "
        "c.facilitator, c.next_on, coalesce(a.actions, 0) AS actions, coalesce(a.open_actions, 0) AS open_actions, "
        "c.notes "
        "FROM checkins c LEFT JOIN departments d ON d.department_id = c.department_id "
        "LEFT JOIN (SELECT checkin_id, count(*) AS actions, "
        "           CAST(sum(CASE WHEN status = 'open' THEN 1 ELSE 0 END) AS INTEGER) AS open_actions "
        "           FROM actions GROUP BY checkin_id) a ON a.checkin_id = c.checkin_id "
        "WHERE (CAST($1 AS TEXT) IS NULL OR c.department_id IS NOT DISTINCT FROM nullif($1, '')) "
        "AND (CAST($2 AS TEXT) IS NULL OR c.notes ILIKE $2 ESCAPE '\\' OR c.decisions ILIKE $2 ESCAPE '\\' "
        "     OR c.wins ILIKE $2 ESCAPE '\\' OR c.blockers ILIKE $2 ESCAPE '\\' "
        "     OR c.facilitator ILIKE $2 ESCAPE '\\' OR c.attendees ILIKE $2 ESCAPE '\\' "
        "     OR EXISTS (SELECT 1 FROM actions x WHERE x.checkin_id = c.checkin_id AND x.text ILIKE $2 ESCAPE '\\')) "
        "AND (CAST($4 AS DATE) IS NULL OR c.held_on >= $4) "
        "ORDER BY c.held_on DESC, c.checkin_id DESC LIMIT $3",
        [department_id, like_pattern(search), int(limit), since, ACROSS]), "held_on", "next_on")


def get_checkin(db: Database, checkin_id: str) -> Checkin:
    row = db.one(f"SELECT {CHECKIN_COLUMNS} FROM checkins WHERE checkin_id = $1", [checkin_id])
    if row is None:
        raise NotFound(f"there is no check-in {checkin_id}")
    return Checkin(*row)


def actions_of(db: Database, checkin_id: str) -> list[Action]:
    return [Action(*r) for r in db.rows(
        f"SELECT {ACTION_COLUMNS} FROM actions WHERE checkin_id = $1 ORDER BY action_id", [checkin_id])]


def get_action(db: Database, action_id: str) -> Action:
    row = db.one(f"SELECT {ACTION_COLUMNS} FROM actions WHERE action_id = $1", [action_id])
    if row is None:
        raise NotFound(f"there is no action {action_id}")
    return Action(*row)


@dataclass(frozen=True)
class CarryOver:
    """What a new check-in starts from."""

    actions: pd.DataFrame  # open actions from earlier check-ins of the same department
    items: pd.DataFrame    # the department's backlog items due for review

    @property
    def empty(self) -> bool:
        return self.actions.empty and self.items.empty


def open_actions(db: Database, department_id: str | None, on: dt.date) -> pd.DataFrame:
    """Open actions agreed at check-ins held on or before `on` for this department
    (department_id None: at earlier meetings across departments), oldest first."""
    return as_dates(db.frame(
        "SELECT a.action_id, a.text, a.owner, a.due_on, a.item_id, a.version, c.checkin_id, c.held_on, c.kind, "
        "(a.due_on IS NOT NULL AND a.due_on < $2) AS overdue "
        "FROM actions a JOIN checkins c ON c.checkin_id = a.checkin_id "
        "WHERE a.status = 'open' AND c.department_id IS NOT DISTINCT FROM $1 AND c.held_on <= $2 "
        "ORDER BY c.held_on, a.action_id", [department_id, on]), "due_on", "held_on")


def items_due_for_review(db: Database, department_id: str | None, on: dt.date) -> pd.DataFrame:
    """The department's open backlog items due on or before `on`, and those being measured."""
    columns = ["item_id", "title", "status", "owner", "due_on", "version"]
    if department_id is None:
        return pd.DataFrame(columns=columns)
    return as_dates(db.frame(
        f"SELECT {', '.join(columns)} FROM backlog_items WHERE department_id = $1 "
        "AND status = ANY($3) AND (due_on <= $2 OR status = 'measuring') ORDER BY due_on NULLS LAST, item_id",
        [department_id, on, list(OPEN_STATUSES)]), "due_on")


def carry_over(db: Database, department_id: str | None, on: dt.date) -> CarryOver:
    return CarryOver(open_actions(db, department_id, on), items_due_for_review(db, department_id, on))
