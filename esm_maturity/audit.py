"""Reading the audit trail (rows are written by db.Tx.audit inside each write)."""

from __future__ import annotations

import pandas as pd

from .db import Database


def history(db: Database, *, department_id: str | None = None, entity: str | None = None,
            entity_key: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Newest first: when (UTC), who, what, on which record, before and after."""
    return db.frame(
        "SELECT occurred_at, actor, action, entity, entity_key, department_id, before_json, after_json "
        "FROM audit_log WHERE ($1 IS NULL OR department_id = $1) AND ($2 IS NULL OR entity = $2) "
        "AND ($3 IS NULL OR entity_key = $3) ORDER BY audit_id DESC LIMIT $4",
        [department_id, entity, entity_key, int(limit)])
