"""From a workspace to a :class:`ReleaseProblem`: candidates, releases, capacity, customers.

* Candidates are the open leaf items (epics are planned through their stories). An item's size
  is the chosen percentile of its estimate (person-day estimates are converted to points with
  the team's points per person-day); items without an estimate cannot be planned and are listed
  in ``skipped``. Team, theme and hard deadline are inherited from the nearest ancestor.
* Prerequisites are the item's dependencies that are still open; a dependency on an epic means
  all its open stories. Finished dependencies are already met. An item that depends on
  something that cannot be planned is skipped too.
* Items tagged ``alternative:<name>`` (or ``alt:<name>``) are alternatives: at most one ships.
  MoSCoW "won't have" items are excluded; "must" items are must-haves only when asked.
  An item whose ``release`` is one of the planned releases is pinned to it.
* Value: the score passed in (from the prioritisation engine), else :func:`fallback_value`;
  with the ``customers`` objective, a customer's annual revenue counts only when every open
  item it asked for ships; with ``both``, revenue is rescaled so that all customers together
  weigh as much as all items together.
* Capacity: the capacity engine's productive person-days of each team in each release window
  (public holidays, days off, joining, leaving, ramp-up, focus, unplanned work: see
  :mod:`roadwise.engines.capacity`) × the team's points per person-day, unless given. Items
  of a team without people count against the total only. Skill pools exist for the skills
  people have; a skill no one lists is not limited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from roadwise.domain import (
    Deadline,
    EstimateUnit,
    Item,
    MoSCoW,
    Team,
    Workspace,
    likely,
)
from roadwise.domain.workspace import check_leaf_dependencies, leaf_needs
from roadwise.engines.capacity import (
    CapacityCalendar,
    PersonCapacity,
    capacity_calendar,
    person_capacity,
    public_holidays,
)
from roadwise.engines.capacity import working_days as weekdays
from roadwise.engines.release.problem import (
    Candidate,
    CustomerDemand,
    ReleaseProblem,
    ReleaseSlot,
    ThemeBound,
)
from roadwise.errors import ValidationError

Objective = Literal["scores", "customers", "both"]


@dataclass(frozen=True)
class ReleaseOptions:
    releases: int = 1
    percentile: float = 0.8
    """Size items at this percentile of their estimate: 0.8 commits to what fits even when
    estimates run high."""
    capacity: float | None = None
    """Total capacity per release; when given, team and skill limits are not applied."""
    team_capacity: Mapping[str, float] = field(default_factory=dict)
    """Capacity per release for named teams, replacing the derived one."""
    must: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    moscow_musts: bool = False
    objective: Objective = "scores"
    skills: bool = True
    discount: float = 0.9
    default_release_days: int = 42


@dataclass(frozen=True)
class WorkspaceProblem:
    problem: ReleaseProblem
    skipped: Mapping[str, str]
    """Open items that cannot be planned, with the reason."""
    windows: Mapping[str, tuple[dt.date, dt.date]]
    """Each release's working window (first and last day)."""


def fallback_value(item: Item) -> float:
    """An item's value when no score is given: its WSJF cost of delay (business value + time
    criticality + risk reduction), else RICE's reach × impact × confidence, else its cost of
    delay per week, else 1. Effort is left out on purpose: the optimiser weighs size itself."""
    v = item.value
    wsjf = [likely(x) for x in (v.business_value, v.time_criticality, v.risk_reduction) if x]
    if wsjf:
        return float(sum(wsjf))
    if v.reach is not None and v.impact is not None:
        return likely(v.reach) * likely(v.impact) * likely(v.confidence, 1.0)
    if v.cost_of_delay is not None:
        return likely(v.cost_of_delay)
    return 1.0


def working_days(start: dt.date, end: dt.date) -> int:
    """Monday-to-Friday days from ``start`` to ``end``, both included (public holidays count:
    this scales a total the user gave, which carries no team or country)."""
    if end < start:
        return 0
    return int(np.busday_count(start, end + dt.timedelta(days=1)))


