"""The import's per-sheet rules: each checks its sheet's rows against the domain's rules and sorts
them into Changes (plan.py), one module per part of the workbook.

The rules run in the order of STEPS (departments before scores, check-ins before actions) and
share lookups through ctx.state, so a row may refer to a key that exists only in the workbook.
Each step says when the writer thread may write its tables (Write). The reader parses the sheets
in the same order (reader.READ_ORDER).

May import the domain, and plan, parsed and contract; never the importer or the writer thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Callable

from .. import contract as c
from ..parsed import ParsedWorkbook
from ..plan import Change, Context
from .assessments import assessments, scores
from .backlog import backlog, stream_links
from .checkins import ACTION_SQL, CHECKIN_SQL, actions, checkins
from .departments import departments, organisation
from .model import dimensions, levels
from .people import people
from .stream_flow import FLOW_SQL, HANDOFF_SQL, stream_flow, stream_handoffs
from .streams import STEP_SQL, STREAM_SQL, stream_steps, value_streams


class Write(Enum):
    """When the writer thread may write the tables a step sorted into Changes (table_writer.TableWriter)."""

    # With the others, once every table is final (from the FINAL_FROM_HERE step on).
    WHEN_ALL_FINAL = "when all final"
    # Final when the step ends, and no later step reads them back: queued once the next step has read
    # its stored rows, so that read does not wait behind the write.
    AFTER_NEXT_READ = "after the next read"
    # Final when the step ends, and the next step reads its sheet before the database: the rows are
    # queued at once, their audit rows in their turn (the audit log keeps the tables' order).
    ROWS_AT_ONCE = "rows at once"
    # No later step changes a table: once this step has run every table is final and is written, and
    # what the later steps read (Step.read_ahead) is read before the first write.
    FINAL_FROM_HERE = "final from here"


@dataclass(frozen=True)
class Step:
    """One sheet rule, in the order the rules run, and when its tables may be written."""

    rule: Callable[[Context, ParsedWorkbook], None]
    write: Write = Write.WHEN_ALL_FINAL
    # (sheet, SQL) of the stored rows the rule reads, for a step after FINAL_FROM_HERE: read before the
    # first write (the tables written meanwhile are others)
    read_ahead: tuple[str, str] | None = None


# The Backlog needs only departments and dimensions, and its sheet parses faster than Scores, so it comes first.
STEPS = (
    Step(departments, Write.AFTER_NEXT_READ),
    Step(people, Write.AFTER_NEXT_READ),     # needs the departments; no later step reads people
    Step(dimensions, Write.AFTER_NEXT_READ),
    Step(levels, Write.AFTER_NEXT_READ),
    Step(assessments),                       # Scores adds the draft assessments its rows need
    Step(backlog, Write.ROWS_AT_ONCE),       # Scores reads its sheet before the database
    Step(scores, Write.FINAL_FROM_HERE),
    Step(checkins, read_ahead=(c.CHECKINS.name, CHECKIN_SQL)),
    Step(actions, read_ahead=(c.ACTIONS.name, ACTION_SQL)),
    # value streams: the streams before their steps, the steps before the hand-offs that name them
    Step(value_streams, read_ahead=(c.VALUE_STREAMS.name, STREAM_SQL)),
    Step(stream_steps, read_ahead=(c.STREAM_STEPS.name, STEP_SQL)),
    Step(stream_flow, read_ahead=(c.STREAM_FLOW.name, FLOW_SQL)),
    Step(stream_handoffs, read_ahead=(c.HANDOFF_QUALITY.name, HANDOFF_SQL)),
    Step(organisation),                      # About's organisation name: one row, read when its turn comes
    Step(stream_links),                      # the value streams Backlog and Check-ins rows name: after every sheet
)

# The order tables are reported and written in, whatever the order they were validated in.
TABLE_ORDER = ("departments", "dimensions", "model_info", "levels", "rubric", "assessments", "scores", "backlog_items",
               "backlog_status_history", "checkins", "actions", "people",
               "value_streams", "stream_steps", "stream_flow", "stream_handoffs", "organisation_settings")


def table_rank(change: Change) -> int:
    return TABLE_ORDER.index(change.table)
