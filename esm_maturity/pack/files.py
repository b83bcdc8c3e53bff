"""The pack's two files, chosen by their extension: the deck (.pptx) and the one-page summary (.pdf)."""

from __future__ import annotations

from pathlib import PurePath

from ..db import Database
from ..models import Quarter, ValidationError
from ..trends.queries import Filters
from . import content

MIME = {".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ".pdf": "application/pdf"}


def kind_of(path: str | PurePath) -> str:
    """".pptx" or ".pdf", from a file name; any other extension is refused."""
    suffix = PurePath(path).suffix.lower()
    if suffix not in MIME:
        raise ValidationError(f"{PurePath(path).name!r} is neither a slide deck (.pptx) nor a summary (.pdf): "
                              "end the file name in .pptx or .pdf", "out")
    return suffix


def make(db: Database, kind: str, quarter: Quarter, f: Filters, hidden: bool, quarter_note: str = "") -> bytes:
    """The deck or the summary of `quarter` within the filters, names hidden or not."""
    pack = content.build(db, quarter, f, hidden, quarter_note)
    if kind == ".pptx":
        from .deck import deck_bytes  # deferred: python-pptx loads only when a deck is made

        return deck_bytes(pack)
    from .summary import summary_bytes  # deferred: fpdf2 loads only when a summary is made

    return summary_bytes(pack)


def file_name(kind: str, quarter: Quarter) -> str:
    return f"esm-maturity-{quarter}" + ("-summary.pdf" if kind == ".pdf" else ".pptx")


__all__ = ["kind_of", "make", "file_name", "MIME"]