def _people(team: Team, start: dt.date, end: dt.date, skill: str | None) -> list[PersonCapacity]:
    """The capacity engine's day-by-day figures for a team's people (or those with ``skill``)
    over the weekdays of a window, with each person's public holidays."""
    days = weekdays(start, working_days(start, end))
    if not days:
        return []
    years = range(days[0].year, days[-1].year + 1)
    holidays: dict[str, dict[dt.date, str]] = {}
    people: list[PersonCapacity] = []
    for person in team.people:
        if skill is not None and skill not in person.skills:
            continue
        country = person.country or team.country
        if country not in holidays:
            holidays[country] = public_holidays(country, years)
        people.append(person_capacity(person, team, days, holidays[country]))
    return people


def person_days(team: Team, start: dt.date, end: dt.date, skill: str | None = None) -> float:
    """Person-days a team's people (or those with ``skill``) are at work in a window:
    availability, less days off and public holidays, only while they are on the team; before
    ramp-up and focus (the capacity engine's headcount days)."""
    return float(sum(p.present.sum() for p in _people(team, start, end, skill)))


def team_capacity(team: Team, start: dt.date, end: dt.date, skill: str | None = None) -> float:
    """Points a team (or its people with ``skill``) can plan in a window: the capacity engine's
    productive person-days (availability, days off, public holidays of each person's country,
    joining, leaving and ramp-up, focus factor, unplanned share) × points per person-day, the
    same figure the roadmap scheduler and ``roadwise capacity`` use."""
    productive = sum(float(p.productive.sum()) for p in _people(team, start, end, skill))
    return productive * team.points_per_person_day


def _window_capacity(
    calendar: CapacityCalendar, teams: Sequence[Team], start: dt.date, end: dt.date
) -> tuple[dict[str, float], dict[str, float]]:
    """Points per team and per skill (all teams' people with it) in one release window."""
    dates = np.array(calendar.days, dtype="datetime64[D]")
    inside = (dates >= np.datetime64(start)) & (dates <= np.datetime64(end))
    by_team: dict[str, float] = {}
    by_skill: dict[str, float] = {}
    for team in teams:
        days = calendar.team(team.key)
        rate = team.points_per_person_day
        by_team[team.key] = float(days.productive[inside].sum()) * rate
        for skill in days.skills:
            points = float(days.productive_for(skill)[inside].sum()) * rate
            by_skill[skill] = by_skill.get(skill, 0.0) + points
    return by_team, by_skill


def window_capacity(
    ws: Workspace, start: dt.date, end: dt.date
) -> tuple[dict[str, float], dict[str, float]]:
    """Points per team (those with people) and per skill pool in one window, from the capacity
    engine: what :func:`release_problem` derives for a release window of the same dates."""
    teams = [t for t in ws.teams if t.people]
    if not teams:
        return {}, {}
    calendar = capacity_calendar(ws, start=start, days=max(1, working_days(start, end)))
    return _window_capacity(calendar, teams, start, end)


def _windows(ws: Workspace, count: int, default_days: int) -> list[tuple[str, dt.date, dt.date]]:
    upcoming = sorted((r for r in ws.cycles.releases if r.date >= ws.as_of), key=lambda r: r.date)
    windows: list[tuple[str, dt.date, dt.date]] = []
    start = ws.as_of
    for release in upcoming[:count]:
        first = max(release.start or start, ws.as_of)
        windows.append((release.key, first, release.date))
        start = release.date + dt.timedelta(days=1)
    while len(windows) < count:
        end = start + dt.timedelta(days=default_days - 1)
        windows.append((f"next-{len(windows) + 1}", start, end))
        start = end + dt.timedelta(days=1)
    return windows


