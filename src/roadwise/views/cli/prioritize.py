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
from rich.text import Text

from roadwise.errors import RoadwiseError
from roadwise.views._text import did_you_mean, score_factors, spreadsheet_cell
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    DbOption,
    JsonOption,
    console,
    db_url,
    err_console,
    handles_errors,
    one_of,
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
    # Choices are plain strings checked in the body, so a typo is a one-line error naming
    # the choices (a Typer enum answers with a usage panel and "Value error").
    framework_name: str | None = typer.Option(
        None,
        "--framework",
        "-f",
        metavar="|".join(FrameworkChoice),
        help="Scoring framework (default: the workspace's setting).",
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
        None,
        "--samples",
        min=0,
        help="Monte Carlo samples (0: point scores only, without interval, P(top k) "
        "or expected rank).",
    ),
    seed: int | None = typer.Option(None, "--seed", help="Random seed (default: workspace)."),
    moscow_name: str = typer.Option(
        MoscowChoice.tie_break.value,
        "--moscow",
        metavar="|".join(MoscowChoice),
        help="Use MoSCoW as a tie-breaker or as a constraint.",
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
    from roadwise.engines.prioritize.results import SIMULATION_FIELDS
    from roadwise.workspace import open_store

    framework = (
        FrameworkChoice(one_of(framework_name, FrameworkChoice, "framework", "--framework"))
        if framework_name is not None
        else None
    )
    moscow = MoscowChoice(one_of(moscow_name, MoscowChoice, "MoSCoW mode", "--moscow"))
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
            item = asdict(explained[0])
            if not result.simulated:
                for name in SIMULATION_FIELDS:
                    del item[name]
            data["explain"] = {
                "item": item,
                "tornado": [asdict(b) for b in explained[1]],
            }
        if compared:
            data["compare"] = asdict(compared)
        print_json(data)
    elif as_csv:
        _write_csv(result)
    else:
        _print_text(result, explained, compared)
    if external is not None:
        # stderr for --json and --csv, so stdout stays one document; under the table otherwise.
        (err_console if as_json or as_csv else console).print(
            _feedback_effect(ws, result, external), highlight=False, soft_wrap=True
        )


def _print_text(result: Any, explained: Any, compared: Any) -> None:
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


def _feedback_effect(ws: Any, result: Any, external: dict[str, Any]) -> str:
    """What --feedback changed, in one line: the framework may use none of what feedback
    feeds, and a value an item states itself wins over the one from feedback (see
    ``gather_inputs``), so the ranking can come out exactly as without it. An input only
    feedback gives (customer demand) is 0 for an item nobody asked for."""
    from roadwise.domain import ValueInputs
    from roadwise.engines.prioritize.inputs import label

    fw = result.framework_label
    framework_inputs = getattr(getattr(result.engine, "framework", None), "inputs", ())
    fed = list(external)
    used = [name for name in fed if name in framework_inputs]
    if not used:
        return (
            f"--feedback: feedback feeds {' and '.join(label(n) for n in fed)}; {fw} uses "
            "neither, so the ranking is unchanged (RICE uses reach; a scorecard criterion or a "
            "formula can use customer demand)"
        )
    keys = [i.key for i in result.items] + [u.key for u in result.unscored]
    parts: list[str] = []
    changed = False
    for name in used:
        asked = [k for k in keys if k in external[name]]
        if name not in ValueInputs.model_fields:
            # Without --feedback the ranking cannot use it at all, so nothing is "unchanged".
            changed = True
            rest = len(keys) - len(asked)
            if not asked:
                parts.append(
                    f"{label(name)} is 0 for every item (no confirmed feedback link reaches "
                    "any of them), so it moves no item"
                )
            else:
                part = f"{label(name)} from feedback for {_items(len(asked))}"
                parts.append(part + (f", 0 for the other {_items(rest)}" if rest else ""))
            continue
        own = [k for k in asked if getattr(ws.item_by_key[k].value, name, None) is not None]
        taken = len(asked) - len(own)
        changed = changed or taken > 0
        part = f"{label(name)} from feedback for {_items(taken)}"
        if own:
            # a value set on the item wins (gather_inputs), even where customers asked
            part += f", the {label(name)} set on the item kept for {_items(len(own))}"
        parts.append(part)
    unused = [label(n) for n in fed if n not in used]
    return (
        "--feedback: "
        + "; ".join(parts)
        + ("" if changed else ", so the ranking is unchanged")
        + (f"; {fw} does not use {' or '.join(unused)}" if unused else "")
    )


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"


def _feedback_inputs(ws: Any) -> dict[str, Any]:
    """Customer demand from the confirmed links, for the items the ranking scores: a text
    linked to an epic or feature counts for every story under it (see ``ranking_groups``).
    A dropped item's links stay in the workspace (a person decided them) but are no demand,
    as in the feedback analysis."""
    from roadwise.engines.feedback import compute_demand, external_inputs, ranking_groups

    confirmed = {fb.key: [link.item for link in fb.links if link.confirmed] for fb in ws.feedback}
    groups = ranking_groups(ws, confirmed)
    demand = compute_demand(groups, ws.feedback, ws.customers, samples=500, seed=ws.settings.seed)
    return external_inputs(demand)


def _ranking_columns(result: Any) -> list[tuple[str, Any]]:
    """The table's columns as (header, cell of an item), the ranking's own column first.

    With sampling the ranking orders by the expected score, so that is the first number; the
    point score (every estimate at its most likely value, what a spreadsheet gives) follows,
    named as such. Without sampling the point score is the ranking and nothing else varies.
    """
    k = result.top_k
    if not result.simulated:
        return [("score", lambda i: _num(i.score))]
    return [
        ("expected", lambda i: _num(i.expected)),
        ("90% interval", lambda i: f"{_num(i.interval[0])} – {_num(i.interval[1])}"),
        ("point score", lambda i: _num(i.score)),
        (f"P(top {k})", lambda i: f"{i.p_top_k:.0%}"),
        ("exp. rank", lambda i: f"{i.expected_rank:.1f}"),
    ]


def _ranking_caption(result: Any) -> str:
    fw = result.framework_label
    options = getattr(getattr(result.engine, "framework", None), "options", None)
    groups = (
        " (within the MoSCoW groups, must first)"
        if getattr(options, "moscow", None) == "constraint"
        else ""
    )
    if result.simulated:
        return (
            f"expected: the mean {fw} over the samples of the estimates' ranges, which the "
            f"ranking orders by{groups}; point score: {fw} with every estimate at its most "
            "likely value."
        )
    return (
        f"score: {fw} with every estimate at its most likely value, which the ranking orders "
        f"by{groups}. Nothing was sampled, so there is no interval, P(top k) or expected rank."
    )


def _print_ranking(result: Any) -> None:
    k = result.top_k
    fw = result.framework_label
    n = len(result.items)
    # The five items after the top k show how close the next ones come; the title counts them
    # so the rows printed match it (dimming alone is lost when the output is piped).
    shown = result.items[: max(k, min(n, k + 5))]
    after = len(shown) - k
    top = f"all {n} items" if k >= n else f"top {k} of {n} items"
    title = (
        f"{fw}: {top}"
        + (f" and the next {after}" if after > 0 else "")
        + (f" by expected {fw} ({result.samples} samples)" if result.simulated else "")
    )
    numbers = _ranking_columns(result)
    headers = ["#", "item", "title", *(h for h, _ in numbers), "quadrant"]
    rows = [
        [
            str(item.rank),
            item.key,
            item.title,
            *(cell(item) for _, cell in numbers),
            item.quadrant or "",
        ]
        for item in shown
    ]
    widths = [max([len(headers[i]), *(len(r[i]) for r in rows)]) for i in range(len(headers))]
    # Narrow terminals keep every number whole and drop the words (when too little would be
    # left for the titles); titles take what is left.
    words = ("title", "quadrant")
    wide = (
        console.width - sum(w + 3 for h, w in zip(headers, widths, strict=True) if h != "title")
        >= 28
    )
    keep = [i for i, h in enumerate(headers) if wide or h not in words]
    table = Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        min_width=min(console.width, len(title)),
    )
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
    console.print(_ranking_caption(result), style="dim", highlight=False)
    if result.coin_flips:
        flips = ", ".join(
            f"{c.above} vs {c.below} ({c.p_above:.0%})" for c in result.coin_flips[:5]
        )
        console.print(
            Text("Coin flips", style="bold"),
            f"(order not settled by the estimates): {flips}",
            highlight=False,
        )
    if result.information_value:
        console.print(
            Text("Estimate these better before deciding", style="bold"),
            "(value of information):",
        )
        for v in result.information_value[:5]:
            console.print(
                f"  {v.item} {v.input.replace('_', ' ')} "
                f"({_num(v.low)}–{_num(v.high)}): could change the top {k} with "
                f"probability {v.p_change:.0%}, worth {_num(v.evpi)} score points",
                highlight=False,
                soft_wrap=True,
            )
    if result.epics:
        count = "{:.1f}" if result.simulated else "{:.0f}"
        epics = ", ".join(
            f"{e.key} {e.title} ({count.format(e.expected_in_top_k)})" for e in result.epics[:3]
        )
        what = "expected items in it" if result.simulated else "items in it"
        console.print(
            Text(f"Epics holding the top {k}", style="bold"),
            f"({what}): {epics}",
            highlight=False,
            soft_wrap=True,
        )
    if result.unscored:
        sample = "; ".join(f"{u.key} ({u.reason})" for u in result.unscored[:5])
        more = f" and {len(result.unscored) - 5} more" if len(result.unscored) > 5 else ""
        console.print(Text.assemble(("Not scored", "yellow"), f": {sample}{more}"), highlight=False)
    for note in result.notes:
        # Unscored items and feedback have their own lines (above, and from --feedback).
        if "could not be scored" not in note and "linked customer feedback" not in note:
            console.print(note, style="dim", highlight=False)


