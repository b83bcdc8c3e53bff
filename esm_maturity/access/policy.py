"""The permission matrix: which role may do what, and for which departments.

| permission   | admin | champion | department          | sponsor |
|--------------|-------|----------|---------------------|---------|
| score        | yes   | yes      | its departments     | no      |
| checkin      | yes   | yes      | its departments     | no      |
| rounds       | yes   | yes      | its departments     | no      |
| streams      | yes   | yes      | streams it owns     | no      |
| flow         | yes   | yes      | its streams         | no      |
| backlog      | yes   | yes      | no                  | no      |
| departments  | yes   | yes      | no                  | no      |
| import       | yes   | yes      | yes (rows checked)  | no      |
| activity     | yes   | yes      | no                  | no      |
| reopen       | yes   | no       | no                  | no      |
| model        | yes   | no       | no                  | no      |
| people       | yes   | no       | no                  | no      |
| demo         | yes   | no       | no                  | no      |

A department-scoped permission (score, checkin, rounds) names the department of the record; a check-in
across departments (no department) is the champions' and admins' work. Every refusal raises
PermissionDenied, which the database writes to the audit trail.

The value-stream permissions are scoped to a stream (a StreamScope: the people it names): `streams`
(define a stream and its steps) is a department rep's only for a stream that names them its owner, and
creating a stream is the champions' and admins' work; `flow` (flow records and hand-off quality) is a
department rep's for a stream that names them its owner or champion, and for hand-off quality also where
one of their departments receives the hand-off. A sponsor writes nothing, even when a stream names them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..models import Actor, PermissionDenied, Role

if TYPE_CHECKING:
    from ..db import Database


class Permission(enum.Enum):
    score = "score a self-assessment"
    checkin = "record or change a check-in and its actions"
    rounds = "run a rating round and agree its scores"
    streams = "define a value stream and its steps"
    flow = "record a value stream's flow and hand-off quality"
    backlog = "change the improvement backlog"
    departments = "add or change departments"
    import_workbook = "import a workbook"
    activity = "read the activity log"
    reopen = "reopen a submitted assessment"
    model = "change the maturity model"
    people = "manage people and roles"
    demo = "load the demo organisation"

    @property
    def doing(self) -> str:
        return self.value


SCOPED = frozenset({Permission.score, Permission.checkin, Permission.rounds})
STREAM_SCOPED = frozenset({Permission.streams, Permission.flow})


@dataclass(frozen=True)
class StreamScope:
    """What a value-stream permission is about: the stream (its key, owner and champion e-mails) and, for
    hand-off quality, the department receiving the hand-off. No stream: creating one."""

    stream_id: str | None = None
    owner: str | None = None
    champion: str | None = None
    receiving: str | None = None

    def names(self, actor: Actor, permission: "Permission") -> bool:
        """Does this stream give `actor` (a department rep) `permission`?"""
        if self.stream_id is None:
            return False
        me = actor.name.lower()
        if permission is Permission.streams:
            return me == (self.owner or "").lower()
        return me in {(self.owner or "").lower(), (self.champion or "").lower()} or (
            self.receiving is not None and self.receiving in actor.departments)

MATRIX: dict[Role, frozenset[Permission]] = {
    Role.admin: frozenset(Permission),
    Role.champion: frozenset({Permission.score, Permission.checkin, Permission.rounds, Permission.backlog,
                              Permission.departments, Permission.import_workbook, Permission.activity,
                              Permission.streams, Permission.flow}),
    Role.department: frozenset({Permission.score, Permission.checkin, Permission.rounds, Permission.import_workbook,
                                Permission.streams, Permission.flow}),
    Role.sponsor: frozenset(),
}

# How the screen and every message name each role (keyed by the stored word).
ROLE_WORDS = {Role.admin.value: "admin", Role.champion.value: "champion", Role.department.value: "department rep",
              Role.sponsor.value: "sponsor"}


def _a(role: Role) -> str:
    word = ROLE_WORDS[role.value]
    return ("an " if word[0] in "aeiou" else "a ") + word


def allowed(actor: Actor, permission: Permission, department_id: str | None = None, *,
            stream: StreamScope | None = None) -> bool:
    """May `actor` do this (for this department, or this stream, when the permission is scoped)? Pages ask
    this to hide controls; the commands call require()."""
    if permission not in MATRIX.get(actor.role, frozenset()):
        return False
    if actor.role is Role.department and permission in SCOPED:
        return department_id is not None and department_id in actor.departments
    if actor.role is Role.department and permission in STREAM_SCOPED:
        return stream is not None and stream.names(actor, permission)
    return True


def refusal(actor: Actor, permission: Permission, department_id: str | None = None, *,
            entity: str = "permission", key: str = "", stream: StreamScope | None = None) -> PermissionDenied:
    """The error for a refused action, worded for the person who asked."""
    who = f"{actor.label} is {_a(actor.role) if actor.role in MATRIX else 'signed in without a role'}"
    if permission in MATRIX.get(actor.role, frozenset()) and permission in STREAM_SCOPED:
        if stream is None or stream.stream_id is None:
            why = f"{who}: only champions and admins can create a value stream"
        else:
            whom = ("its owner" if permission is Permission.streams
                    else "its owner, its champion or (for hand-off quality) the receiving department")
            why = (f"{who} and value stream {stream.stream_id} does not name them {whom}, so they cannot "
                   f"{permission.doing}; ask an admin or the stream's owner")
    elif permission in MATRIX.get(actor.role, frozenset()) and permission in SCOPED:
        if department_id is None:
            why = f"{who}: only champions and admins can {permission.doing} across departments"
        else:
            mine = ", ".join(sorted(actor.departments)) or "no department yet"
            why = (f"{who} for {mine}, so cannot {permission.doing} for {department_id}; "
                   "ask an admin to add that department to your assignments")
    else:
        able = [r for r, perms in MATRIX.items() if permission in perms]
        names = " or ".join(ROLE_WORDS[r.value] for r in able)
        why = f"{who} and cannot {permission.doing}; this needs the {names} role"
    return PermissionDenied(why, doing=permission.doing, entity=entity, key=key or permission.name,
                            department_id=department_id)


def require_in(actor: Actor, permission: Permission, department_id: str | None = None, *,
               entity: str = "permission", key: str = "", stream: StreamScope | None = None) -> None:
    """Inside a write transaction: raise PermissionDenied unless allowed. Database.write rolls the
    transaction back and records the refusal in the audit trail."""
    if not allowed(actor, permission, department_id, stream=stream):
        raise refusal(actor, permission, department_id, entity=entity, key=key, stream=stream)


def require(db: "Database", actor: Actor, permission: Permission, department_id: str | None = None, *,
            entity: str = "permission", key: str = "", stream: StreamScope | None = None) -> None:
    """Before a write: raise PermissionDenied unless allowed, after recording the refusal."""
    if not allowed(actor, permission, department_id, stream=stream):
        err = refusal(actor, permission, department_id, entity=entity, key=key, stream=stream)
        db.record_refusal(actor, err)
        raise err


def allowed_somewhere(actor: Actor, permission: Permission) -> bool:
    """May `actor` do this for at least one department (or, unscoped, at all)? What a page asks
    before it draws a form whose department is chosen in the form."""
    if permission not in MATRIX.get(actor.role, frozenset()):
        return False
    if actor.role is Role.department and permission in STREAM_SCOPED:
        return True   # some stream may name them; ask allowed() with the stream
    return actor.role is not Role.department or permission not in SCOPED or bool(actor.departments)


def allowed_everywhere(actor: Actor, permission: Permission) -> bool:
    """May `actor` do this for every department (an admin's or a champion's whole-organisation import)?"""
    return permission in MATRIX.get(actor.role, frozenset()) and not (
        actor.role is Role.department and permission in SCOPED | STREAM_SCOPED)
