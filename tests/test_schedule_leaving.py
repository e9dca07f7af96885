"""Roadmap work for people who leave within the plan's calendar: what fits before they go is
planned, what does not is left out with the true reason, and the rest of the plan is as it
would be without it."""

from __future__ import annotations

import datetime as dt
import random
import re

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadwise.domain.model import (
    Dependency,
    Estimate,
    Item,
    Person,
    Status,
    Team,
    ValueInputs,
)
from roadwise.domain.workspace import Workspace
from roadwise.engines.capacity import AddedPerson
from roadwise.engines.schedule.roadmap import Roadmap, RoadmapOptions, build_inputs, plan_roadmap

START = dt.date(2026, 3, 2)  # a Monday: capacity is averaged over Monday-to-Friday weeks
GONE = START + dt.timedelta(weeks=6)  # a Monday too: nobody is on the team from this day
FAST = RoadmapOptions(time_limit=3, workers=2)


def _item(key: str, days: float, **fields: object) -> Item:
    return Item(
        key=key,
        title=key,
        status=Status.READY,
        estimate=Estimate(low=days, likely=days, high=days, unit="person_days"),
        **fields,  # type: ignore[arg-type]
    )


def _teams(ios_leaves: dt.date = GONE) -> list[Team]:
    return [
        Team(
            key="web",
            name="Web",
            country="GB",
            people=[Person(key="w1", name="W1"), Person(key="w2", name="W2")],
        ),
        Team(
            key="ios",
            name="iOS",
            country="GB",
            people=[
                Person(key="i1", name="I1", leaves=ios_leaves),
                Person(key="i2", name="I2", leaves=ios_leaves - dt.timedelta(weeks=2)),
            ],
        ),
    ]


def _left(reason: str) -> float:
    """The person-days a reason says the team has left."""
    found = re.search(r"the team has ([\d.]+) left", reason)
    assert found, reason
    return float(found.group(1))


def test_work_that_fits_before_a_team_leaves_is_planned_and_the_rest_says_why() -> None:
    """Both iOS people leave within six weeks. The small item is planned before they go; the
    big one cannot be finished by then and says so (team, the last leaving date, the work
    against the capacity left), and so does the web item waiting for it. The web team's own
    work is planned as it is without any of the iOS work."""
    items = [
        _item("SMALL", 3, team="ios", value=ValueInputs(cost_of_delay=100.0)),
        _item("BIG", 120, team="ios", value=ValueInputs(cost_of_delay=300.0)),
        _item("AFTER", 3, team="web", dependencies=[Dependency(item="BIG")]),
        _item("W1", 5, team="web", value=ValueInputs(cost_of_delay=200.0)),
        _item("W2", 8, team="web"),
    ]
    ws = Workspace(name="leaving", as_of=START, teams=_teams(), items=items)
    roadmap = plan_roadmap(ws, FAST)

    planned = {s.key: s for s in roadmap.items}
    assert set(planned) == {"SMALL", "W1", "W2"}
    assert planned["SMALL"].team == "ios" and planned["SMALL"].end < GONE
    why = dict(roadmap.unscheduled)
    assert set(why) == {"BIG", "AFTER"}
    assert why["BIG"].startswith(
        f"team 'ios' cannot finish it before everyone on it has left (the last leaves on "
        f"{GONE}): it needs 120 person-days"
    )
    # The capacity left is the team's productive time until they have gone, where Good
    # Friday's week (one person left, nobody leaving that week) counts as a whole person's.
    productive = float(roadmap.calendar.team("ios").productive.sum())
    day = float(roadmap.calendar.team("ios").people[0].productive.max())
    assert abs(_left(why["BIG"]) - (productive + day)) <= 0.5
    assert _left(why["BIG"]) < 120
    assert why["AFTER"] == f"depends on BIG, which cannot be scheduled ({why['BIG']})"

    web_only = ws.copy_with(items=[i for i in items if i.key in {"W1", "W2"}])
    alone = plan_roadmap(web_only, FAST)
    assert alone.summary.proven_optimal and roadmap.summary.proven_optimal
    web = {s.key: (s.start, s.end) for s in alone.items}
    assert {k: (planned[k].start, planned[k].end) for k in web} == web


