"""The only package code that imports streamlit: cached resources and shared widgets."""
