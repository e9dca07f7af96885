"""The scheduling problem both schedulers solve: tasks, alternative modes, resources, precedence.

This is the resource-constrained project scheduling problem (RCPSP) with a few extensions a
roadmap needs: alternative modes (which team does the work), resource capacity that changes
over time (holidays, hires), tasks split into pieces, release dates, hard deadlines, work in
progress limits, fixed starts, optional tasks (scope that may be cut) and weighted milestones.
A PSPLIB instance is the special case with one mode per task and constant capacities.

Time is an integer index (a working day for roadmaps, a period for PSPLIB). Capacities and
demands are integers (roadmaps use hundredths of a person).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Resource:
    """A renewable resource: ``capacity[t]`` units at time ``t`` (the last value holds after)."""

    key: str
    capacity: tuple[int, ...]

    def at(self, t: int) -> int:
        return self.capacity[t] if t < len(self.capacity) else self.capacity[-1]

    def until(self, days: int) -> tuple[int, ...]:
        """``at(t)`` for ``t`` in ``range(days)``, in one step (a model's horizon can be tens of
        thousands of days)."""
        tail = max(0, days - len(self.capacity))
        return self.capacity[:days] + (self.capacity[-1],) * tail

    @property
    def peak(self) -> int:
        return max(self.capacity)


@dataclass(frozen=True)
class Mode:
    """One way to do a task: on ``label`` (a team), taking ``duration`` per piece.

    ``pieces`` are consecutive parts of the work: a task kept whole has one piece; a split task
    has several that may run at different times (or side by side) on the same mode.
    ``demands`` are (resource index, units) taken by every piece while it runs.
    """

    label: str
    pieces: tuple[int, ...]
    demands: tuple[tuple[int, int], ...]
    wip_group: str | None = None

    @property
    def work(self) -> int:
        return sum(self.pieces)


@dataclass(frozen=True)
class Task:
    key: str
    modes: tuple[Mode, ...]
    release: int = 0
    deadline: int | None = None
    weight: int = 0
    fixed_start: int | None = None
    target: int | None = None
    """The day it should end by (a soft deadline, its release's date): each day later costs
    ``SolveOptions.target_weight``; unlike ``deadline`` it never makes a plan invalid."""
    optional: bool = False
    drop_penalty: int = 0
    previous_start: int | None = None
    previous_mode: str | None = None


@dataclass(frozen=True)
class Precedence:
    """``after`` may start only ``lag`` units after ``before`` has finished."""

    before: int
    after: int
    lag: int = 0


@dataclass(frozen=True)
class Milestone:
    """A group of tasks that delivers value when its last task finishes (an epic, a feature)."""

    key: str
    tasks: tuple[int, ...]
    weight: int = 0
    deadline: int | None = None


@dataclass(frozen=True)
class Problem:
    tasks: tuple[Task, ...]
    resources: tuple[Resource, ...]
    precedences: tuple[Precedence, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    wip_limits: tuple[tuple[str, int], ...] = ()
    horizon: int | None = None
    stability_weight: int = 0

    def predecessors(self) -> list[list[tuple[int, int]]]:
        preds: list[list[tuple[int, int]]] = [[] for _ in self.tasks]
        for p in self.precedences:
            preds[p.after].append((p.before, p.lag))
        return preds

    def successors(self) -> list[list[tuple[int, int]]]:
        succs: list[list[tuple[int, int]]] = [[] for _ in self.tasks]
        for p in self.precedences:
            succs[p.before].append((p.after, p.lag))
        return succs

    def topological_order(self) -> list[int]:
        """Task indices so that every task follows its predecessors (ties by index)."""
        import heapq

        indegree = [0] * len(self.tasks)
        succs = self.successors()
        for p in self.precedences:
            indegree[p.after] += 1
        ready = [i for i, d in enumerate(indegree) if d == 0]
        heapq.heapify(ready)
        order: list[int] = []
        while ready:
            i = heapq.heappop(ready)
            order.append(i)
            for j, _ in succs[i]:
                indegree[j] -= 1
                if indegree[j] == 0:
                    heapq.heappush(ready, j)
        if len(order) != len(self.tasks):
            raise ValueError("the precedence relations contain a cycle")
        return order

    def min_duration(self, i: int) -> int:
        """Shortest time task ``i`` can take (pieces side by side), over its modes."""
        return min((max(m.pieces) if m.pieces else 0) for m in self.tasks[i].modes)

    def earliest_starts(self) -> list[int]:
        """Critical-path earliest starts, ignoring resources."""
        est = [t.release if t.fixed_start is None else t.fixed_start for t in self.tasks]
        preds = self.predecessors()
        for j in self.topological_order():
            for i, lag in preds[j]:
                est[j] = max(est[j], est[i] + self.min_duration(i) + lag)
        return est

    def tails(self) -> list[int]:
        """Longest path from each task's start to the end of the project (no resources)."""
        tail = [self.min_duration(i) for i in range(len(self.tasks))]
        succs = self.successors()
        for i in reversed(self.topological_order()):
            for j, lag in succs[i]:
                tail[i] = max(tail[i], self.min_duration(i) + lag + tail[j])
        return tail

    def default_horizon(self) -> int:
        """A horizon every task fits in when done one after the other."""
        total = sum(max(m.work for m in t.modes) for t in self.tasks)
        lags = sum(p.lag for p in self.precedences)
        latest = max([t.release for t in self.tasks] + [0])
        return latest + total + lags + max((len(r.capacity) for r in self.resources), default=0) + 1


@dataclass(frozen=True)
class Placement:
    """Where a task landed: its mode and the start of each piece (None: dropped)."""

    mode: int
    starts: tuple[int, ...]


@dataclass(frozen=True)
class Solution:
    placements: tuple[Placement | None, ...]
    objective: float
    bound: float
    proven_optimal: bool
    feasible: bool
    seconds: float
    method: str
    status: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    rounds: int = 0
    """Rounds of local search that ran (``cp-sat-lns``; a time limit can stop it early)."""

    @property
    def gap(self) -> float:
        """Relative distance between the objective and the best proven bound (0 when proven)."""
        if not self.feasible:
            return float("inf")
        if self.proven_optimal:
            return 0.0
        scale = max(abs(self.objective), 1e-9)
        return abs(self.objective - self.bound) / scale


def task_end(problem: Problem, i: int, placement: Placement) -> int:
    mode = problem.tasks[i].modes[placement.mode]
    return max(s + d for s, d in zip(placement.starts, mode.pieces, strict=True))


def task_start(placement: Placement) -> int:
    return min(placement.starts)


def makespan(problem: Problem, placements: Sequence[Placement | None]) -> int:
    ends = [task_end(problem, i, p) for i, p in enumerate(placements) if p is not None]
    return max(ends, default=0)


def violations(
    problem: Problem, placements: Sequence[Placement | None], deadlines: bool = True
) -> list[str]:
    """Every broken hard rule of a schedule, in words (empty when the schedule is valid).

    Checked: capacity of every resource at every time, precedences with lags, release dates,
    hard deadlines, fixed starts, work-in-progress limits, dropped tasks only where optional.
    """
    problems: list[str] = []
    horizon = max(
        [task_end(problem, i, p) for i, p in enumerate(placements) if p is not None] + [1]
    )
    load = [[0] * horizon for _ in problem.resources]
    wip: dict[str, list[int]] = {g: [0] * horizon for g, _ in problem.wip_limits}
    for i, (task, p) in enumerate(zip(problem.tasks, placements, strict=True)):
        if p is None:
            if not task.optional:
                problems.append(f"{task.key}: not scheduled")
            continue
        mode = task.modes[p.mode]
        for s, d in zip(p.starts, mode.pieces, strict=True):
            if s < task.release:
                problems.append(f"{task.key}: starts at {s}, before its release {task.release}")
            for r, units in mode.demands:
                for t in range(s, s + d):
                    load[r][t] += units
        end = task_end(problem, i, p)
        if deadlines and task.deadline is not None and end > task.deadline:
            problems.append(f"{task.key}: ends at {end}, after its deadline {task.deadline}")
        if task.fixed_start is not None and p.starts[0] != task.fixed_start:
            problems.append(f"{task.key}: must start at {task.fixed_start}")
        if mode.wip_group in wip:
            for t in range(task_start(p), end):
                wip[mode.wip_group][t] += 1
    for r, resource in enumerate(problem.resources):
        for t, used in enumerate(load[r]):
            if used > resource.at(t):
                problems.append(f"{resource.key}: {used} used at {t}, capacity {resource.at(t)}")
                break
    if deadlines:
        for ms in problem.milestones:
            ends = [task_end(problem, i, p) for i in ms.tasks if (p := placements[i]) is not None]
            if ms.deadline is not None and ends and max(ends) > ms.deadline:
                problems.append(f"{ms.key}: ends at {max(ends)}, after its deadline {ms.deadline}")
    for group, limit in problem.wip_limits:
        if max(wip[group], default=0) > limit:
            problems.append(f"{group}: more than {limit} tasks in progress")
    for prec in problem.precedences:
        a, b = placements[prec.before], placements[prec.after]
        if b is None:
            continue
        if a is None:
            problems.append(f"{problem.tasks[prec.after].key}: its predecessor was dropped")
            continue
        if task_start(b) < task_end(problem, prec.before, a) + prec.lag:
            problems.append(
                f"{problem.tasks[prec.after].key}: starts before "
                f"{problem.tasks[prec.before].key} ends (+{prec.lag})"
            )
    return problems
