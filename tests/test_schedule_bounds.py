"""Lower bounds on the weighted cost of delay (Smith cuts) checked against brute force."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from roadwise.engines.schedule import (
    Milestone,
    Mode,
    Precedence,
    Problem,
    Resource,
    SolveOptions,
    Task,
    evaluate,
    list_schedule,
    solve,
)
from roadwise.engines.schedule.cpsat import (
    CompletionBound,
    smith_bound,
    weighted_completion_bounds,
)
from roadwise.engines.schedule.problem import Placement, task_end

WEIGHTED = SolveOptions(objective="weighted_delay", time_limit=5, workers=2)


@st.composite
def weighted_problems(draw: st.DrawFn, max_tasks: int = 5) -> Problem:
    """Small problems with capacity that changes over time, dependencies, a WIP limit and
    features (milestones) with weight of their own."""
    n = draw(st.integers(2, max_tasks))
    profile = draw(st.lists(st.integers(1, 4), min_size=1, max_size=6))
    last = profile[-1]
    tasks = []
    for i in range(n):
        duration = draw(st.integers(1, 4))
        units = draw(st.integers(1, last))
        tasks.append(
            Task(
                key=f"t{i}",
                modes=(Mode("team", (duration,), ((0, units),), wip_group="team"),),
                weight=draw(st.integers(0, 5)),
            )
        )
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=n))
    milestones = tuple(
        Milestone(f"m{k}", tuple(sorted(set(members))), weight=draw(st.integers(1, 6)))
        for k, members in enumerate(
            draw(st.lists(st.lists(st.integers(0, n - 1), min_size=1, max_size=3), max_size=2))
        )
    )
    wip = draw(st.integers(1, n))
    return Problem(
        tasks=tuple(tasks),
        resources=(Resource("team", tuple(profile)),),
        precedences=tuple(Precedence(min(a, b), max(a, b)) for a, b in edges if a != b),
        milestones=milestones,
        wip_limits=(("team", wip),),
    )


def _every_active_schedule(problem: Problem) -> list[tuple[Placement | None, ...]]:
    """The serial scheme over every task order: some order gives an optimal schedule for any
    objective that only grows with the end times (the cost of delay is one)."""
    return [
        list_schedule(problem, order=order).placements
        for order in itertools.permutations(range(len(problem.tasks)))
    ]


def _cut_value(
    problem: Problem, placements: tuple[Placement | None, ...], cut: CompletionBound
) -> int:
    ends = {i: task_end(problem, i, p) for i, p in enumerate(placements) if p is not None}
    ms_end = {ms.key: max(ends[i] for i in ms.tasks) for ms in problem.milestones if ms.tasks}
    return sum(w * ends[i] for i, w in cut.tasks) + sum(w * ms_end[k] for k, w in cut.milestones)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4), st.integers(1, 3)), max_size=4),
    st.lists(st.integers(1, 4), min_size=1, max_size=6),
)
def test_smith_bound_never_exceeds_the_brute_force_optimum(
    jobs: list[tuple[int, int, int]], profile: list[int]
) -> None:
    # jobs: (weight, duration, units); units capped by the capacity that holds at the end
    jobs = [(w, d, min(u, profile[-1])) for w, d, u in jobs]
    problem = Problem(
        tasks=tuple(
            Task(key=f"t{k}", modes=(Mode("r", (d,), ((0, u),)),), weight=w)
            for k, (w, d, u) in enumerate(jobs)
        ),
        resources=(Resource("r", tuple(profile)),),
    )
    bound = smith_bound([w for w, _, _ in jobs], [d * u for _, d, u in jobs], profile)
    if not jobs:
        assert bound == 0
        return
    best = min(evaluate(problem, s, WEIGHTED) for s in _every_active_schedule(problem))
    assert bound <= best


def test_smith_bound_is_tight_for_one_machine() -> None:
    # One unit of capacity: Smith's rule is optimal, so the bound is the optimum itself.
    # weights 3, 1, 2 with durations 1, 2, 2 -> order by d/w: job0 (1/3), job2 (1), job1 (2)
    # ends 1, 3, 5 -> 3*1 + 2*3 + 1*5 = 14
    assert smith_bound([3, 1, 2], [1, 2, 2], [1]) == 14
    # Capacity that starts at zero for two periods shifts every end by two: 14 + 2 * 6 = 26.
    assert smith_bound([3, 1, 2], [1, 2, 2], [0, 0, 1]) == 26


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weighted_problems())
def test_completion_cuts_hold_on_every_schedule(problem: Problem) -> None:
    cuts = weighted_completion_bounds(problem)
    for placements in _every_active_schedule(problem):
        for cut in cuts:
            assert _cut_value(problem, placements, cut) >= cut.bound


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weighted_problems(max_tasks=5))
def test_cuts_keep_the_optimum(problem: Problem) -> None:
    best = min(evaluate(problem, s, WEIGHTED) for s in _every_active_schedule(problem))
    with_cuts = solve(problem, WEIGHTED)
    assert with_cuts.proven_optimal
    assert evaluate(problem, with_cuts.placements, WEIGHTED) == best
    assert with_cuts.bound <= best


@settings(max_examples=15, deadline=None)
@given(weighted_problems(max_tasks=5))
def test_the_hint_is_complete_and_feasible_for_makespan(problem: Problem) -> None:
    # CP-SAT only takes a hint as a ready solution when every variable is hinted.
    from roadwise.engines.schedule.cpsat import add_hint, build_model, model_horizon

    options = SolveOptions(objective="makespan", workers=1, time_limit=2)
    start = list_schedule(problem, rule="lft")
    model, v, makespan = build_model(problem, options, model_horizon(problem, start.placements))
    add_hint(model, v, problem, start.placements, makespan)
    proto = model.proto
    hinted = set(proto.solution_hint.vars)
    domains = [list(var.domain) for var in proto.variables]
    free = {k for k, d in enumerate(domains) if d[0] != d[-1]}
    assert free <= hinted
    # and the hinted values satisfy every constraint: fixing them leaves a feasible model
    pairs = list(zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True))
    for index, value in pairs:
        model.add(model.get_int_var_from_proto_index(index) == value)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
