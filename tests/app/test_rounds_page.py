"""The Rating rounds page driven through AppTest: create an anonymous round, invite five people (their links
shown once), open, answer through the links' tokens, close and agree; nothing of a dimension below the
threshold reaches the page; the refusals (too few invitees, the mode once answered); who may run a round;
a named round's who-answered-what; the organisation's threshold in Settings."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from esm_maturity.db import Database
from esm_maturity.maturity import dimensions
from esm_maturity.models import PermissionDenied
from esm_maturity.rounds import commands, results
from esm_maturity.rounds.records import Answer
from tests.app.conftest import add_people, open_app
from tests.conftest import DEMO_ANCHOR, ROOT

PAGE, SETTINGS = "pages/rounds.py", "pages/settings.py"
DEPT = "PMO"                       # no self-assessment for the demo's next quarter
QUARTER = str(DEMO_ANCHOR.next())  # a quarter no demo round or assessment uses
LINK = re.compile(r"/respond\?respond=([A-Za-z0-9_-]+)$")
HIDDEN_COMMENT = "ROLES-ONLY-TWO-SAID-THIS"


def shown(at) -> str:
    """Everything a person can read on the page, escapes and word joiners removed."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title",
                                  "subheader", "code") for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric] + [e.label for e in at.expander]
    parts += [str(b.label) for b in at.button] + [str(s.value) for s in at.selectbox]
    return " ".join(str(p) for p in parts).replace("\u2060", "").replace("\\", "").replace("**", "")


def has(widgets, key: str) -> bool:
    return any(getattr(w, "key", None) == key for w in widgets)


def table(at, column: str):
    """The first table with this column (AppTest does not keep a table's key), or None."""
    return next((t.value for t in at.dataframe if column in t.value.columns), None)


def errors(at) -> str:
    return " ".join(str(e.value) for e in at.error).replace("\\", "").replace("\u2060", "")


def db_rows(path, sql, params=()):
    with Database(path) as db:
        return db.rows(sql, list(params))


def open_page(demo_app, department=DEPT):
    at = demo_app(PAGE, {"department": department})
    assert not at.exception, at.exception
    assert at.selectbox(key="rounds_department").value == department
    return at


def create(at, mode="anonymous", quarter=QUARTER):
    assert at.selectbox(key="round_new_quarter").value == str(DEMO_ANCHOR)   # the clock's quarter by default
    at.selectbox(key="round_new_quarter").set_value(quarter)
    at.radio(key="round_new_mode").set_value(mode)
    at.text_area(key="round_new_instructions").input("Think of the last three months.")
    at.button(key="round_create").click().run()
    assert not at.exception and not at.error, errors(at)
    return at


def invite(at, people, channel="link") -> list[str]:
    at.text_area(key="round_invitees").input("\n".join(people))
    at.radio(key="round_channel").set_value(channel)
    at.button(key="round_invite").click().run()
    assert not at.exception and not errors(at), errors(at)
    codes = [c.value for c in at.code]
    return codes


def tokens_of(codes) -> list[str]:
    found = [LINK.search(c) for c in codes]
    assert all(found), codes
    return [m.group(1) for m in found]


def the_round(path):
    with Database(path) as db:
        return [r for r in results.rounds_of(db, DEPT) if r.quarter == QUARTER][0]


def click_version(at, key):
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


# Answers of five people to nine dimensions: the first aligned, the second split, the third below the
# threshold (two levels, three don't knows), the fourth low, the last no evidence at all.
def answers_of(dims, person: int) -> list[Answer]:
    out = []
    for j, dim in enumerate(dims):
        if j == 0:
            out.append(Answer(dim, [3, 3, 3, 4, 3][person], comment="we mostly agree" if person == 0 else ""))
        elif j == 1:
            out.append(Answer(dim, [1, 2, 4, 5, 5][person]))
        elif j == 2:
            level = [4, 5, None, None, None][person]
            out.append(Answer(dim, level, dont_know=level is None, comment=HIDDEN_COMMENT if person == 0 else ""))
        elif j == 3:
            out.append(Answer(dim, [2, 2, 2, 2, 3][person]))
        elif j == len(dims) - 1:
            out.append(Answer(dim, None, dont_know=True))
        else:
            out.append(Answer(dim, [3, 4, 3, 4, 3][person]))
    return out


