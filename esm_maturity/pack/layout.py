"""Text that fits its box on a slide: measured with the DejaVu Sans metrics shipped in fonts/ (wider than
Arial, the deck's font, so a fit here fits there), wrapped at spaces as a slide wraps it."""

from __future__ import annotations

from functools import lru_cache

from PIL import ImageFont
from pptx.oxml.ns import qn

from .images import FONTS
from .words import ELLIPSIS

DECK_FONT = "Arial"      # on every office machine; LibreOffice draws it with the metric-equal Liberation Sans
LINE = 1.2               # line height, in font sizes


@lru_cache(maxsize=32)
def _font(size: int, bold: bool) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size * 4)


def text_width(text: str, size: int, bold: bool = False) -> float:
    """Width in inches of one line of `text` at `size` points."""
    return _font(size, bold).getlength(text) / 4 / 72


def lines(text: str, width: float, size: int, bold: bool = False) -> list[str]:
    """`text` wrapped to `width` inches at `size` points (a word longer than a line is cut across lines)."""
    out, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            out.append(line)
        while text_width(word, size, bold) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and text_width(word[:cut], size, bold) > width:
                cut -= 1
            out.append(word[:cut])
            word = word[cut:]
        line = word
    out.append(line)
    return out


def height(texts: list[str], width: float, size: int, bold: bool = False, space: float = 0.2) -> float:
    """Height in inches of the paragraphs at `size` points, `space` (in sizes) between paragraphs."""
    count = sum(len(lines(t, width, size, bold)) for t in texts)
    return (count * LINE * size + max(0, len(texts) - 1) * space * size) / 72


def fit(texts: list[str], width: float, box_height: float, size: int, smallest: int, *, bold: bool = False,
        space: float = 0.2) -> tuple[list[str], int]:
    """The largest size from `size` down to `smallest` at which the paragraphs fit the box; at `smallest`
    the last paragraphs that do not fit are cut (with an ellipsis). Returns (paragraphs, size)."""
    for pt in range(size, smallest - 1, -1):
        if height(texts, width, pt, bold, space) <= box_height:
            return texts, pt
    kept: list[str] = []
    for text in texts:
        if height([*kept, text], width, smallest, bold, space) <= box_height:
            kept.append(text)
            continue
        words = text.split(" ")
        while words and height([*kept, " ".join(words) + ELLIPSIS], width, smallest, bold, space) > box_height:
            words.pop()
        if words:
            kept.append(" ".join(words) + ELLIPSIS)
        break
    return kept, smallest


def bullet(paragraph, indent) -> None:
    """A bullet with a hanging indent of `indent` (EMU), written into the paragraph's properties."""
    props = paragraph._p.get_or_add_pPr()
    props.set("marL", str(int(indent)))
    props.set("indent", str(-int(indent)))
    for old in props.findall(qn("a:buChar")):
        props.remove(old)
    char = props.makeelement(qn("a:buChar"), {"char": "•"})
    successors = [qn("a:tabLst"), qn("a:defRPr"), qn("a:extLst")]
    later = next((child for child in props if child.tag in successors), None)
    if later is not None:
        later.addprevious(char)
    else:
        props.append(char)


__all__ = ["fit", "lines", "height", "text_width", "bullet", "DECK_FONT"]
