"""Import rules: preview, all or nothing, audit, permissions, domain rules, new keys; the CLI; kill -9 mid-way."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import openpyxl
import pytest

from esm_maturity.__main__ import main
from esm_maturity.db import Database
from esm_maturity.models import Actor, PermissionDenied, Role
from esm_maturity.workbook import ImportFailed, apply_import, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN, CHAMPION, ROOT, SPONSOR
from tests.unit import hostile_corpus as corpus


def edit(data: bytes, sheet: str, change) -> bytes:
    """Open an exported workbook, let `change(ws, header)` edit one sheet, save (as a person in Excel would)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book[sheet]
    header = {c.value: c.column for c in ws[1]}
    change(ws, header)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def find_row(ws, header, **match) -> int:
    for row in range(2, ws.max_row + 1):
        if all(ws.cell(row, header[k]).value == v for k, v in match.items()):
            return row
    raise AssertionError(f"no row {match}")


def counts(db) -> dict:
    return {t: db.scalar(f"SELECT count(*) FROM {t}") for t in
            ("departments", "assessments", "scores", "backlog_items", "checkins", "actions", "audit_log")}


def test_unchanged_rows_are_not_written_and_a_change_is_audited_with_the_file_hash(demo_db):
    data = export_bytes(demo_db)

    def rename(ws, h):
        ws.cell(find_row(ws, h, department_id="HR"), h["sponsor"]).value = "New Sponsor  "
    changed = edit(data, "Departments", rename)
    before = counts(demo_db)
    report = apply_import(demo_db, ADMIN, read_upload(demo_db, changed, "hr.xlsx"))
    assert report.counts["Departments"] == {"new": 0, "changed": 1, "unchanged": 9}
    assert report.total_changes == 1
    # text is kept exactly as typed, trailing spaces and all
    assert demo_db.one("SELECT sponsor, version FROM departments WHERE department_id = 'HR'") == ("New Sponsor  ", 2)
    assert counts(demo_db)["audit_log"] == before["audit_log"] + 2
    audit = demo_db.rows("SELECT action, entity, entity_key, after_json FROM audit_log ORDER BY audit_id DESC LIMIT 2")
    assert audit[0][:3] == ("import", "workbook", "hr.xlsx")
    assert report.sha256 in audit[0][3]
    assert audit[1][:3] == ("import", "department", "HR") and "New Sponsor" in audit[1][3]


def test_created_records_get_one_audit_row_per_sheet_and_changed_records_one_each(demo_db, new_db):
    data = export_bytes(demo_db)
    with Database(new_db("empty")) as empty:
        report = apply_import(empty, ADMIN, read_upload(empty, data, "backup.xlsx"))
        audit = empty.rows("SELECT entity, entity_key, department_id, before_json, after_json FROM audit_log "
                           "WHERE action = 'import' ORDER BY audit_id")
        assert [a[0] for a in audit] == ["department", "dimension", "model", "level", "rubric", "assessment", "score",
                                         "backlog_item", "status_change", "checkin", "action", "value stream",
                                         "stream step", "stream flow", "hand-off quality", "organisation", "workbook"]
        scores = json.loads(audit[6][4])
        assert audit[6][1] == "backup.xlsx" and audit[6][3] is None
        assert scores["created"] == report.counts["Scores"]["new"] == empty.scalar("SELECT count(*) FROM scores")
        assert scores["sha256"] == report.sha256 and scores["sheet"] == "Scores"
        q, dept, dim = empty.one("SELECT s.quarter, s.department_id, s.dimension_id FROM scores s JOIN assessments a "
                                 "ON a.quarter = s.quarter AND a.department_id = s.department_id "
                                 "WHERE a.status = 'draft' ORDER BY 1, 2, 3 LIMIT 1")
        assert f"{q}/{dept}/{dim}" in scores["keys"] and len(scores["keys"]) == scores["created"]

        # The same database changed: one score edited, one department added; the rest is unchanged.
        def edit_score(ws, h):
            row = find_row(ws, h, quarter=q, department_id=dept, dimension_id=dim)
            ws.cell(row, h["evidence"]).value = "Re-assessed with the sponsor"
        changed = edit(export_bytes(empty), "Scores", edit_score)
        changed = edit(changed, "Departments", lambda ws, h: ws.append(["NEW", "New department"]))
        before = counts(empty)
        again = apply_import(empty, ADMIN, read_upload(empty, changed, "edited.xlsx"))
        assert again.counts["Scores"] == {"new": 0, "changed": 1, "unchanged": report.counts["Scores"]["new"] - 1}
        assert again.counts["Departments"]["new"] == 1 and again.total_changes == 2
        assert empty.scalar("SELECT evidence FROM scores WHERE quarter = $1 AND department_id = $2 AND "
                            "dimension_id = $3", [q, dept, dim]) == "Re-assessed with the sponsor"
        assert counts(empty)["audit_log"] == before["audit_log"] + 3
        rows = empty.rows("SELECT entity, entity_key, department_id, before_json, after_json FROM audit_log "
                          "ORDER BY audit_id DESC LIMIT 3")
        assert [r[0] for r in rows] == ["workbook", "score", "department"]
        assert rows[1][1:3] == (f"{q}/{dept}/{dim}", dept)
        assert json.loads(rows[1][4])["evidence"] == "Re-assessed with the sponsor"
        assert json.loads(rows[1][3])["evidence"] != "Re-assessed with the sponsor"
        assert rows[2][1:3] == ("edited.xlsx", "NEW") and json.loads(rows[2][4])["keys"] == ["NEW"]


