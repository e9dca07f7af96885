"""`roadwise scenario compare` measures the scenario, not the search: both plans come from the
same deterministic search, and every "why" says what the plans can show."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from roadwise.domain.model import Scenario, ScenarioChange
from roadwise.engines.scenario import (
    COMPARE_ROUNDS,
    apply_scenario,
    capacity_added,
    compare_scenarios,
)
from roadwise.views.cli import app
from test_scenario import _a_bigger, _ws

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample product, with a scenario that changes nothing and one that hires on mobile."""
    path = str(tmp_path_factory.mktemp("compare") / "rw.db")
    for args in (
        ["sample"],
        ["scenario", "add", "same"],
        ["scenario", "add", "hire", "--hire", "mobile"],
    ):
        result = runner.invoke(app, [*args, "--db", path])
        assert result.exit_code == 0, result.output
    return path


def _compare(db: str, a: str, b: str, *extra: str) -> dict[str, Any]:
    result = runner.invoke(app, ["scenario", "compare", a, b, "--db", db, *extra, "--json"])
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def hired(db: str) -> dict[str, Any]:
    """``compare base hire`` (20 rounds a side: enough to see what a hire moves)."""
    return _compare(db, "base", "hire", "--rounds", "20")


def _ends(data: dict[str, Any], side: str) -> dict[str, tuple[str, str]]:
    return {m["item"]: (m[f"team_{side}"], m[f"end_{side}"]) for m in data["moves"]}


def test_a_scenario_compared_with_itself_shows_no_difference_run_after_run(db: str) -> None:
    """Plan B was warm-started from plan A under a time limit: B got A's search and its own,
    so "base base" said base saves about $35,000 and moved 20 items, and two runs gave
    different totals."""
    itself = _compare(db, "base", "base")
    assert itself["cost_of_delay_a"] == itself["cost_of_delay_b"]
    assert [m for m in itself["moves"] if m["why"] != "unchanged"] == []
    assert _ends(itself, "a") == _ends(itself, "b")
    assert itself["method_a"] == itself["method_b"] == "cp-sat-lns"
    # A stored scenario with no changes (fewer rounds, to keep the test short): the same plan
    # on both sides again, and nothing to report.
    again = _compare(db, "same", "base", "--rounds", "10")
    assert again["cost_of_delay_a"] == again["cost_of_delay_b"]
    assert _ends(again, "a") == _ends(again, "b")
    text = runner.invoke(
        app, ["scenario", "compare", "base", "same", "--db", db, "--rounds", "10"]
    ).output
    assert "saves" not in text and "more cost of delay" not in text
    assert "Nothing moved" in text


def test_the_same_comparison_gives_the_same_answer_and_a_hire_still_saves(
    db: str, hired: dict[str, Any]
) -> None:
    first = hired
    assert _compare(db, "base", "hire", "--rounds", "20") == first
    assert first["rounds"] == 20
    # One more person on mobile: the same search finds a cheaper plan.
    assert first["cost_of_delay_b"] < first["cost_of_delay_a"]
    # Swapping the sides swaps the numbers: neither side is favoured.
    swapped = _compare(db, "hire", "base", "--rounds", "20")
    assert swapped["cost_of_delay_a"] == first["cost_of_delay_b"]
    assert swapped["cost_of_delay_b"] == first["cost_of_delay_a"]


