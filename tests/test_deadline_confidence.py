"""How likely every hard deadline is met: the plan replayed with the teams' own history, and the
fewest hires that make it likely enough (`capacity --what-if`)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roadwise.domain.model import (
    Deadline,
    Dependency,
    Estimate,
    HistoryRecord,
    Item,
    Person,
    Team,
)
from roadwise.domain.workspace import Workspace
from roadwise.engines.forecast.objectives import (
    QueueOrder,
    hard_deadline_chances,
    hard_deadline_confidence,
    hire_speedup,
    planned_leaves,
    simulate_workspace,
)
from roadwise.engines.schedule.needs import CONFIDENCE_TARGET, what_it_takes
from roadwise.engines.schedule.roadmap import Roadmap, RoadmapOptions, plan_roadmap
from roadwise.views.reports.wording import chance_percent

START = dt.date(2026, 3, 2)
OPTIONS = RoadmapOptions(time_limit=2, workers=2)
# Items finished per week over the last half year: one a week on average, never steady.
WEEKLY = [1, 0, 2, 1, 1, 2, 0, 1, 1, 2, 1, 0, 1, 2, 1, 1, 0, 2, 1, 1, 1, 0, 2, 1, 1, 1]


def _team(key: str, people: int) -> Team:
    return Team(
        key=key,
        name=key.title(),
        country="GB",
        focus_factor=1.0,
        unplanned_share=0.0,
        people=[Person(key=f"{key}{i}", name=f"{key} {i}", skills=["x"]) for i in range(people)],
    )


def _history(team: str) -> list[HistoryRecord]:
    records = []
    for week, count in enumerate(WEEKLY):
        done = dt.datetime.combine(START, dt.time(12)) - dt.timedelta(weeks=len(WEEKLY) - week)
        for n in range(count):
            records.append(
                HistoryRecord(
                    key=f"H-{team}-{week}-{n}",
                    team=team,
                    created=done - dt.timedelta(days=10),
                    done=done,
                )
            )
    return records


def _workspace(deadline_days: int = 20, items: int = 8, people: int = 1) -> Workspace:
    """``items`` items of 5 days for team a; the later half due ``deadline_days`` from now."""
    due = START + dt.timedelta(days=deadline_days)
    return Workspace(
        name="d",
        as_of=START,
        teams=[_team("a", people), _team("b", 1)],
        items=[
            Item(
                key=f"A-{i}",
                title=f"work {i}",
                team="a",
                skills=["x"],
                estimate=Estimate(low=4, likely=5, high=8, unit="person_days"),
                deadline=Deadline(date=due, hard=True) if i >= items // 2 else None,
            )
            for i in range(items)
        ],
        history=_history("a") + _history("b"),
    )


def _order(roadmap: Roadmap) -> QueueOrder:
    return QueueOrder(planned=planned_leaves(roadmap))


def test_no_chance_without_history_or_hard_deadlines() -> None:
    ws = _workspace()
    roadmap = plan_roadmap(ws, OPTIONS)
    assert hard_deadline_confidence(ws.model_copy(update={"history": []}), _order(roadmap)) is None
    soft = ws.model_copy(
        update={
            "items": [
                i.model_copy(update={"deadline": Deadline(date=i.deadline.date)})
                if i.deadline
                else i
                for i in ws.items
            ]
        }
    )
    assert hard_deadline_confidence(soft, _order(roadmap)) is None


def test_far_deadlines_are_certain_and_impossible_ones_never_met() -> None:
    far = _workspace(deadline_days=400)
    assert hard_deadline_confidence(far, _order(plan_roadmap(far, OPTIONS))) == 1.0
    # Eight items at two a week cannot all be done within three days.
    near = _workspace(deadline_days=3)
    assert hard_deadline_confidence(near, _order(plan_roadmap(near, OPTIONS))) == 0.0


def test_every_deadline_at_once_is_no_likelier_than_the_least_likely_one() -> None:
    ws = _workspace(deadline_days=24)
    roadmap = plan_roadmap(ws, OPTIONS)
    chances = hard_deadline_chances(ws, _order(roadmap), seed=3)
    run = simulate_workspace(ws, QueueOrder({}, planned_leaves(roadmap)), trials=2000, seed=3)
    each = {o.key: o.p_deadline for o in run.forecast.items if o.p_deadline is not None}
    assert chances is not None and 0.0 < chances.every < 1.0
    assert chances.every == hard_deadline_confidence(ws, _order(roadmap), seed=3)
    # each deadline on its own is the forecast's own chance for that item
    assert chances.each == pytest.approx(each) and len(each) == 4
    assert chances.every <= min(each.values()) + 1e-12
    key, lowest = chances.least_likely
    assert lowest == min(each.values()) and each[key] == lowest


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    speedup=st.floats(min_value=1.0, max_value=3.0),
    order=st.randoms(use_true_random=False),
)
def test_more_pace_never_lowers_the_chance_and_input_order_is_moot(
    speedup: float, order: random.Random
) -> None:
    ws = _workspace(deadline_days=24)
    roadmap = plan_roadmap(ws, OPTIONS)
    base = hard_deadline_confidence(ws, _order(roadmap))
    faster = hard_deadline_confidence(ws, _order(roadmap), speedup={"a": speedup})
    assert base is not None and faster is not None and faster >= base
    items = list(ws.items)
    order.shuffle(items)
    shuffled = ws.model_copy(update={"items": items})
    assert hard_deadline_confidence(shuffled, _order(roadmap)) == base


def test_a_hire_adds_three_quarters_of_a_member() -> None:
    ws = _workspace(people=2)
    assert hire_speedup(ws, "a", 1) == pytest.approx(1.375)
    assert hire_speedup(ws, "a", 2) == pytest.approx(1.75)
    assert hire_speedup(ws, "nobody", 1) == pytest.approx(1.75)


def test_what_it_takes_states_the_chance_and_the_hires_for_the_target() -> None:
    ws = _workspace(deadline_days=20)
    roadmap = plan_roadmap(ws, OPTIONS)
    takes = what_it_takes(ws, roadmap, OPTIONS, ramp_up_days=0)
    confidence = takes.confidence
    assert confidence is not None and confidence.target == CONFIDENCE_TARGET
    assert confidence.trials == 2000
    assert 0.0 <= confidence.as_planned < CONFIDENCE_TARGET
    assert takes.hires and confidence.with_hires is not None
    assert takes.cut_items and confidence.with_cut is not None
    # Without the cut item there is less to do before the deadline: never less likely.
    assert confidence.with_cut >= confidence.as_planned
    if confidence.with_hires < CONFIDENCE_TARGET:
        # more people were tried until the chance reached the target or stopped rising
        assert confidence.more_hires and confidence.with_more_hires is not None
        assert confidence.with_more_hires > confidence.with_hires
        assert confidence.reached == confidence.with_more_hires
    else:
        assert not confidence.more_hires and confidence.with_more_hires is None
    # The same inputs give the same chances.
    again = what_it_takes(ws, roadmap, OPTIONS, ramp_up_days=0)
    assert again.confidence == confidence


def test_met_deadlines_still_get_the_hires_that_make_them_likely_enough() -> None:
    from roadwise.views.cli.roadmap import deadline_confidence_sentence

    ws = _workspace(deadline_days=26)
    roadmap = plan_roadmap(ws, OPTIONS)
    takes = what_it_takes(ws, roadmap, OPTIONS, ramp_up_days=0)
    assert takes.late_before == 0 and not takes.hires
    confidence = takes.confidence
    assert confidence is not None and confidence.with_hires is None
    assert confidence.as_planned < CONFIDENCE_TARGET  # the plan's dates at one item a week
    assert [h.team for h in confidence.more_hires] == ["a"]  # b's pace does not help a's work
    assert confidence.with_more_hires is not None
    assert confidence.with_more_hires >= CONFIDENCE_TARGET
    key, due, lowest = confidence.least_likely
    assert key.startswith("A-") and due == START + dt.timedelta(days=26)
    assert confidence.as_planned <= lowest < 1
    sentence = deadline_confidence_sentence(confidence)
    assert sentence.startswith(
        "Chance every hard deadline is met, this what-if plan (not the stored roadmap, whose "
        "chance `roadwise forecast roadmap` gives) replayed 2,000 times at each team's "
        f"calibrated pace: {chance_percent(confidence.as_planned)} as planned (least likely: "
        f"{key} by {due.isoformat()}, {chance_percent(lowest)})."
    )
    people = confidence.more_hires[0].people
    assert (
        f"To be 85% sure: hire {people} on a ({chance_percent(confidence.with_more_hires)})."
        in sentence
    )


def test_the_chance_is_in_the_cli_json_and_sentence(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    db = tmp_path / "rw.db"
    with open_store(db) as store:
        store.replace(_workspace(deadline_days=20))
    args = ["capacity", "--what-if", "--time-limit", "1", "--sprints", "2", "--db", str(db)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    confidence = json.loads(result.stdout)["what_it_takes"]["confidence"]
    assert set(confidence) >= {"as_planned", "with_hires", "with_cut", "more_hires", "target"}
    assert 0 <= confidence["as_planned"] <= 1 and confidence["target"] == 0.85
    text = CliRunner().invoke(app, args)
    assert text.exit_code == 0, text.output
    flat = " ".join(text.output.split())
    assert f"{chance_percent(confidence['as_planned'])} as planned" in flat


def test_the_demo_says_how_often_the_hard_deadlines_hold_together(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from roadwise.engines.forecast.objectives import deadline_chances_in
    from roadwise.sample import generate_sample
    from roadwise.views.demo import DemoContext
    from roadwise.views.demo_steps.forecast import forecast_step
    from roadwise.workspace import open_store

    db = tmp_path / "x.db"
    ws = generate_sample(seed=7)
    open_store(db).replace(ws)
    printed = io.StringIO()
    ctx = DemoContext(out_dir=tmp_path, db_url=str(db), console=Console(file=printed, width=300))
    ctx.workspace = ws
    forecast_step(ctx)
    roadmap = ctx.results["delivery"].simulation.roadmap
    together = deadline_chances_in(ws, roadmap)
    assert together is not None and len(together.each) == 4
    key, lowest = together.least_likely
    assert (
        f"All 4 hard deadlines hold together in {chance_percent(together.every)} of the same "
        f"trials (least likely on its own: {key}, {chance_percent(lowest)})"
    ) in printed.getvalue()


def test_forecast_roadmap_says_how_often_they_hold_together(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    db = tmp_path / "rw.db"
    with open_store(db) as store:
        store.replace(_workspace(deadline_days=24))
    args = ["forecast", "roadmap", "--trials", "1000", "--db", str(db)]
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    together = data["hard_deadlines"]
    each = {i["key"]: i["p_deadline"] for i in data["items"] if i["p_deadline"] is not None}
    assert together["each"] == pytest.approx(each) and len(each) == 4
    assert 0 < together["all_met"] <= min(each.values())
    text = CliRunner().invoke(app, args)
    flat = " ".join(text.output.split())
    assert f"All 4 hard deadline(s) met together in {chance_percent(together['all_met'])}" in flat


def test_why_the_chance_stays_short_is_said_not_guessed() -> None:
    from roadwise.engines.schedule.needs import hires_for_confidence

    ws = _workspace(deadline_days=20)
    order = _order(plan_roadmap(ws, OPTIONS))
    chance = hard_deadline_confidence(ws, order)
    assert chance is not None and chance < CONFIDENCE_TARGET
    # the cap, not the people, stops the search
    more, reached, why = hires_for_confidence(ws, order, chance, max_hires=1)
    assert sum(more.values()) == 1 and why == "the search stops at 1 added person"
    assert reached > chance
    # nobody listed: a hire cannot be weighed (it crashed the web page before)
    unlisted = ws.model_copy(
        update={"teams": [t.model_copy(update={"people": []}) for t in ws.teams]}
    )
    assert hires_for_confidence(unlisted, order, chance) == (
        {},
        chance,
        "no team lists its people, so a hire cannot be weighed",
    )
    # enough people: nothing is short
    assert hires_for_confidence(ws, order, chance)[2] == ""


def test_a_hard_deadline_the_replay_cannot_date_is_named_not_counted() -> None:
    ws = _workspace(deadline_days=24)
    orphan = Item(
        key="Z-1",
        title="work for a team without history",
        team="c",
        estimate=Estimate(low=1, likely=2, high=3, unit="person_days"),
        deadline=Deadline(date=START + dt.timedelta(days=5), hard=True),
    )
    with_c = ws.model_copy(
        update={"teams": [*ws.teams, _team("c", 1)], "items": [*ws.items, orphan]}
    )
    roadmap = plan_roadmap(with_c, OPTIONS)
    chances = hard_deadline_chances(with_c, _order(roadmap))
    assert chances is not None
    assert chances.not_replayed == ("Z-1",) and "Z-1" not in chances.each
    assert chances.every > 0  # team c's missing history is not counted as a missed date


def test_a_hire_adds_nothing_before_joining_then_ramps_up_to_a_full_member() -> None:
    from roadwise.engines.forecast.objectives import hire_pace

    ws = _workspace(people=2)
    now = hire_pace(ws, "a", 1, joins=None, ramp_up_days=0)
    assert now[0] == now[-1] == pytest.approx(1.5)  # one more of two: half again the pace
    later = hire_pace(ws, "a", 2, joins=START + dt.timedelta(days=14), ramp_up_days=28)
    assert later[0] == later[1] == 1.0  # weeks 0 and 1: not there yet
    assert later[2] == pytest.approx(1 + 2 * (3.5 / 28) / 2)  # the middle of its first week
    assert later[6] == later[-1] == pytest.approx(2.0)  # ramped up: two full members
    assert list(later) == sorted(later)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    early=st.integers(min_value=0, max_value=30),
    delay=st.integers(min_value=0, max_value=30),
    ramp=st.integers(min_value=0, max_value=60),
)
def test_a_later_or_slower_hire_never_makes_the_deadlines_likelier(
    early: int, delay: int, ramp: int
) -> None:
    from roadwise.engines.forecast.objectives import hire_pace

    ws = _workspace(deadline_days=24)
    order = _order(plan_roadmap(ws, OPTIONS))

    def chance(joins_in: int, ramp_up: int) -> float:
        pace = hire_pace(
            ws, "a", 1, joins=START + dt.timedelta(days=joins_in), ramp_up_days=ramp_up
        )
        found = hard_deadline_confidence(ws, order, speedup={"a": pace})
        assert found is not None
        return found

    assert chance(early + delay, ramp) <= chance(early, ramp)
    assert chance(early, ramp + delay) <= chance(early, ramp)


def _chain_workspace(deadlines: list[bool], deps: list[int | None]) -> Workspace:
    """One team, items of exactly one item each; item i waits for item deps[i] (an earlier one)."""
    return Workspace(
        name="first",
        as_of=START,
        teams=[_team("a", 1)],
        items=[
            Item(
                key=f"A-{i}",
                title=f"work {i}",
                team="a",
                deadline=Deadline(date=START + dt.timedelta(days=30), hard=True) if due else None,
                dependencies=[{"item": f"A-{d}"}] if d is not None else [],
            )
            for i, (due, d) in enumerate(zip(deadlines, deps, strict=True))
        ],
        history=_history("a"),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_deadline_work_first_only_moves_deadline_work_and_what_it_waits_for(
    data: st.DataObject,
) -> None:
    """Each team's hard-deadline work and everything it waits for comes first, both parts in
    the plan's order; nothing is lost; and replayed, no hard deadline is met less often."""
    from roadwise.engines.forecast.objectives import deadline_work_first

    n = data.draw(st.integers(2, 9))
    deadlines = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    deps = [data.draw(st.none() | st.integers(0, i - 1)) if i else None for i in range(n)]
    ws = _chain_workspace(deadlines, deps)
    # A plan order that respects the dependencies: a shuffled topological order.
    order: list[int] = []
    left = list(range(n))
    rnd = random.Random(data.draw(st.integers(0, 1000)))
    while left:
        ready = [i for i in left if deps[i] is None or deps[i] in order]
        pick = rnd.choice(ready)
        order.append(pick)
        left.remove(pick)
    end = START + dt.timedelta(days=90)
    planned = tuple((f"A-{i}", "a", START + dt.timedelta(days=k), end) for k, i in enumerate(order))
    first = deadline_work_first(ws, planned)
    assert sorted(p[0] for p in first) == sorted(p[0] for p in planned)
    assert {p[3] for p in first} == {end}
    keys = [p[0] for p in sorted(first, key=lambda p: p[2])]
    moved = set()
    for i in range(n):
        if deadlines[i]:
            j: int | None = i
            while j is not None:
                moved.add(f"A-{j}")
                j = deps[j]
    assert set(keys[: len(moved)]) == moved
    plan_keys = [p[0] for p in planned]
    for part in (keys[: len(moved)], keys[len(moved) :]):
        assert part == [k for k in plan_keys if k in set(part)]
    if any(deadlines):
        before = hard_deadline_chances(ws, QueueOrder(planned=planned), trials=300)
        after = hard_deadline_chances(ws, QueueOrder(planned=first), trials=300)
        assert before is not None and after is not None
        for key, chance in before.each.items():
            assert after.each[key] >= chance - 1e-9


