"""Roadmap scheduling on generated workspaces: the plan's promises, checked independently."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadwise.domain.model import (
    DateRange,
    Deadline,
    Dependency,
    Estimate,
    Item,
    ItemKind,
    Person,
    Status,
    Team,
    ValueInputs,
)
from roadwise.domain.workspace import Workspace
from roadwise.engines.capacity import AddedPerson
from roadwise.engines.schedule.roadmap import (
    Roadmap,
    RoadmapOptions,
    build_inputs,
    plan_roadmap,
    replan_gain,
    replay_roadmap,
)
from roadwise.errors import ValidationError

START = dt.date(2026, 3, 2)
SKILLS = ["backend", "frontend", "data"]
FAST = {"time_limit": 1.0, "workers": 2, "baseline": True}


def make_workspace(seed: int, n_items: int = 10, deadlines: bool = False) -> Workspace:
    rng = random.Random(seed)
    teams = []
    for k in range(2):
        people = [
            Person(key=f"p{k}{j}", name=f"P{k}{j}", skills=rng.sample(SKILLS, 2))
            for j in range(rng.randint(1, 3))
        ]
        teams.append(
            Team(
                key=f"t{k}",
                name=f"T{k}",
                people=people,
                country="GB",
                wip_limit=rng.choice([None, 2]),
            )
        )
    have = {s for t in teams for p in t.people for s in p.skills}
    items = [
        Item(
            key="EPIC",
            title="Epic",
            kind=ItemKind.EPIC,
            status=Status.READY,
            value=ValueInputs(cost_of_delay=500.0),
        )
    ]
    for i in range(n_items):
        deps = []
        if i and rng.random() < 0.4:
            deps = [Dependency(item=f"I{rng.randrange(i):02d}", lag_days=rng.choice([0, 3]))]
        skill = rng.choice(sorted(have))
        items.append(
            Item(
                key=f"I{i:02d}",
                title=f"Item {i}",
                status=Status.READY,
                estimate=Estimate(low=1, likely=rng.choice([1, 2, 3, 5, 8]), high=13),
                skills=[skill],
                dependencies=deps,
                parent="EPIC" if rng.random() < 0.3 else None,
                tags=["split"] if rng.random() < 0.3 else [],
                value=ValueInputs(cost_of_delay=float(rng.choice([0, 100, 1000]))),
                deadline=(
                    Deadline(date=START + dt.timedelta(days=rng.randint(20, 90)), hard=True)
                    if deadlines and rng.random() < 0.3
                    else None
                ),
            )
        )
    return Workspace(name="gen", as_of=START, teams=teams, items=items)


def check_plan(ws: Workspace, roadmap: Roadmap) -> None:
    """Independent checks of the plan against the workspace and the capacity calendar."""
    cal = roadmap.calendar
    by_key = {s.key: s for s in roadmap.items}
    inputs = build_inputs(ws, RoadmapOptions())
    # Every open leaf is scheduled once, on a team with all of its skills.
    assert set(by_key) == {i.key for i in ws.leaf_items(ws.open_items())}
    for s in roadmap.items:
        item = ws.item_by_key[s.key]
        assert set(item.skills) <= cal.team(s.team).skills
        assert s.start >= roadmap.start and s.start <= s.end
        # An item without people says why (a blank is never left unexplained).
        assert s.people or s.people_note, s.key
        for person in s.people:
            assert person in {p.key for p in ws.team_by_key[s.team].people}
            pskills = next(p.skills for p in ws.team_by_key[s.team].people if p.key == person)
            assert set(item.skills) <= set(pskills)
    # Dependencies (with lags in working days) and hard deadlines hold.
    for item in ws.items:
        if item.key not in by_key:
            continue
        for dep in item.dependencies:
            before = by_key[dep.item]
            lag = -(-dep.lag_days * 5 // 7)
            assert by_key[item.key].start_day >= before.end_day + lag
        if item.deadline is not None and item.deadline.hard and not roadmap.lateness:
            assert by_key[item.key].end <= item.deadline.date
    # No day over capacity: rebuild each team's load from the solver's pieces.
    problem = inputs.problem
    horizon = max(s.end_day for s in roadmap.items) + 1
    for t_index, team in enumerate(inputs.team_keys):
        load = np.zeros(horizon)
        for s in roadmap.items:
            if s.team != team:
                continue
            task = next(t for t in problem.tasks if t.key == s.key)
            mode = next(m for m in task.modes if m.label == team)
            units = dict(mode.demands)[t_index]
            if len(mode.pieces) == 1:
                load[s.start_day : s.end_day] += units
        cap = np.array([problem.resources[t_index].at(t) for t in range(horizon)])
        assert (load <= cap).all(), f"team {team} over capacity"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_plan_respects_capacity_dependencies_skills(seed: int) -> None:
    ws = make_workspace(seed)
    roadmap = plan_roadmap(ws, RoadmapOptions(**FAST))
    check_plan(ws, roadmap)
    assert roadmap.baseline is not None
    # The optimised plan is never worse than the rank-driven baseline.
    assert roadmap.summary.model_objective <= roadmap.baseline.model_objective


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_hard_deadlines_met_or_explained(seed: int) -> None:
    ws = make_workspace(seed, deadlines=True)
    roadmap = plan_roadmap(ws, RoadmapOptions(**FAST))
    check_plan(ws, roadmap)
    late = {s.key for s in roadmap.items if s.hard_deadline and s.late_days > 0}
    assert late == {x.item for x in roadmap.lateness if x.item in late}
    for x in roadmap.lateness:
        assert x.late_days > 0 and x.chain and x.chain[0].item
        assert x.planned_end > x.deadline


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_input_order(seed: int, shuffler: random.Random) -> None:
    ws = make_workspace(seed, n_items=6)
    items = list(ws.items)
    shuffler.shuffle(items)
    teams = list(ws.teams)
    shuffler.shuffle(teams)
    shuffled = ws.copy_with(items=items, teams=teams)
    options = RoadmapOptions(time_limit=5.0, workers=1)
    a = plan_roadmap(ws, options)
    b = plan_roadmap(shuffled, options)
    assert a.summary.proven_optimal and b.summary.proven_optimal
    assert a.summary.cost_of_delay == b.summary.cost_of_delay
    assert a.baseline is not None and b.baseline is not None
    assert a.baseline_items == b.baseline_items


def test_impossible_deadline_reports_the_dependency_chain() -> None:
    team = Team(
        key="t",
        name="T",
        people=[Person(key="p", name="P", skills=["x"])],
        focus_factor=1.0,
        unplanned_share=0.0,
    )
    items = [
        Item(key="A", title="A", estimate=Estimate(low=10, likely=10, high=10), skills=["x"]),
        Item(
            key="B",
            title="B",
            estimate=Estimate(low=5, likely=5, high=5),
            skills=["x"],
            dependencies=[Dependency(item="A")],
            deadline=Deadline(date=START + dt.timedelta(days=9), hard=True),
        ),
    ]
    ws = Workspace(name="d", as_of=START, teams=[team], items=items)
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=3, workers=2))
    assert roadmap.warnings and "cannot all be met" in roadmap.warnings[0]
    (late,) = roadmap.lateness
    assert late.item == "B"
    assert late.late_days == 7  # 15 working days of work, deadline after 8 working days
    assert late.cause == "dependencies"
    assert [link.item for link in late.chain] == ["B", "A"]


def test_value_by_date_prefers_valuable_items() -> None:
    team = Team(
        key="t", name="T", people=[Person(key="p", name="P")], focus_factor=1.0, unplanned_share=0.0
    )
    items = [
        Item(
            key="LOW",
            title="low",
            estimate=Estimate(low=5, likely=5, high=5),
            value=ValueInputs(cost_of_delay=10),
        ),
        Item(
            key="HIGH",
            title="high",
            estimate=Estimate(low=5, likely=5, high=5),
            value=ValueInputs(cost_of_delay=90),
        ),
    ]
    ws = Workspace(name="v", as_of=START, teams=[team], items=items)
    roadmap = plan_roadmap(
        ws,
        RoadmapOptions(
            objective="value-by-date",
            value_date=START + dt.timedelta(days=6),
            time_limit=3,
            workers=2,
        ),
    )
    assert roadmap.item("HIGH").end <= START + dt.timedelta(days=6)
    assert roadmap.summary.value_delivered == 90


def test_replan_gain_of_a_plan_in_the_wrong_order_is_the_cost_it_saves() -> None:
    """One person, two 5-day items: the stored plan does the cheap one first. Re-planning
    does the dear one first: 90 a week for one week and 10 for two (110) instead of 10 for
    one week and 90 for two (190)."""
    team = Team(
        key="t", name="T", people=[Person(key="p", name="P")], focus_factor=1.0, unplanned_share=0.0
    )
    items = [
        Item(
            key=key,
            title=key,
            estimate=Estimate(low=5, likely=5, high=5),
            value=ValueInputs(cost_of_delay=cost),
        )
        for key, cost in (("LOW", 10.0), ("HIGH", 90.0))
    ]
    ws = Workspace(name="r", as_of=START, teams=[team], items=items)
    options = RoadmapOptions(time_limit=3, workers=2, baseline=False)
    solved = plan_roadmap(ws, options)
    wrong = {"LOW": ("t", (0,)), "HIGH": ("t", (5,))}
    shown = replay_roadmap(ws, solved.start, wrong, solved.summary, options)
    assert shown is not None and shown.summary.cost_of_delay == 190
    gain = replan_gain(ws, shown, options, rounds=3)
    assert gain is not None
    assert (gain.shown.cost_of_delay, gain.replanned.cost_of_delay) == (190, 110)
    assert gain.gain == 80 and gain.share == pytest.approx(80 / 190)
    assert gain.items_moved == 2 and gain.deadlines_met == 0 and gain.worth_it
    # the solver's own plan has nothing to gain
    best = replan_gain(ws, solved, options, rounds=3)
    assert best is not None and best.gain == 0 and not best.worth_it


def test_work_in_progress_that_cannot_stay_pinned_is_unpinned_before_solving() -> None:
    """The only person on an item in progress is away in its second week: it cannot go on
    from today, which is known before any search, so the plan says that and nothing else
    (in particular, not that the deadlines cannot be met)."""
    away = Person(
        key="p",
        name="P",
        days_off=[DateRange(start=START + dt.timedelta(days=7), end=START + dt.timedelta(days=11))],
    )
    team = Team(key="t", name="T", people=[away], focus_factor=1.0, unplanned_share=0.0)
    items = [
        Item(
            key="WIP",
            title="under way",
            status=Status.IN_PROGRESS,
            assignee="p",
            estimate=Estimate(low=10, likely=10, high=10),
            value=ValueInputs(cost_of_delay=10.0),
        ),
        Item(
            key="DUE",
            title="due",
            estimate=Estimate(low=2, likely=2, high=2),
            deadline=Deadline(date=START + dt.timedelta(days=30), hard=True),
        ),
    ]
    ws = Workspace(name="w", as_of=START, teams=[team], items=items)
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=3, workers=2, baseline=False))
    assert [w for w in roadmap.warnings if "pinning" in w or "deadline" in w] == [
        "the work in progress cannot all continue today within capacity; "
        "planned without pinning it to today"
    ]
    assert roadmap.summary.late_items == 0


def test_work_needing_a_skill_fits_the_people_who_have_it() -> None:
    # Two people, only one knows 'data': two data items cannot run side by side.
    team = Team(
        key="t",
        name="T",
        focus_factor=1.0,
        unplanned_share=0.0,
        people=[
            Person(key="d", name="D", skills=["data", "web"]),
            Person(key="w", name="W", skills=["web"]),
        ],
    )
    items = [
        Item(
            key=f"D{i}",
            title="data work",
            skills=["data"],
            estimate=Estimate(low=5, likely=5, high=5, unit="person_days"),
        )
        for i in range(2)
    ]
    ws = Workspace(name="k", as_of=START, teams=[team], items=items)
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=2, workers=2))
    a, b = sorted(roadmap.items, key=lambda s: s.start_day)
    assert b.start_day >= a.end_day
    assert a.people == ("d",) and b.people == ("d",)


def _two_item_team(people: list[Person], skills: list[list[str]]) -> Workspace:
    team = Team(key="t", name="T", focus_factor=1.0, unplanned_share=0.0, people=people)
    items = [
        Item(
            key=f"I{i}",
            title="work",
            skills=need,
            estimate=Estimate(low=5, likely=5, high=5, unit="person_days"),
            value=ValueInputs(cost_of_delay=100.0),
        )
        for i, need in enumerate(skills)
    ]
    return Workspace(name="k", as_of=START, teams=[team], items=items)


def test_people_with_a_rare_skill_are_kept_for_the_work_that_needs_it() -> None:
    # 'a' knows web and data, 'w' only web: side by side, 'w' takes the web item, 'a' the data
    # one (naming in team order gave 'a' the web item and left the data item unnamed).
    ws = _two_item_team(
        [
            Person(key="a", name="A", skills=["web", "data"]),
            Person(key="w", name="W", skills=["web"]),
        ],
        [["web"], ["data"]],
    )
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=2, workers=2))
    by_key = {s.key: s for s in roadmap.items}
    assert by_key["I0"].start_day == by_key["I1"].start_day == 0
    assert by_key["I0"].people == ("w",) and by_key["I1"].people == ("a",)
    assert not by_key["I0"].people_note and not by_key["I1"].people_note


def test_an_item_nobody_can_take_alone_says_so() -> None:
    ws = _two_item_team(
        [
            Person(key="b", name="B", skills=["backend"]),
            Person(key="f", name="F", skills=["frontend"]),
        ],
        [["backend", "frontend"]],
    )
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=2, workers=2))
    (s,) = roadmap.items
    assert s.people == ()
    assert s.people_note.startswith("not split to people: nobody on t has all of backend")
    row = next(r for r in roadmap.records() if r["item"] == "I0")
    assert row["people"] == [] and row["people_note"] == s.people_note


def test_nobody_is_named_for_work_that_starts_before_they_join() -> None:
    # 'a' joins a week in, during the item's two weeks: the item is 'z's, not 'a's (named in
    # team order before, 'a' got it and the capacity view counted it as their overload).
    joins = START + dt.timedelta(days=7)
    ws = _two_item_team(
        [
            Person(key="a", name="A", skills=["web"], joins=joins),
            Person(key="z", name="Z", skills=["web"]),
        ],
        [["web"]],
    )
    ws = ws.model_copy(
        update={
            "items": [
                ws.items[0].model_copy(
                    update={"estimate": Estimate(low=10, likely=10, high=10, unit="person_days")}
                )
            ]
        }
    )
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=2, workers=2))
    (s,) = roadmap.items
    assert s.start < joins < s.end
    assert s.people == ("z",)


def _ready(key: str, **fields: object) -> Item:
    return Item(
        key=key,
        title=key,
        status=Status.READY,
        estimate=Estimate(low=2, likely=2, high=2),
        **fields,  # type: ignore[arg-type]
    )


def test_work_that_waits_for_unschedulable_work_is_not_scheduled() -> None:
    """Nobody has 'ml': B cannot be scheduled, so neither can what waits for it, directly,
    through others, through an epic holding it or through its epic's dependency (planned as
    if B were done, A was dated from the first day with no word of B)."""
    web = Team(key="web", name="Web", people=[Person(key="w", name="W")], country="GB")
    items = [
        _ready("B", skills=["ml"]),
        _ready("A", dependencies=[Dependency(item="B")]),
        _ready("C", dependencies=[Dependency(item="A")]),
        Item(key="EB", title="EB", kind=ItemKind.EPIC, status=Status.READY),
        _ready("B2", parent="EB", skills=["ml"]),
        _ready("B3", parent="EB"),
        _ready("X", dependencies=[Dependency(item="EB")]),
        Item(
            key="EY",
            title="EY",
            kind=ItemKind.EPIC,
            status=Status.READY,
            dependencies=[Dependency(item="B")],
        ),
        _ready("Y1", parent="EY"),
        _ready("W"),
    ]
    ws = Workspace(name="u", as_of=START, teams=[web], items=items)
    inputs = build_inputs(ws, RoadmapOptions())
    ml = "no team has all of its skills (ml)"
    assert dict(inputs.unscheduled) == {
        "B": ml,
        "A": f"depends on B, which cannot be scheduled ({ml})",
        "C": f"depends on A, which cannot be scheduled (it waits for B, which cannot be "
        f"scheduled: {ml})",
        "B2": ml,
        "X": f"depends on EB, whose item B2 cannot be scheduled ({ml})",
        "Y1": f"its epic EY depends on B, which cannot be scheduled ({ml})",
    }
    assert sorted(t.key for t in inputs.problem.tasks) == ["B3", "W"]
    # the same reasons whatever the order of the items
    shuffled = ws.copy_with(items=list(reversed(items)))
    assert build_inputs(shuffled, RoadmapOptions()).unscheduled == inputs.unscheduled


def test_a_team_that_cannot_take_work_is_named_with_the_true_reason() -> None:
    """Each team ruled out says why: no people, a missing skill or only part-time people (not
    'lacks skill(s)' with no skill). A team whose people all leave within the plan's calendar
    is not ruled out: it takes the work that fits before they go."""
    gone = START + dt.timedelta(days=730)  # two years on, inside the three-year calendar
    teams = [
        Team(key="web", name="Web", people=[Person(key="w", name="W")], country="GB"),
        Team(key="empty", name="Empty"),
        Team(
            key="ios",
            name="iOS",
            country="GB",
            people=[Person(key="i", name="I", skills=["swift"], leaves=gone)],
        ),
        Team(
            key="pt", name="PT", country="GB", people=[Person(key="h", name="H", availability=0.5)]
        ),
    ]
    items = [
        _ready("W"),
        _ready("E", team="empty"),
        _ready("L", team="ios"),
        _ready("S", skills=["swift"]),
        _ready("K", team="web", skills=["ml"]),
        _ready("P", team="pt"),
    ]
    ws = Workspace(name="r", as_of=START, teams=teams, items=items)
    inputs = build_inputs(ws, RoadmapOptions())
    assert dict(inputs.unscheduled) == {
        "E": "team 'empty' has no people",
        "K": "team 'web' lacks skill(s) ml",
        "P": "team 'pt' never has one whole person's productive time on a day (at most 50% "
        "of it), the least an item takes",
    }
    assert [t.key for t in inputs.problem.tasks] == ["L", "S", "W"]
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=2, workers=2))
    assert {s.key: s.team for s in roadmap.items} == {"L": "ios", "S": "ios", "W": "web"}
    assert all(s.end < gone for s in roadmap.items)


def test_stories_without_a_team_are_their_epics_teams_work() -> None:
    teams = [
        Team(key="mobile", name="Mobile", people=[Person(key="m", name="M")], country="GB"),
        Team(
            key="web",
            name="Web",
            people=[Person(key="w1", name="W1"), Person(key="w2", name="W2", skills=["ml"])],
            country="GB",
        ),
    ]
    items = [
        Item(key="EPIC", title="Mobile epic", kind=ItemKind.EPIC, team="mobile"),
        _ready("S1", parent="EPIC", value=ValueInputs(cost_of_delay=1000.0)),
        _ready("S2", parent="EPIC", value=ValueInputs(cost_of_delay=1000.0)),
        _ready("S3", parent="EPIC", skills=["ml"]),
    ]
    ws = Workspace(name="t", as_of=START, teams=teams, items=items)
    inputs = build_inputs(ws, RoadmapOptions())
    assert {t.key: {m.label for m in t.modes} for t in inputs.problem.tasks} == {
        "S1": {"mobile"},
        "S2": {"mobile"},
    }
    assert inputs.unscheduled == (
        ("S3", "team 'mobile' (the team of its epic EPIC) lacks skill(s) ml"),
    )
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=1, workers=1))
    assert {s.key: s.team for s in roadmap.items} == {"S1": "mobile", "S2": "mobile"}


def test_lateness_blames_what_really_misses_the_deadline() -> None:
    """No dependencies: a deadline missed because the item's own work is longer than the
    time left, and one already past, are said to be so, not blamed on dependencies."""
    teams = [
        Team(
            key=key,
            name=key,
            people=[Person(key=f"{key}p", name="P")],
            focus_factor=1.0,
            unplanned_share=0.0,
        )
        for key in ("a", "b")
    ]
    items = [
        Item(
            key="BIG",
            title="10 person-days, due in 3 working days",
            team="a",
            estimate=Estimate(low=10, likely=10, high=10, unit="person_days"),
            deadline=Deadline(date=START + dt.timedelta(days=2), hard=True),
        ),
        Item(
            key="PAST",
            title="due before the plan's first day",
            team="b",
            estimate=Estimate(low=1, likely=1, high=1),
            deadline=Deadline(date=START - dt.timedelta(days=7), hard=True),
        ),
    ]
    ws = Workspace(name="l", as_of=START, teams=teams, items=items)
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=1, workers=1, baseline=False))
    late = {x.item: x for x in roadmap.lateness}
    big, past = late["BIG"], late["PAST"]
    assert (big.late_days, big.cause, big.dependency_bound_days) == (7, "its own work", 0)
    assert big.detail == (
        "its own work alone takes 7 working day(s) more than the time to its deadline"
    )
    assert (past.cause, past.dependency_bound_days) == ("a deadline already past", 0)
    assert past.detail == (
        f"its deadline {START - dt.timedelta(days=7)} is before the plan's first day {START}"
    )


def test_a_cycle_through_epics_is_named() -> None:
    """A1 (in EA) depends on epic EB, B1 (in EB) on epic EA: no item depends on itself
    directly, but followed to the stories A1 and B1 wait for each other."""
    web = Team(key="web", name="Web", people=[Person(key="w", name="W")], country="GB")
    items = [
        Item(key="EA", title="EA", kind=ItemKind.EPIC),
        Item(key="EB", title="EB", kind=ItemKind.EPIC),
        _ready("A1", parent="EA", dependencies=[Dependency(item="EB")]),
        _ready("B1", parent="EB", dependencies=[Dependency(item="EA")]),
        _ready("C1"),
    ]
    ws = Workspace(name="c", as_of=START, teams=[web], items=items)
    with pytest.raises(ValidationError) as caught:
        build_inputs(ws, RoadmapOptions())
    assert caught.value.field == "items.dependencies"
    assert caught.value.message.startswith(
        "dependency cycle once dependencies on epics are followed to their stories: "
        "A1 -> B1 -> A1 (A1 depends on EB, which holds B1; B1 depends on EA, which holds A1)"
    )


GOOD_FRIDAY_WEEK = dt.date(2026, 3, 30)  # a Monday; Friday 3 April is a public holiday in GB


def _team_of(size: int, leaves: dt.date | None = None) -> Team:
    people = [Person(key=f"d{j}", name=f"D{j}", skills=["backend"]) for j in range(size)]
    if leaves is not None:
        people[0] = people[0].model_copy(update={"leaves": leaves})
    return Team(key="dev", name="Dev", people=people, country="GB")


def _dev_item(key: str, person_days: float, **fields: object) -> Item:
    """A ready item of team dev's, sized in person-days, worth 100 a week of delay."""
    return Item(
        key=key,
        title=key,
        status=Status.READY,
        team="dev",
        estimate=Estimate(
            low=person_days, likely=person_days, high=person_days, unit="person_days"
        ),
        value=ValueInputs(cost_of_delay=100.0),
        **fields,  # type: ignore[arg-type]
    )


