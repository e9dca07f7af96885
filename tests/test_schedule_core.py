"""Scheduling core: PSPLIB parser, list scheduler and CP-SAT model on small problems."""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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
    parse_sm,
    solve,
)
from roadwise.engines.schedule.listsched import (
    fit_in_order,
    justify,
    place_alone,
    sampled_list_schedule,
)
from roadwise.engines.schedule.problem import makespan, task_end, task_start, violations
from roadwise.errors import ValidationError

# A 4-job PSPLIB instance (2 real jobs) in the exact file layout.
SMALL_SM = """************************************************************************
file with basedata            : tiny.bas
initial value random generator: 1
************************************************************************
projects                      :  1
jobs (incl. supersource/sink ):  4
horizon                       :  7
RESOURCES
  - renewable                 :  2   R
  - nonrenewable              :  0   N
  - doubly constrained        :  0   D
************************************************************************
PROJECT INFORMATION:
pronr.  #jobs rel.date duedate tardcost  MPM-Time
    1      2      0        4        1        4
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           4
   4        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1  R 2
------------------------------------------------------------------------
  1      1     0       0    0
  2      1     3       2    0
  3      1     4       2    1
  4      1     0       0    0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1  R 2
    3    1
************************************************************************
"""


def test_parse_small_instance() -> None:
    inst = parse_sm(SMALL_SM, "tiny.sm")
    assert inst.durations == (0, 3, 4, 0)
    assert inst.successors == ((2, 3), (4,), (4,), ())
    assert inst.capacities == (3, 1)
    assert inst.demands[2] == (2, 1)
    problem = inst.to_problem()
    assert len(problem.precedences) == 4


def test_small_instance_optimum_serialises_the_two_jobs() -> None:
    problem = parse_sm(SMALL_SM).to_problem()
    # Jobs 2 and 3 need 2 + 2 > 3 units of R1: they cannot overlap, so the optimum is 3 + 4.
    result = solve(problem, SolveOptions(objective="makespan", time_limit=5, workers=2))
    assert result.proven_optimal
    assert makespan(problem, result.placements) == 7
    assert violations(problem, result.placements) == []


def test_parser_names_the_bad_line() -> None:
    broken = SMALL_SM.replace("  3      1     4       2    1", "  3      1     x       2    1")
    with pytest.raises(ValidationError) as err:
        parse_sm(broken, "bad.sm")
    assert err.value.file == "bad.sm" and err.value.line == 29
    with pytest.raises(ValidationError, match="section"):
        parse_sm("not a psplib file", "x.sm")


@st.composite
def problems(draw: st.DrawFn, max_tasks: int = 7, pieces: bool = False) -> Problem:
    n = draw(st.integers(2, max_tasks))
    caps = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    tasks = []
    for i in range(n):
        d = draw(st.integers(1, 4))
        demands = tuple((r, draw(st.integers(0, c))) for r, c in enumerate(caps))
        parts = (d, draw(st.integers(1, 3))) if pieces and draw(st.booleans()) else (d,)
        tasks.append(Task(key=f"t{i}", modes=(Mode("m", parts, demands),)))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 2)),
            max_size=n,
        )
    )
    precedences = tuple(Precedence(min(a, b), max(a, b), lag) for a, b, lag in edges if a != b)
    return Problem(
        tasks=tuple(tasks),
        resources=tuple(Resource(f"r{k}", (c,)) for k, c in enumerate(caps)),
        precedences=precedences,
    )


def _brute_force_makespan(problem: Problem) -> int:
    """Optimal makespan by trying every task order in the serial scheme (complete for
    regular objectives: some order yields an optimal active schedule)."""
    best = None
    topo = problem.topological_order()
    del topo
    for order in itertools.permutations(range(len(problem.tasks))):
        value = list_schedule(problem, order=order).objective
        best = value if best is None else min(best, value)
    assert best is not None
    return int(best)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_tasks=6))
def test_cp_sat_makespan_is_valid_and_optimal(problem: Problem) -> None:
    result = solve(problem, SolveOptions(objective="makespan", time_limit=5, workers=2))
    assert result.feasible and result.proven_optimal
    assert violations(problem, result.placements) == []
    assert makespan(problem, result.placements) == _brute_force_makespan(problem)


