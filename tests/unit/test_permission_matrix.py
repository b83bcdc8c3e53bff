"""The permission matrix, command by command: every command that writes, for every role, is allowed or
refused exactly as access/policy.py's table says; a refusal writes nothing and leaves one audit row.

The roles: admin, champion, sponsor, and a department rep for HR acting on HR's records ("rep-own")
and on FIN's ("rep-other"). The expected outcome comes from TABLE below, a copy of the policy's
docstring table kept here on purpose: a change to MATRIX alone (or to the docstring alone) fails.

A refusal's audit row names the department of the record when the refused permission is scoped to
departments (score, checkin, rounds) and for a reopen; the other permissions are not about a department.
The value-stream permissions (streams, flow) are scoped to a stream: a department rep's for a stream that
names them (owner; for flow also champion, or the department receiving a hand-off): see STREAM_OF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from esm_maturity import clock, maturity
from esm_maturity.access import policy
from esm_maturity.access.people import add_person, find_person, list_people, update_person
from esm_maturity.access.policy import MATRIX, SCOPED, Permission as P
from esm_maturity.assessments import get_assessment, reopen_assessment, save_assessment
from esm_maturity.backlog.commands import add_item, change_status, get_item, update_item
from esm_maturity.backlog.grid import save_grid_edits
from esm_maturity.backlog.queries import GRID_COLUMNS, Filters, list_items
from esm_maturity.checkins.commands import (add_action, promote_action, record_checkin, set_action_status,
                                            update_checkin)
from esm_maturity.checkins.queries import get_checkin
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.db import Database
from esm_maturity.demo.organisation import load_demo
from esm_maturity.departments import add_department, get_department, update_department
from esm_maturity.organisation import name_and_version, set_organisation_name
from esm_maturity.models import LEVELS, Actor, EsmError, PermissionDenied, Role, ScoreInput, ScoreValue
from esm_maturity.rounds import commands as rounds
from esm_maturity.rounds.records import Answer, Decision
from esm_maturity.streams import commands as streams, flow as stream_flow, queries as stream_queries
from esm_maturity.streams.records import FlowInput, StepInput, StreamInput
from esm_maturity.workbook import ImportFailed, apply_import, preview_import, read_upload
from tests.conftest import ADMIN, CHAMPION, DEMO_ANCHOR, ROOT, SPONSOR, TODAY
from tests.unit import hostile_corpus as corpus

DORA = Actor("dora@example.org", Role.department, frozenset({"HR"}))
OTHER = {"HR": "FIN", "FIN": "HR"}
Q_NEW = DEMO_ANCHOR.shift(-12)      # before the demo's history: no assessment, no previous scores
Q_IMPORT = DEMO_ANCHOR.shift(-16)
Q_ROUNDS = (DEMO_ANCHOR.shift(-20), DEMO_ANCHOR.shift(-21), DEMO_ANCHOR.shift(-22), DEMO_ANCHOR.shift(-23))
Q_STREAM = DEMO_ANCHOR
STREAM_OWNER = "olu.owner@example.org"

# --- the table, as policy.py's docstring states it ------------------------------------------------

ROLES = (Role.admin, Role.champion, Role.department, Role.sponsor)   # the docstring's column order
TABLE = {   # permission row: (admin, champion, department, sponsor)
    "score": ("yes", "yes", "its departments", "no"),
    "checkin": ("yes", "yes", "its departments", "no"),
    "rounds": ("yes", "yes", "its departments", "no"),
    "streams": ("yes", "yes", "streams it owns", "no"),
    "flow": ("yes", "yes", "its streams", "no"),
    "backlog": ("yes", "yes", "no", "no"),
    "departments": ("yes", "yes", "no", "no"),
    "import": ("yes", "yes", "yes (rows checked)", "no"),
    "activity": ("yes", "yes", "no", "no"),
    "reopen": ("yes", "no", "no", "no"),
    "model": ("yes", "no", "no", "no"),
    "people": ("yes", "no", "no", "no"),
    "demo": ("yes", "no", "no", "no"),
}
ROW_OF = {P.import_workbook: "import"}   # the table's word where it is not the enum's name


def table_allows(actor: Actor, permission: P, scope) -> bool:
    """`scope`: a department key (or None), or for the value-stream permissions a policy.StreamScope."""
    cell = TABLE[ROW_OF.get(permission, permission.name)][ROLES.index(actor.role)]
    if cell == "its departments":
        return scope is not None and scope in actor.departments
    if cell in ("streams it owns", "its streams"):
        if not isinstance(scope, policy.StreamScope) or scope.stream_id is None:
            return False
        named = {scope.owner} if cell == "streams it owns" else {scope.owner, scope.champion}
        return actor.name in named or (cell == "its streams" and scope.receiving in actor.departments)
    return cell.startswith("yes")


def policy_allows(actor: Actor, permission: P, scope) -> bool:
    if isinstance(scope, policy.StreamScope):
        return policy.allowed(actor, permission, stream=scope)
    return policy.allowed(actor, permission, scope)


def test_the_docstring_table_is_this_table():
    rows = {}
    for line in (policy.__doc__ or "").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 5 and not set(cells[0]) <= {"-"} and cells[0] != "permission":
            rows[cells[0]] = tuple(cells[1:])
    assert rows == TABLE


def test_the_matrix_is_this_table():
    for role in ROLES:
        for permission in P:
            cell = TABLE[ROW_OF.get(permission, permission.name)][ROLES.index(role)]
            assert (permission in MATRIX[role]) == (cell != "no"), (role, permission)
            assert (role is Role.department and permission in SCOPED) == (cell == "its departments"), (role, permission)
            assert (role is Role.department and permission in policy.STREAM_SCOPED) == (
                cell in ("streams it owns", "its streams")), (role, permission)
    assert SCOPED == {P.score, P.checkin, P.rounds} and policy.STREAM_SCOPED == {P.streams, P.flow}
    assert set(ROW_OF.get(p, p.name) for p in P) == set(TABLE)


# --- one database for the module, copied per case -------------------------------------------------


@pytest.fixture(scope="module")
def base(demo_file, store) -> Iterator[tuple[Path | str, dict]]:
    """The demo plus, for HR and FIN each, a backlog item, a check-in with an open action and a person;
    a steering check-in with an open action; an admin. Yields the database and the records' keys."""
    path = store.copy(demo_file, "matrix")
    keys: dict[str, Any] = {}
    with clock.frozen(TODAY), Database(path) as db:
        add_person(db, ADMIN, "ann@example.org", "Ann Admin", "admin")
        for dept in ("HR", "FIN"):
            done = record_checkin(db, ADMIN, CheckinInput(held_on=TODAY, department_id=dept),
                                  [ActionInput(f"{dept} matrix action", "Sam")])
            keys[dept] = {
                "item": add_item(db, ADMIN, title=f"{dept} matrix item", department_id=dept, owner="Olu",
                                 dimension_id="safety"),
                "checkin": done.checkin_id, "action": done.action_ids[0],
                "person": add_person(db, ADMIN, f"{dept.lower()}.rep@example.org", f"{dept} Rep", "department",
                                     [dept]).email,
                "submitted": db.scalar("SELECT max(quarter) FROM assessments WHERE department_id = $1 AND "
                                       "status = 'submitted'", [dept])}
            assert keys[dept]["submitted"], f"the demo has no submitted assessment for {dept}"
        for dept in ("HR", "FIN"):   # rating rounds: a draft with five invited, an open one, a closed one answered
            draft = rounds.create_round(db, ADMIN, dept, Q_ROUNDS[0], "anonymous", ["safety"])
            rounds.invite(db, ADMIN, draft.round_id, [f"{dept}{i}@example.org" for i in range(5)])
            opened = rounds.create_round(db, ADMIN, dept, Q_ROUNDS[1], "named", ["safety"])
            rounds.invite(db, ADMIN, opened.round_id, ["one@example.org"])
            rounds.open_round(db, ADMIN, opened.round_id, expected_version=1)
            closed = rounds.create_round(db, ADMIN, dept, Q_ROUNDS[2], "named", ["safety"])
            [token] = rounds.invite(db, ADMIN, closed.round_id, ["two@example.org"])
            rounds.open_round(db, ADMIN, closed.round_id, expected_version=1)
            rounds.answer(db, token.token, [Answer("safety", 3)])
            rounds.close_round(db, ADMIN, closed.round_id, expected_version=2)
            keys[dept].update(draft=draft.round_id, opened=opened.round_id, closed=closed.round_id)
        add_person(db, ADMIN, DORA.name, "Dora", "department", ["HR"])
        add_person(db, ADMIN, STREAM_OWNER, "Olu", "sponsor")
        for dept, owner in (("HR", DORA.name), ("FIN", STREAM_OWNER)):   # HR's names Dora its owner, FIN's does not
            made = streams.create_stream(db, ADMIN, StreamInput(f"{dept} matrix stream", owner=owner),
                                         [StepInput("one", "IT"), StepInput("two", "HR"), StepInput("three", "FIN")],
                                         from_quarter=Q_STREAM)
            steps = stream_queries.steps_in(db, made.stream_id, Q_STREAM)
            keys[dept].update(stream=made.stream_id, steps=[x.step_id for x in steps])
        for dept, at in (("HR", 1), ("FIN", 2)):   # FIN's stream: the hand-off arriving at dept's step
            keys[dept]["receiving"] = keys["FIN"]["steps"][at]
        steering = record_checkin(db, ADMIN, CheckinInput(held_on=TODAY, kind="steering"),
                                  [ActionInput("Steering matrix action", "Kim")])
        keys["steering"] = steering.checkin_id
        db.checkpoint()
    yield path, keys
    store.drop(path)


