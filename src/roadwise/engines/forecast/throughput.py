"""Team forecasts from throughput: "when will N items be done?" and "how many by this date?".

Each forecast is calibrated on the team's own history (see :mod:`.backtest`) and carries the
hit rates its method measured there, so "85%" beside a date is a measured number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from roadwise.domain.model import HistoryRecord, ItemKind
from roadwise.engines.forecast.backtest import (
    GRID,
    MIN_DAYS,
    BacktestResult,
    BaseForecast,
    Calibration,
    backtest,
    blend_with_naive,
    calibrated,
    history_before,
    with_regime,
)
from roadwise.engines.forecast.calendar import WorkCalendar, deadline_horizon, delivery_date
from roadwise.engines.forecast.simulate import FloatArray, Sampling, how_many, simulate_weeks

PERCENTILES: tuple[int, ...] = (50, 70, 85, 95)
AUTO_WINDOWS: tuple[int, ...] = (8, 12, 26, 52)
#: Trials per cut-off when a forecast measures its own calibration (fewer than a forecast's:
#: it runs at every past week). ``forecast backtest`` replays with the same number by default,
#: so its hit rates are the ones a forecast shows as "met in the past".
BACKTEST_TRIALS = 600


@dataclass(frozen=True)
class ForecastOptions:
    trials: int = 10_000
    #: Sampling window in weeks; None mixes 12/26/52/156 weeks; 0 picks one by backtest.
    window: int | None = None
    block: int = 4
    unit: str = "items"  # or "points"
    scope_growth: bool = False
    #: New work per week when scope growth is on; None learns it (bugs created per week).
    growth_per_week: float | None = None
    calibrate: bool = True
    calibration: Calibration = field(default_factory=Calibration)
    #: Trials per cut-off when measuring calibration (see :data:`BACKTEST_TRIALS`).
    backtest_trials: int = BACKTEST_TRIALS
    seed: int = 0


@dataclass(frozen=True)
class MeasuredCalibration:
    """How this method did on the team's own past: the evidence behind the percentages."""

    target: float
    unit: str
    cutoffs: int
    hit: dict[int, float]
    uncalibrated_hit: dict[int, float]
    pinball_days: float
    naive_pinball_days: float
    naive_hit: float
    errors_known: int

    def describe(self, pct: int = 85) -> str:
        if self.cutoffs == 0:
            return "not yet measured (too little history)"
        return (
            f"{pct}% dates met {self.hit.get(pct, float('nan')):.0%} of the time "
            f"over {self.cutoffs} past cut-offs"
        )


@dataclass(frozen=True)
class WhenForecast:
    team: str | None
    as_of: dt.date
    target: float
    unit: str
    dates: dict[int, dt.date | None]  # None: not within ten years
    days: dict[int, float]
    uncalibrated_dates: dict[int, dt.date | None]
    #: The whole distribution: (days from as_of) at 200 evenly spaced probability levels.
    distribution_days: FloatArray = field(repr=False)
    never_share: float
    window: str
    calibration: MeasuredCalibration | None
    weekly_rate: float
    history_weeks: int
    #: The team's working days: every date is one of them.
    calendar: WorkCalendar = field(default_factory=WorkCalendar, repr=False)

    def probability_by(self, day: dt.date) -> float:
        """Chance that the work is done by ``day`` (inclusive): delivered on the team's last
        working day on or before it, as the dates are shown."""
        horizon = deadline_horizon(self.as_of, day, (self.calendar,))
        return float((self.distribution_days <= horizon).mean())

    def date_samples(self) -> list[dt.date]:
        """The distribution as dates, dated like :attr:`dates` (so the percentiles' marks
        sit on the histogram's bars)."""
        return [
            day
            for d in self.distribution_days
            if (day := delivery_date(self.as_of, float(d), (self.calendar,))) is not None
        ]


@dataclass(frozen=True)
class HowManyForecast:
    team: str | None
    as_of: dt.date
    until: dt.date
    unit: str
    #: At least this much is done by ``until`` with the given confidence (85: 85% sure).
    at_least: dict[int, float]
    uncalibrated_at_least: dict[int, float]
    distribution: FloatArray = field(repr=False)
    window: str
    calibration: MeasuredCalibration | None


def _days(records: Sequence[HistoryRecord], epoch: dt.datetime) -> FloatArray:
    return np.array([(r.done - epoch).total_seconds() / 86400.0 for r in records])


def _at(as_of: dt.date) -> dt.datetime:
    # A forecast "as of" a day uses everything finished before that day starts.
    return dt.datetime.combine(as_of, dt.time())


