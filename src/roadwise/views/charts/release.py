"""Charts of a release plan: the options (Pareto front) with the greedy choice beside it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt


def options_chart(
    front: Sequence[Any], plan_value: float, greedy_value: float, greedy_used: float, measure: str
) -> alt.LayerChart:
    """Value against cost (points used) or risk: each point a provably best plan for its cap."""
    label = "points used" if measure == "cost" else "risk-weighted points"
    rows = [
        {"x": p.measure, "value": p.value, "items": len(p.items), "kind": "best plan for this cap"}
        for p in front
    ]
    line = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(
            x=alt.X("x:Q", title=label),
            y=alt.Y("value:Q", title="value", scale=alt.Scale(zero=False)),
            tooltip=["x:Q", "value:Q", "items:Q"],
        )
    )
    layers: list[Any] = [line]
    if measure == "cost":
        greedy = (
            alt.Chart(
                alt.Data(
                    values=[{"x": greedy_used, "value": greedy_value, "kind": "rank-and-fill"}]
                )
            )
            .mark_point(shape="diamond", size=120, color="#d62728", filled=True)
            .encode(x="x:Q", y="value:Q", tooltip=["kind:N", "value:Q"])
        )
        layers.append(greedy)
    return alt.LayerChart(
        layer=layers,
        title=f"Options: value against {measure} (best plan {plan_value:,.0f})",
        width=420,
        height=260,
    )
