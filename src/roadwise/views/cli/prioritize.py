"""``roadwise prioritize``: rank the backlog with its uncertainty, explain and compare items."""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict
from enum import StrEnum
from typing import Any

import typer
from rich import box
from rich.table import Table

from roadwise.errors import RoadwiseError
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    DbOption,
    JsonOption,
    console,
    db_url,
    handles_errors,
    print_json,
)


class FrameworkChoice(StrEnum):
    rice = "rice"
    ice = "ice"
    wsjf = "wsjf"
    cd3 = "cd3"
    scorecard = "scorecard"
    formula = "formula"


class MoscowChoice(StrEnum):
    tie_break = "tie_break"
    constraint = "constraint"
    ignore = "ignore"


def _num(value: float) -> str:
    if value != value:
        return "?"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


@app.command()
@handles_errors
def prioritize(
    framework: FrameworkChoice | None = typer.Option(
        None, "--framework", "-f", help="Scoring framework (default: the workspace's setting)."
    ),
    top: int | None = typer.Option(
        None,
        "--top",
        "-k",
        min=1,
        help="How many items count as the top (default: the workspace's top_k).",
    ),
    explain_item: str | None = typer.Option(
        None, "--explain", metavar="ITEM", help="Show one item's contributions and tornado."
    ),
    compare_items: tuple[str, str] | None = typer.Option(
        None, "--compare", metavar="A B", help="Say in one sentence why A ranks above B."
    ),
    samples: int | None = typer.Option(
        None, "--samples", min=0, help="Monte Carlo samples (0: point scores only)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: workspace)."),
    moscow: MoscowChoice = typer.Option(
        MoscowChoice.tie_break, "--moscow", help="Use MoSCoW as a tie-breaker or as a constraint."
    ),
    feedback: bool = typer.Option(
        False,
        "--feedback",
        help="Add customer demand (revenue-weighted, from confirmed feedback links) as an input.",
    ),
    as_json: bool = JsonOption,
    as_csv: bool = typer.Option(False, "--csv", help="Print the ranking as CSV."),
    db: str | None = DbOption,
) -> None:
    """Rank open backlog items by RICE, ICE, WSJF, CD3, a scorecard or your own formula,
    with each score's uncertainty, P(top-k) and what to estimate better."""
    from roadwise.engines.prioritize import compare, explain
    from roadwise.engines.prioritize import prioritize as rank
    from roadwise.workspace import open_store

    store = open_store(db_url(db), create=False)
    ws = store.load()
    if not ws.items:
        raise RoadwiseError(
            f"{db_url(db)} holds no backlog items; run `roadwise sample` or `roadwise import` first"
        )
    external = _feedback_inputs(ws) if feedback else None
    result = rank(
        ws,
        framework=framework.value if framework else None,
        top_k=top,
        samples=samples,
        seed=seed,
        external_inputs=external,
        moscow=moscow.value,
    )
    if explain_item:
        _check_ranked(ws, result, explain_item, "--explain")
    for key in compare_items or ():
        _check_ranked(ws, result, key, "--compare")
    explained = explain(result, explain_item) if explain_item else None
    compared = compare(result, *compare_items) if compare_items else None
    if as_json:
        data = result.to_dict()
        if explained:
            data["explain"] = {
                "item": asdict(explained[0]),
                "tornado": [asdict(b) for b in explained[1]],
            }
        if compared:
            data["compare"] = asdict(compared)
        print_json(data)
        return
    if as_csv:
        _write_csv(result)
        return
    if explained:
        _print_explain(result, *explained)
    elif compared:
        console.print(compared.sentence, highlight=False, soft_wrap=True)
        table = Table(title="What explains the gap", title_justify="left")
        for col in ("input", compared.above, compared.below, "points of the gap"):
            table.add_column(col, justify="right" if col != "input" else "left")
        for name, a, b, effect in compared.reasons:
            table.add_row(name.replace("_", " "), _num(a), _num(b), _num(effect))
        console.print(table)
    else:
        _print_ranking(result)


