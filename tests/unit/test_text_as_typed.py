"""Text comes back exactly as typed: through the domain's writes and through export and import. Only keys
and vocabulary words (status, effort, kind, source...) are trimmed."""

from __future__ import annotations

import pytest

from esm_maturity.assessments import save_assessment, stored_scores
from esm_maturity.backlog.commands import add_item, get_item
from esm_maturity.checkins.records import ActionInput, CheckinInput
from esm_maturity.checkins.commands import record_checkin
from esm_maturity.db import Database
from esm_maturity.departments import add_department, get_department
from esm_maturity.maturity import add_dimension, get_dimension
from esm_maturity.models import ScoreInput, ScoreValue
from esm_maturity.workbook import apply_import, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN, CHAMPION, TODAY
from tests.unit import hostile_corpus as corpus

# Leading and trailing tabs, spaces and new lines, and text a spreadsheet would take for a formula.
TRICKY = ["\t=1+1", "  two spaces either side  ", "\nnew lines\n\n", " \t mixed \r\n", "=HYPERLINK(\"http://x\")",
          "+44 20 7946 0000", "-minus", "@SUM(1,2)", "\u00a0no-break\u00a0", "trailing tab\t"]


def tricky(i: int) -> str:
    return TRICKY[i % len(TRICKY)]


def write_everything(db: Database) -> dict[str, object]:
    """One record of each kind, every text field tricky; returns the keys made."""
    add_department(db, ADMIN, " OPS ", tricky(0), tricky(1), tricky(2))
    add_dimension(db, ADMIN, " service_design ", tricky(3), tricky(4), {lvl: tricky(lvl) for lvl in range(1, 6)})
    item = add_item(db, CHAMPION, title=tricky(5), description=tricky(6), department_id=" OPS ",
                    dimension_id=" service_design ", status=" Idea ", status_reason=tricky(7), owner=tricky(8),
                    effort=" m ", outcome=tricky(9), lessons=tricky(0), raised_by=tricky(1), source=" Incident ",
                    source_ref=" INC-42 ")
    recorded = record_checkin(db, CHAMPION, CheckinInput(
        held_on=TODAY, department_id=" OPS ", kind=" Department ", facilitator=tricky(2), notes=tricky(3),
        decisions=tricky(4), wins=tricky(5), blockers=tricky(6)), [ActionInput(text=tricky(7), owner=tricky(8))])
    save_assessment(db, CHAMPION, "2026-Q3", "OPS", [ScoreInput("service_design", ScoreValue(2), 3, tricky(9))],
                    expected_version=0)
    return {"item": item, "checkin": recorded.checkin_id, "action": recorded.action_ids[0]}


def check_everything(db: Database, keys: dict[str, object]) -> None:
    dept = get_department(db, "OPS")
    assert (dept.name, dept.sponsor, dept.champion) == (tricky(0), tricky(1), tricky(2))
    dim = get_dimension(db, "service_design")
    assert (dim.name, dim.description) == (tricky(3), tricky(4))
    assert dim.rubric == {lvl: tricky(lvl) for lvl in range(1, 6)}
    item = get_item(db, keys["item"])
    assert [item[f] for f in ("title", "description", "status_reason", "owner", "outcome", "lessons", "raised_by")] \
        == [tricky(i) for i in (5, 6, 7, 8, 9, 0, 1)]
    # keys and vocabulary words are trimmed (and spelled the app's way)
    assert [item[f] for f in ("department_id", "dimension_id", "status", "effort", "source", "source_ref")] == \
        ["OPS", "service_design", "idea", "M", "incident", "INC-42"]
    checkin = db.one("SELECT department_id, kind, facilitator, notes, decisions, wins, blockers FROM checkins "
                     "WHERE checkin_id = $1", [keys["checkin"]])
    assert checkin == ("OPS", "department", *(tricky(i) for i in range(2, 7)))
    assert db.one("SELECT text, owner FROM actions WHERE action_id = $1", [keys["action"]]) == (tricky(7), tricky(8))
    assert stored_scores(db, "2026-Q3", "OPS")["service_design"].evidence == tricky(9)


def test_the_domain_keeps_text_exactly_as_typed(db):
    check_everything(db, write_everything(db))


def test_export_and_import_keep_text_exactly_as_typed(db, new_db):
    keys = write_everything(db)
    data = export_bytes(db)
    with Database(new_db("copy")) as copy:
        report = apply_import(copy, ADMIN, read_upload(copy, data, "copy.xlsx"))
        assert report.ok and report.applied
        check_everything(copy, keys)


def test_a_hand_made_workbook_keeps_text_but_trims_keys_and_words(db):
    data = corpus.xlsx({
        "About": corpus.ABOUT_ROWS,
        "Departments": [["department_id", "name", "sponsor"], ["  OPS\t", "\t=1+1", " Dana \n"]],
        "Backlog": [["item_id", "title", "department_id", "status", "effort", "source", "description"],
                    [None, "  padded title  ", " OPS ", " Idea ", " xl ", " customer_feedback ", "\tindented"]],
        "Check-ins": [["checkin_id", "held_on", "department_id", "kind", "notes", "blockers"],
                      [None, TODAY, "OPS", " Steering ", "\n notes \n", "  "]],
    })
    report = apply_import(db, ADMIN, read_upload(db, data, "typed.xlsx"))
    assert report.ok, report.lines()
    assert db.one("SELECT department_id, name, sponsor FROM departments") == ("OPS", "\t=1+1", " Dana \n")
    assert db.one("SELECT title, department_id, status, effort, source, description FROM backlog_items") == (
        "  padded title  ", "OPS", "idea", "XL", "customer feedback", "\tindented")
    assert db.one("SELECT kind, notes, blockers FROM checkins") == ("steering", "\n notes \n", "  ")


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_or_white_space_required_cell_is_required(db, blank):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS,
                        "Departments": [["department_id", "name"], ["OPS", blank or None], ["FIN", "Finance"]]})
    report = preview_import(db, ADMIN, read_upload(db, data, "blank.xlsx"))
    assert [(i.row, i.column, i.message) for i in report.errors] == [(2, "name", "is required")]


def test_text_over_its_limit_in_a_workbook_names_the_real_problem(db):
    data = corpus.xlsx({"About": corpus.ABOUT_ROWS, "Departments": [["department_id", "name"], ["OPS", "x" * 121]],
                        "Actions": [["action_id", "checkin_id", "text", "status"], [None, "CHK-0001", "y" * 1001,
                                                                                    "open"]]})
    report = preview_import(db, ADMIN, read_upload(db, data, "long.xlsx"))
    messages = {(i.sheet, i.column): i.message for i in report.errors}
    assert messages[("Departments", "name")] == "is too long (121 characters; at most 120)"
    assert messages[("Actions", "text")] == "is too long (1,001 characters; at most 1,000)"
