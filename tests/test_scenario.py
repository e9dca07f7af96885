"""Scenarios: changes applied to a copy of the workspace, and plans compared side by side."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from roadwise.domain.model import (
    Dependency,
    Estimate,
    Item,
    Person,
    Scenario,
    ScenarioChange,
    Team,
    ValueInputs,
)
from roadwise.domain.workspace import Workspace
from roadwise.engines.scenario import apply_scenario, compare_roadmaps
from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
from roadwise.errors import ValidationError
from roadwise.views.reports.wording import say_money

START = dt.date(2026, 3, 2)


def _ws() -> Workspace:
    team = Team(
        key="t",
        name="T",
        people=[Person(key="p", name="P", skills=["x"])],
        focus_factor=1.0,
        unplanned_share=0.0,
    )
    items = [
        Item(
            key="A",
            title="A",
            estimate=Estimate(low=5, likely=5, high=5),
            skills=["x"],
            value=ValueInputs(cost_of_delay=100),
        ),
        Item(
            key="B",
            title="B",
            estimate=Estimate(low=5, likely=5, high=5),
            skills=["x"],
            dependencies=[Dependency(item="A")],
            value=ValueInputs(cost_of_delay=50),
        ),
        Item(
            key="C",
            title="C",
            estimate=Estimate(low=3, likely=3, high=3),
            skills=["x"],
            value=ValueInputs(cost_of_delay=10),
        ),
    ]
    return Workspace(name="s", as_of=START, teams=[team], items=items)


def test_set_remove_and_add_make_a_new_workspace() -> None:
    ws = _ws()
    scenario = Scenario(
        key="lean",
        name="Lean",
        changes=[
            ScenarioChange(entity="item", key="A", field="estimate.likely", value=2),
            ScenarioChange(entity="item", key="A", field="estimate.low", value=2),
            ScenarioChange(entity="item", key="C", action="remove"),
            ScenarioChange(entity="item", key="B", field="deadline.date", value="2026-04-01"),
            ScenarioChange(
                entity="person",
                key="t",
                action="add",
                value={"key": "q", "name": "Q", "skills": ["x"]},
            ),
            ScenarioChange(entity="team", key="t", field="focus_factor", value=0.5),
        ],
    )
    changed = apply_scenario(ws, scenario)
    assert changed.item_by_key["A"].estimate == Estimate(low=2, likely=2, high=5)
    assert "C" not in changed.item_by_key
    assert changed.item_by_key["B"].deadline is not None
    assert changed.item_by_key["B"].deadline.date == dt.date(2026, 4, 1)
    assert [p.key for p in changed.teams[0].people] == ["p", "q"]
    assert changed.teams[0].focus_factor == 0.5
    # The original is untouched.
    assert ws.item_by_key["A"].estimate == Estimate(low=5, likely=5, high=5)
    assert "C" in ws.item_by_key


def test_removing_an_item_drops_dependencies_on_it() -> None:
    changed = apply_scenario(
        _ws(),
        Scenario(
            key="s", name="s", changes=[ScenarioChange(entity="item", key="A", action="remove")]
        ),
    )
    assert changed.item_by_key["B"].dependencies == []


def test_bad_changes_name_the_change() -> None:
    with pytest.raises(ValidationError) as err:
        apply_scenario(
            _ws(),
            Scenario(
                key="s",
                name="s",
                changes=[ScenarioChange(entity="item", key="NOPE", field="title", value="x")],
            ),
        )
    assert err.value.field == "scenarios.s.changes.0.key"
    with pytest.raises(ValidationError, match="invalid"):
        apply_scenario(
            _ws(),
            Scenario(
                key="s",
                name="s",
                changes=[ScenarioChange(entity="item", key="A", field="estimate.likely", value=99)],
            ),
        )


def _a_bigger(ws: Workspace) -> Workspace:
    """``ws`` with item A's estimate raised to 8 (likely and high)."""
    return apply_scenario(
        ws,
        Scenario(
            key="big",
            name="big",
            changes=[
                ScenarioChange(entity="item", key="A", field="estimate.likely", value=8),
                ScenarioChange(entity="item", key="A", field="estimate.high", value=8),
            ],
        ),
    )


def test_compare_says_what_moved_and_why() -> None:
    ws = _ws()
    bigger = _a_bigger(ws)
    options = RoadmapOptions(time_limit=2, workers=2)
    a, b = plan_roadmap(ws, options), plan_roadmap(bigger, options)
    cmp = compare_roadmaps(ws, a, bigger, b, "base", "big")
    moves = {m.item: m for m in cmp.moves}
    assert moves["A"].shift_days == 3 and "estimate changed" in moves["A"].why
    assert moves["B"].shift_days == 3 and "follows A" in moves["B"].why
    assert cmp.cost_of_delay_b > cmp.cost_of_delay_a