def fingerprint(db: Database) -> dict:
    """Every table but the audit trail: its row count and a hash of its rows (as text, sorted: either engine)."""
    tables = [r[0] for r in db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = "
                                    "current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'audit_log' "
                                    "ORDER BY 1")]
    rows_hash = "md5(coalesce(string_agg(CAST(r AS TEXT), '|' ORDER BY CAST(r AS TEXT)), ''))"
    return {t: db.one(f"SELECT count(*), {rows_hash} FROM {t} r") for t in tables}


# --- the commands: one small valid call each ------------------------------------------------------


class GridRefused(EsmError):
    """save_grid_edits reports a refused row instead of raising; the case turns it back into an error."""


@dataclass(frozen=True)
class Command:
    name: str
    needs: Callable[[str], list[tuple[P, str | None]]]   # target department -> what the call needs
    call: Callable[[Database, Actor, str, dict], Any]
    probe: Callable[[Database, str, dict], Any]          # the records the call writes, as stored
    refused_as: tuple[type[Exception], ...] = (PermissionDenied,)
    names_department: bool = True    # False: the refusal names a file, not a department
    fresh: bool = False              # runs on an empty database (the demo loads only into one)


def _scores(db, actor, dept, k):
    entries = [ScoreInput(d.dimension_id, ScoreValue(2), 3, "matrix") for d in maturity.dimensions(db)]
    return save_assessment(db, actor, Q_NEW, dept, entries, expected_version=0)


