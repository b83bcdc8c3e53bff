"""The Trends page opens with the quarter's headline and offers the meeting pack (in meeting mode too, where
the method caption goes); Settings renames the organisation with the version the form was drawn with."""

from __future__ import annotations

from esm_maturity.db import Database
from esm_maturity.models import Quarter
from esm_maturity.organisation import name_and_version, set_organisation_name
from esm_maturity.trends import headline as hl
from esm_maturity.trends import queries as trends
from tests.app.conftest import add_people
from tests.conftest import ADMIN, DEMO_ANCHOR

PAGE, SETTINGS = "pages/trends.py", "pages/settings.py"
METHOD = "Submitted self-assessments only"


def _sentences(path, quarter: Quarter, hidden: bool = False) -> list[str]:
    with Database(path) as db:
        f = trends.default_filters(db)
        aliases = trends.department_aliases(list(trends.department_names(db)))
        return hl.sentences(hl.headline(db, quarter, f), (lambda d, name: aliases[d]) if hidden else None)


def _shown(at) -> str:
    return "\n".join(m.value for m in at.markdown).replace("\\", "").replace("\u2060", "")


def test_the_headline_opens_the_page(demo_app, demo_path):
    at = demo_app(PAGE)
    assert not at.exception
    text = _shown(at)
    for sentence in _sentences(demo_path, DEMO_ANCHOR):
        assert sentence in text
    assert text.index("6 of 10 departments submitted") < text.index("The organisation's level")


def test_the_headline_follows_the_quarter_and_hidden_names(demo_app, demo_path):
    at = demo_app(PAGE, {"quarter": str(DEMO_ANCHOR.shift(-2))})
    assert _sentences(demo_path, DEMO_ANCHOR.shift(-2))[0] in _shown(at)
    at.toggle(key="trend_hide_names").set_value(True).run()
    text = _shown(at)
    assert _sentences(demo_path, DEMO_ANCHOR.shift(-2), hidden=True)[2] in text
    assert [b.help for b in at.get("download_button") if b.key == "pack_pdf"][0].endswith("department names hidden")


def test_the_pack_downloads_are_there_in_meeting_mode_too_and_the_method_goes(demo_app):
    at = demo_app(PAGE)
    keys = {b.key: b.label for b in at.get("download_button")}
    assert keys["pack_pptx"] == "Meeting pack (.pptx)" and keys["pack_pdf"] == "One-page summary (.pdf)"
    assert any(METHOD in c.value for c in at.caption)
    assert "How these figures are computed" in [e.label for e in at.expander]
    meeting = demo_app(PAGE, {"meeting": "1"})
    assert not meeting.exception
    assert {"pack_pptx", "pack_pdf"} <= {b.key for b in meeting.get("download_button")}
    assert not any(METHOD in c.value for c in meeting.caption)
    assert "How these figures are computed" not in [e.label for e in meeting.expander]


def test_rename_the_organisation_in_settings(demo_app, demo_path):
    at = demo_app(SETTINGS)
    assert at.text_input(key="org_name").value == "Northwind Services (demo)"
    at.text_input(key="org_name").input("Contoso Group")
    at.button(key="org_save").click().run()
    assert not at.error and not at.exception
    with Database(demo_path) as db:
        assert name_and_version(db) == ("Contoso Group", 2)


def test_a_colleague_renamed_first(demo_app, demo_path):
    at = demo_app(SETTINGS)
    with Database(demo_path) as db:
        set_organisation_name(db, ADMIN, "Renamed meanwhile", expected_version=1)
    at.text_input(key="org_name").input("My name")
    at.button(key="org_save").click().run()
    assert any("someone else renamed the organisation" in e.value for e in at.error)
    assert at.text_input(key="org_name").value == "My name"   # the person's typing stays
    with Database(demo_path) as db:
        assert name_and_version(db) == ("Renamed meanwhile", 2)
    at.button(key="reload_organisation").click().run()
    assert at.text_input(key="org_name").value == "Renamed meanwhile"


def test_a_sponsor_reads_the_name_only(demo_app, demo_path):
    add_people(demo_path, ("vera@example.org", "sponsor"))
    at = demo_app(SETTINGS, user="vera@example.org")
    assert not at.exception
    assert not [t for t in at.text_input if t.key == "org_name"]
    assert any("Northwind Services (demo)" in m.value for m in at.markdown)