def test_work_that_does_not_fit_beside_the_teams_other_work_names_what_took_the_room() -> None:
    """Each iOS item fits before the team leaves on its own, but not all of them together:
    the plan keeps what the rank order fits (the first is the most valuable), leaves out the
    rest with what took the capacity, and does not fail the whole plan over it."""
    items = [
        _item("A", 11, team="ios", value=ValueInputs(cost_of_delay=300.0)),
        _item("B", 11, team="ios", value=ValueInputs(cost_of_delay=100.0)),
        _item("C", 11, team="ios", value=ValueInputs(cost_of_delay=50.0)),
        _item("W", 5, team="web", value=ValueInputs(cost_of_delay=200.0)),
    ]
    ws = Workspace(name="crowded", as_of=START, teams=_teams(), items=items)
    for key in ("A", "B", "C"):
        single = ws.copy_with(items=[i for i in items if i.key == key])
        assert [s.key for s in plan_roadmap(single, FAST).items] == [key]

    roadmap = plan_roadmap(ws, FAST)
    planned = {s.key: s for s in roadmap.items}
    why = dict(roadmap.unscheduled)
    assert "A" in planned and "W" in planned
    assert why and set(why) | set(planned) == {"A", "B", "C", "W"}
    for s in roadmap.items:
        if s.team == "ios":
            assert s.end < GONE
    for key, reason in why.items():
        assert reason.startswith(
            f"team 'ios' cannot also fit it before everyone on it has left (the last leaves "
            f"on {GONE})"
        ), key
        assert "the work ranked before it (A" in reason, reason
    # The baseline (rank order) holds the same work, so the two compare like for like.
    assert {s.key for s in roadmap.baseline_items} == set(planned)
    assert roadmap.baseline is not None
    assert roadmap.summary.model_objective <= roadmap.baseline.model_objective


def test_work_for_an_assignee_or_the_only_people_with_a_skill_who_leave() -> None:
    """An item pinned to someone who leaves, or needing a skill only a leaver has, is done
    before they go or not at all; it was planned after they had left (the skill), or failed
    the whole plan (the assignee)."""
    teams = [
        Team(
            key="web",
            name="Web",
            country="GB",
            people=[
                Person(key="w1", name="W1"),
                Person(key="w2", name="W2", leaves=GONE, skills=["ml"]),
            ],
        )
    ]
    items = [
        _item("PINNED", 60, assignee="w2"),
        _item("ML", 60, skills=["ml"]),
        _item("SHORT_ML", 2, skills=["ml"]),
        _item("W", 5, value=ValueInputs(cost_of_delay=200.0)),
    ]
    ws = Workspace(name="assignee", as_of=START, teams=teams, items=items)
    roadmap = plan_roadmap(ws, FAST)
    planned = {s.key: s for s in roadmap.items}
    assert set(planned) == {"SHORT_ML", "W"}
    assert planned["SHORT_ML"].end < GONE
    why = dict(roadmap.unscheduled)
    assert why["PINNED"].startswith(
        f"its assignee w2 (team 'web') cannot finish it before leaving on {GONE}: it takes "
    )
    assert why["ML"].startswith(
        f"team 'web' cannot finish it before everyone on it with ml has left (the last "
        f"leaves on {GONE}): it needs 60 person-days"
    )


def test_a_team_that_shrinks_still_takes_big_work_after_people_leave() -> None:
    """One of two people leaves: an item too big to finish before then is done by the one who
    stays, instead of failing the whole plan (it ran two people wide, which the team never has
    again)."""
    teams = [
        Team(
            key="web",
            name="Web",
            country="GB",
            people=[Person(key="w1", name="W1"), Person(key="w2", name="W2", leaves=GONE)],
        )
    ]
    items = [_item("BIG", 60), _item("W", 5, value=ValueInputs(cost_of_delay=200.0))]
    ws = Workspace(name="shrinks", as_of=START, teams=teams, items=items)
    roadmap = plan_roadmap(ws, FAST)
    assert {s.key for s in roadmap.items} == {"BIG", "W"}
    assert roadmap.unscheduled == ()
    assert roadmap.item("BIG").end > GONE
    assert roadmap.item("BIG").people == ("w1",)


