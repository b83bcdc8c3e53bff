"""Reading the audit trail (rows are written by db.Tx.audit inside each write).

`history` serves a record's own history; `activity` serves the Activity page: every change and
every refused attempt, filtered (ActivityFilters) in SQL, newest first, with the number of matches
and the rows shaped as the screen shows them (ACTIVITY_COLUMNS), which `export_csv` writes as is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass

import pandas as pd

from .db import Database
from .models import ValidationError


def history(db: Database, *, department_id: str | None = None, entity: str | None = None,
            entity_key: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Newest first: when (UTC), who, what, on which record, before and after, and a readable change."""
    frame = db.frame(
        "SELECT occurred_at, actor, action, entity, entity_key, department_id, before_json, after_json "
        "FROM audit_log WHERE (CAST($1 AS TEXT) IS NULL OR department_id = $1) AND (CAST($2 AS TEXT) IS NULL OR entity = $2) "
        "AND (CAST($3 AS TEXT) IS NULL OR entity_key = $3) ORDER BY audit_id DESC LIMIT $4",
        [department_id, entity, entity_key, int(limit)])
    frame["change"] = [describe_change(b, a) for b, a in zip(frame["before_json"], frame["after_json"])]
    return frame


def _parse(text: object) -> object:
    """A stored before/after value: its JSON, or the text itself when it is not JSON."""
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _short(value: object, width: int = 60) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_change(before_json: str | None, after_json: str | None) -> str:
    """'field: old → new' for each field that differs (or the values a created record was given)."""
    before, after = _parse(before_json), _parse(after_json)
    if not isinstance(before, dict) or not isinstance(after, dict):
        shown = after if after is not None else before
        if isinstance(shown, dict):
            return "; ".join(f"{k}: {_short(v)}" for k, v in shown.items() if k != "version" and v not in (None, ""))
        return "" if shown is None else _short(shown)
    keys = [k for k in after if k != "version" and before.get(k) != after.get(k)]
    return "; ".join(f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys)


# --- the Activity page ------------------------------------------------------------------------

# The columns the Activity page shows, and their headings (the export uses the same).
ACTIVITY_COLUMNS = {"occurred_at": "When (UTC)", "actor": "Who", "action": "What", "record": "Record",
                    "department": "Department", "change": "Change"}
WHEN_FORMAT = "%Y-%m-%d %H:%M:%S"   # as the table shows it: YYYY-MM-DD HH:mm:ss
REFUSED = "refused"
REFUSED_MARK = "⛔ refused"
MAX_ROWS = 5_000

# How a kind of record reads on screen (others: their name, with spaces).
ENTITY_WORDS = {"backlog_item": "improvement", "checkin": "check-in", "action": "check-in action",
                "permission": "permission", "organisation": "organisation"}


def entity_word(entity: str) -> str:
    return ENTITY_WORDS.get(entity, str(entity).replace("_", " "))


def _blank_none(value: object) -> object:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