def test_starting_deadline_work_first_is_offered_when_it_helps() -> None:
    """Work worth more than the deadline work pushes it back in the plan: starting it first is
    the change with no hire, and the sentence says how likely the deadlines then are."""
    from roadwise.domain.model import ValueInputs
    from roadwise.engines.forecast.objectives import deadline_work_first
    from roadwise.views.cli.roadmap import deadline_confidence_sentence

    # A plan that does the deadline work last, by hand: one item a week, due in five weeks.
    ws = _chain_workspace([False] * 4 + [True] * 4, [None] * 8)
    planned = tuple(
        (f"A-{i}", "a", START + dt.timedelta(days=i), START + dt.timedelta(days=60))
        for i in range(8)
    )
    last = hard_deadline_confidence(ws, QueueOrder(planned=planned), trials=500)
    first = hard_deadline_confidence(
        ws, QueueOrder(planned=deadline_work_first(ws, planned)), trials=500
    )
    assert last is not None and first is not None and first > last + 0.3

    valued = _workspace(deadline_days=50)
    valued = valued.copy_with(
        items=[
            i.model_copy(update={"value": ValueInputs(cost_of_delay=10_000.0)})
            if i.deadline is None
            else i
            for i in valued.items
        ]
    )
    roadmap = plan_roadmap(valued, OPTIONS)
    confidence = what_it_takes(valued, roadmap, OPTIONS, ramp_up_days=0).confidence
    assert confidence is not None and confidence.deadline_first is not None
    assert confidence.deadline_first >= confidence.as_planned
    said = "each team starting its hard-deadline work first" in deadline_confidence_sentence(
        confidence
    )
    differs = chance_percent(confidence.deadline_first) != chance_percent(confidence.as_planned)
    assert said == (confidence.deadline_first > confidence.as_planned and differs)
    # The valued work waits for the deadline work: that costs, it never saves here.
    assert confidence.deadline_first_cost >= 0
    if said and confidence.deadline_first_cost >= 0.5:
        assert "more cost of delay" in deadline_confidence_sentence(confidence, "USD")