def _team_capacity(
    team: Team, start: dt.date, added: tuple[AddedPerson, ...] = ()
) -> tuple[int, ...]:
    ws = Workspace(name="weeks", as_of=start, teams=[team], items=[_dev_item("X", 1)])
    inputs = build_inputs(ws, RoadmapOptions(start=start, added=added))
    return next(r for r in inputs.problem.resources if r.key == "team:dev").capacity


def test_a_one_person_team_works_through_a_holiday_week() -> None:
    """Good Friday takes a day from the week, not the week from a one-person team: an item
    of three weeks starts at once and ends in its third week, as it would without the
    holiday (a week without a whole person would have held it until the holiday had passed)."""
    start = GOOD_FRIDAY_WEEK - dt.timedelta(weeks=1)
    ws = Workspace(name="solo", as_of=start, teams=[_team_of(1)], items=[_dev_item("LONG", 8)])
    roadmap = plan_roadmap(ws, RoadmapOptions(start=start, **FAST))  # type: ignore[arg-type]
    (planned,) = roadmap.items
    assert planned.start == start
    assert start + dt.timedelta(weeks=2) <= planned.end < start + dt.timedelta(weeks=3)

    # The week keeps its person, and no more than the person's usual day.
    capacity = _team_capacity(_team_of(1), start)
    assert capacity[5:10] == capacity[:5] == capacity[10:15]


