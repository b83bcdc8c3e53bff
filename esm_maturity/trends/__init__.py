"""The trend pages' data: every query aggregates in the database and returns chart-ready rows.

- queries.py: the heatmap, a department's trend, gaps, spread and movers (the shared filters).
- flow.py: improvement flow (opened and closed per quarter, work in progress, age, cycle time).

May import the domain core; never ui, demo, bench or workbook. This package re-exports nothing.
"""