@dataclass(frozen=True)
class ActivityFilters:
    """What the person chose to look at; None (or blank) means any."""

    person: str | None = None          # the actor, exactly as recorded (an e-mail, or 'local admin')
    entity: str | None = None          # the kind of record: department, score, backlog_item, ...
    key: str | None = None             # part of the record's key, any case
    action: str | None = None          # the kind of change: add, edit, import, refused, ...
    since: dt.date | None = None       # from this day (UTC), inclusive
    until: dt.date | None = None       # to this day (UTC), inclusive
    department_id: str | None = None

    def check(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ValidationError(f"the 'from' date {self.since.isoformat()} is after the 'to' date "
                                  f"{self.until.isoformat()}: swap them or clear one", "since")

    def params(self) -> list:
        """$1-$7 of `_ACTIVITY_WHERE`."""
        return [_blank_none(v) for v in (self.person, self.entity, self.key, self.action, self.since, self.until,
                                         self.department_id)]


# Every filter is optional: a NULL parameter leaves its condition true (typed, so PostgreSQL can bind it).
_ACTIVITY_WHERE = (
    "WHERE (CAST($1 AS TEXT) IS NULL OR a.actor = CAST($1 AS TEXT))"
    " AND (CAST($2 AS TEXT) IS NULL OR a.entity = CAST($2 AS TEXT))"
    " AND (CAST($3 AS TEXT) IS NULL OR strpos(lower(a.entity_key), lower(CAST($3 AS TEXT))) > 0)"
    " AND (CAST($4 AS TEXT) IS NULL OR a.action = CAST($4 AS TEXT))"
    " AND (CAST($5 AS DATE) IS NULL OR CAST(a.occurred_at AS DATE) >= CAST($5 AS DATE))"
    " AND (CAST($6 AS DATE) IS NULL OR CAST(a.occurred_at AS DATE) <= CAST($6 AS DATE))"
    " AND (CAST($7 AS TEXT) IS NULL OR a.department_id = CAST($7 AS TEXT))")


@dataclass(frozen=True)
class Activity:
    """The rows shown (ACTIVITY_COLUMNS, newest first) and how many matched in all."""

    rows: pd.DataFrame
    total: int
    refused: int

    @property
    def summary(self) -> str:
        shown = len(self.rows)
        counted = f"Showing {shown:,} of {self.total:,} matching entries" if self.total > shown else \
            f"{self.total:,} matching {'entry' if self.total == 1 else 'entries'}"
        refused = f", {self.refused:,} of them refused attempts" if self.refused else ""
        return f"{counted}{refused}, newest first."


def activity(db: Database, filters: ActivityFilters, limit: int = 200) -> Activity:
    """The audit trail under the filters, newest first, at most `limit` rows, and the number of matches."""
    filters.check()
    limit = max(1, min(int(limit), MAX_ROWS))
    frame = db.frame(
        "SELECT a.occurred_at, a.actor, a.action, a.entity, a.entity_key, a.department_id, d.name AS department_name, "
        " a.before_json, a.after_json, count(*) OVER () AS matching, "
        " sum(CASE WHEN a.action = 'refused' THEN 1 ELSE 0 END) OVER () AS refused "
        f"FROM audit_log a LEFT JOIN departments d ON d.department_id = a.department_id {_ACTIVITY_WHERE} "
        "ORDER BY a.occurred_at DESC, a.audit_id DESC LIMIT $8",
        [*filters.params(), limit])
    total = int(frame["matching"].iloc[0]) if len(frame) else 0
    refused = int(frame["refused"].iloc[0]) if len(frame) else 0
    return Activity(_shown(frame), total, refused)


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The query's rows as the page shows them."""
    records = [f"{entity_word(e)} {k}".strip() for e, k in zip(frame["entity"], frame["entity_key"])]
    departments = [None if d is None or pd.isna(d) else (n if isinstance(n, str) and n else d)
                   for d, n in zip(frame["department_id"], frame["department_name"])]
    changes = [describe_entry(a, b, c) for a, b, c in zip(frame["action"], frame["before_json"], frame["after_json"])]
    return pd.DataFrame({
        "occurred_at": pd.to_datetime(frame["occurred_at"]),
        "actor": frame["actor"].astype(object),
        "action": [REFUSED_MARK if a == REFUSED else a for a in frame["action"]],
        "record": records, "department": departments, "change": changes}, columns=list(ACTIVITY_COLUMNS))


def describe_entry(action: str, before_json: str | None, after_json: str | None) -> str:
    """An entry's change in words; a refused attempt says what was asked and why it was refused."""
    if action == REFUSED:
        after = _parse(after_json)
        if isinstance(after, dict):
            reason = after.get("reason") or f"asked to {after.get('asked to', 'do something')}"
            return f"Refused: {reason}"
    return describe_change(before_json, after_json)


@dataclass(frozen=True)
class ActivityChoices:
    """What the filters offer, from the trail itself, each with its number of entries."""

    people: dict[str, int]
    entities: dict[str, int]
    actions: dict[str, int]
    departments: dict[str, str]    # key -> name (the key when the department is gone)

    @property
    def empty(self) -> bool:
        return not self.people


def activity_choices(db: Database) -> ActivityChoices:
    """The people, kinds of record, kinds of change and departments that appear in the trail."""
    def counted(column: str) -> dict[str, int]:
        return {str(v): int(n) for v, n in db.rows(
            f"SELECT {column}, count(*) FROM audit_log GROUP BY {column} ORDER BY {column}")}

    departments = dict(db.rows(
        "SELECT a.department_id, coalesce(max(d.name), a.department_id) AS name FROM audit_log a "
        "LEFT JOIN departments d ON d.department_id = a.department_id WHERE a.department_id IS NOT NULL "
        "GROUP BY a.department_id ORDER BY name, a.department_id"))
    return ActivityChoices(counted("actor"), counted("entity"), counted("action"), departments)


# Spreadsheets run a cell that starts with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        return value.strftime(WHEN_FORMAT)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(rows: pd.DataFrame) -> bytes:
    """The rows as the Activity page shows them, as CSV: the same columns, headings and order, times
    as shown (UTC). UTF-8 with a byte-order mark so spreadsheets read the arrows; a cell that a
    spreadsheet would run as a formula starts with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([ACTIVITY_COLUMNS[c] for c in ACTIVITY_COLUMNS])
    for row in rows[list(ACTIVITY_COLUMNS)].itertuples(index=False):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue().encode("utf-8-sig")
