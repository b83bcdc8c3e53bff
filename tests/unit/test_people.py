"""People and sign-in: adding and changing people (checked, versioned, never leaving no active admin), the
first admin from the configuration, the two sign-in modes, and `--as EMAIL` on the command line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from esm_maturity import config
from esm_maturity.__main__ import main
from esm_maturity.access.identity import LOCAL_ADMIN, SignInSettings, local_actor, login_of, person_for
from esm_maturity.access.people import (actor_for, add_person, admins, find_person, list_people, signed_in,
                                        update_person)
from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.models import (Actor, ConflictError, NotFound, PermissionDenied, Role, ValidationError)
from tests.conftest import ADMIN, CHAMPION, ROOT
from tests.unit import hostile_corpus as corpus


@pytest.fixture
def org(db):
    add_department(db, ADMIN, "HR", "Human Resources")
    add_department(db, ADMIN, "IT", "IT Services")
    return db


def people_rows(db) -> list[tuple]:
    return db.rows("SELECT p.email, p.name, p.role, p.active, p.version, array_agg(d.department_id ORDER BY "
                   "d.department_id) FROM people p LEFT JOIN person_departments d USING (email) "
                   "GROUP BY p.email, p.name, p.role, p.active, p.version ORDER BY 1")


def audit_count(db) -> int:
    return db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'person'")


def problems(err) -> dict:
    return {p.field: p.message for p in err.value.problems}


# --- adding and changing people --------------------------------------------------------------------


def test_a_person_is_keyed_by_the_lower_case_address_and_audited(org):
    pat = add_person(org, ADMIN, "  Pat.Rep@Example.ORG ", "Pat Rep", " Department ", ["IT", " HR ", "HR", " "])
    assert (pat.email, pat.name, pat.role, pat.active, pat.departments, pat.version) == (
        "pat.rep@example.org", "Pat Rep", Role.department, True, ("HR", "IT"), 1)
    assert pat.actor() == Actor("pat.rep@example.org", Role.department, frozenset({"HR", "IT"}), "Pat Rep")
    assert find_person(org, "PAT.REP@example.org ") == pat
    assert org.rows("SELECT action, actor, entity_key FROM audit_log WHERE entity = 'person'") == [
        ("add", "alice", "pat.rep@example.org")]
    # only a department rep keeps departments
    eddie = add_person(org, ADMIN, "eddie@example.org", "Eddie", "champion", ["HR"])
    assert eddie.departments == () and not org.rows("SELECT 1 FROM person_departments WHERE email = $1",
                                                    [eddie.email])


@pytest.mark.parametrize("email, name, role, departments, field, message", [
    ("nia@example.org", "Nia", "department", ["HR", "NOPE"], "departments", "there is no department NOPE"),
    ("nia@example.org", "Nia", "department", [], "departments", "needs at least one department"),
    ("nia@example.org", "Nia", "department", [" ", ""], "departments", "needs at least one department"),
    ("nia@example.org", "Nia", "boss", [], "role", "'boss' is not a role"),
    ("nia @example.org", "Nia", "sponsor", [], "email", "has spaces"),
    ("", "Nia", "sponsor", [], "email", "is required"),
    ("x" * 121, "Nia", "sponsor", [], "email", "120"),
    ("nia@example.org", "N" * 121, "sponsor", [], "name", "120"),
], ids=["unknown department", "rep without departments", "blank departments", "unknown role", "space in address",
        "no address", "long address", "long name"])
def test_a_bad_person_is_refused_and_nothing_written(org, email, name, role, departments, field, message):
    before, audited = people_rows(org), audit_count(org)
    with pytest.raises(ValidationError) as err:
        add_person(org, ADMIN, email, name, role, departments)
    assert message in problems(err)[field], problems(err)
    assert people_rows(org) == before and audit_count(org) == audited


def test_every_bad_field_is_reported_at_once(org):
    with pytest.raises(ValidationError) as err:
        add_person(org, ADMIN, "a b", "N" * 121, "boss")
    assert set(problems(err)) == {"email", "name", "role"}


def test_a_second_person_with_the_same_address_is_refused(org):
    add_person(org, ADMIN, "pat@example.org", "Pat", "sponsor")
    before = people_rows(org)
    with pytest.raises(ValidationError, match="already in the list"):
        add_person(org, ADMIN, " PAT@Example.org", "Another Pat", "admin")
    assert people_rows(org) == before


def test_a_change_is_saved_once_and_the_second_save_with_the_old_version_is_refused(org):
    seen = add_person(org, ADMIN, "pat@example.org", "Pat", "department", ["HR"])
    saved = update_person(org, ADMIN, "Pat@Example.org", name="Pat Renamed", role="department",
                          departments=["HR", "IT"], active=True, expected_version=seen.version)
    assert (saved.name, saved.departments, saved.version) == ("Pat Renamed", ("HR", "IT"), 2)
    after, audited = people_rows(org), audit_count(org)
    with pytest.raises(ConflictError, match="someone else changed pat@example.org"):
        update_person(org, ADMIN, seen.email, name="Lost", role="sponsor", departments=[], active=False,
                      expected_version=seen.version)
    assert people_rows(org) == after and audit_count(org) == audited
    assert org.one("SELECT action, before_json LIKE '%\"Pat\"%', after_json LIKE '%Pat Renamed%' FROM audit_log "
                   "WHERE entity = 'person' ORDER BY audit_id DESC LIMIT 1") == ("edit", True, True)


def test_a_change_is_checked_like_a_new_person(org):
    seen = add_person(org, ADMIN, "pat@example.org", "Pat", "sponsor")
    for departments, message in ((["NOPE"], "there is no department NOPE"), ([], "needs at least one department")):
        with pytest.raises(ValidationError, match=message):
            update_person(org, ADMIN, seen.email, name="Pat", role="department", departments=departments,
                          active=True, expected_version=seen.version)
    with pytest.raises(NotFound, match="there is no person nobody@example.org"):
        update_person(org, ADMIN, "nobody@example.org", name="N", role="sponsor", departments=[], active=True,
                      expected_version=1)
    assert find_person(org, seen.email) == seen


def test_the_last_active_admin_stays_an_active_admin(org):
    ann = add_person(org, ADMIN, "ann@example.org", "Ann", "admin")
    before = people_rows(org)
    for role, active in (("champion", True), ("admin", False), ("sponsor", False)):
        with pytest.raises(ValidationError, match="last active admin"):
            update_person(org, ADMIN, ann.email, name="Ann", role=role, departments=[], active=active,
                          expected_version=ann.version)
    assert people_rows(org) == before
    ann = update_person(org, ADMIN, ann.email, name="Ann A.", role="admin", departments=[], active=True,
                        expected_version=ann.version)   # renaming the last admin is fine
    bob = add_person(org, ADMIN, "bob@example.org", "Bob", "admin")
    ann = update_person(org, ADMIN, ann.email, name="Ann", role="champion", departments=[], active=True,
                        expected_version=ann.version)   # another admin is left: fine
    assert [p.email for p in admins(org)] == ["bob@example.org"]
    with pytest.raises(ValidationError, match="last active admin"):
        update_person(org, ADMIN, bob.email, name="Bob", role="admin", departments=[], active=False,
                      expected_version=bob.version)
    # an inactive admin does not count: deactivating Bob needs another *active* admin
    update_person(org, ADMIN, ann.email, name="Ann", role="admin", departments=[], active=False,
                  expected_version=ann.version)
    with pytest.raises(ValidationError, match="last active admin"):
        update_person(org, ADMIN, bob.email, name="Bob", role="sponsor", departments=[], active=True,
                      expected_version=bob.version)


def test_only_an_admin_changes_people(org):
    pat = add_person(org, ADMIN, "pat@example.org", "Pat", "sponsor")
    before = people_rows(org)
    with pytest.raises(PermissionDenied, match="needs the admin role"):
        add_person(org, CHAMPION, "new@example.org", "New", "sponsor")
    with pytest.raises(PermissionDenied):
        update_person(org, CHAMPION, pat.email, name="Pat", role="admin", departments=[], active=True,
                      expected_version=pat.version)
    assert people_rows(org) == before
    assert org.rows("SELECT actor, entity, entity_key FROM audit_log WHERE action = 'refused' ORDER BY audit_id") == [
        ("eddie", "person", "new@example.org"), ("eddie", "person", "pat@example.org")]


# --- signing in ----------------------------------------------------------------------------------


def test_the_first_admin_from_the_configuration_is_added_on_first_sign_in(org):
    assert signed_in(org, "stranger@example.org", first_admin="Boss@Example.org") is None
    assert list_people(org) == []
    boss = signed_in(org, " BOSS@example.org", name="The Boss", first_admin="  Boss@Example.org ")
    assert (boss.email, boss.name, boss.role, boss.active) == ("boss@example.org", "The Boss", Role.admin, True)
    assert org.rows("SELECT actor, action, after_json LIKE '%the first admin, from the configuration%' "
                    "FROM audit_log WHERE entity = 'person'") == [("boss@example.org", "add", True)]
    assert signed_in(org, "boss@example.org", first_admin="boss@example.org") == boss   # once only
    assert len(list_people(org)) == 1 and audit_count(org) == 1


def test_the_first_admin_is_not_added_while_there_is_an_active_admin(org):
    add_person(org, ADMIN, "ann@example.org", "Ann", "admin")
    before = people_rows(org)
    assert signed_in(org, "boss@example.org", first_admin="boss@example.org") is None
    with pytest.raises(NotFound, match="is not an active person"):
        actor_for(org, "boss@example.org", first_admin="boss@example.org")
    assert people_rows(org) == before


def test_other_roles_do_not_stop_the_first_admin(org):
    add_person(org, ADMIN, "eddie@example.org", "Eddie", "champion")
    assert signed_in(org, "boss@example.org", first_admin="boss@example.org").role is Role.admin


def test_a_misconfigured_first_admin_matches_nobody_and_breaks_no_sign_in(org):
    """A first_admin with a space (a typo in secrets.toml) must not turn every stranger's sign-in into an error."""
    assert signed_in(org, "boss@example.org", first_admin="boss @example.org") is None
    assert signed_in(org, "boss@example.org", first_admin="x" * 200) is None
    assert list_people(org) == []


