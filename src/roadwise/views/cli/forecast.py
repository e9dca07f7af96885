"""``roadwise forecast …``: delivery dates with their measured calibration.

roadwise forecast when --items 30 --team platform
roadwise forecast howmany --date 2026-09-30 --team platform
roadwise forecast roadmap
roadwise forecast backtest --items 30 --team platform
roadwise forecast history
roadwise forecast when --items 30 --history-csv MDL.csv --mapping tawos
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import typer
from rich.table import Table

from roadwise.domain.model import HistoryRecord
from roadwise.engines.forecast.objectives import TRIALS
from roadwise.engines.forecast.throughput import BACKTEST_TRIALS
from roadwise.errors import RoadwiseError
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    NOTE,
    DbOption,
    JsonOption,
    console,
    db_url,
    err_console,
    handles_errors,
    print_json,
)

if TYPE_CHECKING:
    from roadwise.engines.forecast.throughput import MeasuredCalibration
    from roadwise.views.reports.facts import QueueWork

forecast_app = typer.Typer(
    help="Monte Carlo forecasts from the team's own history, with their measured calibration.",
    no_args_is_help=True,
)
app.add_typer(forecast_app, name="forecast")

TeamOption = typer.Option(None, "--team", "-t", help="Team key (default: the whole product).")
AsOfOption = typer.Option(
    None,
    "--as-of",
    help="Forecast from this day (default: workspace date or the day after the "
    "last finish in the CSV).",
)
TrialsOption = typer.Option(10_000, "--trials", min=100, help="Monte Carlo trials.")
WindowOption = typer.Option(
    None,
    "--window",
    help="Sampling window in weeks, or 'auto' to pick one by backtest (default: mixed "
    "12/26/52/156 weeks).",
)
CsvOption = typer.Option(
    None,
    "--history-csv",
    help="Read delivery history from an issue-tracker CSV export instead of the workspace.",
    exists=False,
)
MappingOption = typer.Option(
    "tawos",
    "--mapping",
    help="CSV columns: a preset (tawos, jira) or field=Column pairs, e.g. "
    "'created=Created,resolved=Resolved,size=Story Points'.",
)
SeedOption = typer.Option(
    None,
    "--seed",
    help="Random seed (default: the workspace's, as every view uses; 0 with --history-csv).",
)
ChartOption = typer.Option(None, "--chart", help="Also write a chart (.svg, .png or .html).")


class Loaded:
    def __init__(self, records: list[HistoryRecord], as_of: dt.date, ws: Any, source: str):
        self.records = records
        self.as_of = as_of
        self.ws = ws
        self.source = source

    def team(self, team: str | None) -> list[HistoryRecord]:
        if team is None:
            return self.records
        picked = [r for r in self.records if r.team == team]
        if not picked:
            teams = sorted({r.team for r in self.records if r.team})
            raise RoadwiseError(
                f"no delivery history for team '{team}' (teams: {', '.join(teams) or 'none'})",
                field="--team",
            )
        return picked

    def seed(self, given: int | None) -> int:
        """The seed asked for, else the workspace's (the web app and reports use it too)."""
        if given is not None:
            return given
        return int(self.ws.settings.seed) if self.ws is not None else 0

    def calendar(self, team: str | None) -> Any:
        """The team's working days, as every other view reads them (none without a
        workspace, or for all teams together)."""
        from roadwise.engines.forecast.objectives import work_calendar

        if self.ws is None or team is None or team not in self.ws.team_by_key:
            return None
        return work_calendar(self.ws, team)