def test_dry_run_and_any_error_write_nothing(demo_db):
    data = export_bytes(demo_db)

    def two_edits(ws, h):
        ws.cell(find_row(ws, h, department_id="HR"), h["name"]).value = "People"
        ws.cell(find_row(ws, h, department_id="IT"), h["active"]).value = "maybe"
    bad = edit(data, "Departments", two_edits)
    before = counts(demo_db)
    report = preview_import(demo_db, ADMIN, read_upload(demo_db, bad, "bad.xlsx"))
    assert [(i.sheet, i.column) for i in report.errors] == [("Departments", "active")]
    assert report.errors[0].row == find_row(openpyxl.load_workbook(io.BytesIO(bad))["Departments"],
                                            {"department_id": 1}, department_id="IT")
    with pytest.raises(ImportFailed) as caught:
        apply_import(demo_db, ADMIN, read_upload(demo_db, bad, "bad.xlsx"))
    assert "maybe" in str(caught.value)
    assert counts(demo_db) == before
    assert demo_db.scalar("SELECT name FROM departments WHERE department_id = 'HR'") == "Human Resources"


def test_an_error_found_after_tables_were_written_rolls_everything_back(demo_db, new_db):
    """Tables are written while later sheets are still checked: an error in the last sheet (Actions), or
    one found after every sheet (the admin role), still leaves the database as it was."""
    data = export_bytes(demo_db)

    def unknown_checkin(ws, h):
        ws.cell(ws.max_row, h["checkin_id"]).value = "CHK-9999"
    bad = edit(data, "Actions", unknown_checkin)
    with Database(new_db("empty")) as empty:
        before = counts(empty)
        preview = preview_import(empty, ADMIN, read_upload(empty, bad, "bad.xlsx"))
        with pytest.raises(ImportFailed) as caught:
            apply_import(empty, ADMIN, read_upload(empty, bad, "bad.xlsx"))
        assert [str(i) for i in caught.value.report.issues] == [str(i) for i in preview.issues]
        assert caught.value.report.counts == preview.counts and preview.counts["Scores"]["new"] > 0
        assert [i.sheet for i in preview.errors] == ["Actions"]
        assert counts(empty) == before == dict.fromkeys(before, 0)

    def rename(ws, h):   # a champion may not change the maturity model
        ws.cell(find_row(ws, h, dimension_id="safety"), h["name"]).value = "Safety first"

    def new_item(ws, h):
        ws.append({h["title"]: "Written, then rolled back", h["department_id"]: "HR", h["status"]: "idea"})
    edited = edit(edit(data, "Dimensions", rename), "Backlog", new_item)
    before = counts(demo_db)
    with pytest.raises(ImportFailed, match="admin role"):
        apply_import(demo_db, CHAMPION, read_upload(demo_db, edited, "x.xlsx"))
    after = counts(demo_db)
    assert after.pop("audit_log") == before.pop("audit_log") + 1   # the refusal, and nothing else
    assert after == before
    assert demo_db.scalar("SELECT count(*) FROM backlog_items WHERE title = 'Written, then rolled back'") == 0


