"""The ValueStreams and ValueStreamSteps sheets: streams and every version of their steps, by the streams'
own rules (esm_maturity.streams: kinds, roll-up rules, step checks).

Departments are named by key, as in every other sheet: a step's owning department (department_id) and its
supporting ones (comma-separated keys). A step row is one version of the step, valid from one quarter to
another (inclusive; blank: still valid). What the import leaves behind (the stored rows and the sheet's, the
sheet's replacing the stored rows of the same key) must hold the streams' rule: in every quarter the steps of
a stream valid then are at positions 1..n, each once, and a step's versions never overlap. Keys are the
app's (VS-3, its steps VS-3.1, VS-3.2...), since the app numbers new ones after them.
Flow records and hand-off quality are stream_flow.py's.
"""

from __future__ import annotations

import re

from ...access.people import normalise_login
from ...access.policy import Permission, StreamScope
from ...models import Quarter, ValidationError
from ...streams.records import CORE, RULES, WEAKEST_LINK
from .. import contract as c
from ..parsed import ParsedSheet, ParsedWorkbook, Row
from ..plan import Change, Context
from .keyed import get, keyed, label, stored

STREAM_COLUMNS = ("stream_id", "name", "kind", "trigger", "outcome", "consumer", "description", "owner", "champion",
                  "rollup_rule", "active", "created_by", "created_on")
STEP_COLUMNS = ("step_id", "valid_from", "valid_to", "stream_id", "position", "name", "department_id", "supporting",
                "weight", "target_days", "output")
STREAM_SQL = f"SELECT {', '.join(STREAM_COLUMNS)} FROM value_streams"
STEP_SQL = f"SELECT {', '.join(STEP_COLUMNS)} FROM stream_steps"
_STREAM_ID = re.compile(r"VS-\d{1,9}\Z")


def check_stream_id(value) -> str:
    """A stream's key as the app writes it (VS-3), or ValidationError."""
    text = str(value).strip().upper()
    if not _STREAM_ID.match(text):
        raise ValidationError(f"{value!r} is not a value stream key: the app's keys look like VS-3", "stream_id")
    return text


def unknown_department(ctx: Context, dept: str) -> str:
    """The message for a department key that is in neither the Departments sheet nor the app (with a hint when
    it is a key in another case, or a department's name)."""
    known = ctx.state["departments"]
    hint = next((k for k in known if k.casefold() == dept.casefold()), None)
    if hint is None:   # the error path only: a name typed for a key
        names = {str(n).strip().casefold(): k for k, n in ctx.fetch("SELECT department_id, name FROM departments", [])}
        hint = names.get(dept.strip().casefold())
    return (f"there is no department {dept!r} in the Departments sheet or the app"
            + (f"; departments are named by key here: did you mean {hint!r}?" if hint else
               "; write the department's key (the Departments sheet's department_id)"))


def report_row(ctx: Context, ps: ParsedSheet, row: Row, problems: list[tuple[str, str]]) -> bool:
    for column, message in problems:
        ctx.error(label(ps, row), row.excel_row, column, message)
    return bool(problems)


def stream_scope(ctx: Context, stream_id: str) -> StreamScope:
    """Whom a stream names, as stored (never as the workbook says: naming oneself owner in a file gives no
    right); a stream the database does not hold yet is a new one."""
    people = ctx.state.get("stream_people", {}).get(stream_id)
    return StreamScope() if people is None else StreamScope(stream_id, *people)


# --- ValueStreams ---------------------------------------------------------------------------------------------

def value_streams(ctx: Context, wb: ParsedWorkbook) -> None:
    rows = stored(ctx, STREAM_SQL)
    ctx.state["streams"] = set(rows)
    ctx.state["stored_streams"] = set(rows)
    ctx.state["stream_people"] = {key: (r[7], r[8]) for key, r in rows.items()}   # owner, champion as stored
    ps = wb.sheet(c.VALUE_STREAMS.name)
    if ps is None:
        return
    change = Change(ps.title, "value_streams", STREAM_COLUMNS, 1, "value stream", versioned=True,
                    permission=Permission.streams, stream_of=lambda r: stream_scope(ctx, r[0]))
    accepted = []
    for row, (key,) in keyed(ctx, ps, {"stream_id": check_stream_id}):
        old = rows.get(key)
        new = _stream_row(ctx, ps, row, key, old)
        if new is not None:
            accepted.append((row, new, old))
    names = {k: r[1] for k, r in rows.items()} | {new[0]: new[1] for _, new, _ in accepted}
    holders: dict[str, list[str]] = {}
    for key, name in sorted(names.items()):
        holders.setdefault(name.strip().casefold(), []).append(key)
    for row, new, old in accepted:
        others = [k for k in holders[new[1].strip().casefold()] if k != new[0]]
        if report_row(ctx, ps, row, [("name", f"value stream {others[0]} is called {new[1].strip()!r} too (names "
                                           "ignore case); give each stream its own name")] if others else []):
            continue
        change.add(new, old)
        ctx.state["streams"].add(new[0])
    ctx.changes.append(change)


