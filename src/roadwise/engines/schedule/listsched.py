"""The baseline: a priority-rule list scheduler (serial schedule generation scheme).

This is how today's planning tools schedule: take the items in rank order and put each one
at the earliest time its dependencies and the team's remaining capacity allow. It never moves
an earlier item to make room for a more valuable later one, and it ignores deadlines (it only
reports them missed). Roadwise reports it beside every optimised plan, and uses it as the
starting solution (hint) of the CP-SAT search.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from roadwise.engines.schedule.problem import (
    Mode,
    Placement,
    Precedence,
    Problem,
    Solution,
    Task,
    task_end,
)

Rule = Literal["rank", "lft", "lst", "mts", "grpw", "spt", "edd", "wspt"]


def priority_order(problem: Problem, rule: Rule = "rank") -> list[int]:
    """Task indices from most to least urgent under a classic priority rule.

    ``rank``: the order the tasks were given (the backlog rank). ``lft`` / ``lst``: latest
    finish / start time from the critical path (good for makespan). ``mts``: most total
    successors. ``grpw``: greatest rank positional weight. ``spt``: shortest first.
    """
    n = len(problem.tasks)
    if rule == "rank":
        return list(range(n))
    if rule == "edd":
        # Once, not per key: each call walks every task and dependency (quadratic otherwise).
        due = _due_dates(problem)
        return sorted(range(n), key=lambda i: (due[i], i))
    if rule == "wspt":
        # Weighted shortest processing time (CD3: cost of delay divided by duration), with a
        # feature's weight shared by its tasks and passed back to what they depend on.
        weight = [float(t.weight) for t in problem.tasks]
        for ms in problem.milestones:
            for i in ms.tasks:
                weight[i] += ms.weight / max(1, len(ms.tasks))
        succs = problem.successors()
        for i in reversed(problem.topological_order()):
            for j, _ in succs[i]:
                weight[i] = max(weight[i], weight[j])
        ratio = [-weight[i] / max(1, problem.min_duration(i)) for i in range(n)]
        return sorted(range(n), key=lambda i: (ratio[i], i))
    tails = problem.tails()
    upper = max((e + t for e, t in zip(problem.earliest_starts(), tails, strict=True)), default=0)
    durations = [problem.min_duration(i) for i in range(n)]
    if rule == "lft":
        key = [upper - tails[i] + durations[i] for i in range(n)]
    elif rule == "lst":
        key = [upper - tails[i] for i in range(n)]
    elif rule == "spt":
        key = durations
    elif rule == "mts":
        reach = _successor_counts(problem)
        key = [-r for r in reach]
    else:  # grpw
        succs = problem.successors()
        key = [-(durations[i] + sum(durations[j] for j, _ in succs[i])) for i in range(n)]
    return sorted(range(n), key=lambda i: (key[i], i))


def _due_dates(problem: Problem) -> list[float]:
    """Latest finish each task may have for every deadline (or target) after it to hold (inf:
    none)."""
    due = [
        float(min(d for d in (t.deadline, t.target) if d is not None))
        if t.deadline is not None or t.target is not None
        else float("inf")
        for t in problem.tasks
    ]
    for ms in problem.milestones:
        if ms.deadline is not None:
            for i in ms.tasks:
                due[i] = min(due[i], float(ms.deadline))
    succs = problem.successors()
    for i in reversed(problem.topological_order()):
        for j, lag in succs[i]:
            due[i] = min(due[i], due[j] - problem.min_duration(j) - lag)
    return due


def _successor_counts(problem: Problem) -> list[int]:
    succs = problem.successors()
    reach: list[set[int]] = [set() for _ in problem.tasks]
    for i in reversed(problem.topological_order()):
        for j, _ in succs[i]:
            reach[i].add(j)
            reach[i] |= reach[j]
    return [len(r) for r in reach]


def _first_fit(ok: NDArray[np.bool_], earliest: int, duration: int) -> int | None:
    """The first t >= earliest with ok[t : t + duration] all True (None if there is none)."""
    if duration == 0:
        return earliest if earliest < len(ok) else None
    bad = np.concatenate(([0], np.cumsum(~ok)))
    starts = np.arange(earliest, len(ok) - duration + 1)
    if starts.size == 0:
        return None
    free = bad[starts + duration] - bad[starts] == 0
    hits = np.flatnonzero(free)
    return int(starts[hits[0]]) if hits.size else None


class _Profiles:
    """Remaining capacity of every resource and WIP group over the horizon."""

    def __init__(self, problem: Problem, horizon: int) -> None:
        self.horizon = horizon
        self.free = np.zeros((len(problem.resources), horizon), dtype=np.int64)
        for r, resource in enumerate(problem.resources):
            cap = np.array(resource.capacity, dtype=np.int64)
            if len(cap) >= horizon:
                self.free[r] = cap[:horizon]
            else:
                self.free[r, : len(cap)] = cap
                self.free[r, len(cap) :] = cap[-1]
        self.wip: dict[str, NDArray[np.int64]] = {
            group: np.full(horizon, limit, dtype=np.int64) for group, limit in problem.wip_limits
        }

    def fits(self, demands: Sequence[tuple[int, int]]) -> NDArray[np.bool_]:
        ok = np.ones(self.horizon, dtype=bool)
        for r, units in demands:
            if units > 0:
                ok &= self.free[r] >= units
        return ok

    def take(self, demands: Sequence[tuple[int, int]], start: int, duration: int) -> None:
        for r, units in demands:
            self.free[r, start : start + duration] -= units

    def occupy(self, mode: Mode, starts: Sequence[int], end: int) -> None:
        """Take what a task placed in ``mode`` at ``starts`` (ending at ``end``) uses."""
        for s, d in zip(starts, mode.pieces, strict=True):
            self.take(mode.demands, s, d)
        if mode.wip_group is not None and mode.wip_group in self.wip:
            self.wip[mode.wip_group][min(starts) : end] -= 1


def list_schedule(
    problem: Problem,
    order: Sequence[int] | None = None,
    rule: Rule = "rank",
    placed: Sequence[Placement | None] | None = None,
) -> Solution:
    """Serial schedule generation: each task, in priority order once its predecessors are
    placed, goes to the mode and time that finish it earliest. Deadlines are not enforced.

    ``placed``: tasks that already have a place keep it (their capacity is taken before any
    other task is placed) and only the others are scheduled, around them; the result can
    break a rule where a kept task waits for one placed later (check it with ``violations``).
    Raises ValueError when a task fits in no mode (a capacity that ends within the horizon).
    """
    started = time.perf_counter()
    priority = list(order) if order is not None else priority_order(problem, rule)
    placements, ends, _, _ = _serial(problem, priority, placed, leave_out=False)
    return Solution(
        placements=tuple(placements),
        objective=float(max(ends, default=0)),
        bound=0.0,
        proven_optimal=False,
        feasible=all(p is not None for p in placements),
        seconds=time.perf_counter() - started,
        method=f"list scheduling ({rule if order is None else 'given order'})",
    )


@dataclass(frozen=True)
class Fit:
    """A list schedule that leaves out what fits nowhere (see :func:`fit_in_order`)."""

    placements: tuple[Placement | None, ...]
    unfit: tuple[int, ...]
    """Tasks that fit in no mode at their turn (not the ones left out because they wait for
    one of these)."""
    placed_before: dict[int, tuple[int, ...]]
    """For each unfit task, the tasks placed before its turn (what took the capacity)."""


def fit_in_order(problem: Problem, order: Sequence[int]) -> Fit:
    """:func:`list_schedule` in ``order``, where a task that fits in no mode (its resources'
    capacity runs out for good before it could finish) is left out instead of failing the
    whole schedule, and so is every task that waits for it."""
    placements, _, sequence, unfit = _serial(problem, list(order), None, leave_out=True)
    before: dict[int, tuple[int, ...]] = {}
    done: list[int] = []
    for i in sequence:
        if i in unfit:
            before[i] = tuple(done)
        elif placements[i] is not None:
            done.append(i)
    return Fit(tuple(placements), tuple(sorted(unfit)), before)


def place_alone(
    problem: Problem,
    task: int,
    mode: int,
    earliest: int,
    taken: Sequence[tuple[int, Placement]] = (),
    resources: Sequence[int] | None = None,
) -> tuple[int, ...] | None:
    """The first starts of ``task``'s pieces in ``mode`` from ``earliest`` with only the
    ``taken`` (task, placement) pairs using capacity, checking only ``resources`` (default:
    every resource the mode uses) and no work-in-progress limit; None when they fit nowhere."""
    horizon = max(problem.default_horizon(), earliest + problem.tasks[task].modes[mode].work + 1)
    profiles = _Profiles(problem, horizon)
    for j, p in taken:
        profiles.occupy(problem.tasks[j].modes[p.mode], p.starts, task_end(problem, j, p))
    chosen = problem.tasks[task].modes[mode]
    checked = set(resources) if resources is not None else {r for r, _ in chosen.demands}
    demands = [(r, units) for r, units in chosen.demands if r in checked]
    return _place_mode(profiles, chosen.pieces, demands, None, earliest, fixed=False)


def _serial(
    problem: Problem,
    priority: list[int],
    placed: Sequence[Placement | None] | None,
    leave_out: bool,
) -> tuple[list[Placement | None], list[int], list[int], set[int]]:
    """The serial scheme: placements, ends, the order tasks were taken in, and (with
    ``leave_out``) the tasks that fit nowhere (left out, as is what waits for them)."""
    n = len(problem.tasks)
    # Work already under way is placed first: it is where it is, whatever its rank.
    priority.sort(key=lambda i: problem.tasks[i].fixed_start is None)
    rank = {task: position for position, task in enumerate(priority)}
    preds = problem.predecessors()
    succs = problem.successors()
    horizon = problem.horizon or problem.default_horizon()
    horizon = max(horizon, problem.default_horizon())
    kept = list(placed) if placed is not None else [None] * n
    kept_ends = {i: task_end(problem, i, p) for i, p in enumerate(kept) if p is not None}
    horizon = max(horizon, *kept_ends.values()) if kept_ends else horizon
    profiles = _Profiles(problem, horizon)
    for i, end in kept_ends.items():
        p = kept[i]
        assert p is not None
        profiles.occupy(problem.tasks[i].modes[p.mode], p.starts, end)

    missing = [len(preds[i]) for i in range(n)]
    eligible = [(rank[i], i) for i in range(n) if missing[i] == 0]
    heapq.heapify(eligible)
    placements: list[Placement | None] = [None] * n
    ends = [0] * n
    sequence: list[int] = []
    unfit: set[int] = set()
    left_out: set[int] = set()
    while eligible:
        _, i = heapq.heappop(eligible)
        sequence.append(i)
        task = problem.tasks[i]
        known = kept[i]
        if known is not None:
            placements[i], ends[i] = known, kept_ends[i]
        elif any(j in left_out for j, _ in preds[i]):
            left_out.add(i)
        else:
            try:
                placements[i], ends[i] = _place(profiles, task, preds[i], ends)
            except ValueError:
                if not leave_out:
                    raise
                unfit.add(i)
                left_out.add(i)
        for j, _ in succs[i]:
            missing[j] -= 1
            if missing[j] == 0:
                heapq.heappush(eligible, (rank[j], j))
    return placements, ends, sequence, unfit


def _place(
    profiles: _Profiles, task: Task, preds: Sequence[tuple[int, int]], ends: Sequence[int]
) -> tuple[Placement, int]:
    """``task`` in the mode and at the time that finish it earliest after what it waits for
    (its capacity taken), and its end."""
    earliest = task.release
    for j, lag in preds:
        earliest = max(earliest, ends[j] + lag)
    if task.fixed_start is not None:
        earliest = task.fixed_start
    best: tuple[int, int, tuple[int, ...]] | None = None
    for m, mode in enumerate(task.modes):
        starts = _place_mode(
            profiles,
            mode.pieces,
            mode.demands,
            mode.wip_group,
            earliest,
            fixed=task.fixed_start is not None,
        )
        if starts is None:
            continue
        end = max(s + d for s, d in zip(starts, mode.pieces, strict=True))
        if best is None or end < best[0]:
            best = (end, m, starts)
    if best is None:
        raise ValueError(f"task '{task.key}' does not fit in any mode within the horizon")
    end, m, starts = best
    profiles.occupy(task.modes[m], starts, end)
    return Placement(mode=m, starts=starts), end


def _place_mode(
    profiles: _Profiles,
    pieces: Sequence[int],
    demands: Sequence[tuple[int, int]],
    wip_group: str | None,
    earliest: int,
    fixed: bool,
) -> tuple[int, ...] | None:
    wip = profiles.wip.get(wip_group) if wip_group is not None else None
    rows = [(r, units) for r, units in demands if units > 0]
    lower = earliest
    while lower < profiles.horizon:
        starts: list[int] = []
        cursor = lower
        # Pieces of one task may run side by side: each sees the capacity the others took.
        free = {r: profiles.free[r].copy() for r, _ in rows}
        for k, duration in enumerate(pieces):
            ok = np.ones(profiles.horizon, dtype=bool)
            for r, units in rows:
                ok &= free[r] >= units
            if fixed and k == 0:
                start: int | None = lower
            else:
                start = _first_fit(ok, cursor, duration)
            if start is None:
                return None
            for r, units in rows:
                free[r][start : start + duration] -= units
            starts.append(start)
            cursor = start
        if wip is None:
            return tuple(starts)
        end = max(s + d for s, d in zip(starts, pieces, strict=True))
        first = min(starts)
        window = wip[first:end]
        if window.size == 0 or bool((window >= 1).all()):
            return tuple(starts)
        if fixed:
            return tuple(starts)  # work already under way counts against the limit anyway
        blocked = np.flatnonzero(window < 1)
        lower = first + int(blocked[-1]) + 1
    return None


def _reversed(problem: Problem) -> Problem:
    return replace(
        problem,
        precedences=tuple(
            Precedence(before=p.after, after=p.before, lag=p.lag) for p in problem.precedences
        ),
    )


def justify(problem: Problem, solution: Solution, rounds: int = 3) -> Solution:
    """Forward-backward improvement (double justification) of a makespan schedule.

    Shift every task as late as possible (in order of decreasing finish), then as early as
    possible again (in order of the shifted starts); each pass never lengthens the schedule
    and often shortens it. Only for problems with constant capacities, no release dates, fixed
    starts or deadlines (the PSPLIB case), where reversing time leaves the problem unchanged.
    """
    if any(len(set(r.capacity)) > 1 for r in problem.resources) or any(
        t.release or t.fixed_start is not None or t.deadline is not None or len(t.modes) > 1
        for t in problem.tasks
    ):
        return solution
    backward = _reversed(problem)
    best = solution
    for _ in range(rounds):
        ends = [
            max(s + d for s, d in zip(p.starts, problem.tasks[i].modes[p.mode].pieces, strict=True))
            for i, p in enumerate(best.placements)
            if p is not None
        ]
        if len(ends) != len(problem.tasks):
            return best
        order = sorted(range(len(ends)), key=lambda i: (-ends[i], i))
        back = list_schedule(backward, order=order)
        back_ends = [
            max(s + d for s, d in zip(p.starts, problem.tasks[i].modes[p.mode].pieces, strict=True))
            for i, p in enumerate(back.placements)
            if p is not None
        ]
        forward_order = sorted(range(len(back_ends)), key=lambda i: (-back_ends[i], i))
        candidate = list_schedule(problem, order=forward_order)
        if candidate.objective < best.objective:
            best = replace(candidate, method=solution.method + " + justification")
        else:
            break
    return best


def sampled_list_schedule(
    problem: Problem, samples: int = 30, seed: int = 0, rule: Rule = "lft"
) -> Solution:
    """Best of ``samples`` justified list schedules with randomly perturbed priorities
    (regret-biased sampling around ``rule``), for a strong makespan starting point."""
    import random

    rng = random.Random(seed)
    base_order = priority_order(problem, rule)
    best = justify(problem, list_schedule(problem, order=base_order))
    n = len(base_order)
    for _ in range(samples):
        keys = {
            task: position + rng.random() * max(2.0, n / 4)
            for position, task in enumerate(base_order)
        }
        order = sorted(range(n), key=lambda i: (keys[i], i))
        candidate = justify(problem, list_schedule(problem, order=order))
        if candidate.objective < best.objective:
            best = candidate
    return best
