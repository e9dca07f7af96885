"""How far a stored roadmap drifts as the as-of date moves on, and what re-planning gains.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/roadmap_drift.py --json drift.json

The workspace is the sample product (``generate_sample(seed)``, what ``roadwise sample``
stores), planned for ``--plan-seconds`` as ``roadwise plan roadmap`` does, and then moved on
``--weeks`` with nothing done meanwhile (the stored plan as the views show it:
:func:`replay_roadmap`). For each move it reports

* **check**: :func:`replan_gain`, what ``roadwise as-of`` and the web Roadmap page show: 20
  rounds of deterministic local search from the moved-on plan, its seconds, the cost of delay
  it finds and whether the views suggest re-planning;
* with ``--replan-seconds S``: ``roadwise plan roadmap`` run for S seconds (committed items
  kept as the CLI keeps them), from scratch, from the moved-on plan, and from the plan the
  check found (what the CLI does), for each of ``--seeds``.

Costs of delay are in the sample's money (USD), hard deadlines missed beside them. No data is
read (``--data`` is accepted for the benchmarks' common interface and ignored).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from roadwise.engines.schedule.roadmap import (
    Commitment,
    RoadmapOptions,
    plan_roadmap,
    replan_gain,
    replay_roadmap,
)
from roadwise.sample import generate_sample

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared", help="unused")
    parser.add_argument("--seed", type=int, default=7, help="the sample's seed")
    parser.add_argument("--plan-seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--weeks", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--replan-seconds", type=float, default=0.0, help="0: no re-plans")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="re-plan seeds")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    ws = generate_sample(args.seed)
    options = RoadmapOptions(
        time_limit=args.plan_seconds, workers=args.workers, baseline=False, explain=False
    )
    stored = plan_roadmap(ws, options)
    print(
        f"stored plan ({args.plan_seconds:g} s, {stored.start}): cost of delay "
        f"{stored.summary.cost_of_delay:,.0f}, {stored.summary.late_items} hard deadlines missed"
    )
    first = min(s.sprint for s in stored.items)
    committed = {s.key: Commitment(s.start, s.team) for s in stored.items if s.sprint <= first + 1}
    rows: list[dict[str, Any]] = []
    for weeks in args.weeks:
        later = ws.copy_with(as_of=ws.as_of + dt.timedelta(weeks=weeks))
        shown = replay_roadmap(later, stored.start, stored.placements, stored.summary, options)
        if shown is None:
            print(f"{weeks} weeks on: the stored plan no longer fits")
            continue
        t0 = time.perf_counter()
        gain = replan_gain(later, shown, options)
        check_s = time.perf_counter() - t0
        assert gain is not None
        row: dict[str, Any] = {
            "weeks": weeks,
            "shown": shown.summary.cost_of_delay,
            "shown_late": shown.summary.late_items,
            "check": gain.replanned.cost_of_delay,
            "check_late": gain.replanned.late_items,
            "check_share": gain.share,
            "check_items_moved": gain.items_moved,
            "check_seconds": check_s,
            "suggests_replanning": gain.worth_it,
        }
        if args.replan_seconds > 0:
            replan = dataclasses.replace(
                options, time_limit=args.replan_seconds, committed=committed
            )
            starts = (
                ("scratch", None),
                ("from_shown", shown.placements),
                ("from_check", gain.placements),
            )
            for label, warm in starts:
                runs = []
                for seed in args.seeds:
                    plan = plan_roadmap(
                        later, dataclasses.replace(replan, warm_start=warm, seed=seed)
                    )
                    runs.append([plan.summary.cost_of_delay, plan.summary.late_items])
                row[label] = runs
        rows.append(row)
        print(json.dumps(row), flush=True)

    print(
        f"\n{'moved on':>8} {'shown plan':>18} {'20-round check':>24} {'check s':>8} "
        f"{'suggests':>8}"
    )
    for r in rows:
        shown_cell = f"{r['shown']:,.0f} ({r['shown_late']} late)"
        check_cell = f"{r['check']:,.0f} ({-r['check_share']:+.1%}, {r['check_late']} late)"
        print(
            f"{r['weeks']:>6} w {shown_cell:>18} {check_cell:>24} {r['check_seconds']:8.2f} "
            f"{'yes' if r['suggests_replanning'] else 'no':>8}"
        )
    if args.replan_seconds > 0:
        print(
            f"\nre-planned for {args.replan_seconds:g} s (cost of delay, late), seeds {args.seeds}:"
        )
        for r in rows:
            cells = {
                k: ", ".join(f"{c:,.0f} ({n})" for c, n in r[k])
                for k in ("scratch", "from_shown", "from_check")
            }
            print(
                f"{r['weeks']:>6} w  from scratch: {cells['scratch']}; "
                f"from the moved-on plan: {cells['from_shown']}; "
                f"from the check's plan (the CLI): {cells['from_check']}"
            )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "args": {k: str(v) for k, v in vars(args).items()},
                    "stored": {
                        "cost_of_delay": stored.summary.cost_of_delay,
                        "late": stored.summary.late_items,
                    },
                    "rows": rows,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
