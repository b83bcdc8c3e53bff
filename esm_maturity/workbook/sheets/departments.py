"""The Departments sheet: each row a department, new or changed (changing it needs the champion or admin role)."""

from __future__ import annotations

from ...access.policy import Permission
from ...models import check_department_id
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
