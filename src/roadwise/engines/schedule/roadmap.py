"""The roadmap: who builds what, when, as the scheduling problem it is.

Open leaf items (the ones that carry work; epics and features roll up their children) become
tasks. Each task may go to any team that has all of the item's skills (or to the team or
person it is pinned to); its duration follows from its estimate, the team's points per
person-day and how many people work on it side by side. Team capacity comes from the capacity
model (productive person-days, averaged per week so work can run through a public holiday,
and rounded up to whole people where a week is a person-day short of them).
Time is the working day. Cost of delay is money per week until delivery: the plan minimises
the sum over valued items (leaves, features and epics, which deliver when their last leaf is
done) of cost of delay × time to delivery.

The rank-driven list scheduler (what today's tools do) runs on the same problem and is
reported beside every result.
"""

from __future__ import annotations

import bisect
import datetime as dt
import graphlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from roadwise.domain.model import EstimateUnit, Item, Status, Team
from roadwise.domain.workspace import (
    Workspace,
    ancestor_keys,
    ancestry,
    check_leaf_dependencies,
    dependency_via,
    kind_name,
    leaf_needs,
)
from roadwise.engines.capacity import (
    AddedPerson,
    CapacityCalendar,
    PersonCapacity,
    capacity_calendar,
    working_days,
)
from roadwise.engines.schedule.cpsat import SolveOptions, evaluate, solve
from roadwise.engines.schedule.improve import ImproveOptions, improve, starting_schedule
from roadwise.engines.schedule.listsched import Fit, fit_in_order, list_schedule, place_alone
from roadwise.engines.schedule.problem import (
    Milestone,
    Mode,
    Placement,
    Precedence,
    Problem,
    Resource,
    Solution,
    Task,
    task_end,
    task_start,
    violations,
)
from roadwise.errors import InfeasibleError, ValidationError

UNITS = 100
"""Capacity and demand are in hundredths of a person."""


def over_capacity(work_days: float, productive_days: float) -> bool:
    """Whether ``work_days`` of a person's work is more than their ``productive_days`` can
    hold, with the tolerance the over-allocated-people check uses: 10 % and half a day (the
    plan fits pooled, weekly capacity, not each person's every day)."""
    return work_days > productive_days * 1.1 + 0.5


FOR_GOOD_DAYS = 65
"""A capacity ends for good (people leave) when it stays below a demand through the last
quarter of the plan's calendar; a holiday or time off in its last weeks does not count. Past
the calendar a capacity holds its last value."""

Objective = Literal["cost-of-delay", "value-by-date"]


@dataclass(frozen=True)
class Commitment:
    """Where a committed item was in the previous plan (for stable re-planning)."""

    start: dt.date
    team: str | None = None


@dataclass(frozen=True)
class RoadmapOptions:
    objective: Objective = "cost-of-delay"
    value_date: dt.date | None = None
    time_limit: float = 20.0
    workers: int = 8
    seed: int = 0
    start: dt.date | None = None
    sprints: int = 26
    max_width: int = 2
    whole_item_days: int = 10
    piece_days: int = 5
    split_default: bool = False
    capacity_bucket_days: int = 5
    items: tuple[str, ...] | None = None
    cost_of_delay: Mapping[str, float] | None = None
    committed: Mapping[str, Commitment] | None = None
    stability_weight: float = 1.0
    added: tuple[AddedPerson, ...] = ()
    drop_allowed: tuple[str, ...] = ()
    soft_deadlines: bool = False
    targets: bool = False
    """Hold targets: plan each item to end by its target where the teams can (its soft
    deadline, or the date of its release, its own or its feature's or epic's). Each working
    day later costs as much as a day's delay of every item (a hard deadline's day, ten
    times that), so a target is missed only where meeting it would delay other work by more.
    False (the default): targets are only reported (``ScheduledItem.behind_target_days``)."""
    baseline: bool = True
    explain: bool = True
    rank: Mapping[str, int] | None = None
    """Backlog rank (lower first) for the baseline; default: cost of delay, highest first
    (an item's own, else its feature's or epic's), then key."""
    warm_start: Mapping[str, tuple[str, tuple[int, ...]]] | None = None
    """An earlier plan to start from: item key -> (team, start day of every piece)."""
    improve_rounds: int = 0
    """Instead of a CP-SAT search for ``time_limit`` seconds, improve the better of the warm
    start and the list-scheduling start by this many rounds of deterministic
    large-neighbourhood search (what-ifs around a known plan; the rounds are the budget, with
    a wall-clock safety cap of at least 30 s). Without a ``warm_start``: the list-scheduling
    start alone. The full search still runs where the warm start leaves items out, or where
    no start meets every hard deadline. 0: the full search."""


@dataclass(frozen=True)
class ScheduledItem:
    key: str
    title: str
    team: str
    people: tuple[str, ...]
    start: dt.date
    end: dt.date
    start_day: int
    end_day: int
    sprint: int
    end_sprint: int
    effort_days: float
    cost_of_delay: float
    deadline: dt.date | None
    hard_deadline: bool
    late_days: int
    parent: str | None
    level: Literal["leaf", "rollup"] = "leaf"
    target: dt.date | None = None
    """The date it should end by, its own or from above it (:func:`item_target`)."""
    target_reason: str = ""
    behind_target_days: int = 0
    """Working days it ends after ``target``."""
    people_note: str = ""
    """Why ``people`` names fewer people than the item runs with (none, or some): the plan
    fits the team's pooled capacity, but no named person with the skills is free for the
    whole span, or nobody has all of them. Empty when everyone is named (and for roll-ups)."""
    width: int = 1
    """How many people the item runs with at once (its effort is theirs to share); ``people``
    names up to this many. 0 for roll-ups."""


@dataclass(frozen=True)
class ChainLink:
    item: str
    team: str
    start: dt.date
    end: dt.date
    reason: str


LateCause = Literal[
    "dependencies",
    "capacity",
    "dependencies and capacity",
    "its own work",
    "its own work and capacity",
    "a deadline already past",
]


@dataclass(frozen=True)
class Lateness:
    """A deadline the plan cannot meet, by how much, and the chain of work that pushes it."""

    item: str
    deadline: dt.date
    planned_end: dt.date
    late_days: int
    dependency_bound_days: int
    """Working days by which the dependencies alone (the critical path through them, with
    unlimited people) miss the deadline; 0 when no dependency is on that path."""
    cause: LateCause
    chain: tuple[ChainLink, ...]
    detail: str = ""
    """The cause in a sentence, where the cause's name does not say it all: by how much the
    item's own work overruns the time to its deadline, or that the deadline has passed."""


@dataclass(frozen=True)
class PlanSummary:
    method: str
    cost_of_delay: float
    """Σ cost of delay per week × weeks from the plan's start to delivery, in money: over the
    items whose cost of delay is stated in money (``without_money`` names the others)."""
    value_delivered: float
    model_objective: float
    """The solver's objective for this plan (integer weights; lower is better for cost of
    delay, higher for value by date), so two plans compare exactly as the solver sees them."""
    proven_optimal: bool
    gap: float
    bound: float
    seconds: float
    status: str
    finish: dt.date | None
    late_items: int
    cost_of_delay_relative: float = 0.0
    """The same sum over the items weighed only by their WSJF parts (business value + time
    criticality + risk reduction): relative units, so never added to the money total."""
    without_money: tuple[str, ...] = ()
    """Items the plan weighs by a relative WSJF value instead of a cost of delay in money."""
    behind_targets: int = 0
    """Items that end after a target of their own (:meth:`Roadmap.behind_targets`)."""
    targets_held: bool = False
    """Made holding targets (``RoadmapOptions.targets``): a re-plan check of it holds them too."""


@dataclass(frozen=True)
class Replay:
    """How a stored plan was brought to a later first day (see :func:`replay_roadmap`)."""

    stored_start: dt.date
    moved_days: int
    """Working days from the stored plan's first day to this one."""
    slipped: tuple[str, ...] = ()
    """Items the stored plan started before this first day that are not pinned to it as work
    under way: they keep their place in the plan's order, so they come first."""
    started: tuple[str, ...] = ()
    """Items now under way that the stored plan started on another day: placed where they
    are (work in progress starts on the first day)."""
    pushed: tuple[str, ...] = ()
    """Items that could not keep their stored days (the slipped and started work, or what they
    wait for, took the capacity or must finish first): each at the first day that allows."""
    added: tuple[str, ...] = ()
    """Open items the stored plan does not hold (added since): placed after it, each after
    its team's planned work, in backlog rank order."""


