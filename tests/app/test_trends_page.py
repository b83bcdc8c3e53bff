"""The trend page through AppTest: each chart gets the expected aggregated rows; the link, meeting
mode, heatmap drill-down, hidden names and the image builders."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from streamlit import dataframe_util

from esm_maturity.charts import figures as charts
from esm_maturity.trends import queries as trends
from esm_maturity.db import Database
from esm_maturity.models import SYSTEM

PAGE = "pages/trends.py"
PACK = {"pack_pptx", "pack_pdf"}   # the meeting pack's downloads (tests/app/test_meeting_pack_page.py)
DEMO_NAMES = {"Human Resources", "IT Services", "Finance", "Facilities", "Legal", "Procurement", "Marketing",
              "Customer Service", "Security", "Project Office"}


def chart_rows(at) -> dict[str, pd.DataFrame]:
    """Each chart's data by its key (the rows Streamlit sends to the browser)."""
    out = {}
    for chart in at.get("vega_lite_chart"):
        key = json.loads(chart.proto.spec)["usermeta"]["key"]
        frames = [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]
        out[key] = pd.concat(frames) if frames else pd.DataFrame()
    return out


def widget(at, kind: str, key: str):
    return next(w for w in getattr(at, kind) if w.key == key)


def test_each_chart_gets_aggregated_rows(demo_app):
    at = demo_app(PAGE)
    assert not at.exception
    rows = chart_rows(at)
    # the demo: ten departments, nine active dimensions, eight quarters (2025-Q1..2026-Q4)
    assert len(rows["trend_heatmap"]) == 10 * 9
    assert len(rows["trend_overall"]) == 8 * 3            # quarters x (department, target, organisation)
    assert len(rows["trend_dimensions"]) == 8 * 9 * 2     # quarters x dimensions x (score, target)
    assert len(rows["trend_department_gaps"]) == 9
    assert len(rows["trend_org_gaps"]) == 9
    assert rows["trend_distribution"]["departments"].sum() == 6 * 9   # six departments submitted 2026-Q4
    assert len(rows["trend_movers_quarter"]) <= 10 and len(rows["trend_movers_year"]) <= 10
    assert max(len(r) for r in rows.values()) < 5000


def test_drafts_do_not_count_and_the_page_says_so(demo_app):
    at = demo_app(PAGE)
    heat = chart_rows(at)["trend_heatmap"]
    # Marketing and Customer Service have only drafts for 2026-Q4
    assert set(heat[heat["department"] == "Marketing"]["cell"]) == {"not submitted"}
    assert any("Submitted self-assessments only" in c.value for c in at.caption)


def test_default_view_is_the_newest_quarter_and_a_department_that_submitted_it(demo_app):
    at = demo_app(PAGE)
    assert widget(at, "selectbox", "trend_quarter").value == "2026-Q4"
    assert widget(at, "selectbox", "trend_department").value == "FAC"   # first by name with a submission
    assert at.query_params["quarter"] == "2026-Q4" and at.query_params["department"] == "FAC"


def test_link_opens_the_same_view_in_meeting_mode(demo_app):
    at = demo_app(PAGE, {"quarter": "2026-Q2", "department": "IT", "meeting": "1"})
    assert not at.exception
    assert widget(at, "selectbox", "trend_quarter").value == "2026-Q2"
    assert widget(at, "selectbox", "trend_department").value == "IT"
    assert widget(at, "toggle", "meeting_mode").value is True
    assert [s.value for s in at.subheader][:2] == ["Organisation heatmap, 2026-Q2", "IT Services: trend"]
    assert not at.multiselect                                          # filters hidden
    assert {b.key for b in at.get("download_button") if b.key in PACK} == PACK   # the meeting pack stays
    assert not [link for link in at.get("page_link") if "self-assessment" in link.proto.label]
    assert at.query_params["meeting"] == "1"
    overall = chart_rows(at)["trend_overall"]
    assert set(overall["quarter"]) == {f"{y}-Q{q}" for y in (2025, 2026) for q in range(1, 5)}


def test_bad_link_values_fall_back_to_defaults(demo_app):
    at = demo_app(PAGE, {"quarter": "2031-Q9", "department": "NOPE"})
    assert not at.exception
    assert widget(at, "selectbox", "trend_quarter").value == "2026-Q4"
    assert widget(at, "selectbox", "trend_department").value == "FAC"


