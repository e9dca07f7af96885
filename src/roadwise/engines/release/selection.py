"""A chosen set of items (which release each ships in), its value, and a full check of it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from roadwise.engines.release.problem import ReleaseProblem, deadline_allows, skill_share

_TOLERANCE = 1e-6


@dataclass(frozen=True)
class ReleaseContent:
    """What one release holds and how much of its capacity that uses."""

    release: str
    items: tuple[str, ...]
    value: float
    used: float
    capacity: float | None
    team_used: Mapping[str, float] = field(default_factory=dict)
    team_capacity: Mapping[str, float] = field(default_factory=dict)
    skill_used: Mapping[str, float] = field(default_factory=dict)
    skill_capacity: Mapping[str, float] = field(default_factory=dict)
    theme_share: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Selection:
    """Which release each chosen item ships in, and what that is worth.

    ``value`` is the objective: item values plus the value of customers whose every request
    has shipped, each discounted by the release it lands in (see ``ReleaseProblem.discount``).
    ``item_value`` is the plain sum of the chosen items' values.
    """

    assignment: Mapping[str, str]
    releases: tuple[ReleaseContent, ...]
    customers: tuple[str, ...]
    value: float
    item_value: float
    customer_value: float

    @property
    def items(self) -> tuple[str, ...]:
        return tuple(sorted(self.assignment))

    @property
    def used(self) -> float:
        return sum(r.used for r in self.releases)


def release_index(problem: ReleaseProblem) -> dict[str, int]:
    return {r.key: i for i, r in enumerate(problem.releases)}


def evaluate(problem: ReleaseProblem, assignment: Mapping[str, str]) -> Selection:
    """The :class:`Selection` for ``assignment`` (item key -> release key)."""
    by_key = problem.by_key
    index = release_index(problem)
    contents: list[ReleaseContent] = []
    item_value = 0.0
    value = 0.0
    for r, release in enumerate(problem.releases):
        keys = tuple(sorted(k for k, rel in assignment.items() if rel == release.key))
        chosen = [by_key[k] for k in keys]
        team_used: dict[str, float] = defaultdict(float)
        skill_used: dict[str, float] = defaultdict(float)
        theme_used: dict[str, float] = defaultdict(float)
        for c in chosen:
            if c.team is not None:
                team_used[c.team] += c.size
            for skill, share in skill_share(c).items():
                skill_used[skill] += share
            if c.theme is not None:
                theme_used[c.theme] += c.size
        used = sum(c.size for c in chosen)
        release_value = sum(c.value for c in chosen)
        item_value += release_value
        value += release_value * problem.release_weight(r)
        contents.append(
            ReleaseContent(
                release=release.key,
                items=keys,
                value=release_value,
                used=used,
                capacity=release.capacity,
                team_used=dict(sorted(team_used.items())),
                team_capacity=dict(release.team_capacity),
                skill_used=dict(sorted(skill_used.items())),
                skill_capacity=dict(release.skill_capacity),
                theme_share={t: (u / used if used else 0.0) for t, u in sorted(theme_used.items())},
            )
        )
    satisfied: list[str] = []
    customer_value = 0.0
    for customer in problem.customers:
        releases = [index.get(assignment.get(k, ""), -1) for k in customer.items]
        if customer.items and min(releases) >= 0:
            satisfied.append(customer.key)
            customer_value += customer.value
            value += customer.value * problem.release_weight(max(releases))
    return Selection(
        assignment=dict(sorted(assignment.items())),
        releases=tuple(contents),
        customers=tuple(sorted(satisfied)),
        value=value,
        item_value=item_value,
        customer_value=customer_value,
    )


def violations(problem: ReleaseProblem, assignment: Mapping[str, str]) -> list[str]:
    """Every constraint ``assignment`` breaks, in the user's words (empty: it is a valid plan)."""
    by_key = problem.by_key
    index = release_index(problem)
    problems: list[str] = []
    for key, release in assignment.items():
        if key not in by_key or release not in index:
            problems.append(f"unknown item or release: {key} -> {release}")
            continue
        for pre in by_key[key].prerequisites:
            if pre not in assignment:
                problems.append(f"{key} ships without its prerequisite {pre}")
            elif index[assignment[pre]] > index[release]:
                problems.append(f"{key} ships before its prerequisite {pre}")
        deadline = by_key[key].deadline
        if deadline is not None and not deadline_allows(problem, by_key[key], index[release]):
            problems.append(f"{key} ships after its hard deadline {deadline.isoformat()}")
    selection = evaluate(problem, {k: v for k, v in assignment.items() if k in by_key})
    for content in selection.releases:
        if content.capacity is not None and content.used > content.capacity + _TOLERANCE:
            problems.append(
                f"release {content.release} uses {content.used:g} of {content.capacity:g}"
            )
        for pool, used, capacity in (
            ("team", content.team_used, content.team_capacity),
            ("skill", content.skill_used, content.skill_capacity),
        ):
            for name, limit in capacity.items():
                if used.get(name, 0.0) > limit + _TOLERANCE:
                    problems.append(
                        f"{pool} {name} uses {used[name]:g} of {limit:g} in {content.release}"
                    )
        if content.used > 0:
            for theme in problem.themes:
                share = content.theme_share.get(theme.key, 0.0)
                if not theme.min_share - _TOLERANCE <= share <= theme.max_share + _TOLERANCE:
                    problems.append(
                        f"theme {theme.key} has {share:.0%} of {content.release} "
                        f"(bounds {theme.min_share:.0%}-{theme.max_share:.0%})"
                    )
        elif any(t.min_share > 0 for t in problem.themes):
            pass  # an empty release holds no theme's work; a minimum share is vacuous
    for key in problem.must:
        if key not in assignment:
            problems.append(f"must-have {key} is not planned")
    for key, release in problem.pins.items():
        if assignment.get(key) != release:
            problems.append(f"{key} is not in its pinned release {release}")
    for key in problem.exclude:
        if key in assignment:
            problems.append(f"excluded {key} is planned")
    for group in problem.alternatives:
        chosen = sorted(k for k in set(group) if k in assignment)
        if len(chosen) > 1:
            problems.append("alternatives chosen together: " + ", ".join(chosen))
    return problems
