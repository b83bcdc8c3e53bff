"""The improvement backlog (the continual improvement register).

- fields.py: the vocabulary (statuses and their flow, efforts, sources), each field's parsing, and the
  item forms' choices and values.
- commands.py: add, edit and move items, with gates, version checks and audit rows.
- queries.py: filtered, prioritised listings, the value/effort chart's rows, an item's history.
- grid.py: quick edits from the page's grid, saved by item key with the version each row showed.

May import the domain core (db, models, limits, clock, maturity); never ui, demo, bench or workbook.
Callers import from the module that holds a name; this package re-exports nothing.
"""
