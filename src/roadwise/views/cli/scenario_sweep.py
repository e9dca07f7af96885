"""``roadwise scenario sweep``: the roadmap for every combination of hires, estimate error and
scenarios, here or on a Dask cluster."""

from __future__ import annotations

import contextlib
import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from roadwise.errors import RoadwiseError
from roadwise.views._text import spreadsheet_cell
from roadwise.views.cli._common import (
    NOTE,
    ClusterOption,
    DbOption,
    JsonOption,
    WorkersOption,
    compact_table,
    console,
    date_option,
    handles_errors,
    output_file,
    print_json,
)
from roadwise.views.cli.roadmap import (
    ReplanTargetsOption,
    _load,
    replan_targets,
    scenario_app,
)
from roadwise.views.reports.wording import short_money

if TYPE_CHECKING:  # the engines load on use: `roadwise --help` stays quick
    from roadwise.engines.sweep import SweepOutcome
    from roadwise.views.scenario_sweep import SweepRun

SWEEP_ROUNDS_DEFAULT = 100
"""The engine's ``SWEEP_ROUNDS``, said in the help without loading the engines (a test keeps
the two equal)."""

CSV_COLUMNS = (
    "scenario",
    "estimate_factor",
    "hires",
    "people_added",
    "late",
    "late_days",
    "finish",
    "cost_of_delay",
    "saved",
    "method",
)