def test_sheets_in_any_order_are_read_when_needed_with_the_same_result(demo_db, new_db):
    data = export_bytes(demo_db)
    book = openpyxl.load_workbook(io.BytesIO(data))
    book._sheets.reverse()   # Actions first, About last: each sheet is read when its rules need it
    out = io.BytesIO()
    book.save(out)
    with Database(new_db("a")) as a, Database(new_db("b")) as b:
        parsed = read_upload(a, out.getvalue(), "reversed.xlsx")
        assert parsed.sheets["Actions"].rows and not parsed.errors      # asking for all reads what is left
        reversed_ = apply_import(a, ADMIN, parsed)
        in_order = apply_import(b, ADMIN, read_upload(b, data, "in-order.xlsx"))
        assert reversed_.counts == in_order.counts and list(reversed_.counts)[:2] == ["Departments", "Dimensions"]
        assert counts(a) == counts(b) and counts(a)["actions"] > 0


def test_scores_of_a_submitted_assessment_are_locked_but_equal_rows_pass(demo_db):
    data = export_bytes(demo_db)
    assert preview_import(demo_db, ADMIN, read_upload(demo_db, data, "same.xlsx")).ok

    def rescore(ws, h):
        row = find_row(ws, h, quarter="2026-Q3", department_id="HR", dimension_id="collaboration")
        ws.cell(row, h["score"]).value = 5 if ws.cell(row, h["score"]).value != 5 else 4
        ws.cell(row, h["evidence"]).value = "re-scored offline"
    report = preview_import(demo_db, ADMIN, read_upload(demo_db, edit(data, "Scores", rescore), "s.xlsx"))
    assert len(report.errors) == 1
    assert "submitted and locked; reopen it in the app first" in report.errors[0].message


def test_evidence_rule_applies_on_import(demo_db):
    data = export_bytes(demo_db)
    # A draft assessment in the demo's last quarter: scores may change, but need evidence when they move.
    quarter, dept = demo_db.one("SELECT quarter, department_id FROM assessments WHERE status = 'draft' "
                                "ORDER BY department_id LIMIT 1")
    dim, score = demo_db.one("SELECT dimension_id, score FROM scores WHERE quarter = $1 AND department_id = $2 "
                             "AND score IS NOT NULL ORDER BY dimension_id LIMIT 1", [quarter, dept])
    last = demo_db.scalar("SELECT score FROM scores WHERE quarter = '2026-Q3' AND department_id = $1 AND "
                          "dimension_id = $2", [dept, dim])
    new_score = 1 if last != 1 else 2

    def move(ws, h):
        row = find_row(ws, h, quarter=quarter, department_id=dept, dimension_id=dim)
        ws.cell(row, h["score"]).value = new_score
        ws.cell(row, h["evidence"]).value = None
    report = preview_import(demo_db, ADMIN, read_upload(demo_db, edit(data, "Scores", move), "e.xlsx"))
    assert [(i.column, "add evidence" in i.message) for i in report.errors] == [("evidence", True)]


def test_submitting_through_import_needs_every_dimension(demo_db):
    data = export_bytes(demo_db)
    quarter, dept = demo_db.one("SELECT quarter, department_id FROM assessments a WHERE status = 'draft' AND "
                                "(SELECT count(*) FROM scores s WHERE s.quarter = a.quarter AND "
                                "s.department_id = a.department_id) < 9 LIMIT 1")

    def submit(ws, h):
        ws.cell(find_row(ws, h, quarter=quarter, department_id=dept), h["status"]).value = "Submitted"
    report = preview_import(demo_db, ADMIN, read_upload(demo_db, edit(data, "Assessments", submit), "a.xlsx"))
    assert len(report.errors) == 1 and "score every dimension" in report.errors[0].message


