"""``roadwise plan roadmap``, ``roadwise capacity`` and ``roadwise scenario …``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from roadwise.domain import Plan, Workspace
from roadwise.errors import RoadwiseError, ValidationError
from roadwise.views._text import clip
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    NOTE,
    DbOption,
    JsonOption,
    compact_table,
    console,
    db_url,
    err_console,
    handles_errors,
    one_of,
    output_file,
    plan_key,
    print_json,
)
from roadwise.views.cli.plan import plan_app

if TYPE_CHECKING:
    from collections.abc import Sequence

    from roadwise.engines.schedule.needs import DeadlineConfidence, EngineerValue, WhatItTakes
    from roadwise.workspace import RoadmapOfRecord


class ObjectiveChoice(StrEnum):
    cost_of_delay = "cost-of-delay"
    value_by_date = "value-by-date"


def _load(db: str | None) -> tuple[Any, Workspace]:
    from roadwise.workspace import open_store

    store = open_store(db_url(db), create=False)
    return store, store.load()


def _scenario_workspace(ws: Workspace, key: str | None) -> Workspace:
    if key is None:
        return ws
    from roadwise.engines.scenario import apply_scenario, without_missing_items

    for scenario in ws.scenarios:
        if scenario.key == key:
            usable, missing = without_missing_items(ws, scenario)
            if missing:
                # stderr: --json output stays one JSON document
                err_console.print(
                    NOTE,
                    f"scenario {key} changes {', '.join(missing)}, which "
                    "the workspace no longer holds (removed since it was saved, e.g. by "
                    "`roadwise sync --full --prune`); those changes are skipped",
                    highlight=False,
                )
            return apply_scenario(ws, usable)
    known = ", ".join(s.key for s in ws.scenarios) or "none yet"
    raise ValidationError(f"unknown scenario '{key}' (known: {known})", field="--scenario")


def roadmap_payload(roadmap: Any) -> dict[str, Any]:
    """The stored / JSON form of a roadmap: plain rows plus both plans' summaries."""

    def summary(s: Any) -> dict[str, Any] | None:
        if s is None:
            return None
        data = dataclasses.asdict(s)
        for k in ("gap", "bound"):
            if data[k] != data[k]:  # NaN: not a solver result
                data[k] = None
        data["finish"] = s.finish.isoformat() if s.finish else None
        return data

    return {
        "start": roadmap.start.isoformat(),
        "objective": roadmap.objective,
        "plan": summary(roadmap.summary),
        "baseline": summary(roadmap.baseline),
        "items": roadmap.records(),
        "lateness": [
            {
                "item": x.item,
                "deadline": x.deadline.isoformat(),
                "planned_end": x.planned_end.isoformat(),
                "late_days": x.late_days,
                "cause": x.cause,
                "dependency_bound_days": x.dependency_bound_days,
                "detail": x.detail,
                "chain": [
                    {
                        "item": c.item,
                        "team": c.team,
                        "start": c.start.isoformat(),
                        "end": c.end.isoformat(),
                        "reason": c.reason,
                    }
                    for c in x.chain
                ],
            }
            for x in roadmap.lateness
        ],
        "dropped": list(roadmap.dropped),
        "unscheduled": [{"item": k, "reason": r} for k, r in roadmap.unscheduled],
        "warnings": list(roadmap.warnings),
    }


def save_roadmap(
    store: Any, key: str, roadmap: Any, scenario: str | None = None, currency: str = "USD"
) -> Plan:
    """Store ``roadmap`` as plan ``key``: without a scenario it is the roadmap of record, whose
    order every view's delivery forecast replays (:func:`roadwise.workspace.roadmap_of_record`)."""
    from roadwise.views.reports.wording import short_money

    s = roadmap.summary
    return store.save_plan(
        Plan(
            key=key,
            kind="roadmap",
            scenario=scenario,
            created=dt.datetime.now(dt.UTC).replace(tzinfo=None),
            summary=f"{len(roadmap.items)} items, cost of delay "
            f"{short_money(s.cost_of_delay, currency)} ({verdict(s)}), finish {s.finish}",
            # Where each item sits too, so the web app and the reports can show this very
            # plan (roadwise.views.stored_roadmap) instead of planning afresh.
            payload=roadmap_payload(roadmap)
            | {
                "placements": {
                    key: [team, list(starts)] for key, (team, starts) in roadmap.placements.items()
                }
            },
        )
    )


def _stored_now(store: Any, ws: Workspace, key: str, options: Any) -> tuple[str, Any] | str:
    """The roadmap stored under ``key``, named, as the views show it now (moved on to today,
    items added since placed after it); else why there is none to start from."""
    from roadwise.views.stored_roadmap import stored_roadmap
    from roadwise.workspace import roadmap_of_record

    try:
        record = roadmap_of_record(store, ws, key)
    except RoadwiseError:
        record = None
    if record is None:
        return f"no roadmap stored as '{key}'"
    before = stored_roadmap(ws, record, dataclasses.replace(options, baseline=False))
    if before is None:
        return f"the {record.describe()} no longer fits"
    label = record.describe()
    if before.replay is not None and before.replay.moved_days:
        label += f" (moved on to {before.start})"
    return label, before


def _moved_since(ws: Workspace, stored: tuple[str, Any], roadmap: Any) -> tuple[str, list[Any]]:
    """The ``stored`` roadmap's name and the leaf items the new ``roadmap`` moves against it
    (date or team), largest move first."""
    from roadwise.engines.scenario import compare_roadmaps

    label, before = stored
    leaves = {s.key for s in roadmap.items}
    moved = compare_roadmaps(ws, before, ws, roadmap, "stored", "new").moved
    return label, [m for m in moved if m.item in leaves]