def test_a_larger_team_still_loses_its_holiday() -> None:
    """Five people in a week with a public holiday do four people's work, as before."""
    capacity = _team_capacity(_team_of(5), GOOD_FRIDAY_WEEK)
    usual = capacity[5]
    assert capacity[0] < usual
    assert abs(capacity[0] - usual * 4 / 5) <= 1


def test_the_week_someone_leaves_is_not_rounded_up() -> None:
    """A one-person team whose person leaves on a Wednesday has that week's three days, not a
    whole week: work planned in it must not count on them after they have gone."""
    start = dt.date(2026, 3, 2)
    leaves = start + dt.timedelta(weeks=2, days=3)  # the third week's Thursday: gone from then
    capacity = _team_capacity(_team_of(1, leaves=leaves), start)
    usual = capacity[0]
    assert capacity[10] < usual
    assert abs(capacity[10] - usual * 3 / 5) <= 1


def test_two_days_off_in_a_week_are_not_rounded_away() -> None:
    """A week is rounded up to a whole person only where it is at most one person-day short:
    with two days off, the plan would count work on days the person is away (and flag them
    as over-allocated), so the week keeps its three days."""
    start = dt.date(2026, 6, 1)
    team = _team_of(1)
    monday = start + dt.timedelta(weeks=1)
    off = [DateRange(start=monday, end=monday + dt.timedelta(days=1))]
    team.people[0] = team.people[0].model_copy(update={"days_off": off})
    capacity = _team_capacity(team, start)
    usual = capacity[0]
    assert abs(capacity[5] - usual * 3 / 5) <= 1