def test_a_deactivated_person_is_not_signed_in(org):
    add_person(org, ADMIN, "ann@example.org", "Ann", "admin")
    pat = add_person(org, ADMIN, "pat@example.org", "Pat", "champion")
    assert signed_in(org, "Pat@Example.org") == pat
    update_person(org, ADMIN, pat.email, name="Pat", role="champion", departments=[], active=False,
                  expected_version=pat.version)
    assert signed_in(org, "pat@example.org") is None
    assert signed_in(org, "pat@example.org", first_admin="pat@example.org") is None   # nor made an admin again
    assert find_person(org, "pat@example.org").active is False
    assert org.scalar("SELECT action FROM audit_log WHERE entity = 'person' ORDER BY audit_id DESC LIMIT 1") == \
        "deactivate"
    with pytest.raises(NotFound):
        actor_for(org, "pat@example.org")


@pytest.mark.parametrize("login", [None, "", "   ", "a b@example.org", "x" * 200])
def test_a_login_that_cannot_be_a_person_is_nobody(org, login):
    assert signed_in(org, login, first_admin="boss@example.org") is None
    assert list_people(org) == []


def test_person_for_uses_the_claims(org):
    settings = SignInSettings(organisation=True, first_admin="boss@example.org")
    assert person_for(org, {"sub": "", "name": "Nobody"}, settings) is None
    boss = person_for(org, {"email": "Boss@Example.org", "sub": "123", "name": "The Boss"}, settings)
    assert (boss.email, boss.name) == ("boss@example.org", "The Boss")