def _sizes(records: Sequence[HistoryRecord], unit: str) -> FloatArray | None:
    if unit != "points":
        return None
    return np.array([r.points or 0.0 for r in records])


def _naive_days(
    records: Sequence[HistoryRecord],
    as_of: dt.date,
    target: float,
    unit: str,
    growth_per_week: float = 0.0,
) -> float:
    """The average-velocity line: all work before ``as_of`` over all weeks since the first.

    With scope growth the line advances at the net rate (velocity minus new work), floored like
    the simulation's horizon at a tenth of the velocity.
    """
    epoch = _at(as_of)
    before = [r for r in records if r.done < epoch]
    if not before:
        return float("inf")
    weeks = max((epoch - min(r.done for r in before)).total_seconds() / 86400 / 7, 1.0)
    amount = sum((r.points or 0.0) if unit == "points" else 1.0 for r in before)
    if amount <= 0:
        return float("inf")
    rate = amount / weeks
    net = max(rate - growth_per_week, 0.1 * rate)
    return 7.0 * target / net


def learned_growth(records: Sequence[HistoryRecord], as_of: dt.date, weeks: int = 26) -> float:
    """Unplanned work that arrives per week: bugs created in the last ``weeks`` weeks."""
    start = _at(as_of) - dt.timedelta(weeks=weeks)
    bugs = [r for r in records if r.kind == ItemKind.BUG and start <= r.created < _at(as_of)]
    return len(bugs) / weeks


def _history(
    records: Sequence[HistoryRecord], as_of: dt.date, unit: str, calendar: WorkCalendar | None
) -> tuple[FloatArray, int]:
    epoch = _at(as_of)
    before = [r for r in records if r.done < epoch]
    if not before:
        return np.zeros(0), 0
    done = _days(before, epoch)
    hist = history_before(done, 0.0, float(done.min()), sizes=_sizes(before, unit))
    if calendar is not None and not calendar.is_plain and hist.size:
        start = as_of - dt.timedelta(weeks=hist.size)
        factors = calendar.week_factors(start, hist.size)
        # Per normal week: a week with a holiday did its work in fewer days.
        hist = hist / np.maximum(factors, 0.2)
    return hist, hist.size


def _sampling(options: ForecastOptions, window: int | None) -> tuple[Sampling, str]:
    if window is None:
        s = Sampling(block=options.block)
        return s, "mixed " + "/".join(str(w) for w in s.windows) + " weeks"
    return Sampling(window=window, block=options.block), f"last {window} weeks"


def measure(
    records: Sequence[HistoryRecord],
    target: float,
    as_of: dt.date,
    options: ForecastOptions = ForecastOptions(),
    window: int | None = None,
    every_days: int = 14,
    start_weeks: int = 26,
) -> BacktestResult | None:
    """Backtest the method on the team's history before ``as_of`` (cut-offs every 2 weeks)."""
    epoch = _at(as_of)
    before = [r for r in records if r.done < epoch]
    if len(before) < 2:
        return None
    done = _days(before, epoch)
    first = float(done.min())
    cutoffs = np.arange(first + 7 * start_weeks, 0.0, float(every_days))
    sampling, _ = _sampling(options, window)
    return backtest(
        done,
        target,
        cutoffs,
        sizes=_sizes(before, options.unit),
        sampling=sampling,
        calibration=options.calibration if options.calibrate else Calibration(enabled=False),
        trials=options.backtest_trials,
        seed=options.seed,
        end=0.0,
    )


def _measured(result: BacktestResult | None) -> MeasuredCalibration | None:
    if result is None:
        return None
    s = result.summary
    return MeasuredCalibration(
        target=result.target,
        unit=result.unit,
        cutoffs=s.cutoffs,
        hit={round(q * 100): h for q, h in zip(s.levels, s.hit, strict=True)},
        uncalibrated_hit={round(q * 100): h for q, h in zip(s.levels, s.base_hit, strict=True)},
        pinball_days=s.pinball,
        naive_pinball_days=s.naive_pinball,
        naive_hit=s.naive_hit,
        errors_known=result.final_pool.known,
    )