def _assessment(quarter):
    return lambda db, dept, k: (get_assessment(db, quarter(k, dept), dept), db.scalar(
        "SELECT count(*) FROM scores WHERE quarter = $1 AND department_id = $2", [str(quarter(k, dept)), dept]))


def _item(db, dept, k):
    return get_item(db, k[dept]["item"])


def _grid(db, actor, dept, k):
    shown = list_items(db, Filters(status="all", item_id=k[dept]["item"]))[GRID_COLUMNS].reset_index(drop=True)
    [result] = save_grid_edits(db, actor, shown, {0: {"owner": "Grid owner"}})
    if result.outcome == "refused":
        raise GridRefused(result.message)
    assert result.outcome == "saved", result


def _checkin_row(which):
    return lambda db, dept, k: db.one("SELECT * FROM checkins WHERE checkin_id = $1", [which(k, dept)])


def _edit_checkin(which, department):
    def call(db, actor, dept, k):
        seen = get_checkin(db, which(k, dept))
        data = CheckinInput(held_on=seen.held_on, department_id=department(dept), kind=seen.kind, notes="Matrix notes")
        return update_checkin(db, actor, seen.checkin_id, data, expected_version=seen.version)
    return call


def _version(db, table, column, key):
    return db.scalar(f"SELECT version FROM {table} WHERE {column} = $1", [key])


