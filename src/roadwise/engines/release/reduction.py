"""Exact preprocessing for the Next Release Problem shape: a smaller problem with the same optimum.

When a problem is one release with only a total capacity (no team or skill pools, themes,
alternatives, must-have, excluded or pinned items, no deadline that rules the release out) and
no negative values, only customers decide what is worth shipping. Then, without changing the
best value:

* every customer needs the prerequisite closure of what it asked for; an item with a value of
  its own counts as a customer asking for that item alone;
* customers needing the same closure are one customer (their values add up), and customers
  with no value or nothing asked are dropped;
* items nobody needs are dropped (they would only use capacity);
* items needed by exactly the same customers always ship together: they become one item whose
  size is the sum. An item needed by one customer only is folded into that customer this way;
* between the merged items, "needed by fewer customers" implies "needed by more": if every
  customer needing ``h`` also needs ``g``, ``h`` takes ``g`` as its prerequisite (only the
  direct steps of that order are kept), and each customer is linked only to the most specific
  items it needs; the rest follow through the prerequisites.

Every plan of the original maps to a plan of the reduced problem worth at least as much within
the same capacity (ship an item only when a satisfied customer needs it), and every reduced
plan expands to an original plan of the same value and size, so the optima are equal.
:meth:`Reduction.expand` turns a reduced plan back into the original items.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from roadwise.domain import find_cycle
from roadwise.engines.release.problem import (
    Candidate,
    CustomerDemand,
    ReleaseProblem,
    deadline_allows,
)
from roadwise.errors import ValidationError


@dataclass(frozen=True)
class Reduction:
    """The reduced problem and how its items map back to the original ones."""

    problem: ReleaseProblem
    # reduced item key -> the original item keys it stands for
    members: Mapping[str, tuple[str, ...]]
    # original items no customer needs
    dropped: tuple[str, ...]

    def expand(self, assignment: Mapping[str, str]) -> dict[str, str]:
        """The original items of a reduced plan (item key -> release key)."""
        return {
            original: release
            for key, release in assignment.items()
            for original in self.members[key]
        }

    def shrink(self, assignment: Mapping[str, str]) -> dict[str, str]:
        """A reduced plan at most as large as ``assignment`` and worth at least as much.

        A merged item ships when a customer whose whole closure ``assignment`` ships needs it.
        """
        release = self.problem.releases[0].key
        shipped = set(assignment)
        chosen: set[str] = set()
        for customer in self.problem.customers:
            needed = _closure_of_reduced(self.problem, customer.items)
            if all(o in shipped for key in needed for o in self.members[key]):
                chosen.update(needed)
        return {key: release for key in sorted(chosen)}


def reducible(problem: ReleaseProblem) -> bool:
    """Whether :func:`reduce_problem` applies (the problem has the plain NRP shape)."""
    if len(problem.releases) != 1:
        return False
    release = problem.releases[0]
    if release.team_capacity or release.skill_capacity:
        return False
    if problem.themes or problem.alternatives or problem.must or problem.exclude or problem.pins:
        return False
    if any(c.value < 0 for c in problem.items) or any(c.value < 0 for c in problem.customers):
        return False
    return all(deadline_allows(problem, c, 0) for c in problem.items)


def closures(problem: ReleaseProblem) -> dict[str, frozenset[str]]:
    """Each item with everything it needs, directly or through others (itself included).

    Raises :class:`~roadwise.errors.ValidationError` naming a prerequisite cycle: the walk
    below would never end on one.
    """
    by_key = problem.by_key
    cycle = find_cycle({key: list(c.prerequisites) for key, c in by_key.items()})
    if cycle:
        raise ValidationError(
            "prerequisite cycle: " + " -> ".join(cycle) + " (an item cannot, directly or "
            "through others, be its own prerequisite)",
            field="prerequisites",
        )
    done: dict[str, frozenset[str]] = {}
    for start in sorted(by_key):
        # iterative depth-first walk: prerequisite chains can be long
        stack: list[tuple[str, bool]] = [(start, False)]
        while stack:
            key, expanded = stack.pop()
            if key in done:
                continue
            pres = by_key[key].prerequisites
            if expanded:
                closure: set[str] = {key}
                for p in pres:
                    closure |= done.get(p, frozenset())
                done[key] = frozenset(closure)
                continue
            stack.append((key, True))
            stack.extend((p, False) for p in pres if p not in done)
    return done


def reduce_problem(problem: ReleaseProblem) -> Reduction:
    """The smaller problem with the same optimum (see the module docstring)."""
    if not reducible(problem):
        raise ValueError("reduce_problem needs one release with only a total capacity")
    closure = closures(problem)

    # ---- customers by the closure they need (an item's own value: a customer of one item)
    demand: dict[frozenset[str], float] = {}
    first_key: dict[frozenset[str], str] = {}
    wishes = [(c.key, c.value, c.items) for c in problem.customers]
    wishes += [(f"item {c.key}", c.value, (c.key,)) for c in problem.items]
    for key, value, asked in wishes:
        if value <= 0 or not asked:
            continue
        need = frozenset().union(*(closure[i] for i in asked))
        demand[need] = demand.get(need, 0.0) + value
        first_key[need] = min(first_key.get(need, key), key)
    needs = sorted(demand, key=lambda s: first_key[s])

    # ---- items by the set of customers needing them
    needed_by: dict[str, list[int]] = {}
    for k, need in enumerate(needs):
        for item in need:
            needed_by.setdefault(item, []).append(k)
    groups: dict[tuple[int, ...], list[str]] = {}
    for item in sorted(needed_by):
        groups.setdefault(tuple(needed_by[item]), []).append(item)
    ordered = sorted(groups.items(), key=lambda kv: kv[1][0])
    width = len(str(len(ordered)))
    group_key = [f"g{j:0{width}d}" for j in range(len(ordered))]
    mask = [sum(1 << k for k in needers) for needers, _ in ordered]
    groups_of: list[list[int]] = [[] for _ in needs]
    for j, (needers, _) in enumerate(ordered):
        for k in needers:
            groups_of[k].append(j)

    def within(a: int, b: int) -> bool:  # every customer needing group a also needs group b
        return mask[a] & mask[b] == mask[a]

    # ---- direct steps of the "needed by fewer implies needed by more" order
    prerequisites: list[list[int]] = []
    for j, (needers, _) in enumerate(ordered):
        # a group needed by all of j's customers is among the groups of any one of them
        pool = min((groups_of[k] for k in needers), key=len)
        above = [g for g in pool if g != j and within(j, g)]
        prerequisites.append([g for g in above if not any(h != g and within(h, g) for h in above)])

    by_key = problem.by_key
    merged_items = tuple(
        Candidate(
            key=group_key[j],
            value=0.0,
            size=sum(by_key[i].size for i in members),
            prerequisites=tuple(group_key[g] for g in prerequisites[j]),
            title=", ".join(members),
        )
        for j, (_, members) in enumerate(ordered)
    )
    cwidth = len(str(len(needs)))
    merged_customers: list[CustomerDemand] = []
    for k, need in enumerate(needs):
        own = groups_of[k]
        most_specific = [j for j in own if not any(h != j and within(h, j) for h in own)]
        merged_customers.append(
            CustomerDemand(
                f"k{k:0{cwidth}d}", demand[need], tuple(group_key[j] for j in most_specific)
            )
        )
    reduced = ReleaseProblem(
        items=merged_items,
        releases=problem.releases,
        customers=tuple(merged_customers),
        discount=problem.discount,
    )
    members = {group_key[j]: tuple(m) for j, (_, m) in enumerate(ordered)}
    dropped = tuple(sorted(set(by_key) - set(needed_by)))
    return Reduction(reduced, members, dropped)


def _closure_of_reduced(problem: ReleaseProblem, keys: tuple[str, ...]) -> set[str]:
    by_key = problem.by_key
    seen: set[str] = set()
    stack = list(keys)
    while stack:
        key = stack.pop()
        if key not in seen:
            seen.add(key)
            stack.extend(by_key[key].prerequisites)
    return seen
