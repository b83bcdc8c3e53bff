"""The vocabulary of rating rounds: modes, states, sources, methods, and the records read back."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..assessments import DIRECT   # the method of a score typed on the self-assessment form

NAMED, ANONYMOUS = "named", "anonymous"
MODES = (NAMED, ANONYMOUS)
DRAFT, OPEN, CLOSED, AGREED = "draft", "open", "closed", "agreed"
STATUSES = (DRAFT, OPEN, CLOSED, AGREED)
PENDING, ANSWERED, REVOKED = "pending", "answered", "revoked"
LINK, SIGNED_IN, OFFLINE = "link", "signed in", "offline form"

# How an agreed score was reached (scores.method); DIRECT: typed on the self-assessment form.
MEDIAN, MEETING = "median accepted", "agreed in a meeting"
METHODS = (DIRECT, MEDIAN, MEETING)
BELOW = "below threshold"          # an anonymous dimension with fewer than k valid answers
NO_EVIDENCE = "no evidence"        # nobody gave a level (all "don't know", or no answers)

DEFAULT_THRESHOLD, MIN_THRESHOLD, MAX_THRESHOLD = 5, 3, 10
DONT_KNOW = "don't know"

# What each mode means, said the same way on every screen (honest about what "anonymous" is).
MODE_WORDS = {
    ANONYMOUS: ("Anonymous: nobody can link your answers to you, not the champion, not an admin, not the "
                "database. The champion can see whether you have answered. Results appear only for "
                "dimensions with at least {k} answers, and comments only then; if everyone gives the same "
                "level, everyone's answer is implied. Don't write anything in a comment that identifies you."),
    NAMED: "Named: your champion sees your answers with your name.",
}

ROUND_COLUMNS = ("round_id, department_id, quarter, dimension_ids, mode, threshold, status, instructions, "
                 "created_by, created_on, version")


@dataclass(frozen=True)
class Round:
    round_id: str
    department_id: str
    quarter: str
    dimension_ids: tuple[str, ...]
    mode: str
    threshold: int
    status: str
    instructions: str
    created_by: str
    created_on: dt.date
    version: int

    @classmethod
    def of(cls, row: tuple) -> "Round":
        values = list(row)
        values[3] = tuple(values[3] or ())
        return cls(*values)

    @property
    def anonymous(self) -> bool:
        return self.mode == ANONYMOUS

    @property
    def words(self) -> str:
        return MODE_WORDS[self.mode].format(k=self.threshold)


@dataclass(frozen=True)
class Invitation:
    invitation_id: str
    invitee: str
    channel: str
    status: str


@dataclass(frozen=True)
class Issued:
    """An invitation just made: its token is here once, to be shown or written into a form, then gone."""

    invitation: Invitation
    token: str


@dataclass(frozen=True)
class Answer:
    """One dimension's answer: a level 1-5, or don't know; and a comment."""

    dimension_id: str
    level: int | None = None
    dont_know: bool = False
    comment: str = ""


@dataclass(frozen=True)
class Decision:
    """The agreed level of one dimension, how it was reached and (when needed) why."""

    dimension_id: str
    level: int
    method: str = MEETING
    rationale: str = ""


@dataclass(frozen=True)
class Progress:
    """What anyone may see while a round is open: how many of the invited have answered."""

    answered: int
    invited: int


@dataclass(frozen=True)
class Holder:
    """Who is answering: a token's holder or a signed-in person's invitation, and what they answered."""

    round: Round
    invitation_id: str | None          # named rounds, and signed-in answers; None for an anonymous token
    answers: dict[str, Answer] = field(default_factory=dict)
    answered: bool = False
