"""Hypothesis strategies and small hand-built workspaces for the workspace, YAML and CSV tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import strategies as st

from roadwise.domain import (
    Customer,
    Cycles,
    Deadline,
    Decision,
    Dependency,
    Distribution,
    Estimate,
    EstimateUnit,
    Feedback,
    FeedbackLink,
    FeedbackSource,
    HistoryRecord,
    Item,
    ItemKind,
    Kano,
    KeyResult,
    MoSCoW,
    Objective,
    ObjectiveLink,
    Person,
    Plan,
    Range,
    Release,
    Scenario,
    ScenarioChange,
    Settings,
    SourceRef,
    Status,
    Team,
    Theme,
    Tier,
    ValueInputs,
    Workspace,
)

# --------------------------------------------------------------------------- a small workspace


def small_workspace() -> Workspace:
    """Two teams, a theme, an objective, a release, a customer and five related items."""
    return Workspace(
        name="Acme",
        description="A small product",
        as_of=dt.date(2026, 3, 2),
        objectives=[
            Objective(
                key="O1",
                title="Grow revenue",
                key_results=[KeyResult(key="KR1", metric="ARR", baseline=1.0, target=2.0)],
            )
        ],
        themes=[Theme(key="features", name="New features", target_share=0.6)],
        teams=[
            Team(key="web", name="Web", people=[Person(key="ana", name="Ana", skills=["ui"])]),
            Team(key="api", name="API", people=[Person(key="bo", name="Bo", skills=["go"])]),
        ],
        cycles=Cycles(releases=[Release(key="R1", name="Spring", date=dt.date(2026, 4, 30))]),
        customers=[Customer(key="C1", name="Globex", annual_revenue=120_000, tier=Tier.STRATEGIC)],
        items=[
            Item(key="E1", title="Checkout", kind=ItemKind.EPIC, team="web", theme="features"),
            Item(
                key="S1",
                title="Card form",
                parent="E1",
                team="web",
                status=Status.READY,
                estimate=Estimate(low=2, likely=3, high=5),
                objectives=[ObjectiveLink(objective="O1", contribution=0.5)],
                tags=["payments"],
            ),
            Item(
                key="S2",
                title="Payment API",
                parent="E1",
                team="api",
                dependencies=[Dependency(item="S1")],
                customers=["C1"],
                release="R1",
            ),
            Item(key="S3", title="Receipts", parent="E1", team="api", tags=["email"]),
            Item(key="B1", title="Fix rounding", kind=ItemKind.BUG, status=Status.DONE),
        ],
        feedback=[
            Feedback(
                key="F1",
                text="Checkout is slow",
                date=dt.date(2026, 2, 1),
                customer="C1",
                links=[FeedbackLink(item="S2", confirmed=True)],
            )
        ],
        history=[
            HistoryRecord(
                key="H1",
                team="web",
                created=dt.datetime(2026, 1, 5, 9),
                done=dt.datetime(2026, 1, 9, 17),
            )
        ],
        decisions=[Decision(key="D1", date=dt.date(2026, 2, 3), title="Card first", items=["S1"])],
    )


# --------------------------------------------------------------------------- strategies

# Everything Unicode can write in a file (no lone surrogates), except NUL, which PostgreSQL
# cannot store in text (the store says so with a RoadwiseError).
_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
text = st.text(_chars, max_size=20)
names = st.text(_chars, min_size=1, max_size=20)
# An item's title must not be blank (spaces only), a domain rule.
titles = names.filter(lambda t: bool(t.strip()))
# Tags and skills in CSV are ';'-separated and trimmed, so they are plain words there.
words = st.from_regex(r"[a-z0-9][a-z0-9 _.-]{0,8}[a-z0-9]|[a-z0-9]", fullmatch=True)
numbers = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False)
positive = st.floats(min_value=0, max_value=1e6, allow_nan=False)
shares = st.floats(min_value=0, max_value=1, allow_nan=False)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2040, 12, 31))
datetimes = st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2040, 12, 31))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | numbers | text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=8,
)


@st.composite
def ordered(draw: Any, values: st.SearchStrategy[float], count: int = 3) -> list[float]:
    return sorted(draw(values) for _ in range(count))


@st.composite
def ranges(draw: Any, values: st.SearchStrategy[float] = numbers) -> Range:
    low, mid, high = draw(ordered(values))
    return Range(low=low, likely=mid, high=high, distribution=draw(st.sampled_from(Distribution)))


def uncertain(values: st.SearchStrategy[float] = numbers) -> st.SearchStrategy[Any]:
    return st.none() | values | ranges(values)


@st.composite
def value_inputs(draw: Any) -> ValueInputs:
    return ValueInputs(
        reach=draw(uncertain(positive)),
        impact=draw(uncertain(positive)),
        confidence=draw(uncertain(shares)),
        ease=draw(uncertain(positive)),
        business_value=draw(uncertain(positive)),
        time_criticality=draw(uncertain(positive)),
        risk_reduction=draw(uncertain(positive)),
        cost_of_delay=draw(uncertain(positive)),
        kano=draw(st.none() | st.sampled_from(Kano)),
        moscow=draw(st.none() | st.sampled_from(MoSCoW)),
    )


@st.composite
def items(
    draw: Any,
    keys: list[str],
    teams: list[str] = (),  # type: ignore[assignment]
    people: list[str] = (),  # type: ignore[assignment]
    themes: list[str] = (),  # type: ignore[assignment]
    objectives: list[str] = (),  # type: ignore[assignment]
    customers: list[str] = (),  # type: ignore[assignment]
    releases: list[str] = (),  # type: ignore[assignment]
) -> list[Item]:
    """Items with these keys; parents and dependencies only point at earlier items (no cycles)."""
    out = []
    for index, key in enumerate(keys):
        earlier = keys[:index]
        maybe = lambda options: st.none() | st.sampled_from(options) if options else st.none()  # noqa: E731
        times = draw(st.lists(datetimes, min_size=3, max_size=3).map(sorted))
        created, started, done = (
            draw(st.none() | st.just(times[0])),
            draw(st.none() | st.just(times[1])),
            draw(st.none() | st.just(times[2])),
        )
        estimate = None
        if draw(st.booleans()):
            low, mid, high = draw(ordered(positive))
            estimate = Estimate(
                low=low, likely=mid, high=high, unit=draw(st.sampled_from(EstimateUnit))
            )
        out.append(
            Item(
                key=key,
                title=draw(titles),
                description=draw(text),
                kind=draw(st.sampled_from(ItemKind)),
                status=draw(st.sampled_from(Status)),
                parent=draw(maybe(earlier)),
                estimate=estimate,
                value=draw(value_inputs()),
                technical_risk=draw(shares),
                dependencies=[
                    Dependency(item=k, lag_days=draw(st.integers(0, 30)))
                    for k in draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))
                ]
                if earlier
                else [],
                deadline=draw(
                    st.none() | st.builds(Deadline, date=dates, hard=st.booleans(), reason=text)
                ),
                skills=draw(st.lists(words, max_size=3)),
                team=draw(maybe(teams)),
                assignee=draw(maybe(people)),
                objectives=[
                    ObjectiveLink(objective=o, contribution=draw(shares))
                    for o in draw(st.lists(st.sampled_from(objectives), unique=True, max_size=2))
                ]
                if objectives
                else [],
                theme=draw(maybe(themes)),
                tags=draw(st.lists(words, max_size=3)),
                customers=draw(st.lists(st.sampled_from(customers), unique=True, max_size=2))
                if customers
                else [],
                release=draw(maybe(releases)),
                created=created,
                started=started,
                done=done,
                source=draw(
                    st.none()
                    | st.builds(
                        SourceRef,
                        system=words,
                        key=words,
                        url=st.none() | st.just("https://example.com/x"),
                    )
                ),
            )
        )
    return out


keys = st.from_regex(r"[A-Z]{1,3}-[0-9]{1,4}", fullmatch=True)


@st.composite
def workspaces(draw: Any) -> Workspace:
    """Whole workspaces with every kind of record, consistent references and no cycles."""
    team_keys = draw(st.lists(st.sampled_from(["web", "api", "data"]), unique=True, max_size=3))
    person_keys = draw(st.lists(keys, unique=True, max_size=4))
    teams = []
    for index, team_key in enumerate(team_keys):
        members = person_keys[index :: len(team_keys)] if team_keys else []
        teams.append(
            Team(
                key=team_key,
                name=draw(names),
                country=draw(st.sampled_from(["US", "DE", "NO"])),
                focus_factor=draw(shares),
                wip_limit=draw(st.none() | st.integers(1, 9)),
                people=[
                    Person(
                        key=p,
                        name=draw(names),
                        skills=draw(st.lists(words, max_size=2)),
                        availability=draw(shares),
                        country=draw(st.none() | st.just("NO")),
                        cost_per_day=draw(positive),
                        joins=draw(st.none() | dates),
                    )
                    for p in members
                ],
            )
        )
    theme_keys = draw(st.lists(st.sampled_from(["new", "debt", "ops"]), unique=True, max_size=3))
    themes = [
        Theme(
            key=k,
            name=draw(names),
            target_share=draw(st.none() | st.floats(0, 0.3)),
            min_share=0.0,
            max_share=draw(st.floats(0.3, 1)),
        )
        for k in theme_keys
    ]
    objective_keys = draw(st.lists(st.sampled_from(["O1", "O2"]), unique=True, max_size=2))
    objectives = [
        Objective(
            key=k,
            title=draw(names),
            weight=draw(positive),
            due=draw(st.none() | dates),
            key_results=[
                KeyResult(
                    key="KR1",
                    metric=draw(names),
                    baseline=draw(numbers),
                    target=draw(numbers),
                    current=draw(st.none() | numbers),
                )
            ],
        )
        for k in objective_keys
    ]
    customer_keys = draw(st.lists(keys, unique=True, max_size=3))
    customers = [
        Customer(
            key=k,
            name=draw(names),
            segment=draw(text),
            annual_revenue=draw(positive),
            tier=draw(st.sampled_from(Tier)),
        )
        for k in customer_keys
    ]
    release_keys = draw(st.lists(st.sampled_from(["R1", "R2"]), unique=True, max_size=2))
    releases = [Release(key=k, name=draw(names), date=draw(dates)) for k in release_keys]
    item_keys = draw(st.lists(keys, unique=True, max_size=6))
    backlog = draw(
        items(
            item_keys,
            team_keys,
            person_keys if team_keys else [],
            theme_keys,
            objective_keys,
            customer_keys,
            release_keys,
        )
    )
    feedback = [
        Feedback(
            key=f"F{i}",
            text=draw(names),
            source=draw(st.sampled_from(FeedbackSource)),
            customer=draw(st.none() | st.sampled_from(customer_keys)) if customer_keys else None,
            date=draw(dates),
            rating=draw(st.none() | st.integers(1, 5)),
            links=[FeedbackLink(item=k, score=draw(st.none() | shares)) for k in item_keys[:1]],
        )
        for i in range(draw(st.integers(0, 2)))
    ]
    history = []
    for i in range(draw(st.integers(0, 2))):
        created, done = draw(st.lists(datetimes, min_size=2, max_size=2).map(sorted))
        history.append(
            HistoryRecord(
                key=f"H{i}",
                title=draw(text),
                team=draw(st.none() | st.sampled_from(team_keys)) if team_keys else None,
                points=draw(st.none() | positive),
                created=created,
                done=done,
            )
        )
    return Workspace(
        name=draw(names),
        description=draw(text),
        as_of=draw(dates),
        settings=Settings(
            currency=draw(st.sampled_from(["USD", "EUR"])),
            seed=draw(st.integers(0, 2**31)),
            glossary=draw(st.dictionaries(words, text, max_size=2)),
            extra=draw(st.dictionaries(text, json_values, max_size=2)),
        ),
        objectives=objectives,
        themes=themes,
        teams=teams,
        cycles=Cycles(
            sprint_length_days=draw(st.integers(1, 90)),
            first_sprint_start=draw(dates),
            releases=releases,
        ),
        customers=customers,
        items=backlog,
        feedback=feedback,
        history=history,
        scenarios=[
            Scenario(
                key="SC1",
                name=draw(names),
                changes=[
                    ScenarioChange(entity="item", key="X", field="status", value=draw(json_values))
                ],
            )
        ]
        if draw(st.booleans())
        else [],
        decisions=[Decision(key="D1", date=draw(dates), title=draw(names), items=item_keys[:2])]
        if draw(st.booleans())
        else [],
        plans=[
            Plan(
                key="P1",
                kind="release",
                created=draw(datetimes),
                payload=draw(st.dictionaries(text, json_values, max_size=3)),
            )
        ]
        if draw(st.booleans())
        else [],
    )
