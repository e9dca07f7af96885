"""Tracker integrations: ``roadwise sync jira|github|linear``, ``roadwise import jira|linear FILE``,
``roadwise export jira-csv FILE`` / ``export jira`` / ``export github``.

Everything is fetched and checked first; the workspace changes in one transaction at the end, so
a failure (expired token, renamed field, malformed page) leaves it as it was. Tokens come from
environment variables and are never printed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from roadwise.domain import Workspace
from roadwise.errors import RoadwiseError
from roadwise.sources.tracker_mapping import (
    SyncDiff,
    check_prune,
    load_mapping,
    merge_issues,
    sync_issues,
    sync_state,
)
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    NOTE,
    DbOption,
    JsonOption,
    console,
    creates_database,
    db_url,
    handles_errors,
    print_json,
    refuse_unread_options,
)
from roadwise.views.reports.wording import say_count

IMPORT_SOURCES = ("jira", "linear")
EXPORT_TARGETS = ("jira-csv", "jira", "github")
DIFF_ROWS = 40
GONE_SHOWN = 10


def _store(db: str | None) -> Any:
    """The workspace database, or None where it does not exist yet: it is created only when
    there is something to store, so a failed or dry-run sync leaves no empty file behind."""
    from roadwise.workspace import open_store

    return None if creates_database(db) else open_store(db_url(db), create=False)


def _load(store: Any) -> Workspace:
    if store is None or not store.is_initialized():
        return Workspace(name="workspace")
    return store.load()


Merge = Callable[[Workspace], tuple[Workspace, SyncDiff]]


def _apply(store: Any, db: str | None, merge: Merge, *, dry_run: bool) -> SyncDiff:
    """Run ``merge`` on the stored workspace in one transaction (or only compute the diff);
    ``store`` is None where the database ``db`` is still to be created."""
    if dry_run:
        _, diff = merge(_load(store))
        return diff
    result: dict[str, SyncDiff] = {}

    def change(ws: Workspace) -> Workspace:
        merged, result["diff"] = merge(ws)
        return merged

    if store is None or not store.is_initialized():
        merged, diff = merge(Workspace(name="workspace"))
        if store is None:
            from roadwise.workspace import open_store

            store = open_store(db_url(db), create=True)
        store.replace(merged)
        return diff
    store.modify(change)
    return result["diff"]


def _report(
    diff: SyncDiff, what: str, *, dry_run: bool, as_json: bool, extra: dict[str, Any]
) -> None:
    if as_json:
        print_json({"dry_run": dry_run, **extra, **diff.as_dict()})
        return
    verb = "would change" if dry_run else "changed"
    console.print(
        f"{what} {verb}: {diff.added} added, {diff.updated} updated, {diff.unchanged} unchanged"
        + (
            f"; {say_count(diff.history_added, 'delivery-history record')} added"
            if diff.history_added
            else ""
        )
        + (f"; teams added: {', '.join(diff.teams_added)}" if diff.teams_added else ""),
        highlight=False,
    )
    if diff.changes:
        table = Table(
            title="Changes" + (" (dry run: nothing stored)" if dry_run else ""),
            title_justify="left",
        )
        for column in ("item", "change", "field", "before", "after"):
            table.add_column(column)
        shown = 0
        for change in diff.changes:
            if shown >= DIFF_ROWS:
                break
            if change.action == "added":
                table.add_row(change.key, "added", "", "", "")
                shown += 1
                continue
            for name, before, after in change.fields:
                table.add_row(change.key, "updated", name, before, after)
                shown += 1
        console.print(table)
        hidden = sum(max(1, len(c.fields)) for c in diff.changes) - shown
        if hidden > 0:
            console.print(f"… and {hidden} more rows (use --json for all).")
    if diff.gone:
        shown_keys = ", ".join(diff.gone[:GONE_SHOWN])
        more = f" and {len(diff.gone) - GONE_SHOWN} more" if len(diff.gone) > GONE_SHOWN else ""
        if diff.pruned:
            what = "would be removed" if dry_run else "removed"
        else:
            what = "kept; --full --prune removes them"
        count = f"{len(diff.gone)} item{'s' if len(diff.gone) > 1 else ''}"
        console.print(
            Text(f"{count} gone from the tracker ({what}):", style="yellow"),
            f"{shown_keys}{more}",
            highlight=False,
        )
    for warning in diff.warnings[:10]:
        console.print(Text("warning:", style="yellow"), warning, highlight=False)
    if len(diff.warnings) > 10:
        console.print(f"… and {len(diff.warnings) - 10} more warnings", style="yellow")


def _token(env: str) -> str:
    return os.environ.get(env, "").strip()


# --------------------------------------------------------------------------- import FILE


def import_tracker_file(
    source: str,
    file: Path,
    *,
    mapping_file: str | None,
    date_format: str | None,
    url: str | None,
    dry_run: bool,
    db: str | None,
    as_json: bool,
) -> None:
    """``roadwise import jira FILE.csv`` / ``roadwise import linear FILE.csv``."""
    if source not in IMPORT_SOURCES:
        raise RoadwiseError(f"unknown source '{source}' (known: {', '.join(IMPORT_SOURCES)})")
    mapping = load_mapping(mapping_file, source)
    if source == "jira":
        from roadwise.sources.jira_csv import read_jira_csv

        issues = read_jira_csv(file, mapping, date_format=date_format, base_url=url).issues
    else:
        from roadwise.sources.linear import read_linear_csv

        issues = read_linear_csv(file)
    store = _store(db)
    diff = _apply(store, db, lambda ws: merge_issues(ws, issues, mapping), dry_run=dry_run)
    _report(
        diff,
        f"Import of {file}",
        dry_run=dry_run,
        as_json=as_json,
        extra={"file": str(file), "issues": len(issues)},
    )


# --------------------------------------------------------------------------- sync


# The options each tracker's sync reads, beside --url, --mapping and the common ones.
_SYNC_OPTIONS: dict[str, frozenset[str]] = {
    "jira": frozenset({"--project", "--jql", "--api-version"}),
    "github": frozenset({"--repo", "--project", "--pull-requests"}),
    "linear": frozenset({"--team"}),
}


@app.command()
@handles_errors
def sync(
    source: str = typer.Argument(..., help="jira, github or linear."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change; store nothing."),
    full: bool = typer.Option(False, "--full", help="Fetch everything, not only what changed."),
    prune: bool = typer.Option(
        False,
        "--prune",
        help="With --full: remove the items earlier syncs brought in that are gone from the "
        "tracker (deleted or moved out of the project/query).",
    ),
    url: str | None = typer.Option(
        None,
        "--url",
        help="Tracker URL (Jira: https://acme.atlassian.net; GitHub/Linear: API URL).",
    ),
    project: str | None = typer.Option(
        None,
        "--project",
        help="Jira: the project key. GitHub: a project OWNER/NUMBER (e.g. acme/3) whose "
        "Status, estimate and iteration fields the issues take.",
    ),
    jql: str | None = typer.Option(None, "--jql", help="Jira: a JQL query instead of --project."),
    repo: str | None = typer.Option(None, "--repo", help="GitHub repository OWNER/NAME."),
    team: str | None = typer.Option(None, "--team", help="Linear team key (e.g. ENG)."),
    mapping_file: str | None = typer.Option(None, "--mapping", help="Mapping file (YAML)."),
    email: str | None = typer.Option(
        None,
        "--email",
        envvar="ROADWISE_JIRA_EMAIL",
        help="Jira Cloud: the token's account e-mail.",
    ),
    api_version: str | None = typer.Option(
        None, "--api-version", help="Jira REST API version: 3 (Cloud) or 2 (Data Center)."
    ),
    pull_requests: bool = typer.Option(
        False, "--pull-requests", help="GitHub: include pull requests."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Bring issues in from Jira, GitHub or Linear (only what changed since the last sync).

    A --full sync also reports the items earlier syncs brought in that are gone from the
    tracker; --full --prune removes them. Tokens come from ROADWISE_JIRA_TOKEN
    (+ ROADWISE_JIRA_EMAIL for Jira Cloud), ROADWISE_GITHUB_TOKEN or ROADWISE_LINEAR_TOKEN.
    A failure changes nothing.
    """
    if source not in _SYNC_OPTIONS:
        raise RoadwiseError(f"unknown tracker '{source}' (known: jira, github, linear)")
    given = {
        "--project": project is not None,
        "--jql": jql is not None,
        "--repo": repo is not None,
        "--team": team is not None,
        "--api-version": api_version is not None,
        "--pull-requests": pull_requests,
    }
    refuse_unread_options(given, _SYNC_OPTIONS, source, "sync", f"`sync {source}`")
    check_prune(full, prune)  # before anything is fetched
    mapping = load_mapping(mapping_file, source)
    store = _store(db)
    ws = _load(store)
    also_seen: tuple[str, ...] = ()
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    extra: dict[str, Any] = {"source": source}
    if source == "jira":
        from roadwise.sources import jira

        if not url:
            raise RoadwiseError("give the Jira site with --url (e.g. https://acme.atlassian.net)")
        scope = f"{url.rstrip('/')} {jql or project or ''}"
        state = sync_state(ws, "jira", scope)
        since = None if full else _time(state.get("last_updated"))
        client = jira.JiraClient(url, _token(jira.TOKEN_ENV), email=email, api_version=api_version)
        try:
            fetched = jira.fetch_jira(client, mapping, project=project, jql=jql, since=since)
        finally:
            client.close()
        issues, last = fetched.issues, fetched.last_updated
        extra.update(jql=fetched.jql, requests=fetched.requests)
    elif source == "github":
        from roadwise.sources import github

        if not repo:
            raise RoadwiseError("say which repository with --repo OWNER/NAME")
        # A project read in is a scope of its own: its first sync fetches every issue.
        scope = f"{repo} project {project}" if project else repo
        state = sync_state(ws, "github", scope)
        since = None if full else _time(state.get("last_updated"))
        gh = github.GitHubClient(_token(github.TOKEN_ENV), url=url or github.API_URL)
        try:
            gh_fetched = github.fetch_github(
                gh, repo, mapping, since=since, pull_requests=pull_requests, project=project
            )
        finally:
            gh.close()
        issues, last = gh_fetched.issues, gh_fetched.last_updated
        also_seen = gh_fetched.skipped_keys
        extra.update(
            requests=gh_fetched.requests, pull_requests_skipped=gh_fetched.skipped_pull_requests
        )
    elif source == "linear":
        from roadwise.sources import linear

        scope = team or "all"
        state = sync_state(ws, "linear", scope)
        since = None if full else _time(state.get("last_updated"))
        lc = linear.LinearClient(_token(linear.TOKEN_ENV), url=url or linear.API_URL)
        try:
            lin_fetched = linear.fetch_linear(lc, team, since)
        finally:
            lc.close()
        issues, last = lin_fetched.issues, lin_fetched.last_updated
        extra.update(requests=lin_fetched.requests)
    else:  # pragma: no cover - the source is checked above
        raise RoadwiseError(f"unknown tracker '{source}' (known: jira, github, linear)")
    previous = _time(state.get("last_updated"))
    last = max((t for t in (last, previous) if t is not None), default=None)
    entry = {
        "last_sync": started.isoformat(timespec="seconds"),
        "last_updated": last.isoformat(timespec="seconds") if last else None,
        "issues": len(issues),
    }
    extra.update(
        incremental=since is not None,
        since=since.isoformat() if since else None,
        fetched=len(issues),
    )
    diff = _apply(
        store,
        db,
        lambda ws: sync_issues(
            ws,
            issues,
            mapping,
            source=source,
            scope=scope,
            entry=entry,
            full=since is None,
            prune=prune,
            also_seen=also_seen,
        ),
        dry_run=dry_run,
    )
    window = f"since {since.isoformat(sep=' ')}" if since else "full"
    what = f"Sync of {source} ({window}, {say_count(len(issues), 'issue')} fetched)"
    _report(diff, what, dry_run=dry_run, as_json=as_json, extra=extra)


