"""The NRP instance parser and budget convention, on small inline text (and the shared files
when they are present)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from roadwise.engines.release import budget_for, nrp_problem, parse_nrp, plan_release
from roadwise.engines.release.solvers import parse_solver_options
from roadwise.errors import ValidationError

# 2 levels: r1 (cost 2), r2 (cost 3) | r3 (cost 4); r1 is a prerequisite of r3.
# Customer 1 (profit 10) wants r3; customer 2 (profit 6) wants r2; customer 3 (5) wants r1, r2.
TINY = "2\r\n2\r\n2 3 \r\n1\r\n4 \r\n1\r\n1 3\r\n3\r\n10 1 3\r\n6 1 2\r\n5 2 1 2\r\n"


def test_parse_tiny_instance() -> None:
    instance = parse_nrp(TINY, "tiny")
    assert instance.costs == (2, 3, 4)
    assert instance.dependencies == ((1, 3),)
    assert instance.customers == ((10, (3,)), (6, (2,)), (5, (1, 2)))
    assert instance.total_cost == 9


def test_budget_rounds_half_up() -> None:
    instance = parse_nrp(TINY)
    assert budget_for(instance, 0.5) == 5  # 4.5 -> 5
    assert budget_for(instance, 0.3) == 3  # 2.7 -> 3
    assert budget_for(instance, 0.7) == 6  # 6.3 -> 6


@pytest.mark.parametrize(
    ("budget", "best"),
    [(3, 6), (5, 11), (6, 11), (8, 11), (9, 21)],
)
def test_prerequisites_are_paid_for(budget: int, best: float) -> None:
    # Customer 1 needs r3 and its prerequisite r1: cost 6, not 4, so at budget 6 customers 2
    # and 3 (r1 + r2, cost 5, worth 11) beat customer 1 (worth 10); all three need 9.
    plan = plan_release(nrp_problem(parse_nrp(TINY), budget))
    assert plan.proven_optimal
    assert plan.value == best


def test_duplicate_dependencies_are_merged() -> None:
    text = "1 2 1 1 2 1 2 1 2 1 1 1 2"
    assert parse_nrp(text).dependencies == ((1, 2),)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 2 1", "file ends early: expected a cost in level 1"),
        ("1 2 1 1 1 1 3 0", "requirement id 3, but ids run from 1 to 2"),
        ("1 1 x", "token 3 is 'x'"),
        ("1 1 1 0 0 7", "1 unexpected tokens"),
    ],
)
def test_malformed_files_say_where(text: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message) as error:
        parse_nrp(text, "bad.txt")
    assert "bad.txt" in str(error.value)


SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "nrp"


@pytest.mark.skipif(not (SHARED / "classic" / "nrp1.txt").exists(), reason="no shared NRP data")
def test_shared_nrp1_matches_the_known_optimum() -> None:
    instance = parse_nrp((SHARED / "classic" / "nrp1.txt").read_text(), "nrp1")
    assert len(instance.costs) == 140 and instance.total_cost == 857
    known = {}
    with (SHARED / "known_results.csv").open() as f:
        for row in csv.DictReader(f):
            if row["instance"] == "nrp1":
                known[float(row["budget_ratio"])] = float(row["best_known_value"])
    plan = plan_release(nrp_problem(instance, budget_for(instance, 0.3)), time_limit=60)
    assert plan.proven_optimal
    assert plan.value == known[0.3]


def test_solver_options_read_as_typed_values() -> None:
    options = parse_solver_options(
        ["mip_allow_cut_separation_at_nodes=false", "mip_max_nodes=500", "time_limit=2.5", "x=y"]
    )
    assert options == {
        "mip_allow_cut_separation_at_nodes": False,
        "mip_max_nodes": 500,
        "time_limit": 2.5,
        "x": "y",
    }
    with pytest.raises(ValueError, match="NAME=VALUE"):
        parse_solver_options(["mip_max_nodes"])


def test_plans_after_another_highs_started_its_threads() -> None:
    # HiGHS has one thread scheduler per process; a model asking for another thread count
    # than the one it was started with is refused unless the solver resets it.
    import highspy

    highspy.Highs.resetGlobalScheduler(True)
    other = highspy.Highs()
    other.silent()
    other.setOptionValue("threads", 2)
    other.addVar(0, 1)
    other.changeColCost(0, 1.0)
    assert other.run() == highspy.HighsStatus.kOk
    instance = parse_nrp(
        "1 6 3 4 5 6 7 8 0 6 10 2 1 2 11 2 2 3 12 2 3 4 13 2 4 5 14 2 5 6 9 2 6 1", "ring"
    )
    budget = budget_for(instance, 0.5)
    plan = plan_release(nrp_problem(instance, budget), time_limit=10)
    assert plan.proven_optimal
    best = max(
        sum(profit for profit, wanted in instance.customers if set(wanted) <= chosen)
        for chosen in ({r + 1 for r in range(6) if mask >> r & 1} for mask in range(64))
        if sum(instance.costs[r - 1] for r in chosen) <= budget
    )
    assert plan.value == best