def test_the_mode_comes_from_the_secrets():
    assert SignInSettings.from_secrets({}) == SignInSettings(organisation=False, first_admin="")
    assert SignInSettings.from_secrets({"esm": {"first_admin": " ann@example.org "}}) == SignInSettings(
        False, "ann@example.org")
    found = SignInSettings.from_secrets({"auth": {"redirect_uri": "https://esm.example.org/oauth2callback",
                                                  "client_id": "x"}, "esm": {"first_admin": "Ann@Example.org"}})
    assert found == SignInSettings(True, "Ann@Example.org")
    assert SignInSettings.from_secrets({"auth": {"client_id": "x"}}) == SignInSettings(True, "")
    assert SignInSettings.from_secrets({"esm": "not a table"}).first_admin == ""


def test_local_mode_is_the_local_admin_never_the_os_user(monkeypatch):
    for name in ("USER", "LOGNAME", "USERNAME"):
        monkeypatch.setenv(name, "osuser")
    monkeypatch.delenv("ESM_ACTOR", raising=False)
    assert local_actor() == Actor(LOCAL_ADMIN, Role.admin) and LOCAL_ADMIN == "local admin"
    assert local_actor(config.local_name()).name == "local admin"
    assert local_actor("   ").name == "local admin"
    monkeypatch.setenv("ESM_ACTOR", " Kim ")
    assert local_actor(config.local_name()) == Actor("Kim", Role.admin)


@pytest.mark.parametrize("claims, login", [
    ({"email": "Ann@Example.org", "sub": "auth0|123"}, "ann@example.org"),
    ({"email": "", "sub": " Auth0|123 "}, "auth0|123"),
    ({"email": None, "sub": "s-1"}, "s-1"),
    ({"sub": "s-2"}, "s-2"),
    ({"name": "Nobody"}, ""),
])
def test_a_sign_in_is_known_by_its_email_before_its_subject(claims, login):
    assert login_of(claims) == login


# --- the command line: --as EMAIL ----------------------------------------------------------------

ORGANISATION = {"auth": {"client_id": "x"}, "esm": {"first_admin": "boss@example.org"}}


