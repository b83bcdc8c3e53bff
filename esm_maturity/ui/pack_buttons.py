"""The Trends page's one-click meeting pack: the deck (.pptx) and the one-page summary (.pdf) of what the
page shows (its quarter, filters and hidden names), made only when a button is clicked (the download's
data is a callable), in meeting mode too."""

from __future__ import annotations

from ..db import Database
from ..models import Quarter
from ..pack import files
from ..trends.queries import Filters

BUTTONS = ((".pptx", "Meeting pack (.pptx)", ":material/slideshow:", "pack_pptx"),
           (".pdf", "One-page summary (.pdf)", ":material/picture_as_pdf:", "pack_pdf"))


def show(where, db: Database, quarter: Quarter, f: Filters, hidden: bool) -> None:
    """Two discreet download buttons side by side in `where`."""
    row = where.container(horizontal=True, gap="small")
    for kind, label, icon, key in BUTTONS:
        row.download_button(label, data=lambda kind=kind: files.make(db, kind, quarter, f, hidden),
                            file_name=files.file_name(kind, quarter), mime=files.MIME[kind], key=key,
                            on_click="ignore", icon=icon, type="tertiary",
                            help=f"{quarter}, with the filters shown" + (" and department names hidden" if hidden
                                                                          else ""))
