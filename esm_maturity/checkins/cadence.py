"""Cadence: which departments have gone quiet, which actions are overdue, and who has not
submitted this quarter's self-assessment. Shown on the check-ins page and the overview."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from .. import clock
from .queries import ACROSS, as_dates
from ..db import Database
from ..models import Quarter, ValidationError

DEFAULT_QUIET_DAYS = 45


@dataclass(frozen=True)
class Cadence:
    today: dt.date
    quiet_days: int
    quarter: Quarter
    quiet: pd.DataFrame          # active departments with no check-in in the last quiet_days days
    overdue: pd.DataFrame        # open actions past their due date
    not_submitted: pd.DataFrame  # active departments without a submitted assessment this quarter


def check_quiet_days(days: object) -> int:
    try:
        number = int(days)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValidationError(f"{days!r} is not a number of days", "days") from None
    if isinstance(days, bool) or not 1 <= number <= 730:
        raise ValidationError(f"{days} days is out of range; use 1 to 730", "days")
    return number


def quiet_departments(db: Database, today: dt.date, quiet_days: int = DEFAULT_QUIET_DAYS) -> pd.DataFrame:
    """Active departments whose latest check-in is more than quiet_days ago (or that never met), longest first."""
    cutoff = today - dt.timedelta(days=check_quiet_days(quiet_days))
    return as_dates(db.frame(
        "SELECT d.department_id, d.name AS department, d.champion, max(c.held_on) AS last_checkin, "
        "$1 - max(c.held_on) AS days_since, max(c.next_on) AS next_planned "
        "FROM departments d LEFT JOIN checkins c ON c.department_id = d.department_id AND c.held_on <= $1 "
        "WHERE d.active GROUP BY d.department_id, d.name, d.champion "
        "HAVING max(c.held_on) IS NULL OR max(c.held_on) < $2 "
        "ORDER BY max(c.held_on) NULLS FIRST, d.name", [today, cutoff]), "last_checkin", "next_planned")


def overdue_actions(db: Database, today: dt.date, department_id: str | None = None) -> pd.DataFrame:
    """Open actions due before today, most overdue first."""
    return as_dates(db.frame(
        "SELECT a.action_id, a.text, a.owner, a.due_on, $1 - a.due_on AS days_overdue, "
        "coalesce(d.name, $3) AS department, c.department_id, c.checkin_id, c.held_on, a.item_id, a.version "
        "FROM actions a JOIN checkins c ON c.checkin_id = a.checkin_id "
        "LEFT JOIN departments d ON d.department_id = c.department_id "
        "WHERE a.status = 'open' AND a.due_on < $1 AND (CAST($2 AS TEXT) IS NULL OR c.department_id = $2) "
        "ORDER BY a.due_on, a.action_id", [today, department_id, ACROSS]), "due_on", "held_on")


def not_submitted(db: Database, quarter: Quarter) -> pd.DataFrame:
    """Active departments whose self-assessment for `quarter` is not submitted (draft or not started)."""
    return db.frame(
        "SELECT d.department_id, d.name AS department, d.champion, coalesce(a.status, 'not started') AS status "
        "FROM departments d LEFT JOIN assessments a ON a.department_id = d.department_id AND a.quarter = $1 "
        "WHERE d.active AND coalesce(a.status, '') <> 'submitted' ORDER BY d.name", [str(quarter)])


def cadence(db: Database, today: dt.date | None = None, quiet_days: int = DEFAULT_QUIET_DAYS) -> Cadence:
    today = today or clock.today()
    quarter = Quarter.of(today)
    return Cadence(today, check_quiet_days(quiet_days), quarter, quiet_departments(db, today, quiet_days),
                   overdue_actions(db, today), not_submitted(db, quarter))


def report_lines(view: Cadence) -> list[str]:
    """The cadence as plain text lines (the `cadence` command)."""
    lines = [f"Cadence on {view.today} (quiet after {view.quiet_days} days)",
             f"Departments gone quiet: {len(view.quiet)}"]
    lines += [f"  {r.department} ({r.department_id}): " + (f"last check-in {r.last_checkin}, {r.days_since} days ago"
                                                           if r.last_checkin else "no check-in yet")
              for r in view.quiet.itertuples()]
    lines.append(f"Overdue actions: {len(view.overdue)}")
    lines += [f"  {r.action_id} {r.department}: {r.text} (owner {r.owner or 'none'}, due {r.due_on}, "
              f"{r.days_overdue} days overdue)" for r in view.overdue.itertuples()]
    lines.append(f"Self-assessment not submitted for {view.quarter}: {len(view.not_submitted)}")
    lines += [f"  {r.department} ({r.department_id}): {r.status}" for r in view.not_submitted.itertuples()]
    return lines
