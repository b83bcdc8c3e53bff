"""What people wait for, as figures and targets: each target beside its floor measured in the same run.

The targets are issue 14's table. A ratio target compares with a floor from the same run (the page on the
demo organisation, the one-line app, one session alone, the memory before, the plain read or write of the
same cells); a fixed target (ms, KB, MB) stands alone. KB and MB are 10^3 and 10^6 bytes; the server's
memory is in MiB. A target not measured in a run (a smoke run, no Chromium) says why and counts as neither.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from .load import REFERENCE_LINES, Load
from .processes import Command
from .replicas import ReplicaRooms
from .wire import Run
from .workbook import EXPORT_FLOOR, EXPORT_RATIO, IMPORT_FLOOR, IMPORT_RATIO

EXPORT = "workbook export (whole database)"
IMPORT = "workbook import (into an empty database)"
TRENDS = "pages/trends.py"


@dataclass
class PageFigures:
    path: str
    title: str
    url_path: str
    small: list[float] = field(default_factory=list)     # AppTest reruns on the demo organisation
    large: list[float] = field(default_factory=list)     # ... on the large one
    first_load: Run | None = None                        # a new tab opening the page (the server's organisation)
    rerun: Run | None = None                             # then one typical rerun in that tab

    @property
    def small_s(self) -> float | None:
        return statistics.median(self.small) if self.small else None

    @property
    def large_s(self) -> float | None:
        return statistics.median(self.large) if self.large else None


@dataclass
class Figures:
    pages: list[PageFigures]
    server_org: str                                      # "large" or "small": where bytes and load were measured
    load: Load | None = None
    reference: Load | None = None                        # the same driver on load.REFERENCE_PAGE
    replicas: ReplicaRooms | None = None                 # the room again on replicas (bench/replicas.py)
    replicas_skipped: str = ""
    cold: dict[str, float] = field(default_factory=dict)  # median seconds: "app", "one-line app"
    cold_skipped: str = ""
    workbook: dict[str, float] = field(default_factory=dict)   # in-process medians by benchmark name
    command: Command | None = None
    command_floor: Command | None = None
    rows: list["Row"] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(row.met is not False for row in self.rows)


@dataclass
class Row:
    what: str
    value: str
    floor: str
    target: str
    met: bool | None           # None: not measured in this run
    note: str = ""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _absent(what: str, target: str, why: str) -> Row:
    return Row(what, "-", "-", target, None, f"not measured: {why}")


def _ratio(what: str, value: float, floor: float, limit: float, floor_text: str, note: str) -> Row:
    ratio = value / floor
    return Row(what, f"{ratio:.2f}x", floor_text, f"<= {limit:.2f}x", ratio <= limit, note)


def _page_rows(f: Figures) -> list[Row]:
    measured = [p for p in f.pages if p.large and p.small]
    if not measured:
        why = "no large organisation in this run"
        return [_absent("every page large/small", "<= 1.50x", why),
                _absent("every page script on large", "<= 300 ms", why),
                _absent("Trends script on large", "<= 150 ms", why)]
    worst = max(measured, key=lambda p: p.large_s / p.small_s)
    slowest = max(measured, key=lambda p: p.large_s)
    rows = [_ratio("every page large/small", worst.large_s, worst.small_s, 1.5, _ms(worst.small_s),
                   f"worst: {worst.title}, {_ms(worst.large_s)} on large; floor: the same page on the demo"),
            Row("every page script on large", _ms(slowest.large_s), "-", "<= 300 ms", slowest.large_s <= 0.3,
                f"slowest: {slowest.title}")]
    trends = next((p for p in measured if p.path == TRENDS), None)
    rows.append(Row("Trends script on large", _ms(trends.large_s), "-", "<= 150 ms", trends.large_s <= 0.15)
                if trends else _absent("Trends script on large", "<= 150 ms", "the page was not in this run"))
    return rows


def _first_load_row(f: Figures) -> Row:
    loaded = [p for p in f.pages if p.first_load]
    if f.server_org != "large" or not loaded:
        return _absent("first load of any page on large", "<= 250 KB", "no large organisation in this run")
    biggest = max(loaded, key=lambda p: p.first_load.bytes)
    kb = biggest.first_load.bytes / 1000
    return Row("first load of any page on large", f"{kb:.0f} KB", "-", "<= 250 KB", kb <= 250,
               f"biggest: {biggest.title}")


def _cold_row(f: Figures) -> Row:
    if not f.cold:
        return _absent("cold start", "<= 1.50x", f.cold_skipped or "skipped")
    app, floor = f.cold["app"], f.cold["one-line app"]
    return _ratio("cold start", app, floor, 1.5, f"{floor:.2f} s",
                  f"app {app:.2f} s on the {f.server_org} organisation; floor: a one-line Streamlit app")


def _load_rows(f: Figures) -> list[Row]:
    load = f.load
    room = next((r for r in load.rooms if r.sessions == 10), None) if load else None
    rows = [_ratio("10 concurrent sessions, p95", room.p95, load.one_session, 3.0, f"{load.one_session:.2f} s",
                   f"p50 {room.p50:.2f} s, max {room.max:.2f} s on {load.page}; floor: one session (driver)"
                   + _bound_note(load, 10) + _reference_note(f.reference, 10) + _replicas_note(f.replicas, 10))
            if room else _absent("10 concurrent sessions, p95", "<= 3.00x", "no room of 10 in this run")]
    if load and load.rooms:
        rows.append(_ratio("memory after sessions close", load.after_mib, load.before_mib, 1.1,
                           f"{load.before_mib:.0f} MiB", f"{load.after_mib:.0f} MiB after the last room; "
                           f"floor: before the rooms, no session open"))
    else:
        rows.append(_absent("memory after sessions close", "<= 1.10x", "no room in this run"))
    return rows


def _bound_note(load: Load, sessions: int) -> str:
    turns = load.in_turn(sessions)
    if turns is None:
        return ""
    return (f"; {sessions} lone sessions' work in turn: {sessions} x {_ms(load.cpu_per_session)} of the server's "
            f"processor time = {turns:.2f} s, {turns / load.one_session:.1f}x")


def _reference_note(reference: Load | None, sessions: int) -> str:
    room = next((r for r in reference.rooms if r.sessions == sessions), None) if reference else None
    if room is None:
        return ""
    return (f"; a page of {REFERENCE_LINES} lines of plain text: {room.p95 / reference.one_session:.2f}x "
            f"({_ms(reference.cpu_per_session)} per session)")


def _replicas_note(rooms: ReplicaRooms | None, sessions: int) -> str:
    if rooms is None or rooms.sessions != sessions:
        return ""
    return (f"; spread over {rooms.replicas} replicas on PostgreSQL: p95 {rooms.spread_p95:.2f} s, "
            f"{rooms.spread_p95 / rooms.one_session:.2f}x (one of them alone: {rooms.one_p95 / rooms.one_session:.2f}x)")


def _workbook_rows(f: Figures) -> list[Row]:
    w = f.workbook
    why = "no workbook benchmarks in this run"
    rows = [_ratio("import in-process", w[IMPORT], w[IMPORT_FLOOR], IMPORT_RATIO, f"{w[IMPORT_FLOOR]:.2f} s",
                   f"{w[IMPORT]:.2f} s; floor: calamine reading the same cells")
            if IMPORT in w and IMPORT_FLOOR in w else _absent("import in-process", f"<= {IMPORT_RATIO:.2f}x", why)]
    if f.command and f.command_floor:
        rows.append(_ratio("import as a whole command", f.command.median, f.command_floor.median, 2.0,
                           f"{f.command_floor.median:.2f} s", f"{f.command.median:.2f} s; floor: calamine's read "
                           f"as a whole command"))
        peak = f.command.peak_mb
        rows.append(Row("import peak memory, whole process", f"{peak:.0f} MB", "-", "<= 250 MB", peak <= 250,
                        "python -m esm_maturity import, its resident high-water mark"))
    else:
        rows += [_absent("import as a whole command", "<= 2.00x", why),
                 _absent("import peak memory, whole process", "<= 250 MB", why)]
    rows.append(_ratio("export", w[EXPORT], w[EXPORT_FLOOR], EXPORT_RATIO, f"{w[EXPORT_FLOOR]:.2f} s",
                       f"{w[EXPORT]:.2f} s; floor: xlsxwriter writing the same cells")
                if EXPORT in w and EXPORT_FLOOR in w else _absent("export", f"<= {EXPORT_RATIO:.2f}x", why))
    return rows


def evaluate(f: Figures) -> list[Row]:
    """Issue 14's targets, in its table's order."""
    f.rows = [*_page_rows(f), _first_load_row(f), _cold_row(f), *_load_rows(f), *_workbook_rows(f)]
    return f.rows


def _kb(run: Run | None) -> str:
    return "-" if run is None else f"{run.bytes / 1000:.1f} KB"


def page_lines(f: Figures) -> list[str]:
    lines = [f"{'page (script rerun: AppTest, median)':38} {'demo':>8} {'large':>8} {'ratio':>6}  "
             f"{'first load':>10} {'a rerun':>10}  (the rerun's change; bytes on the {f.server_org} organisation)"]
    for p in f.pages:
        ratio = f"{p.large_s / p.small_s:.2f}x" if p.large and p.small else "-"
        change = (p.rerun.changed or "nothing changed") if p.rerun else ""
        small, large = _ms(p.small_s) if p.small else "-", _ms(p.large_s) if p.large else "-"
        lines.append(f"{p.title:38} {small:>8} {large:>8} {ratio:>6}  {_kb(p.first_load):>10} {_kb(p.rerun):>10}  "
                     f"({change})")
    return lines


def _room_lines(load: Load, heading: str) -> list[str]:
    cpu = f"  server CPU {_ms(load.cpu_per_session)} each" if load.cpu_per_session is not None else ""
    lines = [f"{heading:38} {'p50':>8} {'p95':>8} {'max':>8}  {'RSS before':>10} {'during':>8} {'after':>8}",
             f"{f'1 (alone, x{len(load.alone)})':38} {load.one_session:7.2f}s {'':>8} {max(load.alone):7.2f}s  "
             f"{load.before_mib:7.0f}MiB{cpu}"]
    for r in load.rooms:
        errors = f"  ({len(r.errors)} errors: {r.errors[0]})" if r.errors else ""
        turns = load.in_turn(r.sessions)
        bound = f"  ({r.sessions} lone sessions' work in turn: {turns:.2f}s)" if turns is not None else ""
        lines.append(f"{r.sessions:<38} {r.p50:7.2f}s {r.p95:7.2f}s {r.max:7.2f}s  {r.before_mib:7.0f}MiB "
                     f"{r.peak_mib:5.0f}MiB {r.after_mib:5.0f}MiB{errors}{bound}")
    return lines


def _seconds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}s" for v in values)


def load_lines(f: Figures) -> list[str]:
    if f.load is None:
        return []
    lines = _room_lines(f.load, f"sessions opening /{f.load.page} at once")
    if f.reference is not None:
        lines += _room_lines(f.reference, f"reference: {REFERENCE_LINES} lines of text")
    rooms = f.replicas
    if rooms is not None:
        errors = f"  ({len(rooms.errors)} errors: {rooms.errors[0]})" if rooms.errors else ""
        lines += [f"{f'replicas on PostgreSQL, {rooms.sessions} at once':38} one session alone {rooms.one_session:.2f}s",
                  f"{f'  spread over {rooms.replicas}':38} p95 {rooms.spread_p95:.2f}s (rounds: {_seconds(rooms.spread)})"
                  f"{errors}",
                  f"{'  on one of them':38} p95 {rooms.one_p95:.2f}s (rounds: {_seconds(rooms.one)})"]
    elif f.replicas_skipped:
        lines.append(f"replicas on PostgreSQL: skipped ({f.replicas_skipped})")
    return lines


def target_lines(rows: list[Row]) -> list[str]:
    lines = [f"{'target (issue 14)':45} {'value':>9} {'floor':>9} {'target':>10}  result"]
    for r in rows:
        result = {True: "ok", False: "MISSED", None: "skipped"}[r.met]
        note = f"  ({r.note})" if r.note else ""
        lines.append(f"{r.what:45} {r.value:>9} {r.floor:>9} {r.target:>10}  {result}{note}")
    return lines
