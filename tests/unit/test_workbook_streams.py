"""Value streams in the workbook: ValueStreams, ValueStreamSteps, StreamFlow and HandoffQuality round-trip
losslessly (every step version, supporting departments, weights, flow and hand-off rows with who and when);
re-importing changes nothing; each bad row is an error on its row and nothing is written; the read-only
StreamSummary is written and ignored on import; a workbook from before the stream sheets imports as before."""

from __future__ import annotations

import io

import openpyxl
import pytest

from esm_maturity.access.people import add_person
from esm_maturity.db import Database
from esm_maturity.departments import add_department
from esm_maturity.streams import commands, flow
from esm_maturity.streams.records import FlowInput, StepInput, StreamInput
from esm_maturity.workbook import ImportFailed, apply_import, contract, export_bytes, preview_import, read_upload
from tests.conftest import ADMIN
from tests.unit import hostile_corpus as corpus
from tests.unit.test_workbook_import import edit

Q1, Q2, Q3 = "2026-Q1", "2026-Q2", "2026-Q3"
DIM = "collaboration"
TABLES = {"value_streams": "stream_id", "stream_steps": "step_id, valid_from",
          "stream_flow": "stream_id, quarter", "stream_handoffs": "stream_id, quarter, to_step_id"}
STREAM_SHEETS = [s.name for s in contract.STREAM_SHEETS]


def score(db, quarter, levels: dict) -> None:
    with db.transaction() as tx:
        for dept, level in levels.items():
            tx.execute("INSERT INTO assessments (quarter, department_id, status, submitted_by, submitted_on, "
                       "updated_at) VALUES ($1, $2, 'submitted', 'alice', DATE '2026-03-31', now())", [quarter, dept])
            tx.execute("INSERT INTO scores (quarter, department_id, dimension_id, score, na) "
                       "VALUES ($1, $2, $3, $4, FALSE)", [quarter, dept, DIM, level])


@pytest.fixture
def org(db):
    """Two streams: VS-1 (three steps, step 2 handed from IT to FIN from Q3: two versions; FIN supporting;
    weights, targets, outputs), VS-2 (text that looks like formulas); flow in Q1 and Q2, hand-off quality."""
    for key, name in (("HR", "Human Resources"), ("IT", "Information Technology"), ("FIN", "Finance")):
        add_department(db, ADMIN, key, name)
    add_person(db, ADMIN, "olu@example.org", "Olu", "champion")
    one = commands.create_stream(db, ADMIN, StreamInput(
        "Hire to retire", trigger="a vacancy", outcome="a productive hire", consumer="managers",
        description="from the request to the first day", owner="olu@example.org", champion="olu@example.org",
        rollup_rule="weighted"), [
        StepInput("Request", "HR", (), 2.0, 5.0, "an approved request"),
        StepInput("Set up", "IT", ("FIN",), 1.5, None, "a laptop"),
        StepInput("Pay", "FIN", ("HR", "IT"), 1.0, 10.0, "")], from_quarter=Q1)
    saved = commands.update_step(db, ADMIN, one.stream_id, f"{one.stream_id}.2",
                                 StepInput("Set up", "FIN", ("IT",), 1.5, 3.0, "a laptop"),
                                 expected_version=one.version, from_quarter=Q3)
    assert saved.version > one.version
    commands.create_stream(db, ADMIN, StreamInput("=HYPERLINK(\"x\")", kind="enabling", description="=1+1",
                                                  rollup_rule="mean"),
                           [StepInput("+Plan", "IT", (), 1.0, None, "@out"), StepInput("Do", "HR")], from_quarter=Q2)
    flow.record_flow(db, ADMIN, "VS-1", Q1, FlowInput(lead_time_days=30, process_time_days=6, rework_pct=12.5,
                                                      throughput=4, wip=2, items=9, note="-first look"))
    flow.record_flow(db, ADMIN, "VS-1", Q2, FlowInput(lead_time_days=20.5, process_time_days=7, handoffs=3,
                                                      source="ticket export", confidence="measured"))
    flow.set_handoff_quality(db, ADMIN, "VS-1", Q1, "VS-1.2", 80, wait_days=2.5, note="missing forms")
    flow.set_handoff_quality(db, ADMIN, "VS-1", Q1, "VS-1.3", 50)
    flow.set_handoff_quality(db, ADMIN, "VS-1", Q2, "VS-1.2", 90)
    score(db, Q1, {"HR": 3, "IT": 2, "FIN": 2})
    return db


