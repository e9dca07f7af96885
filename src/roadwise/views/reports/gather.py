"""Run (or reuse) the engines a report presents and turn their results into :class:`Facts`.

Reports are a view: the numbers come from the engines. ``gather`` reuses results handed in
(the demo passes what its earlier steps computed) and otherwise calls each engine that exists
with short limits, so all six reports build in seconds. An engine that is not installed yet, or
that fails on this workspace, simply leaves its facts empty and its sections out.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from roadwise.domain import Item, Status, Workspace
from roadwise.errors import RoadwiseError
from roadwise.views.reports import facts as F
from roadwise.views.reports.facts import (
    Calibration,
    CapacityRow,
    DateForecast,
    Facts,
    Priority,
    Scheduled,
)
from roadwise.views.reports.wording import (
    date_with_confidence,
    say_count,
    say_date,
    say_duration,
    say_money,
    say_number,
)

TRIALS = 2000
NEW_HIRE_SHARE = 0.75
HISTORY_WEEKS = 104


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def gather(
    ws: Workspace,
    results: dict[str, Any] | None = None,
    *,
    seed: int | None = None,
    trials: int = TRIALS,
    steps: tuple[str, ...] = (
        "priorities",
        "feedback",
        "release",
        "roadmap",
        "forecast",
        "calibration",
        "resources",
    ),
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
            result = prioritize(facts.ws, samples=min(trials, 1000), seed=facts.seed)
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


def rank_of(facts: Facts, item: Item) -> float:
    """An item's expected rank; for a parent, the best rank among the items below it."""
    own = facts.priorities.get(item.key)
    if own is not None:
        return own.rank
    ranks = [
        p.rank for i in F.descendants(facts.ws, item.key) if (p := facts.priorities.get(i.key))
    ]
    return min(ranks) if ranks else float("inf")


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
        direct: dict[str, set[str]] = defaultdict(set)
        for fb in ws.feedback:
            for link in fb.links:
                if link.confirmed:
                    direct[link.item].add(fb.key)
        if not direct:
            return
        groups: dict[str, set[str]] = defaultdict(set)
        for key, members in direct.items():
            node = ws.item_by_key.get(key)
            while node is not None:
                groups[node.key] |= members
                node = ws.item_by_key.get(node.parent) if node.parent else None
        try:
            demand = compute_demand(
                {k: sorted(v) for k, v in groups.items()},
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
        "their parents; 90 % interval by bootstrap over customers (roadwise.engines.feedback)"
    )
    facts.engines["feedback"] = "revenue-weighted demand"


# --------------------------------------------------------------------------- release


