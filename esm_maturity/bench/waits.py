"""`python -m esm_maturity bench pages`: what people wait for, on the demo organisation and a large one.

1. Every page's script rerun through app.py (AppTest, bench/rerun.py): the median of `reruns` after a
   warm-up, on the demo (small) and on the large organisation taking turns, and the ratio.
2. A `streamlit run` server over the large organisation (bench/server.py) and tabs speaking its websocket
   protocol (bench/wire.py): each page's bytes on a new tab's first load and on one typical rerun (the
   page's first selectbox set to another option, the cached messages' hashes sent as a browser does).
3. The load driver on that server (bench/load.py): one session alone (and the server's processor time for
   it), then rooms of 10 and 50 sessions opening /trends at once, and the server's resident memory before,
   during and after; then the same driver on a reference page of plain text (the first room only).
4. Cold start in headless Chromium beside a one-line app (bench/browser.py); skipped without Chromium.
4b. With ESM_BENCH_PG_URL (an empty PostgreSQL database): the room of ten again on replicas of the app
   on it, spread over them and on one alone (bench/replicas.py).
5. The workbook: in-process import and export beside their floors (bench/workbook.py; reused when the full
   bench measured them already) and the import as a whole command (bench/processes.py).

Then issue 14's targets, each with its floor from this run (bench/targets.py). `Plan` says how much runs:
`SMOKE` is the quick version the unit tests run (demo only, one page, one rerun, two sessions, no Chromium).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..db import Database
from ..demo.organisation import load_demo
from ..models import SYSTEM
from ..config import redact
from . import browser, processes, replicas, rerun
from .load import REFERENCE_LINES, REFERENCE_PAGE, SESSION_TTL, drive
from .org import LargeOrg
from .server import AppServer
from .targets import Figures, PageFigures, evaluate, load_lines, page_lines, target_lines
from .wire import Tab, run_async
from .workbook import _export_path, benchmarks as workbook_benchmarks

WORD = "pages"   # `python -m esm_maturity bench pages` runs only this part


@dataclass(frozen=True)
class Plan:
    large: bool = True              # False: the demo organisation only (bytes and load on it too)
    pages: tuple[str, ...] = ()     # page files or URL paths; empty: every page of the registry
    reruns: int = 5
    load_page: str = "trends"
    rooms: tuple[int, ...] = (10, 50)
    alone: int = 5                  # one-session loads, the rooms' floor
    browser: bool = True
    cold_starts: int = 3
    workbook: bool = True
    replicas_url: str | None = None   # an empty PostgreSQL database for bench/replicas.py; None: ESM_BENCH_PG_URL


SMOKE = Plan(large=False, pages=("trends",), reruns=1, rooms=(2,), alone=1, browser=False, workbook=False,
             replicas_url="")


def build_small(path: Path) -> Path:
    """The demo organisation, built around today, in a closed file."""
    with Database(path) as db:
        load_demo(db, SYSTEM)
        db.checkpoint()
    return path


async def _page_bytes(url: str, page: PageFigures) -> None:
    async with Tab(url) as tab:
        page.first_load = await tab.open(page.url_path)
        shown = tab.page_script_hash
        page.rerun = await tab.change_selectbox()
        if tab.page_script_hash != shown:
            raise RuntimeError(f"the rerun of {page.path} ran another page")
    errors = page.first_load.errors + page.rerun.errors
    if errors:
        raise RuntimeError(f"{page.path} showed an error over the websocket: {errors[0]}")


def _workbook(org: LargeOrg, known: dict[str, float], workdir: Path, out, figures: Figures) -> None:
    for bench in workbook_benchmarks():
        if bench.name in known:
            figures.workbook[bench.name] = known[bench.name]
            continue
        figures.workbook[bench.name] = statistics.median(bench.once(org) for _ in range(bench.repeat))
        out(f"  {bench.name}: {figures.workbook[bench.name]:.2f} s")
    workbook = _export_path(org)
    figures.command_floor = processes.floor_command(workbook, workdir)
    figures.command = processes.import_command(workbook, workdir)
    out(f"  import as a whole command {figures.command.median:.2f} s (peak {figures.command.peak_mb:.0f} MB), "
        f"its floor {figures.command_floor.median:.2f} s")


def _pages(measured: dict) -> list[PageFigures]:
    small, large = measured["seconds"]["small"], measured["seconds"].get("large", {})
    return [PageFigures(p["path"], p["title"], p["url_path"], small[p["path"]], large.get(p["path"], []))
            for p in measured["pages"] if p["path"] in small]


def _large(build_large, workdir: Path, plan: Plan, known: dict[str, float], out, figures: Figures) -> Path:
    """The large organisation; the workbook measured on it while this process holds it; its closed file."""
    if build_large is None:
        raise ValueError("a plan with the large organisation needs build_large")
    start = time.perf_counter()
    org = build_large(workdir)
    out(f"large organisation built in {time.perf_counter() - start:.1f} s")
    try:
        if plan.workbook:
            out("workbook, in-process and as whole commands:")
            _workbook(org, known, workdir, out, figures)
        org.db.checkpoint()
    finally:
        org.db.close()
    figures.server_org = "large"
    return org.db.path


def _on_server(db_file: Path, workdir: Path, plan: Plan, figures: Figures, out) -> None:
    out(f"websocket bytes and the load driver on `streamlit run` over the {figures.server_org} organisation...")
    ttl = [f"--server.disconnectedSessionTTL={SESSION_TTL}"]   # closed tabs' sessions leave soon (load.py)
    with AppServer(db_file, workdir / "server.log", args=ttl) as server:
        run_async(_warm_up(server.url))
        for page in figures.pages:
            run_async(_page_bytes(server.url, page))
        figures.load = drive(server, plan.load_page, plan.rooms, plan.alone)
    out(f"the same driver on a reference page ({REFERENCE_LINES} lines of plain text, plain `streamlit run`)...")
    reference = workdir / "reference_page.py"
    reference.write_text(REFERENCE_PAGE, encoding="utf-8")
    with AppServer(None, workdir / "reference.log", script=reference, args=ttl) as server:
        figures.reference = drive(server, "", plan.rooms[:1], plan.alone)


def _replicas(db_file: Path, workdir: Path, plan: Plan, figures: Figures, out) -> None:
    url = os.environ.get("ESM_BENCH_PG_URL", "") if plan.replicas_url is None else plan.replicas_url
    if not url:
        figures.replicas_skipped = "no ESM_BENCH_PG_URL (an empty PostgreSQL database to copy the organisation into)"
        return
    sessions = next((n for n in plan.rooms if n == 10), plan.rooms[0])
    out(f"the room of {sessions} on {replicas.REPLICAS} replicas over PostgreSQL ({redact(url)})...")
    figures.replicas = replicas.measure(db_file, url, workdir, plan.load_page, sessions, plan.alone)


def _cold(db_file: Path, workdir: Path, plan: Plan, figures: Figures, out) -> None:
    figures.cold_skipped = (browser.missing() or "") if plan.browser else "this run leaves Chromium out"
    if figures.cold_skipped:
        out(f"cold start skipped: {figures.cold_skipped}")
        return
    out("cold start in headless Chromium...")
    figures.cold = browser.medians(browser.cold_starts(db_file, workdir, plan.cold_starts))


def run_waits(plan: Plan = Plan(), out=print, build_large: Callable[[Path], LargeOrg] | None = None,
              known: dict[str, float] | None = None) -> Figures:
    """Measure, print the tables and the targets; the figures (`.ok`: every target measured was met)."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir, start = Path(tmp), time.perf_counter()
        figures = Figures([], "small")
        small_db = build_small(workdir / "small.duckdb")
        large_db = _large(build_large, workdir, plan, known or {}, out, figures) if plan.large else None
        out("page scripts through app.py (AppTest, a child process for each organisation, taking turns)...")
        orgs = {"small": small_db, **({"large": large_db} if large_db else {})}
        figures.pages = _pages(rerun.measure(orgs, plan.reruns, list(plan.pages), workdir))
        _on_server(large_db or small_db, workdir, plan, figures, out)
        _replicas(large_db or small_db, workdir, plan, figures, out)
        _cold(large_db or small_db, workdir, plan, figures, out)
        evaluate(figures)
        for line in [*page_lines(figures), "", *load_lines(figures), "", *target_lines(figures.rows)]:
            out(line)
        out(f"(measured in {time.perf_counter() - start:.0f} s; numbers move with whatever else uses the CPU)")
    return figures


async def _warm_up(url: str) -> None:
    """One tab on the landing page: takes the server out of Streamlit's pages/-folder mode (see NOTES.md)."""
    async with Tab(url) as tab:
        await tab.open("")
