"""The probabilistic roadmap replays each team at its calibrated pace.

The team forecasts ("when will N items be done?") are calibrated on each team's own past; the
roadmap replay, which every view's dates and deadline chances come from, uses the same
calibration: each team's pace is corrected trial by trial so that its whole queue takes the
calibrated time of the same rank.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.domain import Workspace
from roadwise.domain.model import Deadline, Estimate, HistoryRecord, Item, Status, Team
from roadwise.engines.forecast import (
    ForecastOptions,
    RoadmapItem,
    TeamCalibration,
    TeamFlow,
    forecast_when,
    simulate_roadmap,
    team_calibration,
)
from roadwise.engines.forecast.objectives import (
    QueueOrder,
    hard_deadline_chances,
    replay_calibrations,
    simulate_workspace,
)

AS_OF = dt.date(2025, 6, 2)
HISTORY = np.array([0.0, 3.0, 5.0, 1.0, 4.0, 6.0, 2.0, 0.0] * 4)


def _items(n: int = 4) -> list[RoadmapItem]:
    est = Estimate(low=2, likely=5, high=13)
    return [RoadmapItem(f"A{k}", "a", est) for k in range(n)]


def _last(finish_days: np.ndarray) -> np.ndarray:
    return np.asarray(finish_days).max(axis=1)


def test_a_team_calibrated_to_twice_the_time_takes_twice_as_long() -> None:
    items = _items()
    plain = simulate_roadmap(items, {"a": TeamFlow(HISTORY)}, AS_OF, trials=2000, seed=3)
    slow = simulate_roadmap(
        items, {"a": TeamFlow(HISTORY, calibrate=lambda d, w: 2.0 * d)}, AS_OF, trials=2000, seed=3
    )
    levels = [0.1, 0.5, 0.85, 0.95]
    before = np.quantile(_last(plain.finish_days), levels)
    after = np.quantile(_last(slow.finish_days), levels)
    assert after == pytest.approx(2.0 * before, rel=0.08)


def test_a_calibration_that_never_finishes_dates_nothing() -> None:
    items = _items(2)
    never = simulate_roadmap(
        items,
        {"a": TeamFlow(HISTORY, calibrate=lambda d, w: np.full(d.shape, np.inf))},
        AS_OF,
        trials=200,
    )
    assert not np.isfinite(never.finish_days).any()
    assert never.outcome("A1").finish[85] is None


@settings(max_examples=20, deadline=None)
@given(
    factor=st.floats(min_value=1.0, max_value=3.0),
    stretch=st.floats(min_value=0.5, max_value=2.5),
    seed=st.integers(0, 10_000),
)
def test_a_calibrated_team_sped_up_never_finishes_anything_later(
    factor: float, stretch: float, seed: int
) -> None:
    """The hire search compares calibrated replays: the calibration is taken from the team's
    pace before a hire's speed-up, so a hire can only make a trial finish earlier."""
    est = Estimate(low=2, likely=5, high=13)
    items = [
        RoadmapItem("A1", "a", est),
        RoadmapItem("A2", "a", est),
        RoadmapItem("B1", "b", est, depends_on=("A1",)),
        RoadmapItem("B2", "b", est),
    ]

    def run(speedup: float) -> np.ndarray:
        flows = {
            "a": TeamFlow(HISTORY, speedup=speedup, calibrate=lambda d, w: stretch * d),
            "b": TeamFlow(HISTORY, calibrate=_errors()),
        }
        return np.asarray(simulate_roadmap(items, flows, AS_OF, trials=300, seed=seed).finish_days)

    base, faster = run(1.0), run(factor)
    assert (faster <= base + 1e-9).all()


def _records(weeks: int = 104, slow_from: int | None = None) -> list[HistoryRecord]:
    """One team finishing 2-5 items a week (1 a week from ``slow_from`` on), no points."""
    start = dt.datetime.combine(AS_OF, dt.time()) - dt.timedelta(weeks=weeks)
    out = []
    for week in range(weeks):
        count = 1 if slow_from is not None and week >= slow_from else 2 + (week * 5) % 4
        for k in range(count):
            done = start + dt.timedelta(weeks=week, days=k, hours=10)
            out.append(
                HistoryRecord(
                    key=f"H-{week}-{k}",
                    team="api",
                    created=done - dt.timedelta(days=6),
                    done=done,
                )
            )
    return out


def _workspace(n: int = 30, records: list[HistoryRecord] | None = None) -> Workspace:
    items = [
        Item(
            key=f"A-{k}",
            title=f"story {k}",
            team="api",
            status=Status.READY,
            deadline=Deadline(date=AS_OF + dt.timedelta(weeks=6), hard=True) if k == 9 else None,
        )
        for k in range(n)
    ]
    return Workspace(
        name="calibrated",
        as_of=AS_OF,
        teams=[Team(key="api", name="API")],
        items=items,
        history=records if records is not None else _records(),
    )


