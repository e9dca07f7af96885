"""`roadwise scenario sweep` on the sample product: in this process against Dask workers, and
how far each point's search is from what more rounds find.

    python benchmarks/scenario_sweep.py --repeats 1 --json scenario-sweep.json

Speed: a sweep of two teams' hires (0 or 1 each), three estimate factors (1, 1.25, 1.5) and two
scenarios (the workspace as it is, and the docs' ``lean`` scenario), 24 points, planned with the
default rounds in this process and on a local Dask cluster of two single-threaded worker
processes (this machine's cores). Reported: median wall time over the repeats, the ratio
against this process in the same run, and whether every point's numbers are the same.

Search: for the plans without hires at factors 1 and 1.5 of both scenarios, the cost of delay
after 40 (what ``capacity --what-if`` gives), 100 (the sweep's default), 200 and 400 rounds,
as a percentage above the lowest found. The rounds are deterministic, so this part is the
same on any machine; only its seconds depend on the load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

ROUNDS = (40, 100, 200, 400)


def lean(ws: Any) -> Any:
    """The docs' ``lean`` scenario: one item descoped, one estimate raised."""
    from roadwise.domain.model import Scenario, ScenarioChange

    changes = [
        ScenarioChange(entity="item", key="KW-2088", field="estimate.likely", value=8),
        ScenarioChange(entity="item", key="KW-2003", action="remove"),
    ]
    return ws.copy_with(scenarios=[Scenario(key="lean", name="Lean", changes=changes)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-search", action="store_true", help="only the speed part")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    from roadwise.engines.sweep import SweepPoint, SweepSettings, plan_point, sweep_points
    from roadwise.sample import generate_sample
    from roadwise.views._dask import DaskCluster
    from roadwise.views.scenario_sweep import run_sweep

    ws = lean(generate_sample(seed=7))
    settings = SweepSettings(seed=ws.settings.seed)
    points = sweep_points(
        scenarios=[None, "lean"],
        estimate_factors=[1.0, 1.25, 1.5],
        hires={"platform": [0, 1], "mobile": [0, 1]},
    )
    records: dict[str, Any] = {"points": len(points), "rounds": settings.rounds}
    seconds: dict[str, list[float]] = {"here": [], "dask": []}
    same = True
    for _ in range(args.repeats):
        started = time.perf_counter()
        here = run_sweep(ws, points, settings)
        seconds["here"].append(time.perf_counter() - started)
        started = time.perf_counter()
        cluster = DaskCluster(workers=args.workers)
        try:
            there = run_sweep(ws, points, settings, cluster)
        finally:
            cluster.close()
        seconds["dask"].append(time.perf_counter() - started)
        same = same and here.outcomes == there.outcomes
    here_s, dask_s = (statistics.median(seconds[k]) for k in ("here", "dask"))
    print(f"Sweep of {len(points)} points, {settings.rounds} rounds each, {args.repeats} repeat(s)")
    print(f"{'where':<28}{'seconds':>9}{'ratio':>8}")
    print(f"{'this process':<28}{here_s:>9.1f}{1.0:>8.2f}")
    print(f"{f'Dask, {args.workers} worker processes':<28}{dask_s:>9.1f}{here_s / dask_s:>8.2f}")
    print(f"every point the same: {'yes' if same else 'NO'}")
    records.update(seconds=seconds, same=same, speedup=here_s / dask_s)

    if not args.skip_search:
        search = []
        print("\nCost of delay without hires by rounds (% above the lowest found; seconds)")
        print(f"{'point':<24}" + "".join(f"{r:>16}" for r in ROUNDS))
        for scenario in (None, "lean"):
            for factor in (1.0, 1.5):
                point = SweepPoint(scenario, factor, ())
                found = []
                for rounds in ROUNDS:
                    started = time.perf_counter()
                    searched = SweepSettings(seed=settings.seed, rounds=rounds)
                    outcome = plan_point(ws, point, searched)
                    found.append((outcome.cost_of_delay, time.perf_counter() - started))
                best = min(c for c, _ in found)
                cells = "".join(f"{100 * (c / best - 1):>9.1f}% {s:>5.1f}s" for c, s in found)
                print(f"{point.label:<24}{cells}")
                search.append(
                    {
                        "point": point.label,
                        "cost_of_delay": {r: c for r, (c, _) in zip(ROUNDS, found, strict=True)},
                        "seconds": {r: s for r, (_, s) in zip(ROUNDS, found, strict=True)},
                    }
                )
        records["search"] = search
    if args.json:
        args.json.write_text(json.dumps(records, indent=2))


if __name__ == "__main__":
    main()
