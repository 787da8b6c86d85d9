"""Charts: Vega-Lite specifications rendered to SVG on the server (vl-convert), so a page
loads no script to draw them and a test reads their marks; every chart stands beside a
table of its numbers, which the page shows too (for those who cannot see the drawing, and
to be read exactly)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from markupsafe import Markup

FONT = "system-ui, sans-serif"


def svg(spec: dict[str, Any], label: str) -> Markup:
    """The chart as inline SVG, labelled for assistive technology."""
    drawn = _drawn(json.dumps(spec, sort_keys=True, default=str))
    opening = drawn.index(">", drawn.index("<svg"))
    labelled = f'{drawn[:opening]} role="img" aria-label="{Markup.escape(label)}"{drawn[opening:]}'
    return Markup(labelled)  # noqa: S704 - vl-convert's own SVG, its one attribute escaped


@lru_cache(maxsize=64)
def _drawn(spec: str) -> str:
    """The SVG of a chart given as JSON, drawn once: a page's figures are held while the
    data has not changed (analytics/held.py), so the same charts are asked for again, and
    drawing one costs tens of milliseconds (bench/web.py)."""
    import vl_convert  # imported here: the engine is loaded by the pages that draw

    config = {"font": FONT, "background": "white", "view": {"stroke": None}}
    drawn: str = vl_convert.vegalite_to_svg({**json.loads(spec), "config": config})
    return drawn


def heat_map(
    values: list[dict[str, Any]],
    x: str,
    y: str,
    color: str,
    *,
    x_title: str,
    y_title: str,
    top: float = 1.0,
) -> dict[str, Any]:
    """A grid of cells coloured by `color` (a share), x and y read in order. The colours
    run from 0 to `top`: 1 where the shares span it (retention), the largest share where
    they are parts of one whole (the RFM grid's 25 cells hold a few percent each, which
    on a scale to 100% were all the palest blue)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": "rect",
        "width": {"step": 22},
        "height": {"step": 18},
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x_title},
            "y": {"field": y, "type": "ordinal", "title": y_title, "sort": "ascending"},
            "color": {
                "field": color,
                "type": "quantitative",
                "title": None,
                "scale": {"domain": [0, top or 1.0], "scheme": "blues"},
                "legend": {"format": ".0%"},
            },
        },
    }


def line(
    values: list[dict[str, Any]], x: str, y: str, *, x_title: str, y_title: str
) -> dict[str, Any]:
    """A line with its points, both axes shares from 0 to 1 written as percentages."""
    axis = {"format": ".0%"}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "width": 320,
        "height": 200,
        "encoding": {
            "x": {"field": x, "type": "quantitative", "title": x_title, "axis": axis,
                  "scale": {"domain": [0, 1]}},
            "y": {"field": y, "type": "quantitative", "title": y_title, "axis": axis,
                  "scale": {"domain": [0, 1]}},
        },
    }  # fmt: skip


def grouped_bars(
    values: list[dict[str, Any]], x: str, y: str, group: str, *, x_title: str, y_title: str
) -> dict[str, Any]:
    """Bars side by side per `x`, one per `group` (actual against predicted)."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": "bar",
        "width": {"step": 16},
        "height": 200,
        "encoding": {
            "x": {"field": x, "type": "ordinal", "title": x_title, "sort": None},
            "xOffset": {"field": group},
            "y": {"field": y, "type": "quantitative", "title": y_title},
            "color": {"field": group, "type": "nominal", "title": None},
        },
    }


def small_multiples(
    values: list[dict[str, Any]], names: list[str], *, x_title: str
) -> dict[str, Any]:
    """One small line per figure (`name`), each on its own vertical scale, the periods
    (`period`, 1 the oldest) along the bottom: the shape of each trend at a glance; the
    exact numbers are in the table beside."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "facet": {"field": "name", "type": "nominal", "title": None, "sort": names},
        "columns": 3,
        "spec": {
            "width": 170,
            "height": 70,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "period", "type": "ordinal", "title": x_title,
                      "axis": {"labels": False, "ticks": False}},
                "y": {"field": "value", "type": "quantitative", "title": None,
                      "axis": {"tickCount": 3}},
            },
        },
        "resolve": {"scale": {"y": "independent"}},
    }  # fmt: skip


