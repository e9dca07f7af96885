"""Strategy, teams, cycles and customers of the sample product."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np

from roadwise.domain import (
    Customer,
    Cycles,
    DateRange,
    KeyResult,
    Objective,
    Person,
    Release,
    Team,
    Theme,
    Tier,
)
from roadwise.sample import catalog

# Share of history throughput each team delivers per person-week, and its systematic
# estimation bias (actual size / estimated size) used by the history generator.
TEAM_PROFILES: dict[str, dict[str, float]] = {
    "workflow": {"rate": 1.45, "bias": 1.30, "cycle_median": 3.2, "cycle_sigma": 0.75},
    "insights": {"rate": 1.10, "bias": 1.10, "cycle_median": 4.5, "cycle_sigma": 0.85},
    "platform": {"rate": 1.00, "bias": 1.45, "cycle_median": 5.0, "cycle_sigma": 0.95},
    "mobile": {"rate": 1.30, "bias": 0.95, "cycle_median": 3.6, "cycle_sigma": 0.70},
}


def monday_on_or_before(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def objectives(
    rng: np.random.Generator, as_of: dt.date, customers: list[Customer]
) -> list[Objective]:
    year_end = dt.date(as_of.year + 1, 12, 31)
    mid_year = dt.date(as_of.year + 1, 6, 30)

    def w(base: float) -> float:
        return round(base * float(rng.uniform(0.85, 1.15)), 2)

    def cur(baseline: float, target: float, progress: float, digits: int = 1) -> float:
        return round(
            baseline + (target - baseline) * progress * float(rng.uniform(0.7, 1.3)), digits
        )

    # The enterprise key result is measured on the customer list, so the two agree.
    named = sum(c.annual_revenue for c in customers if c.tier in (Tier.STRATEGIC, Tier.ENTERPRISE))
    arr_now = round(named / 1e6, 2)
    arr_base = round(arr_now / float(rng.uniform(1.06, 1.14)), 2)
    arr_target = round(arr_base * 1.4, 1)
    return [
        Objective(
            key="enterprise",
            title="Win and expand enterprise accounts",
            description="Close the gaps that stop security and procurement reviews at companies "
            "with more than 2,000 employees, and grow the accounts we already have.",
            weight=w(3.0),
            due=year_end,
            key_results=[
                KeyResult(
                    key="enterprise-arr",
                    metric="ARR from enterprise and strategic accounts",
                    baseline=arr_base,
                    target=arr_target,
                    current=arr_now,
                    unit="$M",
                ),
                KeyResult(
                    key="nrr",
                    metric="Net revenue retention",
                    baseline=104.0,
                    target=115.0,
                    current=cur(104.0, 115.0, 0.25),
                    unit="%",
                ),
                KeyResult(
                    key="security-reviews",
                    metric="Security reviews passed first time",
                    baseline=55.0,
                    target=85.0,
                    current=cur(55.0, 85.0, 0.2, 0),
                    unit="%",
                ),
            ],
        ),
        Objective(
            key="activation",
            title="Get new teams to value in their first week",
            description="A team that launches a live workflow in week one stays; most churn "
            "starts with a slow setup.",
            weight=w(2.0),
            due=mid_year,
            key_results=[
                KeyResult(
                    key="week1-activation",
                    metric="Trials with a live workflow in week 1",
                    baseline=38.0,
                    target=55.0,
                    current=cur(38.0, 55.0, 0.35),
                    unit="%",
                ),
                KeyResult(
                    key="time-to-first-workflow",
                    metric="Median time to first workflow",
                    baseline=3.2,
                    target=1.0,
                    current=cur(3.2, 1.0, 0.3),
                    unit="days",
                ),
                KeyResult(
                    key="trial-conversion",
                    metric="Trial-to-paid conversion",
                    baseline=14.0,
                    target=20.0,
                    current=cur(14.0, 20.0, 0.2),
                    unit="%",
                ),
            ],
        ),
        Objective(
            key="reliability",
            title="Be the platform operations teams can bet on",
            description="Operations teams run their day on Kitewire: outages and slow pages "
            "cost them, and us, trust.",
            weight=w(2.5),
            due=year_end,
            key_results=[
                KeyResult(
                    key="uptime",
                    metric="Monthly uptime",
                    baseline=99.82,
                    target=99.95,
                    current=cur(99.82, 99.95, 0.4, 2),
                    unit="%",
                ),
                KeyResult(
                    key="dashboard-p95",
                    metric="p95 dashboard load time",
                    baseline=3.4,
                    target=1.5,
                    current=cur(3.4, 1.5, 0.2),
                    unit="s",
                ),
                KeyResult(
                    key="sev1-incidents",
                    metric="Sev-1 incidents per quarter",
                    baseline=5.0,
                    target=1.0,
                    current=cur(5.0, 1.0, 0.25, 0),
                    unit="",
                ),
            ],
        ),
        Objective(
            key="mobile",
            title="Take workflows into the field",
            description="Field technicians and store managers are the fastest-growing group of "
            "users; they work on phones, often with poor signal.",
            weight=w(1.5),
            due=year_end,
            key_results=[
                KeyResult(
                    key="mobile-wau",
                    metric="Weekly active mobile users",
                    baseline=4100.0,
                    target=12000.0,
                    current=cur(4100.0, 12000.0, 0.2, 0),
                    unit="users",
                ),
                KeyResult(
                    key="app-rating",
                    metric="App store rating",
                    baseline=3.6,
                    target=4.4,
                    current=cur(3.6, 4.4, 0.15),
                    unit="stars",
                ),
            ],
        ),
    ]


def themes() -> list[Theme]:
    return [
        Theme(
            key="new_features",
            name="New features",
            target_share=0.55,
            min_share=0.40,
            max_share=0.70,
        ),
        Theme(key="tech_debt", name="Tech debt", target_share=0.15, min_share=0.10, max_share=0.25),
        Theme(
            key="reliability",
            name="Reliability and security",
            target_share=0.20,
            min_share=0.10,
            max_share=0.30,
        ),
        Theme(
            key="growth",
            name="Growth and monetisation",
            target_share=0.10,
            min_share=0.0,
            max_share=0.20,
        ),
    ]


def _person_key(name: str, taken: set[str]) -> str:
    first, *rest = name.lower().split()
    base = re.sub(r"[^a-z]", "", first) + "." + re.sub(r"[^a-z]", "", rest[-1] if rest else "")
    key, n = base, 2
    while key in taken:
        key, n = f"{base}{n}", n + 1
    taken.add(key)
    return key


def teams(rng: np.random.Generator, as_of: dt.date) -> list[Team]:
    used_names: set[str] = set()
    taken_keys: set[str] = set()
    countries = ["US", "DE", "GB", "IN"]
    result: list[Team] = []
    for team_key, team_name, country, roster in catalog.TEAMS:
        skills = sorted(set(roster))
        people: list[Person] = []
        roles = list(roster)
        if team_key == "mobile":
            roles.append("mobile")  # the new hire
        for index, role in enumerate(roles):
            # Most people sit in the team's country; a few work remotely from another office.
            person_country = (
                country if rng.random() < 0.8 else countries[int(rng.integers(len(countries)))]
            )
            pool = [n for n in catalog.NAMES[person_country] if n not in used_names]
            name = pool[int(rng.integers(len(pool)))]
            used_names.add(name)
            extra = [s for s in skills if s != role and rng.random() < 0.3][:2]
            low, high = catalog.COST_PER_DAY[person_country]
            new_hire = team_key == "mobile" and index == len(roles) - 1
            availability = 1.0
            if index == 0:
                availability = 0.8  # the team lead also runs the team
            elif rng.random() < 0.12:
                availability = 0.5
            people.append(
                Person(
                    key=_person_key(name, taken_keys),
                    name=name,
                    skills=[role, *extra],
                    availability=availability,
                    days_off=_days_off(rng, as_of, person_country),
                    country=person_country,
                    cost_per_day=round(float(rng.uniform(low, high)) / 10) * 10,
                    joins=as_of + dt.timedelta(days=int(rng.integers(14, 29)))
                    if new_hire
                    else None,
                    ramp_up_days=int(rng.choice([30, 45, 60])) if new_hire else 0,
                )
            )
        result.append(
            Team(
                key=team_key,
                name=team_name,
                people=people,
                country=country,
                focus_factor=round(float(rng.uniform(0.7, 0.85)), 2),
                unplanned_share=round(float(rng.uniform(0.1, 0.25)), 2),
                wip_limit=len(people) + 1,
            )
        )
    return result


def _days_off(rng: np.random.Generator, as_of: dt.date, country: str) -> list[DateRange]:
    ranges: list[DateRange] = []
    if rng.random() < 0.45:
        start = monday_on_or_before(as_of + dt.timedelta(days=int(rng.integers(14, 120))))
        length = int(rng.choice([4, 4, 11, 11, 18]))
        ranges.append(
            DateRange(start=start, end=start + dt.timedelta(days=length), reason="vacation")
        )
    if country in ("DE", "GB") and rng.random() < 0.5:
        christmas = dt.date(as_of.year, 12, 22)
        if christmas > as_of:
            ranges.append(
                DateRange(
                    start=christmas, end=dt.date(as_of.year + 1, 1, 2), reason="end-of-year break"
                )
            )
    if rng.random() < 0.08:
        start = as_of + dt.timedelta(days=int(rng.integers(20, 60)))
        ranges.append(DateRange(start=start, end=start + dt.timedelta(days=2), reason="conference"))
    return sorted(ranges, key=lambda r: r.start)


RELEASE_NAMES = ("Avocet", "Bittern", "Curlew", "Dunlin", "Egret", "Fulmar", "Gannet", "Heron")


def _second_thursday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(3 - first.weekday()) % 7 + 7)


def cycles(as_of: dt.date) -> Cycles:
    """Two-week sprints aligned to the year's first Monday; a release mid-quarter."""
    jan_first = dt.date(as_of.year, 1, 1)
    first_monday = jan_first + dt.timedelta(days=(7 - jan_first.weekday()) % 7)
    if first_monday > as_of:
        first_monday -= dt.timedelta(weeks=52)
    # Releases in the 2nd month of each quarter: the last one shipped, then the next four.
    dates: list[dt.date] = []
    for year in (as_of.year - 1, as_of.year, as_of.year + 1, as_of.year + 2):
        dates.extend(_second_thursday(year, month) for month in (2, 5, 8, 11))
    past = [d for d in dates if d <= as_of][-1:]
    future = [d for d in dates if d > as_of + dt.timedelta(days=14)][:4]
    releases: list[Release] = []
    previous = past[0] - dt.timedelta(weeks=13) if past else None
    for index, day in enumerate(past + future):
        quarter = (day.month - 1) // 3 + 1
        name = RELEASE_NAMES[(day.year * 4 + quarter) % len(RELEASE_NAMES)]
        releases.append(
            Release(
                key=f"{day.year}.{quarter}",
                name=f"{day.year} Q{quarter} · {name}",
                date=day,
                start=previous + dt.timedelta(days=1) if previous else None,
                description="Shipped release." if index == 0 and past else "Quarterly release.",
            )
        )
        previous = day
    return Cycles(sprint_length_days=14, first_sprint_start=first_monday, releases=releases)


