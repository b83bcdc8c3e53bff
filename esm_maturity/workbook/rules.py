"""One handler per sheet: check each row against the domain's rules and sort it into a Change.

Handlers run in order (departments before scores, check-ins before actions) and share
lookups through ctx.state, so a row may refer to a key that exists only in the workbook.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter

from ..models import LEVELS, Quarter, ValidationError, check_department_id, check_dimension_id
from . import contract as c
from .importer import Change, Context
from .keyed import get as _get, keyed as _keyed, label as _label, stored as _stored
from .reader import ParsedSheet, ParsedWorkbook, Row
from .rules_ci import actions, backlog, checkins


# --- departments, dimensions, levels ------------------------------------------------------------------


def departments(ctx: Context, wb: ParsedWorkbook) -> None:
    stored = _stored(ctx, "SELECT department_id, name, sponsor, champion, active FROM departments")
    ctx.state["departments"] = set(stored)
    ps = wb.sheet(c.DEPARTMENTS.name)
    if ps is None:
        return
    folded = {k.casefold(): k for k in stored}
    change = Change(ps.title, "departments", ("department_id", "name", "sponsor", "champion", "active"), 1,
                    "department", versioned=True, dept_index=0, admin_only=True)
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


def dimensions(ctx: Context, wb: ParsedWorkbook) -> None:
    stored = _stored(ctx, "SELECT dimension_id, name, description, position, active FROM dimensions")
    ctx.state["dimensions"] = set(stored)
    ctx.state["active_dimensions"] = {k for k, r in stored.items() if r[4]}   # as stored, for submissions
    ctx.state["new_dimensions"] = {}
    ps = wb.sheet(c.DIMENSIONS.name)
    if ps is None:
        return
    change = Change(ps.title, "dimensions", ("dimension_id", "name", "description", "position", "active"), 1,
                    "dimension", versioned=True, admin_only=True)
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
                        admin_only=True, after_write=_rubric_moves_dimension_versions)
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
                              versioned=True, admin_only=True)
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


# --- assessments and scores ---------------------------------------------------------------------------------


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
    change = Change(f"{c.ABOUT} (model)", "model_info", ("key", "value"), 1, "model", admin_only=True)
    for key, value in given.items():
        change.add((key, value), (key, stored[key]) if key in stored else None)
    ctx.changes.append(change)


def assessments(ctx: Context, wb: ParsedWorkbook) -> None:
    stored = _stored(ctx, "SELECT quarter, department_id, status, submitted_by, submitted_on FROM assessments", 2)
    ctx.state["assessments_stored"] = stored
    final = {k: v[2] for k, v in stored.items()}
    ctx.state["assessment_status"] = final
    ps = wb.sheet(c.ASSESSMENTS.name)
    change = Change(ps.title if ps else c.ASSESSMENTS.name, "assessments",
                    ("quarter", "department_id", "status", "submitted_by", "submitted_on"), 2, "assessment",
                    versioned=True, extra={"updated_at": ctx.now}, dept_index=1)
    ctx.state["assessment_change"] = change
    ctx.changes.append(change)
    ctx.state["submitting"] = []
    if ps is None:
        return
    for row, key in _keyed(ctx, ps, {"department_id": check_department_id}):
        old = stored.get(key)
        label = _label(ps, row)
        if key[1] not in ctx.state["departments"]:
            ctx.error(label, row.excel_row, "department_id",
                      f"there is no department {key[1]!r} in the Departments sheet or the app")
            continue
        status = ps.value(row, "status")
        by = _get(row, ps, "submitted_by", old, 3, None)
        on = _get(row, ps, "submitted_on", old, 4, None)
        if status == "submitted" and (old is None or old[2] != "submitted"):
            by, on = by or ctx.actor.name, on or ctx.today
        if status == "draft":
            by, on = None, None
        new = (key[0], key[1], status, by, on)
        if old is not None and old[2] == "submitted" and new != old:
            ctx.error(label, row.excel_row, "status", f"the {key[0]} assessment of {key[1]} is submitted and locked; "
                                                      "reopen it in the app first, then import again")
            continue
        if change.add(new, old) != "unchanged" and status == "submitted" and old is not None:
            ctx.state["submitting"].append((key, label, row.excel_row))
        final[key] = status


def scores(ctx: Context, wb: ParsedWorkbook) -> None:
    ps = wb.sheet(c.SCORES.name)
    if ps is None:
        return _check_submissions(ctx, {})
    stored = _stored(ctx, "SELECT quarter, department_id, dimension_id, score, na, target, evidence, assessed_by, "
                          "assessed_on FROM scores", 3)
    status = ctx.state["assessment_status"]
    depts, dims = ctx.state["departments"], ctx.state["dimensions"]
    change = Change(ps.title, "scores", ("quarter", "department_id", "dimension_id", "score", "na", "target",
                                         "evidence", "assessed_by", "assessed_on"), 3, "score", dept_index=1)
    at = ps.index
    i_score, i_target, i_evidence, i_by, i_on = map(at.get, ("score", "target", "evidence", "assessed_by",
                                                             "assessed_on"))
    has_by, has_on = i_by is not None, i_on is not None
    has_score, has_target, has_evidence = i_score is not None, i_target is not None, i_evidence is not None
    written: list[tuple[Row, tuple, tuple | None]] = []
    final_scores = {k: (v[3], v[4]) for k, v in stored.items()}
    actor, today = ctx.actor.name, ctx.today
    # submitted in the app and still submitted after this import: its scores are locked
    locked = {k for k, a in ctx.state["assessments_stored"].items() if a[2] == "submitted"
              and status.get(k) == "submitted"}
    add_new, add_changed = change.new.append, change.changed.append
    unchanged = 0
    for row, key in _keyed(ctx, ps, {"department_id": check_department_id}):
        quarter, dept, dim = key
        if dept not in depts:
            ctx.error(_label(ps, row), row.excel_row, "department_id",
                      f"there is no department {dept!r} in the Departments sheet or the app")
            continue
        if dim not in dims:
            ctx.error(_label(ps, row), row.excel_row, "dimension_id",
                      f"there is no dimension {dim!r} in the Dimensions sheet or the app")
            continue
        old = stored.get(key) if stored else None
        v = row.cells
        if has_score:
            sv = v[i_score]
            score, na = (sv.level, sv.na) if sv is not None else (None, False)
        else:
            score, na = (old[3], old[4]) if old else (None, False)
        target = v[i_target] if has_target else (old[5] if old else None)
        evidence = (v[i_evidence] or "") if has_evidence else (old[6] if old else "")
        if old is None and score is None and not na and target is None and not evidence:
            continue  # nothing to record: not assessed
        if has_by and has_on:
            new = (quarter, dept, dim, score, na, target, evidence, v[i_by] or None, v[i_on])
        else:
            by = (v[i_by] or None) if has_by else (old[7] if old else None)
            on = v[i_on] if has_on else (old[8] if old else None)
            new = (quarter, dept, dim, score, na, target, evidence, by, on)
            if old is not None and new[:7] == old[:7] and not (has_by or has_on):
                new = old
            else:
                new = (*new[:7], by if has_by else actor, on if has_on else today)
        if old == new:
            unchanged += 1
            continue
        if locked and (quarter, dept) in locked:
            ctx.error(_label(ps, row), row.excel_row, "score", f"the {quarter} assessment of {dept} is submitted and "
                                                               "locked; reopen it in the app first, then import again")
            continue
        if old is None:
            add_new(new)
        else:
            add_changed((old, new))
        final_scores[key] = (score, na)
        written.append((row, new, old))
    change.unchanged += unchanged
    _evidence_rule(ctx, ps, written, final_scores)
    _create_missing_assessments(ctx, change)
    ctx.changes.append(change)
    _check_submissions(ctx, final_scores)


def _evidence_rule(ctx: Context, ps: ParsedSheet, written, final_scores) -> None:
    """A score that differs from last quarter's needs evidence (as on the self-assessment page)."""
    previous_quarter: dict[str, str] = {}
    for row, new, _ in written:
        quarter, dept, dim, score, na, _, evidence = new[:7]
        if (score is None and not na) or (evidence and not evidence.isspace()):   # white space alone says nothing
            continue
        if quarter not in previous_quarter:
            previous_quarter[quarter] = str(Quarter.parse(quarter).previous())
        last = final_scores.get((previous_quarter[quarter], dept, dim))
        if last is None or (last[0] is None and not last[1]) or last == (score, na):
            continue
        was = "N/A" if last[1] else last[0]
        now = "N/A" if na else score
        ctx.error(_label(ps, row), row.excel_row, "evidence",
                  f"the score changed from {was} last quarter to {now}: add evidence that explains why")


