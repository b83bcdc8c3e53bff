"""Router: page config and the navigation from the one page registry (esm_maturity/ui/registry.py)."""

from esm_maturity.ui.router import run_app

run_app()
