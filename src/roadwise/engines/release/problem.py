"""The release-selection problem in plain terms, independent of any workspace or solver.

A :class:`ReleaseProblem` lists the candidate items (value, size, team, skills, theme,
prerequisites, hard deadline, technical risk), the releases of the horizon with their capacity,
the customers whose value counts only when everything they asked for ships, and the user's hard
constraints (must-have, excluded and pinned items, alternatives, theme shares). Both the
workspace adapter and the NRP benchmark parser produce one; the model builder reads only this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Candidate:
    """An item that may be chosen. ``size`` is in capacity units (story points)."""

    key: str
    value: float
    size: float
    team: str | None = None
    skills: tuple[str, ...] = ()
    theme: str | None = None
    prerequisites: tuple[str, ...] = ()
    deadline: dt.date | None = None
    technical_risk: float = 0.0
    title: str = ""


@dataclass(frozen=True)
class ReleaseSlot:
    """One release of the horizon and the capacity it has.

    ``capacity`` is the total (None: no total limit beyond the teams'); ``team_capacity`` and
    ``skill_capacity`` bound the work of one team, or needing one skill. ``capacity_note`` says
    how these capacities differ from the release's own ("at 80%", "to ship by 2027-01-15") when
    a what-if reduces them, so that a conflict names the reduced capacity as such rather than
    quoting a number the user never set.
    """

    key: str
    end: dt.date | None = None
    capacity: float | None = None
    start: dt.date | None = None
    team_capacity: Mapping[str, float] = field(default_factory=dict)
    skill_capacity: Mapping[str, float] = field(default_factory=dict)
    capacity_note: str = ""


@dataclass(frozen=True)
class CustomerDemand:
    """A customer whose ``value`` counts only when every one of ``items`` ships."""

    key: str
    value: float
    items: tuple[str, ...]


@dataclass(frozen=True)
class ThemeBound:
    """An investment theme's share of the capacity a release uses, between the two bounds."""

    key: str
    min_share: float = 0.0
    max_share: float = 1.0


@dataclass(frozen=True)
class ReleaseProblem:
    items: tuple[Candidate, ...]
    releases: tuple[ReleaseSlot, ...]
    customers: tuple[CustomerDemand, ...] = ()
    alternatives: tuple[tuple[str, ...], ...] = ()
    must: frozenset[str] = frozenset()
    exclude: frozenset[str] = frozenset()
    pins: Mapping[str, str] = field(default_factory=dict)
    themes: tuple[ThemeBound, ...] = ()
    # An item (or customer) delivered one release later is worth ``discount`` times as much,
    # so the solver puts what matters most first. 1.0: only the total over the horizon counts.
    discount: float = 0.9

    def __post_init__(self) -> None:
        from roadwise.errors import ValidationError

        if not self.releases:
            raise ValidationError("a release plan needs at least one release")
        keys = [c.key for c in self.items]
        known = set(keys)
        # A cached_property writes to __dict__, which a frozen dataclass still allows.
        if len(known) != len(keys):
            raise ValidationError("candidate item keys must be unique")
        release_keys = {r.key for r in self.releases}
        for c in self.items:
            if c.size < 0:
                raise ValidationError(f"item {c.key}: size must not be negative", field="size")
            for p in c.prerequisites:
                if p not in known:
                    raise ValidationError(f"item {c.key}: unknown prerequisite '{p}'")
        for what, names in (("must-have", self.must), ("excluded", self.exclude)):
            for key in names:
                if key not in known:
                    raise ValidationError(f"unknown {what} item '{key}'")
        for key, release in self.pins.items():
            if key not in known:
                raise ValidationError(f"unknown pinned item '{key}'")
            if release not in release_keys:
                raise ValidationError(f"item {key} is pinned to unknown release '{release}'")
        for group in self.alternatives:
            for key in group:
                if key not in known:
                    raise ValidationError(f"unknown item '{key}' in a set of alternatives")
        if not 0 < self.discount <= 1:
            raise ValidationError("discount must be in (0, 1]", field="discount")

    @cached_property
    def by_key(self) -> dict[str, Candidate]:
        return {c.key: c for c in self.items}

    def release_weight(self, index: int) -> float:
        return float(self.discount**index)


def deadline_allows(problem: ReleaseProblem, candidate: Candidate, r: int) -> bool:
    """Whether release ``r`` is early enough for the item's hard deadline.

    A release qualifies when it ends by the deadline, or when the deadline falls inside its
    window (it starts on or before the deadline): work inside a release can be finished before
    the release date, and the roadmap scheduler checks the exact days. Without a known start a
    release qualifies only when it ends by the deadline.
    """
    if candidate.deadline is None:
        return True
    release = problem.releases[r]
    if release.end is None or release.end <= candidate.deadline:
        return True
    return release.start is not None and release.start <= candidate.deadline


def deadline_out_of_reach(problem: ReleaseProblem) -> dict[str, dt.date]:
    """Items whose hard deadline no release of the horizon can meet (it has passed, or falls
    before the first window starts), with the deadline: no plan can hold them."""
    return {
        c.key: c.deadline
        for c in problem.items
        if c.deadline is not None
        and not any(deadline_allows(problem, c, r) for r in range(len(problem.releases)))
    }


def prerequisite_closure(problem: ReleaseProblem, key: str) -> list[str]:
    """Every item ``key`` needs, directly or through others (not including ``key``)."""
    by_key = problem.by_key
    seen: set[str] = set()
    stack = list(by_key[key].prerequisites)
    while stack:
        nxt = stack.pop()
        if nxt in seen:
            continue
        seen.add(nxt)
        stack.extend(by_key[nxt].prerequisites)
    return sorted(seen)


def skill_share(candidate: Candidate) -> dict[str, float]:
    """How much of each skill pool an item draws: its size split evenly over its skills."""
    if not candidate.skills:
        return {}
    skills = sorted(set(candidate.skills))
    return {s: candidate.size / len(skills) for s in skills}