def state(db) -> dict[str, list[tuple]]:
    """Every column of the four tables but `version` (machine-managed: contract.MACHINE_MANAGED), by key."""
    out = {}
    for table, key in TABLES.items():
        columns = [c for (c,) in db.rows("SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
                                         "ORDER BY ordinal_position", [table]) if c != "version"]
        out[table] = db.rows(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {key}")
    return out


def versions(db) -> list[tuple]:
    return db.rows("SELECT stream_id, version FROM value_streams ORDER BY stream_id")


def row_of(ws, h, **match) -> int:
    return next(r for r in range(2, ws.max_row + 1)
                if all(ws.cell(r, h[k]).value == v for k, v in match.items()))


def rows(data: bytes, sheet: str) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in book[sheet].iter_rows(values_only=True)]


def restore(data: bytes, path):
    target = Database(path)
    return target, apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))


def test_the_stream_vocabulary_is_the_domain_s():
    from esm_maturity.streams import records

    assert (contract.STREAM_KINDS, contract.STREAM_RULES) == (records.KINDS, records.RULES)
    assert (contract.FLOW_SOURCES, contract.FLOW_CONFIDENCES) == (records.SOURCES, records.CONFIDENCES)
    assert contract.VALUE_STREAMS.column("kind").choices == records.KINDS
    assert contract.VALUE_STREAMS.column("rollup_rule").choices == records.RULES
    assert contract.STREAM_FLOW.column("source").choices == records.SOURCES
    assert contract.STREAM_FLOW.column("confidence").choices == records.CONFIDENCES
    assert contract.STREAM_SUMMARY.name in contract.DERIVED and contract.STREAM_SUMMARY not in contract.SHEETS


def test_export_writes_every_row_and_version_and_text_stays_text(org):
    data = export_bytes(org)
    steps = rows(data, "ValueStreamSteps")
    assert steps[0] == contract.STREAM_STEPS.column_names
    assert steps[1:] == [
        ["VS-1.1", Q1, None, "VS-1", 1, "Request", "HR", None, 2, 5, "an approved request"],
        ["VS-1.2", Q1, "2026-Q2", "VS-1", 2, "Set up", "IT", "FIN", 1.5, None, "a laptop"],
        ["VS-1.3", Q1, None, "VS-1", 3, "Pay", "FIN", "HR, IT", 1, 10, None],
        ["VS-1.2", Q3, None, "VS-1", 2, "Set up", "FIN", "IT", 1.5, 3, "a laptop"],
        ["VS-2.1", Q2, None, "VS-2", 1, "+Plan", "IT", None, 1, None, "@out"],
        ["VS-2.2", Q2, None, "VS-2", 2, "Do", "HR", None, 1, None, None]]
    streams = rows(data, "ValueStreams")
    assert streams[0] == contract.VALUE_STREAMS.column_names
    assert streams[1][:11] == ["VS-1", "Hire to retire", "core", "a vacancy", "a productive hire", "managers",
                               "from the request to the first day", "olu@example.org", "olu@example.org",
                               "weighted", True]
    assert streams[2][1] == '=HYPERLINK("x")' and streams[2][6] == "=1+1" and streams[2][11] == "alice"
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["ValueStreams"]["B3"].data_type == "s"   # a string, never a formula
    assert book["ValueStreamSteps"]["F6"].data_type == "s"
    flow_rows = rows(data, "StreamFlow")
    assert [r[:12] for r in flow_rows[1:]] == [
        ["VS-1", Q1, 30, 6, 2, 12.5, 4, 2, 9, "manual estimate", "estimated", "-first look"],
        ["VS-1", Q2, 20.5, 7, 3, None, None, None, None, "ticket export", "measured", None]]
    assert all(r[12] == "alice" and r[13].startswith("2026-11-18") for r in flow_rows[1:])
    handoffs = rows(data, "HandoffQuality")
    assert [r[:7] for r in handoffs[1:]] == [["VS-1", Q1, "VS-1.2", "VS-1.1", 80, 2.5, "missing forms"],
                                             ["VS-1", Q1, "VS-1.3", "VS-1.2", 50, None, None],
                                             ["VS-1", Q2, "VS-1.2", "VS-1.1", 90, None, None]]


