"""Probabilistic roadmap: the planned order of work, replayed under uncertain sizes and speed.

Each team works through its items in the planned order (the scheduler's start dates when a
roadmap exists, otherwise priority order): an item is done once the team's throughput, sampled
from its own history in blocks of weeks, has covered it and every item before it in the team's
order. An item that depends on other work is done no sooner than that work plus its own size at
the team's pace; meanwhile the team does its next items rather than idling, so a team's
throughput is never lost to a wait. All trials advance together: the loop
runs over items, never over trials.

The result says, per item and per deadline, how likely the date is met, and how often the item
lies on the critical path (the chain of waits that decides when the last item finishes).
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import numpy as np
from numpy.typing import NDArray

from roadwise.domain.model import Estimate
from roadwise.engines.forecast.calendar import WorkCalendar, deadline_horizon, delivery_date
from roadwise.engines.forecast.estimates import EstimateBias, sample_sizes
from roadwise.engines.forecast.simulate import FloatArray, Sampling, sample_weeks

MAX_WEEKS = 520

Calibrate = Callable[[FloatArray, float | None], FloatArray]
"""Per trial, the days a team's whole queue took in the simulation, and the median amount of
work simulated -> the calibrated days of the same rank."""

Pace = float | tuple[float, ...]
"""What a team's weekly throughput is multiplied by: the same every week, or week by week from
the start of the run (the last value holding after the tuple ends), e.g. a hire ramping up."""


@dataclass(frozen=True)
class RoadmapItem:
    key: str
    team: str
    estimate: Estimate | None = None
    depends_on: tuple[str, ...] = ()
    deadline: dt.date | None = None
    planned_end: dt.date | None = None
    title: str = ""


@dataclass(frozen=True)
class TeamFlow:
    """What the simulation knows of a team: weekly throughput (in the unit items are sized in)."""

    history: FloatArray
    bias: EstimateBias | None = None
    #: Size of an item without an estimate (the team's typical item; 1 when counting items).
    default_size: float = 1.0
    #: Multiplies every simulated week's throughput (what one more person buys). Applied after
    #: the weeks are drawn, so a sped-up run replays the very same draws: each trial can only
    #: finish earlier, and the difference to the base run is the speed-up, not sampling noise.
    speedup: Pace = 1.0
    #: Per trial, the simulated days for the team's whole queue -> calibrated days of the same
    #: rank (a :class:`~roadwise.engines.forecast.throughput.TeamCalibration`); None replays
    #: the plain simulation. Applied to the team's pace before ``speedup``.
    calibrate: Calibrate | None = field(default=None, repr=False, compare=False)
    #: The team's working days: its items' dates are among them (the simulation's weeks are
    #: unchanged by it).
    calendar: WorkCalendar = field(default_factory=WorkCalendar)


@dataclass(frozen=True)
class ItemOutcome:
    key: str
    team: str
    finish: dict[int, dt.date | None]
    deadline: dt.date | None
    p_deadline: float | None
    planned_end: dt.date | None
    p_planned_end: float | None
    critical: float


@dataclass(frozen=True)
class RoadmapForecast:
    as_of: dt.date
    trials: int
    items: tuple[ItemOutcome, ...]
    finish_all: dict[int, dt.date | None]
    #: Finish day (from as_of) of every item in every trial, for charts: trials x items.
    finish_days: FloatArray = field(repr=False)

    def outcome(self, key: str) -> ItemOutcome:
        return next(i for i in self.items if i.key == key)


def _order(items: Sequence[RoadmapItem]) -> list[int]:
    """The order the simulation takes items in: each team's items in the given order, every
    dependency before the work that waits for it.

    A team does not reorder its queue because another team's item waits for one of its items:
    the waiting item is what waits. Only a dependency the team itself has queued after the
    item that needs it is pulled forward (the work cannot be done otherwise).
    """
    index = {it.key: i for i, it in enumerate(items)}
    queues: dict[str, deque[int]] = {}
    for i, it in enumerate(items):
        queues.setdefault(it.team, deque()).append(i)
    done: set[int] = set()
    order: list[int] = []
    visiting: set[int] = set()

    def deps(i: int) -> list[int]:
        return [index[d] for d in items[i].depends_on if d in index]

    def visit(i: int) -> None:
        if i in done:
            return
        if i in visiting:
            raise ValueError(f"dependency cycle through {items[i].key}")
        visiting.add(i)
        for j in deps(i):
            visit(j)
        visiting.discard(i)
        done.add(i)
        order.append(i)

    while len(order) < len(items):
        progressed = False
        for queue in queues.values():
            while queue and (queue[0] in done or all(j in done for j in deps(queue[0]))):
                head = queue.popleft()
                if head not in done:
                    done.add(head)
                    order.append(head)
                progressed = True
        if not progressed:
            # Every team's next item waits for work not yet taken: the first one's
            # dependencies come first (a queue that lists an item before its own team's
            # prerequisite; a cycle is reported).
            head = next(q[0] for q in queues.values() if q)
            visit(head)
    return order


def _inverse(cum: FloatArray, weekly: FloatArray, level: FloatArray) -> FloatArray:
    """Per trial, the fractional week at which cumulative throughput first reaches ``level``."""
    trials, cols = cum.shape  # cum[:, k] = work done by the start of week k
    span = float(cum[:, -1].max()) + 1.0
    offsets = np.arange(trials)[:, None] * span
    flat = (cum + offsets).ravel()
    pos = np.searchsorted(flat, level + offsets[:, 0] - 1e-12, side="left")
    k = pos - np.arange(trials) * cols  # first column with cum >= level
    reached = (k < cols) & (level <= cum[:, -1] + 1e-12)
    k = np.clip(k, 1, cols - 1)
    rows = np.arange(trials)
    before = cum[rows, k - 1]
    w = weekly[rows, k - 1]
    with np.errstate(over="ignore"):  # a vanishing week's share overflows, then clips to 1
        frac = np.where(w > 0, (level - before) / np.where(w > 0, w, 1.0), 0.0)
    weeks = (k - 1) + np.clip(frac, 0.0, 1.0)
    return np.where(reached, np.where(level <= 0, 0.0, weeks), np.inf)


def _at_time(cum: FloatArray, weekly: FloatArray, t: FloatArray) -> FloatArray:
    """Cumulative throughput at fractional week ``t`` per trial (t may be inf)."""
    cols = cum.shape[1]
    finite = np.isfinite(t)
    tt = np.where(finite, t, 0.0)
    k = np.clip(np.floor(tt).astype(np.int64), 0, cols - 2)
    rows = np.arange(cum.shape[0])
    value = cum[rows, k] + (tt - k) * weekly[rows, np.minimum(k, weekly.shape[1] - 1)]
    return np.where(finite, value, np.inf)


def _done_at(level: FloatArray, cum: FloatArray, weekly: FloatArray) -> FloatArray:
    """When a team's cumulative throughput reaches ``level``, per trial."""
    return _inverse(cum, weekly, level)


