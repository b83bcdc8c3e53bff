"""The vocabulary of value streams and the records read back.

A stream's `version` moves on with every change to the stream or to any of its steps: a step editor and a
stream form open at once conflict instead of overwriting each other. Quarters are text `YYYY-Qn` in the
database (they sort in time order) and models.Quarter in the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

CORE, ENABLING = "core", "enabling"
KINDS = (CORE, ENABLING)
WEAKEST_LINK, MEAN, WEIGHTED = "weakest_link", "mean", "weighted"
RULES = (WEAKEST_LINK, MEAN, WEIGHTED)
RULE_WORDS = {WEAKEST_LINK: "weakest link (the lowest owning department)", MEAN: "mean of the owning departments",
              WEIGHTED: "mean weighted by step weight"}
MANUAL, TICKETS, MINING = "manual estimate", "ticket export", "process mining"
SOURCES = (MANUAL, TICKETS, MINING)
MEASURED, ESTIMATED = "measured", "estimated"
CONFIDENCES = (MEASURED, ESTIMATED)

# Guidance on a map's size (Martin and Osterling: 5-15 process blocks); outside it is a warning, not an error.
FEWEST_STEPS, MOST_STEPS = 2, 15
MOST_STEPS_STORED = 60   # a hard limit, far above the guidance

STREAM_COLUMNS = ("stream_id, name, kind, trigger, outcome, consumer, description, owner, champion, rollup_rule, "
                  "active, created_by, created_on, version")
STEP_COLUMNS = ("step_id, stream_id, position, name, department_id, supporting, weight, target_days, output, "
                "valid_from, valid_to")


@dataclass(frozen=True)
class Stream:
    stream_id: str
    name: str
    kind: str
    trigger: str
    outcome: str
    consumer: str
    description: str
    owner: str | None          # a person's e-mail
    champion: str | None       # a person's e-mail
    rollup_rule: str
    active: bool
    created_by: str
    created_on: dt.date
    version: int

    @classmethod
    def of(cls, row: tuple) -> "Stream":
        return cls(*row)


@dataclass(frozen=True)
class Step:
    """One step as it applies in some quarter (one version of it: valid_from .. valid_to, inclusive)."""

    step_id: str
    stream_id: str
    position: int
    name: str
    department_id: str | None  # the owning department; None only while the stream is drafted
    supporting: tuple[str, ...]
    weight: float
    target_days: float | None
    output: str
    valid_from: str
    valid_to: str | None

    @classmethod
    def of(cls, row: tuple) -> "Step":
        values = list(row)
        values[5] = tuple(values[5] or ())
        return cls(*values)


@dataclass(frozen=True)
class StreamInput:
    """What the stream form gives. `owner` and `champion` are people's e-mails (blank: nobody yet)."""

    name: str
    kind: str = CORE
    trigger: str = ""
    outcome: str = ""
    consumer: str = ""
    description: str = ""
    owner: str | None = None
    champion: str | None = None
    rollup_rule: str = WEAKEST_LINK
    active: bool = True


@dataclass(frozen=True)
class StepInput:
    """One step as the step editor gives it. `department_id` None: not assigned yet (a warning)."""

    name: str
    department_id: str | None = None
    supporting: tuple[str, ...] = ()
    weight: float = 1.0
    target_days: float | None = None
    output: str = ""


@dataclass(frozen=True)
class Saved:
    """What a change to a stream returns: its key, its new version and the warnings it now has."""

    stream_id: str
    version: int
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class FlowInput:
    """One quarter's flow figures. Blank (None) is "not recorded", never 0. `handoffs` None: the count
    derived from the step owners that quarter is stored (flow.derived_handoffs)."""

    lead_time_days: float | None = None
    process_time_days: float | None = None
    handoffs: int | None = None
    rework_pct: float | None = None
    throughput: int | None = None
    wip: int | None = None
    items: int | None = None
    source: str = MANUAL
    confidence: str = ESTIMATED
    note: str = ""


FLOW_FIELDS = ("lead_time_days", "process_time_days", "handoffs", "rework_pct", "throughput", "wip", "items")
FLOW_COLUMNS = ("stream_id, quarter, " + ", ".join(FLOW_FIELDS) +
                ", source, confidence, note, recorded_by, recorded_at, version")


@dataclass(frozen=True)
class FlowRecord:
    stream_id: str
    quarter: str
    lead_time_days: float | None
    process_time_days: float | None
    handoffs: int | None
    rework_pct: float | None
    throughput: int | None
    wip: int | None
    items: int | None
    source: str
    confidence: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime
    version: int

    @property
    def flow_efficiency(self) -> float | None:
        """Process time ÷ lead time (0-1), or None when either is not recorded or the lead time is 0."""
        return flow_efficiency(self.lead_time_days, self.process_time_days)


def flow_efficiency(lead_time_days: float | None, process_time_days: float | None) -> float | None:
    """Process time ÷ lead time, or None when either is missing or the lead time is 0 (never a made-up 0)."""
    if lead_time_days is None or process_time_days is None or not lead_time_days:
        return None
    return process_time_days / lead_time_days


@dataclass(frozen=True)
class Boundary:
    """A hand-off in a quarter: consecutive steps owned by different departments, and its quality as judged
    by the receiving department (None: not rated)."""

    from_step_id: str
    to_step_id: str
    from_department: str | None
    to_department: str | None   # the receiving department: it judges % complete and accurate
    pct_complete_accurate: float | None = None
    wait_days: float | None = None
    note: str = ""
    version: int = 0            # 0: not rated yet


@dataclass(frozen=True)
class FlowSummary:
    """A stream's flow in a quarter: the record (None: not recorded), the hand-offs, and what follows."""

    stream_id: str
    quarter: str
    record: FlowRecord | None
    boundaries: tuple[Boundary, ...] = field(default_factory=tuple)
    process_exceeds_lead: bool = False

    @property
    def flow_efficiency(self) -> float | None:
        return self.record.flow_efficiency if self.record else None

    @property
    def rated(self) -> int:
        return sum(b.pct_complete_accurate is not None for b in self.boundaries)

    @property
    def rolled_complete_accurate(self) -> float | None:
        """The product of every boundary's % complete and accurate, as a percentage; None unless every
        boundary has a value (and None for a stream without hand-offs)."""
        return rolled_complete_accurate([b.pct_complete_accurate for b in self.boundaries])


def rolled_complete_accurate(percentages: list[float | None]) -> float | None:
    """Π(pct/100) × 100 over the boundaries; None when there is none or any lacks a value."""
    if not percentages or any(p is None for p in percentages):
        return None
    product = 1.0
    for p in percentages:
        product *= p / 100
    return product * 100
