"""The exact scheduler: the problem as a CP-SAT model (interval variables, cumulative resources).

One model serves the roadmap (minimise the total weighted cost of delay, or maximise the value
delivered by a date) and the PSPLIB benchmark (minimise the makespan). What makes it strong:

* **Redundant constraints.** Pairs of tasks that can never run together on a resource (their
  demands add up to more than its peak capacity) also go into a no-overlap constraint, which
  propagates much harder than the cumulative one; the transitive closure of the precedences
  (with the shortest durations) gives the linear relaxation direct start-to-start distances;
  the makespan gets the energy bound of every resource and the critical-path tail of every task;
  the cost of delay gets, per resource and WIP limit, the Smith bound of its preemptive
  one-machine relaxation (``smith_bound``), and the solver's full linear relaxation.
* **A list-scheduling hint.** The best of a few priority-rule schedules is given as the
  starting solution, so the search never starts from nothing. The derived ends, WIP spans,
  lateness and the makespan are hinted too: CP-SAT only adopts a complete hint as a solution
  (value-by-date flags and re-planning deviations are still left out).
* **A tight horizon for the makespan.** The hint's makespan bounds every better schedule, so
  it is the horizon: start windows are narrow from the first node, and (with up to two
  workers) the full-problem worker searches without the (here empty) linear relaxation.
* **Large-neighbourhood search.** For big roadmaps, after the full model has run for part of
  the time, windows of the incumbent are freed and re-optimised with everything else fixed.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from roadwise.engines.schedule.listsched import Rule, list_schedule, sampled_list_schedule
from roadwise.engines.schedule.problem import (
    Placement,
    Problem,
    Solution,
    task_end,
    task_start,
    violations,
)

ObjectiveKind = Literal["makespan", "weighted_delay", "value_by_date"]


@dataclass(frozen=True)
class SolveOptions:
    objective: ObjectiveKind = "weighted_delay"
    value_date: int | None = None
    time_limit: float = 10.0
    workers: int = 8
    seed: int = 0
    soft_deadlines: bool = False
    lateness_weight: int = 1000
    # Per day a task ends after its target (0: targets are not part of the objective).
    target_weight: int = 0
    redundant: bool = True
    hint: bool = True
    hint_samples: int = 12
    cliques: bool = True
    lns: bool = True
    lns_min_tasks: int = 60
    lns_share: float = 0.5
    # Makespan only: start from the hint's makespan as the horizon (see ``solve``) and, with
    # up to two workers, run the full-problem search worker without the linear relaxation.
    tight_horizon: bool = True
    makespan_subsolvers: tuple[str, ...] = ("no_lp",)
    # Extra CP-SAT parameters (name, value), applied after the defaults below.
    solver_params: tuple[tuple[str, bool | int | float], ...] = ()


@dataclass
class ModelVars:
    """The CP-SAT variables of a schedule model (also used by the local search in improve)."""

    present: list[cp_model.IntVar | int]
    mode_lits: list[list[cp_model.IntVar | int]]
    starts: list[list[cp_model.IntVar]]
    ends: list[list[cp_model.IntVar]]
    task_start: list[cp_model.IntVar]
    task_end: list[cp_model.IntVar]
    lateness: dict[str, cp_model.IntVar]
    delivered: dict[str, cp_model.IntVar]
    milestone_end: dict[str, cp_model.IntVar]
    # (task, mode, length of its WIP span)
    spans: list[tuple[int, int, cp_model.IntVar]]


def evaluate(
    problem: Problem,
    placements: Sequence[Placement | None],
    options: SolveOptions,
) -> float:
    """The objective value of a schedule, as the CP-SAT model counts it."""
    ends = {i: task_end(problem, i, p) for i, p in enumerate(placements) if p is not None}
    if options.objective == "makespan":
        return float(max(ends.values(), default=0))
    value = 0.0
    if options.objective == "value_by_date":
        date = options.value_date if options.value_date is not None else 0
        for i, task in enumerate(problem.tasks):
            if i in ends and ends[i] <= date:
                value += task.weight
        for ms in problem.milestones:
            members = [ends.get(i) for i in ms.tasks]
            if members and all(e is not None and e <= date for e in members):
                value += ms.weight
        return value
    for i, task in enumerate(problem.tasks):
        p = placements[i]
        if p is None:
            value += task.drop_penalty
            continue
        value += task.weight * ends[i]
        if options.soft_deadlines and task.deadline is not None:
            value += options.lateness_weight * max(0, ends[i] - task.deadline)
        if options.target_weight and task.target is not None:
            value += options.target_weight * max(0, ends[i] - task.target)
        if task.previous_start is not None:
            value += problem.stability_weight * abs(task_start(p) - task.previous_start)
    for ms in problem.milestones:
        member_ends = [ends[i] for i in ms.tasks if i in ends]
        end = max(member_ends, default=0)
        value += ms.weight * end
        if options.soft_deadlines and ms.deadline is not None:
            value += options.lateness_weight * max(0, end - ms.deadline)
    return value


def model_horizon(problem: Problem, hint: Sequence[Placement | None] | None) -> int:
    """The last working day a model needs: the problem's horizon, stretched to fit ``hint``."""
    horizon = problem.horizon or problem.default_horizon()
    if hint is not None:
        horizon = max(
            [horizon] + [task_end(problem, i, p) for i, p in enumerate(hint) if p is not None]
        )
    deadlines = [t.deadline for t in problem.tasks if t.deadline is not None]
    return max([horizon, *deadlines])


