"""Delivery history: throughput, cycle time, lead time and flow data.

Everything Roadwise forecasts starts from what a team actually finished. This engine turns
:class:`~roadwise.domain.HistoryRecord` lists (from the workspace or an imported issue-tracker
CSV) into the series the Monte Carlo engine samples, and into the data of the flow charts
(run chart, cycle-time scatter, cumulative flow, ageing of work in progress).

Weeks start on Monday. Times are timezone-naive UTC, as in the domain model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from roadwise.domain.model import HistoryRecord, Item, ItemKind, Status

FloatArray = npt.NDArray[np.float64]

PERCENTILES: tuple[int, ...] = (50, 70, 85, 95)


def week_start(day: dt.date) -> dt.date:
    """The Monday of the week containing ``day``."""
    return day - dt.timedelta(days=day.weekday())


def select(
    records: Iterable[HistoryRecord],
    team: str | None = None,
    kinds: Iterable[ItemKind] | None = None,
    before: dt.datetime | None = None,
) -> list[HistoryRecord]:
    """Records of one team (None: all) and kinds, finished strictly before ``before``."""
    kind_set = set(kinds) if kinds is not None else None
    return [
        r
        for r in records
        if (team is None or r.team == team)
        and (kind_set is None or r.kind in kind_set)
        and (before is None or r.done < before)
    ]


@dataclass(frozen=True)
class Throughput:
    """Finished work per period (day or week): item counts and story points side by side."""

    period: str
    starts: tuple[dt.date, ...]
    items: FloatArray
    points: FloatArray

    @property
    def total_items(self) -> float:
        return float(self.items.sum())

    @property
    def total_points(self) -> float:
        return float(self.points.sum())

    def values(self, unit: str = "items") -> FloatArray:
        return self.points if unit == "points" else self.items

    def mean(self, unit: str = "items") -> float:
        v = self.values(unit)
        return float(v.mean()) if v.size else 0.0


def throughput(
    records: Sequence[HistoryRecord],
    period: str = "week",
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Throughput:
    """Items and points finished per period from ``start`` up to (excluding) ``end``.

    Periods with nothing finished are kept as zeros: a quiet week is data, not a gap. By default
    the series runs from the period of the first finish to the period of the last one.
    """
    if period not in ("day", "week"):
        raise ValueError("period must be 'day' or 'week'")
    step = 7 if period == "week" else 1
    align = week_start if period == "week" else (lambda d: d)
    if not records and (start is None or end is None):
        return Throughput(period, (), np.zeros(0), np.zeros(0))
    done_days = [r.done.date() for r in records]
    first = align(start if start is not None else min(done_days))
    last_excl = end if end is not None else max(done_days) + dt.timedelta(days=1)
    n = max(0, -(-(last_excl - first).days // step))
    items = np.zeros(n)
    points = np.zeros(n)
    for r, day in zip(records, done_days, strict=True):
        idx = (day - first).days // step
        if 0 <= idx < n and day < last_excl:
            items[idx] += 1
            points[idx] += r.points or 0.0
    starts = tuple(first + dt.timedelta(days=step * i) for i in range(n))
    return Throughput(period, starts, items, points)


def _days(delta: dt.timedelta) -> float:
    return delta.total_seconds() / 86400.0


def cycle_times(records: Iterable[HistoryRecord]) -> FloatArray:
    """Days from start to finish, for records that know when they started."""
    return np.array([_days(r.done - r.started) for r in records if r.started is not None])


def lead_times(records: Iterable[HistoryRecord]) -> FloatArray:
    """Days from creation to finish."""
    return np.array([_days(r.done - r.created) for r in records])


def percentiles(values: FloatArray, levels: Sequence[int] = PERCENTILES) -> dict[int, float]:
    if values.size == 0:
        return {}
    return {int(p): float(np.percentile(values, p)) for p in levels}


@dataclass(frozen=True)
class GroupStats:
    """Summary of one team and kind: the numbers a TPM quotes about a team's flow."""

    team: str | None
    kind: str | None
    items: int
    points: float
    weeks: int
    items_per_week: float
    points_per_week: float
    cycle_time: dict[int, float]
    lead_time: dict[int, float]


