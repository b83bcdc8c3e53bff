"""The benchmark runner: targets relative to a floor measured in the same run, memory measured by a probe."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from esm_maturity.bench import org as org_module
from esm_maturity.bench import runner as bench
from esm_maturity.bench.runner import Benchmark


def _stub_org(workdir, quarters=24):
    closed = []
    return SimpleNamespace(db=SimpleNamespace(close=lambda: closed.append(True)), counts={"departments": 3},
                           workdir=workdir)


class _Clock:
    """The benchmark's clock, advanced by the stub benchmarks themselves: timings exact on a busy machine."""

    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


CLOCK = _Clock()


def _sleep(seconds):
    def run(org):
        CLOCK.now += seconds
    return run


@pytest.fixture(autouse=True)
def exact_clock(monkeypatch):
    monkeypatch.setattr(org_module, "time", SimpleNamespace(perf_counter=CLOCK.perf_counter))


def test_targets_follow_the_floor_and_resident_memory_counts(monkeypatch):
    monkeypatch.setattr(bench, "build_large_org", _stub_org)
    probe = {"added_mb": 120.0, "peak_mb": 270.0}
    monkeypatch.setattr(bench, "BENCHMARKS", [
        Benchmark("floor", _sleep(0.02), 60, repeat=1),
        Benchmark("within", _sleep(0.03), target_seconds=0.001, repeat=1, floor="floor",
                  target_peak_mb=300, peak=lambda org: probe),
        Benchmark("too slow", _sleep(0.06), target_seconds=60, repeat=1, floor="floor"),
        Benchmark("too big", _sleep(0.0), target_seconds=60, repeat=1, target_peak_mb=100,
                  peak=lambda org: {"added_mb": 150.0, "peak_mb": 300.0}),
    ])
    lines: list[str] = []
    assert bench.run_benchmarks(out=lines.append) is False
    rows = {line.split("  ")[0].strip(): line for line in lines[2:]}
    assert rows["within"].split()[-1].endswith("MiB)") and " ok " in rows["within"]
    assert "x the floor; memory: +120 MiB resident, whole process 270 MiB" in rows["within"]
    assert "MISSED" in rows["too slow"]          # 3x a floor it is measured beside, whatever its fixed target
    assert "MISSED" in rows["too big"] and "+150 MiB resident" in rows["too big"]


def test_a_subset_runs_by_name_and_passes(monkeypatch):
    monkeypatch.setattr(bench, "build_large_org", _stub_org)
    monkeypatch.setattr(bench, "BENCHMARKS", [Benchmark("quick one", _sleep(0), 1, repeat=1),
                                              Benchmark("never run", lambda org: 1 / 0, 1, repeat=1)])
    lines: list[str] = []
    assert bench.run_benchmarks(["quick"], out=lines.append) is True
    assert any(line.startswith("quick one") for line in lines) and not any("never run" in line for line in lines)
