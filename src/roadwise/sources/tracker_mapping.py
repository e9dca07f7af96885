"""From an issue tracker's words to the workspace's: statuses, kinds, estimates and teams.

Every tracker reader (Jira CSV and REST, GitHub, Linear) turns what it fetched into
:class:`TrackerIssue` records first; this module maps them onto :class:`Item` and
:class:`HistoryRecord` objects with a :class:`TrackerMapping` and merges them into a workspace
in one step, so an import either applies completely or not at all.

A mapping file (YAML) overrides the defaults of one source::

    statuses: {"Code Review": in_progress, "Won't Do": dropped}
    kinds: {Spike: tech_debt, Initiative: epic}
    estimate_field: Story Points       # Jira: the field holding the estimate
    estimate_unit: points              # or person_days
    sizes: {XS: 1, S: 2, M: 3, L: 5, XL: 8, XXL: 13}   # T-shirt sizes as estimates (default)
    teams: {PAY: payments, "Mobile squad": mobile}   # project / component / team -> team key
    default_team: platform
    labels_as_kind: {bug: bug, epic: epic}            # GitHub labels that decide the kind
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from roadwise.domain import (
    Deadline,
    Dependency,
    Estimate,
    EstimateUnit,
    HistoryRecord,
    Item,
    ItemKind,
    Scenario,
    SourceRef,
    Status,
    Team,
    Workspace,
)
from roadwise.errors import RoadwiseError
from roadwise.sources._numbers import EXAMPLES as NUMBER_EXAMPLES
from roadwise.sources._numbers import NumberError, not_a_number, read_number

SOURCES = ("jira", "github", "linear")

# Words trackers use for where an issue is, lower-cased. Anything else falls back to the
# status category (Jira: To Do / In Progress / Done; Linear: state type).
DEFAULT_STATUSES: dict[str, Status] = {
    "backlog": Status.IDEA,
    "open": Status.READY,
    "new": Status.IDEA,
    "triage": Status.IDEA,
    "idea": Status.IDEA,
    "to do": Status.READY,
    "todo": Status.READY,
    "selected for development": Status.READY,
    "ready": Status.READY,
    "ready for development": Status.READY,
    "unstarted": Status.READY,
    "discovery": Status.DISCOVERY,
    "analysis": Status.DISCOVERY,
    "in analysis": Status.DISCOVERY,
    "in progress": Status.IN_PROGRESS,
    "in development": Status.IN_PROGRESS,
    "started": Status.IN_PROGRESS,
    "in review": Status.IN_PROGRESS,
    "code review": Status.IN_PROGRESS,
    "review": Status.IN_PROGRESS,
    "testing": Status.IN_PROGRESS,
    "in testing": Status.IN_PROGRESS,
    "qa": Status.IN_PROGRESS,
    "reopened": Status.READY,
    "done": Status.DONE,
    "closed": Status.DONE,
    "resolved": Status.DONE,
    "completed": Status.DONE,
    "released": Status.LAUNCHED,
    "launched": Status.LAUNCHED,
    "canceled": Status.DROPPED,
    "cancelled": Status.DROPPED,
    "won't do": Status.DROPPED,
    "won't fix": Status.DROPPED,
    "duplicate": Status.DROPPED,
    "not_planned": Status.DROPPED,
    "not planned": Status.DROPPED,
}

# Status categories (Jira) and state types (Linear) used when a status name is unknown.
CATEGORY_STATUSES: dict[str, Status] = {
    "to do": Status.READY,
    "new": Status.READY,
    "indeterminate": Status.IN_PROGRESS,
    "in progress": Status.IN_PROGRESS,
    "done": Status.DONE,
    "complete": Status.DONE,
    "backlog": Status.IDEA,
    "triage": Status.IDEA,
    "unstarted": Status.READY,
    "started": Status.IN_PROGRESS,
    "completed": Status.DONE,
    "canceled": Status.DROPPED,
}

DEFAULT_KINDS: dict[str, ItemKind] = {
    "epic": ItemKind.EPIC,
    "initiative": ItemKind.EPIC,
    "feature": ItemKind.FEATURE,
    "new feature": ItemKind.FEATURE,
    "improvement": ItemKind.STORY,
    "story": ItemKind.STORY,
    "user story": ItemKind.STORY,
    "task": ItemKind.STORY,
    "sub-task": ItemKind.STORY,
    "subtask": ItemKind.STORY,
    "bug": ItemKind.BUG,
    "defect": ItemKind.BUG,
    "tech debt": ItemKind.TECH_DEBT,
    "technical debt": ItemKind.TECH_DEBT,
    "tech_debt": ItemKind.TECH_DEBT,
    "technical task": ItemKind.TECH_DEBT,
    "chore": ItemKind.TECH_DEBT,
}

# What a T-shirt size stands for where a tracker's estimate is a word (GitHub's "Size" field,
# a Jira select field): the Fibonacci points most teams use. A mapping's `sizes` replaces it.
DEFAULT_SIZES: dict[str, float] = {"xs": 1, "s": 2, "m": 3, "l": 5, "xl": 8, "xxl": 13}

_KEY_BAD = re.compile(r"[\s,;]+")


@dataclass(frozen=True)
class TrackerIssue:
    """One issue as a tracker reader found it, before any mapping."""

    system: str
    key: str
    title: str
    url: str | None = None
    description: str = ""
    kind: str = ""
    status: str = ""
    status_category: str = ""
    parent: str | None = None
    estimate: float | None = None
    team: str | None = None
    labels: tuple[str, ...] = ()
    sprints: tuple[str, ...] = ()
    created: dt.datetime | None = None
    started: dt.datetime | None = None
    done: dt.datetime | None = None
    due: dt.date | None = None
    updated: dt.datetime | None = None
    #: Keys of issues that must finish before this one (Jira "is blocked by", Linear "blocks").
    blocked_by: tuple[str, ...] = ()
    #: False when the reader could not see the parent (GitHub sub-issues fetched from the
    #: parent's side): a stored parent is then kept rather than cleared.
    parent_known: bool = True
    #: How the tracker named a parent the reader could not turn into a key (Jira CSV: the issue
    #: id of a parent not in the export). Set with ``parent_known=False``, so a stored parent
    #: is kept; the merge warns about it.
    parent_ref: str | None = None
    #: When the tracker archived the issue (Linear): hidden from its views, but not deleted. It
    #: keeps its status; Linear archives closed issues by itself after a few months.
    archived: dt.datetime | None = None


@dataclass(frozen=True)
class TrackerMapping:
    """How one source's words become the workspace's; see the module docstring."""

    statuses: Mapping[str, Status] = field(default_factory=dict)
    kinds: Mapping[str, ItemKind] = field(default_factory=dict)
    estimate_field: str | None = None
    estimate_unit: EstimateUnit = EstimateUnit.POINTS
    sizes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    teams: Mapping[str, str] = field(default_factory=dict)
    default_team: str | None = None
    labels_as_kind: Mapping[str, ItemKind] = field(
        default_factory=lambda: {
            "bug": ItemKind.BUG,
            "epic": ItemKind.EPIC,
            "feature": ItemKind.FEATURE,
            "enhancement": ItemKind.FEATURE,
            "tech debt": ItemKind.TECH_DEBT,
            "tech-debt": ItemKind.TECH_DEBT,
        }
    )

    def estimate_of(self, value: str) -> float:
        """An estimate written as a number ("3", "2,5", "1,234.5") or a T-shirt size ("M").

        Numbers are read as the items CSV reads them (:func:`read_number`), 0 or more.
        """
        try:
            return read_number(value, at_least=0)
        except NumberError as exc:
            size = self.sizes.get(value.strip().lower())
            if size is not None:
                return size
            if exc.looks_like_number:
                raise
        if not self.sizes:
            raise not_a_number(value)
        known = ", ".join(f"{k.upper()} {v:g}" for k, v in self.sizes.items())
        raise NumberError(
            f"expected a number (such as {NUMBER_EXAMPLES}) or a size of the mapping "
            f"({known}), got {value.strip()!r}; a size the mapping lacks goes under sizes: in "
            "the mapping file",
            looks_like_number=False,
        )

    def status_of(self, issue: TrackerIssue) -> Status:
        name = issue.status.strip().lower()
        for table in (self.statuses, DEFAULT_STATUSES):
            if name in table:
                return table[name]
        category = issue.status_category.strip().lower()
        if category in CATEGORY_STATUSES:
            return CATEGORY_STATUSES[category]
        if issue.done is not None:
            return Status.DONE
        return Status.IDEA if not name else Status.READY

    def kind_of(self, issue: TrackerIssue) -> ItemKind:
        name = issue.kind.strip().lower()
        for table in (self.kinds, DEFAULT_KINDS):
            if name in table:
                return table[name]
        for label in issue.labels:
            word = label.strip().lower()
            if word in self.labels_as_kind:
                return self.labels_as_kind[word]
        return ItemKind.STORY

    def team_of(self, issue: TrackerIssue) -> str | None:
        if issue.team is not None:
            if issue.team in self.teams:
                return self.teams[issue.team]
            lowered = {k.lower(): v for k, v in self.teams.items()}
            if issue.team.lower() in lowered:
                return lowered[issue.team.lower()]
            if not self.teams:
                return clean_key(issue.team).lower()
        return self.default_team


def clean_key(text: str) -> str:
    """A tracker's name or key as a workspace key (no spaces, commas or semicolons)."""
    return _KEY_BAD.sub("-", text.strip()).strip("-") or "unnamed"


