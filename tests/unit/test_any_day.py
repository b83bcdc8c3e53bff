"""Time is an input: the clock, and the date-sensitive rules on awkward days.

Each test with `any_day` runs on a quarter's first and last day, 31 December, 29 February and
the real today, against a demo organisation built around that day.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import pytest

from esm_maturity import clock, overview
from esm_maturity.checkins import cadence
from esm_maturity.backlog.commands import add_item, change_status, get_item
from esm_maturity.checkins.commands import record_checkin
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.checkins.queries import carry_over
from esm_maturity.db import Database
from esm_maturity.models import Quarter
from tests.conftest import CHAMPION, ROOT, TODAY


def test_the_tests_run_on_a_pinned_day():
    assert clock.today() == TODAY and Quarter.current() == Quarter.of(TODAY)
    assert clock.now().date() == TODAY


def test_frozen_runs_forward_and_comes_back():
    with clock.frozen("2028-02-29") as day:
        first = clock.now()
        second = clock.now()
        assert day == dt.date(2028, 2, 29) == clock.today() and second >= first
        assert Quarter.current() == Quarter(2028, 1)
    assert clock.today() == TODAY


def test_the_environment_pins_a_whole_process():
    code = "from esm_maturity import clock; print(clock.today(), clock.now().date())"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={**os.environ, clock.ENV: "2027-03-31"}).stdout.split()
    assert out == ["2027-03-31", "2027-03-31"]
    bad = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={**os.environ, clock.ENV: "31/03/2027"})
    assert bad.returncode != 0 and "YYYY-MM-DD" in bad.stderr


def test_the_demo_is_built_around_its_day(any_day):
    day, quarter = any_day.day, any_day.quarter
    with Database(any_day.demo_path()) as db:
        quarters = [r[0] for r in db.rows("SELECT DISTINCT quarter FROM assessments ORDER BY 1")]
        assert quarters[-1] == str(quarter) and quarters[0] == str(quarter.shift(-7))
        latest = {
            "check-in held": db.scalar("SELECT max(held_on) FROM checkins"),
            "action closed": db.scalar("SELECT max(closed_on) FROM actions"),
            "item raised": db.scalar("SELECT max(raised_on) FROM backlog_items"),
            "item closed": db.scalar("SELECT max(closed_on) FROM backlog_items"),
            "assessment submitted": db.scalar("SELECT max(submitted_on) FROM assessments"),
        }
        assert all(value is None or value <= day for value in latest.values()), latest
        assert db.scalar("SELECT count(*) FROM checkins") > 20


def test_cadence_and_overview_on_any_day(any_day):
    day, quarter = any_day.day, any_day.quarter
    with Database(any_day.demo_path()) as db:
        view = cadence.cadence(db)
        assert view.today == day and view.quarter == quarter
        assert all(due < day for due in view.overdue["due_on"])
        missing = set(view.not_submitted["department_id"])
        submitted = {r[0] for r in db.rows("SELECT department_id FROM assessments WHERE quarter = $1 AND "
                                           "status = 'submitted'", [str(quarter)])}
        assert not missing & submitted
        assert len(overview.completion(db, Quarter.current())) == 10


def test_backlog_dates_come_from_the_clock(any_day):
    day = any_day.day
    with Database(any_day.demo_path()) as db:
        item_id = add_item(db, CHAMPION, title="Any day", department_id="HR", dimension_id="knowledge", owner="Sam")
        assert get_item(db, item_id)["raised_on"] == day
        change_status(db, CHAMPION, item_id, "rejected", get_item(db, item_id)["version"])
        assert get_item(db, item_id)["closed_on"] == day
        stamp = db.scalar("SELECT max(occurred_at) FROM audit_log")
        assert stamp.date() == day


def test_a_checkin_on_any_day(any_day):
    day = any_day.day
    with Database(any_day.demo_path()) as db:
        open_before = len(carry_over(db, "HR", day).actions)
        later = day + dt.timedelta(days=30)
        done = record_checkin(db, CHAMPION, CheckinInput(held_on=day, department_id="HR", next_on=later),
                              [ActionInput("Book the review", "Sam", day + dt.timedelta(days=1))])
        assert db.one("SELECT held_on, next_on FROM checkins WHERE checkin_id = $1", [done.checkin_id]) == (
            day, later)
        assert len(carry_over(db, "HR", day + dt.timedelta(days=1)).actions) == open_before + 1
        assert "HR" not in set(cadence.cadence(db).quiet["department_id"])


@pytest.mark.parametrize("day", ["2027-01-01", "2026-12-31", "2028-02-29"])
def test_quarter_of_the_awkward_days(day):
    with clock.frozen(day):
        q = Quarter.current()
        assert q.start <= clock.today() <= q.end
        assert q.previous().end == q.start - dt.timedelta(days=1)


def test_nothing_reads_the_date_but_the_clock():
    """The package and the pages ask clock.py for today and now; nothing else asks the system or SQL."""
    inline = re.compile(r"date\.today\(|datetime\.now\(|datetime\.utcnow\(|time\.time\(\)|current_date|"
                        r"current_timestamp|\bnow\(\)|localtimestamp|get_current_time", re.IGNORECASE)
    offenders = []
    for path in [*(ROOT / "esm_maturity").rglob("*.py"), *(ROOT / "esm_maturity").rglob("*.sql"),
                 *(ROOT / "pages").glob("*.py"), ROOT / "app.py"]:
        if path.name == "clock.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            code = line.split("#")[0] if path.suffix == ".py" else line.split("--")[0]
            if inline.search(code) and "clock.now()" not in code:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not offenders, offenders
