"""Leave-one-project-out cross-validation of the forecast's calibration settings.

The settings of :class:`Calibration` (anchor weight, half-life, prior widening, regime-change
widening, finite-sample correction) are one choice for every team. Choosing them on the same
projects they are then scored on flatters them, so this script scores them honestly: for each
of the projects in turn, the setting with the best score on the *other* projects is chosen and
the held-out project is scored with it. It reports the cross-validated numbers beside the
plain (in-sample) numbers of the default and of the best setting.

Score of one project × N cell (lower is better; chosen before looking at results)::

    log(pinball / naive pinball) + mean_q |hit_q - q| + 2 * max(0, 0.80 - hit85)

i.e. sharpness against the straight line, calibration at the 50/70/85/95 % levels, and a
penalty for 85 % dates met less than 80 % of the time. Cut-offs as in
``forecast_backtest.py``: every 2 weeks from 6 months after the first resolution, N in
{10, 30, 100}. The simulations do not depend on the calibration, so each is run once and
shared by every setting (same seeds as ``forecast_backtest.py``: its default row is
reproduced exactly).

    python benchmarks/forecast_cv.py --data ../shared/datasets/history --json cv.json
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import sys
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from roadwise.engines.forecast.backtest import LEVELS, Calibration, backtest
from roadwise.engines.forecast.simulate import Sampling

sys.path.insert(0, str(Path(__file__).resolve().parent))
from forecast_backtest import DEFAULT_DATA, load

# The module, not the function the package re-exports under the same name.
_bt = importlib.import_module("roadwise.engines.forecast.backtest")
LV = np.array(LEVELS)
#: Grid keys that set the simulation's sampling (the rest set the calibration).
SAMPLING_KEYS = {"pauses", "block"}
Cell = dict[str, Any]

#: The settings compared (the default is added when it is not among them). Wider sweeps (anchor
#: 0.25 and 1.0, half-life 26 and 52 weeks, prior widening 2.5, the finite-sample correction,
#: widening both sides) scored worse than the default over the 20 projects and were dropped.
GRID: dict[str, list[Any]] = {
    "blend_naive": [0.5, 0.75],
    "halflife_weeks": [4.0, 6.5, 13.0],
    "regime_widen": [0.0, 0.25, 0.5, 1.0],
    "regime_late_only": [True],
}


def cell_score(c: Cell) -> float:
    h = np.array(c["hit"])
    return float(
        np.log(c["pinball"] / c["naive_pinball"])
        + np.abs(h - LV).mean()
        + 2.0 * max(0.0, 0.80 - h[2])
    )


def summary(cells: list[Cell]) -> dict[str, Any]:
    h = np.array([c["hit"] for c in cells])
    big = np.array([c["cutoffs"] >= 20 for c in cells])
    out: dict[str, Any] = {
        "cells": len(cells),
        "hit50": h[:, 0].mean(),
        "hit70": h[:, 1].mean(),
        "hit85": h[:, 2].mean(),
        "hit95": h[:, 3].mean(),
        "worst85_20cuts": h[big, 2].min(),
        "below70_20cuts": int((h[big, 2] < 0.70).sum()),
        "cells_20cuts": int(big.sum()),
        "pinball": float(np.mean([c["pinball"] for c in cells])),
        "naive_pinball": float(np.mean([c["naive_pinball"] for c in cells])),
        "score": float(np.mean([cell_score(c) for c in cells])),
    }
    for n in sorted({c["n"] for c in cells}):
        sub = [c for c in cells if c["n"] == n]
        out[f"hit85_n{n}"] = float(np.mean([c["hit"][2] for c in sub]))
        out[f"pinball_n{n}"] = float(np.mean([c["pinball"] for c in sub]))
        out[f"naive_pinball_n{n}"] = float(np.mean([c["naive_pinball"] for c in sub]))
    return {k: float(v) if isinstance(v, np.floating) else v for k, v in out.items()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--n", type=int, nargs="+", default=[10, 30, 100])
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--grid", default=None, help="JSON object: setting -> list of values")
    args = ap.parse_args(argv)
    grid = json.loads(args.grid) if args.grid else GRID
    folder = args.data / "tawosi2022_sp_vs_effort" / "rq2_rq3"
    files = sorted(folder.glob("*.csv"))
    if not files:
        print(f"no CSV files under {folder}", file=sys.stderr)
        return 2

    original = _bt.base_forecast
    cache: dict[tuple[str, int, float, float, Any], Any] = {}
    current = {"project": "", "n": 0}

    def cached(hist: Any, target: float, cutoff: float, *rest: Any) -> Any:
        # Same project, N, cut-off and sampling: the same history, so the same simulation.
        key = (current["project"], current["n"], target, cutoff, rest[-1])
        if key not in cache:
            cache[key] = original(hist, target, cutoff, *rest)
        return cache[key]

    _bt.base_forecast = cached
    data = {}
    for path in files:
        done = load(path)
        first = float(done[0])
        data[path.stem] = (done, np.arange(first + 6 * 30.44, float(done[-1]), 14.0))

    default = Calibration()
    variants = [dict(zip(grid, combo, strict=True)) for combo in itertools.product(*grid.values())]
    defaults = {k: getattr(Sampling() if k in SAMPLING_KEYS else default, k) for k in grid}
    if defaults not in variants:
        variants.insert(0, defaults)
    results: list[list[Cell]] = []
    started = time.perf_counter()
    for i, kw in enumerate(variants):
        cal = Calibration(
            **{**asdict(default), **{k: v for k, v in kw.items() if k not in SAMPLING_KEYS}}
        )
        sampling = Sampling(**{k: v for k, v in kw.items() if k in SAMPLING_KEYS})
        cells: list[Cell] = []
        for project, (done, cutoffs) in data.items():
            for n in args.n:
                current.update(project=project, n=n)
                s = backtest(
                    done,
                    float(n),
                    cutoffs,
                    sampling=sampling,
                    calibration=cal,
                    trials=args.trials,
                    seed=n,
                )
                if s.summary.cutoffs:
                    cells.append(
                        {
                            "project": project,
                            "n": n,
                            "cutoffs": s.summary.cutoffs,
                            "hit": list(s.summary.hit),
                            "pinball": s.summary.pinball,
                            "naive_pinball": s.summary.naive_pinball,
                        }
                    )
        results.append(cells)
        print(
            f"variant {i + 1}/{len(variants)} {kw} {time.perf_counter() - started:.0f} s",
            flush=True,
        )
    _bt.base_forecast = original

    projects = sorted(data)

    def score(i: int, exclude: str | None = None, n: int | None = None) -> float:
        cells = results[i]
        return float(
            np.mean(
                [
                    cell_score(c)
                    for c in cells
                    if c["project"] != exclude and (n is None or c["n"] == n)
                ]
            )
        )

    loo_cells: list[Cell] = []
    picks: list[int] = []
    for p in projects:
        best = min(range(len(variants)), key=lambda i, p=p: score(i, exclude=p))
        picks.append(best)
        loo_cells += [c for c in results[best] if c["project"] == p]
    loo_n_cells: list[Cell] = []
    for p in projects:
        for n in args.n:
            best = min(range(len(variants)), key=lambda i, p=p, n=n: score(i, p, n))
            loo_n_cells += [c for c in results[best] if c["project"] == p and c["n"] == n]
    best_all = min(range(len(variants)), key=score)
    i_default = variants.index(defaults)
    rows = {
        "default (plain)": summary(results[i_default]),
        "best setting (plain, in-sample)": summary(results[best_all]),
        "leave-one-project-out, one setting": summary(loo_cells),
        "leave-one-project-out, setting per N": summary(loo_n_cells),
    }
    head = (
        f"{'':<40}{'hit50':>7}{'hit70':>7}{'hit85':>7}{'hit95':>7}{'worst85':>9}"
        f"{'<0.70':>7}{'pinball':>9}{'naive':>8}{'score':>8}"
    )
    print()
    print(head)
    print("-" * len(head))
    for label, r in rows.items():
        print(
            f"{label:<40}{r['hit50']:>7.3f}{r['hit70']:>7.3f}{r['hit85']:>7.3f}{r['hit95']:>7.3f}"
            f"{r['worst85_20cuts']:>9.2f}{r['below70_20cuts']:>4}/{r['cells_20cuts']:<2}"
            f"{r['pinball']:>9.1f}{r['naive_pinball']:>8.1f}{r['score']:>8.3f}"
        )
    print()
    print(f"default: {defaults} (score {score(i_default):.4f})")
    print(f"best on all projects: {variants[best_all]} (score {score(best_all):.4f})")
    counts = Counter(json.dumps(variants[i]) for i in picks)
    print("chosen when one project is held out:")
    for v, k in counts.most_common():
        print(f"  {k:>2} x {v}")
    held_out = {p: [c for c in loo_cells if c["project"] == p] for p in projects}
    wins = sum(
        np.mean([cell_score(c) for c in held_out[p]])
        < np.mean([cell_score(c) for c in results[i_default] if c["project"] == p])
        for p in projects
    )
    print(f"held-out projects scored better than with the default: {wins} of {len(projects)}")
    print(f"{len(variants)} settings, {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "rows": rows,
                    "default": defaults,
                    "best": variants[best_all],
                    "loo_picks": {p: variants[i] for p, i in zip(projects, picks, strict=True)},
                    "variants": [
                        {"setting": v, "summary": summary(c), "cells": c}
                        for v, c in zip(variants, results, strict=True)
                    ],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