def _action_row(db, dept, k):
    return db.one("SELECT * FROM actions WHERE action_id = $1", [k[dept]["action"]])


def _import(db, actor, dept, k):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Scores": [["quarter", "department_id", "dimension_id", "score", "evidence"],
                                   [str(Q_IMPORT), dept, "safety", 3, f"{dept} looked again"]]})
    return apply_import(db, actor, read_upload(db, data, f"{dept}-scores.xlsx"))


def _person(db, dept, k):
    return find_person(db, k[dept]["person"])


def _rename_person(db, actor, dept, k):
    seen = find_person(db, k[dept]["person"])
    return update_person(db, actor, seen.email, name="Renamed Rep", role="department", departments=[dept],
                         active=True, expected_version=seen.version)


def _levels(db, dept, k):
    return db.rows("SELECT * FROM levels ORDER BY level")


def _rename_levels(db, actor, dept, k):
    seen = {r.level: (r.name, r.meaning, r.version) for r in maturity.levels_frame(db).itertuples()}
    assert maturity.rename_levels(db, actor, {3: ("Matrix level", "m")}, seen) == [3]


def _update_dimension(db, actor, dept, k):
    seen = maturity.get_dimension(db, "safety")
    maturity.update_dimension(db, actor, "safety", name="Safety renamed", description="d", rubric=seen.rubric,
                              expected_version=seen.version)


def _dimension(db, dept, k):
    return maturity.get_dimension(db, "safety")


def _count(sql):
    return lambda db, dept, k: db.scalar(sql, [dept] if "$1" in sql else [])


OWN = lambda p: lambda dept: [(p, dept)]          # noqa: E731  the record's own department
ANY = lambda p: lambda dept: [(p, None)]          # noqa: E731  a permission not about a department
HELD = lambda k, dept: k[dept]["checkin"]         # noqa: E731
STEERING = lambda k, dept: k["steering"]          # noqa: E731