def test_compare_counts_working_days_on_one_calendar_when_the_as_of_date_moves() -> None:
    ws = _ws()
    later = apply_scenario(
        ws,
        Scenario(
            key="later",
            name="a week later",
            changes=[ScenarioChange(entity="workspace", field="as_of", value="2026-03-09")],
        ),
    )
    options = RoadmapOptions(time_limit=2, workers=1, baseline=False)
    a, b = plan_roadmap(ws, options), plan_roadmap(later, options)
    cmp = compare_roadmaps(ws, a, later, b, "base", "later")
    for move in cmp.moves:
        assert move.end_a is not None and move.end_b is not None
        assert move.end_b == move.end_a + dt.timedelta(days=7)  # same order, a week later
        assert move.shift_days == 5, move
        assert "starts 5 working days later" in move.why
    assert {m.item for m in cmp.moved} == {"A", "B", "C"}


def _with_relative_item() -> Workspace:
    """The small workspace plus D, valued by WSJF inputs only (a relative number, no money)."""
    ws = _ws()
    wsjf = Item(
        key="D",
        title="D",
        estimate=Estimate(low=2, likely=2, high=2),
        skills=["x"],
        value=ValueInputs(business_value=8, time_criticality=5, risk_reduction=3),
    )
    return ws.copy_with(items=[*ws.items, wsjf])


def test_compare_adds_only_money_into_the_cost_of_delay_and_names_the_rest() -> None:
    """D's WSJF sum (16, relative) was added into the money total as if it were 16 a week."""
    ws = _with_relative_item()
    cut = apply_scenario(
        ws,
        Scenario(
            key="cut", name="cut", changes=[ScenarioChange(entity="item", key="C", action="remove")]
        ),
    )
    options = RoadmapOptions(time_limit=2, workers=2, baseline=False)
    a, b = plan_roadmap(ws, options), plan_roadmap(cut, options)
    cmp = compare_roadmaps(ws, a, cut, b, "base", "cut")
    assert cmp.without_money == ("D",)
    for plan, total in ((a, cmp.cost_of_delay_a), (b, cmp.cost_of_delay_b)):
        money = {"A": 100.0, "B": 50.0, "C": 10.0}
        expected = sum(money[s.key] * s.end_day / 5.0 for s in plan.items if s.key in money)
        assert total == pytest.approx(expected, abs=0.01)
        d = plan.item("D")
        # The plan itself still weighs D by its WSJF sum; the money total does not add it, and
        # the plan's own summary keeps it apart, in relative units.
        assert d.cost_of_delay == 16
        assert plan.summary.cost_of_delay == pytest.approx(total, abs=0.01)
        assert plan.summary.without_money == ("D",)
        assert plan.summary.cost_of_delay_relative == pytest.approx(16 * d.end_day / 5.0, abs=0.01)


def test_compare_with_money_everywhere_leaves_nothing_out() -> None:
    ws = _ws()
    plan = plan_roadmap(ws, RoadmapOptions(time_limit=2, workers=2, baseline=False))
    cmp = compare_roadmaps(ws, plan, ws, plan)
    assert cmp.without_money == ()
    assert cmp.cost_of_delay_a == pytest.approx(plan.summary.cost_of_delay)


def test_scenario_add_names_the_bad_change_in_the_users_words(tmp_path: Path) -> None:
    """`roadwise scenario add` errors name the option and text, not 'items.0.estimate.likly'."""
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    db = str(tmp_path / "rw.db")
    open_store(db).replace(_ws())
    runner = CliRunner()

    def add(*args: str) -> str:
        result = runner.invoke(app, ["scenario", "add", "s", "--db", db, *args])
        assert result.exit_code == 1, result.output
        return " ".join(result.output.split())

    typo = add("--set", "item:A.estimate.likly=2")
    assert "field '--set': 'item:A.estimate.likly=2': 'estimate.likly' is not a field" in typo
    assert "items." not in typo
    number = add("--set", "item:A.estimate.likely=abc")
    assert "'item:A.estimate.likely=abc': estimate.likely: input should be a valid number" in number
    assert "field '--set': 'item:NOPE.title=x': unknown item 'NOPE'" in add(
        "--set", "item:NOPE.title=x"
    )
    hire = add("--hire", "t=2026-04-01")
    assert "unknown team 't=2026-04-01' (teams: t)" in hire and "TEAM@DATE" in hire
    date = add("--hire", "t@April")
    assert "field '--hire': 't@April': 'April' is not a date" in date and "teams." not in date
    assert "expected ENTITY:KEY, e.g. item:KW-12" in add("--remove", "NOPE")
    assert "ENTITY:KEY.FIELD" not in add("--remove", "thing:NOPE")

    # A bare key names the item or person it is; TEAM@DATE hires on that day.
    ok = runner.invoke(
        app,
        [
            "scenario",
            "add",
            "s",
            "--db",
            db,
            "--remove",
            "C",
            "--remove",
            "p",
            "--hire",
            "t@2026-04-01",
        ],
    )
    assert ok.exit_code == 0, ok.output
    (stored,) = open_store(db).load().scenarios
    assert [(c.entity, c.key, c.action) for c in stored.changes] == [
        ("item", "C", "remove"),
        ("person", "p", "remove"),
        ("person", "t", "add"),
    ]
    assert stored.changes[2].value["joins"] == "2026-04-01"


