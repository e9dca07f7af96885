"""Delivery dates for every objective, deliverable, initiative and team of a workspace.

This is the one place that turns a workspace into forecast dates for what a TPM is asked about
("when is the objective done?", "when is this team through its queue?").
:func:`simulate_workspace` is the one place that turns a workspace into a probabilistic-roadmap
run, and every view calls it the same way (:class:`QueueOrder`, :data:`DELIVERY_WINDOW`, the
unit of the history, :data:`TRIALS`): the reports, the web app, ``roadwise forecast roadmap``
and the demo give the same item the same 85% date for the same seed.

How: each team works its open leaf items in a deterministic queue: the stored roadmap's order
when there is one (what the scheduler planned, open work it does not hold after it), else in
progress first, then dated commitments, then priority rank (items under no deliverable, like a
stand-alone bug, queue as their own); and the probabilistic roadmap
(:func:`~roadwise.engines.forecast.roadmap.simulate_roadmap`) replays those queues with sizes
drawn from the estimates (corrected by the team's estimate bias) and weekly throughput
resampled in blocks from the team's own history. A deliverable is done when its last open
leaf is; an initiative or an objective when the last deliverable under it is. Counting items
instead of sizing them is left to :func:`~roadwise.engines.forecast.forecast_when`, which
answers "when will the next N items be done?" for one team.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from roadwise.domain import Item, ItemKind, Status, Workspace
from roadwise.domain.model import Estimate, EstimateUnit, likely
from roadwise.engines import history as history_engine
from roadwise.engines.forecast.backtest import history_before
from roadwise.engines.forecast.calendar import (
    WorkCalendar,
    deadline_horizon,
    delivery_day,
    team_calendar,
)
from roadwise.engines.forecast.estimates import estimate_bias
from roadwise.engines.forecast.roadmap import (
    MAX_WEEKS,
    Pace,
    RoadmapForecast,
    RoadmapItem,
    TeamFlow,
    simulate_roadmap,
)
from roadwise.engines.forecast.simulate import FloatArray
from roadwise.engines.forecast.throughput import (
    ForecastOptions,
    TeamCalibration,
    team_calibration,
)

if TYPE_CHECKING:
    from roadwise.engines.prioritize.results import RankedItem
    from roadwise.engines.schedule.roadmap import Roadmap

TRIALS = 2000
"""Monte Carlo trials of every view's delivery forecast (the same number: the same dates)."""
HISTORY_WEEKS = 104
"""Weeks of history every view's delivery forecast resamples a team's throughput from."""
PERCENTILES: tuple[int, ...] = (50, 85, 95)

Unit = Literal["points", "items"]

_STATUS_ORDER = {Status.IN_PROGRESS: 0, Status.READY: 1, Status.DISCOVERY: 2, Status.IDEA: 3}


# --------------------------------------------------------------------------- the hierarchy


class _Tree:
    """Children of every item, built once so that walking the hierarchy stays linear."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.children: dict[str, list[Item]] = defaultdict(list)
        for item in ws.items:
            if item.parent:
                self.children[item.parent].append(item)

    def descendants(self, key: str) -> list[Item]:
        out: list[Item] = []
        stack = list(self.children.get(key, []))
        while stack:
            item = stack.pop()
            out.append(item)
            stack.extend(self.children.get(item.key, []))
        return out

    def leaves_of(self, item: Item) -> list[Item]:
        below = self.descendants(item.key)
        if not below:
            return [item]
        parents = {i.parent for i in below if i.parent}
        return [i for i in below if i.key not in parents]


def descendants(ws: Workspace, key: str) -> list[Item]:
    """Every item below ``key`` in the hierarchy (any depth)."""
    return _Tree(ws).descendants(key)


def leaves_of(ws: Workspace, item: Item) -> list[Item]:
    """The items that carry the work of ``item`` (itself when it has no children)."""
    return _Tree(ws).leaves_of(item)


def deliverables(ws: Workspace, *, include_finished: bool = False) -> list[Item]:
    """What a stakeholder recognises as a piece of the roadmap: features, else epics, else items."""
    wanted = [i for i in ws.items if (include_finished or i.is_open) and i.status != Status.DROPPED]
    for kind in (ItemKind.FEATURE, ItemKind.EPIC):
        chosen = [i for i in wanted if i.kind == kind]
        if chosen:
            return chosen
    return ws.leaf_items(wanted)


def initiatives(ws: Workspace) -> list[Item]:
    """Open epics (the glossary calls them initiatives); features when there are no epics."""
    epics = [i for i in ws.items if i.kind == ItemKind.EPIC and i.is_open]
    return epics or [i for i in ws.items if i.kind == ItemKind.FEATURE and i.is_open]


def objective_items(ws: Workspace, objective: str) -> list[Item]:
    """Items that serve an objective, directly or through an ancestor."""
    direct = {i.key for i in ws.items if any(link.objective == objective for link in i.objectives)}
    out: list[Item] = []
    for item in ws.items:
        node: Item | None = item
        while node is not None:
            if node.key in direct:
                out.append(item)
                break
            node = ws.item_by_key.get(node.parent) if node.parent else None
    return out


def _effective_deadline(tree: _Tree, item: Item) -> tuple[dt.date, str] | None:
    ws = tree.ws
    candidates: list[tuple[dt.date, str]] = []
    for part in [item, *tree.descendants(item.key)]:
        if part.deadline and part.is_open:
            reason = part.deadline.reason or ("hard deadline" if part.deadline.hard else "target")
            candidates.append((part.deadline.date, reason))
    if item.release and item.release in ws.release_by_key:
        release = ws.release_by_key[item.release]
        candidates.append((release.date, f"release {release.name}"))
    if not candidates:
        # The work of an objective with a due date is due when the objective is.
        node: Item | None = item
        while node is not None and not candidates:
            for link in node.objectives:
                objective = ws.objective_by_key.get(link.objective)
                if objective and objective.due:
                    candidates.append((objective.due, f"objective {objective.title}"))
            node = ws.item_by_key.get(node.parent) if node.parent else None
    return min(candidates) if candidates else None


def effective_deadline(ws: Workspace, item: Item) -> tuple[dt.date, str] | None:
    """The date an item must meet and why: its own deadline, a descendant's, or its release."""
    return _effective_deadline(_Tree(ws), item)