@dataclass(frozen=True)
class TeamCalibration:
    """A team's measured forecasting errors for one amount of work (:func:`team_calibration`):
    what turns any simulation of the time that work takes into calibrated days.

    Every calibrated forecast is made the same way: the simulation's median is anchored on the
    average-velocity line, then the spread is set by the errors the method made on the team's
    own past (see :func:`~roadwise.engines.forecast.backtest.calibrated`).
    """

    result: BacktestResult = field(repr=False)
    #: Days the average-velocity line takes for the work measured (``result.target``).
    naive_days: float
    calibration: Calibration

    @property
    def measured(self) -> MeasuredCalibration:
        """The hit rates the calibrated method had on the team's past: the evidence."""
        found = _measured(self.result)
        assert found is not None
        return found

    def at_levels(
        self,
        sim_days: FloatArray,
        levels: Sequence[float] | FloatArray,
        work: float | None = None,
    ) -> FloatArray:
        """Calibrated days at ``levels`` for a simulation whose trials took ``sim_days`` to do
        ``work`` (default: the amount measured)."""
        grid = np.quantile(sim_days, GRID, method="inverted_cdf")
        return self.from_base(BaseForecast(0.0, np.asarray(grid, dtype=float)), levels, work)

    def from_base(
        self,
        base: BaseForecast,
        levels: Sequence[float] | FloatArray,
        work: float | None = None,
    ) -> FloatArray:
        """Calibrated days at ``levels`` for a simulation summed up as ``base``."""
        # The line goes at the team's long-run rate, so its days scale with the work.
        naive = self.naive_days
        if work is not None and self.result.target > 0:
            naive = self.naive_days * work / self.result.target
        base = with_regime(blend_with_naive(base, naive, self.calibration.blend_naive), naive)
        return calibrated(
            base, self.result.final_pool, levels, self.calibration, self.result.final_adaptive
        )

    def __call__(self, sim_days: FloatArray, work: float | None = None) -> FloatArray:
        """Per trial, the calibrated days of the same rank: the trial that was the k-th
        fastest of the simulation is the k-th fastest of the calibrated forecast. ``work``: the
        (median) amount the trials did, when it is not the amount measured. As every calibrated
        forecast, a simulation whose median never finishes stays never finished."""
        days = np.asarray(sim_days, dtype=np.float64)
        if days.size == 0:
            return days
        order = np.argsort(days, kind="stable")
        ranks = np.empty(days.size)
        ranks[order] = (np.arange(days.size) + 0.5) / days.size
        out = self.at_levels(days, ranks, work)
        return np.where(np.isfinite(days), out, np.inf)


def team_calibration(
    records: Sequence[HistoryRecord],
    target: float,
    as_of: dt.date,
    options: ForecastOptions = ForecastOptions(),
    window: int | None = None,
    growth_per_week: float = 0.0,
) -> TeamCalibration | None:
    """Measure the method on the team's past for ``target`` items (or points): None when the
    team finished fewer than two things before ``as_of``."""
    result = measure(records, target, as_of, options, window)
    if result is None:
        return None
    naive = _naive_days(records, as_of, target, options.unit, growth_per_week)
    return TeamCalibration(result, naive, options.calibration)


def choose_window(
    records: Sequence[HistoryRecord], target: float, as_of: dt.date, options: ForecastOptions
) -> int | None:
    """The sampling window with the lowest pinball loss on the team's own past (None: mixed)."""
    best: tuple[float, int | None] = (float("inf"), None)
    for window in (None, *AUTO_WINDOWS):
        result = measure(records, target, as_of, options, window)
        if result is None or result.summary.cutoffs == 0:
            continue
        if result.summary.pinball < best[0]:
            best = (result.summary.pinball, window)
    return best[1]


def _date(as_of: dt.date, days: float, calendar: WorkCalendar) -> dt.date | None:
    if days > 3650:
        return None
    return delivery_date(as_of, days, (calendar,))


