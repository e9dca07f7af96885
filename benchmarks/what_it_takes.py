"""What it takes to meet missed hard deadlines (``roadwise capacity --what-if``): the hire
trials as a full CP-SAT search each, against the local search from the plan without a hire.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/what_it_takes.py --json wit.json

The workspace is the sample product (``generate_sample(seed)``, what ``roadwise sample``
stores) with every hard deadline ``--earlier`` days earlier (``--all-hard``: the soft ones
too, made hard), so the plan misses some and the hire trials really run. The plan is the one
``roadwise capacity --what-if`` uses (:func:`what_if_plan`, ``--time-limit`` seconds where the
full search runs), found once; then, alternately ``--repeats`` times, :func:`what_it_takes`
with

* **full**: ``rounds=0``, a CP-SAT search of ``--time-limit`` seconds per hire trial, one at a
  time (the method before the trials re-planned by local search);
* **local**: the default, 40 rounds of large-neighbourhood search per trial from the plan
  without the hire, two trials at a time.

Both include the scope cut (a full search either way). It prints each run's seconds, the
medians and their ratio, and each method's answer (hires, late after the hires, the cut). No
data is read (``--data`` is accepted for the benchmarks' common interface and ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path
from typing import Any

from roadwise.domain.workspace import Workspace
from roadwise.engines.schedule.needs import WhatItTakes, what_if_plan, what_it_takes
from roadwise.engines.schedule.roadmap import RoadmapOptions
from roadwise.sample import generate_sample

ROOT = Path(__file__).resolve().parent.parent


def deadlines_earlier(ws: Workspace, days: int, all_hard: bool) -> Workspace:
    """``ws`` with each hard deadline (``all_hard``: every deadline, made hard) ``days`` days
    earlier, never before the workspace's date."""
    items = []
    for item in ws.items:
        d = item.deadline
        if d is not None and (d.hard or all_hard):
            date = max(ws.as_of + dt.timedelta(days=1), d.date - dt.timedelta(days=days))
            item = item.model_copy(
                update={"deadline": d.model_copy(update={"date": date, "hard": True})}
            )
        items.append(item)
    return ws.copy_with(items=items)


def answer(takes: WhatItTakes) -> dict[str, Any]:
    return {
        "late_before": takes.late_before,
        "late_days_before": takes.late_days_before,
        "hires": [f"{h.people} {h.team}" for h in takes.hires],
        "late_after_hires": takes.late_after_hires,
        "cut_items": list(takes.cut_items),
        "cut_effort_days": takes.cut_effort_days,
        "cut_meets_deadlines": takes.cut_meets_deadlines,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared", help="unused")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--earlier", type=int, default=60, help="days to pull deadlines in")
    parser.add_argument("--all-hard", action="store_true", help="make soft deadlines hard too")
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    ws = deadlines_earlier(generate_sample(args.seed), args.earlier, args.all_hard)
    options = RoadmapOptions(time_limit=args.time_limit, baseline=False)
    t0 = time.perf_counter()
    roadmap = what_if_plan(ws, options)
    plan_s = time.perf_counter() - t0
    print(
        f"plan: {plan_s:.1f} s ({roadmap.summary.method}), {roadmap.summary.late_items} late items"
    )
    methods = {"full": 0, "local": None}
    seconds: dict[str, list[float]] = {m: [] for m in methods}
    answers: dict[str, list[dict[str, Any]]] = {m: [] for m in methods}
    for _ in range(args.repeats):
        for method, rounds in methods.items():
            kwargs = {} if rounds is None else {"rounds": rounds}
            t0 = time.perf_counter()
            takes = what_it_takes(ws, roadmap, options, improved=True, **kwargs)
            seconds[method].append(time.perf_counter() - t0)
            answers[method].append(answer(takes))
            print(f"  {method:5} {seconds[method][-1]:6.1f} s  {answers[method][-1]}", flush=True)

    median = {m: statistics.median(s) for m, s in seconds.items()}
    print(f"\n{'method':8} {'runs (s)':28} {'median (s)':>10}")
    for method, runs in seconds.items():
        print(f"{method:8} {' / '.join(f'{s:.1f}' for s in runs):28} {median[method]:10.1f}")
    print(f"ratio full/local: {median['full'] / median['local']:.1f}x")
    deterministic = all(a == answers["local"][0] for a in answers["local"])
    print(f"local answer the same on every run: {deterministic}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "plan_seconds": plan_s,
                    "plan_method": roadmap.summary.method,
                    "seconds": seconds,
                    "median": median,
                    "answers": answers,
                    "deterministic": deterministic,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