def moved_since_sentence(stored: str, moved: Sequence[Any], items: int, shown: int = 3) -> str:
    """'Since the stored roadmap …: 12 of 137 items move (7 later, 5 earlier, 1 to another
    team); most: KW-1 +12 d (why), …' (or that nothing moved); ``stored`` names the plan."""
    if not moved:
        return f"Since the {stored}: no item moves."
    later = sum(1 for m in moved if (m.shift_days or 0) > 0)
    earlier = sum(1 for m in moved if (m.shift_days or 0) < 0)
    teams = sum(1 for m in moved if m.team_a and m.team_b and m.team_a != m.team_b)
    parts = [f"{later} later", f"{earlier} earlier"]
    if teams:
        parts.append(f"{teams} to another team")
    most = "; ".join(
        f"{m.item} {m.shift_days:+d} d ({m.why})" if m.shift_days is not None else m.item
        for m in moved[:shown]
    )
    return (
        f"Since the {stored}: {len(moved)} of {items} items move "
        f"({', '.join(parts)}); most: {most}."
    )


def verdict(summary: Any) -> str:
    if summary.proven_optimal:
        return "proven optimal"
    return f"gap {summary.gap:.1%} to the best bound"


def print_summary(
    roadmap: Any, currency: str = "USD", out: Console | None = None, ws: Workspace | None = None
) -> None:
    """Both plans, one line each (it fits 80 columns); what the words mean under the table.
    With ``ws``, the work left out is counted there too, hard deadlines first: it is in no
    total of the table, which would otherwise read as if nothing were missed."""
    from roadwise.views.reports.wording import short_money

    out = out or console
    table = compact_table("Roadmap: CP-SAT plan beside scheduling in rank order")
    table.add_column("plan", no_wrap=True)
    for name in ("cost of delay", "finish", "late (hard)", "optimality", "seconds"):
        table.add_column(name, justify="right", no_wrap=True)
    s = roadmap.summary
    table.add_row(
        "Roadwise (CP-SAT)",
        short_money(s.cost_of_delay, currency),
        str(s.finish),
        str(s.late_items),
        "optimal" if s.proven_optimal else f"gap {s.gap:.1%}",
        f"{s.seconds:.1f}",
    )
    b = roadmap.baseline
    if b is not None:
        table.add_row(
            "Rank order",
            short_money(b.cost_of_delay, currency),
            str(b.finish),
            str(b.late_items),
            "heuristic",
            f"{b.seconds:.2f}",
        )
    out.print(table)
    # What the short cells mean, one sentence a line: the table itself stays one line a plan.
    notes = []
    if b is not None and b.cost_of_delay > 0:
        saved = 1 - s.cost_of_delay / b.cost_of_delay
        notes.append(
            f"The plan cuts the cost of delay by {saved:.0%} against the rank order."
            if saved >= 0
            else f"The plan's cost of delay is {-saved:.0%} above the rank order's"
            + (
                ": the price of holding the targets, which the rank order does not."
                if s.targets_held
                else "."
            )
        )
    if ws is not None and roadmap.unscheduled:
        notes.append(_left_out_note(ws, [key for key, _ in roadmap.unscheduled]))
    if b is not None and (s.behind_targets or b.behind_targets):
        notes.append(
            "Behind a release date or soft deadline: "
            f"{s.behind_targets} item(s) in the plan, {b.behind_targets} in the rank order."
        )
    notes.append(
        "Cost of delay: money per week until delivery, summed over items; "
        "late (hard): items that miss a hard deadline."
    )
    if s.without_money:
        notes.append(_without_money_note(s.without_money))
    weighed = " (money and relative values together, as the plan weighs them)"
    if s.proven_optimal:
        notes.append(
            "Optimal: the solver proved that no plan has a lower cost of delay"
            + (weighed if s.without_money else "")
            + "."
        )
    elif s.gap == s.gap:  # NaN for a plan no solver searched (the rank order)
        notes.append(
            f"Gap {s.gap:.1%}: the best possible plan costs at most {s.gap:.1%} less than this "
            "one, by the bound the solver proved (a longer --time-limit narrows it)."
        )
    if b is not None:
        notes.append(
            "Rank order: each item in backlog rank order, as soon as its dependencies and its "
            "team's capacity allow (list scheduling)."
        )
    for note in notes:
        out.print(note, highlight=False)


NOTES_SHOWN = 10
"""Notes printed one per line; a backlog of thousands can have hundreds (--json has all)."""


def print_notes(notes: Sequence[str]) -> None:
    for note in notes[:NOTES_SHOWN]:
        console.print(NOTE, note, highlight=False)
    if len(notes) > NOTES_SHOWN:
        console.print(
            NOTE,
            f"… and {len(notes) - NOTES_SHOWN} more like these (--json lists every one under "
            "'warnings').",
            highlight=False,
        )


def print_lateness(roadmap: Any, out: Console | None = None) -> None:
    out = out or console
    for x in roadmap.lateness:
        out.print(
            Text(x.item, style="bold red"),
            f"misses its deadline {x.deadline} by {x.late_days} working "
            f"day(s) (planned end {x.planned_end}); cause: {x.cause}"
            + (
                f"; the dependencies alone take {x.dependency_bound_days} day(s) too long"
                if x.dependency_bound_days
                else ""
            )
            + (f"; {x.detail}" if x.detail else ""),
            highlight=False,
        )
        for link in x.chain:
            out.print(
                f"    {link.item} ({link.team}, {link.start} - {link.end}): {link.reason}",
                highlight=False,
            )


