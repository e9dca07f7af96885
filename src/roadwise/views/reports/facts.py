"""What the reports know: facts read from the workspace and from engine results.

The report builders never reach into an engine's result types directly. This module turns
the workspace and whatever engine results exist into small, stable records (an item's
forecast dates, its place on the schedule, its priority) so that each builder stays simple
and a change in one engine's result type touches one adapter here.

An engine result is optional: a section of a report appears only when the facts it needs
exist (``None`` / empty means "that engine did not run or does not exist yet").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roadwise.domain import EstimateUnit, Item, Status, Workspace

# The hierarchy as the forecast sees it: one definition of "deliverable", "initiative", "serves
# an objective" and "deadline" for the reports and for the web app's dates.
from roadwise.engines.forecast.objectives import (
    DELIVERY_WINDOW,
    DeliveryForecast,
    QueuedItem,
    estimate_in_unit,
    teams_waited_on,
    teams_without_history,
)
from roadwise.engines.forecast.objectives import deliverables as deliverables
from roadwise.engines.forecast.objectives import descendants as descendants
from roadwise.engines.forecast.objectives import effective_deadline as effective_deadline
from roadwise.engines.forecast.objectives import initiatives as initiatives
from roadwise.engines.forecast.objectives import leaves_of as leaves_of
from roadwise.engines.forecast.objectives import objective_items as objective_items
from roadwise.views.reports.wording import join_words

# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class DateForecast:
    """When something will be done: the 50 / 85 / 95% dates and P(meeting its deadline)."""

    key: str
    p50: dt.date
    p85: dt.date
    p95: dt.date | None = None
    deadline: dt.date | None = None
    p_deadline: float | None = None
    inputs: str = ""
    method: str = ""
    #: Why the forecast cannot date it at all ("no delivery history for team QA"); its dates
    #: are then ``date.max``. Empty when it can, or when it is only beyond ten years.
    undated: str = ""

    @property
    def dated(self) -> bool:
        """Whether the forecast gives a likely date (``date.max`` means it never finished)."""
        return self.p50 != dt.date.max


@dataclass(frozen=True)
class Scheduled:
    key: str
    team: str | None
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class Priority:
    key: str
    score: float
    low: float
    high: float
    rank: float
    p_top_k: float | None = None


@dataclass(frozen=True)
class Calibration:
    """How often a forecast's dates were met in backtests (level -> hit rate)."""

    hits: dict[float, float]
    cutoffs: int
    scope: str = ""


@dataclass(frozen=True)
class CapacityRow:
    team: str
    period: dt.date
    capacity: float
    demand: float
    unit: str = "points"


@dataclass
class Facts:
    """Everything the builders read. Engine-derived fields are empty until an engine ran."""

    ws: Workspace
    seed: int
    forecasts: dict[str, DateForecast] = field(default_factory=dict)
    # Likely start of each deliverable (when its team is free for it), from the forecast.
    forecast_starts: dict[str, dt.date] = field(default_factory=dict)
    forecast_method: str = ""
    forecast_trials: int = 0
    schedule: dict[str, Scheduled] = field(default_factory=dict)
    schedule_method: str = ""
    priorities: dict[str, Priority] = field(default_factory=dict)
    priority_method: str = ""
    calibration: Calibration | None = None
    capacity: list[CapacityRow] = field(default_factory=list)
    capacity_method: str = ""
    release: dict[str, Any] = field(default_factory=dict)
    resource_options: list[dict[str, Any]] = field(default_factory=list)
    demand: dict[str, dict[str, float]] = field(default_factory=dict)
    feedback_method: str = ""
    engines: dict[str, str] = field(default_factory=dict)
    # The raw engine results, for charts that draw their distributions.
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def as_of(self) -> dt.date:
        return self.ws.as_of


# --------------------------------------------------------------------------- workspace facts


def work_unit(ws: Workspace) -> str:
    """The unit reports count work in: person-days when every estimate is in person-days,
    else points (person-day estimates converted at their team's rate)."""
    return "person-days" if ws.estimate_units == {EstimateUnit.PERSON_DAYS} else "points"


def size(ws: Workspace, item: Item) -> float:
    """Likely size in :func:`work_unit` (1 when not estimated: counts as one piece of work)."""
    if item.estimate is None:
        return 1.0
    if work_unit(ws) == "person-days":
        return item.estimate.likely
    converted = estimate_in_unit(ws, item.estimate, item.team, "points")
    return converted.likely if converted else 1.0


def progress(ws: Workspace, item: Item) -> tuple[float, float]:
    """(done size, total size) over the item's leaves, dropped work excluded."""
    done = total = 0.0
    for leaf in leaves_of(ws, item):
        if leaf.status == Status.DROPPED:
            continue
        total += size(ws, leaf)
        if leaf.status.is_finished:
            done += size(ws, leaf)
    return done, total


