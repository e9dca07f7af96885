"""Improving a known schedule: a deterministic large-neighbourhood search around it.

What-if questions (one more engineer on a team) change a plan that is already good, and the
current plan stays valid under the change. A fresh CP-SAT search for the full time limit spends
most of it re-finding that plan on a full model; here a small window of the plan (the items
closest to a point in time, items of one team, or, while the plan misses deadlines, a late
item with what it waits for and the work ahead of it on its team) is freed and re-solved with
everything else fixed, round after round, and each round keeps what it improves.

Every round runs on one CP-SAT worker with a limit in deterministic time (the solver's own
work count, not seconds), so the result depends only on the problem, the start and the seed,
not on how busy the machine is. The wall-clock ``time_limit`` is a safety cap only.
"""

from __future__ import annotations

import contextlib
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from roadwise.engines.schedule.cpsat import (
    ModelVars,
    SolveOptions,
    add_hint,
    best_list_schedule,
    build_model,
    evaluate,
    model_horizon,
    neighbourhood,
    read_placements,
)
from roadwise.engines.schedule.problem import (
    Placement,
    Problem,
    Solution,
    task_end,
    task_start,
    violations,
)


@dataclass(frozen=True)
class ImproveOptions:
    rounds: int = 30
    free_items: int = 15
    """Items re-solved per round: small enough that a round usually finishes its search."""
    round_effort: float = 0.01
    """CP-SAT deterministic time per round (a few hundredths of a second of wall time)."""
    seed: int = 0
    time_limit: float = 30.0
    """Wall-clock cap over all rounds: a safety net for very large plans, not a budget."""


def starting_schedule(
    problem: Problem,
    options: SolveOptions,
    warm_start: Sequence[Placement | None] | None,
) -> tuple[Placement | None, ...] | None:
    """The better valid one of ``warm_start`` and the best priority-rule schedule (the same
    start :func:`~roadwise.engines.schedule.cpsat.solve` hints), or None if neither is valid."""
    hard = not options.soft_deadlines
    maximise = options.objective == "value_by_date"
    candidates: list[tuple[Placement | None, ...]] = []
    if warm_start is not None and len(warm_start) == len(problem.tasks):
        candidates.append(tuple(warm_start))
    with contextlib.suppress(ValueError):
        candidates.append(tuple(best_list_schedule(problem, options).placements))
    valid = [c for c in candidates if not violations(problem, c, hard)]
    if not valid:
        return None
    # Ties go to the warm start: re-planning keeps the plan people have already seen.
    key = [(-1 if maximise else 1) * evaluate(problem, c, options) for c in valid]
    return valid[min(range(len(valid)), key=lambda k: key[k])]


def improve(
    problem: Problem,
    options: SolveOptions,
    start: Sequence[Placement | None],
    settings: ImproveOptions | None = None,
) -> Solution:
    """Improve the valid schedule ``start`` of ``problem`` by ``settings.rounds`` rounds of
    large-neighbourhood search; never returns anything worse than ``start``."""
    settings = settings or ImproveOptions()
    started = time.perf_counter()
    deadline = started + settings.time_limit
    rng = random.Random(settings.seed)
    maximise = options.objective == "value_by_date"
    best = tuple(start)
    best_value = evaluate(problem, best, options)
    horizon = model_horizon(problem, best)
    # The redundant cuts lift the bound of the whole model; with most of the plan fixed they
    # only cost model-building time.
    lean = SolveOptions(
        objective=options.objective,
        value_date=options.value_date,
        soft_deadlines=options.soft_deadlines,
        lateness_weight=options.lateness_weight,
        target_weight=options.target_weight,
        redundant=False,
    )
    # One model for every round; each round pins a copy of it to the plan outside its window.
    model, v, _ = build_model(problem, lean, horizon)
    hinted: tuple[Placement | None, ...] | None = None
    n = len(problem.tasks)
    free_target = min(n, settings.free_items)
    labels = sorted({m.label for t in problem.tasks for m in t.modes})
    rounds = 0
    while rounds < settings.rounds and time.perf_counter() < deadline:
        rounds += 1
        late = late_work(problem, best) if free_target < n else []
        if free_target >= n:
            free = set(range(n))
        elif late and rng.random() < 1 / 3:
            free = late_neighbourhood(problem, best, rng, free_target, late)
        else:
            free = neighbourhood(problem, best, rng, free_target, labels)
        if hinted is not best:
            model.clear_hints()
            add_hint(model, v, problem, best)
            hinted = best
        trial = model.clone()
        _pin(trial, v, {i: p for i, p in enumerate(best) if i not in free})
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = settings.seed + rounds
        solver.parameters.max_deterministic_time = settings.round_effort
        solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
        status = solver.solve(trial)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            continue
        candidate = read_placements(solver, v, problem)
        value = evaluate(problem, candidate, options)
        if (value > best_value) if maximise else (value < best_value):
            best, best_value = candidate, value
    return Solution(
        placements=best,
        objective=best_value,
        bound=math.nan,
        proven_optimal=False,
        feasible=True,
        seconds=time.perf_counter() - started,
        method="cp-sat-lns",
        status="FEASIBLE",
        notes=(f"large-neighbourhood search from a known plan: {rounds} rounds",),
        rounds=rounds,
    )


