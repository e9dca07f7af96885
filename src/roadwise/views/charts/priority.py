"""Charts of a prioritisation: the value-vs-effort matrix, score intervals and a tornado."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from roadwise.engines.prioritize import PriorityResult, TornadoBar

QUADRANT_COLOURS = {
    "quick win": "#2a9d8f",
    "big bet": "#e9c46a",
    "fill-in": "#8ab17d",
    "money pit": "#e76f51",
}


def priority_matrix(result: PriorityResult, label_top: int = 10) -> Any:
    """Value (the framework's value side) against effort, one dot per item, with the
    quadrant thresholds drawn as lines; dot size is the probability of being in the top k."""
    rows = [
        {
            "key": i.key,
            "title": i.title,
            "value": i.value,
            "effort": i.effort,
            "quadrant": i.quadrant or "no estimate",
            "p_top_k": i.p_top_k,
            "rank": i.rank,
            "label": i.key if i.rank <= label_top else "",
        }
        for i in result.items
        if i.effort is not None
    ]
    data = alt.Data(values=rows)
    colours = alt.Scale(domain=list(QUADRANT_COLOURS), range=list(QUADRANT_COLOURS.values()))
    base = alt.Chart(data)
    dots = base.mark_circle(opacity=0.75).encode(
        x=alt.X(
            "effort:Q", title="effort (points, square-root scale)", scale=alt.Scale(type="sqrt")
        ),
        y=alt.Y("value:Q", title=f"value ({result.framework_label} value side)"),
        color=alt.Color("quadrant:N", scale=colours, title="quadrant"),
        size=alt.Size(
            "p_top_k:Q", title=f"P(top {result.top_k})", scale=alt.Scale(range=[20, 400])
        ),
        tooltip=["key:N", "title:N", "value:Q", "effort:Q", "rank:Q", "p_top_k:Q"],
    )
    labels = base.mark_text(align="left", dx=7, dy=-5, fontSize=10).encode(
        x="effort:Q", y="value:Q", text="label:N"
    )
    layers: list[Any] = [dots, labels]
    if result.quadrant_thresholds:
        value_threshold, effort_threshold = result.quadrant_thresholds
        layers.append(
            alt.Chart(alt.Data(values=[{"v": value_threshold}]))
            .mark_rule(strokeDash=[4, 4], color="#777")
            .encode(y="v:Q")
        )
        layers.append(
            alt.Chart(alt.Data(values=[{"e": effort_threshold}]))
            .mark_rule(strokeDash=[4, 4], color="#777")
            .encode(x="e:Q")
        )
    return alt.layer(*layers).properties(
        title=f"Priority matrix ({result.framework_label}): value vs effort",
        width=520,
        height=360,
    )


def score_intervals(result: PriorityResult, top: int = 15) -> Any:
    """The top items' expected scores with their 90% intervals: how settled the order is."""
    rows = [
        {
            "item": f"{i.rank}. {i.key}",
            "expected": i.expected,
            "interval_low": i.interval[0],
            "interval_high": i.interval[1],
            "score": i.score,
            "in_top": "top k" if i.rank <= result.top_k else "below",
            "p_top_k": round(i.p_top_k, 3),
        }
        for i in result.items[:top]
    ]
    order = [str(r["item"]) for r in rows]
    base = alt.Chart(alt.Data(values=rows)).encode(y=alt.Y("item:N", sort=order, title=None))
    bars = base.mark_rule(strokeWidth=3, opacity=0.6).encode(
        x=alt.X("interval_low:Q", title=f"{result.framework_label} score (90% interval)"),
        x2="interval_high:Q",
        color=alt.Color("in_top:N", title=None),
    )
    dots = base.mark_point(filled=True, size=60, color="black").encode(
        x="expected:Q",
        tooltip=["item:N", "expected:Q", "interval_low:Q", "interval_high:Q", "p_top_k:Q"],
    )
    return alt.layer(bars, dots).properties(
        title=f"Top {len(rows)} by expected {result.framework_label} score", width=520
    )


def tornado_chart(bars: Sequence[TornadoBar], key: str, score: float | None = None) -> Any:
    """Each input's low and high end and the score it gives, widest swing on top."""
    rows = [
        {
            "input": b.label,
            "from": min(b.score_at_low, b.score_at_high),
            "to": max(b.score_at_low, b.score_at_high),
            "range": f"{b.low_value:g} – {b.high_value:g}",
        }
        for b in bars
    ]
    order = [str(r["input"]) for r in rows]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color="#457b9d")
        .encode(
            y=alt.Y("input:N", sort=order, title=None),
            x=alt.X("from:Q", title="score with the input at its low / high end"),
            x2="to:Q",
            tooltip=["input:N", "range:N", "from:Q", "to:Q"],
        )
    )
    layers: list[Any] = [chart]
    if score is not None:
        layers.append(
            alt.Chart(alt.Data(values=[{"s": score}])).mark_rule(color="black").encode(x="s:Q")
        )
    return alt.layer(*layers).properties(title=f"What moves {key}'s score", width=480)
