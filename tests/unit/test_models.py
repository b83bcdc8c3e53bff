import datetime as dt

import pytest

from esm_maturity.models import (Actor, Quarter, Role, ScoreValue, ValidationError,
                                 check_department_id, check_dimension_id, parse_level, quarter_range)


class TestQuarter:
    def test_parse_and_format(self):
        assert str(Quarter.parse("2025-Q3")) == "2025-Q3"
        assert Quarter.parse(" 2025-q1 ") == Quarter(2025, 1)

    @pytest.mark.parametrize("text", ["2025Q3", "2025-Q5", "Q3-2025", "2025-3", "", "2025-Q0", None, 20253])
    def test_bad_formats_are_refused_with_the_expected_shape(self, text):
        with pytest.raises(ValidationError, match="YYYY-Qn"):
            Quarter.parse(text)

    def test_neighbours(self):
        q = Quarter(2025, 1)
        assert q.previous() == Quarter(2024, 4)
        assert q.next() == Quarter(2025, 2)
        assert q.year_ago() == Quarter(2024, 1)
        assert q.shift(-5) == Quarter(2023, 4)
        assert Quarter(2024, 4).next() == Quarter(2025, 1)

    def test_dates(self):
        assert Quarter.of(dt.date(2026, 11, 26)) == Quarter(2026, 4)
        assert Quarter(2026, 1).start == dt.date(2026, 1, 1)
        assert Quarter(2026, 1).end == dt.date(2026, 3, 31)
        assert Quarter(2026, 4).end == dt.date(2026, 12, 31)

    def test_ordering_and_range(self):
        assert Quarter(2025, 4) < Quarter(2026, 1)
        assert [str(q) for q in quarter_range(Quarter(2025, 3), Quarter(2026, 1))] == ["2025-Q3", "2025-Q4", "2026-Q1"]


class TestLevels:
    @pytest.mark.parametrize("value,expected", [(1, 1), (5, 5), ("3", 3), (4.0, 4), (" 2 ", 2), (None, None), ("", None)])
    def test_valid(self, value, expected):
        assert parse_level(value) == expected

    @pytest.mark.parametrize("value,message", [(7, "out of range"), (0, "out of range"), (True, "not a level"),
                                               (2.5, "whole number"), ("three", "not a level"), ("-1", "out of range")])
    def test_invalid(self, value, message):
        with pytest.raises(ValidationError, match=message):
            parse_level(value)

    def test_score_value(self):
        assert ScoreValue.parse("N/A") == ScoreValue(None, True)
        assert ScoreValue.parse("n/a").na
        assert ScoreValue.parse(3) == ScoreValue(3, False)
        assert not ScoreValue.parse(None).assessed
        assert str(ScoreValue(None, True)) == "N/A"


class TestKeys:
    @pytest.mark.parametrize("key", ["HR", "IT-OPS", "fin_2", "A"])
    def test_good_department_keys(self, key):
        assert check_department_id(key) == key

    @pytest.mark.parametrize("key", ["", "Human Resources", "X" * 17, "-HR", "H&R"])
    def test_bad_department_keys(self, key):
        with pytest.raises(ValidationError, match="department"):
            check_department_id(key)

    def test_dimension_keys(self):
        assert check_dimension_id("service_design") == "service_design"
        with pytest.raises(ValidationError):
            check_dimension_id("Service Design")


def test_roles_parse_from_their_words():
    assert Role.parse(" Champion ") is Role.champion
    assert Actor("a@x", Role.sponsor, display_name="Ann").label == "Ann (a@x)"
    with pytest.raises(ValidationError, match="admin, champion, department, sponsor"):
        Role.parse("editor")


def test_one_way_to_read_a_day():
    import datetime as dt

    import pandas as pd

    from esm_maturity.models import ValidationError, parse_day

    for blank in (None, "", "  ", float("nan"), pd.NA, pd.NaT):
        assert parse_day(blank, "due") is None
    with pytest.raises(ValidationError, match="required"):
        parse_day(pd.NaT, "held on", required=True)
    assert parse_day(pd.Timestamp("2026-11-02 10:00"), "due") == dt.date(2026, 11, 2)
    assert parse_day(" 2026-11-02 ", "due") == parse_day(dt.datetime(2026, 11, 2, 9), "due") == dt.date(2026, 11, 2)
    with pytest.raises(ValidationError, match="write it as YYYY-MM-DD"):
        parse_day("02/11/2026", "due")
    with pytest.raises(ValidationError, match="out of range: use a date from 1990-01-01 to 2200-12-31"):
        parse_day("2250-01-01", "due")
