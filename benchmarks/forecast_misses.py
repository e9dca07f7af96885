"""Why a project's 85 % dates are missed: runs of consecutive misses and when the pace broke.

For each project × N cell (the backtest of ``forecast_backtest.py``: cut-offs every 2 weeks from
6 months after the first resolution, the default method), the missed 85 % dates are grouped
into runs of consecutive cut-offs. For the first cut-off of each run it prints the throughput
of the 12 weeks before it, the throughput over the forecast's horizon (N / actual time), how
many weeks after the cut-off the 8-week throughput first fell below half of the pace before,
and how many times later than the 85 % date the work was actually done (median over the run).

    python benchmarks/forecast_misses.py --data ../shared/datasets/history \\
        --cells BE:30 BE:10 COMPASS:10 APSTUD:30 IS:100 DURACLOUD:100
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from roadwise.engines.forecast.backtest import backtest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forecast_backtest import DEFAULT_DATA, load


def pace_break(done: np.ndarray, cutoff: float, before: float, horizon_weeks: int = 104) -> int:
    """Weeks after ``cutoff`` until the next 8 weeks' pace is below half ``before`` (-1: never)."""
    for w in range(horizon_weeks):
        start = cutoff + 7 * w
        if ((done >= start) & (done < start + 56)).sum() / 8 < 0.5 * before:
            return w
    return -1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--cells", nargs="+", required=True, help="PROJECT:N, e.g. BE:30")
    ap.add_argument("--trials", type=int, default=2000)
    args = ap.parse_args(argv)
    folder = args.data / "tawosi2022_sp_vs_effort" / "rq2_rq3"
    for cell in args.cells:
        project, _, n_text = cell.partition(":")
        path = folder / f"{project}.csv"
        if not path.exists() or not n_text.isdigit():
            print(f"{cell}: expected PROJECT:N with {folder}/PROJECT.csv", file=sys.stderr)
            return 2
        n = int(n_text)
        done = load(path)
        first = float(done[0])
        cutoffs = np.arange(first + 6 * 30.44, float(done[-1]), 14.0)
        points = backtest(done, float(n), cutoffs, trials=args.trials, seed=n).points
        missed = np.array([p.actual_days > p.forecast_days[2] for p in points])
        print(
            f"{project} N={n}: {len(points)} cut-offs, {int(missed.sum())} missed, "
            f"85 % met {1 - missed.mean():.2f}"
        )
        i = 0
        while i < len(points):
            if not missed[i]:
                i += 1
                continue
            j = i
            while j + 1 < len(points) and missed[j + 1]:
                j += 1
            p = points[i]
            before = float(((done < p.cutoff) & (done >= p.cutoff - 84)).sum()) / 12
            after = n / max(p.actual_days / 7, 1e-9)
            late = np.median([q.actual_days / q.forecast_days[2] for q in points[i : j + 1]])
            broke = pace_break(done, p.cutoff, before)
            print(
                f"  {j - i + 1:3d} misses in a row from week {(p.cutoff - first) / 7:4.0f}: "
                f"pace {before:4.1f} -> {after:4.1f} items/week, below half "
                f"{'never' if broke < 0 else f'{broke} weeks after the cut-off'}; "
                f"actual / 85 % date {late:.1f}x"
            )
            i = j + 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
