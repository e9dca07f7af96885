"""The roadmap of record as a roadmap: the stored plan itself, for views that show a plan.

``roadwise plan roadmap`` stores where it put each item. The web app's Roadmap page and the
reports show that plan (the one every delivery forecast replays) instead of planning afresh,
as long as it still fits the workspace; otherwise they plan afresh and say so. A plan stored
before the as-of date moved on is shown moved on to the new first day (:func:`moved_on` says
what that moved).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from roadwise.domain import Workspace
from roadwise.engines.schedule.roadmap import (
    PlanSummary,
    ReplanGain,
    Roadmap,
    RoadmapOptions,
    replay_roadmap,
)
from roadwise.views._text import some_keys
from roadwise.workspace import RoadmapOfRecord


def stored_summary(verdict: Any) -> PlanSummary:
    """A stored plan summary (``roadmap_payload``'s ``plan``) back as a :class:`PlanSummary`."""

    def number(key: str) -> float:
        value = verdict.get(key)
        return math.nan if value is None else float(value)

    finish = verdict.get("finish")
    return PlanSummary(
        method=str(verdict.get("method", "stored")),
        cost_of_delay=number("cost_of_delay"),
        value_delivered=number("value_delivered"),
        model_objective=number("model_objective"),
        proven_optimal=bool(verdict.get("proven_optimal", False)),
        gap=number("gap"),
        bound=number("bound"),
        seconds=number("seconds"),
        status=str(verdict.get("status", "")),
        finish=dt.date.fromisoformat(finish) if finish else None,
        late_items=int(verdict.get("late_items", 0)),
        behind_targets=int(verdict.get("behind_targets", 0)),
        targets_held=bool(verdict.get("targets_held", False)),
    )


def stored_roadmap(
    ws: Workspace, record: RoadmapOfRecord | None, options: RoadmapOptions | None = None
) -> Roadmap | None:
    """The roadmap of record as ``ws`` sees it, or ``None`` (none stored, stored before
    placements were kept, or no longer fitting: see :func:`replay_roadmap`)."""
    if record is None or record.start is None or not record.placements:
        return None
    return replay_roadmap(
        ws, record.start, record.placements, stored_summary(record.verdict), options
    )


def moved_on(roadmap: Roadmap) -> str:
    """How a stored plan was brought to a later first day, as a clause ("" when it was not):
    which items no longer keep their stored days, and why (``Roadmap.replay``)."""
    replay = roadmap.replay
    if replay is None or not replay.moved_days:
        return ""
    parts = []
    if replay.slipped:
        parts.append(f"{_some_items(replay.slipped)} whose stored start had passed, first")
    if replay.started:
        parts.append(f"{_some_items(replay.started)} now under way from {roadmap.start}")
    if replay.pushed:
        parts.append(f"{_some_items(replay.pushed)} later than stored to make room")
    days = f"{replay.moved_days} working day{'' if replay.moved_days == 1 else 's'}"
    what = "; ".join(parts) if parts else "every item on its stored day"
    return (
        f"moved on from {replay.stored_start} to {roadmap.start} ({days}), same teams and "
        f"order: {what}"
    )


def since_stored(roadmap: Roadmap) -> str:
    """What changed since the stored plan was solved, as a clause ("" when nothing did): how
    it moved on (:func:`moved_on`) and the open items it does not hold, placed after it."""
    replay = roadmap.replay
    if replay is None:
        return ""
    parts = [moved_on(roadmap)] if replay.moved_days else []
    if replay.added:
        parts.append(
            f"{_some_items(replay.added, 'added since')} placed after it, each after its "
            "team's planned work"
        )
    return "; ".join(parts)


def _some_items(keys: tuple[str, ...], what: str = "") -> str:
    """Items as a count with at most three keys named: 4 items (KW-1, KW-2, KW-3 and 1 more)."""
    shown = some_keys(keys, 3)
    return f"{len(keys)} item{'' if len(keys) == 1 else 's'}{f' {what}' if what else ''} ({shown})"


def replan_payload(gain: ReplanGain) -> dict[str, Any]:
    """:class:`ReplanGain` for ``--json`` and the API."""
    return {
        "gain": round(gain.gain, 2),
        "share": round(gain.share, 4),
        "deadlines_met": gain.deadlines_met,
        "items_moved": gain.items_moved,
        "rounds": gain.rounds,
        "worth_it": gain.worth_it,
    }


def replan_sentence(gain: ReplanGain | None, currency: str) -> str:
    """What re-planning would gain over the plan shown, as a sentence ("" without a check):
    a suggestion to re-plan when it is worth it (``ReplanGain.worth_it``), else that it
    gains little."""
    from roadwise.views.reports.wording import short_money

    if gain is None:
        return ""
    value = gain.objective == "value-by-date"
    what = "delivers" if value else "cuts the cost of delay by"
    found = f"{what} {short_money(gain.gain, currency)} ({gain.share:.1%})" + (
        " more" if value else ""
    )
    if gain.deadlines_met:
        n = gain.deadlines_met
        found += f" and meets {n} more hard deadline{'' if n == 1 else 's'}"
    searched = f"a short local search from this plan ({gain.rounds} rounds)"
    if not gain.worth_it:
        return (
            f"Re-planning would gain little now: {searched} found a plan that {found}."
            if gain.gain > 0
            else f"Re-planning would gain little now: {searched} found nothing better."
        )
    return (
        f"Worth re-planning: {searched} already found a plan that {found}, moving "
        f"{gain.items_moved} items; a full re-plan searches longer."
    )


def targets_held_by(record: RoadmapOfRecord | None) -> bool:
    """Whether the roadmap of record was planned holding targets (``plan roadmap
    --hold-targets``); False without one."""
    return record is not None and stored_summary(record.verdict).targets_held