def test_added_capacity_is_counted_over_the_plan_and_never_explains_a_later_delivery(
    hired: dict[str, Any],
) -> None:
    """One hire on mobile was "team mobile capacity +521 person-days" for every mobile item,
    items delivered later included: the figure summed the whole calendar, years past the plan,
    and was given whichever way the item moved."""
    data = hired
    mobile = [m for m in data["moves"] if m["team_b"] == "mobile" and m["shift_days"]]
    later = [m for m in mobile if m["shift_days"] > 0]
    assert later, "no mobile item moved later to check"
    for move in later:
        assert "capacity +" not in move["why"], move
    capacity = re.compile(r"team (\w+) capacity ([+-]\d+) person-days(?: up to ([\d-]+))?")
    cited = [(m, capacity.search(m["why"])) for m in data["moves"]]
    cited = [(m, found) for m, found in cited if found]
    assert cited, "no item credited to the hire"
    first = dt.date.fromisoformat(min(m["start_a"] for m in data["moves"] if m["start_a"]))
    for move, found in cited:
        assert found[1] == "mobile" and int(found[2]) > 0, move
        # Added capacity only explains delivering earlier.
        assert move["shift_days"] < 0, move
        added, until = int(found[2]), dt.date.fromisoformat(found[3] or "")
        # Counted up to the later delivery, where one person adds at most a person-day a
        # working day (about 175 in the whole plan).
        assert until.isoformat() == max(move["end_a"], move["end_b"]), move
        assert added <= np.busday_count(first, until + dt.timedelta(days=1)), move


def test_an_item_that_gives_way_names_the_work_now_ahead_of_it(hired: dict[str, Any]) -> None:
    data = hired
    moves = {m["item"]: m for m in data["moves"]}
    ahead = re.compile(r"re-sequenced: (.+) now go(?:es)? ahead of it on team (\w+)")
    named = [(m, ahead.search(m["why"])) for m in data["moves"]]
    named = [(m, found) for m, found in named if found]
    assert named, "no item gave way to other work"
    for move, found in named:
        assert move["shift_days"] > 0 and found[2] == move["team_b"], move
        one = len(re.findall(r"KW-\d+", found[1])) == 1 and "more" not in found[1]
        assert ("now goes ahead" in found[0]) == one, move
        for key in re.findall(r"KW-\d+", found[1]):
            other = moves[key]
            # It started after this item in the first plan, and no later in the second.
            assert other["team_b"] == move["team_b"]
            assert other["start_a"] > move["start_a"] and other["start_b"] <= move["start_b"]


def test_compare_scenarios_is_symmetric_and_repeatable() -> None:
    ws = _ws()
    bigger = _a_bigger(ws)
    cmp, plan_a, plan_b = compare_scenarios(ws, ws, "a", "b", rounds=5, time_limit=1)
    assert plan_a.placements == plan_b.placements and cmp.moved == ()
    one, _, _ = compare_scenarios(ws, bigger, rounds=5, time_limit=1)
    two, _, _ = compare_scenarios(ws, bigger, rounds=5, time_limit=1, parallel=1)
    back, _, _ = compare_scenarios(bigger, ws, rounds=5, time_limit=1)
    assert one == two
    assert (back.cost_of_delay_a, back.cost_of_delay_b) == (
        one.cost_of_delay_b,
        one.cost_of_delay_a,
    )
    assert one.method_a == one.method_b == "cp-sat-lns"


def test_capacity_added_counts_only_the_days_up_to_the_date() -> None:
    ws = _ws()
    joins = ws.as_of + dt.timedelta(days=14)  # two weeks in: ten working days
    hired = apply_scenario(
        ws,
        Scenario(
            key="hire",
            name="hire",
            changes=[
                ScenarioChange(
                    entity="person",
                    action="add",
                    key="t",
                    value={
                        "key": "q",
                        "name": "Q",
                        "skills": ["x"],
                        "joins": joins.isoformat(),
                        "ramp_up_days": 0,
                    },
                )
            ],
        ),
    )
    _, plan_a, plan_b = compare_scenarios(ws, hired, rounds=2, time_limit=1)
    assert capacity_added(plan_a, plan_b, "t", joins - dt.timedelta(days=1)) == 0
    # Full days of one person, focus 1 and no unplanned work: one person-day a working day.
    assert capacity_added(plan_a, plan_b, "t", joins + dt.timedelta(days=4)) == pytest.approx(5)
    assert capacity_added(plan_a, plan_b, "nobody", joins) == 0


def test_the_command_says_its_rounds_as_the_engine_does() -> None:
    from roadwise.views.cli.roadmap import COMPARE_ROUNDS_DEFAULT

    assert COMPARE_ROUNDS_DEFAULT == COMPARE_ROUNDS