@dataclass(frozen=True)
class Roadmap:
    start: dt.date
    objective: Objective
    items: tuple[ScheduledItem, ...]
    rollups: tuple[ScheduledItem, ...]
    summary: PlanSummary
    baseline: PlanSummary | None
    baseline_items: tuple[ScheduledItem, ...]
    dropped: tuple[str, ...]
    lateness: tuple[Lateness, ...]
    unscheduled: tuple[tuple[str, str], ...]
    warnings: tuple[str, ...]
    calendar: CapacityCalendar = field(repr=False, compare=False)
    placements: Mapping[str, tuple[str, tuple[int, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """Item key -> (team, start day of every piece): what re-planning can start from."""
    replay: Replay | None = field(default=None, compare=False)
    """Set when this is a stored plan that changed since it was solved: brought to a later
    first day (``moved_days``; what moved, and why), or holding items added since."""

    def item(self, key: str) -> ScheduledItem:
        for it in (*self.items, *self.rollups):
            if it.key == key:
                return it
        raise KeyError(key)

    def behind_targets(self) -> tuple[ScheduledItem, ...]:
        """Items that end after a target of their own (a soft deadline, their release's date),
        latest first; a story whose target is its feature's is counted under the feature."""
        own = [s for s in (*self.items, *self.rollups) if _behind_own_target(s)]
        return tuple(sorted(own, key=lambda s: (-s.behind_target_days, s.key)))

    def records(self) -> list[dict[str, object]]:
        """Plain rows (item key, team, people, start/end dates, sprint) for other engines."""
        return [
            {
                "item": s.key,
                "title": s.title,
                "team": s.team,
                "people": list(s.people),
                "people_note": s.people_note,
                "start": s.start.isoformat(),
                "end": s.end.isoformat(),
                "sprint": s.sprint,
                "end_sprint": s.end_sprint,
                "level": s.level,
                "parent": s.parent,
                "late_days": s.late_days,
                "target": s.target.isoformat() if s.target else None,
                "target_reason": s.target_reason,
                "behind_target_days": s.behind_target_days,
            }
            for s in (*self.items, *self.rollups)
        ]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class RoadmapInputs:
    """The problem built from a workspace, with the maps back to items and dates."""

    problem: Problem
    calendar: CapacityCalendar
    leaves: tuple[Item, ...]
    team_keys: tuple[str, ...]
    cod: dict[str, float]
    effort: dict[str, dict[str, float]]
    weight_scale: float
    rollups: dict[str, tuple[int, ...]]
    warnings: tuple[str, ...]
    unscheduled: tuple[tuple[str, str], ...]
    deadlines: dict[str, tuple[dt.date, bool]]
    worker_units: dict[str, int]
    rank_order: tuple[int, ...]
    """Task indices in backlog rank order, for the rank-driven baseline (work that must be
    done before people leave, and what it waits for, first: see :func:`build_inputs`)."""
    money: frozenset[str] = frozenset()
    """Items (keys in ``cod``) whose weight is a cost of delay in money, not a WSJF sum."""
    targets: dict[str, tuple[dt.date, str]] = field(default_factory=dict)
    """Leaf key -> the date it should end by and why (:func:`item_target`)."""
    fitted: tuple[Placement | None, ...] | None = None
    """Where some work must be done before people leave (see :func:`build_inputs`): the
    list schedule in ``rank_order`` that decided what fits, a valid start for the search and
    the baseline where list scheduling cannot place all of that work again. None otherwise."""


def _behind_own_target(s: ScheduledItem) -> bool:
    """Ends after a target of its own, not one from above it (:func:`item_target` says whose:
    "its release …", "F1's release …"): a story late for its feature's release is counted once,
    under the feature."""
    return s.behind_target_days > 0 and s.target_reason.startswith("its ")


def item_target(ws: Workspace, item: Item) -> tuple[dt.date, str] | None:
    """The date ``item`` should end by, and why: the earliest of the soft deadlines on it and
    on the features and epics above it, and the date of its release (its own, else the
    nearest one above it). A hard deadline is a constraint, not a target."""
    found: list[tuple[dt.date, str]] = []
    release_seen = False
    for node in ancestry(item, ws.item_by_key):
        whose = "its" if node is item else f"{node.key}'s"
        if node.deadline is not None and not node.deadline.hard:
            found.append((node.deadline.date, f"{whose} soft deadline"))
        if not release_seen and node.release is not None and node.release in ws.release_by_key:
            release_seen = True
            rel = ws.release_by_key[node.release]
            found.append((rel.date, f"{whose} release {rel.name}"))
    return min(found, default=None)


def item_cost_of_delay(item: Item) -> float | None:
    """Money per week of delay: the stated cost of delay, else the WSJF sum (relative)."""
    v = item.value
    if v.cost_of_delay is not None:
        from roadwise.domain.model import likely

        return likely(v.cost_of_delay)
    parts = [v.business_value, v.time_criticality, v.risk_reduction]
    if any(p is not None for p in parts):
        from roadwise.domain.model import likely

        return sum(likely(p) for p in parts)
    return None


def _effort_person_days(item: Item, team: Team, default: float) -> float:
    if item.estimate is None:
        return default
    if item.estimate.unit == EstimateUnit.PERSON_DAYS:
        return max(0.5, item.estimate.likely)
    return max(0.5, item.estimate.likely / team.points_per_person_day)


def _bucketed(values: np.ndarray, bucket: int, person: int | None = None) -> tuple[int, ...]:
    """Capacity in units, averaged over buckets of ``bucket`` days (work runs through a
    holiday at the week's average pace).

    With ``person`` (one person's units): a week at most one person-day short of whole people
    counts as those whole people, where the days short are a passing absence (a day off, a
    public holiday: the week before ends and the week after starts at full strength). An
    item takes whole people, so otherwise one day off would stop a one-person team's (or
    skill's) work for the whole week, and an item longer than a week could only run through
    weeks nobody took a day off. The plan then counts at most one person-day a week that the
    calendar does not have, within what the over-allocation check tolerates. A larger team
    loses its public holiday as before (five people do four people's work that week), and a
    week in which someone joins or leaves is never rounded up: work planned in it must not
    count on them before they come or after they have gone."""
    out = np.empty(len(values), dtype=np.int64)
    for lo in range(0, len(values), bucket):
        chunk = values[lo : lo + bucket]
        units = float(chunk.mean()) * UNITS
        capacity = math.floor(units + 1e-6)
        if person is not None and chunk.size:
            best = math.floor(float(chunk.max()) * UNITS + 1e-6)
            # a pool smaller than one person (a part-timer's skill) counts in its own size
            one = min(person, best)
            if one > 0:
                whole = math.ceil(units / one - 1e-6) * one
                days_short = (whole - units) / one * chunk.size
                if whole <= best and days_short <= 1 + 1e-6 and _passing(values, lo, chunk):
                    capacity = max(capacity, whole)
        out[lo : lo + bucket] = capacity
    return tuple(int(v) for v in out)


def _passing(values: np.ndarray, lo: int, chunk: np.ndarray) -> bool:
    """Whether the days of ``chunk`` (``values[lo:]``) below its best day are a passing
    absence: the day before the first of them and the day after the last are at full
    strength (so nobody joins, ramps up or leaves in the week)."""
    top = float(chunk.max()) - 1e-9
    low = np.flatnonzero(chunk < top)
    if not low.size:
        return True
    before, after = lo + int(low[0]) - 1, lo + int(low[-1]) + 1
    return before >= 0 and after < len(values) and values[before] >= top and values[after] >= top


def _capacities(
    with_hires: np.ndarray, without: np.ndarray | None, bucket: int, person: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A resource's bucketed capacity with the what-if's hires and without them (the same
    where there are none). A hire only adds: where rounding gives the team without the hire
    more than with it (a hire ramping up in a week someone has a day off), it keeps that."""
    alone = _bucketed(with_hires if without is None else without, bucket, person)
    if without is None:
        return alone, alone
    hired = _bucketed(with_hires, bucket, person)
    return tuple(max(a, b) for a, b in zip(hired, alone, strict=True)), alone


def build_inputs(ws: Workspace, options: RoadmapOptions) -> RoadmapInputs:
    """Turn the workspace into the scheduling problem (items sorted by key: input order never
    changes the result). The what-if's hires (``options.added``) only add capacity: the shape
    of the work is decided without them, so every plan valid without them is valid with them.

    Work that only a team whose people leave within the plan's calendar can do (or only its
    people with a skill, or an assignee who leaves) must be done before then. Which of it fits
    is decided here, before any search: the rank-order list schedule with that work (and
    what it waits for) first, on the teams as they are without the what-if's hires. What it
    cannot fit is left out of the problem with the reason, as is the work that waits for it,
    so the rest is planned as it would be without it (a search over work that has no place
    would fail the whole plan)."""
    inputs, shape = _build_inputs(ws, options, {})
    order = _leaving_first(inputs.problem, shape, inputs.rank_order)
    if order is None:
        return inputs
    stage = replace(inputs.problem, resources=shape)
    if _pinned_work_clashes(stage):
        stage = _unpinned(stage)
    fit = fit_in_order(stage, order)
    keys = [t.key for t in stage.tasks]
    if fit.unfit:
        left_out = {keys[i]: _unfit_reason(ws, inputs, stage, fit, i) for i in fit.unfit}
        inputs, _ = _build_inputs(ws, options, left_out)
    index = {t.key: k for k, t in enumerate(inputs.problem.tasks)}
    placed = {keys[i]: p for i, p in enumerate(fit.placements)}
    return replace(
        inputs,
        rank_order=tuple(index[keys[i]] for i in order if keys[i] in index),
        fitted=tuple(placed[t.key] for t in inputs.problem.tasks),
    )


def _build_inputs(
    ws: Workspace, options: RoadmapOptions, left_out: Mapping[str, str]
) -> tuple[RoadmapInputs, tuple[Resource, ...]]:
    """The problem of :func:`build_inputs` without the items in ``left_out`` (key -> why) and
    the work that waits for them, and its resources as they are without the what-if's hires."""
    start = options.start or ws.as_of
    warnings: list[str] = []
    unscheduled: list[tuple[str, str]] = []
    by_key = ws.item_by_key
    open_items = [i for i in ws.items if i.is_open]
    if options.items is not None:
        wanted = set(options.items)
        unknown = sorted(wanted - set(by_key))
        if unknown:
            raise ValidationError(f"unknown item(s) in scope: {', '.join(unknown)}", field="items")
        open_items = [i for i in open_items if i.key in wanted or has_ancestor(i, wanted, by_key)]
    open_keys = {i.key for i in open_items}
    parents = {i.parent for i in ws.items if i.parent and i.is_open}
    leaves = sorted(
        (i for i in open_items if i.key not in parents or not _open_children(ws, i.key)),
        key=lambda i: i.key,
    )

    # Capacity over a long calendar so a big backlog still fits; the plan reports what spills.
    per_sprint = max(1, round(ws.cycles.sprint_length_days * 5 / 7))
    cal_days = max(options.sprints * per_sprint * 3, per_sprint * 4)
    calendar = capacity_calendar(ws, start=start, days=cal_days, added=options.added)
    # How wide an item may be, how much of a skill pool it takes and which work in progress
    # keeps going at once are decided on the teams as they are, without the what-if's hires:
    # then a hire only adds capacity, and every plan valid without it stays valid with it
    # (the start a hire's what-if improves on).
    shape = capacity_calendar(ws, start=start, days=cal_days) if options.added else calendar
    teams = sorted(ws.teams, key=lambda t: t.key)
    team_keys = tuple(t.key for t in teams)
    team_index = {t.key: k for k, t in enumerate(teams)}
    resources: list[Resource] = []
    shape_resources: list[Resource] = []
    team_cap: dict[str, tuple[int, ...]] = {}
    team_skills: dict[str, set[str]] = {}
    shape_cap: dict[str, tuple[int, ...]] = {}
    worker_units = {
        t.key: max(1, round(UNITS * t.focus_factor * (1.0 - t.unplanned_share))) for t in teams
    }
    for team in teams:
        per_worker = worker_units[team.key]
        cap, shape_cap[team.key] = _capacities(
            calendar.team(team.key).productive,
            shape.team(team.key).productive if options.added else None,
            options.capacity_bucket_days,
            per_worker,
        )
        team_cap[team.key] = cap
        resources.append(Resource(f"team:{team.key}", cap))
        shape_resources.append(Resource(f"team:{team.key}", shape_cap[team.key]))
        team_skills[team.key] = calendar.team(team.key).skills
    person_res: dict[str, int] = {}
    skill_res: dict[tuple[str, str], int] = {}
    pool_shape: dict[tuple[str, str], Resource] = {}

    estimates = [
        i.estimate.likely
        for i in leaves
        if i.estimate is not None and i.estimate.unit == EstimateUnit.POINTS
    ]
    default_points = float(np.median(estimates)) if estimates else 3.0

    tasks: list[Task] = []
    effort: dict[str, dict[str, float]] = {}
    cod: dict[str, float] = {}
    deadlines: dict[str, tuple[dt.date, bool]] = {}
    targets: dict[str, tuple[dt.date, str]] = {}
    overrides = options.cost_of_delay or {}
    committed = options.committed or {}
    in_progress_load: dict[str, int] = {}
    busy_people: set[str] = set()
    kept: list[Item] = []
    able: dict[str, list[str]] = {}
    blocked: dict[str, str] = {}
    for item in leaves:
        candidates = [
            t
            for t in _candidate_teams(item, ws, team_skills, team_keys)
            if _fits_somewhere(team_cap[t], worker_units[t])
        ]
        if candidates:
            able[item.key] = candidates
        else:
            blocked[item.key] = _unschedulable_reason(
                item, ws, team_skills, team_cap, worker_units, calendar
            )
    # Work that does not fit before the people who could do it leave (see build_inputs).
    blocked.update((key, why) for key, why in left_out.items() if key in able)
    needs = leaf_needs(leaves, open_keys, by_key)
    check_leaf_dependencies(needs, by_key, open_keys)
    # Planned as if the work it waits for were done, an item would be dated before that work
    # could happen: it cannot be scheduled either.
    _block_dependents(needs, blocked, by_key, open_keys)
    for item in leaves:
        if item.estimate is None:
            warnings.append(f"{item.key}: no estimate; assumed {default_points:g} points")
        if item.key in blocked:
            unscheduled.append((item.key, blocked[item.key]))
            continue
        candidates = able[item.key]
        modes: list[Mode] = []
        effort[item.key] = {}
        split = _is_split(item, options.split_default)
        efforts = {
            t: _effort_person_days(
                item,
                ws.team_by_key[t],
                default_points / ws.team_by_key[t].points_per_person_day
                if item.estimate is None or item.estimate.unit == EstimateUnit.POINTS
                else default_points,
            )
            for t in candidates
        }
        pieces_n = max(1, math.ceil(min(efforts.values()) / options.piece_days)) if split else 1
        for t in candidates:
            e = efforts[t]
            effort[item.key][t] = e
            # One person on an item uses (and delivers) the team's productive share of a day.
            per_worker = worker_units[t]
            pace = per_worker / UNITS
            typical = max(1, int(np.median(shape_cap[t][: per_sprint * 4])) // per_worker)
            # No wider than the team stays for good: a team that shrinks (people leave within
            # the calendar) can still do the item after they have left, only more slowly.
            staying = _for_good(shape_cap[t]) // per_worker
            if staying >= 1:
                typical = min(typical, staying)
            demands: list[tuple[int, int]] = []
            if split:
                size = max(1, math.ceil(e / pieces_n / pace))
                pieces = tuple([size] * pieces_n)
                demands.append((team_index[t], per_worker))
            else:
                width = max(
                    1, min(options.max_width, typical, math.ceil(e / options.whole_item_days))
                )
                pieces = (max(1, math.ceil(e / (width * pace))),)
                demands.append((team_index[t], width * per_worker))
            # The work that needs a skill also fits the capacity of the people who have it
            # (only where some of the team's people lack it; never more than they can give).
            team_units = demands[0][1]
            for skill in sorted(set(item.skills)):
                pool = (t, skill)
                if pool not in skill_res:
                    team_cal = calendar.team(t)
                    if all(skill in p.skills for p in team_cal.people):
                        skill_res[pool] = -1
                    else:
                        cap, alone = _capacities(
                            team_cal.productive_for(skill),
                            shape.team(t).productive_for(skill) if options.added else None,
                            options.capacity_bucket_days,
                            per_worker,
                        )
                        skill_res[pool] = len(resources)
                        resources.append(Resource(f"skill:{t}:{skill}", cap))
                        pool_shape[pool] = Resource(pool[1], alone)
                        shape_resources.append(Resource(resources[-1].key, alone))
                if skill_res[pool] >= 0:
                    # Never more than the pool can give, now or after the calendar's end; once
                    # everyone with the skill has left, the work must be done before then.
                    pool_cap = pool_shape[pool]
                    last = pool_cap.capacity[-1] if _for_good(pool_cap.capacity) else team_units
                    units = min(team_units, pool_cap.peak, last)
                    if units > 0:
                        demands.append((skill_res[pool], units))
            if item.assignee is not None:
                if item.assignee not in person_res:
                    person_res[item.assignee] = len(resources)
                    pc = next(p for p in calendar.team(t).people if p.person == item.assignee)
                    present = _bucketed(
                        (pc.present > 0).astype(np.float64), options.capacity_bucket_days
                    )
                    resources.append(
                        Resource(
                            f"person:{item.assignee}",
                            tuple(1 if v >= UNITS // 2 else 0 for v in present),
                        )
                    )
                    shape_resources.append(resources[-1])
                demands.append((person_res[item.assignee], 1))
            modes.append(Mode(label=t, pieces=pieces, demands=tuple(demands), wip_group=t))
        release = 0
        if item.release is not None:
            rel = ws.release_by_key[item.release]
            if rel.start is not None and rel.start > start:
                release = calendar.day_index(rel.start)
        deadline: int | None = None
        if item.deadline is not None:
            deadlines[item.key] = (item.deadline.date, item.deadline.hard)
            if item.deadline.hard:
                deadline = calendar.days_through(item.deadline.date)
        target = item_target(ws, item)
        if target is not None:
            targets[item.key] = target
        fixed: int | None = None
        if item.status == Status.IN_PROGRESS:
            t0 = modes[0].label
            width = modes[0].demands[0][1] * len(modes[0].pieces)
            person_busy = item.assignee is not None and item.assignee in busy_people
            if in_progress_load.get(t0, 0) + width <= shape_cap[t0][0] and not person_busy:
                in_progress_load[t0] = in_progress_load.get(t0, 0) + width
                if item.assignee is not None:
                    busy_people.add(item.assignee)
                fixed = 0
                # Work under way stays with whoever is on it: no skill-pool check for it.
                skill_pools = {r for r in skill_res.values() if r >= 0}
                modes = [
                    replace(
                        modes[0],
                        demands=tuple(d for d in modes[0].demands if d[0] not in skill_pools),
                    )
                ]
            else:
                who = f"{item.assignee} is" if person_busy else f"team {t0} is"
                warnings.append(
                    f"{item.key}: in progress, but {who} already busy with other work in "
                    "progress; scheduled as soon as that frees up"
                )
        c = overrides.get(item.key, item_cost_of_delay(item))
        if c is not None:
            cod[item.key] = float(c)
        prev = committed.get(item.key)
        tasks.append(
            Task(
                key=item.key,
                modes=tuple(modes),
                release=release,
                deadline=deadline,
                target=(
                    calendar.days_through(target[0])
                    if target is not None and options.targets
                    else None
                ),
                fixed_start=fixed,
                optional=item.key in options.drop_allowed,
                previous_start=calendar.day_index(prev.start) if prev is not None else None,
                previous_mode=prev.team if prev is not None else None,
            )
        )
        kept.append(item)
    leaves = kept
    index = {item.key: k for k, item in enumerate(leaves)}

    # Leaves of every open item (an epic delivers when its last leaf is done).
    leaf_sets: dict[str, list[int]] = {item.key: [k] for k, item in enumerate(leaves)}
    for item in leaves:
        parent = item.parent
        while parent is not None and parent in by_key:
            leaf_sets.setdefault(parent, []).append(index[item.key])
            parent = by_key[parent].parent

    precedences: set[tuple[int, int, int]] = set()
    for item in sorted(open_items, key=lambda i: i.key):
        for dep in item.dependencies:
            if dep.item not in open_keys:
                continue  # finished (or out of scope) work no longer holds anything up
            lag = math.ceil(dep.lag_days * 5 / 7)
            for a in leaf_sets.get(dep.item, []):
                for b in leaf_sets.get(item.key, []):
                    if a != b:
                        precedences.add((a, b, lag))
    # Dependencies inherited from ancestors apply to every leaf below them (done above by
    # expanding both sides to leaves); keep the strongest lag per pair.
    best_lag: dict[tuple[int, int], int] = {}
    for a, b, lag in precedences:
        best_lag[(a, b)] = max(lag, best_lag.get((a, b), 0))

    # Weights: cost of delay per working day, scaled to integers.
    valued = {k: v for k, v in cod.items() if v > 0 and k in leaf_sets}
    for item in open_items:
        c = overrides.get(item.key, item_cost_of_delay(item))
        if c is not None and c > 0 and item.key in leaf_sets:
            valued[item.key] = float(c)
            cod[item.key] = float(c)
    top = max(valued.values(), default=1.0)
    scale = 1000.0 / top
    tasks_weighted: list[Task] = []
    for task in tasks:
        w = round(valued.get(task.key, 0.0) * scale)
        if task.key not in valued:
            w = 0
        tasks_weighted.append(replace(task, weight=w) if w else task)
    # Items without any value anywhere above them still should not drift: a small weight.
    covered = {i for key in valued for i in leaf_sets[key]}
    tasks_final = [
        t if k in covered else replace(t, weight=max(t.weight, 1))
        for k, t in enumerate(tasks_weighted)
    ]
    milestones: list[Milestone] = []
    rollups: dict[str, tuple[int, ...]] = {}
    for key, members in sorted(leaf_sets.items()):
        if key in index:
            continue
        item = by_key[key]
        rollups[key] = tuple(sorted(set(members)))
        deadline = None
        if item.deadline is not None:
            deadlines[key] = (item.deadline.date, item.deadline.hard)
            if item.deadline.hard:
                deadline = calendar.days_through(item.deadline.date)
        w = round(valued.get(key, 0.0) * scale)
        if w or deadline is not None:
            milestones.append(Milestone(key, rollups[key], weight=w, deadline=deadline))

    if options.drop_allowed:
        # Cutting scope is the last resort: a dropped person-day of work costs more than
        # delaying every item by a day, so the solver cuts the least effort it can.
        total_weight = sum(t.weight for t in tasks_final) + sum(m.weight for m in milestones)
        tasks_final = [
            replace(
                t,
                drop_penalty=max(1, round(10 * min(effort[t.key].values()))) * max(1, total_weight),
            )
            if t.optional
            else t
            for t in tasks_final
        ]
    stability = 0
    if committed:
        mean_w = float(np.mean([t.weight for t in tasks_final])) if tasks_final else 1.0
        stability = max(1, round(options.stability_weight * mean_w))
    wip = tuple((t.key, t.wip_limit) for t in teams if t.wip_limit is not None)
    problem = Problem(
        tasks=tuple(tasks_final),
        resources=tuple(resources),
        precedences=tuple(Precedence(a, b, lag) for (a, b), lag in sorted(best_lag.items())),
        milestones=tuple(milestones),
        wip_limits=wip,
        stability_weight=stability,
    )
    inputs = RoadmapInputs(
        problem=problem,
        calendar=calendar,
        leaves=tuple(leaves),
        team_keys=team_keys,
        cod=cod,
        effort=effort,
        weight_scale=scale,
        rollups=rollups,
        warnings=tuple(warnings),
        unscheduled=tuple(unscheduled),
        deadlines=deadlines,
        targets=targets,
        worker_units=worker_units,
        rank_order=_rank_order(leaves, by_key, cod, options.rank),
        money=frozenset(
            key
            for key in cod
            if key in overrides or (key in by_key and by_key[key].value.cost_of_delay is not None)
        ),
    )
    return inputs, tuple(shape_resources)


def _rank_order(
    leaves: Sequence[Item],
    by_key: Mapping[str, Item],
    cod: Mapping[str, float],
    rank: Mapping[str, int] | None,
) -> tuple[int, ...]:
    def value(item: Item) -> float:
        key: str | None = item.key
        while key is not None:
            if cod.get(key, 0.0) > 0:
                return cod[key]
            key = by_key[key].parent if key in by_key else None
        return 0.0

    if rank is not None:
        last = max(rank.values(), default=0) + 1
        keys = [(rank.get(item.key, last), item.key) for item in leaves]
    else:
        keys = [(-value(item), item.key) for item in leaves]  # type: ignore[misc]
    return tuple(sorted(range(len(leaves)), key=lambda k: keys[k]))


def has_ancestor(item: Item, keys: set[str], by_key: Mapping[str, Item]) -> bool:
    """Whether an item above ``item`` in the hierarchy (any depth) is one of ``keys``."""
    return any(k in keys for k in ancestor_keys(item, by_key))


def _open_children(ws: Workspace, key: str) -> bool:
    return any(c.is_open for c in ws.children(key))


def _is_split(item: Item, default: bool) -> bool:
    tags = {t.lower() for t in item.tags}
    if tags & {"keep-whole", "whole"}:
        return False
    if tags & {"split", "splittable"}:
        return True
    return default


def _owner(ws: Workspace, person: str) -> str:
    return next(t.key for t in ws.teams if any(p.key == person for p in t.people))


def _team_of(item: Item, ws: Workspace) -> str | None:
    """The team an item is pinned to: its own, else its nearest ancestor's (a story of the
    mobile team's epic is mobile's work, as the release planner and the docs have it)."""
    team = ws.inherited(item, "team")
    return str(team) if team else None


def _candidate_teams(
    item: Item, ws: Workspace, skills: Mapping[str, set[str]], team_keys: Sequence[str]
) -> list[str]:
    team = _team_of(item, ws)
    if item.assignee is not None:
        pool = [_owner(ws, item.assignee)]
    elif team is not None:
        pool = [team]
    else:
        pool = list(team_keys)
    need = set(item.skills)
    return [t for t in pool if need <= skills.get(t, set()) and ws.team_by_key[t].people]


def _fits_somewhere(cap: Sequence[int], units: int) -> bool:
    return max(cap) >= units


def _unschedulable_reason(
    item: Item,
    ws: Workspace,
    skills: Mapping[str, set[str]],
    team_cap: Mapping[str, Sequence[int]],
    worker_units: Mapping[str, int],
    calendar: CapacityCalendar,
) -> str:
    """Why no team can take ``item``, in the user's words: for each team it could go to, the
    first thing that rules the team out (the checks of ``build_inputs``, in its order)."""
    need = set(item.skills)
    end = calendar.days[-1]

    def unable(t: str) -> str:
        team = ws.team_by_key[t]
        cap = team_cap[t]
        missing = need - skills.get(t, set())
        if not team.people:
            return "has no people"
        if missing:
            return f"lacks skill(s) {', '.join(sorted(missing))}"
        if max(cap) <= 0:
            return f"has no capacity within the plan's calendar (up to {end})"
        if not _fits_somewhere(cap, worker_units[t]):
            # An item takes at least one person's productive share of a day.
            return (
                "never has one whole person's productive time on a day (at most "
                f"{max(cap) / worker_units[t]:.0%} of it), the least an item takes"
            )
        return "cannot take it"  # pragma: no cover - every exclusion is named above

    if item.assignee is not None:
        owner = _owner(ws, item.assignee)
        return f"its assignee {item.assignee} is on team '{owner}', which {unable(owner)}"
    team = _team_of(item, ws)
    if team is not None:
        source = ""
        if item.team is None:
            holder = next(a for a in ancestry(item, ws.item_by_key) if a.team == team)
            source = f" (the team of its {kind_name(holder)} {holder.key})"
        return f"team '{team}'{source} {unable(team)}"
    with_skills = sorted(t.key for t in ws.teams if need <= skills.get(t.key, set()))
    if not with_skills:
        if need:
            return f"no team has all of its skills ({', '.join(sorted(need))})"
        return "there is no team to do it"
    lead = f"no team with its skills ({', '.join(sorted(need))})" if need else "no team"
    return f"{lead} can take it: " + "; ".join(f"team '{t}' {unable(t)}" for t in with_skills)


def _block_dependents(
    needs: Mapping[str, list[str]],
    blocked: dict[str, str],
    by_key: Mapping[str, Item],
    open_keys: set[str],
) -> None:
    """Add to ``blocked`` every leaf that waits (directly, through an ancestor's dependency,
    or through an epic holding it, at any depth) for a blocked leaf, with why. Each names the
    first (by key) blocked leaf it waits for, and where that is blocked only by what it waits
    for in turn, the work at the root of it, so a long chain does not nest its reasons."""
    root = {key: (key, reason) for key, reason in blocked.items()}
    # Prerequisites first, so that a leaf's reason never depends on the order visited.
    for key in graphlib.TopologicalSorter(needs).static_order():
        if key in blocked or key not in needs:
            continue
        first = next((n for n in needs[key] if n in blocked), None)
        if first is None:
            continue
        node, target = dependency_via(by_key[key], first, by_key, open_keys)
        who = "" if node.key == key else f"its {kind_name(node)} {node.key} "
        what = (
            f"depends on {first}, which"
            if target == first
            else f"depends on {target}, whose item {first}"
        )
        source, reason = root[first]
        why = (
            reason
            if source == first
            else f"it waits for {source}, which cannot be scheduled: {reason}"
        )
        blocked[key] = f"{who}{what} cannot be scheduled ({why})"
        root[key] = (source, reason)


def _leaving_first(
    problem: Problem, shape: Sequence[Resource], rank_order: Sequence[int]
) -> tuple[int, ...] | None:
    """``rank_order`` with the tasks that must end before a capacity ends for good (every
    mode takes more of some resource than it has after the calendar: a team whose people
    all leave, the last of its people with a skill, an assignee who leaves), and the tasks
    they wait for, first; None when there are none."""

    def ends(mode: Mode) -> bool:
        return any(units > 0 and _ends_below(shape[r].capacity, units) for r, units in mode.demands)

    first = {i for i, task in enumerate(problem.tasks) if all(ends(m) for m in task.modes)}
    if not first:
        return None
    preds = problem.predecessors()
    todo = list(first)
    while todo:
        for j, _ in preds[todo.pop()]:
            if j not in first:
                first.add(j)
                todo.append(j)
    return tuple(i for i in rank_order if i in first) + tuple(
        i for i in rank_order if i not in first
    )


def _unfit_reason(
    ws: Workspace,
    inputs: RoadmapInputs,
    stage: Problem,
    fit: Fit,
    i: int,
) -> str:
    """Why task ``i`` did not fit in ``fit``, for each team it could go to: who leaves and
    when, the work it needs and the capacity left (and what took it)."""
    cal = inputs.calendar
    task = stage.tasks[i]
    item = inputs.leaves[i]
    earliest = task.release if task.fixed_start is None else task.fixed_start
    waits = False
    for j, lag in stage.predecessors()[i]:
        p = fit.placements[j]
        if p is not None and task_end(stage, j, p) + lag > earliest:
            earliest, waits = task_end(stage, j, p) + lag, True
    taken = [(j, p) for j in fit.placed_before[i] if (p := fit.placements[j]) is not None]
    reasons: list[str] = []
    for m, mode in enumerate(task.modes):
        limited = [
            (r, units)
            for r, units in mode.demands
            if units > 0 and _ends_below(stage.resources[r].capacity, units)
        ]
        if not limited:  # pragma: no cover - a task with such a mode always fits
            continue
        # The resource that rules it out: the first it does not fit on, given the work placed
        # before it (where none does alone, it is the combination: the first named).
        r, units = next(
            (
                (r, units)
                for r, units in limited
                if place_alone(stage, i, m, earliest, taken, [r]) is None
            ),
            limited[0],
        )
        alone = place_alone(stage, i, m, earliest, (), [r]) is None
        cap = np.array(stage.resources[r].capacity, dtype=np.int64)
        load = np.zeros(len(cap), dtype=np.int64)
        before: list[str] = []
        for j, p in taken:
            other = stage.tasks[j].modes[p.mode]
            use = dict(other.demands).get(r, 0)
            if use <= 0:
                continue
            for s, d in zip(p.starts, other.pieces, strict=True):
                load[s : min(s + d, len(cap))] += use
            if task_end(stage, j, p) > earliest and task_start(p) < len(cap):
                before.append(stage.tasks[j].key)
        kind, _, name = stage.resources[r].key.partition(":")
        who, gone, until = _who_leaves(ws, kind, name, mode.label, cap, units, cal)
        since = (
            f" from {cal.date_of(earliest)}, when the work it waits for is done"
            if waits
            else (f" from {cal.date_of(earliest)}, its release's start" if earliest else "")
        )
        # What they have from its earliest start until then (a part-timer who stays on counts
        # for nothing here: the item takes more than that).
        free = np.clip(cap[earliest:until], 0, None)
        if kind == "person":
            need = f"it takes {mode.work} working day(s)"
            left = int(np.count_nonzero(free >= units))
            used = int(np.count_nonzero(load[earliest:until] > 0))
            have = f"{name} has {left} left{since}"
            took = f"{used} working day(s)"
            roomy = left - used >= mode.work
        else:
            width = max(1, round(mode.demands[0][1] / inputs.worker_units[mode.label]))
            stretch = (
                f"{'one person' if width == 1 else f'{width} people'} for {mode.pieces[0]} "
                "working days in a row"
                if len(mode.pieces) == 1
                else f"in pieces of {mode.pieces[0]} working days in a row for one person"
            )
            need = f"it needs {_days(inputs.effort[item.key][mode.label])} person-days, {stretch}"
            left = int(free.sum())
            used = int(np.minimum(load[earliest:until], free).sum())
            holder = "the team" if kind == "team" else f"its people with {name.split(':', 1)[1]}"
            have = (
                f"{holder} {'has' if kind == 'team' else 'have'} {_days(left / UNITS)} left{since}"
            )
            took = _days(used / UNITS)
            roomy = left - used >= units * mode.work
        if alone or not before:
            reason = f"{who} cannot finish it before {gone}: {need}, and {have}"
            if roomy:
                reason += ", but never that many for that long"
        else:
            shown = ", ".join(before[:3]) + (
                f" and {len(before) - 3} more" if len(before) > 3 else ""
            )
            reason = (
                f"{who} cannot also fit it before {gone}: {need}; {have}, the work ranked "
                f"before it ({shown}) takes {took} of that"
            )
            reason += (
                ", and what remains is never that many for that long"
                if roomy
                else ", and the rest is not enough"
            )
        reasons.append(reason)
    if not reasons:  # placed behind work that fits only before people leave, with no room left
        return (
            "no room is left for it on the plan's calendar after the work that must be done "
            "before people leave"
        )
    if len(reasons) == 1:
        return reasons[0]
    return "no team that could take it can fit it: " + "; ".join(reasons)


def _ends_below(capacity: Sequence[int], units: int) -> bool:
    """Whether ``capacity`` ends for good below ``units``: through the calendar's last quarter,
    or at its last day, which is what it holds past the calendar (someone who leaves in the
    last weeks: the schedulers place nothing that needs them after the calendar's end)."""
    return _for_good(capacity) < units or capacity[-1] < units


def _for_good(capacity: Sequence[int]) -> int:
    """The most a capacity has through the last quarter of the calendar (see FOR_GOOD_DAYS)."""
    return max(capacity[-FOR_GOOD_DAYS:])


def _days(person_days: float) -> str:
    return f"{round(person_days, 1):g}"


def _who_leaves(
    ws: Workspace,
    kind: str,
    name: str,
    team: str,
    cap: NDArray[np.int64],
    units: int,
    cal: CapacityCalendar,
) -> tuple[str, str, int]:
    """Who (a team, its people with a skill, an assignee), in words the time after which they
    cannot do the work (the day the last of them leaves, else the first day from which they
    stay below what it takes), and the index of the day their capacity for it ends."""
    enough = np.flatnonzero(cap >= units)
    until = int(enough[-1]) + 1 if enough.size else 0
    after = cal.date_of(until)
    if kind == "person":
        person = next(p for t in ws.teams for p in t.people if p.key == name)
        who = f"its assignee {name} (team '{_owner(ws, name)}')"
        if person.leaves is not None:
            return who, f"leaving on {person.leaves}", len(cap)
        return who, f"being away from {after} to the end of the plan's calendar", until
    if kind == "skill":
        skill = name.split(":", 1)[1]
        people = [p for p in ws.team_by_key[team].people if skill in p.skills]
        who = f"team '{team}'"
    else:
        people = list(ws.team_by_key[team].people)
        who = f"team '{team}'"
    with_skill = f" with {name.split(':', 1)[1]}" if kind == "skill" else ""
    dates = [p.leaves for p in people]
    if dates and all(d is not None for d in dates):
        last = max(d for d in dates if d is not None)
        return who, f"everyone on it{with_skill} has left (the last leaves on {last})", len(cap)
    return who, f"it has too few people{with_skill} left for it, from {after}", until


# --------------------------------------------------------------------------- planning


def plan_roadmap(ws: Workspace, options: RoadmapOptions | None = None) -> Roadmap:
    """Schedule the open items of ``ws``: CP-SAT plan, baseline beside it, deadlines explained.

    Hard deadlines that cannot all be met do not fail the plan: it is re-solved with them soft
    (lateness costs far more than any delay), and every late item is reported with the chain
    of dependencies and capacity that holds it up.
    """
    options = options or RoadmapOptions()
    inputs = build_inputs(ws, options)
    problem = inputs.problem
    warnings = list(inputs.warnings)
    if not problem.tasks:
        # Say why, item by item: the reasons are otherwise only on the plan that is not made.
        why = "; ".join(f"{key}: {reason}" for key, reason in inputs.unscheduled[:5])
        if len(inputs.unscheduled) > 5:
            why += f"; and {len(inputs.unscheduled) - 5} more"
        raise InfeasibleError(
            "nothing to schedule: no open items with a team that can do them"
            + (f" ({why})" if why else "")
        )
    if _pinned_work_clashes(problem):
        # Known before any search: the solver's time goes to the plan, not to proving that
        # no plan keeps the work in progress pinned (nor is that blamed on the deadlines).
        problem = _unpinned(problem)
        inputs = replace(inputs, problem=problem)
        warnings.append(_UNPINNED_WARNING)
    solve_options = _solve_options(inputs, options)
    warm = _placements_of(problem, options.warm_start) if options.warm_start else None
    if warm is None and inputs.fitted is not None:
        # Work that must be done before people leave fits as it was decided: a start the
        # priority rules may not find again (also where a warm start given does not fit the
        # workspace, as another scenario's plan may not).
        warm = list(inputs.fitted)
    try:
        solution = _improve(problem, solve_options, warm, options)
        if solution is None:
            solution = solve(problem, solve_options, warm_start=warm)
    except ValueError as exc:
        raise InfeasibleError(
            f"the items cannot be placed on the teams' calendars: {exc}"
        ) from None
    if not solution.feasible and not options.soft_deadlines:
        proven = solution.status == "INFEASIBLE"
        warnings.append(
            "the hard deadlines cannot all be met"
            if proven
            else f"no plan meeting every hard deadline was found in {options.time_limit:g} s"
        )
        warnings[-1] += "; planned with deadlines as targets and the misses reported"
        # Whatever the first search left of the time budget, but at least a quarter of it.
        remaining = max(options.time_limit - solution.seconds, options.time_limit / 4)
        solve_options = replace(solve_options, soft_deadlines=True, time_limit=remaining)
        solution = solve(problem, solve_options, warm_start=warm)
    if not solution.feasible and solution.status == "INFEASIBLE":
        # Work in progress pinned to today is the last thing that can clash: let it move.
        loose = _unpinned(problem)
        if loose != problem:
            warnings.append(_UNPINNED_WARNING)
            problem = loose
            inputs = replace(inputs, problem=loose)
            solution = solve(problem, solve_options, warm_start=warm)
    if not solution.feasible:
        raise InfeasibleError(
            f"no plan found within {options.time_limit:g} s ({solution.status}); "
            "allow more time (--time-limit)"
        )
    return _read_back(ws, inputs, solution, options, solve_options, warnings)


def replay_roadmap(
    ws: Workspace,
    start: dt.date,
    placements: Mapping[str, tuple[str, tuple[int, ...]]],
    stored: PlanSummary,
    options: RoadmapOptions | None = None,
) -> Roadmap | None:
    """A stored plan (``Roadmap.placements`` from ``start``) as a roadmap of ``ws``, without
    solving: the same items, teams and days, so a view can show the plan others follow. The
    solver's verdict (method, optimality, gap, seconds) is the ``stored`` summary's.

    Open items the plan does not hold (added since) come after it, as the delivery forecast
    works them: each starts no earlier than the end of the stored work of the teams that can
    do it, in backlog rank order (list scheduling around the stored plan).

    When today's plan starts later than ``start`` (the as-of date moved on), the plan keeps
    its teams and order and each item its date where it still can (:func:`_moved_on`;
    ``Roadmap.replay`` names what moved and why). Such a plan is no longer the solver's, so
    it claims no optimality.

    ``None`` when the plan no longer fits the workspace: it starts after today's plan start,
    an item in it is on a team that can no longer do it, or it breaks capacity, a dependency,
    a release date or work in progress as they are now. The caller plans afresh.
    """
    options = options or RoadmapOptions()
    # A plan made holding targets is shown, and weighed, as it was made.
    options = replace(options, targets=options.targets or stored.targets_held)
    inputs = build_inputs(ws, options)
    problem = inputs.problem
    first_day = inputs.calendar.start
    if not problem.tasks or start > first_day:
        return None
    moved = bisect.bisect_left(working_days(start, (first_day - start).days + 1), first_day)
    if moved:
        placements = {
            key: (label, tuple(day - moved for day in days))
            for key, (label, days) in placements.items()
        }
    plan = _placements_of(problem, placements, partial=True)
    if plan is None or all(p is None for p in plan):
        return None
    warnings = list(inputs.warnings)
    added = tuple(t.key for t, p in zip(problem.tasks, plan, strict=True) if p is None)
    filled = _replayed(problem, plan, inputs.rank_order, moved)
    if filled is None:
        # As when planning: work in progress pinned to today is the last thing that can
        # clash (someone on it is away before it ends); let it move.
        loose = _unpinned(problem)
        if loose == problem:
            return None
        filled = _replayed(loose, plan, inputs.rank_order, moved)
        if filled is None:
            return None
        problem = loose
        inputs = replace(inputs, problem=loose)
        warnings.append(_UNPINNED_WARNING)
    solve_options = _solve_options(inputs, options)
    solution = Solution(
        placements=tuple(filled),
        objective=evaluate(problem, filled, solve_options),
        bound=stored.bound if not moved else math.nan,
        # Items placed after the plan were never part of the solver's search: its bound
        # still holds (they only add delay), its proof does not.
        proven_optimal=stored.proven_optimal and not moved and not added,
        feasible=True,
        seconds=stored.seconds,
        method=stored.method,
        status=stored.status,
    )
    roadmap = _read_back(ws, inputs, solution, options, solve_options, warnings)
    if not moved and not added:
        return roadmap
    slipped, started, pushed = [], [], []
    for task, was, now in zip(problem.tasks, plan, filled, strict=True):
        if was is None or now is None or not moved:
            continue
        if task.fixed_start is not None and task_start(was) != task.fixed_start:
            started.append(task.key)
        elif task_start(was) < 0:
            slipped.append(task.key)
        elif now.starts != was.starts:
            pushed.append(task.key)
    replay = Replay(start, moved, tuple(slipped), tuple(started), tuple(pushed), added)
    return replace(roadmap, replay=replay)


def _replayed(
    problem: Problem, plan: Sequence[Placement | None], rank_order: Sequence[int], moved: int
) -> list[Placement | None] | None:
    """``plan`` (moved back ``moved`` working days) completed and checked against
    ``problem``; None when it breaks a rule or an item fits nowhere within the horizon."""
    try:
        if moved:
            filled = _moved_on(problem, plan, rank_order)
        elif any(p is None for p in plan):
            filled = _after_the_plan(problem, plan, rank_order)
        else:
            filled = list(plan)
    except ValueError:
        return None
    return None if violations(problem, filled, deadlines=False) else filled


def _moved_on(
    problem: Problem, plan: Sequence[Placement | None], rank_order: Sequence[int]
) -> list[Placement | None]:
    """A stored plan whose days were moved back to a later first day, made valid again.

    Each stored item keeps its team and goes, in the stored plan's order, to its stored day or
    the first day after it that capacity and what it waits for allow (list scheduling with
    each stored day as a release date). So an item whose day is still free keeps it, work
    under way starts on the first day, and items the plan started before the first day (which
    have not started) come first, as the delivery forecast works the plan's order. Open items
    the plan does not hold come after their team's stored work, as in :func:`_after_the_plan`.
    """
    last_end = _team_ends(problem, plan)
    tasks = []
    for i, task in enumerate(problem.tasks):
        p = plan[i]
        if p is None:
            tasks.append(_after_team_work(task, last_end))
        elif task.fixed_start is not None:
            tasks.append(replace(task, modes=(task.modes[p.mode],)))
        else:
            day = max(task.release, task_start(p))
            tasks.append(replace(task, modes=(task.modes[p.mode],), release=day))
    rank = {task: position for position, task in enumerate(rank_order)}

    def stored_order(i: int) -> tuple[bool, int, int]:
        p = plan[i]
        return (p is None, task_start(p) if p is not None else 0, rank.get(i, len(rank)))

    order = sorted(range(len(problem.tasks)), key=stored_order)
    filled = list_schedule(replace(problem, tasks=tuple(tasks)), order=order)
    out: list[Placement | None] = []
    for was, now in zip(plan, filled.placements, strict=True):
        if now is None or was is None:
            out.append(now)
        else:  # its one mode here is its stored team's mode there
            out.append(Placement(mode=was.mode, starts=now.starts))
    return out


REPLAN_CHECK_ROUNDS = 20
"""Local-search rounds of :func:`replan_gain`: about a second on the sample's 137 items."""
REPLAN_WORTH = 0.02
"""The share of the cost of delay (or of the value delivered) a re-plan must be found to gain
before the views suggest it; fewer hard deadlines missed is always worth it."""


@dataclass(frozen=True)
class ReplanGain:
    """What re-planning would gain over a plan that changed since it was solved (a stored
    plan moved on, or holding items added since): what a short local search from it already
    found. ``roadwise plan roadmap`` starts its longer search from that plan."""

    objective: Objective
    shown: PlanSummary
    replanned: PlanSummary
    """The best plan the local search found (never worse than ``shown`` in the solver's
    terms, hard deadlines missed first)."""
    items_moved: int
    """Items the better plan starts on another day or gives to another team."""
    rounds: int
    """Rounds of local search that ran: those asked for, unless the time limit came first."""
    placements: Mapping[str, tuple[str, tuple[int, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )
    """The better plan (item key -> team, start day of every piece): a re-plan's start."""

    @property
    def gain(self) -> float:
        """Money saved (cost of delay) or delivered in addition (value by date); >= 0."""
        if self.objective == "value-by-date":
            return max(0.0, self.replanned.value_delivered - self.shown.value_delivered)
        return max(0.0, self.shown.cost_of_delay - self.replanned.cost_of_delay)

    @property
    def share(self) -> float:
        """``gain`` as a share of the shown plan's cost of delay (or value delivered)."""
        if self.objective == "value-by-date":
            base = self.shown.value_delivered
        else:
            base = self.shown.cost_of_delay
        return self.gain / base if base > 0 else 0.0

    @property
    def deadlines_met(self) -> int:
        """Hard deadlines the better plan meets that the shown one misses."""
        return max(0, self.shown.late_items - self.replanned.late_items)

    @property
    def worth_it(self) -> bool:
        return self.deadlines_met > 0 or self.share >= REPLAN_WORTH


def replan_gain(
    ws: Workspace,
    roadmap: Roadmap,
    options: RoadmapOptions | None = None,
    rounds: int = REPLAN_CHECK_ROUNDS,
    time_limit: float = 5.0,
) -> ReplanGain | None:
    """How far ``roadmap`` (a plan of ``ws``, typically the stored one as
    :func:`replay_roadmap` shows it) has drifted from what re-planning would find: its
    placements improved by ``rounds`` rounds of deterministic large-neighbourhood search (the
    same on any machine load; about a second on the sample), within ``time_limit`` seconds
    (a safety cap for very large plans: a view must not wait long for it).

    A stored plan is optimised for the day it was solved: as the as-of date moves on and
    items are added, its order stays while the best order changes. The search starts from the
    plan itself, and a re-plan can start from what it finds (``ReplanGain.placements``), so
    re-planning does at least as well in the solver's terms. Deadlines count
    as targets here (missing one costs more than any delay), so a plan that now misses one can
    be improved too. None when ``roadmap`` is not a plan of ``ws`` as it is now.
    """
    options = options or RoadmapOptions()
    inputs = build_inputs(ws, options)
    problem = inputs.problem
    plan = _placements_of(problem, roadmap.placements)
    if plan is None or not problem.tasks:
        return None
    solve_options = replace(_solve_options(inputs, options), soft_deadlines=True)
    if violations(problem, plan, deadlines=False):
        # The plan may run with work in progress unpinned (see replay_roadmap).
        problem = _unpinned(problem)
        if violations(problem, plan, deadlines=False):
            return None
        inputs = replace(inputs, problem=problem)
    settings = ImproveOptions(rounds=rounds, seed=options.seed, time_limit=time_limit)
    better = improve(problem, solve_options, plan, settings)
    quiet = replace(options, baseline=False, explain=False)
    shown = _read_back(
        ws, inputs, replace(better, placements=tuple(plan)), quiet, solve_options, []
    )
    replanned = _read_back(ws, inputs, better, quiet, solve_options, [])
    moved = sum(1 for was, now in zip(plan, better.placements, strict=True) if was != now)
    return ReplanGain(
        options.objective,
        shown.summary,
        replanned.summary,
        moved,
        better.rounds,
        replanned.placements,
    )


def _solve_options(inputs: RoadmapInputs, options: RoadmapOptions) -> SolveOptions:
    if options.objective == "value-by-date" and options.value_date is None:
        raise ValidationError("the value-by-date objective needs a date", field="value_date")
    return SolveOptions(
        objective="value_by_date" if options.objective == "value-by-date" else "weighted_delay",
        value_date=(
            inputs.calendar.days_through(options.value_date)
            if options.value_date is not None
            else None
        ),
        time_limit=options.time_limit,
        workers=options.workers,
        seed=options.seed,
        soft_deadlines=options.soft_deadlines,
        lateness_weight=_lateness_weight(inputs.problem),
        target_weight=_target_weight(inputs.problem) if options.targets else 0,
    )


def _after_the_plan(
    problem: Problem, plan: Sequence[Placement | None], rank_order: Sequence[int]
) -> list[Placement | None]:
    """``plan`` with its unplaced tasks scheduled after the placed work of their teams."""
    last_end = _team_ends(problem, plan)
    later = tuple(
        task if plan[i] is not None else _after_team_work(task, last_end)
        for i, task in enumerate(problem.tasks)
    )
    filled = list_schedule(replace(problem, tasks=later), order=rank_order, placed=plan)
    return list(filled.placements)


def _team_ends(problem: Problem, plan: Sequence[Placement | None]) -> dict[str, int]:
    """Team (mode label) -> the day after the last placed work of that team."""
    last_end: dict[str, int] = {}
    for i, p in enumerate(plan):
        if p is not None:
            label = problem.tasks[i].modes[p.mode].label
            last_end[label] = max(last_end.get(label, 0), task_end(problem, i, p))
    return last_end


def _after_team_work(task: Task, last_end: Mapping[str, int]) -> Task:
    """``task`` released no earlier than the end of the placed work of a team that can do it:
    an item the stored plan does not hold comes after it, as the delivery forecast works it."""
    after = min(last_end.get(m.label, 0) for m in task.modes)
    return replace(task, release=max(task.release, after))


_UNPINNED_WARNING = (
    "the work in progress cannot all continue today within capacity; "
    "planned without pinning it to today"
)


def _pinned_work_clashes(problem: Problem) -> bool:
    """Whether the work in progress, pinned to the first day, breaks a capacity on its own
    (someone on it is away before it ends, or several items hold one person): then no plan
    keeps it pinned. False where that cannot be told without solving (an item in progress
    that some other team could take over, or that runs in pieces)."""
    pinned = tuple(t for t in problem.tasks if t.fixed_start is not None)
    if not pinned or any(len(t.modes) > 1 or len(t.modes[0].pieces) > 1 for t in pinned):
        return False
    alone = replace(problem, tasks=pinned, precedences=(), milestones=())
    placed = [
        Placement(mode=0, starts=(t.fixed_start,)) for t in pinned if t.fixed_start is not None
    ]
    return bool(violations(alone, placed, deadlines=False))


def _unpinned(problem: Problem) -> Problem:
    """``problem`` with its work in progress free to move (no fixed start)."""
    return replace(problem, tasks=tuple(replace(t, fixed_start=None) for t in problem.tasks))


def _placements_of(
    problem: Problem,
    known: Mapping[str, tuple[str, tuple[int, ...]]],
    *,
    partial: bool = False,
) -> list[Placement | None] | None:
    """``known`` (item key -> team, piece starts) as placements of ``problem``'s tasks; None
    when a task is missing (``partial``: left unplaced instead), its team cannot do it now,
    or its pieces changed."""
    plan: list[Placement | None] = []
    for task in problem.tasks:
        entry = known.get(task.key)
        labels = [m.label for m in task.modes]
        if entry is None and partial:
            plan.append(None)
            continue
        if entry is None or entry[0] not in labels:
            return None
        mode = labels.index(entry[0])
        if len(entry[1]) != len(task.modes[mode].pieces):
            return None
        plan.append(Placement(mode=mode, starts=tuple(entry[1])))
    return plan


def _read_back(
    ws: Workspace,
    inputs: RoadmapInputs,
    solution: Solution,
    options: RoadmapOptions,
    solve_options: SolveOptions,
    warnings: list[str],
) -> Roadmap:
    """The roadmap of a schedule of ``inputs.problem``: dated items, summaries, lateness."""
    problem = inputs.problem
    items, rollups = _scheduled(ws, inputs, solution.placements)
    summary = _summary(inputs, solution, items, rollups, options, solve_options)
    baseline_summary: PlanSummary | None = None
    baseline_items: tuple[ScheduledItem, ...] = ()
    if options.baseline:
        base = _baseline(inputs)
        b_items, b_rollups = _scheduled(ws, inputs, base.placements)
        baseline_items = b_items
        baseline_summary = replace(
            _summary(inputs, base, b_items, b_rollups, options, solve_options),
            targets_held=False,  # the rank order holds none
        )
    lateness: tuple[Lateness, ...] = ()
    if options.explain:
        lateness = explain_lateness(inputs, solution.placements, items, rollups)
    dropped = tuple(problem.tasks[i].key for i, p in enumerate(solution.placements) if p is None)
    return Roadmap(
        start=inputs.calendar.start,
        objective=options.objective,
        items=items,
        rollups=rollups,
        summary=summary,
        baseline=baseline_summary,
        baseline_items=baseline_items,
        dropped=dropped,
        lateness=lateness,
        unscheduled=inputs.unscheduled,
        warnings=tuple(warnings),
        calendar=inputs.calendar,
        placements={
            problem.tasks[i].key: (problem.tasks[i].modes[p.mode].label, p.starts)
            for i, p in enumerate(solution.placements)
            if p is not None
        },
    )


def _baseline(inputs: RoadmapInputs) -> Solution:
    """The rank-order list schedule (what today's tools do)."""
    try:
        return list_schedule(inputs.problem, order=inputs.rank_order)
    except ValueError:
        if inputs.fitted is None:
            raise
    # The same rank order decided what fits before people leave, but on the teams without the
    # what-if's hires (or with work in progress unpinned): on these teams list scheduling can
    # place earlier work elsewhere and crowd out some of it. That schedule is valid here too.
    return Solution(
        placements=inputs.fitted,
        objective=0.0,
        bound=0.0,
        proven_optimal=False,
        feasible=True,
        seconds=0.0,
        method="list scheduling (given order)",
    )


def _improve(
    problem: Problem,
    solve_options: SolveOptions,
    warm: Sequence[Placement | None] | None,
    options: RoadmapOptions,
) -> Solution | None:
    """The warm start (or without one, the list-scheduling start) improved by local search,
    or None where the full search must run (no improvement rounds asked for, a warm start
    that leaves items out, or no valid start)."""
    if options.improve_rounds <= 0 or (warm is None and options.warm_start):
        return None
    start = starting_schedule(problem, solve_options, warm)
    if start is None:
        return None
    # The rounds are the budget, so the numbers do not depend on the machine's load; the
    # wall-clock cap is a safety net only, never below what the full search would have taken.
    settings = ImproveOptions(
        rounds=options.improve_rounds,
        seed=options.seed,
        time_limit=max(options.time_limit, ImproveOptions.time_limit),
    )
    return improve(problem, solve_options, start, settings)


def _lateness_weight(problem: Problem) -> int:
    return max(1000, 10 * _total_weight(problem))


def _target_weight(problem: Problem) -> int:
    # A day past a target costs a day's delay of every item: below a hard deadline's day
    # (ten times that). Pulling a long item forward can still delay the rest by more, so a
    # target can lose to the cost of delay (the docs and the CLI say so).
    return max(100, _total_weight(problem))


def _total_weight(problem: Problem) -> int:
    return sum(t.weight for t in problem.tasks) + sum(m.weight for m in problem.milestones)


def _scheduled(
    ws: Workspace, inputs: RoadmapInputs, placements: Sequence[Placement | None]
) -> tuple[tuple[ScheduledItem, ...], tuple[ScheduledItem, ...]]:
    cal = inputs.calendar
    problem = inputs.problem
    leaves: list[ScheduledItem] = []
    spans: dict[int, tuple[int, int, str]] = {}
    for i, (item, p) in enumerate(zip(inputs.leaves, placements, strict=True)):
        if p is None:
            continue
        mode = problem.tasks[i].modes[p.mode]
        start, end = task_start(p), task_end(problem, i, p)
        spans[i] = (start, end, mode.label)
        leaves.append(
            _record(
                ws,
                inputs,
                item,
                mode.label,
                start,
                end,
                inputs.effort[item.key][mode.label],
                "leaf",
            )
        )
    people = assign_people(inputs, placements)
    leaves = [
        replace(
            s,
            people=people[s.key].people,
            people_note=people[s.key].note,
            width=people[s.key].width,
        )
        if s.key in people
        else s
        for s in leaves
    ]
    rollups: list[ScheduledItem] = []
    for key, members in sorted(inputs.rollups.items()):
        placed = [spans[i] for i in members if i in spans]
        if not placed:
            continue
        teams = sorted({t for _, _, t in placed})
        start = min(s for s, _, _ in placed)
        end = max(e for _, e, _ in placed)
        total = sum(inputs.effort[inputs.leaves[i].key][spans[i][2]] for i in members if i in spans)
        rollups.append(
            _record(ws, inputs, ws.item_by_key[key], "+".join(teams), start, end, total, "rollup")
        )
    del cal
    return tuple(leaves), tuple(rollups)


def _record(
    ws: Workspace,
    inputs: RoadmapInputs,
    item: Item,
    team: str,
    start: int,
    end: int,
    effort: float,
    level: Literal["leaf", "rollup"],
) -> ScheduledItem:
    cal = inputs.calendar
    start_date = cal.date_of(start)
    end_date = cal.date_of(max(start, end - 1))
    deadline = inputs.deadlines.get(item.key)
    late = 0
    if deadline is not None and end_date > deadline[0]:
        late = _working_days_between(deadline[0], end_date)
    target = inputs.targets.get(item.key) if level == "leaf" else item_target(ws, item)
    behind = 0
    if target is not None and end_date > target[0]:
        behind = _working_days_between(target[0], end_date)
    return ScheduledItem(
        key=item.key,
        title=item.title,
        team=team,
        people=(),
        start=start_date,
        end=end_date,
        start_day=start,
        end_day=end,
        sprint=ws.cycles.sprint_of(start_date),
        end_sprint=ws.cycles.sprint_of(end_date),
        effort_days=round(effort, 2),
        cost_of_delay=inputs.cod.get(item.key, 0.0),
        deadline=deadline[0] if deadline else None,
        hard_deadline=bool(deadline and deadline[1]),
        late_days=late,
        parent=item.parent,
        level=level,
        target=target[0] if target is not None else None,
        target_reason=target[1] if target is not None else "",
        behind_target_days=behind,
        width=1 if level == "leaf" else 0,
    )


def _working_days_between(a: dt.date, b: dt.date) -> int:
    """Weekdays after ``a`` up to and including ``b``."""
    days = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days += 1
    return days


def _summary(
    inputs: RoadmapInputs,
    solution: Solution,
    items: Sequence[ScheduledItem],
    rollups: Sequence[ScheduledItem],
    options: RoadmapOptions,
    solve_options: SolveOptions,
) -> PlanSummary:
    cost = 0.0
    relative = 0.0
    without_money: list[str] = []
    value = 0.0
    date_limit = options.value_date if options.value_date is not None else None
    for s in (*items, *rollups):
        c = inputs.cod.get(s.key, 0.0)
        # A WSJF sum orders work as well as money does, but added to money it is neither.
        if s.key in inputs.money:
            cost += c * s.end_day / 5.0
        elif c:
            relative += c * s.end_day / 5.0
            without_money.append(s.key)
        if date_limit is not None and s.end <= date_limit:
            value += c
    late = sum(1 for s in (*items, *rollups) if s.late_days > 0 and s.hard_deadline)
    behind = sum(1 for s in (*items, *rollups) if _behind_own_target(s))
    finish = max((s.end for s in items), default=None)
    if solution.method.startswith("list"):
        gap = float("nan")
        bound = float("nan")
    else:
        gap = solution.gap
        bound = solution.bound
    return PlanSummary(
        method=solution.method,
        cost_of_delay=round(cost, 2),
        value_delivered=round(value, 2),
        model_objective=evaluate(inputs.problem, solution.placements, solve_options),
        proven_optimal=solution.proven_optimal,
        gap=gap,
        bound=bound,
        seconds=round(solution.seconds, 3),
        status=solution.status,
        finish=finish,
        late_items=late,
        behind_targets=behind,
        targets_held=options.targets,
        cost_of_delay_relative=round(relative, 2),
        without_money=tuple(sorted(without_money)),
    )


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Staffing:
    """Who works on an item, and why fewer are named than it runs with (empty when all are)."""

    people: tuple[str, ...]
    note: str = ""
    width: int = 1
    """How many people the item runs with at once."""


def assign_people(
    inputs: RoadmapInputs, placements: Sequence[Placement | None]
) -> dict[str, Staffing]:
    """Name who does each item: pinned assignees first, then the free team members who have
    the item's skills, earliest start first (a person works on one item at a time). Of those,
    people who can do their share of the item in its span come first: one who is away for
    part of it, or works part-time, would be over-allocated where someone else need not be.

    The plan fits each team's pooled capacity (fractions of people, averaged per week), not
    named people, so an item can start while everyone with its skills is still on other work
    for part of its span; it is then not split to people, and the note says why and who
    frees up first."""
    problem = inputs.problem
    cal = inputs.calendar
    busy: dict[str, list[tuple[int, int]]] = {}
    placed = [i for i, p in enumerate(placements) if p is not None]
    for i in placed:
        # Pinned people are taken first so nobody else's work lands on top of theirs.
        pinned = inputs.leaves[i].assignee
        p = placements[i]
        if pinned is not None and p is not None:
            busy.setdefault(pinned, []).append((task_start(p), task_end(problem, i, p)))
    order = sorted(
        placed,
        key=lambda i: (task_start(placements[i]), inputs.leaves[i].key),  # type: ignore[arg-type]
    )
    # A skill few people have is worth keeping them free for: of the people who could take
    # an item, the ones whose other skills are most common go first (the only frontend
    # developer is not given data work that a data engineer could do at the same time).
    holders: dict[tuple[str, str], int] = {}
    for team_cap in cal.teams:
        for q in team_cap.people:
            for skill in q.skills:
                holders[(team_cap.team, skill)] = holders.get((team_cap.team, skill), 0) + 1

    def scarcity(team_key: str, person: PersonCapacity, need: set[str]) -> float:
        return sum(1.0 / holders[(team_key, k)] for k in set(person.skills) - need)

    result: dict[str, Staffing] = {}
    for i in order:
        p = placements[i]
        assert p is not None
        item = inputs.leaves[i]
        mode = problem.tasks[i].modes[p.mode]
        team = cal.team(mode.label)
        start, end = task_start(p), task_end(problem, i, p)
        per_worker = inputs.worker_units[mode.label]
        if len(mode.pieces) == 1:
            width = max(1, round(mode.demands[0][1] / per_worker))
        else:  # as many people as pieces run side by side
            width = max(
                sum(1 for s, d in zip(p.starts, mode.pieces, strict=True) if s <= t < s + d)
                for t in p.starts
            )
        chosen: list[str] = []
        if item.assignee is not None:
            chosen.append(item.assignee)
        need = set(item.skills)
        share = inputs.effort[item.key][mode.label] / width

        short = {
            q.person: over_capacity(share, float(q.productive[start:end].sum()))
            for q in team.people
        }
        skilled = sorted(
            (q for q in team.people if need <= set(q.skills)),
            # stable: team order breaks ties
            key=lambda q: (short[q.person], scarcity(team.team, q, need)),
        )
        # When each of the skilled people who are not named is next free for the whole rest
        # of the span (None: away all of it).
        busy_until: dict[str, int] = {}
        for person in skilled:
            if len(chosen) >= width:
                break
            if person.person in chosen:
                continue
            window = person.present[start:end]
            if (window.size and float(window.max()) == 0.0) or not person.on_team_throughout(
                start, end
            ):
                # away all of the span, or joins or leaves during it: the item is not theirs
                # (work named to someone before they join would count as their overload)
                continue
            clashes = [e for s, e in busy.get(person.person, []) if s < end and start < e]
            if clashes:
                busy_until[person.person] = max(clashes)
                continue
            chosen.append(person.person)
        for name in chosen:
            busy.setdefault(name, []).append((start, end))
        note = ""
        if len(chosen) < width:
            note = _staffing_note(
                team.team,
                need,
                len(skilled),
                len(chosen),
                sum(1 for q in skilled if q.person not in chosen),
                busy_until,
                start,
                end,
                cal,
            )
        result[item.key] = Staffing(tuple(chosen), note, width)
    return result


def _staffing_note(
    team: str,
    skills: set[str],
    skilled: int,
    named: int,
    others: int,
    busy_until: Mapping[str, int],
    start: int,
    end: int,
    cal: CapacityCalendar,
) -> str:
    """Why fewer people than an item of ``team`` runs with on working days [start, end) are
    named: ``skilled`` people have its skills, ``named`` are named, ``others`` of the skilled
    are not, ``busy_until`` says when each busy one is free."""
    listed = ", ".join(sorted(skills))
    if skilled == 0:
        return (
            f"not split to people: nobody on {team} has all of {listed}; "
            "it takes several people together"
        )
    prefix = "nobody named" if named == 0 else "not all named"
    who = f"its people with {listed}" if skills else "its people"
    span = f"{cal.date_of(start):%d %b}-{cal.date_of(max(start, end - 1)):%d %b}"
    if others == 0:
        return f"{prefix}: nobody else on {team} has {listed}" if skills else prefix
    if not busy_until:
        other = f"the other {team} people" + (f" with {listed}" if skills else "")
        return f"{prefix}: {other} are away or not on the team then ({span})"
    first, free = min(busy_until.items(), key=lambda kv: (kv[1], kv[0]))
    return (
        f"{prefix}: team {team} has the capacity, but {who} are on other items for part "
        f"of {span}; {first} is free first, from {cal.date_of(free):%d %b}"
    )


# --------------------------------------------------------------------------- lateness


def explain_lateness(
    inputs: RoadmapInputs,
    placements: Sequence[Placement | None],
    items: Sequence[ScheduledItem],
    rollups: Sequence[ScheduledItem],
) -> tuple[Lateness, ...]:
    """For every missed hard deadline: by how much, and the chain that pushes it.

    Walking back from the late item: if a dependency ends right when it starts (plus lag), the
    dependency is the next link; otherwise the team was full, and the item that freed the
    capacity is. The dependency-only bound (the critical path, ignoring capacity) tells
    whether dependencies alone already make the deadline impossible.
    """
    problem = inputs.problem
    cal = inputs.calendar
    preds = problem.predecessors()
    est = problem.earliest_starts()
    ends = {i: task_end(problem, i, p) for i, p in enumerate(placements) if p is not None}
    starts = {i: task_start(p) for i, p in enumerate(placements) if p is not None}
    labels = {
        i: problem.tasks[i].modes[p.mode].label for i, p in enumerate(placements) if p is not None
    }
    index = {item.key: i for i, item in enumerate(inputs.leaves)}
    out: list[Lateness] = []
    for s in (*items, *rollups):
        if not (s.hard_deadline and s.late_days > 0 and s.deadline is not None):
            continue
        members = [index[s.key]] if s.key in index else list(inputs.rollups.get(s.key, ()))
        members = [m for m in members if m in ends]
        if not members:
            continue
        last = max(members, key=lambda m: (ends[m], m))
        cpm_end = max(est[m] + problem.min_duration(m) for m in members)
        allowed = cal.days_through(s.deadline)
        chain: list[ChainLink] = []
        current: int | None = last
        seen: set[int] = set()
        only_deps = True
        while current is not None and current not in seen and len(chain) < 12:
            seen.add(current)
            st = starts[current]
            nxt: int | None = None
            release = problem.tasks[current].release
            reason = ""
            if st <= release:
                reason = (
                    "starts at the beginning of the plan"
                    if release == 0
                    else "starts on its release's start date"
                )
            for j, lag in preds[current]:
                if j in ends and ends[j] + lag == st:
                    nxt, reason = (
                        j,
                        f"waits for {inputs.leaves[j].key}" + (f" (+{lag} days)" if lag else ""),
                    )
                    break
            if nxt is None and not reason and st > 0:
                team = labels[current]
                freeing = [
                    j for j, e in ends.items() if e == st and labels.get(j) == team and j != current
                ]
                if freeing:
                    nxt = min(freeing, key=lambda j: (starts[j], j))
                    reason = f"team {team} is full until {inputs.leaves[nxt].key} is done"
                else:
                    reason = f"team {team} has no free capacity before this date"
                only_deps = False
            if not reason:
                reason = "starts at the beginning of the plan"
            chain.append(
                ChainLink(
                    item=inputs.leaves[current].key,
                    team=labels[current],
                    start=cal.date_of(st),
                    end=cal.date_of(max(st, ends[current] - 1)),
                    reason=reason,
                )
            )
            current = nxt
        # Where the item could end with unlimited people, waiting only for its release and
        # work in progress, not for its dependencies: past the deadline, its own work is
        # what misses it, and the dependencies take nothing more unless they end later.
        own_end, own_first = max(
            (_earliest(problem.tasks[m]) + problem.min_duration(m), _earliest(problem.tasks[m]))
            for m in members
        )
        dependency_bound = max(0, cpm_end - allowed) if cpm_end > own_end else 0
        detail = ""
        cause: LateCause
        if s.deadline < cal.start:
            cause, dependency_bound = "a deadline already past", 0
            detail = f"its deadline {s.deadline} is before the plan's first day {cal.start}"
        elif dependency_bound > 0 or own_end > allowed:
            if own_end > allowed:
                since = (
                    f"from its first possible start on {cal.date_of(own_first)} "
                    if own_first
                    else ""
                )
                detail = (
                    f"its own work alone takes {own_end - allowed} working day(s) more than "
                    f"the time {since}to its deadline"
                )
            if dependency_bound > 0:
                cause = "dependencies" if only_deps else "dependencies and capacity"
                if detail:
                    detail += f", and waiting for its dependencies adds {cpm_end - own_end} more"
            else:
                cause = "its own work" if only_deps else "its own work and capacity"
        else:
            cause = "capacity"
        out.append(
            Lateness(
                item=s.key,
                deadline=s.deadline,
                planned_end=s.end,
                late_days=s.late_days,
                dependency_bound_days=dependency_bound,
                cause=cause,
                chain=tuple(chain),
                detail=detail,
            )
        )
    return tuple(sorted(out, key=lambda x: (-x.late_days, x.item)))


def _earliest(task: Task) -> int:
    return task.release if task.fixed_start is None else task.fixed_start


def objective_value(
    inputs: RoadmapInputs, placements: Sequence[Placement | None], options: SolveOptions
) -> float:
    return evaluate(inputs.problem, placements, options)


# --------------------------------------------------------------------------- views of a plan


@dataclass(frozen=True)
class Horizons:
    """Now / Next / Later: what is under way or starts this sprint, in the next few sprints,
    and after that. Rollups (features, epics) and top-level leaves, by planned start."""

    now: tuple[ScheduledItem, ...]
    next: tuple[ScheduledItem, ...]
    later: tuple[ScheduledItem, ...]
    current_sprint: int
    next_sprints: int


def now_next_later(roadmap: Roadmap, next_sprints: int = 3) -> Horizons:
    rollup_keys = {r.key for r in roadmap.rollups}
    # Each piece of work once, at the level a roadmap talks about: the lowest rollups
    # (features, or epics made directly of stories) and stand-alone leaves.
    rollup_parents = {r.parent for r in roadmap.rollups if r.parent}
    entries = [r for r in roadmap.rollups if r.key not in rollup_parents] + [
        s for s in roadmap.items if s.parent is None or s.parent not in rollup_keys
    ]
    current = int(roadmap.calendar.sprint[0])
    now = tuple(sorted((s for s in entries if s.sprint <= current), key=_by_start))
    nxt = tuple(
        sorted((s for s in entries if current < s.sprint <= current + next_sprints), key=_by_start)
    )
    later = tuple(sorted((s for s in entries if s.sprint > current + next_sprints), key=_by_start))
    return Horizons(now, nxt, later, current, next_sprints)


def _by_start(s: ScheduledItem) -> tuple[dt.date, str]:
    return (s.start, s.key)


def sprint_plans(roadmap: Roadmap) -> dict[str, dict[int, tuple[ScheduledItem, ...]]]:
    """Per team and sprint, the leaf items being worked on in that sprint."""
    plans: dict[str, dict[int, list[ScheduledItem]]] = {}
    for s in roadmap.items:
        for sprint in range(s.sprint, s.end_sprint + 1):
            plans.setdefault(s.team, {}).setdefault(sprint, []).append(s)
    return {
        team: {sprint: tuple(sorted(v, key=_by_start)) for sprint, v in sorted(sprints.items())}
        for team, sprints in sorted(plans.items())
    }
