"""The meeting pack: a quarter for the sponsors' meeting as a slide deck (.pptx) and a one-page summary (.pdf).

- content.py: what goes in, read through the trend, flow, headline and cadence queries (aggregated rows
  only), with the Trends page's filters and hidden names; which quarter when none is asked for.
- streams.py: a slide per active value stream, in words: its maturity per dimension with the constraint,
  its flow figures and its biggest levers (read through esm_maturity.streams).
- images.py: a chart as a PNG that carries its title, the quarter and the organisation's name.
- words.py: user text made safe for a slide or a PDF line (plain text, shortened with an ellipsis).
- layout.py: text measured against its box before it goes on a slide (nothing overflows).
- deck.py: the slides (python-pptx), 16:9, each figure's method in its notes.
- summary.py: the one-page PDF (fpdf2) in the DejaVu Sans shipped in fonts/ (with its licence).
- files.py: which of the two a file name asks for (.pptx or .pdf), and making it.

May import the domain (trends, checkins, streams, backlog, charts, organisation, clock); never ui,
workbook, demo or bench. Nothing in the domain imports it. This package re-exports nothing.
"""