# --------------------------------------------------------------------------- inputs


def forecast_unit(ws: Workspace) -> Unit:
    """Forecast in points when the history has them and items are estimated, else in items."""
    has_points = sum(1 for r in ws.history if r.points) > 0.5 * max(1, len(ws.history))
    return "points" if has_points else "items"


def estimate_in_unit(
    ws: Workspace, estimate: Estimate | None, team: str | None, unit: Unit
) -> Estimate | None:
    """An item's estimate in the unit a run counts its teams' throughput in.

    Counting items, every item is one unit of throughput whatever its estimate: ``None`` (the
    team's default size, 1). Counting points, person-days become points at the team's
    ``points_per_person_day`` (1 when the team is unknown), so that a week of throughput in
    points pays for the same work however the item was estimated.
    """
    if unit == "items" or estimate is None:
        return None
    if estimate.unit != EstimateUnit.PERSON_DAYS:
        return estimate
    known = ws.team_by_key.get(team) if team else None
    rate = known.points_per_person_day if known else 1.0
    return Estimate(
        low=estimate.low * rate,
        likely=estimate.likely * rate,
        high=estimate.high * rate,
        unit=EstimateUnit.POINTS,
    )


def leaf_size(ws: Workspace, leaf: Item, unit: Unit, team: str | None = None) -> float:
    """The likely size of a leaf in ``unit`` (1 when counting items or when not estimated)."""
    # The team whose queue the leaf is in (``team``, else its own or an ancestor's): the
    # simulation converts person-days at that team's rate too, so the reported work is the
    # simulated work.
    owner = team or ws.inherited(leaf, "team")
    estimate = estimate_in_unit(ws, leaf.estimate, owner, unit)
    return 1.0 if estimate is None else estimate.likely


def weekly_history(
    ws: Workspace, team: str | None, unit: Unit, end: dt.date, weeks: int = HISTORY_WEEKS
) -> FloatArray:
    """Work finished per calendar week (oldest first) over the last ``weeks`` before ``end``."""
    records = history_engine.select(ws.history, team=team)
    start = end - dt.timedelta(weeks=weeks)
    series = history_engine.throughput(
        records, "week", start=history_engine.week_start(start), end=end
    )
    return np.asarray(series.values(unit), dtype=float)


@dataclass(frozen=True)
class QueuedItem:
    """One open leaf in a team's queue, with the deliverable it belongs to."""

    deliverable: str
    item: Item
    size: float


def _order_key(tree: _Tree, ranks: Mapping[str, float]) -> Callable[[Item], tuple[Any, ...]]:
    """Work order within a team: in progress first, then dated commitments, then priority.

    The roadmap's solver is stopped by a time limit, so its order can differ from run to run;
    the forecast keeps to this deterministic order so that every view gets the same dates.
    """

    def rank(item: Item) -> float:
        own = ranks.get(item.key)
        if own is not None:
            return own
        below = [r for i in tree.descendants(item.key) if (r := ranks.get(i.key)) is not None]
        return min(below) if below else float("inf")

    def committed(item: Item) -> dt.date:
        dates = [
            node.deadline.date
            for node in [item, *tree.descendants(item.key)]
            if node.deadline and node.is_open
        ]
        return min(dates) if dates else dt.date.max

    def key(item: Item) -> tuple[Any, ...]:
        return (_STATUS_ORDER.get(item.status, 4), committed(item), rank(item), item.key)

    return key


def _queues(
    tree: _Tree,
    ranks: Mapping[str, float],
    unit: Unit,
    planned: Sequence[PlannedItem] = (),
) -> dict[str, list[QueuedItem]]:
    ws = tree.ws
    order = _order_key(tree, ranks)
    plan = {key: (team, start) for key, team, start, _end in planned}
    pieces: list[tuple[Item, list[Item]]] = []
    covered: set[str] = set()
    for deliverable in deliverables(ws):
        leaves = tree.leaves_of(deliverable)
        covered.update(leaf.key for leaf in leaves)
        pieces.append((deliverable, leaves))
    # Open work outside every deliverable (a stand-alone bug or tech-debt item, a story straight
    # under an epic) still takes its team's time: each such item is a piece of its own, or the
    # team's dates would leave it out.
    for leaf in ws.leaf_items(i for i in ws.items if i.is_open):
        if leaf.key not in covered:
            pieces.append((leaf, [leaf]))
    queues: dict[str, list[QueuedItem]] = defaultdict(list)
    for deliverable, leaves in sorted(pieces, key=lambda piece: order(piece[0])):
        for leaf in sorted(leaves, key=order):
            # The team the plan put the leaf on (the scheduler may choose one), else its own.
            team = plan[leaf.key][0] if leaf.key in plan else ws.inherited(leaf, "team")
            if leaf.is_open and team is not None:
                size = leaf_size(ws, leaf, unit, team)
                queues[team].append(QueuedItem(deliverable.key, leaf, size))
    if plan:
        # A planned leaf is worked when the plan starts it; open work the plan does not hold
        # (added since) comes after, in queue order (the sort is stable).
        def when(q: QueuedItem) -> tuple[dt.date, str]:
            return (plan[q.item.key][1], q.item.key) if q.item.key in plan else (dt.date.max, "")

        for queue in queues.values():
            queue.sort(key=when)
    return dict(queues)


def work_queues(
    ws: Workspace,
    ranks: Mapping[str, float] | None = None,
    unit: Unit | None = None,
    planned: Sequence[PlannedItem] = (),
) -> dict[str, tuple[QueuedItem, ...]]:
    """Each team's open leaves in the order it will work them.

    With ``planned`` (a roadmap's leaves), each team takes them in order of planned start, and
    its open leaves the plan does not hold after them. Otherwise deliverables are ordered by
    status (in progress first), dated commitments and priority rank (``ranks``: expected rank
    per item key, lower first; a parent takes its best child's); within a deliverable, its
    leaves in the same order.
    """
    chosen = unit or forecast_unit(ws)
    queues = _queues(_Tree(ws), ranks or {}, chosen, planned)
    return {t: tuple(q) for t, q in queues.items()}


