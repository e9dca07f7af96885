"""The workspace: everything one product plans with, and the rules that keep it consistent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from itertools import pairwise
from typing import Any, TypeVar

from pydantic import ConfigDict, Field, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from roadwise.domain.model import (
    Customer,
    Cycles,
    Day,
    Decision,
    EstimateUnit,
    Feedback,
    HistoryRecord,
    Item,
    Key,
    Model,
    Objective,
    Person,
    Plan,
    Release,
    Scenario,
    Settings,
    Status,
    Team,
    Theme,
)
from roadwise.errors import ValidationError

SCHEMA_VERSION = 1

_T = TypeVar("_T")


class WorkspaceRuleError(ValueError):
    """A workspace rule is broken. ``field`` is a dotted path to the offending value."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class Workspace(Model):
    """One product's planning data. Built once, then read by engines (treat as immutable)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=False)

    schema_version: int = SCHEMA_VERSION
    name: str = "workspace"
    description: str = ""
    as_of: Day = Field(default_factory=dt.date.today)
    settings: Settings = Field(default_factory=Settings)
    objectives: list[Objective] = Field(default_factory=list)
    themes: list[Theme] = Field(default_factory=list)
    teams: list[Team] = Field(default_factory=list)
    cycles: Cycles = Field(default_factory=Cycles)
    customers: list[Customer] = Field(default_factory=list)
    items: list[Item] = Field(default_factory=list)
    feedback: list[Feedback] = Field(default_factory=list)
    history: list[HistoryRecord] = Field(default_factory=list)
    scenarios: list[Scenario] = Field(default_factory=list)
    decisions: list[Decision] = Field(default_factory=list)
    plans: list[Plan] = Field(default_factory=list)

    @field_validator("schema_version")
    @classmethod
    def _readable_version(cls, v: int) -> int:
        if v > SCHEMA_VERSION:
            raise ValueError(
                f"schema version {v} is newer than this Roadwise reads ({SCHEMA_VERSION}); "
                "upgrade Roadwise, or export the workspace again from the version that wrote it"
            )
        if v < 1:
            raise ValueError(f"schema version must be 1 or more, got {v}")
        return v

    # ------------------------------------------------------------------ rules

    @model_validator(mode="after")
    def _check_rules(self) -> Workspace:
        try:
            check_rules(self)
        except WorkspaceRuleError as exc:
            # A custom error keeps the dotted path so file readers can point at the line.
            raise PydanticCustomError(
                "workspace_rule", "{message}", {"message": str(exc), "field": exc.field}
            ) from exc
        return self

    # ------------------------------------------------------------------ look-ups

    @cached_property
    def item_by_key(self) -> dict[str, Item]:
        return {i.key: i for i in self.items}

    @cached_property
    def team_by_key(self) -> dict[str, Team]:
        return {t.key: t for t in self.teams}

    @cached_property
    def person_by_key(self) -> dict[str, Person]:
        return {p.key: p for t in self.teams for p in t.people}

    @cached_property
    def objective_by_key(self) -> dict[str, Objective]:
        return {o.key: o for o in self.objectives}

    @cached_property
    def customer_by_key(self) -> dict[str, Customer]:
        return {c.key: c for c in self.customers}

    @cached_property
    def history_by_team(self) -> dict[str | None, list[HistoryRecord]]:
        """The delivery history per team, in its order: a forecast replays every team, and
        filtering the whole history once per team per replay grew with teams x history."""
        grouped: dict[str | None, list[HistoryRecord]] = {}
        for record in self.history:
            grouped.setdefault(record.team, []).append(record)
        return grouped

    def inherited(self, item: Item, attribute: str) -> Any:
        """The item's own ``attribute`` when set, else its nearest ancestor's (None if none has
        it): team, theme, release and deadline pass down the hierarchy."""
        node: Item | None = item
        while node is not None:
            value = getattr(node, attribute)
            if value:
                return value
            node = self.item_by_key.get(node.parent) if node.parent else None
        return None

    @cached_property
    def estimate_units(self) -> frozenset[EstimateUnit]:
        """The units the items' estimates use (empty when nothing is estimated)."""
        return frozenset(i.estimate.unit for i in self.items if i.estimate)

    @cached_property
    def theme_by_key(self) -> dict[str, Theme]:
        return {t.key: t for t in self.themes}

    @cached_property
    def release_by_key(self) -> dict[str, Release]:
        return {r.key: r for r in self.cycles.releases}

    @cached_property
    def dropped_keys(self) -> frozenset[str]:
        """Items the team decided not to do: their feedback links stay, but are no demand."""
        return frozenset(i.key for i in self.items if i.status == Status.DROPPED)

    def open_items(self) -> list[Item]:
        return [i for i in self.items if i.is_open]

    def children(self, key: str) -> list[Item]:
        return [i for i in self.items if i.parent == key]

    def leaf_items(self, items: Iterable[Item] | None = None) -> list[Item]:
        """Items with no children: the ones that carry work (epics roll up their leaves)."""
        parents = {i.parent for i in self.items if i.parent}
        return [i for i in (self.items if items is None else items) if i.key not in parents]

    def dependents(self, key: str) -> list[Item]:
        """Items that depend on ``key`` (the other direction of the dependency edges)."""
        return [i for i in self.items if any(d.item == key for d in i.dependencies)]

    def copy_with(self, **changes: object) -> Workspace:
        """A validated copy with some top-level collections replaced; a change that breaks a
        rule is a :class:`~roadwise.errors.ValidationError` naming the field."""
        data = self.model_dump()
        data.update({k: _dump(v) for k, v in changes.items()})
        try:
            return Workspace.model_validate(data)
        except PydanticValidationError as exc:
            error = exc.errors()[0]
            message = str(error["msg"]).removeprefix("Value error, ")
            loc = error["loc"]
            if error["type"] == "workspace_rule":  # the rule says where: "teams.4.key"
                loc = tuple(
                    int(p) if p.isdigit() else p for p in str(error["ctx"]["field"]).split(".")
                )
            raise ValidationError(message, field=keyed_path(loc, data) or None) from None


