"""User text on a slide, in a chart image or on a PDF page is plain text: nothing there reads markup,
but XML refuses some characters and a long name overflows its box. These helpers make it fit."""

from __future__ import annotations

import re

ELLIPSIS = "…"
# Characters XML 1.0 cannot carry (python-pptx writes XML; lxml refuses them), surrogates and non-characters.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def plain(text: object) -> str:
    """One line of text: line breaks become spaces, characters no file format carries become U+FFFD."""
    return _UNWRITABLE.sub("\ufffd", _LINE_BREAKS.sub(" ", str(text)))


def text_block(text: object) -> str:
    """Text of several lines (notes): lines kept, characters no file format carries become U+FFFD."""
    return _UNWRITABLE.sub("\ufffd", str(text).replace("\r\n", "\n"))


def short(text: object, limit: int) -> str:
    """`plain(text)`, at most `limit` characters: a longer text ends in an ellipsis."""
    line = plain(text)
    return line if len(line) <= limit else line[:limit - 1].rstrip() + ELLIPSIS


def labels(names: dict[str, str], limit: int) -> dict[str, str]:
    """A short label per key (department_id -> name): the name, shortened, and unique, since a chart
    draws one row per label (two names cut to the same text get their key added)."""
    out = {key: short(name, limit) for key, name in names.items()}
    seen: dict[str, int] = {}
    for label in out.values():
        seen[label] = seen.get(label, 0) + 1
    for key, label in out.items():
        if seen[label] > 1:
            out[key] = short(names[key], max(8, limit - len(key) - 3)) + f" ({plain(key)})"
    return out


__all__ = ["plain", "text_block", "short", "labels", "ELLIPSIS"]