def _stream_row(ctx: Context, ps: ParsedSheet, row: Row, key: str, old: tuple | None) -> tuple | None:
    problems = []
    typed = get(row, ps, "rollup_rule", old, 9, WEAKEST_LINK)
    rule = " ".join(typed.split()).lower().replace(" ", "_")
    if rule not in RULES:
        problems.append(("rollup_rule", f"{typed!r} is not a roll-up rule; write one of {', '.join(RULES)}"))
    people = []
    for index, field in ((7, "owner"), (8, "champion")):
        value = get(row, ps, field, old, index, None)
        try:
            people.append(None if value is None else normalise_login(value))
        except ValidationError as err:
            problems.append((field, f"{err.problems[0].message} (the {field}'s e-mail address)"))
    if report_row(ctx, ps, row, problems):
        return None
    created_by = get(row, ps, "created_by", old, 11, None) or (old[11] if old else ctx.actor.name)
    created_on = get(row, ps, "created_on", old, 12, None) or (old[12] if old else ctx.today)
    return (key, ps.value(row, "name"), get(row, ps, "kind", old, 2, CORE), get(row, ps, "trigger", old, 3),
            get(row, ps, "outcome", old, 4), get(row, ps, "consumer", old, 5), get(row, ps, "description", old, 6),
            *people, rule, bool(get(row, ps, "active", old, 10, True)), created_by, created_on)


# --- ValueStreamSteps -----------------------------------------------------------------------------------------

def stream_steps(ctx: Context, wb: ParsedWorkbook) -> None:
    rows = {k: (*r[:7], list(r[7] or ()), *r[8:]) for k, r in stored(ctx, STEP_SQL, 2).items()}
    # every stream (the sheet's and the stored ones) -> its steps' keys, any version: what the hand-offs and the
    # Backlog's and Check-ins' links (sheets/backlog.py) may name
    known: dict[str, set[str]] = {s: set() for s in ctx.state.get("streams", ())}
    for r in rows.values():
        known.setdefault(r[3], set()).add(r[0])
    ctx.state["stream_steps"] = known
    ps = wb.sheet(c.STREAM_STEPS.name)
    if ps is None:
        return
    before = ctx.state.get("stored_streams", set())
    change = Change(ps.title, "stream_steps", STEP_COLUMNS, 2, "stream step", permission=Permission.streams,
                    after_write=lambda tx, ch: _bump_streams(tx, ch, before),
                    stream_of=lambda r: stream_scope(ctx, r[3]))
    checked: dict[tuple, tuple[Row, tuple, tuple | None]] = {}
    for row, key in keyed(ctx, ps):
        old = rows.get(key)
        new = _step_row(ctx, ps, row, key, old)
        if new is not None:
            checked[key] = (row, new, old)
    bad = check_layout(ctx, ps, rows, {key: (row, new) for key, (row, new, _) in checked.items()})
    for key, (row, new, old) in checked.items():
        if key not in bad:
            change.add(new, old)
            known.setdefault(new[3], set()).add(new[0])
    ctx.changes.append(change)


def _step_row(ctx: Context, ps: ParsedSheet, row: Row, key: tuple, old: tuple | None) -> tuple | None:
    step_id, valid_from = key
    problems = []
    stream_id = ps.value(row, "stream_id").upper()
    if stream_id not in ctx.state.get("streams", ()):
        problems.append(("stream_id", f"there is no value stream {stream_id!r} in the ValueStreams sheet or the app"))
    elif not re.fullmatch(re.escape(stream_id) + r"\.\d{1,9}", step_id):
        problems.append(("step_id", f"{step_id!r} is not a step key of {stream_id}: a step's key is its stream's key, "
                                    f"a dot and a number (e.g. {stream_id}.1)"))
    valid_to = get(row, ps, "valid_to", old, 2, None)
    if valid_to is not None and valid_to < valid_from:
        problems.append(("valid_to", f"{valid_to} is before valid_from ({valid_from}); the last quarter comes after "
                                     "the first, or leave it blank (still valid)"))
    position = ps.value(row, "position")
    if position < 1:
        problems.append(("position", f"{position} is not a position: steps are numbered from 1"))
    dept = get(row, ps, "department_id", old, 6, None)
    if dept is not None and dept not in ctx.state["departments"]:
        problems.append(("department_id", unknown_department(ctx, dept)))
    i = ps.index.get("supporting")
    if i is None:
        supporting = list(old[7]) if old else []
    else:
        supporting = list(dict.fromkeys(d.strip() for d in (row.cells[i] or "").split(",") if d.strip()))
    for d in supporting:
        if d not in ctx.state["departments"]:
            problems.append(("supporting", unknown_department(ctx, d)))
    supporting = [d for d in supporting if d != dept]   # the owner is not also a supporter (streams.checks)
    weight = get(row, ps, "weight", old, 8, 1.0)
    if weight <= 0:
        problems.append(("weight", f"{weight:g} is out of range: a step's weight is above 0 (1 by default)"))
    target = get(row, ps, "target_days", old, 9, None)
    if target is not None and target < 0:
        problems.append(("target_days", f"{target:g} is out of range: use a number of days of at least 0, or leave "
                                        "it blank"))
    if report_row(ctx, ps, row, problems):
        return None
    return (step_id, valid_from, valid_to, stream_id, position, ps.value(row, "name"), dept, supporting,
            float(weight), target, get(row, ps, "output", old, 10))


