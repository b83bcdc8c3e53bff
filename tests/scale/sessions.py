"""The people of the scale test: readers clicking through a page over the websocket protocol, writers saving
forms and recording what each save's page acknowledged, newcomers without a cookie, and two tabs saving
the same record from the same version (the second must be refused)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

from websockets.exceptions import ConnectionClosed, InvalidHandshake

from tests.conftest import DEMO_ANCHOR
from tests.scale.rig import PageTab

QUARTER = str(DEMO_ANCHOR)
CONFLICT = re.compile(r"someone else", re.IGNORECASE)   # the app's words when a save is refused as stale
DROPPED = (ConnectionClosed, InvalidHandshake, OSError)  # a tab whose replica died (or is not there yet)


# --- the people: readers clicking through a page, writers saving forms -------------------------------------------

@dataclass
class Readers:
    """`sessions` tabs on `page` through the balancer, each changing the page's first selectbox again and
    again (a real rerun of a real page). With `reconnect`, a tab whose replica died opens a new session, as
    the app's page does by itself; without it, a dropped tab fails the test."""
    url: str
    sessions: int
    page: str = ""
    reconnect: bool = False
    done: int = 0
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        await asyncio.gather(*(self._one(stop) for _ in range(self.sessions)))

    async def _one(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with PageTab(self.url) as tab:
                    self.errors.extend((await tab.open(self.page)).errors)
                    while not stop.is_set():
                        self.errors.extend((await tab.change_selectbox()).errors)
                        self.done += 1
            except DROPPED:
                if not self.reconnect:
                    raise
                self.reconnects += 1
                await asyncio.sleep(0.1)


@dataclass
class Save:
    record: str      # "CI-0012" or "2026-Q4/CS/roles"
    value: str
    replica: str
    outcome: str = "no answer"   # "saved" (the page said so), "refused", or "no answer" (the replica died)
    answer: list = field(default_factory=list)   # the messages the page showed after the save


@dataclass
class Writer:
    """One person saving two records in turn, on a session the SERVERID cookie pins to `cookie`'s replica:
    an improvement's description (the form in its dialog) and one dimension's evidence in a draft
    self-assessment. Every save is kept with what the page answered. When the replica dies the person's
    tabs open new sessions with the same cookie (HAProxy sends them to a survivor and sets a new one)."""
    url: str
    cookie: str
    item: str
    department: str
    dimension: str
    saves: list[Save] = field(default_factory=list)
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)

    async def run(self, stop: asyncio.Event) -> None:
        turn = 0
        while not stop.is_set():
            try:
                async with PageTab(self.url, self.cookie) as item_tab, PageTab(self.url, self.cookie) as score_tab:
                    self.cookie = item_tab.replica
                    await self._open(item_tab, "backlog", f"item={self.item}")
                    await self._open(score_tab, "assessment", f"department={self.department}&quarter={QUARTER}")
                    while not stop.is_set():
                        turn += 1
                        await self._save(item_tab, self.item, "item_description", "item_save", turn)
                        await self._save(score_tab, f"{QUARTER}/{self.department}/{self.dimension}",
                                         f"evidence_{self.dimension}", "save_draft", turn)
            except DROPPED:
                self.reconnects += 1
                await asyncio.sleep(0.1)

    async def _open(self, tab: PageTab, page: str, query: str) -> None:
        self.errors.extend((await tab.open(page, query)).errors)

    async def _save(self, tab: PageTab, record: str, key: str, button: str, turn: int) -> None:
        save = Save(record, f"{record} as saved by {self.cookie}, turn {turn}", tab.replica)
        self.saves.append(save)
        run = await tab.submit({key: save.value}, button)
        self.errors.extend(run.errors)
        save.outcome, save.answer = ("saved" if tab.said("SUCCESS") else "refused"), tab.alerts


async def newcomer(url: str) -> str:
    """A new person (no cookie) opening the Overview: the replica that served them (or why none did)."""
    try:
        async with PageTab(url) as tab:
            run = await tab.open("")
            return tab.replica if not run.errors else f"{tab.replica}, with errors {run.errors}"
    except DROPPED as err:
        return f"no session: {err}"


async def stale_pair(url: str, cookies: tuple[str, str], page: str, query: str, key: str, button: str,
                     texts: tuple[str, str]) -> tuple[PageTab, PageTab]:
    """A and B (each on the replica its cookie names) draw the same form from the same version; A saves
    texts[0], then B saves texts[1] on the form drawn before A's save."""
    a, b = PageTab(url, cookies[0]), PageTab(url, cookies[1])
    async with a, b:
        for tab in (a, b):
            run = await tab.open(page, query)
            assert not run.errors, run.errors
        await a.submit({key: texts[0]}, button)
        await b.submit({key: texts[1]}, button)
    return a, b


def refused(what: str, a: PageTab, b: PageTab, stored, first: str) -> list[str]:
    """What went wrong with a stale pair: A's save must succeed, B's be refused, the record keep A's value."""
    problems = []
    if not a.said("SUCCESS"):
        problems.append(f"{what}: A's save (on {a.replica}) failed: {a.alerts}")
    if not any(CONFLICT.search(text) for text in b.said("ERROR")):
        problems.append(f"{what}: B's stale save (on {b.replica}) was not refused: {b.alerts}")
    if stored != first:
        problems.append(f"{what}: the record holds {stored!r}, not A's {first!r}")
    return problems