def test_an_anonymous_round_from_start_to_agreed_scores(demo_app, demo_path):
    at = create(open_page(demo_app))
    assert "is a draft" in shown(at)
    assert at.radio(key=[r.key for r in at.radio if r.key.startswith("round_mode_")][0]).value == "anonymous"
    assert "Anonymous: nobody can link your answers to you" in shown(at)

    people = [f"person{i}@example.org" for i in range(5)]
    codes = invite(at, people)
    assert len(codes) == 5 and "Shown only now" in shown(at)
    tokens = tokens_of(codes)
    assert all(c.startswith("/respond?respond=") for c in codes)    # no browser in AppTest: a relative link
    at.run()
    assert not at.code and not any(t in shown(at) for t in tokens)   # gone after a rerun
    assert not any(t in str(v) for t in tokens for v in at.session_state.to_dict().values())
    stored = str(db_rows(demo_path, "SELECT * FROM round_invitations")) + str(db_rows(demo_path, "SELECT * FROM audit_log"))
    assert not any(t in stored for t in tokens)                     # neither stored nor in the audit trail
    assert "0 of 5 answered" in shown(at)

    at = click_version(at, "round_open")
    assert not errors(at) and "is open" in shown(at)
    found = the_round(demo_path)
    with Database(demo_path) as db:
        for i, token in enumerate(tokens):
            commands.answer(db, token, answers_of(found.dimension_ids, i))
    at.run()
    text = shown(at)
    assert "5 of 5 answered" in text and not at.metric and not at.get("arrow_vega_lite_chart")
    assert "locked because answers exist" in text and not [r for r in at.radio if r.key.startswith("round_mode_")]
    assert "we mostly agree" not in text                              # nothing per dimension while open

    at = click_version(at, "round_close")
    assert "Agree the scores" in shown(at)
    dims = found.dimension_ids
    aligned, split, below, low, nothing = dims[0], dims[1], dims[2], dims[3], dims[-1]
    assert len(at.get("vega_lite_chart")) == len(dims) - 2 == len(at.metric) // 4   # no chart for the two hidden
    assert has(at.button, f"agree_improve_{split}") and has(at.button, f"agree_improve_{low}")
    assert not has(at.button, f"agree_improve_{aligned}")

    # Use the median everywhere it is offered, agree the hidden two by hand, change one from its median.
    for dim in dims:
        if dim in (below, nothing):
            at.selectbox(key=f"agree_level_{dim}").set_value(3)
        else:
            at.button(key=f"agree_use_median_{dim}").click()
        at.run()
    at.selectbox(key=f"agree_level_{aligned}").set_value(4).run()
    at.checkbox(key="agree_submit").check()
    at = click_version(at, "agree_save")
    refused = errors(at)
    assert "say why 4 was agreed" in refused and "the answers split" in refused, refused
    assert db_rows(demo_path, "SELECT count(*) FROM scores WHERE quarter = $1 AND department_id = $2",
                   [QUARTER, DEPT]) == [(0,)]
    at.text_area(key=f"agree_why_{aligned}").input("The new intake form is in use everywhere now.")
    at.text_area(key=f"agree_why_{split}").input("Two teams differ; we agreed the median and an action.")
    at = click_version(at, "agree_save")
    assert not errors(at) and "Agreed 9 score(s)" in shown(at)

    rows = {r[0]: r[1:] for r in db_rows(
        demo_path, "SELECT dimension_id, score, method, round_id, n_valid, agreement, count(*) OVER (PARTITION BY "
                   "dimension_id) FROM scores WHERE quarter = $1 AND department_id = $2", [QUARTER, DEPT])}
    assert set(rows) == set(dims) and all(r[-1] == 1 for r in rows.values())   # exactly one score per dimension
    assert all(r[2] == found.round_id for r in rows.values())
    assert rows[aligned][:5] == (4, "agreed in a meeting", found.round_id, 5, "aligned")
    assert rows[split][:5] == (4, "median accepted", found.round_id, 5, "split")
    assert rows[low][:5] == (2, "median accepted", found.round_id, 5, "aligned")
    assert rows[below][:5] == (3, "agreed in a meeting", found.round_id, None, "below threshold")
    assert rows[nothing][:5] == (3, "agreed in a meeting", found.round_id, None, "no evidence")
    assert db_rows(demo_path, "SELECT status FROM assessments WHERE quarter = $1 AND department_id = $2",
                   [QUARTER, DEPT]) == [("submitted",)]
    assert the_round(demo_path).status == "agreed" and "The agreed scores" in shown(at)
    assert not has(at.button, "agree_save")