def test_backlog_gates_and_blank_keys_make_new_records(any_day):
    """On any day, against a demo built around that day (whose own check-ins may share the date)."""
    demo_db = Database(any_day.demo_path())
    held_on = any_day.day - dt.timedelta(days=15)
    template = corpus.xlsx({
        "About": corpus.ABOUT_ROWS,
        "Backlog": [["item_id", "title", "department_id", "dimension_id", "status", "owner", "outcome", "lessons"],
                    [None, "Self-service portal", "IT", "collaboration", "in_progress", "Sofia", None, None],
                    [None, "Shared inbox", "HR", None, "Idea", None, None, None],
                    [None, "Closed without outcome", "HR", "knowledge", "closed", "Dana", None, None]],
        "Check-ins": [["checkin_id", "held_on", "department_id", "kind"], [None, str(held_on), "HR", "department"]],
    })
    report = preview_import(demo_db, CHAMPION, read_upload(demo_db, template, "new.xlsx"))
    assert {(i.row, i.column) for i in report.errors} == {(4, "outcome"), (4, "lessons")}

    def drop_bad(ws, h):
        ws.delete_rows(4)
    good = edit(template, "Backlog", drop_bad)
    items_before = demo_db.scalar("SELECT count(*) FROM backlog_items")
    checkins_on_day = "SELECT count(*) FROM checkins WHERE held_on = $1 AND department_id = 'HR'"
    checkins_before = demo_db.scalar(checkins_on_day, [held_on])
    done = apply_import(demo_db, CHAMPION, read_upload(demo_db, good, "new.xlsx"))
    assert done.counts["Backlog"]["new"] == 2 and done.counts["Check-ins"]["new"] == 1
    rows = demo_db.rows("SELECT item_id, status, raised_by FROM backlog_items WHERE title IN "
                        "('Self-service portal', 'Shared inbox') ORDER BY title")
    assert [r[1:] for r in rows] == [("in progress", "eddie"), ("idea", "eddie")]
    assert all(r[0].startswith("CI-") for r in rows) and demo_db.scalar("SELECT count(*) FROM backlog_items") == \
        items_before + 2
    assert demo_db.scalar(checkins_on_day, [held_on]) == checkins_before + 1
    assert demo_db.scalar("SELECT count(*) FROM backlog_status_history WHERE item_id = $1", [rows[0][0]]) == 1
    demo_db.close()


def test_actions_need_a_known_checkin_and_item(demo_db):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Actions": [["action_id", "checkin_id", "text", "status", "item_id"],
                                    [None, "CHK-9999", "Call the vendor", "open", None],
                                    [None, None, "No check-in", "open", None],
                                    [None, demo_db.scalar("SELECT min(checkin_id) FROM checkins"), "ok", "Done",
                                     "CI-9999"]]})
    report = preview_import(demo_db, CHAMPION, read_upload(demo_db, data, "a.xlsx"))
    assert {(i.row, i.column) for i in report.errors} == {(2, "checkin_id"), (3, "checkin_id"), (4, "item_id")}


def test_the_import_applies_the_roles_row_by_row(demo_db):
    data = export_bytes(demo_db)
    assert preview_import(demo_db, SPONSOR, read_upload(demo_db, data, "x.xlsx")).ok   # checking a file is reading
    with pytest.raises(PermissionDenied):
        apply_import(demo_db, SPONSOR, read_upload(demo_db, data, "x.xlsx"))

    def rename(ws, h):
        ws.cell(find_row(ws, h, dimension_id="safety"), h["name"]).value = "Safety first"
    report = preview_import(demo_db, CHAMPION, read_upload(demo_db, edit(data, "Dimensions", rename), "x.xlsx"))
    assert [i.sheet for i in report.errors] == ["Dimensions"] and "admin role" in report.errors[0].message

    # a department rep may change their own department's scores, and not another's
    rep = Actor("dora@example.org", Role.department, frozenset({"HR"}))
    quarter = "2020-Q1"   # before the demo's history: a new draft

    def score(dept):
        def change(ws, h):
            ws.append({h["quarter"]: quarter, h["department_id"]: dept, h["dimension_id"]: "safety",
                       h["score"]: 3, h["evidence"]: f"{dept} looked again"})
        return change
    own = preview_import(demo_db, rep, read_upload(demo_db, edit(data, "Scores", score("HR")), "x.xlsx"))
    assert not [i for i in own.errors if "department rep" in i.message], own.errors
    other = edit(data, "Scores", score("FIN"))
    refused = preview_import(demo_db, rep, read_upload(demo_db, other, "x.xlsx"))
    assert any(i.sheet == "Scores" and "for FIN" in i.message and "department rep for HR" in i.message
               for i in refused.errors), refused.errors
    with pytest.raises(ImportFailed):
        apply_import(demo_db, rep, read_upload(demo_db, other, "x.xlsx"))
    assert demo_db.rows("SELECT entity, department_id FROM audit_log WHERE action = 'refused' AND actor = $1",
                        [rep.name]) == [("workbook", None)]
    assert demo_db.scalar("SELECT count(*) FROM scores WHERE quarter = $1", [quarter]) == 0


