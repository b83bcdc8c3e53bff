"""The People sheet: exported and imported like the others, only admins may change it, each row checked
(role, departments), and an import never leaves no active admin."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from esm_maturity.access.people import add_person, list_people, update_person
from esm_maturity.db import Database
from esm_maturity.models import Role
from esm_maturity.workbook import ImportFailed, apply_import, contract, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN, CHAMPION
from tests.unit import hostile_corpus as corpus

HEADER = ["email", "name", "role", "departments", "active"]


def seed_people(db: Database) -> None:
    add_person(db, ADMIN, "Ann@Example.org", "Ann Admin", "admin")
    add_person(db, ADMIN, "eddie@example.org", "Eddie Champion", "champion")
    add_person(db, ADMIN, "rita@example.org", "Rita Rep", "department", ["IT", "HR"])
    vera = add_person(db, ADMIN, "vera@example.org", "Vera Sponsor", "sponsor")
    update_person(db, ADMIN, vera.email, name=vera.name, role="sponsor", departments=(), active=False,
                  expected_version=vera.version)


def people_state(db: Database) -> list[tuple]:
    return [(p.email, p.name, p.role, p.active, p.departments) for p in list_people(db)]


def edit_people(data: bytes, change) -> bytes:
    """Let `change(ws, header)` edit the People sheet, as a person in Excel would."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[contract.PEOPLE.name]
    change(ws, {c.value: c.column for c in ws[1]})
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row_of(ws, h, email: str) -> int:
    return next(r for r in range(2, ws.max_row + 1) if ws.cell(r, h["email"]).value == email)


def people_only(*rows: list) -> bytes:
    return corpus.xlsx({"About": corpus.ABOUT_ROWS, "People": [HEADER, *rows]})


@pytest.fixture
def org(demo_db):
    seed_people(demo_db)
    return demo_db


def test_the_contract_roles_are_the_domain_roles():
    assert contract.ROLES == tuple(r.value for r in Role)
    assert contract.PEOPLE.column_names == HEADER and contract.PEOPLE in contract.SHEETS


def test_export_writes_every_person_and_a_restore_gives_them_back(org, new_db):
    data = export_bytes(org)
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = [list(r) for r in book["People"].iter_rows(values_only=True)]
    assert rows == [HEADER,
                    ["ann@example.org", "Ann Admin", "admin", None, True],
                    ["eddie@example.org", "Eddie Champion", "champion", None, True],
                    ["rita@example.org", "Rita Rep", "department", "HR, IT", True],
                    ["vera@example.org", "Vera Sponsor", "sponsor", None, False]]
    with Database(new_db("restored")) as target:
        report = apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))
        assert report.counts["People"] == {"new": 4, "changed": 0, "unchanged": 0}
        assert people_state(target) == people_state(org)
        created = target.one("SELECT after_json FROM audit_log WHERE action = 'import' AND entity = 'person'")[0]
        assert json.loads(created)["keys"] == [p[0] for p in people_state(org)]
        again = apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))
        assert again.total_changes == 0 and again.counts["People"]["unchanged"] == 4
        assert target.rows("SELECT DISTINCT version FROM people") == [(1,)]


def test_an_admin_imports_new_people_and_role_changes(org):
    version = {p.email: p.version for p in list_people(org)}

    def change(ws, h):
        ws.cell(row_of(ws, h, "eddie@example.org"), h["role"]).value = "Department"   # case ignored
        ws.cell(row_of(ws, h, "eddie@example.org"), h["departments"]).value = "FIN,  IT,FIN"
        ws.cell(row_of(ws, h, "rita@example.org"), h["departments"]).value = "IT"   # departments alone
        ws.append({h["email"]: "  Zoe@Example.ORG ", h["name"]: "Zoe New", h["role"]: "champion"})
    data = edit_people(export_bytes(org), change)
    before = org.scalar("SELECT count(*) FROM audit_log")
    report = apply_import(org, ADMIN, read_upload(org, data, "people.xlsx"))
    assert report.counts["People"] == {"new": 1, "changed": 2, "unchanged": 2}
    people = {p.email: p for p in list_people(org)}
    assert (people["eddie@example.org"].role, people["eddie@example.org"].departments) == (Role.department,
                                                                                           ("FIN", "IT"))
    assert people["rita@example.org"].departments == ("IT",)
    assert (people["zoe@example.org"].name, people["zoe@example.org"].role, people["zoe@example.org"].active) == (
        "Zoe New", Role.champion, True)
    assert {e: p.version for e, p in people.items() if e in version} == {
        **version, "eddie@example.org": version["eddie@example.org"] + 1,
        "rita@example.org": version["rita@example.org"] + 1}
    assert org.scalar("SELECT added_at IS NOT NULL FROM people WHERE email = 'zoe@example.org'")
    audit = org.rows("SELECT entity, entity_key, before_json, after_json FROM audit_log WHERE audit_id > $1 "
                     "ORDER BY audit_id", [before])
    assert [(a[0], a[1]) for a in audit] == [("person", "eddie@example.org"), ("person", "rita@example.org"),
                                             ("person", "people.xlsx"), ("workbook", "people.xlsx")]
    assert json.loads(audit[0][2])["departments"] == [] and json.loads(audit[0][3])["departments"] == ["FIN", "IT"]
    assert json.loads(audit[1][2])["departments"] == ["HR", "IT"]
    assert json.loads(audit[2][3])["keys"] == ["zoe@example.org"]


