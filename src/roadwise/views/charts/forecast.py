"""Forecast and flow charts (Altair): run chart, cycle-time scatter, cumulative flow, WIP ageing,
forecast histogram, burn-up with forecast cone, and the reliability (calibration) chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import altair as alt
import numpy as np

from roadwise.engines.forecast import BacktestResult, WhenForecast
from roadwise.engines.history import CycleTimeScatter, FlowDay, Throughput, WipAgeing


def throughput_run_chart(tp: Throughput, unit: str = "items", title: str = "") -> Any:
    rows = [
        {"week": s.isoformat(), "done": float(v)}
        for s, v in zip(tp.starts, tp.values(unit), strict=True)
    ]
    base = alt.Chart(alt.Data(values=rows))
    bars = base.mark_bar(color="#4c78a8").encode(
        x=alt.X("week:T", title="Week"), y=alt.Y("done:Q", title=f"{unit.capitalize()} finished")
    )
    avg = base.mark_rule(color="#e45756", strokeDash=[4, 3]).encode(y="mean(done):Q")
    return (bars + avg).properties(title=title or "Throughput per week", width=640, height=220)


def cycle_time_scatter(scatter: CycleTimeScatter, title: str = "") -> Any:
    rows = [
        {"done": p.done.isoformat(), "days": p.days, "kind": p.kind, "key": p.key}
        for p in scatter.points
    ]
    dots = (
        alt.Chart(alt.Data(values=rows))
        .mark_circle(size=18, opacity=0.5)
        .encode(
            x=alt.X("done:T", title="Finished"),
            y=alt.Y("days:Q", title="Cycle time (days)"),
            color=alt.Color("kind:N", title="Kind"),
            tooltip=["key:N", "days:Q"],
        )
    )
    lines = [{"p": f"{p}%", "days": v} for p, v in scatter.percentiles.items()]
    rules = (
        alt.Chart(alt.Data(values=lines))
        .mark_rule(strokeDash=[4, 3])
        .encode(y="days:Q", color=alt.value("#555"), tooltip=["p:N", "days:Q"])
    )
    text = (
        alt.Chart(alt.Data(values=lines))
        .mark_text(align="left", dx=4, dy=-4)
        .encode(y="days:Q", x=alt.value(0), text="p:N")
    )
    return (dots + rules + text).properties(
        title=title or "Cycle time per item, with percentiles", width=640, height=260
    )


def cumulative_flow(days: Sequence[FlowDay], title: str = "") -> Any:
    rows = []
    for d in days:
        for state, n in (("done", d.done), ("in progress", d.in_progress), ("to do", d.to_do)):
            rows.append({"day": d.day.isoformat(), "state": state, "count": n})
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_area()
        .encode(
            x=alt.X("day:T", title="Day"),
            y=alt.Y("count:Q", stack=True, title="Items"),
            color=alt.Color("state:N", sort=["done", "in progress", "to do"]),
            order=alt.Order("order:Q"),
        )
        .transform_calculate(
            order="datum.state == 'done' ? 0 : datum.state == 'in progress' ? 1 : 2"
        )
        .properties(title=title or "Cumulative flow", width=640, height=260)
    )


def wip_ageing(ageing: WipAgeing, title: str = "") -> Any:
    rows = [{"key": a.key, "age": a.age_days, "team": a.team or "-"} for a in ageing.items]
    dots = (
        alt.Chart(alt.Data(values=rows))
        .mark_circle(size=60)
        .encode(
            x=alt.X("team:N", title="Team"),
            y=alt.Y("age:Q", title="Age in progress (days)"),
            tooltip=["key:N", "age:Q"],
        )
    )
    lines = [{"p": f"{p}%", "days": v} for p, v in ageing.cycle_time.items()]
    rules = (
        alt.Chart(alt.Data(values=lines))
        .mark_rule(strokeDash=[4, 3], color="#e45756")
        .encode(y="days:Q", tooltip=["p:N", "days:Q"])
    )
    return (dots + rules).properties(
        title=title or "Work in progress: age against past cycle-time percentiles",
        width=420,
        height=260,
    )


def forecast_histogram(f: WhenForecast, title: str = "") -> Any:
    rows = [{"date": d.isoformat()} for d in f.date_samples()]
    bars = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("yearmonthdate(date):T", title="Finish date"),
            y=alt.Y("count():Q", title=f"Outcomes (of {len(rows)})"),
        )
    )
    marks = [{"p": f"{p}%", "date": d.isoformat()} for p, d in f.dates.items() if d]
    rules = alt.Chart(alt.Data(values=marks)).mark_rule(color="#e45756").encode(x="date:T")
    text = (
        alt.Chart(alt.Data(values=marks))
        .mark_text(align="left", dx=3, dy=-90)
        .encode(x="date:T", text="p:N")
    )
    cal = f.calibration.describe() if f.calibration else "calibration not measured"
    return (bars + rules + text).properties(
        title={"text": title or f"When will {f.target:g} {f.unit} be done?", "subtitle": cal},
        width=640,
        height=220,
    )


def burn_up(
    done_per_week: Throughput,
    scope: float,
    f: WhenForecast,
    unit: str = "items",
    title: str = "",
    weeks: int = 26,
) -> Any:
    """Work done in the last ``weeks`` weeks, the scope line, and the forecast cone."""
    values = done_per_week.values(unit)[-weeks:]
    cum = np.cumsum(values)
    done_rows = [
        {"date": s.isoformat(), "done": float(c)}
        for s, c in zip(done_per_week.starts[-weeks:], cum, strict=True)
    ]
    start_done = float(cum[-1]) if cum.size else 0.0
    cone = []
    for p, day in f.dates.items():
        if day is None:
            continue
        cone.append({"p": f"{p}%", "date": f.as_of.isoformat(), "done": start_done})
        cone.append({"p": f"{p}%", "date": day.isoformat(), "done": start_done + f.target})
    line = (
        alt.Chart(alt.Data(values=done_rows))
        .mark_line(color="#4c78a8")
        .encode(
            x=alt.X("date:T", title="Date"), y=alt.Y("done:Q", title=f"{unit.capitalize()} done")
        )
    )
    cone_lines = (
        alt.Chart(alt.Data(values=cone))
        .mark_line(strokeDash=[5, 3])
        .encode(x="date:T", y="done:Q", color=alt.Color("p:N", title="Percentile"))
    )
    target = (
        alt.Chart(alt.Data(values=[{"scope": start_done + scope}]))
        .mark_rule(color="#555")
        .encode(y="scope:Q")
    )
    return (line + cone_lines + target).properties(
        title=title or "Burn-up with the forecast cone", width=640, height=260
    )


def reliability(results: Sequence[tuple[str, BacktestResult]], title: str = "") -> Any:
    """Stated confidence against how often the dates were met, one line per method or team."""
    rows = []
    for name, r in results:
        s = r.summary
        for level, hit, base in zip(s.levels, s.hit, s.base_hit, strict=True):
            rows.append({"method": name, "stated": level, "met": hit})
            rows.append({"method": f"{name} (uncalibrated)", "stated": level, "met": base})
    diag = [{"stated": 0.4, "met": 0.4}, {"stated": 1.0, "met": 1.0}]
    ideal = (
        alt.Chart(alt.Data(values=diag))
        .mark_line(color="#999", strokeDash=[3, 3])
        .encode(
            x=alt.X("stated:Q", title="Stated confidence", scale=alt.Scale(domain=[0.4, 1.0])),
            y=alt.Y("met:Q", title="Share of dates met", scale=alt.Scale(domain=[0.0, 1.0])),
        )
    )
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=True)
        .encode(x="stated:Q", y="met:Q", color=alt.Color("method:N", title=""))
    )
    return (ideal + lines).properties(
        title=title or "Reliability: are the forecast's percentages met?", width=360, height=300
    )


def roadmap_probabilities(items: Sequence[dict[str, Any]], title: str = "") -> Any:
    """Bars of P(deadline met) per item with a deadline."""
    rows = [r for r in items if r.get("p_deadline") is not None]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("key:N", sort="x", title="Item"),
            x=alt.X(
                "p_deadline:Q", title="Chance the deadline is met", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color("team:N"),
        )
        .properties(
            title=title or "Deadlines under uncertainty", width=420, height=max(60, 16 * len(rows))
        )
    )


def as_of_label(day: dt.date) -> str:
    return day.strftime("%d %b %Y")
