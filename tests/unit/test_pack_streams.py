"""The meeting pack's value-stream slides: one per active stream, after the other slides, with the stream's
name and trigger → outcome, the departments at each floor (every tie), the coverage when incomplete, the
lead time with its change, "not recorded" and "estimated" where they apply, the levers in words; notes on
each; text within its box for long names; aliases when names are hidden; none without streams."""

from __future__ import annotations

import io

import pytest
from pptx import Presentation
from pptx.util import Emu

from esm_maturity.departments import get_department, update_department
from esm_maturity.pack import content, deck, streams as pack_streams, words
from esm_maturity.streams import commands, flow, queries, rollup
from esm_maturity.streams.records import StepInput, StreamInput
from tests.conftest import ADMIN, DEMO_ANCHOR, TODAY
from tests.unit.test_pack import CHAMPIONS, DEMO_NAMES, text_boxes


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def quick_images(monkeypatch):
    """Charts as a small blank PNG: these tests are about the stream slides, not the pictures."""
    blank = _png()
    monkeypatch.setattr(deck, "slide_image", lambda *args, **kwargs: blank)


def build(db, quarter=DEMO_ANCHOR, departments=(), hidden=False):
    return content.build(db, quarter, content.filters_for(db, quarter, departments), hidden)


def slides_of(data: bytes) -> list:
    return list(Presentation(io.BytesIO(data)).slides)


def text_of(slide) -> str:
    return "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)


def assert_fits(slide) -> None:
    """As tests/unit/test_pack.py measures every box (text_boxes), and every box ends on the slide."""
    for shape in text_boxes(slide):
        assert Emu(shape.top + shape.height).inches <= 7.5 + 1e-6, (slide.name, shape.text_frame.text)


@pytest.fixture(scope="module")
def demo_slides(demo_file, store):
    """The demo's deck (real pictures) and its pack: (slides, pack)."""
    from esm_maturity import clock
    from esm_maturity.db import Database

    path = store.copy(demo_file, "pack-streams")
    with clock.frozen(TODAY), Database(path) as db:
        pack = build(db)
        data = deck.deck_bytes(pack)
        expected = {s.stream_id: (s, rollup.stream_maturity(db, s.stream_id, DEMO_ANCHOR),
                                  flow.flow_record(db, s.stream_id, DEMO_ANCHOR),
                                  flow.flow_record(db, s.stream_id, DEMO_ANCHOR.previous()))
                    for s in queries.list_streams(db)}
    yield slides_of(data), pack, expected
    store.drop(path)


def test_one_slide_per_stream_after_the_others(demo_slides):
    slides, _, expected = demo_slides
    names = [s.name for s in slides]
    assert names[:len(deck.SLIDES)] == list(deck.SLIDES)
    assert sorted(names[len(deck.SLIDES):]) == sorted(f"stream-{key}" for key in expected) and len(expected) == 4


def test_each_slide_names_the_floor_departments_and_the_lead_time(demo_slides):
    slides, pack, expected = demo_slides
    by_name = {s.name: s for s in slides}
    labels = words.labels(dict(pack.full), content.NAME_LIMIT)
    for key, (stream, maturity, record, before) in expected.items():
        slide = by_name[f"stream-{key}"]
        shown = text_of(slide)
        assert stream.name in shown and f"{stream.trigger} → {stream.outcome}" in shown
        for d in maturity.dimensions:
            for dept in d.at_floor:
                assert labels[dept] in shown, (stream.name, d.dimension_id, dept)
            if not d.complete and d.applies:
                assert f"incomplete ({d.scored} of {d.applies} scored)" in shown
        number = f"{record.lead_time_days:.1f}".rstrip("0").rstrip(".")
        assert f"{number} days" in shown
        assert f"{record.lead_time_days - before.lead_time_days:+.1f} since {DEMO_ANCHOR.previous()}" in shown
        assert "Rolled %C&A" in shown or "rolled %C&A" in shown
        assert "Lever:" in shown and "constraint" in shown and "worst" not in shown.lower()
        notes = slide.notes_slide.notes_text_frame.text
        assert stream.name in notes and "constraint" in notes and "Steps in" in notes and len(notes) > 200
        assert "worst" not in notes.lower()
        assert_fits(slide)


