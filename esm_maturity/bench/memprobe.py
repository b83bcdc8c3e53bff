"""Peak memory of one job, measured in a fresh interpreter: `python -m esm_maturity.memprobe JOB ARGS...`.

The bench runs a job here, so the figure is the job's own, not whatever the benchmark
process accumulated before it. Resident memory (RSS) is measured, not the Python heap: it
counts calamine's Rust cells, DuckDB and what allocators keep, which
tracemalloc never sees.

The libraries the app always has loaded (pandas, pyarrow, DuckDB, python-calamine) are
imported and the job's database opened before the baseline is taken; then the peak is reset
(Linux: /proc/self/clear_refs) and the job runs. Prints one JSON line: `added_mb` (the peak
above the baseline: what the job costs a running app) and `peak_mb` (the whole process).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Callable


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _rss_mb() -> float:
    now = _status_mb("VmRSS")
    return now if now is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")     # resets VmHWM to the current RSS
    except OSError:
        pass                    # elsewhere the peak includes the setup (a higher, safe figure)


def _peak_mb() -> float:
    peak = _status_mb("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _import_job(db_path: str, workbook_path: str) -> Callable[[], None]:
    # deferred: the fresh process loads the app's code here, before its baseline is taken
    from ..db import Database
    from ..models import SYSTEM
    from ..workbook import apply_import, read_upload

    db = Database(db_path)

    def run() -> None:
        data = Path(workbook_path).read_bytes()
        report = apply_import(db, SYSTEM, read_upload(db, data, Path(workbook_path).name))
        assert report.applied, report.lines()[:12]
    return run


def _export_job(db_path: str, workbook_path: str) -> Callable[[], None]:
    # deferred: the fresh process loads the app's code here, before its baseline is taken
    from ..db import Database
    from ..workbook import export_to

    db = Database(db_path)
    return lambda: export_to(db, workbook_path)


JOBS: dict[str, Callable[..., Callable[[], None]]] = {"import": _import_job, "export": _export_job}


def main(argv: list[str]) -> None:
    import duckdb  # noqa: F401  (the libraries any app process holds, loaded before the baseline)
    import pandas  # noqa: F401  (as above)
    import pyarrow  # noqa: F401  (as above)
    import python_calamine  # noqa: F401  (as above)

    run = JOBS[argv[0]](*argv[1:])
    base = _rss_mb()
    _reset_peak()
    run()
    peak = max(_peak_mb(), base)
    print(json.dumps({"job": argv[0], "base_mb": round(base, 1), "peak_mb": round(peak, 1),
                      "added_mb": round(peak - base, 1)}))


def measure(job: str, *args: str) -> dict[str, float]:
    """Run a job of JOBS in a new interpreter; returns its base_mb, peak_mb and added_mb."""
    root = Path(__file__).resolve().parents[2]   # the project root, so the fresh process finds the package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "esm_maturity.bench.memprobe", job, *args], capture_output=True,
                          text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"memory probe {job!r} failed: {done.stderr.strip()[-800:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main(sys.argv[1:])
