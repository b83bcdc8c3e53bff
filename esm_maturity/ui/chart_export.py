"""Show an Altair chart with PNG and SVG download buttons.

Images are rendered offline by vl-convert only when someone clicks a button (the download's
data is a callable) and cached by the chart's JSON spec, so the page itself stays fast.
"""

from __future__ import annotations

import re

import altair as alt
import streamlit as st

from ..charts import figures as charts


@st.cache_data(max_entries=64, show_spinner=False)
def _image(spec: str, kind: str) -> bytes:
    return charts.to_png(spec) if kind == "png" else charts.to_svg(spec)


def image_bytes(chart: alt.TopLevelMixin, kind: str) -> bytes:
    """PNG or SVG bytes of a chart (cached by spec)."""
    return _image(charts.export_spec(chart), kind)


def _file_stem(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "chart"


def show_chart(chart: alt.TopLevelMixin, key: str, name: str, *, downloads: bool = True, **kwargs):
    """st.altair_chart(chart, key=key, ...) followed by "PNG" and "SVG" download buttons.

    `name` is the chart's accessible name (plain text, never Markdown) and makes the file name (only
    a-z, 0-9 and '-' kept), so it may quote user text. Returns what st.altair_chart returns (the
    selection state when on_select is given).
    """
    chart = chart.properties(usermeta={"key": key})  # lets tests and tools tell the charts apart
    result = st.altair_chart(chart, key=key, width="stretch", alt=name, **kwargs)
    if downloads:
        stem = _file_stem(name)  # the spec is made only on a click: serialising every chart twice is slow
        row = st.container(horizontal=True, gap="small")
        row.download_button("PNG", data=lambda: image_bytes(chart, "png"), file_name=f"{stem}.png", mime="image/png",
                             key=f"{key}_png", on_click="ignore", icon=":material/image:", type="tertiary")
        row.download_button("SVG", data=lambda: image_bytes(chart, "svg"), file_name=f"{stem}.svg",
                              mime="image/svg+xml", key=f"{key}_svg", on_click="ignore",
                              icon=":material/draw:", type="tertiary")
    return result
