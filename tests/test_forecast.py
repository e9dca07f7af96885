"""Forecasting engine: known answers, no peeking at the future, and invariants."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from roadwise.domain.model import Estimate, HistoryRecord, ItemKind
from roadwise.engines.forecast import (
    Calibration,
    ForecastOptions,
    ForecastSnapshot,
    RoadmapItem,
    Sampling,
    TeamFlow,
    backtest,
    estimate_bias,
    explain_move,
    forecast_estimated_when,
    forecast_how_many,
    forecast_when,
    sample_sizes,
    simulate_roadmap,
    simulate_weeks,
    team_calendar,
)
from roadwise.engines.forecast.backtest import (
    GRID,
    BaseForecast,
    ErrorPool,
    calibrated,
    history_before,
    km_quantiles,
    pinball,
    regime_of,
    with_regime,
)
from roadwise.engines.forecast.simulate import how_many, weekly_counts

AS_OF = dt.date(2025, 6, 2)  # a Monday


def steady_history(per_week: int, weeks: int, team: str = "core") -> list[HistoryRecord]:
    """``per_week`` items finished every week for ``weeks`` weeks before AS_OF."""
    records = []
    start = dt.datetime.combine(AS_OF, dt.time()) - dt.timedelta(weeks=weeks)
    for w in range(weeks):
        for k in range(per_week):
            done = start + dt.timedelta(weeks=w, days=1, hours=k)
            records.append(
                HistoryRecord(
                    key=f"{team}-{w}-{k}",
                    team=team,
                    created=done - dt.timedelta(days=3),
                    started=done - dt.timedelta(days=2),
                    done=done,
                    points=2.0,
                )
            )
    return records


# --------------------------------------------------------------------------- known answers


def test_constant_throughput_gives_a_deterministic_date() -> None:
    history = np.full(52, 5.0)
    weeks = simulate_weeks(history, 50.0, 2000, np.random.default_rng(3))
    assert np.all(weeks == 10.0)
    f = forecast_when(
        steady_history(5, 40), 50, AS_OF, ForecastOptions(trials=500, calibrate=False)
    )
    assert set(f.dates.values()) == {AS_OF + dt.timedelta(days=70)}


def test_bernoulli_weeks_give_negative_binomial_percentiles() -> None:
    # Each week finishes 10 items or none with probability 1/2: the weeks needed for m good
    # weeks follow m + NegBin(m, 1/2).
    history = np.tile([0.0, 10.0], 100)
    m = 8
    weeks = simulate_weeks(
        history,
        10.0 * m,
        40_000,
        np.random.default_rng(5),
        Sampling(window=200, block=1, pauses=False),
    )
    for q in (0.5, 0.85, 0.95):
        expected = m + stats.nbinom.ppf(q, m, 0.5)
        assert np.quantile(weeks, q) == pytest.approx(expected, abs=1.0)
    assert weeks.mean() == pytest.approx(2 * m, rel=0.02)


def test_how_many_by_a_date_with_constant_throughput() -> None:
    counts = how_many(np.full(30, 4.0), 6.5, 100, np.random.default_rng(0))
    assert np.allclose(counts, 26.0)
    f = forecast_how_many(
        steady_history(4, 30),
        AS_OF + dt.timedelta(weeks=5),
        AS_OF,
        ForecastOptions(trials=300, calibrate=False),
    )
    assert f.at_least == {50: 20.0, 70: 20.0, 85: 20.0, 95: 20.0}


def test_a_young_teams_oldest_partial_week_counts() -> None:
    # Four items finished Monday to Thursday, nothing in the week since: both weeks count.
    first = dt.datetime(2026, 11, 9, 10)  # a Monday
    records = [
        HistoryRecord(key=f"Y-{i}", team="y", created=first, done=first + dt.timedelta(days=i))
        for i in range(4)
    ]
    as_of = dt.date(2026, 11, 19)  # ten days after the first finish
    f = forecast_when(records, 4, as_of, ForecastOptions(trials=200, calibrate=False))
    assert f.history_weeks == 2
    assert f.weekly_rate == pytest.approx(2.0)  # 3 items in the oldest (partial) week, 1 since
    assert set(f.dates.values()) == {as_of + dt.timedelta(days=14)}


@given(
    st.lists(st.floats(0.0, 400.0, allow_nan=False), min_size=1, max_size=40),
    st.floats(0.001, 30.0),
    st.booleans(),
)
@settings(max_examples=200, deadline=None)
def test_history_before_counts_every_finish_before_the_cutoff(
    offsets: list[float], after: float, on_boundary: bool
) -> None:
    done = 20_000.0 + np.array(offsets)
    first = float(done.min())
    cutoff = float(done.max()) + after
    if on_boundary:  # as the backtest's weekly cut-offs are made: first + 7k
        cutoff = first + 7.0 * np.ceil((cutoff - first) / 7.0)
    weekly = history_before(done, cutoff, first, max_weeks=1000)
    assert weekly.sum() == done.size
    # No empty week before the first finish: the oldest week holds it.
    assert weekly[0] > 0
    sizes = np.arange(1.0, done.size + 1)
    assert history_before(done, cutoff, first, 1000, sizes).sum() == pytest.approx(sizes.sum())


def test_history_before_keeps_a_first_finish_on_a_rounded_week_boundary() -> None:
    # The backtest's weekly cut-offs are first + 7k; past 2**14 days (November 2014) the sum
    # rounds and lands a hair beyond a whole number of weeks from the first finish.
    first = 16300.06856172835
    cutoff = float(np.arange(first + 56, first + 400, 7.0)[12])
    assert cutoff - first > 7.0 * 20  # 20 weeks and a rounding error
    weekly = history_before(np.array([first, first + 1.0, first + 30.0]), cutoff, first)
    assert weekly.size == 20
    assert weekly.tolist()[:5] == [2.0, 0.0, 0.0, 0.0, 1.0]


def test_weekly_counts_bin_finishes_before_the_end() -> None:
    done = np.array([0.5, 6.9, 7.5, 13.0, 14.0])
    assert weekly_counts(done, 14.0, 2).tolist() == [2.0, 2.0]  # 14.0 itself is not before 14


def test_scope_growth_delays_the_date() -> None:
    recs = steady_history(5, 40)
    plain = forecast_when(recs, 40, AS_OF, ForecastOptions(trials=2000, calibrate=False))
    grown = forecast_when(
        recs,
        40,
        AS_OF,
        ForecastOptions(trials=2000, calibrate=False, scope_growth=True, growth_per_week=2.0),
    )
    assert plain.days[50] == pytest.approx(56.0)
    # Net progress 3 a week: about 40 / 3 weeks instead of 8.
    assert 80 < grown.days[50] < 110
    # The long-run anchor of the calibrated forecast moves at the net rate too.
    calibrated_growth = forecast_when(
        recs,
        40,
        AS_OF,
        ForecastOptions(trials=2000, backtest_trials=200, scope_growth=True, growth_per_week=2.0),
    )
    assert 80 < calibrated_growth.days[50] < 110


def test_holidays_slow_the_forecast() -> None:
    us = team_calendar("US")
    # The weeks starting 2025-12-22 and 2025-12-29 hold Christmas and New Year's Day.
    assert us.week_factors(dt.date(2025, 12, 22), 2).tolist() == [0.8, 0.8]
    recs = steady_history(5, 40)
    # A two-week shutdown in weeks 3 and 4 pushes a 10-week job out by exactly two weeks.
    shutdown = team_calendar(None, [AS_OF + dt.timedelta(days=d) for d in range(14, 28)])
    opts = ForecastOptions(trials=500, calibrate=False)
    plain = forecast_when(recs, 50, AS_OF, opts)
    closed = forecast_when(recs, 50, AS_OF, opts, calendar=shutdown)
    assert plain.days[50] == pytest.approx(70.0)
    assert closed.days[50] == pytest.approx(84.0)


# --------------------------------------------------------------------------- backtest


def test_backtest_uses_only_data_before_each_cutoff() -> None:
    rng = np.random.default_rng(2)
    past = np.sort(rng.uniform(0, 400, 300))
    cut = 420.0
    slow_future = np.sort(rng.uniform(cut, cut + 800, 100))
    fast_future = np.sort(rng.uniform(cut, cut + 40, 100))
    a = backtest(np.concatenate([past, slow_future]), 30.0, np.array([cut]), trials=500)
    b = backtest(np.concatenate([past, fast_future]), 30.0, np.array([cut]), trials=500)
    assert a.points[0].actual_days > 5 * b.points[0].actual_days
    # Identical past, wildly different futures: the forecast at the cut-off must not move.
    assert a.points[0].forecast_days == b.points[0].forecast_days
    assert a.points[0].known_errors == b.points[0].known_errors > 0


def test_backtest_calibration_widens_an_overconfident_method() -> None:
    # A team that alternates fast and slow half-years: a 12-week window is over-confident.
    rng = np.random.default_rng(4)
    days = []
    for half in range(8):
        rate = 6.0 if half % 2 == 0 else 1.0
        n = rng.poisson(rate * 26)
        days.append(rng.uniform(half * 182, (half + 1) * 182, n))
    done = np.sort(np.concatenate(days))
    cutoffs = np.arange(182.0, done[-1], 14.0)
    textbook = backtest(
        done,
        30.0,
        cutoffs,
        sampling=Sampling(window=12, block=1, pauses=False),
        calibration=Calibration(enabled=False),
        trials=500,
    )
    ours = backtest(done, 30.0, cutoffs, trials=500)
    assert ours.summary.hit_at(0.85) > textbook.summary.hit_at(0.85)
    assert ours.summary.cutoffs == textbook.summary.cutoffs > 20


def test_pinball_of_a_perfect_forecast_is_zero() -> None:
    actual = np.array([10.0, 20.0])
    assert pinball(actual, np.repeat(actual[:, None], 4, axis=1), (0.5, 0.7, 0.85, 0.95)) == 0
    # Late by 10 days at the 85 % level costs 0.85 * 10.
    assert pinball(np.array([20.0]), np.array([[10.0]]), (0.85,)) == pytest.approx(8.5)


def test_forecast_reports_its_measured_calibration() -> None:
    rng = np.random.default_rng(8)
    recs = []
    start = dt.datetime(2023, 1, 2)
    for d in range(880):
        for k in range(rng.poisson(0.7)):
            t = start + dt.timedelta(days=d, hours=9 + k)
            recs.append(HistoryRecord(key=f"X-{d}-{k}", team="x", created=t, done=t))
    f = forecast_when(recs, 20, AS_OF, ForecastOptions(trials=2000, backtest_trials=300))
    assert f.calibration is not None
    assert f.calibration.cutoffs > 30
    assert 0.0 <= f.calibration.hit[85] <= 1.0
    days = [f.days[p] for p in (50, 70, 85, 95)]
    assert days == sorted(days)


# --------------------------------------------------------------------------- estimates


def test_estimate_bias_is_learned_and_applied() -> None:
    base = dt.datetime(2025, 1, 6)
    recs = [
        HistoryRecord(
            key=f"E-{i}",
            team="t",
            created=base,
            done=base + dt.timedelta(days=i + 1),
            estimate=Estimate(low=1, likely=2, high=3),
            points=4.0,
        )
        for i in range(10)
    ]
    bias = estimate_bias(recs, "t")
    assert bias.typical == pytest.approx(2.0)
    rng = np.random.default_rng(0)
    sizes = sample_sizes([Estimate(low=2, likely=2, high=2)], 100, rng, bias=bias)
    assert np.allclose(sizes, 4.0)
    assert estimate_bias(recs[:3], "t").typical == 1.0  # too little evidence: no correction


def test_estimate_based_forecast_counts_points() -> None:
    from roadwise.domain.model import Item

    recs = steady_history(5, 30)  # 10 points a week
    items = [
        Item(key=f"I-{i}", title="x", estimate=Estimate(low=5, likely=5, high=5)) for i in range(4)
    ]
    f, bias = forecast_estimated_when(
        items, recs, AS_OF, ForecastOptions(trials=500, calibrate=False)
    )
    assert bias.typical == 1.0
    assert f.unit == "points"
    assert f.days[85] == pytest.approx(14.0)


def estimated_history(weeks: int, start: dt.datetime, seed: int = 0) -> list[HistoryRecord]:
    """Three estimated items a week from ``start``, each taking a different multiple of its
    estimate (so the bias has many different ratios)."""
    rng = np.random.default_rng(seed)
    records = []
    for w in range(weeks):
        for k in range(3):
            done = start + dt.timedelta(weeks=w, days=1 + k, hours=10)
            records.append(
                HistoryRecord(
                    key=f"E-{w}-{k}",
                    team="t",
                    created=done - dt.timedelta(days=5),
                    done=done,
                    estimate=Estimate(low=1, likely=2, high=5),
                    points=float(rng.integers(1, 9)),
                )
            )
    return records


def test_estimate_bias_learns_only_from_items_finished_before_as_of() -> None:
    from roadwise.domain.model import Item

    as_of = AS_OF - dt.timedelta(weeks=10)
    early = estimated_history(30, dt.datetime.combine(as_of, dt.time()) - dt.timedelta(weeks=30))
    # Later items took ten times their estimate: a forecast as of the earlier date cannot know.
    later = [
        HistoryRecord(
            key=f"L-{i}",
            team="t",
            created=dt.datetime.combine(as_of, dt.time()) + dt.timedelta(days=i),
            done=dt.datetime.combine(as_of, dt.time()) + dt.timedelta(days=i + 1),
            estimate=Estimate(low=1, likely=2, high=5),
            points=20.0,
        )
        for i in range(60)
    ]
    items = [
        Item(key=f"I-{i}", title="x", estimate=Estimate(low=2, likely=3, high=8)) for i in range(6)
    ]
    options = ForecastOptions(trials=500, calibrate=False)
    f_then, bias_then = forecast_estimated_when(items, early, as_of, options, team="t")
    f_all, bias_all = forecast_estimated_when(items, early + later, as_of, options, team="t")
    assert bias_then.count == 90
    assert bias_all.count == bias_then.count
    assert np.array_equal(bias_all.ratios, bias_then.ratios)
    assert f_all.target == f_then.target
    assert f_all.dates == f_then.dates


def test_estimate_forecast_does_not_depend_on_the_order_of_history_or_items() -> None:
    from roadwise.domain.model import Item

    records = estimated_history(30, dt.datetime.combine(AS_OF, dt.time()) - dt.timedelta(weeks=30))
    items = [
        Item(key=f"I-{i}", title="x", estimate=Estimate(low=1 + i, likely=2 + i, high=4 + 2 * i))
        for i in range(6)
    ]
    shuffled = list(records)
    random.Random(1).shuffle(shuffled)
    assert np.array_equal(estimate_bias(shuffled, "t").ratios, estimate_bias(records, "t").ratios)
    options = ForecastOptions(trials=500, calibrate=False, seed=3)
    f1, _ = forecast_estimated_when(items, records, AS_OF, options, team="t")
    f2, _ = forecast_estimated_when(items[::-1], shuffled, AS_OF, options, team="t")
    assert f2.target == f1.target
    assert f2.dates == f1.dates
    assert np.array_equal(f2.distribution_days, f1.distribution_days)


# --------------------------------------------------------------------------- roadmap


def test_roadmap_sequences_team_work_and_dependencies() -> None:
    flows = {"a": TeamFlow(np.full(20, 2.0)), "b": TeamFlow(np.full(20, 4.0))}
    point = Estimate(low=4, likely=4, high=4)
    items = [
        RoadmapItem("A1", "a", point),
        RoadmapItem("A2", "a", point, deadline=AS_OF + dt.timedelta(days=13)),
        RoadmapItem("B0", "b", Estimate(low=1, likely=1, high=1)),
        RoadmapItem("B1", "b", point, depends_on=("A2",), deadline=AS_OF + dt.timedelta(days=35)),
    ]
    r = simulate_roadmap(items, flows, AS_OF, trials=200)
    assert r.outcome("A1").finish[50] == AS_OF + dt.timedelta(days=14)
    assert r.outcome("A2").finish[50] == AS_OF + dt.timedelta(days=28)
    # B1 waits for A2 (4 weeks), then takes a week of team b.
    assert r.outcome("B1").finish[50] == AS_OF + dt.timedelta(days=35)
    assert r.outcome("A2").p_deadline == 0.0
    assert r.outcome("B1").p_deadline == 1.0
    assert r.outcome("A1").critical == 1.0 and r.outcome("B1").critical == 1.0
    assert r.outcome("B0").critical == 0.0


def test_a_team_waiting_for_another_team_does_its_next_items_meanwhile() -> None:
    flows = {"a": TeamFlow(np.full(20, 2.0)), "b": TeamFlow(np.full(20, 4.0))}
    point = Estimate(low=4, likely=4, high=4)
    items = [
        RoadmapItem("A1", "a", point),
        RoadmapItem("A2", "a", point),
        RoadmapItem("B1", "b", point, depends_on=("A2",)),
        RoadmapItem("B2", "b", point),
    ]
    r = simulate_roadmap(items, flows, AS_OF, trials=200)
    # B1 waits for A2 (4 weeks) and then takes a week; team b does B2 in the meantime (its
    # second week), instead of idling until A2 is done and finishing B2 in week 6.
    assert r.outcome("B1").finish[50] == AS_OF + dt.timedelta(days=35)
    assert r.outcome("B2").finish[50] == AS_OF + dt.timedelta(days=14)
    assert r.outcome("B1").critical == 1.0 and r.outcome("B2").critical == 0.0


def test_a_team_keeps_its_order_when_another_team_waits_for_its_last_item() -> None:
    """Team b's B1 waits for team a's A2; listed first, it must not pull A2 ahead of A1."""
    flows = {"a": TeamFlow(np.full(20, 2.0)), "b": TeamFlow(np.full(20, 4.0))}
    point = Estimate(low=4, likely=4, high=4)
    items = [
        RoadmapItem("B1", "b", point, depends_on=("A2",)),
        RoadmapItem("A1", "a", point),
        RoadmapItem("A2", "a", point),
    ]
    r = simulate_roadmap(items, flows, AS_OF, trials=200)
    assert r.outcome("A1").finish[50] == AS_OF + dt.timedelta(days=14)
    assert r.outcome("A2").finish[50] == AS_OF + dt.timedelta(days=28)
    assert r.outcome("B1").finish[50] == AS_OF + dt.timedelta(days=35)
    # A team that queued an item before its own prerequisite still does the prerequisite
    # first (it cannot be done otherwise); a cycle is an error.
    backwards = [RoadmapItem("A2", "a", point, depends_on=("A1",)), RoadmapItem("A1", "a", point)]
    r = simulate_roadmap(backwards, flows, AS_OF, trials=50)
    assert r.outcome("A1").finish[50] == AS_OF + dt.timedelta(days=14)
    assert r.outcome("A2").finish[50] == AS_OF + dt.timedelta(days=28)
    cycle = [
        RoadmapItem("A1", "a", point, depends_on=("B1",)),
        RoadmapItem("B1", "b", point, depends_on=("A1",)),
    ]
    with pytest.raises(ValueError, match="dependency cycle"):
        simulate_roadmap(cycle, flows, AS_OF, trials=10)


@pytest.mark.parametrize("calibrated", [False, True])
def test_a_small_teams_item_waiting_for_a_big_teams_last_item_is_dated(calibrated: bool) -> None:
    """Each team's weeks are drawn for its own queue: a one-item team waiting on twenty weeks of
    another team's work must still be dated (it was 'never')."""
    history = np.full(52, 5.0)
    same = (lambda days, work: days) if calibrated else None
    flows = {t: TeamFlow(history, calibrate=same) for t in ("big", "small")}
    items = [RoadmapItem(f"B-{i}", "big") for i in range(100)]
    items.append(RoadmapItem("S-1", "small", depends_on=("B-99",)))
    r = simulate_roadmap(items, flows, AS_OF, trials=200, seed=1)
    waited, done = r.outcome("B-99").finish[95], r.outcome("S-1").finish[95]
    assert waited is not None and done is not None
    assert dt.timedelta(0) < done - waited <= dt.timedelta(days=2)  # a fifth of a week later
    assert r.finish_all[95] == done


