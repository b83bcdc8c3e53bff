"""The layers of the house as failing checks: import-linter's contracts (.importlinter), no import
circles, and imports inside functions only where they are deferred on purpose (with the reason)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "esm_maturity"


def test_the_import_contracts_hold():
    """`lint-imports` in a fresh process (it configures itself once per process)."""
    done = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
                           "--no-cache", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout and "KEPT" in done.stdout


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("esm_maturity", cache_dir=None)


def _siblings(graph, package: str) -> list[str]:
    return sorted(graph.find_children(package))


def test_no_import_circles_between_siblings(graph):
    """Within each package, no two modules or sub-packages import each other (directly or not)."""
    circles = []
    packages = ["esm_maturity", *sorted(m for m in graph.modules if graph.find_children(m) and m != "esm_maturity")]
    for package in packages:
        children = _siblings(graph, package)
        for i, a in enumerate(children):
            for b in children[i + 1:]:
                if graph.chain_exists(a, b, as_packages=True) and graph.chain_exists(b, a, as_packages=True):
                    circles.append(f"{a} <-> {b}")
    assert not circles, circles


def test_imports_inside_functions_say_why():
    """An import inside a function is a deliberate deferral: its line or the line above says why."""
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").split("\n")
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, (ast.Import, ast.ImportFrom)) and not _explained(lines, inner.lineno - 1):
                    unexplained.append(f"{path.relative_to(ROOT)}:{inner.lineno}: {lines[inner.lineno - 1].strip()}")
    assert not unexplained, unexplained


def _explained(lines: list[str], index: int) -> bool:
    """The import on line `index`, or one of the run of imports it stands in, carries a comment, or a
    comment line stands right above that run."""
    start = index
    while start > 0 and lines[start - 1].strip().startswith(("import ", "from ")):
        start -= 1
    end = index
    while end + 1 < len(lines) and lines[end + 1].strip().startswith(("import ", "from ")):
        end += 1
    return any("#" in line for line in lines[start:end + 1]) or lines[start - 1].strip().startswith("#")


def test_nothing_imports_the_pages():
    offenders = [str(p.relative_to(ROOT)) for p in [*PACKAGE.rglob("*.py"), ROOT / "app.py"]
                 if "import pages" in p.read_text(encoding="utf-8") or "from pages" in p.read_text(encoding="utf-8")]
    assert not offenders, offenders