def test_a_restore_into_an_empty_database_gives_back_equal_tables(org, new_db):
    data = export_bytes(org)
    target, report = restore(data, new_db("restored"))
    with target:
        assert report.applied and report.ok, report.lines()
        assert {s: report.counts[s]["new"] for s in STREAM_SHEETS} == {
            "ValueStreams": 2, "ValueStreamSteps": 6, "StreamFlow": 2, "HandoffQuality": 3}
        assert state(target) == state(org)
        assert state(target)["stream_steps"][1][7] == ["FIN"]   # supporting departments, as a list
        # the restored streams behave: the steps of each quarter, the next stream's key
        assert commands.create_stream(target, ADMIN, StreamInput("After"), [StepInput("One", "HR")]).stream_id == "VS-3"
        # re-importing the same workbook changes nothing
        before = (state(target), versions(target))
        again = apply_import(target, ADMIN, read_upload(target, data, "backup.xlsx"))
        assert again.total_changes == 0
        assert {s: again.counts[s]["unchanged"] for s in STREAM_SHEETS} == {
            "ValueStreams": 2, "ValueStreamSteps": 6, "StreamFlow": 2, "HandoffQuality": 3}
        assert (state(target), versions(target)) == before


def test_reimporting_into_the_same_database_changes_nothing(org):
    before = (state(org), versions(org))
    report = apply_import(org, ADMIN, read_upload(org, export_bytes(org), "backup.xlsx"))
    assert report.ok and report.total_changes == 0
    assert (state(org), versions(org)) == before


def test_a_changed_step_is_updated_and_its_stream_version_moves_on(org):
    data = export_bytes(org)
    changed = edit(data, "ValueStreamSteps", lambda ws, h: ws.cell(row_of(ws, h, step_id="VS-1.3"), h["weight"], 4.5))
    before = dict(versions(org))
    report = apply_import(org, ADMIN, read_upload(org, changed, "steps.xlsx"))
    assert report.counts["ValueStreamSteps"] == {"new": 0, "changed": 1, "unchanged": 5}
    assert org.scalar("SELECT weight FROM stream_steps WHERE step_id = 'VS-1.3'") == 4.5
    assert dict(versions(org)) == {"VS-1": before["VS-1"] + 1, "VS-2": before["VS-2"]}


def _set(sheet: str, match: dict, column: str, value):
    def change(ws, h, r):
        ws.cell(r, h[column]).value = value
    return sheet, match, change