def _release(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """The provably best content of the next release, and what 10 % more capacity would add."""
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

        options = RoadmapOptions(
            time_limit=float(results.get("_schedule_seconds", 3.0)),
            workers=2,
            seed=facts.seed,
            baseline=False,
        )
        try:
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
    quality = (
        "proven optimal"
        if summary.proven_optimal
        else f"best found in {summary.seconds:.0f} s, within {summary.gap:.0%} of the bound"
    )
    facts.schedule_method = (
        f"{summary.method} roadmap minimising cost of delay under team capacity, skills, "
        f"dependencies and deadlines ({quality}; roadwise.engines.schedule)"
    )
    facts.raw["roadmap_result"] = result
    facts.engines["roadmap"] = f"{summary.method}, {quality}"
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


def _weekly_history(ws: Workspace, team: str | None, unit: str, end: dt.date) -> np.ndarray:
    """Work finished per week (oldest first) over the last two years before ``end``."""
    from roadwise.engines import history

    records = history.select(ws.history, team=team)
    start = end - dt.timedelta(weeks=HISTORY_WEEKS)
    series = history.throughput(records, "week", start=history.week_start(start), end=end)
    values = series.values(unit)
    return np.asarray(values, dtype=float)


def _unit(ws: Workspace) -> str:
    """Forecast in points when the history has them and items are estimated, else in items."""
    has_points = sum(1 for r in ws.history if r.points) > 0.5 * max(1, len(ws.history))
    return "points" if has_points else "items"


def _leaf_size(ws: Workspace, leaf: Item, unit: str) -> float:
    if unit == "items":
        return 1.0
    if leaf.estimate is None:
        return 1.0
    value = leaf.estimate.likely
    if leaf.estimate.unit.value == "person_days" and leaf.team in ws.team_by_key:
        value *= ws.team_by_key[leaf.team].points_per_person_day
    return value


def _team_of(ws: Workspace, leaf: Item) -> str | None:
    node: Item | None = leaf
    while node is not None:
        if node.team:
            return node.team
        node = ws.item_by_key.get(node.parent) if node.parent else None
    return None


def _order_key(facts: Facts) -> Callable[[Item], tuple[Any, ...]]:
    """Work order within a team: in progress first, then dated commitments, then priority.

    The roadmap's solver is stopped by a time limit, so its order can differ from run to run;
    the forecast keeps to this deterministic order so that a report is reproducible.
    """
    ws = facts.ws
    status_rank = {Status.IN_PROGRESS: 0, Status.READY: 1, Status.DISCOVERY: 2, Status.IDEA: 3}

    def committed(item: Item) -> dt.date:
        dates = [
            node.deadline.date
            for node in [item, *F.descendants(ws, item.key)]
            if node.deadline and node.is_open
        ]
        return min(dates) if dates else dt.date.max

    def key(item: Item) -> tuple[Any, ...]:
        return (
            status_rank.get(item.status, 4),
            committed(item),
            rank_of(facts, item),
            item.key,
        )

    return key


def team_leaves(facts: Facts) -> dict[str, list[tuple[str, Item]]]:
    """Each team's open leaves as (deliverable key, leaf) in the order they will be worked.

    Deliverables are ordered by status (in progress first), dated commitments and priority;
    within a deliverable, its leaves in the same order.
    """
    ws = facts.ws
    order = _order_key(facts)
    queues: dict[str, list[tuple[str, Item]]] = defaultdict(list)
    for deliverable in sorted(F.deliverables(ws), key=order):
        for leaf in sorted(F.leaves_of(ws, deliverable), key=order):
            team = _team_of(ws, leaf)
            if leaf.is_open and team is not None:
                queues[team].append((deliverable.key, leaf))
    return queues


def team_queues(facts: Facts, unit: str) -> dict[str, list[tuple[str, float]]]:
    """Each team's remaining work as (deliverable key, size) in queue order."""
    return {
        team: [(key, _leaf_size(facts.ws, leaf, unit)) for key, leaf in leaves]
        for team, leaves in team_leaves(facts).items()
    }


def simulate_queues(
    facts: Facts,
    unit: str,
    trials: int,
    *,
    extra: dict[str, float] | None = None,
    seed_offset: int = 0,
    starts: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Finish week (trials,) of every deliverable: the latest of its open leaves.

    The forecasting engine's probabilistic roadmap replays each team's leaves in queue order,
    with sizes drawn from their estimates (corrected by the team's estimate bias), throughput
    resampled in blocks of weeks from the team's own history, and dependencies waited for.
    ``extra`` scales a team's throughput (one more engineer); ``starts``, when given, receives
    the week each deliverable's first piece of work can begin.
    """
    from roadwise.engines.forecast import TeamFlow, estimate_bias, simulate_roadmap
    from roadwise.engines.forecast.roadmap import RoadmapItem

    ws = facts.ws
    queues = team_leaves(facts)
    items: list[RoadmapItem] = []
    owner: list[str] = []
    for team, leaves in sorted(queues.items()):
        for deliverable, leaf in leaves:
            items.append(
                RoadmapItem(
                    key=leaf.key,
                    team=team,
                    estimate=leaf.estimate if unit == "points" else None,
                    depends_on=tuple(d.item for d in leaf.dependencies),
                    deadline=leaf.deadline.date if leaf.deadline else None,
                    title=leaf.title,
                )
            )
            owner.append(deliverable)
    if not items:
        return {}
    known = {it.key for it in items}
    items = [
        RoadmapItem(
            key=it.key,
            team=it.team,
            estimate=it.estimate,
            depends_on=tuple(d for d in it.depends_on if d in known),
            deadline=it.deadline,
            title=it.title,
        )
        for it in items
    ]
    flows: dict[str, Any] = {}
    for team in queues:
        history = _weekly_history(ws, team, unit, ws.as_of) * (extra or {}).get(team, 1.0)
        records = [r for r in ws.history if r.team == team]
        points = [r.points for r in records if r.points]
        flows[team] = TeamFlow(
            history,
            estimate_bias(records, team) if unit == "points" else None,
            float(np.median(points)) if unit == "points" and points else 1.0,
        )
    result = simulate_roadmap(items, flows, ws.as_of, trials=trials, seed=facts.seed + seed_offset)
    weeks = np.asarray(result.finish_days) / 7.0
    finish: dict[str, np.ndarray] = {}
    previous: dict[str, int] = {}
    for column, (it, deliverable) in enumerate(zip(items, owner, strict=True)):
        finish[deliverable] = np.maximum(
            finish.get(deliverable, np.zeros(trials)), weeks[:, column]
        )
        if starts is not None:
            # A piece starts when its team finished the piece before it in the queue.
            before = previous.get(it.team)
            began = weeks[:, before] if before is not None else np.zeros(trials)
            starts[deliverable] = np.minimum(
                starts.get(deliverable, np.full(trials, np.inf)), began
            )
        previous[it.team] = column
    facts.raw.setdefault("roadmap_forecast", result)
    return finish


def _to_date(as_of: dt.date, weeks: float) -> dt.date:
    if not np.isfinite(weeks):
        return dt.date.max
    return as_of + dt.timedelta(days=int(np.ceil(weeks * 7)))


def _forecast(facts: Facts, results: dict[str, Any], trials: int) -> None:
    ws = facts.ws
    if not ws.history or not _has("roadwise.engines.forecast.simulate"):
        return
    unit = _unit(ws)
    starts: dict[str, np.ndarray] = {}
    finish = simulate_queues(facts, unit, trials, starts=starts)
    if not finish:
        return
    for key, weeks in starts.items():
        facts.forecast_starts[key] = _to_date(
            ws.as_of, float(np.quantile(weeks, 0.5, method="inverted_cdf"))
        )
    method = (
        f"probabilistic roadmap, {trials:,} Monte Carlo trials (roadwise.engines.forecast): each "
        f"team works its open items in order of status, deadline and priority; sizes drawn from "
        f"the estimates corrected by the team's estimate bias; weekly {unit} resampled in blocks "
        "from the team's own last 12/26/52 weeks; dependencies waited for"
    )
    facts.forecast_method = method
    facts.forecast_trials = trials
    facts.engines["forecast"] = f"Monte Carlo, {trials:,} trials"
    facts.raw["finish_weeks"] = finish
    facts.raw["forecast_unit"] = unit

    distributions: dict[str, np.ndarray] = {}
    facts.raw["finish_distributions"] = distributions

    def record(key: str, weeks: np.ndarray, deadline: dt.date | None, inputs: str) -> None:
        distributions[key] = weeks * 7.0  # days from as_of, one per trial, for histograms
        q50, q85, q95 = np.quantile(weeks, [0.5, 0.85, 0.95], method="inverted_cdf")
        p_deadline = None
        if deadline is not None:
            p_deadline = float(np.mean(weeks * 7 <= (deadline - ws.as_of).days))
        facts.forecasts[key] = DateForecast(
            key=key,
            p50=_to_date(ws.as_of, float(q50)),
            p85=_to_date(ws.as_of, float(q85)),
            p95=_to_date(ws.as_of, float(q95)),
            deadline=deadline,
            p_deadline=p_deadline,
            inputs=inputs,
            method=method,
        )

    history_note = f"{len(ws.history):,} finished items of delivery history"
    for item in F.deliverables(ws) + F.initiatives(ws):
        keys = _covered(ws, item, finish)
        if not keys:
            continue
        weeks = np.max(np.stack([finish[k] for k in keys]), axis=0)
        deadline = F.effective_deadline(ws, item)
        open_leaves = [leaf for leaf in F.leaves_of(ws, item) if leaf.is_open]
        record(
            item.key,
            weeks,
            deadline[0] if deadline else None,
            f"{say_count(len(open_leaves), 'open item')} under {item.key}; {history_note}",
        )
    for objective in ws.objectives:
        served = {i.key for i in F.objective_items(ws, objective.key)}
        keys = [k for k in finish if k in served]
        if not keys:
            continue
        weeks = np.max(np.stack([finish[k] for k in keys]), axis=0)
        record(
            f"objective:{objective.key}",
            weeks,
            objective.due,
            f"{say_count(len(keys), 'open deliverable')} serving {objective.key}; {history_note}",
        )
    _burn_up(facts, unit, trials)


def _covered(ws: Workspace, item: Item, finish: dict[str, np.ndarray]) -> list[str]:
    """Deliverable keys with a forecast that make up ``item`` (itself, or those below it)."""
    if item.key in finish:
        return [item.key]
    below = {i.key for i in F.descendants(ws, item.key)}
    return [k for k in finish if k in below]


def _burn_up(facts: Facts, unit: str, trials: int) -> None:
    """Work finished over the last half year, and the cone of the same forecast as the dates.

    The cone is read off the probabilistic roadmap: in each trial, the work done by a date is
    the likely size of every item that trial has finished by then, so the cone, the scope line
    and the dates in the tables tell the same story.
    """
    ws = facts.ws
    forecast = facts.raw.get("roadmap_forecast")
    weekly = _weekly_history(ws, None, unit, ws.as_of)
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
        [_leaf_size(ws, ws.item_by_key[o.key], unit) for o in forecast.items], dtype=float
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
    median_days = float(np.quantile(last, 0.5, method="inverted_cdf"))
    pace = float(recent.mean()) if recent.size else 0.0
    finished = ws.as_of + dt.timedelta(days=median_days) if np.isfinite(median_days) else None
    headline = (
        f"All open work ({say_number(remaining)} {unit} estimated) is likely done by "
        f"{say_date(finished, ws.as_of)}, about {say_duration(median_days).removeprefix('about ')} "
        f"from now; the last half year's pace was {say_number(pace)} {unit} a week"
        if finished
        else f"All open work ({say_number(remaining)} {unit}) is not in sight at today's pace"
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
    """Reuse the calibration each team's forecast measured (the demo's forecast step)."""
    forecast = results.get("forecast")
    teams = forecast.get("teams") if isinstance(forecast, dict) else None
    measured = [
        f.calibration
        for f in (teams or {}).values()
        if getattr(f, "calibration", None) is not None and f.calibration.cutoffs
    ]
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
        scope=f"each team's own forecasts, {len(measured)} teams, pooled by cut-offs",
    )
    facts.raw["calibration_baseline"] = pooled("uncalibrated_hit")
    facts.engines["backtest"] = f"{cutoffs} cut-offs (from the forecast step)"
    return True


# --------------------------------------------------------------------------- resources


def _resources(facts: Facts, results: dict[str, Any], trials: int) -> None:
    """What one more engineer per team buys: earlier dates (Monte Carlo) and their value."""
    ws = facts.ws
    finish = facts.raw.get("finish_weeks")
    if not finish:
        return
    unit = facts.raw["forecast_unit"]
    queues = team_queues(facts, unit)
    base_team_end: dict[str, np.ndarray] = {}
    for queue_team, queue in queues.items():
        keys = [k for k, _ in queue if k in finish]
        if keys:
            base_team_end[queue_team] = np.max(np.stack([finish[k] for k in keys]), axis=0)
    options: list[dict[str, Any]] = []
    load_rows: list[list[str]] = []
    load_refs: list[dict[str, Any]] = []
    order: list[tuple[float, int]] = []
    for team_key, base_end in sorted(base_team_end.items()):
        team = ws.team_by_key.get(team_key)
        if team is None or not team.people:
            continue
        people = sum(p.availability for p in team.people) or float(len(team.people))
        # A new engineer counts as 3/4 of a team member on average: the ramp-up is paid first.
        factor = 1.0 + NEW_HIRE_SHARE / people
        boosted = simulate_queues(facts, unit, trials, extra={team_key: factor})
        keys = [k for k, _ in queues[team_key] if k in boosted]
        if not keys:
            continue
        new_end = np.max(np.stack([boosted[k] for k in keys]), axis=0)
        base50 = float(np.quantile(base_end, 0.5, method="inverted_cdf"))
        base85 = float(np.quantile(base_end, 0.85, method="inverted_cdf"))
        new50 = float(np.quantile(new_end, 0.5, method="inverted_cdf"))
        new85 = float(np.quantile(new_end, 0.85, method="inverted_cdf"))
        saved = max(0.0, base50 - new50)
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
            earlier = float(np.median(finish[key]) - np.median(boosted[key]))
            value += per_week * max(0.0, earlier)
        base_date = _to_date(ws.as_of, base50)
        new_date = _to_date(ws.as_of, new50)
        ref = dict(
            label=f"{team.name}: all planned work done, with one more engineer",
            value=f"{new_date.isoformat()} (now {base_date.isoformat()})",
            inputs=(
                f"{team.name}'s remaining work ({say_number(sum(s for _, s in queues[team_key]))} "
                f"{unit}), its delivery history, {len(team.people)} people"
            ),
            method=(
                "the same probabilistic roadmap (same random draws) with the team's weekly "
                f"pace × (1 + {NEW_HIRE_SHARE:g} ÷ people); value = cost of delay per week × "
                "median weeks gained, summed over the team's items"
            ),
            seed=facts.seed,
        )
        currency = ws.settings.currency
        value_text = say_money(value, currency) if value > 0 else "no cost of delay recorded"
        when = date_with_confidence(new_date, _to_date(ws.as_of, new85), as_of=ws.as_of)
        text = (
            f"one more engineer in {team.name} finishes its planned work "
            f"{say_duration(saved * 7)} earlier ({when})"
        )
        if value > 0:
            text += f", worth {value_text} in cost of delay"
        options.append(
            {
                "option": f"+1 engineer in {team.name}",
                "when": date_with_confidence(new_date, _to_date(ws.as_of, new85), as_of=ws.as_of),
                "earlier": say_duration(saved * 7) if saved >= 0.5 else "no change",
                "value": value_text,
                "weeks_saved": saved,
                "value_gained": value,
                "text": text[:1].upper() + text[1:] + ".",
                "provenance": ref,
            }
        )
        remaining = sum(s for _, s in queues[team_key])
        order.append((base50, len(load_rows)))
        load_refs.append(ref)  # provenance specs; the builder numbers them
        load_rows.append(
            [
                team.name,
                f"{say_number(remaining)} {unit}",
                str(len(team.people)),
                date_with_confidence(base_date, _to_date(ws.as_of, base85), as_of=ws.as_of),
            ]
        )
    facts.resource_options = options
    if load_rows:
        latest = load_rows[max(order)[1]]
        facts.raw["team_load"] = {
            "columns": ["Team", "Work remaining", "People", "All planned work done"],
            "rows": load_rows,
            "refs": load_refs,
            "numeric": (1, 2),
            "headline": f"{latest[0]} has the longest queue",
        }
        facts.raw["resource_note"] = (
            "Each option reruns the delivery forecast with one extra person in that team, "
            f"counted at {NEW_HIRE_SHARE:.0%} of a team member's pace on average while they "
            "learn the product."
        )
        facts.engines["resources"] = "forecast with one more engineer per team"
