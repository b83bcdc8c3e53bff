"""The meeting pack as a 16:9 slide deck (python-pptx): title, headline, heatmap, gaps to target, movers,
improvement flow, cadence, then one slide per value stream (pack/streams.py; named "stream-<key>"). Each
chart is a PNG that carries its title (images.slide_image); each slide's notes say how its figures are
computed (trends.method, the Trends page's wording).

Type: titles 32-44 pt, body 18-24 pt. Every text box is measured before it is filled (layout.fit) so
nothing overflows it; long department names are cut with an ellipsis and given in full in the notes.
"""

from __future__ import annotations

import io
import altair as alt
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from ..charts import figures as charts
from ..trends import method
from ..trends.headline import sentences
from . import layout
from .content import QUIET_DAYS, Pack
from .images import png_size, slide_image
from .words import plain, short, text_block

WIDTH, HEIGHT = 13.333, 7.5                 # inches: 16:9
MARGIN = 0.5
BLANK, TITLE_ONLY, TITLE_SLIDE = 6, 5, 0    # layouts of python-pptx's default template
DARK, ACCENT, INK, MUTED = RGBColor(0x1B, 0x4F, 0x72), RGBColor(0xE0, 0x7B, 0x39), RGBColor(0x31, 0x33, 0x3F), \
    RGBColor(0x5C, 0x5F, 0x6B)
SLIDES = ("title", "headline", "heatmap", "gaps", "movers-quarter", "movers-year", "flow-opened-closed",
          "flow-work-in-progress", "cadence")
LIST_ITEMS = 8                               # entries per cadence list on the slide (all of them in the notes)


