"""From a workspace to a release problem: sizes, capacity, prerequisites, pins, customers."""

from __future__ import annotations

import datetime as dt

import pytest

from roadwise.domain import (
    Customer,
    Cycles,
    Deadline,
    Dependency,
    Estimate,
    Item,
    ItemKind,
    MoSCoW,
    Person,
    Release,
    Status,
    Team,
    ValueInputs,
    Workspace,
)
from roadwise.engines.release import (
    ReleaseOptions,
    plan_release,
    release_problem,
    team_capacity,
    violations,
    working_days,
)
from roadwise.errors import InfeasibleError, ValidationError


def small_workspace() -> Workspace:
    team = Team(
        key="web",
        name="Web",
        people=[
            Person(key="ann", name="Ann", skills=["frontend"]),
            Person(key="bob", name="Bob", skills=["backend"], availability=0.5),
        ],
        focus_factor=0.8,
        unplanned_share=0.25,
        points_per_person_day=0.5,
    )
    items = [
        Item(key="EPIC", title="Epic", kind=ItemKind.EPIC, team="web"),
        Item(
            key="S1",
            title="One",
            parent="EPIC",
            estimate=Estimate(low=2, likely=3, high=8),
            value=ValueInputs(business_value=8, time_criticality=5, risk_reduction=2),
        ),
        Item(
            key="S2",
            title="Two",
            parent="EPIC",
            estimate=Estimate(low=5, likely=5, high=5),
            dependencies=[Dependency(item="S1")],
            customers=["acme"],
            skills=["backend"],
        ),
        Item(
            key="S3",
            title="Three",
            team="web",
            estimate=Estimate(low=1, likely=1, high=1),
            dependencies=[Dependency(item="EPIC")],
            release="R1",
        ),
        Item(
            key="S4",
            title="Four",
            value=ValueInputs(moscow=MoSCoW.WONT),
            estimate=Estimate(low=1, likely=1, high=1),
        ),
        Item(key="S5", title="Five"),  # no estimate
        Item(
            key="S6",
            title="Six",
            dependencies=[Dependency(item="S5")],
            estimate=Estimate(low=1, likely=1, high=1),
        ),
        Item(
            key="DONE", title="Done", status=Status.DONE, estimate=Estimate(low=1, likely=1, high=1)
        ),
        Item(
            key="S7",
            title="Seven",
            dependencies=[Dependency(item="DONE")],
            team="web",
            estimate=Estimate(low=2, likely=2, high=2, unit="person_days"),
            deadline=Deadline(date=dt.date(2027, 1, 20), hard=True),
            tags=["alt:login"],
        ),
        Item(
            key="S8", title="Eight", tags=["alt:login"], estimate=Estimate(low=1, likely=1, high=1)
        ),
    ]
    return Workspace(
        name="tiny",
        as_of=dt.date(2027, 1, 4),  # a Monday
        teams=[team],
        customers=[Customer(key="acme", name="Acme", annual_revenue=50_000)],
        cycles=Cycles(
            releases=[
                Release(key="R1", name="R1", date=dt.date(2027, 1, 15)),
                Release(key="R2", name="R2", date=dt.date(2027, 1, 29)),
            ]
        ),
        items=items,
    )


def test_working_days_and_team_capacity() -> None:
    assert working_days(dt.date(2027, 1, 4), dt.date(2027, 1, 15)) == 10
    ws = small_workspace()
    # (1 + 0.5) people × 10 days × 0.8 focus × 0.75 planned × 0.5 points per person-day
    assert team_capacity(ws.teams[0], dt.date(2027, 1, 4), dt.date(2027, 1, 15)) == pytest.approx(
        4.5
    )
    assert team_capacity(
        ws.teams[0], dt.date(2027, 1, 4), dt.date(2027, 1, 15), "backend"
    ) == pytest.approx(1.5)