def test_work_in_progress_for_a_team_left_with_a_part_timer() -> None:
    """The full-timer leaves and a part-timer (less than an item takes) stays: work in
    progress that fits goes on from today, the rest is left out and says from when the team
    is too small for it (it failed the whole plan)."""
    teams = [
        Team(key="web", name="Web", country="GB", people=[Person(key="w1", name="W1")]),
        Team(
            key="ios",
            name="iOS",
            country="GB",
            people=[
                Person(key="i1", name="I1", leaves=GONE),
                Person(key="i2", name="I2", availability=0.4),
            ],
        ),
    ]
    items = [
        _item("BIG", 40, team="ios").model_copy(update={"status": Status.IN_PROGRESS}),
        _item("GOING", 3, team="ios").model_copy(update={"status": Status.IN_PROGRESS}),
        _item("W", 3, team="web"),
    ]
    ws = Workspace(name="part", as_of=START, teams=teams, items=items)
    roadmap = plan_roadmap(ws, FAST)
    assert {s.key for s in roadmap.items} == {"GOING", "W"}
    assert roadmap.item("GOING").start == START
    ((key, why),) = roadmap.unscheduled
    assert key == "BIG"
    assert why.startswith(
        f"team 'ios' cannot finish it before it has too few people left for it, from {GONE}: "
        "it needs 40 person-days"
    )


def test_the_left_out_work_does_not_depend_on_the_what_ifs_hires() -> None:
    """A hire only adds capacity: the same work is left out with or without it, so the hire's
    plan compares with the plan without it item for item."""
    items = [
        _item("A", 15, team="ios", value=ValueInputs(cost_of_delay=300.0)),
        _item("B", 15, team="ios", value=ValueInputs(cost_of_delay=100.0)),
        _item("W", 5, team="web"),
    ]
    ws = Workspace(name="hire", as_of=START, teams=_teams(), items=items)
    without = build_inputs(ws, FAST)
    with_hire = build_inputs(ws, RoadmapOptions(added=(AddedPerson(team="ios"),)))
    assert without.unscheduled and with_hire.unscheduled == without.unscheduled
    plan = plan_roadmap(ws, RoadmapOptions(time_limit=3, workers=2, added=(AddedPerson("ios"),)))
    assert {s.key for s in plan.items} == {t.key for t in without.problem.tasks}


@st.composite
def _leaving_workspaces(draw: st.DrawFn) -> tuple[Workspace, set[str]]:
    """A web team's work and a leaving iOS team's work (some of it too big to finish before
    they go, some waiting for other iOS work), with web items that wait for iOS work; and the
    keys of the web items that have nothing to do with iOS (nor with the web work that does).
    The most valuable item is web work, so the cost-of-delay weights do not depend on which
    iOS work there is."""
    rng = random.Random(draw(st.integers(0, 10_000)))
    weeks = draw(st.integers(2, 20))
    teams = _teams(ios_leaves=START + dt.timedelta(weeks=weeks))
    items: list[Item] = []
    for k in range(rng.randint(1, 3)):
        deps = [Dependency(item=f"I{rng.randrange(k)}")] if k and rng.random() < 0.4 else []
        items.append(
            _item(
                f"I{k}",
                rng.choice([2, 5, 15, 40, 150]),
                team="ios",
                dependencies=deps,
                value=ValueInputs(cost_of_delay=float(rng.choice([0, 100, 400]))),
            )
        )
    ios = len(items)
    unrelated: set[str] = set()
    for k in range(rng.randint(2, 4)):
        deps = []
        if k and rng.random() < 0.3:
            deps = [Dependency(item=f"I{rng.randrange(ios)}")]
        elif k and rng.random() < 0.4:
            deps = [Dependency(item=f"W{rng.randrange(k)}")]
        if all(d.item in unrelated for d in deps):
            unrelated.add(f"W{k}")
        items.append(
            _item(
                f"W{k}",
                rng.choice([1, 3, 5, 8]),
                team="web",
                dependencies=deps,
                value=ValueInputs(cost_of_delay=1000.0 if k == 0 else rng.choice([0.0, 100.0])),
            )
        )
    return Workspace(name="gen", as_of=START, teams=teams, items=items), unrelated


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_leaving_workspaces())
def test_the_work_unrelated_to_a_leaving_team_is_planned_as_without_it(
    case: tuple[Workspace, set[str]],
) -> None:
    """Whatever of the iOS work fits: it ends before they have gone, what does not fit (and
    what waits for it) says why, and the web work that has nothing to do with it is planned
    as it is without any iOS work."""
    ws, unrelated = case
    options = RoadmapOptions(time_limit=5, workers=1)
    gone = max(p.leaves for p in ws.team_by_key["ios"].people if p.leaves is not None)
    roadmap = plan_roadmap(ws, options)
    planned = {s.key: s for s in roadmap.items}
    why = dict(roadmap.unscheduled)
    assert set(planned) | set(why) == {i.key for i in ws.items}
    assert unrelated <= set(planned)
    for key, reason in why.items():
        if reason.startswith("depends on"):
            waits = {d.item for d in ws.item_by_key[key].dependencies}
            assert waits & set(why), (key, reason)
        else:
            assert key.startswith("I"), (key, reason)
            assert reason.startswith("team 'ios' cannot"), reason
            assert f"(the last leaves on {gone})" in reason, reason
    for s in roadmap.items:
        if s.team == "ios":
            assert s.end < gone
        for dep in ws.item_by_key[s.key].dependencies:
            assert dep.item in planned and planned[dep.item].end_day <= s.start_day

    # The web work unrelated to iOS, with and without the iOS work beside it.
    ios_items = [i for i in ws.items if i.team == "ios"]
    web_only = ws.copy_with(items=[i for i in ws.items if i.key in unrelated])
    beside = plan_roadmap(web_only.copy_with(items=[*web_only.items, *ios_items]), options)
    alone = plan_roadmap(web_only, options)
    # The rank-order baseline places it on the same days...
    base = {s.key: (s.start, s.end) for s in beside.baseline_items if s.key in unrelated}
    assert base == {s.key: (s.start, s.end) for s in alone.baseline_items}
    # ...and the optimised plan at the same cost of delay (where optima tie, not the same days).
    if beside.summary.proven_optimal and alone.summary.proven_optimal:

        def cost(plan: Roadmap) -> float:
            return sum(s.cost_of_delay * s.end_day for s in plan.items if s.key in unrelated)

        assert np.isclose(cost(beside), cost(alone))


