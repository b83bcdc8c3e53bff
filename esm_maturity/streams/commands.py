"""Every change to a value stream and its steps: create, update, and the step editor's changes.

Who (access/policy.py): admins and champions define any stream and create new ones; a department rep
defines a stream that names them its owner (Permission.streams with the stream's StreamScope); sponsors
read. Each command checks its input before the transaction, takes the stream's version the person saw
(`expected_version`; a stream that moved on since is a ConflictError), writes its rows and one audit row
in one transaction, and returns Saved (the stream's new version and the warnings it now has).

Steps are versioned by quarter. A step change takes effect `from_quarter` on (default: this quarter):
the step rows valid then that change are closed at the quarter before and reopened from it, so earlier
quarters keep the steps, positions and owners they had; a row that opened in that same quarter is
changed in place (a stream being drafted leaves no history behind). A change may not take effect before
the stream's latest change (history is never rewritten). In every quarter, the steps valid there are
numbered 1..n without gaps.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Sequence

from ..access.policy import Permission, StreamScope, require
from ..db import Database, Tx
from ..models import Actor, ConflictError, NotFound, Problem, Quarter, ValidationError
from .checks import check_step, check_stream
from .queries import layout_warnings
from .records import MOST_STEPS_STORED, STEP_COLUMNS, STREAM_COLUMNS, Saved, Step, StepInput, Stream, StreamInput

__all__ = ["add_step", "create_stream", "move_step", "remove_step", "save_steps", "update_step", "update_stream"]



# --- reading inside a transaction ------------------------------------------------------------------

def _stream(run, stream_id: str) -> Stream:
    rows = run(f"SELECT {STREAM_COLUMNS} FROM value_streams WHERE stream_id = $1", [stream_id])
    if not rows:
        raise NotFound(f"there is no value stream {stream_id!r}")
    return Stream.of(rows[0])


def _open_steps(tx: Tx, stream_id: str) -> list[Step]:
    """The steps as they stand from the stream's latest change on (the rows still open), in order."""
    return [Step.of(r) for r in tx.execute(f"SELECT {STEP_COLUMNS} FROM stream_steps WHERE stream_id = $1 "
                                           "AND valid_to IS NULL ORDER BY position", [stream_id])]


def _latest_change(tx: Tx, stream_id: str) -> Quarter | None:
    """The quarter of the stream's latest step change: the last quarter a row opened, or the one after a
    row closed."""
    opened, closed = tx.one("SELECT max(valid_from), max(valid_to) FROM stream_steps WHERE stream_id = $1",
                            [stream_id])
    found = [Quarter.parse(opened)] if opened else []
    if closed:
        found.append(Quarter.parse(closed).next())
    return max(found) if found else None


def _check_departments(tx: Tx, steps: Sequence[StepInput]) -> None:
    named = {d for s in steps for d in (s.department_id, *s.supporting) if d}
    known = {r[0]: r[1] for r in tx.execute("SELECT department_id, active FROM departments "
                                            "WHERE department_id IN (SELECT unnest(CAST($1 AS TEXT[])))",
                                            [sorted(named)])}
    problems = []
    for i, s in enumerate(steps, start=1):
        for dept in (s.department_id, *s.supporting):
            if dept and dept not in known:
                problems.append(Problem(f"step {i}", f"there is no department {dept!r}"))
            elif dept and not known[dept]:
                problems.append(Problem(f"step {i}", f"department {dept} is inactive; choose an active one"))
    if problems:
        raise ValidationError(problems=problems)


def _check_people(tx: Tx, data: StreamInput) -> None:
    for field in ("owner", "champion"):
        email = getattr(data, field)
        if email and not tx.one("SELECT 1 FROM people WHERE email = $1 AND active", [email]):
            raise ValidationError(f"there is no active person {email!r}; add them on the People page first, or "
                                  "leave it blank", field)


