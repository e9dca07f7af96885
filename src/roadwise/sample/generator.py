"""Assemble the sample product's workspace from its parts."""

from __future__ import annotations

import datetime as dt

import numpy as np

from roadwise.domain import (
    Decision,
    Estimate,
    HistoryRecord,
    Item,
    ItemKind,
    Settings,
    Status,
    Team,
    Workspace,
)
from roadwise.sample import catalog, organisation
from roadwise.sample.backlog import Backlog, build_backlog, to_items
from roadwise.sample.feedback import build_feedback, to_feedback
from roadwise.sample.history import POINTS, build_history, to_records

DEFAULT_AS_OF = dt.date(2026, 11, 23)
"""The sample's "today" (a Monday), fixed so the sample does not change with the calendar."""

KEY_PREFIX = "KW"


def generate_sample(seed: int = 7, *, as_of: dt.date | None = None) -> Workspace:
    """The Kitewire sample product: same seed and date, same workspace, byte for byte."""
    as_of = as_of or DEFAULT_AS_OF
    rng = np.random.default_rng(seed)
    customers = organisation.customers(rng)
    objectives = organisation.objectives(rng, as_of, customers)
    themes = organisation.themes()
    teams = organisation.teams(rng, as_of)
    cycles = organisation.cycles(as_of)
    backlog = build_backlog(rng, as_of, teams, customers, cycles.releases)
    history = build_history(rng, as_of)

    # One key sequence for delivered and planned work, handed out in creation order.
    created = [(stamp, 0, i) for i, stamp in enumerate(history.created)]
    created += [(d.created, 1, d.uid) for d in backlog.drafts]
    created.sort()
    history_keys = [""] * len(history)
    item_keys: dict[int, str] = {}
    for number, (_stamp, source, index) in enumerate(created, start=101):
        key = f"{KEY_PREFIX}-{number}"
        if source == 0:
            history_keys[index] = key
        else:
            item_keys[index] = key

    items = to_items(backlog, item_keys)
    records = to_records(history, history_keys) + _delivered(items, teams)
    records.sort(key=lambda r: (r.done, r.key))
    feedback = to_feedback(build_feedback(rng, as_of, backlog, customers), item_keys)
    teams = _calibrate(teams, records, as_of)

    return Workspace(
        name=catalog.PRODUCT,
        description=f"{catalog.COMPANY}: {catalog.TAGLINE} (Sample product, seed {seed}.)",
        as_of=as_of,
        settings=Settings(
            currency="USD",
            seed=seed,
            glossary={
                "queue": "where a customer's requests wait for their team",
                "request": (
                    "a unit of work a customer's team tracks in Kitewire (not a backlog item)"
                ),
            },
        ),
        objectives=objectives,
        themes=themes,
        teams=teams,
        cycles=cycles,
        customers=customers,
        items=items,
        feedback=feedback,
        history=records,
        decisions=_decisions(rng, backlog, item_keys, items, teams, as_of),
    )


def _delivered(items: list[Item], teams: list[Team]) -> list[HistoryRecord]:
    """The backlog's recently finished leaves belong in the delivery history too."""
    parents = {i.parent for i in items if i.parent}
    bias = {t: p["bias"] for t, p in organisation.TEAM_PROFILES.items()}
    records: list[HistoryRecord] = []
    for item in items:
        if item.key in parents or not item.status.is_finished or item.done is None:
            continue
        estimate: Estimate | None = item.estimate
        size = estimate.likely * bias.get(item.team or "", 1.0) if estimate else 3.0
        points = float(POINTS[np.abs(np.log(POINTS) - np.log(size)).argmin()])
        records.append(
            HistoryRecord(
                key=item.key,
                title=item.title,
                team=item.team,
                kind=item.kind,
                points=points,
                estimate=estimate,
                created=item.created or item.done,
                started=item.started,
                done=item.done,
            )
        )
    return records


def _calibrate(teams: list[Team], records: list[HistoryRecord], as_of: dt.date) -> list[Team]:
    """Points per person-day over the last half-year of history, so plans and history agree."""
    since = dt.datetime.combine(as_of - dt.timedelta(days=182), dt.time())
    result: list[Team] = []
    for team in teams:
        points = sum(r.points or 0.0 for r in records if r.team == team.key and r.done >= since)
        members = [p for p in team.people if p.joins is None]
        person_days = sum(p.availability for p in members) * 130 * team.focus_factor
        rate = round(points / person_days, 2) if person_days and points else 1.0
        result.append(team.model_copy(update={"points_per_person_day": max(rate, 0.1)}))
    return result


def _decisions(
    rng: np.random.Generator,
    backlog: Backlog,
    keys: dict[int, str],
    items: list[Item],
    teams: list[Team],
    as_of: dt.date,
) -> list[Decision]:
    by_title = {d.title: keys[d.uid] for d in backlog.drafts}
    leads = {t.key: t.people[0].name for t in teams}
    pm = "Noor Saleh (Head of Product)"

    def ago(weeks: int) -> dt.date:
        day = as_of - dt.timedelta(weeks=weeks, days=int(rng.integers(0, 4)))
        return day - dt.timedelta(days=max(0, day.weekday() - 4))

    def first(kind: ItemKind, area: str | None = None, status: Status | None = None) -> list[str]:
        for d in backlog.drafts:
            if (
                d.kind == kind
                and (area is None or d.area.key == area)
                and (status is None or d.status == status)
            ):
                return [keys[d.uid]]
        return []

    decisions = [
        Decision(
            key="D-1",
            date=ago(40),
            title="Adopt quarterly releases with two-week sprints",
            rationale="Customers' change boards meet monthly; a quarterly release with "
            "feature flags gives them a predictable window while teams still ship every "
            "sprint behind flags.",
            who=pm,
        ),
        Decision(
            key="D-2",
            date=ago(30),
            title="Reserve 15% of capacity for tech debt",
            rationale="Two Sev-1 incidents traced back to the legacy job runner; the "
            "engineering leads asked for a standing share instead of debt sprints.",
            who=f"{pm}, {leads['platform']}",
            items=[by_title[t] for t, _d in catalog.TECH_DEBT["platform"] if t in by_title][:2],
        ),
        Decision(
            key="D-3",
            date=ago(22),
            title="Enterprise identity before new integrations",
            rationale="Eleven open deals above $80k list SSO or SCIM as a requirement; "
            "integrations can follow in the next release.",
            who=pm,
            items=first(ItemKind.FEATURE, "security") + first(ItemKind.EPIC, "integrations"),
        ),
        Decision(
            key="D-4",
            date=ago(12),
            title="Mobile-first for field workflows",
            rationale="Weekly mobile users grew 60% in two quarters while the app rating "
            "stayed at 3.6; the field teams drive expansion in logistics and retail.",
            who=f"{pm}, {leads['mobile']}",
            items=first(ItemKind.EPIC, "mobile"),
        ),
        Decision(
            key="D-5",
            date=ago(6),
            title="Defer the timeline view",
            rationale="Requests for a timeline or Gantt view come mostly from trial "
            "accounts that do not convert; revisit when the activation work has landed.",
            who=pm,
        ),
        Decision(
            key="D-6",
            date=ago(2),
            title="Freeze scope of the next release",
            rationale="The release train leaves in under three months; anything not "
            "ready by the next sprint moves to the following release.",
            who=f"{pm}, {leads['workflow']}",
            items=[
                i.key
                for i in items
                if i.release and i.status == Status.IN_PROGRESS and i.kind == ItemKind.FEATURE
            ][:3],
        ),
    ]
    return decisions
