"""Every page's script rerun through app.py, timed with Streamlit's AppTest in processes of their own.

`python -m esm_maturity.bench.rerun DB_FILE` answers one request a line on stdin, each answer a line on
stdout that starts with "@@ ": first, unasked, the page registry as JSON; then `open PAGE` (a new AppTest
session: run app.py, switch to the page's file, run it once, the warm-up), `rerun` (time one more run of
the open page: the seconds), `check` (the page raised nothing and shows a title). An error answers
"@@ error ...".

`measure` drives one such process over the demo organisation and one over the large one in lock-step, a
rerun of each in turn, so both timings of a pair see the same machine: the ratio holds while other work
comes and goes. Processes of their own: DuckDB lets one process hold a file, the app keeps its database
and caches per process, and the bench's own process never loads Streamlit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ANSWER = "@@ "


def _serve(db_file: str) -> None:
    os.environ["ESM_DB_PATH"] = db_file
    # deferred: this child process is the only place the bench loads Streamlit and the page registry
    from streamlit.testing.v1 import AppTest
    from ..ui.registry import PAGES

    def answer(text: str) -> None:
        print(ANSWER + text, flush=True)

    answer(json.dumps([{"path": p.path, "title": p.title, "url_path": p.url_path} for p in PAGES]))
    at = None
    for request in sys.stdin:
        verb, _, page = request.strip().partition(" ")
        try:
            if verb == "open":
                at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
                at.run()
                at.switch_page(page)
                at.run()
                answer("ok")
            elif verb == "rerun":
                start = time.perf_counter()
                at.run()
                answer(repr(time.perf_counter() - start))
            elif verb == "check":
                problem = (f"raised {at.exception[0].message}" if at.exception else
                           "" if at.title else "shows no title: the page did not run")
                answer(f"error {problem}" if problem else "ok")
            else:
                answer(f"error unknown request {verb!r}")
        except Exception as err:   # the parent reports it; this process keeps answering
            answer(f"error {type(err).__name__}: {err}"[:1000])


class _Child:
    """The parent's end of one serving process."""

    def __init__(self, db_file: Path, log: Path):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
        self.name, self._log = db_file.name, open(log, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "esm_maturity.bench.rerun", str(db_file)], cwd=ROOT,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                        text=True, bufsize=1)
        self.pages = json.loads(self._answer())

    def _answer(self) -> str:
        for line in self.process.stdout:
            if line.startswith(ANSWER):
                text = line[len(ANSWER):].rstrip("\n")
                if text.startswith("error"):
                    raise RuntimeError(f"page reruns on {self.name}: {text[6:]}")
                return text
        self._log.flush()
        raise RuntimeError(f"page reruns on {self.name} stopped: {Path(self._log.name).read_text()[-1500:]}")

    def ask(self, request: str) -> str:
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def _wanted(page: dict, names: list[str]) -> bool:
    return not names or any(n in {page["path"], page["url_path"], Path(page["path"]).stem} for n in names)


def measure(db_files: dict[str, Path], reruns: int, names: list[str], logs: Path) -> dict:
    """{"pages": the registry, "seconds": {org: {page path: [seconds of each rerun]}}} for each org of
    `db_files` (name -> a database file no other process holds), the orgs taking turns at every rerun."""
    children = {}
    try:
        for org, db_file in db_files.items():
            children[org] = _Child(db_file, logs / f"reruns-{org}.log")
        pages = next(iter(children.values())).pages
        seconds: dict[str, dict[str, list[float]]] = {org: {} for org in children}
        for page in (p for p in pages if _wanted(p, names)):
            turns = list(children.items())
            for org, child in turns:
                child.ask(f"open {page['path']}")
                seconds[org][page["path"]] = []
            for turn in range(reruns):
                for org, child in (turns if turn % 2 == 0 else reversed(turns)):
                    seconds[org][page["path"]].append(float(child.ask("rerun")))
            for org, child in turns:
                child.ask("check")
        return {"pages": pages, "seconds": seconds}
    finally:
        for child in children.values():
            child.close()


if __name__ == "__main__":
    _serve(sys.argv[1])