# (sheet, the row's key cells, edit, the column of the error, words in the message)
BAD_ROWS = {
    "unknown owning department": (*_set("ValueStreamSteps", {"step_id": "VS-1.1"}, "department_id", "NOPE"),
                                  "department_id", "no department 'NOPE'"),
    "a department's name for its key": (*_set("ValueStreamSteps", {"step_id": "VS-2.2"}, "department_id", "Finance"),
                                        "department_id", "did you mean 'FIN'"),
    "unknown supporting department": (*_set("ValueStreamSteps", {"step_id": "VS-1.3"}, "supporting", "HR, XX"),
                                      "supporting", "no department 'XX'"),
    "duplicate position": (*_set("ValueStreamSteps", {"step_id": "VS-2.2"}, "position", 1), "position",
                           "position 1 of VS-2 in 2026-Q2 is taken twice"),
    "position gap": (*_set("ValueStreamSteps", {"step_id": "VS-2.2"}, "position", 3), "position",
                     "no step at position 2 in 2026-Q2"),
    "overlapping versions": (*_set("ValueStreamSteps", {"step_id": "VS-1.2", "valid_from": Q1}, "valid_to", None),
                             "valid_to", "overlap"),
    "unknown stream on a step": (*_set("ValueStreamSteps", {"step_id": "VS-2.2"}, "stream_id", "VS-9"),
                                 "stream_id", "no value stream 'VS-9'"),
    "unknown stream on a flow row": (*_set("StreamFlow", {"quarter": Q2}, "stream_id", "VS-9"), "stream_id",
                                     "no value stream 'VS-9'"),
    "unknown stream on a hand-off": (*_set("HandoffQuality", {"quarter": Q2}, "stream_id", "VS-7"), "stream_id",
                                     "no value stream 'VS-7'"),
    "unknown step on a hand-off": (*_set("HandoffQuality", {"quarter": Q2}, "from_step_id", "VS-2.1"),
                                   "from_step_id", "no step 'VS-2.1' of VS-1"),
    "rework over 100": (*_set("StreamFlow", {"quarter": Q1}, "rework_pct", 120), "rework_pct", "0 to 100"),
    "negative lead time": (*_set("StreamFlow", {"quarter": Q2}, "lead_time_days", -3), "lead_time_days",
                           "cannot be negative"),
    "hand-off % over 100": (*_set("HandoffQuality", {"quarter": Q2}, "pct_complete_accurate", 101),
                            "pct_complete_accurate", "0 to 100"),
    "bad quarter": (*_set("StreamFlow", {"quarter": Q2}, "quarter", "2026-Q5"), "quarter", "2026-Q5"),
    "bad kind": (*_set("ValueStreams", {"stream_id": "VS-2"}, "kind", "big"), "kind", "not one of: core, enabling"),
    "bad rule": (*_set("ValueStreams", {"stream_id": "VS-1"}, "rollup_rule", "lowest"), "rollup_rule",
                 "not a roll-up rule"),
    "bad source": (*_set("StreamFlow", {"quarter": Q1}, "source", "guess"), "source", "not one of"),
    "bad confidence": (*_set("StreamFlow", {"quarter": Q1}, "confidence", "sure"), "confidence", "not one of"),
    "a stream key not the app's": (*_set("ValueStreams", {"stream_id": "VS-2"}, "stream_id", "STREAM"), "stream_id",
                                   "not a value stream key"),
    "a name over its limit": (*_set("ValueStreams", {"stream_id": "VS-2"}, "name", "x" * 121), "name", "too long"),
    "a step key of another stream": (*_set("ValueStreamSteps", {"step_id": "VS-2.2"}, "step_id", "VS-1.9"),
                                     "step_id", "not a step key of VS-2"),
}


@pytest.mark.parametrize("case", BAD_ROWS, ids=list(BAD_ROWS))
def test_each_bad_row_is_an_error_on_its_row_and_nothing_is_written(org, case):
    sheet, match, change, column, words = BAD_ROWS[case]
    data = export_bytes(org)
    at = {}

    def bad(ws, h):
        at["row"] = row_of(ws, h, **match)
        change(ws, h, at["row"])

    broken = edit(data, sheet, bad)
    # and a good change beside it, which must not be written either
    renamed = edit(broken, "Departments", lambda ws, h: ws.cell(row_of(ws, h, department_id="HR"), h["name"], "HR2"))
    before = (state(org), versions(org), org.rows("SELECT * FROM departments ORDER BY 1"))
    with pytest.raises(ImportFailed) as failed:
        apply_import(org, ADMIN, read_upload(org, renamed, "bad.xlsx"))
    errors = failed.value.report.errors
    assert any(e.sheet == sheet and e.row == at["row"] and e.column == column and words in e.message
               for e in errors), [str(e) for e in errors]
    assert (state(org), versions(org), org.rows("SELECT * FROM departments ORDER BY 1")) == before


