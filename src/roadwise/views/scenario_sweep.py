"""``roadwise scenario sweep``: every point of a sweep planned, in this process or on Dask.

The points are planned in the waves of :func:`~roadwise.engines.sweep.waves`: first the plans
without hires, then the points with one person more, and so on, each starting from the best
plan with fewer people. Within a wave the points are independent, so on a Dask cluster they
run side by side; the workspace and the settings go to every worker once. The numbers are the
same wherever they ran.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from roadwise.domain.workspace import Workspace
from roadwise.engines.sweep import (
    SweepOutcome,
    SweepPoint,
    SweepSettings,
    plan_point,
    start_of,
    waves,
)
from roadwise.views._dask import DaskCluster


@dataclass(frozen=True)
class SweepRun:
    outcomes: tuple[SweepOutcome, ...]
    """One per point, in the sweep's order."""
    without_hires: tuple[SweepOutcome, ...]
    """The plan without hires of every scenario and estimate factor (what hires save)."""
    where: str
    workers: int

    def saved(self, outcome: SweepOutcome) -> float:
        """Cost of delay the point's hires save against the same point without them."""
        for base in self.without_hires:
            if (base.point.scenario, base.point.estimate_factor) == (
                outcome.point.scenario,
                outcome.point.estimate_factor,
            ):
                return base.cost_of_delay - outcome.cost_of_delay
        return 0.0


def run_sweep(
    ws: Workspace,
    points: Sequence[SweepPoint],
    settings: SweepSettings,
    cluster: DaskCluster | None = None,
    progress: Callable[[int], None] | None = None,
) -> SweepRun:
    """Plan every point; ``progress`` is told how many are done after each."""
    planned: list[SweepOutcome] = []
    shared, how = (cluster.share(ws), cluster.share(settings)) if cluster else (ws, settings)
    for wave in waves(points):
        calls = [(shared, p, how, start_of(p, planned)) for p in wave]
        results = (
            cluster.in_order(plan_point, calls)
            if cluster
            else (plan_point(*call) for call in calls)
        )
        for outcome in results:
            planned.append(outcome)
            if progress is not None:
                progress(len(planned))
    by_point = {o.point: o for o in planned}
    return SweepRun(
        outcomes=tuple(by_point[p] for p in points),
        without_hires=tuple(o for o in planned if o.point.people_added == 0),
        where=cluster.where if cluster else "this process",
        workers=cluster.workers if cluster else 1,
    )
