"""The Departments sheet: each row a department, new or changed (changing it needs the champion or admin role);
and the organisation's name from About, which the same roles may change."""

from __future__ import annotations

from ...access.policy import Permission
from ...limits import LIMITS
from ...models import ValidationError, check_department_id, required_text
from .. import contract as c
from ..parsed import ParsedWorkbook
from ..plan import Change, Context
from .keyed import get as _get, keyed as _keyed, label as _label, stored as _stored


def departments(ctx: Context, wb: ParsedWorkbook) -> None:
    stored = _stored(ctx, "SELECT department_id, name, sponsor, champion, active FROM departments")
    ctx.state["departments"] = set(stored)
    ps = wb.sheet(c.DEPARTMENTS.name)
    if ps is None:
        return
    folded = {k.casefold(): k for k in stored}
    change = Change(ps.title, "departments", ("department_id", "name", "sponsor", "champion", "active"), 1,
                    "department", versioned=True, dept_index=0,
                    permission=Permission.departments)
    for row, (key,) in _keyed(ctx, ps, {"department_id": check_department_id}):
        old = stored.get(key)
        if old is None and key.casefold() in folded:
            ctx.error(_label(ps, row), row.excel_row, "department_id",
                      f"the key {folded[key.casefold()]!r} is already taken (keys ignore case); use that spelling")
            continue
        change.add((key, ps.value(row, "name"), _get(row, ps, "sponsor", old, 2), _get(row, ps, "champion", old, 3),
                    _get(row, ps, "active", old, 4, True)), old)
        ctx.state["departments"].add(key)
    ctx.changes.append(change)


def organisation(ctx: Context, wb: ParsedWorkbook) -> None:
    """The organisation's name (About, key `organisation`): versioned like a department; blank or absent
    changes nothing."""
    name = wb.about.get(c.ABOUT_ORGANISATION, "")
    if not name.strip():
        return
    sheet = f"{c.ABOUT} (organisation)"
    try:
        name = required_text(name, c.ABOUT_ORGANISATION, LIMITS["organisation"]["name"])
    except ValidationError as err:
        ctx.error(sheet, None, c.ABOUT_ORGANISATION, err.problems[0].message)
        return
    stored = {key: (key, value) for key, value in ctx.fetch("SELECT key, value FROM organisation_settings", [])}
    change = Change(sheet, "organisation_settings", ("key", "value"), 1, "organisation", versioned=True,
                    permission=Permission.departments)
    change.add(("name", name), stored.get("name"))
    ctx.changes.append(change)
