"""The benchmark's shared types: the large organisation it generates, and one benchmark with its target."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..db import Database
from ..models import Quarter


@dataclass
class LargeOrg:
    """What the generator made, for benchmarks to pick realistic arguments."""

    db: Database
    workdir: Path
    quarters: list[Quarter]
    departments: list[str]
    dimensions: list[str]
    rng: random.Random
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Benchmark:
    name: str
    run: Callable[[LargeOrg], object]
    target_seconds: float
    repeat: int = 5
    target_peak_mb: float | None = None  # checked with tracemalloc, or with `peak` when given
    # Resident memory measured in a fresh process (memprobe.measure): {"added_mb", "peak_mb", ...}.
    # added_mb (what the work adds to a process that has the app's libraries loaded) meets the target.
    peak: Callable[[LargeOrg], dict[str, float]] | None = None
    floor: str | None = None  # the name of a benchmark run earlier: then the target is `ratio` x its median
    ratio: float = 2.0
    # Untimed preparation and cleanup around each run: run(org, setup(org)), then teardown(that state).
    setup: Callable[[LargeOrg], object] | None = None
    teardown: Callable[[object], None] | None = None

    def once(self, org: LargeOrg) -> float:
        state = self.setup(org) if self.setup else None
        try:
            start = time.perf_counter()
            self.run(org, state) if self.setup else self.run(org)
            return time.perf_counter() - start
        finally:
            if self.teardown:
                self.teardown(state)