def test_the_summary_sheet_is_written_and_ignored_on_import_even_edited(org):
    data = export_bytes(org)
    summary = rows(data, "StreamSummary")
    assert summary[0] == contract.STREAM_SUMMARY.column_names
    by = {(r[0], r[2], r[3]): r for r in summary[1:]}
    q1 = by[("VS-1", Q1, DIM)]
    # weighted: (HR 3 × 2 + IT 2 × 1.5 + FIN 2 × 1) / 4.5; floor 2 held by FIN and IT (both listed)
    assert q1[5:13] == ["weighted", pytest.approx(11 / 4.5), 2, pytest.approx(7 / 3), 1, "3 of 3", "FIN, IT", "2.4"]
    assert q1[13] == 20.0 and q1[14] == pytest.approx(40.0)   # 6 of 30 days; 80 % × 50 %
    assert by[("VS-1", Q2, DIM)][11:15] == [None, "incomplete (0 of 3 scored; not scored: Finance, Human "
                                                  "Resources, Information Technology)", pytest.approx(34.1), None]
    assert ("VS-2", Q1, DIM) not in by   # no steps in Q1: no row
    assert by[("VS-2", Q2, DIM)][5] == "mean"
    # streams × dimensions × quarters: every active dimension has a row
    dimensions = org.scalar("SELECT count(*) FROM dimensions WHERE active")
    assert len(summary) - 1 == dimensions * 3   # VS-1 in Q1 and Q2, VS-2 in Q2

    def tamper(ws, h):
        r = row_of(ws, h, stream_id="VS-1", quarter=Q1, dimension_id=DIM)
        ws.cell(r, h["floor"], 99)
        ws.cell(r, h["stream"], "Renamed here")
        ws.cell(r, h["stream_id"], "VS-8")

    before = (state(org), versions(org))
    report = apply_import(org, ADMIN, read_upload(org, edit(data, "StreamSummary", tamper), "summary.xlsx"))
    assert report.ok and report.total_changes == 0 and "StreamSummary" not in report.counts
    assert any(i.sheet == "StreamSummary" and i.severity == "warning" and "reading only" in i.message
               for i in report.issues)
    assert (state(org), versions(org)) == before


def test_a_workbook_from_before_the_stream_sheets_imports_as_before(org, new_db):
    data = export_bytes(org)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for name in (*STREAM_SHEETS, "StreamSummary"):
        del book[name]
    out = io.BytesIO()
    book.save(out)
    old = out.getvalue()
    before = (state(org), versions(org))
    report = apply_import(org, ADMIN, read_upload(org, old, "old.xlsx"))
    assert report.ok and report.total_changes == 0 and not set(STREAM_SHEETS) & set(report.counts)
    assert (state(org), versions(org)) == before
    # into an empty database: everything else comes back, no value streams
    target, restored = restore(old, new_db("old"))
    with target:
        assert restored.ok and restored.counts["Departments"]["new"] == 3
        assert all(rows_ == [] for rows_ in state(target).values())
    # and the smallest old workbook, made by hand
    hand = corpus.xlsx({"About": corpus.ABOUT_ROWS, "Departments": [["department_id", "name"], ["OPS", "Ops"]]})
    assert apply_import(org, ADMIN, read_upload(org, hand, "hand.xlsx")).counts["Departments"] == {
        "new": 1, "changed": 0, "unchanged": 0}


