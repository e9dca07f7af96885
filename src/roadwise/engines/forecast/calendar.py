"""Working days per week, so that a forecast through Christmas is slower than one through May.

Throughput in history is divided by the working-day share of the week it came from (a week with
a public holiday counts as 4/5 of a week), and the simulated future weeks are multiplied by
theirs. Public holidays come from the ``holidays`` package for the team's country; a team's
planned days off can be added. A team with no country gets weekends only, which leaves every
week equal and the forecast unchanged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from roadwise.engines.forecast.simulate import FloatArray


@dataclass(frozen=True)
class WorkCalendar:
    """Which days a team works: Monday to Friday minus public holidays and listed days off."""

    country: str | None = None
    days_off: frozenset[dt.date] = field(default_factory=frozenset)

    def _holidays(self, years: Iterable[int]) -> set[dt.date]:
        if not self.country:
            return set()
        from roadwise.engines.capacity import public_holidays
        from roadwise.errors import RoadwiseError

        try:
            # The capacity engine's calendar, so forecasts and capacity agree on holidays.
            return set(public_holidays(self.country, years))
        except RoadwiseError:
            # Unknown country code: no public holidays rather than a failed forecast.
            return set()

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

    @property
    def is_plain(self) -> bool:
        return not self.country and not self.days_off


def team_calendar(country: str | None, days_off: Iterable[dt.date] = ()) -> WorkCalendar:
    return WorkCalendar(country, frozenset(days_off))