def _load(
    db: str | None,
    csv_file: Path | None,
    mapping: str,
    as_of: dt.datetime | None,
    need_ws: bool = False,
) -> Loaded:
    if csv_file is not None:
        from roadwise.sources.history_csv import read_history_csv
        from roadwise.sources.tracker_mapping import clean_key

        # A file name is not always a team key: browsers save a second download "Jira (1).csv".
        team = clean_key(csv_file.stem)[:100]
        result = read_history_csv(csv_file, mapping, team=team)
        if not result.records:
            raise RoadwiseError("no resolved rows in the file", file=str(csv_file))
        if team != csv_file.stem and any(r.team == team for r in result.records):
            # stderr: --json output stays one JSON document
            err_console.print(
                NOTE,
                f"team '{team}' for the rows without one: the file's name '{csv_file.stem}' "
                "is not a team key as it is (at most 100 characters, no spaces, commas or "
                "semicolons)",
                highlight=False,
            )
        last = max(r.done for r in result.records).date() + dt.timedelta(days=1)
        return Loaded(
            result.records,
            as_of.date() if as_of else last,
            None,
            f"{csv_file.name} ({len(result.records)} resolved rows)",
        )
    from roadwise.workspace import open_store

    ws = open_store(db_url(db), create=False).load()
    if not ws.history and not need_ws:
        raise RoadwiseError(
            "the workspace has no delivery history; import some or use --history-csv",
            field="history",
        )
    return Loaded(
        list(ws.history),
        as_of.date() if as_of else ws.as_of,
        ws,
        f"workspace '{ws.name}' ({len(ws.history)} delivered items)",
    )


def _scope_items(loaded: Loaded, key: str) -> list[Any]:
    """Open leaf items under an epic/feature (at any depth) or planned for a release."""
    ws = loaded.ws
    parents = {i.parent for i in ws.items if i.parent}
    if key in ws.release_by_key:
        chosen = [i for i in ws.items if i.release == key]
    elif key in ws.item_by_key:
        below: set[str] = {key}
        grew = True
        while grew:
            more = {i.key for i in ws.items if i.parent in below} - below
            below |= more
            grew = bool(more)
        chosen = [i for i in ws.items if i.key in below]
    else:
        raise RoadwiseError(f"no item or release with key '{key}'", field="--scope")
    leaves = [i for i in chosen if i.is_open and i.key not in parents]
    if not leaves:
        raise RoadwiseError(f"'{key}' has no open items left", field="--scope")
    return leaves


def _window(text: str | None) -> int | None:
    if text is None:
        return None
    if text.strip().lower() == "auto":
        return 0
    try:
        value = int(text)
    except ValueError:
        raise RoadwiseError(
            f"--window must be a number of weeks or 'auto', got '{text}'", field="--window"
        ) from None
    if value < 1:
        raise RoadwiseError("--window must be at least 1 week", field="--window")
    return value


def _fmt(day: dt.date | None) -> str:
    return day.isoformat() if day else "not within 10 years"


def _queue_measured(
    work: QueueWork, cal: MeasuredCalibration, bias: float | None, typical: float
) -> str:
    """'27 open items, 350 points as estimated, 398 as its estimates turn out (× 1.14)': the
    queue a team's calibration measured (× the team's estimate bias, when it has one)."""
    said = f"{work.items} open item{'s' if work.items != 1 else ''}"
    if cal.unit == "items":
        return said
    said += f", {work.estimated:.0f} {cal.unit} as estimated"
    if work.not_estimated:
        # Counted as 1 in the remaining work every view states (the engine's open work), but
        # replayed at the team's typical size: both said, so the amounts below add up.
        said += (
            f" ({work.not_estimated} without an estimate: 1 each here, {typical:g} in the "
            "forecast, the team's typical item)"
        )
    if bias is not None and round(cal.target) != round(work.estimated):
        said += f", {cal.target:.0f} as its estimates turn out (× {bias:.2f})"
    return said


def _calibration_json(cal: Any) -> dict[str, Any] | None:
    if cal is None:
        return None
    return {
        "cutoffs": cal.cutoffs,
        "target": cal.target,
        "unit": cal.unit,
        "hit_rate": {str(k): v for k, v in cal.hit.items()},
        "uncalibrated_hit_rate": {str(k): v for k, v in cal.uncalibrated_hit.items()},
        "pinball_days": cal.pinball_days,
        "naive_pinball_days": cal.naive_pinball_days,
        "errors_known": cal.errors_known,
    }


def _save(chart: Any, path: Path | None) -> None:
    if path is None:
        return
    from roadwise.views.charts import save

    save(chart, path)
    console.print(f"chart written to {path}")


