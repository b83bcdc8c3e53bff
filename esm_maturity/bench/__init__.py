"""The benchmark (`python -m esm_maturity bench`): a large organisation and the performance targets.

- runner.py: builds the large organisation, runs each benchmark, prints medians against targets.
- trends.py, workbook.py: the trend pages' and the workbook's benchmarks; memprobe.py measures a
  job's resident memory in a fresh process.
- waits.py: what people wait for (`bench pages`), against issue 14's targets (targets.py): page scripts
  through AppTest in a child process (rerun.py), a `streamlit run` server (server.py) driven by tabs that
  speak its websocket protocol (wire.py: bytes; load.py: rooms of sessions, memory), cold start in
  Chromium (browser.py), the import as a whole command (processes.py).

Outside the domain: may import anything but ui and pages; nothing imports it but the command line.
Two exceptions, inside functions only (importing any module here loads no Streamlit): rerun.py imports
AppTest and the page registry in its own child process, wire.py Streamlit's protobufs where a tab connects.
This package re-exports nothing.
"""
