"""The quarter's headline at the top of the Trends page: the sentences trends.headline computes, in a
bordered box in large type (meeting mode: larger still). The sentences name departments and
dimensions, so each goes through `esc`."""

from __future__ import annotations

from typing import Callable

import streamlit as st

from ..db import Database
from ..models import Quarter
from ..trends import headline as hl
from ..trends.queries import Filters
from .cached import read
from .text import esc

KEY = "trend_headline"
# Our own static CSS (never any user text in here): the box's keyed class is .st-key-<KEY>.
_CSS = """<style>
.st-key-trend_headline [data-testid="stMarkdownContainer"] p {font-size: 1.25rem; line-height: 1.45; margin: 0 0 .3rem;}
</style>"""
_MEETING_CSS = """<style>
.st-key-trend_headline [data-testid="stMarkdownContainer"] p {font-size: 1.7rem !important; line-height: 1.4;
  margin: 0 0 .4rem;}
</style>"""


def box():
    """The bordered box, made where the headline belongs (under the title) and filled once the quarter is known."""
    return st.container(border=True, key=KEY, gap="small")


def show(where, db: Database, quarter: Quarter, f: Filters, label: Callable[[str], str], meeting: bool) -> None:
    """Fill `where` with the quarter's sentences; `label(department_id)` names a department (aliases when hidden)."""
    st.html(_MEETING_CSS if meeting else _CSS)
    with where:
        for sentence in hl.sentences(read(db, hl.headline, quarter, f), lambda department_id, name: label(department_id)):
            st.markdown(esc(sentence))
