"""How fast is the Monte Carlo core? 100,000 trials for a 1,000-item backlog.

Times ``simulate_weeks`` (whole trial matrices, blocks of weeks, mixed windows) on a synthetic
two-year weekly history, against the textbook sampler (single weeks, last 12) in the same run,
and reports the peak memory Python allocated (tracemalloc, NumPy included).

    python benchmarks/forecast_speed.py [--trials 100000] [--items 1000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import tracemalloc
from pathlib import Path

import numpy as np

from roadwise.engines.forecast.simulate import TEXTBOOK, Sampling, simulate_weeks


def run(history: np.ndarray, items: int, trials: int, sampling: Sampling, repeat: int) -> dict:
    times = []
    for i in range(repeat):
        rng = np.random.default_rng(i)
        start = time.perf_counter()
        weeks = simulate_weeks(history, float(items), trials, rng, sampling)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    simulate_weeks(history, float(items), trials, np.random.default_rng(0), sampling)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "median_s": statistics.median(times),
        "min_s": min(times),
        "peak_mib": peak / 2**20,
        "p85_weeks": float(np.quantile(weeks, 0.85)),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--trials", type=int, default=100_000)
    ap.add_argument("--items", type=int, default=1000)
    ap.add_argument("--rate", type=float, default=12.0, help="mean items per week in history")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(42)
    history = rng.poisson(args.rate, 104).astype(float)
    rows = {
        "roadwise (blocks of 4, mixed windows)": run(
            history, args.items, args.trials, Sampling(), args.repeat
        ),
        "textbook (single weeks, last 12)": run(
            history, args.items, args.trials, TEXTBOOK, args.repeat
        ),
    }
    print(f"{args.trials:,} trials, {args.items:,} items, history mean {history.mean():.1f}/week")
    print(f"{'sampler':<40}{'median s':>10}{'min s':>9}{'peak MiB':>10}{'p85 weeks':>11}")
    for name, r in rows.items():
        print(
            f"{name:<40}{r['median_s']:>10.3f}{r['min_s']:>9.3f}{r['peak_mib']:>10.0f}"
            f"{r['p85_weeks']:>11.1f}"
        )
    base = rows["textbook (single weeks, last 12)"]["median_s"]
    ours = rows["roadwise (blocks of 4, mixed windows)"]["median_s"]
    print(f"ratio roadwise / textbook: {ours / base:.2f}")
    if args.json:
        args.json.write_text(
            json.dumps({"trials": args.trials, "items": args.items, "results": rows}, indent=1)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
