"""A large organisation's workspace: the sample product copied, teams and all, and what a
roadmap and the reports cost on it.

The sample (seed 7) is copied ``--copies`` times (items, dependencies and delivery history,
keys suffixed) over ``--team-sets`` copies of its four teams with their people. Measured:

* ``plan roadmap`` with a ``--time-limit``: the whole call against the limit (before the
  starting order was computed once, it took longer than the limit before CP-SAT started);
* the gathering a status report needs (``gather_steps(["status"])``) against the full
  gathering with "one more engineer per team" (``GATHER_STEPS``), which every kind ran before
  and which replays the roadmap once per team: the baseline, in the same run.

    python benchmarks/large_workspace.py --copies 10 --team-sets 10 --json large.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any


def scaled_sample(copies: int, team_sets: int) -> Any:
    from roadwise.sample import generate_sample

    ws = generate_sample(seed=7)

    def k(key: str | None, n: int) -> str | None:
        return key if key is None or n == 0 else f"{key}-x{n}"

    teams = [
        team.model_copy(
            update={
                "key": k(team.key, t),
                "name": team.name if t == 0 else f"{team.name} {t}",
                "people": [
                    p.model_copy(update={"key": k(p.key, t), "name": f"{p.name} {t}"})
                    for p in team.people
                ],
            }
        )
        for t in range(team_sets)
        for team in ws.teams
    ]
    items, history = [], []
    for n in range(copies):
        t = n % team_sets
        for i in ws.items:
            items.append(
                i.model_copy(
                    update={
                        "key": k(i.key, n),
                        "parent": k(i.parent, n),
                        "team": k(i.team, t),
                        "assignee": k(i.assignee, t),
                        "dependencies": [
                            d.model_copy(update={"item": k(d.item, n)}) for d in i.dependencies
                        ],
                    }
                )
            )
        history += [
            h.model_copy(update={"key": k(h.key, n), "team": k(h.team, t)}) for h in ws.history
        ]
    # Feedback names the original items only; decisions and plans likewise.
    return ws.copy_with(teams=teams, items=items, history=history)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--team-sets", type=int, default=10)
    parser.add_argument("--time-limit", type=float, default=30.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from roadwise.views.reports import gather, gather_steps
    from roadwise.views.reports.gather import GATHER_STEPS

    started = time.perf_counter()
    ws = scaled_sample(args.copies, args.team_sets)
    built = time.perf_counter() - started
    record: dict[str, Any] = {
        "items": len(ws.items),
        "open_items": len(ws.open_items()),
        "teams": len(ws.teams),
        "history": len(ws.history),
        "build_seconds": built,
    }

    started = time.perf_counter()
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=args.time_limit))
    record["roadmap_seconds"] = time.perf_counter() - started
    record["roadmap_solver_seconds"] = roadmap.summary.seconds
    record["roadmap_gap"] = roadmap.summary.gap
    record["time_limit"] = args.time_limit

    results = {"roadmap": roadmap}
    for name, steps in (("status", gather_steps(["status"])), ("all_steps", GATHER_STEPS)):
        started = time.perf_counter()
        gather(ws, dict(results), steps=steps)
        record[f"gather_{name}_seconds"] = time.perf_counter() - started

    print(
        f"{record['items']:,} items ({record['open_items']:,} open), {record['teams']} teams, "
        f"{record['history']:,} history records (built in {built:.1f} s)"
    )
    print(
        f"plan roadmap, --time-limit {args.time_limit:g}: {record['roadmap_seconds']:.1f} s in "
        f"all (solver {record['roadmap_solver_seconds']:.1f} s), gap {record['roadmap_gap']:.1%}"
    )
    print(
        f"gather for a status report: {record['gather_status_seconds']:.1f} s; with one more "
        f"engineer per team (every kind before): {record['gather_all_steps_seconds']:.1f} s "
        f"({record['gather_all_steps_seconds'] / record['gather_status_seconds']:.1f}x)"
    )
    if args.json:
        args.json.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
