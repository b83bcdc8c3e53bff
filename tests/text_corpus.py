"""Hostile user text: what the tests put into every field a person can fill.

A payload that runs script sets `window.__pwned` (or opens a dialog); one that loads or links
something points at 127.0.0.1:1 or example.test, so a request or a link made from user text is
easy to spot. The unit tests run every payload through the escaping helpers; the browser test
(tests/browser/test_hostile_text.py) types them into the app and reads the pages.
"""

from __future__ import annotations

import itertools

PAYLOADS = [
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
    '<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    "[run](javascript:window.__pwned=1)",
    "![x](http://127.0.0.1:1/track)",
    "[click](http://127.0.0.1:1/x)",
    "<http://127.0.0.1:1/auto>",
    "www.example.test",
    "http://example.test/a",
    "me@example.test",
    "\u202eevil.exe\u202c",
    "🎉 👩‍💻 🇳🇱",
    ":material/home: :smile: :red[red] $x^2$",
    "**bold** _it_ `code` ~~gone~~",
    "&lt;b&gt; &amp; &#60;",
    "<svg onload=alert(1)>",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    "| a | b |",
    "    indented code",
    "[^note]",
    "\\*backslash\\*",
]

# Words that must never appear in an href or a request URL: they only come from the payloads.
MARKERS = ("127.0.0.1:1", "example.test", "javascript:", "__pwned", "track")


def fill(length: int, start: int = 0, sep: str = " ") -> str:
    """Payloads joined by `sep`, from the `start`-th on (rotating), as many whole ones as fit in
    `length` characters (at least one, cut to fit)."""
    out = ""
    for payload in itertools.islice(itertools.cycle(PAYLOADS), start, start + 10_000):
        candidate = payload if not out else out + sep + payload
        if len(candidate) > length:
            break
        out = candidate
    return out or PAYLOADS[start % len(PAYLOADS)][:length]


def lines(length: int, start: int = 0) -> str:
    """Multi-line hostile text (one payload a line, some as bullets) of about `length` characters."""
    return fill(length, start, sep="\n")


ALL = " ".join(PAYLOADS)
LONG = lines(3000)