@pytest.fixture
def cli(tmp_path, db_path, monkeypatch, capsys):
    """A database with Ann (admin), Vera (sponsor) and Pat (deactivated), a workbook adding a department, and
    `run(*args, secrets={}, process=False)`: `import` in this process with those secrets, or with `process`
    as `python -m esm_maturity` in its own, away from any secrets.toml but those."""
    with Database(db_path) as db:
        add_person(db, ADMIN, "ann@example.org", "Ann", "admin")
        add_person(db, ADMIN, "vera@example.org", "Vera", "sponsor")
        pat = add_person(db, ADMIN, "pat@example.org", "Pat", "champion")
        update_person(db, ADMIN, pat.email, name="Pat", role="champion", departments=[], active=False,
                      expected_version=pat.version)
    book = tmp_path / "ops.xlsx"
    book.write_bytes(OPS_WORKBOOK)
    home = tmp_path / "home"
    (home / ".streamlit").mkdir(parents=True)
    monkeypatch.delenv("ESM_ACTOR", raising=False)
    command = ["import", str(book), "--db", str(db_path)]

    def run(*args, secrets: dict | None = None, process: bool = False) -> subprocess.CompletedProcess:
        secrets = secrets or {}
        if not process:
            monkeypatch.setattr(config, "read_secrets", lambda: secrets)
            code = main([*command, *args])
            out = capsys.readouterr()
            return subprocess.CompletedProcess(args, code, out.out, out.err)
        (home / ".streamlit" / "secrets.toml").write_text(_toml(secrets), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in ("ESM_DB_PATH", "ESM_ACTOR")}
        env.update(HOME=str(home), PYTHONPATH=str(ROOT))
        return subprocess.run([sys.executable, "-m", "esm_maturity", *command, *args], cwd=home, env=env,
                              capture_output=True, text=True, timeout=120)

    run.departments = lambda: _read(db_path, "SELECT department_id FROM departments")
    run.importers = lambda: _read(db_path, "SELECT DISTINCT actor FROM audit_log WHERE action = 'import'")
    run.refusals = lambda: _read(db_path, "SELECT actor, entity FROM audit_log WHERE action = 'refused'")
    return run


OPS_WORKBOOK = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                            "Departments": [["department_id", "name"], ["OPS", "Operations"]]})


def _toml(secrets: dict) -> str:
    return "".join(f"[{section}]\n" + "".join(f'{k} = "{v}"\n' for k, v in values.items())
                   for section, values in secrets.items())


def _read(path, sql):
    with Database(path) as db:
        return db.rows(sql)


def one_line_error(result) -> str:
    assert result.returncode == 1, result.stdout
    assert result.stderr.startswith("error: ") and result.stderr.strip().count("\n") == 0, result.stderr
    return result.stderr


def test_the_command_line_refuses_an_unknown_address_in_one_line(cli):
    error = one_line_error(cli("--as", "nobody@example.org", secrets=ORGANISATION, process=True))
    assert "'nobody@example.org' is not an active person in this database" in error
    assert cli.departments() == [] and cli.importers() == []


def test_the_command_line_acts_as_a_known_admin(cli):
    result = cli("--as", " Ann@Example.org", secrets=ORGANISATION, process=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert cli.departments() == [("OPS",)] and cli.importers() == [("ann@example.org",)]


@pytest.mark.parametrize("who", ["pat@example.org", "boss@example.org"], ids=["deactivated", "first admin"])
def test_the_command_line_refuses_someone_who_is_not_an_active_person(cli, who):
    """Pat was deactivated; the configuration's first admin is no admin while Ann is one."""
    assert f"{who!r} is not an active person" in one_line_error(cli("--as", who, secrets=ORGANISATION))
    assert cli.departments() == []


def test_the_command_line_applies_the_persons_role(cli):
    error = one_line_error(cli("--as", "vera@example.org"))
    assert "Vera (vera@example.org) is a sponsor and cannot import a workbook" in error
    assert cli.departments() == [] and cli.refusals() == [("vera@example.org", "workbook")]


def test_with_sign_in_configured_the_command_line_needs_as(cli):
    assert "--as EMAIL" in one_line_error(cli(secrets=ORGANISATION))
    assert cli.departments() == []


def test_in_local_mode_the_command_line_is_the_local_admin(cli):
    assert cli().returncode == 0
    assert cli.importers() == [("local admin",)]


def test_the_first_admin_signs_in_on_the_command_line_too(tmp_path, new_db, monkeypatch):
    """An empty people table: the configuration's first admin imports as themselves, and is an admin."""
    monkeypatch.setattr(config, "read_secrets", lambda: ORGANISATION)
    book = tmp_path / "ops.xlsx"
    book.write_bytes(OPS_WORKBOOK)
    target = new_db("new")
    assert main(["import", str(book), "--db", str(target), "--as", "Boss@Example.org"]) == 0
    assert _read(target, "SELECT email, role FROM people") == [("boss@example.org", "admin")]
    assert _read(target, "SELECT DISTINCT actor FROM audit_log WHERE action = 'import'") == [("boss@example.org",)]