def _check_ranked(ws: Any, result: Any, key: str, option: str) -> None:
    """Say why ``key`` has no rank in the user's terms: no such item (with the nearest keys),
    an epic (with its best-ranked item), a closed item, or an item missing inputs."""
    ranked = {r.key: r for r in result.items}
    if key in ranked:
        return
    unscored = next((u for u in result.unscored if u.key == key), None)
    if unscored is not None:
        raise RoadwiseError(f"item '{key}' could not be scored: {unscored.reason}", field=option)
    item = ws.item_by_key.get(key)
    if item is None:
        hint = did_you_mean(key, ranked)
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
    fw = result.framework_label
    by = f"expected {fw}" if result.simulated else fw
    console.print(
        Text(item.key, style="bold"),
        f"{item.title}: rank {item.rank} of {len(result.items)} by {by}"
        + (f", {item.quadrant}" if item.quadrant else ""),
        highlight=False,
    )
    if result.simulated:
        console.print(
            f"expected {fw} {_num(item.expected)} (what the ranking orders by), 90% interval "
            f"{_num(item.interval[0])} – {_num(item.interval[1])}, P(top {result.top_k}) "
            f"{item.p_top_k:.0%}, expected rank {item.expected_rank:.1f}",
            highlight=False,
        )
    console.print(
        f"{fw} at the most likely values (point score): {item.arithmetic}", highlight=False
    )
    # Each factor shows its input as estimated and, labelled apart, what it does to the
    # score: a feasibility multiplies by 0.89, not by the 22% risk behind it.
    table = Table(title="Contributions", title_justify="left")
    table.add_column("factor")
    table.add_column("input", justify="right")
    table.add_column("role")
    table.add_column("effect", justify="right")
    factors, caption = score_factors(item.contributions)
    for f in factors:
        table.add_row(f["label"], f["input"], f["role"], f["effect"])
    if caption:
        table.caption = caption
        table.caption_justify = "left"
    console.print(table)
    if bars:
        widest = max(b.swing for b in bars) or 1.0
        rows = [
            [
                b.label,
                f"{_num(b.low_value)} → {_num(b.high_value)}",
                _num(b.score_at_low),
                _num(b.score_at_high),
                _num(b.swing),
            ]
            for b in bars
        ]
        headers = ["input", "low → high", "score at low", "score at high", "swing"]
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
        # The bars get what the numbers leave of the terminal (at most 20 characters), so a
        # narrow terminal shortens them rather than wrapping the table.
        room = max(3, min(20, console.width - sum(w + 3 for w in widths) - 4))
        tornado = Table(
            title="Tornado: point score with each input at its low and high end",
            title_justify="left",
        )
        for header in headers:
            tornado.add_column(header, justify="left" if header == "input" else "right")
        tornado.add_column("bar", no_wrap=True, overflow="crop")
        for b, row in zip(bars, rows, strict=True):
            tornado.add_row(*row, "█" * max(1, round(room * b.swing / widest)))
        console.print(tornado)
    else:
        console.print("No uncertain inputs: the score is exact.")


def _write_csv(result: Any) -> None:
    # Without sampling the interval, P(top k) and expected rank say nothing: left out, as in
    # the table and the JSON.
    sampled = result.simulated
    writer = csv.writer(sys.stdout)
    writer.writerow(
        [
            "rank",
            "key",
            "title",
            "score",
            "expected",
            *(("interval_low", "interval_high", "p_top_k", "expected_rank") if sampled else ()),
            "value",
            "effort",
            "quadrant",
            "kano",
            "moscow",
        ]
    )
    for i in result.items:
        uncertainty = (
            (
                f"{i.interval[0]:.6g}",
                f"{i.interval[1]:.6g}",
                f"{i.p_top_k:.4f}",
                f"{i.expected_rank:.2f}",
            )
            if sampled
            else ()
        )
        writer.writerow(
            [
                i.rank,
                spreadsheet_cell(i.key),
                spreadsheet_cell(i.title),
                f"{i.score:.6g}",
                f"{i.expected:.6g}",
                *uncertainty,
                f"{i.value:.6g}",
                "" if i.effort is None else f"{i.effort:.6g}",
                i.quadrant or "",
                i.kano or "",
                i.moscow or "",
            ]
        )
