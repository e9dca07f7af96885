"""Two years of delivery history: what each team finished, when, and how big it was.

Throughput is drawn per team and calendar day from a rate that follows the team's headcount,
a slow trend, week-to-week noise, weekends, public holidays (from the ``holidays`` package),
the Christmas and summer dips, and two disruptions: a re-organisation and an incident week.
Cycle times are log-normal and grow with size; sizes are Fibonacci points whose ratio to the
up-front estimate carries a team-specific bias.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays
import numpy as np

from roadwise.domain import Estimate, HistoryRecord, ItemKind
from roadwise.sample import catalog
from roadwise.sample.organisation import TEAM_PROFILES

DAYS = 730
POINTS = np.array([1, 2, 3, 5, 8, 13, 21])
KINDS = (ItemKind.STORY, ItemKind.BUG, ItemKind.TECH_DEBT, ItemKind.FEATURE)
KIND_SHARES = np.array([0.68, 0.2, 0.08, 0.04])
# Probabilities of each estimated size (1, 2, 3, 5, 8, 13) per team: Platform takes bigger bites.
SIZE_MIX = {
    "workflow": (0.4, 0.34, 0.17, 0.07, 0.02, 0.0),
    "insights": (0.32, 0.34, 0.21, 0.09, 0.03, 0.01),
    "platform": (0.26, 0.33, 0.24, 0.11, 0.05, 0.01),
    "mobile": (0.36, 0.35, 0.19, 0.07, 0.03, 0.0),
}
COMPONENTS = (
    "Request list",
    "Approval emails",
    "Form editor",
    "CSV export",
    "Dashboard",
    "Search",
    "iOS app",
    "Android app",
    "Webhooks",
    "SSO login",
    "Billing page",
    "Notifications",
    "Workflow builder",
    "Audit log",
    "Public API",
)
PROBLEMS = (
    "shows stale data after an update",
    "times out on large workspaces",
    "renders incorrectly in Safari",
    "sends duplicate emails",
    "uses the wrong time zone",
    "fails on empty input",
    "is slow when several filters are applied",
    "ignores the user's language setting",
)
UPGRADES = (
    "Django",
    "Node.js",
    "React Native",
    "Kotlin",
    "the Terraform AWS provider",
    "Redis",
    "the Sentry SDK",
    "OpenSSL",
    "Python",
    "the charting library",
)


@dataclass
class HistoryDraft:
    team: np.ndarray  # team index per record
    kind: np.ndarray
    title: list[str]
    points: np.ndarray
    estimated: np.ndarray  # index into POINTS, -1 when the item was never estimated
    created: list[dt.datetime]
    started: list[dt.datetime]
    done: list[dt.datetime]

    def __len__(self) -> int:
        return len(self.title)


@lru_cache(maxsize=16)
def _holiday_days(country: str, first_year: int, last_year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays(country, years=range(first_year, last_year + 1)))


def _working(stamp: dt.datetime, minutes: int, latest: dt.datetime) -> dt.datetime:
    day = stamp.date()
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return min(dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minutes), latest)


def _title_pools() -> dict[ItemKind, list[str]]:
    features = [f for area in catalog.AREAS for epic in area.epics for f in epic.features]
    stories = [t.format(obj=f.obj) for f in features for _s, t, _o in catalog.STORY_TEMPLATES]
    bugs = [b.title for area in catalog.AREAS for b in area.bugs]
    bugs += [f"{c} {p}" for c in COMPONENTS for p in PROBLEMS]
    debts = [t for items in catalog.TECH_DEBT.values() for t, _d in items]
    debts += [f"Upgrade {u} to the current major version" for u in UPGRADES]
    return {
        ItemKind.STORY: stories,
        ItemKind.BUG: bugs,
        ItemKind.TECH_DEBT: debts,
        ItemKind.FEATURE: [f.title for f in features],
    }


def _headcount(rng: np.random.Generator, team: str, days: np.ndarray) -> np.ndarray:
    """People on the team on each day (index 0 = two years ago)."""

    def at(weeks_ago: int) -> int:
        return DAYS - 7 * (weeks_ago + int(rng.integers(-2, 3)))

    count = np.ones(len(days))
    if team == "workflow":  # someone left and was replaced half a year later
        count *= 6
        count[at(40) : at(16)] = 5
    elif team == "insights":  # grew after the re-organisation
        count *= 4
        count[at(56) :] = 5
    elif team == "platform":
        count *= 5
        count[: at(80)] = 4
    else:  # mobile: the fastest-growing team
        count *= 3
        count[at(44) :] = 4
        count[at(17) :] = 5
    return count


def build_history(rng: np.random.Generator, as_of: dt.date, total: int = 2300) -> HistoryDraft:
    start = as_of - dt.timedelta(days=DAYS)
    dates = [start + dt.timedelta(days=i) for i in range(DAYS)]
    days = np.arange(DAYS)
    weekday = np.array([d.weekday() for d in dates])
    month = np.array([d.month for d in dates])
    day_of_month = np.array([d.day for d in dates])
    christmas = ((month == 12) & (day_of_month >= 22)) | ((month == 1) & (day_of_month <= 2))
    reorg_day = DAYS - 7 * int(rng.integers(52, 60))
    incident_day = DAYS - 7 * int(rng.integers(26, 34)) - int(weekday[0])

    team_keys = [t[0] for t in catalog.TEAMS]
    countries = {t[0]: t[2] for t in catalog.TEAMS}
    rates = np.zeros((len(team_keys), DAYS))
    for index, team in enumerate(team_keys):
        profile = TEAM_PROFILES[team]
        country = countries[team]
        public = _holiday_days(country, start.year, as_of.year)
        weight = np.where(weekday >= 5, 0.03, 1.0)
        weight = weight * np.array([0.08 if d in public else 1.0 for d in dates])
        weight = weight * np.where(christmas, 0.25, 1.0)
        summer = (month == 8) | ((month == 7) & (day_of_month >= 10))
        weight = weight * np.where(summer, 0.65 if country in ("DE", "GB") else 0.85, 1.0)
        trend = {"workflow": -0.08, "insights": 0.2, "platform": 0.05, "mobile": 0.1}[team]
        level = 1 + trend * (days / DAYS - 0.5) * float(rng.uniform(0.7, 1.3))
        # Week-to-week noise with memory: good and bad stretches, not white noise.
        shocks = rng.normal(0, 0.15, size=DAYS // 7 + 2)
        weekly = np.zeros_like(shocks)
        for w in range(1, len(shocks)):
            weekly[w] = 0.6 * weekly[w - 1] + shocks[w]
        noise = np.exp(np.repeat(weekly, 7)[:DAYS])
        disruption = np.ones(DAYS)
        if team in ("insights", "workflow"):  # the re-org: three slow weeks
            disruption[reorg_day : reorg_day + 21] = 0.5
        if team == "platform":  # incident week: feature work stops
            disruption[incident_day : incident_day + 7] = 0.25
        elif team == "workflow":
            disruption[incident_day : incident_day + 7] = 0.7
        people = _headcount(rng, team, days)
        rates[index] = people * profile["rate"] / 5 * level * weight * noise * disruption
    rates *= total * float(rng.uniform(0.97, 1.06)) / rates.sum()
    counts = rng.poisson(rates)

    team_index, day_index = np.nonzero(counts)
    repeats = counts[team_index, day_index]
    team_of = np.repeat(team_index, repeats)
    day_of = np.repeat(day_index, repeats)
    n = len(team_of)
    kind_of = rng.choice(len(KINDS), size=n, p=KIND_SHARES)
    estimated = np.empty(n, dtype=int)
    for index, team in enumerate(team_keys):
        mask = team_of == index
        estimated[mask] = rng.choice(6, size=int(mask.sum()), p=SIZE_MIX[team])
    estimated[kind_of == 1] = np.minimum(estimated[kind_of == 1], 3)  # bugs are small
    estimated[kind_of == 3] = np.maximum(estimated[kind_of == 3], 3)  # features are bigger
    bias = np.array([TEAM_PROFILES[t]["bias"] for t in team_keys])[team_of]
    actual = POINTS[estimated] * bias * np.exp(rng.normal(0, 0.4, size=n))
    points_index = np.abs(np.log(actual)[:, None] - np.log(POINTS)[None, :]).argmin(axis=1)
    points = POINTS[points_index]
    never_estimated = rng.random(n) < np.where(kind_of == 1, 0.4, 0.1)
    estimated = np.where(never_estimated, -1, estimated)

    median = np.array([TEAM_PROFILES[t]["cycle_median"] for t in team_keys])[team_of]
    sigma = np.array([TEAM_PROFILES[t]["cycle_sigma"] for t in team_keys])[team_of]
    cycle_days = np.exp(np.log(median) + 0.45 * np.log(points / 3) + sigma * rng.normal(size=n))
    wait_days = np.exp(rng.normal(np.log(7), 1.1, size=n))
    done_minutes = rng.integers(9 * 60, 18 * 60 + 30, size=n)
    start_minutes = rng.integers(8 * 60 + 30, 17 * 60, size=n)
    create_minutes = rng.integers(8 * 60, 18 * 60, size=n)

    pools = _title_pools()
    titles: list[str] = []
    created: list[dt.datetime] = []
    started: list[dt.datetime] = []
    done: list[dt.datetime] = []
    picks = rng.random(n)
    for i in range(n):
        pool = pools[KINDS[int(kind_of[i])]]
        titles.append(pool[int(picks[i] * len(pool))])
        day = dates[int(day_of[i])]
        finished = dt.datetime(day.year, day.month, day.day) + dt.timedelta(
            minutes=int(done_minutes[i])
        )
        # People pick work up during working hours on working days.
        began = _working(
            finished - dt.timedelta(minutes=round(float(cycle_days[i]) * 1440)),
            int(start_minutes[i]),
            finished,
        )
        done.append(finished)
        started.append(began)
        created.append(
            _working(
                began - dt.timedelta(minutes=round(float(wait_days[i]) * 1440)),
                int(create_minutes[i]),
                began,
            )
        )
    return HistoryDraft(team_of, kind_of, titles, points, estimated, created, started, done)


def _estimate(index: int) -> Estimate | None:
    if index < 0:
        return None
    likely = float(POINTS[index])
    low = float(POINTS[max(index - 1, 0)])
    high = float(POINTS[min(index + 2, len(POINTS) - 1)])
    return Estimate(low=low, likely=likely, high=high)


def to_records(draft: HistoryDraft, keys: list[str]) -> list[HistoryRecord]:
    team_keys = [t[0] for t in catalog.TEAMS]
    return [
        HistoryRecord(
            key=keys[i],
            title=draft.title[i],
            team=team_keys[int(draft.team[i])],
            kind=KINDS[int(draft.kind[i])],
            points=float(draft.points[i]),
            estimate=_estimate(int(draft.estimated[i])),
            created=draft.created[i],
            started=draft.started[i],
            done=draft.done[i],
        )
        for i in range(len(draft))
    ]
