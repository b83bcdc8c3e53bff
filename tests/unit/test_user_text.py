"""User text is text: the two helpers (esm_maturity/ui/text.py) over the hostile corpus, and the
chart images. The browser test (tests/browser/test_hostile_text.py) checks the rendered pages."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from esm_maturity.charts import figures as charts
from esm_maturity.ui.text import WORD_JOINER, esc, esc_label
from tests.text_corpus import ALL, LONG, PAYLOADS

CORPUS = [*PAYLOADS, ALL, LONG, "", "plain words", "  two leading spaces", "\tA tab", "WWW.EXAMPLE.TEST",
          "line one\r\nline two\rline three\u2028four", "ends with a backslash \\", "https://x.test:8080/a?b=c#d"]
SPECIALS = set("\\`*_{}[]<>#|~$:!=&")
# The patterns Streamlit's Markdown (remark-gfm's autolink literals) looks for in the text after
# escapes are resolved: copied from its frontend bundle.
AUTOLINK = re.compile(r"(https?://|www(?=\.))([-.\w]+)([^ \t\r\n]*)", re.IGNORECASE)
EMAIL = re.compile(r"([-.\w+]+)@([-\w]+(?:\.[-\w]+)+)")
ICON_OR_EMOJI = re.compile(r":[\w/+-]+:")
BLOCK_START = re.compile(r"\s*([-+*>#|=]|\d+[.)])")
LINE_BREAK = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")


def resolved(markdown: str) -> str:
    """The text Markdown makes of the output once the backslash escapes are resolved."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def shown(markdown: str) -> str:
    """What a person reads: escapes resolved, no word joiners, hard breaks as line breaks, the
    no-break spaces that keep leading indentation as spaces."""
    text = resolved(markdown).replace(WORD_JOINER, "").replace("  \n", "\n")
    return "\n".join(re.sub(r"^\u00a0+", lambda m: " " * len(m.group(0)), line) for line in text.split("\n"))


def every_special_escaped(markdown: str) -> bool:
    i = 0
    while i < len(markdown):
        if markdown[i] == "\\":
            if i + 1 >= len(markdown) or not re.match(r"[!-/:-@\[-`{-~]", markdown[i + 1]):
                return False
            i += 2
            continue
        if markdown[i] in SPECIALS:
            return False
        i += 1
    return True


@pytest.mark.parametrize("helper", [esc, esc_label])
@pytest.mark.parametrize("text", CORPUS, ids=lambda t: repr(t[:24]))
def test_no_markdown_no_autolink_survives(helper, text):
    out = helper(text)
    assert every_special_escaped(out.replace("  \n", "\n"))
    text_seen_by_plugins = resolved(out)
    assert not AUTOLINK.search(text_seen_by_plugins), "a bare URL or www. word would become a link"
    assert not EMAIL.search(text_seen_by_plugins), "an e-mail address would become a mailto: link"
    assert not ICON_OR_EMOJI.search(text_seen_by_plugins), "an icon or emoji code would be replaced"
    for line in out.split("  \n"):
        assert not BLOCK_START.match(line.lstrip("\u00a0")), "a line would start a list, quote or heading"


@pytest.mark.parametrize("text", CORPUS, ids=lambda t: repr(t[:24]))
def test_markdown_helper_shows_the_text_literally_line_by_line(text):
    out = esc(text)
    expected = LINE_BREAK.sub("\n", text)
    expected = "\n".join(re.sub(r"^[ \t]+", lambda m: m.group(0).replace("\t", "    "), line)
                         for line in expected.split("\n"))
    assert shown(out) == expected
    assert out.count("  \n") == expected.count("\n")  # every line break is a hard break, no paragraph merges


@pytest.mark.parametrize("text", CORPUS, ids=lambda t: repr(t[:24]))
def test_label_helper_is_one_line_and_literal(text):
    out = esc_label(text)
    assert "\n" not in out and "\r" not in out
    expected = LINE_BREAK.sub(" ", text)
    expected = re.sub(r"^[ \t]+", lambda m: m.group(0).replace("\t", "    "), expected)
    assert shown(out) == expected


def test_the_helpers_change_nothing_in_ordinary_text():
    for text in ("Human Resources", "Raise knowledge sharing from level 2 to 3", "CI-0042 · due 2026-11-30"):
        assert esc(text) == text and esc_label(text) == text


def test_chart_images_keep_user_text_as_text():
    """Exported SVG (and the spec the browser draws) carry user text as text nodes: no element,
    link or image is made from it."""
    names = [PAYLOADS[0], PAYLOADS[1], PAYLOADS[4], "www.example.test " + PAYLOADS[8]]
    frame = pd.DataFrame({"department": names, "department_id": ["A", "B", "C", "D"], "before": [1.0, 2, 3, 2],
                          "after": [2.0, 1, 4, 3], "change": [1.0, -1, 1, 1], "dimensions": [3, 3, 3, 3]})
    chart = charts.movers(frame).properties(title=PAYLOADS[2])
    svg = charts.to_svg(chart).decode("utf-8")
    assert "<script" not in svg and "<img" not in svg and "<iframe" not in svg and "<a " not in svg
    assert "<image" not in svg and "href" not in svg and "onerror" in svg  # the words are there, as text
    assert "&lt;script&gt;" in svg and "&lt;img src=x" in svg
    assert charts.to_png(chart).startswith(b"\x89PNG")
