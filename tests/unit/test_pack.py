"""The meeting pack: the deck has its slides in order, 16:9, every picture a PNG carrying its title, notes
on every slide, type of 18 pt or more and no text beyond its box; the summary is one page; hidden names
appear nowhere; user text stays text; the command line writes both and refuses another extension;
LibreOffice opens the deck (when it is installed)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest
from pptx import Presentation
from pptx.util import Emu

from esm_maturity.departments import get_department, update_department
from esm_maturity.organisation import name_and_version, set_organisation_name
from esm_maturity.pack import content, deck, files, images, layout, summary, words
from esm_maturity.trends import queries as trends
from tests.conftest import ADMIN, DEMO_ANCHOR, ROOT, TODAY

DEMO_NAMES = ["Human Resources", "IT Services", "Finance", "Facilities", "Legal", "Procurement", "Marketing",
              "Customer Service", "Security", "Project Office"]
CHAMPIONS = ["Priya Natarajan", "Sofia Alvarez", "Tom Okafor", "Aisha Rahman", "Ben Carter"]


def pdf_pages(data: bytes) -> int:
    """Pages of a PDF as fpdf2 writes it (object dictionaries in the clear): /Type /Page objects."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data))


def make(db, kind: str, hidden: bool = False, departments=()) -> bytes:
    quarter, why = content.choose_quarter(db)
    return files.make(db, kind, quarter, content.filters_for(db, quarter, departments), hidden, why)


