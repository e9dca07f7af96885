"""Resource needs: capacity against demand, over-allocated people, and what a date takes.

* :func:`capacity_vs_demand`: per team (and per skill) and sprint, productive capacity, the
  work the plan puts there, and the demand: the work that would be there if every team had
  unlimited people (each item at its earliest start), so a sprint where demand exceeds
  capacity is a sprint where the team is the bottleneck.
* :func:`over_allocated`: people whose assigned work in a sprint exceeds their capacity.
* :func:`what_it_takes`: for missed hard deadlines, the fewest added people (by team, from a
  date, with ramp-up) and the smallest scope cut (least effort) that meet them; and how likely
  every hard deadline is met, as planned and with either change, replayed with the teams' own
  delivery history, with the fewest hires that make it likely enough.
* :func:`value_of_one_more_engineer`: per team, how much cost of delay one more person saves.
* :func:`what_if_plan`: the plan those two start from, found in seconds by local search.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from roadwise.domain.model import Status
from roadwise.domain.workspace import Workspace, ancestor_keys
from roadwise.engines.capacity import AddedPerson
from roadwise.engines.forecast.objectives import (
    TRIALS,
    Calibrations,
    QueueOrder,
    deadline_chances_in,
    deadline_work_first_replay,
    hard_deadline_confidence,
    hard_deadlines,
    hire_pace,
    planned_leaves,
    replay_calibrations,
    simulate_workspace,
    work_queues,
)
from roadwise.engines.forecast.roadmap import Pace
from roadwise.engines.schedule.roadmap import (
    Roadmap,
    RoadmapOptions,
    build_inputs,
    has_ancestor,
    over_capacity,
    plan_roadmap,
)


@dataclass(frozen=True)
class DemandRow:
    team: str
    skill: str
    """``*`` for the whole team."""
    sprint: int
    start: dt.date
    capacity_days: float
    planned_days: float
    demand_days: float

    @property
    def over(self) -> bool:
        return self.demand_days > self.capacity_days + 1e-9


def _spread(effort: float, start: int, end: int, sprint: np.ndarray, out: dict[int, float]) -> None:
    """Add ``effort`` evenly over working days [start, end) by sprint."""
    days = max(1, end - start)
    for d in range(start, end):
        s = _sprint_of_day(d, sprint)
        out[s] = out.get(s, 0.0) + effort / days


def _sprint_of_day(day: int, sprint: np.ndarray) -> int:
    """The sprint of working day ``day``; past the calendar, ten working days a sprint."""
    if day < len(sprint):
        return int(sprint[day])
    return int(sprint[-1]) + (day - len(sprint)) // 10 + 1


def _spread_over(
    effort: float,
    start: int,
    end: int,
    weights: NDArray[np.float64],
    sprint: np.ndarray,
    out: dict[int, float],
) -> None:
    """Add ``effort`` over working days [start, end) by sprint, in proportion to ``weights``
    (past their end, their last value holds); evenly where they are all zero."""
    days = np.arange(start, max(end, start + 1))
    w = weights[np.minimum(days, len(weights) - 1)] if len(weights) else np.zeros(len(days))
    if float(w.sum()) <= 0:
        _spread(effort, start, end, sprint, out)
        return
    for d, part in zip(days, effort * w / w.sum(), strict=True):
        if part == 0:
            continue
        s = _sprint_of_day(int(d), sprint)
        out[s] = out.get(s, 0.0) + float(part)


def capacity_vs_demand(ws: Workspace, roadmap: Roadmap, sprints: int = 26) -> list[DemandRow]:
    cal = roadmap.calendar
    first = int(cal.sprint[0])
    wanted = list(range(first, first + sprints))
    inputs = build_inputs(ws, RoadmapOptions(start=roadmap.start))
    est = inputs.problem.earliest_starts()
    by_key = {s.key: s for s in roadmap.items}
    planned: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    demand: dict[tuple[str, str], dict[int, float]] = defaultdict(dict)
    for k, item in enumerate(inputs.leaves):
        s = by_key.get(item.key)
        if s is None:
            continue
        duration = s.end_day - s.start_day
        for skill in ("*", *item.skills):
            _spread(s.effort_days, s.start_day, s.end_day, cal.sprint, planned[(s.team, skill)])
            _spread(s.effort_days, est[k], est[k] + duration, cal.sprint, demand[(s.team, skill)])
    rows: list[DemandRow] = []
    for team in cal.teams:
        skills = ["*", *sorted(team.skills)]
        for skill in skills:
            per_day = team.productive if skill == "*" else team.productive_for(skill)
            cap = cal.sprint_totals(per_day)
            for sprint in wanted:
                if sprint not in cap:
                    continue
                rows.append(
                    DemandRow(
                        team=team.team,
                        skill=skill,
                        sprint=sprint,
                        start=ws.cycles.sprint_start(sprint),
                        capacity_days=round(cap[sprint], 2),
                        planned_days=round(planned[(team.team, skill)].get(sprint, 0.0), 2),
                        demand_days=round(demand[(team.team, skill)].get(sprint, 0.0), 2),
                    )
                )
    return rows


TIGHTEST_SKILLS = 5
"""Skills :func:`tightest_skills` names (the CLI's table and the web page list as many)."""


def tightest_skills(rows: Sequence[DemandRow], count: int = TIGHTEST_SKILLS) -> list[DemandRow]:
    """The team-skill-sprints whose demand is furthest over their capacity, worst first."""
    over = [r for r in rows if r.skill != "*" and r.over]
    return sorted(over, key=lambda r: r.capacity_days - r.demand_days)[:count]


@dataclass(frozen=True)
class OverAllocation:
    person: str
    team: str
    sprint: int
    assigned_days: float
    capacity_days: float
    items: tuple[str, ...]


def over_allocated(ws: Workspace, roadmap: Roadmap) -> list[OverAllocation]:
    """People whose assigned work (items pinned to them, or named by the plan) in a sprint is
    more than their productive days there.

    Each named person carries their share of an item (its effort over the people it runs
    with, named or not), spread over the days of its span they work: none on a day they are
    away, less on a part-time day. A share the person cannot do in the span then shows in
    the sprints they are there, not in one they are away."""
    cal = roadmap.calendar
    productive: dict[str, tuple[str, NDArray[np.float64]]] = {}
    for team_cap in cal.teams:
        for p in team_cap.people:
            productive[p.person] = (team_cap.team, p.productive)
    load: dict[tuple[str, int], float] = defaultdict(float)
    items: dict[tuple[str, int], set[str]] = defaultdict(set)
    for s in roadmap.items:
        people = set(s.people)
        pinned = ws.item_by_key[s.key].assignee
        if pinned:
            people.add(pinned)
        if not people:
            continue
        share = s.effort_days / max(s.width, len(people))
        for person in people:
            by_sprint: dict[int, float] = {}
            if person in productive:
                _spread_over(
                    share, s.start_day, s.end_day, productive[person][1], cal.sprint, by_sprint
                )
            else:
                _spread(share, s.start_day, s.end_day, cal.sprint, by_sprint)
            for sprint, days in by_sprint.items():
                load[(person, sprint)] += days
                items[(person, sprint)].add(s.key)
    capacity = {person: cal.sprint_totals(days) for person, (_, days) in productive.items()}
    out: list[OverAllocation] = []
    for (person, sprint), days in sorted(load.items()):
        if person not in capacity or sprint not in capacity[person]:
            continue
        if over_capacity(days, capacity[person][sprint]):
            out.append(
                OverAllocation(
                    person,
                    productive[person][0],
                    sprint,
                    round(days, 2),
                    round(capacity[person][sprint], 2),
                    tuple(sorted(items[(person, sprint)])),
                )
            )
    return out


def over_allocated_in(
    ws: Workspace, roadmap: Roadmap, sprints: int
) -> tuple[list[OverAllocation], int, tuple[int, int]]:
    """:func:`over_allocated` in the roadmap's first ``sprints`` sprints, as the capacity views
    show them: those person-sprints, how many more come later, and the first and last sprint."""
    found = over_allocated(ws, roadmap)
    first = int(roadmap.calendar.sprint[0])
    last = first + sprints - 1
    shown = [o for o in found if first <= o.sprint <= last]
    return shown, len(found) - len(shown), (first, last)


WHAT_IF_ROUNDS = 40
"""Local-search rounds for the what-ifs, on each side of a comparison. On the sample product
40 rounds from the priority-rule start (about 2 s on one core) find a lower cost of delay than
a 10-second CP-SAT search with 8 workers, and every plan with one more engineer is lower too
(docs/benchmarks.md)."""


def what_if_plan(ws: Workspace, options: RoadmapOptions, rounds: int = WHAT_IF_ROUNDS) -> Roadmap:
    """The plan what-ifs are measured around: the priority-rule start improved by ``rounds``
    rounds of large-neighbourhood search, instead of a CP-SAT search for ``options.time_limit``
    seconds. It is the plan without a hire in :func:`value_of_one_more_engineer` (with
    ``improved=True``), whose plans with a hire get the same rounds, so both sides of the
    comparison had the same search. The rounds are deterministic: the same plan on any machine
    load. Where the priority-rule start misses a hard deadline the full search runs, as in
    :func:`~roadwise.engines.schedule.roadmap.plan_roadmap`."""
    if rounds <= 0:
        return plan_roadmap(ws, options)
    return plan_roadmap(ws, replace(options, warm_start=None, improve_rounds=rounds))


@dataclass(frozen=True)
class Hire:
    team: str
    people: int
    joins: dt.date
    ramp_up_days: int


CONFIDENCE_TARGET = 0.85
"""How sure "likely enough" is: the 85 % the forecasts' commitment dates use."""


@dataclass(frozen=True)
class DeadlineConfidence:
    """How likely every hard deadline is met, each plan replayed with the teams' own delivery
    history (:func:`~roadwise.engines.forecast.objectives.hard_deadline_confidence`).

    The plans meet the deadlines at the estimates' likely sizes; the replay draws sizes from
    the estimates' ranges and the pace from each team's past weeks, a hire adding a member's
    share of it from the joining day, rising over the ramp-up. ``more_hires`` are the fewest
    people, on top of the plan's hires, that bring the chance to ``target`` in the replay (one
    at a time, to the team where one more raises it most; empty when it is already there or
    when nobody helps).
    """

    target: float
    trials: int
    as_planned: float
    # the hard deadline met least often as planned: item key, its due day, how often
    least_likely: tuple[str, dt.date, float]
    with_hires: float | None  # None: no hire proposed
    with_cut: float | None  # None: nothing cut
    more_hires: tuple[Hire, ...]
    with_more_hires: float | None  # None: no more hire proposed
    # why the chance stays below the target, in words ("" when it reaches it)
    short_because: str = ""
    # hard deadlines the replay cannot date (see DeadlineChances.not_replayed): not counted
    not_replayed: tuple[str, ...] = ()
    # the plan with each team's hard-deadline work (and what it waits for) first, the rest in
    # the plan's order, no hire (objectives.deadline_work_first); None: not replayed
    deadline_first: float | None = None
    # what that order adds to the plan's expected cost of delay, in money (negative: saves)
    deadline_first_cost: float = 0.0

    @property
    def reached(self) -> float:
        """The chance after every change proposed for the target (hires, then more hires)."""
        for chance in (self.with_more_hires, self.with_hires):
            if chance is not None:
                return chance
        return self.as_planned


@dataclass(frozen=True)
class WhatItTakes:
    late_before: int
    late_days_before: int
    hires: tuple[Hire, ...]
    late_after_hires: int
    cut_items: tuple[str, ...]
    cut_effort_days: float
    cut_meets_deadlines: bool
    note: str
    # None: no open hard deadline, or no delivery history to replay the plans with
    confidence: DeadlineConfidence | None = None


def _late(roadmap: Roadmap) -> tuple[int, int]:
    late = [s for s in (*roadmap.items, *roadmap.rollups) if s.hard_deadline and s.late_days]
    return len(late), sum(s.late_days for s in late)


def _what_if_search(
    ws: Workspace, roadmap: Roadmap, options: RoadmapOptions, rounds: int, improved: bool
) -> tuple[RoadmapOptions, Roadmap]:
    """The options every plan with a hire is re-planned with, and the plan without a hire
    that had the same search (see :func:`value_of_one_more_engineer`)."""
    quick = replace(
        options,
        baseline=False,
        explain=False,
        warm_start=roadmap.placements,
        improve_rounds=rounds,
        # A plan that misses a hard deadline is no valid start for the local search under
        # hard deadlines, and re-planning could only miss them too: plan with them as targets.
        soft_deadlines=options.soft_deadlines or _late(roadmap)[0] > 0,
    )
    before = roadmap
    if rounds > 0:
        # Only a plan the local search found has had the search the hires get.
        if not (improved and roadmap.summary.method == "cp-sat-lns"):
            before = plan_roadmap(ws, quick)
        quick = replace(quick, warm_start=before.placements)
    return quick, before


def _replan_with(
    ws: Workspace,
    quick: RoadmapOptions,
    hires: Sequence[tuple[AddedPerson, ...]],
    parallel: int,
) -> list[Roadmap]:
    """One plan per set of ``hires`` (on top of ``quick.added``), ``parallel`` at a time
    where they are local searches (each runs on one core), in the order given."""

    def replan(added: tuple[AddedPerson, ...]) -> Roadmap:
        return plan_roadmap(ws, replace(quick, added=(*quick.added, *added)))

    if parallel > 1 and quick.improve_rounds > 0 and len(hires) > 1:
        # The searches are independent and CP-SAT leaves Python while it searches.
        with ThreadPoolExecutor(max_workers=min(parallel, len(hires))) as pool:
            return list(pool.map(replan, hires))
    return [replan(added) for added in hires]


def _why_people_do_not_help(
    ws: Workspace, roadmap: Roadmap, joins: dt.date, ramp_up_days: int
) -> str:
    """Why added people leave deadlines missed, in the terms a TPM can act on: the late work
    waits for other open work, or new people arrive and ramp up too late to matter."""
    late = {s.key for s in (*roadmap.items, *roadmap.rollups) if s.hard_deadline and s.late_days}
    under = {i.key for i in ws.items if has_ancestor(i, late, ws.item_by_key)}
    waits = any(
        dep.item in ws.item_by_key and ws.item_by_key[dep.item].is_open
        for key in late | under
        for dep in ws.item_by_key[key].dependencies
    )
    if waits:
        return (
            "more people do not meet the deadlines: the late work waits for other open items "
            "it depends on"
        )
    ramp = f" and take {ramp_up_days} days to ramp up" if ramp_up_days else ""
    return (
        f"more people do not meet the deadlines in time: they join on {joins:%d %b %Y}{ramp}, "
        "and an item is only split among so many people"
    )


def what_it_takes(
    ws: Workspace,
    roadmap: Roadmap,
    options: RoadmapOptions,
    joins: dt.date | None = None,
    ramp_up_days: int = 30,
    max_hires: int = 6,
    rounds: int = WHAT_IF_ROUNDS,
    parallel: int = 2,
    improved: bool = False,
) -> WhatItTakes:
    """Fewest added people (greedy, one at a time, to the team that cuts lateness most) and
    the least-effort scope cut (exact: optional items in the CP-SAT model) that meet every
    hard deadline.

    Every plan with a hire is re-planned as in :func:`value_of_one_more_engineer` (same
    ``rounds``, ``parallel`` and ``improved``): deadlines as targets, ``rounds`` rounds of
    large-neighbourhood search from the plan without the hire (``roadmap`` improved by the
    same rounds, so a hire is only credited with what the hire does), and each later greedy
    step from the plan its last hire chose (still valid with one more person), which gets the
    same rounds without another hire to compare with. The teams of one step are tried
    ``parallel`` at a time, in order, stopping after the batch where one meets every deadline;
    the first of the best wins, so the answer is the one trying them one by one gives, and the
    rounds are deterministic: the same on any machine load. The answer is what that search
    finds: where it cannot reach a plan a full search reaches with fewer people, it can ask
    for one more (docs/benchmarks.md). ``rounds=0``: a full CP-SAT search for
    ``options.time_limit`` per trial. The scope cut is always the full search (it is exact)."""
    count, days = _late(roadmap)
    joins = joins or roadmap.start
    if count == 0:
        confidence = _confidence(ws, roadmap, (), roadmap, (), None, joins, ramp_up_days, max_hires)
        return WhatItTakes(0, 0, (), 0, (), 0.0, True, "every hard deadline is met", confidence)
    quick, before = _what_if_search(ws, roadmap, options, rounds, improved)
    teams = [t.team for t in roadmap.calendar.teams]
    added: list[AddedPerson] = []
    current = _late(before)
    hired_plan = before
    step = max(1, parallel if rounds > 0 else 1)
    for k in range(max_hires if current[0] else 0):
        # After a hire the plan it chose starts the next trials; without another hire it gets
        # the same rounds from there too (``None`` first), so the next hire is credited only
        # with what the person adds, not with rounds the plan had not had yet.
        entries: list[str | None] = [None] if rounds > 0 and k > 0 else []
        entries += teams
        best: tuple[tuple[int, int], str, Roadmap] | None = None
        for first in range(0, len(entries), step):
            batch = entries[first : first + step]
            trials = [
                tuple(added)
                if t is None
                else (*added, AddedPerson(team=t, joins=joins, ramp_up_days=ramp_up_days))
                for t in batch
            ]
            plans = _replan_with(ws, quick, trials, parallel)
            for team, plan in zip(batch, plans, strict=True):
                result = _late(plan)
                if team is None:
                    current = result
                elif best is None or (result[1], result[0]) < (best[0][1], best[0][0]):
                    best = (result, team, plan)
            if current == (0, 0) or (best is not None and best[0] == (0, 0)):
                break  # every deadline met: no later team can do better, and ties go first
        if best is None or best[0][1] >= current[1]:
            break  # one more person anywhere does not help: capacity is not the constraint
        added.append(AddedPerson(team=best[1], joins=joins, ramp_up_days=ramp_up_days))
        current = best[0]
        hired_plan = best[2]
        if rounds > 0:
            quick = replace(quick, warm_start=best[2].placements)
        if current[0] == 0:
            break
    counts: dict[str, int] = defaultdict(int)
    for a in added:
        counts[a.team] += 1
    hires = tuple(Hire(t, n, joins, ramp_up_days) for t, n in sorted(counts.items()))

    # Scope: any leaf not already under way may go (an item with a deadline too: the question
    # is which deadlines to give up); dropping one costs its effort, and an item can only
    # stay if everything it depends on stays.
    inputs = build_inputs(ws, options)
    droppable = tuple(t.key for t in inputs.problem.tasks if t.fixed_start is None)
    cut_plan = plan_roadmap(
        ws,
        replace(
            options, baseline=False, explain=False, soft_deadlines=False, drop_allowed=droppable
        ),
    )
    effort = {s.key: s.effort_days for s in roadmap.items}
    cut_count, _ = _late(cut_plan)
    note = _why_people_do_not_help(ws, roadmap, joins, ramp_up_days) if current[0] > 0 else ""
    if not added and current[0] == 0:
        note = "the plan's local search meets every hard deadline without a hire"
    return WhatItTakes(
        late_before=count,
        late_days_before=days,
        hires=hires,
        late_after_hires=current[0],
        cut_items=cut_plan.dropped,
        cut_effort_days=round(sum(effort.get(k, 0.0) for k in cut_plan.dropped), 1),
        cut_meets_deadlines=cut_count == 0,
        note=note,
        confidence=_confidence(
            ws,
            roadmap,
            hires,
            hired_plan if hires else roadmap,
            cut_plan.dropped,
            cut_plan,
            joins,
            ramp_up_days,
            max_hires,
        ),
    )


def _confidence(
    ws: Workspace,
    roadmap: Roadmap,
    hires: tuple[Hire, ...],
    hired_plan: Roadmap,
    cut: tuple[str, ...],
    cut_plan: Roadmap | None,
    joins: dt.date,
    ramp_up_days: int,
    max_hires: int,
    target: float = CONFIDENCE_TARGET,
) -> DeadlineConfidence | None:
    """The chances of :class:`DeadlineConfidence`: every replay has the same seed, so the same
    draws, and a hire can only make a trial finish earlier."""

    if not hard_deadlines(ws) or not ws.history:
        return None
    # The teams' past errors, measured once for the plan's work: the replays with hires do the
    # same work, so they are calibrated with the same errors and differ by the hires alone.
    errors = replay_calibrations(ws, _in_order(roadmap))

    def chance(
        plan: Roadmap, people: dict[str, int], on: Workspace = ws, measured: Calibrations = errors
    ) -> float | None:
        speedup = _paces(on, people, joins, ramp_up_days)
        return hard_deadline_confidence(
            on, _in_order(plan), speedup=speedup, trials=TRIALS, calibrations=measured
        )

    run = simulate_workspace(
        ws, _in_order(roadmap), trials=TRIALS, seed=ws.settings.seed, calibrations=errors
    )
    planned = deadline_chances_in(ws, run.forecast)
    if planned is None:
        return None
    as_planned = planned.every
    weakest, weakest_chance = planned.least_likely
    due = ws.item_by_key[weakest].deadline
    assert due is not None
    people = {h.team: h.people for h in hires}
    with_hires = chance(hired_plan, people) if hires else None
    with_cut = None
    if cut and cut_plan is not None:
        dropped = set(cut)
        without = ws.copy_with(
            items=[
                i.model_copy(update={"status": Status.DROPPED}) if i.key in dropped else i
                for i in ws.items
            ]
        )
        # Less work: the errors are measured again for the queues that are left.
        with_cut = chance(cut_plan, {}, without, replay_calibrations(without, _in_order(cut_plan)))
    start = with_hires if with_hires is not None else as_planned
    more, current, short_because = hires_for_confidence(
        ws,
        _in_order(hired_plan),
        start,
        already=people,
        target=target,
        max_hires=max_hires,
        joins=joins,
        ramp_up_days=ramp_up_days,
        calibrations=errors,
    )
    # The change with no hire: the same plan, each team starting its hard-deadline work first;
    # what it costs is the rest of the work later, priced by its cost of delay.
    first, first_cost = deadline_work_first_replay(
        ws,
        _in_order(roadmap),
        run.forecast,
        trials=TRIALS,
        seed=ws.settings.seed,
        calibrations=errors,
    )
    return DeadlineConfidence(
        target=target,
        trials=TRIALS,
        as_planned=as_planned,
        least_likely=(weakest, due.date, weakest_chance),
        with_hires=with_hires,
        with_cut=with_cut,
        more_hires=tuple(Hire(t, n, joins, ramp_up_days) for t, n in sorted(more.items())),
        with_more_hires=current if more else None,
        short_because=short_because,
        not_replayed=planned.not_replayed,
        deadline_first=first.every if first is not None else None,
        deadline_first_cost=first_cost,
    )


def _paces(
    ws: Workspace, people: Mapping[str, int], joins: dt.date | None, ramp_up_days: int
) -> dict[str, Pace]:
    """Each team's pace with ``people`` more (per team) joining on ``joins``, ramping up."""
    return {
        team: hire_pace(ws, team, n, joins=joins, ramp_up_days=ramp_up_days)
        for team, n in people.items()
        if n
    }


def _in_order(plan: Roadmap) -> QueueOrder:
    """The teams working in ``plan``'s order, as the delivery forecasts replay a roadmap."""
    return QueueOrder(planned=planned_leaves(plan))


def teams_deadlines_wait_on(ws: Workspace, order: QueueOrder) -> frozenset[str]:
    """The teams whose pace can move a hard deadline's date in the replay of ``order``: those
    with an open leaf under (or being) an item with a hard deadline, and, transitively, the
    teams whose leaves such teams' leaves wait for. Every team's queue is replayed on its own
    pace and its own random draws, and waits only for the leaves its leaves depend on, so a
    hire anywhere else leaves every deadline's chance exactly as it was."""
    queues = work_queues(ws, order.ranks, planned=order.planned)
    team_of = {q.item.key: team for team, queue in queues.items() for q in queue}
    hard = {i.key for i in hard_deadlines(ws)}
    by_key = ws.item_by_key
    reached = {
        team_of[key]
        for key in team_of
        if key in hard or any(a in hard for a in ancestor_keys(by_key[key], by_key))
    }
    waits_on: dict[str, set[str]] = defaultdict(set)
    for team, queue in queues.items():
        for q in queue:
            waits_on[team].update(team_of[d.item] for d in q.item.dependencies if d.item in team_of)
    stack = list(reached)
    while stack:
        for other in waits_on[stack.pop()] - reached:
            reached.add(other)
            stack.append(other)
    return frozenset(reached)


def hires_for_confidence(
    ws: Workspace,
    order: QueueOrder,
    chance: float,
    *,
    already: Mapping[str, int] | None = None,
    target: float = CONFIDENCE_TARGET,
    max_hires: int = 6,
    trials: int = TRIALS,
    joins: dt.date | None = None,
    ramp_up_days: int = 30,
    calibrations: Calibrations | None = None,
) -> tuple[dict[str, int], float, str]:
    """The fewest people (per team), on top of ``already``, that bring the chance every hard
    deadline is met from ``chance`` to ``target`` when the teams work in ``order``, the chance
    they bring (:func:`~roadwise.engines.forecast.objectives.hard_deadline_confidence`), and
    why it stays short of ``target``, in words ("" when it reaches it).

    One at a time, to the team where one more raises the chance most (the first team by key on
    ties); stops at ``target``, when one more person anywhere does not raise it (the dates wait
    for other work, not for people) or at ``max_hires`` people in all. A hire is weighed only
    in a team that lists its people: from ``joins`` (None: now) it adds a member's share of the
    team's pace, rising over ``ramp_up_days``
    (:func:`~roadwise.engines.forecast.objectives.hire_pace`). Only the pace changes, not the
    plan's order: the replays share their random draws, so the chances compare.
    ``calibrations``: the teams' measured errors for these queues
    (:func:`~roadwise.engines.forecast.objectives.replay_calibrations`; by default measured
    once here), the same for every replay.
    """
    if calibrations is None and chance < target:
        calibrations = replay_calibrations(ws, order)
    people = dict(already or {})
    more: dict[str, int] = defaultdict(int)
    listed = {t.key for t in ws.teams if t.people}
    # Only where a hire can move a deadline: a replay per team is the cost of each step, and
    # elsewhere the chance stays as it is (so the search picks the same teams either way).
    teams = sorted(listed & teams_deadlines_wait_on(ws, order)) if chance < target else []
    current = chance
    while current < target:
        if not listed:
            return dict(more), current, "no team lists its people, so a hire cannot be weighed"
        if sum(people.values()) + sum(more.values()) >= max_hires:
            who = "person" if max_hires == 1 else "people"
            return dict(more), current, f"the search stops at {max_hires} added {who}"
        if not teams:
            return dict(more), current, "the dates wait for other work, not for people"
        tries = []
        for team in teams:
            step = dict(people)
            for t, n in more.items():
                step[t] = step.get(t, 0) + n
            step[team] = step.get(team, 0) + 1
            speedup = _paces(ws, step, joins, ramp_up_days)
            found = hard_deadline_confidence(
                ws, order, speedup=speedup, trials=trials, calibrations=calibrations
            )
            tries.append((found or 0.0, team))
        best, team = max(tries, key=lambda t: t[0])  # the first of the best: teams sorted
        if best <= current:
            return dict(more), current, "the dates wait for other work, not for people"
        more[team] += 1
        current = best
    return dict(more), current, ""


@dataclass(frozen=True)
class EngineerValue:
    team: str
    cost_of_delay_before: float
    cost_of_delay_after: float

    @property
    def saving(self) -> float:
        return self.cost_of_delay_before - self.cost_of_delay_after


def value_of_one_more_engineer(
    ws: Workspace,
    roadmap: Roadmap,
    options: RoadmapOptions,
    joins: dt.date | None = None,
    ramp_up_days: int = 30,
    rounds: int = WHAT_IF_ROUNDS,
    parallel: int = 2,
    improved: bool = False,
) -> list[EngineerValue]:
    """Per team: the plan's cost of delay with one more person (joining ``joins`` with a
    linear ramp-up), against the plan without.

    Both sides get the same search, so the saving measures the hire and not a difference in
    search effort: the plan without the hire is ``roadmap`` improved by ``rounds`` rounds of
    large-neighbourhood search (never worse than ``roadmap``), and each plan with a hire starts
    from the better of that plan (still valid with more capacity, so the saving is never
    negative because a search stopped early) and the list-scheduling start, improved by the
    same rounds. ``improved=True``: ``roadmap`` already had that search (it comes from
    :func:`what_if_plan` with the same ``rounds``; ignored where that fell back to the full
    search) and is the plan without the hire as it is; more rounds on that side only would
    make the hires look worth less than they are. Where ``roadmap`` misses a hard deadline,
    every plan here takes deadlines as targets (lateness costs far more than any delay). The
    rounds are deterministic: the same plan, inputs and seed give the same numbers on any
    machine load. ``rounds=0``: a full CP-SAT search for ``options.time_limit`` per team
    against ``roadmap`` as it is. Plans are re-planned ``parallel`` at a time (each search
    runs on one core)."""
    joins = joins or roadmap.start
    quick, before = _what_if_search(ws, roadmap, options, rounds, improved)
    teams = [t.team for t in roadmap.calendar.teams]
    plans = _replan_with(
        ws,
        quick,
        [(AddedPerson(team=team, joins=joins, ramp_up_days=ramp_up_days),) for team in teams],
        parallel,
    )
    out = [
        EngineerValue(team, before.summary.cost_of_delay, plan.summary.cost_of_delay)
        for team, plan in zip(teams, plans, strict=True)
    ]
    return sorted(out, key=lambda v: -v.saving)
