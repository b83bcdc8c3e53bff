"""The organisation's name: set and renamed with a version check, refused for roles that may not change
departments (with the refusal in the audit trail), carried by the workbook's About sheet both ways,
and named by the demo."""

from __future__ import annotations

import json

import openpyxl
import pytest

from esm_maturity.models import Actor, ConflictError, PermissionDenied, Role, ValidationError
from esm_maturity.organisation import DEFAULT_NAME, name_and_version, organisation_name, set_organisation_name
from esm_maturity.workbook import ImportFailed, apply_import, contract, export_bytes, read_upload
from tests.conftest import ADMIN, CHAMPION, SPONSOR
from tests.unit import hostile_corpus as corpus

DORA = Actor("dora@example.org", Role.department, frozenset({"HR"}))


def about(data: bytes) -> dict[str, str]:
    import io

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return {r[0]: r[1] for r in book[contract.ABOUT].iter_rows(min_row=2, values_only=True)}


def test_a_new_database_has_a_neutral_name_and_no_version(db):
    assert name_and_version(db) == (DEFAULT_NAME, 0) and organisation_name(db) == DEFAULT_NAME


def test_set_then_rename_moves_the_version_and_audits_each_change(db):
    assert set_organisation_name(db, CHAMPION, "Contoso", expected_version=0) == 1
    assert set_organisation_name(db, ADMIN, "Contoso Group", expected_version=1) == 2
    assert name_and_version(db) == ("Contoso Group", 2)
    rows = db.rows("SELECT actor, entity, entity_key, before_json, after_json FROM audit_log "
                   "WHERE entity = 'organisation' ORDER BY audit_id")
    assert [(r[0], r[1], r[2]) for r in rows] == [("eddie", "organisation", "name"), ("alice", "organisation", "name")]
    assert rows[0][3] is None and json.loads(rows[1][3]) == {"name": "Contoso"}
    assert json.loads(rows[1][4]) == {"name": "Contoso Group"}


@pytest.mark.parametrize("stale", [0, 1, 5])
def test_a_stale_version_is_a_conflict_and_changes_nothing(db, stale):
    set_organisation_name(db, ADMIN, "Contoso", expected_version=0)
    set_organisation_name(db, ADMIN, "Contoso Group", expected_version=1)
    with pytest.raises(ConflictError, match="someone else renamed the organisation"):
        set_organisation_name(db, CHAMPION, "Mine", expected_version=stale)
    assert name_and_version(db) == ("Contoso Group", 2)


def test_the_first_name_set_twice_from_one_form_is_a_conflict(db):
    set_organisation_name(db, ADMIN, "First", expected_version=0)
    with pytest.raises(ConflictError):
        set_organisation_name(db, CHAMPION, "Second", expected_version=0)
    assert name_and_version(db) == ("First", 1)


@pytest.mark.parametrize("actor", [SPONSOR, DORA], ids=["sponsor", "department rep"])
def test_roles_that_may_not_change_departments_are_refused_and_audited(db, actor):
    with pytest.raises(PermissionDenied):
        set_organisation_name(db, actor, "Not yours", expected_version=0)
    assert name_and_version(db) == (DEFAULT_NAME, 0)
    refusal = db.rows("SELECT actor, action, entity, entity_key FROM audit_log WHERE actor = $1", [actor.name])
    assert len(refusal) == 1 and refusal[0][2:] == ("organisation", "name")


def test_a_blank_or_too_long_name_is_refused(db):
    for bad in ("", "   \t", "x" * 121):
        with pytest.raises(ValidationError):
            set_organisation_name(db, ADMIN, bad, expected_version=0)
    assert set_organisation_name(db, ADMIN, "x" * 120, expected_version=0) == 1


def test_the_demo_has_a_name(demo_db):
    assert name_and_version(demo_db) == ("Northwind Services (demo)", 1)


def test_the_workbook_carries_the_name_both_ways(demo_db, db):
    data = export_bytes(demo_db)
    assert about(data)[contract.ABOUT_ORGANISATION] == "Northwind Services (demo)"
    report = apply_import(db, ADMIN, read_upload(db, data, "backup.xlsx"))
    assert report.applied and report.counts["About (organisation)"] == {"new": 1, "changed": 0, "unchanged": 0}
    assert name_and_version(db) == ("Northwind Services (demo)", 1)
    again = apply_import(db, ADMIN, read_upload(db, data, "backup.xlsx"))
    assert again.counts["About (organisation)"] == {"new": 0, "changed": 0, "unchanged": 1}


def test_an_imported_rename_moves_the_version_so_an_open_form_conflicts(demo_db):
    data = corpus.xlsx({"About": [*corpus.ABOUT_ROWS, [contract.ABOUT_ORGANISATION, "Fabrikam"]]})
    report = apply_import(demo_db, CHAMPION, read_upload(demo_db, data, "renamed.xlsx"))
    assert report.applied and name_and_version(demo_db) == ("Fabrikam", 2)
    with pytest.raises(ConflictError):
        set_organisation_name(demo_db, ADMIN, "From an old form", expected_version=1)


def test_an_unnamed_database_exports_no_name(db):
    assert contract.ABOUT_ORGANISATION not in about(export_bytes(db))


def test_a_rename_by_import_needs_the_departments_permission(demo_db):
    data = corpus.xlsx({"About": [*corpus.ABOUT_ROWS, [contract.ABOUT_ORGANISATION, "Fabrikam"]]})
    with pytest.raises(ImportFailed) as failed:
        apply_import(demo_db, DORA, read_upload(demo_db, data, "renamed.xlsx"))
    assert "About (organisation)" in str(failed.value)
    assert name_and_version(demo_db) == ("Northwind Services (demo)", 1)
    too_long = corpus.xlsx({"About": [*corpus.ABOUT_ROWS, [contract.ABOUT_ORGANISATION, "x" * 121]]})
    with pytest.raises(ImportFailed, match="too long"):
        apply_import(demo_db, ADMIN, read_upload(demo_db, too_long, "long.xlsx"))
