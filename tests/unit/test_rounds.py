"""Rating rounds (esm_maturity/rounds): the statistics, the threshold and what it suppresses, the mode
lock, tokens kept only as hashes, one answer per token, changes until close, and the agreement."""

from __future__ import annotations

import logging
import random

import pytest

from esm_maturity import assessments
from esm_maturity.models import ConflictError, LockedError, NotFound, PermissionDenied, Quarter, ValidationError
from esm_maturity.rounds import commands, results, stats, tokens
from esm_maturity.rounds.records import (ANONYMOUS, BELOW, MEDIAN, MEETING, NAMED, NO_EVIDENCE, OFFLINE, Answer,
                                         Progress,
                                         Decision)
from tests.conftest import ADMIN, SPONSOR, TODAY


# --- statistics -------------------------------------------------------------------------------------

@pytest.mark.parametrize("levels, median, band", [
    ([3, 3, 4, 3, 4], 3, "aligned"), ([2, 3, 4], 3, "split"), ([3, 4, 5, 5], 4.5, "mixed"),
    ([1, 5, 5, 5, 5], 5, "split"), ([4], 4, "aligned"), ([1, 3, 3], 3, "mixed"), ([3, 5, 5], 5, "mixed")])
def test_median_range_and_agreement_bands(levels, median, band):
    s = stats.summarise(levels, dont_know=2)
    assert s.median == median and s.agreement == band and s.range == max(levels) - min(levels)
    assert s.n_valid == len(levels) and s.dont_know == 2 and sum(s.counts) == len(levels)
    assert s.counts[levels[0] - 1] >= 1 and 0 <= s.rwg <= 1


def test_rwg_is_one_for_full_agreement_and_zero_for_answers_as_spread_as_chance():
    assert stats.summarise([3, 3, 3]).rwg == 1.0
    assert stats.summarise([1, 5, 1, 5]).rwg == 0.0
    assert stats.summarise([]) is None
    with pytest.raises(ValueError):
        stats.summarise([0, 6])


def test_the_suggested_level_is_the_median_rounded_half_up():
    assert stats.summarise([3, 4]).suggested == 4 and stats.summarise([2, 3, 3]).suggested == 3


# --- tokens ----------------------------------------------------------------------------------------

def test_tokens_are_random_and_kept_only_as_two_unlinkable_hashes():
    a, b = tokens.new_token(), tokens.new_token()
    assert a != b and tokens.looks_like_token(a) and not tokens.looks_like_token("x' OR 1=1 --")
    assert tokens.invitation_hash(a) != tokens.edit_key(a)
    assert a not in tokens.invitation_hash(a) and a not in tokens.edit_key(a)
    assert tokens.invitation_hash(f" {a}\n") == tokens.invitation_hash(a)


# --- a round, end to end -----------------------------------------------------------------------------

Q = Quarter.of(TODAY).shift(1)   # a quarter the demo has not assessed


def _round(db, mode=ANONYMOUS, people=5, department="HR", dims=None):
    r = commands.create_round(db, ADMIN, department, Q, mode, dims)
    issued = commands.invite(db, ADMIN, r.round_id, [f"person{i}@example.org" for i in range(people)])
    return results.get_round(db, r.round_id), issued


def _open(db, r):
    commands.open_round(db, ADMIN, r.round_id, expected_version=results.get_round(db, r.round_id).version)


def _close(db, r):
    commands.close_round(db, ADMIN, r.round_id, expected_version=results.get_round(db, r.round_id).version)


def test_the_token_is_never_stored_nor_logged(demo_db, caplog):
    caplog.set_level(logging.DEBUG)
    r, issued = _round(demo_db)
    _open(demo_db, r)
    commands.answer(demo_db, issued[0].token, [Answer(r.dimension_ids[0], 3)])
    dump = " ".join(str(row) for t in ("round_invitations", "round_responses", "round_answers", "rating_rounds",
                                       "audit_log") for row in demo_db.rows(f"SELECT * FROM {t}"))
    for i in issued:
        assert i.token not in dump and i.token not in caplog.text
    assert tokens.invitation_hash(issued[0].token) in dump