def kr_progress(ws: Workspace) -> dict[str, float | None]:
    """Mean key-result progress (0..1, clamped) per objective; None without measurements."""
    out: dict[str, float | None] = {}
    for objective in ws.objectives:
        values = [kr.progress for kr in objective.key_results if kr.progress is not None]
        out[objective.key] = (
            sum(min(max(v, 0.0), 1.0) for v in values) / len(values) if values else None
        )
    return out


def open_size(ws: Workspace, item: Item) -> float:
    """Likely size of the open work in an item (its open leaves)."""
    return sum(size(ws, leaf) for leaf in leaves_of(ws, item) if leaf.is_open)


NEXT_SPRINTS = 3
"""'Next' is work likely to start within this many sprints; 'Later' is after that."""


def horizon(ws: Workspace, item: Item, facts: Facts) -> str:
    """Now / Next / Later by when the work likely starts (forecast, else schedule, else status).

    Now: under way, or starting within a sprint. Next: starting within :data:`NEXT_SPRINTS`
    sprints. Later: everything after that.
    """
    leaves = leaves_of(ws, item)
    if (
        any(leaf.status == Status.IN_PROGRESS for leaf in leaves)
        or item.status == Status.IN_PROGRESS
    ):
        return "Now"
    sprint = dt.timedelta(days=ws.cycles.sprint_length_days)
    scheduled = facts.schedule.get(item.key)
    start = facts.forecast_starts.get(item.key) or (scheduled.start if scheduled else None)
    if start is not None:
        if start <= ws.as_of + sprint:
            return "Now"
        if start <= ws.as_of + NEXT_SPRINTS * sprint:
            return "Next"
        return "Later"
    if item.status == Status.READY or any(leaf.status == Status.READY for leaf in leaves):
        return "Next"
    return "Later"


def dependency_chains(ws: Workspace, *, min_length: int = 3) -> list[list[Item]]:
    """The longest chains of open items that wait on each other (longest first).

    A chain is a path in the finish-to-start graph; each item appears in the longest chain
    ending at it, and chains contained in a longer one are dropped.
    """
    open_items = {i.key: i for i in ws.items if i.is_open}
    longest: dict[str, list[str]] = {}
    from roadwise.domain import topological_order

    for item in topological_order(list(open_items.values())):
        best: list[str] = []
        for dep in item.dependencies:
            if dep.item in longest and len(longest[dep.item]) > len(best):
                best = longest[dep.item]
        longest[item.key] = [*best, item.key]
    contained = {k for chain in longest.values() for k in chain[:-1]}
    chains = [c for k, c in longest.items() if k not in contained and len(c) >= min_length]
    chains.sort(key=lambda c: (-len(c), c[-1]))
    return [[open_items[k] for k in c] for c in chains]


def cross_team_dependencies(ws: Workspace) -> list[tuple[Item, Item]]:
    """(item, the item it waits for) pairs of open items owned by different teams."""
    out: list[tuple[Item, Item]] = []
    for item in ws.items:
        if not item.is_open:
            continue
        for dep in item.dependencies:
            other = ws.item_by_key.get(dep.item)
            if other and other.is_open and other.team and item.team and other.team != item.team:
                out.append((item, other))
    return out


def team_name(ws: Workspace, key: str | None) -> str:
    if key is None:
        return "unassigned"
    team = ws.team_by_key.get(key)
    return team.name if team else key


def undated_reason(
    ws: Workspace,
    teams: Mapping[str, bool],
    mark: Callable[[str], str] = str,
    *,
    waits_on: Mapping[str, bool] | None = None,
) -> str:
    """Why the work of ``teams`` cannot be dated, in the one wording of the reports, the web
    app and the CLI: 'no delivery history for team QA', 'nothing finished by team QA in the
    last 104 weeks'. ``teams``: key -> whether its finished work is only older than the
    forecast's window (:func:`~roadwise.engines.forecast.objectives.teams_without_history`);
    ``waits_on``: the same for the teams without history whose work it waits on, though it is
    not theirs ('waits on work of team QA, which has no delivery history'); ``mark`` wraps
    each name (the reports keep the glossary off a team's own name)."""

    def phrases(found: Mapping[str, bool], wordings: tuple[tuple[bool, str], ...]) -> list[str]:
        said = []
        for stale, phrase in wordings:
            names = sorted(team_name(ws, key) for key, old in found.items() if old == stale)
            if names:
                said.append(
                    phrase.format(
                        s="s" if len(names) > 1 else "",
                        names=join_words([mark(n) for n in names]),
                        have="have" if len(names) > 1 else "has",
                        weeks=DELIVERY_WINDOW.weeks,
                    )
                )
        return said

    reasons = phrases(
        teams,
        (
            (False, "no delivery history for team{s} {names}"),
            (True, "nothing finished by team{s} {names} in the last {weeks} weeks"),
        ),
    )
    # A team named for its own work is not named again for the work waiting on it.
    others = {key: old for key, old in (waits_on or {}).items() if key not in teams}
    waited = phrases(
        others,
        (
            (False, "team{s} {names}, which {have} no delivery history"),
            (True, "team{s} {names}, which finished nothing in the last {weeks} weeks"),
        ),
    )
    if waited:
        reasons.append("waits on work of " + ", and of ".join(waited))
    return join_words(reasons)