def progress(values: list[dict[str, Any]], *, x_title: str, y_title: str) -> dict[str, Any]:
    """A goal's recorded values and its straight path (`series`) by `day`, on one scale:
    where the recorded line runs against the path says on track or behind."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "width": 480,
        "height": 220,
        "encoding": {
            "x": {"field": "day", "type": "temporal", "title": x_title},
            "y": {"field": "value", "type": "quantitative", "title": y_title,
                  "scale": {"zero": False}},
            "color": {"field": "series", "type": "nominal", "title": None},
            "strokeDash": {"field": "series", "type": "nominal", "title": None},
        },
    }  # fmt: skip


def shares_with_band(
    values: list[dict[str, Any]], x: str, *, x_title: str, y_title: str
) -> dict[str, Any]:
    """Shares by `x` as lines, one per `name` (`value`), with the band `low`..`high` drawn
    behind the lines that have one (an interval)."""
    axis = {"format": ".0%"}
    y_scale = {"domain": [0, 1]}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "width": 360,
        "height": 220,
        "layer": [
            {"mark": {"type": "area", "opacity": 0.25},
             "transform": [{"filter": "datum.low != null"}],
             "encoding": {
                 "x": {"field": x, "type": "quantitative", "title": x_title},
                 "y": {"field": "low", "type": "quantitative", "title": y_title, "axis": axis,
                       "scale": y_scale},
                 "y2": {"field": "high"},
                 "color": {"field": "name", "type": "nominal", "title": None}}},
            {"mark": {"type": "line"},
             "encoding": {
                 "x": {"field": x, "type": "quantitative", "title": x_title},
                 "y": {"field": "value", "type": "quantitative", "title": y_title,
                       "axis": axis, "scale": y_scale},
                 "color": {"field": "name", "type": "nominal", "title": None}}},
        ],
    }  # fmt: skip


def bars_by_month(
    values: list[dict[str, Any]], *, y_title: str, group: str = "name"
) -> dict[str, Any]:
    """Amounts by month (`month`, `value`), one bar per `group` side by side, in a fixed
    width with the legend below, so that a year of months fits the page's column."""
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "mark": "bar",
        "width": 440,
        "height": 200,
        "encoding": {
            "x": {"field": "month", "type": "ordinal", "title": None, "sort": None},
            "xOffset": {"field": group, "sort": None},
            "y": {"field": "value", "type": "quantitative", "title": y_title},
            "color": {"field": group, "type": "nominal", "title": None, "sort": None,
                      "legend": {"orient": "bottom"}},
        },
    }  # fmt: skip


def intervals(
    values: list[dict[str, Any]], label: str, *, x_title: str, zero: bool = False
) -> dict[str, Any]:
    """One row per `label`: a point at `value` and a rule from `low` to `high` (an
    estimate and its interval); with `zero`, a line at 0, where no effect would be, and
    the axis in percent (relative effects)."""
    x: dict[str, Any] = {"field": "value", "type": "quantitative", "title": x_title}
    if zero:
        x["axis"] = {"format": ".0%"}
    layers: list[dict[str, Any]] = [
        {"mark": "rule", "encoding": {"y": {"field": label, "type": "nominal", "title": None},
                                      "x": {**x, "field": "low"}, "x2": {"field": "high"}}},
        {"mark": {"type": "point", "filled": True, "size": 60},
         "encoding": {"y": {"field": label, "type": "nominal", "title": None}, "x": x}},
    ]  # fmt: skip
    if zero:
        dashed = {"type": "rule", "strokeDash": [4, 4]}
        layers.append({"data": {"values": [{"zero": 0}]}, "mark": dashed,
                       "encoding": {"x": {"field": "zero", "type": "quantitative"}}})  # fmt: skip
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "data": {"values": values},
        "width": 360,
        "height": {"step": 28},
        "layer": layers,
    }
