"""The maturity model's sheets: Dimensions, and Levels (each dimension's rubric line per level, with the
level names and meanings every dimension shares), with the model's identity from About.

Changing the model needs the admin role. A new dimension needs its five rubric lines.
"""

from __future__ import annotations

from ...access.policy import Permission
from ...models import LEVELS, check_dimension_id
from .. import contract as c
from ..parsed import ParsedSheet, ParsedWorkbook, Row
from ..plan import Change, Context
from .keyed import get as _get, keyed as _keyed, label as _label, stored as _stored


def dimensions(ctx: Context, wb: ParsedWorkbook) -> None:
    stored = _stored(ctx, "SELECT dimension_id, name, description, position, active FROM dimensions")
    ctx.state["dimensions"] = set(stored)
    ctx.state["active_dimensions"] = {k for k, r in stored.items() if r[4]}   # as stored, for submissions
    ctx.state["new_dimensions"] = {}
    ps = wb.sheet(c.DIMENSIONS.name)
    if ps is None:
        return
    change = Change(ps.title, "dimensions", ("dimension_id", "name", "description", "position", "active"), 1,
                    "dimension", versioned=True, permission=Permission.model)
    next_position = max((r[3] for r in stored.values()), default=0)
    for row, (key,) in _keyed(ctx, ps, {"dimension_id": check_dimension_id}):
        old = stored.get(key)
        position = _get(row, ps, "position", old, 3, None)
        if position is None:
            next_position += 1
            position = next_position
        change.add((key, ps.value(row, "name"), _get(row, ps, "description", old, 2), position,
                    _get(row, ps, "active", old, 4, True)), old)
        if old is None:
            ctx.state["new_dimensions"][key] = (_label(ps, row), row.excel_row)
        ctx.state["dimensions"].add(key)
    ctx.changes.append(change)


def levels(ctx: Context, wb: ParsedWorkbook) -> None:
    ps = wb.sheet(c.LEVELS.name)
    rubric_count: dict[str, int] = {}
    if ps is not None:
        stored = _stored(ctx, "SELECT dimension_id, level, description FROM rubric", 2)
        levels_stored = {r[0]: r for r in ctx.fetch("SELECT level, name, meaning FROM levels", [])}
        rubric = Change(ps.title, "rubric", ("dimension_id", "level", "description"), 2, "rubric",
                        permission=Permission.model, after_write=_rubric_moves_dimension_versions)
        shared: dict[str, dict[int, tuple[str, int]]] = {"name": {}, "meaning": {}}   # per level, with its row
        for row, (dim, level) in _keyed(ctx, ps, {"dimension_id": check_dimension_id}):
            if dim not in ctx.state["dimensions"]:
                ctx.error(_label(ps, row), row.excel_row, "dimension_id",
                          f"there is no dimension {dim!r} in the Dimensions sheet or the app")
                continue
            if not _shared_level_text(ctx, ps, row, level, shared):
                continue
            rubric.add((dim, level, ps.value(row, "description")), stored.get((dim, level)))
            rubric_count[dim] = rubric_count.get(dim, 0) + 1
        names = shared["name"]
        level_change = Change(f"{ps.title} (level names)", "levels", ("level", "name", "meaning"), 1, "level",
                              versioned=True, permission=Permission.model)
        for level in sorted({*names, *shared["meaning"]}):
            old = levels_stored.get(level)
            name = names.get(level, (old[1] if old else "",))[0]
            meaning = shared["meaning"].get(level, (old[2] if old else "",))[0]
            level_change.add((level, name, meaning), old)
        missing = [lvl for lvl in LEVELS if lvl not in levels_stored and lvl not in names]
        if missing and (names or shared["meaning"] or rubric.new):
            ctx.error(ps.title, None, "name", "name every level (" + ", ".join(map(str, missing)) +
                      "): this database has no level names yet")
        ctx.changes += [level_change, rubric]
        _model_info(ctx, wb)
    for dim, (sheet, excel_row) in ctx.state.get("new_dimensions", {}).items():
        if rubric_count.get(dim, 0) != len(LEVELS):
            ctx.error(sheet, excel_row, "dimension_id", f"the new dimension {dim!r} needs five rows in the Levels "
                                                        "sheet, one rubric line per level")


def _rubric_moves_dimension_versions(tx, change: Change) -> None:
    """A rubric line is edited with its dimension (one version): an import that rewrites it moves that
    dimension's version on, so a colleague's open dimension form cannot save over it."""
    changed = sorted({row[0] for _, row in change.changed})
    tx.bump_versions("dimensions", "dimension_id", changed)


def _shared_level_text(ctx: Context, ps: ParsedSheet, row: Row, level: int, shared: dict) -> bool:
    """A level's name and meaning are shared by every dimension: each row that gives one must agree."""
    for column, seen in shared.items():
        text = ps.value(row, column)
        if not text or text.isspace():   # blank: says nothing about the level
            continue
        if level in seen and seen[level][0] != text:
            ctx.error(_label(ps, row), row.excel_row, column,
                      f"level {level}'s {column} is {seen[level][0]!r} on row {seen[level][1]}; level names and "
                      f"meanings are shared by every dimension, so use one {column}")
            return False
        seen.setdefault(level, (text, row.excel_row))
    return True


def _model_info(ctx: Context, wb: ParsedWorkbook) -> None:
    """The model's id, name and version (About) come with its rubric (the Levels sheet)."""
    given = {key: wb.about.get(name, "") for name, key in c.ABOUT_MODEL.items()}
    given = {key: value for key, value in given.items() if value.strip()}
    if not given:
        return
    stored = dict(ctx.fetch("SELECT key, value FROM model_info", []))
    change = Change(f"{c.ABOUT} (model)", "model_info", ("key", "value"), 1, "model", permission=Permission.model)
    for key, value in given.items():
        change.add((key, value), (key, stored[key]) if key in stored else None)
    ctx.changes.append(change)
