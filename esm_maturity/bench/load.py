"""The load driver: a room of tabs opening one page at once over the websocket (no browser eating the CPU),
and the server's resident memory before, during and after the room.

A room connects N tabs (bench/wire.py), then every tab asks for the page at the same moment; each tab's
figure is its wait from asking to `script_finished`. One session is the same, alone, several times.

Memory is the server's RSS with no session open: Streamlit keeps a closed tab's session for reconnection
(`server.disconnectedSessionTTL`, 120 s by default) and drops it when the TTL has passed and the session
store is next written. The bench starts its server with a TTL of SESSION_TTL seconds (none: a closed tab's
session is dropped at the next write, as it would be two minutes later), so "after" is read once the room's
sessions are really gone: after one more tab has connected and left.

The server's processor time is read around each lone session's run: what one page load costs it. One
interpreter runs the page scripts (they share its lock), so N sessions at once are served in about N times
that cost, one after another; `Load.in_turn` is that figure, beside which the room's can be read. (An
estimate, not a bound: a room shares a little work, such as the event loop's flushes.) One lone session
runs first, unmeasured: the page's first visit on a server fills what every later one reuses.
A reference page (REFERENCE_PAGE: plain text and nothing else, on a plain `streamlit run`) is measured the
same way, to show how a page's own cost sets the ratio a room can reach.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .server import AppServer
from .wire import Run, Tab, run_async

SESSION_TTL = 0   # seconds: the bench server's server.disconnectedSessionTTL
REFERENCE_LINES = 50
REFERENCE_PAGE = ("import streamlit as st\n\n"
                  f"for line in range({REFERENCE_LINES}):\n"
                  "    st.markdown(f\"Line {line} of a page of plain text.\")\n")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def _at_once(urls: list[str], page: str) -> list[Run]:
    tabs = [Tab(url) for url in urls]
    await asyncio.gather(*(tab.__aenter__() for tab in tabs))
    try:
        return list(await asyncio.gather(*(tab.open(page) for tab in tabs)))
    finally:
        await asyncio.gather(*(tab.__aexit__(None, None, None) for tab in tabs), return_exceptions=True)


def at_once(urls: list[str], page: str) -> list[Run]:
    """A tab for each of `urls` (a server's address, once per tab on it); every tab connects, then all open
    `page` at the same moment. One Run each."""
    return run_async(_at_once(urls, page))


def room(url: str, page: str, sessions: int) -> list[Run]:
    """`sessions` tabs on one server open `page` at once; one Run each."""
    return at_once([url] * sessions, page)


async def _alone(url: str, page: str, cpu: Callable[[], float]) -> tuple[Run, float]:
    async with Tab(url) as tab:
        before = cpu()
        run = await tab.open(page)
        return run, cpu() - before


async def _visit(url: str) -> None:
    async with Tab(url):
        pass


def sessions_gone(server: AppServer) -> None:
    """Wait until the closed tabs' sessions have left the server (see the module's docstring)."""
    time.sleep(SESSION_TTL + 0.2)
    run_async(_visit(server.url))    # its disconnect writes the session store, which drops expired sessions
    time.sleep(0.5)


class MemorySampler:
    """`with MemorySampler(server) as s:` ... `s.peak`: the highest RSS (MiB) seen every `every` seconds."""

    def __init__(self, server: AppServer, every: float = 0.1):
        self.server, self.every, self.peak = server, every, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss_mib())
            self._stop.wait(self.every)

    def __enter__(self) -> "MemorySampler":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.server.rss_mib())


@dataclass
class Room:
    sessions: int
    waits: list[float]
    before_mib: float
    peak_mib: float
    after_mib: float
    errors: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.waits)

    @property
    def p95(self) -> float:
        return percentile(self.waits, 0.95)

    @property
    def max(self) -> float:
        return max(self.waits)


@dataclass
class Load:
    page: str
    alone: list[float]            # one session at a time: each wait
    before_mib: float             # no session open, before the first room
    rooms: list[Room]
    cpu: list[float] = field(default_factory=list)   # the server's processor seconds in each lone run

    @property
    def one_session(self) -> float:
        return statistics.median(self.alone)

    @property
    def cpu_per_session(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    def in_turn(self, sessions: int) -> float | None:
        """How long `sessions` lone sessions' work (cpu_per_session each) takes one interpreter, one
        after another: about what the last of them waits when they open the page at once."""
        return None if self.cpu_per_session is None else sessions * self.cpu_per_session

    @property
    def after_mib(self) -> float:
        return self.rooms[-1].after_mib if self.rooms else self.before_mib


def drive(server: AppServer, page: str, rooms: tuple[int, ...], alone: int) -> Load:
    """One session alone, unmeasured; then `alone` times, with the server's processor time for each; then
    each room in turn, with the server's memory around them."""
    run_async(_alone(server.url, page, server.cpu_seconds))   # unmeasured (see the module's docstring)
    lone = [run_async(_alone(server.url, page, server.cpu_seconds)) for _ in range(alone)]
    sessions_gone(server)
    result = Load(page, [run.seconds for run, _ in lone], server.rss_mib(), [], [cpu for _, cpu in lone])
    for sessions in rooms:
        before = server.rss_mib()
        with MemorySampler(server) as sampler:
            runs = room(server.url, page, sessions)
        sessions_gone(server)
        result.rooms.append(Room(sessions, [r.seconds for r in runs], before, sampler.peak, server.rss_mib(),
                                 [e for r in runs for e in r.errors]))
    return result
