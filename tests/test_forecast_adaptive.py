"""Adaptive conformal correction of the levels, and pauses kept whole: answers and invariants."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from roadwise.domain.model import HistoryRecord
from roadwise.engines.forecast import Calibration, ForecastOptions, backtest, forecast_when
from roadwise.engines.forecast.backtest import (
    GRID,
    LEVELS,
    OFFSET_CAP,
    AdaptiveLevels,
    BaseForecast,
    ErrorPool,
    adapt_step,
    calibrated,
)
from roadwise.engines.forecast.simulate import Sampling, pause_runs, sample_weeks


def _run(outcomes: list[bool], rate: float, mode: str = "level") -> AdaptiveLevels:
    """Feed one outcome at a time (True = missed) at every tracked level."""
    state = AdaptiveLevels.neutral(LEVELS, mode)
    for miss in outcomes:
        state = adapt_step(state, np.full((1, len(LEVELS)), miss), rate)
    return state


def test_one_miss_and_one_hit_move_the_level_by_known_steps() -> None:
    missed = _run([True], 0.01)
    assert missed.state == pytest.approx([0.01 * q for q in LEVELS])
    met = _run([False], 0.01)
    assert met.state == pytest.approx([-0.01 * (1 - q) for q in LEVELS])
    # At the target rate (15 % misses at 85 %) the level stays where it is: 3 misses, 17 hits.
    q85 = LEVELS.index(0.85)
    state = AdaptiveLevels.neutral([0.85])
    batch = np.array([[True]] * 3 + [[False]] * 17)
    assert adapt_step(state, batch, 0.01).state[0] == pytest.approx(0.0, abs=1e-12)
    assert met.feedback == len(LEVELS) and q85 == 2


@settings(max_examples=40, deadline=None)
@given(
    outcomes=st.lists(st.booleans(), min_size=1, max_size=300),
    rate=st.floats(min_value=1e-4, max_value=0.5),
)
def test_corrected_levels_stay_in_unit_interval_and_ordered(
    outcomes: list[bool], rate: float
) -> None:
    state = _run(outcomes, rate)
    eff = state.corrected_levels()
    assert np.all(eff >= 0.0) and np.all(eff <= 1.0)
    assert np.all(np.diff(eff) >= 0)
    mapped = state.map_levels(np.linspace(0.0, 1.0, 41))
    assert mapped[0] == 0.0 and mapped[-1] == 1.0 and np.all(np.diff(mapped) >= -1e-12)
    offsets = _run(outcomes, rate, "offset").state
    assert all(abs(x) <= OFFSET_CAP for x in offsets)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(min_value=1, max_value=200), rate=st.floats(min_value=1e-3, max_value=0.2))
def test_all_misses_raise_and_all_hits_lower_the_level(n: int, rate: float) -> None:
    up = _run([True] * n, rate).corrected_levels()
    down = _run([False] * n, rate).corrected_levels()
    base = np.array(LEVELS)
    assert np.all(up > base) and np.all(down < base)
    # Enough misses reach the ceiling and stay there (no wind-up beyond it).
    ceiling = _run([True] * 1000, 0.05)
    assert np.all(ceiling.corrected_levels() == 1.0)
    after = adapt_step(ceiling, np.zeros((1, len(LEVELS)), dtype=bool), 0.05)
    assert np.all(after.corrected_levels() < 1.0)


def test_forgetting_shrinks_an_old_correction_by_its_half_life() -> None:
    state = _run([True] * 20, 0.01, "offset")
    nothing = np.zeros((0, len(LEVELS)), dtype=bool)
    later = adapt_step(state, nothing, 0.01, decay=0.5)
    assert later.state == pytest.approx([x / 2 for x in state.state])
    assert adapt_step(state, nothing, 0.01) == state  # no outcome and no forgetting: unchanged


def test_long_run_miss_rate_reaches_the_target_under_a_shift() -> None:
    # The forecast believes outcomes are N(0, 1); they are N(0, 2) and later N(1.5, 1): its
    # 85 % quantile is far too early. The adapted level brings the miss rate to 15 %, within
    # the Gibbs-Candes bound (1 + rate) / (rate * T).
    rng = np.random.default_rng(0)
    steps, rate = 4000, 0.01
    outcome = np.concatenate([rng.normal(0, 2, steps // 2), rng.normal(1.5, 1, steps // 2)])
    state = AdaptiveLevels.neutral([0.85])
    misses = 0
    for y in outcome:
        level = float(np.clip(state.corrected_levels()[0], 1e-9, 1 - 1e-9))
        miss = bool(y > stats.norm.ppf(level))
        misses += miss
        state = adapt_step(state, np.array([[miss]]), rate)
    assert abs(misses / steps - 0.15) <= (1 + rate) / (rate * steps) + 1e-9
    naive_rate = float(np.mean(outcome > stats.norm.ppf(0.85)))
    assert naive_rate > 0.3  # the uncorrected quantile misses far more often


def test_corrected_levels_read_further_out_in_the_calibrated_distribution() -> None:
    grid = 30.0 * np.exp(0.3 * stats.norm.ppf(GRID))
    e = np.random.default_rng(3).normal(0, 0.4, 60)
    pool = ErrorPool(e, np.ones(e.size, dtype=bool), np.zeros(e.size))
    base = BaseForecast(0.0, grid)
    plain = calibrated(base, pool, LEVELS)
    assert calibrated(base, pool, LEVELS, adaptive=AdaptiveLevels.neutral(LEVELS)) == (
        pytest.approx(plain)
    )
    late = _run([True] * 10, 0.01)
    wide = calibrated(base, pool, LEVELS, adaptive=late)
    assert np.all(wide > plain) and np.all(np.diff(wide) >= 0)
    # The level correction is the calibrated distribution read at the corrected levels.
    assert wide == pytest.approx(calibrated(base, pool, late.corrected_levels()))
    offset = _run([True] * 10, 0.01, "offset")
    shifted = calibrated(base, pool, LEVELS, adaptive=offset)
    assert shifted == pytest.approx(plain * np.exp(np.array(offset.state)))


def _winding_down(seed: int) -> np.ndarray:
    """A year and a half at about 5 items a week, then about 1 a week for a year."""
    rng = np.random.default_rng(seed)
    fast = rng.uniform(0, 540, rng.poisson(540 / 7 * 5))
    slow = rng.uniform(540, 900, rng.poisson(360 / 7 * 1))
    return np.sort(np.concatenate([fast, slow]))


def test_adaptive_backtest_brings_hit_rates_closer_to_their_levels() -> None:
    # The calibrated forecast of a team that slowed down meets its 50 % and 70 % dates far
    # less often than stated; the team's own misses move those levels out.
    done = _winding_down(5)
    cutoffs = np.arange(182.0, done[-1], 14.0)
    plain = backtest(done, 10.0, cutoffs, trials=300)
    adapted = backtest(done, 10.0, cutoffs, trials=300, calibration=Calibration(adapt_rate=0.02))
    assert adapted.summary.cutoffs == plain.summary.cutoffs > 20
    gap_plain = np.abs(np.array(plain.summary.hit) - LEVELS).sum()
    gap = np.abs(np.array(adapted.summary.hit) - LEVELS).sum()
    assert gap < 0.5 * gap_plain
    assert adapted.final_adaptive is not None and adapted.final_adaptive.feedback > 0
    assert plain.final_adaptive is None


def test_adaptive_backtest_uses_only_outcomes_known_before_each_cutoff() -> None:
    done = _winding_down(6)
    cut = 700.0
    cutoffs = np.array([cut])
    cal = Calibration(adapt_rate=0.02)
    full = backtest(done, 10.0, cutoffs, trials=300, calibration=cal)
    # The same past with a different future: the forecast at the cut-off must not move.
    future = np.sort(np.random.default_rng(9).uniform(cut, cut + 30, 60))
    other = backtest(
        np.concatenate([done[done < cut], future]), 10.0, cutoffs, trials=300, calibration=cal
    )
    assert full.points[0].actual_days != other.points[0].actual_days
    assert full.points[0].forecast_days == other.points[0].forecast_days


# --------------------------------------------------------------------------- pauses kept whole


def test_pause_runs_find_quiet_stretches_of_two_weeks_or_more() -> None:
    history = np.array([3, 0, 2, 0, 0, 0, 1, 0, 0, 4, 0], dtype=float)
    starts, lengths = pause_runs(history)
    assert starts.tolist() == [3, 7] and lengths.tolist() == [3, 2]


def test_pauses_keep_their_frequency_and_length() -> None:
    # Six weeks of work, then a six-week pause, repeated: single-week blocks scatter the pause.
    history = np.array(([2.0] * 6 + [0.0] * 6) * 4)
    rng = np.random.default_rng(0)
    whole = sample_weeks(history, 4000, 48, rng, Sampling(window=48, block=4, pauses=True))
    cut = sample_weeks(history, 4000, 48, rng, Sampling(window=48, block=4, pauses=False))
    assert (whole == 0).mean() == pytest.approx(0.5, abs=0.02)
    assert whole.mean() == pytest.approx(history.mean(), rel=0.03)
    # Pauses are drawn whole: every simulated pause not cut off by the horizon is made of
    # whole six-week pauses. Cut into blocks, they come out shorter on average.
    lengths = []
    for row in whole[:500]:
        starts, lens = pause_runs(row)
        lengths += [ln for st_, ln in zip(starts, lens, strict=True) if st_ + ln < row.size]
    assert lengths and all(ln % 6 == 0 for ln in lengths)
    assert np.mean(lengths) > np.mean(np.concatenate([pause_runs(r)[1] for r in cut[:500]]))
    # Longer pauses make the time to finish more uncertain, not different on average.
    assert whole.sum(axis=1).std() > cut.sum(axis=1).std()


@settings(max_examples=30, deadline=None)
@given(
    weeks=st.lists(st.integers(min_value=0, max_value=6), min_size=3, max_size=60),
    horizon=st.integers(min_value=1, max_value=80),
    block=st.integers(min_value=1, max_value=6),
)
def test_pause_sampling_only_draws_weeks_from_the_history(
    weeks: list[int], horizon: int, block: int
) -> None:
    history = np.array(weeks, dtype=float)
    out = sample_weeks(
        history, 50, horizon, np.random.default_rng(1), Sampling(block=block, pauses=True)
    )
    assert out.shape == (50, horizon)
    assert set(np.unique(out)) <= set(np.unique(np.append(history, 0.0)))


def test_a_forecast_carries_the_correction_learned_on_the_teams_history() -> None:
    # A year at 6 a week, then half a year at 1 a week: the slowdown's misses are learned.
    start = 0.0
    fast = np.linspace(start, 364.0, 6 * 52, endpoint=False)
    slow = np.linspace(364.0, 546.0, 26, endpoint=False)
    done = np.concatenate([fast, slow])
    cutoffs = np.arange(182.0, 546.0, 14.0)
    cal = Calibration(adapt_rate=0.02, adapt_mode="offset")
    result = backtest(done, 20.0, cutoffs, trials=200, calibration=cal, end=546.0)
    final = result.final_adaptive
    assert final is not None and final.feedback > 0
    # Missed dates outnumber the allowed share after the slowdown: the late levels moved out.
    assert final.state[LEVELS.index(0.85)] > 0
    base = BaseForecast(0.0, 30.0 * np.exp(0.3 * stats.norm.ppf(GRID)))
    with_correction = calibrated(base, result.final_pool, LEVELS, cal, final)
    without = calibrated(base, result.final_pool, LEVELS, cal)
    assert with_correction[2] > without[2]


def test_forecast_when_applies_the_teams_learned_correction() -> None:
    as_of = dt.date(2025, 6, 2)
    start = dt.datetime(2024, 6, 3)
    records = []
    for week in range(52):  # a steady year, then a quarter of slow weeks
        per_week = 6 if week < 39 else 1
        for k in range(per_week):
            done = start + dt.timedelta(weeks=week, days=1, hours=k)
            records.append(HistoryRecord(key=f"T-{week}-{k}", team="core", created=done, done=done))
    plain = ForecastOptions(trials=300, backtest_trials=150)
    adaptive = ForecastOptions(
        trials=300,
        backtest_trials=150,
        calibration=Calibration(adapt_rate=0.02, adapt_mode="offset"),
    )
    a = forecast_when(records, 20, as_of, plain)
    b = forecast_when(records, 20, as_of, adaptive)
    assert a.days != b.days
    assert list(b.days.values()) == sorted(b.days.values())
