"""The sponsor's Stream overview through AppTest: the empty states; a seeded stream shows, per dimension,
the departments at the floor (a tie), "incomplete (k of n scored)" naming the missing department, the levers
in order with their open improvement and its link, the flow tiles with values and "not recorded";
?stream= picks the stream; a stream named in Markdown shows as typed; the URL is written back."""

from __future__ import annotations

import json

import pytest

from esm_maturity.backlog.commands import add_item
from esm_maturity.departments import add_department
from esm_maturity.storage import open_database
from esm_maturity.streams import commands, flow
from esm_maturity.streams.records import FlowInput, StepInput, StreamInput
from esm_maturity.ui.text import esc_label
from tests.app.conftest import add_people, open_app
from tests.conftest import ADMIN
from tests.unit.test_streams import score

PAGE = "pages/stream_overview.py"
Q, BEFORE = "2025-Q4", "2025-Q3"
DIM, OTHER = "collaboration", "knowledge"
HOSTILE = "Alpha [click](http://evil.example/) **bold** <b>x</b>"


def open_page(path, query: dict | None = None, user: str | None = None):
    """The app on the landing page, then this page with only `query` in the URL (AppTest keeps the URL
    the landing page wrote, ?quarter=this quarter, which a browser's page switch would drop)."""
    at = open_app(path, None, user=user)
    for key in list(at.query_params):
        del at.query_params[key]
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(PAGE)
    return at.run()


def plain(text) -> str:
    return str(text).replace("\u2060", "").replace("\\", "")


def shown(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "subheader")
             for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return plain(" ".join(str(p) for p in parts))


def page_links(at) -> list[tuple[str, str, dict]]:
    """(label, page, query params) of each page link."""
    out = []
    for link in at.get("page_link"):
        proto = link.proto
        params = dict(p.split("=", 1) for p in proto.query_string.split("&") if p) if proto.query_string else {}
        out.append((plain(proto.label), proto.page, params))
    return out


def dimension_table(at):
    return next(t.value for t in at.table if "At the floor (constraint)" in t.value.columns)


@pytest.fixture
def seeded(db_path):
    """Departments A-C; Alpha (A, B, C) and Beta (A, C); scores for 2025-Q4; one open improvement on A ×
    collaboration; Alpha's flow in 2025-Q3 and 2025-Q4, Beta's (estimated, a lead time only) in 2025-Q4."""
    with open_database(db_path) as db:
        for key in "ABC":
            add_department(db, ADMIN, key, f"Dept {key}")
        alpha = commands.create_stream(db, ADMIN, StreamInput(HOSTILE, trigger="A new hire", outcome="Productive",
                                                              consumer="Managers"),
                                       [StepInput("Request", "A"), StepInput("Approve", "B"), StepInput("Equip", "C")],
                                       from_quarter=BEFORE).stream_id
        beta = commands.create_stream(db, ADMIN, StreamInput("Beta"), [StepInput("One", "A"), StepInput("Two", "C")],
                                      from_quarter=BEFORE).stream_id
        score(db, Q, "A", {DIM: 2, OTHER: 3})
        score(db, Q, "B", {DIM: 2, OTHER: "N/A"})
        score(db, Q, "C", {OTHER: 4})                    # C has not scored collaboration
        item = add_item(db, ADMIN, title="Pair *collaboration* at A", department_id="A", dimension_id=DIM)
        add_item(db, ADMIN, title="Closed one", department_id="B", dimension_id=DIM)
        with db.transaction() as tx:
            tx.execute("UPDATE backlog_items SET status = $1 WHERE title = $2", ["closed", "Closed one"])
        flow.record_flow(db, ADMIN, alpha, BEFORE, FlowInput(lead_time_days=25, process_time_days=5, rework_pct=20,
                                                            confidence="measured"))
        flow.record_flow(db, ADMIN, alpha, Q, FlowInput(lead_time_days=20, process_time_days=5, rework_pct=10,
                                                       confidence="measured"))
        flow.record_flow(db, ADMIN, beta, Q, FlowInput(lead_time_days=30))     # estimated, nothing else
    return {"path": db_path, "alpha": alpha, "beta": beta, "item": item}


