"""Scale check for release selection: a generated backlog of 5,000 items and 10 teams.

The backlog is generated (seeded): 10 teams of 4-8 people with skills, 5,000 open stories with
three-point estimates, WSJF value inputs, dependencies (mostly within a team), required skills,
investment themes with share bounds, a few hard deadlines, alternatives and customers. The
whole pipeline runs: workspace -> release problem (P80 sizes, derived capacity) -> plan, with
the greedy baseline beside it. Reports the time of each stage, the value, proof or gap.

    python benchmarks/release_scale.py --items 5000 --teams 10 --json scale.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from pathlib import Path

import numpy as np

from roadwise.domain import (
    Customer,
    Cycles,
    Deadline,
    Dependency,
    Estimate,
    Item,
    Person,
    Release,
    Team,
    Theme,
    ValueInputs,
    Workspace,
)
from roadwise.engines.release import ReleaseOptions, plan_release, release_problem

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _solver_options import add_solver_option_argument, solver_options

SKILLS = ("backend", "frontend", "mobile", "data", "infra", "design", "qa", "security")
FIB = (1, 2, 3, 5, 8, 13, 20)


def generate(items: int, teams: int, seed: int) -> Workspace:
    rng = np.random.default_rng(seed)
    as_of = dt.date(2027, 1, 4)
    team_list = []
    for t in range(teams):
        people = [
            Person(
                key=f"p{t}-{i}",
                name=f"Person {t}-{i}",
                skills=sorted(set(rng.choice(SKILLS, size=2, replace=False).tolist())),
                availability=float(rng.choice([1.0, 1.0, 0.8, 0.5])),
            )
            for i in range(int(rng.integers(4, 9)))
        ]
        team_list.append(Team(key=f"team{t}", name=f"Team {t}", people=people))
    themes = [
        Theme(key="features", name="New features", min_share=0.3, max_share=0.8),
        Theme(key="debt", name="Tech debt", min_share=0.05, max_share=0.3),
        Theme(key="reliability", name="Reliability", min_share=0.05, max_share=0.3),
    ]
    customers = [Customer(key=f"cust{c}", name=f"Customer {c}") for c in range(items // 25)]
    backlog = []
    for i in range(items):
        likely = float(rng.choice([1, 2, 3, 5, 8, 13]))
        low = max(0.5, likely * float(rng.uniform(0.5, 1.0)))
        high = likely * float(rng.uniform(1.0, 3.0))
        team = int(rng.integers(teams))
        deps = []
        if i > 10 and rng.random() < 0.3:
            for d in rng.integers(max(0, i - 200), i, size=int(rng.integers(1, 3))):
                deps.append(Dependency(item=f"S{int(d)}"))
        theme = str(rng.choice(["features", "features", "debt", "reliability"]))
        deadline = None
        if rng.random() < 0.005:
            deadline = Deadline(
                date=as_of + dt.timedelta(days=int(rng.integers(20, 70))), hard=True
            )
        wanted = (
            [f"cust{int(c)}" for c in rng.integers(0, len(customers), size=2)]
            if rng.random() < 0.1
            else []
        )
        backlog.append(
            Item(
                key=f"S{i}",
                title=f"Story {i}",
                team=f"team{team}",
                estimate=Estimate(low=low, likely=likely, high=high),
                value=ValueInputs(
                    business_value=float(rng.choice(FIB)),
                    time_criticality=float(rng.choice(FIB)),
                    risk_reduction=float(rng.choice(FIB)),
                ),
                technical_risk=float(rng.uniform(0, 0.6)),
                dependencies=sorted({d.item: d for d in deps}.values(), key=lambda d: d.item),
                skills=sorted(set(rng.choice(SKILLS, size=int(rng.integers(0, 3))).tolist())),
                theme=theme,
                deadline=deadline,
                tags=[f"alt:g{i // 2}"] if i % 50 in (0, 1) else [],
                customers=sorted(set(wanted)),
            )
        )
    releases = [
        Release(key="R1", name="R1", date=as_of + dt.timedelta(days=41)),
        Release(key="R2", name="R2", date=as_of + dt.timedelta(days=83)),
    ]
    return Workspace(
        name="scale",
        as_of=as_of,
        teams=team_list,
        themes=themes,
        customers=customers,
        items=backlog,
        cycles=Cycles(releases=releases),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--teams", type=int, default=10)
    parser.add_argument("--releases", type=int, default=1)
    parser.add_argument("--objective", choices=("scores", "customers", "both"), default="both")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=50.0)
    parser.add_argument("--solver", choices=("highs", "cpsat"), default="highs")
    parser.add_argument("--json", type=Path)
    add_solver_option_argument(parser)
    args = parser.parse_args(argv)
    options = solver_options(parser, args)

    began = time.perf_counter()
    ws = generate(args.items, args.teams, args.seed)
    generated = time.perf_counter()
    wp = release_problem(
        ws, options=ReleaseOptions(releases=args.releases, objective=args.objective)
    )
    built = time.perf_counter()
    plan = plan_release(
        wp.problem, solver=args.solver, time_limit=args.time_limit, solver_options=options or None
    )
    solved = time.perf_counter()
    record = {
        "items": args.items,
        "solver_options": options,
        "teams": args.teams,
        "releases": args.releases,
        "candidates": len(wp.problem.items),
        "customers": len(wp.problem.customers),
        "chosen": len(plan.selection.items),
        "value": plan.value,
        "greedy_value": plan.greedy.value,
        "greedy_violations": len(plan.greedy_violations),
        "proven_optimal": plan.proven_optimal,
        "bound": plan.bound,
        "gap": plan.gap,
        "nodes": plan.nodes,
        "lp_iterations": plan.lp_iterations,
        "seconds_generate": round(generated - began, 2),
        "seconds_problem": round(built - generated, 2),
        "seconds_plan": round(solved - built, 2),
        "seconds_solver": round(plan.seconds, 2),
        "seconds_total_after_generation": round(solved - generated, 2),
    }
    for key, value in record.items():
        print(f"{key:<32} {value}")
    if args.json:
        args.json.write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
