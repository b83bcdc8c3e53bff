"""The statistics of one dimension's answers: counts per level, median, range, mean, agreement.

Agreement bands need no statistics training (design: ../shared/design/rating-rounds.md):
aligned when the range is at most 1; mixed when it is 2; split when it is 3 or more, or when answers
sit both at 2 or below and at 4 or above. rwg (1 - observed variance / the variance of random answers
on five levels, 2.0; never below 0) is offered beside it. "Don't know" answers are counted apart and
leave every figure.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

LEVELS = (1, 2, 3, 4, 5)
ALIGNED, MIXED, SPLIT = "aligned", "mixed", "split"
RANDOM_VARIANCE = (len(LEVELS) ** 2 - 1) / 12   # 2.0: a uniform answer on five levels


@dataclass(frozen=True)
class Summary:
    n_valid: int
    dont_know: int
    counts: tuple[int, ...]        # answers at level 1..5
    median: float
    low: int
    high: int
    mean: float
    agreement: str
    rwg: float

    @property
    def range(self) -> int:
        return self.high - self.low

    @property
    def suggested(self) -> int:
        """The median as a level (a half rounds to the nearer of the two middle answers' mean: up)."""
        return int(self.median + 0.5)


def agreement(levels: list[int]) -> str:
    low, high = min(levels), max(levels)
    if high - low >= 3 or (low <= 2 and high >= 4):
        return SPLIT
    return MIXED if high - low == 2 else ALIGNED


def rwg(levels: list[int]) -> float:
    if len(levels) < 2:
        return 1.0
    return max(0.0, 1 - statistics.variance(levels) / RANDOM_VARIANCE)


def summarise(levels: list[int], dont_know: int = 0) -> Summary | None:
    """The figures of `levels` (each 1-5); None when nobody gave a level."""
    if not levels:
        return None
    if any(level not in LEVELS for level in levels):
        raise ValueError(f"levels run 1 to 5: {levels}")
    counts = tuple(levels.count(level) for level in LEVELS)
    return Summary(len(levels), dont_know, counts, float(statistics.median(levels)), min(levels), max(levels),
                   statistics.fmean(levels), agreement(levels), rwg(levels))


# How split a dimension is, for sorting the agree step's cards (most split first).
SPLIT_ORDER = {SPLIT: 0, MIXED: 1, ALIGNED: 2}
