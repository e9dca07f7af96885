"""Every forecast date is a working day of the team that does the work.

A simulated week spreads its work evenly over seven days, so the simulation can finish on a
Saturday, a Sunday or a public holiday; the date shown is the next day the team works.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.domain import Workspace
from roadwise.domain.model import Estimate, HistoryRecord, Item, ItemKind, Status, Team
from roadwise.engines.capacity import public_holidays
from roadwise.engines.forecast import (
    ForecastOptions,
    ForecastSnapshot,
    RoadmapItem,
    TeamFlow,
    WorkCalendar,
    explain_move,
    forecast_when,
    simulate_roadmap,
    team_calendar,
)
from roadwise.engines.forecast.calendar import delivery_day
from roadwise.engines.forecast.objectives import forecast_delivery, week_date

MONDAY = dt.date(2025, 6, 2)
COUNTRIES = (None, "US", "DE", "GB", "IN")


def _off(day: dt.date, country: str | None) -> bool:
    """Whether the team does not work on ``day``: a weekend or its country's public holiday."""
    return day.weekday() >= 5 or (
        country is not None and day in public_holidays(country, [day.year])
    )


def _weekly_history(
    counts: list[int], as_of: dt.date, team: str = "t", hour: int = 10
) -> list[HistoryRecord]:
    """``counts[w]`` items finished in the w-th seven-day period before ``as_of``, on the
    period's days in turn (weekends included: some teams do finish work on a Saturday)."""
    start = dt.datetime.combine(as_of, dt.time()) - dt.timedelta(weeks=len(counts))
    records = []
    for w, n in enumerate(counts):
        for k in range(n):
            done = start + dt.timedelta(weeks=w, days=k % 7, hours=hour)
            records.append(
                HistoryRecord(
                    key=f"{team}-{w}-{k}",
                    team=team,
                    created=done - dt.timedelta(days=3),
                    done=done,
                    points=float(1 + k % 3),
                )
            )
    return records


# --------------------------------------------------------------------------- concrete cases


def test_work_the_simulation_finishes_on_a_saturday_is_dated_the_monday_after() -> None:
    # Five items every week: 23 items take 4.6 weeks, 32.2 days from the start of a Monday:
    # done early on Friday 4 July, which the forecast's day count (as_of + the whole days it
    # takes, rounded up, as before dates were moved to working days) labels Saturday 5 July.
    # Nobody delivers on a weekend: Monday 7 July.
    f = forecast_when(
        _weekly_history([5] * 40, MONDAY, hour=10),
        23,
        MONDAY,
        ForecastOptions(trials=500, calibrate=False),
    )
    saturday = MONDAY + dt.timedelta(days=math.ceil(7 * 23 / 5))
    assert saturday.weekday() == 5
    monday = saturday + dt.timedelta(days=2)
    assert set(f.dates.values()) == {monday}
    assert set(f.uncalibrated_dates.values()) == {monday}
    # The histogram's dates are dated the same way, so the marks sit on its bars.
    assert set(f.date_samples()) == {monday}


def test_a_date_on_the_teams_public_holiday_moves_to_its_next_working_day() -> None:
    # 22.5 points at 5 a week from Monday 2 June 2025: done by Friday 4 July, Independence Day
    # in the US, an ordinary Friday in Germany. The replay's calendar moves dates only: both
    # teams' simulations are the same.
    items = [
        RoadmapItem("US-1", "us", Estimate(low=22.5, likely=22.5, high=22.5)),
        RoadmapItem("DE-1", "de", Estimate(low=22.5, likely=22.5, high=22.5)),
    ]
    flows = {
        "us": TeamFlow(np.full(20, 5.0), calendar=team_calendar("US")),
        "de": TeamFlow(np.full(20, 5.0), calendar=team_calendar("DE")),
    }
    r = simulate_roadmap(items, flows, MONDAY, trials=200)
    assert np.allclose(r.finish_days, 31.5)
    july_4 = dt.date(2025, 7, 4)
    assert set(r.outcome("DE-1").finish.values()) == {july_4}
    assert set(r.outcome("US-1").finish.values()) == {dt.date(2025, 7, 7)}
    # All of it is done when the last team is: on a day both teams work.
    assert set(r.finish_all.values()) == {dt.date(2025, 7, 7)}