def test_the_expected_cost_of_delay_is_each_items_weeks_times_its_cost() -> None:
    """One item a week, exactly: item k is done at the end of week k + 1."""
    from roadwise.domain.model import ValueInputs
    from roadwise.engines.forecast.objectives import expected_cost_of_delay
    from roadwise.engines.forecast.roadmap import RoadmapItem, TeamFlow, simulate_roadmap

    ws = _chain_workspace([False] * 4, [None] * 4)
    costs = [1000.0, 0.0, 250.0, 70.0]
    ws = ws.copy_with(
        items=[
            i.model_copy(update={"value": ValueInputs(cost_of_delay=c)})
            for i, c in zip(ws.items, costs, strict=True)
        ]
    )
    one = Estimate(low=1, likely=1, high=1)
    items = [RoadmapItem(f"A-{k}", "a", one) for k in range(4)]
    flows = {"a": TeamFlow(np.full(30, 1.0))}
    forecast = simulate_roadmap(items, flows, START, trials=50)
    expected = sum(c * (k + 1) for k, c in enumerate(costs))
    assert expected_cost_of_delay(ws, forecast) == pytest.approx(expected)
    backwards = simulate_roadmap(items[::-1], flows, START, trials=50)
    assert expected_cost_of_delay(ws, backwards) == pytest.approx(
        sum(c * (4 - k) for k, c in enumerate(costs))
    )


