"""The People sheet: who may sign in, with which role, for which departments (changing it needs the admin role).

A person is keyed by the e-mail address they sign in with, lower-case (access.people.normalise_login).
Their departments (department keys, comma-separated) belong to the person: compared, reported,
audited and versioned with the row, and written in place of the stored ones (_write_departments).
A department rep needs at least one department; the other roles have none. The rules of the
Settings page hold: an import never leaves no active admin.
"""

from __future__ import annotations

from ...access.people import normalise_login
from ...access.policy import Permission
from ...models import Role
from .. import contract as c
from ..parsed import ParsedSheet, ParsedWorkbook, Row
from ..plan import Change, Context
from .keyed import get as _get, keyed as _keyed, label as _label

# The table holds the first four; the departments go to person_departments.
COLUMNS = ("email", "name", "role", "active", "departments")


def people(ctx: Context, wb: ParsedWorkbook) -> None:
    ps = wb.sheet(c.PEOPLE.name)
    if ps is None:
        return
    stored = _stored_people(ctx)
    change = Change(ps.title, "people", COLUMNS, 1, "person", versioned=True, insert_only={"added_at": ctx.now},
                    permission=Permission.people, table_columns=4, after_write=_write_departments)
    final = dict(stored)
    demoted: list[Row] = []   # rows that take a stored active admin's role or sign-in away
    for row, (email,) in _keyed(ctx, ps, {"email": normalise_login}):
        old = stored.get(email)
        role = ps.value(row, "role")
        departments = _departments(ctx, ps, row, role, old)
        if departments is None:
            continue
        new = (email, _get(row, ps, "name", old, 1), role, _get(row, ps, "active", old, 3, True), departments)
        change.add(new, old)
        final[email] = new
        if old is not None and _active_admin(old) and not _active_admin(new):
            demoted.append(row)
    if any(map(_active_admin, stored.values())) and not any(map(_active_admin, final.values())):
        for row in demoted:
            ctx.error(_label(ps, row), row.excel_row, "role",
                      f"this leaves no active admin ({ps.value(row, 'email')} is the last one): keep one active "
                      "admin, or make someone else an admin first, in this sheet or in the app")
    ctx.changes.append(change)


def _stored_people(ctx: Context) -> dict[str, tuple]:
    """email -> (email, name, role, active, departments), departments a sorted tuple."""
    departments: dict[str, list[str]] = {}
    for email, dept in ctx.fetch("SELECT email, department_id FROM person_departments ORDER BY department_id", []):
        departments.setdefault(email, []).append(dept)
    return {email: (email, name, role, bool(active), tuple(departments.get(email, ())))
            for email, name, role, active in ctx.fetch("SELECT email, name, role, active FROM people", [])}


def _active_admin(person: tuple) -> bool:
    return person[2] == Role.admin.value and bool(person[3])


def _departments(ctx: Context, ps: ParsedSheet, row: Row, role: str, old: tuple | None) -> tuple[str, ...] | None:
    """The row's departments as a sorted tuple (none for a role other than department); None after an error.
    Without the column, a person keeps the departments stored."""
    i = ps.index.get("departments")
    if i is None:
        keys = old[4] if old is not None else ()
    else:
        keys = tuple(sorted({k.strip() for k in (row.cells[i] or "").split(",") if k.strip()}))
    label = _label(ps, row)
    if role != Role.department.value:
        if keys and i is not None:
            ctx.warn(label, row.excel_row, "departments", f"was ignored: only a department rep has departments "
                                                          f"(this person is {role})")
        return ()
    if not keys:
        ctx.error(label, row.excel_row, "departments", "a department rep needs at least one department: list the "
                                                       "department keys they score for, comma-separated (e.g. HR, IT)")
        return None
    known = ctx.state["departments"]
    missing = [k for k in keys if k not in known]
    if missing:
        folded = {k.casefold(): k for k in known}
        named = [f"{k!r}" + (f" (did you mean {folded[k.casefold()]!r}?)" if k.casefold() in folded else "")
                 for k in missing]
        ctx.error(label, row.excel_row, "departments",
                  f"there is no department {', '.join(named)} in the Departments sheet or the app")
        return None
    return keys


def _write_departments(tx, change: Change) -> None:
    """Each written person's departments replace the stored ones (inside the import's transaction)."""
    written = [*change.new, *(row for _, row in change.changed)]
    tx.execute("DELETE FROM person_departments WHERE email = ANY($1)", [[row[0] for row in written]])
    tx.insert_rows("person_departments", ("email", "department_id"),
                   [(row[0], dept) for row in written for dept in row[4]])
