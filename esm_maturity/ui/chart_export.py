"""Show an Altair chart with PNG and SVG downloads.

The chart carries its whole look (figures.theme), so it is drawn with theme=None. Its text
alternative (the spec's description, which the browser reads out) is its name followed by the
builder's description: the figures, from charts/describe.py.

Images are rendered offline by vl-convert only when someone clicks a button (the download's
data is a callable) and cached by the chart's JSON spec, so the page itself stays fast. They carry
a title and a subtitle (what, which quarter, which organisation) that the page shows in its own
headings instead; the subtitle may be a callable, so whatever it reads is read on the click.
"""

from __future__ import annotations

import re
from typing import Callable

import altair as alt
import streamlit as st

from ..charts import figures as charts


@st.cache_data(max_entries=64, show_spinner=False)
def _image(spec: str, kind: str) -> bytes:
    return charts.to_png(spec) if kind == "png" else charts.to_svg(spec)


def image_bytes(chart: alt.TopLevelMixin, kind: str, title: str | None = None, subtitle: str | None = None) -> bytes:
    """PNG or SVG bytes of a chart, with the title and subtitle on the image (cached by spec)."""
    return _image(charts.export_spec(chart, title, subtitle), kind)


def _file_stem(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "chart"


def text_alternative(chart: alt.TopLevelMixin, name: str) -> str:
    """The chart's name and, when the chart has one, its description: what it shows in figures."""
    description = getattr(chart, "description", None)
    return f"{name}. {description}" if isinstance(description, str) and description else name


def show_chart(chart: alt.TopLevelMixin, key: str, name: str, *, downloads: bool = True, discreet: bool = False,
               title: str | None = None, subtitle: str | Callable[[], str] | None = None, **kwargs):
    """st.altair_chart(chart, key=key, ...) followed by "PNG" and "SVG" download buttons (`discreet`:
    both inside one small "Image" popover, for meeting mode).

    `name` is the chart's accessible name (plain text, never Markdown) and makes the file name (only
    a-z, 0-9 and '-' kept), so it may quote user text. `title` (default: the name) and `subtitle` go
    on the images only. Returns what st.altair_chart returns (the selection state when on_select is
    given).
    """
    # usermeta lets tests and tools tell the charts apart; the description is the chart's accessible
    # text (Streamlit's alt= would set the same, with a logged warning that it replaced ours)
    chart = chart.properties(usermeta={"key": key}, description=text_alternative(chart, name))
    kwargs.setdefault("theme", None)  # the chart carries the whole look; Streamlit's theme would shrink it
    result = st.altair_chart(chart, key=key, width="stretch", **kwargs)
    if downloads:
        stem = _file_stem(name)  # the spec is made only on a click: serialising every chart twice is slow

        def data(kind: str):
            return lambda: image_bytes(chart, kind, title or name, subtitle() if callable(subtitle) else subtitle)

        place = (st.popover("Image", icon=":material/download:", type="tertiary", key=f"{key}_images",
                            help="Download this chart as a PNG or SVG image, titled for a slide")
                 if discreet else st.container(horizontal=True, gap="small"))
        place.download_button("PNG", data=data("png"), file_name=f"{stem}.png", mime="image/png",
                              key=f"{key}_png", on_click="ignore", icon=":material/image:", type="tertiary")
        place.download_button("SVG", data=data("svg"), file_name=f"{stem}.svg", mime="image/svg+xml",
                              key=f"{key}_svg", on_click="ignore", icon=":material/draw:", type="tertiary")
    return result
