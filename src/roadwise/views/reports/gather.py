"""Run (or reuse) the engines a report presents and turn their results into :class:`Facts`.

Reports are a view: the numbers come from the engines. ``gather`` reuses results handed in
(the demo passes what its earlier steps computed) and otherwise calls each engine that exists
with short limits, so all six reports build in seconds. An engine that is not installed yet, or
that fails on this workspace, simply leaves its facts empty and its sections out.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from roadwise.domain import Workspace
from roadwise.engines.forecast.objectives import (
    DELIVERY_WINDOW,
    NEW_HIRE_SHARE,
    TRIALS,
    Unit,
    deadline_chances_in,
    descendants,
    hire_speedup,
    objective_items,
    team_size,
    week_date,
    work_calendar,
)
from roadwise.engines.forecast.simulate import Sampling
from roadwise.errors import RoadwiseError
from roadwise.views.reports.facts import (
    Calibration,
    CapacityRow,
    DateForecast,
    Facts,
    Priority,
    Scheduled,
    UndatedWork,
    queue_work,
    undated_reason,
    undated_work,
)
from roadwise.views.reports.model import user_text
from roadwise.views.reports.wording import (
    NEVER,
    NOT_IN_SIGHT,
    date_with_confidence,
    join_words,
    say_count,
    say_date,
    say_duration,
    say_money,
    say_number,
)


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


GATHER_STEPS: tuple[str, ...] = (
    "priorities",
    "feedback",
    "release",
    "roadmap",
    "forecast",
    "calibration",
    "resources",
)
"""Every engine run the reports draw on, in the order :func:`gather` runs them."""


def gather(
    ws: Workspace,
    results: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    trials: int = TRIALS,
    steps: tuple[str, ...] = GATHER_STEPS,
    schedule_seconds: float = 3.0,
) -> Facts:
    """Facts for every report kind from the workspace and the engines' results."""
    results = dict(results or {})
    results.setdefault("_schedule_seconds", schedule_seconds)
    facts = Facts(ws=ws, seed=ws.settings.seed if seed is None else seed)
    runners: dict[str, Callable[[Facts, dict[str, Any], int], None]] = {
        "priorities": _priorities,
        "feedback": _feedback,
        "release": _release,
        "roadmap": _roadmap,
        "forecast": _forecast,
        "calibration": _calibration,
        "resources": _resources,
    }
    for name in steps:
        runner = runners.get(name)
        if runner is not None:
            runner(facts, results, trials)
    return facts


# --------------------------------------------------------------------------- priorities


