"""Draw a chart from its recipe, with PNG and SVG downloads.

A chart is given as a `Plot`: a builder of charts/figures.py, its aggregated rows and its options. The
page never builds the Altair chart on a run: it asks for the chart's Vega-Lite spec, which is built once
per distinct recipe (rows, options, mode) and cached for every session of the process (`_spec`, bounded),
without Altair's per-build schema check (tests/unit/test_chart_specs.py checks every builder's spec against
the schema instead). The rows travel as Arrow, as Streamlit's own st.altair_chart would send them.

The chart carries its whole look (figures.theme), so it is drawn with theme=None. Its text alternative
(the spec's description, which the browser reads out) is its name followed by the builder's description:
the figures, from charts/describe.py.

Images are rendered offline by vl-convert only when someone clicks a button (the download's data is a
callable that builds the chart from its recipe then) and cached by the chart's JSON spec. They carry a
title and a subtitle (what, which quarter, which organisation) that the page shows in its own headings
instead; the subtitle may be a callable, so whatever it reads is read on the click.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any, Callable

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from ..charts import figures as charts
from .cached import Shared, spelled


@dataclass(frozen=True, eq=False)
class Plot:
    """How to draw one chart: `build(frame, **options)`, in meeting-room type when `meeting`.

    `source`, when given, is small and says everything the rows depend on (the read that made them:
    ui/cached.py's key, and how the page changed them); the spec is then cached under it, and the rows
    are not hashed on every run."""

    build: Callable[..., alt.TopLevelMixin]
    frame: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)
    meeting: bool = False
    source: tuple | None = None

    def chart(self) -> alt.TopLevelMixin:
        chart = self.build(self.frame, **self.options)
        return charts.for_meeting(chart) if self.meeting else chart


def _named_data(chart: Any, datasets: dict[str, bytes]) -> Any:
    """The chart with each table of rows it holds replaced by a named dataset (its Arrow bytes go into
    `datasets`, named by their hash), in it and in its layers, concatenations and facets' specs."""
    if not isinstance(chart, alt.SchemaBase):
        return chart
    chart = chart.copy(deep=False)
    data = getattr(chart, "data", alt.Undefined)
    if isinstance(data, pd.DataFrame):
        raw = dataframe_util.convert_anything_to_arrow_bytes(data)
        name = "data-" + hashlib.sha256(raw).hexdigest()[:20]
        datasets[name] = raw
        chart.data = alt.NamedData(name=name)
    for part in ("layer", "hconcat", "vconcat", "concat"):
        children = getattr(chart, part, alt.Undefined)
        if isinstance(children, list):
            setattr(chart, part, [_named_data(child, datasets) for child in children])
    inner = getattr(chart, "spec", alt.Undefined)
    if isinstance(inner, alt.SchemaBase):
        chart.spec = _named_data(inner, datasets)
    return chart


def browser_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec as the browser gets it: its rows as Arrow in "datasets", built
    without re-checking the spec against the schema (the builders' specs are checked in a test)."""
    datasets: dict[str, bytes] = {}
    spec = _named_data(chart, datasets).to_dict(validate=False)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


SPECS = Shared(128)


@st.cache_data(max_entries=160, show_spinner=False)
def _spec_of_rows(builder: str, rows: pd.DataFrame, options: dict, meeting: bool, _build: Callable) -> dict:
    """The spec of a recipe without a source, keyed by its rows' content (hashed on every call)."""
    return browser_spec(Plot(_build, rows, options, meeting).chart())


def _spec(chart: Plot) -> dict:
    """The recipe's spec, built once and shared by every session: under its source when it has one (see
    Plot), else under its rows' content. Each caller gets its own copy of the top level."""
    builder = f"{chart.build.__module__}.{chart.build.__qualname__}"
    if chart.source is None:
        return _spec_of_rows(builder, chart.frame, chart.options, chart.meeting, _build=chart.build)
    key = (builder, chart.source, spelled(sorted(chart.options.items())), chart.meeting)
    return dict(SPECS.get(key, lambda: browser_spec(chart.chart())))


def browser_spec_of(chart: Plot) -> dict:
    """The recipe's spec as draw() sends it (built once, then from the cache)."""
    return _spec(chart)


def draw(chart: Plot, key: str | None = None, name: str | None = None, **kwargs):
    """st.vega_lite_chart of the recipe's cached spec, full width, in the chart's own theme; `name`
    leads its text alternative. Returns what st.vega_lite_chart returns (the selection state when
    on_select is given)."""
    spec = _spec(chart)
    # usermeta lets tests and tools tell the charts apart; the description is the chart's accessible
    # text (Streamlit's alt= would set the same, with a logged warning that it replaced ours)
    if key:
        spec["usermeta"] = {"key": key}
    if name:
        described = spec.get("description")
        spec["description"] = f"{name}. {described}" if isinstance(described, str) and described else name
    kwargs.setdefault("theme", None)  # the chart carries the whole look; Streamlit's theme would shrink it
    return st.vega_lite_chart(spec=spec, key=key, width="stretch", **kwargs)


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


def show_chart(chart: Plot, key: str, name: str, *, downloads: bool = True, discreet: bool = False,
               title: str | None = None, subtitle: str | Callable[[], str] | None = None, **kwargs):
    """draw(chart, key, name, ...) followed by "PNG" and "SVG" download buttons (`discreet`: both
    inside one small "Image" popover, for meeting mode).

    `name` is the chart's accessible name (plain text, never Markdown) and makes the file name (only
    a-z, 0-9 and '-' kept), so it may quote user text. `title` (default: the name) and `subtitle` go
    on the images only. Returns what draw returns.
    """
    result = draw(chart, key, name, **kwargs)
    if downloads:
        stem = _file_stem(name)  # the image is made only on a click: building every chart twice is slow

        def data(kind: str):
            return lambda: image_bytes(chart.chart(), kind, title or name,
                                       subtitle() if callable(subtitle) else subtitle)

        place = (st.popover("Image", icon=":material/download:", type="tertiary", key=f"{key}_images",
                            help="Download this chart as a PNG or SVG image, titled for a slide")
                 if discreet else st.container(horizontal=True, gap="small"))
        place.download_button("PNG", data=data("png"), file_name=f"{stem}.png", mime="image/png",
                              key=f"{key}_png", on_click="ignore", icon=":material/image:", type="tertiary")
        place.download_button("SVG", data=data("svg"), file_name=f"{stem}.svg", mime="image/svg+xml",
                              key=f"{key}_svg", on_click="ignore", icon=":material/draw:", type="tertiary")
    return result