# --------------------------------------------------------------------------- the roadmap run

PlannedItem = tuple[str, str, dt.date, dt.date]
"""(item key, team, planned start, planned end) of a leaf item the scheduler placed."""

UnitRule = Literal["history"]
"""How a run chooses its unit: ``"history"`` counts in the unit the teams' finished work is
counted in (:func:`forecast_unit`), so that throughput and sizes are in the same unit."""


@dataclass(frozen=True)
class QueueOrder:
    """Each team works its open leaves in the forecast's queue (see :func:`work_queues`).

    ``planned``: a roadmap's leaves (the stored plan of record, or the one just scheduled), each
    team's taken in order of planned start, open leaves it does not hold after them. Without
    one: in progress first, then dated commitments, then ``ranks`` (expected rank per item key,
    lower first). The order is deterministic, so every view gets the same dates; the teams
    draw their random weeks in the order their queues are first met.
    """

    ranks: Mapping[str, float] = field(default_factory=dict)
    planned: tuple[PlannedItem, ...] = ()

    @property
    def in_plan(self) -> frozenset[str]:
        return frozenset(p[0] for p in self.planned)


def deadline_work_first(ws: Workspace, planned: Sequence[PlannedItem]) -> tuple[PlannedItem, ...]:
    """``planned`` with each team's hard-deadline work first: the leaves under an open item
    with a hard deadline, and every planned leaf they wait for (transitively), in the plan's
    order, then the rest in the plan's order. The start dates are renumbered day by day from
    as_of to say that order (the replay takes each team's leaves by start); ends are kept.

    The moved work is closed under dependencies, so in a replay with fixed sizes no
    hard-deadline item finishes later than in the plan's order: before each, its team now
    does only moved work that was before it anyway.
    """
    tree = _Tree(ws)
    by_key = {p[0]: p for p in planned}
    moved: set[str] = set()
    stack = [
        d.key
        for item in hard_deadlines(ws)
        for d in (item, *tree.descendants(item.key))
        if d.key in by_key
    ]
    while stack:
        key = stack.pop()
        if key in moved:
            continue
        moved.add(key)
        stack.extend(d.item for d in ws.item_by_key[key].dependencies if d.item in by_key)
    out: list[PlannedItem] = []
    teams: dict[str, list[PlannedItem]] = defaultdict(list)
    for entry in planned:
        teams[entry[1]].append(entry)
    for team, entries in teams.items():
        entries.sort(key=lambda e: (e[0] not in moved, e[2], e[0]))
        out.extend(
            (key, team, ws.as_of + dt.timedelta(days=k), end)
            for k, (key, _team, _start, end) in enumerate(entries)
        )
    return tuple(out)


def planned_leaves(roadmap: Roadmap | None) -> tuple[PlannedItem, ...]:
    """The leaf items of a scheduling result as :class:`QueueOrder` replays them."""
    if roadmap is None:
        return ()
    return tuple(
        (s.key, s.team, s.start, s.end)
        for s in roadmap.items
        if s.level == "leaf" and s.key and s.team
    )


@dataclass(frozen=True)
class HistoryWindow:
    """Which of a team's finished work a run learns the team's pace from."""

    #: ``"calendar"``: Monday-to-Sunday weeks over the last ``weeks`` weeks, up to as_of (its
    #: own, partial week included). ``"rolling"``: seven-day periods ending at as_of, back to the
    #: team's first finish but at most ``weeks``; a team with nothing finished has no history.
    periods: Literal["calendar", "rolling"]
    weeks: int


DELIVERY_WINDOW = HistoryWindow("rolling", HISTORY_WEEKS)
"""The window of every view's delivery forecast: seven-day periods ending at as_of, back to
the team's first finish, at most two years (no short week of its own for today, no empty weeks
from before the team's first finish)."""


def work_calendar(ws: Workspace, team: str | None) -> WorkCalendar:
    """The days ``team`` works: Monday to Friday less its country's public holidays (the
    capacity engine's calendar); Monday to Friday for a team the workspace does not know."""
    known = ws.team_by_key.get(team) if team else None
    return team_calendar(known.country) if known is not None else WorkCalendar()


def team_flow(
    ws: Workspace, team: str, unit: Unit, window: HistoryWindow, speedup: Pace = 1.0
) -> TeamFlow:
    """What a run knows of a team: its weekly throughput in ``window``, bias and typical size."""
    records = ws.history_by_team.get(team, [])
    epoch = dt.datetime.combine(ws.as_of, dt.time())
    before = [r for r in records if r.done < epoch]
    calendar = work_calendar(ws, team)
    if window.periods == "calendar":
        weekly = weekly_history(ws, team, unit, ws.as_of, window.weeks)
    elif not before:
        return TeamFlow(np.zeros(0), speedup=speedup, calendar=calendar)
    else:
        done = np.array([(r.done - epoch).total_seconds() / 86400 for r in before])
        sizes = np.array([r.points or 0.0 for r in before]) if unit == "points" else None
        weekly = history_before(done, 0.0, float(done.min()), window.weeks, sizes)
    # Estimate bias and typical size, like throughput, come only from work finished before
    # as_of: a forecast dated in the past must not learn from what happened after it.
    known = before
    points = [r.points for r in known if r.points]
    return TeamFlow(
        weekly,
        estimate_bias(known, team) if unit == "points" else None,
        float(np.median(points)) if unit == "points" and points else 1.0,
        speedup=speedup,
        calendar=calendar,
    )


def teams_that_finished_work(ws: Workspace) -> set[str]:
    """The teams with any work finished before as_of in the delivery history, however long
    ago (a team without history in the forecast's window may still have older work)."""
    before = dt.datetime.combine(ws.as_of, dt.time())
    return {r.team for r in ws.history if r.team is not None and r.done < before}