def check_layout(ctx: Context, ps: ParsedSheet, stored_rows: dict[tuple, tuple],
                 sheet_rows: dict[tuple, tuple[Row, tuple]]) -> set[tuple]:
    """The steps the import leaves (stored, replaced by the sheet's rows of the same key) checked as a whole:
    a step stays in one stream, its versions never overlap, and in every quarter the steps of a stream valid then
    are at positions 1..n, each once. Errors go on the sheet's rows (a stored row alone is left be); returns the
    keys of the rows with an error."""
    final: dict[tuple, tuple[Row | None, tuple]] = {k: (None, r) for k, r in stored_rows.items()}
    final.update(sheet_rows)
    found: dict[tuple[int, str], tuple[tuple, str, Row]] = {}   # (excel row, column) -> (key, message, row)

    def error(row: Row | None, key: tuple, column: str, message: str) -> None:
        if row is not None:
            found.setdefault((row.excel_row, column), (key, message, row))

    by_step: dict[str, list] = {}
    by_stream: dict[str, list] = {}
    for key, (row, r) in final.items():
        by_step.setdefault(r[0], []).append((key, row, r))
        by_stream.setdefault(r[3], []).append((key, row, r))
    for step_id, versions in by_step.items():
        versions.sort(key=lambda v: v[2][1])
        for (k1, row1, a), (k2, row2, b) in zip(versions, versions[1:]):
            if a[3] != b[3]:
                error(row2 or row1, k2 if row2 else k1, "stream_id", f"step {step_id} is in {a[3]} from {a[1]} and "
                      f"in {b[3]} from {b[1]}; a step stays in its stream (give the other one its own key)")
            elif a[2] is None or a[2] >= b[1]:
                message = (f"step {step_id}'s versions from {a[1]} and from {b[1]} overlap; end the earlier one "
                           f"(valid_to) before {b[1]}")
                if row1 is not None:
                    error(row1, k1, "valid_to", message)
                else:
                    error(row2, k2, "valid_from", message)
    for stream_id, versions in by_stream.items():
        quarters = {r[1] for _, _, r in versions} | {str(Quarter.parse(r[2]).next()) for _, _, r in versions if r[2]}
        for q in sorted(quarters):
            valid = [(k, row, r) for k, row, r in versions if r[1] <= q and (r[2] is None or r[2] >= q)]
            if all(row is None for _, row, _ in valid):
                continue
            at: dict[int, list] = {}
            for v in valid:
                at.setdefault(v[2][4], []).append(v)
            for position, same in sorted(at.items()):
                ids = ", ".join(sorted({r[0] for _, _, r in same}))
                if len(same) > 1 and "," in ids:   # one step's overlapping versions: reported above
                    for k, row, r in same:
                        error(row, k, "position", f"position {position} of {stream_id} in {q} is taken twice (steps "
                              f"{ids}); give each step valid then its own position")
            for expected, position in enumerate(sorted(at), start=1):
                if position != expected:
                    for k, row, r in at[position]:
                        error(row, k, "position", f"{stream_id} has no step at position {expected} in {q} (the "
                              f"steps valid then are at {', '.join(map(str, sorted(at)))}); number them 1..n "
                              "without gaps")
                    break
    for (excel_row, column), (key, message, row) in sorted(found.items()):
        ctx.error(label(ps, row), excel_row, column, message)
    return {key for key, _, _ in found.values()}


def _bump_streams(tx, change: Change, stored_before: set[str]) -> None:
    """A stream's version moves on with its steps (as in the app), so a stream form open meanwhile refuses its
    save; streams this import created need no bump."""
    moved = {r[3] for r in change.new} | {r[3] for _, r in change.changed} | {old[3] for old, _ in change.changed}
    tx.bump_versions("value_streams", "stream_id", sorted(moved & stored_before))