def test_no_streams_yet_says_so(empty_app):
    at = empty_app(PAGE)
    assert not at.exception, at.exception
    assert "There are no value streams yet" in shown(at)
    assert not at.get("vega_lite_chart") and not at.selectbox
    assert ("Define a value stream", "streams", {}) in page_links(at)


def test_a_link_to_no_such_stream_or_quarter_opens_the_defaults_and_corrects_the_url(seeded):
    at = open_page(seeded["path"], {"stream": "VS-99", "quarter": "2025-Q9"})
    assert not at.exception, at.exception
    assert at.selectbox(key="so_stream").value == seeded["alpha"] and at.selectbox(key="so_quarter").value == Q
    assert at.query_params["stream"] in (seeded["alpha"], [seeded["alpha"]])
    assert at.query_params["quarter"] in (Q, [Q])


def test_a_sponsor_sees_the_constraints_ties_coverage_levers_and_flow(seeded):
    add_people(seeded["path"], ("vera@example.org", "sponsor"))
    at = open_page(seeded["path"], user="vera@example.org")
    assert not at.exception, at.exception
    assert at.selectbox(key="so_stream").value == seeded["alpha"] and at.selectbox(key="so_quarter").value == Q
    assert at.query_params["stream"] == [seeded["alpha"]] or at.query_params["stream"] == seeded["alpha"]
    text = shown(at)
    assert "Signed in as" in text and "Sponsor" in text.title()
    assert HOSTILE in text and "worst" not in text.lower()
    assert "Lowest dimension floor: **2** (Cross-functional collaboration)" in text
    table = dimension_table(at).set_index("Dimension")
    collab, knowledge = "Cross-functional collaboration", "Knowledge sharing"
    assert plain(table.loc[collab, "At the floor (constraint)"]) == "Dept A, Dept B"          # the tie
    assert plain(table.loc[collab, "By the rule"]) == "incomplete (2 of 3 scored; not scored: Dept C)"
    assert plain(table.loc[collab, "Not scored"]) == "Dept C" and table.loc[collab, "Coverage"] == "2 of 3 scored"
    assert plain(table.loc[knowledge, "By the rule"]) == "3" and plain(table.loc[knowledge, "N/A"]) == "Dept B"
    # the levers, those constraining more streams first (A also holds Beta back), each with its improvement
    assert "Levers that constrain more streams come first" in text
    levers = [plain(m.value) for m in at.markdown if "other stream" in plain(m.value)]
    assert levers == ["**Dept A · Cross-functional collaboration**: at level 2 (picture incomplete); also the "
                      "constraint in 1 other stream.",
                      "**Dept A · Knowledge sharing**: at level 3; also the constraint in 1 other stream.",
                      "**Dept B · Cross-functional collaboration**: at level 2 (picture incomplete); the "
                      "constraint in no other stream."]
    links = page_links(at)
    assert (f"{seeded['item']} · Pair *collaboration* at A (idea)", "backlog", {"item": seeded["item"]}) in links
    assert ("Add an improvement for this lever in the backlog", "backlog",
            {"department": "B", "dimension": DIM}) in links
    assert "No improvement is open for this lever." in text and "Closed one" not in " ".join(l[0] for l in links)
    # the flow tiles: this quarter's figures and their change (lower lead time and rework is better)
    tiles = {m.label: m for m in at.metric}
    assert tiles["Lead time"].value == "20.0 days" and tiles["Lead time"].proto.delta == "-5.0 days"
    assert tiles["Rework"].value == "10%" and tiles["Flow efficiency"].value == "25%"
    assert tiles["Rolled %C&A"].value == "not recorded" and "0 of 2 hand-offs rated" in tiles["Rolled %C&A"].help
    captions = [c.value for c in at.caption]   # each tile's trend in words (a sparkline has no text)
    assert f"{BEFORE}: 25.0 days → {Q}: 20.0 days" in captions and f"{BEFORE}: 20% → {Q}: 10%" in captions
    assert not any(m.proto.chart_data for m in at.metric)
    # the heatmap: rows aggregated per step × dimension, the roll-up row, the constraint cells
    charts = {json.loads(c.proto.spec)["usermeta"]["key"]: c for c in at.get("vega_lite_chart")}
    assert set(charts) == {"stream_heatmap", "stream_trend"}
    assert "Dept A" in json.loads(charts["stream_heatmap"].proto.spec)["description"]


