"""How fast does Roadwise rank a large backlog with uncertainty?

Scores a generated backlog of 10,000 items whose every WSJF input and estimate is a three-point
range, with 1,000 Monte Carlo samples (expected score, 90 % interval, P(top k), expected rank),
and 100,000 items with point inputs. Each case is timed along the paths a caller can take:
from arrays (``score_table``, the fast path), from domain objects (``gather_inputs`` reads the
pydantic items, then ``score_table``), and the full result (``prioritize``: also one typed
result per item with its contributions and arithmetic, coin flips and value of information).
The baseline, measured in the same run, is the straightforward way: a Python loop over items
drawing each item's samples with NumPy, then ranking every simulated world.

    python benchmarks/prioritize_speed.py [--repeats 5] [--json out.json]

The data is generated (seeded), so no ``--data`` folder is needed.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from roadwise.domain import Estimate, Item, Range, ValueInputs, Workspace
from roadwise.engines.prioritize import (
    InputTable,
    PriorityOptions,
    gather_inputs,
    prioritize,
    score_table,
)

WSJF_INPUTS = ("business_value", "time_criticality", "risk_reduction", "effort")


def generate(n: int, uncertain: bool, seed: int = 0) -> dict[str, tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(seed)
    out = {}
    for name in WSJF_INPUTS:
        likely = rng.choice([1.0, 2, 3, 5, 8, 13, 20], size=n)
        if uncertain:
            low = likely * rng.uniform(0.4, 1.0, n)
            high = likely * rng.uniform(1.0, 3.0, n)
        else:
            low = high = likely
        out[name] = (np.round(low, 2), likely, np.round(high, 2))
    return out


def as_items(columns: dict[str, tuple[np.ndarray, ...]]) -> list[Item]:
    n = len(columns["effort"][0])
    items = []
    for i in range(n):
        r = {k: (float(v[0][i]), float(v[1][i]), float(v[2][i])) for k, v in columns.items()}

        def unc(k: str, r: dict[str, tuple[float, float, float]] = r) -> float | Range:
            lo, mid, hi = r[k]
            return mid if lo == hi else Range(low=lo, likely=mid, high=hi)

        lo, mid, hi = r["effort"]
        items.append(
            Item(
                key=f"BIG-{i}",
                title=f"Generated item {i}",
                estimate=Estimate(low=lo, likely=mid, high=hi),
                value=ValueInputs(
                    business_value=unc("business_value"),
                    time_criticality=unc("time_criticality"),
                    risk_reduction=unc("risk_reduction"),
                ),
            )
        )
    return items


def naive_baseline(
    columns: dict[str, tuple[np.ndarray, ...]], samples: int, k: int, seed: int = 0
) -> np.ndarray:
    """Per-item loop: PERT samples with NumPy's beta for each item and input, then ranks."""
    rng = np.random.default_rng(seed)
    n = len(columns["effort"][0])
    scores = np.empty((n, samples))
    for i in range(n):
        draws = {}
        for name, (low, mid, high) in columns.items():
            lo, m, hi = low[i], mid[i], high[i]
            if hi > lo:
                a = 1 + 4 * (m - lo) / (hi - lo)
                b = 1 + 4 * (hi - m) / (hi - lo)
                draws[name] = lo + (hi - lo) * rng.beta(a, b, samples)
            else:
                draws[name] = np.full(samples, m)
        scores[i] = (
            draws["business_value"] + draws["time_criticality"] + draws["risk_reduction"]
        ) / np.maximum(draws["effort"], 0.1)
    ranks = np.empty_like(scores)
    for t in range(samples):  # rank each simulated world
        order = np.argsort(-scores[:, t])
        ranks[order, t] = np.arange(1, n + 1)
    p_top = (ranks <= k).mean(axis=1)
    return np.asarray(
        [scores.mean(axis=1), *np.percentile(scores, [5, 95], axis=1), p_top, ranks.mean(axis=1)]
    )