def forecast_when(
    records: Sequence[HistoryRecord],
    target: float,
    as_of: dt.date,
    options: ForecastOptions = ForecastOptions(),
    team: str | None = None,
    calendar: WorkCalendar | None = None,
    sampled_targets: FloatArray | None = None,
) -> WhenForecast:
    """When will ``target`` more items (or points) be finished, counted from ``as_of``?

    ``records`` is the team's delivery history (only what finished before ``as_of`` is used).
    ``sampled_targets`` (one per trial) replaces the fixed target when the amount of work is
    itself uncertain (estimate-based forecasts); ``target`` is then its mean.
    """
    if target <= 0:
        raise ValueError("the amount of work to forecast must be positive")
    window = options.window
    if window == 0:
        window = choose_window(records, target, as_of, options)
    sampling, window_text = _sampling(options, window)
    hist, weeks = _history(records, as_of, options.unit, calendar)
    rng = np.random.default_rng(options.seed)
    capacity = None
    if calendar is not None and not calendar.is_plain:
        capacity = calendar.week_factors(as_of, 156)
    growth = 0.0
    if options.scope_growth:
        growth = (
            options.growth_per_week
            if options.growth_per_week is not None
            else learned_growth(records, as_of)
        )
    goal: float | FloatArray = target if sampled_targets is None else sampled_targets
    trials = options.trials if sampled_targets is None else int(sampled_targets.size)
    sim_days = 7.0 * simulate_weeks(
        hist, goal, trials, rng, sampling, capacity, growth_per_week=growth
    )
    levels = np.linspace(0.0025, 0.9975, 200)
    pcts = [p / 100 for p in PERCENTILES]
    errors = (
        team_calibration(records, target, as_of, options, window, growth)
        if options.calibrate
        else None
    )
    if errors is not None:
        dist = errors.at_levels(sim_days, levels)
        pct_days = errors.at_levels(sim_days, pcts)
    else:
        dist = np.quantile(sim_days, levels, method="inverted_cdf")
        pct_days = np.quantile(sim_days, pcts, method="inverted_cdf")
    uncal = np.quantile(sim_days, pcts, method="inverted_cdf")
    rate = float(hist[-min(hist.size, 12) :].mean()) if hist.size else 0.0
    # Without a team's calendar the dates still fall on weekdays.
    working = calendar if calendar is not None else WorkCalendar()
    return WhenForecast(
        team=team,
        as_of=as_of,
        target=target,
        unit=options.unit,
        dates={p: _date(as_of, d, working) for p, d in zip(PERCENTILES, pct_days, strict=True)},
        days={p: float(d) for p, d in zip(PERCENTILES, pct_days, strict=True)},
        uncalibrated_dates={
            p: _date(as_of, d, working) for p, d in zip(PERCENTILES, uncal, strict=True)
        },
        distribution_days=np.asarray(dist, dtype=float),
        never_share=float((~np.isfinite(sim_days)).mean()),
        window=window_text,
        calibration=errors.measured if errors else None,
        weekly_rate=rate,
        history_weeks=weeks,
        calendar=working,
    )


def forecast_how_many(
    records: Sequence[HistoryRecord],
    until: dt.date,
    as_of: dt.date,
    options: ForecastOptions = ForecastOptions(),
    team: str | None = None,
    calendar: WorkCalendar | None = None,
) -> HowManyForecast:
    """How much will be finished between ``as_of`` and ``until``?

    Calibrated through durations: with the team's past log-errors ``e`` on "when will N be
    done", being q-sure that N items are done by the date means N ≈ median · exp(-Q_q(e)).
    """
    if until <= as_of:
        raise ValueError("the date must be after the forecast's start")
    window = options.window if options.window != 0 else None
    sampling, window_text = _sampling(options, window)
    hist, _ = _history(records, as_of, options.unit, calendar)
    rng = np.random.default_rng(options.seed)
    capacity = None
    if calendar is not None and not calendar.is_plain:
        capacity = calendar.week_factors(as_of, int(np.ceil((until - as_of).days / 7)) + 1)
    weeks = (until - as_of).days / 7.0
    counts = how_many(hist, weeks, options.trials, rng, sampling, capacity)
    uncal = {p: float(np.floor(np.quantile(counts, 1 - p / 100))) for p in PERCENTILES}
    median = float(np.median(counts))
    result = None
    at_least = uncal
    if options.calibrate and median > 0:
        result = measure(records, max(1.0, round(median)), as_of, options, window)
        if result is not None:
            # Anchored like every calibrated forecast, so the measured errors apply to it.
            naive = _naive_days(records, as_of, median, options.unit)
            errors = TeamCalibration(result, naive, options.calibration)
            spread = np.quantile(counts, GRID[::-1], method="inverted_cdf")
            # Durations for the median amount: scale the count spread into a duration spread.
            dur = errors.from_base(
                BaseForecast(0.0, 7 * weeks * median / np.maximum(spread, 1e-9)),
                [p / 100 for p in PERCENTILES],
            )
            at_least = {
                p: float(np.floor(median * (7 * weeks) / max(d, MIN_DAYS)))
                for p, d in zip(PERCENTILES, dur, strict=True)
            }
    return HowManyForecast(
        team=team,
        as_of=as_of,
        until=until,
        unit=options.unit,
        at_least=at_least,
        uncalibrated_at_least=uncal,
        distribution=counts,
        window=window_text,
        calibration=_measured(result),
    )
