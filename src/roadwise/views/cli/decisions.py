"""``roadwise decisions list|add``: the decision log (what was decided, why, by whom, about
which items), as the web app's Decision log page keeps it. The reports quote the latest."""

from __future__ import annotations

import typer
from rich.text import Text

from roadwise.errors import RoadwiseError
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    DbOption,
    JsonOption,
    compact_table,
    console,
    date_option,
    handles_errors,
    print_json,
)
from roadwise.views.cli.workspace import _store

decisions_app = typer.Typer(
    help="The decision log: list and record decisions.", no_args_is_help=True
)
app.add_typer(decisions_app, name="decisions")


@decisions_app.command("list")
@handles_errors
def decisions_list(
    item: str | None = typer.Option(None, "--item", help="Only decisions about this item."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Only the latest N."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """List the decisions, latest first: date, what, about which items, who, and why."""
    ws = _store(db).load()
    # Latest first: by date, and within a day the one logged last first.
    found = [d for d in reversed(ws.decisions) if item is None or item in d.items]
    if item is not None and not found and item not in ws.item_by_key:
        # A typo, not an item nobody decided about: say so, as `items list --parent` does.
        raise RoadwiseError(f"no item '{item}' in the workspace", field="--item")
    found.sort(key=lambda d: d.date, reverse=True)
    if limit is not None:
        found = found[:limit]
    if as_json:
        print_json([d.model_dump(mode="json") for d in found])
        return
    if not found:
        about = f" about {item}" if item else ""
        console.print(f"No decisions recorded{about}.", highlight=False)
        return
    table = compact_table(f"Decision log ({len(found)} of {len(ws.decisions)})")
    for name in ("key", "date"):
        table.add_column(name, no_wrap=True)
    table.expand = True  # the decision and its why get the width, names and keys fold
    table.add_column("decision, and why", ratio=3)
    table.add_column("items", ratio=1)
    table.add_column("who", ratio=1)
    for d in found:
        said = Text(d.title)
        if d.rationale:
            said.append(f"\n{d.rationale}", style="dim")
        table.add_row(d.key, d.date.isoformat(), said, ", ".join(d.items), d.who)
    console.print(table)


@decisions_app.command("add")
@handles_errors
def decisions_add(
    title: str = typer.Argument(..., help="What was decided."),
    why: str = typer.Option("", "--why", help="Why: the rationale, for whoever asks later."),
    items: list[str] = typer.Option([], "--item", help="An item it is about (repeatable)."),
    date: str | None = typer.Option(
        None, "--date", help="When it was decided, YYYY-MM-DD (default: today)."
    ),
    who: str | None = typer.Option(
        None, "--who", help="Who decided (default: ROADWISE_USER, else your login name)."
    ),
    key: str | None = typer.Option(None, "--key", help="Its key (default: the next D1, D2, …)."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Record a decision in the workspace's log (the items it names must exist)."""
    # Read here, not by Click: its error was a usage panel quoting '%Y-%m-%d', where every
    # other date option says what it expected in words.
    day = date_option(date, "--date")
    store = _store(db)
    try:
        decision = store.log_decision(title, why, items, who=who, date=day, key=key)
    except RoadwiseError as error:
        if not (error.field or "").startswith("items."):
            raise
        # the store names its record's field ('items.1'); here that is an --item option
        raise RoadwiseError(error.message, field="--item") from None
    if as_json:
        print_json(decision.model_dump(mode="json"))
        return
    about = f" about {', '.join(decision.items)}" if decision.items else ""
    console.print(
        f"Logged {decision.key} ({decision.date}, {decision.who}): {decision.title}{about}.",
        highlight=False,
        soft_wrap=True,
    )