def keyed_path(path: Sequence[object], data: Any) -> str:
    """A place in workspace data with list positions replaced by the records' keys, as people
    know them: ``feedback[FB-00026].label``, not ``feedback.2299.label``. A position inside a
    record (its second link) is left out: the message names the value."""
    parts: list[str] = []
    node: Any = data
    for step in path:
        if isinstance(node, list) and (isinstance(step, int) or str(step).isdigit()):
            index = int(str(step))
            node = node[index] if 0 <= index < len(node) else None
            key = node.get("key") if isinstance(node, dict) else None
            if key is not None and parts:
                parts[-1] = f"{parts[-1]}[{key}]"
            continue
        parts.append(str(step))
        node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts)


def _dump(value: object) -> object:
    if isinstance(value, Model):
        return value.model_dump()
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


# --------------------------------------------------------------------------- rule checks


def _unique(collection: str, keys: Sequence[str]) -> None:
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in seen:
            raise WorkspaceRuleError(
                f"duplicate key '{key}': {collection} has it twice; keys must be unique",
                f"{collection}.{index}.key",
            )
        seen[key] = index


def ancestry(item: Item, by_key: Mapping[str, Item]) -> list[Item]:
    """``item`` and the items above it, nearest first (a parent missing from ``by_key`` ends
    the chain)."""
    chain, node = [item], item
    while node.parent is not None and node.parent in by_key:
        node = by_key[node.parent]
        chain.append(node)
    return chain


def ancestor_keys(item: Item, by_key: Mapping[str, Item]) -> tuple[str, ...]:
    """The keys above ``item``, nearest first; a parent missing from ``by_key`` is the last
    (unlike :func:`ancestry`, which has only items it can find)."""
    chain: list[str] = []
    parent = item.parent
    while parent is not None and parent not in chain:  # the workspace forbids cycles anyway
        chain.append(parent)
        found = by_key.get(parent)
        parent = found.parent if found else None
    return tuple(chain)


ITEM_REFERENCES = ("child", "dependent", "link", "decision")
"""The kinds of record that refer to an item, in the order errors name them: a child's
parent, an item's dependency, a feedback link, a decision's items."""


def references_to_items(data: Any, keys: Iterable[str]) -> dict[str, dict[str, list[str]]]:
    """In workspace data as stored or imported (dicts, before validation), what refers to each
    of ``keys``: key -> kind (of :data:`ITEM_REFERENCES`) -> the referring records' keys, one
    per reference, in the data's order; keys nothing refers to are left out."""
    wanted = set(keys)
    found: dict[str, dict[str, list[str]]] = {}

    def note(kind: str, key: Any, referrer: Any) -> None:
        if key in wanted:
            found.setdefault(key, {}).setdefault(kind, []).append(str(referrer))

    def records(collection: str) -> list[dict[str, Any]]:
        listed = data.get(collection) if isinstance(data, dict) else None
        return [r for r in listed or [] if isinstance(r, dict)]

    for item in records("items"):
        note("child", item.get("parent"), item.get("key"))
        for dependency in item.get("dependencies") or []:
            if isinstance(dependency, dict):
                note("dependent", dependency.get("item"), item.get("key"))
    for feedback in records("feedback"):
        for link in feedback.get("links") or []:
            if isinstance(link, dict):
                note("link", link.get("item"), feedback.get("key"))
    for decision in records("decisions"):
        for key in decision.get("items") or []:
            note("decision", key, decision.get("key"))
    return found


