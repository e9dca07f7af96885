"""Scenario sweeps: the roadmap planned for every combination of hires, estimate error and
named scenarios, to find what a plan needs and how much estimate error it survives.

A sweep is a grid. Its axes are the named scenarios to start from (``None`` for the workspace as
it is), factors on every open item's estimate (1.25: everything takes a quarter longer than
estimated) and, per team, how many people join it. :func:`sweep_points` lists the grid's points
and :func:`plan_point` plans one; the points of a wave (below) are independent, so a caller may
plan them in any order, in this process or on the workers of a cluster, and gets the same
numbers: each plan is improved by a fixed number of rounds of large-neighbourhood search (as
:func:`~roadwise.engines.schedule.needs.what_if_plan` does), deterministic whatever the
machine's load. Hard deadlines are targets in every plan (lateness costs far more than any
delay), so a point that cannot meet them still gets a plan, and says how late.

A sweep runs in waves, by the number of people a point adds (:func:`waves`). The points
without hires are planned first from the priority-rule start; every later point starts from
the better of its own priority-rule start and the best plan found with fewer people on every
team (still valid with more, see :func:`start_of`). So more people never show a higher cost
of delay than fewer because one search happened to stop in a worse place.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from roadwise.domain.workspace import Workspace
from roadwise.engines.capacity import AddedPerson
from roadwise.engines.scenario import apply_scenario, comparable_search, search_cap
from roadwise.engines.schedule.roadmap import plan_roadmap
from roadwise.errors import ValidationError


@dataclass(frozen=True)
class SweepPoint:
    """One combination: a scenario (None: the workspace as it is), a factor on every open
    item's estimate, and the people added per team (every team of the sweep, zeros kept)."""

    scenario: str | None
    estimate_factor: float
    hires: tuple[tuple[str, int], ...]

    @property
    def people_added(self) -> int:
        return sum(n for _, n in self.hires)

    @property
    def hires_label(self) -> str:
        """The people added, "payments +1, mobile +2" ("" for none)."""
        return ", ".join(f"{team} +{n}" for team, n in self.hires if n)

    @property
    def label(self) -> str:
        """The point in a few words: "base, estimates ×1.25, payments +1"."""
        return ", ".join(
            part
            for part in (
                self.scenario or "base",
                f"estimates ×{self.estimate_factor:g}" if self.estimate_factor != 1 else "",
                self.hires_label,
            )
            if part
        )


SWEEP_ROUNDS = 100
"""Search rounds per point. More than ``capacity --what-if`` gives its plans, because a sweep
compares plans of different estimates and scenarios too, where no plan is a start for another:
on the sample, 40 rounds left one point (a scenario at ×1.5 estimates) 28.5 % above what 400
rounds found, 100 rounds 7.7 %, and three other points within 3 % and 1 % (docs/benchmarks.md)."""


@dataclass(frozen=True)
class SweepSettings:
    """How every point is planned: hires join on ``joins`` (None: the plan's first day) and
    ramp up linearly over ``ramp_up_days``; each plan gets ``rounds`` rounds of search."""

    joins: dt.date | None = None
    ramp_up_days: int = 30
    rounds: int = SWEEP_ROUNDS
    seed: int = 0
    time_limit: float = 20.0
    """Seconds for the full search where a point has no valid start (the safety net of
    :func:`~roadwise.engines.schedule.roadmap.plan_roadmap`); the rounds are the budget."""
    targets: bool = False
    """Hold targets in every plan (``RoadmapOptions.targets``): a sweep around a roadmap that
    was planned holding them measures hires and estimate error under the same promises."""

    @property
    def wall_clock_cap(self) -> float:
        """The search's safety cap in seconds (:func:`~roadwise.engines.scenario.search_cap`)."""
        return search_cap(self.rounds, self.time_limit)


