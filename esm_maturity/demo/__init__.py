"""The demo organisation: a deterministic, plausible organisation built around a given day.

- organisation.py: `load_demo`, the departments and their scores; context.py: what every seeder is given.
- backlog.py, checkins.py: the demo's improvements and its year of check-ins with actions.
- rounds.py, streams.py: after those, through the domain's commands: rating rounds; four value streams
  with two years of flow, a few improvements and check-ins linked to them.

Outside the domain: may import any domain module; nothing in the domain imports it.
This package re-exports nothing.
"""
