"""User text inside Markdown is escaped: no links, images, HTML, emphasis, lists or emoji codes."""

import pytest

from esm_maturity.ui.context import esc


@pytest.mark.parametrize("text,expected", [
    ("Imported 1 change(s) from edited.xlsx.", "Imported 1 change(s) from edited.xlsx."),
    ("![pixel](http://tracker/x.png)", "\\!\\[pixel\\](http\\://tracker/x.png)"),
    ("<img src=x onerror=alert(1)>", "\\<img src\\=x onerror\\=alert(1)\\>"),
    ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
    ("- not a list\n1. nor this", "\\- not a list\n1\\. nor this"),
    ("# not a heading :smile:", "\\# not a heading \\:smile\\:"),
])
def test_markdown_specials_are_escaped(text, expected):
    assert esc(text) == expected
