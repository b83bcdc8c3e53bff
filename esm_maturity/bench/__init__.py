"""The benchmark (`python -m esm_maturity bench`): a large organisation and the performance targets.

- runner.py: builds the large organisation, runs each benchmark, prints medians against targets.
- trends.py, workbook.py: the trend pages' and the workbook's benchmarks; memprobe.py measures a
  job's resident memory in a fresh process.

Outside the domain: may import anything but ui and pages; nothing imports it but the command line.
This package re-exports nothing.
"""
