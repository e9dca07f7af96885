"""Scenarios: a named copy of the inputs with changes, and the side-by-side comparison of plans.

A :class:`~roadwise.domain.model.Scenario` lists :class:`ScenarioChange` records (set a field,
remove an entity, add one). :func:`apply_scenario` returns a new, validated workspace; the
original is never touched. :func:`compare_roadmaps` lines two roadmaps up item by item: what
moved, by how many working days, and why (an input of the item changed, it follows a
dependency that moved, its team's capacity changed before it was delivered, other work of its
team now goes ahead of it, or it gave way to more valuable work). Its cost-of-delay totals are
in money only: an item valued by WSJF inputs alone is scheduled by that relative number, but it
is named apart instead of being added into a money sum.

:func:`compare_scenarios` plans two workspaces for such a comparison with the same
deterministic search (a scenario sweep's: see :func:`plan_for_comparison`), so what it shows
is the scenario's doing, not a difference in search effort or luck.
"""

from __future__ import annotations

import copy
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pydantic

from roadwise.domain.model import Scenario
from roadwise.domain.workspace import Workspace
from roadwise.engines.schedule.roadmap import (
    Roadmap,
    RoadmapOptions,
    ScheduledItem,
    plan_roadmap,
)
from roadwise.errors import ValidationError

_COLLECTIONS = {
    "item": ("items",),
    "team": ("teams",),
    "release": ("cycles", "releases"),
    "customer": ("customers",),
}


def apply_scenario(ws: Workspace, scenario: Scenario) -> Workspace:
    """The workspace with the scenario's changes applied, validated as a whole."""
    data = ws.model_dump()
    for index, change in enumerate(scenario.changes):
        where = f"scenarios.{scenario.key}.changes.{index}"
        if change.entity == "workspace":
            if change.action != "set" or not change.field:
                raise ValidationError(
                    "workspace changes must 'set' a field", field=f"{where}.action"
                )
            _set_path(data, change.field, change.value, where)
            continue
        if change.entity == "person":
            _change_person(data, change.action, change.key, change.field, change.value, where)
            continue
        collection = _collection(data, change.entity)
        if change.action == "add":
            if not isinstance(change.value, dict):
                raise ValidationError(
                    f"'add' needs the new {change.entity} as a mapping", field=f"{where}.value"
                )
            collection.append(copy.deepcopy(change.value))
            continue
        entity = _find(collection, change.key, change.entity, where)
        if change.action == "remove":
            if change.entity == "item":
                _remove_items(data, change.key)
            else:
                collection.remove(entity)
            continue
        if not change.field:
            raise ValidationError("'set' needs a field", field=f"{where}.field")
        _set_path(entity, change.field, change.value, where)
    try:
        result = Workspace.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        raise ValidationError(
            f"scenario '{scenario.key}' makes the workspace invalid: {first['msg']}",
            field=path or f"scenarios.{scenario.key}",
        ) from None
    return result


def without_missing_items(ws: Workspace, scenario: Scenario) -> tuple[Scenario, tuple[str, ...]]:
    """The scenario without its changes to items ``ws`` no longer holds, and those items' keys.

    A scenario is checked against the workspace when it is saved, so an item it changes that is
    gone now was removed since (a tracker sync with ``--prune``, a deletion). Such a change has
    nothing left to act on: readers plan the rest and name the skipped keys instead of refusing
    the whole scenario. The stored scenario is not touched.
    """
    known = ws.item_by_key
    missing: dict[str, None] = {}
    kept = []
    for change in scenario.changes:
        if change.entity == "item" and change.action != "add" and change.key not in known:
            missing[change.key] = None
            continue
        kept.append(change)
    if not missing:
        return scenario, ()
    return scenario.model_copy(update={"changes": kept}), tuple(missing)


def _collection(data: dict[str, Any], entity: str) -> list[dict[str, Any]]:
    node: Any = data
    for part in _COLLECTIONS[entity]:
        node = node[part]
    assert isinstance(node, list)
    return node


def _find(collection: list[dict[str, Any]], key: str, entity: str, where: str) -> dict[str, Any]:
    for entry in collection:
        if entry.get("key") == key:
            return entry
    raise ValidationError(f"unknown {entity} '{key}'", field=f"{where}.key")


def _set_path(target: dict[str, Any], path: str, value: Any, where: str) -> None:
    parts = path.split(".")
    node = target
    for part in parts[:-1]:
        if node.get(part) is None:
            node[part] = {}
        if not isinstance(node[part], dict):
            raise ValidationError(f"'{part}' of '{path}' is not a mapping", field=f"{where}.field")
        node = node[part]
    if parts[-1] not in node and node is target and not isinstance(node, dict):
        raise ValidationError(f"unknown field '{path}'", field=f"{where}.field")
    node[parts[-1]] = value


