"""People and their roles: who may sign in, as what, for which departments.

A person is keyed by the e-mail address their identity provider sends, lower-case (or its
subject when it sends none); that key is what the audit trail records. Only admins change
people (Permission.people), and never so that no active admin is left.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from ..db import Database, Tx
from ..limits import LIMITS, too_long
from ..models import Actor, NotFound, Problem, Role, ValidationError, clean_text, still_as_seen
from .policy import Permission, require

_LOGIN_RE = re.compile(r"^[^\s\x00-\x1f\x7f]+$")


@dataclass(frozen=True)
class Person:
    email: str
    name: str
    role: Role
    active: bool
    departments: tuple[str, ...]
    version: int

    def actor(self) -> Actor:
        return Actor(self.email, self.role, frozenset(self.departments), self.name)


def normalise_login(value: Any) -> str:
    """An e-mail address (or subject) as the people table keys it: trimmed, lower-case, no spaces."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        raise ValidationError("is required: the e-mail address the person signs in with", "email")
    problem = too_long(text, LIMITS["person"]["email"])
    if problem:
        raise ValidationError(problem, "email")
    if not _LOGIN_RE.match(text):
        raise ValidationError(f"{text!r} has spaces or control characters; use the address the person signs in "
                              "with", "email")
    return text


def _people(run, where: str = "", params: Iterable[Any] = ()) -> list[Person]:
    params = list(params)
    rows = run(f"SELECT email, name, role, active, version FROM people p {where} ORDER BY email", params)
    depts: dict[str, list[str]] = {}
    for email, dept in run("SELECT d.email, d.department_id FROM person_departments d JOIN people p ON p.email = "
                           f"d.email {where} ORDER BY d.department_id", params):
        depts.setdefault(email, []).append(dept)
    return [Person(email, name, Role(role), bool(active), tuple(depts.get(email, ())), int(version))
            for email, name, role, active, version in rows]


def list_people(db: Database) -> list[Person]:
    return _people(db.rows)


def find_person(db: Database, login: Any) -> Person | None:
    try:
        key = normalise_login(login)
    except ValidationError:
        return None
    found = _people(db.rows, "WHERE p.email = $1", [key])
    return found[0] if found else None


def admins(db: Database) -> list[Person]:
    """The active admins: whom a person without a role asks for access."""
    return [p for p in list_people(db) if p.active and p.role is Role.admin]


def _state(tx: Tx, email: str) -> dict | None:
    found = _people(tx.execute, "WHERE p.email = $1", [email])
    if not found:
        return None
    p = found[0]
    return {"email": p.email, "name": p.name, "role": p.role.value, "active": p.active,
            "departments": list(p.departments), "version": p.version}


def _checked(tx: Tx, role: Role, departments: Iterable[str]) -> list[str]:
    wanted = sorted({str(d).strip() for d in departments if str(d).strip()})
    if role is not Role.department:
        return []
    if not wanted:
        raise ValidationError("a department rep needs at least one department: pick the ones they score for",
                              "departments")
    known = {r[0] for r in tx.execute("SELECT department_id FROM departments WHERE department_id = ANY($1)",
                                      [wanted])}
    missing = [d for d in wanted if d not in known]
    if missing:
        raise ValidationError(f"there is no department {', '.join(missing)}", "departments")
    return wanted


def _set_departments(tx: Tx, email: str, departments: list[str]) -> None:
    tx.execute("DELETE FROM person_departments WHERE email = $1", [email])
    tx.insert_rows("person_departments", ("email", "department_id"), [(email, d) for d in departments])


def _keep_an_admin(tx: Tx, email: str) -> None:
    left = tx.one("SELECT count(*) FROM people WHERE role = 'admin' AND active AND email <> $1", [email])[0]
    if not left:
        raise ValidationError("this is the last active admin: make someone else an admin first, or nobody could "
                              "manage people any more", "role")