def customers(rng: np.random.Generator, count: int = 72) -> list[Customer]:
    industries = catalog.INDUSTRIES
    # Heavy-tailed contract values: a few strategic accounts carry much of the revenue.
    revenue = np.exp(rng.normal(np.log(45_000), 1.1, size=count))
    revenue = np.clip(revenue, 6_000, 2_500_000)
    words = list(catalog.COMPANY_WORDS)
    order = rng.permutation(len(words))
    result: list[Customer] = []
    used: set[str] = set()
    for index in range(count):
        word = words[int(order[index % len(words)])]
        while True:  # a word may return with another industry, never as the same name
            industry = industries[int(rng.integers(len(industries)))]
            suffixes = catalog.INDUSTRY_SUFFIXES[industry]
            name = f"{word} {suffixes[int(rng.integers(len(suffixes)))]}"
            if name not in used:
                break
        used.add(name)
        value = float(revenue[index])
        tier = (
            Tier.STRATEGIC
            if value >= 200_000
            else Tier.ENTERPRISE
            if value >= 75_000
            else Tier.GROWTH
            if value >= 20_000
            else Tier.STARTER
        )
        key = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        result.append(
            Customer(
                key=key,
                name=name,
                segment=industry,
                annual_revenue=round(value / 100) * 100,
                tier=tier,
            )
        )
    return result
