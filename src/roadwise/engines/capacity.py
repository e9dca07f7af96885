"""Capacity: how many productive person-days each person and team has, per day and per sprint.

For every working day (Monday to Friday) a person contributes

    availability share
    × present (between joining and leaving, not on a day off, not a public holiday
      in their country)
    × ramp-up (a new hire grows linearly from 0 on the day they join to 100 % after
      ``ramp_up_days`` calendar days)
    × the team's focus factor × (1 − the team's share reserved for unplanned work)

person-days of planned work. A team's capacity is the sum over its people. Everything is a
NumPy array over the calendar's working days; sprint totals add the days of each sprint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import holidays as holiday_calendars
import numpy as np
from numpy.typing import NDArray

from roadwise.domain.model import Cycles, Person, Team
from roadwise.domain.workspace import Workspace
from roadwise.errors import ValidationError


@dataclass(frozen=True)
class PersonCapacity:
    person: str
    team: str
    skills: tuple[str, ...]
    present: NDArray[np.float64]
    """Share of each working day the person is at work (availability, days off, holidays,
    joining and leaving), before ramp-up and focus."""
    productive: NDArray[np.float64]
    """Person-days of planned work each working day (after ramp-up, focus, unplanned work)."""
    on_team_from: int = 0
    """Index of the first working day the person is on the team (after joining)."""
    on_team_until: int | None = None
    """Index of the first working day the person has left (``None``: stays throughout)."""

    def on_team_throughout(self, start: int, end: int) -> bool:
        """Whether the person is on the team on every working day of ``[start, end)``: a
        holiday or a day off inside does not count against it, joining or leaving does."""
        return self.on_team_from <= start and (
            self.on_team_until is None or end <= self.on_team_until
        )


@dataclass(frozen=True)
class TeamCapacity:
    team: str
    people: tuple[PersonCapacity, ...]
    headcount: NDArray[np.float64]
    productive: NDArray[np.float64]
    countries: tuple[str, ...] = ()
    """Where its people work (public holidays): the team's country and any person's own."""

    @property
    def skills(self) -> set[str]:
        return {s for p in self.people for s in p.skills}

    def productive_for(self, skill: str) -> NDArray[np.float64]:
        """Capacity of the people who have ``skill`` (each person counted in every skill)."""
        total = np.zeros_like(self.productive)
        for p in self.people:
            if skill in p.skills:
                total += p.productive
        return total


@dataclass(frozen=True)
class AddedPerson:
    """A hire (or transfer) for what-if questions: joins ``team`` on ``joins`` with ramp-up."""

    team: str
    skills: tuple[str, ...] = ()
    joins: dt.date | None = None
    ramp_up_days: int = 30
    availability: float = 1.0
    key: str = ""


@dataclass(frozen=True)
class CapacityCalendar:
    start: dt.date
    days: tuple[dt.date, ...]
    teams: tuple[TeamCapacity, ...]
    sprint: NDArray[np.int64]
    """Sprint index (0-based, from the workspace's cycles) of every working day."""
    holidays: dict[str, tuple[tuple[dt.date, str], ...]] = field(default_factory=dict)

    def team(self, key: str) -> TeamCapacity:
        for t in self.teams:
            if t.team == key:
                return t
        raise KeyError(key)

    def day_index(self, date: dt.date) -> int:
        """Index of the first working day on or after ``date`` (len(days) if after the end)."""
        import bisect

        return bisect.bisect_left(self.days, date)

    def days_through(self, date: dt.date) -> int:
        """Working days from the start up to and including ``date``."""
        import bisect

        return bisect.bisect_right(self.days, date)

    def date_of(self, index: int) -> dt.date:
        """The date of working day ``index``, extending past the calendar by weekdays."""
        if 0 <= index < len(self.days):
            return self.days[index]
        if index < 0:
            return _add_working_days(self.days[0], index)
        return _add_working_days(self.days[-1], index - len(self.days) + 1)

    def sprint_totals(self, values: NDArray[np.float64]) -> dict[int, float]:
        """Sum a per-day array by sprint index."""
        out: dict[int, float] = {}
        for s in np.unique(self.sprint):
            out[int(s)] = float(values[self.sprint == s].sum())
        return out


@dataclass(frozen=True)
class SprintCapacity:
    team: str
    sprint: int
    start: dt.date
    end: dt.date
    working_days: int
    headcount_days: float
    productive_days: float
    holidays: tuple[str, ...]


def working_days(start: dt.date, count: int) -> tuple[dt.date, ...]:
    """``count`` weekdays from ``start`` (inclusive when it is a weekday)."""
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return tuple(days)


def _add_working_days(day: dt.date, n: int) -> dt.date:
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    while remaining:
        day += dt.timedelta(days=step)
        if day.weekday() < 5:
            remaining -= 1
    return day


def public_holidays(
    country: str, years: Iterable[int], where: str = "country"
) -> dict[dt.date, str]:
    """Public holidays of a country (ISO code, optionally ``US-CA`` for a subdivision)."""
    code, _, subdivision = country.partition("-")
    try:
        calendar = holiday_calendars.country_holidays(
            code.upper(), subdiv=subdivision or None, years=sorted(set(years))
        )
    except NotImplementedError:
        raise ValidationError(
            f"unknown country '{country}' for public holidays; use an ISO 3166 code such as "
            "US, DE, GB or FR (optionally with a subdivision: US-CA)",
            field=where,
        ) from None
    return {day: str(name) for day, name in calendar.items()}


def ramp_factor(joins: dt.date | None, ramp_up_days: int, day: dt.date) -> float:
    """Productivity of a new hire on ``day``: 0 on the joining day, linear to 1."""
    if joins is None or ramp_up_days <= 0:
        return 1.0
    elapsed = (day - joins).days
    return float(min(1.0, max(0.0, elapsed / ramp_up_days)))


def person_capacity(
    person: Person,
    team: Team,
    days: Sequence[dt.date],
    holiday_days: dict[dt.date, str],
) -> PersonCapacity:
    present = np.full(len(days), person.availability, dtype=np.float64)
    ramp = np.ones(len(days), dtype=np.float64)
    for index, day in enumerate(days):
        if (
            (person.joins is not None and day < person.joins)
            or (person.leaves is not None and day >= person.leaves)
            or day in holiday_days
            or any(day in off for off in person.days_off)
        ):
            present[index] = 0.0
        ramp[index] = ramp_factor(person.joins, person.ramp_up_days, day)
    productive = present * ramp * team.focus_factor * (1.0 - team.unplanned_share)
    joined = [i for i, day in enumerate(days) if person.joins is None or day >= person.joins]
    left = [i for i, day in enumerate(days) if person.leaves is not None and day >= person.leaves]
    return PersonCapacity(
        person=person.key,
        team=team.key,
        skills=tuple(sorted(person.skills)),
        present=present,
        productive=productive,
        on_team_from=joined[0] if joined else len(days),
        on_team_until=left[0] if left else None,
    )


def capacity_calendar(
    ws: Workspace,
    start: dt.date | None = None,
    days: int | None = None,
    sprints: int = 26,
    added: Sequence[AddedPerson] = (),
) -> CapacityCalendar:
    """Capacity of every team and person over ``days`` working days (default: ``sprints``
    sprints) from ``start`` (default: the workspace's as-of date)."""
    start = start or ws.as_of
    if days is None:
        per_sprint = max(1, round(ws.cycles.sprint_length_days * 5 / 7))
        days = sprints * per_sprint
    calendar_days = working_days(start, max(1, days))
    years = range(calendar_days[0].year, calendar_days[-1].year + 1)
    holiday_cache: dict[str, dict[dt.date, str]] = {}

    def holidays_for(country: str, where: str) -> dict[dt.date, str]:
        if country not in holiday_cache:
            holiday_cache[country] = public_holidays(country, years, where)
        return holiday_cache[country]

    teams: list[TeamCapacity] = []
    for t_index, team in enumerate(sorted(ws.teams, key=lambda t: t.key)):
        people: list[PersonCapacity] = []
        countries: set[str] = set()
        members = list(team.people)
        for extra_index, extra in enumerate(a for a in added if a.team == team.key):
            members.append(
                Person(
                    key=extra.key or f"{team.key}-hire-{extra_index + 1}",
                    name=f"New hire {extra_index + 1} ({team.name})",
                    skills=list(extra.skills) or sorted(team.skills),
                    availability=extra.availability,
                    joins=extra.joins or start,
                    ramp_up_days=extra.ramp_up_days,
                    country=team.country,
                )
            )
        for p_index, person in enumerate(sorted(members, key=lambda p: p.key)):
            country = person.country or team.country
            countries.add(country)
            where = (
                f"teams.{t_index}.people.{p_index}.country"
                if person.country
                else f"teams.{t_index}.country"
            )
            people.append(
                person_capacity(person, team, calendar_days, holidays_for(country, where))
            )
        zeros = np.zeros(len(calendar_days), dtype=np.float64)
        teams.append(
            TeamCapacity(
                team=team.key,
                people=tuple(people),
                headcount=sum((p.present for p in people), zeros.copy()),
                productive=sum((p.productive for p in people), zeros.copy()),
                countries=tuple(sorted(countries)),
            )
        )
    sprint = np.array([ws.cycles.sprint_of(d) for d in calendar_days], dtype=np.int64)
    observed = {
        country: tuple(sorted((d, n) for d, n in cal.items() if start <= d <= calendar_days[-1]))
        for country, cal in holiday_cache.items()
    }
    return CapacityCalendar(
        start=calendar_days[0],
        days=calendar_days,
        teams=tuple(teams),
        sprint=sprint,
        holidays=observed,
    )


def sprint_capacity(calendar: CapacityCalendar, cycles: Cycles) -> list[SprintCapacity]:
    """One row per team and sprint: working days, person-days present, productive person-days."""
    rows: list[SprintCapacity] = []
    sprints = sorted(int(s) for s in np.unique(calendar.sprint))
    for team in calendar.teams:
        # only the holidays where the team's people work (they are what the capacity lost)
        country_holidays = {
            d: name
            for country, cal in calendar.holidays.items()
            if country in team.countries
            for d, name in cal
        }
        for s in sprints:
            mask = calendar.sprint == s
            days = [d for d, m in zip(calendar.days, mask, strict=True) if m]
            names = tuple(sorted({country_holidays[d] for d in days if d in country_holidays}))
            rows.append(
                SprintCapacity(
                    team=team.team,
                    sprint=s,
                    start=cycles.sprint_start(s),
                    end=cycles.sprint_start(s + 1) - dt.timedelta(days=1),
                    working_days=int(mask.sum()),
                    headcount_days=round(float(team.headcount[mask].sum()), 2),
                    productive_days=round(float(team.productive[mask].sum()), 2),
                    holidays=names,
                )
            )
    return rows