@scenario_app.command("sweep")
@handles_errors
def sweep(
    hire: list[str] = typer.Option(
        [],
        "--hire",
        metavar="TEAM=N,N,…",
        help="People to add to TEAM, one plan per count, e.g. payments=0,1,2 (repeat for "
        "more teams: every combination is planned).",
    ),
    estimates: str = typer.Option(
        "1",
        "--estimates",
        metavar="F,F,…",
        help="Factors on every open item's estimate, e.g. 1,1.25,1.5 (1.25: all work takes a "
        "quarter longer than estimated).",
    ),
    scenarios: str = typer.Option(
        "base",
        "--scenarios",
        metavar="KEY,KEY,…",
        help="Stored scenarios to start from; 'base' is the workspace as it is.",
    ),
    joins: str = typer.Option(
        None, "--joins", metavar="DATE", help="When hires join (default: the plan's first day)."
    ),
    ramp_up: int = typer.Option(
        30, "--ramp-up", min=0, help="Days a hire takes to reach full speed (linear)."
    ),
    rounds: int = typer.Option(
        SWEEP_ROUNDS_DEFAULT,
        "--rounds",
        min=1,
        help="Search rounds per plan (deterministic: the same numbers on any machine).",
    ),
    time_limit: float = typer.Option(
        20.0,
        "--time-limit",
        min=0.5,
        help="Solver seconds for a plan with no valid start to search from (at least one a "
        "round: the rounds' safety cap).",
    ),
    hold_targets: bool = ReplanTargetsOption,
    workers: int = WorkersOption,
    cluster: str = ClusterOption,
    csv_file: Path = typer.Option(None, "--csv", help="Also write every point as CSV."),
    as_json: bool = JsonOption,
    db: str | None = DbOption,
) -> None:
    """Plan the roadmap for every combination of hires, estimate factors and scenarios:
    what each costs in delay, which deadlines it misses, and the fewest people that meet
    every hard deadline, also when the estimates are optimistic.

    Each point is planned with the same deterministic search (as `capacity --what-if`), so
    the points compare; they run in this process, on a local Dask cluster (--workers) or on a
    running one (--cluster), with the same numbers.
    """
    from roadwise.engines.sweep import SweepSettings, check_points, sweep_points, waves
    from roadwise.views._dask import cluster_for
    from roadwise.views.scenario_sweep import run_sweep

    points = sweep_points(
        scenarios=[None if s == "base" else s for s in _words(scenarios, "--scenarios")],
        estimate_factors=[_number(f, "--estimates") for f in _words(estimates, "--estimates")],
        hires=_hire_axes(hire),
    )
    if csv_file is not None and csv_file.is_dir():
        raise RoadwiseError(f"{csv_file} is a folder: give the CSV file to write", field="--csv")
    output_file(csv_file, "--csv")
    store, ws = _load(db)
    check_points(ws, points)
    _, held, held_line = replan_targets(store, ws, hold_targets)
    settings = SweepSettings(
        joins=date_option(joins, "--joins"),
        ramp_up_days=ramp_up,
        rounds=rounds,
        seed=ws.settings.seed,
        time_limit=time_limit,
        targets=held,
    )
    starting = cluster or workers > 1
    with console.status("Starting the Dask workers…") if starting else contextlib.nullcontext():
        on = cluster_for(workers, cluster)
    try:
        with Progress(
            TextColumn("Planning"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json or not console.is_terminal,
        ) as progress:
            task = progress.add_task("plans", total=sum(len(w) for w in waves(points)))
            run = run_sweep(ws, points, settings, on, lambda n: progress.update(task, completed=n))
    finally:
        if on is not None:
            on.close()
    if csv_file is not None:
        csv_file.write_text(_csv(run), encoding="utf-8", newline="")
    if as_json:
        from roadwise.engines.sweep import fewest_people

        print_json(
            {
                "points": [_record(run, o) for o in run.outcomes],
                "fewest_people": [
                    {
                        "scenario": scenario or "base",
                        "estimate_factor": factor,
                        "meets_every_hard_deadline": best is not None,
                        "hires": dict(best.point.hires) if best else None,
                        "people_added": best.point.people_added if best else None,
                    }
                    for (scenario, factor), best in fewest_people(run.outcomes).items()
                ],
                "where": run.where,
                "workers": run.workers,
                "targets_held": held,
            }
        )
        return
    _print(run, ws.settings.currency, held_line)


def _print(run: SweepRun, currency: str, held_line: str = "") -> None:
    from roadwise.engines.sweep import closest, fewest_people

    table = compact_table(f"Sweep: {len(run.outcomes)} plans on {run.where}")
    # An axis with one value is said in the title's place, not repeated on every row.
    scenarios = len({o.point.scenario for o in run.outcomes}) > 1
    factors = len({o.point.estimate_factor for o in run.outcomes}) > 1
    if scenarios:
        table.add_column("scenario", no_wrap=True)
    if factors:
        table.add_column("estimates", no_wrap=True)
    table.add_column("hires")
    for name in ("late", "finish", "cost of delay", "hires save"):
        table.add_column(name, justify="right", no_wrap=True)
    for o in run.outcomes:
        p = o.point
        table.add_row(
            *([p.scenario or "base"] if scenarios else []),
            *([f"×{p.estimate_factor:g}"] if factors else []),
            p.hires_label or "-",
            f"{o.late} ({o.late_days} d)" if o.late else "-",
            str(o.finish or "-"),
            short_money(o.cost_of_delay, currency),
            short_money(run.saved(o), currency) if p.people_added else "",
        )
    console.print(table)
    if held_line:
        console.print(held_line, highlight=False)
    for (scenario, factor), best in fewest_people(run.outcomes).items():
        where = f"{scenario or 'base'}, estimates ×{factor:g}"
        if best is None:
            near = closest(run.outcomes, scenario, factor)
            text = Text.assemble(
                (where, "bold"),
                f": no plan of this sweep meets every hard deadline; closest: "
                f"{near.point.label} ({near.late} late, {near.late_days} days in all).",
            )
        elif best.point.people_added == 0:
            text = Text.assemble((where, "bold"), ": every hard deadline met with no one added.")
        else:
            text = Text.assemble(
                (where, "bold"),
                f": every hard deadline met with {best.point.people_added} more "
                f"({best.point.hires_label}), cost of delay "
                f"{short_money(best.cost_of_delay, currency)}.",
            )
        console.print(text, highlight=False)
    searched = sum(1 for o in run.outcomes if o.method != "cp-sat-lns")
    if searched:
        console.print(
            NOTE,
            f"{searched} plan(s) had no valid start and got the full search instead, bounded "
            "by --time-limit: their numbers depend on the machine's speed.",
            highlight=False,
        )


def _record(run: SweepRun, o: SweepOutcome) -> dict[str, object]:
    return {
        "scenario": o.point.scenario or "base",
        "estimate_factor": o.point.estimate_factor,
        "hires": dict(o.point.hires),
        "people_added": o.point.people_added,
        "late": o.late,
        "late_days": o.late_days,
        "finish": o.finish.isoformat() if o.finish else None,
        "cost_of_delay": round(o.cost_of_delay, 2),
        "saved": round(run.saved(o), 2),
        "method": o.method,
    }


def _csv(run: SweepRun) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for o in run.outcomes:
        r = _record(run, o)
        hires = " ".join(f"{t}+{n}" for t, n in o.point.hires if n)
        writer.writerow(
            [
                spreadsheet_cell(str(r["scenario"])),
                f"{o.point.estimate_factor:g}",
                spreadsheet_cell(hires),
                *(r[c] if r[c] is not None else "" for c in CSV_COLUMNS[3:]),
            ]
        )
    return out.getvalue()


def _words(text: str, option: str) -> list[str]:
    words = [w.strip() for w in text.split(",") if w.strip()]
    if not words:
        raise RoadwiseError("give at least one value, separated by commas", field=option)
    return words


def _number(text: str, option: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RoadwiseError(f"'{text}' is not a number", field=option) from None


def _hire_axes(texts: list[str]) -> dict[str, list[int]]:
    axes: dict[str, list[int]] = {}
    for text in texts:
        team, counts = _hire_axis(text)
        if team in axes:
            raise RoadwiseError(
                f"team {team} is given twice; list its counts once ({team}=0,1,2)", field="--hire"
            )
        axes[team] = counts
    return axes


def _hire_axis(text: str) -> tuple[str, list[int]]:
    team, sep, counts = text.partition("=")
    if not sep or not team.strip():
        raise RoadwiseError(f"'{text}' is not TEAM=N,N,… (e.g. payments=0,1,2)", field="--hire")
    numbers = []
    for word in _words(counts, "--hire"):
        if not word.isdecimal():
            raise RoadwiseError(
                f"'{word}' in '{text}' is not a whole number of people", field="--hire"
            )
        numbers.append(int(word))
    return team.strip(), numbers