def _change_person(
    data: dict[str, Any], action: str, key: str, field: str, value: Any, where: str
) -> None:
    if action == "add":
        # key names the team the new person joins
        team = _find(data["teams"], key, "team", where)
        if not isinstance(value, dict):
            raise ValidationError("'add' needs the new person as a mapping", field=f"{where}.value")
        team["people"].append(copy.deepcopy(value))
        return
    for team in data["teams"]:
        for person in team["people"]:
            if person["key"] == key:
                if action == "remove":
                    team["people"].remove(person)
                    for item in data["items"]:
                        if item.get("assignee") == key:
                            item["assignee"] = None
                else:
                    _set_path(person, field, value, where)
                return
    raise ValidationError(f"unknown person '{key}'", field=f"{where}.key")


def _remove_items(data: dict[str, Any], key: str) -> None:
    """Descope an item and everything below it; drop references to them."""
    gone = {key}
    changed = True
    while changed:
        changed = False
        for item in data["items"]:
            if item.get("parent") in gone and item["key"] not in gone:
                gone.add(item["key"])
                changed = True
    data["items"] = [i for i in data["items"] if i["key"] not in gone]
    for item in data["items"]:
        item["dependencies"] = [d for d in item.get("dependencies", []) if d["item"] not in gone]
    for fb in data.get("feedback", []):
        fb["links"] = [link for link in fb.get("links", []) if link["item"] not in gone]
    for decision in data.get("decisions", []):
        decision["items"] = [k for k in decision.get("items", []) if k not in gone]


# --------------------------------------------------------------------------- comparison


@dataclass(frozen=True)
class ItemMove:
    item: str
    title: str
    team_a: str | None
    team_b: str | None
    start_a: dt.date | None
    start_b: dt.date | None
    end_a: dt.date | None
    end_b: dt.date | None
    shift_days: int | None
    """Working days the delivery moved (positive: later in B)."""
    why: str


@dataclass(frozen=True)
class RoadmapComparison:
    name_a: str
    name_b: str
    cost_of_delay_a: float
    """Σ cost of delay per week × weeks to delivery, in money, over the items that state a
    cost of delay in money (``without_money`` lists the ones left out)."""
    cost_of_delay_b: float
    finish_a: dt.date | None
    finish_b: dt.date | None
    late_a: int
    late_b: int
    moves: tuple[ItemMove, ...]
    without_money: tuple[str, ...] = ()
    """Items, in either plan, that carry a cost of delay only in relative WSJF units (business
    value + time criticality + risk reduction): the plans weigh them by it, but a relative
    number added to money would be neither, so the totals leave them out."""
    method_a: str = ""
    """How plan A was found (``cp-sat-lns``: the deterministic rounds of
    :func:`compare_scenarios`; anything else: a search bounded by time)."""
    method_b: str = ""

    @property
    def moved(self) -> tuple[ItemMove, ...]:
        return tuple(m for m in self.moves if m.shift_days != 0 or m.team_a != m.team_b)


COMPARE_ROUNDS = 100
"""Search rounds for each side of :func:`compare_scenarios`: a scenario sweep's
(:data:`~roadwise.engines.sweep.SWEEP_ROUNDS`), for the sweep's reason: the two sides are
plans of different inputs, neither a start for the other; on the sample, 40 rounds (what
``capacity --what-if`` gives plans it can warm-start) left one such plan 28.5 % above what 400
rounds found, 100 rounds 7.7 % (docs/benchmarks.md)."""


def plan_for_comparison(
    ws: Workspace,
    rounds: int = COMPARE_ROUNDS,
    time_limit: float = 15.0,
    seed: int = 0,
    targets: bool = False,
) -> Roadmap:
    """The plan :func:`compare_scenarios` measures ``ws`` by: a sweep point's search
    (:func:`comparable_search`), the priority-rule start improved by ``rounds`` rounds of
    large-neighbourhood search, hard deadlines as targets so a scenario that cannot meet one
    still gets a plan that says how late. The rounds are counted in the solver's deterministic
    work: the same inputs give the same plan run to run and on any machine load.
    ``time_limit``: seconds for the full search where there is no valid start
    (``summary.method`` is then not ``cp-sat-lns``)."""
    if rounds < 1:
        raise ValidationError(f"search rounds must be 1 or more, got {rounds}", field="--rounds")
    return plan_roadmap(ws, comparable_search(rounds, time_limit, seed, targets))


def search_cap(rounds: int, time_limit: float) -> float:
    """The wall-clock cap of a :func:`comparable_search`: ``time_limit``, or a second a round
    where that is longer (ten times what a round of the sample takes), so a busy machine still
    runs every round and the numbers stay the same on any machine load."""
    return max(time_limit, float(rounds))