def summarise(
    records: Sequence[HistoryRecord], by_kind: bool = True, weeks: int | None = None
) -> list[GroupStats]:
    """Throughput, cycle-time and lead-time percentiles per team (and per kind).

    ``weeks`` limits the summary to the last so many weeks before the latest finish.
    """
    if not records:
        return []
    latest = max(r.done for r in records)
    if weeks is not None:
        cut = latest - dt.timedelta(weeks=weeks)
        records = [r for r in records if r.done >= cut]
    teams = sorted({r.team or "" for r in records})
    out: list[GroupStats] = []
    for team in teams:
        team_recs = [r for r in records if (r.team or "") == team]
        groups: list[tuple[str | None, list[HistoryRecord]]] = [(None, team_recs)]
        if by_kind:
            for kind_name in sorted({r.kind.value for r in team_recs}):
                groups.append((kind_name, [r for r in team_recs if r.kind.value == kind_name]))
        first = min(r.done for r in team_recs).date()
        span_weeks = max(1, -(-((latest.date() - first).days + 1) // 7))
        if weeks is not None:
            span_weeks = min(span_weeks, weeks)
        for kind, recs in groups:
            pts = float(sum(r.points or 0.0 for r in recs))
            out.append(
                GroupStats(
                    team=team or None,
                    kind=kind,
                    items=len(recs),
                    points=pts,
                    weeks=span_weeks,
                    items_per_week=len(recs) / span_weeks,
                    points_per_week=pts / span_weeks,
                    cycle_time=percentiles(cycle_times(recs)),
                    lead_time=percentiles(lead_times(recs)),
                )
            )
    return out


# --------------------------------------------------------------------------- flow data


@dataclass(frozen=True)
class ScatterPoint:
    key: str
    done: dt.date
    days: float
    kind: str


@dataclass(frozen=True)
class CycleTimeScatter:
    points: tuple[ScatterPoint, ...]
    percentiles: dict[int, float]


def cycle_time_scatter(records: Sequence[HistoryRecord]) -> CycleTimeScatter:
    """One dot per finished item (finish date, cycle days) and the percentile lines."""
    pts = tuple(
        ScatterPoint(r.key, r.done.date(), _days(r.done - r.started), r.kind.value)
        for r in records
        if r.started is not None
    )
    return CycleTimeScatter(pts, percentiles(np.array([p.days for p in pts])))


@dataclass(frozen=True)
class FlowDay:
    day: dt.date
    to_do: int
    in_progress: int
    done: int


def cumulative_flow(
    records: Sequence[HistoryRecord],
    open_items: Sequence[Item] = (),
    start: dt.date | None = None,
    end: dt.date | None = None,
    step_days: int = 7,
) -> list[FlowDay]:
    """Cumulative flow: per sampled day, how many items were waiting, in progress and done.

    Finished work comes from the history; open items with a ``created`` time (and ``started``
    when in progress) add the work that is not finished yet.
    """
    created = [r.created for r in records] + [i.created for i in open_items if i.created]
    started = [r.started or r.done for r in records] + [
        i.started for i in open_items if i.started and i.status == Status.IN_PROGRESS
    ]
    done = [r.done for r in records]
    if not created:
        return []
    c = np.sort(np.array([t.timestamp() for t in created]))
    s = np.sort(np.array([t.timestamp() for t in started]))
    d = np.sort(np.array([t.timestamp() for t in done]))
    first = start or min(created).date()
    last = end or max(done + created).date()
    days = [first + dt.timedelta(days=k) for k in range(0, (last - first).days + 1, step_days)]
    out = []
    for day in days:
        t = dt.datetime.combine(day + dt.timedelta(days=1), dt.time()).timestamp()
        n_c = int(np.searchsorted(c, t, side="right"))
        n_s = int(np.searchsorted(s, t, side="right"))
        n_d = int(np.searchsorted(d, t, side="right"))
        out.append(FlowDay(day, max(0, n_c - n_s), max(0, n_s - n_d), n_d))
    return out


@dataclass(frozen=True)
class AgeingItem:
    key: str
    title: str
    team: str | None
    age_days: float
    #: The share of the team's past items whose cycle time was shorter than this age.
    percentile_rank: float


@dataclass(frozen=True)
class WipAgeing:
    items: tuple[AgeingItem, ...]
    cycle_time: dict[int, float]


def wip_ageing(
    records: Sequence[HistoryRecord], in_progress: Sequence[Item], as_of: dt.datetime
) -> WipAgeing:
    """How old each item in progress is, against the team's cycle-time percentiles.

    An item older than the 85th percentile of past cycle times is the one to ask about.
    """
    ct = np.sort(cycle_times(records))
    aged = []
    for item in in_progress:
        if item.started is None:
            continue
        age = max(0.0, _days(as_of - item.started))
        rank = float(np.searchsorted(ct, age) / ct.size) if ct.size else 0.0
        aged.append(AgeingItem(item.key, item.title, item.team, age, rank))
    aged.sort(key=lambda a: -a.age_days)
    return WipAgeing(tuple(aged), percentiles(ct))
