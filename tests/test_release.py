"""Release selection: the exact plan against brute force and the greedy baseline, with the
constraints checked independently of the model (``violations``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from roadwise.engines.release import (
    Candidate,
    ConstraintConflictError,
    CustomerDemand,
    ReleaseProblem,
    ReleaseSlot,
    ThemeBound,
    capacity_gains,
    deadline_out_of_reach,
    drop_to_fit,
    evaluate,
    find_conflict,
    greedy_selection,
    pareto_front,
    plan_release,
    violations,
    why_out,
)
from roadwise.errors import InfeasibleError

FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def backlogs(draw: st.DrawFn, max_items: int = 9, releases: int = 1) -> ReleaseProblem:
    n = draw(st.integers(2, max_items))
    items = []
    for i in range(n):
        prerequisites = draw(st.lists(st.integers(0, i - 1), max_size=2, unique=True)) if i else []
        items.append(
            Candidate(
                key=f"I{i}",
                value=float(draw(st.integers(0, 20))),
                size=float(draw(st.integers(1, 8))),
                team=draw(st.sampled_from(["web", "api", None])),
                skills=tuple(
                    draw(st.lists(st.sampled_from(["ux", "db"]), max_size=2, unique=True))
                ),
                prerequisites=tuple(f"I{p}" for p in prerequisites),
                deadline=draw(
                    st.sampled_from([None, None, dt.date(2027, 1, 20), dt.date(2027, 2, 5)])
                ),
            )
        )
    customers = []
    if draw(st.booleans()):
        for c in range(draw(st.integers(1, 3))):
            wanted = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
            customers.append(
                CustomerDemand(
                    f"C{c}", float(draw(st.integers(1, 30))), tuple(f"I{w}" for w in wanted)
                )
            )
    slots = tuple(
        ReleaseSlot(
            f"R{r}",
            end=dt.date(2027, 1, 1) + dt.timedelta(days=30 * r),
            start=dt.date(2026, 12, 2) + dt.timedelta(days=30 * r) if draw(st.booleans()) else None,
            capacity=float(draw(st.integers(3, 25))),
            team_capacity={"web": float(draw(st.integers(2, 15)))},
            skill_capacity={"db": float(draw(st.integers(2, 12)))},
        )
        for r in range(releases)
    )
    alternatives = ()
    if draw(st.booleans()):
        alternatives = (
            tuple(
                f"I{i}"
                for i in draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=3, unique=True))
            ),
        )
    return ReleaseProblem(
        items=tuple(items), releases=slots, customers=tuple(customers), alternatives=alternatives
    )


def brute_force(problem: ReleaseProblem) -> float:
    """The best value over every assignment that breaks no constraint."""
    keys = [c.key for c in problem.items]
    choices = [None, *(r.key for r in problem.releases)]
    best = 0.0
    for combo in itertools.product(choices, repeat=len(keys)):
        assignment = {k: r for k, r in zip(keys, combo, strict=True) if r is not None}
        if not violations(problem, assignment):
            best = max(best, evaluate(problem, assignment).value)
    return best


@FAST
@given(backlogs())
def test_plan_meets_every_constraint_and_beats_greedy(problem: ReleaseProblem) -> None:
    plan = plan_release(problem, time_limit=10)
    assert plan.proven_optimal
    assert violations(problem, plan.selection.assignment) == []
    assert not plan.greedy_violations
    assert plan.value >= plan.greedy.value - 1e-6
    for content in plan.selection.releases:
        assert content.capacity is None or content.used <= content.capacity + 1e-6
    chosen = set(plan.selection.assignment)
    for key in chosen:
        assert set(problem.by_key[key].prerequisites) <= chosen


@settings(max_examples=15, deadline=None)
@given(backlogs(max_items=6))
def test_small_instances_match_brute_force(problem: ReleaseProblem) -> None:
    plan = plan_release(problem, time_limit=10)
    assert plan.value == pytest.approx(brute_force(problem), abs=1e-6)


@settings(max_examples=10, deadline=None)
@given(backlogs(max_items=4, releases=2))
def test_two_releases_match_brute_force_and_keep_order(problem: ReleaseProblem) -> None:
    plan = plan_release(problem, time_limit=10)
    assert violations(problem, plan.selection.assignment) == []
    assert plan.value == pytest.approx(brute_force(problem), abs=1e-6)


@FAST
@given(backlogs(), st.randoms(use_true_random=False))
def test_shuffled_input_gives_the_same_plan(problem: ReleaseProblem, rnd: random.Random) -> None:
    items, customers = list(problem.items), list(problem.customers)
    rnd.shuffle(items)
    rnd.shuffle(customers)
    shuffled = dataclasses.replace(problem, items=tuple(items), customers=tuple(customers))
    assert plan_release(shuffled).selection == plan_release(problem).selection
    assert greedy_selection(shuffled) == greedy_selection(problem)


@settings(max_examples=10, deadline=None)
@given(backlogs(max_items=6))
def test_cpsat_agrees_with_highs(problem: ReleaseProblem) -> None:
    highs = plan_release(problem, solver="highs")
    cpsat = plan_release(problem, solver="cpsat")
    assert cpsat.proven_optimal
    assert cpsat.value == pytest.approx(highs.value, abs=1e-6)


def knapsack_counter_example() -> ReleaseProblem:
    # By value per point A ranks first (10/6 > 9/6... ), yet B + C beat A under capacity 10.
    return ReleaseProblem(
        items=(
            Candidate("A", value=12, size=6),
            Candidate("B", value=9, size=5),
            Candidate("C", value=9, size=5),
        ),
        releases=(ReleaseSlot("R1", capacity=10),),
    )


def test_sorting_is_not_optimal_on_the_counter_example() -> None:
    plan = plan_release(knapsack_counter_example())
    assert plan.greedy.items == ("A",)
    assert plan.selection.items == ("B", "C")
    assert plan.value == 18 and plan.greedy.value == 12


def test_prerequisite_pulls_in_its_cost() -> None:
    problem = ReleaseProblem(
        items=(
            Candidate("X", value=10, size=2, prerequisites=("P",)),
            Candidate("P", value=0, size=7),
            Candidate("Y", value=6, size=4),
            Candidate("Z", value=6, size=4),
        ),
        releases=(ReleaseSlot("R1", capacity=9),),
    )
    plan = plan_release(problem)
    # X alone looks best per point (5/pt) but needs P: 10 for 9 points vs Y + Z: 12 for 8.
    assert plan.selection.items == ("Y", "Z")
    reasons = {r.item: r for r in why_out(problem, plan)}
    assert reasons["X"].reason == "prerequisite does not fit"
    assert "P" in reasons["X"].detail
    assert reasons["X"].cost_to_force == pytest.approx(12 - 10)


def test_why_out_names_the_prerequisite_when_the_item_alone_would_fit() -> None:
    # A (no team) fits in what is left; its prerequisite P needs team a, which has 1 point left.
    problem = ReleaseProblem(
        items=(
            Candidate("Q", value=10, size=2, team="a"),
            Candidate("P", value=0, size=2, team="a"),
            Candidate("A", value=1, size=6, prerequisites=("P",)),
        ),
        releases=(ReleaseSlot("R1", capacity=20, team_capacity={"a": 3}),),
    )
    plan = plan_release(problem)
    reasons = {r.item: r for r in why_out(problem, plan)}
    assert reasons["A"].reason == "prerequisite does not fit"


def test_why_out_never_says_worth_less_for_an_item_no_plan_can_hold() -> None:
    """A is due in R1 but needs P, pinned to R2: dropping other items would not let it in."""
    problem = ReleaseProblem(
        items=(
            Candidate("P", value=1, size=1),
            Candidate("A", value=9, size=1, prerequisites=("P",), deadline=dt.date(2027, 1, 20)),
            Candidate("C", value=2, size=1),
        ),
        releases=(
            ReleaseSlot("R1", end=dt.date(2027, 1, 15), capacity=10),
            ReleaseSlot("R2", end=dt.date(2027, 2, 26), capacity=10),
        ),
        pins={"P": "R2"},
    )
    plan = plan_release(problem)
    (a,) = [r for r in why_out(problem, plan) if r.item == "A"]
    assert a.reason == "conflicts with other constraints" and a.forced_value is None
    assert "P pinned to release R2" in a.detail and "A hard deadline 2027-01-20" in a.detail


def test_infeasible_request_names_the_conflicting_constraints() -> None:
    problem = ReleaseProblem(
        items=(
            Candidate("BIG", value=1, size=8, team="web"),
            Candidate("HUGE", value=1, size=6, team="web"),
            Candidate("TINY", value=1, size=1, team="api"),
        ),
        releases=(ReleaseSlot("R1", capacity=100, team_capacity={"web": 10, "api": 5}),),
        must=frozenset({"BIG", "HUGE", "TINY"}),
    )
    conflict = find_conflict(problem)
    assert any("BIG" in c for c in conflict)
    assert any("HUGE" in c for c in conflict)
    assert any("team web" in c for c in conflict)
    assert not any("TINY" in c or "api" in c or "total" in c for c in conflict)
    with pytest.raises(InfeasibleError, match="must-have BIG") as error:
        plan_release(problem)
    assert "team web" in str(error.value)


def test_with_two_conflicts_the_message_says_which_relaxation_is_enough() -> None:
    """BIG alone exceeds the capacity, and so do the three pins together: the smaller conflict
    is named, and relaxing the must-have alone would still leave the pins' conflict."""
    pinned = tuple(Candidate(f"P{n}", value=1, size=20) for n in range(3))
    problem = ReleaseProblem(
        items=(Candidate("BIG", value=1, size=100), *pinned),
        releases=(ReleaseSlot("R1", capacity=50),),
        must=frozenset({"BIG"}),
        pins={c.key: "R1" for c in pinned},
    )
    assert sorted(find_conflict(problem)) == ["must-have BIG", "total capacity (50 points)"]
    with pytest.raises(InfeasibleError) as error:
        plan_release(problem)
    message = str(error.value)
    assert "Relaxing total capacity (50 points) makes a plan possible" in message
    assert "Relax any one of them" not in message


