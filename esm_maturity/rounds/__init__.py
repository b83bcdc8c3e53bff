"""Rating rounds: several people rate their department's maturity for a quarter, then the department
agrees one score per dimension.

The individual ratings are evidence; the agreed score stays the one record (the `scores` table) that
trends, gaps, priorities and exports use, with where it came from (`method`, `round_id`, `n_valid`,
`agreement`, `rationale`). A round is named or anonymous (locked once the first answer exists) and moves
from draft to open, closed and agreed. Anonymity is enforced here, never only on screen: results.py is
the only way to read a round's answers, and it suppresses every figure below the round's threshold k.

records.py: the vocabulary; stats.py: median, range and agreement bands; tokens.py: invitation tokens
(only their hashes are stored); commands.py: every change; results.py: what may be read, by whom.
"""
