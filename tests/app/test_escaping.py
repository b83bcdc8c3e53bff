"""User text inside Markdown is escaped: no links, images, HTML, emphasis, lists or emoji codes (the whole
corpus, and the label helper: tests/unit/test_user_text.py)."""

import pytest

from esm_maturity.ui.text import esc
from esm_maturity.ui.text import WORD_JOINER as WJ


@pytest.mark.parametrize("text,expected", [
    ("Imported 1 change(s) from edited.xlsx.", "Imported 1 change(s) from edited.xlsx."),
    ("![pixel](http://tracker/x.png)", f"\\!\\[pixel\\](http\\:{WJ}//tracker/x.png)"),
    ("<img src=x onerror=alert(1)>", "\\<img src\\=x onerror\\=alert(1)\\>"),
    ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
    ("- not a list\n1. nor this", "\\- not a list  \n1\\. nor this"),
    ("# not a heading :smile:", f"\\# not a heading \\:{WJ}smile\\:"),
])
def test_markdown_specials_are_escaped(text, expected):
    assert esc(text) == expected


def test_a_colon_before_a_space_stays_as_it_is():
    assert esc("title: is required") == "title\\: is required"
