"""The workbook import as a whole command, beside the fastest plain read of the same file as a whole command.

A whole command is what a person runs and waits for: a new interpreter, its imports, the work, the exit.
`python -m esm_maturity import FILE --db NEW` into an empty database, against FLOOR_PROGRAM (python-calamine
reading every sheet into Python values, nothing else). The clock runs from the process's start to its exit;
the peak is the process's own resident memory high-water mark (wait4's ru_maxrss), in MB (10^6 bytes).

The command is started by LAUNCHER, a small interpreter that times it and reads its rusage: Linux counts
into a child's ru_maxrss the memory of the process it was forked from (the bench's own, hundreds of MB
after the workbook benchmarks), and a small launcher keeps that below any real figure.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

LAUNCHER = ("import json, os, subprocess, sys, time\n"
            "start = time.perf_counter()\n"
            "child = subprocess.Popen(sys.argv[2:])\n"
            "_, status, usage = os.wait4(child.pid, 0)\n"
            "seconds = time.perf_counter() - start\n"
            "child.returncode = os.waitstatus_to_exitcode(status)\n"
            "with open(sys.argv[1], 'w') as out:\n"
            "    json.dump({'seconds': seconds, 'maxrss_kib': usage.ru_maxrss, 'code': child.returncode}, out)\n")

FLOOR_PROGRAM = ("import sys, python_calamine\n"
                 "book = python_calamine.CalamineWorkbook.from_path(sys.argv[1])\n"
                 "for name in book.sheet_names:\n"
                 "    book.get_sheet_by_name(name).to_python()\n")


@dataclass
class Command:
    seconds: list[float]
    peaks_mb: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.peaks_mb)


def _timed(argv: list[str], log: Path) -> tuple[float, float]:
    """Seconds from start to exit, and the process's peak resident memory in MB."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    figures = log.with_suffix(".json")
    with open(log, "w") as out:
        subprocess.run([sys.executable, "-c", LAUNCHER, str(figures), *argv], cwd=ROOT, env=env, stdout=out,
                       stderr=subprocess.STDOUT, check=True, timeout=1800)
    result = json.loads(figures.read_text())
    if result["code"] != 0:
        raise RuntimeError(f"{' '.join(argv[1:4])} failed: {log.read_text()[-1200:]}")
    return result["seconds"], result["maxrss_kib"] * 1024 / 1e6


def import_command(workbook: Path, workdir: Path, repeat: int = 3) -> Command:
    """`python -m esm_maturity import` of `workbook` into a new, empty database, `repeat` times."""
    result = Command([], [])
    for turn in range(repeat):
        target = workdir / f"command-import-{turn}.duckdb"
        try:
            seconds, peak = _timed([sys.executable, "-m", "esm_maturity", "import", str(workbook), "--db", str(target)],
                                   workdir / f"command-import-{turn}.log")
        finally:
            for path in (target, target.with_name(target.name + ".wal")):
                path.unlink(missing_ok=True)
        result.seconds.append(seconds)
        result.peaks_mb.append(peak)
    return result


def floor_command(workbook: Path, workdir: Path, repeat: int = 3) -> Command:
    """FLOOR_PROGRAM over `workbook` as a whole command, `repeat` times."""
    result = Command([], [])
    for turn in range(repeat):
        seconds, peak = _timed([sys.executable, "-c", FLOOR_PROGRAM, str(workbook)],
                               workdir / f"command-floor-{turn}.log")
        result.seconds.append(seconds)
        result.peaks_mb.append(peak)
    return result
