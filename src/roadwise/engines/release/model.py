"""A solver-independent 0-1 linear program, and the one function that builds it.

:func:`build_model` states the whole release-selection model in one place: the variables, the
constraints by named group, and the objective. The back ends in :mod:`.solvers` only translate
a :class:`LinearProgram` for HiGHS or CP-SAT, so both can be compared on the same model.

Constraints the user asked for (capacities, must-have, pins, exclusions, alternatives, theme
shares, deadlines) are marked ``relaxable`` and carry a label in the user's words: when a
request is infeasible, :mod:`.infeasible` drops them one at a time to name the conflicting ones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from roadwise.engines.release.problem import ReleaseProblem, deadline_allows, skill_share

INF = math.inf


@dataclass(frozen=True)
class Constraint:
    """``lower <= sum(coefficient * variable) <= upper``."""

    group: str
    label: str
    terms: tuple[tuple[int, float], ...]
    lower: float = -INF
    upper: float = INF
    relaxable: bool = False


@dataclass(frozen=True)
class LinearProgram:
    """Maximise ``objective · x`` over binary ``x`` subject to ``constraints``."""

    variables: tuple[str, ...]
    objective: tuple[float, ...]
    constraints: tuple[Constraint, ...]
    # index of x[item, release] and y[customer, release] in ``variables``
    item_var: dict[tuple[str, int], int]
    customer_var: dict[tuple[str, int], int]

    def with_constraints(self, extra: Iterable[Constraint]) -> LinearProgram:
        return replace(self, constraints=self.constraints + tuple(extra))

    def with_objective(self, objective: Sequence[float]) -> LinearProgram:
        return replace(self, objective=tuple(objective))

    def keeping(self, labels: set[str]) -> LinearProgram:
        """Only the structural constraints and the relaxable ones named in ``labels``."""
        return replace(
            self,
            constraints=tuple(c for c in self.constraints if not c.relaxable or c.label in labels),
        )

    def relaxable_labels(self) -> list[str]:
        return list(dict.fromkeys(c.label for c in self.constraints if c.relaxable))


def format_points(number: float) -> str:
    """Points as a person writes them: 155.4, 40, 0.5."""
    return f"{number:.1f}".removesuffix(".0")


def customer_knapsack(problem: ReleaseProblem) -> list[tuple[str, float]]:
    """Customers in order of value per point, each with the size it adds to those before it.

    A customer ships only with everything it needs, prerequisites included. Charging each one
    only the size not already needed by a customer earlier in the order never charges a set of
    customers more than the size of what they need together, so ``sum(share * y) <= capacity``
    holds for every plan: the row cuts off no plan, but unlike the LP relaxation of the
    per-item rows it is a single knapsack, on which the solver's cover cuts close much of the
    relaxation's gap (the relaxation otherwise ships a fraction of nearly every customer).
    """
    from roadwise.engines.release.reduction import closures

    closure = closures(problem)
    by_key = problem.by_key
    needs = {c.key: frozenset().union(*(closure[i] for i in c.items)) for c in problem.customers}
    alone = {key: sum(by_key[i].size for i in need) for key, need in needs.items()}
    order = sorted(
        problem.customers, key=lambda c: (-c.value / alone[c.key] if alone[c.key] else -INF, c.key)
    )
    covered: set[str] = set()
    shares = []
    for c in order:
        fresh = needs[c.key] - covered
        covered |= fresh
        shares.append((c.key, sum(by_key[i].size for i in fresh)))
    return shares


def build_model(problem: ReleaseProblem, *, implied_rows: bool = True) -> LinearProgram:
    """The release-selection MILP for ``problem`` (items sorted by key, so input order is moot).

    Variables: ``x[i,r] = 1`` when item ``i`` ships in release ``r``; ``y[c,r] = 1`` when every
    item customer ``c`` asked for has shipped by release ``r``. ``implied_rows=False`` leaves
    out the rows that only help the solver (for measuring what they bring).
    """
    items = sorted(problem.items, key=lambda c: c.key)
    releases = list(problem.releases)
    horizon = range(len(releases))
    names: list[str] = []
    objective: list[float] = []
    item_var: dict[tuple[str, int], int] = {}
    customer_var: dict[tuple[str, int], int] = {}
    rows: list[Constraint] = []

    # ---- variables and objective: value counts once, discounted by how late it ships
    for item in items:
        for r in horizon:
            item_var[item.key, r] = len(names)
            names.append(f"x[{item.key},{releases[r].key}]")
            objective.append(item.value * problem.release_weight(r))
    for customer in sorted(problem.customers, key=lambda c: c.key):
        for r in horizon:
            customer_var[customer.key, r] = len(names)
            names.append(f"y[{customer.key},{releases[r].key}]")
            objective.append(customer.value * problem.release_weight(r))

    def shipped_by(key: str, r: int, coefficient: float = 1.0) -> list[tuple[int, float]]:
        return [(item_var[key, earlier], coefficient) for earlier in range(r + 1)]

    def anywhere(key: str) -> list[tuple[int, float]]:
        return shipped_by(key, len(releases) - 1)

    # ---- structure: each item in at most one release; prerequisites ship no later
    if len(releases) > 1:
        for item in items:
            rows.append(Constraint("one release", item.key, tuple(anywhere(item.key)), upper=1))
    for item in items:
        for pre in sorted(set(item.prerequisites)):
            for r in horizon:
                terms = [*shipped_by(pre, r), (item_var[item.key, r], -1.0)]
                rows.append(Constraint("prerequisite", f"{item.key} needs {pre}", tuple(terms), 0))

    # ---- customers count only when all they asked for has shipped
    for customer in sorted(problem.customers, key=lambda c: c.key):
        for r in horizon:
            y = customer_var[customer.key, r]
            for key in sorted(set(customer.items)):
                terms = [*shipped_by(key, r, -1.0), (y, 1.0)]
                rows.append(Constraint("customer", customer.key, tuple(terms), upper=0))
        if len(releases) > 1:
            terms = [(customer_var[customer.key, r], 1.0) for r in horizon]
            rows.append(Constraint("customer", customer.key, tuple(terms), upper=1))

    # ---- capacity: total, per team, per skill, in each release
    for r, release in enumerate(releases):
        where = f" in release {release.key}" if len(releases) > 1 else ""
        # a what-if capacity is named as such ("at 80%"), not as if the user had set it
        reduced = where + (f" {release.capacity_note}" if release.capacity_note else "")
        if release.capacity is not None:
            terms = [(item_var[i.key, r], i.size) for i in items if i.size]
            rows.append(
                Constraint(
                    "capacity",
                    f"total capacity{reduced} ({format_points(release.capacity)} points)",
                    tuple(terms),
                    upper=release.capacity,
                    relaxable=True,
                )
            )
        for team, capacity in sorted(release.team_capacity.items()):
            terms = [(item_var[i.key, r], i.size) for i in items if i.team == team and i.size]
            rows.append(
                Constraint(
                    "team capacity",
                    f"team {team} capacity{reduced} ({format_points(capacity)} points)",
                    tuple(terms),
                    upper=capacity,
                    relaxable=True,
                )
            )
        for skill, capacity in sorted(release.skill_capacity.items()):
            terms = [
                (item_var[i.key, r], share)
                for i in items
                for s, share in skill_share(i).items()
                if s == skill
            ]
            rows.append(
                Constraint(
                    "skill capacity",
                    f"skill {skill} capacity{reduced} ({format_points(capacity)} points)",
                    tuple(terms),
                    upper=capacity,
                    relaxable=True,
                )
            )

        # ---- investment themes: share of the capacity this release uses
        for theme in sorted(problem.themes, key=lambda t: t.key):
            for bound, share, sign in (
                ("minimum", theme.min_share, 1.0),
                ("maximum", theme.max_share, -1.0),
            ):
                if (bound == "minimum" and share <= 0) or (bound == "maximum" and share >= 1):
                    continue
                # sign * (size in theme - share * size used) >= 0
                terms = [
                    (item_var[i.key, r], sign * ((i.theme == theme.key) - share) * i.size)
                    for i in items
                    if i.size
                ]
                rows.append(
                    Constraint(
                        f"theme {bound}",
                        f"theme {theme.key} {bound} share {share:.0%}{where}",
                        tuple(t for t in terms if t[1]),
                        lower=0,
                        relaxable=True,
                    )
                )

    # ---- customers' share of the total capacity: an implied row that gives the solver's cover
    # cuts something to work on (see customer_knapsack); it goes with the total capacity
    if (
        implied_rows
        and len(releases) == 1
        and releases[0].capacity is not None
        and problem.customers
    ):
        total = next(c for c in rows if c.group == "capacity")
        shares = tuple(
            (customer_var[key, 0], share) for key, share in customer_knapsack(problem) if share
        )
        rows.append(replace(total, group="customer capacity", terms=shares))

    # ---- the user's hard choices
    for key in sorted(problem.must):
        rows.append(
            Constraint(
                "must-have", f"must-have {key}", tuple(anywhere(key)), lower=1, relaxable=True
            )
        )
    for key, release_key in sorted(problem.pins.items()):
        r = next(i for i, rel in enumerate(releases) if rel.key == release_key)
        rows.append(
            Constraint(
                "pinned",
                f"{key} pinned to release {release_key}",
                ((item_var[key, r], 1.0),),
                lower=1,
                relaxable=True,
            )
        )
    for key in sorted(problem.exclude):
        rows.append(
            Constraint("excluded", f"excluded {key}", tuple(anywhere(key)), upper=0, relaxable=True)
        )
    for group in problem.alternatives:
        members = sorted(set(group))
        terms = [t for key in members for t in anywhere(key)]
        label = "alternatives " + " / ".join(members) + " (at most one)"
        rows.append(Constraint("alternatives", label, tuple(terms), upper=1, relaxable=True))
    for item in items:
        late = [r for r in horizon if not deadline_allows(problem, item, r)]
        if late and item.deadline is not None:
            late_terms = tuple((item_var[item.key, r], 1.0) for r in late)
            label = f"{item.key} hard deadline {item.deadline.isoformat()}"
            rows.append(Constraint("deadline", label, late_terms, upper=0, relaxable=True))

    return LinearProgram(tuple(names), tuple(objective), tuple(rows), item_var, customer_var)
