"""The database's data version: what the screen's caches key on. It moves on every committed write,
through any handle on the file, and never on a rolled-back one."""

from __future__ import annotations

import pytest

from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.models import EsmError
from tests.conftest import ADMIN


def test_every_commit_moves_the_version_and_a_rollback_does_not(db):
    start = db.data_version
    add_department(db, ADMIN, "HR", "Human Resources")
    after_write = db.data_version
    assert after_write[0] == start[0] and after_write[1] > start[1]
    with pytest.raises(EsmError):
        add_department(db, ADMIN, "HR", "Human Resources")      # a duplicate key: refused, nothing written
    assert db.data_version == after_write
    with pytest.raises(RuntimeError):
        with db.transaction(ADMIN) as tx:
            tx.execute("INSERT INTO departments (department_id, name, sponsor, champion) VALUES ('X', 'X', '', '')")
            raise RuntimeError("crash in the middle")
    assert db.data_version == after_write
    assert db.scalar("SELECT count(*) FROM departments WHERE department_id = 'X'") == 0


def test_a_write_through_another_handle_on_the_file_moves_both(db, db_path):
    other = Database(db_path)
    try:
        before = db.data_version
        add_department(other, ADMIN, "IT", "IT Services")
        assert db.data_version == other.data_version and db.data_version[1] > before[1]
    finally:
        other.close()


def test_two_files_have_versions_of_their_own(db, new_db):
    with Database(new_db("second")) as second:
        assert second.data_version[0] != db.data_version[0]
