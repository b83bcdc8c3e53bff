"""Altair charts built from aggregated rows, and their offline PNG/SVG export.

- figures.py: the one chart theme (type, colours; Altair's active theme at page size) and meeting
  mode's larger type; one function per chart; PNG and SVG through vl-convert, titled for a slide.
- describe.py: each chart's text alternative, a sentence stating its figures, from the same rows.

Imports no database and no streamlit. This package re-exports nothing.
"""
