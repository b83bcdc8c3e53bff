"""What people wait for (`python -m esm_maturity bench pages`) in a tiny run: the demo organisation only, one
page, one rerun, two sessions at once, no Chromium. It checks that the AppTest timing, the websocket byte
counter, the load driver and the memory readings give sane figures, not that the targets are met."""

from __future__ import annotations

from esm_maturity.bench.load import Load, Room, percentile
from esm_maturity.bench.processes import Command
from esm_maturity.bench.targets import Figures, PageFigures, evaluate, load_lines
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
    assert len(load.cpu) == 1 and load.cpu_per_session > 0   # the server's processor time for the lone run
    reference = figures.reference   # the same driver on a page of plain text, on its own server
    assert reference.page == "" and reference.one_session > 0 and reference.cpu
    [reference_room] = reference.rooms
    assert reference_room.sessions == 2 and len(reference_room.waits) == 2 and not reference_room.errors

    rows = {row.what: row for row in figures.rows}
    assert len(rows) == 11
    assert rows["memory after sessions close"].met is not None
    assert rows["cold start"].met is None and rows["every page large/small"].met is None
    assert any(line.startswith("Trends ") for line in lines)
    assert any(line.startswith("memory after sessions close") for line in lines)
    assert any(line.startswith("reference: 50 lines of text") for line in lines)


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


def test_the_room_is_read_beside_its_sessions_work_in_turn():
    """One interpreter does ten sessions' work one after another: about ten times one lone session's
    processor time. The target's note says so, and what a page of plain text reaches in the same run."""
    load = Load("trends", [0.09, 0.08, 0.10], 250.0, [Room(10, [0.55] * 10, 250.0, 260.0, 255.0)],
                cpu=[0.05, 0.04, 0.06])   # the median: 50 ms
    reference = Load("", [0.05], 100.0, [Room(10, [0.12] * 10, 100.0, 101.0, 100.0)], cpu=[0.011])
    assert abs(load.cpu_per_session - 0.05) < 1e-9 and abs(load.in_turn(10) - 0.5) < 1e-9
    assert Load("trends", [0.1], 1.0, []).in_turn(10) is None   # no processor time read: no estimate
    figures = Figures([], "large", load, reference)
    row = next(r for r in evaluate(figures) if r.what == "10 concurrent sessions, p95")
    assert row.met is False and row.value == "6.11x"
    assert "10 lone sessions' work in turn: 10 x 50 ms of the server's processor time = 0.50 s, 5.6x" in row.note
    assert "a page of 50 lines of plain text: 2.40x (11 ms per session)" in row.note
    lines = load_lines(figures)
    assert "(10 lone sessions' work in turn: 0.50s)" in lines[2] and lines[3].startswith("reference: 50 lines of text")


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