def closed_anonymous_round(demo_path, quarter: str = QUARTER) -> str:
    """A closed anonymous round of five answers (see answers_of), made through the commands."""
    from tests.conftest import ADMIN

    with Database(demo_path) as db:
        made = commands.create_round(db, ADMIN, DEPT, quarter)
        issued = commands.invite(db, ADMIN, made.round_id, [f"p{i}@example.org" for i in range(5)])
        commands.open_round(db, ADMIN, made.round_id, expected_version=results.get_round(db, made.round_id).version)
        for i, item in enumerate(issued):
            commands.answer(db, item.token, answers_of(made.dimension_ids, i))
        commands.close_round(db, ADMIN, made.round_id, expected_version=results.get_round(db, made.round_id).version)
    return made.round_id


def test_a_dimension_below_the_threshold_shows_no_figure_anywhere(demo_app, demo_path):
    closed_anonymous_round(demo_path)
    at = open_page(demo_app)
    assert not at.exception and "Agree the scores" in shown(at)
    with Database(demo_path) as db:
        roles = [d for d in dimensions(db) if d.dimension_id == the_round(demo_path).dimension_ids[2]][0]
    text = shown(at)
    assert "Below threshold: fewer than 5 answers; nothing is shown." in text
    assert "No evidence" in text
    # its two levels (median 4.5, 4-5), its three don't knows and its comment: nowhere on the page
    assert "4.5" not in text and "4–5" not in text and HIDDEN_COMMENT not in text
    assert not has(at.button, f"agree_use_median_{roles.dimension_id}")
    assert not [c for c in at.get("vega_lite_chart") if roles.name in str(c.proto.spec)]
    metrics = {(m.label, m.value) for m in at.metric}
    assert ("Don't know", "3") not in metrics and ("Answers", "2") not in metrics
    assert HIDDEN_COMMENT not in str(at.session_state.to_dict())


def test_open_refuses_an_anonymous_round_with_fewer_invitees_than_k(demo_app, demo_path):
    at = create(open_page(demo_app))
    invite(at, [f"person{i}@example.org" for i in range(4)])
    at = click_version(at, "round_open")
    assert "an anonymous round needs at least 5 people invited (it has 4)" in errors(at)
    assert the_round(demo_path).status == "draft"
    assert "An anonymous round opens with at least 5 people invited (4 now)." in shown(at)


def test_revoke_an_invitation(demo_app, demo_path):
    at = create(open_page(demo_app))
    invite(at, ["ann@example.org", "bob@example.org"])
    listed = table(at, "invitee")
    assert list(listed["status"]) == ["pending", "pending"] and "when" not in " ".join(listed.columns).lower()
    invitation = [k for k in at.selectbox(key=f"round_revoke_pick_{the_round(demo_path).round_id}").options]
    assert len(invitation) == 2
    at = click_version(at, "round_revoke")
    assert not errors(at) and "invitation is revoked" in shown(at)
    assert sorted(table(at, "invitee")["status"]) == ["pending", "revoked"]