def test_meeting_mode_keeps_the_filters_chosen_before(demo_app):
    at = demo_app(PAGE)
    widget(at, "multiselect", "trend_departments").set_value(["HR", "IT"]).run()
    assert len(chart_rows(at)["trend_heatmap"]) == 2 * 9
    widget(at, "toggle", "meeting_mode").set_value(True).run()
    assert not at.exception and not at.multiselect
    assert len(chart_rows(at)["trend_heatmap"]) == 2 * 9
    assert widget(at, "selectbox", "trend_department").options == ["Human Resources", "IT Services"]
    widget(at, "toggle", "meeting_mode").set_value(False).run()
    assert widget(at, "multiselect", "trend_departments").value == ["HR", "IT"]
    assert "meeting" not in at.query_params


def test_filters_narrow_every_chart_in_sql(demo_app):
    at = demo_app(PAGE)
    widget(at, "select_slider", "trend_range").set_value(("2026-Q1", "2026-Q4")).run()
    widget(at, "multiselect", "trend_dimensions").set_value(["sponsorship", "roles"]).run()
    rows = chart_rows(at)
    assert len(rows["trend_heatmap"]) == 10 * 2
    assert len(rows["trend_overall"]) == 4 * 3
    assert len(rows["trend_dimensions"]) == 4 * 2 * 2
    assert widget(at, "selectbox", "trend_quarter").options == ["2026-Q4", "2026-Q3", "2026-Q2", "2026-Q1"]


def test_heatmap_click_drills_into_the_department_and_the_link(demo_app):
    at = demo_app(PAGE)
    at.session_state["trend_heatmap"] = {"selection": {"department": [{"department_id": "LEG"}]}}
    at.run()
    assert not at.exception
    assert widget(at, "selectbox", "trend_department").value == "LEG"
    assert "Legal: trend" in [s.value for s in at.subheader]
    assert at.query_params["department"] == "LEG"
    # the selectbox still works afterwards (keyboard path): the old click does not win back
    widget(at, "selectbox", "trend_department").set_value("HR").run()
    assert widget(at, "selectbox", "trend_department").value == "HR"
    assert "Human Resources: trend" in [s.value for s in at.subheader]


def test_hidden_names_leave_no_department_name_in_any_chart(demo_app):
    at = demo_app(PAGE)
    widget(at, "toggle", "trend_hide_names").set_value(True).run()
    assert not at.exception
    rows = chart_rows(at)
    text = " ".join(frame.to_csv() for frame in rows.values())
    assert not [name for name in DEMO_NAMES if name in text]
    assert set(rows["trend_heatmap"]["department"]) <= {f"Department {i:02d}" for i in range(1, 11)}
    assert widget(at, "selectbox", "trend_department").value == "FAC"
    assert not [name for name in DEMO_NAMES if name in " ".join(s.value for s in at.subheader)]
    # a click on an alias still drills into the right department
    alias = trends.department_aliases(["HR", "IT", "FIN", "FAC", "LEG", "PROC", "MKT", "CS", "SEC", "PMO"])["LEG"]
    at.session_state["trend_heatmap"] = {"selection": {"department": [{"department_id": alias}]}}
    at.run()
    assert widget(at, "selectbox", "trend_department").value == "LEG"


def test_improvement_flow_when_the_backlog_has_items(demo_path, demo_app):
    with Database(demo_path) as database:
        has_backlog = bool(database.scalar("SELECT count(*) FROM backlog_items"))
    at = demo_app(PAGE)
    rows = chart_rows(at)
    if not has_backlog:
        pytest.skip("the demo organisation has no backlog items")
    assert "Improvement flow" in [s.value for s in at.subheader]
    assert len(rows["flow_opened_closed"]) == 8 * 2
    assert len(rows["flow_wip"]) == 6 and len(rows["flow_age"]) == 5
    assert len(rows["flow_cycle_time"]) == 8


def test_no_flow_section_without_backlog_items(demo_path, demo_app):
    with Database(demo_path) as database:
        database.write(SYSTEM, lambda tx: tx.execute("DELETE FROM backlog_items"))
    at = demo_app(PAGE)
    assert "Improvement flow" not in [s.value for s in at.subheader]
    assert not [k for k in chart_rows(at) if k.startswith("flow_")]


def test_empty_database_explains_what_to_do(empty_app):
    at = empty_app(PAGE)
    assert not at.exception
    assert "No submitted self-assessments yet" in at.info[0].value


def chart_downloads(at) -> dict[str, str | None]:
    """Each chart image download button's key -> the label of the popover it sits in (None: on the page)."""
    out = {}

    def walk(node, popover=None):
        proto = getattr(node, "proto", None)
        if type(node).__name__ == "Block" and proto is not None and proto.WhichOneof("type") == "popover":
            popover = proto.popover.label
        for child in getattr(node, "children", {}).values():
            walk(child, popover)
        if type(node).__name__ == "DownloadButton" and node.key not in PACK:
            out[node.key] = popover

    walk(at._tree)
    return out


