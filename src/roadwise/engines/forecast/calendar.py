"""Working days: a forecast through Christmas is slower than one through May, and its dates are
days the team works.

Throughput in history is divided by the working-day share of the week it came from (a week with
a public holiday counts as 4/5 of a week), and the simulated future weeks are multiplied by
theirs. Public holidays come from the ``holidays`` package for the team's country; a team's
planned days off can be added. A team with no country gets weekends only, which leaves every
week equal and the forecast unchanged.

A simulated week spreads its work evenly over seven days, so a finish can fall on a Saturday,
a Sunday or a public holiday. Nothing is delivered on a day the team does not work: such work
is delivered on the team's next working day (:func:`delivery_day`). Rounding forward, never
back, keeps every date at least as safe as the simulation's own day, so an 85% date is met at
least as often as the simulation says, and the order of the percentiles is kept.
"""

from __future__ import annotations

import datetime as dt
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from roadwise.engines.forecast.simulate import FloatArray

_HOLIDAY_WARNINGS = threading.Lock()


@lru_cache(maxsize=512)
def _public_holidays(country: str, year: int) -> frozenset[dt.date]:
    from roadwise.engines.capacity import public_holidays
    from roadwise.errors import RoadwiseError

    try:
        # catch_warnings swaps the process-wide filter list: two threads (the web app's
        # requests) doing it at once can restore each other's lists; one at a time here.
        with _HOLIDAY_WARNINGS, warnings.catch_warnings():
            # A date past the years the package knows (a ten-year forecast) has no known
            # holidays: weekends only, and no warning in the middle of a command's output.
            warnings.filterwarnings("ignore", "Requested Holidays are available only")
            # The capacity engine's calendar, so forecasts and capacity agree on holidays.
            return frozenset(public_holidays(country, [year]))
    except RoadwiseError:
        # Unknown country code: no public holidays rather than a failed forecast.
        return frozenset()


@dataclass(frozen=True)
class WorkCalendar:
    """Which days a team works: Monday to Friday minus public holidays and listed days off."""

    country: str | None = None
    days_off: frozenset[dt.date] = field(default_factory=frozenset)

    def _holidays(self, years: Iterable[int]) -> set[dt.date]:
        if not self.country:
            return set()
        return set().union(*(_public_holidays(self.country, year) for year in years))

    def week_factors(self, start: dt.date, weeks: int) -> FloatArray:
        """Working days in each seven-day period from ``start``, divided by five."""
        if weeks <= 0:
            return np.zeros(0)
        end = start + dt.timedelta(days=7 * weeks)
        off = self._holidays(range(start.year, end.year + 1)) | set(self.days_off)
        days = np.arange(7 * weeks)
        dates = [start + dt.timedelta(days=int(d)) for d in days]
        working = np.array([d.weekday() < 5 and d not in off for d in dates], dtype=float)
        return np.asarray(working.reshape(weeks, 7).sum(axis=1) / 5.0)

    def is_working_day(self, day: dt.date) -> bool:
        """Monday to Friday, not a public holiday of the team's country, not a day off."""
        if day.weekday() >= 5 or day in self.days_off:
            return False
        return not self.country or day not in _public_holidays(self.country, day.year)

    @property
    def is_plain(self) -> bool:
        return not self.country and not self.days_off


def team_calendar(country: str | None, days_off: Iterable[dt.date] = ()) -> WorkCalendar:
    return WorkCalendar(country, frozenset(days_off))


WEEKENDS_ONLY = WorkCalendar()
"""The calendar of work whose team is not known: Monday to Friday."""


def delivery_day(day: dt.date, calendars: Iterable[WorkCalendar] = ()) -> dt.date:
    """The first day on or after ``day`` that every one of ``calendars`` works (Monday to
    Friday when none is given).

    Work that several teams do (an objective, the whole roadmap) is dated on a day all of them
    work: whichever team finishes last, the date is one of its working days.
    """
    chosen = tuple(calendars) or (WEEKENDS_ONLY,)
    # A year of days off in a row is no calendar: stop rather than loop forever.
    for _ in range(366):
        if all(c.is_working_day(day) for c in chosen):
            return day
        if day == dt.date.max:
            break
        day += dt.timedelta(days=1)
    return day


def deadline_horizon(
    as_of: dt.date, deadline: dt.date, calendars: Iterable[WorkCalendar] = ()
) -> int:
    """Days from ``as_of`` by which work must be done to be dated on or before ``deadline``:
    up to the last day on or before it that every one of ``calendars`` works (a deadline on a
    Saturday is met by work delivered on the Friday). A deadline's chance read against this
    agrees with the dates shown, which are such working days (:func:`delivery_day`)."""
    chosen = tuple(calendars) or (WEEKENDS_ONLY,)
    day = deadline
    # As delivery_day: a year without a common working day is no calendar.
    for _ in range(366):
        if day <= as_of or all(c.is_working_day(day) for c in chosen):
            break
        day -= dt.timedelta(days=1)
    return (day - as_of).days


def delivery_date(
    as_of: dt.date, days: float, calendars: Iterable[WorkCalendar] = ()
) -> dt.date | None:
    """The date work finished ``days`` (fractional) after the start of ``as_of`` is delivered:
    the day it is done by (rounded up to a whole day), moved to the next working day of
    ``calendars``. None when it is never done."""
    if not np.isfinite(days):
        return None
    return delivery_day(as_of + dt.timedelta(days=int(np.ceil(days))), calendars)