def _time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- export


def _plan_rows(store: Any, plan_key: str | None) -> list[dict[str, Any]]:
    plan = (
        store.get_plan(plan_key)
        if plan_key
        else next(iter(reversed(store.list_plans("roadmap"))), None)
    )
    if plan is None:
        return []
    return [r for r in plan.payload.get("items", []) if isinstance(r, dict)]


def export_target(
    target: str,
    file: Path | None,
    *,
    dry_run: bool,
    apply: bool,
    url: str | None,
    repo: str | None,
    email: str | None,
    plan_key: str | None,
    db: str | None,
    as_json: bool,
    board: int | None = None,
    create_sprints: bool = False,
) -> None:
    """``export jira-csv FILE`` / ``export jira`` / ``export github`` (dry run by default)."""
    store = _store(db)
    if store is None or not store.is_initialized():
        from roadwise.workspace import database_url

        where = store.url if store is not None else database_url(db_url(db))
        raise RoadwiseError(
            f"{where} holds no workspace yet; run `roadwise init` or `roadwise sample` first"
        )
    ws = store.load()
    rows = _plan_rows(store, plan_key)
    if target == "jira-csv":
        if file is None:
            raise RoadwiseError("say where to write: roadwise export jira-csv FILE.csv")
        if not file.parent.is_dir():
            raise RoadwiseError(f"folder {file.parent} does not exist", file=str(file))
        from roadwise.sources.jira_csv import write_jira_import_csv

        label_notes: list[str] = []
        count = write_jira_import_csv(ws.items, rows, file, ws.cycles, label_notes)
        if as_json:
            print_json(
                {"file": str(file), "items": count, "planned": len(rows), "notes": label_notes}
            )
        else:
            console.print(f"Wrote {count} open items to {file} (Jira CSV import format).")
            for note in label_notes:
                console.print(NOTE, note, highlight=False)
        return
    write = apply and not dry_run
    if target == "jira":
        from roadwise.sources import jira

        changes = jira.planned_changes(ws.items, rows)
        order = jira.planned_order(ws.items, rows)
        if (write or board is not None) and not url:
            raise RoadwiseError("give the Jira site with --url", field="--url")
        if create_sprints and board is None:
            raise RoadwiseError(
                "--create-sprints needs the board to create them on: add --board ID",
                field="--create-sprints",
            )
        sprints: jira.SprintPlan | None = None
        new_sprints: list[tuple[str, dt.date, dt.date, int]] = []
        if url:
            # Ranks are compared with Jira's current order, and sprints with the board's, so
            # they need the site even to look.
            client = jira.JiraClient(url, _token(jira.TOKEN_ENV), email=email)
            try:
                changes += jira.rank_changes(client.rank_order(order), order)
                if board is not None:
                    on_board = client.board_sprints(board)
                    sprints = jira.sprint_changes(ws.items, rows, ws.cycles, on_board)
                    if create_sprints and sprints.unmatched:
                        new_sprints = sprints.to_create(ws.cycles)
                        for name, start, end, _ in new_sprints:
                            # A dry run shows the moves into sprints not made yet (id 0).
                            made = (
                                client.create_sprint(board, name, start, end)
                                if write
                                else jira.BoardSprint(0, name, "future", start, end)
                            )
                            on_board.append(made)
                        sprints = jira.sprint_changes(ws.items, rows, ws.cycles, on_board)
                    changes += sprints.changes
                if write:
                    jira.apply_write_back(
                        client, changes, order, sprints.target if sprints else None
                    )
            finally:
                client.close()
        data = [
            {"issue": c.key, "field": c.field, "current": c.current, "planned": c.planned}
            for c in changes
        ]
        notes: list[str] = []
        unmatched: list[dict[str, Any]] = []
        for name, start, n in sprints.unmatched if sprints else ():
            notes.append(
                f"{name} (from {start.isoformat()}): board {board} has no sprint that holds that "
                f"day or has that name, so its {n} issue{'s' if n != 1 else ''} stay where they are"
            )
            unmatched.append({"sprint": name, "start": start.isoformat(), "issues": n})
        created: list[dict[str, Any]] = []
        for name, start, end, n in new_sprints:
            last = end - dt.timedelta(days=1)
            notes.append(
                f"{name} ({start.isoformat()} to {last.isoformat()}) "
                f"{'created' if write else 'to be created'} on board {board} for its {n} "
                f"issue{'s' if n != 1 else ''}"
            )
            created.append(
                {"sprint": name, "start": start.isoformat(), "end": last.isoformat(), "issues": n}
            )
        _print_plan(
            data,
            "Jira write-back",
            write,
            as_json,
            notes=notes,
            extra={"unmatched": unmatched, "created_sprints": created},
        )
        return
    if target == "github":
        from roadwise.sources import github

        if not repo:
            raise RoadwiseError("say which repository with --repo OWNER/NAME")
        planned = {str(r.get("item")): r for r in rows}
        new = [
            i for i in ws.items if i.is_open and (i.source is None or i.source.system != "github")
        ]
        data = [
            {
                "item": i.key,
                "title": i.title,
                "labels": ";".join([i.kind.value, *i.tags]),
                "planned_end": str(planned.get(i.key, {}).get("end") or ""),
            }
            for i in new
        ]
        if write:
            gh = github.GitHubClient(_token(github.TOKEN_ENV), url=url or github.API_URL)
            try:
                for item, row in zip(new, data, strict=True):
                    body = item.description
                    if row["planned_end"]:
                        body += f"\n\nPlanned by Roadwise to finish by {row['planned_end']}."
                    gh.create_issue(
                        repo,
                        # The tags themselves: the ";"-joined column is for people to read,
                        # and a tag holding ";" is still one GitHub label.
                        {
                            "title": item.title,
                            "body": body,
                            "labels": [item.kind.value, *item.tags],
                        },
                    )
            finally:
                gh.close()
        _print_plan(data, f"GitHub issues to create in {repo}", write, as_json)
        return
    raise RoadwiseError(f"unknown export target '{target}' (known: {', '.join(EXPORT_TARGETS)})")


def _print_plan(
    data: list[dict[str, Any]],
    title: str,
    applied: bool,
    as_json: bool,
    notes: Sequence[str] = (),
    extra: dict[str, Any] | None = None,
) -> None:
    if as_json:
        print_json({"applied": applied, "changes": data, **(extra or {})})
        return
    table = Table(
        title=f"{title} ({'applied' if applied else 'dry run: pass --apply to write'})",
        title_justify="left",
    )
    for column in data[0] if data else ("change",):
        table.add_column(column)
    for row in data[:DIFF_ROWS]:
        table.add_row(*(str(v) for v in row.values()))
    console.print(table)
    console.print(f"{len(data)} changes {'written' if applied else 'planned'}.")
    for note in notes:
        console.print(NOTE, note, highlight=False)