def _feedback_inputs(ws: Any) -> dict[str, Any]:
    from roadwise.engines.feedback import compute_demand, external_inputs

    groups: dict[str, list[str]] = {}
    for fb in ws.feedback:
        for link in fb.links:
            if link.confirmed:
                groups.setdefault(link.item, []).append(fb.key)
    demand = compute_demand(groups, ws.feedback, ws.customers, samples=500, seed=ws.settings.seed)
    return external_inputs(demand)


def _print_ranking(result: Any) -> None:
    k = result.top_k
    title = f"{result.framework_label}: top {k} of {len(result.items)} items" + (
        f" ({result.samples} samples)" if result.samples else ""
    )
    wide = console.width >= 110
    headers = [
        "#",
        "item",
        "title",
        "score",
        "expected",
        "90% interval",
        f"P(top {k})",
        "exp. rank",
        "quadrant",
    ]
    shown = result.items[: max(k, min(len(result.items), k + 5))]
    rows = [
        [
            str(item.rank),
            item.key,
            item.title,
            _num(item.score),
            _num(item.expected),
            f"{_num(item.interval[0])} – {_num(item.interval[1])}",
            f"{item.p_top_k:.0%}",
            f"{item.expected_rank:.1f}",
            item.quadrant or "",
        ]
        for item in shown
    ]
    # Narrow terminals keep every number whole and drop the words; titles take what is left.
    keep = [i for i, h in enumerate(headers) if wide or h not in ("title", "quadrant")]
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    widths = [max([len(headers[i]), *(len(r[i]) for r in rows)]) for i in range(len(headers))]
    room = console.width - sum(widths[i] + 3 for i in keep if headers[i] != "title") - 4
    for i in keep:
        is_title = headers[i] == "title"
        table.add_column(
            headers[i],
            justify="left" if headers[i] in ("item", "title", "quadrant") else "right",
            no_wrap=True,
            overflow="ellipsis",
            min_width=None if is_title else widths[i],
            max_width=max(10, room) if is_title else None,
        )
    for item, row in zip(shown, rows, strict=True):
        table.add_row(*(row[i] for i in keep), style=None if item.rank <= k else "dim")
    console.print(table)
    if result.coin_flips:
        flips = ", ".join(
            f"{c.above} vs {c.below} ({c.p_above:.0%})" for c in result.coin_flips[:5]
        )
        console.print(
            f"[bold]Coin flips[/] (order not settled by the estimates): {flips}", highlight=False
        )
    if result.information_value:
        console.print("[bold]Estimate these better before deciding[/] (value of information):")
        for v in result.information_value[:5]:
            console.print(
                f"  {v.item} {v.input.replace('_', ' ')} "
                f"({_num(v.low)}–{_num(v.high)}): could change the top {k} with "
                f"probability {v.p_change:.0%}, worth {_num(v.evpi)} score points",
                highlight=False,
                soft_wrap=True,
            )
    if result.epics:
        epics = ", ".join(
            f"{e.key} {e.title} ({e.expected_in_top_k:.1f})" for e in result.epics[:3]
        )
        console.print(
            f"[bold]Epics holding the top {k}[/] (expected items in it): {epics}",
            highlight=False,
            soft_wrap=True,
        )
    if result.unscored:
        sample = "; ".join(f"{u.key} ({u.reason})" for u in result.unscored[:5])
        more = f" and {len(result.unscored) - 5} more" if len(result.unscored) > 5 else ""
        console.print(f"[yellow]Not scored[/]: {sample}{more}", highlight=False)
    for note in result.notes:
        if "could not be scored" not in note:
            console.print(f"[dim]{note}[/]", highlight=False)


