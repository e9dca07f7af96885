"""Demo step: each team's delivery forecast with its measured calibration, the roadmap under
uncertainty, why a date moved, and the flow charts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from rich.table import Table

from roadwise.views.demo import DemoContext, step


@step("Forecast")
def forecast_step(ctx: DemoContext) -> None:
    from roadwise.engines.forecast import (
        ForecastOptions,
        ForecastSnapshot,
        explain_move,
        forecast_when,
    )
    from roadwise.engines.forecast.backtest import history_before
    from roadwise.engines.forecast.objectives import (
        deadline_chances_in,
        delivery_ranks,
        forecast_delivery,
        work_calendar,
    )
    from roadwise.engines.history import throughput
    from roadwise.engines.schedule.needs import CONFIDENCE_TARGET
    from roadwise.views.charts import forecast as charts
    from roadwise.views.charts import save
    from roadwise.views.reports.wording import chance_percent
    from roadwise.workspace import open_store, roadmap_of_record

    ws = ctx.ws
    as_of = ws.as_of
    epoch = dt.datetime.combine(as_of, dt.time())
    # The options `roadwise forecast when` runs with by default (trials, seed, the trials of
    # its backtest): each row is what that command prints for the team, and its hit rate what
    # `roadwise forecast backtest` replays.
    options = ForecastOptions(seed=ws.settings.seed)
    parents = {i.parent for i in ws.items if i.parent}
    table = Table(
        "team",
        "open items",
        "50%",
        "85%",
        "95%",
        "85% dates met in backtest",
        title="Item-count forecast per team (throughput only; the roadmap below uses estimates)",
    )
    forecasts: dict[str, Any] = {}
    for team in ws.teams:
        recs = [r for r in ws.history if r.team == team.key]
        open_leaves = [i for i in ws.open_items() if i.team == team.key and i.key not in parents]
        if not recs or not open_leaves:
            continue
        f = forecast_when(
            recs, len(open_leaves), as_of, options, team.key, work_calendar(ws, team.key)
        )
        forecasts[team.key] = f
        cal = f.calibration
        table.add_row(
            team.key,
            str(len(open_leaves)),
            str(f.dates[50]),
            str(f.dates[85]),
            str(f.dates[95]),
            f"{cal.hit[85]:.0%} of {cal.cutoffs}" if cal and cal.cutoffs else "not measured",
        )
    ctx.console.print(table)
    if forecasts:
        team_key, f = next(iter(forecasts.items()))
        ctx.console.print(
            f"Each row is `roadwise forecast when --items N --team TEAM` (e.g. --items "
            f"{f.target:g} --team {team_key}); its hit rate, `roadwise forecast backtest` with "
            "the same --items and --team."
        )

    # The roadmap of record (the schedule step stored it), replayed with uncertain sizes and
    # throughput: the same run, and so the same dates, as the reports' and the web app's.
    record = roadmap_of_record(open_store(ctx.db_url), ws)
    ctx.results["roadmap_of_record"] = record
    planned = record.planned if record else ()
    delivery = forecast_delivery(ws, delivery_ranks(ws), planned=planned)
    ctx.results["delivery"] = delivery  # the reports step shows these very dates
    roadmap = delivery.simulation.roadmap
    if roadmap is None:
        return
    note = f"{len(roadmap.items)} items, " + (
        f"in the order of {record.describe()}" if record else "in priority order per team"
    )
    with_deadline = [o for o in roadmap.items if o.p_deadline is not None]
    critical = sorted(roadmap.items, key=lambda o: -o.critical)[:3]
    ctx.console.print(
        f"Roadmap ({note}): everything done by {roadmap.finish_all[85]} with 85% confidence; "
        + ", ".join(f"{o.key} P(deadline) {o.p_deadline:.0%}" for o in with_deadline[:4])
        + "; most often critical: "
        + ", ".join(f"{o.key} ({o.critical:.0%})" for o in critical)
    )
    together = deadline_chances_in(ws, roadmap)
    if together is not None:
        key, lowest = together.least_likely
        ctx.console.print(
            (
                f"All {len(together.each)} hard deadlines hold together in "
                if len(together.each) > 1
                else "The one hard deadline holds in "
            )
            + f"{chance_percent(together.every)} of the same trials (least likely on its own: "
            f"{key}, {chance_percent(lowest)})"
            + (
                "; `roadwise capacity --what-if` says whom to hire to make that "
                f"{chance_percent(CONFIDENCE_TARGET)}, and what starting the deadline work "
                "first would do instead."
                if together.every < CONFIDENCE_TARGET
                else "."
            )
        )
    holds = [o.p_planned_end for o in roadmap.items if o.p_planned_end is not None]
    if holds:
        ctx.console.print(
            f"The scheduled end dates hold with {np.mean(holds):.0%} probability on average "
            f"at the teams' calibrated pace; {sum(p >= 0.85 for p in holds)} of "
            f"{len(holds)} items are 85% safe."
        )

    # Why the first team's date moved over the last four weeks: the same target (its open items
    # plus what it finished since), as it stood then and as it stands now.
    move = None
    if forecasts:
        team_key = next(iter(forecasts))
        recs = [r for r in ws.history if r.team == team_key]
        done = np.array([(r.done - epoch).total_seconds() / 86400 for r in recs])
        first = float(done.min())
        then = epoch - dt.timedelta(days=28)
        finished_since = sum(1 for r in recs if then <= r.done < epoch)
        open_now = [i for i in ws.open_items() if i.team == team_key and i.key not in parents]
        open_then = [i for i in open_now if i.created is None or i.created < then]
        added = len(open_now) - len(open_then)
        before = ForecastSnapshot(
            then.date(),
            float(len(open_then) + finished_since),
            0.0,
            history_before(done, -28.0, first),
        )
        after = ForecastSnapshot(
            as_of,
            float(len(open_now) + finished_since),
            float(finished_since),
            history_before(done, 0.0, first),
        )
        # Trials and seed as `roadwise forecast moved` has them, so the command prints these
        # very days.
        move = explain_move(
            before, after, seed=ws.settings.seed, calendar=work_calendar(ws, team_key)
        )
        ctx.console.print(
            f"Why {team_key}'s 85% date moved from {move.before} to {move.after} "
            f"({added} items added, {finished_since} finished in 4 weeks): "
            + "; ".join(move.lines())
            + f" (`roadwise forecast moved --team {team_key} --since {then.date()}`)"
        )

    # Charts (a few: each takes about a second to render; `roadwise forecast history
    # --charts DIR` writes the flow charts).
    out = ctx.out_dir / "forecast"
    out.mkdir(parents=True, exist_ok=True)
    written = []
    if forecasts:
        team_key, f = next(iter(forecasts.items()))
        recs = [r for r in ws.history if r.team == team_key]
        tp = throughput(recs, end=as_of)
        written.append(save(charts.forecast_histogram(f), out / f"forecast_{team_key}.svg"))
        written.append(save(charts.burn_up(tp, f.target, f), out / f"burnup_{team_key}.svg"))
    if with_deadline:
        rows = [{"key": o.key, "team": o.team, "p_deadline": o.p_deadline} for o in with_deadline]
        written.append(save(charts.roadmap_probabilities(rows), out / "roadmap_deadlines.svg"))
    ctx.outputs.extend(written)
    ctx.results["forecast"] = {
        "teams": forecasts,
        "roadmap": roadmap,
        "date_move": move,
    }