def comparable_search(
    rounds: int, time_limit: float, seed: int, targets: bool, **more: Any
) -> RoadmapOptions:
    """The search every plan that is to be compared with another gets (a scenario compare's
    sides, a sweep's points): the priority-rule start (or ``more``'s ``warm_start``) improved
    by ``rounds`` deterministic rounds on one worker, hard deadlines as targets; ``time_limit``
    seconds for the full search where there is no valid start (:func:`search_cap`)."""
    return RoadmapOptions(
        time_limit=search_cap(rounds, time_limit),
        workers=1,
        seed=seed,
        baseline=False,
        explain=False,
        soft_deadlines=True,
        targets=targets,
        improve_rounds=rounds,
        **more,
    )


def compare_scenarios(
    ws_a: Workspace,
    ws_b: Workspace,
    name_a: str = "A",
    name_b: str = "B",
    rounds: int = COMPARE_ROUNDS,
    time_limit: float = 15.0,
    seed: int = 0,
    targets: bool = False,
    parallel: int = 2,
) -> tuple[RoadmapComparison, Roadmap, Roadmap]:
    """Plan ``ws_a`` and ``ws_b`` with the same search (:func:`plan_for_comparison`) and line
    the plans up (:func:`compare_roadmaps`); returns the comparison and both plans.

    Neither side starts from the other's plan: B warm-started from A (as this once did) gets
    A's search and its own on top, so B came out cheaper even where nothing changed, and a
    search bounded by seconds gave another answer each run. Here both sides get the same
    search from the same kind of start, so comparing a workspace with itself shows no
    difference, swapping the sides swaps the numbers, and the same inputs give the same
    answer. The two searches run ``parallel`` at a time (each on one core)."""

    def plan(ws: Workspace) -> Roadmap:
        return plan_for_comparison(ws, rounds, time_limit, seed, targets)

    if parallel > 1:
        # The searches are independent and CP-SAT leaves Python while it searches.
        with ThreadPoolExecutor(max_workers=2) as pool:
            plan_a, plan_b = pool.map(plan, (ws_a, ws_b))
    else:
        plan_a, plan_b = plan(ws_a), plan(ws_b)
    return compare_roadmaps(ws_a, plan_a, ws_b, plan_b, name_a, name_b), plan_a, plan_b


def compare_roadmaps(
    ws_a: Workspace,
    plan_a: Roadmap,
    ws_b: Workspace,
    plan_b: Roadmap,
    name_a: str = "A",
    name_b: str = "B",
) -> RoadmapComparison:
    """Item by item: where each one lands in both plans, how far it moved, and why."""
    a_items = {s.key: s for s in (*plan_a.items, *plan_a.rollups)}
    b_items = {s.key: s for s in (*plan_b.items, *plan_b.rollups)}
    # Each plan counts working days from its own first day; a scenario that moves the as-of
    # date moves that day, so B's days are put on A's count before they are compared.
    offset = int(np.busday_count(plan_a.calendar.days[0], plan_b.calendar.days[0]))
    moves: list[ItemMove] = []
    for key in sorted(set(a_items) | set(b_items)):
        a, b = a_items.get(key), b_items.get(key)
        shift = (b.end_day + offset - a.end_day) if a is not None and b is not None else None
        why = _why(key, a, b, ws_a, ws_b, a_items, b_items, (plan_a, plan_b), offset)
        ref = a or b
        assert ref is not None
        moves.append(
            ItemMove(
                item=key,
                title=ref.title,
                team_a=a.team if a else None,
                team_b=b.team if b else None,
                start_a=a.start if a else None,
                start_b=b.start if b else None,
                end_a=a.end if a else None,
                end_b=b.end if b else None,
                shift_days=shift,
                why=why,
            )
        )
    moves.sort(key=lambda m: (-(abs(m.shift_days) if m.shift_days is not None else 10**6), m.item))
    return RoadmapComparison(
        name_a=name_a,
        name_b=name_b,
        cost_of_delay_a=plan_a.summary.cost_of_delay,
        cost_of_delay_b=plan_b.summary.cost_of_delay,
        finish_a=plan_a.summary.finish,
        finish_b=plan_b.summary.finish,
        late_a=plan_a.summary.late_items,
        late_b=plan_b.summary.late_items,
        moves=tuple(moves),
        without_money=tuple(sorted({*plan_a.summary.without_money, *plan_b.summary.without_money})),
        method_a=plan_a.summary.method,
        method_b=plan_b.summary.method,
    )