def test_a_warm_start_from_another_plan_still_uses_what_was_decided_to_fit() -> None:
    """Scenario compare starts plan B from plan A's placements; where B has an item A lacks,
    that start does not map, and the work that must be done before someone leaves still
    goes where it was decided to fit (every priority rule alone squeezes it out here)."""
    start = dt.date(2026, 6, 1)  # no public holiday in the weeks that matter
    gone = start + dt.timedelta(weeks=6)
    teams = [
        Team(
            key="web",
            name="Web",
            country="GB",
            people=[
                Person(key="w1", name="W1"),
                Person(key="w2", name="W2", leaves=gone, skills=["ml"]),
            ],
        )
    ]
    items = [
        _item("A", 7, value=ValueInputs(cost_of_delay=900.0)),
        _item("B", 7, value=ValueInputs(cost_of_delay=800.0)),
        _item("C", 17, value=ValueInputs(cost_of_delay=700.0)),
        _item("D", 17, value=ValueInputs(cost_of_delay=600.0)),
        _item("ZML", 15, skills=["ml"], value=ValueInputs(cost_of_delay=10.0)),
    ]
    ws = Workspace(name="x", as_of=start, teams=teams, items=items)
    a = plan_roadmap(ws, FAST)
    b_ws = ws.copy_with(items=[*items, _item("NEW", 2)])
    alone = plan_roadmap(b_ws, FAST)
    warm = plan_roadmap(b_ws, RoadmapOptions(time_limit=3, workers=2, warm_start=a.placements))
    for plan in (alone, warm):
        assert {s.key for s in plan.items} == {"A", "B", "C", "D", "ZML", "NEW"}
        assert plan.item("ZML").end < gone


def test_someone_leaving_in_the_calendars_last_weeks_does_not_fail_the_plan() -> None:
    """Past the calendar a team holds its last day's capacity: a person who leaves in its
    last weeks takes nothing past it, so work too big for the time left is left out with the
    reason, and the rest is planned."""
    leaves = START + dt.timedelta(weeks=150)  # the default calendar is about three years
    teams = [
        Team(key="web", name="Web", country="GB", people=[Person(key="w", name="W")]),
        Team(
            key="ios", name="iOS", country="GB", people=[Person(key="i", name="I", leaves=leaves)]
        ),
    ]
    items = [_item("W1", 3, team="web"), _item("I1", 5, team="ios"), _item("I2", 600, team="ios")]
    plan = plan_roadmap(Workspace(name="x", as_of=START, teams=teams, items=items), FAST)
    assert {s.key for s in plan.items} == {"W1", "I1"}
    ((key, why),) = plan.unscheduled
    assert key == "I2" and f"the last leaves on {leaves}" in why and "600 person-days" in why
