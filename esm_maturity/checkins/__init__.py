"""Check-ins: meeting records, their actions, and the cadence that shows who has gone quiet.

- records.py: the record types, the vocabulary (kinds, action statuses, carry-over decisions) and
  validation of what a form holds.
- commands.py: record and edit check-ins, decide on actions, promote an action to the backlog.
- queries.py: listings, search, the carry-over a new check-in starts from.
- cadence.py: departments gone quiet, overdue actions, missing self-assessments.
- timeline.py: one department's check-ins, submitted assessments and closed improvements.
- screen.py: what the check-in screens read and show: widget keys, the inputs built from their
  values, the words for a department, a recording and the timeline (no Streamlit).

May import the domain core and backlog (an action can become a backlog item); never ui, demo,
bench or workbook. This package re-exports nothing.
"""
