"""Reading the audit trail (rows are written by db.Tx.audit inside each write)."""

from __future__ import annotations

import json

import pandas as pd

from .db import Database


def history(db: Database, *, department_id: str | None = None, entity: str | None = None,
            entity_key: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Newest first: when (UTC), who, what, on which record, before and after, and a readable change."""
    frame = db.frame(
        "SELECT occurred_at, actor, action, entity, entity_key, department_id, before_json, after_json "
        "FROM audit_log WHERE ($1 IS NULL OR department_id = $1) AND ($2 IS NULL OR entity = $2) "
        "AND ($3 IS NULL OR entity_key = $3) ORDER BY audit_id DESC LIMIT $4",
        [department_id, entity, entity_key, int(limit)])
    frame["change"] = [describe_change(b, a) for b, a in zip(frame["before_json"], frame["after_json"])]
    return frame


def _short(value: object, width: int = 60) -> str:
    text = "—" if value is None or value == "" else str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def describe_change(before_json: str | None, after_json: str | None) -> str:
    """'field: old → new' for each field that differs (or the new values for a created record)."""
    before = json.loads(before_json) if isinstance(before_json, str) else None
    after = json.loads(after_json) if isinstance(after_json, str) else None
    if not isinstance(before, dict) or not isinstance(after, dict):
        shown = after if after is not None else before
        if isinstance(shown, dict):
            return "; ".join(f"{k}: {_short(v)}" for k, v in shown.items() if k != "version")
        return "" if shown is None else _short(shown)
    keys = [k for k in after if k != "version" and before.get(k) != after.get(k)]
    return "; ".join(f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys)
