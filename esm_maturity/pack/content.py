"""What a meeting pack holds: one quarter, within the Trends page's filters, names hidden or not.

Everything is read through the existing queries (trends.queries, trends.flow, trends.headline,
checkins.cadence), which aggregate in the database: the pack sees at most departments x dimensions
rows. Department names are shortened for the slides (`labels`); the full names go in the notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from .. import clock
from ..checkins import cadence
from ..db import Database
from ..models import EsmError, Quarter, ValidationError
from ..organisation import organisation_name
from ..trends import flow
from ..trends import headline as hl
from ..trends import queries as trends
from . import streams as value_streams
from . import words

NAME_LIMIT = 30          # characters of a department name on a slide, a chart axis or the summary
QUIET_DAYS = cadence.DEFAULT_QUIET_DAYS


@dataclass(frozen=True)
class Pack:
    organisation: str
    quarter: Quarter
    quarter_note: str                 # why this quarter ("the current quarter", ...); "" when asked for
    made_on: dt.date
    filters: trends.Filters
    hidden: bool
    departments: int                  # active departments within the filters
    full: dict[str, str]              # department_id -> full name (the alias when names are hidden), in scope
    labels: dict[str, str]            # department_id -> its label on slides (shortened, unique)
    headline: hl.Headline
    sentences: list[str]
    heatmap: pd.DataFrame
    organisation_gaps: pd.DataFrame
    movers_quarter: pd.DataFrame
    movers_year: pd.DataFrame
    backlog: bool                     # the backlog has items (the flow charts have something to show)
    opened_closed: pd.DataFrame | None
    work_in_progress: pd.DataFrame | None
    not_submitted: list[tuple[str, str]] = field(default_factory=list)   # (department_id, status)
    quiet: list[tuple[str, str]] = field(default_factory=list)           # (department_id, "last check-in ...")
    streams: list[value_streams.StreamCard] = field(default_factory=list)  # one slide each (pack/streams.py)

    @property
    def agreed_in_rounds(self) -> list[str]:
        """"Department · dimension n=5 · aligned" for each score of the quarter agreed in a rating round:
        the badge, never the answers (the heatmap's rows carry it)."""
        if "agreed" not in self.heatmap:
            return []
        rows = self.heatmap[self.heatmap["agreed"].fillna("") != ""]
        return [f"{self.label(r.department_id)} · {words.plain(r.dimension)} {r.agreed}" for r in rows.itertuples()]

    def label(self, department_id: str) -> str:
        return self.labels.get(department_id, words.short(department_id, NAME_LIMIT))

    def shortened(self) -> list[tuple[str, str]]:
        """(label, full name) of every department whose label is not its full name (for the notes)."""
        return [(self.labels[d], words.plain(name)) for d, name in self.full.items()
                if self.labels[d] != words.plain(name)]

    @property
    def scope(self) -> str:
        """Which departments the pack covers, in words (no names when they are hidden)."""
        if not self.filters.departments:
            every = f"All {self.departments} active departments"
        elif self.hidden or len(self.full) > 5:
            every = f"{self.departments} chosen departments"
        else:
            every = "Departments: " + ", ".join(self.labels[d] for d in self.full)
        return every + (" (names hidden)" if self.hidden else "")


def choose_quarter(db: Database, asked: Quarter | None = None) -> tuple[Quarter, str]:
    """The quarter asked for; else the current one, or the newest with submitted assessments when the
    current has none yet. Returns (quarter, why it was chosen)."""
    if asked is not None:
        return asked, ""
    current = Quarter.of(clock.today())
    submitted = trends.submitted_quarters(db)
    if current in submitted:
        return current, "the current quarter"
    if not submitted:
        raise EsmError("there are no submitted self-assessments yet: a meeting pack needs at least one quarter")
    return submitted[-1], f"the newest quarter with submitted self-assessments; {current} has none yet"


def filters_for(db: Database, quarter: Quarter, departments: list[str] | tuple[str, ...] = (),
                span: int = 8) -> trends.Filters:
    """The command line's filters: `span` quarters up to `quarter` (from the first submitted one), the
    departments given (keys of active departments; unknown keys are refused)."""
    active = trends.department_names(db)
    unknown = [d for d in departments if d not in active]
    if unknown:
        raise ValidationError("no active department " + ", ".join(repr(d) for d in unknown)
                              + "; use department keys such as " + ", ".join(list(active)[:3]), "departments")
    submitted = trends.submitted_quarters(db)
    first = quarter.shift(-(span - 1))
    if submitted and submitted[0] <= quarter:
        first = max(first, submitted[0])
    return trends.Filters(first, quarter, tuple(dict.fromkeys(departments)))


def build(db: Database, quarter: Quarter, f: trends.Filters, hidden: bool, quarter_note: str = "") -> Pack:
    """Read everything the deck and the summary show."""
    names = trends.department_names(db)
    aliases = trends.department_aliases(list(names))
    in_scope = [d for d in names if not f.departments or d in f.departments]
    full = {d: aliases[d] if hidden else names[d] for d in in_scope}
    labels = words.labels(full, NAME_LIMIT)
    headline = hl.headline(db, quarter, f)
    today = clock.today()

    def shown(frame: pd.DataFrame) -> pd.DataFrame:
        """Department names as their labels (aliases when hidden: keys and evidence go too)."""
        if hidden:
            return trends.hide_names(frame, aliases)
        return frame.assign(department=frame["department_id"].map(labels).fillna(frame["department"]))

    backlog = flow.backlog_ready(db)
    not_submitted = cadence.not_submitted(db, quarter)
    quiet = cadence.quiet_departments(db, today, QUIET_DAYS)
    return Pack(
        organisation=organisation_name(db), quarter=quarter, quarter_note=quarter_note, made_on=today, filters=f,
        hidden=hidden, departments=headline.submissions.departments, full=full, labels=labels, headline=headline,
        sentences=hl.sentences(headline, lambda d, name: labels.get(d, words.short(name, NAME_LIMIT))),
        heatmap=shown(trends.heatmap(db, quarter, f)),
        organisation_gaps=trends.organisation_gaps(db, quarter, f),
        movers_quarter=shown(trends.movers(db, quarter, quarter.previous(), f)),
        movers_year=shown(trends.movers(db, quarter, quarter.year_ago(), f)),
        backlog=backlog,
        opened_closed=flow.opened_closed(db, f) if backlog else None,
        work_in_progress=flow.work_in_progress(db, f) if backlog else None,
        not_submitted=[(r.department_id, r.status) for r in not_submitted.itertuples() if r.department_id in full],
        quiet=[(r.department_id, f"last check-in {r.last_checkin}, {r.days_since} days ago" if r.last_checkin
                else "no check-in yet") for r in quiet.itertuples() if r.department_id in full],
        streams=_stream_cards(db, quarter, f, hidden, names, aliases),
    )


def _stream_cards(db: Database, quarter: Quarter, f: trends.Filters, hidden: bool, names: dict[str, str],
                  aliases: dict[str, str]) -> list[value_streams.StreamCard]:
    """The value-stream slides: every active department named (a stream crosses the filter), aliases when
    names are hidden."""
    every = {d: aliases[d] if hidden else names[d] for d in names}
    return value_streams.cards(db, quarter, words.labels(every, NAME_LIMIT), {d: words.plain(n) for d, n in
                                                                            every.items()}, f.departments, hidden)


__all__ = ["Pack", "build", "choose_quarter", "filters_for", "NAME_LIMIT", "QUIET_DAYS"]
