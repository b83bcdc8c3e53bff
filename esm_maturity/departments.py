"""Departments: the units that self-assess."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from .access.policy import Permission, require
from .db import Database, Tx
from .limits import LIMITS
from .models import (Actor, NotFound, ValidationError, check_department_id, clean_text, required_text,
                     still_as_seen)

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Department:
    department_id: str
    name: str
    sponsor: str = ""
    champion: str = ""
    active: bool = True
    version: int = 1


_COLUMNS = "department_id, name, sponsor, champion, active, version"
_LIMITS = LIMITS["department"]


def list_departments(db: Database, *, include_inactive: bool = False) -> list[Department]:
    rows = db.rows(f"SELECT {_COLUMNS} FROM departments WHERE active OR $1 ORDER BY name", [include_inactive])
    return [Department(*r) for r in rows]


def departments_frame(db: Database) -> pd.DataFrame:
    return db.frame(f"SELECT {_COLUMNS} FROM departments ORDER BY active DESC, name")


def get_department(db: Database, department_id: str) -> Department:
    row = db.one(f"SELECT {_COLUMNS} FROM departments WHERE department_id = $1", [department_id])
    if row is None:
        raise NotFound(f"no department {department_id!r}")
    return Department(*row)


def _state(tx: Tx, department_id: str) -> dict | None:
    row = tx.one(f"SELECT {_COLUMNS} FROM departments WHERE department_id = $1", [department_id])
    return asdict(Department(*row)) if row else None


def add_department(db: Database, actor: Actor, department_id: str, name: str, sponsor: str = "",
                   champion: str = "") -> Department:
    require(db, actor, Permission.departments, entity="department", key=str(department_id))
    problems = []
    values = {}
    for key, check in (("department_id", lambda: check_department_id(department_id)),
                       ("name", lambda: required_text(name, "name", _LIMITS["name"])),
                       ("sponsor", lambda: clean_text(sponsor, "sponsor", _LIMITS["sponsor"])),
                       ("champion", lambda: clean_text(champion, "champion", _LIMITS["champion"]))):
        try:
            values[key] = check()
        except ValidationError as err:
            problems += err.problems
    if problems:
        raise ValidationError(problems=problems)

    def work(tx: Tx) -> Department:
        existing = tx.one("SELECT department_id FROM departments WHERE lower(department_id) = lower($1)",
                          [values["department_id"]])
        if existing:
            raise ValidationError(f"the key {existing[0]!r} is already taken", "department_id")
        tx.execute("INSERT INTO departments (department_id, name, sponsor, champion) VALUES ($1, $2, $3, $4)",
                   [values["department_id"], values["name"], values["sponsor"], values["champion"]])
        after = _state(tx, values["department_id"])
        tx.audit("add", "department", values["department_id"], after=after, department_id=values["department_id"])
        return Department(**after)

    return db.write(actor, work)


def update_department(db: Database, actor: Actor, department_id: str, *, name: str, sponsor: str,
                      champion: str, active: bool, expected_version: int) -> Department:
    require(db, actor, Permission.departments, entity="department", key=str(department_id))
    name = required_text(name, "name", _LIMITS["name"])
    sponsor = clean_text(sponsor, "sponsor", _LIMITS["sponsor"])
    champion = clean_text(champion, "champion", _LIMITS["champion"])

    def work(tx: Tx) -> Department:
        before, conflict = still_as_seen(
            _state(tx, department_id), expected_version, f"no department {department_id!r}",
            lambda d: f"someone else changed {d['name']} while you were editing; your changes are still in the "
                      "form; reload to see theirs")
        tx.update_versioned("departments", {"department_id": department_id}, expected_version,
                            {"name": name, "sponsor": sponsor, "champion": champion, "active": bool(active)}, conflict)
        after = _state(tx, department_id)
        action = "edit" if before["active"] == after["active"] else ("reactivate" if active else "deactivate")
        tx.audit(action, "department", department_id, before=before, after=after, department_id=department_id)
        return Department(**after)

    return db.write(actor, work)