def _create_missing_assessments(ctx: Context, change: Change) -> None:
    status = ctx.state["assessment_status"]
    assessments = ctx.state["assessment_change"]
    written = chain(change.new, (row for _, row in change.changed))
    for quarter, dept in dict.fromkeys(map(itemgetter(0, 1), written)):   # each assessment once, in order
        if (quarter, dept) not in status:
            status[(quarter, dept)] = "draft"
            assessments.new.append((quarter, dept, "draft", None, None))


def _check_submissions(ctx: Context, final_scores) -> None:
    """An assessment moved from draft to submitted needs every active dimension scored or N/A."""
    if not ctx.state.get("submitting"):
        return
    active = ctx.state["active_dimensions"]
    scored: dict[tuple, set] = {}
    for (quarter, dept, dim), (score, na) in final_scores.items():
        if score is not None or na:
            scored.setdefault((quarter, dept), set()).add(dim)
    for key, label, excel_row in ctx.state["submitting"]:
        missing = sorted(active - scored.get(key, set()))
        if missing:
            ctx.error(label, excel_row, "status", f"score every dimension (or mark it N/A) before submitting; "
                                                  f"missing: {', '.join(missing)}")


# The order sheets are validated in (reader.READ_ORDER parses them in the same order). The Backlog
# needs only departments and dimensions, and its sheet parses faster than Scores, so it comes first.
HANDLERS = [departments, dimensions, levels, assessments, backlog, scores, checkins, actions]
# The order tables are reported and written in, whatever the order they were validated in.
TABLE_ORDER = ("departments", "dimensions", "model_info", "levels", "rubric", "assessments", "scores", "backlog_items",
               "backlog_status_history", "checkins", "actions")


def combine(parsed: ParsedWorkbook | list[ParsedWorkbook]) -> ParsedWorkbook:
    """One workbook, or several returned self-assessment forms merged into one Scores sheet."""
    from .forms import forms_to_workbook

    items = parsed if isinstance(parsed, list) else [parsed]
    if len(items) == 1 and items[0].kind == c.FORMAT:
        return items[0]
    if any(p.kind != c.FORM_FORMAT for p in items):
        raise ValidationError("upload either one ESM workbook or one or more self-assessment forms, not a mix",
                              "file")
    return forms_to_workbook(items)
