"""Workspace commands: ``init``, ``sample``, ``import``, ``export``, ``validate``, ``items …``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
import yaml
from pydantic import ValidationError as PydanticValidationError
from rich.table import Table
from rich.text import Text

from roadwise.domain import Item, ItemKind, Status, Workspace
from roadwise.errors import RoadwiseError
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    NOTE,
    DbOption,
    JsonOption,
    console,
    creates_database,
    db_url,
    err_console,
    handles_errors,
    print_json,
    refuse_unread_options,
)
from roadwise.views.reports.wording import say_count

if TYPE_CHECKING:
    from roadwise.workspace import Store

items_app = typer.Typer(help="List, show, add and edit backlog items.", no_args_is_help=True)
app.add_typer(items_app, name="items")

_YAML = (".yaml", ".yml")
_CSV = (".csv",)


def _store(db: str | None, *, create: bool = False, must_exist: bool = True) -> Any:
    from roadwise.workspace import open_store

    url = db_url(db)
    store = open_store(url, create=create)
    if must_exist and not store.is_initialized():
        raise RoadwiseError(
            f"{store.url} holds no workspace yet; run `roadwise init` or `roadwise sample` first"
        )
    return store


def _column_mapping(spec: str | None, file: Path) -> dict[str, str] | None:
    """``--mapping`` for the items CSV ``file``, read with the file's columns at hand."""
    from roadwise.sources.csv_file import csv_columns, parse_mapping

    return parse_mapping(spec, columns=csv_columns(file)) if spec else None


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in _YAML:
        return "yaml"
    if suffix in _CSV:
        return "csv"
    raise RoadwiseError(
        "unknown file type; use .yaml / .yml for a whole workspace or .csv for items",
        file=str(path),
    )


def _summary(ws: Workspace) -> dict[str, Any]:
    return {
        "name": ws.name,
        "as_of": ws.as_of.isoformat(),
        "objectives": len(ws.objectives),
        "themes": len(ws.themes),
        "teams": len(ws.teams),
        "people": sum(len(t.people) for t in ws.teams),
        "releases": len(ws.cycles.releases),
        "customers": len(ws.customers),
        "items": len(ws.items),
        "open_items": len(ws.open_items()),
        "feedback": len(ws.feedback),
        "history": len(ws.history),
        "scenarios": len(ws.scenarios),
        "decisions": len(ws.decisions),
        "plans": len(ws.plans),
    }


def _print_summary(ws: Workspace, title: str) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("count", justify="right")
    for name, value in _summary(ws).items():
        table.add_row(name.replace("_", " "), str(value))
    console.print(table)


# --------------------------------------------------------------------------- init / sample


@app.command()
@handles_errors
def init(
    name: str = typer.Option("workspace", "--name", help="The workspace's (product's) name."),
    description: str = typer.Option("", "--description", help="One line about the product."),
    db: str | None = DbOption,
) -> None:
    """Create an empty workspace database (default ./roadwise.db)."""
    store = _store(db, create=True, must_exist=False)
    store.init(name, description)
    console.print(Text.assemble("Created workspace ", (name, "bold"), f" in {store.url}"))