def test_pin_and_deadline_conflict_is_named() -> None:
    problem = ReleaseProblem(
        items=(Candidate("A", value=1, size=1, deadline=dt.date(2027, 1, 15)),),
        releases=(
            ReleaseSlot("R1", end=dt.date(2027, 1, 10), capacity=5),
            ReleaseSlot("R2", end=dt.date(2027, 2, 10), capacity=5),
        ),
        pins={"A": "R2"},
    )
    conflict = find_conflict(problem)
    assert sorted(conflict) == ["A hard deadline 2027-01-15", "A pinned to release R2"]


def test_alternatives_and_exclusions_are_explained() -> None:
    problem = ReleaseProblem(
        items=(
            Candidate("OPT1", value=10, size=2),
            Candidate("OPT2", value=8, size=2),
            Candidate("NO", value=50, size=1),
        ),
        releases=(ReleaseSlot("R1", capacity=10),),
        alternatives=(("OPT1", "OPT2"),),
        exclude=frozenset({"NO"}),
    )
    plan = plan_release(problem)
    assert plan.selection.items == ("OPT1",)
    reasons = {r.item: r for r in why_out(problem, plan)}
    assert reasons["OPT2"].reason == "alternative chosen"
    assert reasons["NO"].reason == "excluded"


def test_theme_bounds_hold() -> None:
    features = tuple(Candidate(f"F{i}", value=10, size=2, theme="features") for i in range(5))
    debt = tuple(Candidate(f"D{i}", value=1, size=2, theme="debt") for i in range(3))
    problem = ReleaseProblem(
        items=features + debt,
        releases=(ReleaseSlot("R1", capacity=10),),
        themes=(ThemeBound("debt", min_share=0.4), ThemeBound("features", max_share=0.6)),
    )
    plan = plan_release(problem)
    assert violations(problem, plan.selection.assignment) == []
    assert plan.selection.releases[0].theme_share["debt"] >= 0.4 - 1e-9
    # Two debt items and three features (which of the equal ones is the solver's choice).
    chosen = plan.selection.items
    assert (
        sum(k.startswith("D") for k in chosen) == 2 and sum(k.startswith("F") for k in chosen) == 3
    )
    assert plan.value == 32 and plan.proven_optimal
    assert not plan.greedy_violations  # the careful greedy reserves the debt share too


