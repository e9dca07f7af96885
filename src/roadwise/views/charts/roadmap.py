"""Charts of a roadmap: a Gantt chart by team, and Now / Next / Later columns."""

from __future__ import annotations

from typing import Any

import altair as alt

from roadwise.engines.schedule.roadmap import Horizons, Roadmap
from roadwise.views._text import clip


def gantt_chart(roadmap: Roadmap, level: str = "leaf", max_rows: int = 200) -> alt.LayerChart:
    """One bar per item from its start to its end, a row per item, coloured and split by team.

    Deadlines show as red ticks; items that miss a hard deadline are outlined in red."""
    source = roadmap.items if level == "leaf" else roadmap.rollups
    rows: list[dict[str, Any]] = [
        {
            "item": f"{s.key} {clip(s.title, 40)}",
            "key": s.key,
            "team": s.team,
            "lead": s.team.split("+")[0],
            "start": s.start.isoformat(),
            "end": s.end.isoformat(),
            "people": ", ".join(s.people) or s.people_note,
            "deadline": s.deadline.isoformat() if s.deadline else None,
            "late": s.late_days,
        }
        for s in sorted(source, key=lambda s: (s.team, s.start, s.key))[:max_rows]
    ]
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(cornerRadius=2, height=8).encode(
        x=alt.X("start:T", title=None, axis=alt.Axis(format="%d %b %y")),
        x2="end:T",
        y=alt.Y("item:N", sort=None, title=None, axis=alt.Axis(labelFontSize=8)),
        color=alt.Color("lead:N", legend=alt.Legend(title="team", orient="top")),
        stroke=alt.condition("datum.late > 0", alt.value("#d62728"), alt.value(None)),
        tooltip=["key:N", "team:N", "start:T", "end:T", "people:N", "deadline:T", "late:Q"],
    )
    ticks = (
        base.transform_filter("datum.deadline != null")
        .mark_tick(color="#d62728", thickness=2, size=12)
        .encode(x="deadline:T", y=alt.Y("item:N", sort=None))
    )
    title = "Roadmap by team" + (" (features and epics)" if level != "leaf" else "")
    return alt.LayerChart(
        layer=[bars, ticks],
        title=f"{title}: CP-SAT plan from {roadmap.start.isoformat()}",
        width=720,
        height=max(120, 11 * len(rows)),
    )


def now_next_later_chart(horizons: Horizons, max_per_column: int = 25) -> alt.LayerChart:
    """Three columns of cards: Now (this sprint), Next (the next sprints), Later."""
    rows: list[dict[str, Any]] = []
    columns = (
        ("Now", horizons.now),
        (f"Next ({horizons.next_sprints} sprints)", horizons.next),
        ("Later", horizons.later),
    )
    for column, entries in columns:
        for rank, s in enumerate(entries[:max_per_column]):
            rows.append(
                {
                    "column": column,
                    "rank": rank,
                    "label": f"{s.key} {clip(s.title, 34)}",
                    "team": s.team.split("+")[0],
                    "when": f"{s.start:%d %b} - {s.end:%d %b}",
                }
            )
    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X(
            "column:N",
            sort=[c for c, _ in columns],
            title=None,
            axis=alt.Axis(orient="top", labelFontSize=13, labelFontWeight="bold", labelAngle=0),
        ),
        y=alt.Y("rank:O", axis=None),
    )
    cards = base.mark_rect(width=230, height=16, cornerRadius=3, opacity=0.25).encode(
        color=alt.Color("team:N", legend=alt.Legend(orient="bottom"))
    )
    text = base.mark_text(fontSize=9, align="center").encode(
        text="label:N", tooltip=["label:N", "team:N", "when:N"]
    )
    return alt.LayerChart(
        layer=[cards, text],
        title="Now / Next / Later",
        width=720,
        height=max(100, 18 * max_per_column),
    )