def test_problem_from_workspace() -> None:
    wp = release_problem(small_workspace(), options=ReleaseOptions(releases=2, percentile=0.5))
    p = wp.problem
    by_key = p.by_key
    assert set(by_key) == {"S1", "S2", "S3", "S7", "S8"}
    assert wp.skipped["S4"] == "marked won't have"
    assert wp.skipped["S5"] == "no estimate"
    assert wp.skipped["S6"].startswith("depends on S5")
    assert by_key["S2"].prerequisites == ("S1",)
    assert by_key["S3"].prerequisites == ("S1", "S2")  # the epic means its open stories
    assert by_key["S2"].team == "web"  # inherited from the epic
    assert by_key["S1"].value == 15  # business value + time criticality + risk reduction
    assert 3 < by_key["S1"].size < 4  # PERT median of (2, 3, 8) lies above the mode
    assert by_key["S7"].size == pytest.approx(1.0)  # 2 person-days × 0.5 points
    assert by_key["S7"].deadline == dt.date(2027, 1, 20)
    assert p.pins == {"S3": "R1"}
    assert p.alternatives == (("S7", "S8"),)
    assert [r.key for r in p.releases] == ["R1", "R2"]
    assert p.releases[0].team_capacity["web"] == pytest.approx(4.5)


def test_an_epics_dependencies_hold_for_every_story_under_it() -> None:
    ws = small_workspace()
    epic = ws.item_by_key["EPIC"].model_copy(update={"dependencies": [Dependency(item="S8")]})
    ws = ws.copy_with(items=[epic if i.key == "EPIC" else i for i in ws.items])
    by_key = release_problem(ws, options=ReleaseOptions(releases=2)).problem.by_key
    assert by_key["S1"].prerequisites == ("S8",)  # as on the roadmap
    assert by_key["S2"].prerequisites == ("S1", "S8")


def test_an_item_its_team_lacks_the_skills_for_is_skipped_as_on_the_roadmap() -> None:
    """Skill pools are shared across teams, but a story of team web needing a skill only
    another team has cannot be web's work: skipped, not promised."""
    ws = small_workspace()
    data = Team(key="data", name="Data", people=[Person(key="dee", name="Dee", skills=["ml"])])
    needs_ml = Item(
        key="ML", title="ml", team="web", skills=["ml"], estimate=Estimate(low=1, likely=1, high=1)
    )
    ws = ws.copy_with(teams=[*ws.teams, data], items=[*ws.items, needs_ml])
    wp = release_problem(ws, options=ReleaseOptions(releases=1))
    assert wp.skipped["ML"] == "team 'web' lacks skill(s) ml"
    empty = Team(key="empty", name="Empty", people=[])
    nobody = needs_ml.model_copy(update={"key": "NOBODY", "team": "empty", "skills": []})
    ws = ws.copy_with(teams=[*ws.teams, empty], items=[*ws.items, nobody])
    assert release_problem(ws).skipped["NOBODY"] == "team 'empty' has no people"
    with pytest.raises(ValidationError, match="must-have ML cannot be planned"):
        release_problem(ws, options=ReleaseOptions(releases=1, must=frozenset({"ML"})))


def test_a_cycle_through_epics_is_refused_naming_it() -> None:
    """A1 needs epic EB (so B1), B1 needs epic EA (so A1): the stories need each other."""
    ws = small_workspace()
    extra = [
        Item(key="EA", title="EA", kind=ItemKind.EPIC, team="web"),
        Item(key="EB", title="EB", kind=ItemKind.EPIC, team="web"),
        Item(key="A1", title="a", parent="EA", estimate=Estimate(low=1, likely=1, high=1)),
        Item(key="B1", title="b", parent="EB", estimate=Estimate(low=1, likely=1, high=1)),
    ]
    extra[2] = extra[2].model_copy(update={"dependencies": [Dependency(item="EB")]})
    extra[3] = extra[3].model_copy(update={"dependencies": [Dependency(item="EA")]})
    ws = ws.copy_with(items=[*ws.items, *extra])  # the workspace's own rules accept it
    with pytest.raises(ValidationError) as caught:
        release_problem(ws, options=ReleaseOptions(releases=1))
    assert "A1 -> B1 -> A1" in str(caught.value)
    assert "A1 depends on EB, which holds B1; B1 depends on EA, which holds A1" in str(caught.value)