def test_an_anonymous_answer_keeps_no_link_to_its_invitation_and_only_the_day(demo_db):
    r, issued = _round(demo_db)
    _open(demo_db, r)
    commands.answer(demo_db, issued[2].token, [Answer(r.dimension_ids[0], 4, comment="ok")])
    row = demo_db.one("SELECT invitation_id, answered_on, edit_key FROM round_responses WHERE round_id = $1",
                      [r.round_id])
    assert row[0] is None and row[1] == TODAY and row[2] == tokens.edit_key(issued[2].token)
    columns = {c[0] for c in demo_db.rows("SELECT column_name FROM information_schema.columns "
                                          "WHERE table_name IN ('round_responses', 'round_invitations')")}
    assert not {c for c in columns if "time" in c or c.endswith("_at")}
    assert not demo_db.rows("SELECT * FROM audit_log WHERE action = 'answer'")      # no trace of when
    statuses = [s for (s,) in demo_db.rows("SELECT status FROM round_invitations WHERE round_id = $1", [r.round_id])]
    assert statuses.count("answered") == 1                                           # whether, never when


def test_one_answer_per_token_changeable_until_close_and_then_not(demo_db):
    r, issued = _round(demo_db)
    dim = r.dimension_ids[0]
    with pytest.raises(LockedError, match="only while it is open"):
        commands.answer(demo_db, issued[0].token, [Answer(dim, 2)])              # still a draft
    _open(demo_db, r)
    commands.answer(demo_db, issued[0].token, [Answer(dim, 2)])
    commands.answer(demo_db, issued[0].token, [Answer(dim, 4, comment="thought again")])
    assert demo_db.scalar("SELECT count(*) FROM round_responses WHERE round_id = $1", [r.round_id]) == 1
    assert commands.holder(demo_db, issued[0].token).answers[dim].level == 4
    _close(demo_db, r)
    with pytest.raises(LockedError, match="closed"):
        commands.answer(demo_db, issued[0].token, [Answer(dim, 1)])
    with pytest.raises(NotFound, match="not valid"):
        commands.answer(demo_db, "not-a-real-token-at-all-000000", [Answer(dim, 1)])


def test_an_offline_forms_code_is_used_once(demo_db):
    r = commands.create_round(demo_db, ADMIN, "HR", Q, NAMED)
    [form] = commands.invite(demo_db, ADMIN, r.round_id, ["Pat"], channel="offline")
    _open(demo_db, r)
    commands.answer(demo_db, form.token, [Answer(r.dimension_ids[0], 3)], source=OFFLINE)
    with pytest.raises(LockedError, match="used once"):
        commands.answer(demo_db, form.token, [Answer(r.dimension_ids[0], 5)], source=OFFLINE)


def test_a_revoked_invitation_stops_working(demo_db):
    r, issued = _round(demo_db)
    commands.revoke(demo_db, ADMIN, r.round_id, issued[0].invitation.invitation_id)
    assert commands.holder(demo_db, issued[0].token) is None
    with pytest.raises(ValidationError, match="at least 5 people invited"):
        _open(demo_db, r)                                                          # 4 left: too few


def test_the_mode_is_locked_once_the_first_answer_exists(demo_db):
    r, issued = _round(demo_db)
    r2 = results.get_round(demo_db, r.round_id)
    commands.set_mode(demo_db, ADMIN, r.round_id, NAMED, expected_version=r2.version)     # no answer yet: fine
    r3 = results.get_round(demo_db, r.round_id)
    commands.set_mode(demo_db, ADMIN, r.round_id, ANONYMOUS, expected_version=r3.version)
    _open(demo_db, r)
    commands.answer(demo_db, issued[0].token, [Answer(r.dimension_ids[0], 3)])
    r4 = results.get_round(demo_db, r.round_id)
    with pytest.raises(LockedError, match="locked"):
        commands.set_mode(demo_db, ADMIN, r.round_id, NAMED, expected_version=r4.version)
    with pytest.raises(ConflictError):
        commands.set_mode(demo_db, ADMIN, r.round_id, NAMED, expected_version=r2.version)


