"""A chart as a PNG for a slide or the summary: it carries its title, the organisation's name and the
quarter (an Altair title with a subtitle), so the image says what it is wherever it is pasted.

Drawn offline by vl-convert in the chart module's own meeting-room look (charts.figures.for_meeting:
its type sizes are the ones its label wrapping counts on), with the DejaVu Sans shipped in fonts/ to
fall back on where a clean machine has no fonts.
"""

from __future__ import annotations

import struct
from pathlib import Path

import altair as alt

from ..charts import figures
from ..models import Quarter
from .words import plain

FONTS = Path(__file__).resolve().parent / "fonts"
_registered = False


def _register_fonts() -> None:
    """Our DejaVu Sans as a font vl-convert can fall back on, on a machine with no fonts of its own."""
    global _registered
    if not _registered:
        import vl_convert as vlc  # deferred: loaded only when an image is drawn

        vlc.register_font_directory(str(FONTS))
        _registered = True


def slide_image(chart: alt.TopLevelMixin, title: str, quarter: Quarter | str, organisation: str, *,
                width: int | None = None, height: int | None = None, scale: float = 2.0) -> bytes:
    """The chart as PNG bytes in the chart module's meeting-room type, titled `title` over
    "<organisation> · <quarter>" (plain text: Vega never reads markup in a title). `width` and `height`
    (pixels before scaling) replace the chart's own (the export width, or a step per bar), so a short
    chart still fills its slide."""
    titled = chart.properties(title=alt.TitleParams(text=plain(title), subtitle=f"{plain(organisation)} · {quarter}"))
    if width is not None:
        titled = titled.properties(width=width)
    if height is not None:
        titled = titled.properties(height=height)
    _register_fonts()
    return figures.to_png(figures.export_spec(figures.for_meeting(titled)), scale=scale)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels, read from the PNG header."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return struct.unpack(">II", data[16:24])


__all__ = ["slide_image", "png_size", "FONTS"]
