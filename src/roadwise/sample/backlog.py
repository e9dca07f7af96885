"""The sample product's backlog: epics > features > stories, plus bugs and tech debt.

Items are first built as :class:`Draft` records (numbered by a temporary ``uid``) so that
dependencies, statuses and keys can be settled before the validated :class:`Item` objects
are made. Keys are given out later in creation order, together with the delivery history.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np

from roadwise.domain import (
    Customer,
    Deadline,
    Dependency,
    Estimate,
    Item,
    ItemKind,
    Kano,
    MoSCoW,
    ObjectiveLink,
    Range,
    Release,
    Status,
    Team,
    ValueInputs,
)
from roadwise.sample import catalog

FIBONACCI = (1, 2, 3, 5, 8, 13, 20, 40, 100)
RISKY_AREAS = {
    "integrations": 0.25,
    "performance": 0.3,
    "security": 0.2,
    "api": 0.15,
    "exports": 0.1,
    "mobile": 0.1,
}


@dataclass
class Draft:
    uid: int
    kind: ItemKind
    title: str
    description: str
    team: str
    area: catalog.Area
    status: Status
    created: dt.datetime
    parent: int | None = None
    subject: catalog.Feature | catalog.Bug | None = None
    order: int = 0
    rank: tuple[int, int, int] = (0, 0, 0)
    importance: float = 0.0
    estimate: Estimate | None = None
    value: ValueInputs = field(default_factory=ValueInputs)
    technical_risk: float = 0.0
    deps: list[tuple[int, int]] = field(default_factory=list)
    deadline: Deadline | None = None
    skills: list[str] = field(default_factory=list)
    assignee: str | None = None
    objectives: list[ObjectiveLink] = field(default_factory=list)
    theme: str = "new_features"
    tags: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    release: str | None = None
    started: dt.datetime | None = None
    done: dt.datetime | None = None
    children: list[int] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass
class Backlog:
    drafts: list[Draft]

    def by_uid(self) -> dict[int, Draft]:
        return {d.uid: d for d in self.drafts}

    def leaves(self) -> list[Draft]:
        return [d for d in self.drafts if not d.children]


def _at(rng: np.random.Generator, day: dt.date) -> dt.datetime:
    """A working-hours timestamp on ``day``."""
    minutes = int(rng.integers(8 * 60 + 30, 18 * 60))
    return dt.datetime(day.year, day.month, day.day) + dt.timedelta(minutes=minutes)


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def _estimate(
    rng: np.random.Generator, choices: tuple[int, ...], probs: tuple[float, ...]
) -> Estimate:
    likely = int(rng.choice(choices, p=probs))
    index = FIBONACCI.index(likely)
    low = FIBONACCI[max(index - 1, 0)] if rng.random() < 0.75 else likely
    # Right skew: things go wrong more often than they go better than expected.
    high = FIBONACCI[min(index + int(rng.choice([1, 2, 2, 3])), len(FIBONACCI) - 1)]
    return Estimate(low=low, likely=likely, high=high)


def _uncertain(
    rng: np.random.Generator, value: float, share: float, spread: float, digits: int = 0
) -> float | Range:
    """Sometimes a range instead of a number: the person stating it is not sure."""
    if rng.random() >= share:
        return round(value, digits) if digits else float(round(value))
    low = value * (1 - spread * float(rng.uniform(0.4, 0.8)))
    high = value * (1 + spread * float(rng.uniform(0.8, 2.0)))
    if digits:
        return Range(low=round(low, digits), likely=round(value, digits), high=round(high, digits))
    return Range(low=float(round(low)), likely=float(round(value)), high=float(round(high)))


def _value(
    rng: np.random.Generator, importance: float, kind: ItemKind, size: float, urgent: bool
) -> ValueInputs:
    z = importance + float(rng.normal(0, 0.5))
    fib = (1, 2, 3, 5, 8, 13, 20)

    def fib_at(shift: float) -> int:
        return fib[int(np.clip(round(2.5 + 1.6 * (z + shift)), 0, len(fib) - 1))]

    impacts = (0.25, 0.5, 1.0, 2.0, 3.0)
    reach = float(np.exp(rng.normal(np.log(140) + 0.6 * z, 0.45)))
    confidence: float | Range
    if rng.random() < 0.2:
        confidence = Range(low=0.3, likely=0.5, high=float(rng.choice([0.7, 0.8])))
    else:
        confidence = float(rng.choice([0.5, 0.8, 0.8, 1.0]))
    business_value = fib_at(0.0)
    time_criticality = fib_at(1.0 if urgent else -0.5 + float(rng.normal(0, 0.6)))
    risk_shift = 0.8 if kind in (ItemKind.TECH_DEBT, ItemKind.BUG) else -0.8
    risk_reduction = fib_at(risk_shift + float(rng.normal(0, 0.6)))
    cod = (business_value + time_criticality + risk_reduction) * float(rng.uniform(450, 800))
    if kind == ItemKind.BUG:
        kano = Kano.MUST_BE
    elif kind == ItemKind.TECH_DEBT:
        kano = Kano.INDIFFERENT
    else:
        kano = Kano(
            str(
                rng.choice(
                    [
                        "must_be",
                        "performance",
                        "performance",
                        "attractive",
                        "attractive",
                        "indifferent",
                    ]
                )
            )
        )
    moscow_index = int(np.clip(round(1.6 - z + float(rng.normal(0, 0.5))), 0, 3))
    return ValueInputs(
        reach=_uncertain(rng, reach, 0.25, 0.5),
        impact=impacts[int(np.clip(round(2 + z), 0, 4))],
        confidence=confidence,
        ease=float(
            int(np.clip(round(10 - 1.6 * np.log2(max(size, 1.0)) + rng.normal(0, 1)), 1, 10))
        ),
        business_value=float(business_value),
        time_criticality=float(time_criticality),
        risk_reduction=float(risk_reduction),
        cost_of_delay=_uncertain(rng, round(cod, -2), 0.3, 0.6),
        kano=kano,
        moscow=(MoSCoW.MUST, MoSCoW.SHOULD, MoSCoW.COULD, MoSCoW.WONT)[moscow_index],
    )


def _skill_for(text: str, team: Team, fallback: str) -> str:
    rules = (
        (r"\b(iOS|Android|Swift|Gradle|app)\b", "mobile"),
        (r"\b(Terraform|PostgreSQL|Celery|OpenTelemetry|502|load balancer)\b", "infra"),
        (r"\b(SSO|token)\b", "security"),
        (r"\b(dashboard|filter|chart|builder|form|button|React|date|renderer|widget)", "frontend"),
        (r"\b(export|search|report|ETL|OpenSearch|CSV)", "data"),
    )
    skills = team.skills
    for pattern, skill in rules:
        if re.search(pattern, text, flags=re.IGNORECASE) and skill in skills:
            return skill
    return fallback if fallback in skills else sorted(skills)[0]


def build_backlog(
    rng: np.random.Generator,
    as_of: dt.date,
    teams: list[Team],
    customers: list[Customer],
    releases: list[Release],
) -> Backlog:
    team_by_key = {t.key: t for t in teams}
    roster_first = {key: roster[0] for key, _n, _c, roster in catalog.TEAMS}
    drafts: list[Draft] = []
    revenue = np.array([c.annual_revenue for c in customers])
    customer_weights = np.sqrt(revenue) / np.sqrt(revenue).sum()

    def new(**kwargs: object) -> Draft:
        draft = Draft(uid=len(drafts), **kwargs)  # type: ignore[arg-type]
        drafts.append(draft)
        return draft

    def pick_customers(mean: float) -> list[str]:
        count = min(int(rng.poisson(mean)), 6)
        if count == 0:
            return []
        chosen = rng.choice(len(customers), size=count, replace=False, p=customer_weights)
        return sorted(customers[int(i)].key for i in chosen)

    def objective_links(
        area: catalog.Area, extra: tuple[tuple[str, float], ...] = ()
    ) -> list[ObjectiveLink]:
        links: dict[str, float] = {}
        for objective, weight in (*area.objectives, *extra):
            links[objective] = max(
                links.get(objective, 0.0), round(weight * float(rng.uniform(0.7, 1.0)), 2)
            )
        return [ObjectiveLink(objective=k, contribution=v) for k, v in links.items()]

    def past(days_low: int, days_high: int, after: dt.datetime | None = None) -> dt.datetime:
        day = _weekday(as_of - dt.timedelta(days=int(rng.integers(days_low, days_high + 1))))
        stamp = _at(rng, day)
        if after is not None and stamp <= after:
            stamp = after + dt.timedelta(hours=int(rng.integers(1, 30)))
            cap = dt.datetime.combine(as_of, dt.time(8, 0))
            stamp = min(stamp, cap)
        return stamp

    # ------------------------------------------------------------ epics, features, stories
    areas_by_team: dict[str, list[tuple[catalog.Area, catalog.Epic]]] = {}
    for area in catalog.AREAS:
        for epic in area.epics:
            areas_by_team.setdefault(area.team, []).append((area, epic))
    chosen: list[tuple[catalog.Area, catalog.Epic]] = []
    for team_key, _n, _c, _r in catalog.TEAMS:
        options = areas_by_team[team_key]
        keep = 4 if len(options) > 4 else 3
        picked = sorted(rng.choice(len(options), size=keep, replace=False).tolist())
        chosen.extend(options[i] for i in picked)

    def add_story(
        f_draft: Draft,
        feature: catalog.Feature,
        team_key: str,
        skill: str,
        template: str,
        order: int,
    ) -> None:
        story = new(
            kind=ItemKind.STORY,
            title=template.format(obj=feature.obj),
            description=(
                f"{catalog.STORY_DESCRIPTIONS[order]} Part of "
                f"“{feature.title}”: {feature.description.split('. ')[0].rstrip('.')}."
            ),
            team=team_key,
            area=f_draft.area,
            status=Status.READY if f_draft.status == Status.READY else Status.IDEA,
            created=past(3, max(5, (as_of - f_draft.created.date()).days - 3), f_draft.created),
            parent=f_draft.uid,
            order=order,
            rank=(f_draft.rank[0], order, len(f_draft.children)),
            importance=f_draft.importance + float(rng.normal(0, 0.4)),
        )
        story.skills = [skill]
        story.estimate = _estimate(rng, (1, 2, 3, 5, 8, 13), (0.03, 0.1, 0.2, 0.27, 0.25, 0.15))
        f_draft.children.append(story.uid)

    split: list[tuple[Draft, catalog.Feature]] = []
    for area, epic in chosen:
        team = team_by_key[area.team]
        epic_draft = new(
            kind=ItemKind.EPIC,
            title=epic.title,
            description=epic.description,
            team=area.team,
            area=area,
            status=Status.DISCOVERY,
            created=past(150, 330),
            importance=float(rng.normal(0, 0.7)),
        )
        epic_draft.objectives = objective_links(area)
        epic_draft.theme = area.theme
        epic_draft.tags = [area.key]
        count = min(len(epic.features), int(rng.choice([3, 4, 4])))
        features = [
            epic.features[i]
            for i in sorted(rng.choice(len(epic.features), size=count, replace=False).tolist())
        ]
        for feature in features:
            status = Status(
                str(
                    rng.choice(
                        ["idea", "discovery", "discovery", "ready", "ready", "ready", "ready"]
                    )
                )
            )
            created = past(20, (as_of - epic_draft.created.date()).days - 5, epic_draft.created)
            f_draft = new(
                kind=ItemKind.FEATURE,
                title=feature.title,
                description=feature.description,
                team=area.team,
                area=area,
                status=status,
                created=created,
                parent=epic_draft.uid,
                subject=feature,
                rank=(len(split) + 1, 0, 0),
                importance=epic_draft.importance + float(rng.normal(0, 0.6)),
            )
            epic_draft.children.append(f_draft.uid)
            f_draft.customers = pick_customers(1.6)
            has_stories = status in (Status.READY,) or rng.random() < 0.35
            if not has_stories:
                # Not split into stories yet: a coarse, wide range.
                f_draft.estimate = _estimate(rng, (20, 40, 100), (0.35, 0.45, 0.2))
                continue
            split.append((f_draft, feature))
            templates = [t for t in catalog.STORY_TEMPLATES if t[0] in team.skills]
            count = min(len(templates), int(rng.choice([2, 3, 3, 4])))
            picks = sorted(
                rng.choice(len(templates), size=count, replace=False).tolist(),
                key=lambda i: (templates[i][2], i),
            )
            for i in picks:
                skill, template, order = templates[i]
                add_story(f_draft, feature, area.team, skill, template, order)
            for other_team, skill, template, order in catalog.CROSS_TEAM_STORIES:
                if other_team != area.team and rng.random() < 0.22:
                    add_story(f_draft, feature, other_team, skill, template, order)
    # Keep the backlog at a realistic size whatever the draws: split features a little finer.
    for _attempt in range(500):
        if len(drafts) >= 170 or not split:
            break
        f_draft, feature = split[int(rng.integers(len(split)))]
        team = team_by_key[f_draft.team]
        used = {d.title for d in drafts if d.parent == f_draft.uid}
        spare = [
            t
            for t in catalog.STORY_TEMPLATES
            if t[0] in team.skills and t[1].format(obj=feature.obj) not in used
        ]
        if spare:
            skill, template, order = spare[int(rng.integers(len(spare)))]
            add_story(f_draft, feature, f_draft.team, skill, template, order)

    # ------------------------------------------------------------ bugs and tech debt
    all_bugs = [(area, bug) for area in catalog.AREAS for bug in area.bugs]
    bug_picks = sorted(
        rng.choice(len(all_bugs), size=min(len(all_bugs), 21), replace=False).tolist()
    )
    for b_index, index in enumerate(bug_picks):
        area, bug = all_bugs[index]
        team = team_by_key[area.team]
        draft = new(
            kind=ItemKind.BUG,
            title=bug.title,
            description=bug.description + " Reproduced from customer reports.",
            team=area.team,
            area=area,
            status=Status(str(rng.choice(["ready", "ready", "discovery"]))),
            created=past(5, 200),
            subject=bug,
            rank=(0, 0, b_index),
            importance=float(rng.normal(0.2, 0.6)),
        )
        draft.skills = [_skill_for(bug.title, team, roster_first[area.team])]
        draft.estimate = _estimate(rng, (1, 2, 3, 5), (0.25, 0.35, 0.25, 0.15))
        draft.customers = pick_customers(1.2)
    area_of_team = {a.team: a for a in reversed(catalog.AREAS)}
    for team_key, debts in catalog.TECH_DEBT.items():
        team = team_by_key[team_key]
        size = min(len(debts), int(rng.choice([3, 3, 4])))
        for d_index in sorted(rng.choice(len(debts), size=size, replace=False).tolist()):
            title, description = debts[d_index]
            draft = new(
                kind=ItemKind.TECH_DEBT,
                title=title,
                description=description,
                team=team_key,
                area=area_of_team[team_key],
                status=Status(str(rng.choice(["idea", "ready", "ready"]))),
                created=past(30, 400),
                rank=(0, -1, d_index),
                importance=float(rng.normal(-0.2, 0.5)),
            )
            draft.skills = [_skill_for(title, team, roster_first[team_key])]
            draft.estimate = _estimate(rng, (3, 5, 8, 13), (0.2, 0.35, 0.3, 0.15))

    backlog = Backlog(drafts)
    _attributes(rng, backlog, as_of)
    _dependencies(rng, backlog)
    _progress(rng, backlog, as_of, team_by_key, releases)
    _deadlines(rng, backlog, as_of, customers)
    return backlog


def _attributes(rng: np.random.Generator, backlog: Backlog, as_of: dt.date) -> None:
    for d in backlog.drafts:
        if d.kind == ItemKind.EPIC:
            d.value = ValueInputs(
                business_value=float(rng.choice([8, 13, 20])), moscow=MoSCoW.SHOULD
            )
            continue
        size = d.estimate.likely if d.estimate else 8.0
        d.value = _value(rng, d.importance, d.kind, size, urgent=False)
        base = RISKY_AREAS.get(d.area.key, 0.05)
        if d.kind == ItemKind.TECH_DEBT:
            base += 0.15
        d.technical_risk = round(float(np.clip(base + rng.beta(2, 6) * 0.6, 0.02, 0.9)), 2)
        if d.kind in (ItemKind.FEATURE, ItemKind.STORY):
            d.theme = d.area.theme
            d.objectives = [
                ObjectiveLink(objective=k, contribution=round(w * float(rng.uniform(0.6, 1.0)), 2))
                for k, w in d.area.objectives
            ]
        elif d.kind == ItemKind.BUG:
            d.theme = "reliability"
            d.objectives = [
                ObjectiveLink(
                    objective="reliability", contribution=round(float(rng.uniform(0.4, 0.9)), 2)
                )
            ]
        else:
            d.theme = "tech_debt"
            d.objectives = [
                ObjectiveLink(
                    objective="reliability", contribution=round(float(rng.uniform(0.2, 0.6)), 2)
                )
            ]
        tags = [d.area.key]
        if d.customers:
            tags.append("customer-request")
        if d.estimate and d.estimate.likely <= 2 and d.kind != ItemKind.BUG and rng.random() < 0.5:
            tags.append("quick-win")
        if d.kind == ItemKind.BUG and rng.random() < 0.3:
            tags.append("regression")
        d.tags = tags


def _dependencies(rng: np.random.Generator, backlog: Backlog) -> None:
    by_uid = backlog.by_uid()
    leaves = [d for d in backlog.leaves() if d.kind != ItemKind.FEATURE or d.estimate]
    by_parent: dict[int, list[Draft]] = {}
    for leaf in leaves:
        if leaf.parent is not None:
            by_parent.setdefault(leaf.parent, []).append(leaf)
    open_leaves = [d for d in leaves if d.is_open]
    target = round(0.16 * len(open_leaves))  # a few finish before today

    def add(draft: Draft, on: Draft) -> None:
        lag = int(rng.integers(2, 6)) if rng.random() < 0.1 else 0
        draft.deps.append((on.uid, lag))

    # Work another team does for a feature waits for the owning team's backend.
    for leaf in leaves:
        if leaf.parent is None or leaf.team == by_uid[leaf.parent].team:
            continue
        siblings = [
            s
            for s in by_parent[leaf.parent]
            if s.rank < leaf.rank and s.team != leaf.team and s.order in (1, 2)
        ]
        if siblings:
            add(leaf, siblings[0])
    # Then ordinary precedence, inside a feature, across features and onto tech debt,
    # always towards lower ranks so no cycle can form.
    candidates = [d for d in leaves if not d.deps]
    order = rng.permutation(len(candidates))
    for index in order:
        if sum(1 for d in open_leaves if d.deps) >= target:
            break
        leaf = candidates[int(index)]
        if leaf.kind != ItemKind.STORY or not leaf.is_open:
            continue
        roll = rng.random()
        pool: list[Draft]
        if roll < 0.55:
            pool = [s for s in by_parent.get(leaf.parent or -1, []) if s.rank < leaf.rank]
        elif roll < 0.8:
            pool = [
                d
                for d in leaves
                if d.kind == ItemKind.TECH_DEBT
                and d.rank < leaf.rank
                and (d.team == leaf.team or rng.random() < 0.3)
            ]
        else:
            pool = [
                d
                for d in leaves
                if d.kind == ItemKind.STORY
                and d.rank < leaf.rank
                and d.rank[0] != leaf.rank[0]
                and d.area.team != leaf.area.team
            ]
        if pool:
            add(leaf, pool[int(rng.integers(len(pool)))])
    for leaf in leaves:
        leaf.deps = sorted(set(leaf.deps))


def _progress(
    rng: np.random.Generator,
    backlog: Backlog,
    as_of: dt.date,
    team_by_key: dict[str, Team],
    releases: list[Release],
) -> None:
    """Recently shipped work, work in flight, and the parents that follow their children."""
    by_uid = backlog.by_uid()
    past_release = next((r for r in releases if r.date <= as_of), None)
    next_release = next((r for r in releases if r.date > as_of), None)

    def finish(d: Draft, latest: dt.date, window: int) -> None:
        day = _weekday(latest - dt.timedelta(days=int(rng.integers(0, window))))
        d.done = _at(rng, day)
        cycle = int(np.ceil(np.exp(rng.normal(np.log(4.0), 0.6))))
        d.started = min(_at(rng, _weekday(d.done.date() - dt.timedelta(days=cycle))), d.done)
        if d.started < d.created:
            d.created = d.started - dt.timedelta(hours=int(rng.integers(48, 480)))

    features = [d for d in backlog.drafts if d.kind == ItemKind.FEATURE and d.children]
    # Whole features shipped in the last release (release notes).
    if past_release is not None:
        # Only features whose stories wait for nothing outside the feature can be finished.
        shippable = [
            f
            for f in features
            if all(u in f.children for c in f.children for u, _lag in by_uid[c].deps)
        ]
        for index in rng.choice(len(shippable), size=min(2, len(shippable)), replace=False):
            feature = shippable[int(index)]
            latest = past_release.date - dt.timedelta(days=2)
            for child in feature.children:
                story = by_uid[child]
                story.status = Status.LAUNCHED
                story.release = past_release.key
                finish(story, latest, 30)
            # Finish the stories in dependency order (dependencies point to lower ranks).
            stories = sorted((by_uid[c] for c in feature.children), key=lambda d: d.rank)
            ends = sorted(d.done for d in stories if d.done is not None)
            for story, end in zip(stories, ends, strict=True):
                shift = end - (story.done or end)
                story.done = end
                story.started = (story.started or end) + shift
                story.created = min(story.created, story.started)
            feature.status = Status.LAUNCHED
            feature.release = past_release.key
            starts = [s for c in feature.children if (s := by_uid[c].started) is not None]
            ends = [e for c in feature.children if (e := by_uid[c].done) is not None]
            feature.started, feature.done = min(starts), max(ends)
            feature.created = min(feature.created, min(starts) - dt.timedelta(days=10))
    # Stories and bugs finished since (done, not yet released).
    open_leaves = [
        d
        for d in backlog.leaves()
        if d.is_open and d.kind in (ItemKind.STORY, ItemKind.BUG) and d.status == Status.READY
    ]
    for index in rng.choice(len(open_leaves), size=min(10, len(open_leaves)), replace=False):
        leaf = open_leaves[int(index)]
        leaf.status = Status.DONE
        leaf.release = next_release.key if next_release else None
        finish(leaf, as_of - dt.timedelta(days=1), 20)
    # Work in flight: ready leaves whose dependencies are finished.
    ready = [
        d
        for d in backlog.leaves()
        if d.status == Status.READY
        and d.kind != ItemKind.EPIC
        and all(not by_uid[u].is_open for u, _lag in d.deps)
    ]
    for index in rng.choice(len(ready), size=min(9, len(ready)), replace=False):
        leaf = ready[int(index)]
        leaf.status = Status.IN_PROGRESS
        began = _at(rng, _weekday(as_of - dt.timedelta(days=int(rng.integers(1, 12)))))
        leaf.started = max(leaf.created, began)
        team = team_by_key[leaf.team]
        people = [
            p for p in team.people if p.joins is None and any(s in p.skills for s in leaf.skills)
        ] or team.people[:1]
        leaf.assignee = people[int(rng.integers(len(people)))].key
    # Parents follow their children: in progress if any child is, started with the first.
    for d in sorted(backlog.drafts, key=lambda x: x.kind != ItemKind.FEATURE):
        if not d.children or d.status in (Status.LAUNCHED, Status.DONE):
            continue
        kids = [by_uid[c] for c in d.children]
        if any(k.status in (Status.IN_PROGRESS, Status.DONE, Status.LAUNCHED) for k in kids):
            d.status = Status.IN_PROGRESS
            d.started = min(k.started for k in kids if k.started is not None)
            d.created = min(d.created, d.started)
        elif d.kind == ItemKind.EPIC and any(k.status == Status.READY for k in kids):
            d.status = Status.READY
    # Committed scope for the next release.
    if next_release is not None:
        for d in backlog.drafts:
            if (
                d.status in (Status.READY, Status.IN_PROGRESS)
                and d.kind != ItemKind.EPIC
                and d.release is None
                and rng.random() < 0.3
            ):
                d.release = next_release.key
    # A couple of ideas that were dropped.
    ideas = [
        d
        for d in backlog.drafts
        if d.kind == ItemKind.FEATURE and d.status == Status.IDEA and not d.children
    ]
    for index in rng.choice(len(ideas), size=min(2, len(ideas)), replace=False):
        ideas[int(index)].status = Status.DROPPED


def _deadlines(
    rng: np.random.Generator, backlog: Backlog, as_of: dt.date, customers: list[Customer]
) -> None:
    def day(offset: int) -> dt.date:
        return _weekday(as_of + dt.timedelta(days=offset + int(rng.integers(-7, 8))))

    open_leaves = [d for d in backlog.leaves() if d.is_open]
    by_uid = backlog.by_uid()

    def finishing_leaf(feature: Draft) -> Draft:
        kids = [by_uid[c] for c in feature.children if by_uid[c].is_open]
        return max(kids, key=lambda k: k.rank) if kids else feature

    features = [d for d in backlog.drafts if d.kind == ItemKind.FEATURE and d.is_open]

    def set_deadline(d: Draft, deadline: Deadline) -> None:
        target = finishing_leaf(d) if d.children else d
        for x in {id(d): d, id(target): target}.values():
            x.deadline = deadline
            x.value = x.value.model_copy(update={"time_criticality": 20.0, "moscow": MoSCoW.MUST})
            if deadline.hard and "compliance" not in x.tags:
                x.tags = [*x.tags, "compliance"]

    compliance = [f for f in features if f.area.key in ("permissions", "approvals", "security")]
    if compliance:
        chosen = compliance[int(rng.integers(len(compliance)))]
        set_deadline(
            chosen,
            Deadline(date=day(80), hard=True, reason="SOC 2 Type II observation period starts"),
        )
    strategic = sorted(customers, key=lambda c: -c.annual_revenue)[0]
    requested = [f for f in features if not f.deadline and f.area.team != "mobile"]
    if requested:
        chosen = requested[int(rng.integers(len(requested)))]
        chosen.customers = sorted({*chosen.customers, strategic.key})
        set_deadline(
            chosen,
            Deadline(date=day(110), hard=False, reason=f"{strategic.name} renewal depends on it"),
        )
    mobile = [f for f in features if not f.deadline and f.area.team == "mobile"]
    if mobile:
        chosen = mobile[int(rng.integers(len(mobile)))]
        set_deadline(
            chosen,
            Deadline(date=day(60), hard=False, reason="Live demo at the Ops Summit trade show"),
        )
    debt = [d for d in open_leaves if d.kind == ItemKind.TECH_DEBT and not d.deadline]
    for d in debt:
        if "PostgreSQL" in d.title:
            set_deadline(
                d,
                Deadline(
                    date=day(150),
                    hard=True,
                    reason="PostgreSQL 13 leaves our cloud provider's support",
                ),
            )
        elif "payment provider" in d.title:
            set_deadline(
                d,
                Deadline(
                    date=day(95), hard=True, reason="The old payment provider shuts down its API"
                ),
            )
    if not any(d.deadline and d.deadline.hard for d in backlog.drafts):
        bugs = [d for d in open_leaves if d.kind == ItemKind.BUG]
        if bugs:
            set_deadline(
                bugs[0],
                Deadline(date=day(30), hard=True, reason="Contractual fix date in the support SLA"),
            )


def to_items(backlog: Backlog, keys: dict[int, str]) -> list[Item]:
    items: list[Item] = []
    for d in sorted(backlog.drafts, key=lambda x: int(keys[x.uid].split("-")[1])):
        items.append(
            Item(
                key=keys[d.uid],
                title=d.title,
                description=d.description,
                kind=d.kind,
                status=d.status,
                parent=keys[d.parent] if d.parent is not None else None,
                estimate=d.estimate,
                value=d.value,
                technical_risk=d.technical_risk,
                dependencies=[Dependency(item=keys[u], lag_days=lag) for u, lag in d.deps],
                deadline=d.deadline,
                skills=d.skills,
                team=d.team,
                assignee=d.assignee,
                objectives=d.objectives,
                theme=d.theme,
                tags=d.tags,
                customers=d.customers,
                release=d.release,
                created=d.created,
                started=d.started,
                done=d.done,
            )
        )
    return items