COMMANDS = [
    Command("save_assessment", OWN(P.score), _scores, _assessment(lambda k, dept: Q_NEW)),
    Command("reopen_assessment", OWN(P.reopen),
            lambda db, actor, dept, k: reopen_assessment(db, actor, k[dept]["submitted"], dept, "matrix test"),
            _assessment(lambda k, dept: k[dept]["submitted"])),
    Command("add_item", ANY(P.backlog),
            lambda db, actor, dept, k: add_item(db, actor, title="Matrix idea", department_id=dept),
            _count("SELECT count(*) FROM backlog_items WHERE department_id = $1")),
    Command("update_item", ANY(P.backlog),
            lambda db, actor, dept, k: update_item(db, actor, k[dept]["item"], {"owner": "New owner"},
                                                   _version(db, "backlog_items", "item_id", k[dept]["item"])),
            _item),
    Command("change_status", ANY(P.backlog),
            lambda db, actor, dept, k: change_status(db, actor, k[dept]["item"], "accepted",
                                                     _version(db, "backlog_items", "item_id", k[dept]["item"])),
            _item),
    Command("save_grid_edits", ANY(P.backlog), _grid, _item, refused_as=(GridRefused,)),
    Command("record_checkin", OWN(P.checkin),
            lambda db, actor, dept, k: record_checkin(db, actor, CheckinInput(held_on=TODAY, department_id=dept),
                                                      [ActionInput("Matrix action", "Sam")]),
            _count("SELECT count(*) FROM checkins WHERE department_id = $1")),
    Command("record_checkin_steering", ANY(P.checkin),
            lambda db, actor, dept, k: record_checkin(db, actor, CheckinInput(held_on=TODAY, kind="steering")),
            _count("SELECT count(*) FROM checkins WHERE department_id IS NULL")),
    Command("update_checkin", OWN(P.checkin), _edit_checkin(HELD, lambda dept: dept), _checkin_row(HELD)),
    Command("update_checkin_move", lambda dept: [(P.checkin, dept), (P.checkin, OTHER[dept])],
            _edit_checkin(HELD, lambda dept: OTHER[dept]), _checkin_row(HELD)),
    Command("update_checkin_steering", ANY(P.checkin), _edit_checkin(STEERING, lambda dept: None),
            _checkin_row(STEERING)),
    Command("add_action", OWN(P.checkin),
            lambda db, actor, dept, k: add_action(db, actor, k[dept]["checkin"], ActionInput("Matrix extra", "Sam")),
            lambda db, dept, k: db.scalar("SELECT count(*) FROM actions WHERE checkin_id = $1", [k[dept]["checkin"]])),
    Command("set_action_status", OWN(P.checkin),
            lambda db, actor, dept, k: set_action_status(
                db, actor, k[dept]["action"], "done",
                expected_version=_version(db, "actions", "action_id", k[dept]["action"])),
            _action_row),
    Command("promote_action", ANY(P.backlog),
            lambda db, actor, dept, k: promote_action(
                db, actor, k[dept]["action"], dimension_id="safety",
                expected_version=_version(db, "actions", "action_id", k[dept]["action"])),
            lambda db, dept, k: (_action_row(db, dept, k), db.scalar("SELECT count(*) FROM backlog_items"))),
    Command("add_department", ANY(P.departments),
            lambda db, actor, dept, k: add_department(db, actor, f"X{dept}", "Matrix department"),
            _count("SELECT count(*) FROM departments")),
    Command("update_department", ANY(P.departments),
            lambda db, actor, dept, k: update_department(
                db, actor, dept, name="Renamed", sponsor="", champion="", active=True,
                expected_version=get_department(db, dept).version),
            lambda db, dept, k: get_department(db, dept)),
    Command("set_organisation_name", ANY(P.departments),
            lambda db, actor, dept, k: set_organisation_name(db, actor, "Matrix Services",
                                                             expected_version=name_and_version(db)[1]),
            lambda db, dept, k: name_and_version(db)),
    Command("add_dimension", ANY(P.model),
            lambda db, actor, dept, k: maturity.add_dimension(db, actor, "matrix_dim", "Matrix", "d",
                                                              {level: f"level {level}" for level in LEVELS}),
            _count("SELECT count(*) FROM dimensions")),
    Command("update_dimension", ANY(P.model), _update_dimension, _dimension),
    Command("set_dimension_active", ANY(P.model),
            lambda db, actor, dept, k: maturity.set_dimension_active(
                db, actor, "safety", False, expected_version=maturity.get_dimension(db, "safety").version),
            _dimension),
    Command("rename_level", ANY(P.model),
            lambda db, actor, dept, k: maturity.rename_level(db, actor, 2, "Matrix level", "",
                                                             expected_version=_version(db, "levels", "level", 2)),
            _levels),
    Command("rename_levels", ANY(P.model), _rename_levels, _levels),
    Command("load_demo", ANY(P.demo), lambda db, actor, dept, k: load_demo(db, actor),
            _count("SELECT count(*) FROM departments"), fresh=True),
    Command("apply_import", lambda dept: [(P.import_workbook, None), (P.score, dept)], _import,
            _assessment(lambda k, dept: Q_IMPORT), refused_as=(PermissionDenied, ImportFailed),
            names_department=False),   # a workbook may hold rows of several departments: it names the file
    Command("add_person", ANY(P.people),
            lambda db, actor, dept, k: add_person(db, actor, f"new.{dept.lower()}@example.org", "New Rep",
                                                  "department", [dept]),
            lambda db, dept, k: list_people(db)),
    Command("update_person", ANY(P.people), _rename_person, _person),
]