def test_theme_minimum_that_needs_spare_capacity() -> None:
    # Only one debt item: 40 % debt is reachable only by leaving capacity unused, which
    # rank-and-fill never does.
    features = tuple(Candidate(f"F{i}", value=10, size=2, theme="features") for i in range(5))
    problem = ReleaseProblem(
        items=(*features, Candidate("D0", value=1, size=2, theme="debt")),
        releases=(ReleaseSlot("R1", capacity=10),),
        themes=(ThemeBound("debt", min_share=0.4),),
    )
    plan = plan_release(problem)
    assert "D0" in plan.selection.items and len(plan.selection.items) == 2  # 50 % debt
    assert plan.value == 11
    assert plan.greedy_violations == ("theme debt has 20% of R1 (bounds 40%-100%)",)


def test_capacity_gains_drop_to_fit_and_pareto() -> None:
    problem = ReleaseProblem(
        items=tuple(
            Candidate(f"W{i}", value=5 + i, size=3, team="web", technical_risk=0.1 * i)
            for i in range(6)
        )
        + tuple(Candidate(f"A{i}", value=4, size=2, team="api") for i in range(4)),
        releases=(ReleaseSlot("R1", capacity=20, team_capacity={"web": 9, "api": 8}),),
    )
    plan = plan_release(problem)
    gains = {g.team: g for g in capacity_gains(problem, plan, increase=0.5)}
    assert gains["web"].gain > 0 and gains["web"].added
    assert gains["api"].gain == pytest.approx(0)  # api's items all fit already

    cut = drop_to_fit(problem, plan, factor=0.75)
    assert (
        violations(
            dataclasses.replace(
                problem,
                releases=tuple(
                    dataclasses.replace(
                        r,
                        capacity=r.capacity * 0.75,
                        team_capacity={t: v * 0.75 for t, v in r.team_capacity.items()},
                    )
                    for r in problem.releases
                ),
            ),
            cut.selection.assignment,
        )
        == []
    )
    assert set(cut.dropped) <= set(plan.selection.items)
    assert len(cut.dropped) == len(plan.selection.items) - len(cut.selection.items)

    for measure in ("cost", "risk"):
        front = pareto_front(problem, plan, measure, points=5)
        assert front[-1].value == pytest.approx(plan.value)
        values = [p.value for p in front]
        measures = [p.measure for p in front]
        assert values == sorted(values) and measures == sorted(measures)


