"""The exact NRP preprocessing: the reduced problem has the original's optimum (checked by brute
force on small random instances), and its plans map back to valid plans of the original."""

from __future__ import annotations

import dataclasses
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadwise.engines.release import (
    Candidate,
    CustomerDemand,
    ReleaseProblem,
    ReleaseSlot,
    evaluate,
    greedy_selection,
    plan_release,
    violations,
)
from roadwise.engines.release.model import customer_knapsack
from roadwise.engines.release.reduction import closures, reduce_problem, reducible

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def nrp_problems(draw: st.DrawFn, max_items: int = 9) -> ReleaseProblem:
    """One release, a total capacity, prerequisites, customers; some items with own value."""
    n = draw(st.integers(1, max_items))
    items = []
    for i in range(n):
        pres = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        items.append(
            Candidate(
                key=f"R{i}",
                value=float(draw(st.sampled_from([0, 0, 0, 3, 7]))),
                size=float(draw(st.integers(0, 9))),
                prerequisites=tuple(f"R{p}" for p in pres),
            )
        )
    customers = []
    for c in range(draw(st.integers(0, 6))):
        wanted = draw(st.lists(st.integers(0, n - 1), max_size=4, unique=True))
        customers.append(
            CustomerDemand(f"C{c}", float(draw(st.integers(0, 30))), tuple(f"R{w}" for w in wanted))
        )
    capacity = float(draw(st.integers(0, 30)))
    return ReleaseProblem(
        items=tuple(items),
        releases=(ReleaseSlot("next", capacity=capacity),),
        customers=tuple(customers),
        discount=1.0,
    )


def brute_force(problem: ReleaseProblem) -> float:
    """The best value over every subset of items that fits and keeps its prerequisites."""
    keys = [c.key for c in problem.items]
    release = problem.releases[0].key
    best = 0.0
    for mask in range(1 << len(keys)):
        chosen = {k: release for i, k in enumerate(keys) if mask >> i & 1}
        if not violations(problem, chosen):
            best = max(best, evaluate(problem, chosen).value)
    return best


@PROPERTY
@given(nrp_problems())
def test_reduced_optimum_equals_brute_force_of_the_original(problem: ReleaseProblem) -> None:
    best = brute_force(problem)
    reduction = reduce_problem(problem)
    assert brute_force(reduction.problem) == best
    plan = plan_release(problem)
    assert plan.proven_optimal
    assert plan.value == best
    assert violations(problem, plan.selection.assignment) == []
    assert plan_release(problem, reduce=False).value == best


@PROPERTY
@given(nrp_problems())
def test_reduced_plans_expand_to_valid_plans_of_the_same_value(problem: ReleaseProblem) -> None:
    reduction = reduce_problem(problem)
    reduced = reduction.problem
    release = reduced.releases[0].key
    keys = [c.key for c in reduced.items]
    for size in range(len(keys) + 1):
        for chosen_keys in itertools.islice(itertools.combinations(keys, size), 30):
            chosen = {k: release for k in chosen_keys}
            if violations(reduced, chosen):
                continue
            original = reduction.expand(chosen)
            assert violations(problem, original) == []
            assert evaluate(problem, original).value == evaluate(reduced, chosen).value
            assert evaluate(problem, original).used == evaluate(reduced, chosen).used


@PROPERTY
@given(nrp_problems())
def test_every_item_is_kept_once_or_dropped_as_unneeded(problem: ReleaseProblem) -> None:
    reduction = reduce_problem(problem)
    kept = [o for members in reduction.members.values() for o in members]
    assert len(kept) == len(set(kept))
    assert sorted(kept + list(reduction.dropped)) == sorted(c.key for c in problem.items)
    closure = closures(problem)
    wanted = {i for c in problem.customers if c.value > 0 for k in c.items for i in closure[k]}
    wanted |= {i for c in problem.items if c.value > 0 for i in closure[c.key]}
    assert set(kept) == wanted
    for key, members in reduction.members.items():
        assert reduction.problem.by_key[key].size == sum(problem.by_key[m].size for m in members)


@PROPERTY
@given(nrp_problems())
def test_greedy_plan_shrinks_to_a_reduced_plan_worth_as_much(problem: ReleaseProblem) -> None:
    reduction = reduce_problem(problem)
    greedy = greedy_selection(problem, "ratio")
    shrunk = reduction.shrink(greedy.assignment)
    assert violations(reduction.problem, shrunk) == []
    assert evaluate(reduction.problem, shrunk).value >= greedy.value
    assert evaluate(reduction.problem, shrunk).used <= greedy.used