def _round_row(which):
    return lambda db, dept, k: db.one("SELECT * FROM rating_rounds WHERE round_id = $1", [k[dept][which]])


def _invitations(db, dept, k):
    return db.rows("SELECT * FROM round_invitations WHERE round_id = $1 ORDER BY invitation_id", [k[dept]["draft"]])


def _round_version(db, k, dept, which):
    return _version(db, "rating_rounds", "round_id", k[dept][which])


ROUND_COMMANDS = [
    Command("create_round", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.create_round(db, actor, dept, Q_ROUNDS[3], "named"),
            _count("SELECT count(*) FROM rating_rounds WHERE department_id = $1")),
    Command("invite", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.invite(db, actor, k[dept]["draft"], ["new@example.org"]), _invitations),
    Command("revoke", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.revoke(db, actor, k[dept]["draft"], _invitations(db, dept, k)[0][0]),
            _invitations),
    Command("set_mode", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.set_mode(db, actor, k[dept]["draft"], "named",
                                                       expected_version=_round_version(db, k, dept, "draft")),
            _round_row("draft")),
    Command("open_round", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.open_round(db, actor, k[dept]["draft"],
                                                         expected_version=_round_version(db, k, dept, "draft")),
            _round_row("draft")),
    Command("close_round", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.close_round(db, actor, k[dept]["opened"],
                                                          expected_version=_round_version(db, k, dept, "opened")),
            _round_row("opened")),
    Command("agree", OWN(P.rounds),
            lambda db, actor, dept, k: rounds.agree(db, actor, k[dept]["closed"], [Decision("safety", 3)],
                                                    expected_version=_round_version(db, k, dept, "closed")),
            _round_row("closed")),
    Command("set_threshold", ANY(P.people),
            lambda db, actor, dept, k: rounds.set_threshold(db, actor, 6, expected_version=0),
            lambda db, dept, k: rounds.threshold(db)),
]
COMMANDS += ROUND_COMMANDS

# The value-stream commands: HR's stream names Dora its owner; FIN's names someone else.
STREAM_OF = {"HR": policy.StreamScope("HR", owner=DORA.name), "FIN": policy.StreamScope("FIN", owner=STREAM_OWNER)}
DEFINE = lambda dept: [(P.streams, STREAM_OF[dept])]   # noqa: E731
FLOW = lambda dept: [(P.flow, STREAM_OF[dept])]        # noqa: E731


def _stream_version(db, k, dept):
    return _version(db, "value_streams", "stream_id", k[dept]["stream"])


def _stream_rows(db, dept, k):
    return (db.one("SELECT * FROM value_streams WHERE stream_id = $1", [k[dept]["stream"]]),
            db.rows("SELECT * FROM stream_steps WHERE stream_id = $1 ORDER BY step_id, valid_from", [k[dept]["stream"]]))


def _step_change(change):
    def call(db, actor, dept, k):
        return change(db, actor, k[dept]["stream"], k[dept]["steps"], _stream_version(db, k, dept))
    return call


