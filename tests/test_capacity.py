"""Capacity model: known answers for holidays, days off, joining/leaving and ramp-up."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from roadwise.domain.model import DateRange, Person, Team
from roadwise.domain.workspace import Workspace
from roadwise.engines.capacity import (
    AddedPerson,
    capacity_calendar,
    person_capacity,
    ramp_factor,
    sprint_capacity,
    working_days,
)
from roadwise.errors import ValidationError

MONDAY = dt.date(2026, 12, 21)  # Christmas week: 25 Dec 2026 is a Friday


def _ws(
    *people: Person, country: str = "US", focus: float = 1.0, unplanned: float = 0.0
) -> Workspace:
    team = Team(
        key="core",
        name="Core",
        people=list(people),
        country=country,
        focus_factor=focus,
        unplanned_share=unplanned,
    )
    return Workspace(name="t", as_of=MONDAY, teams=[team])


def test_working_days_skip_weekends() -> None:
    days = working_days(dt.date(2026, 12, 19), 3)  # a Saturday
    assert days == (dt.date(2026, 12, 21), dt.date(2026, 12, 22), dt.date(2026, 12, 23))


def test_public_holiday_removes_the_day_for_that_country_only() -> None:
    us = capacity_calendar(_ws(Person(key="a", name="A")), days=5).team("core")
    assert us.productive.tolist() == [1.0, 1.0, 1.0, 1.0, 0.0]  # Christmas Friday
    # A person with their own country follows that country's calendar (Japan works on 25 Dec).
    japan = capacity_calendar(_ws(Person(key="b", name="B", country="JP")), days=5).team("core")
    assert japan.productive[4] == 1.0


def test_focus_unplanned_and_availability_multiply() -> None:
    cal = capacity_calendar(
        _ws(Person(key="a", name="A", availability=0.5), focus=0.8, unplanned=0.25), days=4
    )
    assert np.allclose(cal.team("core").productive, 0.5 * 0.8 * 0.75)
    assert np.allclose(cal.team("core").headcount, 0.5)


def test_days_off_joining_and_leaving() -> None:
    person = Person(
        key="a",
        name="A",
        days_off=[DateRange(start=dt.date(2026, 12, 22), end=dt.date(2026, 12, 22))],
        joins=dt.date(2026, 12, 22),
        leaves=dt.date(2026, 12, 24),
    )
    cal = capacity_calendar(_ws(person), days=4)
    # Monday: not joined yet; Tuesday: day off; Wednesday: works; Thursday: has left.
    assert cal.team("core").headcount.tolist() == [0.0, 0.0, 1.0, 0.0]


def test_ramp_up_is_linear_from_the_joining_day() -> None:
    joins = dt.date(2027, 1, 4)
    assert ramp_factor(joins, 20, joins) == 0.0
    assert ramp_factor(joins, 20, joins + dt.timedelta(days=10)) == pytest.approx(0.5)
    assert ramp_factor(joins, 20, joins + dt.timedelta(days=40)) == 1.0
    assert ramp_factor(None, 20, joins) == 1.0
    person = Person(key="n", name="N", joins=joins, ramp_up_days=14)
    cal = capacity_calendar(_ws(person), start=joins, days=10)
    expected = [min(1.0, (d - joins).days / 14) for d in cal.days]
    assert np.allclose(cal.team("core").productive, expected)


def test_added_person_joins_with_ramp_up() -> None:
    base = capacity_calendar(_ws(Person(key="a", name="A", skills=["go"])), days=30)
    hire = AddedPerson(team="core", joins=dt.date(2027, 1, 4), ramp_up_days=10)
    more = capacity_calendar(_ws(Person(key="a", name="A", skills=["go"])), days=30, added=(hire,))
    extra = more.team("core").productive - base.team("core").productive
    index = more.day_index(dt.date(2027, 1, 4))
    assert extra[:index].sum() == 0.0
    assert extra[index] == 0.0 and extra[-1] == 1.0
    assert "go" in more.team("core").people[-1].skills or "go" in more.team("core").skills


def test_sprint_totals_add_the_days() -> None:
    ws = _ws(Person(key="a", name="A"), Person(key="b", name="B"))
    cal = capacity_calendar(ws, days=20)
    rows = sprint_capacity(cal, ws.cycles)
    assert sum(r.productive_days for r in rows) == pytest.approx(
        float(cal.team("core").productive.sum())
    )
    assert all(r.working_days <= 10 for r in rows)


def test_each_team_lists_only_the_holidays_where_its_people_work() -> None:
    # Christmas week 2026: 25 Dec (a Friday) is a holiday in the US, not in Japan.
    us = Team(key="us", name="US", people=[Person(key="a", name="A")], country="US")
    japan = Team(key="jp", name="JP", people=[Person(key="b", name="B")], country="JP")
    mixed = Team(
        key="mixed",
        name="Mixed",
        people=[Person(key="c", name="C"), Person(key="d", name="D", country="US")],
        country="JP",
    )
    ws = Workspace(name="t", as_of=MONDAY, teams=[us, japan, mixed])
    rows = sprint_capacity(capacity_calendar(ws, days=5), ws.cycles)
    named = {r.team: {h for row in rows if row.team == r.team for h in row.holidays} for r in rows}
    assert "Christmas Day" in named["us"]
    assert "Christmas Day" not in named["jp"]
    assert "Christmas Day" in named["mixed"]  # D works in the US


def test_unknown_country_is_a_user_error() -> None:
    with pytest.raises(ValidationError, match="unknown country 'XX'"):
        capacity_calendar(_ws(Person(key="a", name="A"), country="XX"), days=5)


def test_a_person_is_on_the_team_from_joining_until_leaving() -> None:
    days = working_days(dt.date(2026, 3, 2), 10)  # two weeks, Monday to Friday
    team = Team(key="t", name="T", people=[])
    person = Person(
        key="p",
        name="P",
        joins=dt.date(2026, 3, 4),
        leaves=dt.date(2026, 3, 11),
        days_off=[DateRange(start=dt.date(2026, 3, 5), end=dt.date(2026, 3, 5))],
    )
    cap = person_capacity(person, team, days, {})
    assert (cap.on_team_from, cap.on_team_until) == (2, 7)
    assert cap.on_team_throughout(2, 7)  # the day off inside does not count against it
    assert not cap.on_team_throughout(1, 5)  # starts before joining
    assert not cap.on_team_throughout(3, 8)  # ends after leaving
    stays = person_capacity(Person(key="q", name="Q"), team, days, {})
    assert (stays.on_team_from, stays.on_team_until) == (0, None)
    assert stays.on_team_throughout(0, 10)
