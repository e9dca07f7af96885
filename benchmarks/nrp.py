"""Release selection on the Next Release Problem benchmark (Bagnall et al. 2001; Xuan et al.).

Every instance in ``<data>/classic`` and ``<data>/realistic`` at budget ratios 0.3, 0.5 and 0.7,
with budget = round-half-up(ratio × total cost) as in the literature. Per row: the value
Roadwise finds, the known optimum (``known_results.csv``, optional), whether optimality was
proven, the wall time of the whole plan (greedy baseline, model building and solving; median
over ``--repeats`` runs) and the greedy rank-and-fill value with its gap to the plan.

    python benchmarks/nrp.py --data ../shared/benchmarks/nrp --json nrp.json
    python benchmarks/nrp.py --solver cpsat --time-limit 60 --repeats 1
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

from roadwise.engines.release import budget_for, nrp_problem, parse_nrp, plan_release
from roadwise.errors import RoadwiseError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _solver_options import add_solver_option_argument, solver_options

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "benchmarks" / "nrp"
RATIOS = (0.3, 0.5, 0.7)


def instance_files(data: Path) -> list[Path]:
    files = []
    for folder in ("classic", "realistic"):
        for path in sorted((data / folder).glob("*.txt")):
            if not path.stem.lower().startswith(("readme", "example")):
                files.append(path)
    return files


def known_optima(data: Path) -> dict[tuple[str, float], float]:
    path = data / "known_results.csv"
    if not path.exists():
        return {}
    with path.open(newline="") as f:
        return {
            (row["instance"], float(row["budget_ratio"])): float(row["best_known_value"])
            for row in csv.DictReader(f)
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, help="write one record per instance and ratio")
    parser.add_argument("--solver", choices=("highs", "cpsat"), default="highs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--only", nargs="*", help="instance names to run (default: all)")
    parser.add_argument(
        "--ratios", type=float, nargs="*", default=list(RATIOS), help="budget ratios to run"
    )
    parser.add_argument(
        "--no-reduce",
        action="store_true",
        help="the plain model, as before the exact NRP preprocessing and the implied customer "
        "capacity row, for comparison",
    )
    add_solver_option_argument(parser)
    args = parser.parse_args(argv)
    options = solver_options(parser, args)

    files = instance_files(args.data)
    if not files:
        print(f"no instances under {args.data}/classic or {args.data}/realistic", file=sys.stderr)
        return 2
    known = known_optima(args.data)
    records = []
    header = (
        f"{'instance':<8} {'ratio':>5} {'budget':>6} {'value':>7} {'known':>7} {'proven':>6} "
        f"{'seconds':>8} {'nodes':>7} {'LP iter':>8} {'greedy':>7} {'greedy gap':>10}"
    )
    print(
        f"solver {args.solver}, median of {args.repeats} run(s), time limit {args.time_limit:g} s, "
        f"{'plain model' if args.no_reduce else 'reduced model with the customer capacity row'}"
        + (f", options {options}" if options else "")
    )
    print(header)
    print("-" * len(header))
    for path in files:
        name = path.stem
        if args.only and name not in args.only:
            continue
        try:
            instance = parse_nrp(path.read_text(), str(path))
        except RoadwiseError as exc:
            print(f"skipped {path}: {exc}", file=sys.stderr)
            continue
        for ratio in args.ratios:
            budget = budget_for(instance, ratio)
            problem = nrp_problem(instance, budget)
            times, plan = [], None
            for _ in range(max(1, args.repeats)):
                began = time.perf_counter()
                plan = plan_release(
                    problem,
                    solver=args.solver,
                    time_limit=args.time_limit,
                    reduce=not args.no_reduce,
                    solver_options=options or None,
                )
                times.append(time.perf_counter() - began)
            assert plan is not None
            seconds = statistics.median(times)
            target = known.get((name, ratio))
            gap = (plan.value - plan.greedy.value) / plan.value if plan.value else 0.0
            record = {
                "instance": name,
                "ratio": ratio,
                "budget": budget,
                "value": plan.value,
                "proven_optimal": plan.proven_optimal,
                "seconds": round(seconds, 4),
                "greedy_value": plan.greedy.value,
                "known_optimum": target,
                "bound": plan.bound,
                "solver": args.solver,
                "reduced": not args.no_reduce,
                "nodes": plan.nodes,
                "lp_iterations": plan.lp_iterations,
            }
            records.append(record)
            print(
                f"{name:<8} {ratio:>5.1f} {budget:>6} {plan.value:>7.0f} "
                f"{'' if target is None else f'{target:.0f}':>7} "
                f"{'yes' if plan.proven_optimal else 'NO':>6} {seconds:>8.2f} "
                f"{plan.nodes:>7} {plan.lp_iterations:>8} "
                f"{plan.greedy.value:>7.0f} {gap:>10.1%}",
                flush=True,
            )
    if not records:
        return 2
    times = [r["seconds"] for r in records]
    proven = sum(r["proven_optimal"] for r in records)
    compared = [r for r in records if r["known_optimum"] is not None]
    matches = sum(abs(r["value"] - r["known_optimum"]) < 1e-6 for r in compared)
    greedy_gaps = [(r["value"] - r["greedy_value"]) / r["value"] for r in records if r["value"]]
    print("-" * len(header))
    print(
        f"{proven}/{len(records)} proven optimal; {matches}/{len(compared)} equal the known "
        f"optimum; time median {statistics.median(times):.2f} s, max {max(times):.2f} s; "
        f"greedy below the optimum by {statistics.median(greedy_gaps):.1%} (median), "
        f"{max(greedy_gaps):.1%} (max)"
    )
    if args.json:
        args.json.write_text(json.dumps(records, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