def test_every_chart_offers_png_and_svg(demo_app):
    at = demo_app(PAGE)
    keys = set(chart_rows(at))
    labels = {b.proto.id.rsplit("-", 1)[-1] for b in at.get("download_button") if b.key not in PACK}
    assert labels == {f"{k}_{kind}" for k in keys for kind in ("png", "svg")}
    assert set(chart_downloads(at).values()) == {None}     # on the page: plain buttons under each chart


def test_meeting_mode_keeps_the_downloads_in_a_small_popover(demo_app):
    at = demo_app(PAGE, {"meeting": "1"})
    assert not at.exception
    keys = set(chart_rows(at))
    downloads = chart_downloads(at)
    assert len(keys) >= 10
    assert set(downloads) == {f"{k}_{kind}" for k in keys for kind in ("png", "svg")}
    assert set(downloads.values()) == {"Image"}       # tucked away: one small "Image" popover per chart
    assert {b.label for b in at.get("download_button") if b.key in downloads} == {"PNG", "SVG"}


def test_image_builders_make_png_and_svg(demo_db):
    f = trends.default_filters(demo_db)
    chart = charts.heatmap(trends.heatmap(demo_db, f.last, f))
    png = charts.to_png(chart)
    svg = charts.to_svg(charts.department_trend(trends.department_trend(demo_db, "HR", f)))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert svg.lstrip().startswith(b"<svg") and b"2026-Q4" in svg


def test_one_chart_theme_on_the_page_and_in_meeting_mode_in_larger_type(demo_app):
    def looks(at):
        out = {}
        for chart in at.get("vega_lite_chart"):
            spec = json.loads(chart.proto.spec)
            out[spec["usermeta"]["key"]] = (chart.proto.theme, spec.get("config", {}))
        return out

    normal = looks(demo_app(PAGE))
    meeting = looks(demo_app(PAGE, {"meeting": "1"}))
    assert set(meeting) == set(normal) and len(meeting) >= 10
    # every chart carries the package's theme (Streamlit's chart theme would shrink the type again)
    assert all(theme == "" and config == charts.theme() for theme, config in normal.values())
    assert all(theme == "" and config == charts.theme(large=True) for theme, config in meeting.values())
    page, room = charts.theme()["axis"], charts.theme(large=True)["axis"]
    assert page["labelFont"] == room["labelFont"] and page["labelFont"].startswith('"Source Sans"')
    assert page["labelFontSize"] >= 13 and room["labelFontSize"] >= 16


def test_every_chart_states_its_figures_to_a_screen_reader(demo_app):
    at = demo_app(PAGE)
    said = {json.loads(c.proto.spec)["usermeta"]["key"]: json.loads(c.proto.spec)["description"]
            for c in at.get("vega_lite_chart")}
    assert said["trend_heatmap"].startswith("heatmap 2026-Q4. 10 departments × 9 dimensions; 6 with submitted")
    assert "highest mean level" in said["trend_heatmap"] and "4 not submitted" in said["trend_heatmap"]
    assert "2026-Q4" in said["trend_overall"] and "target" in said["trend_overall"]
    assert all(any(ch.isdigit() for ch in text.split(". ", 1)[1]) for text in said.values())


def test_the_chosen_department_is_outlined_on_the_heatmap(demo_app):
    at = demo_app(PAGE, {"department": "LEG"})
    spec = next(json.loads(c.proto.spec) for c in at.get("vega_lite_chart")
                if json.loads(c.proto.spec)["usermeta"]["key"] == "trend_heatmap")
    rings = [layer for layer in spec["layer"] if layer.get("mark", {}).get("filled") is False]
    assert len(rings) == 1 and {"filter": {"field": "department_id", "equal": "LEG"}} in rings[0]["transform"]
    assert '"Legal"' in spec["layer"][0]["encoding"]["y"]["axis"]["labelFontWeight"]["expr"]


def test_a_run_asks_for_the_data_version_once(demo_app, monkeypatch):
    """Trends makes some 25 cached reads a run; on PostgreSQL each data-version ask is a round trip, so the
    run asks once (ui/cached.py, router.run_app) and every read of it shares the answer."""
    from esm_maturity.db import duck, pg

    at = demo_app(PAGE)
    asked = []
    for engine in (duck.DuckEngine, pg.PgEngine):
        original = engine.data_version
        monkeypatch.setattr(engine, "data_version", lambda self, _original=original: asked.append(1) or _original(self))
    at.run()
    assert not at.exception and len(chart_rows(at)) >= 10 and len(asked) == 1