def print_behind_targets(roadmap: Any, *, held: bool, out: Console | None = None) -> None:
    """One line on the items planned to end after their release's date or soft deadline."""
    out = out or console
    behind = roadmap.behind_targets()
    if not behind:
        return
    shown = ", ".join(
        f"{s.key} ({s.target_reason.removeprefix('its ')} {s.target}, "
        f"{s.behind_target_days} working day(s) after)"
        for s in behind[:3]
    )
    more = f" and {len(behind) - 3} more" if len(behind) > 3 else ""
    out.print(
        Text("behind target:", style="yellow"),
        f"{len(behind)} item(s) end after their release's date or soft deadline: {shown}{more}"
        + (
            "; held, the plan found still misses them: meeting them breaks a hard deadline, a "
            "dependency or capacity, or delays other work by more than a day of every item's "
            "delay per day gained (a longer --time-limit may find better)"
            if held
            else "; --hold-targets weighs each day behind as a day of every item's delay"
        ),
        highlight=False,
    )


def people_cell(s: Any) -> str:
    """Who works on an item; where the plan could not name (all) its people, "any of TEAM"
    or the names so far, marked * for the reason printed under the table."""
    if not s.people_note:
        return ", ".join(s.people)
    return f"{', '.join(s.people)} *" if s.people else f"any of {s.team} *"


def print_people_notes(items: Sequence[Any], out: Console | None = None) -> None:
    """The reasons behind the * of :func:`people_cell`, one line per item."""
    noted = [s for s in items if s.people_note]
    if not noted:
        return
    out = out or console
    # The plan fits each team's pooled capacity; naming people comes after, one at a time.
    out.print("* Not split to people, and why:", highlight=False)
    # A grid, so that a long reason wraps under itself and the keys stay easy to find.
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for s in noted:
        grid.add_row(f"  {s.key}:", s.people_note)
    out.print(grid, highlight=False)


def print_items(roadmap: Any, limit: int = 40, out: Console | None = None) -> None:
    """The first items by start, one line each. Where the people would not fit beside the
    title (80 columns), they go under the table, each name with its items, grouped by team."""
    out = out or console
    shown = sorted(roadmap.items, key=lambda s: (s.start, s.key))[:limit]
    who = {s.key: people_cell(s) for s in shown}
    key_width = max((len(s.key) for s in shown), default=4)
    team_width = max((len(s.team) for s in shown), default=4)
    # item, team, start, end, sprint and the gaps between six columns; the title gets the rest.
    fixed = max(4, key_width) + max(4, team_width) + 10 + 10 + 6 + 5 * 2
    people_width = max((len(c) for c in who.values()), default=6)
    inline = out.width - fixed - 2 - max(6, people_width) >= 30
    room = out.width - fixed - (2 + max(6, people_width) if inline else 0)
    title_width = max(12, min(40, room))
    table = compact_table(f"First {len(shown)} items by start")
    table.add_column("item", no_wrap=True)
    table.add_column("title", no_wrap=True, max_width=title_width)
    table.add_column("team", no_wrap=True)
    if inline:
        table.add_column("people", no_wrap=True)
    for name in ("start", "end"):
        table.add_column(name, no_wrap=True)
    table.add_column("sprint", justify="right", no_wrap=True)
    for s in shown:
        table.add_row(
            s.key,
            clip(s.title, title_width),
            s.team,
            *([who[s.key]] if inline else []),
            str(s.start),
            str(s.end),
            str(s.sprint),
        )
    out.print()
    out.print(table)
    if not inline and shown:
        out.print(people_grid(shown, who))
    print_people_notes(shown, out)


def people_grid(items: Sequence[Any], who: dict[str, str]) -> Table:
    """Who works on ``items``: per team, each person (or "any of TEAM *") with their items,
    in order of start; one line each unless the items run past the width."""
    groups: dict[tuple[str, str], list[str]] = {}
    for s in sorted(items, key=lambda s: (s.team, s.start, s.key)):
        groups.setdefault((s.team, who[s.key]), []).append(s.key)
    grid = Table.grid(padding=(0, 2))
    grid.title = "Who works on them:"
    grid.title_justify = "left"
    grid.add_column(no_wrap=True)
    grid.add_column()
    grid.add_column()
    previous = ""
    for (team, people), keys in groups.items():
        grid.add_row(team if team != previous else "", people, ", ".join(keys))
        previous = team
    return grid


def print_sprint_plans(roadmap: Any, sprints: int, out: Console | None = None) -> None:
    """Per team: the items worked on in each of the next ``sprints`` sprints, one line each
    (an item that runs over several sprints is listed in each)."""
    from roadwise.engines.schedule.roadmap import sprint_plans

    out = out or console
    first = int(roadmap.calendar.sprint[0])
    shown: dict[str, Any] = {}
    plans = sprint_plans(roadmap)
    listed = [
        s for plan in plans.values() for n in range(first, first + sprints) for s in plan.get(n, ())
    ]
    who = {s.key: people_cell(s) for s in listed}
    key_width = max((len(s.key) for s in listed), default=4)
    people_width = max((len(c) for c in who.values()), default=3)
    # sprint, item, who and dates ("23 Nov-24 Nov") with the gaps; the title gets the rest,
    # the same in every team's table.
    fixed = 6 + max(4, key_width) + max(3, people_width) + 13 + 4 * 2
    title_width = max(12, min(40, out.width - fixed - 2))
    for team, plan in plans.items():
        table = compact_table(f"Team {team}")
        table.add_column("sprint", justify="right", no_wrap=True)
        table.add_column("item", no_wrap=True)
        table.add_column("title", no_wrap=True, max_width=title_width)
        table.add_column("who")
        table.add_column("dates", no_wrap=True)
        for sprint in range(first, first + sprints):
            rows = plan.get(sprint, ())
            if not rows:
                table.add_row(str(sprint), "", "nothing planned", "", "")
            for index, s in enumerate(rows):
                shown[s.key] = s
                table.add_row(
                    str(sprint) if index == 0 else "",
                    s.key,
                    clip(s.title, title_width),
                    who[s.key],
                    f"{s.start:%d %b}-{s.end:%d %b}",
                )
        out.print()
        out.print(table)
    print_people_notes(sorted(shown.values(), key=lambda s: (s.start, s.key)), out)