def deck_text(data: bytes) -> str:
    """Every piece of text in the deck's XML: slides, notes, alt texts, document properties."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))


@pytest.fixture(scope="module")
def demo_deck(demo_file, store):
    """One deck of the demo (pictures take a while to draw): (bytes, Presentation)."""
    from esm_maturity import clock
    from esm_maturity.db import Database

    path = store.copy(demo_file, "pack")
    with clock.frozen(TODAY), Database(path) as db:
        data = make(db, ".pptx")
    yield data, Presentation(io.BytesIO(data))
    store.drop(path)


def test_the_deck_has_its_slides_in_order_16_9(demo_deck):
    data, prs = demo_deck
    # then one slide per value stream (tests/unit/test_pack_streams.py)
    assert [s.name for s in prs.slides if not s.name.startswith("stream-")] == list(deck.SLIDES)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    title = " ".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert "Northwind Services (demo)" in title and f"ESM maturity — {DEMO_ANCHOR}" in title
    assert TODAY.strftime("%d %B %Y").lstrip("0") in title


def test_the_second_slide_opens_with_the_headline(demo_deck, demo_db):
    from esm_maturity.trends import headline as hl

    _, prs = demo_deck
    text = " ".join(sh.text_frame.text for sh in prs.slides[1].shapes if sh.has_text_frame)
    for sentence in hl.sentences(hl.headline(demo_db, DEMO_ANCHOR, content.filters_for(demo_db, DEMO_ANCHOR))):
        assert sentence in text


def test_every_picture_is_a_png_with_alt_text_and_every_slide_has_notes(demo_deck):
    _, prs = demo_deck
    pictures = 0
    for slide in prs.slides:
        assert slide.has_notes_slide and len(slide.notes_slide.notes_text_frame.text) > 40, slide.name
        for shape in slide.shapes:
            if shape.shape_type == 13:   # a picture
                pictures += 1
                assert shape.image.content_type == "image/png" and shape.image.blob[:4] == b"\x89PNG"
                assert shape._element.nvPicPr.cNvPr.get("descr"), slide.name
    assert pictures == 6   # heatmap, gaps, two movers, two flow charts
    notes = {s.name: s.notes_slide.notes_text_frame.text for s in prs.slides}
    assert "Submitted self-assessments only" in notes["heatmap"]
    assert "dimensions it scored in both quarters" in notes["movers-quarter"]
    assert "No check-in in 45 days" in notes["cadence"]


def text_boxes(slide):
    """Each box with text on the slide, checked: its type 18 pt or more and its text inside it."""
    for shape in slide.shapes:
        if not shape.has_text_frame or not shape.text_frame.text:
            continue
        paragraphs = shape.text_frame.paragraphs
        sizes = {run.font.size.pt for p in paragraphs for run in p.runs}
        assert sizes and min(sizes) >= 18, (slide.name, shape.text_frame.text, sizes)
        bullets = any(p._p.pPr is not None and p._p.pPr.get("marL") for p in paragraphs)
        width = Emu(shape.width).inches - 0.2 - (0.35 if bullets else 0)
        needed = layout.height([p.text for p in paragraphs], width, int(max(sizes)),
                               bold=bool(paragraphs[0].runs[0].font.bold), space=0.5 if bullets else 0.2)
        assert needed <= Emu(shape.height).inches - 0.1 + 1e-6, (slide.name, shape.text_frame.text)
        yield shape


def test_type_is_readable_and_no_text_leaves_its_box(demo_deck):
    _, prs = demo_deck
    for slide in prs.slides:
        for _ in text_boxes(slide):
            pass


def test_slide_image_carries_title_organisation_and_quarter(monkeypatch):
    import altair as alt
    import pandas as pd

    seen = {}
    monkeypatch.setattr(images.figures, "to_png", lambda spec, scale: seen.setdefault("spec", spec) and b"png")
    chart = alt.Chart(pd.DataFrame({"x": [1]})).mark_bar().encode(x="x:Q")
    images.slide_image(chart, "Gap to target", DEMO_ANCHOR, "Acme **Ltd**\n<b>")
    assert '"text": "Gap to target"' in seen["spec"] and f'"subtitle": "Acme **Ltd** <b> \\u00b7 {DEMO_ANCHOR}"' in \
        seen["spec"]


def test_hidden_names_appear_nowhere_in_the_deck(demo_db):
    data = make(demo_db, ".pptx", hidden=True)
    text = deck_text(data)
    assert not [n for n in DEMO_NAMES + CHAMPIONS if n in text]
    assert "Department 0" in text and "names hidden" in text


def test_the_summary_is_one_page_and_hides_names(demo_db, monkeypatch):
    data = make(demo_db, ".pdf")
    assert data[:5] == b"%PDF-" and pdf_pages(data) == 1
    written = []
    original = summary._Page.text
    monkeypatch.setattr(summary._Page, "text", lambda self, value: written.append(original(self, value)) or
                        written[-1])
    hidden = make(demo_db, ".pdf", hidden=True)
    assert pdf_pages(hidden) == 1
    text = "\n".join(written)
    assert "Department 0" in text and "Northwind Services (demo)" in text
    assert not [n for n in DEMO_NAMES + CHAMPIONS if n in text]


def test_a_long_name_is_cut_on_slides_and_given_in_full_in_the_notes(demo_db):
    long = "Directorate of Corporate Facilities, Estates and Workplace Experience (North)"
    seen = get_department(demo_db, "MKT")
    update_department(demo_db, ADMIN, "MKT", name=long, sponsor=seen.sponsor, champion=seen.champion, active=True,
                      expected_version=seen.version)
    prs = Presentation(io.BytesIO(make(demo_db, ".pptx")))
    cadence = next(s for s in prs.slides if s.name == "cadence")
    shown = " ".join(sh.text_frame.text for sh in cadence.shapes if sh.has_text_frame)
    assert long not in shown and words.short(long, content.NAME_LIMIT) in shown
    assert long in cadence.notes_slide.notes_text_frame.text
    assert long in next(s for s in prs.slides if s.name == "heatmap").notes_slide.notes_text_frame.text


def test_user_text_is_text_everywhere(demo_db, monkeypatch):
    hostile = "**Acme** <script>x</script> [x](http://evil.example) \x0b{{ }} $1 ="
    set_organisation_name(demo_db, ADMIN, hostile, expected_version=name_and_version(demo_db)[1])
    prs = Presentation(io.BytesIO(make(demo_db, ".pptx")))
    first = " ".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert words.plain(hostile) in first     # as typed (a vertical tab is one line's space), nothing interpreted
    written = []
    original = summary._Page.text
    monkeypatch.setattr(summary._Page, "text", lambda self, value: written.append(original(self, value)) or
                        written[-1])
    data = make(demo_db, ".pdf")
    assert pdf_pages(data) == 1 and words.plain(hostile) in written


def test_the_pack_follows_the_department_filter(demo_db):
    pack = content.build(demo_db, DEMO_ANCHOR, content.filters_for(demo_db, DEMO_ANCHOR, ["HR", "FIN"]), False)
    assert set(pack.heatmap["department_id"]) == {"HR", "FIN"} and set(pack.full) == {"HR", "FIN"}
    assert pack.headline.submissions.departments == 2 and pack.scope == "Departments: Finance, Human Resources"
    with pytest.raises(Exception, match="no active department 'NOPE'"):
        content.filters_for(demo_db, DEMO_ANCHOR, ["NOPE"])


def test_the_quarter_defaults_to_the_current_or_the_newest_submitted(demo_db):
    from esm_maturity import clock

    assert content.choose_quarter(demo_db) == (DEMO_ANCHOR, "the current quarter")
    with clock.frozen(DEMO_ANCHOR.next().start):
        quarter, why = content.choose_quarter(demo_db)
    assert quarter == DEMO_ANCHOR and why.startswith("the newest quarter with submitted") and \
        str(DEMO_ANCHOR.next()) in why
    assert content.choose_quarter(demo_db, DEMO_ANCHOR.shift(-2)) == (DEMO_ANCHOR.shift(-2), "")


def test_labels_are_short_and_unique():
    names = {"A": "Customer Service Operations North", "B": "Customer Service Operations South", "C": "Legal"}
    labels = words.labels(names, 20)
    assert len(set(labels.values())) == 3 and labels["C"] == "Legal"
    assert all(len(label) <= 24 for label in labels.values()) and labels["A"].endswith("(A)")
    assert words.short("x" * 50, 10) == "x" * 9 + "…" and words.plain("a\nb\x00c") == "a b\ufffdc"


def run_cli(*args):
    env = {**os.environ, "ESM_TODAY": str(TODAY)}
    return subprocess.run([sys.executable, "-m", "esm_maturity", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env=env)


def test_the_command_line_writes_both_and_refuses_other_extensions(demo_path, tmp_path):
    out = tmp_path / "pack.pptx"
    done = run_cli("pack", "--db", str(demo_path), "--departments", "HR,FIN", "--departments", "IT", str(out))
    assert done.returncode == 0, done.stderr
    assert f"for {DEMO_ANCHOR} (the current quarter)" in done.stdout
    prs = Presentation(str(out))
    assert [s.name for s in prs.slides if not s.name.startswith("stream-")] == list(deck.SLIDES)
    pdf = tmp_path / "pack.pdf"
    done = run_cli("pack", "--db", str(demo_path), "--hide-names", "--quarter", str(DEMO_ANCHOR.previous()), str(pdf))
    assert done.returncode == 0, done.stderr
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf_pages(pdf.read_bytes()) == 1
    assert "names hidden" in done.stdout and str(DEMO_ANCHOR.previous()) in done.stdout
    wrong = run_cli("pack", "--db", str(demo_path), str(tmp_path / "pack.docx"))
    assert wrong.returncode == 1 and wrong.stderr.startswith("error:") and wrong.stderr.strip().count("\n") == 0
    assert ".pptx or .pdf" in wrong.stderr and not (tmp_path / "pack.docx").exists()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_deck(demo_deck, tmp_path):
    data, prs = demo_deck
    source = tmp_path / "deck.pptx"
    source.write_bytes(data)
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path / "out"), str(source)],
                          capture_output=True, text=True, timeout=240)
    converted = tmp_path / "out" / "deck.pdf"
    assert done.returncode == 0 and converted.is_file(), done.stdout + done.stderr
    assert converted.read_bytes()[:5] == b"%PDF-"
    assert len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", converted.read_bytes())) == len(prs.slides)


def test_the_trend_aliases_are_the_pages(demo_db):
    """The pack's hidden names are the Trends page's: the same department is the same alias in both."""
    pack = content.build(demo_db, DEMO_ANCHOR, content.filters_for(demo_db, DEMO_ANCHOR), True)
    assert pack.full == trends.department_aliases(list(trends.department_names(demo_db)))
