"""Targets in the roadmap: a release's date and a soft deadline, reported always and, with
``RoadmapOptions.targets`` (``plan roadmap --hold-targets``), planned for."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from roadwise.domain.model import (
    Cycles,
    Deadline,
    Estimate,
    Item,
    ItemKind,
    Person,
    Release,
    Status,
    Team,
    ValueInputs,
)
from roadwise.domain.workspace import Workspace
from roadwise.engines.schedule.roadmap import (
    Roadmap,
    RoadmapOptions,
    build_inputs,
    item_target,
    plan_roadmap,
)
from roadwise.views.cli import app
from roadwise.workspace import open_store
from test_schedule_roadmap import START, check_plan, make_workspace

FAST = {"time_limit": 2.0, "workers": 2, "baseline": True}
RELEASE = Release(key="R1", name="Spring", date=START + dt.timedelta(days=11))


def _story(key: str, cod: float, days: float, **extra: object) -> Item:
    return Item(
        key=key,
        title=key,
        status=Status.READY,
        estimate=Estimate(low=days, likely=days, high=days),
        value=ValueInputs(cost_of_delay=cod),
        **extra,  # type: ignore[arg-type]
    )


def one_person_workspace() -> Workspace:
    """One person; the valuable item takes about two and a half weeks, the release's item one
    and a bit, and the release ends after two weeks: only one of them can go first."""
    team = Team(key="t", name="T", people=[Person(key="p", name="P")], country="GB")
    items = [
        _story("BIG", 5000.0, 8),
        _story("SHIP", 100.0, 4, release="R1"),
    ]
    return Workspace(
        name="targets",
        as_of=START,
        teams=[team],
        items=items,
        cycles=Cycles(first_sprint_start=START, releases=[RELEASE]),
    )


def test_a_target_is_the_earliest_soft_deadline_or_release_on_or_above_the_item() -> None:
    later = Release(key="R2", name="Summer", date=START + dt.timedelta(days=60))
    feature = Item(key="F", title="F", kind=ItemKind.FEATURE, release="R2")
    items = [
        feature,
        _story("A", 1, 1, parent="F"),  # the feature's release
        _story(
            "B", 1, 1, parent="F", deadline=Deadline(date=START + dt.timedelta(days=30))
        ),  # its own soft deadline is earlier
        _story("C", 1, 1, parent="F", release="R1"),  # its own release, the nearest
        _story("D", 1, 1, deadline=Deadline(date=START, hard=True)),  # hard: no target
    ]
    ws = Workspace(
        name="t",
        as_of=START,
        items=items,
        cycles=Cycles(first_sprint_start=START, releases=[RELEASE, later]),
    )
    by = ws.item_by_key
    assert item_target(ws, by["A"]) == (later.date, "F's release Summer")
    assert item_target(ws, by["B"]) == (START + dt.timedelta(days=30), "its soft deadline")
    assert item_target(ws, by["C"]) == (RELEASE.date, "its release Spring")
    assert item_target(ws, by["D"]) is None
    assert item_target(ws, by["F"]) == (later.date, "its release Summer")


def test_targets_are_reported_and_held_only_when_asked() -> None:
    ws = one_person_workspace()
    free = plan_roadmap(ws, RoadmapOptions(**FAST))  # type: ignore[arg-type]
    held = plan_roadmap(ws, RoadmapOptions(targets=True, **FAST))  # type: ignore[arg-type]
    for plan in (free, held):
        check_plan(ws, plan)
        assert plan.summary.proven_optimal
    # By cost of delay alone the valuable item goes first and the release's item misses its
    # date; holding targets puts the release's item first.
    ship = free.item("SHIP")
    assert ship.start > free.item("BIG").start
    assert ship.target == RELEASE.date and ship.target_reason == "its release Spring"
    assert ship.end > RELEASE.date and ship.behind_target_days > 0
    assert [s.key for s in free.behind_targets()] == ["SHIP"]
    assert free.summary.behind_targets == 1
    assert held.item("SHIP").end <= RELEASE.date
    assert held.item("SHIP").behind_target_days == 0
    assert held.behind_targets() == () and held.summary.behind_targets == 0
    # The price of holding it, in the plan's own terms.
    assert held.summary.cost_of_delay > free.summary.cost_of_delay
    # The CSV and the stored rows say it too.
    row = next(r for r in free.records() if r["item"] == "SHIP")
    assert row["target"] == RELEASE.date.isoformat()
    assert row["behind_target_days"] == ship.behind_target_days


def _with_releases(ws: Workspace, seed: int) -> Workspace:
    rng = random.Random(seed)
    releases = [
        Release(key=f"R{k}", name=f"R{k}", date=START + dt.timedelta(days=days))
        for k, days in enumerate((10, 25, 45))
    ]
    items = [
        i.model_copy(update={"release": rng.choice([None, "R0", "R1", "R2"])})
        if i.kind != ItemKind.EPIC
        else i
        for i in ws.items
    ]
    return ws.model_copy(
        update={"items": items, "cycles": Cycles(first_sprint_start=START, releases=releases)}
    )


def _solver_days_behind(ws: Workspace, plan: Roadmap) -> int:
    problem = build_inputs(ws, RoadmapOptions(targets=True)).problem
    target = {t.key: t.target for t in problem.tasks}
    return sum(
        max(0, s.end_day - day) for s in plan.items if (day := target.get(s.key)) is not None
    )


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000))
def test_holding_targets_keeps_every_rule_and_never_leaves_more_behind(seed: int) -> None:
    ws = _with_releases(make_workspace(seed, n_items=6, deadlines=True), seed)
    free = plan_roadmap(ws, RoadmapOptions(**FAST))  # type: ignore[arg-type]
    held = plan_roadmap(ws, RoadmapOptions(targets=True, **FAST))  # type: ignore[arg-type]
    check_plan(ws, held)  # capacity, dependencies, skills and hard deadlines still hold
    if free.summary.proven_optimal and held.summary.proven_optimal:
        # The plan that holds targets pays for every day behind them; one that does not pays
        # only for delay, and its delay is the least there is: so, both optimal, the first
        # can be no further behind than the second.
        assert _solver_days_behind(ws, held) <= _solver_days_behind(ws, free)


def test_plan_roadmap_says_what_is_behind_target_and_holds_it_when_asked(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = str(tmp_path / "rw.db")
    with open_store(db) as store:
        store.replace(one_person_workspace())
    base = ["plan", "roadmap", "--db", db, "--time-limit", "2", "--workers", "2", "--no-save"]
    free = CliRunner().invoke(app, base)
    assert free.exit_code == 0, free.output
    text = " ".join(free.output.split())
    assert "behind target: 1 item(s) end after their release's date or soft deadline: SHIP" in text
    assert "release Spring" in text and "--hold-targets weighs each day behind" in text
    assert "Behind a release date or soft deadline: 1 item(s) in the plan" in text
    held = CliRunner().invoke(app, [*base, "--hold-targets"])
    assert held.exit_code == 0, held.output
    assert "behind target:" not in held.output


def test_a_plan_made_holding_targets_is_checked_against_a_replan_that_holds_them(
    tmp_path,  # type: ignore[no-untyped-def]
) -> None:
    """The views' "worth re-planning?" check must not recommend undoing the targets a plan was
    made to hold: the stored plan says it held them, and the check holds them too."""
    from roadwise.views.cli.workspace import _replan_gain

    db = str(tmp_path / "rw.db")
    ws = one_person_workspace()
    with open_store(db) as store:
        store.replace(ws)
    args = ["plan", "roadmap", "--db", db, "--time-limit", "2", "--workers", "2"]
    assert CliRunner().invoke(app, [*args, "--hold-targets"]).exit_code == 0
    with open_store(db) as store:
        store.upsert_item(_story("SMALL", 0.0, 1))  # added since: the stored plan is replayed
        gain = _replan_gain(store, store.load())
    assert gain is not None
    assert gain.shown.behind_targets == 0
    assert gain.replanned.behind_targets == 0 and gain.replanned.targets_held


def test_the_web_compares_a_scenario_holding_targets_as_the_roadmap_of_record_does(
    tmp_path,  # type: ignore[no-untyped-def]
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    import roadwise.engines.scenario as scenarios
    from roadwise.views.web.service import Service

    db = str(tmp_path / "rw.db")
    with open_store(db) as store:
        store.replace(one_person_workspace())
    args = ["plan", "roadmap", "--db", db, "--time-limit", "2", "--workers", "2"]
    assert CliRunner().invoke(app, [*args, "--hold-targets"]).exit_code == 0
    add = ["scenario", "add", "slower", "--set", "item:BIG.estimate.high=12", "--db", db]
    assert CliRunner().invoke(app, add).exit_code == 0, "scenario"
    held: list[bool] = []
    plan = scenarios.plan_for_comparison

    def recording(ws: Workspace, *args: Any, **kwargs: Any) -> Roadmap:
        roadmap = plan(ws, *args, **kwargs)
        held.append(roadmap.summary.targets_held)
        return roadmap

    monkeypatch.setattr(scenarios, "plan_for_comparison", recording)
    with open_store(db) as store:
        assert Service(store).compare_scenario("slower") is not None
    assert held == [True, True]  # both sides, planned by the same search
