"""The demo's rating rounds: one in every state, named and anonymous, built through the rounds' own commands
(esm_maturity.rounds.commands), so every rule of a round holds as it would for a person.

All are for the demo's last quarter:

| department | mode      | state  | what it shows                                                           |
|------------|-----------|--------|-------------------------------------------------------------------------|
| FAC        | anonymous | agreed | seven answers on every dimension; one dimension split, agreed with why  |
| HR         | anonymous | agreed | four dimensions, one below the threshold (only three gave a level)      |
| MKT        | anonymous | closed | ready to agree; one dimension below the threshold                       |
| PMO        | anonymous | open   | three of six answered                                                   |
| CS         | named     | open   | invitations out, nobody has answered yet                                |
| SEC        | named     | draft  | invitees listed, not opened                                             |

The agreed rounds agree exactly the levels the demo's scores already hold (the answers are built around
them), so every other figure of the demo stays as it was: the departments' assessments are seeded as drafts
and the agreement submits them (organisation.ROUND_AGREED). Named rounds get no answers here: a named answer
is audited with who gave it, and the demo's audit trail holds only its loading.
The tokens are used at once and thrown away, as a person's link would be once answered.
"""

from __future__ import annotations

import random

from ..db import Database
from ..models import Actor, Quarter
from ..rounds import commands, results
from ..rounds.records import ANONYMOUS, MEDIAN, MEETING, NAMED, Answer, Decision

# (department, mode, final state, people invited, people who answer)
PLAN = (("FAC", ANONYMOUS, "agreed", 7, 7), ("HR", ANONYMOUS, "agreed", 5, 5), ("MKT", ANONYMOUS, "closed", 6, 6),
        ("PMO", ANONYMOUS, "open", 6, 3), ("CS", NAMED, "open", 4, 0), ("SEC", NAMED, "draft", 3, 0))
AGREED_DEPARTMENTS = tuple(p[0] for p in PLAN if p[2] == "agreed")
HR_DIMENSIONS = ("sponsorship", "purpose", "collaboration", "safety")
BELOW = {"HR": "safety", "MKT": "knowledge"}       # the dimension where most say "don't know"
SPLIT = {"FAC": "value_streams"}                   # where the answers split (a rationale is needed)
MIXED = {"FAC": "knowledge", "HR": "collaboration", "MKT": "purpose", "PMO": "roles"}
INSTRUCTIONS = ("Rate where the department is today, not where we want to be. Pick the level whose description "
                "fits best; if you are between two, choose the lower. Choose \"don't know\" rather than guess.")
_FIRST = ["ana", "ben", "chen", "dev", "eva", "femi", "gus", "hana", "ivo", "jo"]
_COMMENTS = ["The team meeting on Mondays helps with this.", "Better than last quarter, still patchy across teams.",
             "Depends a lot on who picks up the request.", "We talk about it more than we do it.",
             "New starters are not told about this.", ""]
# Around the agreed level, so that its median stays that level: mostly aligned, one dimension mixed, one split.
_OFFSETS = (0, 0, 1, 0, 0, 1, 0)
_MIXED_OFFSETS = (0, 0, 1, -1, 0, 0, 0)
_SPLIT_OFFSETS = (0, 0, 2, -2, 0, 1, -1)
RATIONALE = ("Two teams work this way already and one does not; we agreed the level that fits most of the "
             "department and added an improvement for the team behind.")


def _invitees(department: str, count: int) -> list[str]:
    return [f"{name}.{department.lower()}@northwind.example" for name in _FIRST[:count]]


def _levels(db: Database, quarter: Quarter, department: str) -> dict[str, int]:
    """The department's scores this quarter (what an agreement must keep), else last quarter's."""
    levels = {}
    for q in (quarter.previous(), quarter):
        levels.update({dim: int(score) for dim, score in db.rows(
            "SELECT dimension_id, score FROM scores WHERE quarter = $1 AND department_id = $2 AND score IS NOT NULL",
            [str(q), department])})
    return levels


def _answers(department: str, person: int, dims: tuple[str, ...], levels: dict[str, int], rng) -> list[Answer]:
    out = []
    for dim in dims:
        if dim == BELOW.get(department) and person >= 3:
            out.append(Answer(dim, None, True))
            continue
        offsets = (_SPLIT_OFFSETS if dim == SPLIT.get(department) else _MIXED_OFFSETS if dim == MIXED.get(department)
                   else _OFFSETS)
        level = min(5, max(1, levels.get(dim, 2) + offsets[person % len(offsets)]))
        out.append(Answer(dim, level, False, rng.choice(_COMMENTS)))
    return out


def _agree(db: Database, actor: Actor, round_id: str, levels: dict[str, int]) -> None:
    decisions = []
    for card in results.results(db, actor, round_id, shuffle=random.Random(0)):
        level = levels[card.dimension_id]
        median = card.summary.suggested if card.summary else None
        why = RATIONALE if commands.rationale_needed(card.summary, level) else ""
        decisions.append(Decision(card.dimension_id, level, MEDIAN if level == median and not why else MEETING, why))
    found = results.get_round(db, round_id)
    commands.agree(db, actor, round_id, decisions, expected_version=found.version, submit=True)


def seed_rounds(db: Database, actor: Actor, quarter: Quarter, seed: int = 7) -> int:
    """The demo's rating rounds for `quarter` (see PLAN), through the commands; returns how many."""
    rng = random.Random(seed)
    for department, mode, state, invited, answering in PLAN:
        levels = _levels(db, quarter, department)
        dims = HR_DIMENSIONS if department == "HR" else None
        made = commands.create_round(db, actor, department, quarter, mode, list(dims) if dims else None,
                                     INSTRUCTIONS)
        issued = commands.invite(db, actor, made.round_id, _invitees(department, invited))
        if state == "draft":
            continue
        commands.open_round(db, actor, made.round_id, expected_version=results.get_round(db, made.round_id).version)
        for person, invitation in enumerate(issued[:answering]):
            commands.answer(db, invitation.token, _answers(department, person, made.dimension_ids, levels, rng))
        if state == "open":
            continue
        commands.close_round(db, actor, made.round_id, expected_version=results.get_round(db, made.round_id).version)
        if state == "agreed":
            _agree(db, actor, made.round_id, levels)
    return len(PLAN)


__all__ = ["seed_rounds", "PLAN", "AGREED_DEPARTMENTS", "BELOW"]
