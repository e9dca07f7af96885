"""Scenario sweeps: the grid, the waves, each point's plan, the fewest people that meet every
hard deadline, and ``roadwise scenario sweep`` (here and on a local Dask cluster)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from roadwise.domain.model import (
    Deadline,
    Estimate,
    Item,
    Person,
    Scenario,
    ScenarioChange,
    Status,
    Team,
    ValueInputs,
)
from roadwise.domain.workspace import Workspace
from roadwise.engines.sweep import (
    SweepOutcome,
    SweepPoint,
    SweepSettings,
    check_points,
    closest,
    fewest_people,
    point_workspace,
    start_of,
    sweep_points,
    waves,
)
from roadwise.errors import ValidationError
from roadwise.views.cli import app
from roadwise.views.scenario_sweep import run_sweep
from roadwise.workspace import open_store

START = dt.date(2026, 3, 2)
FAST = SweepSettings(rounds=5, time_limit=5)
runner = CliRunner()


def _team(key: str, people: int) -> Team:
    return Team(
        key=key,
        name=key.title(),
        country="GB",
        focus_factor=1.0,
        unplanned_share=0.0,
        people=[Person(key=f"{key}{i}", name=f"{key} {i}", skills=["x"]) for i in range(people)],
    )


def _workspace(days: float = 5.0) -> Workspace:
    """Eight items of ``days`` person-days on team a (one person); the last four are due 20
    calendar days in: with 5-day items one person cannot make it, two can."""
    due = START + dt.timedelta(days=20)
    items = [
        Item(
            key=f"A-{i}",
            title=f"work {i}",
            team="a",
            skills=["x"],
            estimate=Estimate(low=days, likely=days, high=days, unit="person_days"),
            value=ValueInputs(cost_of_delay=100.0 + i),
            deadline=Deadline(date=due, hard=True) if i >= 4 else None,
        )
        for i in range(8)
    ]
    done = Item(
        key="OLD-1",
        title="shipped",
        team="a",
        status=Status.DONE,
        estimate=Estimate(low=3, likely=3, high=3, unit="person_days"),
    )
    scenario = Scenario(
        key="lean",
        name="Lean",
        changes=[ScenarioChange(entity="item", key="A-7", action="remove")],
    )
    return Workspace(
        name="w",
        as_of=START,
        teams=[_team("a", 1), _team("b", 1)],
        items=[*items, done],
        scenarios=[scenario],
    )


def test_the_grid_holds_every_combination_once_in_a_stable_order() -> None:
    points = sweep_points(
        scenarios=[None, "lean", None],
        estimate_factors=[1, 1.5, 1],
        hires={"a": [0, 1, 2, 1], "b": [0, 1]},
    )
    assert len(points) == 2 * 2 * 3 * 2
    assert len(set(points)) == len(points)
    assert points[0] == SweepPoint(None, 1.0, (("a", 0), ("b", 0)))
    assert points[1].hires == (("a", 0), ("b", 1)) and points[2].hires == (("a", 1), ("b", 0))
    assert points[-1] == SweepPoint("lean", 1.5, (("a", 2), ("b", 1)))
    assert points[-1].people_added == 3
    assert points[-1].label == "lean, estimates ×1.5, a +2, b +1"
    assert points[0].label == "base"
    for bad in (0, float("inf"), float("nan")):
        with pytest.raises(ValidationError, match="above 0"):
            sweep_points(estimate_factors=[1, bad])
    with pytest.raises(ValidationError, match="0 or more"):
        sweep_points(hires={"a": [-1]})


def test_waves_go_by_people_added_and_always_start_without_hires() -> None:
    points = sweep_points(estimate_factors=[1, 2], hires={"a": [1, 2], "b": [1]})
    levels = waves(points)
    assert [sorted({p.people_added for p in wave}) for wave in levels] == [[0], [2], [3]]
    assert {(p.estimate_factor, p.hires) for p in levels[0]} == {
        (1.0, (("a", 0), ("b", 0))),
        (2.0, (("a", 0), ("b", 0))),
    }
    assert {p for wave in levels[1:] for p in wave} == set(points)
    assert sum(len(w) for w in levels[1:]) == len(points)


def test_names_are_checked_before_any_planning() -> None:
    ws = _workspace()
    check_points(ws, sweep_points(scenarios=[None, "lean"], hires={"a": [0, 1]}))
    with pytest.raises(ValidationError, match="no team 'c' \\(teams: a, b\\)"):
        check_points(ws, sweep_points(hires={"c": [1]}))
    with pytest.raises(ValidationError, match="no scenario 'bold' \\(scenarios: lean\\)"):
        check_points(ws, sweep_points(scenarios=["bold"]))


def test_a_point_scales_open_estimates_after_its_scenario() -> None:
    ws = _workspace()
    changed = point_workspace(ws, SweepPoint("lean", 1.5, ()))
    by_key = changed.item_by_key
    assert "A-7" not in by_key  # the scenario removed it
    estimate = by_key["A-0"].estimate
    assert estimate is not None and (estimate.low, estimate.likely, estimate.high) == (7.5,) * 3
    assert by_key["OLD-1"].estimate == ws.item_by_key["OLD-1"].estimate  # finished: as it was
    assert point_workspace(ws, SweepPoint(None, 1.0, ())) is ws


def test_a_hire_meets_the_deadlines_one_person_cannot() -> None:
    ws = _workspace()
    points = sweep_points(estimate_factors=[0.5, 1], hires={"a": [0, 1]})
    run = run_sweep(ws, points, SweepSettings(rounds=5, time_limit=5, ramp_up_days=0))
    by_point = {o.point: o for o in run.outcomes}
    alone = by_point[SweepPoint(None, 1.0, (("a", 0),))]
    helped = by_point[SweepPoint(None, 1.0, (("a", 1),))]
    assert alone.late >= 1 and alone.late_days > 0
    assert helped.late == 0 and helped.cost_of_delay <= alone.cost_of_delay
    assert run.saved(helped) == alone.cost_of_delay - helped.cost_of_delay
    assert all(o.method == "cp-sat-lns" for o in run.outcomes)  # deterministic search
    best = fewest_people(run.outcomes)
    assert best[(None, 1.0)] == helped
    half = best[(None, 0.5)]  # half the work: one person is enough
    assert half is not None and half.point.people_added == 0


def test_the_rounds_not_the_clock_bound_the_search() -> None:
    from roadwise.engines.sweep import SWEEP_ROUNDS
    from roadwise.views.cli.scenario_sweep import SWEEP_ROUNDS_DEFAULT

    assert SweepSettings().rounds == SWEEP_ROUNDS == SWEEP_ROUNDS_DEFAULT
    assert SweepSettings(rounds=100, time_limit=20).wall_clock_cap == 100
    assert SweepSettings(rounds=5, time_limit=20).wall_clock_cap == 20


def test_fewest_people_prefers_fewer_then_cheaper_and_says_none() -> None:
    def outcome(hires: tuple[tuple[str, int], ...], late: int, cost: float) -> SweepOutcome:
        return SweepOutcome(SweepPoint(None, 1.0, hires), cost, None, late, late * 3, "x")

    a1, b1 = outcome((("a", 1), ("b", 0)), 0, 90.0), outcome((("a", 0), ("b", 1)), 0, 80.0)
    both = outcome((("a", 1), ("b", 1)), 0, 10.0)
    none = outcome((("a", 0), ("b", 0)), 2, 100.0)
    assert fewest_people([none, a1, both, b1]) == {(None, 1.0): b1}
    assert fewest_people([none]) == {(None, 1.0): None}
    # With none on time, the nearest: fewest items late, then days, then people.
    worse = outcome((("a", 1), ("b", 0)), 3, 50.0)
    assert closest([none, worse], None, 1.0) == none
    assert none.point.hires_label == "" and both.point.hires_label == "a +1, b +1"


def test_a_point_starts_from_the_best_plan_with_no_more_people_anywhere() -> None:
    def outcome(hires: tuple[tuple[str, int], ...], cost: float) -> SweepOutcome:
        placements = {"X": (str(cost), (0,))}
        return SweepOutcome(SweepPoint(None, 1.0, hires), cost, None, 0, 0, "x", placements)

    planned = [
        outcome((("a", 0), ("b", 0)), 100.0),
        outcome((("a", 1), ("b", 0)), 80.0),
        outcome((("a", 0), ("b", 1)), 70.0),
        outcome((("a", 2), ("b", 0)), 10.0),  # more on a than the point has: not a start
    ]
    start = start_of(SweepPoint(None, 1.0, (("a", 1), ("b", 1))), planned)
    assert start == {"X": ("70.0", (0,))}
    assert start_of(SweepPoint(None, 2.0, (("a", 1), ("b", 1))), planned) is None


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    days=st.sampled_from([2.0, 4.0, 6.0]),
    order=st.randoms(use_true_random=False),
)
def test_more_people_never_cost_more_and_order_does_not_matter(
    days: float, order: random.Random
) -> None:
    ws = _workspace(days)
    points = sweep_points(hires={"a": [0, 1, 2], "b": [0, 1]})
    shuffled = list(points)
    order.shuffle(shuffled)
    run = run_sweep(ws, points, FAST)
    again = run_sweep(ws, shuffled, FAST)
    assert {o.point: o for o in run.outcomes} == {o.point: o for o in again.outcomes}
    assert [o.point for o in again.outcomes] == shuffled  # given back in the order asked
    by_point = {o.point: o for o in run.outcomes}
    for p in points:
        for q in points:
            if p != q and all(n <= dict(q.hires)[t] for t, n in p.hires):
                fewer, more = by_point[p], by_point[q]
                assert (more.late_days, more.cost_of_delay) <= (
                    fewer.late_days,
                    fewer.cost_of_delay,
                ) or more.late_days < fewer.late_days


def _stored(tmp_path: Path) -> str:
    db = str(tmp_path / "rw.db")
    store = open_store(db)
    store.replace(_workspace())
    return db


def test_cli_sweep_table_json_csv_and_errors(tmp_path: Path) -> None:
    db = _stored(tmp_path)
    base = ["scenario", "sweep", "--db", db, "--rounds", "5", "--ramp-up", "0"]
    out = runner.invoke(app, [*base, "--hire", "a=0,1", "--estimates", "1,0.5"])
    assert out.exit_code == 0, out.output
    flat = " ".join(out.output.split())
    assert "Sweep: 4 plans on this process" in flat
    assert "base, estimates ×1: every hard deadline met with 1 more (a +1)" in flat
    assert "base, estimates ×0.5: every hard deadline met with no one added." in flat

    sheet = tmp_path / "sweep.csv"
    out = runner.invoke(
        app,
        [*base, "--hire", "a=0,1", "--scenarios", "base,lean", "--json", "--csv", str(sheet)],
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert [(p["scenario"], p["hires"]["a"]) for p in data["points"]] == [
        ("base", 0),
        ("base", 1),
        ("lean", 0),
        ("lean", 1),
    ]
    assert data["points"][0]["late"] >= 1 and data["points"][1]["late"] == 0
    # Without A-7 (one of the deadline items) one person makes it.
    assert {f["scenario"]: f["people_added"] for f in data["fewest_people"]} == {
        "base": 1,
        "lean": 0,
    }
    rows = list(csv.DictReader(sheet.open(encoding="utf-8")))
    assert [r["hires"] for r in rows] == ["", "a+1", "", "a+1"]
    assert float(rows[1]["saved"]) == data["points"][1]["saved"]

    for args, message in (
        (["--hire", "a"], "'a' is not TEAM=N,N,…"),
        (["--hire", "a=1,x"], "'x' in 'a=1,x' is not a whole number of people"),
        (["--hire", "a=1", "--hire", "a=2"], "team a is given twice"),
        (["--hire", "c=1"], "no team 'c'"),
        (["--estimates", "1,fast"], "'fast' is not a number"),
        (["--scenarios", "bold"], "no scenario 'bold'"),
        (["--joins", "soon"], "'soon' is not a date"),
        (["--workers", "2", "--cluster", "tcp://127.0.0.1:9"], "give one or the other"),
    ):
        out = runner.invoke(app, [*base, *args])
        assert out.exit_code == 1, (args, out.output)
        assert message in " ".join(out.output.split()), (args, out.output)


def test_cli_sweep_on_a_local_dask_cluster_gives_the_same_numbers(tmp_path: Path) -> None:
    pytest.importorskip("dask.distributed")
    db = _stored(tmp_path)
    args = ["scenario", "sweep", "--db", db, "--rounds", "5", "--hire", "a=0,1,2", "--json"]
    here = runner.invoke(app, args)
    there = runner.invoke(app, [*args, "--workers", "2"])
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    on_dask = json.loads(there.output)
    assert on_dask["workers"] == 2 and "local Dask cluster" in on_dask["where"]
    assert json.loads(here.output)["points"] == on_dask["points"]


def test_cli_sweep_holds_targets_where_the_roadmap_of_record_held_them(tmp_path: Path) -> None:
    """Every point keeps the release dates the roadmap of record was planned to keep: a sweep
    around it measures hires and estimate error under the same promises."""
    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from test_schedule_targets import one_person_workspace

    db = str(tmp_path / "rw.db")
    ws = one_person_workspace()
    with open_store(db) as store:
        store.replace(ws)
    fast = RoadmapOptions(time_limit=2.0, workers=2, baseline=False)
    free = plan_roadmap(ws, fast).summary.cost_of_delay
    held = plan_roadmap(ws, replace(fast, targets=True)).summary.cost_of_delay
    assert held > free  # holding the release's date costs delay here
    sweep = ["scenario", "sweep", "--db", db, "--rounds", "5", "--time-limit", "2"]

    def swept(args: list[str]) -> dict[str, Any]:
        out = runner.invoke(app, [*args, "--json"])
        assert out.exit_code == 0, out.output
        data: dict[str, Any] = json.loads(out.output)
        return data

    # No roadmap of record: by cost of delay, as before.
    data = swept(sweep)
    assert data["points"][0]["cost_of_delay"] == pytest.approx(free)
    assert data["targets_held"] is False
    assert "Targets held" not in runner.invoke(app, sweep).output
    data = swept([*sweep, "--hold-targets"])
    assert data["points"][0]["cost_of_delay"] == pytest.approx(held) and data["targets_held"]
    plan = ["plan", "roadmap", "--db", db, "--time-limit", "2", "--workers", "2"]
    assert runner.invoke(app, [*plan, "--hold-targets"]).exit_code == 0
    data = swept(sweep)
    assert data["points"][0]["cost_of_delay"] == pytest.approx(held) and data["targets_held"]
    text = " ".join(runner.invoke(app, sweep).output.split())
    assert "Targets held, as the stored roadmap 'roadmap' of " in text