def teams_without_history(
    ws: Workspace,
    queues: Mapping[str, Sequence[QueuedItem]],
    unit: Unit,
    window: HistoryWindow = DELIVERY_WINDOW,
) -> dict[str, bool]:
    """The teams with work in ``queues`` but nothing finished in the history ``window`` reads,
    each with whether it finished any work before as_of at all (True: all of it is older than
    the window). The replay never finishes their work and dates it ``date.max``: it cannot be
    dated, which is not the same as late."""
    finished = teams_that_finished_work(ws)
    return {
        team: team in finished
        for team in sorted(queues)
        if queues[team] and not np.any(team_flow(ws, team, unit, window).history > 0)
    }


def teams_waited_on(
    queues: Mapping[str, Sequence[QueuedItem]], idle: Collection[str]
) -> dict[str, frozenset[str]]:
    """Per open leaf in ``queues``: the teams of ``idle`` (teams without history, see
    :func:`teams_without_history`) other than its own whose work it waits on, directly or
    through a chain of dependencies; leaves that wait on none are left out.

    The replay does such a leaf only after what it waits on, which it never finishes: the leaf
    cannot be dated either, though its own team has a pace. Only the dependencies the replay
    waits for count (on other open leaves in a queue)."""
    team_of = {q.item.key: team for team, queue in queues.items() for q in queue}
    waits_for = {
        q.item.key: [d.item for d in q.item.dependencies if d.item in team_of]
        for queue in queues.values()
        for q in queue
    }
    stopped = set(idle)
    needs: dict[str, frozenset[str]] = {}
    entered: set[str] = set()
    # Depth first without recursion: a chain of dependencies can be thousands of items long.
    for start in team_of:
        stack = [(start, False)]
        while stack:
            key, ready = stack.pop()
            if ready:
                own = {team_of[key]} & stopped
                needs[key] = frozenset(own.union(*(needs.get(d, ()) for d in waits_for[key])))
            elif key not in entered:
                # A cycle (which the replay refuses) is entered once, so the walk ends.
                entered.add(key)
                stack.append((key, True))
                stack.extend((d, False) for d in waits_for[key] if d not in entered)
    found = {key: teams - {team_of[key]} for key, teams in needs.items()}
    return {key: teams for key, teams in found.items() if teams}


@dataclass(frozen=True)
class WorkspaceRoadmap:
    """A workspace's roadmap replayed: what was simulated, in which order, and the outcome."""

    unit: Unit
    order: QueueOrder
    window: HistoryWindow
    #: The replayed items, in the columns of ``forecast.finish_days``; their estimates in
    #: ``unit`` (none when counting items: each is one item).
    items: tuple[RoadmapItem, ...]
    #: Each team's queue (the deliverable of every leaf).
    queues: Mapping[str, tuple[QueuedItem, ...]]
    flows: Mapping[str, TeamFlow] = field(repr=False)
    forecast: RoadmapForecast = field(repr=False)
    #: Per team, the measured errors its pace was calibrated with (empty: the plain replay).
    calibrations: Calibrations = field(default_factory=dict, repr=False)

    @property
    def source(self) -> str:
        """Where the order of work came from, in the user's words."""
        if not self.order.planned:
            return "queue order per team"
        after = sum(1 for i in self.items if i.key not in self.order.in_plan)
        return "the roadmap's order" + (f", {after} item(s) not in it after" if after else "")

    def describe(self) -> str:
        return f"{len(self.items)} items, {self.source}, sizes in {self.unit}"


def _run_unit(ws: Workspace, unit: Unit | UnitRule) -> Unit:
    """The unit a run counts in: as given, or the unit of the teams' finished work."""
    return forecast_unit(ws) if unit == "history" else unit


def _queue_run(
    ws: Workspace, order: QueueOrder, unit: Unit
) -> tuple[list[RoadmapItem], list[str], dict[str, tuple[QueuedItem, ...]]]:
    queues = _queues(_Tree(ws), order.ranks, unit, order.planned)
    ends = {key: end for key, _team, _start, end in order.planned}
    queued = [(team, q) for team, queue in sorted(queues.items()) for q in queue]
    known = {q.item.key for _, q in queued}
    items = [
        RoadmapItem(
            key=q.item.key,
            team=team,
            estimate=q.item.estimate,
            depends_on=tuple(d.item for d in q.item.dependencies if d.item in known),
            deadline=q.item.deadline.date if q.item.deadline else None,
            planned_end=ends.get(q.item.key),
            title=q.item.title,
        )
        for team, q in queued
    ]
    # The teams in the order their queues were first met (the reports' dates depend on it).
    return items, list(queues), {t: tuple(q) for t, q in queues.items()}


def _replay_inputs(
    ws: Workspace,
    order: QueueOrder,
    unit: Unit | UnitRule,
    window: HistoryWindow,
    speedup: Mapping[str, Pace] | None,
) -> tuple[Unit, list[RoadmapItem], dict[str, tuple[QueuedItem, ...]], dict[str, TeamFlow]]:
    """What a replay in ``order`` works from: its unit, items, team queues and team flows."""
    chosen = _run_unit(ws, unit)
    items, teams, queues = _queue_run(ws, order, chosen)
    # Sizes in the unit the teams' throughput is counted in, or a person-day would be replayed
    # as a point and a 5-point story as five items.
    items = [replace(i, estimate=estimate_in_unit(ws, i.estimate, i.team, chosen)) for i in items]
    flows = {t: team_flow(ws, t, chosen, window, (speedup or {}).get(t, 1.0)) for t in teams}
    return chosen, items, queues, flows


CALIBRATION_TRIALS = 400
"""Trials per past cut-off when a replay measures a team's past errors (the backtest runs the
forecast at every cut-off, so fewer than the replay's own)."""

Calibrations = Mapping[str, TeamCalibration]
"""Per team, its measured errors for its whole queue (see :func:`replay_calibrations`)."""


