"""Charts of the stakeholder reports, one Altair definition each, rendered for every format.

Each function takes plain rows (dicts) that the report builders assemble from engine results,
so the same definition draws the interactive HTML chart, the SVG beside the Markdown and the
PNG inside the PDF. Colours: one calm palette, status colours only where they carry meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

PALETTE = ["#2f5d8a", "#d08c2f", "#3f8f6b", "#8a4f9e", "#b8463f", "#6b7785", "#4fa3c7"]
HORIZON_COLOURS = {"Now": "#2f5d8a", "Next": "#6f9ccc", "Later": "#b9cde3"}
WIDTH = 620

Rows = Sequence[dict[str, Any]]


def _base(rows: Rows) -> alt.Chart:
    return alt.Chart(alt.Data(values=list(rows))).properties(width=WIDTH)


def _titled(chart: Any, title: str | None) -> Any:
    """A title inside the image: a chart copied into a slide or a mail still says what it is."""
    if not title:
        return chart
    return chart.properties(title=alt.TitleParams(title, anchor="start", fontSize=13))


def _config(chart: Any) -> Any:
    return (
        chart.configure_view(stroke=None)
        .configure_axis(
            labelFontSize=11, titleFontSize=11, gridColor="#e6e9ee", domainColor="#9aa3ad"
        )
        .configure_legend(labelFontSize=11, titleFontSize=11, orient="top")
    )


def roadmap_timeline(rows: Rows, *, today: str | None = None, title: str | None = None) -> Any:
    """Gantt bars per item, one panel per team; a thin line on to the 85% date.

    Rows: ``item`` (label), ``team``, ``start``, ``end`` (likely), optional ``sure`` (85%
    date), ``horizon`` (Now/Next/Later), ``confidence`` (text for the tooltip).
    """
    data = [{**r, "today": today or ""} for r in rows]
    y = alt.Y("item:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelLimit=260))
    x = alt.X("start:T", title=None, axis=alt.Axis(format="%b %Y", tickCount="month"))
    tooltip = [
        alt.Tooltip("item:N", title="Item"),
        alt.Tooltip("team:N", title="Team"),
        alt.Tooltip("confidence:N", title="When"),
    ]
    for index, row in enumerate(data):
        row["order"] = index
    layers: list[Any] = []
    if any(r.get("sure") for r in rows):
        layers.append(
            alt.Chart()
            .mark_rule(color="#8a929e", strokeWidth=1.5)
            .encode(x=x, x2="sure:T", y=y, tooltip=tooltip)
            .transform_filter("datum.sure")
            .transform_calculate(start="datum.end")
        )
        layers.append(
            alt.Chart()
            .mark_tick(color="#5b6472", thickness=1.5, size=9)
            .encode(x="sure:T", y=y, tooltip=tooltip)
            .transform_filter("datum.sure")
        )
    layers.insert(
        0,
        alt.Chart()
        .mark_bar(cornerRadius=2, height=10)
        .encode(
            x=x,
            x2="end:T",
            y=y,
            color=alt.Color(
                "horizon:N",
                title=None,
                scale=alt.Scale(domain=list(HORIZON_COLOURS), range=list(HORIZON_COLOURS.values())),
            ),
            tooltip=tooltip,
        ),
    )
    if today:
        layers.append(alt.Chart().mark_rule(color="#b8463f", strokeDash=[4, 3]).encode(x="today:T"))
    chart = alt.layer(*layers, data=alt.Data(values=data)).properties(
        width=WIDTH - 200, height=alt.Step(15)
    )
    if len({str(r.get("team", "")) for r in rows}) > 1:
        chart = chart.facet(
            row=alt.Row(
                "team:N",
                title=None,
                header=alt.Header(
                    labelAngle=0,
                    labelAlign="left",
                    labelFontWeight="bold",
                    labelFontSize=12,
                    labelOrient="top",
                    labelPadding=4,
                ),
            ),
            spacing=10,
        ).resolve_scale(y="independent")
    return _config(_titled(chart, title))


def burn_up(
    done: Rows, scope: Rows, cone: Rows, *, unit: str = "points", title: str | None = None
) -> Any:
    """Work finished over time, the scope line, and the forecast cone (50/85/95% bands).

    ``done``: ``date``, ``value``; ``scope``: ``date``, ``value``; ``cone``: ``date``,
    ``p50``, ``p85``, ``p95``, ``p15``, ``p5`` (cumulative work expected by that date).
    """
    layers: list[Any] = []
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y"))
    if cone:
        cb = _base(cone)
        layers.append(
            cb.mark_area(color="#6f9ccc", opacity=0.18).encode(
                x=x, y="p5:Q", y2="p95:Q", tooltip=["date:T", "p5:Q", "p50:Q", "p95:Q"]
            )
        )
        layers.append(cb.mark_area(color="#6f9ccc", opacity=0.3).encode(x=x, y="p15:Q", y2="p85:Q"))
        layers.append(cb.mark_line(color="#2f5d8a", strokeDash=[5, 3]).encode(x=x, y="p50:Q"))
    if scope:
        layers.append(
            _base(scope)
            .mark_line(color="#b8463f", interpolate="step-after")
            .encode(x=x, y="value:Q", tooltip=["date:T", alt.Tooltip("value:Q", title="scope")])
        )
    layers.append(
        _base(done)
        .mark_line(color="#2f5d8a", strokeWidth=2.5)
        .encode(
            x=x,
            y=alt.Y("value:Q", title=f"finished ({unit})"),
            tooltip=["date:T", alt.Tooltip("value:Q", title="finished", format=",.0f")],
        )
    )
    return _config(_titled(alt.layer(*layers).properties(width=WIDTH, height=220), title))


def forecast_histogram(rows: Rows, *, marks: Rows = (), title: str | None = None) -> Any:
    """How often each completion date came up in the simulation, with the 50/85/95% dates.

    Rows: ``date`` (week), ``share`` (of trials). Marks: ``date``, ``label``.
    """
    bars = (
        _base(rows)
        .mark_bar(color="#6f9ccc")
        .encode(
            # Ticks fall on month starts; the year keeps "Feb" from reading as this year's.
            x=alt.X("date:T", title="finished in the week of", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("share:Q", title="share of simulations", axis=alt.Axis(format="%")),
            tooltip=[alt.Tooltip("date:T", title="week"), alt.Tooltip("share:Q", format=".1%")],
        )
    )
    layers: list[Any] = [bars]
    if marks:
        mb = alt.Chart(alt.Data(values=list(marks)))
        layers.append(mb.mark_rule(color="#b8463f", strokeDash=[4, 3]).encode(x="date:T"))
        layers.append(
            mb.mark_text(align="left", dx=3, dy=-4, color="#b8463f", fontSize=11).encode(
                x="date:T", y=alt.value(8), text="label:N"
            )
        )
    return _config(_titled(alt.layer(*layers).properties(width=WIDTH, height=180), title))


def priority_matrix(rows: Rows, *, value_title: str = "value", effort_title: str = "effort") -> Any:
    """Value against effort, one point per item; the top of the ranking marked by its rank.

    Rows: ``item``, ``value``, ``effort``, ``quadrant``, optional ``label`` (short text drawn
    beside the point, e.g. the rank).
    """
    base = _base(rows)
    # Square-root effort spreads the many small items without hiding the few large ones.
    x = alt.X(
        "effort:Q",
        title=effort_title,
        scale=alt.Scale(type="sqrt", zero=True),
        axis=alt.Axis(values=[1, 2, 5, 10, 20, 40, 80, 160, 320]),
    )
    y = alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=True))
    points = base.mark_circle(size=60, opacity=0.8).encode(
        x=x,
        y=y,
        color=alt.Color(
            "quadrant:N",
            title=None,
            scale=alt.Scale(
                domain=["Quick win", "Big bet", "Fill-in", "Money pit"],
                range=["#3f8f6b", "#2f5d8a", "#9aa3ad", "#b8463f"],
            ),
        ),
        tooltip=["item:N", alt.Tooltip("value:Q", format=",.1f"), "effort:Q", "quadrant:N"],
    )
    labels = (
        base.transform_filter("datum.label")
        .mark_text(align="left", dx=5, dy=-5, fontSize=11, fontWeight="bold", color="#1d2430")
        .encode(x=x, y=y, text="label:N")
    )
    return _config(alt.layer(points, labels).properties(width=WIDTH, height=240))


def capacity_vs_demand(rows: Rows, *, unit: str = "points") -> Any:
    """Capacity (line) against demand (bars) per team and period.

    Rows: ``team``, ``period`` (date), ``capacity``, ``demand``.
    """
    base = alt.Chart(alt.Data(values=list(rows)))
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%b"))
    bars = base.mark_bar(color="#6f9ccc").encode(
        x=x,
        y=alt.Y("demand:Q", title=unit),
        tooltip=[
            "team:N",
            "period:T",
            alt.Tooltip("demand:Q", format=",.0f"),
            alt.Tooltip("capacity:Q", format=",.0f"),
        ],
    )
    line = base.mark_line(color="#b8463f", interpolate="step-after", strokeWidth=2).encode(
        x=x, y="capacity:Q"
    )
    teams = sorted({str(r["team"]) for r in rows})
    chart = alt.layer(bars, line).properties(
        width=max(120, WIDTH // max(1, len(teams)) - 30), height=140
    )
    if len(teams) > 1:
        chart = chart.facet(
            column=alt.Column("team:N", title=None, header=alt.Header(labelFontWeight="bold"))
        )
    return _config(chart)


def calibration(rows: Rows, title: str = "How often our dates were met") -> Any:
    """Promised confidence against how often the dates were met in backtests.

    Rows: ``level`` (0..1), ``hit`` (0..1), optional ``method``.
    """
    base = _base(rows)
    diagonal = (
        alt.Chart(alt.Data(values=[{"a": 0.4, "b": 0.4}, {"a": 1.0, "b": 1.0}]))
        .mark_line(color="#9aa3ad", strokeDash=[4, 3])
        .encode(x="a:Q", y="b:Q")
    )
    scale = alt.Scale(domain=[0.4, 1.0])
    colour = alt.Color("method:N", title=None, scale=alt.Scale(range=PALETTE))
    points = base.mark_line(point=True).encode(
        x=alt.X("level:Q", title="promised confidence", scale=scale, axis=alt.Axis(format="%")),
        y=alt.Y("hit:Q", title="dates met in backtests", scale=scale, axis=alt.Axis(format="%")),
        color=colour,
        tooltip=[
            alt.Tooltip("level:Q", format=".0%"),
            alt.Tooltip("hit:Q", format=".0%"),
            "method:N",
        ],
    )
    return _config(_titled(alt.layer(diagonal, points).properties(width=280, height=220), title))