@dataclass(frozen=True)
class SweepOutcome:
    """One point's plan in numbers."""

    point: SweepPoint
    cost_of_delay: float
    """In money, over the items whose cost of delay is stated in money."""
    finish: dt.date | None
    late: int
    """Items (and features or epics) that miss a hard deadline."""
    late_days: int
    method: str
    """``cp-sat-lns`` where the rounds planned the point (deterministic); anything else means
    the full search ran, bounded by time."""
    placements: Mapping[str, tuple[str, tuple[int, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """The plan itself (item key -> team, start day of every piece): where the same point
    with hires starts from."""


def sweep_points(
    scenarios: Sequence[str | None] = (None,),
    estimate_factors: Sequence[float] = (1.0,),
    hires: Mapping[str, Sequence[int]] | None = None,
) -> list[SweepPoint]:
    """Every combination of the axes, scenario first, then estimate factor, then hires (the
    first team's count changing slowest)."""
    if not scenarios or not estimate_factors:
        raise ValidationError("a sweep needs at least one scenario and one estimate factor")
    for factor in estimate_factors:
        if not (factor > 0 and math.isfinite(factor)):
            raise ValidationError(
                f"an estimate factor must be a number above 0, got {factor:g}", field="--estimates"
            )
    hires = dict(hires or {})
    for team, counts in hires.items():
        if not counts or any(n < 0 for n in counts):
            raise ValidationError(
                f"people added to {team} must be 0 or more, at least one count",
                field="--hire",
            )
    teams = list(hires)
    grid = list(itertools.product(*(list(dict.fromkeys(hires[t])) for t in teams)))
    return [
        SweepPoint(scenario, float(factor), tuple(zip(teams, combo, strict=True)))
        for scenario in dict.fromkeys(scenarios)
        for factor in dict.fromkeys(estimate_factors)
        for combo in grid
    ]


def check_points(ws: Workspace, points: Sequence[SweepPoint]) -> None:
    """Every scenario and team the points name is in ``ws``; raises before any planning."""
    scenarios = {s.key for s in ws.scenarios}
    teams = {t.key for t in ws.teams}
    for team in dict.fromkeys(t for p in points for t, _ in p.hires):
        if team not in teams:
            raise ValidationError(
                f"no team '{team}' (teams: {', '.join(sorted(teams)) or 'none'})", field="--hire"
            )
    for scenario in {p.scenario for p in points} - {None}:
        if scenario not in scenarios:
            known = ", ".join(sorted(scenarios)) or "none yet"
            raise ValidationError(
                f"no scenario '{scenario}' (scenarios: {known})", field="--scenarios"
            )


def point_workspace(ws: Workspace, point: SweepPoint) -> Workspace:
    """The workspace a point plans: its scenario applied, then every open item's estimate
    (low, likely and high) times the point's factor."""
    if point.scenario is not None:
        scenario = next(s for s in ws.scenarios if s.key == point.scenario)
        ws = apply_scenario(ws, scenario)
    if point.estimate_factor == 1:
        return ws
    factor = point.estimate_factor
    items = [
        i.model_copy(
            update={
                "estimate": i.estimate.model_copy(
                    update={
                        "low": i.estimate.low * factor,
                        "likely": i.estimate.likely * factor,
                        "high": i.estimate.high * factor,
                    }
                )
            }
        )
        if i.is_open and i.estimate is not None
        else i
        for i in ws.items
    ]
    return ws.copy_with(items=items)


def waves(points: Sequence[SweepPoint]) -> list[list[SweepPoint]]:
    """The points by how many people they add, fewest first: a wave's points are independent
    of each other and start from the plans of earlier waves (see :func:`start_of`). The first
    wave holds a plan without hires for every scenario and estimate factor, also where the
    sweep's hire counts all start above zero."""
    points = list(points)
    groups = {(p.scenario, p.estimate_factor): p for p in points}
    for p in groups.values():
        bare = SweepPoint(p.scenario, p.estimate_factor, tuple((t, 0) for t, _ in p.hires))
        if bare not in points:
            points.append(bare)
    levels = sorted({p.people_added for p in points})
    return [[p for p in points if p.people_added == level] for level in levels]


def start_of(
    point: SweepPoint, planned: Sequence[SweepOutcome]
) -> Mapping[str, tuple[str, tuple[int, ...]]] | None:
    """Where ``point`` starts: the plan with the fewest days late, then the lowest cost of delay,
    among the planned points of its scenario and estimate factor with no more people on any
    team. That plan stays valid with
    the extra people (a hire only adds capacity: see
    :func:`~roadwise.engines.schedule.roadmap.build_inputs`), so more people never show a
    higher cost of delay than fewer."""
    counts = dict(point.hires)
    fewer = [
        o
        for o in planned
        if (o.point.scenario, o.point.estimate_factor) == (point.scenario, point.estimate_factor)
        and o.point != point
        and all(n <= counts.get(t, 0) for t, n in o.point.hires)
    ]
    best = min(fewer, key=lambda o: (o.late_days, o.cost_of_delay, o.point.hires), default=None)
    return best.placements if best is not None else None


def plan_point(
    ws: Workspace,
    point: SweepPoint,
    settings: SweepSettings,
    start: Mapping[str, tuple[str, tuple[int, ...]]] | None = None,
) -> SweepOutcome:
    """One point planned: the same search for every point, so their numbers compare.
    ``start``: a plan to start from where it is better than the priority-rule start."""
    planned = point_workspace(ws, point)
    added = tuple(
        AddedPerson(team=team, joins=settings.joins, ramp_up_days=settings.ramp_up_days)
        for team, count in point.hires
        for _ in range(count)
    )
    options = comparable_search(
        settings.rounds,
        settings.time_limit,
        settings.seed,
        settings.targets,
        added=added,
        warm_start=start,
    )
    roadmap = plan_roadmap(planned, options)
    late = [s for s in (*roadmap.items, *roadmap.rollups) if s.hard_deadline and s.late_days]
    return SweepOutcome(
        point=point,
        cost_of_delay=roadmap.summary.cost_of_delay,
        finish=roadmap.summary.finish,
        late=len(late),
        late_days=sum(s.late_days for s in late),
        method=roadmap.summary.method,
        placements=roadmap.placements,
    )


def closest(outcomes: Sequence[SweepOutcome], scenario: str | None, factor: float) -> SweepOutcome:
    """The point of a scenario and estimate factor nearest to meeting every hard deadline:
    fewest items late, then fewest days late, then fewest people added."""
    return min(
        (o for o in outcomes if (o.point.scenario, o.point.estimate_factor) == (scenario, factor)),
        key=lambda o: (o.late, o.late_days, o.point.people_added),
    )


def fewest_people(
    outcomes: Sequence[SweepOutcome],
) -> dict[tuple[str | None, float], SweepOutcome | None]:
    """Per scenario and estimate factor, the point that meets every hard deadline with the
    fewest people added (then the lowest cost of delay); None where no point of the sweep
    meets them all."""
    best: dict[tuple[str | None, float], SweepOutcome | None] = {}
    for outcome in outcomes:
        where = (outcome.point.scenario, outcome.point.estimate_factor)
        best.setdefault(where, None)
        if outcome.late:
            continue
        current = best[where]
        rank = (outcome.point.people_added, outcome.cost_of_delay)
        if current is None or rank < (current.point.people_added, current.cost_of_delay):
            best[where] = outcome
    return best