def release_problem(
    ws: Workspace,
    scores: Mapping[str, float] | None = None,
    options: ReleaseOptions | None = None,
) -> WorkspaceProblem:
    """The release-selection problem for a workspace (see the module docstring)."""
    options = options or ReleaseOptions()
    if not 0 < options.percentile < 1:
        raise ValidationError(
            f"percentile {options.percentile:g} must be above 0 and below 1 (e.g. 0.8)",
            field="percentile",
        )
    if options.releases < 1:
        raise ValidationError("plan at least one release", field="releases")
    scores = scores or {}
    by_key = ws.item_by_key
    for key in sorted(options.must | options.exclude):
        if key not in by_key:
            raise ValidationError(f"unknown item '{key}'", field="must/exclude")
    for name in options.team_capacity:
        if name not in ws.team_by_key:
            raise ValidationError(f"unknown team '{name}'", field="capacity")

    leaves = ws.leaf_items(ws.open_items())
    skipped: dict[str, str] = {}
    skills_of = {t.key: {s for p in t.people for s in p.skills} for t in ws.teams}
    for item in leaves:
        owner = ws.inherited(item, "team")
        # Skill pools are shared across teams, but an item pinned to a team is that team's
        # work: if its people lack a skill it needs, no plan can have them build it (the
        # roadmap leaves it out too).
        lacking = sorted(set(item.skills) - skills_of.get(owner, set())) if owner else []
        if item.estimate is None:
            skipped[item.key] = "no estimate"
        elif item.value.moscow == MoSCoW.WONT and item.key not in options.must:
            skipped[item.key] = "marked won't have"
        elif owner in skills_of and not ws.team_by_key[owner].people:
            # no one to build it: the pooled capacity of other teams would plan it anyway
            skipped[item.key] = f"team '{owner}' has no people"
        elif owner in skills_of and lacking:
            skipped[item.key] = f"team '{owner}' lacks skill(s) {', '.join(lacking)}"

    # What each story waits for, as on the roadmap: its own dependencies and its open
    # ancestors', one on an epic meaning its open stories; a cycle among them is refused.
    open_keys = {i.key for i in ws.items if i.is_open}
    prerequisites = leaf_needs(leaves, open_keys, by_key)
    check_leaf_dependencies(prerequisites, by_key, open_keys)
    changed = True
    while changed:  # something that needs an unplannable item cannot be planned either
        changed = False
        for key, needs in prerequisites.items():
            blocked = next((n for n in needs if n in skipped), None)
            if key not in skipped and blocked is not None:
                skipped[key] = f"depends on {blocked}, which cannot be planned ({skipped[blocked]})"
                changed = True

    windows = _windows(ws, options.releases, options.default_release_days)
    release_keys = {key for key, _, _ in windows}
    candidates: list[Candidate] = []
    alternatives: dict[str, list[str]] = {}
    pins: dict[str, str] = {}
    musts = set(options.must)
    for item in leaves:
        if item.key in skipped or item.estimate is None:
            continue
        team_key = ws.inherited(item, "team")
        team: Team | None = ws.team_by_key.get(str(team_key)) if team_key else None
        size = item.estimate.percentile(options.percentile)
        if item.estimate.unit == EstimateUnit.PERSON_DAYS:
            size *= team.points_per_person_day if team else 1.0
        deadline = ws.inherited(item, "deadline")
        theme = ws.inherited(item, "theme")
        value = scores.get(item.key)
        candidates.append(
            Candidate(
                key=item.key,
                value=0.0
                if options.objective == "customers"
                else float(value if value is not None else fallback_value(item)),
                size=round(size, 3),
                team=team.key if team else None,
                skills=tuple(sorted(set(item.skills))),
                theme=str(theme) if theme else None,
                prerequisites=tuple(prerequisites[item.key]),
                deadline=deadline.date
                if isinstance(deadline, Deadline) and deadline.hard
                else None,
                technical_risk=item.technical_risk,
                title=item.title,
            )
        )
        for tag in item.tags:
            if tag.startswith(("alternative:", "alt:")) and tag.split(":", 1)[1]:
                alternatives.setdefault(tag.split(":", 1)[1], []).append(item.key)
        if item.release in release_keys:
            pins[item.key] = item.release
        if options.moscow_musts and item.value.moscow == MoSCoW.MUST:
            musts.add(item.key)
    planned = {c.key for c in candidates}
    for key in sorted(musts):
        if key not in planned:
            raise ValidationError(
                f"must-have {key} cannot be planned: "
                + skipped.get(key, "it is not an open item without children"),
                field="must",
            )

    customers: list[CustomerDemand] = []
    if options.objective in ("customers", "both"):
        asked: dict[str, list[str]] = {}
        for item in leaves:
            for customer in item.customers:
                asked.setdefault(customer, []).append(item.key)
        for key, wanted in sorted(asked.items()):
            if all(k in planned for k in wanted):
                revenue = ws.customer_by_key[key].annual_revenue
                customers.append(
                    CustomerDemand(key, revenue if revenue > 0 else 1.0, tuple(sorted(wanted)))
                )
        item_total = sum(c.value for c in candidates)
        customer_total = sum(c.value for c in customers)
        if options.objective == "both" and item_total > 0 and customer_total > 0:
            # Revenue and scores are in different units: all customers together weigh as much
            # as all items together.
            factor = item_total / customer_total
            customers = [
                CustomerDemand(c.key, round(c.value * factor, 6), c.items) for c in customers
            ]

    slots = []
    teams = [t for t in ws.teams if t.people]
    calendar: CapacityCalendar | None = None
    if teams and options.capacity is None:
        # One calendar over all windows, from the capacity engine, so that public holidays,
        # ramp-up, joining and leaving count here exactly as in the roadmap and `capacity`.
        first = min(start for _, start, _ in windows)
        last = max(end for _, _, end in windows)
        calendar = capacity_calendar(ws, start=first, days=max(1, working_days(first, last)))
    for key, start, end in windows:
        derived: dict[str, float] = {}
        pools: dict[str, float] = {}
        if calendar is not None:
            derived, pools = _window_capacity(calendar, teams, start, end)
        derived = {name: round(points, 3) for name, points in derived.items()}
        derived.update(options.team_capacity)
        skills: dict[str, float] = {}
        if options.skills:
            # Only skills someone has are pools; a skill nobody lists is not tracked, not absent.
            needed = {s for c in candidates for s in c.skills}
            skills = {s: round(pools[s], 3) for s in sorted(needed & pools.keys())}
        if options.capacity is None and not derived:
            raise ValidationError(
                "no capacity to plan with: no team has people; give a capacity in points "
                "per release, or add people to the teams",
                field="capacity",
            )
        if options.capacity is not None:
            slots.append(ReleaseSlot(key, end=end, capacity=options.capacity, start=start))
        else:
            slots.append(
                ReleaseSlot(
                    key,
                    end=end,
                    start=start,
                    capacity=round(sum(derived.values()), 3) if derived else None,
                    team_capacity=derived,
                    skill_capacity=skills,
                )
            )
    themes = tuple(
        ThemeBound(t.key, t.min_share, t.max_share)
        for t in ws.themes
        if t.min_share > 0 or t.max_share < 1
    )
    problem = ReleaseProblem(
        items=tuple(sorted(candidates, key=lambda c: c.key)),
        releases=tuple(slots),
        customers=tuple(customers),
        alternatives=tuple(tuple(sorted(g)) for _, g in sorted(alternatives.items()) if len(g) > 1),
        must=frozenset(musts),
        exclude=frozenset(options.exclude & planned),
        pins=pins,
        themes=themes,
        discount=options.discount,
    )
    return WorkspaceProblem(
        problem, dict(sorted(skipped.items())), {k: (s, e) for k, s, e in windows}
    )


__all__: Sequence[str] = [
    "ReleaseOptions",
    "WorkspaceProblem",
    "fallback_value",
    "person_days",
    "release_problem",
    "team_capacity",
    "window_capacity",
    "working_days",
]