def _team_calibrations(
    ws: Workspace, items: Sequence[RoadmapItem], flows: Mapping[str, TeamFlow], unit: Unit
) -> dict[str, TeamCalibration]:
    out: dict[str, TeamCalibration] = {}
    for team, flow in flows.items():
        sizes = [
            i.estimate.likely if i.estimate else flow.default_size for i in items if i.team == team
        ]
        # The errors are measured for the queue at its likely sizes, as the team's finished work
        # says they turn out; the replay anchors them on the work it simulates itself.
        target = sum(sizes) * (flow.bias.typical if flow.bias else 1.0)
        records = ws.history_by_team.get(team, [])
        options = ForecastOptions(unit=unit, backtest_trials=CALIBRATION_TRIALS)
        found = team_calibration(records, target, ws.as_of, options) if target > 0 else None
        if found is not None:
            out[team] = found
    return out


def replay_calibrations(
    ws: Workspace, order: QueueOrder, *, unit: Unit | UnitRule = "history"
) -> dict[str, TeamCalibration]:
    """Each team's forecasting errors measured on its own past for the whole queue ``order``
    gives it (:func:`~roadwise.engines.forecast.throughput.team_calibration`): what
    :func:`simulate_workspace` calibrates its replay with. Measured once, they can be handed
    to many replays of the same queues (a hire search), which then skip the measuring."""
    chosen, items, _, flows = _replay_inputs(ws, order, unit, DELIVERY_WINDOW, None)
    return _team_calibrations(ws, items, flows, chosen)


def simulate_workspace(
    ws: Workspace,
    order: QueueOrder,
    *,
    window: HistoryWindow = DELIVERY_WINDOW,
    unit: Unit | UnitRule = "history",
    trials: int = TRIALS,
    seed: int,
    speedup: Mapping[str, Pace] | None = None,
    calibrate: bool = True,
    calibrations: Calibrations | None = None,
) -> WorkspaceRoadmap:
    """Replay the workspace's roadmap ``trials`` times with the probabilistic roadmap.

    ``order`` says which items each team works and in what order, ``window`` which history the
    teams' throughput is resampled from, ``unit`` what sizes and throughput are counted in
    (each item's estimate is replayed in it: see :func:`estimate_in_unit`). Every view keeps
    the defaults, so that the same item gets the same dates everywhere.
    ``speedup`` multiplies a team's simulated weekly throughput (what one more engineer buys);
    with the same seed it replays the same random draws. Same inputs, same result.

    ``calibrate``: each team's pace is corrected, trial by trial, so that the time its whole
    queue takes follows the team's calibrated forecast for that much work: the simulation
    anchored on the average-velocity line and widened by the errors it made on the team's
    own past (:class:`~roadwise.engines.forecast.throughput.TeamCalibration`), as every "when"
    forecast is. ``calibrations`` hands in errors already measured
    (:func:`replay_calibrations`); by default they are measured here.
    """
    chosen, items, queues, flows = _replay_inputs(ws, order, unit, window, speedup)
    errors: Calibrations = {}
    if calibrate:
        errors = (
            calibrations
            if calibrations is not None
            else _team_calibrations(ws, items, flows, chosen)
        )
        flows = {t: replace(f, calibrate=errors.get(t)) for t, f in flows.items()}
    forecast = simulate_roadmap(items, flows, ws.as_of, trials=trials, seed=seed)
    return WorkspaceRoadmap(
        chosen, order, window, tuple(items), queues, flows, forecast, dict(errors)
    )


NEW_HIRE_SHARE = 0.75
"""A new engineer's pace as a share of a team member's, on average over a forecast: the ramp-up
is paid first. The reports' "one more engineer" and the deadline confidence both use it."""


def team_size(ws: Workspace, team: str) -> float:
    """The team's people, counted by availability (1 when it lists nobody)."""
    found = ws.team_by_key.get(team)
    members = found.people if found else []
    return sum(p.availability for p in members) or float(len(members)) or 1.0


def hire_speedup(ws: Workspace, team: str, people: int) -> float:
    """What ``people`` more engineers multiply ``team``'s weekly throughput by."""
    return 1.0 + NEW_HIRE_SHARE * people / team_size(ws, team)


@dataclass(frozen=True)
class DeadlineChances:
    """How often the hard deadlines were met in a replay of the roadmap."""

    every: float
    """Share of trials in which every hard deadline in ``each`` was met at once."""
    each: Mapping[str, float]
    """Per item with a hard deadline (and work left): share of trials it was met."""
    not_replayed: tuple[str, ...] = ()
    """Open items with a hard deadline the replay cannot date, so not counted: no open piece
    in any team's queue (no team, or work the queue does not hold, like a parent's own
    estimate once its children are done), or a team without delivery history."""

    @property
    def ranked(self) -> list[tuple[str, float]]:
        """Each deadline's item and chance, least likely first (by key on ties)."""
        return sorted(self.each.items(), key=lambda kv: (kv[1], kv[0]))

    @property
    def least_likely(self) -> tuple[str, float]:
        """The item whose deadline is met least often (the first by key on ties)."""
        return self.ranked[0]


def hire_pace(
    ws: Workspace, team: str, people: int, *, joins: dt.date | None, ramp_up_days: int
) -> tuple[float, ...]:
    """What ``people`` more engineers joining ``team`` on ``joins`` (None: at as_of) multiply
    its weekly throughput by, week by week from as_of: nothing before they join, then rising
    in a straight line over ``ramp_up_days`` to a full member's share of the team's pace."""
    size = team_size(ws, team)
    start = max(0, ((joins or ws.as_of) - ws.as_of).days)
    middle = np.arange(MAX_WEEKS) * 7.0 + 3.5  # each week's middle day, from as_of
    if ramp_up_days > 0:
        share = np.clip((middle - start) / ramp_up_days, 0.0, 1.0)
    else:
        share = (middle >= start).astype(np.float64)
    return tuple(float(v) for v in 1.0 + people * share / size)