@app.command()
@handles_errors
def sample(
    seed: int = typer.Option(7, "--seed", help="Seed: the same seed gives the same product."),
    force: bool = typer.Option(
        False, "--force", help="Replace a workspace that is already in the database."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Generate the fictional sample product and store it as the workspace."""
    from roadwise.sample import generate_sample

    store = _store(db, create=True, must_exist=False)
    if store.is_initialized() and not force:
        raise RoadwiseError(
            f"{store.url} already holds a workspace; pass --force to replace it with the sample"
        )
    started = time.perf_counter()
    ws = generate_sample(seed=seed)
    store.replace(ws)
    elapsed = time.perf_counter() - started
    if as_json:
        print_json({**_summary(ws), "db": store.url, "seconds": round(elapsed, 3)})
        return
    # The database URL on its own line: as part of the narrow table's title it was broken
    # mid-path ("sqlite:////tmp/kitewire" / ".db").
    _print_summary(ws, f"Sample product (seed {seed})")
    console.print(f"Stored in {store.url} in {elapsed:.1f} s.", highlight=False, soft_wrap=True)


@app.command("as-of")
@handles_errors
def as_of_command(
    date: str | None = typer.Argument(
        None, help="The new as-of date: YYYY-MM-DD or 'today'. Without it: show the current one."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Show or move the workspace's as-of date: the "now" every plan and forecast starts from.

    Move it on when time has passed (after a sync, say): forecasts then start from the new day,
    and the stored roadmap of record is shown moved on to it, every item on its stored date
    where it still can be. It then says what re-planning would gain: what a short local search
    from the moved-on plan (about a second) already finds.
    """
    store = _store(db)
    before = store.load().as_of
    if date is None:
        if as_json:
            print_json({"as_of": before.isoformat()})
        else:
            console.print(f"As of {before.isoformat()}.")
        return
    try:
        text = date.strip()
        new = dt.date.today() if text.lower() == "today" else dt.date.fromisoformat(text)
    except ValueError:
        raise RoadwiseError(
            f"'{date}' is not a date: expected YYYY-MM-DD or 'today'", field="date"
        ) from None
    ws = store.modify(lambda ws: ws.copy_with(as_of=new))
    gain = _replan_gain(store, ws) if new > before else None
    if as_json:
        from roadwise.views.stored_roadmap import replan_payload

        replan = replan_payload(gain) if gain is not None else None
        print_json({"as_of": new.isoformat(), "was": before.isoformat(), "replan": replan})
        return
    note = ""
    if store.list_plans("roadmap") and new < before:
        note = (
            " A stored roadmap is never moved back to an earlier day: the views plan afresh "
            "until `roadwise plan roadmap` stores a plan from this one."
        )
    elif store.list_plans("roadmap") and new > before:
        note = (
            " The stored roadmap is shown moved on to this day, each item on its stored date "
            "where it still can be; `roadwise plan roadmap` re-plans."
        )
    console.print(f"As of {new.isoformat()} (was {before.isoformat()}).{note}", soft_wrap=True)
    if gain is not None:
        from roadwise.views.stored_roadmap import replan_sentence

        console.print(replan_sentence(gain, ws.settings.currency), soft_wrap=True)


def _replan_gain(store: Any, ws: Workspace) -> Any:
    """What re-planning would gain over the roadmap of record moved on to ``ws``'s as-of
    date; None without one, or when it no longer fits (the views then plan afresh)."""
    from roadwise.engines.schedule.roadmap import RoadmapOptions, replan_gain
    from roadwise.views.stored_roadmap import stored_roadmap
    from roadwise.workspace import roadmap_of_record

    options = RoadmapOptions(baseline=False, explain=False)
    shown = stored_roadmap(ws, roadmap_of_record(store, ws), options)
    if shown is None or shown.replay is None:
        return None
    # A plan made holding targets is checked against a re-plan that holds them too.
    options = dataclasses.replace(options, targets=shown.summary.targets_held)
    return replan_gain(ws, shown, options)


# --------------------------------------------------------------------------- import / export


@app.command(name="import")
@handles_errors
def import_(
    file: Path = typer.Argument(..., help="A workspace .yaml file or an items .csv file."),
    mapping: str | None = typer.Option(
        None,
        "--mapping",
        help="CSV only: column mapping, a YAML file or 'Column=field,…' (see docs/workspace.md).",
    ),
    replace: bool = typer.Option(
        False,
        "--replace",
        help="Replace the workspace (YAML) or all items (CSV) instead of merging by key.",
    ),
    export_file: Path | None = typer.Argument(
        None, help="With a tracker (`import jira FILE.csv`, `import linear FILE.csv`): its export."
    ),
    date_format: str | None = typer.Option(
        None, "--date-format", help="Tracker exports: the date format (default: detected)."
    ),
    url: str | None = typer.Option(None, "--url", help="Tracker exports: the site, for links."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; store nothing."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Import a workspace from YAML or items from CSV, in one transaction.

    Without --replace records are merged by key: a YAML file's version of a record replaces the
    stored one; a CSV row changes the fields its file has columns for (an empty cell clears
    one) and keeps the rest. New records are added, others are kept. A file with any problem
    changes nothing. `roadwise import jira FILE.csv` (or `linear`) reads a tracker's export;
    --mapping is then a tracker mapping file (see docs/integrations.md).
    """
    source = str(file) if export_file is not None or str(file) in ("jira", "linear") else "file"
    if source in _IMPORT_OPTIONS:  # an unknown tracker is named as such further on
        # Options only a tracker's export reads would otherwise be taken and silently ignored.
        refuse_unread_options(
            {"--date-format": date_format is not None, "--url": url is not None},
            _IMPORT_OPTIONS,
            source,
            "import",
            "a .yaml or .csv file" if source == "file" else f"`import {source}`",
        )
    if source != "file":
        from roadwise.views.cli.integrations import import_tracker_file

        if export_file is None:
            raise RoadwiseError(f"say which file: roadwise import {file} EXPORT.csv")
        if replace:  # a tracker's issues are merged by key, never the whole backlog
            raise RoadwiseError(
                f"--replace applies to .yaml and .csv files only, not to `import {file}`",
                field="--replace",
            )
        import_tracker_file(
            str(file),
            export_file,
            mapping_file=mapping,
            date_format=date_format,
            url=url,
            dry_run=dry_run,
            db=db,
            as_json=as_json,
        )
        return
    from roadwise.sources.csv_file import import_items_csv, read_csv_rows, read_items_csv
    from roadwise.sources.yaml_file import (
        load_yaml_document,
        merge_workspace_yaml,
        read_workspace_yaml,
    )

    kind = _file_kind(file)
    if mapping is not None and kind != "csv":
        raise RoadwiseError("--mapping applies to CSV files only", file=str(file))
    column_mapping = _column_mapping(mapping, file) if kind == "csv" else None

    def change(ws: Workspace) -> Workspace:
        if kind == "yaml":
            return read_workspace_yaml(file) if replace else merge_workspace_yaml(ws, file)
        return import_items_csv(ws, file, column_mapping, replace=replace)

    if dry_run:
        # A database that does not exist yet is not created to look: it would start empty.
        stored = None if creates_database(db) else _store(db, must_exist=False)
        initialized = stored is not None and stored.is_initialized()
        current = stored.load() if stored is not None and initialized else Workspace()
        if kind == "yaml" and (replace or not initialized):
            result = read_workspace_yaml(file)
        else:
            result = change(current)
        from roadwise.workspace import database_url

        url_shown = stored.url if stored is not None else database_url(db_url(db))
        counts = _import_counts(current, result)
        if as_json:
            print_json({"file": str(file), "db": url_shown, "dry_run": True, **counts})
            return
        console.print(
            f"Import of {file} into {url_shown} would add {say_count(counts['added'], 'item')}, "
            f"change {counts['updated']} and remove {counts['removed']}; "
            f"{say_count(counts['items'], 'item')} then (dry run: nothing stored).",
            highlight=False,
            soft_wrap=True,  # a long path is not broken mid-way
        )
        return
    # The file is read and checked before the store is opened: opening creates a database that
    # does not exist yet, and a failed import must leave nothing behind. A new database starts
    # empty, so there the whole import is tried on an empty workspace first; otherwise the file
    # is read here, and its rows (each as the item it makes with what is stored) and the
    # workspace rules are checked in the transaction below, which a failure rolls back.
    if kind == "csv" and creates_database(db):
        change(Workspace())
    elif kind == "csv" and replace:
        read_items_csv(file, column_mapping)
    elif kind == "csv":
        read_csv_rows(file, column_mapping)
    elif replace or creates_database(db):  # the file becomes the whole workspace
        read_workspace_yaml(file)
    else:
        load_yaml_document(file)
    store = _store(db, create=True, must_exist=False)
    before = store.load() if store.is_initialized() else Workspace()
    if kind == "yaml" and (replace or not store.is_initialized()):
        store.replace(read_workspace_yaml(file))
    else:
        store.modify(change)
    counts = _import_counts(before, store.load())
    if as_json:
        print_json({"file": str(file), "db": store.url, "dry_run": False, **counts})
        return
    console.print(
        f"Imported {file} into {store.url}: {say_count(counts['added'], 'item')} added, "
        f"{counts['updated']} changed, {counts['removed']} removed; "
        f"{say_count(counts['items'], 'item')} now.",
        highlight=False,
        soft_wrap=True,
    )


def _import_counts(before: Workspace, after: Workspace) -> dict[str, int]:
    """Items added, changed and removed from ``before`` to ``after``. Changed means a field
    differs, not the version: a dry run's items are never stored, so they have none."""
    old = {i.key: i for i in before.items}
    new = {i.key: i for i in after.items}

    def changed(key: str) -> bool:
        return old[key].model_dump(exclude={"version"}) != new[key].model_dump(exclude={"version"})

    return {
        "added": sum(1 for k in new if k not in old),
        "updated": sum(1 for k in new if k in old and changed(k)),
        "removed": sum(1 for k in old if k not in new),
        "items": len(new),
    }


# The options each import reads, beyond the common ones: a .yaml / .csv file, or a tracker's
# export (Linear's has one layout and no links to make).
_IMPORT_OPTIONS: dict[str, frozenset[str]] = {
    "file": frozenset(),
    "jira": frozenset({"--date-format", "--url"}),
    "linear": frozenset(),
}


# The options each export reads: a .yaml / .csv file, or a tracker.
_EXPORT_OPTIONS: dict[str, frozenset[str]] = {
    "file": frozenset(),
    "jira-csv": frozenset({"FILE", "--plan"}),
    "jira": frozenset({"--apply", "--url", "--plan", "--board", "--create-sprints"}),
    "github": frozenset({"--apply", "--url", "--repo", "--plan"}),
}


@app.command()
@handles_errors
def export(
    file: Path = typer.Argument(
        ..., help="Where to write: .yaml (whole workspace) or .csv; or jira-csv, jira, github."
    ),
    target_file: Path | None = typer.Argument(None, help="jira-csv: the file to write."),
    dry_run: bool = typer.Option(True, "--dry-run", help="jira / github: only show the plan."),
    apply: bool = typer.Option(False, "--apply", help="jira / github: write to the tracker."),
    url: str | None = typer.Option(None, "--url", help="jira / github: the tracker's URL."),
    repo: str | None = typer.Option(None, "--repo", help="github: OWNER/NAME."),
    email: str | None = typer.Option(None, "--email", envvar="ROADWISE_JIRA_EMAIL", hidden=True),
    plan: str | None = typer.Option(None, "--plan", help="A stored roadmap (default: latest)."),
    board: int | None = typer.Option(
        None, "--board", help="jira: also move issues into this board's planned sprints."
    ),
    create_sprints: bool = typer.Option(
        False,
        "--create-sprints",
        help="jira --board: create the planned sprints the board lacks (future sprints).",
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Export the workspace to YAML, or its items to CSV; or a plan to a tracker.

    `roadwise export jira-csv FILE.csv` writes Jira's CSV import format; `export jira` and
    `export github --repo OWNER/NAME` show the planned changes and write them only with --apply.
    `export jira --board ID` also puts each planned issue into the board's sprint it starts in;
    with --create-sprints it first creates the planned sprints the board lacks.
    """
    target = str(file) if str(file) in ("jira-csv", "jira", "github") else "file"
    given = {
        "FILE": target_file is not None,
        "--apply": apply,
        "--url": url is not None,
        "--repo": repo is not None,
        "--plan": plan is not None,
        "--board": board is not None,
        "--create-sprints": create_sprints,
    }
    refuse_unread_options(
        given,
        _EXPORT_OPTIONS,
        target,
        "export",
        "a .yaml or .csv file" if target == "file" else f"`export {target}`",
    )
    if target != "file":
        from roadwise.views.cli.integrations import export_target

        export_target(
            str(file),
            target_file,
            dry_run=dry_run and not apply,
            apply=apply,
            url=url,
            repo=repo,
            email=email,
            plan_key=plan,
            db=db,
            as_json=as_json,
            board=board,
            create_sprints=create_sprints,
        )
        return
    from roadwise.sources.csv_file import write_items_csv
    from roadwise.sources.yaml_file import write_workspace_yaml

    kind = _file_kind(file)
    if not file.parent.is_dir():
        raise RoadwiseError(f"folder {file.parent} does not exist", file=str(file))
    store = _store(db)
    ws = store.load()
    if kind == "yaml":
        write_workspace_yaml(ws, file)
    else:
        write_items_csv(ws.items, file)
    if as_json:
        # A CSV holds the items only, so only they are counted; a YAML file holds everything.
        counts = _summary(ws) if kind == "yaml" else {"items": len(ws.items)}
        print_json({"file": str(file), "format": kind, "db": store.url, **counts})
    elif kind == "yaml":
        console.print(f"Wrote workspace '{ws.name}' ({len(ws.items)} items) to {file}")
    else:
        console.print(f"Wrote {len(ws.items)} items to {file}")


# --------------------------------------------------------------------------- validate


@app.command()
def validate(
    file: Path | None = typer.Argument(
        None, help="A workspace .yaml file, or an items .csv file checked against the database."
    ),
    mapping: str | None = typer.Option(None, "--mapping", help="CSV column mapping."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Check a file (or the stored workspace) against every workspace rule; changes nothing."""
    from roadwise.sources.csv_file import import_items_csv
    from roadwise.sources.yaml_file import read_workspace_yaml

    try:
        if file is None:
            store = _store(db)
            ws = store.load()
            source = store.url  # as import, export and sample name the database
        elif _file_kind(file) == "yaml":
            ws = read_workspace_yaml(file)
            source = str(file)
        else:
            stored = _store(db).load()
            ws = import_items_csv(stored, file, _column_mapping(mapping, file))
            source = str(file)
    except RoadwiseError as exc:
        if as_json:
            print_json(
                {
                    "valid": False,
                    "message": exc.message,
                    "file": exc.file,
                    "line": exc.line,
                    "row": exc.row,
                    "field": exc.field,
                }
            )
        else:
            err_console.print(
                Text("invalid:", style="bold red"), str(exc), highlight=False, soft_wrap=True
            )
        raise typer.Exit(1) from None
    notes = worth_knowing(ws)
    if as_json:
        print_json({"valid": True, "source": source, **_summary(ws), "notes": notes})
    else:
        console.print(
            Text("valid:", style="green"),
            f"{source}: workspace '{ws.name}', {len(ws.items)} items, "
            f"{len(ws.teams)} teams; every rule holds.",
            highlight=False,
        )
        for note in notes:
            console.print(NOTE, note, highlight=False, soft_wrap=True)


def worth_knowing(ws: Workspace) -> list[str]:
    """What is valid but quietly changes the engines' answers: a team with nobody on it gets
    no roadmap work (its items are left out), a size of 0 is floored to 0.1 point where a
    score divides by it, which ranks the item first, and an open item whose hard deadline is
    before the as-of date can no longer make it."""
    from roadwise.views._text import some_keys

    notes = []
    open_leaves = ws.leaf_items(ws.open_items())
    for team in sorted(ws.teams, key=lambda t: t.key):
        if team.people:
            continue
        waiting = [i.key for i in open_leaves if ws.inherited(i, "team") == team.key]
        if waiting:
            notes.append(
                f"team '{team.key}' has no people: the roadmap leaves out its "
                f"{len(waiting)} open item(s) ({some_keys(waiting)}) and counts them in no total"
            )
    zero = zero_estimate_note(sized_zero(ws))
    if zero:
        notes.append(zero)
    late = [
        f"{i.key} due {i.deadline.date}"
        for i in ws.open_items()
        if i.deadline is not None and i.deadline.hard and i.deadline.date < ws.as_of
    ]
    if late:
        notes.append(
            f"{len(late)} open item(s) with a hard deadline before the as-of date {ws.as_of} "
            f"({some_keys(late)}): they are already late; release plans leave them out and "
            "the roadmap marks them late. Move or soften the deadline, or mark them done or "
            "dropped"
        )
    return notes


def sized_zero(ws: Workspace, keys: Collection[str] | None = None) -> list[str]:
    """The open items (of ``keys``, or all) that carry work and are estimated at 0."""
    return [
        i.key
        for i in ws.leaf_items(ws.open_items())
        if (keys is None or i.key in keys) and i.estimate is not None and i.estimate.likely == 0
    ]


def zero_estimate_note(keys: Sequence[str]) -> str | None:
    """Why items sized 0 (``keys``) rank first, or ``None`` when there are none."""
    from roadwise.engines.prioritize.frameworks import MIN_EFFORT
    from roadwise.views._text import some_keys

    if not keys:
        return None
    return (
        f"{len(keys)} open item(s) estimated at 0 ({some_keys(keys)}): RICE and WSJF divide "
        f"by the size, counted as {MIN_EFFORT:g} point, so they rank first; the roadmap "
        "gives them no time. Estimate them, or mark them done"
    )


def _note_zero_estimate(store: Store, item: Item) -> None:
    """After ``items add`` or ``edit``: the note ``validate`` gives for an item sized 0 (a size
    a tracker's 0-point story carries, so it is taken), on stderr so --json stays one JSON
    document."""
    if not (item.is_open and item.estimate is not None and item.estimate.likely == 0):
        return  # the whole workspace is loaded only for an item that may need the note
    note = zero_estimate_note(sized_zero(store.load(), {item.key}))
    if note:
        err_console.print(NOTE, note, highlight=False, soft_wrap=True)


# --------------------------------------------------------------------------- items


def _estimate_text(item: Item) -> str:
    e = item.estimate
    if e is None:
        return ""
    unit = "pt" if e.unit.value == "points" else "pd"
    if e.low == e.high:
        return f"{e.likely:g} {unit}"
    return f"{e.low:g}/{e.likely:g}/{e.high:g} {unit}"


_STATUS_STYLE = {
    "idea": "dim",
    "discovery": "cyan",
    "ready": "blue",
    "in_progress": "yellow",
    "done": "green",
    "launched": "bold green",
    "dropped": "strike dim",
}


def _check_filters(ws: Workspace, teams: list[str], themes: list[str], parent: str | None) -> None:
    """A filter naming no team, theme or item is a typo, not an empty backlog: say which."""
    for option, asked, known in (
        ("--team", teams, sorted(ws.team_by_key)),
        ("--theme", themes, sorted(t.key for t in ws.themes)),
    ):
        for key in asked:
            if key not in known:
                raise RoadwiseError(
                    f"unknown {option[2:]} '{key}' ({option[2:]}s: {', '.join(known) or 'none'})",
                    field=option,
                )
    if parent is not None and parent not in ws.item_by_key:
        raise RoadwiseError(f"no item '{parent}' in the workspace", field="--parent")


ITEMS_LISTED = 100
"""Rows `items list` shows in its table unless --limit says otherwise."""


@items_app.command("list")
@handles_errors
def items_list(
    status: list[Status] = typer.Option([], "--status", help="Only these statuses (repeatable)."),
    kind: list[ItemKind] = typer.Option([], "--kind", help="Only these kinds (repeatable)."),
    team: list[str] = typer.Option([], "--team", help="Only these teams (repeatable)."),
    theme: list[str] = typer.Option([], "--theme", help="Only these themes (repeatable)."),
    parent: str | None = typer.Option(None, "--parent", help="Only children of this item."),
    tag: list[str] = typer.Option([], "--tag", help="Only items with one of these tags."),
    search: str | None = typer.Option(
        None, "--search", help="Text in the key, title or description."
    ),
    open_only: bool = typer.Option(
        False, "--open", help="Only open items (idea, discovery, ready, in progress)."
    ),
    limit: int | None = typer.Option(
        None,
        "--limit",
        min=1,
        help=f"Show at most this many (default: {ITEMS_LISTED} in the table, all with --json).",
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """List backlog items, filtered."""
    store = _store(db)
    statuses = [s.value for s in status]
    if open_only:
        statuses = statuses or [s.value for s in Status if s.is_open]
    found = store.list_items(
        status=statuses,
        kind=[k.value for k in kind],
        team=team,
        theme=theme,
        parent=parent,
        tag=tag,
        search=search,
    )
    if open_only:
        found = [i for i in found if i.is_open]
    if not found and (team or theme or parent):
        _check_filters(store.load(), team, theme, parent)
    total = len(found)
    if limit is not None:
        found = found[:limit]
    if as_json:
        print_json([i.model_dump(mode="json") for i in found])
        return
    # a terminal of thousands of rows helps nobody; a script reads --json, which has them all
    found = found[: limit or ITEMS_LISTED]
    noun = "item" if total == 1 else "items"
    table = Table(
        title=f"{total} {noun}" + (f" (first {len(found)})" if len(found) < total else "")
    )
    for column in ("key", "title", "kind", "status", "team", "estimate", "parent"):
        table.add_column(column, overflow="fold" if column == "title" else "ellipsis")
    for item in found:
        table.add_row(
            item.key,
            item.title,
            item.kind.value,
            Text(item.status.value, style=_STATUS_STYLE[item.status.value]),
            item.team or "",
            _estimate_text(item),
            item.parent or "",
        )
    console.print(table)
    if len(found) < total:
        console.print(
            f"… and {total - len(found)} more: narrow it with --status, --team, --search, …, "
            "or pass --limit N (--json lists every one).",
            highlight=False,
        )


@items_app.command("show")
@handles_errors
def items_show(
    key: str = typer.Argument(..., help="The item's key."),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Show every field of one item (and its version, for `items edit --version`)."""
    from roadwise.sources.yaml_file import _Dumper, to_plain

    item = _store(db).get_item(key)
    if as_json:
        print_json(item.model_dump(mode="json"))
        return
    data = to_plain(item)
    data["version"] = item.version
    text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    console.print(text.rstrip(), highlight=False, markup=False, soft_wrap=True)


def _parse_value(text: str) -> Any:
    try:
        return yaml.safe_load(text) if text.strip() else ""
    except (yaml.YAMLError, ValueError):  # ValueError: a date like 2026-02-30
        return text


def _set_path(data: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = data
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def _estimate(text: str) -> dict[str, float]:
    parts = [p for p in text.replace(",", "/").split("/") if p.strip()]
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise RoadwiseError(
            f"expected a number or low/likely/high, got {text!r}", field="--estimate"
        ) from None
    if len(numbers) == 1:
        numbers *= 3
    if len(numbers) != 3:
        raise RoadwiseError(
            f"expected a number or low/likely/high, got {text!r}", field="--estimate"
        )
    return dict(zip(("low", "likely", "high"), numbers, strict=True))


def _item_changes(
    *,
    title: str | None,
    description: str | None,
    kind: ItemKind | None,
    status: Status | None,
    parent: str | None,
    team: str | None,
    theme: str | None,
    estimate: str | None,
    unit: str | None,
    tags: list[str] | None,
    depends_on: list[str] | None,
    sets: list[str],
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in (
        ("title", title),
        ("description", description),
        ("kind", kind.value if kind else None),
        ("status", status.value if status else None),
        ("parent", parent),
        ("team", team),
        ("theme", theme),
    ):
        if value is not None:
            changes[name] = value or None if name in ("parent", "team", "theme") else value
    if estimate is not None:
        changes["estimate"] = {**_estimate(estimate), **({"unit": unit} if unit else {})}
    elif unit is not None:
        changes["estimate.unit"] = unit
    if tags:
        changes["tags"] = tags
    if depends_on:
        changes["dependencies"] = [{"item": k} for k in depends_on]
    for assignment in sets:
        if "=" not in assignment:
            raise RoadwiseError(f"expected FIELD=VALUE, got {assignment!r}", field="--set")
        path, _, text = assignment.partition("=")
        path = path.strip()
        # A key is text as typed: YAML would read "key=007" as the number 7.
        changes[path] = text.strip() if path == "key" else _parse_value(text)
    return changes


def _refuse_another_key(changes: dict[str, Any], key: str, command: str) -> None:
    """Refuse ``--set key=OTHER``: the item's key is the KEY argument, and the item must not
    be saved under another one."""
    if "key" in changes and changes["key"] != key:
        hint = (
            f"add it as `roadwise items add {changes['key']} …`"
            if command == "add"
            else "an item's key cannot be changed"
        )
        raise RoadwiseError(
            f"key={changes['key']} differs from the item's key {key}; {hint}",
            field="--set",
        )


def _build_item(data: dict[str, Any], changes: dict[str, Any], key: str) -> Item:
    for path, value in changes.items():
        _set_path(data, path, value)
    try:
        return Item.model_validate(data)
    except PydanticValidationError as exc:
        from roadwise.sources._errors import error_message, error_path

        error = exc.errors()[0]
        # error_path drops pydantic's union tags ("value.reach.float"), which name no field.
        field = ".".join(error_path(error, data))
        message = error_message(error)
        if error["type"] == "model_type" and not isinstance(error.get("input"), dict):
            # `--set deadline=2026-05-01`: pydantic's "a valid dictionary or instance of
            # Deadline" names a class, not what to type.
            message = (
                f"{field} is made of fields: set each with --set {field}.FIELD=VALUE "
                "(its fields are in docs/workspace.md)"
            )
        raise RoadwiseError(f"item {key}: {message}", field=field or None) from None


_TitleOption = typer.Option(None, "--title", help="Title.")
_DescriptionOption = typer.Option(None, "--description", help="Description.")
_KindOption = typer.Option(None, "--kind", help="epic, feature, story, bug or tech_debt.")
_StatusOption = typer.Option(None, "--status", help="Status.")
_ParentOption = typer.Option(None, "--parent", help="Parent item key ('' for none).")
_TeamOption = typer.Option(None, "--team", help="Team key ('' for none).")
_ThemeOption = typer.Option(None, "--theme", help="Investment theme key ('' for none).")
_EstimateOption = typer.Option(
    None, "--estimate", help="Size: a number or low/likely/high, e.g. 3/5/8."
)
_UnitOption = typer.Option(None, "--unit", help="Estimate unit: points or person_days.")
_TagOption = typer.Option(None, "--tag", help="Tag (repeatable; replaces the tags).")
_DependsOption = typer.Option(
    None, "--depends-on", help="Key of an item this one waits for (repeatable; replaces them)."
)
_SetOption = typer.Option(
    [],
    "--set",
    help="Any field as FIELD=VALUE, dotted for nested ones (value.reach=500, deadline.date=…).",
)


@items_app.command("add")
@handles_errors
def items_add(
    key: str = typer.Argument(..., help="The new item's key, e.g. PAY-42."),
    title: str = typer.Option(..., "--title", help="Title."),
    description: str | None = _DescriptionOption,
    kind: ItemKind | None = _KindOption,
    status: Status | None = _StatusOption,
    parent: str | None = _ParentOption,
    team: str | None = _TeamOption,
    theme: str | None = _ThemeOption,
    estimate: str | None = _EstimateOption,
    unit: str | None = _UnitOption,
    tag: list[str] | None = _TagOption,
    depends_on: list[str] | None = _DependsOption,
    sets: list[str] = _SetOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Add an item to the backlog (an error if the key is taken)."""
    store = _store(db)
    changes = _item_changes(
        title=title,
        description=description,
        kind=kind,
        status=status,
        parent=parent,
        team=team,
        theme=theme,
        estimate=estimate,
        unit=unit,
        tags=tag,
        depends_on=depends_on,
        sets=sets,
    )
    _refuse_another_key(changes, key, "add")
    item = _build_item({"key": key}, changes, key)
    saved = store.upsert_item(item, expected_version=0)
    if as_json:
        print_json(saved.model_dump(mode="json"))
    else:
        console.print(f"Added {saved.key} (version {saved.version}).")
    _note_zero_estimate(store, saved)


@items_app.command("edit")
@handles_errors
def items_edit(
    key: str = typer.Argument(..., help="The item's key."),
    title: str | None = _TitleOption,
    description: str | None = _DescriptionOption,
    kind: ItemKind | None = _KindOption,
    status: Status | None = _StatusOption,
    parent: str | None = _ParentOption,
    team: str | None = _TeamOption,
    theme: str | None = _ThemeOption,
    estimate: str | None = _EstimateOption,
    unit: str | None = _UnitOption,
    tag: list[str] | None = _TagOption,
    depends_on: list[str] | None = _DependsOption,
    sets: list[str] = _SetOption,
    version: int | None = typer.Option(
        None,
        "--version",
        min=1,
        help="The version you looked at (from `items show`): refuse if someone changed it since.",
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Change fields of an item. Refused if someone else saved it meanwhile."""
    store = _store(db)
    current = store.get_item(key)
    changes = _item_changes(
        title=title,
        description=description,
        kind=kind,
        status=status,
        parent=parent,
        team=team,
        theme=theme,
        estimate=estimate,
        unit=unit,
        tags=tag,
        depends_on=depends_on,
        sets=sets,
    )
    if not changes:
        raise RoadwiseError("nothing to change; pass --title, --status, --set FIELD=VALUE, …")
    _refuse_another_key(changes, key, "edit")
    item = _build_item(current.model_dump(mode="json"), changes, key)
    expected = version if version is not None else current.version
    # The store refuses a stale --version, and saves nothing (no new version, no audit entry)
    # where the values are the ones the item has.
    saved = store.upsert_item(item, expected_version=expected)
    if as_json:
        print_json(saved.model_dump(mode="json"))
    elif saved.version == current.version:
        console.print(
            f"Nothing changed: {key} already has these values (still version {saved.version})."
        )
    else:
        console.print(f"Saved {saved.key} (version {saved.version}).")
    _note_zero_estimate(store, saved)
