"""Altair charts built from aggregated rows, and their offline PNG/SVG export.

- figures.py: one function per chart; meeting-mode styling; PNG and SVG through vl-convert.

Imports no database and no streamlit. This package re-exports nothing.
"""