def _done_after(
    waited: FloatArray, size: FloatArray, cum: FloatArray, weekly: FloatArray
) -> FloatArray:
    """When ``size`` more work is done after the team's level at the time ``waited``."""
    return _inverse(cum, weekly, _at_time(cum, weekly, waited) + size)


def _pace(pace: Pace, weeks: int) -> float | FloatArray:
    if isinstance(pace, int | float):
        return float(pace)
    factors = np.asarray(pace[:weeks], dtype=np.float64)
    if factors.size < weeks:
        factors = np.concatenate(
            [factors, np.full(weeks - factors.size, pace[-1] if pace else 1.0)]
        )
    return factors


def _weeks_to(weekly: FloatArray, work: FloatArray) -> FloatArray:
    cum = np.concatenate([np.zeros((weekly.shape[0], 1)), np.cumsum(weekly, axis=1)], axis=1)
    return _inverse(cum, weekly, work)


def _calibrated_pace(weekly: FloatArray, work: FloatArray, calibrate: Calibrate) -> FloatArray:
    """A team's weekly throughput per trial (a row) with its pace scaled so that its whole queue
    takes the calibrated time of the same rank, so the replay's dates carry the team's measured
    errors.

    A factor on the pace, not on the dates: dependencies between teams and a hire's speed-up
    then act on the calibrated pace like on the plain one. The weeks are uneven, so scaling
    the pace scales the time only roughly: a second pass corrects for it. A trial calibrated
    to take longer than its drawn weeks cover goes on with its own weeks again, from the first.
    """
    # A plain trial that does not finish within its drawn weeks is not "never": it goes on
    # with its own weeks again, up to the ten years any forecast looks ahead.
    drawn = weekly.shape[1]
    weekly = np.tile(weekly, (1, -(-MAX_WEEKS // drawn)))[:, :MAX_WEEKS]
    took = _weeks_to(weekly, work)
    finite = np.isfinite(took)
    goal = calibrate(took * 7.0, float(np.median(work[finite])) if finite.any() else None) / 7.0
    reachable = np.isfinite(goal)
    longest = float(goal[reachable & finite].max()) if (reachable & finite).any() else 0.0
    weekly = weekly[:, : max(drawn, int(min(MAX_WEEKS, np.ceil(longest * 1.5) + 4)))]
    factor = np.ones(took.size)
    usable = finite & (took > 0) & reachable & (goal > 0)
    factor[usable] = took[usable] / goal[usable]
    factor[finite & ~reachable] = 0.0  # calibrated: never done
    factor = np.clip(factor, 0.0, 1e3)
    again = _weeks_to(weekly * factor[:, None], work)
    fine = usable & np.isfinite(again) & (again > 0)
    factor[fine] *= again[fine] / goal[fine]
    return weekly * np.clip(factor, 0.0, 1e3)[:, None]


def simulate_roadmap(
    items: Sequence[RoadmapItem],
    teams: Mapping[str, TeamFlow],
    as_of: dt.date,
    trials: int = 5000,
    seed: int = 0,
    sampling: Sampling = Sampling(),
    percentiles: Sequence[int] = (50, 85, 95),
) -> RoadmapForecast:
    """Replay the roadmap ``trials`` times; ``items`` are in each team's planned order."""
    rng = np.random.default_rng(seed)
    n = len(items)
    index = {it.key: i for i, it in enumerate(items)}
    sizes = np.zeros((trials, n))
    # Sorted so the random draws are assigned to teams in the same order in every process.
    for team in sorted({it.team for it in items}, key=lambda t: t or ""):
        cols = [i for i, it in enumerate(items) if it.team == team]
        flow = teams.get(team)
        default = flow.default_size if flow else 1.0
        ests = [
            items[i].estimate or Estimate(low=default, likely=default, high=default) for i in cols
        ]
        sizes[:, cols] = sample_sizes(ests, trials, rng, bias=flow.bias if flow else None)
    capacity: dict[str, tuple[FloatArray, FloatArray]] = {}
    drawn: dict[str, FloatArray] = {}  # each team's weeks as drawn, before its speed-up

    def pace_up(team: str, weekly: FloatArray) -> None:
        weekly = weekly * _pace(teams[team].speedup, weekly.shape[1])
        cum = np.concatenate([np.zeros((trials, 1)), np.cumsum(weekly, axis=1)], axis=1)
        capacity[team] = (cum, weekly)

    def extend(team: str, weeks: int) -> bool:
        """More weeks for ``team`` (its own drawn weeks again, as a trial that outlasts them
        goes on): a team's weeks are drawn for its own queue, but its work can wait for
        another team's, later than its own queue alone would reach."""
        have = capacity[team][1].shape[1]
        if weeks <= have or have >= MAX_WEEKS:
            return False
        longer = int(min(MAX_WEEKS, max(weeks, 2 * have)))
        # Always from the weeks as drawn, so every week keeps its value however the weeks
        # were extended (a sped-up rerun may extend in other steps than the base run).
        period = drawn[team].shape[1]
        pace_up(team, np.tile(drawn[team], (1, -(-longer // period)))[:, :longer])
        return True

    def reached(
        team: str,
        when: Callable[[FloatArray, FloatArray], FloatArray],
        possible: NDArray[np.bool_] | None = None,
    ) -> FloatArray:
        """``when`` on the team's weeks, extended until every ``possible`` trial gets there
        (or the weeks reach the ten years any forecast looks ahead)."""
        while True:
            cum, weekly = capacity[team]
            found = when(cum, weekly)
            short = ~np.isfinite(found) if possible is None else possible & ~np.isfinite(found)
            if not short.any() or not extend(team, weekly.shape[1] + 1):
                return found

    for team, flow in teams.items():
        work = sizes[:, [i for i, it in enumerate(items) if it.team == team]].sum(axis=1)
        rate = float(flow.history[-26:].mean()) if flow.history.size else 0.0
        weeks = int(min(MAX_WEEKS, max(8, np.ceil(float(work.max()) / max(rate, 1e-3) * 2.5))))
        weekly = sample_weeks(flow.history, trials, weeks, rng, sampling).astype(np.float64)
        if flow.calibrate is not None:
            weekly = _calibrated_pace(weekly, work, flow.calibrate)
        drawn[team] = weekly
        pace_up(team, weekly)

    finish = np.full((trials, n), np.inf)
    pred = np.full((trials, n), -1, dtype=np.int64)
    last_of_team: dict[str, int] = {}
    # Work a team has taken on so far, as a level of its cumulative throughput: a team whose
    # next item waits for another team's work does the items after it meanwhile, so its
    # throughput is never lost to waiting; the waiting item is done once what it depends on
    # is, at the team's pace.
    done_level: dict[str, FloatArray] = {}
    for i in _order(items):
        it = items[i]
        binding = np.full(trials, -1, dtype=np.int64)
        prev = last_of_team.get(it.team)
        if prev is not None:
            binding[:] = prev
        if it.team in capacity:
            level = done_level.get(it.team, np.zeros(trials)) + sizes[:, i]
            done_level[it.team] = level
            end = reached(it.team, partial(_done_at, level))
        else:
            end = np.full(trials, np.inf)
        for dep in it.depends_on:
            j = index.get(dep)
            if j is None:
                continue
            if it.team in capacity:
                waited = finish[:, j]
                size = sizes[:, i]
                after = reached(
                    it.team,
                    partial(_done_after, waited, size),
                    np.isfinite(waited),
                )
            else:
                after = finish[:, j]
            later = after > end
            end = np.where(later, after, end)
            binding = np.where(later, j, binding)
        finish[:, i] = end
        pred[:, i] = binding
        last_of_team[it.team] = i

    # Critical path: walk back from each trial's last finish along the binding waits.
    critical = np.zeros((trials, n), dtype=bool)
    if n:
        current = np.argmax(np.where(np.isfinite(finish), finish, 1e12), axis=1)
        rows = np.arange(trials)
        active = np.ones(trials, dtype=bool)
        for _ in range(n):
            critical[rows[active], current[active]] = True
            nxt = pred[rows, current]
            active &= nxt >= 0
            if not active.any():
                break
            current = np.where(active, nxt, current)

    days = finish * 7.0

    def calendar(team: str) -> WorkCalendar:
        flow = teams.get(team)
        return flow.calendar if flow is not None else WorkCalendar()

    def date(d: float, calendars: Sequence[WorkCalendar]) -> dt.date | None:
        return None if d > 3650 else delivery_date(as_of, d, calendars)

    def p_by(col: FloatArray, day: dt.date | None, team: str) -> float | None:
        # read as the dates are shown: by the team's last working day on or before ``day``
        if day is None:
            return None
        return float((col <= deadline_horizon(as_of, day, (calendar(team),))).mean())

    outcomes = []
    for i, it in enumerate(items):
        col = days[:, i]
        q = np.quantile(col, [p / 100 for p in percentiles], method="inverted_cdf")
        outcomes.append(
            ItemOutcome(
                key=it.key,
                team=it.team,
                finish={
                    p: date(v, (calendar(it.team),)) for p, v in zip(percentiles, q, strict=True)
                },
                deadline=it.deadline,
                p_deadline=p_by(col, it.deadline, it.team),
                planned_end=it.planned_end,
                p_planned_end=p_by(col, it.planned_end, it.team),
                critical=float(critical[:, i].mean()),
            )
        )
    last = days.max(axis=1) if n else np.zeros(trials)
    q_all = np.quantile(last, [p / 100 for p in percentiles], method="inverted_cdf")
    # The last item may be any team's: a day every team of the roadmap works.
    everyone = [calendar(t) for t in sorted({it.team for it in items}, key=lambda t: t or "")]
    return RoadmapForecast(
        as_of=as_of,
        trials=trials,
        items=tuple(outcomes),
        finish_all={p: date(v, everyone) for p, v in zip(percentiles, q_all, strict=True)},
        finish_days=days,
    )
