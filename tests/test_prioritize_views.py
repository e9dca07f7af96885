"""Charts and the demo step of the prioritisation."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from roadwise.domain import Estimate, Item, Range, ValueInputs, Workspace
from roadwise.engines.prioritize import PriorityResult, prioritize, tornado
from roadwise.views.charts import priority, spec


def backlog() -> Workspace:
    items = [
        Item(
            key=f"K-{i}",
            title=f"Item {i}",
            estimate=Estimate(low=1 + i % 3, likely=3 + i % 5, high=8 + i % 13),
            value=ValueInputs(
                business_value=Range(low=1, likely=3 + i % 8, high=20),
                time_criticality=1 + i % 5,
                risk_reduction=i % 3,
            ),
        )
        for i in range(14)
    ]
    return Workspace(items=items)


def test_priority_matrix_draws_every_estimated_item_and_the_thresholds() -> None:
    result = prioritize(backlog(), samples=200, top_k=3)
    chart = spec(priority.priority_matrix(result, label_top=3))
    layers = chart["layer"]
    points = layers[0]["data"]["values"]
    assert {p["key"] for p in points} == {i.key for i in result.items}
    assert sum(1 for p in points if p["label"]) == 3
    rules = [layer for layer in layers if layer["mark"]["type"] == "rule"]
    assert [r["data"]["values"][0] for r in rules] == [{"v": 20.0}, {"e": 8.0}]


def test_tornado_and_interval_charts() -> None:
    result = prioritize(backlog(), samples=200)
    top = result.items[0]
    bars = tornado(result, top.key)
    chart = spec(priority.tornado_chart(bars, top.key, top.score))
    rows = chart["layer"][0]["data"]["values"]
    assert [r["input"] for r in rows] == [b.label for b in bars]
    assert all(r["from"] <= r["to"] for r in rows)
    intervals = spec(priority.score_intervals(result, top=5))
    data = intervals.get("data") or intervals["layer"][0]["data"]
    assert [r["item"] for r in data["values"]] == [f"{i.rank}. {i.key}" for i in result.items[:5]]


def test_demo_step_stores_the_ranking_and_writes_the_matrix(tmp_path: Path) -> None:
    from roadwise.views.demo import DemoContext
    from roadwise.views.demo_steps.prioritize import prioritise

    ctx = DemoContext(
        out_dir=tmp_path,
        db_url=str(tmp_path / "x.db"),
        console=Console(file=io.StringIO(), width=100),
    )
    ctx.workspace = backlog()
    prioritise(ctx)
    assert isinstance(ctx.results["priorities"], PriorityResult)
    matrix = tmp_path / "priority-matrix.svg"
    assert matrix in ctx.outputs and matrix.read_text().lstrip().startswith("<svg")


def test_demo_table_leads_with_the_column_the_ranking_orders_by(tmp_path: Path) -> None:
    """The demo ranks by expected score, so that is its first number; the point score is
    named, and the expected column never rises down the table."""
    import re

    from roadwise.views.demo import DemoContext
    from roadwise.views.demo_steps.prioritize import prioritise

    buffer = io.StringIO()
    ctx = DemoContext(
        out_dir=tmp_path, db_url=str(tmp_path / "x.db"), console=Console(file=buffer, width=120)
    )
    ctx.workspace = backlog()
    prioritise(ctx)
    lines = buffer.getvalue().splitlines()
    rule = next(i for i, line in enumerate(lines) if line.strip().startswith("──"))
    header = re.split(r"\s{2,}", lines[rule - 1].strip())
    assert header[:5] == ["#", "item", "expected", "90% interval", "point score"]
    rows = [re.split(r"\s{2,}", line.strip()) for line in lines[rule + 1 :] if line.strip()]
    expected = [float(r[2]) for r in rows[: ctx.results["priorities"].top_k]]
    assert expected == sorted(expected, reverse=True)