def test_an_anonymous_round_cannot_open_with_fewer_than_k_invitees(demo_db):
    r, _ = _round(demo_db, people=4)
    with pytest.raises(ValidationError, match="at least 5 people invited .it has 4."):
        _open(demo_db, r)
    named, _ = _round(demo_db, NAMED, people=2, department="FIN")
    _open(demo_db, named)                                                           # named: no such rule
    assert results.get_round(demo_db, named.round_id).status == "open"


def test_the_threshold_is_set_by_admins_within_3_to_10_and_copied_into_new_rounds(demo_db):
    assert commands.threshold(demo_db) == (5, 0)
    for bad in (2, 11, "five", True):
        with pytest.raises(ValidationError):
            commands.set_threshold(demo_db, ADMIN, bad, expected_version=0)
    with pytest.raises(PermissionDenied):
        commands.set_threshold(demo_db, SPONSOR, 4, expected_version=0)
    commands.set_threshold(demo_db, ADMIN, 3, expected_version=0)
    r, _ = _round(demo_db, people=3)
    assert r.threshold == 3
    _open(demo_db, r)


def _answered_round(db, levels_per_person, mode=ANONYMOUS, dims=None, department="HR"):
    """A closed round: person i answers levels_per_person[i] (dimension -> level, None: don't know)."""
    r, issued = _round(db, mode, people=max(5, len(levels_per_person)), dims=dims, department=department)
    _open(db, r)
    for token, levels in zip(issued, levels_per_person):
        commands.answer(db, token.token, [Answer(d, lv, lv is None, f"comment {d} {lv}") for d, lv in levels.items()])
    _close(db, r)
    return results.get_round(db, r.round_id)


def test_below_k_valid_answers_nothing_of_a_dimension_leaves_the_data_layer(demo_db):
    a, b = "sponsorship", "purpose"
    people = [{a: 3, b: 4}, {a: 4, b: 4}, {a: 3, b: None}, {a: 3, b: None}, {a: 3, b: 5}]   # b: 3 valid, 2 don't know
    r = _answered_round(demo_db, people, dims=[a, b])
    cards = {c.dimension_id: c for c in results.results(demo_db, ADMIN, r.round_id)}
    assert isinstance(cards[a], results.Shown) and cards[a].summary.n_valid == 5 and len(cards[a].comments) == 5
    below = cards[b]
    assert isinstance(below, results.Suppressed) and below.state == BELOW
    assert below.summary is None and below.comments == ()
    # agreeing stores no count for it either: the badge says "below threshold", never n
    commands.agree(demo_db, ADMIN, r.round_id, [Decision(a, 3, MEDIAN), Decision(b, 4, MEETING)],
                   expected_version=r.version)
    stored = dict(demo_db.rows("SELECT dimension_id, n_valid FROM scores WHERE quarter = $1 AND department_id = 'HR'",
                               [str(Q)]))
    assert stored == {a: 5, b: None}
    assert results.badges(demo_db, str(Q)) == {("HR", a): "n=5 · aligned", ("HR", b): BELOW}


def test_all_dont_know_is_no_evidence_and_a_named_round_shows_everything(demo_db):
    a = "sponsorship"
    r = _answered_round(demo_db, [{a: None}] * 5, dims=[a])
    [card] = results.results(demo_db, ADMIN, r.round_id)
    assert card.state == NO_EVIDENCE and card.summary is None
    named = _answered_round(demo_db, [{a: 2}, {a: 3}], mode=NAMED, dims=[a], department="FIN")
    [shown] = results.results(demo_db, ADMIN, named.round_id)
    assert shown.summary.n_valid == 2                                               # named: no threshold
    assert sorted(row[2] for row in results.named_answers(demo_db, ADMIN, named.round_id)) == [2, 3]
    with pytest.raises(PermissionDenied):
        results.named_answers(demo_db, ADMIN, r.round_id)                           # anonymous: never


