"""Walk-forward backtest of the probabilistic roadmap's item dates on real Jira histories.

Every view's item dates, deadline chances and delivery dates come from the roadmap replay
(``simulate_workspace``). This replays it at past cut-offs of the TAWOS projects
(``<data>/tawosi2022_sp_vs_effort/rq2_rq3/*.csv``): at each cut-off, a workspace holds the
project's history before it and, as its open queue, the next N items the project actually
resolved, in the order it resolved them (counted as items, so the sizes are known and only
the pace is forecast). The replay dates every item; the score is how often each item was
resolved by its 50 / 85 / 95 % date, for the last item (the whole queue), the first tenth
and all of them, with the replay calibrated (every view's default) and plain.

    python benchmarks/replay_backtest.py --data ../shared/datasets/history --json out.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from _tawos import project_files
from roadwise.domain import Workspace
from roadwise.domain.model import HistoryRecord, Item, Status, Team
from roadwise.engines.forecast.objectives import QueueOrder, simulate_workspace
from roadwise.sources.history_csv import read_history_csv

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "history"
LEVELS = (0.5, 0.85, 0.95)
GROUPS = ("last", "first", "all")


def _workspace(
    project: str, before: list[HistoryRecord], queue: list[HistoryRecord], as_of: dt.date
) -> Workspace:
    items = [
        Item(key=f"Q-{k}", title=r.key, team=project, status=Status.READY)
        for k, r in enumerate(queue)
    ]
    return Workspace(
        name=project,
        as_of=as_of,
        teams=[Team(key=project, name=project)],
        items=items,
        history=before,
    )


def _scores(finish_days: np.ndarray, actual: np.ndarray) -> dict[str, dict[float, list[int]]]:
    """Per group and level, per item: 1 resolved by its date, 0 not, -1 no date ("never")."""
    n = actual.size
    first = max(1, n // 10)
    picks = {"last": [n - 1], "first": list(range(first)), "all": list(range(n))}
    out: dict[str, dict[float, list[int]]] = {}
    for group, columns in picks.items():
        out[group] = {}
        for level in LEVELS:
            dates = np.quantile(finish_days[:, columns], level, axis=0, method="inverted_cdf")
            # A date is a day: the item is on time when done by the end of that day
            # (as_of + ceil(days); the date shown then moves on to the team's next working
            # day, never earlier, so these hit rates are a lower bound for the dates shown).
            # No date at all ("never") keeps no promise.
            out[group][level] = [
                -1 if not np.isfinite(d) else int(a < np.ceil(d) + 1.0)
                for a, d in zip(actual[columns], dates, strict=True)
            ]
    return out


def _project(
    path: Path, n: int, every: int, start_months: float, trials: int
) -> dict[str, object] | None:
    """One project's cut-offs: each method's hits per group and level."""
    records = sorted(read_history_csv(path, "tawos", team=path.stem).records, key=lambda r: r.done)
    cut = (records[0].done + dt.timedelta(days=start_months * 30.44)).date()
    hits: dict[str, dict[str, dict[float, list[int]]]] = {
        m: {g: {lv: [] for lv in LEVELS} for g in GROUPS} for m in ("plain", "calibrated")
    }
    cuts = 0
    while True:
        start = dt.datetime.combine(cut, dt.time())
        before = [r for r in records if r.done < start]
        queue = [r for r in records if r.done >= start][:n]
        if len(queue) < n:
            break
        ws = _workspace(path.stem, before, queue, cut)
        actual = np.array([(r.done - start).total_seconds() / 86400.0 for r in queue])
        order = QueueOrder(ranks={f"Q-{k}": float(k) for k in range(len(queue))})
        for method, calibrate in (("plain", False), ("calibrated", True)):
            run = simulate_workspace(
                ws, order, unit="items", trials=trials, seed=cuts, calibrate=calibrate
            )
            keys = [i.key for i in run.items]
            assert keys == [f"Q-{k}" for k in range(len(queue))], keys[:3]
            for group, levels in _scores(np.asarray(run.forecast.finish_days), actual).items():
                for level, hit in levels.items():
                    hits[method][group][level].extend(hit)
        cuts += 1
        cut += dt.timedelta(days=every)
    if not cuts:
        return None
    row: dict[str, object] = {"project": path.stem, "n": n, "cutoffs": cuts}
    for method, groups in hits.items():
        for group, levels in groups.items():
            for level, hit in levels.items():
                outcome = np.array(hit)
                row[f"{method}_{group}_hit{round(level * 100)}"] = float(np.mean(outcome == 1))
                row[f"{method}_{group}_undated{round(level * 100)}"] = float(np.mean(outcome < 0))
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path, default=None, help="write one record per project")
    ap.add_argument("--n", type=int, default=30, help="items in the queue at each cut-off")
    ap.add_argument("--every", type=int, default=28, help="days between cut-offs")
    ap.add_argument("--start-months", type=float, default=6.0)
    ap.add_argument("--trials", type=int, default=1000)
    ap.add_argument("--projects", nargs="*", default=None, help="only these projects")
    ap.add_argument("--workers", type=int, default=2, help="projects replayed at once")
    args = ap.parse_args(argv)

    files = project_files(args.data, args.projects)
    if not files:
        print(f"no project CSV files under {args.data}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    rows: list[dict[str, object]] = []
    header = f"{'project':<11}{'cuts':>5}  " + "  ".join(
        f"{m[:3]}:{g}85" for m in ("plain", "calibrated") for g in GROUPS
    )
    print(header)
    print("-" * len(header))
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        jobs = [
            pool.submit(_project, path, args.n, args.every, args.start_months, args.trials)
            for path in files
        ]
        for job in jobs:
            row = job.result()
            if row is None:
                continue
            rows.append(row)
            print(
                f"{row['project']:<11}{row['cutoffs']:>5}  "
                + "  ".join(
                    f"{row[f'{m}_{g}_hit85']:>{len(m[:3]) + len(g) + 3}.2f}"
                    for m in ("plain", "calibrated")
                    for g in GROUPS
                ),
                flush=True,
            )
    elapsed = time.perf_counter() - started
    print()
    print(f"Averages over {len(rows)} projects (each project weighs the same), N = {args.n}:")
    line = f"{'method':<12}{'group':<7}" + "".join(f"{f'hit{round(lv * 100)}':>8}" for lv in LEVELS)
    line += f"{'min85':>8}{'< 70%':>7}{'no date85':>11}"
    print(line)
    print("-" * len(line))
    summary: dict[str, dict[str, float]] = {}
    for method in ("plain", "calibrated"):
        for group in GROUPS:
            values = {
                lv: [float(r[f"{method}_{group}_hit{round(lv * 100)}"]) for r in rows]
                for lv in LEVELS
            }  # type: ignore[arg-type]
            at85 = values[0.85]
            undated = statistics.fmean(float(r[f"{method}_{group}_undated85"]) for r in rows)  # type: ignore[arg-type]
            summary[f"{method}_{group}"] = {
                **{f"hit{round(lv * 100)}": statistics.fmean(v) for lv, v in values.items()},
                "min85": min(at85),
                "projects_below_70": sum(v < 0.7 for v in at85),
                "undated85": undated,
            }
            print(
                f"{method:<12}{group:<7}"
                + "".join(f"{statistics.fmean(v):>8.2f}" for v in values.values())
                + f"{min(at85):>8.2f}{sum(v < 0.7 for v in at85):>7}{undated:>11.3f}"
            )
    print(f"\n{len(rows)} projects in {elapsed:.0f} s")
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