def test_a_named_round_shows_who_answered_what_and_an_anonymous_one_never(demo_app, demo_path):
    at = create(open_page(demo_app), mode="named")
    assert "Named: your champion sees your answers" in shown(at)
    tokens = tokens_of(invite(at, ["Ann Lee", "Bob Roe"]))
    at = click_version(at, "round_open")        # a named round opens with fewer than k
    assert not errors(at)
    found = the_round(demo_path)
    with Database(demo_path) as db:
        commands.answer(db, tokens[0], [Answer(found.dimension_ids[0], 2, comment="Ann's view")])
        commands.answer(db, tokens[1], [Answer(found.dimension_ids[0], 5)])
    at.run()
    at = click_version(at, "round_close")
    who = table(at, "person")
    assert set(who["person"]) == {"Ann Lee", "Bob Roe"} and sorted(who["level"].dropna()) == [2, 5]
    assert "Ann's view" in list(who["comment"])
    assert any(e.label.startswith("Who answered what") for e in at.expander)

    closed = closed_anonymous_round(demo_path, str(DEMO_ANCHOR.next().next()))
    at.run()
    at.selectbox(key="round_pick").set_value(closed).run()
    assert not at.exception and "Agree the scores" in shown(at)
    assert not [e for e in at.expander if e.label.startswith("Who answered what")]
    assert table(at, "person") is None


def test_the_mode_can_change_until_the_first_answer(demo_app, demo_path):
    at = create(open_page(demo_app))
    key = [r.key for r in at.radio if r.key.startswith("round_mode_")][0]
    at.radio(key=key).set_value("named")
    at = click_version(at, "round_set_mode")
    assert the_round(demo_path).mode == "named" and "is now named" in shown(at)
    tokens = tokens_of(invite(at, ["Ann Lee"]))
    at = click_version(at, "round_open")
    with Database(demo_path) as db:
        commands.answer(db, tokens[0], [Answer(the_round(demo_path).dimension_ids[0], 3)])
    at.run()
    assert "Mode: named, locked because answers exist" in shown(at)
    assert not [r for r in at.radio if r.key.startswith("round_mode_")] and not has(at.button, "round_set_mode")


PEOPLE = [("ann@example.org", "admin"), ("eddie@example.org", "champion"),
          ("dora@example.org", "department", ["HR"]), ("vera@example.org", "sponsor")]


@pytest.fixture
def org(demo_path, monkeypatch):
    add_people(demo_path, *PEOPLE)
    monkeypatch.setenv("ESM_DB_PATH", str(demo_path))
    return lambda page=None, query=None, user=None: open_app(demo_path, page, query, user=user)


def test_a_sponsor_has_no_rating_rounds_page_and_a_champion_has(org):
    with pytest.raises(Exception):
        org(user="vera@example.org").switch_page(PAGE)
    at = org(PAGE, {"department": DEPT}, user="eddie@example.org")
    assert not at.exception and [t.value for t in at.title] == ["Rating rounds"]
    assert at.button(key="round_create")


def _as_department_rep(page: str, departments: list[str]) -> None:
    """The page as a department rep would get it once the navigation lists it for them (today's router
    lists a page that needs a scoped permission only to those who hold it everywhere)."""
    import runpy

    from esm_maturity.models import Actor, Role
    from esm_maturity.ui import identity, router

    router._state.depth = 1
    identity._run.actor = Actor("dora@example.org", Role.department, frozenset(departments))
    try:
        runpy.run_path(page)
    finally:
        router._state.depth = 0
        identity._run.actor = None


def rep_page(department: str) -> AppTest:
    at = AppTest.from_function(_as_department_rep, args=(str(ROOT / PAGE), ["HR"]), default_timeout=30)
    at.query_params["department"] = department
    return at.run()