def _longest_paths(problem: Problem, limit: int) -> list[tuple[int, int, int]]:
    """(i, j, d): j starts at least d after i starts, for pairs linked only indirectly."""
    n = len(problem.tasks)
    if n > limit:
        return []
    succs = problem.successors()
    order = problem.topological_order()
    direct = {(p.before, p.after) for p in problem.precedences}
    result: list[tuple[int, int, int]] = []
    for i in order:
        if problem.tasks[i].optional:
            continue
        dist: dict[int, int] = {i: 0}
        for u in order:
            if u not in dist:
                continue
            du = dist[u] + problem.min_duration(u)
            for v, lag in succs[u]:
                if du + lag > dist.get(v, -1):
                    dist[v] = du + lag
        for j, d in dist.items():
            if j != i and (i, j) not in direct and d > 0 and not problem.tasks[j].optional:
                result.append((i, j, d))
    return result


def build_model(
    problem: Problem,
    options: SolveOptions,
    horizon: int,
    fixed: dict[int, Placement | None] | None = None,
) -> tuple[cp_model.CpModel, ModelVars, cp_model.IntVar | None]:
    """The CP-SAT model of ``problem``; tasks in ``fixed`` are pinned to the given placement
    (None: pinned as dropped)."""
    model = cp_model.CpModel()
    fixed = fixed or {}
    n = len(problem.tasks)
    present: list[cp_model.IntVar | int] = []
    mode_lits: list[list[cp_model.IntVar | int]] = []
    starts: list[list[cp_model.IntVar]] = []
    ends: list[list[cp_model.IntVar]] = []
    t_start: list[cp_model.IntVar] = []
    t_end: list[cp_model.IntVar] = []
    # (resource, demand, interval) for the cumulative constraints
    usage: list[list[tuple[int, cp_model.IntervalVar]]] = [[] for _ in problem.resources]
    wip_usage: dict[str, list[cp_model.IntervalVar]] = {g: [] for g, _ in problem.wip_limits}
    span_sizes: list[tuple[int, int, cp_model.IntVar]] = []

    for i, task in enumerate(problem.tasks):
        pin = fixed.get(i)
        if task.optional:
            lit: cp_model.IntVar | int = model.new_bool_var(f"present_{i}")
        else:
            lit = 1
        present.append(lit)
        npieces = len(task.modes[0].pieces)
        if any(len(m.pieces) != npieces for m in task.modes):
            raise ValueError(f"task '{task.key}': every mode must have the same number of pieces")
        lo = task.release
        s_vars = [model.new_int_var(lo, horizon, f"s_{i}_{k}") for k in range(npieces)]
        e_vars = [model.new_int_var(lo, horizon, f"e_{i}_{k}") for k in range(npieces)]
        starts.append(s_vars)
        ends.append(e_vars)
        if len(task.modes) == 1:
            lits: list[cp_model.IntVar | int] = [lit]
        else:
            lits = [model.new_bool_var(f"mode_{i}_{m}") for m in range(len(task.modes))]
            model.add(sum(lits) == lit)
        mode_lits.append(lits)
        for m, mode in enumerate(task.modes):
            mlit = lits[m]
            for k, duration in enumerate(mode.pieces):
                if isinstance(mlit, int):
                    interval = model.new_interval_var(s_vars[k], duration, e_vars[k], f"iv_{i}_{k}")
                else:
                    interval = model.new_optional_interval_var(
                        s_vars[k], duration, e_vars[k], mlit, f"iv_{i}_{m}_{k}"
                    )
                for r, units in mode.demands:
                    if units > 0:
                        usage[r].append((units, interval))
        for k in range(npieces - 1):
            model.add(s_vars[k] <= s_vars[k + 1])
        if npieces == 1:
            start_var, end_var = s_vars[0], e_vars[0]
        else:
            start_var = s_vars[0]
            end_var = model.new_int_var(lo, horizon, f"end_{i}")
            model.add_max_equality(end_var, e_vars)
        t_start.append(start_var)
        t_end.append(end_var)
        for m, mode in enumerate(task.modes):
            if mode.wip_group in wip_usage:
                size = model.new_int_var(0, horizon, f"span_{i}_{m}")
                span_sizes.append((i, m, size))
                mlit = lits[m]
                if isinstance(mlit, int):
                    span = model.new_interval_var(start_var, size, end_var, f"span_{i}")
                else:
                    span = model.new_optional_interval_var(
                        start_var, size, end_var, mlit, f"span_{i}_{m}"
                    )
                wip_usage[mode.wip_group].append(span)
        if task.deadline is not None and not options.soft_deadlines:
            _enforce(model.add(end_var <= task.deadline), lit)
        if task.fixed_start is not None:
            _enforce(model.add(s_vars[0] == task.fixed_start), lit)
        if pin is not None:
            for m, mlit in enumerate(lits):
                if not isinstance(mlit, int):
                    model.add(mlit == (1 if m == pin.mode else 0))
            if not isinstance(lit, int):
                model.add(lit == 1)
            for k, s in enumerate(pin.starts):
                model.add(s_vars[k] == s)
        elif i in fixed and not isinstance(lit, int):
            model.add(lit == 0)

    for p in problem.precedences:
        before, after = p.before, p.after
        a_lit, b_lit = present[after], present[before]
        if not isinstance(a_lit, int) and not isinstance(b_lit, int):
            model.add_implication(a_lit, b_lit)
        elif not isinstance(b_lit, int):
            model.add(b_lit == 1)
        _enforce(model.add(t_start[after] >= t_end[before] + p.lag), a_lit)

    for r, resource in enumerate(problem.resources):
        peak = resource.peak
        intervals = [iv for _, iv in usage[r]]
        demands = [d for d, _ in usage[r]]
        blocks: list[tuple[int, cp_model.IntervalVar]] = []
        t = 0
        cap = resource.capacity
        while t < min(len(cap), horizon):
            if cap[t] < peak:
                run = t
                while run < min(len(cap), horizon) and cap[run] == cap[t]:
                    run += 1
                blocks.append(
                    (peak - cap[t], model.new_interval_var(t, run - t, run, f"blk_{r}_{t}"))
                )
                t = run
            else:
                t += 1
        if cap[-1] < peak and len(cap) < horizon:
            tail = len(cap)
            blocks.append(
                (
                    peak - cap[-1],
                    model.new_interval_var(tail, horizon - tail, horizon, f"blk_{r}_t"),
                )
            )
        all_iv = intervals + [iv for _, iv in blocks]
        all_d = demands + [d for d, _ in blocks]
        if not intervals:
            continue
        if peak == 1 and all(d == 1 for d in all_d):
            model.add_no_overlap(all_iv)
            continue
        model.add_cumulative(all_iv, all_d, peak)
        if options.redundant:
            big = [iv for d, iv in zip(all_d, all_iv, strict=True) if 2 * d > peak]
            if len(big) > 1:
                model.add_no_overlap(big)
            if options.cliques:
                for clique in _incompatible_cliques(all_d, peak, len(big)):
                    model.add_no_overlap([all_iv[k] for k in clique])

    for group, limit in problem.wip_limits:
        spans = wip_usage.get(group, [])
        if len(spans) > limit:
            model.add_cumulative(spans, [1] * len(spans), limit)

    lateness: dict[str, cp_model.IntVar] = {}
    delivered: dict[str, cp_model.IntVar] = {}
    milestone_end: dict[str, cp_model.IntVar] = {}
    for ms in problem.milestones:
        if not ms.tasks:
            continue
        me = model.new_int_var(0, horizon, f"ms_{ms.key}")
        for i in ms.tasks:
            if isinstance(present[i], int):
                model.add(me >= t_end[i])
            else:
                model.add(me >= t_end[i]).only_enforce_if(present[i])
        milestone_end[ms.key] = me
        if ms.deadline is not None and not options.soft_deadlines:
            model.add(me <= ms.deadline)

    makespan: cp_model.IntVar | None = None
    terms: list[cp_model.LinearExprT] = []
    if options.objective == "makespan":
        makespan = model.new_int_var(0, horizon, "makespan")
        for i in range(n):
            model.add(makespan >= t_end[i])
        if options.redundant:
            tails = problem.tails()
            for i in range(n):
                if isinstance(present[i], int):
                    model.add(makespan >= t_start[i] + tails[i])
            for r, resource in enumerate(problem.resources):
                if len(set(resource.capacity)) == 1 and resource.peak > 0:
                    energy = sum(
                        t.modes[0].work * dict(t.modes[0].demands).get(r, 0)
                        for t in problem.tasks
                        if len(t.modes) == 1 and not t.optional
                    )
                    model.add(makespan >= -(-energy // resource.peak))
        model.minimize(makespan)
    elif options.objective == "value_by_date":
        date = options.value_date if options.value_date is not None else horizon
        for i, task in enumerate(problem.tasks):
            if task.weight > 0:
                b = model.new_bool_var(f"by_{i}")
                model.add(t_end[i] <= date).only_enforce_if(b)
                if not isinstance(present[i], int):
                    model.add_implication(b, present[i])
                delivered[task.key] = b
                terms.append(task.weight * b)
        for ms in problem.milestones:
            if ms.weight > 0 and ms.key in milestone_end:
                b = model.new_bool_var(f"by_ms_{ms.key}")
                model.add(milestone_end[ms.key] <= date).only_enforce_if(b)
                for i in ms.tasks:
                    if not isinstance(present[i], int):
                        model.add_implication(b, present[i])
                delivered["ms:" + ms.key] = b
                terms.append(ms.weight * b)
        model.maximize(sum(terms))
    else:
        for i, task in enumerate(problem.tasks):
            if task.weight:
                terms.append(task.weight * t_end[i])
            if task.optional and task.drop_penalty:
                lit = present[i]
                assert not isinstance(lit, int)
                terms.append(task.drop_penalty * (1 - lit))
            if task.previous_start is not None and problem.stability_weight > 0:
                dev = model.new_int_var(0, horizon, f"dev_{i}")
                model.add_abs_equality(dev, t_start[i] - task.previous_start)
                terms.append(problem.stability_weight * dev)
            if options.soft_deadlines and task.deadline is not None:
                late = model.new_int_var(0, horizon, f"late_{i}")
                model.add(late >= t_end[i] - task.deadline)
                lateness[task.key] = late
                terms.append(options.lateness_weight * late)
            if options.target_weight and task.target is not None:
                behind = model.new_int_var(0, horizon, f"behind_{i}")
                model.add(behind >= t_end[i] - task.target)
                lateness["target:" + task.key] = behind
                terms.append(options.target_weight * behind)
        for ms in problem.milestones:
            me_var = milestone_end.get(ms.key)
            if me_var is None:
                continue
            if ms.weight:
                terms.append(ms.weight * me_var)
            if options.soft_deadlines and ms.deadline is not None:
                late = model.new_int_var(0, horizon, f"late_ms_{ms.key}")
                model.add(late >= me_var - ms.deadline)
                lateness["ms:" + ms.key] = late
                terms.append(options.lateness_weight * late)
        model.minimize(sum(terms))

    if options.redundant and options.objective == "weighted_delay":
        _energy_cuts(model, problem, t_end, present)
        for cut in weighted_completion_bounds(problem):
            lhs = [w * t_end[i] for i, w in cut.tasks]
            lhs += [w * milestone_end[k] for k, w in cut.milestones if k in milestone_end]
            if len(lhs) == len(cut.tasks) + len(cut.milestones):
                model.add(sum(lhs) >= cut.bound)
        _milestone_energy_bounds(model, problem, milestone_end, horizon)
    if options.redundant:
        for i, j, d in _longest_paths(problem, limit=250):
            model.add(t_start[j] >= t_start[i] + d)

    variables = ModelVars(
        present,
        mode_lits,
        starts,
        ends,
        t_start,
        t_end,
        lateness,
        delivered,
        milestone_end,
        span_sizes,
    )
    return model, variables, makespan


def _energy_cuts(
    model: cp_model.CpModel,
    problem: Problem,
    t_end: list[cp_model.IntVar],
    present: list[cp_model.IntVar | int],
) -> None:
    """Mean-busy-time cuts: a resource never runs faster than its peak capacity ``C``, so for
    any set ``S`` of its tasks, Σ e_j (E_j − d_j / 2) ≥ r_min(S)·Σ e + (Σ e)² / (2C), where
    ``e_j`` is a task's energy (demand × duration). These lift the weak linear bound of a
    weighted-completion objective; they are added for prefixes of a few task orders."""
    est = problem.earliest_starts()
    weight = [float(t.weight) for t in problem.tasks]
    for ms in problem.milestones:
        for i in ms.tasks:
            weight[i] += ms.weight / max(1, len(ms.tasks))
    # Each resource's jobs (task, energy, duration) in task order, from one pass over the
    # tasks: not one pass per resource (hundreds of teams' resources on a large backlog).
    on_resource: dict[int, list[tuple[int, int, int]]] = {}
    for i, task in enumerate(problem.tasks):
        if len(task.modes) != 1 or task.optional or not isinstance(present[i], int):
            continue
        mode = task.modes[0]
        if len(mode.pieces) != 1 or mode.pieces[0] == 0:
            continue
        for r, units in dict(mode.demands).items():
            if units > 0:
                on_resource.setdefault(r, []).append((i, units * mode.pieces[0], mode.pieces[0]))
    for r, resource in enumerate(problem.resources):
        peak = resource.peak
        if peak <= 0:
            continue
        jobs = on_resource.get(r, [])
        if len(jobs) < 3:
            continue
        orders = [
            sorted(jobs, key=lambda j: (-weight[j[0]] / j[1], j[0])),
            sorted(jobs, key=lambda j: (est[j[0]], j[0])),
            sorted(jobs, key=lambda j: (j[1], j[0])),
        ]
        seen: set[frozenset[int]] = set()
        for order in orders:
            for k in range(2, len(order) + 1):
                subset = order[:k]
                members = frozenset(j[0] for j in subset)
                if members in seen:
                    continue
                seen.add(members)
                energy = sum(e for _, e, _ in subset)
                r_min = min(est[i] for i, _, _ in subset)
                rhs = r_min * energy + energy * energy / (2 * peak)
                rhs += sum(e * d for _, e, d in subset) / 2
                model.add(
                    sum(e * t_end[i] for i, e, _ in subset)
                    >= int(rhs - 1e-9) + (0 if float(rhs).is_integer() else 1)
                )


def _first_times(capacity: Sequence[int], energy: int) -> tuple[NDArray[np.int64], int]:
    """Cumulative capacity ``cum[t]`` (work possible before ``t``) up to the first time it
    reaches ``energy``, and that time (capacity past its list holds its last value)."""
    cap = np.asarray(capacity, dtype=np.int64)
    cum = np.concatenate(([0], np.cumsum(cap)))
    if cum[-1] < energy:
        last = int(cap[-1])
        if last <= 0:
            return cum, -1
        extra = -(-(energy - int(cum[-1])) // last)
        cum = np.concatenate((cum, cum[-1] + last * np.arange(1, extra + 1)))
    end = int(np.searchsorted(cum, energy, side="left"))
    return cum[: end + 1], end


def smith_bound(
    weights: Sequence[int | Fraction], energies: Sequence[int], capacity: Sequence[int]
) -> int:
    """A lower bound on Σ w_j E_j over any schedule of jobs that each take ``energies[j]``
    units of a resource with ``capacity[t]`` units at time ``t`` (from time 0).

    Why it is valid: order the jobs by their end in any feasible schedule. By the end of the
    m-th, all the work of the first m has been done, so ``E_(m) >= T(S_m)``: the first time the
    cumulative capacity reaches their total energy ``S_m``. ``T`` is a non-decreasing step
    function, so for any slope ``b >= 0`` it lies above the line ``a(b) + b·S`` with
    ``a(b) = min_t (t − b·cum[t])`` (the corners of the steps). Hence
    ``Σ w_j E_j >= a·Σ w + b·Σ w_j S_(j)``, and the last sum is at least its minimum over all
    orders, which Smith's rule gives (order by energy / weight): the classic single-machine
    preemptive relaxation, here with the capacity changing over time. Releases, dependencies
    and the other resources are ignored, which only lowers the bound, and so is leaving out
    jobs without weight (the others' prefix energies can only shrink). The best of a few slopes
    (one over each capacity level met) is returned; the arithmetic is exact (fractions)."""
    jobs = [(Fraction(w), e) for w, e in zip(weights, energies, strict=True) if w > 0 and e > 0]
    total = sum(e for _, e in jobs)
    if not jobs or total == 0:
        return 0
    cum, end = _first_times(capacity, total)
    if end < 0:
        return 0
    order = sorted(jobs, key=lambda j: (j[1] / j[0], j[1]))
    prefix = 0
    smith = Fraction(0)
    for w, e in order:
        prefix += e
        smith += w * prefix
    weight = sum(w for w, _ in jobs)
    levels = {int(c) for c in np.diff(cum) if c > 0}
    if end > 0:
        levels.add(max(1, int(cum[end]) // end))
    # corners t = 1..end where capacity was there just before t: T(S) = t on (cum[t-1], cum[t]]
    times = np.arange(1, end + 1, dtype=np.int64)
    real = np.diff(cum)[:end] > 0
    times, corner_work = times[real], cum[1 : end + 1][real]
    best = 0
    for level in sorted(levels):
        # slope b = 1 / level; a = min over the corners of t - cum[t] / level, kept in
        # integers (numerator over ``level``) so the rounding is exact
        a_num = int(np.min(times * level - corner_work))
        value = (a_num * weight + smith) / level
        best = max(best, math.floor(value))
    return best


@dataclass(frozen=True)
class CompletionBound:
    """Σ weight × end over ``tasks`` plus Σ weight × end over ``milestones`` is at least
    ``bound`` in every schedule (a linear cut for the weighted cost of delay)."""

    tasks: tuple[tuple[int, int], ...]  # (task index, weight)
    milestones: tuple[tuple[str, int], ...]  # (milestone key, weight)
    bound: int


def weighted_completion_bounds(problem: Problem) -> list[CompletionBound]:
    """One Smith bound per resource (and per WIP group) over the tasks that use it.

    Only tasks that are always scheduled, in a single mode, count (an optional task or a team
    choice could move work off the resource). A WIP group is a resource of ``limit`` units
    that each task holds for at least its shortest duration. A feature (milestone) ends no
    earlier than any of its tasks, so its weight may be shared among its tasks on the resource
    (any shares adding up to one keep the bound valid); the best of a few sharings is kept.
    """
    rows: list[CompletionBound] = []
    single = [
        i for i, task in enumerate(problem.tasks) if len(task.modes) == 1 and not task.optional
    ]
    groups: list[tuple[list[int], list[int], Sequence[int]]] = []
    for r, resource in enumerate(problem.resources):
        members: list[int] = []
        energies: list[int] = []
        for i in single:
            mode = problem.tasks[i].modes[0]
            units = dict(mode.demands).get(r, 0)
            if units > 0 and mode.work > 0:
                members.append(i)
                energies.append(units * mode.work)
        groups.append((members, energies, resource.capacity))
    for group, limit in problem.wip_limits:
        members = [i for i in single if problem.tasks[i].modes[0].wip_group == group]
        if len(members) > limit > 0:
            groups.append((members, [problem.min_duration(i) for i in members], (limit,)))
    for members, energies, capacity in groups:
        if len(members) < 2:
            continue
        position = {i: k for k, i in enumerate(members)}
        base = [problem.tasks[i].weight for i in members]
        shared: list[tuple[str, int, list[int]]] = []
        for ms in problem.milestones:
            inside = [position[i] for i in ms.tasks if i in position]
            if ms.weight > 0 and inside:
                shared.append((ms.key, ms.weight, inside))
        best: tuple[int, list[Fraction]] | None = None
        for sharing in ("largest", "even", "smallest"):
            weights = [Fraction(w) for w in base]
            for _, w, inside in shared:
                if sharing == "even":
                    for k in inside:
                        weights[k] += Fraction(w, len(inside))
                else:
                    pick = (max if sharing == "largest" else min)(
                        inside, key=lambda k: (energies[k], -k)
                    )
                    weights[pick] += w
            value = smith_bound(weights, energies, capacity)
            if best is None or value > best[0]:
                best = (value, weights)
        if best is None or best[0] <= 0:
            continue
        rows.append(
            CompletionBound(
                tasks=tuple((i, w) for i, w in zip(members, base, strict=True) if w > 0),
                milestones=tuple((key, w) for key, w, _ in shared),
                bound=best[0],
            )
        )
    return rows


def _incompatible_cliques(demands: Sequence[int], peak: int, big: int) -> list[list[int]]:
    """Groups of intervals that pairwise cannot run together (their demands add up to more
    than the peak capacity): each group is a no-overlap constraint, which propagates far more
    than the cumulative. Greedy cover from the largest demands; the one group of demands over
    half the peak is already added."""
    order = sorted(range(len(demands)), key=lambda k: (-demands[k], k))
    cliques: list[list[int]] = []
    seen: set[frozenset[int]] = set()
    for seed in order:
        if 2 * demands[seed] > peak or demands[seed] == 0:
            continue
        clique = [seed]
        for other in order:
            if other != seed and all(demands[other] + demands[m] > peak for m in clique):
                clique.append(other)
        key = frozenset(clique)
        if len(clique) >= 3 and key not in seen and not all(2 * demands[m] > peak for m in clique):
            seen.add(key)
            cliques.append(clique)
        if len(cliques) >= 8:
            break
    del big
    return cliques


def _milestone_energy_bounds(
    model: cp_model.CpModel,
    problem: Problem,
    milestone_end: dict[str, cp_model.IntVar],
    horizon: int,
) -> None:
    """A feature is done no earlier than its team can have done all of its work: from the
    earliest start of its tasks, the capacity (as it varies over time) must cover their
    energy. The linear relaxation cannot see this through the max over task ends."""
    import numpy as np

    est = problem.earliest_starts()
    # Each milestone's work per resource it uses, in one pass over its tasks: scanning every
    # milestone for every resource grows with their product (hundreds of teams' resources
    # times thousands of features on a large backlog).
    work: dict[int, list[tuple[cp_model.IntVar, int, int]]] = {}
    for ms in problem.milestones:
        var = milestone_end.get(ms.key)
        if var is None:
            continue
        energy: dict[int, int] = {}
        first: dict[int, int] = {}
        for i in ms.tasks:
            task = problem.tasks[i]
            if len(task.modes) != 1 or task.optional:
                continue
            for r, units in dict(task.modes[0].demands).items():
                if units > 0:
                    energy[r] = energy.get(r, 0) + units * task.modes[0].work
                    first[r] = min(first.get(r, horizon), est[i])
        for r, e in energy.items():
            work.setdefault(r, []).append((var, e, first[r]))
    # Resource by resource, each in milestone order: the constraints the model always had, in
    # the same order, so the search is the same.
    for r in sorted(work):
        cap = np.asarray(problem.resources[r].until(horizon + 1), dtype=np.int64)
        cumulative = np.concatenate(([0], np.cumsum(cap)))
        for var, energy_r, first_r in work[r]:
            target = cumulative[first_r] + energy_r
            end = int(np.searchsorted(cumulative, target, side="left"))
            if 0 < end <= horizon:
                model.add(var >= end)


def _apply_params(solver: cp_model.CpSolver, options: SolveOptions) -> None:
    for name, value in options.solver_params:
        setattr(solver.parameters, name, value)


def _enforce(constraint: cp_model.Constraint, lit: cp_model.IntVar | int) -> None:
    if not isinstance(lit, int):
        constraint.only_enforce_if(lit)


def add_hint(
    model: cp_model.CpModel,
    v: ModelVars,
    problem: Problem,
    hint: Sequence[Placement | None],
    makespan: cp_model.IntVar | None = None,
) -> None:
    """Hint the schedule, and the variables derived from it (task and feature ends, the
    makespan): CP-SAT only takes a hint as a ready solution when it is complete."""
    ends = {i: task_end(problem, i, p) for i, p in enumerate(hint) if p is not None}
    for i, end in ends.items():
        if all(v.task_end[i] is not e for e in v.ends[i]):
            model.add_hint(v.task_end[i], end)
    for ms in problem.milestones:
        var = v.milestone_end.get(ms.key)
        if var is not None:
            model.add_hint(var, max((ends[i] for i in ms.tasks if i in ends), default=0))
    for i, m, size in v.spans:
        p = hint[i]
        used = p is not None and p.mode == m
        model.add_hint(size, task_end(problem, i, p) - task_start(p) if used and p else 0)
    for ms in problem.milestones:
        late = v.lateness.get("ms:" + ms.key)
        if late is not None and ms.deadline is not None:
            end = max((ends[i] for i in ms.tasks if i in ends), default=0)
            model.add_hint(late, max(0, end - ms.deadline))
    for i, task in enumerate(problem.tasks):
        late = v.lateness.get(task.key)
        if late is not None and task.deadline is not None and i in ends:
            model.add_hint(late, max(0, ends[i] - task.deadline))
        behind = v.lateness.get("target:" + task.key)
        if behind is not None and task.target is not None and i in ends:
            model.add_hint(behind, max(0, ends[i] - task.target))
    if makespan is not None:
        model.add_hint(makespan, max(ends.values(), default=0))
    for i, p in enumerate(hint):
        lit_present = v.present[i]
        if p is None:
            if not isinstance(lit_present, int):
                model.add_hint(lit_present, 0)
            continue
        if not isinstance(lit_present, int):
            model.add_hint(lit_present, 1)
        for m, lit in enumerate(v.mode_lits[i]):
            if not isinstance(lit, int) and lit is not lit_present:
                model.add_hint(lit, 1 if m == p.mode else 0)
        mode = problem.tasks[i].modes[p.mode]
        for k, s in enumerate(p.starts):
            model.add_hint(v.starts[i][k], s)
            model.add_hint(v.ends[i][k], s + mode.pieces[k])


def read_placements(
    solver: cp_model.CpSolver, v: ModelVars, problem: Problem
) -> tuple[Placement | None, ...]:
    """Each task's mode and start days in the solver's answer (None: left out)."""
    out: list[Placement | None] = []
    for i, task in enumerate(problem.tasks):
        lit = v.present[i]
        if not isinstance(lit, int) and not solver.boolean_value(lit):
            out.append(None)
            continue
        mode = 0
        for m, mlit in enumerate(v.mode_lits[i]):
            if isinstance(mlit, int) or solver.boolean_value(mlit):
                mode = m
                break
        starts = tuple(int(solver.value(s)) for s in v.starts[i])
        out.append(Placement(mode=mode, starts=starts))
        del task
    return tuple(out)


def best_list_schedule(
    problem: Problem,
    options: SolveOptions,
    rules: Sequence[Rule] = ("rank", "wspt", "edd", "lft", "lst", "mts", "grpw"),
) -> Solution:
    """The best of a few priority-rule schedules under the model's objective (hint material)."""
    best: Solution | None = None
    for rule in rules:
        try:
            candidate = list_schedule(problem, rule=rule)
        except ValueError:
            continue
        value = evaluate(problem, candidate.placements, options)
        if (
            options.objective != "value_by_date"
            and options.soft_deadlines is False
            and any(
                t.deadline is not None and p is not None and task_end(problem, i, p) > t.deadline
                for i, (t, p) in enumerate(zip(problem.tasks, candidate.placements, strict=True))
            )
        ):
            # Deadline misses make a hint infeasible for the hard model; still keep the
            # schedule if nothing better is found (the solver repairs hints).
            value += 1e12
        candidate = replace(candidate, objective=value)
        better = best is None or (
            value > best.objective
            if options.objective == "value_by_date"
            else value < best.objective
        )
        if better:
            best = candidate
    if best is None:
        raise ValueError("no priority rule produced a schedule")
    return best


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    warm_start: Sequence[Placement | None] | None = None,
) -> Solution:
    """Solve ``problem`` with CP-SAT within ``options.time_limit`` seconds.

    Returns the best schedule found, whether it is proven optimal, and the best bound, so
    callers can report the gap. ``feasible`` is False when no schedule meets the hard
    constraints (or none was found in time). ``warm_start`` is a known schedule (an earlier
    plan) to start from when it is valid and better than the list-scheduling start.
    """
    options = options or SolveOptions()
    started = time.perf_counter()
    try:
        hint_solution = best_list_schedule(problem, options) if options.hint else None
    except ValueError:
        # Where a capacity ends (a team whose people leave), the priority rules can each
        # crowd out work that only fits before then; a known schedule is start enough.
        if warm_start is None:
            raise
        hint_solution = None
    if options.hint and options.objective == "makespan" and options.hint_samples > 0:
        sampled = sampled_list_schedule(problem, samples=options.hint_samples, seed=options.seed)
        if hint_solution is None or sampled.objective < hint_solution.objective:
            hint_solution = sampled
    hint = hint_solution.placements if hint_solution is not None else None
    if (
        warm_start is not None
        and len(warm_start) == len(problem.tasks)
        and not violations(problem, warm_start, not options.soft_deadlines)
    ):
        value = evaluate(problem, warm_start, options)
        current = evaluate(problem, hint, options) if hint is not None else None
        if (
            current is None
            or violations(problem, hint or (), not options.soft_deadlines)
            or (value > current if options.objective == "value_by_date" else value < current)
        ):
            hint = tuple(warm_start)
    if (
        hint is None
        and warm_start is not None
        and len(warm_start) == len(problem.tasks)
        and not violations(problem, warm_start, deadlines=False)
    ):
        hint = tuple(warm_start)  # missing a deadline, but the solver repairs a hint
    horizon = model_horizon(problem, hint)
    if (
        options.objective == "makespan"
        and options.tight_horizon
        and hint is not None
        and not violations(problem, hint, not options.soft_deadlines)
    ):
        # Every schedule at least as short as the hint fits before the hint's makespan, so no
        # improving schedule is lost; start windows that tight let propagation prune from the
        # first node instead of after the search has found its first few schedules.
        horizon = max(1, int(evaluate(problem, hint, options)))
    use_lns = (
        options.lns
        and len(problem.tasks) >= options.lns_min_tasks
        and options.objective != "makespan"
    )
    first_limit = options.time_limit * (1 - options.lns_share) if use_lns else options.time_limit
    model, v, makespan_var = build_model(problem, options, horizon)
    if hint is not None:
        add_hint(model, v, problem, hint, makespan_var)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, first_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = options.workers
    solver.parameters.random_seed = options.seed
    if options.objective == "weighted_delay" and options.redundant:
        # The full linear relaxation (with the cuts above) is what lifts the bound on the
        # cost of delay; at the default level the main worker leaves most of it out.
        solver.parameters.linearization_level = 2
    if options.objective == "makespan" and options.makespan_subsolvers and options.workers <= 2:
        # With one or two workers CP-SAT runs a single full-problem worker, by default the one
        # with the linear relaxation, which adds nothing here that the precedence and
        # cumulative propagators do not enforce (CP-SAT's log shows an LP without rows on
        # PSPLIB instances); without it the search is faster and reached the optimum of more
        # of the hard j30 instances within 10 s (docs/benchmarks.md). With more workers the
        # default portfolio already includes a worker without the relaxation.
        solver.parameters.subsolvers.extend(options.makespan_subsolvers)
    _apply_params(solver, options)
    status = solver.solve(model)
    status_name = solver.status_name(status)
    if (
        status == cp_model.UNKNOWN
        and hint is not None
        and not violations(problem, hint, not options.soft_deadlines)
    ):
        # Out of time before the search reported anything: the starting schedule is valid.
        return Solution(
            placements=tuple(hint),
            objective=evaluate(problem, hint, options),
            bound=float(solver.best_objective_bound),
            proven_optimal=False,
            feasible=True,
            seconds=time.perf_counter() - started,
            method="cp-sat",
            status="FEASIBLE",
            notes=("time ran out before the search improved on its start",),
        )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(
            placements=tuple(None for _ in problem.tasks),
            objective=float("nan"),
            bound=float("nan"),
            proven_optimal=False,
            feasible=False,
            seconds=time.perf_counter() - started,
            method="cp-sat",
            status=status_name,
        )
    placements = read_placements(solver, v, problem)
    objective = float(solver.objective_value)
    bound = float(solver.best_objective_bound)
    proven = status == cp_model.OPTIMAL
    maximise = options.objective == "value_by_date"
    notes: list[str] = []

    def better(a: float, b: float) -> bool:
        return a > b + 1e-9 if maximise else a < b - 1e-9

    if use_lns and not proven:
        remaining = options.time_limit - (time.perf_counter() - started)
        if remaining > 0.2:
            placements, improved, rounds = _lns(problem, options, horizon, placements, remaining)
            notes.append(f"large-neighbourhood search: {rounds} rounds")
            if better(improved, objective):
                objective = improved
            proven = not better(bound, objective)
    if (
        hint is not None
        and not violations(problem, hint, not options.soft_deadlines)
        and not proven
    ):
        # The search may stop (time limit) before it re-finds its own starting point.
        hinted = evaluate(problem, hint, options)
        if better(hinted, objective):
            placements, objective = tuple(hint), hinted
            notes.append(
                "kept its start (an earlier plan or list scheduling): nothing better found"
            )
    return Solution(
        placements=placements,
        objective=objective,
        bound=bound,
        proven_optimal=proven,
        feasible=True,
        seconds=time.perf_counter() - started,
        method="cp-sat",
        status="OPTIMAL" if proven else status_name,
        notes=tuple(notes),
    )


def neighbourhood(
    problem: Problem,
    plan: Sequence[Placement | None],
    rng: random.Random,
    size: int,
    labels: Sequence[str],
) -> set[int]:
    """The items one round of large-neighbourhood search re-optimises: half the time the
    ``size`` items whose middle is nearest a random day of ``plan``, otherwise up to ``size``
    items of one team (mode label), drawn at random."""
    spans = [
        (task_start(p), task_end(problem, i, p)) if p is not None else (0, 0)
        for i, p in enumerate(plan)
    ]
    if rng.random() < 0.5:
        end_all = max((e for _, e in spans), default=1)
        centre = rng.randrange(0, max(1, end_all))
        order = sorted(
            range(len(spans)), key=lambda i: abs((spans[i][0] + spans[i][1]) / 2 - centre)
        )
        return set(order[:size])
    label = rng.choice(labels)
    on_team = [
        i
        for i, p in enumerate(plan)
        if p is not None and problem.tasks[i].modes[p.mode].label == label
    ]
    rng.shuffle(on_team)
    return set(on_team[:size])


def _lns(
    problem: Problem,
    options: SolveOptions,
    horizon: int,
    incumbent: tuple[Placement | None, ...],
    budget: float,
) -> tuple[tuple[Placement | None, ...], float, int]:
    """Re-optimise time windows (and teams) of the incumbent with the rest of the plan fixed."""
    rng = random.Random(options.seed)
    deadline = time.perf_counter() + budget
    best = incumbent
    best_value = evaluate(problem, best, options)
    maximise = options.objective == "value_by_date"
    rounds = 0
    n = len(problem.tasks)
    free_target = max(12, min(40, n // 4))
    labels = sorted({m.label for t in problem.tasks for m in t.modes})
    while time.perf_counter() < deadline - 0.1:
        rounds += 1
        free = neighbourhood(problem, best, rng, free_target, labels)
        fixed = {i: p for i, p in enumerate(best) if i not in free}
        model, v, _ = build_model(problem, options, horizon, fixed=fixed)
        add_hint(model, v, problem, best)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, min(1.0, deadline - time.perf_counter()))
        solver.parameters.num_workers = max(1, min(options.workers, 4))
        solver.parameters.random_seed = options.seed + rounds
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            candidate = read_placements(solver, v, problem)
            value = evaluate(problem, candidate, options)
            if (value > best_value) if maximise else (value < best_value):
                best, best_value = candidate, value
    return best, best_value, rounds