def test_new_department_and_dimension_from_the_workbook_can_be_referenced(db):
    rubric = [["dimension_id", "level", "name", "description"]] + [
        ["service_design", lvl, None, f"level {lvl} looks like this"] for lvl in range(1, 6)]
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Departments": [["department_id", "name"], ["OPS ", " Operations "]],   # key trimmed, text not
                        "Dimensions": [["dimension_id", "name"], ["service_design", "Service design"]],
                        "Levels": rubric,
                        "Scores": [["quarter", "department_id", "dimension_id", "score", "target"],
                                   ["2026-Q1", "OPS", "service_design", 2, 3.0]]})
    done = apply_import(db, ADMIN, read_upload(db, data, "new.xlsx"))
    assert done.ok
    assert db.one("SELECT name, active FROM departments WHERE department_id = 'OPS'") == (" Operations ", True)
    assert db.scalar("SELECT count(*) FROM rubric WHERE dimension_id = 'service_design'") == 5
    assert db.one("SELECT status FROM assessments WHERE quarter = '2026-Q1' AND department_id = 'OPS'") == ("draft",)
    assert db.one("SELECT score, target FROM scores WHERE department_id = 'OPS'") == (2, 3)


def test_cli_export_and_import_with_dry_run_and_errors(demo_path, tmp_path, new_db, capsys):
    out = tmp_path / "out.xlsx"
    assert main(["export", "--db", str(demo_path), str(out)]) == 0
    assert "Exported to" in capsys.readouterr().out
    target = new_db("target")
    assert main(["import", "--db", str(target), str(out), "--dry-run"]) == 0
    assert "would be imported; nothing was written" in capsys.readouterr().out
    with Database(target) as db:
        assert db.scalar("SELECT count(*) FROM departments") == 0
    assert main(["import", "--db", str(target), str(out)]) == 0
    assert "Imported" in capsys.readouterr().out
    bad = tmp_path / "messy.xlsx"
    bad.write_bytes(corpus.messy_scores())
    assert main(["import", "--db", str(target), str(bad)]) == 1
    printed = capsys.readouterr().out
    assert "Scores  row 3, score: 7 is out of range" in printed and "nothing was imported" in printed
    (tmp_path / "bomb.xlsx").write_bytes(corpus.HOSTILE[7].build())
    assert main(["import", "--db", str(target), str(tmp_path / "bomb.xlsx")]) == 1
    assert "zip bomb" in capsys.readouterr().err


KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from esm_maturity.db import Database
    from esm_maturity.models import SYSTEM
    from esm_maturity.workbook import apply_import, read_upload

    db = Database(sys.argv[1])
    data = open(sys.argv[2], "rb").read()
    written = []

    def progress(table):
        written.append(table)
        if len(written) == 4:       # departments, dimensions, levels written; more to come
            print("midway", flush=True)
            time.sleep(60)
    apply_import(db, SYSTEM, read_upload(db, data, "backup.xlsx"), on_progress=progress if sys.argv[3] == "kill" else None)
    print("done", flush=True)
""")


@pytest.mark.parametrize("mode", ["kill", "finish"])
def test_import_killed_mid_way_leaves_all_or_nothing(demo_db, tmp_path, new_db, mode):
    data = tmp_path / "backup.xlsx"
    data.write_bytes(export_bytes(demo_db))
    expected = counts(demo_db)
    target = new_db("target")
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(target), str(data), mode], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline().strip()
    if mode == "kill":
        assert line == "midway"
        time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    with Database(target) as db:
        found = counts(db)
    if mode == "kill":
        assert proc.returncode == -signal.SIGKILL
        assert {k: v for k, v in found.items() if k != "audit_log"} == dict.fromkeys(found.keys() - {"audit_log"}, 0)
        assert found["audit_log"] == 0
    else:
        assert line == "done" and proc.returncode == 0
        assert {k: found[k] for k in found if k != "audit_log"} == {k: expected[k] for k in expected
                                                                     if k != "audit_log"}