def deck_bytes(pack: Pack) -> bytes:
    """The deck as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(WIDTH), Inches(HEIGHT)
    for build in (_title, _headline, _heatmap, _gaps, _movers, _flow, _cadence, _streams):
        build(prs, pack)
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


# --- slides ----------------------------------------------------------------------------------------


def _title(prs, pack: Pack) -> None:
    slide = _slide(prs, "title", TITLE_SLIDE, _notes_title(pack))
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = DARK
    title, subtitle = slide.placeholders[0], slide.placeholders[1]
    _place(title, MARGIN + 0.3, 2.55, WIDTH - 2 * MARGIN - 0.6, 1.3)
    _fill(title.text_frame, [f"ESM maturity — {pack.quarter}"], 44, 32, bold=True, colour=RGBColor(255, 255, 255))
    _place(subtitle, MARGIN + 0.3, 4.0, WIDTH - 2 * MARGIN - 0.6, 2.2)
    lines = [pack.made_on.strftime("%d %B %Y").lstrip("0"), pack.scope]
    if pack.quarter_note:
        lines.append(f"{pack.quarter}: {pack.quarter_note}")
    _fill(subtitle.text_frame, lines, 22, 18, colour=RGBColor(0xDD, 0xE8, 0xF0))
    name = slide.shapes.add_textbox(Inches(MARGIN + 0.3), Inches(1.3), Inches(WIDTH - 2 * MARGIN - 0.6), Inches(1.2))
    _fill(name.text_frame, [pack.organisation], 32, 20, bold=True, colour=RGBColor(0xF5, 0xC3, 0x9E), limit=90)
    bar = slide.shapes.add_shape(1, Inches(MARGIN + 0.3), Inches(3.9), Inches(1.6), Inches(0.08))  # 1: rectangle
    bar.fill.solid()
    bar.fill.fore_color.rgb = ACCENT
    bar.line.fill.background()


def _headline(prs, pack: Pack) -> None:
    h = pack.headline
    notes = "\n".join([*_sentences_in_full(pack), "", method.HEADLINE, "", method.METHOD])
    slide = _titled(prs, "headline", f"{pack.quarter} in brief", notes)
    s, lv, imp = h.submissions, h.level, h.improvements
    change = "" if lv.change is None else f" ({lv.change:+.2f} since {pack.quarter.previous()})"
    tiles = [(f"{s.submitted} of {s.departments}", f"departments submitted for {pack.quarter}"),
             (f"{lv.level:.2f}" if lv.level is not None else "–", f"organisation level of 5{change}"),
             (f"{imp.closed} closed" if imp.total else "–",
              f"improvements in {pack.quarter}; {imp.still_open} still open" if imp.total
              else "no improvements recorded yet")]
    width = (WIDTH - 2 * MARGIN - 2 * 0.3) / 3
    for i, (figure, caption) in enumerate(tiles):
        left = MARGIN + i * (width + 0.3)
        tile = slide.shapes.add_shape(1, Inches(left), Inches(1.45), Inches(width), Inches(1.75))
        tile.fill.solid()
        tile.fill.fore_color.rgb = RGBColor(0xEE, 0xF4, 0xF8)
        tile.line.fill.background()
        box = slide.shapes.add_textbox(Inches(left + 0.1), Inches(1.5), Inches(width - 0.2), Inches(1.0))
        _fill(box.text_frame, [figure], 40, 28, bold=True, colour=DARK)
        box = slide.shapes.add_textbox(Inches(left + 0.1), Inches(2.4), Inches(width - 0.2), Inches(0.75))
        _fill(box.text_frame, [caption], 18, 18, colour=MUTED)
    body = slide.shapes.add_textbox(Inches(MARGIN), Inches(3.5), Inches(WIDTH - 2 * MARGIN), Inches(3.6))
    _fill(body.text_frame, pack.sentences, 22, 18, colour=INK, bullets=True)


def _heatmap(prs, pack: Pack) -> None:
    rounds = pack.agreed_in_rounds
    said = ("Agreed in rating rounds (the spread of the answers, never the answers): " + "; ".join(rounds) + "."
            if rounds else "")
    notes = _notes(method.HEATMAP, method.METHOD, _names_note(pack), said)
    rows = pack.heatmap["department_id"].nunique()
    # up to 15 departments in large type (the chart sizes rows to its wrapped names); more: its own small step
    chart = charts.heatmap(pack.heatmap, large_text=rows <= 15) if rows else None
    _figure(prs, pack, "heatmap", notes, chart, "Organisation heatmap", "No departments or dimensions match the "
            "filters.")


def _gaps(prs, pack: Pack) -> None:
    frame = pack.organisation_gaps
    values = "\n".join(f"{plain(r.dimension)}: mean gap {float(r.gap):.2f}, {int(r.below_target)} of "
                       f"{int(r.departments)} departments below target" for r in frame.itertuples())
    chart = charts.organisation_gaps(frame) if not frame.empty else None
    _figure(prs, pack, "gaps", _notes(method.ORGANISATION_GAPS, method.METHOD, values), chart,
            "Gap to target: mean per dimension", f"No submitted scores for {pack.quarter}.", width=700, height=420)


def _movers(prs, pack: Pack) -> None:
    for name, other, frame in (("movers-quarter", pack.quarter.previous(), pack.movers_quarter),
                               ("movers-year", pack.quarter.year_ago(), pack.movers_year)):
        values = "\n".join(f"{plain(pack.full.get(r.department_id, r.department))}: {float(r.before):.2f} to "
                           f"{float(r.after):.2f} ({float(r.change):+.2f}, {int(r.dimensions)} dimensions compared)"
                           for r in frame.itertuples())
        chart = charts.movers(frame) if not frame.empty else None
        _figure(prs, pack, name, _notes(method.MOVERS, values), chart, f"Movers since {other}",
                f"No department's overall level changed between {other} and {pack.quarter}.",
                width=700, height=min(400, 90 * max(len(frame), 3)))


def _flow(prs, pack: Pack) -> None:
    parts = (("flow-opened-closed", "Improvements opened and closed per quarter", charts.opened_closed,
              pack.opened_closed),
             ("flow-work-in-progress", "Work in progress by status", charts.work_in_progress, pack.work_in_progress))
    for name, title, draw, frame in parts:
        chart = draw(frame) if pack.backlog else None
        _figure(prs, pack, name, _notes(method.FLOW), chart, title, "Improvement flow appears here once the "
                "improvement backlog has items.", width=760, height=380)


def _cadence(prs, pack: Pack) -> None:
    not_submitted = [f"{pack.label(d)}: {status}" for d, status in pack.not_submitted]
    quiet = [f"{pack.label(d)}: {when}" for d, when in pack.quiet]
    full_not = [f"{plain(pack.full[d])}: {status}" for d, status in pack.not_submitted]
    full_quiet = [f"{plain(pack.full[d])}: {when}" for d, when in pack.quiet]
    notes = _notes(method.NOT_SUBMITTED, method.quiet(QUIET_DAYS),
                   f"Not submitted for {pack.quarter}: " + ("; ".join(full_not) or "none"),
                   f"No check-in in {QUIET_DAYS} days: " + ("; ".join(full_quiet) or "none"))
    slide = _titled(prs, "cadence", "Cadence: who has not scored, who has not met", notes)
    column = (WIDTH - 2 * MARGIN - 0.5) / 2
    for i, (heading, items, none) in enumerate((
            (f"Not submitted for {pack.quarter} ({len(not_submitted)})", not_submitted,
             "Every department submitted."),
            (f"No check-in in {QUIET_DAYS} days ({len(quiet)})", quiet, "Every department met recently."))):
        left = MARGIN + i * (column + 0.5)
        head = slide.shapes.add_textbox(Inches(left), Inches(1.45), Inches(column), Inches(0.6))
        _fill(head.text_frame, [heading], 24, 18, bold=True, colour=DARK)
        shown = items[:LIST_ITEMS] + ([f"… and {len(items) - LIST_ITEMS} more (all in the notes)"]
                                      if len(items) > LIST_ITEMS else [])
        body = slide.shapes.add_textbox(Inches(left), Inches(2.15), Inches(column), Inches(4.9))
        _fill(body.text_frame, shown or [none], 20, 18, colour=INK, bullets=bool(shown))


def _streams(prs, pack: Pack) -> None:
    """One slide per value stream (pack/streams.py writes the words): flow tiles, a row per dimension with
    its value and constraint, the biggest levers. Every box holds one measured line or two (layout.fit)."""
    full_w = WIDTH - 2 * MARGIN
    tile_w = (full_w - 3 * 0.25) / 4
    columns = ((MARGIN, 4.3, INK), (MARGIN + 4.4, 3.5, DARK), (MARGIN + 8.0, full_w - 8.0, INK))
    rows = 9                                                # dimension rows above the levers
    for card in pack.streams:
        slide = _titled(prs, card.slide_name, card.name, card.notes)
        _box(slide, MARGIN, 1.33, full_w, 0.45, [card.subtitle], 20, colour=MUTED)
        for i, (figure, caption) in enumerate(card.tiles[:4]):
            left = MARGIN + i * (tile_w + 0.25)
            _box(slide, left, 1.8, tile_w, 0.5, [figure], 24, bold=True, colour=DARK)
            _box(slide, left, 2.26, tile_w, 0.74, [caption], 18, colour=MUTED)
        _box(slide, MARGIN, 3.02, full_w, 0.45, [f"Maturity per dimension ({card.rule}) and its constraint"], 22,
             bold=True, colour=DARK)
        shown = card.dimensions if len(card.dimensions) <= rows else \
            card.dimensions[:rows - 1] + [("…", f"and {len(card.dimensions) - rows + 1} more", "(in the notes)")]
        for i, cells in enumerate(shown):
            for (left, width, colour), text in zip(columns, cells):
                _box(slide, left, 3.47 + i * 0.3, width, 0.42, [text], 18, colour=colour)
        _box(slide, MARGIN, 6.2, full_w, 1.2, card.levers, 18, bullets=True)


def _box(slide, left: float, top: float, width: float, height: float, lines: list[str], size: int, **style) -> None:
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    _fill(box.text_frame, lines, size, 18, **style)


# --- building blocks -------------------------------------------------------------------------------


def _slide(prs, name: str, layout_index: int, notes: str):
    slide = prs.slides.add_slide(prs.slide_layouts[layout_index])
    slide._element.cSld.name = name            # the slide's name, for tools and tests (SLIDES)
    slide.notes_slide.notes_text_frame.text = text_block(notes)
    for placeholder in list(slide.placeholders):
        if placeholder.placeholder_format.idx >= 10:   # date, footer, slide number: unused
            placeholder._element.getparent().remove(placeholder._element)
    return slide


def _titled(prs, name: str, title: str, notes: str):
    slide = _slide(prs, name, TITLE_ONLY, notes)
    heading = slide.placeholders[0]
    _place(heading, MARGIN, 0.35, WIDTH - 2 * MARGIN, 0.95)
    _fill(heading.text_frame, [title], 34, 24, bold=True, colour=DARK)
    line = slide.shapes.add_shape(1, Inches(MARGIN), Inches(1.25), Inches(1.2), Inches(0.06))
    line.fill.solid()
    line.fill.fore_color.rgb = ACCENT
    line.line.fill.background()
    return slide


def _figure(prs, pack: Pack, name: str, notes: str, chart: alt.TopLevelMixin | None, title: str, empty: str,
            **size: int) -> None:
    """A slide that is one chart image, as large as the slide allows; without data, says why instead."""
    if chart is None:
        slide = _titled(prs, name, title, notes)
        _message(slide, empty)
        return
    slide = _slide(prs, name, BLANK, notes)
    image = slide_image(chart, title, pack.quarter, pack.organisation, **size)
    _picture(slide, image, MARGIN, 0.35, WIDTH - 2 * MARGIN, HEIGHT - 0.7,
             f"{title}, {plain(pack.organisation)}, {pack.quarter}")


def _picture(slide, image: bytes, left: float, top: float, width: float, height: float, alt_text: str) -> None:
    """The image as large as fits the box, its aspect kept, centred across and placed at the top."""
    w, h = png_size(image)
    scale = min(width / w, height / h)
    shown_w, shown_h = w * scale, h * scale
    picture = slide.shapes.add_picture(io.BytesIO(image), Inches(left + (width - shown_w) / 2), Inches(top),
                                       Inches(shown_w), Inches(shown_h))
    picture._element.nvPicPr.cNvPr.set("descr", text_block(alt_text))   # alt text for screen readers


def _message(slide, text: str) -> None:
    box = slide.shapes.add_textbox(Inches(MARGIN), Inches(1.6), Inches(WIDTH - 2 * MARGIN), Inches(1.5))
    _fill(box.text_frame, [text], 24, 18, colour=INK)


def _place(shape, left: float, top: float, width: float, height: float) -> None:
    shape.left, shape.top, shape.width, shape.height = Inches(left), Inches(top), Inches(width), Inches(height)


def _fill(frame, paragraphs: list[str], size: int, smallest: int, *, bold: bool = False, colour: RGBColor = INK,
          bullets: bool = False, limit: int | None = None) -> None:
    """Write plain-text paragraphs into a text frame at the largest size from `size` down to `smallest`
    that fits its box (measured); what still does not fit at `smallest` is cut with an ellipsis."""
    texts = [short(p, limit) if limit else plain(p) for p in paragraphs]
    box_w, box_h = Emu(frame._parent.width).inches, Emu(frame._parent.height).inches
    indent = 0.35 if bullets else 0.0
    fitted, pt = layout.fit(texts, box_w - 0.2 - indent, box_h - 0.1, size, smallest, bold=bold,
                            space=0.5 if bullets else 0.2)
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.clear()
    for i, text in enumerate(fitted):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        if i and bullets:
            paragraph.space_before = Pt(round(pt * 0.5))
        elif i:
            paragraph.space_before = Pt(round(pt * 0.2))
        paragraph.alignment = PP_ALIGN.LEFT
        if bullets:
            layout.bullet(paragraph, Inches(indent))
        run = paragraph.add_run()
        run.text = text_block(text)
        run.font.size, run.font.bold, run.font.name = Pt(pt), bold, layout.DECK_FONT
        run.font.color.rgb = colour


def _notes(*parts: str) -> str:
    return "\n\n".join(p for p in parts if p)


def _names_note(pack: Pack) -> str:
    cut = pack.shortened()
    return ("Full names: " + "; ".join(f"{label} = {name}" for label, name in cut)) if cut else ""


def _sentences_in_full(pack: Pack) -> list[str]:
    return sentences(pack.headline, lambda d, name: plain(pack.full.get(d, name)))


def _notes_title(pack: Pack) -> str:
    lines = [f"Meeting pack for {plain(pack.organisation)}, {pack.quarter}"
             + (f" ({pack.quarter_note})" if pack.quarter_note else "") + f". Made on {pack.made_on}.",
             pack.scope + "."]
    if pack.hidden:
        lines.append("Department names are hidden: departments appear as Department 01, 02... in an order that "
                     "reveals nothing, and evidence is left out.")
    elif pack.filters.departments:
        lines.append("Departments: " + ", ".join(plain(n) for n in pack.full.values()))
    lines += ["", method.METHOD]
    return "\n".join(lines)


__all__ = ["deck_bytes", "SLIDES"]