def test_not_recorded_and_estimated_are_said(demo_db):
    incident = next(s for s in queries.list_streams(demo_db) if s.name == "Incident to resolution")
    now = next(c for c in build(demo_db).streams if c.stream_id == incident.stream_id)
    assert ("not recorded", "flow efficiency") in now.tiles        # the process time was left blank
    first = build(demo_db, DEMO_ANCHOR.shift(-7)).streams
    assert first and all(c.tiles[0][1] == "lead time · estimated" for c in first)   # no quarter before to compare
    with demo_db.transaction() as tx:
        tx.execute("DELETE FROM stream_flow WHERE stream_id = $1 AND quarter = $2", [incident.stream_id,
                                                                                     str(DEMO_ANCHOR)])
    gone = next(c for c in build(demo_db).streams if c.stream_id == incident.stream_id)
    assert gone.tiles[0] == ("not recorded", f"lead time, {DEMO_ANCHOR}")
    assert gone.tiles[3][0] == "not recorded" and "no record" in gone.notes


def test_long_names_fit_their_boxes_and_are_given_in_full_in_the_notes(demo_db, quick_images):
    long_dept = "Directorate of Corporate Facilities, Estates and Workplace Experience (North)"
    seen = get_department(demo_db, "IT")
    update_department(demo_db, ADMIN, "IT", name=long_dept, sponsor=seen.sponsor, champion=seen.champion,
                      active=True, expected_version=seen.version)
    stream = next(s for s in queries.list_streams(demo_db) if s.name == "Incident to resolution")
    long_name = "Incident to resolution for every customer-facing and internal service across all regions " \
                "and shifts, end to end"[:120]
    commands.update_stream(demo_db, ADMIN, stream.stream_id,
                           StreamInput(long_name, stream.kind, "W" * 300, "V " * 200, stream.consumer),
                           expected_version=stream.version)
    slide = next(s for s in slides_of(deck.deck_bytes(build(demo_db))) if s.name == f"stream-{stream.stream_id}")
    assert_fits(slide)
    shown, notes = text_of(slide), slide.notes_slide.notes_text_frame.text
    assert long_dept not in shown and words.short(long_dept, content.NAME_LIMIT) in shown
    assert long_dept in notes and long_name in notes


def test_hidden_names_become_aliases_on_the_stream_slides(demo_db, quick_images):
    pack = build(demo_db, hidden=True)
    assert len(pack.streams) == 4
    for slide in slides_of(deck.deck_bytes(pack)):
        if slide.name.startswith("stream-"):
            said = text_of(slide) + slide.notes_slide.notes_text_frame.text
            assert "Department " in said and not [n for n in DEMO_NAMES + CHAMPIONS if n in said]
            assert "Sponsor:" not in said   # the description names people: left out


def test_the_department_filter_keeps_the_streams_they_own_a_step_of(demo_db):
    procure = next(s for s in queries.list_streams(demo_db) if s.name == "Procure to pay")
    assert [c.stream_id for c in build(demo_db, departments=["PROC"]).streams] == [procure.stream_id]
    assert build(demo_db, departments=["LEG"]).streams == []   # Legal only supports


def test_no_streams_no_stream_slides(demo_db, quick_images):
    for stream in queries.list_streams(demo_db):
        commands.update_stream(demo_db, ADMIN, stream.stream_id,
                               StreamInput(stream.name, stream.kind, stream.trigger, stream.outcome,
                                           stream.consumer, stream.description, active=False),
                               expected_version=stream.version)
    pack = build(demo_db)
    assert pack.streams == []
    assert [s.name for s in slides_of(deck.deck_bytes(pack))] == list(deck.SLIDES)


def test_a_stream_without_scores_says_so(db):
    from esm_maturity.departments import add_department

    for key in ("A", "B"):
        add_department(db, ADMIN, key, f"Dept {key}")
    made = commands.create_stream(db, ADMIN, StreamInput("Two teams"), [StepInput("One", "A"), StepInput("Two", "B")],
                                  from_quarter=DEMO_ANCHOR)
    cards = pack_streams.cards(db, DEMO_ANCHOR, {"A": "Dept A", "B": "Dept B"}, {"A": "Dept A", "B": "Dept B"})
    card = next(c for c in cards if c.stream_id == made.stream_id)
    assert card.levers == [f"No lever yet: no owning department has an agreed score for {DEMO_ANCHOR}."]
    assert all(value.startswith("incomplete (0 of 2 scored)") for _, value, _ in card.dimensions)
    assert card.tiles[0] == ("not recorded", f"lead time, {DEMO_ANCHOR}")


def test_more_dimensions_than_rows_are_counted_on_the_slide(demo_db, quick_images):
    import dataclasses

    pack = build(demo_db)
    card = pack.streams[0]
    many = dataclasses.replace(card, dimensions=card.dimensions + [(f"Extra {i}", "2", "Finance") for i in range(3)])
    slide = next(s for s in slides_of(deck.deck_bytes(dataclasses.replace(pack, streams=[many])))
                 if s.name == card.slide_name)
    assert_fits(slide)
    assert "and 4 more" in text_of(slide) and "Extra 2" not in text_of(slide)