def test_a_workbook_with_streams_only_refers_to_stored_departments(org):
    """The stream sheets alone (no Departments): departments and streams are the app's."""
    data = export_bytes(org)
    book = openpyxl.load_workbook(io.BytesIO(data))
    for name in book.sheetnames:
        if name not in ("About", "ValueStreamSteps"):
            del book[name]
    ws = book["ValueStreamSteps"]
    ws.append(["VS-2.3", Q2, None, "VS-2", 3, "Check", "FIN", "HR", None, None, "@SUM(A1)"])
    out = io.BytesIO()
    book.save(out)
    report = preview_import(org, ADMIN, read_upload(org, out.getvalue(), "steps.xlsx"))
    assert report.ok and report.counts["ValueStreamSteps"] == {"new": 1, "changed": 0, "unchanged": 6}
    before = dict(versions(org))
    apply_import(org, ADMIN, read_upload(org, out.getvalue(), "steps.xlsx"))
    assert org.one("SELECT department_id, supporting, weight, output FROM stream_steps WHERE step_id = 'VS-2.3'") \
        == ("FIN", ["HR"], 1.0, "@SUM(A1)")
    assert dict(versions(org))["VS-2"] == before["VS-2"] + 1


def test_a_department_rep_the_stream_does_not_name_may_reimport_it_unchanged_but_not_change_it(org):
    from esm_maturity.models import Actor, Role

    rep = Actor("rita@example.org", Role.department, frozenset({"IT"}))
    data = export_bytes(org)
    assert apply_import(org, rep, read_upload(org, data, "same.xlsx")).total_changes == 0
    changed = edit(data, "StreamFlow", lambda ws, h: ws.cell(row_of(ws, h, quarter=Q1), h["wip"], 5))
    before = state(org)
    with pytest.raises(ImportFailed) as failed:
        apply_import(org, rep, read_upload(org, changed, "flow.xlsx"))
    assert [e.sheet for e in failed.value.report.errors] == ["StreamFlow"]
    assert state(org) == before


def test_a_department_rep_imports_changes_to_the_stream_that_names_them_and_to_no_other(org):
    """The import asks what the app's commands ask, for each row's stream as stored: a rep named owner of
    VS-2 may change it (its description, a flow figure); VS-1's rows, or making oneself its owner in the
    file, are refused with the stream named, and nothing is written."""
    from esm_maturity.models import Actor, Role
    from esm_maturity.streams import queries

    add_person(org, ADMIN, "rita@example.org", "Rita", "department", ["IT"])
    second = queries.get_stream(org, "VS-2")
    commands.update_stream(org, ADMIN, "VS-2", StreamInput(second.name, kind=second.kind, rollup_rule="mean",
                                                           description=second.description, owner="rita@example.org"),
                           expected_version=second.version)
    rep = Actor("rita@example.org", Role.department, frozenset({"IT"}))
    data = export_bytes(org)
    mine = edit(data, "ValueStreams", lambda ws, h: ws.cell(row_of(ws, h, stream_id="VS-2"), h["trigger"],
                                                             "a plan is asked for"))
    report = apply_import(org, rep, read_upload(org, mine, "mine.xlsx"))
    assert report.counts["ValueStreams"]["changed"] == 1
    assert org.one("SELECT trigger FROM value_streams WHERE stream_id = 'VS-2'") == ("a plan is asked for",)

    data = export_bytes(org)
    for sheet, change in (
            ("ValueStreams", lambda ws, h: ws.cell(row_of(ws, h, stream_id="VS-1"), h["trigger"], "mine now")),
            ("ValueStreams", lambda ws, h: ws.cell(row_of(ws, h, stream_id="VS-1"), h["owner"], "rita@example.org")),
            ("StreamFlow", lambda ws, h: ws.cell(row_of(ws, h, stream_id="VS-1", quarter=Q1), h["wip"], 5))):
        before = state(org)
        with pytest.raises(ImportFailed) as failed:
            apply_import(org, rep, read_upload(org, edit(data, sheet, change), "theirs.xlsx"))
        errors = failed.value.report.errors
        assert [e.sheet for e in errors] == [sheet]
        assert "value stream VS-1" in errors[0].message and "does not name them" in errors[0].message
        assert state(org) == before