def test_roadmap_critical_path_shares_under_uncertainty() -> None:
    flows = {"a": TeamFlow(np.array([0.0, 2.0, 4.0, 6.0] * 10)), "b": TeamFlow(np.full(40, 3.0))}
    est = Estimate(low=2, likely=6, high=12)
    items = [RoadmapItem("A", "a", est), RoadmapItem("B", "b", est)]
    r = simulate_roadmap(items, flows, AS_OF, trials=3000)
    a, b = r.outcome("A").critical, r.outcome("B").critical
    assert a + b == pytest.approx(1.0)
    assert 0.0 < a < 1.0


@settings(max_examples=25, deadline=None)
@given(
    factor=st.floats(min_value=1.0, max_value=3.0),
    sped=st.sampled_from(["a", "b"]),
    seed=st.integers(0, 10_000),
)
def test_a_sped_up_team_never_finishes_anything_later(factor: float, sped: str, seed: int) -> None:
    """The "one more engineer" rerun replays the base run's random draws: with a team's weekly
    throughput multiplied, no item of any trial (of that team or one waiting on it) is later,
    and the other team's own items are exactly as before."""
    history = np.array([0.0, 3.0, 5.0, 1.0, 4.0, 6.0, 2.0, 0.0] * 4)
    est = Estimate(low=2, likely=5, high=13)
    items = [
        RoadmapItem("A1", "a", est),
        RoadmapItem("A2", "a", est),
        RoadmapItem("B1", "b", est, depends_on=("A1",)),
        RoadmapItem("B2", "b", est),
    ]

    def run(speedup: dict[str, float]) -> np.ndarray:
        flows = {t: TeamFlow(history, speedup=speedup.get(t, 1.0)) for t in ("a", "b")}
        return np.asarray(simulate_roadmap(items, flows, AS_OF, trials=300, seed=seed).finish_days)

    base, faster = run({}), run({sped: factor})
    assert np.all(faster <= base + 1e-9)
    if sped == "b":  # team a waits on nothing of b's: its trials are untouched
        assert np.array_equal(faster[:, :2], base[:, :2])