def _check_name(tx: Tx, name: str, stream_id: str | None) -> None:
    clash = tx.one("SELECT stream_id FROM value_streams WHERE lower(name) = lower($1) AND stream_id <> $2",
                   [name, stream_id or ""])
    if clash:
        raise ValidationError(f"value stream {clash[0]} is already called {name!r}; choose another name", "name")


# --- applying a new step layout --------------------------------------------------------------------

@dataclass(frozen=True)
class _Placed:
    step_id: str | None     # None: a new step
    step: StepInput


def _same(old: Step, position: int, new: StepInput) -> bool:
    return (old.position, old.name, old.department_id, tuple(old.supporting), float(old.weight), old.target_days,
            old.output) == (position, new.name, new.department_id, tuple(new.supporting), float(new.weight),
                            new.target_days, new.output)


def _insert(tx: Tx, step_id: str, stream_id: str, quarter: str, position: int, s: StepInput) -> None:
    tx.execute("INSERT INTO stream_steps (step_id, valid_from, valid_to, stream_id, position, name, department_id, "
               "supporting, weight, target_days, output) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8, $9, $10)",
               [step_id, quarter, stream_id, position, s.name, s.department_id, list(s.supporting), s.weight,
                s.target_days, s.output])


def _apply(tx: Tx, stream_id: str, quarter: Quarter, layout: Sequence[_Placed]) -> None:
    """Make the steps valid from `quarter` on exactly `layout` (positions 1..n), keeping history before."""
    latest = _latest_change(tx, stream_id)
    if latest is not None and quarter < latest:
        raise ValidationError(f"the stream's steps last changed from {latest} on: a change takes effect from "
                              f"{latest} or later (earlier quarters keep their history)", "from_quarter")
    if len(layout) > MOST_STEPS_STORED:
        raise ValidationError(f"a value stream has at most {MOST_STEPS_STORED} steps", "steps")
    q, before = str(quarter), str(quarter.previous())
    current = {s.step_id: s for s in _open_steps(tx, stream_id)}
    kept = {p.step_id for p in layout if p.step_id}
    unknown = kept - set(current)
    if unknown:
        raise NotFound(f"value stream {stream_id} has no current step {', '.join(sorted(unknown))}")
    if len(kept) != len([p for p in layout if p.step_id]):
        raise ValidationError("a step appears twice in the list", "steps")

    def close(old: Step) -> None:
        if old.valid_from == q:   # opened this quarter: it never applied anywhere else
            tx.execute("DELETE FROM stream_steps WHERE step_id = $1 AND valid_from = $2", [old.step_id, q])
        else:
            tx.execute("UPDATE stream_steps SET valid_to = $1 WHERE step_id = $2 AND valid_from = $3",
                       [before, old.step_id, old.valid_from])

    for step_id, old in current.items():
        if step_id not in kept:
            close(old)
    number = tx.one("SELECT coalesce(max(CAST(split_part(step_id, '.', 2) AS INTEGER)), 0) FROM stream_steps "
                    "WHERE stream_id = $1", [stream_id])[0]
    for position, placed in enumerate(layout, start=1):
        old = current.get(placed.step_id) if placed.step_id else None
        if old is not None and _same(old, position, placed.step):
            continue
        if old is not None:
            close(old)
            step_id = old.step_id
        else:
            number += 1
            step_id = f"{stream_id}.{number}"
        _insert(tx, step_id, stream_id, q, position, placed.step)


def _layout_state(steps: Sequence[Step]) -> list[dict]:
    return [{"step_id": s.step_id, "position": s.position, "name": s.name, "department_id": s.department_id,
             "supporting": list(s.supporting), "weight": s.weight, "target_days": s.target_days, "output": s.output}
            for s in steps]


def _managing(db: Database, actor: Actor, stream_id: str) -> Stream:
    """The stream, once `actor` may define it (the refusal is audited)."""
    found = _stream(db.rows, stream_id)
    require(db, actor, Permission.streams, entity="value stream", key=stream_id,
            stream=StreamScope(stream_id, found.owner, found.champion))
    return found