def capacity_added(plan_a: Roadmap, plan_b: Roadmap, team: str, until: dt.date) -> float:
    """Productive person-days ``team`` has in plan B's calendar and not in plan A's, on the
    working days both plans have up to and including ``until`` (negative: B has fewer).

    Counted up to a date and not over the whole calendar: the calendar runs years past the
    plan, so its total credits a hire with work no item could use (one person showed as
    "+521 person-days" on a plan of about 175 working days)."""
    first = max(plan_a.calendar.days[0], plan_b.calendar.days[0])

    def total(plan: Roadmap) -> float:
        cal = plan.calendar
        for t in cal.teams:
            if t.team == team:
                return float(t.productive[cal.day_index(first) : cal.days_through(until)].sum())
        return 0.0

    return total(plan_b) - total(plan_a)


def _why(
    key: str,
    a: ScheduledItem | None,
    b: ScheduledItem | None,
    ws_a: Workspace,
    ws_b: Workspace,
    a_items: dict[str, ScheduledItem],
    b_items: dict[str, ScheduledItem],
    plans: tuple[Roadmap, Roadmap],
    offset: int = 0,
) -> str:
    """Why ``key`` moved; ``offset``: working days from plan A's first day to plan B's."""
    if a is None:
        return "only in the second plan (added to scope)"
    if b is None:
        return "only in the first plan (removed from scope or cannot be scheduled)"
    if a.end_day == b.end_day + offset and a.team == b.team:
        return "unchanged"
    reasons: list[str] = []
    ia, ib = ws_a.item_by_key.get(key), ws_b.item_by_key.get(key)
    if ia is not None and ib is not None:
        if ia.estimate != ib.estimate:
            reasons.append(f"estimate changed ({_likely(ia.estimate)} -> {_likely(ib.estimate)})")
        if ia.deadline != ib.deadline:
            reasons.append("deadline changed")
        if ia.team != ib.team or ia.assignee != ib.assignee:
            reasons.append("pinned team or assignee changed")
        for dep in ib.dependencies:
            pa, pb = a_items.get(dep.item), b_items.get(dep.item)
            if (
                pa is not None
                and pb is not None
                and pb.end_day + offset != pa.end_day
                and (b.start_day <= pb.end_day + dep.lag_days + 1)
            ):
                moved = pb.end_day + offset - pa.end_day
                reasons.append(f"follows {dep.item}, which moved {moved:+d} days")
    if a.team != b.team:
        reasons.append(f"moved from team {a.team} to {b.team}")
    shift = b.end_day + offset - a.end_day
    # Capacity up to the later of its two deliveries is what could have moved it; and only
    # capacity gained explains moving earlier, only capacity lost explains moving later.
    until = max(a.end, b.end)
    for team in b.team.split("+"):
        delta = capacity_added(*plans, team, until)
        if shift and abs(delta) >= 0.5 and (delta > 0) == (shift < 0):
            reasons.append(
                f"team {team} capacity {delta:+.0f} person-days up to {until.isoformat()}"
            )
    if offset and ws_a.as_of != ws_b.as_of:
        reasons.append(
            f"the plan starts {abs(offset)} working day{'s' if abs(offset) != 1 else ''} "
            f"{'later' if offset > 0 else 'earlier'} (as of {ws_b.as_of.isoformat()})"
        )
    if not reasons and shift > 0 and a.team == b.team and b.level == "leaf":
        ahead = _now_ahead(a, b, a_items, b_items)
        if ahead:
            named = ", ".join(ahead[:3]) + (f" and {len(ahead) - 3} more" if len(ahead) > 3 else "")
            go = "goes" if len(ahead) == 1 else "go"
            reasons.append(f"re-sequenced: {named} now {go} ahead of it on team {b.team}")
    if not reasons:
        reasons.append(
            "re-optimised: the plan traded its slot for more valuable work"
            if shift > 0
            else "re-optimised: capacity freed up earlier"
        )
    return "; ".join(reasons)


def _now_ahead(
    a: ScheduledItem,
    b: ScheduledItem,
    a_items: dict[str, ScheduledItem],
    b_items: dict[str, ScheduledItem],
) -> list[str]:
    """Items of the same team that started after this one in plan A and start no later than it
    in plan B (earliest in B first): the work that took its slot."""
    ahead = [
        (other.start_day, other.key)
        for other in b_items.values()
        if other.key != b.key
        and other.level == "leaf"
        and other.team == b.team
        and (before := a_items.get(other.key)) is not None
        and before.start_day > a.start_day
        and other.start_day <= b.start_day
    ]
    return [k for _, k in sorted(ahead)]


def _likely(estimate: Any) -> str:
    return "none" if estimate is None else f"{estimate.likely:g} {estimate.unit.value}"