def test_nothing_is_readable_while_open_but_the_count_and_sponsors_never_read(demo_db):
    r, issued = _round(demo_db)
    _open(demo_db, r)
    commands.answer(demo_db, issued[0].token, [Answer(r.dimension_ids[0], 3)])
    with pytest.raises(LockedError, match="how many have answered"):
        results.results(demo_db, ADMIN, r.round_id)
    assert results.progress(demo_db, r.round_id) == Progress(1, 5)
    _close(demo_db, r)
    with pytest.raises(PermissionDenied):
        results.results(demo_db, SPONSOR, r.round_id)


def test_cards_come_most_split_first_and_anonymous_comments_in_a_random_order(demo_db):
    a, b, c = "sponsorship", "purpose", "roles"
    people = [{a: 3, b: 1, c: 3}, {a: 3, b: 5, c: 4}, {a: 3, b: 3, c: 5}, {a: 3, b: 2, c: 3}, {a: 3, b: 4, c: 3}]
    r = _answered_round(demo_db, people, dims=[a, b, c])
    cards = results.results(demo_db, ADMIN, r.round_id, shuffle=random.Random(3))
    assert [x.dimension_id for x in cards] == [b, c, a]
    assert [x.state for x in cards] == ["split", "mixed", "aligned"]


def test_agreeing_writes_one_score_per_dimension_with_its_provenance_and_asks_why(demo_db):
    a, b = "sponsorship", "purpose"
    people = [{a: 3, b: 1}, {a: 3, b: 5}, {a: 4, b: 3}, {a: 3, b: 2}, {a: 3, b: 4}]
    r = _answered_round(demo_db, people, dims=[a, b])
    with pytest.raises(ValidationError) as refused:
        commands.agree(demo_db, ADMIN, r.round_id, [Decision(a, 5, MEETING), Decision(b, 3, MEDIAN)],
                       expected_version=r.version)
    said = str(refused.value.problems)
    assert "median is 3" in said and "the answers split" in said
    assert demo_db.scalar("SELECT count(*) FROM scores WHERE quarter = $1", [str(Q)]) == 0      # all or nothing
    commands.agree(demo_db, ADMIN, r.round_id, [Decision(a, 3, MEDIAN), Decision(b, 3, MEETING, "we looked at it")],
                   expected_version=r.version)
    rows = demo_db.rows("SELECT dimension_id, score, method, round_id, n_valid, agreement, rationale FROM scores "
                        "WHERE quarter = $1 AND department_id = 'HR' ORDER BY dimension_id", [str(Q)])
    assert rows == [(b, 3, MEETING, r.round_id, 5, "split", "we looked at it"), (a, 3, MEDIAN, r.round_id, 5,
                                                                                   "aligned", "")]
    assert results.get_round(demo_db, r.round_id).status == "agreed"
    with pytest.raises(LockedError):
        commands.agree(demo_db, ADMIN, r.round_id, [Decision(a, 3), Decision(b, 3, rationale="x")],
                       expected_version=results.get_round(demo_db, r.round_id).version)


def test_the_direct_path_stays_and_is_recorded_as_direct(demo_db):
    entries = [assessments.ScoreInput("sponsorship", assessments.ScoreValue(2), 3, "typed")]
    assessments.save_assessment(demo_db, ADMIN, Q, "FIN", entries, expected_version=0)
    assert demo_db.one("SELECT method, round_id FROM scores WHERE quarter = $1 AND department_id = 'FIN'",
                       [str(Q)]) == ("direct", None)


def test_an_offline_forms_code_works_only_through_the_forms_import(demo_db):
    r = commands.create_round(demo_db, ADMIN, "HR", Q, NAMED)
    [form] = commands.invite(demo_db, ADMIN, r.round_id, ["Pat"], channel="offline")
    [link] = commands.invite(demo_db, ADMIN, r.round_id, ["Lee"])
    _open(demo_db, r)
    with pytest.raises(NotFound, match="not valid"):
        commands.answer(demo_db, form.token, [Answer(r.dimension_ids[0], 3)])                # as a link: no
    with pytest.raises(NotFound, match="not valid"):
        commands.answer(demo_db, link.token, [Answer(r.dimension_ids[0], 3)], source=OFFLINE)  # a link as a form: no
    commands.answer(demo_db, form.token, [Answer(r.dimension_ids[0], 3)], source=OFFLINE)
