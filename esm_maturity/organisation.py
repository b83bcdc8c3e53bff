"""The organisation itself: its name, which the meeting pack and every exported chart image carry."""

from __future__ import annotations

from .access.policy import Permission, require
from .db import Database, Tx
from .limits import LIMITS
from .models import Actor, ConflictError, required_text

DEFAULT_NAME = "Our organisation"


def name_and_version(db: Database) -> tuple[str, int]:
    """The organisation's name (a neutral default until someone sets it) and its version (0: never set)."""
    row = db.one("SELECT value, version FROM organisation_settings WHERE key = 'name'")
    return (row[0], int(row[1])) if row else (DEFAULT_NAME, 0)


def organisation_name(db: Database) -> str:
    return name_and_version(db)[0]


def set_organisation_name(db: Database, actor: Actor, name: str, *, expected_version: int) -> int:
    """Rename the organisation (champions and admins, as for departments); returns the new version."""
    require(db, actor, Permission.departments, entity="organisation", key="name")
    name = required_text(name, "name", LIMITS["organisation"]["name"])

    def work(tx: Tx) -> int:
        row = tx.one("SELECT value, version FROM organisation_settings WHERE key = 'name'")
        conflict = "someone else renamed the organisation while you were editing; reload to see their name"
        if row is None:
            if expected_version != 0:
                raise ConflictError(conflict)
            if not tx.execute("INSERT INTO organisation_settings (key, value) VALUES ('name', $1) "
                              "ON CONFLICT (key) DO NOTHING RETURNING version", [name]):
                raise ConflictError(conflict)   # another process set it first
            version = 1
        else:
            version = tx.update_versioned("organisation_settings", {"key": "name"}, expected_version,
                                          {"value": name}, conflict)
        tx.audit("edit", "organisation", "name", before={"name": row[0]} if row else None, after={"name": name})
        return version

    return db.write(actor, work)