def test_the_link_picks_the_stream_and_figures_not_recorded_say_so(seeded):
    at = open_page(seeded["path"], {"stream": seeded["beta"], "quarter": BEFORE})
    assert not at.exception, at.exception
    assert at.selectbox(key="so_stream").value == seeded["beta"] and at.selectbox(key="so_quarter").value == BEFORE
    assert "No agreed scores for this stream in 2025-Q3" in shown(at)
    assert {m.value for m in at.metric} == {"not recorded"}
    at.selectbox(key="so_quarter").set_value(Q).run()
    tiles = {m.label: m.value for m in at.metric}
    assert tiles["Lead time · estimated"] == "30.0 days" and tiles["Rework · estimated"] == "not recorded"
    assert tiles["Flow efficiency · estimated"] == "not recorded" and tiles["Hand-offs · estimated"] == "1"
    assert tiles["Rolled %C&A"] == "not recorded"
    assert at.query_params["quarter"] in (Q, [Q])
    assert plain(dimension_table(at).iloc[0]["Coverage"]).endswith("scored")


def test_a_stream_named_in_markdown_shows_as_typed(seeded):
    at = open_page(seeded["path"], {"stream": seeded["alpha"]})
    heading = next(s.value for s in at.subheader if "2025-Q4" in s.value and "Alpha" in s.value)
    assert heading == f"{esc_label(HOSTILE)} · {Q}" and heading != f"{HOSTILE} · {Q}"
    assert plain(heading) == f"{HOSTILE} · {Q}"
    assert all("unsafe_allow_html" not in str(m.proto) or not m.proto.allow_html for m in at.markdown)


def test_meeting_mode_from_the_link_draws_the_charts_in_room_type_and_keeps_the_link(seeded):
    at = open_page(seeded["path"], {"stream": seeded["alpha"], "quarter": Q, "meeting": "1"})
    assert not at.exception, at.exception
    assert at.toggle(key="meeting_mode").value is True and at.query_params["meeting"] in ("1", ["1"])
    specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert len(specs) == 2 and all(s["config"]["axis"]["labelFontSize"] == 16 for s in specs)
    at.toggle(key="meeting_mode").set_value(False).run()
    assert "meeting" not in at.query_params


def test_without_a_quarter_in_the_link_the_overview_opens_on_the_latest_quarter_with_the_fullest_picture(seeded):
    """2025-Q4 is still incomplete (C has not scored collaboration); 2025-Q3 has every owning department
    scored on both dimensions, so a sponsor opening the stream sees 2025-Q3 first, and 2025-Q4 once it is
    as full."""
    with open_database(seeded["path"]) as db:
        for department in "ABC":
            score(db, BEFORE, department, {DIM: 3, OTHER: 3})
    at = open_page(seeded["path"], {"stream": seeded["alpha"]})
    assert not at.exception, at.exception
    assert at.selectbox(key="so_quarter").value == BEFORE
    assert at.query_params["quarter"] in (BEFORE, [BEFORE])
    at = open_page(seeded["path"], {"stream": seeded["alpha"], "quarter": Q})   # a link names its quarter
    assert at.selectbox(key="so_quarter").value == Q


def test_a_stream_with_many_levers_lists_the_biggest_and_links_to_the_rest(seeded, monkeypatch):
    from esm_maturity.ui import stream_overview_view as view

    monkeypatch.setattr(view, "LEVERS_SHOWN", 1)
    monkeypatch.setattr(view, "ITEMS_SHOWN", 1)
    with open_database(seeded["path"]) as db:   # a second open improvement on the first lever's pair
        add_item(db, ADMIN, title="Second on the pair", department_id="A", dimension_id=DIM)
    at = open_page(seeded["path"], {"stream": seeded["alpha"], "quarter": Q})
    assert not at.exception, at.exception
    text = shown(at)
    assert len([m for m in at.markdown if "**: at level" in m.value]) == 1          # one lever drawn
    assert "more department × dimension pairs are at this stream's floor" in text  # the others named in the table
    links = page_links(at)
    assert ("All 2 open for Dept A · Cross-functional collaboration in the backlog", "backlog",
            {"department": "A", "dimension": DIM}) in links
    assert len([l for l in links if "item" in l[2]]) == 1                          # one item listed for the lever
