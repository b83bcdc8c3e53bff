"""Value streams: how work flows across departments, and which department holds a stream back.

A value stream (ITIL 4 CDS ch. 4) is a series of steps from a trigger to an outcome; each step is owned by
exactly one department (optional supporting departments never count in the roll-up). A stream is a lens,
not a new org unit: its maturity per dimension and quarter is derived from the agreed scores of the
departments owning the steps valid that quarter, never scored or stored. Steps are versioned by quarter
(valid_from .. valid_to), so a past quarter keeps the steps, positions and owners it had.

records.py   the vocabulary and the records read back (Stream, Step, StreamInput, StepInput, FlowInput...)
commands.py  every change to a stream and its steps (versioned, audited, permissions checked)
templates.py the streams to start from (step names and outputs; the caller assigns departments)
queries.py   streams, their steps in a quarter, the swim-lane, warnings, a department's streams
rollup.py    stream maturity per dimension and quarter, the levers, the portfolio
flow.py      flow records and hand-off quality (commands and reads), flow efficiency, rolled %C&A
links.py     the improvements that would lift a stream (its lever pairs' open items, the items naming it),
             and the agreed score of each step's owner
portfolio_reads.py  the portfolio's matrix and shared constraints as flat rows, open items per pair, the
             hand-off quality a department's partners gave it

May import: db, models, limits, access, clock, and backlog.fields (the backlog's vocabulary: which statuses
are open). Never ui, demo, bench, workbook; the backlog never imports streams (it checks links in SQL).
"""