@settings(max_examples=20, deadline=None)
@given(backlogs(max_items=7, releases=2), st.data())
def test_named_conflicts_are_minimal(problem: ReleaseProblem, data: st.DataObject) -> None:
    from roadwise.engines.release import build_model, solve

    keys = [c.key for c in problem.items]
    must = data.draw(st.lists(st.sampled_from(keys), max_size=4, unique=True))
    pins = data.draw(
        st.dictionaries(st.sampled_from(keys), st.sampled_from(["R0", "R1"]), max_size=2)
    )
    problem = dataclasses.replace(problem, must=frozenset(must), pins=pins)
    lp = build_model(problem)

    def feasible(labels: list[str]) -> bool:
        trial = lp.keeping(set(labels)).with_objective([0.0] * len(lp.variables))
        return solve(trial).status != "infeasible"

    conflict = find_conflict(problem)
    if feasible(lp.relaxable_labels()):
        event("feasible")
        assert conflict == []
        return
    event("infeasible")
    assert conflict and not feasible(conflict)
    for label in conflict:
        assert feasible([other for other in conflict if other != label])


def test_conflict_charges_each_capacity_only_with_the_items_that_use_it() -> None:
    """A pinned platform item whose prerequisite is mobile work loads the mobile capacity with
    the prerequisite's points only, and the message says so (not the pinned item's team and
    its size plus the prerequisite's)."""
    problem = ReleaseProblem(
        items=(
            Candidate("PLAT", value=1, size=16.8, team="platform", prerequisites=("MOB",)),
            Candidate("MOB", value=1, size=4.5, team="mobile"),
            Candidate("APP", value=1, size=9.7, team="mobile"),
        ),
        releases=(ReleaseSlot("R1", team_capacity={"mobile": 10, "platform": 100}),),
        pins={"PLAT": "R1", "APP": "R1"},
    )
    with pytest.raises(ConstraintConflictError) as error:
        plan_release(problem)
    message = str(error.value)
    assert (
        "team mobile capacity (10 points): APP (9.7 points, pinned), MOB (4.5 points, a "
        "prerequisite of pinned PLAT); 14.2 points in all, 4.2 over"
    ) in message
    assert "team platform" not in message and "21.3" not in message
    assert error.value.conflict.pinned == ("APP", "PLAT")
    assert error.value.conflict.capacities == ("team mobile capacity (10 points)",)


