"""The meeting pack's one-page summary (fpdf2), for e-mail and print: the quarter's headline, who has and
has not submitted, the largest gaps to target and one chart (the organisation's gaps: it stays one
page whatever the number of departments).

Text goes through fpdf2's plain-text calls only (no markdown, no HTML), in the DejaVu Sans shipped in
fonts/ so any name prints; without those files it falls back to Helvetica and prints what Latin-1
can. Exactly one page: automatic page breaks are off and every list is cut to its space.
"""

from __future__ import annotations

import datetime as dt
import io

from fpdf import FPDF
from fpdf.fonts import FontFace

from ..charts import figures as charts
from ..trends import method
from .content import QUIET_DAYS, Pack
from .images import FONTS, png_size, slide_image
from .words import plain, short

PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 16.0     # A4 portrait, millimetres
INK, MUTED, DARK, ACCENT = (49, 51, 63), (92, 95, 107), (27, 79, 114), (224, 123, 57)
GAP_ROWS = 5                                     # dimensions in the "largest gaps" table
LIST_CHARS = 230                                 # characters of a list of departments in a table cell


class _Page:
    """One A4 page being written, with the font that carries the text."""

    def __init__(self, pack: Pack):
        self.pdf = FPDF(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(False)
        self.pdf.set_margins(MARGIN, 14, MARGIN)
        self.pdf.set_creation_date(dt.datetime.combine(pack.made_on, dt.time(9), tzinfo=dt.timezone.utc))
        self.family = self._fonts()
        self.pdf.set_title(self.text(f"ESM maturity — {pack.quarter}"))
        self.pdf.set_author(self.text(pack.organisation))
        self.pdf.add_page()

    def _fonts(self) -> str:
        regular, bold = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            self.pdf.add_font("DejaVu", "", str(regular))
            self.pdf.add_font("DejaVu", "B", str(bold))
            return "DejaVu"
        return "helvetica"   # the package lost its fonts: print what Latin-1 carries

    def text(self, value: object) -> str:
        line = plain(value)
        return line if self.family == "DejaVu" else line.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def line(self, value: object, size: float, *, bold: bool = False, colour=INK, height: float | None = None) -> None:
        self.font(size, bold, colour)
        self.pdf.multi_cell(0, height or size * 0.5, self.text(value), align="L", new_x="LMARGIN", new_y="NEXT")

    def heading(self, value: str) -> None:
        self.pdf.ln(3)
        self.line(value, 12.5, bold=True, colour=DARK, height=7)
        self.pdf.ln(0.5)

    def bullets(self, items: list[str], size: float = 10.5) -> None:
        self.font(size)
        for item in items:
            self.pdf.set_x(MARGIN)
            self.pdf.cell(5, size * 0.5, "•")
            self.pdf.multi_cell(0, size * 0.5, self.text(item), align="L", new_x="LMARGIN", new_y="NEXT")
            self.pdf.ln(1)


def summary_bytes(pack: Pack) -> bytes:
    """The one-page PDF as bytes."""
    page = _Page(pack)
    pdf = page.pdf
    page.line(pack.organisation, 11, bold=True, colour=ACCENT, height=6)
    page.line(f"ESM maturity — {pack.quarter}", 22, bold=True, colour=DARK, height=11)
    when = pack.made_on.strftime("%d %B %Y").lstrip("0")
    page.line(f"{when} · {pack.scope}" + (f" · {pack.quarter}: {pack.quarter_note}" if pack.quarter_note else ""),
              9.5, colour=MUTED, height=5)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.8)
    pdf.line(MARGIN, pdf.get_y() + 2, MARGIN + 30, pdf.get_y() + 2)
    pdf.ln(3)

    page.heading("The quarter in brief")
    page.bullets(pack.sentences)

    page.heading(f"Self-assessments and check-ins, {pack.quarter}")
    s = pack.headline.submissions
    waiting = ", ".join(f"{pack.label(d)} ({status})" for d, status in pack.not_submitted) or "none"
    quiet = ", ".join(f"{pack.label(d)}" for d, _ in pack.quiet) or "none"
    rounds = pack.agreed_in_rounds
    _table(page, [("Submitted", f"{s.submitted} of {s.departments} departments"),
                  ("Not submitted", short(waiting, LIST_CHARS)),
                  (f"No check-in in {QUIET_DAYS} days", short(quiet, LIST_CHARS)),
                  *([("Agreed in rating rounds", short("; ".join(rounds), LIST_CHARS))] if rounds else [])],
           (52, None), header=False)

    gaps = pack.organisation_gaps
    if not gaps.empty:
        page.heading("Largest gaps to target (mean over the departments that scored)")
        top = gaps.assign(gap=gaps["gap"].astype(float)).sort_values(["gap", "position"], ascending=[False, True])
        rows = [(short(r.dimension, 60), f"{float(r.average):.2f}", f"{float(r.target):.2f}", f"{float(r.gap):.2f}",
                 f"{int(r.below_target)} of {int(r.departments)}") for r in top.head(GAP_ROWS).itertuples()]
        _table(page, [("Dimension", "Mean level", "Mean target", "Mean gap", "Below target"), *rows],
               (None, 22, 24, 22, 26))

    footer_top = PAGE_H - 14 - 12
    if not gaps.empty:
        _chart(page, pack, footer_top - 2)
    pdf.set_xy(MARGIN, footer_top)
    page.font(7.5, colour=MUTED)
    pdf.multi_cell(0, 3.6, page.text(method.METHOD + " " + method.ORGANISATION_GAPS), align="L", new_x="LMARGIN",
                   new_y="NEXT")
    return bytes(pdf.output())


def _table(page: _Page, rows: list[tuple[str, ...]], widths: tuple[float | None, ...], header: bool = True) -> None:
    pdf = page.pdf
    usable = PAGE_W - 2 * MARGIN
    fixed = sum(w for w in widths if w)
    col_widths = tuple(w or (usable - fixed) / sum(1 for x in widths if not x) for w in widths)
    page.font(9.5)
    pdf.set_draw_color(210, 214, 222)
    pdf.set_line_width(0.2)
    style = FontFace(emphasis="BOLD", color=DARK, fill_color=(232, 238, 242))
    with pdf.table(col_widths=col_widths, width=usable, first_row_as_headings=header, headings_style=style,
                   line_height=5, padding=1.2, markdown=False, align="LEFT",
                   text_align=("LEFT",) + ("RIGHT",) * (len(widths) - 1) if header else "LEFT") as table:
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(page.text(value))


def _chart(page: _Page, pack: Pack, bottom: float) -> None:
    """The organisation's gaps as an image in the space left above `bottom` (none when too little is left)."""
    pdf = page.pdf
    top = pdf.get_y() + 4
    room_h, room_w = bottom - top, PAGE_W - 2 * MARGIN
    if room_h < 35:
        return
    image = slide_image(charts.organisation_gaps(pack.organisation_gaps), "Gap to target: mean per dimension",
                        pack.quarter, pack.organisation, width=480)
    w, h = png_size(image)
    scale = min(room_w / w, room_h / h)
    pdf.image(io.BytesIO(image), x=MARGIN, y=top, w=w * scale, h=h * scale,
              alt_text=page.text(f"Gap to target: mean per dimension, {pack.organisation}, {pack.quarter}"))


__all__ = ["summary_bytes"]