# --------------------------------------------------------------------------- why a date moved


def test_date_move_splits_into_causes_that_add_up() -> None:
    hist = np.full(26, 5.0)
    before = ForecastSnapshot(AS_OF, scope=100, done=0, history=hist)
    after = ForecastSnapshot(
        AS_OF + dt.timedelta(weeks=4), scope=120, done=20, history=np.full(26, 4.0)
    )
    move = explain_move(before, after, trials=500)
    assert move.total_days == pytest.approx(
        move.scope_days + move.throughput_days + move.completed_work_days
    )
    assert move.scope_days > 0 and move.throughput_days > 0
    only_scope = explain_move(before, ForecastSnapshot(AS_OF, 120, 0, hist), trials=500)
    assert only_scope.scope_days == pytest.approx(28.0)
    assert only_scope.throughput_days == 0 and only_scope.completed_work_days == 0
    assert only_scope.lines() == [
        "scope change: 28 days later",
        "throughput change: no change",
        "work completed and time passed: no change",
    ]


# --------------------------------------------------------------------------- properties


@settings(max_examples=40, deadline=None)
@given(
    rate=st.integers(min_value=1, max_value=20),
    target=st.integers(min_value=1, max_value=300),
)
def test_constant_rate_finishes_at_target_over_rate(rate: int, target: int) -> None:
    weeks = simulate_weeks(np.full(10, float(rate)), float(target), 50, np.random.default_rng(0))
    assert np.allclose(weeks, target / rate)


