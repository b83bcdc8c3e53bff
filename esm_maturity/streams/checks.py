"""A value stream's and a step's input checked before any transaction: every problem at once, in words a
person can act on (the commands call these first)."""

from __future__ import annotations

import math
from typing import Any

from ..access.people import normalise_login
from ..limits import LIMITS
from ..models import Problem, ValidationError, clean_text, is_blank, required_text
from .records import KINDS, RULES, StepInput, StreamInput

_STREAM, _STEP = LIMITS["stream"], LIMITS["stream_step"]


def _login(value: Any, field: str) -> str | None:
    return None if is_blank(value) else normalise_login(value)


def check_stream(data: StreamInput) -> StreamInput:
    """The stream's fields checked and cleaned (text kept as typed; keys and words trimmed)."""
    problems: list[Problem] = []

    def text(name: str, required: bool = False) -> str:
        try:
            check = required_text if required else clean_text
            return check(getattr(data, name), name, _STREAM[name])
        except ValidationError as err:
            problems.extend(err.problems)
            return ""

    name = text("name", required=True)
    values = {f: text(f) for f in ("trigger", "outcome", "consumer", "description")}
    kind = str(data.kind or "").strip().lower()
    if kind not in KINDS:
        problems.append(Problem("kind", f"a value stream is core or enabling, not {data.kind!r}"))
    rule = str(data.rollup_rule or "").strip().lower()
    if rule not in RULES:
        problems.append(Problem("rollup_rule", f"the roll-up rule is one of {', '.join(RULES)}, not {data.rollup_rule!r}"))
    people = {}
    for field in ("owner", "champion"):
        try:
            people[field] = _login(getattr(data, field), field)
        except ValidationError as err:
            problems += [Problem(field, p.message) for p in err.problems]
    if problems:
        raise ValidationError(problems=problems)
    return StreamInput(name=name, kind=kind, rollup_rule=rule, active=bool(data.active), **values, **people)


def number(value: Any, field: str, *, positive: bool = False, required: bool = False) -> float | None:
    """A figure at least 0 (above 0 when `positive`), or None when blank and not required."""
    if is_blank(value):
        if required:
            raise ValidationError("is required", field)
        return None
    if isinstance(value, bool):
        raise ValidationError(f"{value} is not a number", field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(f"{value!r} is not a number", field) from None
    if not math.isfinite(number) or number < 0 or (positive and number == 0):
        raise ValidationError(f"{value} is out of range; use a number {'above' if positive else 'of at least'} 0",
                              field)
    return number


def check_step(step: StepInput, where: str = "step") -> StepInput:
    """A step's fields checked (departments are checked against the table inside the transaction)."""
    problems: list[Problem] = []

    def attempt(field: str, check):
        try:
            return check()
        except ValidationError as err:
            problems.extend(Problem(f"{where} {field}", p.message) for p in err.problems)
            return None

    name = attempt("name", lambda: required_text(step.name, "name", _STEP["name"]))
    output = attempt("output", lambda: clean_text(step.output or "", "output", _STEP["output"]))
    weight = attempt("weight", lambda: number(1.0 if step.weight is None else step.weight, "weight", positive=True))
    target = attempt("target days", lambda: number(step.target_days, "target_days"))
    owner = None if is_blank(step.department_id) else str(step.department_id).strip()
    supporting = tuple(dict.fromkeys(str(d).strip() for d in (step.supporting or ()) if not is_blank(d)))
    if owner in supporting:
        supporting = tuple(d for d in supporting if d != owner)   # the owner is not also a supporter
    if problems:
        raise ValidationError(problems=problems)
    return StepInput(name=name, department_id=owner, supporting=supporting, weight=weight, target_days=target,
                     output=output)