def _quarter(from_quarter: Quarter | str | None) -> Quarter:
    return Quarter.current() if from_quarter is None else Quarter.parse(from_quarter)


def _change_steps(db: Database, actor: Actor, stream_id: str, expected_version: int, from_quarter, doing: str,
                  change) -> Saved:
    """The step editor's one path: `change(current steps)` gives the new layout (a list of _Placed)."""
    _managing(db, actor, stream_id)
    quarter = _quarter(from_quarter)

    def work(tx: Tx) -> Saved:
        found = _stream(tx.execute, stream_id)
        if found.version != expected_version:
            raise ConflictError(f"someone else changed value stream {stream_id} while you were editing it; reload "
                                "to see their change")
        current = _open_steps(tx, stream_id)
        layout = change(current)
        _check_departments(tx, [p.step for p in layout])
        _apply(tx, stream_id, quarter, layout)
        version = tx.update_versioned("value_streams", {"stream_id": stream_id}, expected_version, {},
                                      f"someone else changed value stream {stream_id} at the same moment; reload")
        after = _open_steps(tx, stream_id)
        tx.audit(doing, "value stream", stream_id, before={"steps": _layout_state(current)},
                 after={"from": str(quarter), "steps": _layout_state(after)})
        return Saved(stream_id, version, tuple(layout_warnings(after)))

    return db.write(actor, work)


def _as_input(step: Step) -> StepInput:
    return StepInput(step.name, step.department_id, tuple(step.supporting), step.weight, step.target_days, step.output)


def _kept(steps: Sequence[Step]) -> list[_Placed]:
    return [_Placed(s.step_id, _as_input(s)) for s in steps]


def _index(steps: Sequence[Step], step_id: str) -> int:
    for i, s in enumerate(steps):
        if s.step_id == step_id:
            return i
    raise NotFound(f"there is no current step {step_id!r} in this stream (it may have been removed)")


def _position(position: Any, count: int) -> int:
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= count:
        raise ValidationError(f"choose a position from 1 to {count}, not {position!r}", "position")
    return position


# --- the commands ----------------------------------------------------------------------------------

def create_stream(db: Database, actor: Actor, data: StreamInput, steps: Sequence[StepInput] = (), *,
                  from_quarter: Quarter | str | None = None) -> Saved:
    """A new stream (admins and champions), with its first steps valid from `from_quarter` (default: this
    quarter). Steps may still lack an owning department (a warning until one is assigned)."""
    data = check_stream(data)
    require(db, actor, Permission.streams, entity="value stream", key=data.name, stream=StreamScope())
    clean = [check_step(s, f"step {i}") for i, s in enumerate(steps, start=1)]
    quarter = _quarter(from_quarter)

    def work(tx: Tx) -> Saved:
        _check_name(tx, data.name, None)
        _check_people(tx, data)
        _check_departments(tx, clean)
        number = tx.one("SELECT coalesce(max(CAST(substr(stream_id, 4) AS INTEGER)), 0) + 1 FROM value_streams")[0]
        stream_id = f"VS-{number}"
        fields = asdict(data)
        tx.execute(f"INSERT INTO value_streams (stream_id, {', '.join(fields)}, created_by, created_on) VALUES "
                   f"({', '.join(f'${i}' for i in range(1, len(fields) + 4))})",
                   [stream_id, *fields.values(), actor.name, tx.now.date()])
        _apply(tx, stream_id, quarter, [_Placed(None, s) for s in clean])
        after = _open_steps(tx, stream_id)
        tx.audit("create", "value stream", stream_id, after={**fields, "from": str(quarter),
                                                              "steps": _layout_state(after)})
        return Saved(stream_id, 1, tuple(layout_warnings(after)))

    return db.write(actor, work)