def hard_deadline_chances(
    ws: Workspace,
    order: QueueOrder,
    *,
    speedup: Mapping[str, Pace] | None = None,
    trials: int = TRIALS,
    seed: int | None = None,
    calibrations: Calibrations | None = None,
) -> DeadlineChances | None:
    """The share of trials of the probabilistic roadmap in which every open item with a hard
    deadline finishes by it (a parent by its last open leaf), and each on its own; ``None``
    when there is no hard deadline to meet or no delivery history to replay.

    The teams work in ``order`` (:func:`simulate_workspace`; a roadmap's:
    ``QueueOrder(planned=planned_leaves(roadmap))``), at the pace of their own history, times
    ``speedup``. Every deadline at once, not each on its own: a TPM who
    promises four dates needs all four, and the chance of that is below the smallest of the
    four chances when the dates share teams. ``calibrations``: the teams' measured errors
    (:func:`replay_calibrations`), when many replays of the same queues are compared.
    """
    if not hard_deadlines(ws) or not ws.history:
        return None
    run = simulate_workspace(
        ws,
        order,
        trials=trials,
        seed=ws.settings.seed if seed is None else seed,
        speedup=speedup,
        calibrations=calibrations,
    )
    return deadline_chances_in(ws, run.forecast)


def _replayed_pieces(ws: Workspace, forecast: RoadmapForecast) -> Callable[[Item], list[int]]:
    """Per item: the columns of ``forecast`` that replay a piece of it (itself or a leaf
    under it)."""
    tree = _Tree(ws)
    column = {leaf.key: c for c, leaf in enumerate(forecast.items)}

    def pieces(item: Item) -> list[int]:
        under = [item.key, *(d.key for d in tree.descendants(item.key))]
        return [column[k] for k in under if k in column]

    return pieces


def _finish_days(ws: Workspace, forecast: RoadmapForecast) -> Callable[[Item], FloatArray | None]:
    """Per item, per trial of ``forecast``: the day its last replayed piece (itself or a leaf
    under it) is done; None when no piece of it was replayed."""
    pieces_of = _replayed_pieces(ws, forecast)
    finish_days = np.asarray(forecast.finish_days)

    def finish(item: Item) -> FloatArray | None:
        columns = pieces_of(item)
        return finish_days[:, columns].max(axis=1) if columns else None

    return finish


def deadline_chances_in(ws: Workspace, forecast: RoadmapForecast) -> DeadlineChances | None:
    """:class:`DeadlineChances` read from a replay already run (the reports' own), so they
    come from the very trials behind the dates shown beside them."""
    finish_of = _finish_days(ws, forecast)
    pieces_of = _replayed_pieces(ws, forecast)
    met = np.ones(forecast.trials, dtype=bool)
    each: dict[str, float] = {}
    missing: list[str] = []
    for item in hard_deadlines(ws):
        assert item.deadline is not None
        finish = finish_of(item)
        if finish is None or not np.isfinite(finish).any():
            # never dated in any trial: its team has no pace to replay, or no piece of it is
            # in a queue; counting it as missed would blame the plan for missing data
            missing.append(item.key)
            continue
        # by the last day on or before the deadline that every team doing a piece of it
        # works, as its date is shown
        teams = sorted({forecast.items[c].team for c in pieces_of(item)})
        horizon = deadline_horizon(
            ws.as_of, item.deadline.date, [work_calendar(ws, t) for t in teams]
        )
        on_time = finish <= horizon
        each[item.key] = float(on_time.mean())
        met &= on_time
    return DeadlineChances(float(met.mean()), each, tuple(missing)) if each else None


def expected_cost_of_delay(ws: Workspace, forecast: RoadmapForecast) -> float:
    """The money the replayed plan's delay costs, on average over the trials: for every open
    item with a cost of delay (its likely value, per week), the weeks until its last replayed
    leaf is done. Compare two replays of the same work by it; an item some trial never dates is
    left out."""
    finish_of = _finish_days(ws, forecast)
    total = 0.0
    for item in ws.items:
        per_week = likely(item.value.cost_of_delay)
        if not item.is_open or per_week <= 0:
            continue
        finish = finish_of(item)
        if finish is not None and np.isfinite(finish).all():
            total += per_week * float(finish.mean()) / 7.0
    return total


def deadline_work_first_replay(
    ws: Workspace,
    order: QueueOrder,
    base: RoadmapForecast,
    *,
    trials: int = TRIALS,
    seed: int,
    calibrations: Calibrations | None = None,
) -> tuple[DeadlineChances | None, float]:
    """The queues of ``order`` with each team's hard-deadline work first
    (:func:`deadline_work_first` on its plan), replayed: the deadline chances, and what the
    later start of the rest adds to the expected cost of delay against ``base``, the replay in
    ``order`` with the same trials, seed and ``calibrations``."""
    first = simulate_workspace(
        ws,
        QueueOrder(order.ranks, deadline_work_first(ws, order.planned)),
        trials=trials,
        seed=seed,
        calibrations=calibrations,
    ).forecast
    cost = expected_cost_of_delay(ws, first) - expected_cost_of_delay(ws, base)
    return deadline_chances_in(ws, first), cost


def hard_deadline_confidence(
    ws: Workspace,
    order: QueueOrder,
    *,
    speedup: Mapping[str, Pace] | None = None,
    trials: int = TRIALS,
    seed: int | None = None,
    calibrations: Calibrations | None = None,
) -> float | None:
    """The share of trials in which every hard deadline is met (:func:`hard_deadline_chances`)."""
    chances = hard_deadline_chances(
        ws, order, speedup=speedup, trials=trials, seed=seed, calibrations=calibrations
    )
    return None if chances is None else chances.every


def hard_deadlines(ws: Workspace) -> list[Item]:
    """The open items with a hard deadline."""
    return [i for i in ws.items if i.is_open and i.deadline is not None and i.deadline.hard]


# --------------------------------------------------------------------------- delivery