@settings(max_examples=40, deadline=None)
@given(problems(max_tasks=9, pieces=True))
def test_list_schedules_are_valid(problem: Problem) -> None:
    for rule in ("rank", "lft", "mts"):
        result = list_schedule(problem, rule=rule)  # type: ignore[arg-type]
        assert violations(problem, result.placements) == []
    improved = justify(problem, list_schedule(problem, rule="lft"))
    assert violations(problem, improved.placements) == []
    assert improved.objective <= list_schedule(problem, rule="lft").objective
    sampled = sampled_list_schedule(problem, samples=3)
    assert violations(problem, sampled.placements) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_tasks=7, pieces=True))
def test_cp_sat_never_worse_than_its_list_scheduling_start(problem: Problem) -> None:
    n = len(problem.tasks)
    weighted = Problem(
        tasks=tuple(replace(t, weight=k % 3 + 1) for k, t in enumerate(problem.tasks)),
        resources=tuple(  # capacity that dips for a while, as around public holidays
            Resource(r.key, (r.peak, r.peak, max(1, r.peak - 1), r.peak)) for r in problem.resources
        ),
        precedences=problem.precedences,
        milestones=(Milestone("m", tuple(range(0, n, 2)), weight=4),),
    )
    options = SolveOptions(time_limit=2, workers=2)
    result = solve(weighted, options)
    assert result.feasible and violations(weighted, result.placements) == []
    baseline = list_schedule(weighted, rule="rank")
    assert evaluate(weighted, result.placements, options) <= evaluate(
        weighted, baseline.placements, options
    )


def test_time_varying_capacity_wip_release_deadline_and_pieces() -> None:
    # Capacity 2 except a dip to 0 on days 2-3; a split task (2 pieces) and a WIP limit of 1.
    res = Resource("team", (2, 2, 0, 0, 2, 2, 2, 2))
    tasks = (
        Task("a", (Mode("x", (2,), ((0, 1),), wip_group="x"),), weight=5),
        Task("b", (Mode("x", (2, 2), ((0, 1),), wip_group="x"),), weight=1, release=1),
        Task("c", (Mode("x", (1,), ((0, 2),), wip_group="x"),), deadline=6, weight=1),
    )
    problem = Problem(
        tasks=tasks, resources=(res,), precedences=(Precedence(0, 2, 1),), wip_limits=(("x", 1),)
    )
    result = solve(problem, SolveOptions(time_limit=5, workers=2))
    assert result.feasible
    assert violations(problem, result.placements) == []
    placed = result.placements
    assert placed[2] is not None and placed[0] is not None
    assert task_start(placed[2]) >= task_end(problem, 0, placed[0]) + 1
    assert task_end(problem, 2, placed[2]) <= 6


def test_optional_tasks_are_dropped_when_a_deadline_requires_it() -> None:
    res = Resource("team", (1,))
    tasks = (
        Task("must", (Mode("x", (3,), ((0, 1),)),), deadline=3, weight=1),
        Task(
            "nice",
            (Mode("x", (2,), ((0, 1),)),),
            optional=True,
            drop_penalty=10,
            weight=1,
            deadline=4,
        ),
    )
    problem = Problem(tasks=tasks, resources=(res,))
    result = solve(problem, SolveOptions(time_limit=5, workers=2))
    assert result.placements[1] is None and result.placements[0] is not None
    assert violations(problem, result.placements) == []


