"""What people wait for (`python -m esm_maturity bench pages`) in a tiny run: the demo organisation only, one
page, one rerun, two sessions at once, no Chromium. It checks that the AppTest timing, the websocket byte
counter, the load driver and the memory readings give sane figures, not that the targets are met."""

from __future__ import annotations

from esm_maturity.bench.load import Load, Room, percentile
from esm_maturity.bench.processes import Command
from esm_maturity.bench.targets import Figures, PageFigures, evaluate
from esm_maturity.bench.waits import SMOKE, run_waits
from esm_maturity.bench.wire import Run
from esm_maturity.bench.workbook import EXPORT_FLOOR, IMPORT_FLOOR
from tests.conftest import TODAY


def test_a_tiny_run_gives_every_kind_of_figure(monkeypatch):
    monkeypatch.setenv("ESM_TODAY", str(TODAY))   # the server and the AppTest process see the demo's day
    lines: list[str] = []
    figures = run_waits(SMOKE, out=lines.append)

    [page] = figures.pages
    assert page.path == "pages/trends.py" and page.small_s > 0 and not page.large
    first, rerun = page.first_load, page.rerun
    assert first.bytes > 10_000 and first.messages > 3 and first.seconds > 0 and not first.errors
    assert rerun.changed == "trend_quarter" and 0 < rerun.bytes and rerun.seconds > 0
    load = figures.load
    assert load.page == "trends" and load.one_session > 0
    [room] = load.rooms
    assert room.sessions == 2 and len(room.waits) == 2 and min(room.waits) > 0 and not room.errors
    assert 0 < load.before_mib <= room.peak_mib and room.after_mib > 0

    rows = {row.what: row for row in figures.rows}
    assert len(rows) == 11
    assert rows["memory after sessions close"].met is not None
    assert rows["cold start"].met is None and rows["every page large/small"].met is None
    assert any(line.startswith("Trends ") for line in lines)
    assert any(line.startswith("memory after sessions close") for line in lines)


def _run(seconds: float, kb: float) -> Run:
    return Run(seconds, int(kb * 1000), 10)


def test_targets_compare_with_floors_from_the_same_run():
    pages = [PageFigures("pages/trends.py", "Trends", "trends", [0.10], [0.14], _run(0.3, 240), _run(0.3, 60)),
             PageFigures("pages/checkins.py", "Check-ins", "checkins", [0.10], [0.40], _run(0.5, 90), None)]
    load = Load("trends", [1.0], 200.0, [Room(10, [1.0] * 9 + [2.9], 200.0, 260.0, 230.0)])
    figures = Figures(pages, "large", load, cold={"app": 2.9, "one-line app": 2.0},
                      workbook={EXPORT_FLOOR: 6.0, "workbook export (whole database)": 7.0,
                                IMPORT_FLOOR: 1.0, "workbook import (into an empty database)": 1.4},
                      command=Command([3.0], [260.0]), command_floor=Command([1.0], [120.0]))
    rows = {row.what: row for row in evaluate(figures)}
    assert rows["every page large/small"].met is False and rows["every page large/small"].value == "4.00x"
    assert rows["every page script on large"].met is False and "Check-ins" in rows["every page script on large"].note
    assert rows["Trends script on large"].met is True
    first_load = rows["first load of any page on large"]
    assert first_load.met is True and first_load.value == "240 KB"
    assert rows["cold start"].met is True and rows["cold start"].floor == "2.00 s"
    assert rows["10 concurrent sessions, p95"].met is True           # p95 of ten is the largest: 2.9x
    assert rows["memory after sessions close"].met is False          # 230 MiB after, 200 before: +15 %
    assert rows["import in-process"].met is True and rows["export"].met is True
    assert rows["import as a whole command"].met is False and rows["import peak memory, whole process"].met is False
    assert figures.ok is False


def test_percentile_is_nearest_rank():
    values = [float(n) for n in range(1, 21)]
    assert percentile(values, 0.95) == 19.0 and percentile(values, 0.5) == 10.0 and percentile([3.0], 0.95) == 3.0


def test_the_driver_runs_where_an_event_loop_already_runs():
    """Playwright's sync API (a browser test earlier in the same process) leaves an event loop running on
    the thread; the websocket driver starts its own on a thread of its own."""
    import asyncio
    import threading

    from esm_maturity.bench.wire import run_async

    async def answer():
        return 42

    async def inside_a_loop():
        return run_async(answer())   # asyncio.run here would refuse: a loop is running

    seen = []
    thread = threading.Thread(target=lambda: seen.append(asyncio.run(inside_a_loop())))
    thread.start()
    thread.join()
    assert seen == [42]
