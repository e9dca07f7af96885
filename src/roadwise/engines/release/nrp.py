"""The Next Release Problem instance format (Bagnall et al. 2001; Xuan et al.'s files).

The text is read as whitespace-separated integers, in this order: the number of requirement
levels; per level, its number of requirements and their costs; the number of dependency pairs
and the pairs ``a b`` ("a is a prerequisite of b"); the number of customers and, per customer,
its profit, the number of requirements it asks for and their 1-based ids. Requirement ids run
consecutively across levels. This module parses text (no file I/O) and turns an instance into
a :class:`ReleaseProblem` for a budget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from roadwise.engines.release.problem import (
    Candidate,
    CustomerDemand,
    ReleaseProblem,
    ReleaseSlot,
)
from roadwise.errors import ValidationError


@dataclass(frozen=True)
class NrpInstance:
    name: str
    costs: tuple[int, ...]  # cost of requirement id i + 1
    dependencies: tuple[tuple[int, int], ...]  # (prerequisite, dependent), 1-based, unique
    customers: tuple[tuple[int, tuple[int, ...]], ...]  # (profit, requested ids)

    @property
    def total_cost(self) -> int:
        return sum(self.costs)


def parse_nrp(text: str, name: str = "instance") -> NrpInstance:
    """Parse one instance; a malformed file raises a :class:`ValidationError` saying where."""
    tokens = text.split()
    position = 0

    def take(what: str) -> int:
        nonlocal position
        if position >= len(tokens):
            raise ValidationError(f"file ends early: expected {what}", file=name)
        token = tokens[position]
        if not token.isdecimal():
            raise ValidationError(
                f"token {position + 1} is '{token}': expected {what} (a whole number >= 0)",
                file=name,
            )
        position += 1
        return int(token)

    costs: list[int] = []
    for level in range(1, take("the number of requirement levels") + 1):
        count = take(f"the number of requirements in level {level}")
        costs.extend(take(f"a cost in level {level}") for _ in range(count))
    m = len(costs)

    def requirement(what: str) -> int:
        rid = take(what)
        if not 1 <= rid <= m:
            raise ValidationError(
                f"token {position} is requirement id {rid}, but ids run from 1 to {m}", file=name
            )
        return rid

    pairs = [
        (requirement("a prerequisite id"), requirement("a dependent id"))
        for _ in range(take("the number of dependency pairs"))
    ]
    customers: list[tuple[int, tuple[int, ...]]] = []
    for index in range(1, take("the number of customers") + 1):
        profit = take(f"the profit of customer {index}")
        wanted = take(f"the number of requirements customer {index} asks for")
        customers.append((profit, tuple(requirement("a requested id") for _ in range(wanted))))
    if position != len(tokens):
        raise ValidationError(
            f"{len(tokens) - position} unexpected tokens after the last customer", file=name
        )
    return NrpInstance(name, tuple(costs), tuple(dict.fromkeys(pairs)), tuple(customers))


def budget_for(instance: NrpInstance, ratio: float) -> int:
    """The literature's budget: ratio × total cost, rounded half up (like Java's Math.round)."""
    return math.floor(ratio * instance.total_cost + 0.5)


def nrp_problem(instance: NrpInstance, budget: float) -> ReleaseProblem:
    """A one-release problem: requirements are items, customers count when all they asked ships."""
    prerequisites: dict[int, list[int]] = {}
    for pre, dependent in instance.dependencies:
        prerequisites.setdefault(dependent, []).append(pre)
    width = len(str(len(instance.costs)))
    key = [f"r{i:0{width}d}" for i in range(len(instance.costs) + 1)]
    items = tuple(
        Candidate(
            key=key[rid],
            value=0.0,
            size=float(cost),
            prerequisites=tuple(key[p] for p in prerequisites.get(rid, [])),
        )
        for rid, cost in enumerate(instance.costs, start=1)
    )
    cwidth = len(str(len(instance.customers)))
    customers = tuple(
        CustomerDemand(f"c{n:0{cwidth}d}", float(profit), tuple(key[r] for r in wanted))
        for n, (profit, wanted) in enumerate(instance.customers, start=1)
    )
    release = ReleaseSlot("next", capacity=float(budget))
    return ReleaseProblem(items=items, releases=(release,), customers=customers, discount=1.0)
