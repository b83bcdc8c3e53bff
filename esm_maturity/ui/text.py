"""User text on screen is text: never Markdown, HTML, a link, an image, an icon or an emoji code.

Streamlit reads Markdown in st.markdown, st.write, st.caption, the messages (st.info, st.error...),
headings, and in every widget label: buttons, download buttons, expanders, tabs, radio and
checkbox options, metric labels *and values*, page links and help tooltips. User text goes there
only through one of two helpers:

- `esc(text)`: into a Markdown context (a paragraph, a caption, a message); line breaks kept.
- `esc_label(text)`: into a label or another one-line context (expander, tab, button, option).

Escaping the Markdown specials is not enough. Streamlit's Markdown turns bare URLs (`http://...`,
`www.`), e-mail addresses and `:material/...:` icon codes into links and icons by searching the
text *after* the escapes are resolved. So an invisible WORD JOINER (U+2060: no width, no line
break) goes where such a pattern could start: after a `:` that touches the next character (`http:`,
`:smile:`), before an `@` that touches the word before it (an e-mail address) and between `www`
and its `.`. No pattern matches, and the text reads the same (a copy carries the invisible joiner).

A heading that holds user text is an st.subheader(esc_label(...), anchor=False), never a Markdown
`#` heading: Streamlit would make its anchor link out of the text.

Plain-text places need neither helper and must not get one (the backslashes would show): the
options of st.selectbox and st.multiselect (format_func), text input values and placeholders,
st.text, st.code, table cells and chart text.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"

_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]<>#|~$:!=&")
_LIST_START = re.compile(r"^(\s*)([-+]|\d+)([.)]?)")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]")
_WWW = re.compile(r"(www)(?=\.)", re.IGNORECASE)
_JOINED_COLON = re.compile(r":(?=\S)")
_JOINED_AT = re.compile(r"(?<=[-.\w+])@")
_LEADING_SPACE = re.compile(r"^[ \t]+")


def _escape_line(line: str) -> str:
    escaped = "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in line)
    escaped = _LIST_START.sub(
        lambda m: m.group(1) + ("\\" + m.group(2) + m.group(3) if m.group(2) in "-+"
                                else m.group(2) + ("\\" + m.group(3) if m.group(3) else "")), escaped)
    # Break the patterns Streamlit looks for in the resolved text: schemes and icon or emoji codes
    # (a ':' touching what follows), e-mail addresses (an '@' touching what precedes) and www. words.
    escaped = _JOINED_COLON.sub(":" + WORD_JOINER, escaped)
    escaped = _JOINED_AT.sub(WORD_JOINER + "@", escaped)
    escaped = _WWW.sub(r"\1" + WORD_JOINER, escaped)
    # Leading spaces would make an indented code block (where escapes show): keep them as no-break spaces.
    return _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group(0).replace("\t", "    ")), escaped)


def esc(text: object) -> str:
    """User text made safe to put inside Markdown: no emphasis, links, autolinks, images, HTML,
    headings, lists, tables, maths, icons or emoji codes; each line of the text stays a line."""
    return "  \n".join(_escape_line(line) for line in _LINE_BREAKS.split(str(text)))


def esc_label(text: object) -> str:
    """User text made safe for a widget label, tab, expander, option or metric: `esc` on one line
    (line breaks become spaces)."""
    return _escape_line(_LINE_BREAKS.sub(" ", str(text)))

