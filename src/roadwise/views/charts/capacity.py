"""Capacity against demand per team and sprint: bars of demand, lines of capacity and plan."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

from roadwise.engines.schedule.needs import DemandRow


def capacity_chart(rows: Sequence[DemandRow], skill: str = "*") -> alt.FacetChart:
    """Per team (one panel each): demand (the work that would be there with unlimited
    people) as bars, productive capacity as a line, the plan's load as a dashed line."""
    data: list[dict[str, Any]] = []
    for r in rows:
        if r.skill != skill:
            continue
        start = r.start.isoformat()
        data.append({"team": r.team, "sprint": start, "measure": "demand", "days": r.demand_days})
        data.append(
            {"team": r.team, "sprint": start, "measure": "capacity", "days": r.capacity_days}
        )
        data.append({"team": r.team, "sprint": start, "measure": "planned", "days": r.planned_days})
    base = alt.Chart().encode(x=alt.X("sprint:T", title="sprint start"))
    bars = (
        base.transform_filter("datum.measure == 'demand'")
        .mark_bar(opacity=0.45, color="#ff7f0e")
        .encode(y=alt.Y("days:Q", title="person-days"), tooltip=["sprint:T", "days:Q"])
    )
    lines = (
        base.transform_filter("datum.measure != 'demand'")
        .mark_line(point=True)
        .encode(
            y="days:Q",
            color=alt.Color(
                "measure:N",
                scale=alt.Scale(domain=["capacity", "planned"], range=["#1f77b4", "#2ca02c"]),
            ),
            strokeDash=alt.StrokeDash("measure:N", legend=None),
            tooltip=["measure:N", "sprint:T", "days:Q"],
        )
    )
    what = "team" if skill == "*" else f"skill '{skill}'"
    return (
        alt.layer(bars, lines, data=alt.Data(values=data))
        .properties(width=340, height=150)
        .facet(facet=alt.Facet("team:N", title=None), columns=2)
        .properties(title=f"Capacity against demand per sprint ({what}); bars: demand")
    )