def kind_name(item: Item) -> str:
    """An item's kind in words: "feature", "tech debt"."""
    return item.kind.value.replace("_", " ")


def leaf_needs(
    leaves: Sequence[Item], open_keys: set[str], by_key: Mapping[str, Item]
) -> dict[str, list[str]]:
    """The open leaves each open leaf waits for, as the precedences hold them: its own
    dependencies and its open ancestors', one on an epic or feature meaning every open leaf
    under it."""
    under: dict[str, set[str]] = {}
    for leaf in leaves:
        for node in ancestry(leaf, by_key):
            under.setdefault(node.key, set()).add(leaf.key)
    needs: dict[str, list[str]] = {}
    for leaf in leaves:
        found: set[str] = set()
        for node in ancestry(leaf, by_key):
            if node.key in open_keys:
                for dep in node.dependencies:
                    if dep.item in open_keys:
                        found |= under.get(dep.item, set())
        found.discard(leaf.key)
        needs[leaf.key] = sorted(found)
    return needs


def dependency_via(
    item: Item, leaf: str, by_key: Mapping[str, Item], open_keys: set[str]
) -> tuple[Item, str]:
    """How ``item`` comes to wait for ``leaf``: the item (itself or an ancestor) whose
    dependency it is, and the dependency (``leaf`` or an epic or feature holding it)."""
    holders = {a.key for a in ancestry(by_key[leaf], by_key)}
    for node in ancestry(item, by_key):
        if node.key in open_keys:
            for dep in sorted(node.dependencies, key=lambda d: d.item):
                if dep.item in holders and dep.item in open_keys:
                    return node, dep.item
    return item, leaf  # pragma: no cover - ``leaf`` comes from these dependencies


def check_leaf_dependencies(
    needs: Mapping[str, list[str]], by_key: Mapping[str, Item], open_keys: set[str]
) -> None:
    """Reject a dependency cycle among the leaves, naming it: one can appear only once
    dependencies on epics are followed to their stories (A1 in EA needs EB, B1 in EB needs
    EA), which the workspace's own check of item-to-item dependencies does not see."""
    cycle = find_cycle(dict(needs))
    if not cycle:
        return
    steps: list[str] = []
    direct = True
    for a, b in pairwise(cycle):
        node, target = dependency_via(by_key[a], b, by_key, open_keys)
        direct = direct and node.key == a and target == b
        who = a if node.key == a else f"{a}'s {kind_name(node)} {node.key}"
        held = "" if target == b else f", which holds {b}"
        steps.append(f"{who} depends on {target}{held}")
    lead = (
        "dependency cycle"
        if direct
        else "dependency cycle once dependencies on epics are followed to their stories"
    )
    raise ValidationError(
        f"{lead}: {' -> '.join(cycle)} ({'; '.join(steps)}): an item cannot, directly or "
        "through others, depend on itself",
        field="items.dependencies",
    )


def find_cycle(edges: dict[str, list[str]]) -> list[str] | None:
    """Return one cycle in a directed graph as a list of nodes (first == last), or None.

    Iterative depth-first search so 100,000-item backlogs do not hit the recursion limit.
    """
    white, grey, black = 0, 1, 2
    colour: dict[str, int] = dict.fromkeys(edges, white)
    for root in sorted(edges):
        if colour[root] != white:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        path: list[str] = [root]
        colour[root] = grey
        while stack:
            node, index = stack[-1]
            successors = edges.get(node, [])
            if index < len(successors):
                stack[-1] = (node, index + 1)
                nxt = successors[index]
                state = colour.get(nxt, black)
                if state == grey:
                    start = path.index(nxt)
                    return [*path[start:], nxt]
                if state == white:
                    colour[nxt] = grey
                    stack.append((nxt, 0))
                    path.append(nxt)
            else:
                colour[node] = black
                stack.pop()
                path.pop()
    return None


def topological_order(items: Sequence[Item]) -> list[Item]:
    """Items ordered so every item comes after the items it depends on (stable by key).

    Dependencies on items outside ``items`` are ignored.
    """
    import heapq

    by_key = {i.key: i for i in items}
    indegree = {k: 0 for k in by_key}
    successors: dict[str, list[str]] = {k: [] for k in by_key}
    for item in items:
        for dep in item.dependencies:
            if dep.item in by_key:
                indegree[item.key] += 1
                successors[dep.item].append(item.key)
    ready = [k for k, d in indegree.items() if d == 0]
    heapq.heapify(ready)
    order: list[Item] = []
    while ready:
        key = heapq.heappop(ready)
        order.append(by_key[key])
        for nxt in successors[key]:
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                heapq.heappush(ready, nxt)
    if len(order) != len(items):
        cycle = find_cycle({i.key: [d.item for d in i.dependencies] for i in items})
        raise WorkspaceRuleError(
            "dependency cycle: " + " -> ".join(cycle or []), "items.dependencies"
        )
    return order