def test_tight_makespan_horizon_is_not_taken_from_a_hint_that_misses_a_deadline() -> None:
    # Ignoring b's deadline, a then b and c side by side end at 4; with it, b runs first, a
    # after it and c after a: 5. A hint that misses the deadline does not bound the makespan.
    res = Resource("r", (2,))
    tasks = (
        Task("a", (Mode("x", (3,), ((0, 2),)),)),
        Task("b", (Mode("x", (1,), ((0, 1),)),), deadline=1),
        Task("c", (Mode("x", (1,), ((0, 1),)),)),
    )
    problem = Problem(tasks=tasks, resources=(res,), precedences=(Precedence(0, 2),))
    unconstrained = replace(problem, tasks=tuple(replace(t, deadline=None) for t in tasks))
    assert list_schedule(unconstrained, rule="lft").objective == 4
    result = solve(problem, SolveOptions(objective="makespan", time_limit=5, workers=2))
    assert result.feasible and result.proven_optimal
    assert violations(problem, result.placements) == []
    assert makespan(problem, result.placements) == 5


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(max_tasks=7, pieces=True), st.integers(0, 3))
def test_tight_makespan_horizon_keeps_the_optimum_and_its_proof(
    problem: Problem, release: int
) -> None:
    # Time-varying capacity and a release date: the hint's makespan is still a valid horizon.
    varied = replace(
        problem,
        tasks=(replace(problem.tasks[0], release=release), *problem.tasks[1:]),
        resources=tuple(
            Resource(r.key, (r.peak, max(1, r.peak - 1), r.peak)) for r in problem.resources
        ),
    )
    loose = SolveOptions(
        objective="makespan", time_limit=5, workers=2, tight_horizon=False, makespan_subsolvers=()
    )
    tight = SolveOptions(objective="makespan", time_limit=5, workers=2)
    expected = solve(varied, loose)
    result = solve(varied, tight)
    assert expected.proven_optimal and result.proven_optimal
    assert violations(varied, result.placements) == []
    assert makespan(varied, result.placements) == makespan(varied, expected.placements)
    assert result.bound == expected.bound
    start = sampled_list_schedule(varied, samples=tight.hint_samples, seed=tight.seed)
    assert makespan(varied, result.placements) <= start.objective


@settings(max_examples=40, deadline=None)
@given(problems(max_tasks=7, pieces=True), st.lists(st.booleans(), min_size=7, max_size=7))
def test_list_schedule_keeps_placed_tasks_and_fits_the_rest_around_them(
    problem: Problem, keep: list[bool]
) -> None:
    """Tasks handed in with a place keep it; the others go around them without exceeding any
    capacity, and with every task placed the result is the one handed in."""
    full = list_schedule(problem, rule="lft").placements
    placed = [p if keep[i] else None for i, p in enumerate(full)]
    result = list_schedule(problem, placed=placed)
    assert all(result.placements[i] == p for i, p in enumerate(placed) if p is not None)
    assert all(p is not None for p in result.placements)
    assert not [v for v in violations(problem, result.placements) if ": " in v and " used at " in v]
    # the rest start no earlier than their predecessors allow, as in any list schedule
    for rule in problem.precedences:
        if placed[rule.after] is None:
            before, after = result.placements[rule.before], result.placements[rule.after]
            assert before is not None and after is not None
            assert task_start(after) >= task_end(problem, rule.before, before) + rule.lag
    assert list_schedule(problem, placed=full).placements == full


def test_fit_in_order_leaves_out_what_fits_nowhere_and_what_waits_for_it() -> None:
    """Two people for ten days, then nobody (a team that leaves): list scheduling fails over B,
    which no longer fits after A; fitting in order leaves B out (and D, which waits for it),
    names A as what took the room, and places the rest as without B and D."""
    team = Resource("team", (2,) * 10 + (0,))

    def task(key: str, days: int, people: int) -> Task:
        return Task(key, (Mode("team", (days,), ((0, people),)),))

    tasks = (task("A", 6, 2), task("B", 6, 1), task("C", 4, 1), task("D", 1, 1))
    problem = Problem(tasks=tasks, resources=(team,), precedences=(Precedence(1, 3),))
    with pytest.raises(ValueError, match="does not fit"):
        list_schedule(problem)
    fit = fit_in_order(problem, [0, 1, 2, 3])
    assert fit.unfit == (1,)
    assert fit.placed_before == {1: (0,)}
    assert fit.placements[1] is None and fit.placements[3] is None
    rest = Problem(tasks=(tasks[0], tasks[2]), resources=(team,))
    a, c = list_schedule(rest).placements
    assert (fit.placements[0], fit.placements[2]) == (a, c)
    # B alone fits; beside A it does not
    assert place_alone(problem, 1, 0, 0) == (0,)
    assert a is not None and place_alone(problem, 1, 0, 0, taken=[(0, a)]) is None
