"""``roadwise items estimate``: sizes for unestimated items from similar finished work, and a
check of the estimates people gave (:mod:`roadwise.engines.estimate`)."""

from __future__ import annotations

import typer
from rich.text import Text

from roadwise.views._text import clip
from roadwise.views.cli._common import (
    DbOption,
    JsonOption,
    compact_table,
    console,
    handles_errors,
    print_json,
)
from roadwise.views.cli.workspace import _store, items_app

SUGGESTED_TAG = "estimate-suggested"


def _points(value: float) -> str:
    return f"{value:g}"


@items_app.command("estimate")
@handles_errors
def items_estimate(
    keys: list[str] = typer.Argument(
        None, help="Items to size (default: the open items without an estimate)."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Also size the open items that have an estimate, and flag those outside the range.",
    ),
    apply: bool = typer.Option(
        False,
        "--apply",
        help=f"Give each item without an estimate its suggested size, tagged '{SUGGESTED_TAG}'.",
    ),
    limit: int = typer.Option(40, "--limit", min=1, help="Rows to show (flagged ones first)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Suggest story points from similar finished work (the delivery history), with a range
    and the items it is most like; say how well that did on the most recent finished work."""
    from roadwise.engines.estimate import apply_sizes, size_items

    store = _store(db)
    ws = store.load()
    report = size_items(ws, keys or None, estimated=check)
    model, holdout = report.model, report.model.holdout
    applied = 0
    if apply:
        fresh = [s for s in report.items if s.estimate is None]
        if fresh:
            # Against the stored workspace as it is now, in one transaction.
            store.modify(lambda current: apply_sizes(current, report, SUGGESTED_TAG))
        applied = len(fresh)
    if as_json:
        from roadwise.views.size_rows import size_payload

        print_json({**size_payload(report), "applied": applied})
        return
    if not report.items:
        console.print(
            "Every open item has an estimate; `--check` sizes them too and flags the ones "
            "far from what similar finished work took.",
            highlight=False,
        )
    else:
        rows = sorted(report.items, key=lambda s: not s.outside)[:limit]
        table = compact_table(f"Suggested sizes (points), {len(report.items)} items")
        table.add_column("item", no_wrap=True)
        table.add_column("title", ratio=2)
        table.add_column("now", justify="right", no_wrap=True)
        table.add_column("suggested", justify="right", no_wrap=True)
        table.add_column("most like (points)", ratio=1)
        table.expand = True
        for s in rows:
            e = s.estimate
            now = (
                ""
                if e is None
                else _points(e.likely) + ("" if e.unit.value == "points" else f" {e.unit.value}")
            )
            g = s.suggestion
            table.add_row(
                s.item,
                clip(s.title, 60),
                Text(now, style="red") if s.outside else now,
                f"{_points(g.likely)} ({_points(g.low)}-{_points(g.high)})",
                ", ".join(f"{k} ({_points(p)})" for k, p, _ in g.similar[:2]),
            )
        console.print(table)
        flagged = sum(1 for s in report.items if s.outside)
        if flagged:
            where = "similar finished work suggests" if model.learned else "most finished work had"
            console.print(
                Text(str(flagged), style="red"),
                f"estimate(s) lie outside the range {where}: worth a second "
                "look (an estimate can know what the title does not).",
                highlight=False,
            )
    how = (
        f"Learned from {len(model.examples):,} finished items with points. On the most recent "
        f"{holdout.items:,} of them (held out), the suggestion was off by {holdout.mae:.2f} points "
        f"on average, against {holdout.median_mae:.2f} for always suggesting the median "
        f"({_points(model.median)}); the range held {holdout.coverage:.0%} of the time "
        "(meant: 80%)."
    )
    if not model.learned:
        how += (
            " Here the titles, teams and kinds of finished work do not tell their sizes "
            "apart, so every suggestion is the median, with the range of sizes finished work "
            "had."
        )
    console.print(how, highlight=False)
    if apply:
        console.print(
            f"Gave {applied} item(s) their suggested size, tagged '{SUGGESTED_TAG}' "
            f"(`roadwise items list --tag {SUGGESTED_TAG}` lists them)."
            if applied
            else "Nothing to apply: every item shown has an estimate already.",
            highlight=False,
        )