def _pin(model: cp_model.CpModel, v: ModelVars, fixed: dict[int, Placement | None]) -> None:
    """Fix the tasks in ``fixed`` to their placement (None: dropped) by narrowing variable
    domains in ``model``, a copy of the model ``v`` was built for (same variable indices)."""
    variables = model.proto.variables

    def fix(var: cp_model.IntVar | int, value: int) -> None:
        if isinstance(var, int):
            return
        domain = variables[var.index].domain
        domain.clear()
        domain.extend([value, value])

    for i, p in fixed.items():
        fix(v.present[i], 0 if p is None else 1)
        if p is None:
            continue
        for m, lit in enumerate(v.mode_lits[i]):
            fix(lit, 1 if m == p.mode else 0)
        for var, start in zip(v.starts[i], p.starts, strict=True):
            fix(var, start)


def late_work(problem: Problem, plan: Sequence[Placement | None]) -> list[int]:
    """Tasks that end after their deadline, and the last task of each late milestone."""
    late: set[int] = set()
    for i, (task, p) in enumerate(zip(problem.tasks, plan, strict=True)):
        if p is not None and task.deadline is not None and task_end(problem, i, p) > task.deadline:
            late.add(i)
    for milestone in problem.milestones:
        if milestone.deadline is None:
            continue
        ends = [(task_end(problem, i, p), i) for i in milestone.tasks if (p := plan[i]) is not None]
        if ends and max(ends)[0] > milestone.deadline:
            late.add(max(ends)[1])
    return sorted(late)


def late_neighbourhood(
    problem: Problem,
    plan: Sequence[Placement | None],
    rng: random.Random,
    size: int,
    late: Sequence[int],
) -> set[int]:
    """One late task (drawn from ``late``), what it waits for, and the work ahead of them.

    Up to ``size`` tasks: the late one, the tasks it waits for (nearest first), then, taking
    turns between those, the work each one's team does before it, nearest first. The time and
    team windows of :func:`~roadwise.engines.schedule.cpsat.neighbourhood` free a late item
    together with what it waits for and what stands before both only by chance (never when
    they lie far apart in time or on different teams), and moving any part alone gains
    nothing, so a round never keeps it. Without these rounds a plan with one more person could
    stay late where a full search meets the deadline, and a second hire look necessary."""
    target = rng.choice(list(late))
    predecessors = problem.predecessors()
    chain = [target]
    seen = {target}
    # What it waits for, nearest first (breadth first), then what those wait for.
    for i in chain:
        for before, _ in sorted(predecessors[i]):
            if before not in seen and plan[before] is not None:
                seen.add(before)
                chain.append(before)
    chain = chain[:size]
    # Then, for each of those in turn, the work its team does before it, nearest first: what
    # has to make room for it to come forward.
    queues: list[list[int]] = []
    for i in chain:
        placed = plan[i]
        assert placed is not None
        start = task_start(placed)
        label = problem.tasks[i].modes[placed.mode].label
        ahead = [
            j
            for j, p in enumerate(plan)
            if p is not None
            and j not in seen
            and problem.tasks[j].modes[p.mode].label == label
            and task_start(p) < start
        ]
        ahead.sort(key=lambda j: (start - task_start(plan[j]), j))  # type: ignore[arg-type]
        queues.append(ahead)
    free = set(chain)
    while len(free) < size and any(queues):
        for queue in queues:
            while queue and queue[0] in free:
                queue.pop(0)
            if queue and len(free) < size:
                free.add(queue.pop(0))
    return free
