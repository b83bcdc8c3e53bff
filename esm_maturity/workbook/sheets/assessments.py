"""The Assessments and Scores sheets: each department's self-assessment per quarter and its scores.

The self-assessment page's rules hold: a submitted assessment is locked, a score that moved from
last quarter's needs evidence, submitting needs every active dimension scored (or N/A). A score
for an assessment that does not exist yet makes a draft one.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter

from ...access.policy import Permission
from ...models import Quarter, check_department_id
from ...rounds.commands import RATIONALE_MAX
from .. import contract as c
from ..parsed import ParsedSheet, ParsedWorkbook, Row
from ..plan import Change, Context
from .keyed import get as _get, keyed as _keyed, label as _label, stored as _stored


def assessments(ctx: Context, wb: ParsedWorkbook) -> None:
    stored = _stored(ctx, "SELECT quarter, department_id, status, submitted_by, submitted_on FROM assessments", 2)
    ctx.state["assessments_stored"] = stored
    final = {k: v[2] for k, v in stored.items()}
    ctx.state["assessment_status"] = final
    ps = wb.sheet(c.ASSESSMENTS.name)
    change = Change(ps.title if ps else c.ASSESSMENTS.name, "assessments",
                    ("quarter", "department_id", "status", "submitted_by", "submitted_on"), 2, "assessment",
                    versioned=True, extra={"updated_at": ctx.now}, dept_index=1,
                    permission=Permission.score)
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
                          "assessed_on, respondent, method, round_id, n_valid, agreement, rationale FROM scores", 3)
    change = Change(ps.title, "scores", ("quarter", "department_id", "dimension_id", "score", "na", "target",
                                         "evidence", "assessed_by", "assessed_on", "respondent",
                                         *c.PROVENANCE_COLUMNS), 3, "score",
                    dept_index=1, permission=Permission.score)
    final_scores = {k: (v[3], v[4]) for k, v in stored.items()}
    written = _sort_scores(ctx, ps, stored, change, final_scores)
    _evidence_rule(ctx, ps, written, final_scores)
    _create_missing_assessments(ctx, change)
    ctx.changes.append(change)
    _check_submissions(ctx, final_scores)


def _sort_scores(ctx: Context, ps: ParsedSheet, stored: dict, change: Change,
                 final_scores: dict) -> list[tuple[Row, tuple, tuple | None]]:
    """Sort each row into `change` and `final_scores`; returns the rows written as (row, new, old). A column the
    sheet leaves out keeps what is stored; an edited score without its own who and when gets the importer's.
    Without who and when (a returned form) the respondent is written only with a score, target or evidence
    that changed: on its own it is attribution, like who and when."""
    status = ctx.state["assessment_status"]
    depts, dims = ctx.state["departments"], ctx.state["dimensions"]
    at = ps.index
    i_score, i_target, i_evidence, i_by, i_on, i_resp = map(at.get, ("score", "target", "evidence", "assessed_by",
                                                                     "assessed_on", "respondent"))
    has_by, has_on, has_resp = i_by is not None, i_on is not None, i_resp is not None
    has_score, has_target, has_evidence = i_score is not None, i_target is not None, i_evidence is not None
    i_prov = [at.get(name) for name in c.PROVENANCE_COLUMNS]
    has_prov = any(i is not None for i in i_prov)
    written: list[tuple[Row, tuple, tuple | None]] = []
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
        respondent = (v[i_resp] or None) if has_resp else (old[9] if old else None)
        came = _provenance(ctx, ps, row, old, (score, na), [v[i] if i is not None else None for i in i_prov]
                           if has_prov else None, i_prov)
        if has_by and has_on:
            new = (quarter, dept, dim, score, na, target, evidence, v[i_by] or None, v[i_on], respondent, *came)
        elif old is not None and (score, na, target, evidence) == old[3:7] and not (has_by or has_on):
            new = old[:10] + came
        else:
            by = (v[i_by] or None) if has_by else actor
            on = v[i_on] if has_on else today
            new = (quarter, dept, dim, score, na, target, evidence, by, on, respondent, *came)
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
    return written


_DIRECT = (c.SCORE_METHODS[0], None, None, None, None)
_UNKNOWN = (None,) * 5
_FROM_ROUNDS = frozenset(c.SCORE_METHODS[1:])


def _plain(provenance: tuple) -> tuple:
    """For comparing: a blank text is no text."""
    return tuple(None if x == "" else x for x in provenance)


def _provenance(ctx: Context, ps: ParsedSheet, row: Row, old: tuple | None, level: tuple, given: list | None,
                at: list) -> tuple:
    """Where the row's score came from: (method, round_id, n_valid, agreement, rationale).

    A new score takes what the sheet says (a restore brings it as exported; blank: unknown, as before rating
    rounds). A stored score's provenance is the app's record: kept while its level stays, refused if the sheet
    changes it; a level changed in the workbook was typed, so if a round had agreed it, it becomes direct."""
    if old is None and (given is None or not any(given)):
        return _UNKNOWN   # a new score with no provenance in the sheet (the common case: as fast as it can be)
    stored = tuple(old[10:15]) if old else _UNKNOWN
    if given is None:
        claimed = stored
    else:   # a column the sheet leaves out keeps what is stored
        claimed = tuple(stored[j] if at[j] is None else (given[j] if given[j] != "" else None) for j in range(5))
        rationale = claimed[4]
        claimed = claimed[:4] + ((rationale or "") if claimed[0] in _FROM_ROUNDS else (rationale or None),)
    if claimed[4] and len(claimed[4]) > RATIONALE_MAX:
        ctx.error(_label(ps, row), row.excel_row, "rationale", f"is too long ({len(claimed[4]):,} characters; at "
                  f"most {RATIONALE_MAX:,})")
        return stored
    if old is None:
        return claimed
    moved = level != (old[3], old[4])
    if _plain(claimed) != _plain(stored):
        if moved and _plain(claimed[1:]) == (None,) * 4 and claimed[0] in (None, c.SCORE_METHODS[0]):
            return _DIRECT   # the level and its provenance cleared together: typed here
        ctx.error(_label(ps, row), row.excel_row, "method",
                  "a score's provenance (method, round_id, n_valid, agreement, rationale) is the app's record of "
                  "where it came from and cannot be changed in a workbook; leave those cells as exported")
        return stored
    if moved and stored[1] is not None:
        ctx.warn(_label(ps, row), row.excel_row, "score", f"rating round {stored[1]} agreed {old[3]}; the level "
                 "typed here is recorded as scored directly")
        return _DIRECT
    return stored


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