def test_scenario_compare_names_the_items_left_out_of_the_money_total(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    db = str(tmp_path / "rw.db")
    open_store(db).replace(_with_relative_item())
    runner = CliRunner()
    added = runner.invoke(app, ["scenario", "add", "cut", "--db", db, "--remove", "C"])
    assert added.exit_code == 0, added.output
    result = runner.invoke(
        app, ["scenario", "compare", "base", "cut", "--db", db, "--time-limit", "1"]
    )
    assert result.exit_code == 0, result.output
    words = " ".join(result.output.split())
    assert "1 item with no cost of delay in money (a relative WSJF value only) is left out" in words
    assert "these totals: D." in words
    # Money as the reports write it (symbol first), and what the scenario saves.
    cut = json.loads(
        runner.invoke(
            app, ["scenario", "compare", "base", "cut", "--db", db, "--time-limit", "1", "--json"]
        ).output
    )
    saved = cut["cost_of_delay_a"] - cut["cost_of_delay_b"]
    assert saved > 0 and f"cut saves {say_money(saved, 'USD')} of cost of delay." in words
    assert f"base {say_money(cut['cost_of_delay_a'], 'USD')}" in words
    as_json = runner.invoke(
        app, ["scenario", "compare", "base", "cut", "--db", db, "--time-limit", "1", "--json"]
    )
    assert json.loads(as_json.output)["without_money"] == ["D"]


@pytest.mark.parametrize("limit", ["0", "-1"])
def test_scenario_compare_refuses_a_row_limit_below_one(tmp_path: Path, limit: str) -> None:
    """``moved[:-1]`` would quietly leave out the last row instead of saying the limit is wrong."""
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store

    db = str(tmp_path / "rw.db")
    open_store(db).replace(_with_relative_item())
    result = CliRunner().invoke(
        app, ["scenario", "compare", "base", "base", "--db", db, "--limit", limit]
    )
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--limit'" in result.output and "Traceback" not in result.output


def test_scenario_compare_holds_targets_where_the_roadmap_of_record_held_them(
    tmp_path: Path,
) -> None:
    """Both plans keep the release dates the roadmap of record was planned to keep (as the web
    app's comparison does), so what moved is the scenario's doing, not a dropped promise."""
    from typer.testing import CliRunner

    from roadwise.views.cli import app
    from roadwise.workspace import open_store
    from test_schedule_targets import RELEASE, one_person_workspace

    db = str(tmp_path / "rw.db")
    open_store(db).replace(one_person_workspace())
    runner = CliRunner()
    add = ["scenario", "add", "slower", "--set", "item:BIG.estimate.high=12", "--db", db]
    assert runner.invoke(app, add).exit_code == 0
    compare = ["scenario", "compare", "base", "slower", "--db", db, "--time-limit", "1"]

    def ship_ends(args: list[str]) -> tuple[dt.date, dt.date, bool]:
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        ship = next(m for m in data["moves"] if m["item"] == "SHIP")
        ends = dt.date.fromisoformat(ship["end_a"]), dt.date.fromisoformat(ship["end_b"])
        return *ends, data["targets_held"]

    # No roadmap of record: by cost of delay, the release's item goes second and misses it.
    end_a, end_b, held = ship_ends(compare)
    assert end_a > RELEASE.date and end_b > RELEASE.date and not held
    assert "Targets held" not in runner.invoke(app, compare).output
    # --hold-targets asks for it without one.
    end_a, end_b, held = ship_ends([*compare, "--hold-targets"])
    assert end_a <= RELEASE.date and end_b <= RELEASE.date and held
    plan = ["plan", "roadmap", "--db", db, "--time-limit", "2", "--workers", "2"]
    assert runner.invoke(app, [*plan, "--hold-targets"]).exit_code == 0
    end_a, end_b, held = ship_ends(compare)
    assert end_a <= RELEASE.date and end_b <= RELEASE.date and held
    text = " ".join(runner.invoke(app, compare).output.split())
    assert "Targets held, as the stored roadmap 'roadmap' of " in text