@dataclass(frozen=True)
class QueueSimulation:
    """Finish (and start) week of every deliverable in every trial, from the team queues."""

    unit: Unit
    trials: int
    seed: int
    queues: Mapping[str, tuple[QueuedItem, ...]]
    #: Per deliverable: the week (from as_of) its last open leaf finishes, one per trial.
    finish_weeks: Mapping[str, FloatArray] = field(repr=False)
    #: Per deliverable: the week its team can first work on it, one per trial.
    start_weeks: Mapping[str, FloatArray] = field(repr=False)
    roadmap: RoadmapForecast | None = field(repr=False)
    #: The roadmap whose order the teams worked in (empty: the priority queue).
    planned: tuple[PlannedItem, ...] = ()
    #: Per team, the measured errors its pace was calibrated with (see :func:`simulate_workspace`).
    calibrations: Calibrations = field(default_factory=dict, repr=False)


def simulate_queues(
    ws: Workspace,
    ranks: Mapping[str, float] | None = None,
    *,
    trials: int = TRIALS,
    seed: int | None = None,
    speedup: Mapping[str, float] | None = None,
    unit: Unit | None = None,
    planned: Sequence[PlannedItem] = (),
    calibrations: Calibrations | None = None,
) -> QueueSimulation:
    """Replay every team's queue ``trials`` times (:func:`simulate_workspace`), per deliverable.

    ``planned``: the roadmap whose order the teams work in (see :class:`QueueOrder`).
    ``speedup`` multiplies a team's simulated weekly throughput (what one more engineer buys);
    with the same seed as the base run it replays the same random draws, so no item of any
    trial finishes later than in the base run. ``calibrations``: the teams' measured errors
    from an earlier run of the same queues (its :attr:`QueueSimulation.calibrations`), so they
    are not measured again.
    """
    chosen: Unit = unit or forecast_unit(ws)
    seed = ws.settings.seed if seed is None else seed
    plan = tuple(planned)
    if not ws.history:
        queues = work_queues(ws, ranks, chosen, plan)
        return QueueSimulation(chosen, trials, seed, queues, {}, {}, None, plan)
    run = simulate_workspace(
        ws,
        QueueOrder(ranks or {}, plan),
        unit=chosen,
        trials=trials,
        seed=seed,
        speedup=speedup,
        calibrations=calibrations,
    )
    if not run.items:
        return QueueSimulation(chosen, trials, seed, run.queues, {}, {}, None, plan)
    result = run.forecast
    weeks = np.asarray(result.finish_days) / 7.0
    finish: dict[str, FloatArray] = {}
    starts: dict[str, FloatArray] = {}
    previous: dict[str, int] = {}
    queued = [(team, q) for team, queue in sorted(run.queues.items()) for q in queue]
    for column, (team, q) in enumerate(queued):
        finish[q.deliverable] = np.maximum(
            finish.get(q.deliverable, np.zeros(trials)), weeks[:, column]
        )
        # A piece starts when its team finished the piece before it in the queue.
        before = previous.get(team)
        began = weeks[:, before] if before is not None else np.zeros(trials)
        starts[q.deliverable] = np.minimum(
            starts.get(q.deliverable, np.full(trials, np.inf)), began
        )
        previous[team] = column
    return QueueSimulation(
        chosen, trials, seed, run.queues, finish, starts, result, plan, run.calibrations
    )


# --------------------------------------------------------------------------- dates


def week_date(as_of: dt.date, weeks: float, calendars: Iterable[WorkCalendar] = ()) -> dt.date:
    """The day work finished ``weeks`` after ``as_of`` is delivered: rounded up to a whole day,
    then on to the next day every one of ``calendars`` works (the teams that do the work, see
    :func:`work_calendar`; Monday to Friday when none is given). ``date.max`` when never."""
    if not np.isfinite(weeks):
        return dt.date.max
    return delivery_day(as_of + dt.timedelta(days=int(np.ceil(weeks * 7))), calendars)


@dataclass(frozen=True)
class DeliveryDate:
    """When something is done: dates at the percentiles and the chance of meeting its deadline.

    A date of ``date.max`` means "not within the simulated horizon".
    """

    key: str
    kind: Literal["deliverable", "initiative", "objective", "team"]
    dates: Mapping[int, dt.date]
    deadline: dt.date | None
    p_deadline: float | None
    #: Open items under an item or in a team's queue; open deliverables serving an objective.
    open_count: int
    #: Likely size of the open work, in the forecast's unit.
    open_work: float
    #: Finish week (from as_of) in every trial.
    finish_weeks: FloatArray = field(repr=False, compare=False)

    @property
    def p50(self) -> dt.date:
        return self.dates[50]

    @property
    def p85(self) -> dt.date:
        return self.dates[85]

    @property
    def p95(self) -> dt.date:
        return self.dates[95]


@dataclass(frozen=True)
class DeliveryForecast:
    """The workspace's delivery dates: one source for every view."""

    as_of: dt.date
    trials: int
    seed: int
    unit: Unit
    history_items: int
    simulation: QueueSimulation = field(repr=False)
    #: Deliverables and initiatives by item key, objectives by ``"objective:KEY"``.
    dates: Mapping[str, DeliveryDate]
    #: Per team: all the deliverables in its queue done.
    teams: Mapping[str, DeliveryDate]
    #: Per deliverable: the likely (50 %) day its team can start on it.
    starts: Mapping[str, dt.date]

    def objective(self, key: str) -> DeliveryDate | None:
        return self.dates.get(f"objective:{key}")


def _delivery_date(
    as_of: dt.date,
    key: str,
    kind: Literal["deliverable", "initiative", "objective", "team"],
    weeks: FloatArray,
    deadline: dt.date | None,
    open_count: int,
    open_work: float,
    calendars: Sequence[WorkCalendar],
) -> DeliveryDate:
    levels = np.quantile(weeks, [p / 100 for p in PERCENTILES], method="inverted_cdf")
    p_deadline = None
    if deadline is not None:
        # read as the dates are shown: by the last day on or before it all the teams work
        p_deadline = float(np.mean(weeks * 7 <= deadline_horizon(as_of, deadline, calendars)))
    return DeliveryDate(
        key=key,
        kind=kind,
        dates={
            p: week_date(as_of, float(v), calendars)
            for p, v in zip(PERCENTILES, levels, strict=True)
        },
        deadline=deadline,
        p_deadline=p_deadline,
        open_count=open_count,
        open_work=open_work,
        finish_weeks=weeks,
    )