def test_the_week_someone_joins_is_not_rounded_up() -> None:
    """Two people from a Wednesday on: the week before it, and its Monday and Tuesday, have
    one; the week is not counted as two people's (work two people wide would start before
    the second one has come)."""
    start = dt.date(2026, 6, 1)
    team = _team_of(2)
    team.people[1] = team.people[1].model_copy(
        update={"joins": start + dt.timedelta(weeks=1, days=2)}
    )
    capacity = _team_capacity(team, start)
    one, two = capacity[0], capacity[10]
    assert abs(two - 2 * one) <= 1
    assert abs(capacity[5] - one * 8 / 5) <= 1


def test_someone_leaving_in_the_calendars_last_week_is_not_counted_as_staying() -> None:
    """The plan's calendar ends in the week its only person leaves (on the Thursday): that
    week is not rounded up to a whole person, so past the calendar the team has nobody and
    work too big to finish before then is left out with the reason, not planned after they
    have gone."""
    start = dt.date(2026, 3, 2)
    leaves = start + dt.timedelta(weeks=7, days=3)
    team = _team_of(1, leaves=leaves)
    ws = Workspace(name="last", as_of=start, teams=[team], items=[_dev_item("BIG", 60)])
    inputs = build_inputs(ws, RoadmapOptions(start=start, sprints=1))
    capacity = next(r for r in inputs.problem.resources if r.key == "team:dev").capacity
    assert len(capacity) == 40  # the calendar ends with the leaver's week
    assert capacity[-1] < capacity[0]
    (why,) = inputs.unscheduled
    assert why[0] == "BIG" and "cannot finish it before everyone on it has left" in why[1]


