"""The roadmap of record: the stored roadmap every view's delivery forecast replays.

``roadwise plan roadmap`` stores its plan; the delivery forecast of the CLI, the reports, the web
app and the demo then replays that plan's order (open work it does not hold after it), so the
same item gets the same date everywhere. Without a stored roadmap they all use the priority
queue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from roadwise.domain import Plan, Workspace
from roadwise.errors import RoadwiseError
from roadwise.workspace.store import Store

PlannedLeaf = tuple[str, str, dt.date, dt.date]
"""(item key, team, planned start, planned end) of a leaf item the scheduler placed."""


@dataclass(frozen=True)
class RoadmapOfRecord:
    """A stored roadmap as the delivery forecast replays it."""

    key: str
    created: dt.datetime
    #: Its open leaf items with a team, as the scheduler placed them.
    planned: tuple[PlannedLeaf, ...]
    #: Open leaf items with a team that it does not hold (added since): worked after it.
    not_in_plan: tuple[str, ...]
    #: The day the plan starts from, and where it put each item (team, start day of every
    #: piece), so a view can show this very plan (``roadwise.views.stored_roadmap``); empty
    #: for roadmaps stored before placements were kept.
    start: dt.date | None = None
    placements: Mapping[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)
    #: The stored plan's summary (the solver's verdict: method, optimality, gap, seconds).
    verdict: Mapping[str, Any] = field(default_factory=dict)

    def describe(self) -> str:
        return f"stored roadmap '{self.key}' of {self.created:%Y-%m-%d %H:%M} UTC"


def roadmap_of_record(
    store: Store, ws: Workspace, key: str | None = None
) -> RoadmapOfRecord | None:
    """The roadmap ``key``, or the latest one planned without a scenario; ``None`` when there
    is none, or when everything it planned is done (nothing of its order is left).

    Raises a :class:`RoadwiseError` naming the stored roadmaps when ``key`` is not one of them.
    """
    roadmaps = store.list_plans("roadmap")
    chosen: Plan
    if key is None:
        unscoped = [p for p in roadmaps if p.scenario is None]
        if not unscoped:
            return None
        chosen = unscoped[-1]
    else:
        found = [p for p in roadmaps if p.key == key]
        if not found:
            known = ", ".join(p.key for p in roadmaps) or "none yet; run `roadwise plan roadmap`"
            raise RoadwiseError(f"no stored roadmap '{key}' (stored: {known})", field="--plan")
        chosen = found[0]
    parents = {i.parent for i in ws.items if i.parent}
    open_leaves = {i.key for i in ws.items if i.is_open and i.key not in parents}
    planned: list[PlannedLeaf] = []
    for row in chosen.payload.get("items", []):
        # Items done since the plan was made are skipped: their work is history now.
        if row.get("level") != "leaf" or row.get("item") not in open_leaves or not row.get("team"):
            continue
        planned.append(
            (
                row["item"],
                row["team"],
                dt.date.fromisoformat(row["start"]),
                dt.date.fromisoformat(row["end"]),
            )
        )
    if not planned:
        return None
    in_plan = {p[0] for p in planned}
    with_team = {i.key for i in ws.items if i.key in open_leaves and ws.inherited(i, "team")}
    payload = chosen.payload
    start = payload.get("start")
    return RoadmapOfRecord(
        chosen.key,
        chosen.created,
        tuple(planned),
        tuple(sorted(with_team - in_plan)),
        start=dt.date.fromisoformat(start) if start else None,
        placements={
            key: (str(team), tuple(int(s) for s in starts))
            for key, (team, starts) in payload.get("placements", {}).items()
        },
        verdict=payload.get("plan") or {},
    )