class UndatedWork:
    """What of a delivery forecast's work cannot be dated, and why, in :func:`undated_reason`'s
    words: the work of the teams without delivery history (``idle``: key -> whether their
    finished work is only older than the forecast's window), and the work that waits on
    theirs. The replay finishes neither, so both would otherwise read "not in sight", as if
    the work were only too much for the ten years the forecast looks ahead."""

    def __init__(
        self,
        ws: Workspace,
        queues: Mapping[str, Sequence[QueuedItem]],
        idle: Mapping[str, bool],
    ) -> None:
        self.ws = ws
        self.queues = queues
        self.idle = dict(idle)
        #: Per open leaf: the teams without history, besides its own, whose work it waits on.
        self.waits = teams_waited_on(queues, self.idle)
        # Per deliverable: the teams without history doing a piece of it, and those the
        # pieces wait on (its date is the date its last piece is done).
        self._doing: dict[str, set[str]] = defaultdict(set)
        self._waiting: dict[str, set[str]] = defaultdict(set)
        for team, queue in queues.items():
            for q in queue:
                if team in self.idle:
                    self._doing[q.deliverable].add(team)
                self._waiting[q.deliverable].update(self.waits.get(q.item.key, ()))

    def _say(self, own: set[str], waited: set[str], mark: Callable[[str], str]) -> str:
        return undated_reason(
            self.ws,
            {t: self.idle[t] for t in own},
            mark,
            waits_on={t: self.idle[t] for t in waited - own},
        )

    def under(self, keys: Collection[str], mark: Callable[[str], str] = str) -> str:
        """Why the deliverables ``keys`` (say, everything serving an objective) cannot be
        dated: the teams without history doing any of them, and those their pieces wait on;
        '' when none."""
        own: set[str] = set()
        waited: set[str] = set()
        for key in keys:
            own |= self._doing.get(key, set())
            waited |= self._waiting.get(key, set())
        return self._say(own, waited, mark)

    def team(self, team: str, mark: Callable[[str], str] = str) -> str:
        """Why ``team``'s date (all the deliverables in its queue done, other teams' pieces of
        them included) cannot be dated; '' when it can, as far as history goes. Another
        team without history doing a piece of its deliverables is work it waits on."""
        own = {team} & self.idle.keys()
        waited: set[str] = set()
        for key in {q.deliverable for q in self.queues.get(team, ())}:
            waited |= self._doing.get(key, set()) | self._waiting.get(key, set())
        return self._say(own, waited, mark)

    def teams(self, mark: Callable[[str], str] = str) -> dict[str, str]:
        """Each team whose date cannot be dated, with why; the other teams left out."""
        found = {team: self.team(team, mark) for team in sorted(self.queues)}
        return {team: why for team, why in found.items() if why}

    def items(self, mark: Callable[[str], str] = str) -> dict[str, str]:
        """Each open leaf that cannot be dated, with why; the other leaves left out."""
        out: dict[str, str] = {}
        for team, queue in self.queues.items():
            own = {team} & self.idle.keys()
            for q in queue:
                why = self._say(own, set(self.waits.get(q.item.key, ())), mark)
                if why:
                    out[q.item.key] = why
        return out


@dataclass(frozen=True)
class QueueWork:
    """A team's remaining work as the delivery forecast queues it: its open leaf items (those
    in the roadmap of record and those added since; in progress ones whole), at their likely
    estimates in the forecast's unit. The resources report's "work remaining" and the lines
    under ``roadwise forecast roadmap`` both state it, so the two agree."""

    items: int
    #: Likely sizes summed, as the team estimated them (not corrected by its estimate bias).
    estimated: float
    #: Open items without an estimate (each counted as 1 in ``estimated``).
    not_estimated: int


def queue_work(queue: Sequence[QueuedItem]) -> QueueWork:
    """The remaining work of one team's queue (see :class:`QueueWork`)."""
    return QueueWork(
        items=len(queue),
        estimated=float(sum(q.size for q in queue)),
        not_estimated=sum(1 for q in queue if q.item.estimate is None),
    )


def undated_work(ws: Workspace, delivery: DeliveryForecast) -> UndatedWork:
    """What of ``delivery``'s work cannot be dated, and why (every view asks this)."""
    queues = delivery.simulation.queues
    return UndatedWork(ws, queues, teams_without_history(ws, queues, delivery.unit))


def owning_team(ws: Workspace, item: Item) -> str | None:
    """The item's team, else the team doing most of its leaves' work."""
    if item.team:
        return item.team
    sizes: dict[str, float] = defaultdict(float)
    for leaf in leaves_of(ws, item):
        if leaf.team:
            sizes[leaf.team] += size(ws, leaf)
    return max(sizes, key=lambda t: sizes[t]) if sizes else None
