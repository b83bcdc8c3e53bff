"""The only package code that imports streamlit: cached resources and shared widgets.

text.py (no streamlit) makes user text safe for Markdown and labels: every page shows user text
through its `esc` or `esc_label`.
"""