def test_a_champion_cannot_change_people_but_may_reimport_them_unchanged(org):
    data = export_bytes(org)
    assert apply_import(org, CHAMPION, read_upload(org, data, "same.xlsx")).counts["People"]["unchanged"] == 4

    def promote(ws, h):
        ws.cell(row_of(ws, h, "eddie@example.org"), h["role"]).value = "admin"
    changed = edit_people(data, promote)
    book = openpyxl.load_workbook(io.BytesIO(changed))   # and a change the champion may make, in the same file
    ws = book["Departments"]
    ws.cell(2, [c.value for c in ws[1]].index("sponsor") + 1).value = "Someone New"
    out = io.BytesIO()
    book.save(out)
    state, departments = people_state(org), org.rows("SELECT * FROM departments ORDER BY department_id")
    last = org.scalar("SELECT max(audit_id) FROM audit_log")
    with pytest.raises(ImportFailed) as caught:
        apply_import(org, CHAMPION, read_upload(org, out.getvalue(), "promote.xlsx"))
    [error] = caught.value.report.errors
    assert error.sheet == "People" and "1 row" in str(error) and "manage people and roles" in str(error)
    assert "admin role" in str(error)
    assert people_state(org) == state and org.rows("SELECT * FROM departments ORDER BY department_id") == departments
    audit = org.rows("SELECT action, actor, entity, after_json FROM audit_log WHERE audit_id > $1", [last])
    assert [(a[0], a[1], a[2]) for a in audit] == [("refused", CHAMPION.name, "workbook")]
    assert "manage people and roles" in json.loads(audit[0][3])["reason"]


def test_each_bad_row_is_reported_by_row_and_column(org):
    data = people_only(["ann@example.org", "Ann Admin", "admin", None, True],
                       ["bob@example.org", "Bob", "boss", None, True],
                       ["carl@example.org", "Carl", "department", "HR, NOPE, it", True],
                       ["dee@example.org", "Dee", "department", " , ", True],
                       ["not an address", "Eve", "sponsor", None, True],
                       ["ANN@example.org", "Ann again", "admin", None, True],
                       ["fay@example.org", "Fay", "champion", "HR", True])
    report = preview_import(org, ADMIN, read_upload(org, data, "bad.xlsx"))
    errors = {(i.row, i.column): i.message for i in report.errors}
    assert set(errors) == {(3, "role"), (4, "departments"), (5, "departments"), (6, "email"), (7, "email")}
    assert "'boss' is not one of: admin, champion, department, sponsor" in errors[(3, "role")]
    assert errors[(4, "departments")] == ("there is no department 'NOPE', 'it' (did you mean 'IT'?) in the "
                                          "Departments sheet or the app")
    assert "a department rep needs at least one department" in errors[(5, "departments")]
    assert "spaces" in errors[(6, "email")] and "appears twice" in errors[(7, "email")]
    [warning] = [i for i in report.issues if i.severity == "warning"]
    assert (warning.row, warning.column) == (8, "departments") and "only a department rep" in warning.message
    with pytest.raises(ImportFailed):
        apply_import(org, ADMIN, read_upload(org, data, "bad.xlsx"))
    assert len(list_people(org)) == 4


def test_a_department_in_the_same_workbook_is_known(org):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Departments": [["department_id", "name"], ["NEW", "New Department"]],
                        "People": [HEADER, ["nia@example.org", "Nia", "department", "NEW", True]]})
    apply_import(org, ADMIN, read_upload(org, data, "new.xlsx"))
    assert {p.email: p.departments for p in list_people(org)}["nia@example.org"] == ("NEW",)


@pytest.mark.parametrize("change", [("champion", True), ("admin", False)], ids=["demoted", "deactivated"])
def test_an_import_never_leaves_no_active_admin(org, change):
    role, active = change
    data = people_only(["eddie@example.org", "Eddie Champion", "champion", None, True],
                       ["ann@example.org", "Ann Admin", role, None, active])
    report = preview_import(org, ADMIN, read_upload(org, data, "last.xlsx"))
    [error] = report.errors
    assert (error.sheet, error.row, error.column) == ("People", 3, "role")
    assert "leaves no active admin (ann@example.org is the last one)" in error.message
    with pytest.raises(ImportFailed):
        apply_import(org, ADMIN, read_upload(org, data, "last.xlsx"))
    assert [p.email for p in list_people(org) if p.role is Role.admin and p.active] == ["ann@example.org"]
    # with another admin in the same sheet it is fine
    handover = people_only(["eddie@example.org", "Eddie Champion", "admin", None, True],
                           ["ann@example.org", "Ann Admin", role, None, active])
    assert apply_import(org, ADMIN, read_upload(org, handover, "handover.xlsx")).counts["People"]["changed"] == 2
    assert [p.email for p in list_people(org) if p.role is Role.admin and p.active] == ["eddie@example.org"]


def test_without_the_departments_column_a_person_keeps_theirs(org):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "People": [["email", "name", "role"], ["rita@example.org", "Rita Renamed", "department"]]})
    report = apply_import(org, ADMIN, read_upload(org, data, "names.xlsx"))
    assert report.counts["People"] == {"new": 0, "changed": 1, "unchanged": 0}
    assert {p.email: (p.name, p.departments) for p in list_people(org)}["rita@example.org"] == (
        "Rita Renamed", ("HR", "IT"))