def test_merges_folds_and_drops() -> None:
    # A <- B (A is B's prerequisite); C asked by customer 1 only; D by nobody; customers 2 and
    # 3 both ask for B, so they are one customer needing {A, B}; customer 1 needs {A, B, C}.
    problem = ReleaseProblem(
        items=(
            Candidate("A", 0.0, 2.0),
            Candidate("B", 0.0, 3.0, prerequisites=("A",)),
            Candidate("C", 0.0, 4.0),
            Candidate("D", 0.0, 5.0),
        ),
        releases=(ReleaseSlot("next", capacity=9.0),),
        customers=(
            CustomerDemand("c1", 10.0, ("B", "C")),
            CustomerDemand("c2", 4.0, ("B",)),
            CustomerDemand("c3", 5.0, ("B",)),
        ),
        discount=1.0,
    )
    reduction = reduce_problem(problem)
    assert reduction.dropped == ("D",)
    assert sorted(reduction.members.values()) == [("A", "B"), ("C",)]
    values = sorted(c.value for c in reduction.problem.customers)
    assert values == [9.0, 10.0]
    ab = next(k for k, m in reduction.members.items() if m == ("A", "B"))
    c = next(k for k, m in reduction.members.items() if m == ("C",))
    # C's customers are a subset of A+B's: C ships only with A and B
    assert reduction.problem.by_key[c].prerequisites == (ab,)
    assert reduction.problem.by_key[ab].size == 5.0
    plan = plan_release(problem)
    assert plan.selection.items == ("A", "B", "C")
    assert plan.value == 19.0


def test_only_the_plain_shape_is_reduced() -> None:
    base = ReleaseProblem(
        items=(Candidate("A", 1.0, 2.0, team="web"),),
        releases=(ReleaseSlot("next", capacity=5.0),),
    )
    assert reducible(base)
    with_team = dataclasses.replace(
        base, releases=(ReleaseSlot("next", capacity=5.0, team_capacity={"web": 1.0}),)
    )
    assert not reducible(with_team)
    assert not reducible(dataclasses.replace(base, must=frozenset({"A"})))
    two = (ReleaseSlot("r1", capacity=5.0), ReleaseSlot("r2", capacity=5.0))
    assert not reducible(dataclasses.replace(base, releases=two))
    negative = dataclasses.replace(base, items=(Candidate("A", -1.0, 2.0),))
    assert not reducible(negative)


@PROPERTY
@given(nrp_problems(), st.data())
def test_customer_knapsack_never_charges_more_than_a_plan_uses(
    problem: ReleaseProblem, data: st.DataObject
) -> None:
    shares = dict(customer_knapsack(problem))
    release = problem.releases[0].key
    closure = closures(problem)
    picked = data.draw(st.sets(st.sampled_from([c.key for c in problem.items])))
    chosen = {i: release for key in picked for i in closure[key]}  # closed under prerequisites
    selection = evaluate(problem, chosen)
    charged = sum(shares[c.key] for c in problem.customers if c.key in selection.customers)
    assert charged <= selection.used + 1e-9


def test_a_plan_is_never_proven_below_the_optimum() -> None:
    """The instance a property test found: given the rank-and-fill plan (8) as its start,
    HiGHS 1.16's presolve returned it as proven optimal although 10 fits (R6 with R8)."""

    def item(key: str, value: float, size: float, *needs: str) -> Candidate:
        return Candidate(key, value=value, size=size, prerequisites=needs)

    sizes = {"R0": (3, 6), "R1": (0, 0), "R2": (7, 9), "R3": (0, 0), "R4": (0, 0)}
    items = [item(k, v, s) for k, (v, s) in sizes.items()]
    items += [item("R5", 0, 0), item("R6", 0, 9), item("R7", 0, 1), item("R8", 3, 5, "R6")]
    customers = (CustomerDemand("C0", 1.0, ("R7",)), CustomerDemand("C1", 7.0, ("R6",)))
    problem = ReleaseProblem(
        items=tuple(items),
        releases=(ReleaseSlot("next", capacity=14.0),),
        customers=customers,
        discount=1.0,
    )
    assert brute_force(problem) == 10
    for reduce in (True, False):
        plan = plan_release(problem, reduce=reduce)
        assert plan.proven_optimal and plan.value == 10
