"""Walk-forward backtests and calibration: how often do the forecast's dates come true?

At each cut-off date the forecast is made from the work finished *before* the cut-off only,
and compared with the date on which the next N items (or P points) were actually finished.

Calibration (conformal-style)
-----------------------------
A plain Monte Carlo resamples the past as if the future were drawn from it. Real teams change
speed, pause and restart, so its 85 % dates come true less often than 85 % of the time. Roadwise
does two things:

* **Anchor**: the simulation's median is blended (geometrically, equal weights) with the date of
  the average-velocity line, which remembers that slow spells end and bursts fade.
* **Own errors**: at every past weekly cut-off *g* the anchored median ``m_g`` is compared with
  what happened, ``a_g``; the error is ``log(a_g / m_g)``. At time *T* a cut-off enters the pool
  once its own 95 % date has passed (``g + p95_g < T``); if its outcome is still pending then,
  it enters as a lower bound (right-censored, Kaplan-Meier). Using only the outcomes already
  known would keep the quick ones and make the calibration optimistic. No outcome after *T* is
  ever used.
* The calibrated q-quantile is ``m_T · exp(Q_q(errors))``. While few errors are known, they are
  pooled with the simulation's own spread (widened by :attr:`Calibration.inflation`), weighted
  as ``prior_weight`` pseudo-errors, so a young team gets a wide, honest cone.

Older errors count less (``halflife_weeks``, 13 weeks by default): a team that changed speed
last quarter should weigh its last quarter most. The settings were chosen once, for every team,
and checked by leave-one-project-out cross-validation (``benchmarks/forecast_cv.py``;
docs/benchmarks.md has the numbers). The optional regime-change widening
(:attr:`Calibration.regime_widen`) and the per-team adaptive conformal correction
(:class:`AdaptiveLevels`, :attr:`Calibration.adapt_rate`) did not beat them there and are off by
default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy.special import ndtri

from roadwise.engines.forecast.simulate import (
    FloatArray,
    Sampling,
    simulate_weeks,
    weekly_counts,
)

LEVELS: tuple[float, ...] = (0.5, 0.7, 0.85, 0.95)
#: The base distribution is kept at these levels for pooling with the errors.
GRID: FloatArray = np.linspace(0.01, 0.99, 99)
MIN_DAYS = 0.25  # a quarter day: durations are floored here before taking logs


@dataclass(frozen=True)
class Calibration:
    """How known past errors widen a forecast. The defaults were set once, for all teams."""

    prior_weight: float = 8.0
    #: Also learn how errors depend on the regime (recent pace vs long-run pace). Off by
    #: default: on the real histories it did not help (see docs/benchmarks.md).
    regime: bool = False
    inflation: float = 1.5
    halflife_weeks: float = 13.0
    enabled: bool = True
    #: Which past cut-offs enter the pool: "mature" (those whose base 95 % date has passed;
    #: pending ones among them as censored), "censor" (all, pending censored) or "known"
    #: (only outcomes already known, which favours the quick ones).
    pool: str = "mature"
    #: Keep the simulation's median and learn only the spread from the errors (their median is
    #: taken out). Off: the errors also correct a biased median.
    spread_only: bool = False
    #: Weight of the average-velocity line in the forecast's median (geometric blend of the
    #: simulation's median and the line's date): a long-run anchor for teams whose recent
    #: weeks mislead. 0 keeps the simulation's median.
    blend_naive: float = 0.5
    #: Widen the upper levels by the split-conformal finite-sample correction.
    finite_sample: bool = False
    #: Regime-change widening: when the recent pace departs from the long-run one by ``z``
    #: (log ratio of the simulation's median to the average-velocity line's date), every
    #: level moves outwards by ``regime_widen * |z| * Phi^-1(level)`` in log-duration. A team
    #: whose pace just changed is the team whose past errors say least about its future.
    regime_widen: float = 0.0
    #: Widen only the late side, and only when the recent pace is slower than the long-run one
    #: (a team winding down), instead of both sides for any departure.
    regime_late_only: bool = False
    #: Adaptive conformal inference (Gibbs & Candes 2021) per team: the step size of the
    #: online correction learned from whether the team's own past q-dates were met. 0: off.
    adapt_rate: float = 0.0
    #: "level": correct the quantile level (the original method, bounded in [0, 1]);
    #: "offset": correct the date itself, in log-duration (quantile tracking), which has no
    #: ceiling when the largest known error is still too small.
    adapt_mode: str = "level"
    #: Forget old corrections with this half-life in weeks (0: never), so a team that had a
    #: bad spell returns to its calibrated dates once its dates are met again.
    adapt_halflife_weeks: float = 0.0
    #: Kaplan-Meier tail: put the probability beyond the last known outcome on the largest
    #: pending bound (Efron) rather than stopping at the last outcome.
    efron_tail: bool = False


@dataclass(frozen=True)
class BaseForecast:
    """The uncalibrated simulation at one cut-off, in days from the cut-off."""

    cutoff: float
    grid_days: FloatArray  # durations at GRID levels
    #: log(this median / the average-velocity line's date): how far the recent pace departs
    #: from the long-run one. Past errors are regressed on it (see :func:`calibrated`).
    regime: float = 0.0

    @property
    def median(self) -> float:
        return float(self.grid_days[49])


def history_before(
    done_days: FloatArray,
    cutoff: float,
    first_day: float,
    max_weeks: int = 156,
    sizes: FloatArray | None = None,
) -> FloatArray:
    """Weekly throughput in the seven-day periods before ``cutoff`` (at most ``max_weeks``),
    back to the one holding ``first_day``: every finish before the cut-off is in a counted week.

    The oldest period is usually partial (it starts before the first finish) and counts as a
    whole week.
    """
    # Rounding down would drop the oldest, partial period and the work finished in it: a young
    # team's first weeks (all of its history, for a team a week old) would vanish. Counted
    # whole rather than scaled up to a rate: the team was working before its first finish (that
    # item was in progress), and the period starts at a finish by construction, so scaling
    # by its length would overstate it (one item an hour before the boundary: 168 a week).
    span = cutoff - first_day
    # A first finish on a week boundary (a cut-off made as first + 7k) is in the older week
    # only by rounding: the tolerance keeps it from opening an extra, empty week.
    weeks = int(min(max_weeks, max(1, np.ceil((span - 1e-9) / 7.0))))
    counts = weekly_counts(done_days, cutoff, weeks, sizes)
    if weeks < max_weeks and span > 7.0 * weeks:
        # ...and that finish, a rounding error past the oldest week, still counts in it.
        edge = (cutoff - done_days > 7.0 * weeks) & (done_days >= first_day)
        counts[0] += float(edge.sum() if sizes is None else sizes[edge].sum())
    return counts


def base_forecast(
    history: FloatArray,
    target: float,
    cutoff: float,
    trials: int,
    rng: np.random.Generator,
    sampling: Sampling,
) -> BaseForecast:
    weeks = simulate_weeks(history, target, trials, rng, sampling)
    days = weeks * 7.0
    grid = np.quantile(days, GRID, method="inverted_cdf")
    return BaseForecast(cutoff, np.asarray(grid, dtype=float))


def blend_with_naive(base: BaseForecast, naive_days: float, weight: float) -> BaseForecast:
    """Move the base distribution so its median is a geometric blend with the naive date."""
    median = base.median
    if weight <= 0 or not (np.isfinite(naive_days) and np.isfinite(median)) or median <= 0:
        return base
    factor = float(np.exp(weight * (np.log(max(naive_days, MIN_DAYS)) - np.log(median))))
    return BaseForecast(base.cutoff, base.grid_days * factor, base.regime)


def regime_of(median_days: float, naive_days: float) -> float:
    """log(median / the average-velocity line's date), clipped: the departure of recent pace."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.log(max(median_days, MIN_DAYS) / max(naive_days, MIN_DAYS))
    return float(np.clip(z, -3.0, 3.0)) if np.isfinite(z) else 0.0


def with_regime(base: BaseForecast, naive_days: float) -> BaseForecast:
    """The same forecast, tagged with its regime (see :attr:`Calibration.regime_widen`)."""
    return BaseForecast(base.cutoff, base.grid_days, regime_of(base.median, naive_days))


@dataclass(frozen=True)
class ErrorPool:
    """The method's past errors on one team, as known at one moment.

    ``values`` are log(actual / forecast median). Where the outcome was still pending at that
    moment (``observed`` False), the value is a lower bound: the work had taken at least that
    long so far. Leaving those out would keep only the quick outcomes and make the calibration
    optimistic, so they enter as right-censored observations (Kaplan-Meier).
    """

    values: FloatArray
    observed: npt.NDArray[np.bool_]
    ages_weeks: FloatArray
    regimes: FloatArray | None = None

    @property
    def known(self) -> int:
        return int(self.observed.sum())

    @classmethod
    def empty(cls) -> ErrorPool:
        return cls(np.zeros(0), np.zeros(0, dtype=bool), np.zeros(0))


def km_quantiles(
    values: FloatArray,
    observed: npt.NDArray[np.bool_],
    weights: FloatArray,
    levels: FloatArray,
    efron_tail: bool = False,
) -> FloatArray:
    """Quantiles of a weighted Kaplan-Meier estimate (right-censored where not ``observed``).

    ``efron_tail``: when the largest value is a bound (still pending), the probability left
    beyond the last outcome is put on it (Efron's convention) instead of stopping at the last
    outcome: "at least this late" then counts as this late.
    """
    # At equal values, outcomes come before censorings: a censored value is still "at risk".
    order = np.lexsort((~observed, values))
    v, o, w = values[order], observed[order], weights[order]
    if efron_tail and o.size:
        o = o.copy()
        o[-1] = True
    at_risk = np.cumsum(w[::-1])[::-1]
    hazard = np.where(o, w / np.maximum(at_risk, 1e-300), 0.0)
    surv = np.cumprod(1.0 - np.clip(hazard, 0.0, 1.0))
    cdf = 1.0 - surv
    ev = o.nonzero()[0]
    if ev.size == 0:
        return np.full(levels.size, float(v.max()) if v.size else 0.0)
    cdf_ev = cdf[ev]
    prev = np.concatenate([[0.0], cdf_ev[:-1]])
    mid = (prev + cdf_ev) / 2.0
    out = np.interp(levels, mid, v[ev])
    # Beyond the last outcome the estimate is unknown; stay at the last outcome rather than
    # guess a tail from the bounds alone.
    return np.asarray(out, dtype=float)


def calibrated(
    base: BaseForecast,
    pool: ErrorPool,
    levels: Sequence[float] | FloatArray,
    calibration: Calibration = Calibration(),
    adaptive: AdaptiveLevels | None = None,
) -> FloatArray:
    """Calibrated durations (days) at ``levels`` from the base forecast and the error pool.

    ``adaptive``: the team's online level correction (see :class:`AdaptiveLevels`), applied on
    top of the calibration when given.
    """
    lv = np.asarray(levels, dtype=float)
    if adaptive is not None and calibration.enabled:
        out = calibrated(base, pool, adaptive.map_levels(lv), calibration)
        out = out * np.exp(adaptive.log_offsets(lv))
        # Corrections per level may cross; dates must not.
        order = np.argsort(lv, kind="stable")
        out[order] = np.maximum.accumulate(out[order])
        return np.asarray(out, dtype=float)
    median = max(base.median, MIN_DAYS)
    if not np.isfinite(median):
        return np.full(lv.size, np.inf)
    if not calibration.enabled:
        return np.asarray(np.interp(lv, GRID, base.grid_days), dtype=float)
    spread = np.log(np.maximum(base.grid_days, MIN_DAYS) / median)
    spread = np.where(np.isfinite(spread), spread, np.log(1e6))
    prior = spread * calibration.inflation
    prior_w = np.full(prior.size, calibration.prior_weight / prior.size)
    w = 0.5 ** (pool.ages_weeks / calibration.halflife_weeks)
    shift = 0.0
    pool_values = pool.values
    if calibration.regime and pool.regimes is not None and pool.observed.any():
        # Weighted ridge fit e ~ a + b*z on the known outcomes; the prior weight pulls a and b
        # to zero, so a young team's few errors cannot swing the forecast.
        o = pool.observed
        z, e, ww = pool.regimes[o], pool.values[o], w[o]
        lam = calibration.prior_weight
        xtx = np.array(
            [[ww.sum() + lam, (ww * z).sum()], [(ww * z).sum(), (ww * z * z).sum() + lam]]
        )
        xty = np.array([(ww * e).sum(), (ww * z * e).sum()])
        a, b = np.linalg.solve(xtx, xty)
        shift = float(a + b * base.regime)
        pool_values = pool.values - (a + b * pool.regimes)
    values = np.concatenate([prior, pool_values])
    observed = np.concatenate([np.ones(prior.size, dtype=bool), pool.observed])
    weights = np.concatenate([prior_w, w])
    if calibration.finite_sample:
        # Split-conformal correction: with n errors, the q-quantile of the n + 1 outcomes is the
        # ceil((n + 1) q)-th error; n is the effective count of the weighted pool.
        # The prior counts as prior_weight errors of weight one.
        n_eff = float(
            (calibration.prior_weight + w.sum()) ** 2
            / (calibration.prior_weight + np.square(w).sum())
        )
        lv = np.where(lv > 0.5, np.minimum(lv * (n_eff + 1) / n_eff, 0.995), lv)
    widen = np.zeros(lv.size)
    if calibration.regime_widen > 0 and base.regime != 0.0:
        z = ndtri(np.clip(lv, 1e-6, 1 - 1e-6))
        if calibration.regime_late_only:
            widen = calibration.regime_widen * max(base.regime, 0.0) * np.maximum(z, 0.0)
        else:
            widen = calibration.regime_widen * abs(base.regime) * z
    if calibration.spread_only:
        q = km_quantiles(values, observed, weights, np.append(lv, 0.5), calibration.efron_tail)
        return median * np.exp(q[:-1] - q[-1] + widen)
    q = km_quantiles(values, observed, weights, lv, calibration.efron_tail)
    return median * np.exp(shift + q + widen)


#: The offset mode's correction stops at a factor of e^3 (about 20) either way, so a long run of
#: misses cannot wind it up beyond any use (anti-windup).
OFFSET_CAP = 3.0


@dataclass(frozen=True)
class AdaptiveLevels:
    """The online correction of one team's quantile levels, as it stands at one moment.

    Adaptive conformal inference (Gibbs & Candes, 2021): for each tracked level ``q``, every
    past q-date that was missed moves the level up by ``rate * q`` and every one that was met
    moves it down by ``rate * (1 - q)``. Over a long run the share of missed q-dates therefore
    tends to ``1 - q`` on this team's own sequence, whatever the team does, as long as the
    corrected level can reach a date that is met. Feedback is delayed but not by the whole
    outcome: a miss is known as soon as the q-date passes with the work unfinished, a hit as
    soon as the work is finished before it.

    ``state`` is the correction per tracked level: added to the level (mode "level", the
    corrected level kept in [0, 1]) or to the log-duration (mode "offset", within
    :data:`OFFSET_CAP`).
    """

    levels: tuple[float, ...]
    state: tuple[float, ...]
    mode: str = "level"
    #: How many outcomes (met or missed dates, summed over the tracked levels) were learned from.
    feedback: int = 0

    @classmethod
    def neutral(cls, levels: Sequence[float], mode: str = "level") -> AdaptiveLevels:
        return cls(tuple(float(q) for q in levels), tuple(0.0 for _ in levels), mode)

    def corrected_levels(self) -> FloatArray:
        """The tracked levels after correction (mode "level"), non-decreasing, in [0, 1]."""
        q = np.asarray(self.levels, dtype=float)
        if self.mode != "level":
            return q
        eff = np.clip(q + np.asarray(self.state, dtype=float), 0.0, 1.0)
        return np.asarray(np.maximum.accumulate(eff), dtype=float)

    def map_levels(self, levels: FloatArray) -> FloatArray:
        """Requested levels -> the levels to read from the calibrated distribution."""
        if self.mode != "level":
            return levels
        knots = np.concatenate([[0.0], self.levels, [1.0]])
        values = np.concatenate([[0.0], self.corrected_levels(), [1.0]])
        return np.asarray(np.interp(levels, knots, values), dtype=float)

    def log_offsets(self, levels: FloatArray) -> FloatArray:
        """Log-duration offsets at the requested levels (mode "offset"; zeros otherwise)."""
        if self.mode != "offset":
            return np.zeros(levels.size)
        return np.asarray(
            np.interp(levels, self.levels, np.asarray(self.state, dtype=float)), dtype=float
        )


def adapt_step(
    adaptive: AdaptiveLevels,
    missed: npt.NDArray[np.bool_],
    rate: float,
    known: npt.NDArray[np.bool_] | None = None,
    decay: float = 1.0,
) -> AdaptiveLevels:
    """Learn from a batch of outcomes: ``missed`` is (outcomes x tracked levels), True = missed.

    ``alpha_{t+1} = alpha_t + rate * (alpha - err_t)`` in the notation of Gibbs & Candes, with
    ``alpha = 1 - q`` the target miss rate, written here for the level ``1 - alpha_t``: a miss
    raises the level by ``rate * q``, a hit lowers it by ``rate * (1 - q)``. ``known`` (same
    shape) marks the outcomes that are in; the others are skipped. ``decay`` (in (0, 1])
    first shrinks the correction learned so far towards zero (forgetting).
    """
    miss = np.atleast_2d(np.asarray(missed, dtype=bool))
    mask = np.ones(miss.shape, dtype=bool) if known is None else np.atleast_2d(known)
    if not mask.any() and decay == 1.0:
        return adaptive
    q = np.asarray(adaptive.levels, dtype=float)
    step = rate * np.where(mask, miss.astype(float) - (1.0 - q)[None, :], 0.0).sum(axis=0)
    state = np.asarray(adaptive.state, dtype=float) * decay + step
    if adaptive.mode == "level":
        state = np.clip(q + state, 0.0, 1.0) - q  # the corrected level stays in [0, 1]
    else:
        state = np.clip(state, -OFFSET_CAP, OFFSET_CAP)
    return AdaptiveLevels(
        adaptive.levels,
        tuple(float(x) for x in state),
        adaptive.mode,
        adaptive.feedback + int(mask.sum()),
    )


@dataclass(frozen=True)
class BacktestPoint:
    cutoff: float
    actual_days: float
    forecast_days: tuple[float, ...]  # at LEVELS (calibrated, or base when calibration is off)
    base_days: tuple[float, ...]
    naive_days: float
    known_errors: int


@dataclass(frozen=True)
class BacktestSummary:
    """Hit rates and pinball losses of one method over a set of cut-offs."""

    cutoffs: int
    levels: tuple[float, ...]
    hit: tuple[float, ...]
    pinball: float
    base_hit: tuple[float, ...]
    base_pinball: float
    naive_hit: float
    naive_pinball: float

    def hit_at(self, level: float) -> float:
        return self.hit[self.levels.index(level)]


@dataclass(frozen=True)
class BacktestResult:
    target: float
    unit: str
    points: tuple[BacktestPoint, ...]
    summary: BacktestSummary
    #: Errors known at the end of the history: what calibrates a forecast made today.
    final_pool: ErrorPool = field(repr=False)
    #: The team's online level correction at the end of the history (None when off).
    final_adaptive: AdaptiveLevels | None = None


def pinball(actual: FloatArray, predicted: FloatArray, levels: Sequence[float]) -> float:
    """Mean pinball (quantile) loss in days over cut-offs and levels; lower is better.

    ``predicted`` is (cut-offs x levels). A forecast that never finishes is scored as if it
    said ten years.
    """
    if actual.size == 0:
        return float("nan")
    lv = np.asarray(levels)[None, :]
    pred = np.minimum(predicted, 3650.0)
    diff = actual[:, None] - pred
    loss = np.maximum(lv * diff, (lv - 1) * diff)
    return float(loss.mean())


def summarise(points: Sequence[BacktestPoint], levels: Sequence[float] = LEVELS) -> BacktestSummary:
    lv = tuple(float(x) for x in levels)
    if not points:
        nan = float("nan")
        return BacktestSummary(
            0, lv, tuple(nan for _ in lv), nan, tuple(nan for _ in lv), nan, nan, nan
        )
    actual = np.array([p.actual_days for p in points])
    fc = np.array([p.forecast_days for p in points])
    base = np.array([p.base_days for p in points])
    naive = np.array([p.naive_days for p in points])
    hit = tuple(float(x) for x in (actual[:, None] <= fc).mean(axis=0))
    base_hit = tuple(float(x) for x in (actual[:, None] <= base).mean(axis=0))
    naive_grid = np.repeat(naive[:, None], len(lv), axis=1)
    return BacktestSummary(
        cutoffs=len(points),
        levels=lv,
        hit=hit,
        pinball=pinball(actual, fc, lv),
        base_hit=base_hit,
        base_pinball=pinball(actual, base, lv),
        naive_hit=float((actual <= naive).mean()),
        naive_pinball=pinball(actual, naive_grid, lv),
    )


def backtest(
    done_days: FloatArray,
    target: float,
    cutoffs: FloatArray,
    *,
    sizes: FloatArray | None = None,
    sampling: Sampling = Sampling(),
    calibration: Calibration = Calibration(),
    trials: int = 2000,
    seed: int = 0,
    min_history_weeks: int = 8,
    levels: Sequence[float] = LEVELS,
    end: float | None = None,
) -> BacktestResult:
    """Replay history: forecast at every cut-off from earlier data only, score against reality.

    ``done_days``: finish times in days (any epoch), ``sizes``: points per finish (None counts
    items), ``target``: the N items or P points to finish after each cut-off. Calibration uses
    weekly pseudo cut-offs from ``min_history_weeks`` after the first finish; an error joins the
    pool only once its outcome has happened. ``end``: the last day of the data (default: the
    last finish) — the errors known then calibrate today's forecast.
    """
    order = np.argsort(done_days)
    done = np.asarray(done_days, dtype=float)[order]
    w = None if sizes is None else np.asarray(sizes, dtype=float)[order]
    cum = np.cumsum(w) if w is not None else np.arange(1, done.size + 1, dtype=float)
    first = float(done[0]) if done.size else 0.0
    last = float(done[-1]) if done.size else 0.0
    end_day = last + 1e-6 if end is None else end
    rng = np.random.default_rng(seed)

    def naive_days(t: float) -> float:
        """The average-velocity straight line: all work so far over all weeks so far."""
        i = int(np.searchsorted(done, t, side="left"))
        rate = (cum[i - 1] if i > 0 else 0.0) / max((t - first) / 7.0, 1.0)
        return 7.0 * target / rate if rate > 0 else float("inf")

    def regime(median: float, t: float) -> float:
        return regime_of(median, naive_days(t))

    def outcome(t: float) -> float:
        """Days from ``t`` until ``target`` more work was finished (nan: not seen in the data)."""
        i = int(np.searchsorted(done, t, side="left"))
        before = cum[i - 1] if i > 0 else 0.0
        j = int(np.searchsorted(cum, before + target - 1e-9, side="left"))
        return float(done[j] - t) if j < done.size else float("nan")

    grid_start = first + 7 * min_history_weeks
    all_cut = np.asarray(cutoffs, dtype=float)
    if calibration.enabled:
        grid = np.arange(grid_start, max(end_day, grid_start), 7.0)
        grid = np.union1d(grid, all_cut[all_cut >= grid_start])
    else:
        grid = all_cut[all_cut >= grid_start]
    bases: dict[float, BaseForecast] = {}
    raw: dict[float, BaseForecast] = {}  # the plain simulation, reported as "uncalibrated"
    outcomes: dict[float, float] = {}
    blend = calibration.blend_naive if calibration.enabled else 0.0
    for t in grid:
        hist = history_before(done, t, first, sizes=w)
        b = base_forecast(hist, target, float(t), trials, rng, sampling)
        raw[float(t)] = b
        b = blend_with_naive(b, naive_days(float(t)), blend)
        bases[float(t)] = BaseForecast(b.cutoff, b.grid_days, regime(b.median, float(t)))
        outcomes[float(t)] = outcome(float(t))
    g_t = np.array(sorted(bases))
    g_med = np.array([max(bases[t].median, MIN_DAYS) for t in g_t])
    g_act = np.array([outcomes[t] for t in g_t])
    g_known = g_t + np.nan_to_num(g_act, nan=np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):  # never-finishing medians give -inf
        g_err = np.log(np.maximum(g_act, MIN_DAYS) / g_med)
    finite_med = np.isfinite(g_med)

    g_p95 = np.array([bases[t].grid_days[94] for t in g_t])
    g_z = np.array([bases[t].regime for t in g_t])

    def pool_at(t: float) -> ErrorPool:
        """The errors as they stood at ``t``: known outcomes, and pending ones as bounds."""
        seen = finite_med & (g_t < t)
        known = seen & (g_known < t)
        if calibration.pool == "known":
            seen = known
        elif calibration.pool == "mature":
            # Only cut-offs old enough that their outcome should be in: looking at younger ones
            # would keep the quick outcomes and skip the slow ones still pending.
            seen = seen & (g_t + np.minimum(g_p95, 1e6) < t)
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.log(np.maximum(t - g_t, MIN_DAYS) / g_med)
        values = np.where(known, g_err, bound)
        return ErrorPool(values[seen], known[seen], (t - g_t[seen]) / 7.0, g_z[seen])

    adaptive_on = calibration.enabled and calibration.adapt_rate > 0
    adapted: dict[float, FloatArray] = {}
    final_adaptive: AdaptiveLevels | None = None
    if adaptive_on:
        # Every weekly forecast is replayed in time order; its q-date becomes feedback at the
        # moment its outcome is known: when the work is finished before the date (met), or when
        # the date passes with the work unfinished (missed). Only feedback known before a
        # forecast's own date corrects it.
        lv_t = np.asarray(levels, dtype=float)
        state = AdaptiveLevels.neutral(levels, calibration.adapt_mode)
        fb_time = np.full((g_t.size, lv_t.size), np.inf)
        missed = np.zeros((g_t.size, lv_t.size), dtype=bool)
        learned = np.zeros((g_t.size, lv_t.size), dtype=bool)

        previous = [float(g_t[0]) if g_t.size else 0.0]

        def learn_before(t: float, state: AdaptiveLevels) -> AdaptiveLevels:
            decay = 1.0
            if calibration.adapt_halflife_weeks > 0:
                decay = 0.5 ** ((t - previous[0]) / 7.0 / calibration.adapt_halflife_weeks)
            previous[0] = t
            new = ~learned & (fb_time < t)
            rows = new.any(axis=1)
            learned[new] = True
            return adapt_step(state, missed[rows], calibration.adapt_rate, new[rows], decay)

        for k, t in enumerate(g_t):
            state = learn_before(float(t), state)
            fc_k = calibrated(bases[float(t)], pool_at(float(t)), lv_t, calibration, state)
            adapted[float(t)] = fc_k
            act = g_act[k] if np.isfinite(g_act[k]) else np.inf
            miss = act > fc_k
            missed[k] = miss
            fb_time[k] = float(t) + np.where(miss, fc_k, act)
        final_adaptive = learn_before(end_day, state)

    points = []
    for t in all_cut:
        if t < grid_start or float(t) not in bases:
            continue
        actual = outcomes[float(t)]
        if not np.isfinite(actual):
            continue  # the data ends before the outcome: cannot be scored
        base = bases[float(t)]
        pool = pool_at(float(t)) if calibration.enabled else ErrorPool.empty()
        fc = adapted[float(t)] if adaptive_on else calibrated(base, pool, levels, calibration)
        base_q = np.interp(np.asarray(levels), GRID, raw[float(t)].grid_days)
        naive = naive_days(float(t))
        points.append(
            BacktestPoint(
                cutoff=float(t),
                actual_days=actual,
                forecast_days=tuple(float(x) for x in fc),
                base_days=tuple(float(x) for x in base_q),
                naive_days=float(naive),
                known_errors=pool.known,
            )
        )
    return BacktestResult(
        target=target,
        unit="points" if sizes is not None else "items",
        points=tuple(points),
        summary=summarise(points, levels),
        final_pool=pool_at(end_day) if calibration.enabled else ErrorPool.empty(),
        final_adaptive=final_adaptive,
    )