def forecast_delivery(
    ws: Workspace,
    ranks: Mapping[str, float] | None = None,
    *,
    trials: int = TRIALS,
    seed: int | None = None,
    planned: Sequence[PlannedItem] = (),
) -> DeliveryForecast:
    """Forecast dates for every open deliverable, initiative, objective and team.

    ``ranks`` is the expected priority rank per item key (lower first; from
    :func:`roadwise.engines.prioritize.prioritize`); without it, ties in status and deadline
    are broken by item key. ``planned``: the roadmap of record, whose order the teams work in
    (see :class:`QueueOrder`). ``seed`` defaults to the workspace's. Same inputs, same dates.
    """
    sim = simulate_queues(ws, ranks, trials=trials, seed=seed, planned=planned)
    tree = _Tree(ws)
    finish = sim.finish_weeks
    dates: dict[str, DeliveryDate] = {}
    teams: dict[str, DeliveryDate] = {}
    # The teams whose queues hold each deliverable's work: its dates are days they all work.
    workers: dict[str, set[str]] = defaultdict(set)
    for team, queue in sim.queues.items():
        for q in queue:
            workers[q.deliverable].add(team)

    def calendars(keys: Iterable[str]) -> list[WorkCalendar]:
        return [work_calendar(ws, t) for t in sorted(set().union(*(workers[k] for k in keys)))]

    starts = {
        key: week_date(
            ws.as_of, float(np.quantile(weeks, 0.5, method="inverted_cdf")), calendars([key])
        )
        for key, weeks in sim.start_weeks.items()
    }
    base = DeliveryForecast(ws.as_of, trials, sim.seed, sim.unit, len(ws.history), sim, {}, {}, {})
    if not finish:
        return base
    for item in deliverables(ws) + initiatives(ws):
        if item.key in finish:
            keys = [item.key]
        else:
            below = {i.key for i in tree.descendants(item.key)}
            keys = [k for k in finish if k in below]
        if not keys:
            continue
        deadline = _effective_deadline(tree, item)
        open_leaves = [leaf for leaf in tree.leaves_of(item) if leaf.is_open]
        dates[item.key] = _delivery_date(
            ws.as_of,
            item.key,
            "deliverable" if item.key in finish else "initiative",
            np.max(np.stack([finish[k] for k in keys]), axis=0),
            deadline[0] if deadline else None,
            len(open_leaves),
            sum(leaf_size(ws, leaf, sim.unit) for leaf in open_leaves),
            calendars(keys),
        )
    for objective in ws.objectives:
        served = {i.key for i in objective_items(ws, objective.key)}
        keys = [k for k in finish if k in served]
        if not keys:
            continue
        work = sum(
            q.size for queue in sim.queues.values() for q in queue if q.deliverable in served
        )
        dates[f"objective:{objective.key}"] = _delivery_date(
            ws.as_of,
            f"objective:{objective.key}",
            "objective",
            np.max(np.stack([finish[k] for k in keys]), axis=0),
            objective.due,
            len(keys),
            work,
            calendars(keys),
        )
    for team, queue in sim.queues.items():
        keys = [q.deliverable for q in queue if q.deliverable in finish]
        if keys:
            teams[team] = _delivery_date(
                ws.as_of,
                team,
                "team",
                np.max(np.stack([finish[k] for k in keys]), axis=0),
                None,
                len(queue),
                sum(q.size for q in queue),
                [work_calendar(ws, team)],
            )
    return DeliveryForecast(
        ws.as_of, trials, sim.seed, sim.unit, len(ws.history), sim, dates, teams, starts
    )


def ranks_from(ranked: Iterable[RankedItem]) -> dict[str, float]:
    """Expected rank per item key from the prioritisation engine's ranked items."""
    return {r.key: float(r.expected_rank) for r in ranked}


PRIORITY_SAMPLES = 1000
"""Samples of the priority scores behind the queue (every view: the same ranks)."""


def delivery_ranks(ws: Workspace, trials: int = TRIALS) -> dict[str, float]:
    """The priority ranks every view's queue is ordered by: the workspace's framework, with
    ``min(trials, PRIORITY_SAMPLES)`` samples and the workspace's seed; empty when the
    framework cannot score the workspace (the queue then goes by status and deadline)."""
    from roadwise.engines.prioritize import prioritize
    from roadwise.errors import RoadwiseError

    try:
        result = prioritize(ws, samples=min(trials, PRIORITY_SAMPLES), seed=ws.settings.seed)
    except RoadwiseError:
        return {}
    return ranks_from(result.items)


__all__: Sequence[str] = (
    "CALIBRATION_TRIALS",
    "DELIVERY_WINDOW",
    "PERCENTILES",
    "PRIORITY_SAMPLES",
    "TRIALS",
    "Calibrations",
    "DeliveryDate",
    "DeliveryForecast",
    "HistoryWindow",
    "PlannedItem",
    "QueueOrder",
    "QueueSimulation",
    "QueuedItem",
    "UnitRule",
    "WorkspaceRoadmap",
    "deadline_work_first",
    "deadline_work_first_replay",
    "deliverables",
    "delivery_ranks",
    "descendants",
    "effective_deadline",
    "estimate_in_unit",
    "expected_cost_of_delay",
    "forecast_delivery",
    "forecast_unit",
    "hard_deadlines",
    "initiatives",
    "leaf_size",
    "leaves_of",
    "objective_items",
    "planned_leaves",
    "ranks_from",
    "replay_calibrations",
    "simulate_queues",
    "simulate_workspace",
    "team_flow",
    "week_date",
    "work_calendar",
    "work_queues",
)
