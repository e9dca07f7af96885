"""Charts: one Altair definition per chart, rendered for every format.

A chart module defines a function returning an ``alt.Chart`` (or layered/concatenated chart)
from an engine result. These helpers turn it into what each view needs: an SVG or PNG for
Markdown and PDF (vl-convert, offline), or inline interactive HTML whose JavaScript is
embedded from the vl-convert package itself, so nothing is fetched from a CDN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import altair as alt

# Charts may carry a few thousand points (flow charts over two years of history).
alt.data_transformers.disable_max_rows()


def spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite spec of a chart, as a dict."""
    return dict(chart.to_dict())


def to_svg(chart: Any) -> str:
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(json.dumps(spec(chart))))


def to_png(chart: Any, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(json.dumps(spec(chart)), scale=scale))


def to_html(chart: Any) -> str:
    """A self-contained HTML fragment with the chart's JavaScript inlined (no CDN)."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_html(json.dumps(spec(chart)), bundle=True))


def save(chart: Any, path: Path) -> Path:
    """Write a chart as .svg, .png or .html according to the file's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(to_svg(chart), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(to_png(chart))
    elif suffix == ".html":
        path.write_text(to_html(chart), encoding="utf-8")
    else:
        raise ValueError(f"unsupported chart format '{suffix}' (use .svg, .png or .html)")
    return path
