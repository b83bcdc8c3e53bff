"""What every part of the demo is built from: its random source, quarters, departments, dimensions and day."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from ..models import Quarter


@dataclass
class DemoContext:
    rng: random.Random
    quarters: list[Quarter]
    departments: list[str]
    dimensions: list[tuple[str, str]]
    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)
    rounds: bool = False      # rating rounds follow (rounds.py): their agreed departments start as drafts
