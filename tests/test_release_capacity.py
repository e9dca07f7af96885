"""Release capacity comes from the capacity engine: holidays, ramp-up and the same figures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadwise.domain import Cycles, DateRange, Estimate, Item, Person, Release, Team, Workspace
from roadwise.engines.capacity import capacity_calendar
from roadwise.engines.release import ReleaseOptions, release_problem, team_capacity
from roadwise.engines.release.workspace import person_days
from roadwise.errors import ValidationError

MONDAY = dt.date(2027, 1, 11)
MLK_DAY = dt.date(2027, 1, 18)  # a Monday and a US public holiday; not one in Great Britain


def _workspace(
    people: list[Person],
    country: str = "US",
    releases: tuple[dt.date, ...] = (dt.date(2027, 1, 22),),
    focus: float = 0.8,
    unplanned: float = 0.25,
    rate: float = 1.5,
    as_of: dt.date = MONDAY,
) -> Workspace:
    team = Team(
        key="web",
        name="Web",
        people=people,
        country=country,
        focus_factor=focus,
        unplanned_share=unplanned,
        points_per_person_day=rate,
    )
    return Workspace(
        name="t",
        as_of=as_of,
        teams=[team],
        cycles=Cycles(
            releases=[
                Release(key=f"R{i + 1}", name=f"R{i + 1}", date=d) for i, d in enumerate(releases)
            ]
        ),
        items=[
            Item(
                key="S1",
                title="One",
                team="web",
                skills=["backend"],
                estimate=Estimate(low=1, likely=1, high=1),
            )
        ],
    )


def _capacity(ws: Workspace, releases: int = 1) -> list[float]:
    problem = release_problem(ws, options=ReleaseOptions(releases=releases)).problem
    return [r.team_capacity["web"] for r in problem.releases]


def test_a_public_holiday_costs_exactly_that_days_productive_points() -> None:
    people = [
        Person(key="ann", name="Ann", skills=["backend"]),
        Person(key="bob", name="Bob", skills=["backend"], availability=0.5),
    ]
    # One working day of the whole team: 1.5 people × 0.8 focus × 0.75 planned × 1.5 points.
    day = 1.5 * 0.8 * 0.75 * 1.5
    us = _workspace(people, country="US")
    gb = _workspace(people, country="GB")
    assert MLK_DAY in dict(capacity_calendar(us, days=10).holidays["US"])
    # 11 to 22 January 2027: ten weekdays, one of them Martin Luther King Jr. Day in the US.
    assert _capacity(gb) == [pytest.approx(10 * day)]
    assert _capacity(us) == [pytest.approx(9 * day)]
    assert _capacity(gb)[0] - _capacity(us)[0] == pytest.approx(day)
    skill = release_problem(us).problem.releases[0].skill_capacity["backend"]
    assert skill == pytest.approx(9 * day)
    # A person's own country wins over the team's: Bob works from Great Britain.
    mixed = _workspace([people[0], people[1].model_copy(update={"country": "GB"})])
    assert _capacity(mixed) == [pytest.approx(9 * day + 0.5 * 0.8 * 0.75 * 1.5)]


def test_a_new_hire_ramps_up() -> None:
    veteran = Person(key="ann", name="Ann")
    hire = Person(key="new", name="New", joins=MONDAY, ramp_up_days=14)
    releases = (dt.date(2027, 1, 22), dt.date(2027, 2, 5))
    base = _capacity(_workspace([veteran], "GB", releases), releases=2)
    both = _capacity(_workspace([veteran, hire], "GB", releases), releases=2)
    per_day = 0.8 * 0.75 * 1.5
    # Calendar days since joining on each weekday of the first window, over 14: 0 on the
    # joining day, linear to full speed two weeks later.
    first = (0 + 1 + 2 + 3 + 4 + 7 + 8 + 9 + 10 + 11) / 14
    second = (14 / 14) * 10  # from the 25th, fully productive
    assert both[0] - base[0] == pytest.approx(first * per_day, abs=2e-3)  # rounded to 0.001
    assert both[1] - base[1] == pytest.approx(second * per_day, abs=2e-3)
    assert both[1] - base[1] > both[0] - base[0]
    # Present every weekday (before ramp-up and focus), so person-days count them all.
    team = _workspace([hire], "GB").teams[0]
    assert person_days(team, MONDAY, dt.date(2027, 1, 22)) == pytest.approx(10)
    assert team_capacity(team, MONDAY, dt.date(2027, 1, 22)) == pytest.approx(first * per_day)


def test_overrides_replace_the_derived_capacity() -> None:
    ws = _workspace([Person(key="ann", name="Ann")])
    options = ReleaseOptions(team_capacity={"web": 7.0})
    assert release_problem(ws, options=options).problem.releases[0].team_capacity == {"web": 7.0}
    total = release_problem(ws, options=ReleaseOptions(capacity=30.0)).problem.releases[0]
    assert total.capacity == 30.0 and total.team_capacity == {}


def test_unknown_country_is_named() -> None:
    ws = _workspace([Person(key="ann", name="Ann")], country="XX")
    with pytest.raises(ValidationError, match="unknown country 'XX'") as error:
        release_problem(ws)
    assert error.value.field == "teams.0.country"


_DAY = st.integers(min_value=0, max_value=90)


@st.composite
def _people(draw: st.DrawFn, start: dt.date) -> list[Person]:
    people = []
    for index in range(draw(st.integers(min_value=1, max_value=3))):
        joins = draw(st.none() | _DAY.map(lambda d: start + dt.timedelta(days=d - 20)))
        stays = draw(st.none() | st.integers(min_value=1, max_value=90))
        off = draw(st.lists(st.tuples(_DAY, st.integers(0, 10)), max_size=2))
        people.append(
            Person(
                key=f"p{index}",
                name=f"P{index}",
                skills=draw(st.lists(st.sampled_from(["backend", "frontend"]), max_size=2)),
                availability=draw(st.sampled_from([0.5, 0.8, 1.0])),
                country=draw(st.none() | st.sampled_from(["US", "GB", "DE", "IN"])),
                joins=joins,
                leaves=None if stays is None else (joins or start) + dt.timedelta(days=stays),
                ramp_up_days=draw(st.integers(min_value=0, max_value=60)),
                days_off=[
                    DateRange(
                        start=start + dt.timedelta(days=a),
                        end=start + dt.timedelta(days=a + n),
                    )
                    for a, n in off
                ],
            )
        )
    return people


@given(data=st.data())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_release_capacity_equals_the_capacity_engine(data: st.DataObject) -> None:
    as_of = dt.date(2026, 11, 2) + dt.timedelta(days=data.draw(st.integers(0, 120)))
    gaps = data.draw(st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=3))
    releases = tuple(as_of + dt.timedelta(days=sum(gaps[: i + 1])) for i in range(len(gaps)))
    ws = _workspace(
        data.draw(_people(as_of)),
        country=data.draw(st.sampled_from(["US", "GB", "DE", "IN"])),
        releases=releases,
        focus=data.draw(st.sampled_from([0.6, 0.8, 1.0])),
        unplanned=data.draw(st.sampled_from([0.0, 0.15, 0.3])),
        rate=data.draw(st.sampled_from([0.5, 1.0, 1.25])),
        as_of=as_of,
    )
    wp = release_problem(ws, options=ReleaseOptions(releases=len(releases)))
    # The capacity engine on its own, over a longer calendar from the as-of date.
    calendar = capacity_calendar(ws, days=200)
    team = calendar.team("web")
    rate = ws.teams[0].points_per_person_day
    days = np.array(calendar.days)
    for slot in wp.problem.releases:
        start, end = wp.windows[slot.key]
        inside = (days >= start) & (days <= end)
        expected = float(team.productive[inside].sum()) * rate
        assert slot.team_capacity["web"] == pytest.approx(expected, abs=1e-3)
        assert team_capacity(ws.teams[0], start, end) == pytest.approx(expected)
        if "backend" in team.skills:
            pool = float(team.productive_for("backend")[inside].sum()) * rate
            assert slot.skill_capacity["backend"] == pytest.approx(pool, abs=1e-3)
            assert team_capacity(ws.teams[0], start, end, "backend") == pytest.approx(pool)
        else:
            assert "backend" not in slot.skill_capacity