def load_mapping(path: str | Path | None, source: str) -> TrackerMapping:
    """Read a mapping file (or the defaults when ``path`` is None)."""
    if path is None:
        return TrackerMapping()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise RoadwiseError(
            f"cannot read the mapping file: {exc.strerror}", file=str(path)
        ) from None
    except UnicodeDecodeError as exc:
        raise RoadwiseError(
            f"not UTF-8 text ({exc.reason}); save the mapping file as UTF-8", file=str(path)
        ) from None
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        raise RoadwiseError(
            "the mapping file is not valid YAML",
            file=str(path),
            line=None if line is None else line + 1,
        ) from None
    if not isinstance(data, dict):
        raise RoadwiseError("the mapping file must be a YAML mapping", file=str(path))
    # A file may hold several sources' mappings under their names.
    for name in SOURCES:
        if data.get(name) is not None and not isinstance(data[name], dict):
            raise RoadwiseError(
                f"expected {name}'s mapping entries under '{name}:' (statuses, teams, ...)",
                file=str(path),
                field=name,
            )
    if source in data:
        data = data[source] or {}
    known = {
        "statuses",
        "kinds",
        "estimate_field",
        "estimate_unit",
        "sizes",
        "teams",
        "default_team",
        "labels_as_kind",
    }
    for name in data:
        if name not in known and name not in SOURCES:
            raise RoadwiseError(
                f"unknown mapping entry (known: {', '.join(sorted(known))})",
                file=str(path),
                field=str(name),
            )

    def table(name: str, enum: Any) -> dict[str, Any]:
        raw = data.get(name) or {}
        if not isinstance(raw, dict):
            raise RoadwiseError("expected 'tracker word: value' pairs", file=str(path), field=name)
        out: dict[str, Any] = {}
        for word, value in raw.items():
            try:
                out[str(word).strip().lower()] = enum(str(value).strip().lower())
            except ValueError:
                allowed = ", ".join(m.value for m in enum)
                raise RoadwiseError(
                    f"'{value}' is not one of {allowed}", file=str(path), field=f"{name}.{word}"
                ) from None
        return out

    teams = data.get("teams") or {}
    if not isinstance(teams, dict):
        raise RoadwiseError(
            "expected 'tracker name: team key' pairs", file=str(path), field="teams"
        )
    for name, value in teams.items():
        # `PAY:` with nothing after it would otherwise become a team called "None"; an issue
        # that should not be mapped is left out of teams.
        if value is None or (isinstance(value, str) and not value.strip()):
            got = "nothing"
        elif isinstance(value, dict | list):
            got = "a list" if isinstance(value, list) else "a mapping"
        else:
            continue
        raise RoadwiseError(
            f"expected a team key, got {got}", file=str(path), field=f"teams.{name}"
        )
    try:
        unit = EstimateUnit(str(data.get("estimate_unit", "points")))
    except ValueError:
        raise RoadwiseError(
            "expected points or person_days", file=str(path), field="estimate_unit"
        ) from None
    sizes = data.get("sizes")
    if sizes is not None and not isinstance(sizes, dict):
        raise RoadwiseError("expected 'size: points' pairs", file=str(path), field="sizes")
    points: dict[str, float] = {}
    for word, value in (sizes or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise RoadwiseError(
                f"expected a number of points (0 or more), got '{value}'",
                file=str(path),
                field=f"sizes.{word}",
            )
        points[str(word).strip().lower()] = float(value)
    base = TrackerMapping()
    return TrackerMapping(
        statuses=table("statuses", Status),
        kinds=table("kinds", ItemKind),
        estimate_field=data.get("estimate_field"),
        estimate_unit=unit,
        sizes=points if sizes is not None else dict(base.sizes),
        teams={str(k): clean_key(str(v)) for k, v in teams.items()},
        default_team=clean_key(str(data["default_team"])) if data.get("default_team") else None,
        labels_as_kind=table("labels_as_kind", ItemKind) or dict(base.labels_as_kind),
    )


# --------------------------------------------------------------------------- mapping


def to_item(issue: TrackerIssue, mapping: TrackerMapping) -> Item:
    """The workspace item for one tracker issue (tracker-owned fields only)."""
    status = mapping.status_of(issue)
    created, started, done = _ordered_times(issue.created, issue.started, issue.done)
    if status.is_finished and done is None:
        done = issue.updated
        created, started, done = _ordered_times(created, started, done)
    estimate = None
    if issue.estimate is not None:
        if not (math.isfinite(issue.estimate) and issue.estimate >= 0):
            # dropping it would plan the item as unestimated without a word
            raise RoadwiseError(
                f"{issue.system} issue {issue.key} cannot be read: its estimate "
                f"{issue.estimate:g} is not a number of 0 or more",
                field="estimate",
            )
        estimate = Estimate(
            low=issue.estimate,
            likely=issue.estimate,
            high=issue.estimate,
            unit=mapping.estimate_unit,
        )
    tags = list(dict.fromkeys([*issue.labels, *(f"sprint:{s}" for s in issue.sprints[-1:])]))
    try:
        return Item(
            key=clean_key(issue.key),
            title=issue.title.strip() or issue.key,
            description=issue.description,
            kind=mapping.kind_of(issue),
            status=status,
            parent=clean_key(issue.parent) if issue.parent else None,
            estimate=estimate,
            team=mapping.team_of(issue),
            tags=tags,
            created=created,
            started=started if status != Status.IDEA else None,
            done=done if status.is_finished or status == Status.DROPPED else None,
            deadline=Deadline(date=issue.due, reason="due date in the tracker")
            if issue.due
            else None,
            dependencies=[Dependency(item=clean_key(k)) for k in dict.fromkeys(issue.blocked_by)],
            source=SourceRef(system=issue.system, key=issue.key, url=issue.url),
        )
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise RoadwiseError(
            f"{issue.system} issue {issue.key} cannot be read: "
            f"{str(first['msg']).removeprefix('Value error, ')}",
            field=where or None,
        ) from None


def _ordered_times(
    created: dt.datetime | None, started: dt.datetime | None, done: dt.datetime | None
) -> tuple[dt.datetime | None, dt.datetime | None, dt.datetime | None]:
    """Clamp times into created <= started <= done: trackers let people edit them freely."""
    if created and started and started < created:
        started = created
    if started and done and done < started:
        started = done
    if created and done and done < created:
        done = created
    return created, started, done


def to_history(item: Item) -> HistoryRecord | None:
    """A finished item as delivery history (throughput and cycle time for forecasts)."""
    if not item.status.is_finished or item.done is None:
        return None
    created = item.created or item.started or item.done
    return HistoryRecord(
        key=item.key,
        title=item.title,
        team=item.team,
        kind=item.kind,
        points=item.estimate.likely if item.estimate else None,
        estimate=item.estimate,
        created=created,
        started=item.started,
        done=item.done,
    )


# Fields a tracker owns; the rest (value inputs, objectives, themes...) stay as planned.
TRACKER_FIELDS = (
    "title",
    "description",
    "kind",
    "status",
    "parent",
    "estimate",
    "team",
    "tags",
    "created",
    "started",
    "done",
    "deadline",
    "dependencies",
    "source",
)


@dataclass(frozen=True)
class Change:
    key: str
    action: str  # added, updated
    fields: tuple[tuple[str, str, str], ...] = ()  # (field, before, after)


@dataclass
class SyncDiff:
    """What an import or sync changes: the counts and one row per changed item."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    history_added: int = 0
    teams_added: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Keys an earlier sync of the scope brought in that a full sync no longer saw.
    gone: list[str] = field(default_factory=list)
    #: The gone keys that were removed from the workspace (``--prune``).
    pruned: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "history_added": self.history_added,
            "teams_added": self.teams_added,
            "changes": [
                {
                    "key": c.key,
                    "action": c.action,
                    "fields": [{"field": f, "before": b, "after": a} for f, b, a in c.fields],
                }
                for c in self.changes
            ],
            "warnings": self.warnings,
            "gone": self.gone,
            "pruned": self.pruned,
        }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Estimate):
        return (
            f"{value.likely:g}"
            if value.low == value.high
            else f"{value.low:g}/{value.likely:g}/{value.high:g}"
        )
    if isinstance(value, Deadline):
        return value.date.isoformat()
    if isinstance(value, SourceRef):
        return value.url or f"{value.system}:{value.key}"
    if isinstance(value, list):
        return ";".join(_text(v.item if isinstance(v, Dependency) else v) for v in value)
    if hasattr(value, "value"):
        return str(value.value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def merge_issues(
    ws: Workspace,
    issues: Sequence[TrackerIssue],
    mapping: TrackerMapping,
    *,
    settings_update: Mapping[str, Any] | None = None,
) -> tuple[Workspace, SyncDiff]:
    """The workspace with ``issues`` merged in by key, and what changed.

    Tracker-owned fields (:data:`TRACKER_FIELDS`) are overwritten; what only Roadwise knows
    (value inputs, objectives, themes, customers, assignee, release) is kept. Parents and
    dependencies pointing outside the workspace are dropped with a warning, missing teams are
    added. Finished issues also become delivery history. Raises :class:`RoadwiseError` if the
    result breaks a workspace rule; nothing is changed then.
    """
    diff = SyncDiff()
    incoming: dict[str, Item] = {}
    parent_unknown: set[str] = set()
    parent_refs: dict[str, str] = {}
    archived_open: dict[str, Item] = {}
    for issue in issues:
        item = to_item(issue, mapping)
        incoming[item.key] = item  # a later page's copy of the same issue wins
        if not issue.parent_known and issue.parent is None:
            parent_unknown.add(item.key)
            if issue.parent_ref:
                parent_refs[item.key] = issue.parent_ref
        if issue.archived is not None and item.is_open:
            archived_open[item.key] = item
        else:
            archived_open.pop(item.key, None)
    for key, item in archived_open.items():
        # Archived by hand while still open: it stays in plans, so say why it is there.
        system = item.source.system if item.source else "the tracker"
        diff.warnings.append(
            f"{key}: archived in {system} while still open; kept as {item.status.value} "
            "and still planned"
        )
    existing = {i.key: i for i in ws.items}
    known = set(existing) | set(incoming)
    team_keys = [t.key for t in ws.teams]
    new_teams: list[Team] = []
    for item in incoming.values():
        if item.team and item.team not in team_keys:
            team_keys.append(item.team)
            new_teams.append(Team(key=item.team, name=item.team))
            diff.teams_added.append(item.team)

    merged: dict[str, Item] = dict(existing)
    for key, item in incoming.items():
        patch: dict[str, Any] = {}
        if item.parent and item.parent not in known:
            diff.warnings.append(f"{key}: parent {item.parent} is not imported; left out")
            patch["parent"] = None
        kept_deps = [d for d in item.dependencies if d.item in known and d.item != key]
        for dep in item.dependencies:
            if dep.item not in known:
                diff.warnings.append(f"{key}: depends on {dep.item}, which is not imported")
        patch["dependencies"] = kept_deps
        old = existing.get(key)
        if key in parent_refs:
            kept = f"kept {old.parent}" if old is not None and old.parent else "left out"
            diff.warnings.append(
                f"{key}: parent {parent_refs[key]} (an issue id) is not imported; {kept}"
            )
        if old is None:
            merged[key] = item.model_copy(update=patch)
            diff.added += 1
            diff.changes.append(Change(key, "added"))
            continue
        values = {name: getattr(item, name) for name in TRACKER_FIELDS}
        values.update(patch)
        if item.team is None:
            values["team"] = old.team  # no mapping for it: keep the planned team
        if key in parent_unknown:
            values["parent"] = old.parent
        changed = tuple(
            (name, _text(getattr(old, name)), _text(values[name]))
            for name in TRACKER_FIELDS
            if getattr(old, name) != values[name]
        )
        if not changed:
            diff.unchanged += 1
            continue
        merged[key] = old.model_copy(update=values)
        diff.updated += 1
        diff.changes.append(Change(key, "updated", changed))

    items = list(merged.values())
    history = {h.key: h for h in ws.history}
    for key in incoming:
        record = to_history(merged[key])
        if record is not None:
            if key not in history:
                diff.history_added += 1
            history[key] = record
    settings = ws.settings
    if settings_update:
        settings = settings.model_copy(update={"extra": {**settings.extra, **settings_update}})
    data = ws.model_dump()
    data.update(
        teams=[*ws.model_dump()["teams"], *(t.model_dump() for t in new_teams)],
        items=[i.model_dump() for i in items],
        history=[h.model_dump() for h in history.values()],
        settings=settings.model_dump(),
    )
    try:
        result = Workspace.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        message = str((first.get("ctx") or {}).get("message") or first["msg"])
        raise RoadwiseError(
            f"the imported issues break a workspace rule: {message.removeprefix('Value error, ')}"
            " (fix it in the tracker or in the mapping file; nothing was imported)"
        ) from None
    return result, diff


def sync_state(ws: Workspace, source: str, scope: str) -> dict[str, Any]:
    """What the last sync of ``source`` / ``scope`` (project, repo, team) remembered."""
    state = ws.settings.extra.get("sync", {})
    entry = state.get(source, {}).get(scope) if isinstance(state, dict) else None
    return dict(entry) if isinstance(entry, dict) else {}


def with_sync_state(
    ws: Workspace, source: str, scope: str, entry: Mapping[str, Any]
) -> dict[str, Any]:
    """The ``settings.extra`` update that records ``entry`` as the last sync of ``scope``."""
    state = dict(ws.settings.extra.get("sync", {}) or {})
    per_source = dict(state.get(source, {}) or {})
    per_source[scope] = dict(entry)
    state[source] = per_source
    return {"sync": state}


def remembered_keys(ws: Workspace, source: str, scope: str) -> list[str]:
    """The keys of the items earlier syncs of ``source`` / ``scope`` brought in, sorted."""
    keys = sync_state(ws, source, scope).get("keys")
    return sorted({str(k) for k in keys}) if isinstance(keys, list) else []


def gone_keys(ws: Workspace, source: str, scope: str, seen: Iterable[str]) -> list[str]:
    """Items a sync of ``scope`` brought in that a full fetch (``seen``) no longer holds.

    Only items still in the workspace and still owned by ``source`` count; a key another synced
    scope of the same source remembers has moved there (overlapping JQL queries) and is not gone.
    """
    seen_now = {clean_key(k) for k in seen}
    state = ws.settings.extra.get("sync", {})
    per_source = state.get(source, {}) if isinstance(state, dict) else {}
    elsewhere = {
        str(k)
        for other, entry in (per_source.items() if isinstance(per_source, dict) else ())
        if other != scope and isinstance(entry, dict) and isinstance(entry.get("keys"), list)
        for k in entry["keys"]
    }
    owned = {i.key for i in ws.items if i.source is not None and i.source.system == source}
    return [
        key
        for key in remembered_keys(ws, source, scope)
        if key not in seen_now and key not in elsewhere and key in owned
    ]


def prune_items(ws: Workspace, keys: Iterable[str]) -> tuple[Workspace, list[str]]:
    """``ws`` without the items ``keys``, and a warning for each reference to them dropped.

    Children stay, with no parent; dependencies on the removed items, feedback links to them and
    their mentions in decisions go, so the result keeps every workspace rule. Delivery history
    stays: the work happened even if the issue is gone. Saved plans and scenarios that name a
    removed item are kept as they are (a stored plan records what was decided; readers show the
    item as removed, and planning a scenario skips its changes to it), with one warning each,
    first, so a TPM knows which ones to look at again.
    """
    removed = set(keys) & set(ws.item_by_key)
    if not removed:
        return ws, []
    warnings = _saved_plan_warnings(ws, removed)
    items: list[Item] = []
    for item in ws.items:
        if item.key in removed:
            continue
        patch: dict[str, Any] = {}
        if item.parent in removed:
            warnings.append(f"{item.key}: parent {item.parent} was removed; left without one")
            patch["parent"] = None
        dropped = [d.item for d in item.dependencies if d.item in removed]
        if dropped:
            warnings.extend(
                f"{item.key}: no longer depends on {k}, which was removed" for k in dropped
            )
            patch["dependencies"] = [d for d in item.dependencies if d.item not in removed]
        items.append(item.model_copy(update=patch) if patch else item)
    feedback = []
    for fb in ws.feedback:
        gone_links = [link.item for link in fb.links if link.item in removed]
        if gone_links:
            warnings.extend(f"feedback {fb.key}: link to {k} removed with it" for k in gone_links)
            fb = fb.model_copy(update={"links": [x for x in fb.links if x.item not in removed]})
        feedback.append(fb)
    decisions = []
    for decision in ws.decisions:
        mentioned = [k for k in decision.items if k in removed]
        if mentioned:
            warnings.extend(f"decision {decision.key}: no longer lists {k}" for k in mentioned)
            decision = decision.model_copy(
                update={"items": [k for k in decision.items if k not in removed]}
            )
        decisions.append(decision)
    data = ws.model_dump()
    data.update(
        items=[i.model_dump() for i in items],
        feedback=[f.model_dump() for f in feedback],
        decisions=[d.model_dump() for d in decisions],
    )
    return Workspace.model_validate(data), warnings


# Where a stored plan's payload names items: the fields holding item keys as values (roadmap rows'
# ``item``, a selection's ``items``, ``dropped`` lists) and the mappings keyed by item.
_ITEM_VALUE_FIELDS = frozenset({"item", "items", "dropped", "parent", "cut_items"})
_ITEM_KEYED_FIELDS = frozenset({"items", "assignment", "skipped"})


def _mentions(value: Any, keys: set[str], field: str = "") -> set[str]:
    """The ``keys`` a stored payload names as items (not a team or release of the same name)."""
    found: set[str] = set()
    if isinstance(value, str):
        if field in _ITEM_VALUE_FIELDS and value in keys:
            found.add(value)
    elif isinstance(value, Mapping):
        for name, inner in value.items():
            if field in _ITEM_KEYED_FIELDS and str(name) in keys:
                found.add(str(name))
            found |= _mentions(inner, keys, str(name))
    elif isinstance(value, list | tuple):
        for inner in value:
            found |= _mentions(inner, keys, field)
    return found


def _scenario_pointers(scenario: Scenario, keys: set[str]) -> set[str]:
    """The ``keys`` a scenario sets as an item's parent or dependency (or a new item's)."""
    found: set[str] = set()
    for change in scenario.changes:
        if change.entity != "item":
            continue
        if change.action == "add" and isinstance(change.value, Mapping):
            found |= _mentions(change.value.get("parent"), keys, "parent")
            for dep in change.value.get("dependencies") or []:
                found |= _mentions(
                    dep.get("item") if isinstance(dep, Mapping) else dep, keys, "item"
                )
        elif change.action == "set" and change.field in ("parent", "dependencies"):
            deps = change.value if isinstance(change.value, list) else [change.value]
            for dep in deps:
                found |= _mentions(
                    dep.get("item") if isinstance(dep, Mapping) else dep, keys, "item"
                )
    return found


def _listed(keys: Iterable[str]) -> tuple[str, str]:
    """The keys as a short list, and "it" or "them" to refer back to them."""
    ordered = sorted(keys)
    text = ", ".join(ordered[:5]) + (f" and {len(ordered) - 5} more" if len(ordered) > 5 else "")
    return text, "it" if len(ordered) == 1 else "them"


def _saved_plan_warnings(ws: Workspace, removed: set[str]) -> list[str]:
    """One warning per saved plan and scenario that names an item about to be removed."""
    warnings = []
    for plan in ws.plans:
        named = _mentions(plan.payload, removed)
        if named:
            keys, it = _listed(named)
            warnings.append(
                f"saved {plan.kind} plan {plan.key} ({plan.created:%Y-%m-%d}) names {keys}, now "
                f"removed; the plan is kept as it was made (plan again for one without {it})"
            )
    for scenario in ws.scenarios:
        targets = {
            c.key
            for c in scenario.changes
            if c.entity == "item" and c.action != "add" and c.key in removed
        }
        pointers = _scenario_pointers(scenario, removed)
        if targets:
            keys, it = _listed(targets)
            warnings.append(
                f"scenario {scenario.key} changes {keys}, now removed; planning the scenario "
                f"skips its changes to {it}"
            )
        if pointers:
            # A parent or dependency set to a removed item cannot be skipped quietly: the
            # scenario would plan something else than it says.
            keys, it = _listed(pointers)
            warnings.append(
                f"scenario {scenario.key} points at {keys} (a parent or dependency), now "
                f"removed; it cannot be planned until saved again without {it} "
                f"(roadwise scenario add {scenario.key} … replaces it)"
            )
    return warnings


def check_prune(full: bool, prune: bool) -> None:
    """Refuse ``--prune`` without ``--full`` (the CLI asks before fetching anything)."""
    if prune and not full:
        raise RoadwiseError(
            "--prune needs --full: an incremental sync only fetches what changed, "
            "so it cannot tell which issues were deleted or moved away"
        )


def sync_issues(
    ws: Workspace,
    issues: Sequence[TrackerIssue],
    mapping: TrackerMapping,
    *,
    source: str,
    scope: str,
    entry: Mapping[str, Any],
    full: bool,
    prune: bool = False,
    also_seen: Iterable[str] = (),
) -> tuple[Workspace, SyncDiff]:
    """One sync of ``scope``: :func:`merge_issues` plus what it remembers and what has gone.

    ``entry`` (last sync time, ...) is stored with the sorted keys the scope's syncs brought in:
    an incremental sync only adds to them. A full sync reports the remembered keys it no longer
    saw as :attr:`SyncDiff.gone` (``also_seen``: keys the tracker still holds that were left out
    on purpose, like GitHub pull requests); with ``prune`` they are removed in the same step,
    and only then forgotten. Items no sync brought in are never touched.
    """
    check_prune(full, prune)
    fetched = {clean_key(i.key) for i in issues}
    remembered = set(remembered_keys(ws, source, scope)) | fetched
    gone: list[str] = []
    base, warnings = ws, list[str]()
    if full:
        gone = gone_keys(ws, source, scope, [*fetched, *also_seen])
        # What is neither seen nor gone was removed by hand or moved to another scope.
        seen = fetched | {clean_key(k) for k in also_seen}
        remembered = {k for k in remembered if k in seen or k in gone}
        if prune and gone:
            base, warnings = prune_items(ws, gone)
            remembered -= set(gone)
    update = with_sync_state(ws, source, scope, {**entry, "keys": sorted(remembered)})
    merged, diff = merge_issues(base, issues, mapping, settings_update=update)
    diff.gone = gone
    diff.pruned = gone if prune else []
    diff.warnings = [*warnings, *diff.warnings]
    return merged, diff


def latest(times: Iterable[dt.datetime | None]) -> dt.datetime | None:
    found = [t for t in times if t is not None]
    return max(found) if found else None