def test_a_deadline_on_a_day_the_team_does_not_work_is_read_as_the_dates_are() -> None:
    # Both teams are done on 4 July (31.5 days), a deadline the US team cannot be dated by:
    # its date is Monday 7 July, so its chance of meeting a 4 July deadline is 0, not 1 (the
    # chance once read the simulated days, the date the working days). A Saturday deadline is
    # met by work dated the Friday before.
    july_4, july_5 = dt.date(2025, 7, 4), dt.date(2025, 7, 5)
    items = [
        RoadmapItem("US-1", "us", Estimate(low=22.5, likely=22.5, high=22.5), deadline=july_4),
        RoadmapItem("DE-1", "de", Estimate(low=22.5, likely=22.5, high=22.5), deadline=july_4),
        RoadmapItem("DE-2", "de2", Estimate(low=22.5, likely=22.5, high=22.5), deadline=july_5),
    ]
    flows = {
        "us": TeamFlow(np.full(20, 5.0), calendar=team_calendar("US")),
        "de": TeamFlow(np.full(20, 5.0), calendar=team_calendar("DE")),
        "de2": TeamFlow(np.full(20, 5.0), calendar=team_calendar("DE")),
    }
    r = simulate_roadmap(items, flows, MONDAY, trials=200)
    us, de, saturday = r.outcome("US-1"), r.outcome("DE-1"), r.outcome("DE-2")
    assert set(us.finish.values()) == {dt.date(2025, 7, 7)} and us.p_deadline == 0.0
    assert set(de.finish.values()) == {july_4} and de.p_deadline == 1.0
    assert set(saturday.finish.values()) == {july_4} and saturday.p_deadline == 1.0


def test_an_epics_deadline_chance_reads_every_team_doing_a_piece_of_it() -> None:
    # The epic's stories are done on 4 July by a German and a US team: the epic is dated on a
    # day both work (Monday 7 July), so its 4 July deadline is not met in any trial; read by
    # the German team's calendar alone (or none) it was met in every one.
    from roadwise.domain.model import Deadline
    from roadwise.engines.forecast.objectives import deadline_chances_in

    july_4 = dt.date(2025, 7, 4)
    size = Estimate(low=22.5, likely=22.5, high=22.5)
    ws = Workspace(
        as_of=MONDAY,
        teams=[Team(key="us", name="US", country="US"), Team(key="de", name="DE", country="DE")],
        items=[
            Item(
                key="E",
                title="epic",
                kind=ItemKind.EPIC,
                team="de",
                deadline=Deadline(date=july_4, hard=True),
            ),
            Item(key="US-1", title="us", parent="E", team="us", estimate=size),
            Item(key="DE-1", title="de", parent="E", team="de", estimate=size),
        ],
    )
    flows = {
        "us": TeamFlow(np.full(20, 5.0), calendar=team_calendar("US")),
        "de": TeamFlow(np.full(20, 5.0), calendar=team_calendar("DE")),
    }
    items = [RoadmapItem("US-1", "us", size), RoadmapItem("DE-1", "de", size)]
    chances = deadline_chances_in(ws, simulate_roadmap(items, flows, MONDAY, trials=200))
    assert chances is not None and chances.each == {"E": 0.0} and chances.every == 0.0


def test_the_workspace_dates_are_working_days_of_the_teams_doing_the_work() -> None:
    # Two teams in different countries, open stories under features; every date the views
    # show (deliverables, initiatives, objectives, teams and start days) comes from here.
    as_of = dt.date(2025, 12, 15)
    history = _weekly_history([3, 4, 2, 5, 3] * 12, as_of, "us") + _weekly_history(
        [4, 2, 3, 5] * 15, as_of, "de"
    )
    items = []
    for team, prefix in (("us", "U"), ("de", "D")):
        for f in range(3):
            feature = f"{prefix}F{f}"
            items.append(Item(key=feature, title=feature, kind=ItemKind.FEATURE, team=team))
            for k in range(4):
                items.append(
                    Item(
                        key=f"{feature}-{k}",
                        title=f"story {k}",
                        parent=feature,
                        team=team,
                        status=Status.READY,
                        estimate=Estimate(low=1, likely=2 + k, high=6 + k),
                    )
                )
    # One feature of each team under a shared epic: its date is a day both teams work.
    items.append(Item(key="EPIC", title="Launch", kind=ItemKind.EPIC))
    items = [
        i.model_copy(update={"parent": "EPIC"}) if i.key in ("UF0", "DF0") else i for i in items
    ]
    ws = Workspace(
        name="dates",
        as_of=as_of,
        teams=[Team(key="us", name="US", country="US"), Team(key="de", name="DE", country="DE")],
        items=items,
        history=history,
    )
    delivery = forecast_delivery(ws, None, trials=300, seed=4)
    country = {"us": "US", "de": "DE"}
    owners = {"UF": {"US"}, "DF": {"DE"}, "EP": {"US", "DE"}}
    seen = 0
    for key, d in delivery.dates.items():
        levels = [d.dates[p] for p in (50, 85, 95)]
        assert levels == sorted(levels), key
        for day in levels:
            if day != dt.date.max:
                seen += 1
                assert not any(_off(day, c) for c in owners[key[:2]]), (key, day)
    for team, d in delivery.teams.items():
        for day in d.dates.values():
            assert not _off(day, country[team]), (team, day)
    for key, day in delivery.starts.items():
        assert not _off(day, next(iter(owners[key[:2]]))), (key, day)
    assert seen >= 3 * 7  # six features and the epic were dated


