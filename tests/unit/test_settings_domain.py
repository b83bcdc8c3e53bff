"""Departments and the maturity model: validation, versions, permissions, audit."""

import pytest

from esm_maturity import maturity
from esm_maturity.audit import history
from esm_maturity.departments import add_department, list_departments, update_department
from esm_maturity.models import ConflictError, PermissionDenied, ValidationError
from tests.conftest import ADMIN, CHAMPION, SPONSOR


def test_default_model_is_loaded(db):
    dims = maturity.dimensions(db, include_retired=True)
    assert len(dims) == 10
    assert [d.dimension_id for d in dims if not d.active] == ["tools"]
    assert maturity.level_names(db) == {1: "Ad hoc", 2: "Emerging", 3: "Established", 4: "Integrated", 5: "Thriving"}
    assert maturity.model_version(db) == "1"
    assert not maturity.load_default_model(db, ADMIN)  # loading twice does nothing


def test_add_department_and_duplicate_keys(db):
    add_department(db, ADMIN, "HR", "Human Resources", "Dana", "Priya")
    with pytest.raises(ValidationError, match="already taken"):
        add_department(db, ADMIN, "hr", "Another HR")
    with pytest.raises(ValidationError) as err:
        add_department(db, ADMIN, "Human Resources", "")
    assert {p.field for p in err.value.problems} == {"department_id", "name"}
    assert [d.department_id for d in list_departments(db)] == ["HR"]


def test_champions_manage_departments_and_only_admins_the_model(db):
    with pytest.raises(PermissionDenied, match="sponsor"):
        add_department(db, SPONSOR, "HR", "Human Resources")
    assert db.scalar("SELECT count(*) FROM departments") == 0
    add_department(db, CHAMPION, "HR", "Human Resources")
    with pytest.raises(PermissionDenied, match="this needs the admin role"):
        maturity.set_dimension_active(db, CHAMPION, "safety", False, expected_version=1)
    assert [r[0] for r in db.rows("SELECT actor FROM audit_log WHERE action = 'refused' ORDER BY audit_id")] == \
        ["vera", "eddie"]


def test_edit_and_deactivate_with_version_check_and_history(db):
    dept = add_department(db, ADMIN, "HR", "Human Resources")
    update_department(db, ADMIN, "HR", name="People", sponsor="Dana", champion="", active=False,
                      expected_version=dept.version)
    assert list_departments(db) == []
    assert list_departments(db, include_inactive=True)[0].name == "People"
    with pytest.raises(ConflictError):
        update_department(db, ADMIN, "HR", name="Stale", sponsor="", champion="", active=True,
                          expected_version=dept.version)
    log = history(db, department_id="HR")
    assert list(log["action"]) == ["deactivate", "add"]


def test_edit_dimension_rubric_and_level_names(db):
    dim = maturity.get_dimension(db, "safety")
    rubric = dict(dim.rubric)
    rubric[3] = "Blameless reviews are the norm."
    maturity.update_dimension(db, ADMIN, "safety", name="Safety", description="d", rubric=rubric,
                              expected_version=dim.version)
    assert maturity.get_dimension(db, "safety").rubric[3] == "Blameless reviews are the norm."
    rubric[2] = ""
    with pytest.raises(ValidationError, match="level 2"):
        maturity.update_dimension(db, ADMIN, "safety", name="Safety", description="d", rubric=rubric,
                                  expected_version=dim.version + 1)
    maturity.rename_level(db, ADMIN, 3, "Defined", "Agreed and practised", expected_version=1)
    assert maturity.level_names(db)[3] == "Defined"


def test_add_and_retire_dimension(db):
    rubric = {i: f"level {i} text" for i in range(1, 6)}
    maturity.add_dimension(db, ADMIN, "service_design", "Service design", "", rubric)
    assert maturity.dimensions(db)[-1].dimension_id == "service_design"
    with pytest.raises(ValidationError, match="already exists"):
        maturity.add_dimension(db, ADMIN, "service_design", "Again", "", rubric)
    with pytest.raises(ValidationError, match="level 4"):
        maturity.add_dimension(db, ADMIN, "other", "Other", "", {1: "a", 2: "b", 3: "c", 5: "e"})
    maturity.set_dimension_active(db, ADMIN, "service_design", False)
    assert "service_design" not in {d.dimension_id for d in maturity.dimensions(db)}
    maturity.set_dimension_active(db, ADMIN, "service_design", True)
    assert "service_design" in {d.dimension_id for d in maturity.dimensions(db)}


def test_history_describes_each_change_readably(db):
    dept = add_department(db, ADMIN, "HR", "Human Resources")
    update_department(db, ADMIN, "HR", name="People", sponsor="Dana", champion="", active=True,
                      expected_version=dept.version)
    log = history(db, department_id="HR")
    assert log.iloc[0]["change"] == "name: Human Resources → People; sponsor: — → Dana"
    assert "department_id: HR; name: Human Resources" in log.iloc[1]["change"]