@plan_app.command("roadmap")
@handles_errors
def plan_roadmap_command(
    # A plain string checked in the body: a wrong objective is then a one-line error naming
    # the objectives (a Typer enum answers with a usage panel and "Value error").
    objective_name: str = typer.Option(
        ObjectiveChoice.cost_of_delay.value,
        "--objective",
        metavar="|".join(ObjectiveChoice),
        help="Minimise total cost of delay, or maximise the value delivered by --by.",
    ),
    by: dt.datetime | None = typer.Option(
        None, "--by", formats=["%Y-%m-%d"], help="Date for --objective value-by-date."
    ),
    time_limit: float = typer.Option(30.0, "--time-limit", min=0.5, help="Solver seconds."),
    workers: int = typer.Option(8, "--workers", min=1, help="CP-SAT search workers."),
    baseline: bool = typer.Option(
        True, "--baseline/--no-baseline", help="Also schedule in rank order (list scheduling)."
    ),
    scenario: str | None = typer.Option(None, "--scenario", help="Plan a scenario's inputs."),
    split: bool = typer.Option(
        False,
        "--split",
        help="Allow every item to be split across sprints (default: only items tagged 'split').",
    ),
    csv_file: Path | None = typer.Option(None, "--csv", help="Write the plan as CSV."),
    ics_file: Path | None = typer.Option(
        None, "--ics", help="Write release and milestone dates as iCalendar (.ics)."
    ),
    name: str | None = typer.Option(None, "--name", help="Key to store the plan under."),
    team_sprints: int = typer.Option(
        0, "--team-sprints", min=0, help="Also print each team's plan for the next N sprints."
    ),
    free: bool = typer.Option(
        False,
        "--free",
        help="Re-plan freely: do not keep the stored plan's committed items "
        "(its first two sprints) in place.",
    ),
    save: bool = typer.Option(True, "--save/--no-save", help="Store the plan in the workspace."),
    hold_targets: bool = typer.Option(
        False,
        "--hold-targets",
        help="Plan items to end by their release's date or soft deadline: each working day "
        "behind weighs as a day of every item's delay (default: those dates are reported, "
        "not planned for).",
    ),
    as_json: bool = JsonOption,
    db: str | None = DbOption,
) -> None:
    """Plan the roadmap: who builds what, when (CP-SAT), with the rank-order baseline beside."""
    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from roadwise.views.roadmap_files import roadmap_csv, roadmap_ics

    objective = ObjectiveChoice(one_of(objective_name, ObjectiveChoice, "objective", "--objective"))
    if objective == ObjectiveChoice.value_by_date and by is None:
        raise ValidationError("--objective value-by-date needs --by DATE", field="--by")
    key = plan_key(name) if name else _default_key(scenario)
    output_file(csv_file, "--csv")
    output_file(ics_file, "--ics")
    store, ws = _load(db)
    ws = _scenario_workspace(ws, scenario)
    previous = None if free else _previous_commitments(store, key)
    options = RoadmapOptions(
        objective=objective.value,
        value_date=by.date() if by else None,
        time_limit=time_limit,
        workers=workers,
        baseline=baseline,
        split_default=split,
        committed=previous,
        targets=hold_targets,
    )
    found = _stored_now(store, ws, key, options)
    # The search starts from the stored plan as shown now (where it still fits), improved by
    # the re-plan check's local search where it changed since it was solved: a re-plan with a
    # short time limit is then never worse than either (in the solver's terms).
    start = None
    if isinstance(found, str):
        stored, started_from = None, f"the priority rules' plan ({found})"
    else:
        stored, started_from = found, f"the {found[0]}"
    if stored is not None:
        start = stored[1].placements
        if stored[1].replay is not None:
            from roadwise.engines.schedule.roadmap import replan_gain

            checked = replan_gain(ws, stored[1], options)
            if checked is not None:
                from roadwise.views.reports.wording import short_money

                start = checked.placements
                started_from += f", improved by {checked.rounds} rounds of local search first"
                if objective == ObjectiveChoice.cost_of_delay:
                    money = ws.settings.currency
                    started_from += (
                        f" (cost of delay {short_money(checked.shown.cost_of_delay, money)} -> "
                        f"{short_money(checked.replanned.cost_of_delay, money)})"
                    )
    roadmap = plan_roadmap(ws, dataclasses.replace(options, warm_start=start))
    payload = roadmap_payload(roadmap)
    # Before the new plan replaces it: what moved since the stored one, and why.
    since = _moved_since(ws, stored, roadmap) if stored else None
    if save:  # first: a file that cannot be written must not lose the solve
        save_roadmap(store, key, roadmap, scenario, ws.settings.currency)
    if csv_file is not None:
        csv_file.write_text(roadmap_csv(roadmap), encoding="utf-8")
    if ics_file is not None:
        ics_file.write_text(roadmap_ics(ws, roadmap), encoding="utf-8", newline="")
    if as_json:
        extra = {}
        if since is not None:
            label, moved = since
            extra["since_stored"] = {
                "roadmap": label,
                "moved": [
                    {
                        "item": m.item,
                        "shift_days": m.shift_days,
                        "team_before": m.team_a,
                        "team_after": m.team_b,
                        "why": m.why,
                    }
                    for m in moved
                ],
            }
        print_json({"key": key, **payload, **extra, "started_from": started_from})
        return
    print_summary(roadmap, ws.settings.currency, ws=ws)
    console.print(
        f"Searched from {started_from}: the plan is never worse than that start.",
        highlight=False,
    )
    if since is not None:
        console.print(moved_since_sentence(*since, len(roadmap.items)), highlight=False)
    print_notes(roadmap.warnings)
    if any("no estimate; assumed" in w for w in roadmap.warnings):
        console.print(
            NOTE,
            "`roadwise items estimate --apply` sizes the items without an "
            "estimate from similar finished work.",
            highlight=False,
        )
    for key_, reason in roadmap.unscheduled:
        console.print(Text("not scheduled:", style="yellow"), f"{key_}: {reason}", highlight=False)
    print_lateness(roadmap)
    print_behind_targets(roadmap, held=hold_targets)
    if team_sprints:
        print_sprint_plans(roadmap, team_sprints)
    else:
        print_items(roadmap)
    for path in (csv_file, ics_file):
        if path is not None:
            console.print(f"Wrote {path}", highlight=False)
    if save:
        console.print(Text.assemble("Stored as plan ", (key, "bold"), "."), highlight=False)