@settings(max_examples=40, deadline=None)
@given(
    history=st.lists(st.integers(min_value=0, max_value=15), min_size=1, max_size=60).filter(
        lambda h: sum(h) > 0
    ),
    target=st.integers(min_value=1, max_value=200),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_simulated_duration_is_bounded_by_best_and_worst_weeks(
    history: list[int], target: int, seed: int
) -> None:
    h = np.array(history, dtype=float)
    weeks = simulate_weeks(h, float(target), 200, np.random.default_rng(seed))
    finite = weeks[np.isfinite(weeks)]
    assert np.all(finite >= target / h.max() - 1e-9)
    assert np.all(np.diff(np.quantile(weeks, [0.5, 0.7, 0.85, 0.95], method="inverted_cdf")) >= 0)


@settings(max_examples=40, deadline=None)
@given(
    errors=st.lists(st.floats(min_value=-2, max_value=2), max_size=40),
    spread=st.floats(min_value=0.01, max_value=2.0),
)
def test_calibrated_percentiles_are_ordered(errors: list[float], spread: float) -> None:
    grid = 30.0 * np.exp(spread * stats.norm.ppf(GRID))
    e = np.array(errors)
    pool = ErrorPool(e, np.arange(e.size) % 3 != 0, np.zeros(e.size))
    q = calibrated(BaseForecast(0.0, grid), pool, [0.5, 0.7, 0.85, 0.95])
    assert np.all(np.diff(q) >= -1e-9)
    assert np.all(q > 0)


def test_kinds_and_teams_filter_history() -> None:
    recs = steady_history(2, 20, "a") + steady_history(3, 20, "b")
    fa = forecast_when(
        [r for r in recs if r.team == "a"], 20, AS_OF, ForecastOptions(trials=200, calibrate=False)
    )
    assert fa.days[50] == pytest.approx(70.0)
    assert all(r.kind == ItemKind.STORY for r in recs)


def test_kaplan_meier_quantiles_count_pending_outcomes_as_late() -> None:
    values = np.arange(1.0, 101.0)
    observed = np.ones(100, dtype=bool)
    weights = np.ones(100)
    levels = np.array([0.25, 0.5, 0.75])
    plain = km_quantiles(values, observed, weights, levels)
    assert plain == pytest.approx([25.5, 50.5, 75.5], abs=0.6)
    # 50 more cut-offs still pending after 60 days: at least 60, so the quantiles move later.
    v = np.concatenate([values, np.full(50, 60.0)])
    o = np.concatenate([observed, np.zeros(50, dtype=bool)])
    late = km_quantiles(v, o, np.ones(150), levels)
    assert np.all(late >= plain - 1e-9) and late[2] > plain[2] + 5
    # Dropping them instead (only known outcomes) would leave the optimistic answer.
    assert km_quantiles(values, observed, weights, levels) == pytest.approx(plain)


# --------------------------------------------------------------------------- regime widening


def test_regime_of_measures_departure_from_the_long_run_line() -> None:
    assert regime_of(60.0, 30.0) == pytest.approx(np.log(2.0))
    assert regime_of(15.0, 30.0) == pytest.approx(-np.log(2.0))
    # A team that never finished anything has no line to depart from: no regime signal.
    assert regime_of(30.0, float("inf")) == 0.0
    assert regime_of(float("nan"), 30.0) == 0.0
    tagged = with_regime(BaseForecast(0.0, np.linspace(10, 50, GRID.size)), 15.0)
    assert tagged.regime == pytest.approx(np.log(30.0 / 15.0), rel=0.05)


@settings(max_examples=30, deadline=None)
@given(
    z=st.floats(min_value=-3, max_value=3),
    widen=st.floats(min_value=0.0, max_value=3.0),
)
def test_regime_widening_moves_levels_outwards_and_keeps_the_median(z: float, widen: float) -> None:
    grid = 30.0 * np.exp(0.3 * stats.norm.ppf(GRID))
    e = np.random.default_rng(1).normal(0, 0.4, 40)
    pool = ErrorPool(e, np.ones(e.size, dtype=bool), np.zeros(e.size))
    levels = [0.15, 0.5, 0.85, 0.95]
    plain = calibrated(BaseForecast(0.0, grid, z), pool, levels, Calibration())
    wide = calibrated(BaseForecast(0.0, grid, z), pool, levels, Calibration(regime_widen=widen))
    assert wide[1] == pytest.approx(plain[1])
    assert wide[0] <= plain[0] + 1e-9 and wide[2] >= plain[2] - 1e-9
    assert wide[3] >= wide[2]
    # The further the recent pace is from the long-run one, the wider the 95 % date.
    if widen > 0.1 and abs(z) > 0.1:
        assert wide[3] > plain[3] * np.exp(0.9 * widen * abs(z) * stats.norm.ppf(0.95))


def test_late_only_widening_moves_only_late_dates_of_a_slowing_team() -> None:
    grid = 30.0 * np.exp(0.3 * stats.norm.ppf(GRID))
    e = np.random.default_rng(2).normal(0, 0.4, 40)
    pool = ErrorPool(e, np.ones(e.size, dtype=bool), np.zeros(e.size))
    levels = [0.15, 0.5, 0.85, 0.95]
    late = Calibration(regime_widen=0.5, regime_late_only=True)
    for z in (-1.0, 0.0):  # keeping pace or speeding up: nothing changes
        base = BaseForecast(0.0, grid, z)
        assert calibrated(base, pool, levels, late) == pytest.approx(
            calibrated(base, pool, levels, Calibration())
        )
    slowing = BaseForecast(0.0, grid, 1.0)
    plain = calibrated(slowing, pool, levels, Calibration())
    wide = calibrated(slowing, pool, levels, late)
    assert wide[:2] == pytest.approx(plain[:2])
    assert wide[2] == pytest.approx(plain[2] * np.exp(0.5 * stats.norm.ppf(0.85)))
    assert wide[3] == pytest.approx(plain[3] * np.exp(0.5 * stats.norm.ppf(0.95)))


def test_forecast_of_a_slowing_team_widens_its_late_dates_when_asked() -> None:
    # A year at 6 a week, then half a year at 1 a week: the recent pace is far below the line.
    recs = [r for r in steady_history(6, 78) if r.done < _monday(26)] + steady_history(1, 26)
    opts = ForecastOptions(trials=400, backtest_trials=150)
    plain = forecast_when(recs, 20, AS_OF, opts)
    wide = forecast_when(
        recs,
        20,
        AS_OF,
        ForecastOptions(
            trials=400,
            backtest_trials=150,
            calibration=Calibration(regime_widen=1.0, regime_late_only=True),
        ),
    )
    assert wide.days[50] == pytest.approx(plain.days[50])
    assert wide.days[85] > plain.days[85] * 1.3 and wide.days[95] > plain.days[95] * 1.5


def _monday(weeks_before: int) -> dt.datetime:
    return dt.datetime.combine(AS_OF, dt.time()) - dt.timedelta(weeks=weeks_before)
