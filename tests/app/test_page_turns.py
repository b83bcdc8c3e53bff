"""However many sessions open a page at once, at most router.PAGE_RUNS page scripts run together; the
others wait their turn and then run, and a page that stops or fails gives its turn back."""

from __future__ import annotations

import threading
import time

import pytest

from esm_maturity.ui import router


def test_at_most_page_runs_run_together_and_every_one_runs():
    running, most, done = [0], [0], []
    lock = threading.Lock()

    def page(i: int) -> None:
        with router.page_turn():
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.02)
            with lock:
                running[0] -= 1
                done.append(i)

    sessions = [threading.Thread(target=page, args=(i,)) for i in range(router.PAGE_RUNS * 3)]
    for s in sessions:
        s.start()
    for s in sessions:
        s.join()
    assert most[0] == router.PAGE_RUNS and sorted(done) == list(range(router.PAGE_RUNS * 3))


def test_a_page_that_raises_gives_its_turn_back():
    for _ in range(router.PAGE_RUNS + 2):
        with pytest.raises(RuntimeError):
            with router.page_turn():
                raise RuntimeError("st.stop, a rerun, or a bug")
    got = threading.Event()

    def page():
        with router.page_turn():
            got.set()

    t = threading.Thread(target=page)
    t.start()
    t.join(2)
    assert got.is_set()