def _fields(email: Any, name: Any, role: Any) -> tuple[str, str, Role]:
    problems: list[Problem] = []
    values = []
    for check in (lambda: normalise_login(email), lambda: clean_text(name, "name", LIMITS["person"]["name"]),
                  lambda: Role.parse(role)):
        try:
            values.append(check())
        except ValidationError as err:
            problems += err.problems
            values.append(None)
    if problems:
        raise ValidationError(problems=problems)
    return values[0], values[1], values[2]


def add_person(db: Database, actor: Actor, email: Any, name: Any, role: Any,
               departments: Iterable[str] = ()) -> Person:
    require(db, actor, Permission.people, entity="person", key=str(email or ""))
    email, name, role = _fields(email, name, role)

    def work(tx: Tx) -> Person:
        if tx.one("SELECT 1 FROM people WHERE email = $1", [email]):
            raise ValidationError(f"{email} is already in the list; change their role there", "email")
        depts = _checked(tx, role, departments)
        tx.execute("INSERT INTO people (email, name, role, active, added_at) VALUES ($1, $2, $3, TRUE, $4)",
                   [email, name, role.value, tx.now])
        _set_departments(tx, email, depts)
        after = _state(tx, email)
        tx.audit("add", "person", email, after=after)
        return _people(tx.execute, "WHERE p.email = $1", [email])[0]

    return db.write(actor, work)


def update_person(db: Database, actor: Actor, email: str, *, name: Any, role: Any, departments: Iterable[str],
                  active: bool, expected_version: int) -> Person:
    """Change a person's name, role, departments or whether they may sign in. Returns them as saved."""
    require(db, actor, Permission.people, entity="person", key=str(email))
    email, name, role = _fields(email, name, role)

    def work(tx: Tx) -> Person:
        before, conflict = still_as_seen(
            _state(tx, email), expected_version, f"there is no person {email}",
            f"someone else changed {email} while you were editing; your changes are still in the form: reload to "
            "see theirs")
        if before["role"] == Role.admin.value and before["active"] and (role is not Role.admin or not active):
            _keep_an_admin(tx, email)
        depts = _checked(tx, role, departments)
        tx.update_versioned("people", {"email": email}, expected_version,
                            {"name": name, "role": role.value, "active": bool(active)}, conflict)
        _set_departments(tx, email, depts)
        after = _state(tx, email)
        action = "edit" if before["active"] == after["active"] else ("reactivate" if active else "deactivate")
        tx.audit(action, "person", email, before=before, after=after)
        return _people(tx.execute, "WHERE p.email = $1", [email])[0]

    return db.write(actor, work)


def signed_in(db: Database, login: Any, *, name: str = "", first_admin: str = "") -> Person | None:
    """The person behind a sign-in, or None when they have no role (or were deactivated).

    The first admin named in the configuration is added as an admin the first time they sign in
    (while the people table has no active admin), so a new organisation can start."""
    try:
        key = normalise_login(login)
    except ValidationError:
        return None
    person = find_person(db, key)
    if person is None and first_admin and key == str(first_admin).strip().lower() and not admins(db):
        def work(tx: Tx) -> None:
            if tx.one("SELECT 1 FROM people WHERE email = $1", [key]):
                return
            tx.execute("INSERT INTO people (email, name, role, active, added_at) VALUES ($1, $2, 'admin', TRUE, $3)",
                       [key, str(name or "")[:LIMITS["person"]["name"]], tx.now])
            tx.audit("add", "person", key, after={**_state(tx, key), "why": "the first admin, from the configuration"})

        db.write(Actor(key, Role.admin, display_name=name), work)
        person = find_person(db, key)
    if person is None or not person.active:
        return None
    return person


def actor_for(db: Database, login: Any, *, first_admin: str = "") -> Actor:
    """The command line's `--as EMAIL`: the person as an actor, or NotFound with what to do."""
    person = signed_in(db, login, first_admin=first_admin)
    if person is None:
        raise NotFound(f"{login!r} is not an active person in this database; an admin adds people on the Settings "
                       "page (or name the first admin from the configuration)")
    return person.actor()
