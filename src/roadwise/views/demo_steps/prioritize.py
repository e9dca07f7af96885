"""Demo step: rank the sample backlog with WSJF and its uncertainty; draw the priority matrix."""

from __future__ import annotations

from rich import box
from rich.table import Table

from roadwise.views.demo import DemoContext, step


@step("Prioritise the backlog")
def prioritise(ctx: DemoContext) -> None:
    from roadwise.engines.prioritize import compare, prioritize
    from roadwise.views.charts import priority as charts
    from roadwise.views.charts import save

    result = prioritize(ctx.ws, framework="wsjf", samples=1000, seed=ctx.seed)
    ctx.results["priorities"] = result
    k = result.top_k
    fw = result.framework_label
    # The column the ranking orders by comes first; the point score is named as such.
    table = Table(
        title=f"{fw}: top {k} of {len(result.items)} open items by expected {fw} "
        f"({result.samples} Monte Carlo samples)",
        title_justify="left",
        caption=f"point score: {fw} with every estimate at its most likely value",
        caption_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for name in (
        "#",
        "item",
        "expected",
        "90% interval",
        "point score",
        f"P(top {k})",
        "exp. rank",
    ):
        table.add_column(name, justify="left" if name == "item" else "right", no_wrap=True)
    for item in result.top:
        table.add_row(
            str(item.rank),
            item.key,
            f"{item.expected:.1f}",
            f"{item.interval[0]:.1f} – {item.interval[1]:.1f}",
            f"{item.score:.1f}",
            f"{item.p_top_k:.0%}",
            f"{item.expected_rank:.1f}",
        )
    ctx.console.print(table)
    if result.coin_flips:
        flip = result.coin_flips[0]
        ctx.console.print(
            f"Coin flip: {flip.above} vs {flip.below} ({flip.p_above:.0%}); "
            f"{len(result.coin_flips)} such pair(s) near the top.",
            highlight=False,
        )
    if len(result.items) > 1:
        ctx.console.print(
            compare(result, result.items[0].key, result.items[1].key).sentence,
            highlight=False,
        )
    if result.information_value:
        best = result.information_value[0]
        ctx.console.print(
            f"Estimate first: {best.item}'s {best.input.replace('_', ' ')} "
            f"({best.low:g}–{best.high:g}) could change the top {k} with probability "
            f"{best.p_change:.0%}.",
            highlight=False,
        )
    for name, chart in (
        ("priority-matrix.svg", charts.priority_matrix(result)),
        ("priority-intervals.svg", charts.score_intervals(result)),
    ):
        path = save(chart, ctx.out_dir / name)
        ctx.outputs.append(path)
