"""ESM maturity and continual-improvement tracker."""

__version__ = "0.1.0"
