"""Estimate-based forecasts: items with three-point estimates, corrected by the team's bias.

When the work ahead is a known list of estimated items, its size is uncertain in two ways: each
estimate is a range, and the team's estimates are systematically off (most teams under-estimate).
Each range becomes a distribution (PERT or log-normal), and each sampled size is multiplied by a
ratio actual ÷ estimate drawn from the team's own finished items.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from roadwise.domain.model import Distribution, Estimate, EstimateUnit, HistoryRecord, Item
from roadwise.engines.forecast.calendar import WorkCalendar
from roadwise.engines.forecast.simulate import FloatArray
from roadwise.engines.forecast.throughput import ForecastOptions, WhenForecast, forecast_when

#: Z-score of the 95th percentile: a log-normal range puts ``high`` at p95, ``low`` at p5.
_Z95 = 1.6448536269514722


@dataclass(frozen=True)
class EstimateBias:
    """How far the team's finished work landed from its estimates (actual ÷ estimate)."""

    team: str | None
    ratios: FloatArray = field(repr=False)

    @property
    def count(self) -> int:
        return int(self.ratios.size)

    @property
    def typical(self) -> float:
        """The geometric mean ratio: 1.3 means items took 30 % more than estimated."""
        return float(np.exp(np.log(self.ratios).mean())) if self.ratios.size else 1.0


def _actual(record: HistoryRecord) -> float | None:
    est = record.estimate
    if est is None:
        return None
    if est.unit == EstimateUnit.POINTS:
        return record.points
    if record.started is None:
        return None
    # Person-days: working days from start to finish approximate the effort of one person.
    days = (record.done - record.started).total_seconds() / 86400.0
    return days * 5.0 / 7.0


def estimate_bias(
    records: Sequence[HistoryRecord], team: str | None = None, min_count: int = 5
) -> EstimateBias:
    """Ratios actual ÷ likely estimate for the team's finished items that had both.

    With fewer than ``min_count`` such items there is no evidence of bias: the ratio is 1.
    The ratios are sorted, so the same history in any order gives the same bias and, drawn with
    the same seed, the same sizes. Pass only the records known at the forecast's date.
    """
    ratios = []
    for r in records:
        if team is not None and r.team != team:
            continue
        actual = _actual(r)
        if actual is None or r.estimate is None or r.estimate.likely <= 0 or actual <= 0:
            continue
        ratios.append(actual / r.estimate.likely)
    # Draws by position (``rng.choice``) depend on the order of the ratios: a canonical order
    # keeps forecasts independent of the order the history was read in.
    arr = np.sort(np.array(ratios, dtype=float))
    if arr.size < min_count:
        arr = np.ones(1)
    return EstimateBias(team, arr)


def sample_sizes(
    estimates: Sequence[Estimate],
    trials: int,
    rng: np.random.Generator,
    distribution: Distribution = Distribution.PERT,
    bias: EstimateBias | None = None,
) -> FloatArray:
    """A (trials x items) matrix of sizes, each range sampled and multiplied by a bias ratio."""
    n = len(estimates)
    if n == 0:
        return np.zeros((trials, 0))
    low = np.array([e.low for e in estimates])
    mode = np.array([e.likely for e in estimates])
    high = np.array([e.high for e in estimates])
    span = high - low
    if distribution == Distribution.LOGNORMAL:
        # Likely is the median, high the 95th percentile (a common reading of "worst case").
        med = np.maximum(mode, 1e-9)
        sigma = np.where(high > med, np.log(np.maximum(high, 1e-9) / med) / _Z95, 0.0)
        sizes = med * np.exp(sigma * rng.standard_normal((trials, n)))
    elif distribution == Distribution.UNIFORM:
        sizes = low + span * rng.random((trials, n))
    elif distribution == Distribution.TRIANGULAR:
        safe = np.where(span > 0, span, 1.0)
        c = np.where(span > 0, (mode - low) / safe, 0.5)
        u = rng.random((trials, n))
        left = u < c
        sizes = np.where(
            left,
            low + np.sqrt(u * span * (mode - low)),
            high - np.sqrt((1 - u) * span * (high - mode)),
        )
    else:
        safe = np.where(span > 0, span, 1.0)
        a = 1 + 4 * (mode - low) / safe
        b = 1 + 4 * (high - mode) / safe
        sizes = low + span * rng.beta(a, b, (trials, n))
    if bias is not None and bias.count:
        sizes = sizes * rng.choice(bias.ratios, size=(trials, n))
    return np.asarray(sizes, dtype=float)


def forecast_estimated_when(
    items: Sequence[Item],
    records: Sequence[HistoryRecord],
    as_of: dt.date,
    options: ForecastOptions = ForecastOptions(),
    team: str | None = None,
    calendar: WorkCalendar | None = None,
    distribution: Distribution = Distribution.PERT,
) -> tuple[WhenForecast, EstimateBias]:
    """When will these estimated items be done, given the team's points throughput and bias?

    Items without an estimate count at the median size of the estimated ones. The bias, like
    the throughput, is learned only from items finished before ``as_of``.
    """
    # Each item's size takes the random numbers of its column: a canonical order of the items
    # keeps the forecast independent of the order they were listed in.
    items = sorted(items, key=lambda i: i.key)
    estimated = [i.estimate for i in items if i.estimate is not None]
    if not estimated:
        raise ValueError("none of the items has an estimate")
    typical = float(np.median([e.likely for e in estimated]))
    filled = [
        i.estimate
        if i.estimate is not None
        else Estimate(low=typical, likely=typical, high=typical)
        for i in items
    ]
    # A forecast dated in the past must not learn from what finished after it (backtests and
    # "as of" forecasts would otherwise see the future).
    epoch = dt.datetime.combine(as_of, dt.time())
    bias = estimate_bias([r for r in records if r.done < epoch], team)
    rng = np.random.default_rng(options.seed + 1)
    totals = sample_sizes(filled, options.trials, rng, distribution, bias).sum(axis=1)
    points_options = ForecastOptions(
        **{**options.__dict__, "unit": "points"}  # same settings, counted in points
    )
    forecast = forecast_when(
        records,
        float(totals.mean()),
        as_of,
        points_options,
        team,
        calendar,
        sampled_targets=totals,
    )
    return forecast, bias