def test_a_hire_never_lowers_a_weeks_capacity() -> None:
    """A hire ramping up in a one-person team's holiday week adds a little each day; the week
    then does not look like a passing absence, but the team with the hire never has less
    capacity than without it (a plan valid without the hire stays valid with it)."""
    start = GOOD_FRIDAY_WEEK - dt.timedelta(weeks=1)
    hire = AddedPerson(team="dev", joins=GOOD_FRIDAY_WEEK, ramp_up_days=30)
    alone = _team_capacity(_team_of(1), start)
    hired = _team_capacity(_team_of(1), start, (hire,))
    assert all(h >= a for h, a in zip(hired, alone, strict=True))
    assert alone[5:10] == alone[:5]  # the holiday week, a whole person without the hire

    # A part-timer's skill (half a person) keeps its holiday week whole when a full-time hire
    # with the skill joins months later.
    team = Team(
        key="dev",
        name="Dev",
        country="GB",
        people=[
            Person(key="x", name="X", skills=["web"]),
            Person(key="y", name="Y", skills=["ios"], availability=0.5),
        ],
    )
    ws = Workspace(
        name="pool", as_of=start, teams=[team], items=[_dev_item("IOS", 4, skills=["ios"])]
    )
    later = AddedPerson(team="dev", skills=("ios",), joins=dt.date(2026, 9, 1))
    pools = [
        next(
            r.capacity
            for r in build_inputs(ws, RoadmapOptions(start=start, added=added)).problem.resources
            if r.key == "skill:dev:ios"
        )
        for added in ((), (later,))
    ]
    assert pools[0][5:10] == pools[0][:5]
    assert pools[1][:10] == pools[0][:10]