STREAM_COMMANDS = [
    Command("create_stream", lambda dept: [(P.streams, policy.StreamScope())],
            lambda db, actor, dept, k: streams.create_stream(db, actor, StreamInput(f"New {dept} stream")),
            _count("SELECT count(*) FROM value_streams")),
    Command("update_stream", DEFINE,
            lambda db, actor, dept, k: streams.update_stream(db, actor, k[dept]["stream"],
                                                             StreamInput(f"{dept} renamed stream"),
                                                             expected_version=_stream_version(db, k, dept)),
            _stream_rows),
    Command("add_step", DEFINE, _step_change(lambda db, actor, s, steps, v: streams.add_step(
        db, actor, s, StepInput("four", "LEG"), expected_version=v, from_quarter=Q_STREAM)), _stream_rows),
    Command("remove_step", DEFINE, _step_change(lambda db, actor, s, steps, v: streams.remove_step(
        db, actor, s, steps[0], expected_version=v, from_quarter=Q_STREAM)), _stream_rows),
    Command("move_step", DEFINE, _step_change(lambda db, actor, s, steps, v: streams.move_step(
        db, actor, s, steps[0], 3, expected_version=v, from_quarter=Q_STREAM)), _stream_rows),
    Command("update_step", DEFINE, _step_change(lambda db, actor, s, steps, v: streams.update_step(
        db, actor, s, steps[0], StepInput("one", "LEG"), expected_version=v, from_quarter=Q_STREAM)), _stream_rows),
    Command("save_steps", DEFINE, _step_change(lambda db, actor, s, steps, v: streams.save_steps(
        db, actor, s, [(steps[1], StepInput("two", "HR")), (None, StepInput("new", "LEG"))], expected_version=v,
        from_quarter=Q_STREAM)), _stream_rows),
    Command("record_flow", FLOW,
            lambda db, actor, dept, k: stream_flow.record_flow(db, actor, k[dept]["stream"], Q_STREAM,
                                                               FlowInput(lead_time_days=12)),
            lambda db, dept, k: db.rows("SELECT * FROM stream_flow WHERE stream_id = $1", [k[dept]["stream"]])),
    Command("set_handoff_quality", FLOW,
            lambda db, actor, dept, k: stream_flow.set_handoff_quality(db, actor, k[dept]["stream"], Q_STREAM,
                                                                       k[dept]["steps"][2], 80),
            lambda db, dept, k: db.rows("SELECT * FROM stream_handoffs WHERE stream_id = $1", [k[dept]["stream"]])),
    Command("set_handoff_quality_receiving",   # FIN's stream (not naming Dora): the hand-off arriving at dept
            lambda dept: [(P.flow, policy.StreamScope("FIN", owner=STREAM_OWNER, receiving=dept))],
            lambda db, actor, dept, k: stream_flow.set_handoff_quality(db, actor, k["FIN"]["stream"], Q_STREAM,
                                                                       k[dept]["receiving"], 60),
            lambda db, dept, k: db.rows("SELECT * FROM stream_handoffs WHERE stream_id = $1", [k["FIN"]["stream"]])),
]
COMMANDS += STREAM_COMMANDS

WHO = {"admin": (ADMIN, "HR"), "champion": (CHAMPION, "HR"), "sponsor": (SPONSOR, "HR"),
       "rep-own": (DORA, "HR"), "rep-other": (DORA, "FIN")}

def _cases():
    for command in COMMANDS:
        for who in WHO:
            yield pytest.param(command, who, id=f"{command.name}-{who}")


@pytest.fixture
def workspace(base, new_db):
    """The base database copied, and an empty one (created when a case asks for it)."""
    path, keys = base
    copies = {}

    def open_db(fresh: bool) -> Database:
        target = new_db("fresh") if fresh else new_db.copy(path, "case")
        copies[fresh] = Database(target)
        return copies[fresh]

    yield open_db, keys
    for database in copies.values():
        database.close()


def _last_audit_id(db: Database) -> int:
    return db.scalar("SELECT coalesce(max(audit_id), 0) FROM audit_log")


@pytest.mark.parametrize("command, who", list(_cases()))
def test_each_command_for_each_role(command: Command, who: str, workspace):
    open_db, keys = workspace
    actor, dept = WHO[who]
    db = open_db(command.fresh)
    needs = command.needs(dept)
    expected = all(table_allows(actor, p, d) for p, d in needs)
    assert expected == all(policy_allows(actor, p, d) for p, d in needs)
    tables, record, last = fingerprint(db), command.probe(db, dept, keys), _last_audit_id(db)

    if expected:
        command.call(db, actor, dept, keys)
        assert command.probe(db, dept, keys) != record, "the allowed call wrote nothing to its record"
        assert fingerprint(db) != tables
        assert not db.rows("SELECT 1 FROM audit_log WHERE audit_id > $1 AND action = 'refused'", [last])
        return

    with pytest.raises(command.refused_as) as raised:
        command.call(db, actor, dept, keys)
    if isinstance(raised.value, ImportFailed):   # refused rows: the report names them, the error carries why
        assert raised.value.refusals and all(isinstance(r, PermissionDenied) for r in raised.value.refusals)
    assert fingerprint(db) == tables, "a refused call changed the database"
    assert command.probe(db, dept, keys) == record
    about_a_department = [d for p, d in needs if not table_allows(actor, p, d) and p in SCOPED | {P.reopen}]
    department = about_a_department[0] if command.names_department and about_a_department else None
    audit = db.rows("SELECT action, actor, department_id FROM audit_log WHERE audit_id > $1", [last])
    assert audit == [("refused", actor.name, department)]


