"""The Activity page's query and export: every filter, the count of matches, refusals, the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from esm_maturity import clock
from esm_maturity.audit import (ACTIVITY_COLUMNS, REFUSED_MARK, ActivityFilters, activity, activity_choices,
                                describe_change, export_csv)
from esm_maturity.backlog.commands import add_item
from esm_maturity.departments import add_department
from esm_maturity.models import PermissionDenied, ValidationError
from tests.conftest import ADMIN, CHAMPION, SPONSOR, TODAY

# After the day the model was loaded (TODAY), so the fixture's entries are the newest.
DAY1, DAY2, DAY3 = (TODAY + dt.timedelta(days=n) for n in (1, 8, 15))


@pytest.fixture
def log(db):
    """A trail over three days: departments by the admin, improvements by a champion, a sponsor refused."""
    with clock.frozen(DAY1):
        add_department(db, ADMIN, "HR", "Human Resources")
        add_department(db, ADMIN, "IT", "IT Services")
    with clock.frozen(DAY2):
        add_item(db, CHAMPION, title="Publish the knowledge articles", department_id="HR")
        add_item(db, CHAMPION, title="Self-service portal", department_id="IT")
    with clock.frozen(DAY3), pytest.raises(PermissionDenied):
        add_item(db, SPONSOR, title="Not allowed", department_id="HR")
    return db


def entries(db, **filters):
    return activity(db, ActivityFilters(**filters))


def test_everything_newest_first_with_a_readable_change(log):
    found = entries(log)
    assert found.total == len(found.rows) == 6   # the model load, two departments, two items, one refusal
    assert list(found.rows.columns) == list(ACTIVITY_COLUMNS)
    assert list(found.rows["occurred_at"]) == sorted(found.rows["occurred_at"], reverse=True)
    newest = found.rows.iloc[0]
    assert newest["actor"] == SPONSOR.name and newest["action"] == REFUSED_MARK
    assert newest["change"].startswith(f"Refused: {SPONSOR.name} is a sponsor and cannot change the improvement "
                                       "backlog")
    added = found.rows[found.rows["record"] == "department HR"].iloc[0]
    assert added["actor"] == ADMIN.name and added["action"] == "add" and added["department"] == "Human Resources"
    assert "name: Human Resources" in added["change"] and "sponsor" not in added["change"]   # blanks left out
    assert found.refused == 1 and "1 of them refused attempts" in found.summary


@pytest.mark.parametrize("filters, records", [
    ({"person": CHAMPION.name}, {"improvement CI-0001", "improvement CI-0002"}),
    ({"person": CHAMPION.name[:-1]}, set()),                        # a person is matched exactly
    ({"entity": "department"}, {"department HR", "department IT"}),
    ({"key": "ci-000"}, {"improvement CI-0001", "improvement CI-0002"}),   # part of a key, any case
    ({"key": "  hr "}, {"department HR"}),
    ({"action": "refused"}, {"improvement new"}),
    ({"department_id": "IT"}, {"department IT", "improvement CI-0002"}),
    ({"since": DAY2, "until": DAY2}, {"improvement CI-0001", "improvement CI-0002"}),   # both ends inclusive
    ({"since": DAY3}, {"improvement new"}),
    ({"until": DAY1, "entity": "department"}, {"department HR", "department IT"}),
    ({"person": CHAMPION.name, "department_id": "HR", "since": DAY1, "until": DAY3}, {"improvement CI-0001"}),
    ({"key": "%"}, set()), ({"key": "_"}, set()), ({"key": "'; DROP TABLE audit_log; --"}, set()),
])
def test_each_filter_narrows(log, filters, records):
    found = entries(log, **filters)
    assert set(found.rows["record"]) == records
    assert found.total == len(records)


def test_blank_filters_mean_any(log):
    assert entries(log, person="", entity=" ", key="", action="", department_id="").total == 6
    assert ActivityFilters(person=" ", key=" x ").params() == [None, None, "x", None, None, None, None]


def test_a_limit_shows_the_newest_and_counts_them_all(log):
    found = activity(log, ActivityFilters(), limit=2)
    assert len(found.rows) == 2 and found.total == 6
    assert found.summary.startswith("Showing 2 of 6 matching entries")
    assert list(found.rows["action"]) == [REFUSED_MARK, "add"] and found.rows["record"].iloc[1] == "improvement CI-0002"


def test_nothing_matches(log):
    found = entries(log, person="nobody@example.org")
    assert found.rows.empty and found.total == 0 and list(found.rows.columns) == list(ACTIVITY_COLUMNS)
    assert export_csv(found.rows).decode("utf-8-sig").splitlines() == [",".join(ACTIVITY_COLUMNS.values())]


def test_from_after_to_is_refused_with_a_reason(log):
    with pytest.raises(ValidationError, match="after the 'to' date"):
        entries(log, since=DAY3, until=DAY1)


def test_choices_come_from_the_trail_with_their_counts(log):
    choices = activity_choices(log)
    assert choices.people == {ADMIN.name: 2, CHAMPION.name: 2, "system": 1, SPONSOR.name: 1}
    assert choices.entities == {"backlog_item": 3, "department": 2, "model": 1}
    assert choices.actions == {"add": 4, "load model": 1, "refused": 1}
    assert choices.departments == {"HR": "Human Resources", "IT": "IT Services"}
    assert not choices.empty


def test_export_is_what_is_shown(log):
    shown = entries(log).rows
    data = export_csv(shown)
    assert data.startswith(b"\xef\xbb\xbf")   # a spreadsheet reads the arrows as UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == list(ACTIVITY_COLUMNS.values())
    assert len(table) == len(shown) + 1
    for written, (_, row) in zip(table[1:], shown.iterrows()):
        assert written[0] == row["occurred_at"].strftime("%Y-%m-%d %H:%M:%S")
        assert written[1:] == [row[c] if isinstance(row[c], str) else "" for c in list(ACTIVITY_COLUMNS)[1:]]


def test_export_never_writes_a_live_formula(log):
    shown = entries(log).rows.head(1).copy()
    shown["record"] = "workbook =HYPERLINK(\"http://x\")"
    shown["change"] = "=1+1"
    shown["actor"] = "@SUM(A1)"
    row = list(csv.reader(io.StringIO(export_csv(shown).decode("utf-8-sig"))))[1]
    assert row[1] == "'@SUM(A1)" and row[5] == "'=1+1" and row[3] == "workbook =HYPERLINK(\"http://x\")"


def test_odd_stored_values_still_read(log):
    assert describe_change("not json", "{") == "{"
    assert describe_change(None, None) == ""
    assert describe_change('{"a": 1}', '{"a": 2, "version": 3}') == "a: 1 → 2"