# For the commands that re-plan around the roadmap of record (see replan_targets).
ReplanTargetsOption = typer.Option(
    False,
    "--hold-targets",
    help="Plan items to end by their release's date or soft deadline, as `plan roadmap "
    "--hold-targets` (default: where the stored roadmap held them).",
)


def replan_targets(
    store: Any, ws: Workspace, asked: bool
) -> tuple[RoadmapOfRecord | None, bool, str]:
    """The roadmap of record, whether a re-plan of ``ws`` holds targets, and the line that
    says so ("" where it does not). A re-plan holds them where ``--hold-targets`` asks or the
    roadmap of record held them: a what-if measured against plans that ignore the dates the
    plan of record promises would credit or blame the change for that difference."""
    from roadwise.views.stored_roadmap import targets_held_by
    from roadwise.workspace import roadmap_of_record

    record = roadmap_of_record(store, ws)
    held = asked or targets_held_by(record)
    if not held:
        return record, False, ""
    why = (
        f"as the {record.describe()} held them"
        if record is not None and not asked
        else "as --hold-targets asks"
    )
    return (
        record,
        True,
        f"Targets held, {why}: each item is planned to end by its release's date or soft "
        "deadline where the teams can.",
    )


def _left_out_note(ws: Workspace, keys: Sequence[str]) -> str:
    """How much work neither plan schedules, and which of it has a hard deadline (missed)."""
    hard = [
        key
        for key in keys
        if (d := ws.inherited(ws.item_by_key[key], "deadline")) is not None and d.hard
    ]
    note = f"Not scheduled: {len(keys)} item(s), in no total above (the reasons are below)"
    if hard:
        from roadwise.views._text import some_keys

        note += f"; {len(hard)} of them with a hard deadline, which they miss: {some_keys(hard)}"
    return note + "."


def _default_key(scenario: str | None) -> str:
    return f"roadmap-{scenario}" if scenario else "roadmap"


def _previous_commitments(store: Any, key: str) -> dict[str, Any] | None:
    """Start dates of the stored plan's items that have started by now: re-planning keeps
    them where they were unless moving them is worth more than the stability penalty."""
    from roadwise.engines.schedule.roadmap import Commitment
    from roadwise.errors import RoadwiseError

    try:
        plan = store.get_plan(key)
    except RoadwiseError:
        return None
    rows = [row for row in plan.payload.get("items", []) if row.get("level") == "leaf"]
    if not rows:
        return None
    # Committed: what the stored plan started in its first two sprints.
    first = min(int(row["sprint"]) for row in rows)
    out = {
        row["item"]: Commitment(dt.date.fromisoformat(row["start"]), row["team"])
        for row in rows
        if int(row["sprint"]) <= first + 1
    }
    return out or None