def update_stream(db: Database, actor: Actor, stream_id: str, data: StreamInput, *, expected_version: int) -> Saved:
    """Change the stream's own fields (name, kind, trigger, outcome, consumer, description, owner, champion,
    roll-up rule, active). Its steps are unchanged."""
    data = check_stream(data)
    _managing(db, actor, stream_id)

    def work(tx: Tx) -> Saved:
        found = _stream(tx.execute, stream_id)
        if found.version != expected_version:
            raise ConflictError(f"someone else changed value stream {stream_id} while you were editing it; reload "
                                "to see their change")
        _check_name(tx, data.name, stream_id)
        _check_people(tx, data)
        values = asdict(data)
        version = tx.update_versioned("value_streams", {"stream_id": stream_id}, expected_version, values,
                                      f"someone else changed value stream {stream_id} at the same moment; reload")
        tx.audit("edit", "value stream", stream_id, before={k: getattr(found, k) for k in values}, after=values)
        return Saved(stream_id, version, tuple(layout_warnings(_open_steps(tx, stream_id))))

    return db.write(actor, work)


def save_steps(db: Database, actor: Actor, stream_id: str, steps: Sequence[tuple[str | None, StepInput]], *,
               expected_version: int, from_quarter: Quarter | str | None = None) -> Saved:
    """The step editor's whole table at once: (step_id or None for a new step, the step) in the new order.
    Current steps left out are removed from `from_quarter` on; positions become 1..n in the order given."""
    clean = [(step_id or None, check_step(s, f"step {i}")) for i, (step_id, s) in enumerate(steps, start=1)]
    return _change_steps(db, actor, stream_id, expected_version, from_quarter, "edit steps",
                         lambda current: [_Placed(step_id, s) for step_id, s in clean])


def add_step(db: Database, actor: Actor, stream_id: str, step: StepInput, *, expected_version: int,
             position: int | None = None, from_quarter: Quarter | str | None = None) -> Saved:
    """A new step at `position` (1..n+1; default: the end); the steps from there on move down one."""
    clean = check_step(step)

    def change(current: list[Step]) -> list[_Placed]:
        at = len(current) + 1 if position is None else _position(position, len(current) + 1)
        layout = _kept(current)
        layout.insert(at - 1, _Placed(None, clean))
        return layout

    return _change_steps(db, actor, stream_id, expected_version, from_quarter, "add step", change)


def remove_step(db: Database, actor: Actor, stream_id: str, step_id: str, *, expected_version: int,
                from_quarter: Quarter | str | None = None) -> Saved:
    """Retire a step from `from_quarter` on: earlier quarters keep it (and its department in their roll-up);
    the steps after it move up, with no gap. A step added in that same quarter is deleted outright."""

    def change(current: list[Step]) -> list[_Placed]:
        at = _index(current, step_id)
        return _kept(current[:at] + current[at + 1:])

    return _change_steps(db, actor, stream_id, expected_version, from_quarter, "remove step", change)


def move_step(db: Database, actor: Actor, stream_id: str, step_id: str, position: int, *, expected_version: int,
              from_quarter: Quarter | str | None = None) -> Saved:
    """Move a step to `position` (1..n); the others close up around it, with no gap."""

    def change(current: list[Step]) -> list[_Placed]:
        at = _index(current, step_id)
        to = _position(position, len(current))
        layout = _kept(current)
        layout.insert(to - 1, layout.pop(at))
        return layout

    return _change_steps(db, actor, stream_id, expected_version, from_quarter, "move step", change)


def update_step(db: Database, actor: Actor, stream_id: str, step_id: str, step: StepInput, *, expected_version: int,
                from_quarter: Quarter | str | None = None) -> Saved:
    """Set a step's name, owning department, supporting departments, weight, target days and output from
    `from_quarter` on (a new owner closes the old row and opens a new one: the past keeps the old owner)."""
    clean = check_step(step)

    def change(current: list[Step]) -> list[_Placed]:
        at = _index(current, step_id)
        layout = _kept(current)
        layout[at] = _Placed(step_id, clean)
        return layout

    return _change_steps(db, actor, stream_id, expected_version, from_quarter, "edit step", change)