def _check_ranked(ws: Any, result: Any, key: str, option: str) -> None:
    """Say why ``key`` has no rank in the user's terms: no such item (with the nearest keys),
    an epic (with its best-ranked item), a closed item, or an item missing inputs."""
    import difflib

    ranked = {r.key: r for r in result.items}
    if key in ranked:
        return
    unscored = next((u for u in result.unscored if u.key == key), None)
    if unscored is not None:
        raise RoadwiseError(f"item '{key}' could not be scored: {unscored.reason}", field=option)
    item = ws.item_by_key.get(key)
    if item is None:
        near = difflib.get_close_matches(key, list(ranked), n=3, cutoff=0.8)
        hint = f"; did you mean {' or '.join(near)}?" if near else ""
        raise RoadwiseError(f"no item '{key}' in the workspace{hint}", field=option)
    below: list[Any] = []
    stack = [key]
    while stack:
        for child in ws.children(stack.pop()):
            stack.append(child.key)
            if child.key in ranked:
                below.append(ranked[child.key])
    if ws.children(key):
        kind = str(getattr(item.kind, "value", item.kind)).replace("_", " ")
        kind = f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
        best = min(below, key=lambda r: r.rank) if below else None
        hint = (
            f"; its best-ranked open item is {best.key} (rank {best.rank}): try that"
            if best
            else "; none of its items is open"
        )
        raise RoadwiseError(
            f"{key} is {kind} with items under it; only leaf items are ranked{hint}",
            field=option,
        )
    status = getattr(item.status, "value", item.status).replace("_", " ")
    raise RoadwiseError(
        f"{key} is {status}, not open; only open items (idea, discovery, ready, in progress) "
        "are ranked",
        field=option,
    )


def _print_explain(result: Any, item: Any, bars: Any) -> None:
    console.print(
        f"[bold]{item.key}[/] {item.title}: rank {item.rank} of {len(result.items)}, "
        f"{result.framework_label} {item.arithmetic}",
        highlight=False,
    )
    console.print(
        f"expected {_num(item.expected)}, 90% interval {_num(item.interval[0])} – "
        f"{_num(item.interval[1])}, P(top {result.top_k}) {item.p_top_k:.0%}, "
        f"expected rank {item.expected_rank:.1f}" + (f", {item.quadrant}" if item.quadrant else ""),
        highlight=False,
    )
    table = Table(title="Contributions", title_justify="left")
    for col in ("factor", "value", "role", "effect"):
        table.add_column(col, justify="left" if col in ("factor", "role") else "right")
    for c in item.contributions:
        table.add_row(c.label, _num(c.value), c.role, "" if c.amount is None else _num(c.amount))
    console.print(table)
    if bars:
        widest = max(b.swing for b in bars) or 1.0
        tornado = Table(
            title="Tornado: score with each input at its low and high end", title_justify="left"
        )
        for col in ("input", "low → high", "score at low", "score at high", ""):
            tornado.add_column(col)
        for b in bars:
            tornado.add_row(
                b.label,
                f"{_num(b.low_value)} → {_num(b.high_value)}",
                _num(b.score_at_low),
                _num(b.score_at_high),
                "█" * max(1, round(20 * b.swing / widest)),
            )
        console.print(tornado)
    else:
        console.print("No uncertain inputs: the score is exact.")


def _write_csv(result: Any) -> None:
    writer = csv.writer(sys.stdout)
    writer.writerow(
        [
            "rank",
            "key",
            "title",
            "score",
            "expected",
            "p5",
            "p95",
            "p_top_k",
            "expected_rank",
            "value",
            "effort",
            "quadrant",
            "kano",
            "moscow",
        ]
    )
    for i in result.items:
        writer.writerow(
            [
                i.rank,
                i.key,
                i.title,
                f"{i.score:.6g}",
                f"{i.expected:.6g}",
                f"{i.interval[0]:.6g}",
                f"{i.interval[1]:.6g}",
                f"{i.p_top_k:.4f}",
                f"{i.expected_rank:.2f}",
                f"{i.value:.6g}",
                "" if i.effort is None else f"{i.effort:.6g}",
                i.quadrant or "",
                i.kano or "",
                i.moscow or "",
            ]
        )
