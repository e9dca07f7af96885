"""Demo step: check the sample backlog's estimates against similar finished work."""

from __future__ import annotations

from roadwise.views.demo import DemoContext, step


@step("Check the estimates")
def check_estimates(ctx: DemoContext) -> None:
    from roadwise.engines.estimate import size_items

    report = size_items(ctx.ws, estimated=True)
    ctx.results["sizes"] = report
    model, holdout = report.model, report.model.holdout
    # (an item is flagged only when it has an estimate in points)
    far = [(s, s.estimate.likely) for s in report.items if s.outside and s.estimate]
    ctx.console.print(
        f"Sizes learned from {len(model.examples):,} finished items: on the most recent "
        f"{holdout.items:,}, off by {holdout.mae:.2f} points on average against "
        f"{holdout.median_mae:.2f} for always guessing the median; the 80% range held "
        f"{holdout.coverage:.0%}.",
        highlight=False,
    )
    if far:
        worst, given = max(far, key=lambda f: abs(f[1] - f[0].suggestion.likely))
        g = worst.suggestion
        ctx.console.print(
            f"{len(far)} of {len(report.items)} open items' estimates lie outside the range "
            f"similar finished work suggests, e.g. {worst.item} “{worst.title}”: "
            f"{given:g} against {g.likely:g} ({g.low:g}-{g.high:g}) "
            "(`roadwise items estimate --check` lists them).",
            highlight=False,
        )
