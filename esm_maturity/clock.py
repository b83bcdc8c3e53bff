"""Today and now: the one clock every part of the app reads.

Nothing else in the app asks the system for the date. A test (or a demo, or a browser test's
server) sets the clock; the suite then passes on any day of the year.

- `today()`: the date in UTC; `now()`: the moment in UTC, without tzinfo (stored as TIMESTAMP).
- `ESM_TODAY=YYYY-MM-DD` (or an ISO date and time) in the environment pins the clock for a whole
  process, such as a `streamlit run` under a browser test.
- `frozen(day)` pins it inside a `with` block; `set_clock(day)` / `reset()` do the same by hand.

A pinned clock starts at the given moment and then runs forward in real time, so records made one
after another keep their order; "today" stays the given date (a test runs well inside a day).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from contextlib import contextmanager
from typing import Iterator

ENV = "ESM_TODAY"

# (the pinned moment, the monotonic time it was pinned at), or None for the system clock
_pinned: tuple[dt.datetime, float] | None = None


def _as_moment(value: dt.date | dt.datetime | str) -> dt.datetime:
    if isinstance(value, str):
        text = value.strip()
        try:
            value = dt.datetime.fromisoformat(text) if "T" in text or " " in text else dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{ENV}={value!r} is not a date: write it as YYYY-MM-DD") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value
    return dt.datetime.combine(value, dt.time(9))


def set_clock(value: dt.date | dt.datetime | str) -> None:
    """Pin the clock at `value` (a date starts at 09:00 UTC), from which it runs forward."""
    global _pinned
    _pinned = (_as_moment(value), time.monotonic())


def reset() -> None:
    """Back to the environment's pin (`ESM_TODAY`), or the system clock."""
    global _pinned
    _pinned = None
    pinned = os.environ.get(ENV, "").strip()
    if pinned:
        set_clock(pinned)


def is_pinned() -> bool:
    return _pinned is not None


def now() -> dt.datetime:
    """Now in UTC, without tzinfo."""
    if _pinned is None:
        return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    start, at = _pinned
    return start + dt.timedelta(seconds=time.monotonic() - at)


def today() -> dt.date:
    """Today's date in UTC."""
    if _pinned is not None:
        return _pinned[0].date()
    return now().date()


@contextmanager
def frozen(value: dt.date | dt.datetime | str) -> Iterator[dt.date]:
    """Pin the clock inside a `with` block; the previous setting comes back afterwards."""
    global _pinned
    before = _pinned
    set_clock(value)
    try:
        yield today()
    finally:
        _pinned = before


reset()

__all__ = ["now", "today", "frozen", "set_clock", "reset", "is_pinned", "ENV"]
