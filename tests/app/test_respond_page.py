"""Answering a rating round: a personal link works without sign-in, even in organisation mode, and shows
that page alone; answers are saved, pre-filled and can be changed until the round closes, then are
refused; a bad link gets one message; the token never reaches the screen or the URL; a signed-in invitee
answers their own invitation (final once given in an anonymous round)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from esm_maturity.db import Database
from esm_maturity.maturity import level_names
from esm_maturity.rounds import commands, results
from esm_maturity.rounds.records import Answer
from esm_maturity.ui import respond_form
from tests.app.conftest import APP, add_people, open_app, sign_in
from tests.conftest import ADMIN, DEMO_ANCHOR

PAGE = "pages/respond.py"
QUARTER = str(DEMO_ANCHOR.shift(4))   # a year ahead: no round of the demo's is in the way
INVITEES = [f"rater{i}@example.org" for i in range(5)]
PIA = "pia@example.org"


def new_round(path, department_id="HR", mode="anonymous", invitees=INVITEES, *, open_it=True,
              instructions="Rate what you see in practice, not the plan."):
    """A round of `department_id` with its invitations (the tokens in invitation order), opened."""
    with Database(path) as db:
        found = commands.create_round(db, ADMIN, department_id, QUARTER, mode, instructions=instructions)
        issued = commands.invite(db, ADMIN, found.round_id, list(invitees))
        if open_it:
            commands.open_round(db, ADMIN, found.round_id,
                                expected_version=results.get_round(db, found.round_id).version)
    return found.round_id, [i.token for i in issued]


def close(path, round_id):
    with Database(path) as db:
        commands.close_round(db, ADMIN, round_id, expected_version=results.get_round(db, round_id).version)


def stored(path, round_id):
    """Every answer of the round: (dimension, level, don't know, comment), and how many responses."""
    with Database(path) as db:
        answers = db.rows("SELECT a.dimension_id, a.level, a.dont_know, a.comment FROM round_answers a JOIN "
                          "round_responses r ON r.response_id = a.response_id WHERE r.round_id = $1 "
                          "ORDER BY a.dimension_id", [round_id])
        responses = db.scalar("SELECT count(*) FROM round_responses WHERE round_id = $1", [round_id])
    return answers, responses


def by_link(path, token, monkeypatch) -> AppTest:
    """The app opened by a personal link, in organisation mode with nobody signed in."""
    monkeypatch.setenv("ESM_DB_PATH", str(path))
    at = sign_in(AppTest.from_file(APP, default_timeout=30), None)
    at.query_params["respond"] = token
    return at.run()


def protos(node):
    """The text of every element and block drawn (their protobuf messages)."""
    proto = getattr(node, "proto", None)
    if proto is not None:
        yield str(proto)
    for child in getattr(node, "children", {}).values():
        yield from protos(child)


def everything(at) -> str:
    return "\n".join(protos(at._tree))


def shown(at) -> str:
    return " ".join(e.value for e in [*at.markdown, *at.info, *at.success, *at.error, *at.caption, *at.subheader,
                                      *at.title]).replace("\\", "").replace("\u2060", "")


def only_the_respond_page(at) -> None:
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Answer a rating round"]
    assert "sign_in" not in [b.key for b in at.button] and "sign_out" not in [b.key for b in at.button]
    assert len(at.sidebar.children) == 0   # no "Signed in as", no local-mode line
    assert not at.dataframe and not at.metric and not at.get("arrow_vega_lite_chart")
    for other in ("pages/trends.py", "pages/overview.py", "pages/settings.py"):
        with pytest.raises(Exception):   # not in this session's navigation at all
            at.switch_page(other)


def rate(at, levels: dict[str, str], comments: dict[str, str] | None = None) -> AppTest:
    for dim, value in levels.items():
        at.radio(key=respond_form.level_key(dim)).set_value(value)
    for dim, text in (comments or {}).items():
        at.text_area(key=respond_form.comment_key(dim)).input(text)
    return at.button(key="respond_submit").click().run()


def test_a_link_answers_without_sign_in_in_organisation_mode_and_shows_nothing_else(demo_path, monkeypatch):
    round_id, tokens = new_round(demo_path)
    at = by_link(demo_path, tokens[0], monkeypatch)
    only_the_respond_page(at)
    text = shown(at)
    assert "Human Resources · " + QUARTER in text and "Rate what you see in practice" in text
    assert "Anonymous: nobody can link your answers to you" in text and "at least 5 answers" in text
    for other in ("Sign in with your organisation account", "Maturity trends", "Improvement backlog", "CI-0"):
        assert other not in text
    with Database(demo_path) as db:
        dims, levels = results.get_round(db, round_id).dimension_ids, level_names(db)
    assert [r.key for r in at.radio] == [respond_form.level_key(d) for d in dims]
    first, second, third = dims[:3]
    assert at.subheader[1].value.replace("\\", "") == "Sponsorship and championing" and first == "sponsorship"
    rubric = at.container(key=f"respond_dim_{first}").markdown[0].value
    assert rubric.count("\n") == 4 and rubric.startswith("- **1 · ")   # the five levels' rubric
    radio = at.radio(key=respond_form.level_key(first))
    assert radio.options == [f"{n} · {levels[n]}" for n in range(1, 6)] + ["Don't know"]
    assert all(r.value is None for r in at.radio) and radio.horizontal   # no default

    at = rate(at, {first: "4", second: respond_form.DONT_KNOW}, {second: "We have not seen this yet."})
    assert not at.exception and not at.error
    assert respond_form.SAVED in shown(at)
    answers, responses = stored(demo_path, round_id)
    assert responses == 1 and sorted(answers) == sorted([(first, 4, False, ""),
                                                         (second, None, True, "We have not seen this yet.")])
    assert third not in [a[0] for a in answers]   # left blank: not answered
    with Database(demo_path) as db:
        assert results.progress(db, round_id).answered == 1
    only_the_respond_page(at)


def test_answers_are_kept_changed_until_close_and_then_refused(demo_path, monkeypatch):
    round_id, tokens = new_round(demo_path)
    at = by_link(demo_path, tokens[1], monkeypatch)
    rate(at, {"sponsorship": "2", "purpose": "3"}, {"purpose": "Goals are written down."})

    again = by_link(demo_path, tokens[1], monkeypatch)   # the link opened again, another day
    assert again.radio(key=respond_form.level_key("sponsorship")).value == "2"
    assert again.radio(key=respond_form.level_key("purpose")).value == "3"
    assert again.text_area(key=respond_form.comment_key("purpose")).value == "Goals are written down."
    assert "You have answered this round. You can change your answers until the round closes." in shown(again)
    rate(again, {"sponsorship": "5"})
    assert respond_form.SAVED in shown(again)
    answers, responses = stored(demo_path, round_id)
    assert responses == 1 and ("sponsorship", 5, False, "") in answers
    assert ("purpose", 3, False, "Goals are written down.") in answers

    close(demo_path, round_id)   # while the form is still on screen
    rate(again, {"sponsorship": "1"})
    assert [e.value for e in again.error] == [respond_form.TOO_LATE] and not again.radio
    assert ("sponsorship", 5, False, "") in stored(demo_path, round_id)[0]

    after = by_link(demo_path, tokens[1], monkeypatch)
    only_the_respond_page(after)
    assert respond_form.CLOSED_KEPT in shown(after)
    assert not after.radio and "respond_submit" not in [b.key for b in after.button]
    unanswered = by_link(demo_path, tokens[2], monkeypatch)
    assert respond_form.CLOSED_UNANSWERED in shown(unanswered) and not unanswered.radio


@pytest.mark.parametrize("kind", ["revoked", "unknown", "garbage", "empty"])
def test_a_revoked_or_invalid_link_gets_the_message_and_nothing_else(demo_path, monkeypatch, kind):
    round_id, tokens = new_round(demo_path)
    if kind == "revoked":
        with Database(demo_path) as db:
            invitation = next(i for i in results.invitations(db, ADMIN, round_id) if i[1] == INVITEES[3])
            commands.revoke(db, ADMIN, round_id, invitation[0])
    token = {"revoked": tokens[3], "unknown": "A" * 32, "garbage": "<b>x</b>?' OR 1=1", "empty": ""}[kind]
    at = by_link(demo_path, token, monkeypatch)
    only_the_respond_page(at)
    assert [e.value for e in at.error] == [respond_form.BAD_LINK]
    assert not at.radio and not at.subheader and not at.info and not at.markdown and not at.text_area
    assert "Human Resources" not in everything(at)


def test_a_round_not_open_yet_says_so(demo_path, monkeypatch):
    _, tokens = new_round(demo_path, open_it=False)
    at = by_link(demo_path, tokens[0], monkeypatch)
    only_the_respond_page(at)
    assert respond_form.NOT_OPEN in shown(at) and not at.radio


def test_the_token_never_reaches_the_screen_or_the_url(demo_path, monkeypatch):
    round_id, tokens = new_round(demo_path)
    token = tokens[4]
    at = by_link(demo_path, token, monkeypatch)
    assert "respond" not in at.query_params   # taken out of the URL on the first run
    assert token not in everything(at)
    at = rate(at, {"sponsorship": "3"}, {"sponsorship": "Fine"})
    assert "respond" not in at.query_params and token not in everything(at)
    state = at.session_state.to_dict()
    assert state["_respond_token"] == token   # kept for the session only, where nothing draws it
    assert all(token not in f"{key}{value}" for key, value in state.items() if key != "_respond_token")
    assert stored(demo_path, round_id)[1] == 1   # the session kept the token: the save found it


def test_a_level_outside_1_to_5_cannot_be_submitted(demo_path, monkeypatch):
    round_id, tokens = new_round(demo_path)
    at = by_link(demo_path, tokens[0], monkeypatch)
    options = at.radio(key=respond_form.level_key("sponsorship")).options
    assert [o.split(" ·")[0] for o in options] == ["1", "2", "3", "4", "5", "Don't know"]
    # A value the radio cannot offer (a forged request) is refused by the command, with a message.
    monkeypatch.setattr(respond_form, "entered", lambda dims: [Answer("sponsorship", 6)])
    rate(at, {"sponsorship": "5"})
    refusal = " ".join(e.value for e in at.error).replace("\\", "")
    assert not at.exception
    assert refusal == "Sponsorship and championing: choose a level from 1 to 5 or don't know, not 6"
    assert stored(demo_path, round_id) == ([], 0)


def test_a_comment_over_the_limit_is_refused_with_a_message(demo_path, monkeypatch):
    round_id, tokens = new_round(demo_path)
    at = by_link(demo_path, tokens[0], monkeypatch)
    rate(at, {"sponsorship": "2"}, {"sponsorship": "x" * (commands.COMMENT_MAX + 1)})
    refusal = " ".join(e.value for e in at.error).replace("\\", "")
    assert not at.exception and refusal == "Sponsorship and championing: is too long (1,001 characters; at most 1,000)"
    assert stored(demo_path, round_id) == ([], 0)
    assert len(at.text_area(key=respond_form.comment_key("sponsorship")).value) == commands.COMMENT_MAX + 1   # kept


def test_a_comment_without_a_rating_is_not_dropped_silently(demo_path, monkeypatch):
    round_id, tokens = new_round(demo_path)
    at = by_link(demo_path, tokens[0], monkeypatch)
    rate(at, {"sponsorship": "2"}, {"purpose": "Only a comment"})
    assert "has a comment but no rating" in " ".join(e.value for e in at.error)
    assert stored(demo_path, round_id) == ([], 0)
    assert at.text_area(key=respond_form.comment_key("purpose")).value == "Only a comment"   # kept on screen


def test_a_signed_in_invitee_answers_their_invitations(demo_path, monkeypatch):
    add_people(demo_path, (PIA, "department", ["HR"]), ("vera@example.org", "sponsor"))
    named, _ = new_round(demo_path, "HR", "named", [PIA.title(), "someone@example.org"])
    anonymous, _ = new_round(demo_path, "FIN", "anonymous", [PIA, *INVITEES[:4]])
    monkeypatch.setenv("ESM_DB_PATH", str(demo_path))
    at = open_app(demo_path, PAGE, user=PIA)
    sidebar = " ".join(c.value for c in at.sidebar.caption).replace("\u2060", "")
    assert not at.exception and f"({PIA})" in sidebar   # the app as usual, with its navigation
    assert at.selectbox(key="respond_round").options == [f"Human Resources · {QUARTER}", f"Finance · {QUARTER}"]
    assert "Named: your champion sees your answers with your name." in shown(at)
    rate(at, {"sponsorship": "3", "purpose": respond_form.DONT_KNOW}, {"purpose": "New here"})
    assert respond_form.SAVED in shown(at)
    with Database(demo_path) as db:
        assert db.rows("SELECT source, invitation_id IS NOT NULL FROM round_responses WHERE round_id = $1",
                       [named]) == [("signed in", True)]
    assert stored(demo_path, named)[0] == [("purpose", None, True, "New here"), ("sponsorship", 3, False, "")]
    assert at.radio(key=respond_form.level_key("sponsorship")).value == "3"   # shown again: named, editable

    at.selectbox(key="respond_round").set_value(anonymous).run()
    assert "Anonymous: nobody can link your answers to you" in shown(at)
    rate(at, {"sponsorship": "4"})
    assert respond_form.FINAL in shown(at) and not at.radio   # final: nothing to show or change
    answers, responses = stored(demo_path, anonymous)
    assert responses == 1 and answers == [("sponsorship", 4, False, "")]
    with Database(demo_path) as db:
        assert db.scalar("SELECT invitation_id FROM round_responses WHERE round_id = $1", [anonymous]) is None

    nobody = open_app(demo_path, PAGE, user="vera@example.org")   # invited to nothing
    assert not nobody.exception and "not invited to an open rating round" in shown(nobody) and not nobody.radio


def test_local_mode_without_a_link_says_how_to_get_one(demo_app):
    at = demo_app(PAGE)
    assert not at.exception and "personal link" in shown(at) and not at.radio
    assert "Local mode: no sign-in" in " ".join(c.value for c in at.sidebar.caption)   # the app's navigation