def test_a_department_rep_runs_rounds_for_their_own_department_only(org, demo_path):
    with Database(demo_path) as db:
        from tests.conftest import ADMIN
        commands.create_round(db, ADMIN, "FIN", QUARTER)
    other = rep_page("FIN")
    assert not other.exception, other.exception
    assert other.selectbox(key="rounds_department").value == "FIN" and table(other, "round") is not None
    assert "cannot run a rating round and agree its scores for FIN" in shown(other)
    assert not other.button and not other.text_area and not other.radio   # no controls at all
    own = rep_page("HR")
    assert not own.exception, own.exception
    assert own.button(key="round_create")


def test_the_threshold_form_admin_sets_it_a_champion_cannot(org, demo_path):
    at = org(SETTINGS, user="ann@example.org")
    assert at.number_input(key="org_threshold").value == 5
    at.number_input(key="org_threshold").set_value(6)
    at.button(key="threshold_save").click().run()
    assert not at.exception and not errors(at)
    with Database(demo_path) as db:
        assert commands.threshold(db) == (6, 1)
    champion = org(SETTINGS, user="eddie@example.org")
    assert not champion.exception
    assert "Anonymity threshold for rating rounds: 6 answers" in shown(champion)
    assert not [n for n in champion.number_input if n.key == "org_threshold"]
    assert not [b for b in champion.button if b.key == "threshold_save"]
    from esm_maturity.models import Actor, Role
    with Database(demo_path) as db, pytest.raises(PermissionDenied):
        commands.set_threshold(db, Actor("eddie@example.org", Role.champion), 7, expected_version=1)


def test_new_rounds_take_the_threshold_set_then(demo_app, demo_path):
    from tests.conftest import ADMIN

    with Database(demo_path) as db:
        commands.set_threshold(db, ADMIN, 3, expected_version=0)
    at = create(open_page(demo_app))
    assert the_round(demo_path).threshold == 3 and "k = 3" in shown(at)
    invite(at, ["a@example.org", "b@example.org", "c@example.org"])
    at = click_version(at, "round_open")
    assert not errors(at) and the_round(demo_path).status == "open"


def test_offline_invitations_show_their_codes_once(demo_app, demo_path):
    at = create(open_page(demo_app))
    codes = invite(at, ["Ann Lee", "Bob Roe"], channel="offline")
    assert len(codes) == 2 and all(not c.startswith("/") for c in codes)
    assert list(table(at, "invitee")["channel"]) == ["offline form (Excel)"] * 2
    assert [b for b in at.get("download_button") if b.proto.label.startswith("Download the offline forms")]
    at.run()
    assert not at.code


def test_a_split_dimension_offers_an_improvement_on_the_backlog(demo_app, demo_path):
    closed_anonymous_round(demo_path)
    at = open_page(demo_app)
    split = the_round(demo_path).dimension_ids[1]
    with Database(demo_path) as db:
        name = [d.name for d in dimensions(db) if d.dimension_id == split][0]
    at.button(key=f"agree_improve_{split}").click().run()
    assert not at.exception, at.exception
    assert at.text_input(key="new_title").value == f"Improve {name.lower()}"
    assert at.selectbox(key="new_department").value == DEPT and at.selectbox(key="new_source").value == "assessment"
    assert at.query_params["source_ref"] == f"{QUARTER}/{DEPT}/{split}"


def test_the_answer_counts_chart_is_valid_vega_lite_in_both_sizes():
    import pandas as pd

    from esm_maturity.charts import figures as charts

    chart = charts.answer_counts(pd.DataFrame({"level": ["1", "2", "3", "4", "5"], "answers": [0, 1, 3, 1, 0]}))
    for shown_chart in (chart, charts.for_meeting(chart)):
        spec = shown_chart.to_dict(validate=True)
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert chart.description == "5 answers with a level: level 1 0, level 2 1, level 3 3, level 4 1, level 5 0."