def test_why_a_date_moved_names_two_working_days() -> None:
    hist = np.array([5.0] * 30)
    # 23 items at 5 a week are done during Saturday 5 July; 31 during Tuesday 15 July, dated
    # Wednesday 16 July, unless the team is off that day.
    before = ForecastSnapshot(MONDAY, 23, 0, hist)
    after = ForecastSnapshot(MONDAY, 31, 0, hist)
    move = explain_move(before, after, trials=200)
    assert move.before == dt.date(2025, 7, 7)
    assert move.after == dt.date(2025, 7, 16)
    holiday = explain_move(
        before, after, trials=200, calendar=team_calendar(None, [dt.date(2025, 7, 16)])
    )
    assert holiday.after == dt.date(2025, 7, 17)


# --------------------------------------------------------------------------- properties


@st.composite
def _calendars(draw: st.DrawFn) -> WorkCalendar:
    return team_calendar(draw(st.sampled_from(COUNTRIES)))


@settings(max_examples=300, deadline=None)
@given(
    as_of=st.dates(dt.date(2024, 1, 1), dt.date(2030, 12, 31)),
    weeks=st.one_of(st.floats(0, 300, allow_nan=False), st.just(math.inf)),
    calendars=st.lists(_calendars(), max_size=3),
)
def test_a_finish_is_dated_on_the_first_day_every_team_works(
    as_of: dt.date, weeks: float, calendars: list[WorkCalendar]
) -> None:
    day = week_date(as_of, weeks, calendars)
    if not math.isfinite(weeks):
        assert day == dt.date.max
        return
    done = as_of + dt.timedelta(days=math.ceil(weeks * 7))
    # Weekends are off for every team, and for work whose team is not known.
    countries = {c.country for c in calendars} | {None}
    assert day >= done  # never earlier than the simulation: the percentiles keep their meaning
    assert not any(_off(day, c) for c in countries)
    # ... and no later than the first day all of them work.
    between = [done + dt.timedelta(days=k) for k in range((day - done).days)]
    assert all(any(_off(d, c) for c in countries) for d in between)
    # Later work is never dated earlier.
    assert week_date(as_of, weeks + 0.3, calendars) >= day
    assert delivery_day(day, calendars) == day


@settings(max_examples=25, deadline=None)
@given(
    counts=st.lists(st.integers(0, 9), min_size=8, max_size=60).filter(lambda c: sum(c) > 1),
    as_of=st.dates(dt.date(2024, 1, 1), dt.date(2029, 12, 31)),
    country=st.sampled_from(COUNTRIES),
    target=st.integers(1, 60),
    calibrate=st.booleans(),
    seed=st.integers(0, 3),
)
def test_no_forecast_date_falls_on_a_day_the_team_does_not_work(
    counts: list[int],
    as_of: dt.date,
    country: str | None,
    target: int,
    calibrate: bool,
    seed: int,
) -> None:
    f = forecast_when(
        _weekly_history(counts, as_of),
        target,
        as_of,
        ForecastOptions(trials=200, backtest_trials=60, calibrate=calibrate, seed=seed),
        calendar=team_calendar(country),
    )
    for shown in (f.dates, f.uncalibrated_dates):
        dated = [shown[p] for p in sorted(shown)]
        for day in dated:
            assert day is None or not _off(day, country), (day, country)
        # P50 <= P70 <= P85 <= P95, "not within 10 years" the latest of all.
        order = [d or dt.date.max for d in dated]
        assert order == sorted(order)
    assert not any(_off(day, country) for day in f.date_samples())


@settings(max_examples=25, deadline=None)
@given(
    teams=st.lists(
        st.tuples(
            st.sampled_from(COUNTRIES),
            st.lists(st.floats(0, 8, allow_nan=False), min_size=4, max_size=40),
            st.lists(st.floats(0.5, 12, allow_nan=False), min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=3,
    ),
    as_of=st.dates(dt.date(2024, 1, 1), dt.date(2029, 12, 31)),
    seed=st.integers(0, 5),
)
def test_no_roadmap_date_falls_on_a_day_its_team_does_not_work(
    teams: list[tuple[str | None, list[float], list[float]]], as_of: dt.date, seed: int
) -> None:
    flows: dict[str, TeamFlow] = {}
    items: list[RoadmapItem] = []
    country: dict[str, str | None] = {}
    for t, (where, history, sizes) in enumerate(teams):
        key = f"team{t}"
        country[key] = where
        flows[key] = TeamFlow(np.asarray(history), calendar=team_calendar(where))
        for k, size in enumerate(sizes):
            items.append(
                RoadmapItem(
                    f"{key}-{k}",
                    key,
                    Estimate(low=size / 2, likely=size, high=size * 2),
                    # A wait on the previous team's first item: dates may come from either.
                    depends_on=(f"team{t - 1}-0",) if t and k == 0 else (),
                )
            )
    r = simulate_roadmap(items, flows, as_of, trials=150, seed=seed)
    for outcome in r.items:
        dated = [outcome.finish[p] for p in (50, 85, 95)]
        for day in dated:
            assert day is None or not _off(day, country[outcome.team])
        order = [d or dt.date.max for d in dated]
        assert order == sorted(order)
    for day in r.finish_all.values():
        assert day is None or not any(_off(day, c) for c in country.values())