def measure(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """Median seconds over ``repeats`` runs, and the peak traced memory of one run (MiB)."""
    fn()  # warm-up: lazily built tables, imports
    times = []
    for _ in range(repeats):
        gc.collect()
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=1_000)
    parser.add_argument("--point-items", type=int, default=100_000)
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline-repeats", type=int, default=1)
    parser.add_argument("--json", type=str, default=None, help="write the results here")
    args = parser.parse_args()

    rows: list[dict[str, Any]] = []

    def record(case: str, path: str, seconds: float, peak: float, baseline: float | None) -> None:
        rows.append(
            {
                "case": case,
                "path": path,
                "median_s": seconds,
                "peak_mib": peak,
                "speedup_vs_baseline": (baseline / seconds) if baseline else None,
            }
        )

    options = PriorityOptions(framework="wsjf", samples=args.samples, top_k=args.top, seed=1)
    mc_case = f"{args.items:,} items x {args.samples:,} samples"
    columns = generate(args.items, uncertain=True)
    keys = [f"BIG-{i}" for i in range(args.items)]
    base_s, base_mem = measure(
        lambda: naive_baseline(columns, args.samples, args.top), args.baseline_repeats
    )
    record(mc_case, "baseline: per-item loop", base_s, base_mem, None)
    table = InputTable.from_arrays(keys, columns)
    s, m = measure(lambda: score_table(table, options), args.repeats)
    record(mc_case, "arrays (score_table)", s, m, base_s)
    s, m = measure(
        lambda: prioritize(InputTable.from_arrays(keys, columns), settings=options), args.repeats
    )
    record(mc_case, "arrays, full result", s, m, base_s)
    items = as_items(columns)
    s, m = measure(lambda: score_table(gather_inputs(Workspace(), items), options), args.repeats)
    record(mc_case, "domain objects (gather_inputs + score_table)", s, m, base_s)
    s, m = measure(lambda: prioritize(items, settings=options), args.repeats)
    record(mc_case, "domain objects, full result", s, m, base_s)

    point_case = f"{args.point_items:,} items, point inputs"
    point_columns = generate(args.point_items, uncertain=False, seed=1)
    point_keys = [f"BIG-{i}" for i in range(args.point_items)]
    point_options = PriorityOptions(framework="wsjf", samples=args.samples, top_k=args.top)

    def python_loop() -> list[tuple[float, str]]:
        bv, tc, rr, eff = (point_columns[n][1].tolist() for n in WSJF_INPUTS)
        scored = [
            ((bv[i] + tc[i] + rr[i]) / max(eff[i], 0.1), point_keys[i])
            for i in range(args.point_items)
        ]
        return sorted(scored, reverse=True)

    loop_s, loop_mem = measure(python_loop, args.repeats)
    record(point_case, "baseline: Python loop + sort", loop_s, loop_mem, None)
    point_table = InputTable.from_arrays(point_keys, point_columns)
    s, m = measure(lambda: score_table(point_table, point_options), args.repeats)
    record(point_case, "arrays (score_table)", s, m, loop_s)
    point_items = as_items(point_columns)
    s, m = measure(
        lambda: score_table(gather_inputs(Workspace(), point_items), point_options),
        max(1, args.repeats // 2),
    )
    record(point_case, "domain objects (gather_inputs + score_table)", s, m, loop_s)
    s, m = measure(
        lambda: prioritize(point_items, settings=point_options), max(1, args.repeats // 2)
    )
    record(point_case, "domain objects, full result", s, m, loop_s)

    print(
        f"\nPrioritisation speed (WSJF, top {args.top}; {platform.processor() or 'cpu'}, "
        f"median of {args.repeats})\n"
    )
    print("| case | path | median time (s) | peak memory (MiB) | speed vs baseline |")
    print("|---|---|---:|---:|---:|")
    for r in rows:
        ratio = f"{r['speedup_vs_baseline']:.2f}x" if r["speedup_vs_baseline"] else "1x"
        print(
            f"| {r['case']} | {r['path']} | {r['median_s']:.3f} | {r['peak_mib']:.0f} | {ratio} |"
        )
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump({"args": vars(args), "results": rows}, fh, indent=2)


if __name__ == "__main__":
    main()