def test_the_replay_of_a_whole_queue_agrees_with_the_calibrated_team_forecast() -> None:
    """One team, items counted, no dependencies: the date its whole queue is done in the replay
    is the calibrated "when will these N items be done" forecast."""
    ws = _workspace(30)
    run = simulate_workspace(ws, QueueOrder(), trials=2000, seed=5)
    assert run.unit == "items" and set(run.calibrations) == {"api"}
    done = _last(run.forecast.finish_days)
    when = forecast_when(list(ws.history), 30, AS_OF, ForecastOptions(unit="items"))
    for level in (50, 85, 95):
        assert np.quantile(done, level / 100) == pytest.approx(when.days[level], rel=0.12)
    # The evidence printed beside the replay is the measurement behind its calibration.
    measured = run.calibrations["api"].measured
    assert measured.unit == "items" and measured.target == pytest.approx(30)
    assert measured.cutoffs > 0


def test_a_team_that_just_slowed_down_gets_later_dates_than_the_plain_replay() -> None:
    """A team whose pace just fell made large errors on its past: its calibrated 95% date is
    later than the plain replay's, which trusts the recent weeks."""
    ws = _workspace(30, _records(slow_from=96))
    plain = simulate_workspace(ws, QueueOrder(), seed=5, calibrate=False)
    calibrated = simulate_workspace(ws, QueueOrder(), seed=5)
    assert not plain.calibrations and calibrated.calibrations
    late = np.quantile(_last(calibrated.forecast.finish_days), 0.95)
    assert late > np.quantile(_last(plain.forecast.finish_days), 0.95)


def test_errors_measured_once_give_the_very_same_replay() -> None:
    """What the hire search relies on: the errors handed in are the ones the replay uses, and
    handing in the ones it would measure itself changes nothing."""
    ws = _workspace(20)
    order = QueueOrder()
    measured = replay_calibrations(ws, order)
    assert set(measured) == {"api"}
    again = simulate_workspace(ws, order, seed=9, trials=500, calibrations=measured)
    fresh = simulate_workspace(ws, order, seed=9, trials=500)
    plain = simulate_workspace(ws, order, seed=9, trials=500, calibrate=False)
    assert np.array_equal(again.forecast.finish_days, fresh.forecast.finish_days)
    assert not np.array_equal(fresh.forecast.finish_days, plain.forecast.finish_days)
    # No errors handed in for the team: its pace is not calibrated.
    none = simulate_workspace(ws, order, seed=9, trials=500, calibrations={})
    assert np.array_equal(none.forecast.finish_days, plain.forecast.finish_days)
    chances = hard_deadline_chances(ws, order, trials=500, calibrations=measured)
    assert chances is not None and chances == hard_deadline_chances(ws, order, trials=500)


def test_a_calibration_slower_than_the_drawn_weeks_still_dates_the_work() -> None:
    """A team calibrated to take far longer than the weeks drawn for it goes on with its own
    weeks again: its work is dated, not "never"."""
    items = _items()
    slow = simulate_roadmap(
        items, {"a": TeamFlow(HISTORY, calibrate=lambda d, w: 5.0 * d)}, AS_OF, trials=500
    )
    assert np.isfinite(slow.finish_days).all()
    plain = simulate_roadmap(items, {"a": TeamFlow(HISTORY)}, AS_OF, trials=500)
    ratio = np.median(_last(slow.finish_days)) / np.median(_last(plain.finish_days))
    assert ratio == pytest.approx(5.0, rel=0.1)


def test_when_most_plain_trials_never_finish_the_calibrated_team_never_does() -> None:
    """As every calibrated forecast: a simulation whose median is "never" stays never."""
    errors = _errors()
    days = np.array([10.0, 20.0, 30.0, np.inf, np.inf, np.inf, np.inf])
    assert not np.isfinite(errors(days)).any()
    half = np.array([10.0, 20.0, 30.0, 40.0, 50.0, np.inf])
    out = errors(half)
    assert np.isfinite(out[:5]).all() and np.isinf(out[5])


def test_the_anchor_follows_the_work_simulated() -> None:
    """The average-velocity line is drawn for the work the replay simulates, not the amount the
    errors were measured for: half the work, about half the calibrated days."""
    errors = _errors()
    days = np.linspace(20.0, 60.0, 200)
    full = np.median(errors(days, 30.0))
    half = np.median(errors(days / 2, 15.0))
    assert half == pytest.approx(full / 2, rel=0.02)
    # Against the anchor of the measured amount, which would pull half the work later.
    assert np.median(errors(days / 2)) > half * 1.1


@cache
def _errors() -> TeamCalibration:
    found = team_calibration(
        _records(), 30, AS_OF, ForecastOptions(unit="items", backtest_trials=100)
    )
    assert found is not None
    return found


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0.5, max_value=400.0), min_size=2, max_size=60))
def test_calibrating_keeps_the_order_of_the_trials(days: list[float]) -> None:
    """The k-th fastest simulated trial is the k-th fastest calibrated one."""
    errors = _errors()
    sim = np.array(days)
    out = errors(sim)
    order = np.argsort(sim, kind="stable")
    assert (np.diff(out[order]) >= -1e-9).all()
    assert np.isfinite(out).all() and (out > 0).all()