def test_hires_are_weighed_only_where_they_can_move_a_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Team b's work neither has a deadline nor is waited for: a hire there cannot change the
    chance, so the search does not replay it, and finds what it found when it did."""
    from roadwise.engines.schedule import needs

    base = _workspace(deadline_days=20)
    b_work = [
        Item(
            key=f"B-{i}",
            title=f"b work {i}",
            team="b",
            skills=["x"],
            estimate=Estimate(low=4, likely=5, high=8, unit="person_days"),
        )
        for i in range(3)
    ]
    ws = base.copy_with(items=[*base.items, *b_work])
    order = _order(plan_roadmap(ws, OPTIONS))
    assert needs.teams_deadlines_wait_on(ws, order) == {"a"}
    waits = ws.copy_with(
        items=[
            i.model_copy(update={"dependencies": [Dependency(item="B-0")]}) if i.key == "A-7" else i
            for i in ws.items
        ]
    )
    assert needs.teams_deadlines_wait_on(waits, _order(plan_roadmap(waits, OPTIONS))) == {"a", "b"}

    chance = hard_deadline_confidence(ws, order)
    assert chance is not None and chance < CONFIDENCE_TARGET
    replays: list[object] = []
    weigh = needs.hard_deadline_confidence

    def counted(*args: object, **kwargs: object) -> float | None:
        replays.append(kwargs.get("speedup"))
        return weigh(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(needs, "hard_deadline_confidence", counted)
    found = needs.hires_for_confidence(ws, order, chance, max_hires=2)
    only_a = len(replays)
    replays.clear()
    monkeypatch.setattr(needs, "teams_deadlines_wait_on", lambda *_: frozenset({"a", "b"}))
    assert needs.hires_for_confidence(ws, order, chance, max_hires=2) == found
    assert only_a < len(replays)
