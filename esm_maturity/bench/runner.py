"""`python -m esm_maturity bench`: performance targets, measured on a large organisation.

A large organisation is generated into a temporary database by LARGE_SEEDERS (each
capability adds its part: scores here, the backlog, check-ins...). Then every entry of
BENCHMARKS runs and is compared with its target. Targets live here, not in timed tests.
`run_all` then measures what people wait for (bench/waits.py: pages, bytes, cold start, load).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable

from .. import overview
from ..db import Database, Tx
from ..maturity import load_default_model
from ..models import SYSTEM, Quarter, quarter_range
from .backlog import benchmarks as backlog_benchmarks, seed_large_backlog
from .checkins import benchmarks as checkin_benchmarks, seed_large_checkins
from .org import Benchmark, LargeOrg
from .streams import benchmarks as stream_benchmarks, seed_large_streams
from .trends import benchmarks as trends_benchmarks
from .waits import WORD as WAITS_WORD, Plan, run_waits
from .workbook import benchmarks as workbook_benchmarks


def seed_large_scores(tx: Tx, org: LargeOrg, departments: int = 300) -> None:
    org.departments = [f"D{i:03d}" for i in range(departments)]
    tx.insert_rows("departments", ["department_id", "name", "sponsor", "champion"],
                   [(d, f"Department {d}", f"Sponsor {d}", f"Champion {d}") for d in org.departments])
    assessments, scores = [], []
    for dept in org.departments:
        level = {dim: org.rng.randint(1, 3) for dim in org.dimensions}
        for quarter in org.quarters:
            day = quarter.end
            assessments.append((str(quarter), dept, "submitted", "bench", day, 1, dt.datetime.combine(day, dt.time())))
            for dim in org.dimensions:
                if org.rng.random() < 0.25 and level[dim] < 5:
                    level[dim] += 1
                scores.append((str(quarter), dept, dim, level[dim], False, min(5, level[dim] + 1),
                               f"evidence {dept} {dim} {quarter}", "bench", day))
    tx.insert_rows("assessments", ["quarter", "department_id", "status", "submitted_by", "submitted_on", "version",
                                   "updated_at"], assessments)
    tx.insert_rows("scores", ["quarter", "department_id", "dimension_id", "score", "na", "target", "evidence",
                              "assessed_by", "assessed_on"], scores)
    org.counts.update(departments=len(org.departments), assessments=len(assessments), scores=len(scores))


# Each seeder writes its part of the large organisation inside one transaction.
LARGE_SEEDERS: list[Callable[[Tx, LargeOrg], None]] = [seed_large_scores, seed_large_backlog,
                                                       seed_large_checkins, seed_large_streams]


def build_large_org(workdir: Path, quarters: int = 24) -> LargeOrg:
    db = Database(workdir / "large.duckdb")
    load_default_model(db, SYSTEM)
    last = Quarter.current()
    dims = [r[0] for r in db.rows("SELECT dimension_id FROM dimensions WHERE active ORDER BY position")]
    org = LargeOrg(db, workdir, quarter_range(last.shift(-(quarters - 1)), last), [], dims, random.Random(11))
    for seeder in LARGE_SEEDERS:
        with db.transaction(SYSTEM) as tx:
            seeder(tx, org)
    db.checkpoint()
    return org


def _overview_queries(org: LargeOrg) -> None:
    quarter = org.quarters[-1]
    overview.completion(org.db, quarter)
    overview.dimension_averages(org.db, quarter)
    overview.movers(org.db, quarter)


BENCHMARKS: list[Benchmark] = [
    Benchmark("overview page queries", _overview_queries, target_seconds=0.25),
    *backlog_benchmarks(),
    *checkin_benchmarks(),
    *trends_benchmarks(),
    *stream_benchmarks(),
    *workbook_benchmarks(),
]


def measure(bench: Benchmark, org: LargeOrg) -> tuple[float, float | None, str]:
    """Median seconds over `repeat` runs, the peak MiB when the benchmark has a memory target (resident
    memory from `bench.peak`, else the traced Python heap), and a note on how memory was measured."""
    times = [bench.once(org) for _ in range(bench.repeat)]
    peak, note = None, ""
    if bench.peak is not None:
        probe = bench.peak(org)
        peak = probe["added_mb"]
        note = f"memory: +{probe['added_mb']:.0f} MiB resident, whole process {probe['peak_mb']:.0f} MiB"
    elif bench.target_peak_mb is not None:
        tracemalloc.start()
        try:
            bench.once(org)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            note = "memory: Python heap (traced)"
        finally:
            tracemalloc.stop()
    return statistics.median(times), peak, note


def run_all(names: list[str] | None = None, out=print) -> bool:
    """`bench [WORD ...]`: no word runs BENCHMARKS and then what people wait for; the word "pages" runs the
    latter, other words the benchmarks whose name contains one. True if every target was met."""
    words = [n for n in names or [] if n.lower() != WAITS_WORD]
    ok, medians = True, {}
    if words or not names:
        ok = run_benchmarks(words, out, medians)
    if not names or len(words) < len(names):
        if words or not names:
            out("")
        ok = run_waits(Plan(), out, build_large=build_large_org, known=medians).ok and ok
    return ok


def run_benchmarks(names: list[str] | None = None, out=print, medians: dict[str, float] | None = None) -> bool:
    """Build the large organisation, run the benchmarks, print a table; True if every target was met.
    `medians`, when given, receives each benchmark's median seconds by name."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        org = build_large_org(Path(tmp))
        out(f"large organisation built in {time.perf_counter() - start:.1f} s: "
            + ", ".join(f"{n:,} {k}" for k, n in org.counts.items()))
        ok = True
        out(f"{'benchmark':45} {'median':>9} {'target':>9} {'peak MiB':>9}  result")
        medians = {} if medians is None else medians
        for bench in BENCHMARKS:
            if names and not any(n.lower() in bench.name.lower() for n in names):
                continue
            seconds, peak, memory_note = measure(bench, org)
            medians[bench.name] = seconds
            # A target relative to a floor measured in this same run holds on any machine.
            target = bench.ratio * medians[bench.floor] if bench.floor in medians else bench.target_seconds
            met = seconds <= target and (peak is None or peak <= bench.target_peak_mb)
            ok &= met
            notes = [f"{seconds / medians[bench.floor]:.2f}x the floor"] if bench.floor in medians else []
            notes += [memory_note] if memory_note else []
            note = f"  ({'; '.join(notes)})" if notes else ""
            out(f"{bench.name:45} {seconds:8.3f}s {target:8.3f}s "
                f"{'' if peak is None else f'{peak:9.0f}':>9}  {'ok' if met else 'MISSED'}{note}")
        org.db.close()
    return ok