def test_a_prerequisite_cycle_in_a_problem_is_an_error_not_a_hang() -> None:
    from roadwise.engines.release import Candidate, ReleaseProblem, ReleaseSlot

    problem = ReleaseProblem(
        items=(
            Candidate("A", 5, 1, prerequisites=("B",)),
            Candidate("B", 5, 1, prerequisites=("A",)),
            Candidate("C", 1, 1),
        ),
        releases=(ReleaseSlot("R1", capacity=10),),
    )
    with pytest.raises(ValidationError, match="prerequisite cycle: A -> B -> A"):
        plan_release(problem, time_limit=2)


def test_scores_override_the_fallback_and_customers_objective() -> None:
    ws = small_workspace()
    wp = release_problem(ws, scores={"S1": 2.5}, options=ReleaseOptions(objective="customers"))
    assert all(c.value == 0 for c in wp.problem.items)
    assert [(c.key, c.value, c.items) for c in wp.problem.customers] == [("acme", 50_000, ("S2",))]
    wp = release_problem(ws, scores={"S1": 2.5}, options=ReleaseOptions(objective="both"))
    assert wp.problem.by_key["S1"].value == 2.5
    item_total = sum(c.value for c in wp.problem.items)
    assert [c.value for c in wp.problem.customers] == [pytest.approx(item_total)]


def test_plan_from_workspace_is_valid() -> None:
    wp = release_problem(small_workspace(), options=ReleaseOptions(releases=2, capacity=20))
    plan = plan_release(wp.problem)
    assert violations(wp.problem, plan.selection.assignment) == []
    assert plan.selection.assignment["S3"] == "R1"
    assert plan.selection.assignment["S1"] == "R1"  # prerequisites ship no later


def test_unknown_must_and_conflicting_must() -> None:
    ws = small_workspace()
    with pytest.raises(ValidationError, match="unknown item 'NOPE'"):
        release_problem(ws, options=ReleaseOptions(must=frozenset({"NOPE"})))
    with pytest.raises(ValidationError, match="S5 cannot be planned: no estimate"):
        release_problem(ws, options=ReleaseOptions(must=frozenset({"S5"})))
    wp = release_problem(ws, options=ReleaseOptions(must=frozenset({"S2"})))
    with pytest.raises(InfeasibleError, match="S3 pinned to release R1") as error:
        plan_release(wp.problem)
    # S3 needs S2 (through the epic), whose 5 points of backend work exceed Bob's 1.5.
    assert "skill backend capacity (1.5 points)" in str(error.value)
    # the pool is charged with S2's own points, as the prerequisite that loads it
    assert "S2 (5 points, a prerequisite of pinned S3)" in str(error.value)


def test_no_people_and_no_releases() -> None:
    ws = small_workspace()
    bare = ws.copy_with(
        teams=[Team(key="web", name="Web")],
        cycles=Cycles(releases=[]),
        items=[i.model_copy(update={"release": None}) for i in ws.items],
    )
    with pytest.raises(ValidationError, match="no capacity to plan with"):
        release_problem(bare)
    wp = release_problem(bare, options=ReleaseOptions(capacity=10, releases=2))
    assert [r.key for r in wp.problem.releases] == ["next-1", "next-2"]
    assert wp.windows["next-1"] == (dt.date(2027, 1, 4), dt.date(2027, 2, 14))
    plan = plan_release(wp.problem)
    assert all(c.used <= 10 for c in plan.selection.releases)
