"""The export's rating-round sheets: named answers for admins and champions only; an anonymous round's
aggregates only for dimensions at or above its threshold k; nothing of a round in a sponsor's or a
department rep's export; Scores carries each score's provenance and a restore brings it back."""

from __future__ import annotations

import io

import openpyxl
import python_calamine

from esm_maturity.db import Database
from esm_maturity.models import Actor, Quarter, Role
from esm_maturity.rounds import commands, records, results, stats
from esm_maturity.rounds.records import ANONYMOUS, MEETING, NAMED, Answer, Decision
from esm_maturity.workbook import apply_import, contract, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN, CHAMPION, SPONSOR, TODAY

Q = Quarter.of(TODAY).shift(1)
REP = Actor("rita", Role.department, frozenset({"IT", "FIN"}))


def sheets(data: bytes) -> dict[str, list[list]]:
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def table(data: bytes, name: str) -> list[dict]:
    rows = sheets(data)[name]
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def closed_round(db, mode, department, people: list[dict]):
    dims = sorted({d for p in people for d in p})
    made = commands.create_round(db, ADMIN, department, Q, mode, dims)
    issued = commands.invite(db, ADMIN, made.round_id, [f"p{i}.{department}@example.org" for i in range(max(5, len(people)))])
    commands.open_round(db, ADMIN, made.round_id, expected_version=results.get_round(db, made.round_id).version)
    for token, levels in zip(issued, people):
        commands.answer(db, token.token, [Answer(d, lv, lv is None, f"said {d}") for d, lv in levels.items()])
    commands.close_round(db, ADMIN, made.round_id, expected_version=results.get_round(db, made.round_id).version)
    return results.get_round(db, made.round_id)


def test_the_contract_speaks_the_rounds_words():
    assert contract.SCORE_METHODS == records.METHODS
    assert set(contract.AGREEMENTS) == {stats.ALIGNED, stats.MIXED, stats.SPLIT, records.BELOW, records.NO_EVIDENCE}
    assert contract.EXPORT_ONLY == {"Rating rounds", "Round answers", "Round results"}
    assert not contract.EXPORT_ONLY & {s.name for s in contract.SHEETS}


def test_named_answers_go_to_admins_and_champions_only(demo_db):
    named = closed_round(demo_db, NAMED, "IT", [{"sponsorship": 2}, {"sponsorship": 4}])
    for who in (ADMIN, CHAMPION):
        rows = [r for r in table(export_bytes(demo_db, who), "Round answers") if r["round_id"] == named.round_id]
        assert sorted((r["invitee"], r["level"], r["comment"]) for r in rows) == [
            ("p0.IT@example.org", 2, "said sponsorship"), ("p1.IT@example.org", 4, "said sponsorship")]
        listed = {r["round_id"]: r for r in table(export_bytes(demo_db, who), "Rating rounds")}
        assert listed[named.round_id]["answered"] == 2 and listed[named.round_id]["invited"] == 5
    for who in (SPONSOR, REP, None):
        names = set(sheets(export_bytes(demo_db, who)))
        assert not names & contract.EXPORT_ONLY, who
        assert names == {"About", *(s.name for s in contract.SHEETS), *contract.DERIVED}


def test_anonymous_aggregates_only_at_or_above_k_and_nothing_below(demo_db):
    a, b = "sponsorship", "purpose"          # b: three valid answers and two don't know, k = 5
    people = [{a: 3, b: 4}, {a: 4, b: 4}, {a: 3, b: None}, {a: 2, b: None}, {a: 3, b: 5}]
    found = closed_round(demo_db, ANONYMOUS, "FIN", people)
    data = export_bytes(demo_db, CHAMPION)
    rows = [r for r in table(data, "Round results") if r["round_id"] == found.round_id]
    assert [r["dimension_id"] for r in rows] == [a]
    [shown] = rows
    assert (shown["n_valid"], shown["dont_know"], shown["median"], shown["agreement"]) == (5, 0, 3, "split")
    assert [shown[f"level_{n}"] for n in range(1, 6)] == [0, 1, 3, 1, 0]
    assert not [r for r in table(data, "Round answers") if r["round_id"] == found.round_id]   # never one by one
    # nothing of b anywhere in the file: no count, no comment
    flat = [str(v) for name in contract.EXPORT_ONLY for row in sheets(data)[name] for v in row]
    assert "said purpose" not in flat and "said sponsorship" not in flat
    assert not any(row[0] == found.round_id and b in row for name in ("Round results", "Round answers")
                   for row in sheets(data)[name])


def test_the_demo_exports_its_suppressed_dimensions_as_no_row(demo_db):
    data = export_bytes(demo_db, ADMIN)
    listed = {r["department_id"]: r for r in table(data, "Rating rounds")}
    assert {r["status"] for r in listed.values()} == {"draft", "open", "closed", "agreed"}
    shown = {(r["round_id"], r["dimension_id"]) for r in table(data, "Round results")}
    assert (listed["HR"]["round_id"], "safety") not in shown and (listed["HR"]["round_id"], "purpose") in shown
    assert (listed["MKT"]["round_id"], "knowledge") not in shown
    assert not any(r["round_id"] in (listed["PMO"]["round_id"], listed["CS"]["round_id"])
                   for r in table(data, "Round results"))                       # open: only x of N


def test_scores_carry_their_provenance_and_a_restore_brings_it_back(demo_db, new_db):
    found = closed_round(demo_db, ANONYMOUS, "FIN", [{"sponsorship": lv} for lv in (2, 3, 3, 3, 5)])
    commands.agree(demo_db, ADMIN, found.round_id, [Decision("sponsorship", 4, MEETING, "=we talked")],
                   expected_version=found.version)
    data = export_bytes(demo_db)
    row = next(r for r in table(data, "Scores") if (r["quarter"], r["department_id"]) == (str(Q), "FIN"))
    assert (row["method"], row["round_id"], row["n_valid"], row["agreement"], row["rationale"]) == (
        MEETING, found.round_id, 5, "split", "=we talked")
    with Database(new_db("restored")) as target:
        assert apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx")).ok
        assert target.one("SELECT method, round_id, n_valid, agreement, rationale FROM scores WHERE quarter = $1 "
                          "AND department_id = 'FIN'", [str(Q)]) == (MEETING, found.round_id, 5, "split",
                                                                      "=we talked")
        assert results.badges(target, str(Q)) == {("FIN", "sponsorship"): "n=5 · split"}
    # the export-only sheets are left alone on import, with a warning, and nothing changes
    again = preview_import(demo_db, ADMIN, read_upload(demo_db, export_bytes(demo_db, ADMIN), "admin.xlsx"))
    assert again.ok and again.total_changes == 0
    assert {i.sheet for i in again.issues if i.severity == "warning"} >= contract.EXPORT_ONLY


def _edit(data: bytes, change) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book["Scores"]
    h = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, h["round_id"]).value)
    change(ws, h, row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_stored_scores_provenance_cannot_be_forged_in_a_workbook(demo_db):
    data = export_bytes(demo_db)

    def forge(ws, h, row):
        ws.cell(row, h["n_valid"]).value = 40
    report = preview_import(demo_db, ADMIN, read_upload(demo_db, _edit(data, forge), "forged.xlsx"))
    assert [(i.sheet, i.column) for i in report.errors] == [("Scores", "method")]
    assert "cannot be changed in a workbook" in report.errors[0].message