def test_a_cut_that_cannot_hold_the_pins_names_the_reduced_capacity() -> None:
    """Pinned items are never dropped: when they alone exceed the reduced capacity, the
    conflict names the pins and the capacity as reduced ("at 50%"), not as if the user set it."""
    pinned = tuple(Candidate(f"P{n}", value=1, size=3) for n in range(3))
    problem = ReleaseProblem(
        items=(*pinned, Candidate("FREE", value=5, size=2)),
        releases=(ReleaseSlot("R1", capacity=12),),
        pins={c.key: "R1" for c in pinned},
    )
    plan = plan_release(problem)
    with pytest.raises(ConstraintConflictError) as error:
        drop_to_fit(problem, plan, factor=0.5)
    conflict = error.value.conflict
    assert conflict.capacities == ("total capacity at 50% (6 points)",)
    assert conflict.pinned == ("P0", "P1", "P2") and conflict.others == ()
    assert conflict.loads == (
        "total capacity at 50% (6 points): P0 (3 points, pinned), P1 (3 points, pinned), "
        "P2 (3 points, pinned); 9 points in all, 3 over",
    )
    # the item that can be dropped is not named: it is not what makes the cut impossible
    assert "FREE" not in str(error.value)
    assert drop_to_fit(problem, plan, factor=0.8).dropped == ("FREE",)


def test_items_whose_hard_deadline_no_release_meets_are_listed() -> None:
    problem = ReleaseProblem(
        items=(
            Candidate("GONE", value=1, size=1, deadline=dt.date(2020, 1, 1)),
            Candidate("SOON", value=1, size=1, deadline=dt.date(2027, 1, 6)),
            Candidate("FREE", value=1, size=1),
        ),
        releases=(
            ReleaseSlot("R1", start=dt.date(2027, 1, 4), end=dt.date(2027, 1, 15), capacity=5),
        ),
    )
    assert deadline_out_of_reach(problem) == {"GONE": dt.date(2020, 1, 1)}
    assert "GONE" not in plan_release(problem).selection.assignment