@forecast_app.command()
@handles_errors
def when(
    items: float | None = typer.Option(None, "--items", "-n", help="How many items to finish."),
    points: float | None = typer.Option(None, "--points", "-p", help="Or how many points."),
    team: str | None = TeamOption,
    as_of: dt.datetime | None = AsOfOption,
    trials: int = TrialsOption,
    window: str | None = WindowOption,
    growth: bool = typer.Option(
        False, "--growth/--no-growth", help="Let new work (bugs, splits) arrive at the past rate."
    ),
    growth_rate: float | None = typer.Option(
        None, "--growth-rate", help="New items per week (default: learned)."
    ),
    calibrate: bool = typer.Option(
        True,
        "--calibrate/--no-calibrate",
        help="Widen by the method's own past errors on this team.",
    ),
    scope: str | None = typer.Option(
        None,
        "--scope",
        help="Forecast the open items under this epic or feature, or in this release (by key).",
    ),
    estimates: bool = typer.Option(
        False,
        "--estimates",
        help="With --scope: use the items' range estimates and the team's estimate bias.",
    ),
    seed: int | None = SeedOption,
    history_csv: Path | None = CsvOption,
    mapping: str = MappingOption,
    chart: Path | None = ChartOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """When will N items (or P points, or a scope) be done? Dates with measured hit rates."""
    from roadwise.engines.forecast import ForecastOptions, forecast_estimated_when, forecast_when

    given = sum(x is not None for x in (items, points, scope))
    if given != 1:
        raise RoadwiseError(
            "give exactly one of --items N, --points P or --scope KEY", field="--items"
        )
    if estimates and scope is None:
        raise RoadwiseError("--estimates needs --scope KEY", field="--estimates")
    loaded = _load(db, history_csv, mapping, as_of, need_ws=scope is not None)
    scope_items = _scope_items(loaded, scope) if scope is not None else []
    if scope is not None and team is None:
        teams = {i.team for i in scope_items if i.team}
        team = teams.pop() if len(teams) == 1 else None
    target = float(
        items if items is not None else points if points is not None else len(scope_items)
    )
    if not math.isfinite(target) or target <= 0:
        raise RoadwiseError("the amount of work must be a positive number", field="--items")
    options = ForecastOptions(
        trials=trials,
        window=_window(window),
        unit="points" if points is not None else "items",
        scope_growth=growth,
        growth_per_week=growth_rate,
        calibrate=calibrate,
        seed=loaded.seed(seed),
    )
    bias_note = ""
    if estimates:
        try:
            f, bias = forecast_estimated_when(
                scope_items,
                loaded.team(team),
                loaded.as_of,
                options,
                team,
                loaded.calendar(team),
            )
        except ValueError as exc:
            raise RoadwiseError(str(exc), field="--scope") from None
        bias_note = (
            f"Estimate bias learned from {bias.count} finished items: actual = "
            f"{bias.typical:.2f} × estimate."
            if bias.count > 1
            else "Too few finished items with estimates to learn a bias: none applied."
        )
    else:
        f = forecast_when(
            loaded.team(team), target, loaded.as_of, options, team, loaded.calendar(team)
        )
    if as_json:
        print_json(
            {
                "team": team,
                "as_of": f.as_of,
                "target": f.target,
                "unit": f.unit,
                "dates": {str(k): v for k, v in f.dates.items()},
                "uncalibrated_dates": {str(k): v for k, v in f.uncalibrated_dates.items()},
                "distribution_days": [round(float(d), 2) for d in f.distribution_days],
                "never_share": f.never_share,
                "window": f.window,
                "weekly_rate": f.weekly_rate,
                "calibration": _calibration_json(f.calibration),
                "scope": scope,
                "estimate_bias": bias_note or None,
            }
        )
    else:
        unit = f.unit
        what = f"{f.target:.0f} {unit}"
        if scope is not None:
            what = f"{scope} ({len(scope_items)} open items"
            what += f", about {f.target:.0f} points)" if estimates else ")"
        console.print(
            f"When will {what} be done? ({team or 'all teams'}, from {f.as_of}, {loaded.source})"
        )
        table = Table("confidence", "date", "uncalibrated", "met in the past")
        for p, day in f.dates.items():
            met = f.calibration.hit.get(p) if f.calibration else None
            table.add_row(
                f"{p}%",
                _fmt(day),
                _fmt(f.uncalibrated_dates[p]),
                "-" if met is None or np.isnan(met) else f"{met:.0%}",
            )
        console.print(table)
        if f.calibration:
            c = f.calibration
            console.print(
                f"Backtest on this history: {c.describe()}; pinball loss "
                f"{c.pinball_days:.1f} d vs {c.naive_pinball_days:.1f} d for an "
                "average-velocity straight line."
            )
        if bias_note:
            console.print(bias_note)
        console.print(
            f"Sampling: {f.window}, blocks of 4 weeks; recent rate {f.weekly_rate:.1f} {unit}/week."
        )
    if chart:
        from roadwise.views.charts.forecast import forecast_histogram

        _save(forecast_histogram(f), chart)


@forecast_app.command()
@handles_errors
def howmany(
    date: dt.datetime = typer.Option(..., "--date", "-d", help="Count what is done by this day."),
    team: str | None = TeamOption,
    points: bool = typer.Option(False, "--points", help="Count points instead of items."),
    as_of: dt.datetime | None = AsOfOption,
    trials: int = TrialsOption,
    window: str | None = WindowOption,
    calibrate: bool = typer.Option(
        True,
        "--calibrate/--no-calibrate",
        help="Widen by the method's own past errors on this team.",
    ),
    seed: int | None = SeedOption,
    history_csv: Path | None = CsvOption,
    mapping: str = MappingOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """How many items (or points) will be done by a date? At least X with each confidence."""
    from roadwise.engines.forecast import ForecastOptions, forecast_how_many

    loaded = _load(db, history_csv, mapping, as_of)
    if date.date() <= loaded.as_of:
        raise RoadwiseError(f"--date must be after {loaded.as_of}", field="--date")
    w = _window(window)
    options = ForecastOptions(
        trials=trials,
        window=None if w == 0 else w,
        unit="points" if points else "items",
        calibrate=calibrate,
        seed=loaded.seed(seed),
    )
    f = forecast_how_many(
        loaded.team(team), date.date(), loaded.as_of, options, team, loaded.calendar(team)
    )
    if as_json:
        print_json(
            {
                "team": team,
                "as_of": f.as_of,
                "until": f.until,
                "unit": f.unit,
                "at_least": {str(k): v for k, v in f.at_least.items()},
                "uncalibrated_at_least": {str(k): v for k, v in f.uncalibrated_at_least.items()},
                "calibration": _calibration_json(f.calibration),
            }
        )
        return
    console.print(f"How many {f.unit} by {f.until}? ({team or 'all teams'}, from {f.as_of})")
    table = Table("confidence", "at least", "uncalibrated")
    for p, v in f.at_least.items():
        table.add_row(f"{p}%", f"{v:g}", f"{f.uncalibrated_at_least[p]:g}")
    console.print(table)
    if f.calibration:
        console.print(f"Backtest on this history: {f.calibration.describe()}.")


@forecast_app.command()
@handles_errors
def backtest(
    items: float = typer.Option(30, "--items", "-n", help="Forecast the next N items."),
    team: str | None = TeamOption,
    every: int = typer.Option(14, "--every", min=1, help="Days between cut-offs."),
    start_weeks: int = typer.Option(
        26, "--start-weeks", min=4, help="First cut-off this many weeks after the first finish."
    ),
    trials: int = typer.Option(
        BACKTEST_TRIALS,
        "--trials",
        min=100,
        # The Monte Carlo's dates move with its trials, and so does a hit rate by a cut-off or
        # two: the default replays exactly what `forecast when` reports as "met in the past".
        help="Monte Carlo trials per cut-off (the default is the number `forecast when` "
        "measures its hit rates with).",
    ),
    seed: int | None = SeedOption,
    history_csv: Path | None = CsvOption,
    mapping: str = MappingOption,
    chart: Path | None = ChartOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Replay history: how often were the 50/70/85/95% dates met? Against a naive line."""
    from roadwise.engines.forecast import TEXTBOOK, Calibration
    from roadwise.engines.forecast import backtest as run_backtest

    loaded = _load(db, history_csv, mapping, None)
    seed = loaded.seed(seed)
    recs = loaded.team(team)
    epoch = dt.datetime.combine(loaded.as_of, dt.time())
    done = np.array([(r.done - epoch).total_seconds() / 86400 for r in recs if r.done < epoch])
    if done.size < 2:
        raise RoadwiseError("too little history to backtest", field="--team")
    cutoffs = np.arange(done.min() + 7 * start_weeks, 0.0, float(every))
    ours = run_backtest(done, items, cutoffs, trials=trials, seed=seed, end=0.0)
    textbook = run_backtest(
        done,
        items,
        cutoffs,
        sampling=TEXTBOOK,
        calibration=Calibration(enabled=False),
        trials=trials,
        seed=seed,
    )
    s, t = ours.summary, textbook.summary
    if as_json:
        print_json(
            {
                "team": team,
                "n": items,
                "cutoffs": s.cutoffs,
                "roadwise": {
                    "hit": dict(zip(map(str, s.levels), s.hit, strict=True)),
                    "pinball": s.pinball,
                },
                "uncalibrated": {
                    "hit": dict(zip(map(str, s.levels), s.base_hit, strict=True)),
                    "pinball": s.base_pinball,
                },
                "textbook": {
                    "hit": dict(zip(map(str, t.levels), t.hit, strict=True)),
                    "pinball": t.pinball,
                },
                "naive": {"hit85": s.naive_hit, "pinball": s.naive_pinball},
            }
        )
    else:
        console.print(
            f"Backtest: next {items:g} items, cut-offs every {every} days "
            f"({s.cutoffs} scored, {trials} trials each, seed {seed}), "
            f"{team or 'all teams'}, {loaded.source}"
        )
        table = Table("method", "50%", "70%", "85%", "95%", "pinball (days)")
        for name, hits, pin in (
            ("Roadwise (calibrated)", s.hit, s.pinball),
            ("same, uncalibrated", s.base_hit, s.base_pinball),
            ("textbook (12 weeks)", t.hit, t.pinball),
        ):
            table.add_row(name, *(f"{h:.0%}" for h in hits), f"{pin:.1f}")
        table.add_row(
            "naive straight line", "", "", f"{s.naive_hit:.0%}", "", f"{s.naive_pinball:.1f}"
        )
        console.print(table)
        console.print(
            "Each percentage is how often the actual date came on or before the "
            "forecast's date; a good 85% date is met about 85% of the time."
        )
    if chart:
        from roadwise.views.charts.forecast import reliability

        _save(reliability([("Roadwise", ours), ("textbook", textbook)]), chart)


@forecast_app.command()
@handles_errors
def roadmap(
    trials: int = typer.Option(
        TRIALS,
        "--trials",
        min=100,
        help="Monte Carlo trials (the reports' and the web app's number gives their dates).",
    ),
    seed: int | None = typer.Option(
        None, "--seed", help="Random seed (default: the workspace's, as the reports use)."
    ),
    plan: str | None = typer.Option(
        None,
        "--plan",
        help="The stored roadmap whose order each team works in (default: the latest one "
        "planned without a scenario; the priority queue when none is stored).",
    ),
    calibrate: bool = typer.Option(
        True,
        "--calibrate/--no-calibrate",
        help="Calibrate each team's pace on its own past forecasts (as every view does); "
        "--no-calibrate replays the plain simulation.",
    ),
    chart: Path | None = ChartOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Replay the roadmap under uncertain sizes and throughput: P(deadline met), critical path."""
    from roadwise.engines.forecast.objectives import (
        QueueOrder,
        deadline_chances_in,
        delivery_ranks,
        simulate_workspace,
        teams_that_finished_work,
    )
    from roadwise.views.reports.facts import UndatedWork, queue_work, team_name, undated_reason
    from roadwise.views.reports.wording import join_words
    from roadwise.workspace import open_store, roadmap_of_record

    store = open_store(db_url(db), create=False)
    ws = store.load()
    if not ws.history:
        # Without it every date would read "not within 10 years".
        raise RoadwiseError(
            "the workspace has no delivery history to learn the teams' pace from; import "
            "some (see docs/forecasting.md)",
            field="history",
        )
    record = roadmap_of_record(store, ws, plan)
    order = QueueOrder(delivery_ranks(ws, trials), record.planned if record else ())
    seed = ws.settings.seed if seed is None else seed
    run = simulate_workspace(ws, order, trials=trials, seed=seed, calibrate=calibrate)
    if not run.items:
        raise RoadwiseError("nothing to replay: no open items with a team")
    idle = sorted(t for t, flow in run.flows.items() if not np.any(flow.history > 0))
    # The words of the reports and the web app: whether the team never finished work or only
    # did so before the window the forecast reads; and the items that wait on such a team's.
    finished = teams_that_finished_work(ws)
    undated = UndatedWork(ws, run.queues, {team: team in finished for team in idle})
    # Dates come from delivery history, which a team keeps when its people are gone; where the
    # workspace records people (a forecast-only one need not), say so for a team with none.
    unstaffed = (
        sorted(t for t in run.queues if t in ws.team_by_key and not ws.team_by_key[t].people)
        if any(t.people for t in ws.teams)
        else []
    )
    cannot = undated.items()
    result = run.forecast
    calibrations = {team: c.measured for team, c in sorted(run.calibrations.items())}
    # The work each calibration was measured for is the queue as the team's estimates have
    # turned out; the resources report states the same queue as estimated. Both are said, so
    # the two numbers are not read as two counts of the remaining work.
    work = {team: queue_work(run.queues.get(team, ())) for team in calibrations}
    bias = {team: flow.bias.typical if flow.bias else None for team, flow in run.flows.items()}
    typical = {team: flow.default_size for team, flow in run.flows.items()}
    not_in_plan = list(record.not_in_plan) if record else []
    together = deadline_chances_in(ws, result)
    rows: list[dict[str, Any]] = [
        {
            "key": o.key,
            "team": o.team,
            "p50": o.finish[50],
            "p85": o.finish[85],
            "deadline": o.deadline,
            "p_deadline": o.p_deadline,
            "critical": o.critical,
        }
        for o in result.items
    ]
    if as_json:
        print_json(
            {
                "as_of": result.as_of,
                "trials": result.trials,
                "seed": seed,
                "plan": record.key if record else None,
                "order": run.source,
                "calibrated": bool(run.calibrations),
                "not_in_plan": not_in_plan,
                "teams_without_history": idle,
                "teams_without_people": unstaffed,
                "cannot_be_dated": cannot,
                "finish_all": {str(k): v for k, v in result.finish_all.items()},
                "hard_deadlines": None
                if together is None
                else {
                    "all_met": together.every,
                    "each": dict(together.each),
                    "not_replayed": list(together.not_replayed),
                },
                "items": rows,
                "team_calibration": {
                    t: {
                        **(_calibration_json(c) or {}),
                        "open_items": work[t].items,
                        "estimated": work[t].estimated,
                        "estimate_bias": bias.get(t),
                    }
                    for t, c in calibrations.items()
                },
            }
        )
    else:
        where = f"in the order of {record.describe()}" if record else "in priority order per team"
        console.print(
            f"Roadmap replayed {result.trials} times from {result.as_of} "
            f"({len(run.items)} items {where}, sizes in {run.unit}, "
            f"{'each team at its calibrated pace' if run.calibrations else 'plain simulation'}). "
            + (
                f"All done by {_fmt(result.finish_all[85])} (85%)."
                if not cannot
                # "not within 10 years" would read as a forecast; it is no forecast at all
                else f"No date for all of it: {len(cannot)} item(s) cannot be dated (see below)."
            ),
            highlight=False,
        )
        if together is not None:
            from roadwise.views.reports.wording import chance_percent

            key, lowest = together.least_likely
            console.print(
                f"All {len(together.each)} hard deadline(s) met together in "
                f"{chance_percent(together.every)} of the trials (least likely: {key}, "
                f"{chance_percent(lowest)}).",
                highlight=False,
            )
        if idle:
            why = undated_reason(ws, undated.idle)
            console.print(NOTE, f"{why}: their items cannot be dated.", highlight=False)
        if unstaffed:
            names = [team_name(ws, t) for t in unstaffed]
            console.print(
                NOTE,
                f"nobody is on team{'s' if len(names) > 1 else ''} {join_words(names)}: "
                f"{'their' if len(names) > 1 else 'its'} dates come from delivery history "
                "alone, while `roadwise plan roadmap` cannot schedule the work (add the "
                "people, or move the work to another team).",
                highlight=False,
            )
        # Items of teams with a pace that wait on those teams' work, one note per reason.
        waiting: dict[str, list[str]] = {}
        for r in rows:
            if r["key"] in undated.waits and r["team"] not in undated.idle:
                waiting.setdefault(cannot[r["key"]], []).append(r["key"])
        for why, keys in waiting.items():
            shown = ", ".join(keys[:8]) + (" …" if len(keys) > 8 else "")
            console.print(
                NOTE,
                f"{shown} cannot be dated: {'it' if len(keys) == 1 else 'each'} {why}.",
                highlight=False,
            )
        if record and not_in_plan:
            shown = ", ".join(not_in_plan[:8]) + (" …" if len(not_in_plan) > 8 else "")
            console.print(
                NOTE,
                f"{len(not_in_plan)} open item(s) are not in plan "
                f"'{record.key}' and are worked after it, in priority order ({shown}); run "
                "`roadwise plan roadmap` to plan them.",
                highlight=False,
            )
        table = Table("item", "team", "50%", "85%", "deadline", "P(met)", "critical")
        for r in sorted(rows, key=lambda r: -r["critical"])[:40]:
            table.add_row(
                r["key"],
                r["team"],
                *(
                    ("cannot be dated",) * 2
                    if r["key"] in cannot
                    else (_fmt(r["p50"]), _fmt(r["p85"]))
                ),
                str(r["deadline"] or "-"),
                # Never done in the replay says nothing of the deadline: no chance is given.
                "-" if r["p_deadline"] is None or r["key"] in cannot else f"{r['p_deadline']:.0%}",
                f"{r['critical']:.0%}",
            )
        console.print(table)
        if calibrations:
            console.print(
                "Each team's pace is calibrated on its own past forecasts of its whole queue"
                + (
                    ":"
                    if run.unit == "items"
                    else ", sized as its estimates turn out (× its finished items' actual ÷ "
                    "estimate):"
                ),
                highlight=False,
            )
        for team_key, cal in calibrations.items():
            console.print(
                f"  {team_key}: "
                f"{_queue_measured(work[team_key], cal, bias.get(team_key), typical[team_key])}; "
                f"{cal.describe()}",
                highlight=False,
            )
    if chart:
        from roadwise.views.charts.forecast import roadmap_probabilities

        _save(roadmap_probabilities(rows), chart)


@forecast_app.command()
@handles_errors
def history(
    team: str | None = TeamOption,
    weeks: int | None = typer.Option(None, "--weeks", help="Only the last N weeks."),
    history_csv: Path | None = CsvOption,
    mapping: str = MappingOption,
    chart_dir: Path | None = typer.Option(
        None, "--charts", help="Write the flow charts (SVG) into this folder."
    ),
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Throughput, cycle time and lead time per team and kind; flow charts."""
    from roadwise.engines.history import (
        cumulative_flow,
        cycle_time_scatter,
        summarise,
        throughput,
        wip_ageing,
    )

    loaded = _load(db, history_csv, mapping, None)
    recs = loaded.team(team)
    stats = summarise(recs, weeks=weeks)
    if as_json:
        print_json([s.__dict__ for s in stats])
    else:
        table = Table(
            "team", "kind", "items", "items/week", "points/week", "cycle 50/85%", "lead 50/85%"
        )
        for s in stats:
            ct = f"{s.cycle_time[50]:.1f} / {s.cycle_time[85]:.1f} d" if s.cycle_time else "-"
            lt = f"{s.lead_time[50]:.1f} / {s.lead_time[85]:.1f} d" if s.lead_time else "-"
            table.add_row(
                s.team or "-",
                s.kind or "all",
                str(s.items),
                f"{s.items_per_week:.1f}",
                f"{s.points_per_week:.1f}",
                ct,
                lt,
            )
        console.print(table)
    if chart_dir:
        from roadwise.views.charts import save
        from roadwise.views.charts.forecast import cumulative_flow as flow_chart
        from roadwise.views.charts.forecast import cycle_time_scatter as scatter_chart
        from roadwise.views.charts.forecast import throughput_run_chart
        from roadwise.views.charts.forecast import wip_ageing as ageing_chart

        chart_dir.mkdir(parents=True, exist_ok=True)
        save(throughput_run_chart(throughput(recs)), chart_dir / "throughput.svg")
        save(scatter_chart(cycle_time_scatter(recs)), chart_dir / "cycle_time.svg")
        open_items = [
            i
            for i in (loaded.ws.open_items() if loaded.ws else [])
            if team is None or i.team == team
        ]
        start = loaded.as_of - dt.timedelta(weeks=weeks or 26)
        flow = cumulative_flow(recs, open_items, start=start, end=loaded.as_of)
        save(flow_chart(flow), chart_dir / "cumulative_flow.svg")
        in_progress = [i for i in open_items if i.started is not None]
        if in_progress:
            as_of_time = dt.datetime.combine(loaded.as_of, dt.time())
            save(
                ageing_chart(wip_ageing(recs, in_progress, as_of_time)),
                chart_dir / "wip_ageing.svg",
            )
        console.print(f"charts written to {chart_dir}")


@forecast_app.command()
@handles_errors
def moved(
    team: str = typer.Option(..., "--team", "-t", help="Team key."),
    since: dt.datetime = typer.Option(
        ..., "--since", help="Compare with the forecast as it stood on this day."
    ),
    percentile: int = typer.Option(
        85, "--percentile", min=1, max=99, help="Which percentile date to explain."
    ),
    trials: int = typer.Option(4000, "--trials", min=100, help="Monte Carlo trials."),
    seed: int | None = SeedOption,
    db: str | None = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Why did the team's date move? Split into scope change, throughput change, work done.

    The target is the team's open items plus what it finished since; its scope then counts the
    items that existed then.
    """
    from roadwise.engines.forecast import ForecastSnapshot, explain_move
    from roadwise.engines.forecast.backtest import history_before
    from roadwise.engines.forecast.objectives import work_calendar

    loaded = _load(db, None, "tawos", None, need_ws=True)
    ws = loaded.ws
    seed = loaded.seed(seed)
    recs = loaded.team(team)
    epoch = dt.datetime.combine(loaded.as_of, dt.time())
    then = dt.datetime.combine(since.date(), dt.time())
    if then >= epoch:
        raise RoadwiseError(f"--since must be before {loaded.as_of}", field="--since")
    done = np.array([(r.done - epoch).total_seconds() / 86400 for r in recs])
    first = float(done.min())
    offset = (then - epoch).total_seconds() / 86400
    if offset <= first:
        raise RoadwiseError("--since is before the team's first finished item", field="--since")
    parents = {i.parent for i in ws.items if i.parent}
    open_now = [i for i in ws.open_items() if i.team == team and i.key not in parents]
    open_then = [i for i in open_now if i.created is None or i.created < then]
    finished = sum(1 for r in recs if then <= r.done < epoch)
    before = ForecastSnapshot(
        then.date(), float(len(open_then) + finished), 0.0, history_before(done, offset, first)
    )
    after = ForecastSnapshot(
        loaded.as_of,
        float(len(open_now) + finished),
        float(finished),
        history_before(done, 0.0, first),
    )
    move = explain_move(
        before,
        after,
        percentile=percentile,
        trials=trials,
        seed=seed,
        calendar=work_calendar(ws, team),
    )
    if as_json:
        print_json(
            {
                "team": team,
                "percentile": percentile,
                "before": move.before,
                "after": move.after,
                "total_days": move.total_days,
                "scope_days": move.scope_days,
                "throughput_days": move.throughput_days,
                "completed_work_days": move.completed_work_days,
                "items_added": len(open_now) - len(open_then),
                "items_finished": finished,
            }
        )
        return
    console.print(
        f"{team}: the {percentile}% date for its open work moved from {_fmt(move.before)} to "
        f"{_fmt(move.after)} between {since.date()} and {loaded.as_of}; "
        f"{len(open_now) - len(open_then)} items added, {finished} finished. In the "
        f"simulation's days (the dates shown are the working days it ends on), it moved "
        f"{move.total_days:+.1f} days:"
    )
    for line in move.lines():
        console.print(f"  {line}")
