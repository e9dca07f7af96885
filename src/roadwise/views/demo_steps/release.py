"""Demo step: the sample product's next release, provably best, beside rank-and-fill."""

from __future__ import annotations

from rich import box
from rich.table import Table

from roadwise.views._text import clip
from roadwise.views.demo import DemoContext, step


@step("Plan the next release")
def plan_next_release(ctx: DemoContext) -> None:
    import datetime as dt

    from roadwise.domain import Plan
    from roadwise.engines.release import (
        ReleaseOptions,
        capacity_gains,
        pareto_front,
        plan_release,
        release_problem,
    )
    from roadwise.views.charts import release as charts
    from roadwise.views.charts import save
    from roadwise.views.cli.plan_release import (
        greedy_sentence,
        item_scores,
        plain_json,
        plan_payload,
    )
    from roadwise.workspace import open_store

    priorities = ctx.results.get("priorities")
    if priorities is not None:  # reuse the ranking step's result: the value side of each score
        scores = {r.key: float(r.value if r.value > 0 else r.score) for r in priorities.items}
    else:
        scores, _ = item_scores(ctx.ws)
    wp = release_problem(ctx.ws, scores, ReleaseOptions(percentile=0.8))
    plan = plan_release(wp.problem, time_limit=5)
    ctx.results["release"] = plan
    ctx.results["release_problem"] = wp

    content = plan.selection.releases[0]
    start, end = wp.windows[content.release]
    by_key = wp.problem.by_key
    verdict = "proven optimal" if plan.proven_optimal else f"gap {plan.gap:.1%}"
    table = Table(
        title=f"Release {content.release} ({start} to {end}), items at their P80 size: "
        f"{len(content.items)} of {len(wp.problem.items)} candidates",
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    for name in ("", "value", "items", "points used", "solve time"):
        table.add_column(name, justify="left" if not name else "right")
    table.add_row(
        f"Roadwise ({verdict})",
        f"{plan.value:,.0f}",
        str(len(plan.selection.items)),
        f"{plan.selection.used:,.0f}",
        f"{plan.seconds:.2f} s",
    )
    table.add_row(
        "Rank-and-fill",
        f"{plan.greedy.value:,.0f}",
        str(len(plan.greedy.items)),
        f"{plan.greedy.used:,.0f}",
        "",
    )
    ctx.console.print(table)
    ctx.console.print(greedy_sentence(plan), highlight=False)
    used = ", ".join(
        f"{t} {content.team_used.get(t, 0):.0f}/{cap:.0f}"
        for t, cap in content.team_capacity.items()
    )
    ctx.console.print(f"Team capacity used (points): {used}", highlight=False)
    gains = sorted(capacity_gains(wp.problem, plan, time_limit=2), key=lambda g: -g.gain)
    if gains and gains[0].gain > 0:
        best = gains[0]
        ctx.console.print(
            f"10% more capacity on team {best.team} buys {best.gain:,.0f} value "
            f"(adds {', '.join(best.added)}).",
            highlight=False,
        )
    only = sorted(set(plan.selection.items) - set(plan.greedy.items))
    if only:
        names = ", ".join(f"{k} ({clip(by_key[k].title, 30)})" for k in only[:3])
        ctx.console.print(f"In the plan but not in rank-and-fill: {names}", highlight=False)

    front = pareto_front(wp.problem, plan, "cost", points=6, time_limit=2)
    chart = charts.options_chart(front, plan.value, plan.greedy.value, plan.greedy.used, "cost")
    ctx.outputs.append(save(chart, ctx.out_dir / "release-options.svg"))
    store = open_store(ctx.db_url)
    store.save_plan(
        Plan(
            key=f"release-{content.release}",
            kind="release",
            created=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            summary=f"{len(plan.selection.items)} items, value {plan.value:,.0f} ({verdict}); "
            f"rank-and-fill {plan.greedy.value:,.0f}",
            payload=plain_json(plan_payload(wp, plan, {"percentile": 0.8})),
        )
    )
