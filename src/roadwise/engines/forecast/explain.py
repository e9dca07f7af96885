"""Why a date moved: split the change between two forecasts into its causes.

A forecast is a function of three things: the work finished so far (and the day it was made),
the scope (how much work the target holds), and the throughput the team showed. Between two
forecasts all three may change. Roadwise recomputes the forecast for every mix of old and new
inputs (2³ = 8 simulations, with common random numbers so only the inputs differ) and shares
the change out by Shapley values: each cause gets its average effect over the orders in which
the changes could have been applied, and the three parts add up exactly to the total move.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import permutations

import numpy as np

from roadwise.engines.forecast.calendar import WorkCalendar, delivery_date
from roadwise.engines.forecast.simulate import FloatArray, Sampling, simulate_weeks


@dataclass(frozen=True)
class ForecastSnapshot:
    """What a forecast was made from."""

    as_of: dt.date
    scope: float  # total items (or points) in the target, done or not
    done: float  # how much of the scope was finished at as_of
    history: FloatArray  # weekly throughput before as_of, oldest first


@dataclass(frozen=True)
class DateMove:
    percentile: int
    before: dt.date | None
    after: dt.date | None
    total_days: float
    completed_work_days: float
    scope_days: float
    throughput_days: float

    def lines(self) -> list[str]:
        def part(name: str, days: float) -> str:
            whole = round(abs(days))
            if whole == 0:
                return f"{name}: no change"
            sign = "later" if days > 0 else "earlier"
            return f"{name}: {whole} day{'s' if whole != 1 else ''} {sign}"

        return [
            part("scope change", self.scope_days),
            part("throughput change", self.throughput_days),
            part("work completed and time passed", self.completed_work_days),
        ]


def _finish_day(
    snap_time: ForecastSnapshot,
    scope: float,
    history: FloatArray,
    percentile: int,
    trials: int,
    seed: int,
    epoch: dt.date,
    sampling: Sampling,
) -> float:
    remaining = max(scope - snap_time.done, 0.0)
    if remaining <= 0:
        return float((snap_time.as_of - epoch).days)
    rng = np.random.default_rng(seed)
    weeks = simulate_weeks(history, remaining, trials, rng, sampling)
    q = float(np.quantile(weeks * 7.0, percentile / 100, method="inverted_cdf"))
    return float((snap_time.as_of - epoch).days) + min(q, 3650.0)


def explain_move(
    before: ForecastSnapshot,
    after: ForecastSnapshot,
    percentile: int = 85,
    trials: int = 4000,
    seed: int = 0,
    sampling: Sampling = Sampling(),
    calendar: WorkCalendar | None = None,
) -> DateMove:
    """Attribute the move of the ``percentile`` date from ``before`` to ``after``.

    The two dates are working days of ``calendar`` (the team's; Monday to Friday when none is
    given), as every forecast's date is; the parts are the simulation's days.
    """
    epoch = before.as_of
    cache: dict[tuple[bool, bool, bool], float] = {}

    def value(progress: bool, scope: bool, speed: bool) -> float:
        key = (progress, scope, speed)
        if key not in cache:
            cache[key] = _finish_day(
                after if progress else before,
                after.scope if scope else before.scope,
                after.history if speed else before.history,
                percentile,
                trials,
                seed,
                epoch,
                sampling,
            )
        return cache[key]

    shares = np.zeros(3)
    orders = list(permutations(range(3)))
    for order in orders:
        state = [False, False, False]
        for factor in order:
            old = value(*state)
            state[factor] = True
            shares[factor] += value(*state) - old
    shares /= len(orders)
    start, end = value(False, False, False), value(True, True, True)

    working = (calendar,) if calendar is not None else ()

    def date(d: float) -> dt.date | None:
        if d - (before.as_of - epoch).days >= 3650:
            return None
        return delivery_date(epoch, d, working)

    return DateMove(
        percentile=percentile,
        before=date(start),
        after=date(end),
        total_days=end - start,
        completed_work_days=float(shares[0]),
        scope_days=float(shares[1]),
        throughput_days=float(shares[2]),
    )