def check_rules(ws: Workspace) -> None:
    """Raise :class:`WorkspaceRuleError` naming the first broken rule."""
    _unique("objectives", [o.key for o in ws.objectives])
    _unique("themes", [t.key for t in ws.themes])
    _unique("teams", [t.key for t in ws.teams])
    _unique("people", [p.key for t in ws.teams for p in t.people])
    _unique("releases", [r.key for r in ws.cycles.releases])
    _unique("customers", [c.key for c in ws.customers])
    _unique("items", [i.key for i in ws.items])
    _unique("feedback", [f.key for f in ws.feedback])
    _unique("history", [h.key for h in ws.history])
    _unique("scenarios", [s.key for s in ws.scenarios])
    _unique("decisions", [d.key for d in ws.decisions])
    _unique("plans", [p.key for p in ws.plans])

    for o_index, objective in enumerate(ws.objectives):
        _unique(f"objectives.{o_index}.key_results", [kr.key for kr in objective.key_results])

    min_total = sum(t.min_share for t in ws.themes)
    if min_total > 1.0 + 1e-9:
        raise WorkspaceRuleError(
            f"the themes' min_share values add up to {min_total:.2f}; they must not exceed 1",
            "themes",
        )
    target_total = sum(t.target_share or 0.0 for t in ws.themes)
    if target_total > 1.0 + 1e-9:
        raise WorkspaceRuleError(
            f"the themes' target_share values add up to {target_total:.2f}; they must not exceed 1",
            "themes",
        )

    item_keys = {i.key for i in ws.items}
    team_keys = {t.key for t in ws.teams}
    people = {p.key for t in ws.teams for p in t.people}
    objective_keys = {o.key for o in ws.objectives}
    theme_keys = {t.key for t in ws.themes}
    customer_keys = {c.key for c in ws.customers}
    release_keys = {r.key for r in ws.cycles.releases}

    def must_exist(value: str | None, known: set[str], what: str, where: str) -> None:
        if value is not None and value not in known:
            raise WorkspaceRuleError(f"unknown {what} '{value}'", where)

    for index, item in enumerate(ws.items):
        base = f"items.{index}"
        must_exist(item.parent, item_keys, "parent item", f"{base}.parent")
        must_exist(item.team, team_keys, "team", f"{base}.team")
        must_exist(item.assignee, people, "person", f"{base}.assignee")
        must_exist(item.theme, theme_keys, "theme", f"{base}.theme")
        must_exist(item.release, release_keys, "release", f"{base}.release")
        for d_index, dep in enumerate(item.dependencies):
            must_exist(dep.item, item_keys, "item", f"{base}.dependencies.{d_index}.item")
        for l_index, link in enumerate(item.objectives):
            must_exist(link.objective, objective_keys, "objective", f"{base}.objectives.{l_index}")
        for c_index, customer in enumerate(item.customers):
            must_exist(customer, customer_keys, "customer", f"{base}.customers.{c_index}")

    for index, fb in enumerate(ws.feedback):
        must_exist(fb.customer, customer_keys, "customer", f"feedback.{index}.customer")
        for l_index, fb_link in enumerate(fb.links):
            must_exist(fb_link.item, item_keys, "item", f"feedback.{index}.links.{l_index}.item")

    for index, record in enumerate(ws.history):
        must_exist(record.team, team_keys, "team", f"history.{index}.team")

    for index, decision in enumerate(ws.decisions):
        for i_index, key in enumerate(decision.items):
            must_exist(key, item_keys, "item", f"decisions.{index}.items.{i_index}")

    dependency_cycle = find_cycle({i.key: [d.item for d in i.dependencies] for i in ws.items})
    if dependency_cycle:
        raise WorkspaceRuleError(
            "dependency cycle: "
            + " -> ".join(dependency_cycle)
            + " (an item cannot, directly or through others, depend on itself)",
            "items.dependencies",
        )
    parent_cycle = find_cycle({i.key: [i.parent] if i.parent else [] for i in ws.items})
    if parent_cycle:
        raise WorkspaceRuleError(
            "parent cycle: " + " -> ".join(parent_cycle) + " (the hierarchy must be a tree)",
            "items.parent",
        )


def key_set(objects: Iterable[object], attribute: str = "key") -> set[str]:
    return {str(getattr(o, attribute)) for o in objects}


__all__ = [
    "SCHEMA_VERSION",
    "Key",
    "Workspace",
    "WorkspaceRuleError",
    "ancestry",
    "check_leaf_dependencies",
    "check_rules",
    "dependency_via",
    "find_cycle",
    "kind_name",
    "leaf_needs",
    "topological_order",
]
