"""Glue shared by the CLI and the demo: turn a workspace into a probabilistic-roadmap run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from roadwise.domain import Workspace
from roadwise.domain.model import EstimateUnit
from roadwise.engines.forecast import RoadmapForecast, TeamFlow, estimate_bias, simulate_roadmap
from roadwise.engines.forecast.backtest import history_before
from roadwise.engines.forecast.roadmap import roadmap_items


def planned_from(result: Any) -> list[tuple[str, str, dt.date, dt.date]] | None:
    """(key, team, start, end) of each scheduled leaf item of a scheduling result, if any."""
    if result is None:
        return None
    items = getattr(result, "items", None)
    if items is None and isinstance(result, dict):
        items = result.get("items")
    if not items:
        return None
    out = []
    for it in items:
        get = it.get if isinstance(it, dict) else lambda k, it=it: getattr(it, k, None)
        if get("level") not in (None, "leaf"):
            continue
        key, team, start, end = get("key"), get("team"), get("start"), get("end")
        if key and team and start and end:
            out.append((str(key), str(team), start, end))
    return out or None


def workspace_roadmap(
    ws: Workspace, scheduled: Any = None, trials: int = 5000, seed: int = 0
) -> tuple[RoadmapForecast, str]:
    """Replay the workspace's roadmap (the scheduler's when given, else backlog order)."""
    planned = planned_from(scheduled)
    items = roadmap_items(ws.items, planned)
    as_of = ws.as_of
    epoch = dt.datetime.combine(as_of, dt.time())
    points = any(i.estimate is not None and i.estimate.unit == EstimateUnit.POINTS for i in items)
    flows: dict[str, TeamFlow] = {}
    for team in {i.team for i in items}:
        recs = [r for r in ws.history if r.team == team and r.done < epoch]
        if not recs:
            flows[team] = TeamFlow(np.zeros(0))
            continue
        done = np.array([(r.done - epoch).total_seconds() / 86400 for r in recs])
        sizes = np.array([r.points or 0.0 for r in recs]) if points else None
        hist = history_before(done, 0.0, float(done.min()), sizes=sizes)
        typical = (
            float(np.median([r.points for r in recs if r.points]))
            if points and any(r.points for r in recs)
            else 1.0
        )
        flows[team] = TeamFlow(hist, estimate_bias(recs, team) if points else None, typical)
    result = simulate_roadmap(items, flows, as_of, trials=trials, seed=seed)
    source = "the scheduled roadmap" if planned else "backlog order per team"
    unit = "points" if points else "items"
    return result, f"{len(items)} items, {source}, sizes in {unit}"


def team_calibrations(
    ws: Workspace, items_per_team: dict[str, int], trials: int = 400
) -> dict[str, Any]:
    """Each team's measured calibration for forecasting its own share of the roadmap."""
    from roadwise.engines.forecast import ForecastOptions, measure
    from roadwise.engines.forecast.throughput import _measured

    out: dict[str, Any] = {}
    for team, count in items_per_team.items():
        recs = [r for r in ws.history if r.team == team]
        if not recs or count <= 0:
            continue
        result = measure(recs, float(count), ws.as_of, ForecastOptions(backtest_trials=trials))
        out[team] = _measured(result)
    return out
