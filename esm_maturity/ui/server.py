"""`python -m esm_maturity.ui.server run app.py [options]`: Streamlit's command line (`streamlit run app.py
[options]`) in this process, with the first page's work done while the first browser is still loading it.

A plain `streamlit run` does nothing of the app's until a browser connects: the first person then waits
for pandas, Altair and DuckDB to load, the database to open and the landing page's queries to run
(about 0.8 s of a cold start on the large organisation, measured with `python -m esm_maturity bench
pages`). Here a thread waits until the server is up (so it never slows the server's own start), then
loads those libraries, opens the database through the same cached resource the pages use, and fills the
shared cache with the landing page's reads (ui/overview_view.py) and its chart. The first session then
finds them ready or waits for them, never does them twice. Anything the warm-up hits (a database that
will not open, say) is left for the page to report in its own words.

`python -m esm_maturity serve` starts the app this way; so do the browser tests and the benchmark.
"""

from __future__ import annotations

import logging
import sys
import threading
import time

log = logging.getLogger(__name__)


def _server_started(timeout: float = 120) -> bool:
    # deferred: this module runs before Streamlit's command line; the runtime is loaded by then
    from streamlit.runtime import Runtime
    from streamlit.runtime.runtime import RuntimeState

    ready = {RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if Runtime.exists() and Runtime.instance().state in ready:
            return True
        time.sleep(0.02)
    return False


def warm_up() -> None:
    """Load what the first page needs, once the server is up."""
    if not _server_started():
        return
    try:
        # deferred: loading these is the warm-up's work (pandas, Altair, DuckDB), after the server's start
        from . import overview_view
        from .resources import opened

        overview_view.warm(opened())
    except Exception:   # the page reports it when someone opens it
        log.debug("warm-up stopped", exc_info=True)


def main(argv: list[str]) -> int:
    """Start the warm-up, then run Streamlit's command line with `argv` (e.g. run app.py --server.port 8502)."""
    # Streamlit is imported here, before the warm-up thread starts: the thread imports Streamlit's runtime
    # too, and two threads importing the package at once once ran its start-up twice ("DeltaGeneratorSingleton
    # instance already exists!") and the server never came up. The thread waits for the server anyway.
    from streamlit.web import cli  # deferred: `python -m esm_maturity` without `serve` never loads Streamlit
    threading.Thread(target=warm_up, name="esm-warm-up", daemon=True).start()

    sys.argv = ["streamlit", *argv]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