@app.command("capacity")
@handles_errors
def capacity_command(
    sprints: int = typer.Option(6, "--sprints", min=1, help="Sprints to show."),
    time_limit: float = typer.Option(
        10.0,
        "--time-limit",
        min=0.5,
        help="Solver seconds for the plan behind the demand (with --what-if, only where the "
        "full search still runs: a missed hard deadline, the scope cut).",
    ),
    scenario: str | None = typer.Option(None, "--scenario", help="Use a scenario's inputs."),
    what_if: bool = typer.Option(
        False,
        "--what-if",
        help="Also: value of one more engineer per team, what it takes "
        "to meet every hard deadline (several extra solves), and how likely they are met "
        "(Monte Carlo on the teams' history).",
    ),
    hold_targets: bool = ReplanTargetsOption,
    as_json: bool = JsonOption,
    db: str | None = DbOption,
) -> None:
    """Capacity against demand per team and sprint, over-allocated people, and what-ifs."""
    from roadwise.engines.capacity import sprint_capacity
    from roadwise.engines.schedule.needs import (
        capacity_vs_demand,
        over_allocated_in,
        tightest_skills,
        value_of_one_more_engineer,
        what_if_plan,
        what_it_takes,
    )
    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from roadwise.views.stored_roadmap import since_stored, stored_roadmap, targets_held_by

    store, base = _load(db)
    ws = _scenario_workspace(base, scenario)
    record, held, held_line = replan_targets(store, base, hold_targets)
    options = RoadmapOptions(time_limit=time_limit, baseline=False, targets=held)
    # The what-ifs re-plan by local search: their base plan is found that way too (seconds).
    # Otherwise the plan is the roadmap of record where it still fits, as in the web app and
    # the reports: the same "planned" column everywhere, and no solve; not where
    # --hold-targets asks for targets the roadmap of record did not hold.
    if what_if or scenario or held != targets_held_by(record):
        record = None
    stored = stored_roadmap(ws, record, options)
    roadmap = what_if_plan(ws, options) if what_if else stored or plan_roadmap(ws, options)
    rows = capacity_vs_demand(ws, roadmap, sprints=sprints)
    cal_rows = sprint_capacity(roadmap.calendar, ws.cycles)
    first = int(roadmap.calendar.sprint[0])
    cal_rows = [r for r in cal_rows if r.sprint < first + sprints]
    # Over-allocation in the sprints shown, like every other number here; later ones counted.
    over, later, _ = over_allocated_in(ws, roadmap, sprints)
    extra: dict[str, Any] = {}
    values: list[Any] = []
    if what_if:
        values = value_of_one_more_engineer(ws, roadmap, options, improved=True)
        takes = what_it_takes(ws, roadmap, options, improved=True)
        extra = {
            "one_more_engineer": [
                {
                    "team": v.team,
                    "saving": round(v.saving, 2),
                    "cost_of_delay_after": v.cost_of_delay_after,
                }
                for v in values
            ],
            "what_it_takes": dataclasses.asdict(takes),
        }
    if what_if:
        plan_source = "planned afresh for the what-ifs"
    elif stored is not None and record is not None:
        moved = since_stored(stored)
        plan_source = f"the {record.describe()}{f', {moved}' if moved else ''}"
    else:
        plan_source = f"planned afresh ({roadmap.summary.method}, {time_limit:g} s)"
    if as_json:
        print_json(
            {
                "plan": plan_source,
                "capacity": [dataclasses.asdict(r) for r in cal_rows],
                "demand": [dataclasses.asdict(r) | {"over": r.over} for r in rows],
                "over_allocated": [dataclasses.asdict(o) for o in over],
                "over_allocated_later": later,
                "targets_held": roadmap.summary.targets_held,
                **extra,
            }
        )
        return
    table = compact_table("Capacity against demand (productive person-days per sprint)")
    table.add_column("team", no_wrap=True)
    for name in ("sprint", "start", "capacity", "planned", "demand"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    for r in rows:
        if r.skill != "*":
            continue
        table.add_row(
            r.team,
            str(r.sprint),
            str(r.start),
            f"{r.capacity_days:.1f}",
            f"{r.planned_days:.1f}",
            f"{r.demand_days:.1f}",
            Text("demand over capacity", style="red") if r.over else "",
        )
    console.print(table)
    # a CP-SAT search stopped by its time limit on several workers ends elsewhere each run
    afresh = stored is None and not what_if
    console.print(
        "Demand: the work each sprint would hold if every team had unlimited people "
        f"(each item at its earliest start). Planned: {plan_source}"
        + (
            "; a fresh plan can differ from run to run: `roadwise plan roadmap` stores one "
            "that every view then shows."
            if afresh
            else "."
        ),
        highlight=False,
    )
    if held_line and stored is None:
        console.print(held_line, highlight=False)
    worst = tightest_skills(rows)
    if worst:
        tight = compact_table("Tightest skills (person-days)")
        for name in ("team", "skill"):
            tight.add_column(name, no_wrap=True)
        for name in ("sprint", "demand", "capacity"):
            tight.add_column(name, justify="right", no_wrap=True)
        for r in worst:
            tight.add_row(
                r.team, r.skill, str(r.sprint), f"{r.demand_days:.0f}", f"{r.capacity_days:.0f}"
            )
        console.print()
        console.print(tight)
    shown = f"sprint {first}" if sprints == 1 else f"sprints {first}-{first + sprints - 1}"
    beyond = f" ({later} more in later sprints; --sprints N shows more)" if later else ""
    console.print()
    if over:
        console.print(
            Text(
                f"{len(over)} over-allocated person-sprint{'s' if len(over) != 1 else ''}",
                style="yellow",
            ),
            f"in {shown}{beyond}{', for example' if len(over) > 5 else ''}:",
            highlight=False,
        )
        people = compact_table(None)
        people.add_column("person", no_wrap=True)
        for name in ("sprint", "assigned days", "capacity days"):
            people.add_column(name, justify="right", no_wrap=True)
        for o in over[:5]:
            people.add_row(
                o.person, str(o.sprint), f"{o.assigned_days:.1f}", f"{o.capacity_days:.1f}"
            )
        console.print(people)
    else:
        console.print(f"Nobody is over-allocated in {shown}{beyond}.", highlight=False)
    if extra:
        console.print()
        console.print(
            one_more_engineer_sentence(values, ws.settings.currency, ramp_up_days=30),
            highlight=False,
        )
        console.print(what_it_takes_sentence(takes), highlight=False)
        if takes.confidence is not None:
            console.print(
                deadline_confidence_sentence(takes.confidence, ws.settings.currency),
                highlight=False,
            )


def one_more_engineer_sentence(
    values: Sequence[EngineerValue], currency: str, ramp_up_days: int
) -> str:
    """What one more engineer per team saves: the plan's cost of delay in money."""
    from roadwise.views.reports.wording import say_money

    if not values:
        return "One more engineer: no team to add one to."
    parts = [
        f"{v.team} {say_money(v.saving, currency)}" if v.saving >= 0.5 else f"{v.team} nothing"
        for v in values
    ]
    return (
        f"One more engineer (joining now, {ramp_up_days}-day ramp-up) cuts the plan's cost of "
        f"delay by: {', '.join(parts)}."
    )


def what_it_takes_sentence(takes: WhatItTakes) -> str:
    """One plain sentence for a :class:`~roadwise.engines.schedule.needs.WhatItTakes`."""
    if takes.late_before == 0:
        return "What it takes: nothing, every hard deadline is already met."
    late = f"{takes.late_before} item{'s' if takes.late_before != 1 else ''} late"
    text = f"What it takes to meet every hard deadline ({late}, {takes.late_days_before} days):"
    if takes.hires:
        first = takes.hires[0]
        who = ", ".join(f"{h.people} on {h.team}" for h in takes.hires)
        text += f" hire {who} (joining {first.joins.isoformat()}, {first.ramp_up_days}-day ramp-up)"
        if takes.late_after_hires:
            text += f", which still leaves {takes.late_after_hires} late"
    else:
        text += " no hire helps"
    if takes.note:
        text += f" ({takes.note})"
    cut = len(takes.cut_items)
    text += (
        f"; or cut {cut} item{'s' if cut != 1 else ''} ({takes.cut_effort_days:g} person-days"
        + (f": {', '.join(takes.cut_items[:8])}" if cut else "")
        + ("" if cut <= 8 else f" and {cut - 8} more")
        + ")"
    )
    if not takes.cut_meets_deadlines:
        text += ", which still leaves some late"
    return text + "."


def deadline_confidence_sentence(
    confidence: DeadlineConfidence | None, currency: str = "USD"
) -> str:
    """How likely every hard deadline is met, as planned and with each change, in words."""
    from roadwise.views.reports.wording import chance_below as below
    from roadwise.views.reports.wording import chance_percent as pct
    from roadwise.views.reports.wording import say_money

    if confidence is None:
        return ""
    key, due, chance = confidence.least_likely
    weakest = f" (least likely: {key} by {due.isoformat()}, {pct(chance)})" if chance < 1 else ""
    goal = confidence.target
    chances = [f"{below(confidence.as_planned, goal)} as planned{weakest}"]
    if confidence.with_hires is not None:
        chances.append(f"{below(confidence.with_hires, goal)} with the hires")
    if confidence.with_cut is not None:
        chances.append(f"{below(confidence.with_cut, goal)} with the cut")
    text = (
        "Chance every hard deadline is met, this what-if plan (not the stored roadmap, whose "
        "chance `roadwise forecast roadmap` gives) replayed "
        f"{confidence.trials:,} times at each team's calibrated pace: " + ", ".join(chances) + "."
    )
    target = pct(confidence.target)
    short = confidence.short_because
    if confidence.with_more_hires is not None:
        who = " and ".join(f"{h.people} on {h.team}" for h in confidence.more_hires)
        also = " more" if confidence.with_hires is not None else ""
        reached = below(confidence.with_more_hires, confidence.target)
        if short:
            text += f" Hires help up to {reached}: {who}{also}; short of {target}, as {short}."
        else:
            text += f" To be {target} sure: hire {who}{also} ({reached})."
    elif short:
        text += f" Short of {target}, as {short}."
    first = confidence.deadline_first
    if (
        first is not None
        and pct(first) != pct(confidence.as_planned)
        and first > confidence.as_planned
    ):
        cost = confidence.deadline_first_cost
        priced = (
            f", {say_money(cost, currency)} more cost of delay"
            if cost >= 0.5
            else f", {say_money(-cost, currency)} less cost of delay"
            if cost <= -0.5
            else ""
        )
        text += (
            " With no hire, each team starting its hard-deadline work first (the rest in the "
            f"plan's order, so later{priced}): {below(first, goal)}."
        )
    if confidence.not_replayed:
        text += (
            " Not counted, as the replay cannot date them (no team with delivery history holds "
            f"their work): {', '.join(confidence.not_replayed)}."
        )
    return text


scenario_app = typer.Typer(help="What-if scenarios: named copies of the inputs with changes.")
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("list")
@handles_errors
def scenario_list(as_json: bool = JsonOption, db: str | None = DbOption) -> None:
    """List the workspace's scenarios."""
    _, ws = _load(db)
    if as_json:
        print_json([s.model_dump(mode="json") for s in ws.scenarios])
        return
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("key", "name", "changes", "description"):
        table.add_column(name)
    for s in ws.scenarios:
        table.add_row(s.key, s.name, str(len(s.changes)), s.description)
    console.print(table)


@scenario_app.command("add")
@handles_errors
def scenario_add(
    key: str = typer.Argument(..., help="Scenario key."),
    name: str = typer.Option("", "--name", help="Scenario name (default: the key)."),
    description: str = typer.Option(
        "", "--description", help="One line on what the scenario tries."
    ),
    set_: list[str] = typer.Option(
        [],
        "--set",
        metavar="ENTITY:KEY.FIELD=VALUE",
        help="Change a field, e.g. item:KW-12.estimate.likely=8 or "
        "item:KW-3.deadline.date=2027-03-01 (VALUE is read as YAML).",
    ),
    remove: list[str] = typer.Option(
        [], "--remove", metavar="ENTITY:KEY", help="Drop an item (descope) or a person."
    ),
    hire: list[str] = typer.Option(
        [],
        "--hire",
        metavar="TEAM[@DATE]",
        help="Add a person to TEAM (with the team's skills), joining on DATE, 30-day ramp-up.",
    ),
    db: str | None = DbOption,
) -> None:
    """Add (or replace) a scenario."""
    from roadwise.views.scenario_changes import build_scenario, store_scenario

    store, ws = _load(db)
    scenario = build_scenario(
        ws, key, name=name, description=description, sets=set_, removes=remove, hires=hire
    )
    store_scenario(store, scenario)
    console.print(
        Text.assemble(
            "Scenario ", (key, "bold"), f" stored with {len(scenario.changes)} change(s)."
        )
    )


COMPARE_ROUNDS_DEFAULT = 100
"""The engine's ``COMPARE_ROUNDS``, said in the help without loading the engines (a test keeps
the two equal)."""


@scenario_app.command("compare")
@handles_errors
def scenario_compare(
    a: str = typer.Argument(..., help="First scenario key, or 'base' for the workspace as is."),
    b: str = typer.Argument(..., help="Second scenario key (or 'base')."),
    rounds: int = typer.Option(
        COMPARE_ROUNDS_DEFAULT,
        "--rounds",
        min=1,
        help="Search rounds for each plan (deterministic: the same answer every run and on "
        "any machine).",
    ),
    time_limit: float = typer.Option(
        15.0,
        "--time-limit",
        min=0.5,
        help="Solver seconds for a plan with no valid start to search from (at least one a "
        "round: the rounds' safety cap).",
    ),
    limit: int = typer.Option(30, "--limit", min=1, help="Rows to show."),
    hold_targets: bool = ReplanTargetsOption,
    as_json: bool = JsonOption,
    db: str | None = DbOption,
) -> None:
    """Plan two scenarios and show, side by side, what moved, by how much and why.

    Both are planned by the same deterministic search (as a sweep's points), so neither gets
    more search than the other: a scenario compared with itself shows no difference.
    """
    from roadwise.engines.scenario import compare_scenarios
    from roadwise.views.reports.wording import say_money

    store, ws = _load(db)
    ws_a = _scenario_workspace(ws, None if a == "base" else a)
    ws_b = _scenario_workspace(ws, None if b == "base" else b)
    _, held, held_line = replan_targets(store, ws, hold_targets)
    cmp, _, plan_b = compare_scenarios(
        ws_a,
        ws_b,
        a,
        b,
        rounds=rounds,
        time_limit=time_limit,
        seed=ws.settings.seed,
        targets=held,
    )
    if as_json:
        print_json(
            {
                **dataclasses.asdict(cmp),
                "rounds": rounds,
                "targets_held": plan_b.summary.targets_held,
            }
        )
        return
    plans = compact_table(None)
    plans.add_column("plan", no_wrap=True)
    for name in ("cost of delay", "finish", "late"):
        plans.add_column(name, justify="right", no_wrap=True)
    money = ws.settings.currency
    plans.add_row(a, say_money(cmp.cost_of_delay_a, money), str(cmp.finish_a), str(cmp.late_a))
    plans.add_row(b, say_money(cmp.cost_of_delay_b, money), str(cmp.finish_b), str(cmp.late_b))
    console.print(plans)
    if held_line:
        console.print(held_line, highlight=False)
    saved = cmp.cost_of_delay_a - cmp.cost_of_delay_b
    if saved > 0:
        console.print(f"{b} saves {say_money(saved, money)} of cost of delay.", highlight=False)
    elif saved < 0:
        console.print(f"{b} costs {say_money(-saved, money)} more cost of delay.", highlight=False)
    if cmp.without_money:
        console.print(_without_money_note(cmp.without_money), highlight=False)
    searched = list(
        dict.fromkeys(n for n, how in ((a, cmp.method_a), (b, cmp.method_b)) if how != "cp-sat-lns")
    )
    if searched:
        console.print(
            NOTE,
            f"{' and '.join(searched)} had no valid start to search from and got the full "
            "search instead, bounded by --time-limit or a second a round, whichever is longer: "
            f"{'its' if len(searched) == 1 else 'their'} "
            "numbers depend on the machine's speed.",
            highlight=False,
        )
    if not cmp.moved:
        console.print()
        console.print(
            "Nothing moved: every item ends on the same day, on the same team, in both plans.",
            highlight=False,
        )
        return
    shown = cmp.moved[:limit]
    teams = {m.item: _team_move(m) for m in shown}
    # item, both ends, the shift and the team with the gaps between them; "why" gets the rest.
    fixed = (
        max((len(m.item) for m in shown), default=4)
        + max(10, len(f"end ({a})"))
        + max(10, len(f"end ({b})"))
        + 6
        + max((len(t) for t in teams.values()), default=4)
        + 5 * 2
    )
    inline = all(len(m.why) <= console.width - fixed for m in shown)
    # Where a reason would wrap, the rows name it by number and the reasons go under the table.
    reasons = list(dict.fromkeys(m.why for m in shown))
    table = compact_table(f"What moved ({len(cmp.moved)} items)")
    table.add_column("item", no_wrap=True)
    for name in (f"end ({a})", f"end ({b})"):
        table.add_column(name, no_wrap=True)
    table.add_column("moved", justify="right", no_wrap=True)
    table.add_column("team", no_wrap=True)
    table.add_column("why", justify="left" if inline else "right", no_wrap=inline)
    for m in shown:
        table.add_row(
            m.item,
            str(m.end_a or "-"),
            str(m.end_b or "-"),
            "" if m.shift_days is None else f"{m.shift_days:+d} d",
            teams[m.item],
            m.why if inline else str(reasons.index(m.why) + 1),
        )
    console.print()
    console.print(table)
    if not inline and shown:
        legend = Table.grid(padding=(0, 2))
        legend.title = "Why:"
        legend.title_justify = "left"
        legend.add_column(justify="right", no_wrap=True)
        legend.add_column()
        for number, reason in enumerate(reasons, start=1):
            legend.add_row(str(number), reason)
        console.print(legend)


def _without_money_note(keys: Sequence[str], shown: int = 10) -> str:
    """Which items the money totals leave out (valued in relative WSJF units only)."""
    n = len(keys)
    named = ", ".join(keys[:shown]) + (f" and {n - shown} more" if n > shown else "")
    return (
        f"Cost of delay in money only: {n} item{'' if n == 1 else 's'} with no cost of delay "
        f"in money (a relative WSJF value only) {'is' if n == 1 else 'are'} left out of "
        f"these totals: {named}."
    )


def _team_move(m: Any) -> str:
    if m.team_a and m.team_b and m.team_a != m.team_b:
        return f"{m.team_a} -> {m.team_b}"
    return str(m.team_b or m.team_a or "")