def _priorities(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """Scores with their uncertainty from the prioritisation engine (reused when handed in)."""
    result = results.get("priorities")
    if result is None:
        if not _has("roadwise.engines.prioritize"):
            return
        from roadwise.engines.prioritize import prioritize

        try:
            from roadwise.engines.forecast.objectives import PRIORITY_SAMPLES

            samples = min(trials, PRIORITY_SAMPLES)
            result = prioritize(facts.ws, samples=samples, seed=facts.seed)
        except RoadwiseError:
            return  # a workspace the framework cannot score: no priority facts
        except Exception:  # an engine still being built must not break a report
            return
    items = getattr(result, "items", ())
    if not items:
        return
    for ranked in items:
        low, high = ranked.interval
        facts.priorities[ranked.key] = Priority(
            key=ranked.key,
            score=float(ranked.expected),
            low=float(low),
            high=float(high),
            rank=float(ranked.expected_rank),
            p_top_k=float(ranked.p_top_k),
        )
    facts.raw["priority_result"] = result
    facts.priority_method = (
        f"{result.framework_label} scores, {result.samples:,} Monte Carlo samples of every "
        "uncertain input (roadwise.engines.prioritize)"
    )
    facts.engines["priorities"] = f"{result.framework_label}, {result.samples:,} samples"


# --------------------------------------------------------------------------- feedback


def _feedback(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """Revenue-weighted customer demand per item (rolled up to its parents)."""
    ws = facts.ws
    if not ws.feedback or not _has("roadwise.engines.feedback.demand"):
        return
    analysis = results.get("feedback")
    if isinstance(analysis, dict):  # the demo step hands over {"analysis": ..., ...}
        analysis = analysis.get("analysis")
    demand = getattr(analysis, "item_demand", None)
    source = "the feedback analysis's links (confirmed and proposed)"
    if not demand:
        from roadwise.engines.feedback.demand import compute_demand

        # Confirmed links only: what people have checked, without running the text models.
        groups = confirmed_demand_groups(ws)
        if not groups:
            return
        try:
            demand = compute_demand(
                groups,
                ws.feedback,
                ws.customers,
                samples=500,
                seed=facts.seed,
            )
        except Exception:  # an engine still being built must not break a report
            return
        source = "confirmed links between feedback and items"
    for key, d in demand.items():
        if d.mentions:
            facts.demand[key] = {
                "customers": float(d.reach),
                "revenue": float(d.revenue),
                "low": float(d.revenue_interval[0]),
                "high": float(d.revenue_interval[1]),
                "mentions": float(d.mentions),
            }
    facts.feedback_method = (
        f"distinct customers and their annual revenue over {source}, rolled up from items to "
        "their parents; 90% interval by bootstrap over customers (roadwise.engines.feedback)"
    )
    facts.engines["feedback"] = "revenue-weighted demand"


def confirmed_demand_groups(ws: Workspace) -> dict[str, list[str]]:
    """Feedback keys per backlog item from the confirmed links alone, rolled up to parents as
    the feedback analysis rolls them up: a dropped item is no demand, and its texts do not
    count for its parents (the team decided not to build what they ask for)."""
    dropped = ws.dropped_keys
    direct: dict[str, set[str]] = defaultdict(set)
    for fb in ws.feedback:
        for link in fb.links:
            if link.confirmed and link.item not in dropped:
                direct[link.item].add(fb.key)
    groups: dict[str, set[str]] = defaultdict(set)
    for key, members in direct.items():
        node = ws.item_by_key.get(key)
        while node is not None:
            if node.key not in dropped:
                groups[node.key] |= members
            node = ws.item_by_key.get(node.parent) if node.parent else None
    return {k: sorted(v) for k, v in groups.items()}


# --------------------------------------------------------------------------- release


def _release(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """The provably best content of the next release, and what 10% more capacity would add."""
    plan = results.get("release")
    wp = results.get("release_problem")
    if not _has("roadwise.engines.release"):
        return
    from roadwise.engines.release import (
        ReleaseOptions,
        capacity_gains,
        plan_release,
        release_problem,
    )

    try:
        if plan is None or wp is None:
            priority = facts.raw.get("priority_result")
            scores = (
                {r.key: float(r.value if r.value > 0 else r.score) for r in priority.items}
                if priority is not None
                else None
            )
            wp = release_problem(facts.ws, scores, ReleaseOptions(percentile=0.8))
            plan = plan_release(wp.problem, time_limit=3.0)
        gains = capacity_gains(wp.problem, plan, increase=0.10, time_limit=2.0)
    except RoadwiseError:
        return  # no release to plan, or an infeasible request: no release facts
    except Exception:  # an engine still being built must not break a report
        return
    content = plan.selection.releases[0]
    by_key = wp.problem.by_key
    start, end = wp.windows[content.release]
    release = facts.ws.release_by_key.get(content.release)
    chosen = set(plan.selection.assignment)
    left_out = sorted(
        (c for c in wp.problem.items if c.key not in chosen),
        key=lambda c: (-c.value, c.key),
    )
    quality = "proven optimal" if plan.proven_optimal else f"within {plan.gap:.0%} of the best"
    facts.release = {
        "key": content.release,
        "name": release.name if release else content.release,
        "start": start,
        "end": end,
        "items": [by_key[k] for k in content.items if k in by_key],
        "left_out": [c.title or c.key for c in left_out],
        "value": plan.value,
        "greedy_value": plan.greedy.value,
        "used": content.used,
        "capacity": content.capacity,
        "candidates": len(wp.problem.items),
        "quality": quality,
        "gains": [
            {
                "team": g.team,
                "extra": g.extra,
                "gain": g.gain,
                "added": [by_key[k].title or k for k in g.added if k in by_key],
            }
            for g in gains
        ],
    }
    facts.engines["release"] = f"{plan.solver}, {quality}"


# --------------------------------------------------------------------------- roadmap


def _roadmap(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """Who builds what, when: the scheduling engine's roadmap (reused when handed in)."""
    result = results.get("roadmap")
    if result is None:
        if not _has("roadwise.engines.schedule.roadmap"):
            return
        from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
        from roadwise.views.stored_roadmap import stored_roadmap

        options = RoadmapOptions(
            time_limit=float(results.get("_schedule_seconds", 3.0)),
            workers=2,
            seed=facts.seed,
            baseline=False,
        )
        try:
            # The roadmap of record where it still fits: the plan the forecast replays.
            result = stored_roadmap(facts.ws, results.get("roadmap_of_record"), options)
            if result is None:
                result = plan_roadmap(facts.ws, options)
        except RoadwiseError:
            return  # nothing to schedule, or no plan within the limit: no schedule facts
        except Exception:  # an engine still being built must not break a report
            return
    scheduled = [*getattr(result, "items", ()), *getattr(result, "rollups", ())]
    if not scheduled:
        return
    for s in scheduled:
        facts.schedule[s.key] = Scheduled(key=s.key, team=s.team, start=s.start, end=s.end)
    summary = result.summary
    moved = ""
    if getattr(result, "replay", None) is not None:
        from roadwise.views.stored_roadmap import since_stored

        moved = since_stored(result)
    quality = (
        "no solver verdict once changed"
        if moved
        else "proven optimal"
        if summary.proven_optimal
        else f"best found in {summary.seconds:.0f} s, within {summary.gap:.0%} of the bound"
    )
    record = results.get("roadmap_of_record")
    placements = getattr(result, "placements", {})
    of_record = record is not None and (
        bool(moved)
        or (bool(placements) and all(record.placements.get(k) == v for k, v in placements.items()))
    )
    shown = (
        f"{record.describe()}{f' ({moved})' if moved else ''}: "
        if of_record and record is not None
        else ""
    )
    facts.schedule_method = (
        (f"the {shown}" if shown else "")
        + f"{summary.method} roadmap minimising cost of delay under team capacity, skills, "
        f"dependencies and deadlines ({quality}; roadwise.engines.schedule)"
    )
    facts.raw["roadmap_result"] = result
    facts.engines["roadmap"] = f"{shown}{summary.method}, {quality}"
    _capacity(facts, result)


def _capacity(facts: Facts, roadmap: Any) -> None:
    """Capacity against demand per team and sprint, from the scheduling engine's needs."""
    if not _has("roadwise.engines.schedule.needs"):
        return
    from roadwise.engines.schedule.needs import capacity_vs_demand

    try:
        rows = capacity_vs_demand(facts.ws, roadmap, sprints=13)
    except Exception:  # an engine still being built must not break a report
        return
    whole = [r for r in rows if r.skill == "*"]
    if not whole:
        return
    facts.raw["demand_rows"] = whole
    facts.capacity = [
        CapacityRow(
            team=r.team,
            period=r.start,
            capacity=float(r.capacity_days),
            demand=float(r.demand_days),
            unit="person-days",
        )
        for r in whole
    ]
    facts.capacity_method = (
        "productive person-days per sprint (availability, days off, public holidays, focus "
        "factor, unplanned share; roadwise.engines.capacity) against demand: the work each "
        "team would face if every item started as early as its dependencies allow "
        "(roadwise.engines.schedule.needs)"
    )


# --------------------------------------------------------------------------- forecast


def _ranks(facts: Facts) -> dict[str, float]:
    return {key: p.rank for key, p in facts.priorities.items()}


def _history_windows(sampling: Sampling, read: int) -> str:
    """The windows a trial draws its weeks from, as the engine cuts them to the ``read`` weeks
    of history the forecast has: 'one window of the team's own past per trial: its last 12, 26
    or 52 weeks or all the history the forecast reads (the last 104 weeks at most, …)'.

    A window longer than the history read is all of it (simulate._window_lengths caps each at
    the history's length), so naming it by its own length would claim weeks never read.
    """
    shorter = sorted({w for w in sampling.windows if w < read})
    whole = any(w >= read for w in sampling.windows)
    history = f"the last {read} weeks at most, back to the team's first finished item"
    choices = [f"its last {join_words([str(w) for w in shorter], 'or')} weeks"] if shorter else []
    if whole:
        choices.append(f"all the history the forecast reads ({history})")
    text = f"one window of the team's own past per trial: {', or '.join(choices)}"
    return text if whole else f"{text} (of the history the forecast reads: {history})"


def _forecast(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """Delivery dates from the forecasting engine: the same function the web app calls."""
    ws = facts.ws
    if not ws.history or not _has("roadwise.engines.forecast.objectives"):
        return
    from roadwise.engines.forecast.objectives import DeliveryForecast, forecast_delivery

    # The roadmap of record (``roadwise plan roadmap`` stores it; the CLI, the web app and the
    # demo hand it in): its order is what every view's forecast replays.
    record = results.get("roadmap_of_record")
    planned = tuple(record.planned) if record is not None else ()
    # The web app and the demo hand in the forecast they show; reused only when it is the
    # same run.
    delivery = results.get("delivery")
    if not (
        isinstance(delivery, DeliveryForecast)
        and delivery.trials == trials
        and delivery.seed == facts.seed
        and delivery.as_of == ws.as_of
        and delivery.simulation.planned == planned
    ):
        delivery = forecast_delivery(
            ws, _ranks(facts), trials=trials, seed=facts.seed, planned=planned
        )
    sim = delivery.simulation
    if not sim.finish_weeks:
        return
    unit = delivery.unit
    facts.forecast_starts.update(delivery.starts)
    order = (
        f"in the order of the {record.describe()} (open items it does not hold after it, by "
        "priority)"
        if record is not None
        else "in order of status, deadline and priority"
    )
    # What the engine's replay draws with (simulate_roadmap's default sampling, over the
    # history window of every view's delivery forecast), so the method says what was done.
    sampling = Sampling()
    method = (
        f"probabilistic roadmap, {trials:,} Monte Carlo trials (roadwise.engines.forecast): each "
        f"team works its open items (bugs and tech debt under no feature too) {order}, "
        f"doing its next items while one waits; sizes drawn from "
        f"the estimates corrected by the team's estimate bias; weekly {unit} resampled in blocks "
        f"of {sampling.block} weeks from {_history_windows(sampling, DELIVERY_WINDOW.weeks)}"
        + (
            ", each team's pace calibrated so its whole queue takes the time its own past "
            "forecasting errors say"
            if sim.calibrations
            else ""
        )
        + "; dependencies waited for"
    )
    facts.forecast_method = method
    facts.forecast_trials = trials
    facts.engines["forecast"] = f"Monte Carlo, {trials:,} trials"
    facts.raw["finish_weeks"] = dict(sim.finish_weeks)
    facts.raw["forecast_unit"] = unit
    facts.raw["delivery_forecast"] = delivery
    facts.raw.setdefault("roadmap_forecast", sim.roadmap)
    if sim.roadmap is not None:
        facts.raw["hard_deadlines"] = deadline_chances_in(ws, sim.roadmap)

    # Days from as_of, one per trial, for histograms.
    facts.raw["finish_distributions"] = {
        key: d.finish_weeks * 7.0 for key, d in delivery.dates.items()
    }
    history_note = f"{len(ws.history):,} finished items of delivery history"
    undated = undated_work(ws, delivery)
    facts.raw["teams_without_history"] = undated.idle
    facts.raw["undated_work"] = undated
    for key, d in delivery.dates.items():
        if d.kind == "objective":
            objective = key.removeprefix("objective:")
            inputs = f"{say_count(d.open_count, 'open deliverable')} serving {objective}"
        else:
            inputs = f"{say_count(d.open_count, 'open item')} under {key}"
        facts.forecasts[key] = DateForecast(
            key=key,
            p50=d.p50,
            p85=d.p85,
            p95=d.p95,
            deadline=d.deadline,
            p_deadline=d.p_deadline,
            inputs=f"{inputs}; {history_note}",
            method=method,
            undated=_why_undated(facts, key, d.kind, d.p50, undated),
        )
    _burn_up(facts, unit, trials)


def _iso(day: dt.date) -> str:
    """A date for the provenance table; the engine's ``date.max`` as the CLI says it."""
    return NOT_IN_SIGHT if day == NEVER else day.isoformat()


def no_history(facts: Facts, teams: list[str]) -> str:
    """Why the work of ``teams`` (keys among the teams without history) cannot be dated:
    'no delivery history for team QA'."""
    idle = facts.raw.get("teams_without_history") or {}
    return undated_reason(facts.ws, {t: idle.get(t, False) for t in teams}, mark=user_text)


def _why_undated(facts: Facts, key: str, kind: str, likely: dt.date, undated: UndatedWork) -> str:
    """Why a forecast has no likely date: the teams without history whose work it needs, or
    whose work it waits on."""
    if likely != NEVER or not undated.idle:
        return ""
    ws = facts.ws
    if kind == "objective":
        below = {i.key for i in objective_items(ws, key.removeprefix("objective:"))}
    else:
        below = {key} | {i.key for i in descendants(ws, key)}
    return undated.under(below, mark=user_text)


def _burn_up(facts: Facts, unit: Unit, trials: int) -> None:
    """Work finished over the last half year, and the cone of the same forecast as the dates.

    The cone is read off the probabilistic roadmap: in each trial, the work done by a date is
    the likely size of every item that trial has finished by then, so the cone, the scope line
    and the dates in the tables tell the same story.
    """
    ws = facts.ws
    forecast = facts.raw.get("roadmap_forecast")
    from roadwise.engines.forecast.objectives import leaf_size, weekly_history

    weekly = weekly_history(ws, None, unit, ws.as_of)
    if forecast is None or weekly.size == 0:
        return
    past_weeks = min(26, weekly.size)
    recent = weekly[-past_weeks:]
    start = ws.as_of - dt.timedelta(weeks=past_weeks)
    done_rows = [{"date": start.isoformat(), "value": 0.0}]
    total = 0.0
    for index, value in enumerate(recent, start=1):
        total += float(value)
        done_rows.append(
            {"date": (start + dt.timedelta(weeks=index)).isoformat(), "value": round(total, 1)}
        )
    sizes = np.array(
        [leaf_size(ws, ws.item_by_key[o.key], unit) for o in forecast.items],
        dtype=float,
    )
    finish_days = np.asarray(forecast.finish_days, dtype=float)
    remaining = float(sizes.sum())
    last = np.where(np.isfinite(finish_days), finish_days, np.inf).max(axis=1)
    p95_weeks = float(np.quantile(last, 0.95, method="inverted_cdf")) / 7.0
    future_weeks = int(min(104, max(8, np.ceil(p95_weeks) + 2 if np.isfinite(p95_weeks) else 52)))
    levels = ("p5", "p15", "p50", "p85", "p95")
    cone = [{"date": ws.as_of.isoformat(), **dict.fromkeys(levels, round(total, 1))}]
    for week in range(1, future_weeks + 1):
        done_by = total + (finish_days <= 7.0 * week) @ sizes
        q = np.quantile(done_by, [0.05, 0.15, 0.5, 0.85, 0.95])
        row: dict[str, Any] = {"date": (ws.as_of + dt.timedelta(weeks=week)).isoformat()}
        row.update({name: round(float(v), 1) for name, v in zip(levels, q, strict=True)})
        cone.append(row)
    scope_value = round(total + remaining, 1)
    scope = [
        {"date": start.isoformat(), "value": scope_value},
        {"date": (ws.as_of + dt.timedelta(weeks=future_weeks)).isoformat(), "value": scope_value},
    ]
    pace = float(recent.mean()) if recent.size else 0.0
    # The engine's own 50% date of the whole roadmap, rounded up to a day as every other date
    # is (and None past ten years), so the headline says what `roadwise forecast roadmap` says.
    finished = forecast.finish_all.get(50)
    idle = facts.raw.get("teams_without_history") or {}
    if finished:
        days = (finished - ws.as_of).days
        headline = (
            f"All open work ({say_number(remaining)} {unit} estimated) is likely done by "
            f"{say_date(finished, ws.as_of)}, about {say_duration(days).removeprefix('about ')} "
            f"from now; the last half year's pace was {say_number(pace)} {unit} a week"
        )
    elif idle:
        headline = (
            f"All open work ({say_number(remaining)} {unit}) cannot be dated: "
            f"{no_history(facts, sorted(idle))}"
        )
    else:
        headline = (
            f"All open work ({say_number(remaining)} {unit}) is not likely done within 10 years "
            "at today's pace"
        )
    facts.raw["burn_up"] = {
        "done": done_rows,
        "scope": scope,
        "cone": cone,
        "unit": unit,
        "headline": headline + ".",
        "remaining": remaining,
        "pace": pace,
        "finish": finished,
    }


# --------------------------------------------------------------------------- calibration


def _calibration(facts: Facts, results: dict[str, Any], trials: int) -> None:
    ws = facts.ws
    if _team_calibrations(facts, results):
        return
    if len(ws.history) < 60 or not _has("roadwise.engines.forecast.backtest"):
        return
    try:
        from roadwise.engines.forecast.backtest import backtest
    except ImportError:
        return
    epoch = dt.datetime(1970, 1, 1)
    done_days = np.array([(r.done - epoch).total_seconds() / 86400.0 for r in ws.history])
    first, last = float(done_days.min()), float(done_days.max())
    # Cut-offs every two weeks from half a year after the first finish, forecasting 30 items.
    cutoffs = np.arange(first + 182.0, last - 30.0, 14.0)
    try:
        result = backtest(done_days, 30.0, cutoffs, trials=min(trials, 500), seed=facts.seed)
    except Exception:
        return
    summary = result.summary
    if not summary.cutoffs:
        return
    facts.calibration = Calibration(
        hits={float(lv): float(h) for lv, h in zip(summary.levels, summary.hit, strict=True)},
        cutoffs=int(summary.cutoffs),
        scope="next 30 items, all teams, cut-offs every 2 weeks",
    )
    facts.raw["backtest_result"] = result
    facts.raw["calibration_baseline"] = {
        float(lv): float(h) for lv, h in zip(summary.levels, summary.base_hit, strict=True)
    }
    facts.engines["backtest"] = f"{summary.cutoffs} cut-offs"


def _team_calibrations(facts: Facts, results: dict[str, Any]) -> bool:
    """Reuse the calibration each team's pace was calibrated with in the delivery forecast
    (the evidence behind the very dates the reports show), else the one each team's forecast
    measured (the demo's forecast step)."""
    delivery = facts.raw.get("delivery_forecast")
    errors = getattr(getattr(delivery, "simulation", None), "calibrations", None) or {}
    measured = [c.measured for c in errors.values() if c.measured.cutoffs]
    scope = "each team's whole queue in the delivery forecast"
    source = "the delivery forecast's calibration"
    if not measured:
        forecast = results.get("forecast")
        teams = forecast.get("teams") if isinstance(forecast, dict) else None
        measured = [
            f.calibration
            for f in (teams or {}).values()
            if getattr(f, "calibration", None) is not None and f.calibration.cutoffs
        ]
        scope = "each team's own forecasts"
        source = "the forecast step"
    if not measured:
        return False
    cutoffs = sum(c.cutoffs for c in measured)
    levels = sorted({int(level) for c in measured for level in c.hit})

    def pooled(attribute: str) -> dict[float, float]:
        return {
            level / 100: sum(getattr(c, attribute).get(level, 0.0) * c.cutoffs for c in measured)
            / cutoffs
            for level in levels
        }

    facts.calibration = Calibration(
        hits=pooled("hit"),
        cutoffs=cutoffs,
        scope=f"{scope}, {len(measured)} teams, pooled by cut-offs",
    )
    facts.raw["calibration_baseline"] = pooled("uncalibrated_hit")
    facts.engines["backtest"] = f"{cutoffs} cut-offs (from {source})"
    return True


# --------------------------------------------------------------------------- resources


def _last_to_finish(
    ws: Workspace, finishes: list[tuple[dt.date, dt.date, int]], teams: list[str]
) -> str:
    """The team load's headline: the team last to finish its planned work by the likely
    dates, and, where other teams' 85% dates are later than its own, the last by those.

    ``finishes``: (likely date, 85% date, row) per dated team; ``teams``: the rows' team names.
    A reader checks the sentence against both dates in the table: a team named last by one of
    them alone reads as a contradiction of the other.
    """
    if not finishes:
        return ""
    # Of the teams tied on the latest likely date, the one that is also latest by the 85% date.
    likely, sure, row = max(finishes)
    name = user_text(teams[row])
    if likely == NEVER:
        return f"{name} is not likely to finish its planned work within 10 years at today's pace"
    when = date_with_confidence(likely, sure, as_of=ws.as_of)
    latest_sure = max(s for _, s, _ in finishes)
    if latest_sure <= sure:
        return f"{name} is the last to finish its planned work ({when})"
    last = [
        user_text(teams[r]) for _, s, r in sorted(finishes, key=lambda f: f[2]) if s == latest_sure
    ]
    sure_when = (
        f"85% sure: {NOT_IN_SIGHT}"
        if latest_sure == NEVER
        else f"85% sure by {say_date(latest_sure, ws.as_of)}"
    )
    return (
        f"{name} is the last to finish its planned work going by the likely dates ({when}); "
        f"going by the 85% dates, {join_words(last)} {'is' if len(last) == 1 else 'are'} last "
        f"({sure_when})"
    )


def _resources(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """What one more engineer per team buys: earlier dates (Monte Carlo) and their value."""
    ws = facts.ws
    finish = facts.raw.get("finish_weeks")
    delivery = facts.raw.get("delivery_forecast")
    if not finish or delivery is None:
        return
    from roadwise.engines.forecast.objectives import simulate_queues

    unit = delivery.unit
    queues = delivery.simulation.queues
    base_team_end = {team: d.finish_weeks for team, d in delivery.teams.items()}
    options: list[dict[str, Any]] = []
    load_rows: list[list[str]] = []
    load_refs: list[dict[str, Any]] = []
    # (likely date, 85% date, row) of each dated team, as its row in the load table says them.
    finishes: list[tuple[dt.date, dt.date, int]] = []
    idle = facts.raw.get("teams_without_history") or {}
    undatable: UndatedWork | None = facts.raw.get("undated_work")
    waiting: list[str] = []  # teams with a pace whose work waits on the teams without one
    for team_key, base_end in sorted(base_team_end.items()):
        team = ws.team_by_key.get(team_key)
        if team is None or not team.people:
            continue
        work = queue_work(queues[team_key])
        remaining = work.estimated
        # As the team estimated it: the dates allow for how its estimates have turned out, so
        # `forecast roadmap` states both amounts (its calibration is for the larger one).
        remaining_text = f"{say_number(remaining)} {unit}" + (
            "" if unit == "items" else " as estimated"
        )
        why = undatable.team(team_key, mark=user_text) if undatable else ""
        if why:
            # Without a pace to learn from (its own, or that of a team whose work it waits
            # on), neither date exists, so there is no option to offer; the team is named in
            # the load table with the reason.
            if team_key not in idle:
                waiting.append(team.name)
            load_rows.append(
                [
                    team.name,
                    remaining_text,
                    str(len(team.people)),
                    f"cannot be dated ({why})",
                ]
            )
            continue
        factor = hire_speedup(ws, team_key, 1)
        # The team's people counted as the engine counts them (by availability): the
        # denominator of the speed-up, so the method can say what was computed.
        fte = team_size(ws, team_key)
        boosted = simulate_queues(
            ws,
            _ranks(facts),
            trials=trials,
            seed=facts.seed,
            speedup={team_key: factor},
            unit=unit,
            planned=delivery.simulation.planned,
            calibrations=delivery.simulation.calibrations,
        ).finish_weeks
        keys = [q.deliverable for q in queues[team_key] if q.deliverable in boosted]
        if not keys:
            continue
        new_end = np.max(np.stack([boosted[k] for k in keys]), axis=0)
        base50 = float(np.quantile(base_end, 0.5, method="inverted_cdf"))
        base85 = float(np.quantile(base_end, 0.85, method="inverted_cdf"))
        new50 = float(np.quantile(new_end, 0.5, method="inverted_cdf"))
        new85 = float(np.quantile(new_end, 0.85, method="inverted_cdf"))
        days_worked = [work_calendar(ws, team_key)]
        base_date = week_date(ws.as_of, base50, days_worked)
        base85_date = week_date(ws.as_of, base85, days_worked)
        new_date = week_date(ws.as_of, new50, days_worked)
        # Counted between the two dates the report shows, so "6 days earlier" is what a reader
        # gets by subtracting them (the fractional weeks could round to a day less). Whole
        # days, in the table as in the sentence: one number, said the same way in both.
        days_saved = max(0, (base_date - new_date).days) if base_date != NEVER else 0
        saved = days_saved / 7
        # Value: the cost of delay of the team's deliverables, for every week each comes earlier.
        value = 0.0
        for key in keys:
            item = ws.item_by_key[key]
            cod = item.value.cost_of_delay
            per_week = (
                float(cod.likely if hasattr(cod, "likely") else cod) if cod is not None else 0.0
            )
            if per_week <= 0:
                continue
            before_hire, after_hire = float(np.median(finish[key])), float(np.median(boosted[key]))
            if not (math.isfinite(before_hire) and math.isfinite(after_hire)):
                # Never done in the replay's ten years, before or after: no weeks to price
                # (inf - inf is no number, and "brought within 10 years" is no finite gain).
                continue
            value += per_week * max(0.0, before_hire - after_hire)
        ref = dict(
            label=f"{team.name}: all planned work done, with one more engineer",
            value=f"{_iso(new_date)} (now {_iso(base_date)})",
            inputs=(
                f"{team.name}'s remaining work ({remaining_text}: "
                f"{say_count(work.items, 'open item')}), its delivery history, "
                f"{len(team.people)} people "
                f"({fte:.3g} full-time equivalents by availability)"
            ),
            method=(
                "the same probabilistic roadmap (same random draws) with the team's weekly "
                f"pace × (1 + {NEW_HIRE_SHARE:g} ÷ the team's full-time equivalents, its "
                "people counted by availability); value = cost of delay per week × "
                "median weeks gained, summed over the team's items"
            ),
            seed=facts.seed,
        )
        currency = ws.settings.currency
        value_text = say_money(value, currency) if value > 0 else "no cost of delay recorded"
        when = date_with_confidence(
            new_date, week_date(ws.as_of, new85, days_worked), as_of=ws.as_of
        )
        name = user_text(team.name)
        if base_date == NEVER:
            # Beyond the simulated ten years there is no "earlier by" to state.
            text = (
                f"one more engineer in {name} brings its planned work within 10 years: "
                f"{date_with_confidence(new_date, as_of=ws.as_of)}"
                if new_date != NEVER
                else f"one more engineer in {name} does not bring its planned work within 10 years"
            )
        elif days_saved:
            text = (
                f"one more engineer in {name} finishes its planned work "
                f"{say_duration(days_saved)} earlier: likely by {say_date(new_date, ws.as_of)} "
                f"instead of {say_date(base_date, ws.as_of)}"
            )
        else:
            text = (
                f"one more engineer in {name} does not move the likely date of its planned "
                f"work ({say_date(base_date, ws.as_of)})"
            )
        if value > 0:
            # Its own items at the forecast's pace: `capacity --what-if` re-plans the whole
            # roadmap with the hire (other teams' work moves too), so its figure differs.
            text += (
                f", worth {value_text} in cost of delay on its own items"
                if days_saved
                else f", but brings its items forward, worth {value_text} in cost of delay on "
                "its own items"
            )
        options.append(
            {
                "option": f"+1 engineer in {team.name}",
                "when": when,
                "without": date_with_confidence(base_date, base85_date, as_of=ws.as_of),
                "earlier": say_duration(days_saved)
                if days_saved
                else "from beyond 10 years"
                if base_date == NEVER and new_date != NEVER
                else "no change",
                "value": value_text,
                "weeks_saved": saved,
                "value_gained": value,
                "text": text[:1].upper() + text[1:] + ".",
                "provenance": ref,
            }
        )
        finishes.append((base_date, base85_date, len(load_rows)))
        load_refs.append(ref)  # provenance specs; the builder numbers them
        load_rows.append(
            [
                team.name,
                remaining_text,
                str(len(team.people)),
                date_with_confidence(base_date, base85_date, as_of=ws.as_of),
            ]
        )
    facts.resource_options = options
    if load_rows:
        # "queue" is a word a workspace's glossary may define in its own product's sense.
        headline = _last_to_finish(ws, finishes, [row[0] for row in load_rows])
        if idle:
            undated = (
                f"{no_history(facts, sorted(idle))}, so "
                f"{'its' if len(idle) == 1 else 'their'} work cannot be dated"
            )
            if waiting:
                undated += (
                    f", nor can the work of {join_words([user_text(n) for n in waiting])}, "
                    f"which waits on {'it' if len(idle) == 1 else 'theirs'}"
                )
            headline = f"{headline}; {undated}" if headline else undated
        facts.raw["team_load"] = {
            "columns": ["Team", "Work remaining", "People", "All planned work done"],
            "rows": load_rows,
            "refs": load_refs,
            "numeric": (1, 2),
            "headline": headline,
            # Said once, so a reader who compares it with a forecast's amount of work (the
            # same items with the team's estimate bias applied) knows which one this is.
            "note": (
                "Work remaining counts each team's open items (those in progress too), those "
                "in the plan and any added since."
                if unit == "items"
                else "Work remaining adds up the likely estimates of each team's open items "
                f"(those in progress in full; an item without an estimate counts as 1 "
                f"{unit.removesuffix('s')} here, as the team's typical item in the forecast), "
                "those in the plan and any added since, as the team estimated them. The dates "
                "also allow for how the team's past estimates turned out, so a team whose "
                "items took longer than estimated is forecast for more work than this."
            ),
        }
        facts.raw["resource_note"] = (
            "Each option reruns the delivery forecast with one extra person in that team, "
            f"counted at {NEW_HIRE_SHARE:.0%} of a team member's pace on average while they "
            "learn the product. The value of finishing earlier is each item's cost of delay "
            "(what the business loses for every week the item is not in customers' hands, as "
            "the product team estimated it) times the weeks it arrives earlier, summed over the "
            "team's items; a team whose earlier items carry a high cost of delay can be worth "
            "more for fewer days."
        )
        facts.engines["resources"] = "forecast with one more engineer per team"