@pytest.mark.parametrize("who", list(WHO))
def test_previewing_an_import_writes_nothing_for_any_role(who: str, workspace):
    """The dry run is reading: allowed to all, it writes nothing (no audit row either) and reports the rows the
    person may not write as errors."""
    open_db, keys = workspace
    actor, dept = WHO[who]
    db = open_db(False)
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Scores": [["quarter", "department_id", "dimension_id", "score", "evidence"],
                                   [str(Q_IMPORT), dept, "safety", 3, "looked again"]]})
    tables, last = fingerprint(db), _last_audit_id(db)
    report = preview_import(db, actor, read_upload(db, data, "preview.xlsx"))
    assert report.ok == table_allows(actor, P.score, dept), report.errors
    assert fingerprint(db) == tables and _last_audit_id(db) == last


def test_the_rep_imports_hr_scores_and_not_fin_scores(workspace):
    """The same workbook shape: HR's rows are written, FIN's refused whole, named in the report."""
    open_db, keys = workspace
    db = open_db(False)
    with pytest.raises(ImportFailed) as refused:
        _import(db, DORA, "FIN", keys)
    assert any(i.sheet == "Scores" and "for FIN" in i.message for i in refused.value.report.errors)
    assert db.scalar("SELECT count(*) FROM scores WHERE quarter = $1", [str(Q_IMPORT)]) == 0
    assert get_assessment(db, Q_IMPORT, "FIN") is None
    report = _import(db, DORA, "HR", keys)
    assert report.applied and report.counts["Scores"]["new"] == 1
    assert db.rows("SELECT department_id, score FROM scores WHERE quarter = $1", [str(Q_IMPORT)]) == [("HR", 3)]
    assert get_assessment(db, Q_IMPORT, "HR").status == "draft"


def test_a_refusal_tells_the_rep_what_to_ask_for(workspace):
    open_db, keys = workspace
    db = open_db(False)
    with pytest.raises(PermissionDenied) as other:
        _scores(db, DORA, "FIN", keys)
    assert "for HR, so cannot score a self-assessment for FIN" in str(other.value)
    with pytest.raises(PermissionDenied) as across:
        record_checkin(db, DORA, CheckinInput(held_on=TODAY, kind="steering"))
    assert "only champions and admins" in str(across.value) and "across departments" in str(across.value)
    with pytest.raises(PermissionDenied) as role:
        add_item(db, DORA, title="x", department_id="HR")
    assert "needs the admin or champion role" in str(role.value)


# Writers that need no permission: the shipped model loads only into a database without one (every
# database is opened that way), and the first admin named in the configuration signs in.
# An answer to a rating round needs an invitation (its token, or the signed-in person's own), not a role.
NO_PERMISSION = {"load_default_model", "signed_in", "answer", "answer_signed_in"}


def test_every_writing_command_is_in_the_matrix():
    """Each public function of the package that opens a write (db.write, db.transaction) has a case here."""
    import ast

    writers = set()
    for path in (ROOT / "esm_maturity").rglob("*.py"):
        if {"bench", "ui"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_") and any(
                    isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in
                    ("write", "transaction") and isinstance(n.func.value, ast.Name) and n.func.value.id == "db"
                    for n in ast.walk(node)):
                writers.add(node.name)
    covered = {re.sub(r"_(steering|move|receiving)$", "", c.name) for c in COMMANDS}
    assert {"save_assessment", "apply_import", "add_person"} <= writers, "the scan is broken"
    assert writers - NO_PERMISSION <= covered, sorted(writers - NO_PERMISSION - covered)
