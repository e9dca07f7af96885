"""The baseline: rank-and-fill, what today's planning tools do.

Items (or customers) are ranked by value per point of size (or by value alone) and added in that
order, each with whatever prerequisites it still needs, to the earliest release where all of
them fit. Must-have and pinned items go first; then, as a careful planner would, each
investment theme's best items until the theme has its minimum share of the release's capacity;
no theme is filled beyond its maximum share of that capacity. It is fast and usually good, but
not optimal:
a high-ratio item can block two slightly lower-ratio items that together are worth more.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from roadwise.engines.release.problem import (
    ReleaseProblem,
    deadline_allows,
    prerequisite_closure,
    skill_share,
)
from roadwise.engines.release.selection import Selection, evaluate

RankBy = Literal["ratio", "value"]


def greedy_selection(problem: ReleaseProblem, rank_by: RankBy = "ratio") -> Selection:
    by_key = problem.by_key
    releases = problem.releases
    assignment: dict[str, int] = {}
    used: list[float] = [0.0] * len(releases)
    team_used: list[dict[str, float]] = [defaultdict(float) for _ in releases]
    skill_used: list[dict[str, float]] = [defaultdict(float) for _ in releases]
    theme_used: list[dict[str, float]] = [defaultdict(float) for _ in releases]
    theme_max = {t.key: t.max_share for t in problem.themes if t.max_share < 1}
    alternative_of = {k: i for i, group in enumerate(problem.alternatives) for k in group}
    chosen_alternative: dict[int, str] = {}
    closures: dict[str, list[str]] = {}

    def closure(key: str) -> list[str]:
        if key not in closures:
            closures[key] = [*prerequisite_closure(problem, key), key]
        return closures[key]

    def fits(keys: list[str], r: int) -> bool:
        release = releases[r]
        new = [by_key[k] for k in keys]
        total = sum(c.size for c in new)
        if release.capacity is not None and used[r] + total > release.capacity + 1e-9:
            return False
        teams: dict[str, float] = defaultdict(float)
        skills: dict[str, float] = defaultdict(float)
        for c in new:
            if c.team is not None:
                teams[c.team] += c.size
            for s, share in skill_share(c).items():
                skills[s] += share
        for team, extra in teams.items():
            limit = release.team_capacity.get(team)
            if limit is not None and team_used[r][team] + extra > limit + 1e-9:
                return False
        for skill, extra in skills.items():
            limit = release.skill_capacity.get(skill)
            if limit is not None and skill_used[r][skill] + extra > limit + 1e-9:
                return False
        # A careful planner keeps each theme under its maximum share of the release.
        size = share_base(r)
        for c in new:
            if c.theme in theme_max and size is not None:
                extra = sum(n.size for n in new if n.theme == c.theme)
                if theme_used[r][c.theme] + extra > theme_max[c.theme] * size + 1e-9:
                    return False
        return True

    def share_base(r: int) -> float | None:
        release = releases[r]
        if release.capacity is not None:
            return release.capacity
        return sum(release.team_capacity.values()) if release.team_capacity else None

    def allowed(key: str, r: int) -> bool:
        if not deadline_allows(problem, by_key[key], r):
            return False
        pinned = problem.pins.get(key)
        return pinned is None or pinned == releases[r].key

    def try_add(needed: list[str], only: int | None = None) -> bool:
        if any(k in problem.exclude for k in needed):
            return False
        missing = [k for k in needed if k not in assignment]
        groups: dict[int, str] = {}
        for k in missing:
            g = alternative_of.get(k)
            if g is None:
                continue
            if chosen_alternative.get(g, k) != k or groups.get(g, k) != k:
                return False
            groups[g] = k
        earliest = max((assignment[k] for k in needed if k in assignment), default=0)
        for r in range(earliest, len(releases)) if only is None else [only]:
            if r < earliest or not all(allowed(k, r) for k in missing) or not fits(missing, r):
                continue
            for k in missing:
                c = by_key[k]
                assignment[k] = r
                used[r] += c.size
                if c.team is not None:
                    team_used[r][c.team] += c.size
                for s, share in skill_share(c).items():
                    skill_used[r][s] += share
                if c.theme is not None:
                    theme_used[r][c.theme] += c.size
            for g, k in groups.items():
                chosen_alternative[g] = k
            return True
        return False

    index = {rel.key: i for i, rel in enumerate(releases)}
    for key, release_key in sorted(problem.pins.items()):
        try_add(closure(key), only=index[release_key])
    for key in sorted(problem.must):
        try_add(closure(key))

    # Units to rank: valuable items on their own, and customers with everything they asked for.
    units: list[tuple[float, str, list[str]]] = []
    for c in sorted(problem.items, key=lambda c: c.key):
        if c.value > 0:
            needed = closure(c.key)
            units.append((_score(c.value, needed, problem, rank_by), c.key, needed))
    for customer in sorted(problem.customers, key=lambda c: c.key):
        if customer.value > 0 and customer.items:
            needed = sorted({k for item in customer.items for k in closure(item)})
            units.append((_score(customer.value, needed, problem, rank_by), customer.key, needed))
    units.sort(key=lambda u: (-u[0], u[1]))
    # First each theme's minimum share of every release, from that theme's best items ...
    for r in range(len(releases)):
        base = share_base(r)
        for theme in sorted(problem.themes, key=lambda t: t.key):
            if theme.min_share <= 0 or base is None:
                continue
            for _, key, needed in units:
                if theme_used[r][theme.key] >= theme.min_share * base:
                    break
                if key in by_key and by_key[key].theme == theme.key:
                    try_add(needed, only=r)
    # ... then everything else in rank order.
    for _, _, needed in units:
        try_add(needed)
    return evaluate(problem, {k: releases[r].key for k, r in assignment.items()})


def _score(value: float, needed: list[str], problem: ReleaseProblem, rank_by: RankBy) -> float:
    if rank_by == "value":
        return value
    size = sum(problem.by_key[k].size for k in needed)
    return value / size if size > 0 else float("inf")
