"""Walk-forward backtest of Roadwise's forecasts on real Jira histories (TAWOS sample).

For every project in ``<data>/tawosi2022_sp_vs_effort/rq2_rq3/*.csv``: cut-offs every 2 weeks
from 6 months after the project's first resolution; at each, forecast when the next N items
will be finished (N in 10, 30, 100) from the data before the cut-off only, and compare with
the date the N-th item actually was. Three methods side by side:

* ``roadwise``: block bootstrap over mixed windows, calibrated by the method's own past errors
  on that project (only errors whose outcome was known before the cut-off);
* ``textbook``: the last 12 weeks of weekly throughput, resampled week by week, uncalibrated;
* ``naive``: average velocity since the first resolution, as a straight line (one date).

    python benchmarks/forecast_backtest.py --data ../shared/datasets/history --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from _tawos import project_files
from roadwise.engines.forecast.backtest import (
    LEVELS,
    BacktestPoint,
    Calibration,
    backtest,
    summarise,
)
from roadwise.engines.forecast.simulate import TEXTBOOK, Sampling
from roadwise.sources.history_csv import read_history_csv

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "history"


def load(path: Path) -> np.ndarray:
    result = read_history_csv(path, "tawos", team=path.stem)
    epoch = np.datetime64("1970-01-01T00:00:00")
    stamps = np.array([np.datetime64(r.done) for r in result.records])
    return np.sort((stamps - epoch) / np.timedelta64(1, "s") / 86400.0)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", type=Path, default=None, help="write one record per project and N")
    ap.add_argument("--n", type=int, nargs="+", default=[10, 30, 100])
    ap.add_argument("--every", type=int, default=14, help="days between cut-offs")
    ap.add_argument("--start-months", type=float, default=6.0)
    ap.add_argument("--trials", type=int, default=2000)
    ap.add_argument("--projects", nargs="*", default=None, help="only these projects")
    ap.add_argument("--no-textbook", action="store_true")
    ap.add_argument("--prior-weight", type=float, default=Calibration().prior_weight)
    ap.add_argument("--inflation", type=float, default=Calibration().inflation)
    ap.add_argument("--halflife", type=float, default=Calibration().halflife_weeks)
    ap.add_argument("--block", type=int, default=Sampling().block)
    ap.add_argument("--regime", action="store_true", help="regress errors on the regime")
    ap.add_argument("--spread-only", action="store_true", help="calibrate the spread only")
    ap.add_argument("--blend-naive", type=float, default=Calibration().blend_naive)
    ap.add_argument("--finite-sample", action="store_true", help="conformal n+1 correction")
    ap.add_argument("--pool", default=Calibration().pool, choices=["mature", "censor", "known"])
    ap.add_argument(
        "--regime-widen",
        type=float,
        default=Calibration().regime_widen,
        help="widen by this times the departure of recent pace from the long-run line",
    )
    ap.add_argument(
        "--regime-late-only",
        action="store_true",
        help="widen only the late dates, and only for a team that has slowed down",
    )
    ap.add_argument(
        "--adapt-rate",
        type=float,
        default=Calibration().adapt_rate,
        help="step of the per-team adaptive conformal correction (0: off)",
    )
    ap.add_argument(
        "--adapt-mode",
        default=Calibration().adapt_mode,
        choices=["level", "offset"],
        help="correct the quantile level (Gibbs & Candes) or the log-duration",
    )
    ap.add_argument("--windows", type=int, nargs="+", default=list(Sampling().windows))
    ap.add_argument(
        "--no-pauses",
        action="store_true",
        help="cut pauses into blocks like any other weeks (the sampling before pauses were kept)",
    )
    args = ap.parse_args(argv)
    # Averages over columns a method does not have (e.g. the naive line's 50 %) are nan.
    warnings.filterwarnings("ignore", "Mean of empty slice", RuntimeWarning)

    files = project_files(args.data, args.projects)
    if not files:
        print(f"no project CSV files under {args.data}", file=sys.stderr)
        return 2
    calibration = Calibration(
        prior_weight=args.prior_weight,
        inflation=args.inflation,
        halflife_weeks=args.halflife,
        pool=args.pool,
        regime=args.regime,
        spread_only=args.spread_only,
        blend_naive=args.blend_naive,
        finite_sample=args.finite_sample,
        regime_widen=args.regime_widen,
        regime_late_only=args.regime_late_only,
        adapt_rate=args.adapt_rate,
        adapt_mode=args.adapt_mode,
    )
    sampling = Sampling(block=args.block, windows=tuple(args.windows), pauses=not args.no_pauses)

    records: list[dict[str, object]] = []
    pooled: dict[tuple[str, int], list[BacktestPoint]] = {}
    started = time.perf_counter()
    header = (
        f"{'project':<11}{'N':>4}{'cuts':>6}{'hit50':>7}{'hit85':>7}{'hit95':>7}"
        f"{'pinball':>9}{'tb85':>7}{'tb_pin':>9}{'nv85':>7}{'nv_pin':>9}"
    )
    print(header)
    print("-" * len(header))
    for path in files:
        done = load(path)
        first = float(done[0])
        start = first + args.start_months * 30.44
        cutoffs = np.arange(start, float(done[-1]), float(args.every))
        for n in args.n:
            ours = backtest(
                done,
                float(n),
                cutoffs,
                sampling=sampling,
                calibration=calibration,
                trials=args.trials,
                seed=n,
            )
            s = ours.summary
            rec: dict[str, object] = {
                "project": path.stem,
                "n": n,
                "cutoffs": s.cutoffs,
                "hit50": s.hit_at(0.5),
                "hit70": s.hit_at(0.7),
                "hit85": s.hit_at(0.85),
                "hit95": s.hit_at(0.95),
                "pinball": s.pinball,
                "naive_hit85": s.naive_hit,
                "naive_pinball": s.naive_pinball,
                "uncalibrated_hit85": s.base_hit[LEVELS.index(0.85)],
                "uncalibrated_pinball": s.base_pinball,
            }
            pooled.setdefault(("roadwise", n), []).extend(ours.points)
            tb_hit85 = tb_pin = float("nan")
            if not args.no_textbook:
                tb = backtest(
                    done,
                    float(n),
                    cutoffs,
                    sampling=TEXTBOOK,
                    calibration=Calibration(enabled=False),
                    trials=args.trials,
                    seed=n,
                )
                tb_hit85 = tb.summary.hit_at(0.85)
                tb_pin = tb.summary.pinball
                rec.update(
                    textbook_hit50=tb.summary.hit_at(0.5),
                    textbook_hit85=tb_hit85,
                    textbook_hit95=tb.summary.hit_at(0.95),
                    textbook_pinball=tb_pin,
                )
                pooled.setdefault(("textbook", n), []).extend(tb.points)
            records.append(rec)
            print(
                f"{path.stem:<11}{n:>4}{s.cutoffs:>6}{s.hit_at(0.5):>7.2f}{s.hit_at(0.85):>7.2f}"
                f"{s.hit_at(0.95):>7.2f}{s.pinball:>9.1f}{tb_hit85:>7.2f}{tb_pin:>9.1f}"
                f"{s.naive_hit:>7.2f}{s.naive_pinball:>9.1f}",
                flush=True,
            )
    elapsed = time.perf_counter() - started

    print()
    print("Averages over projects (each project weighs the same; only projects with cut-offs)")
    line = (
        f"{'method':<10}{'N':>5}{'projects':>9}{'hit50':>7}{'hit70':>7}{'hit85':>7}"
        f"{'hit95':>7}{'min85 (>=20 cuts)':>19}{'pinball':>9}"
    )
    print(line)
    print("-" * len(line))
    overall: dict[str, dict[str, float]] = {}
    for method in ("roadwise", "textbook", "naive", "uncalibrated"):
        for n in [*args.n, 0]:
            rows = [r for r in records if (n == 0 or r["n"] == n) and int(r["cutoffs"]) > 0]
            if method == "textbook" and args.no_textbook:
                continue
            if not rows:
                continue

            def col(name: str, rows: list[dict[str, object]] = rows) -> np.ndarray:
                return np.array([float(r[name]) for r in rows])  # type: ignore[arg-type]

            if method == "roadwise":
                h50, h70, h85, h95, pin = (
                    col("hit50"),
                    col("hit70"),
                    col("hit85"),
                    col("hit95"),
                    col("pinball"),
                )
            elif method == "textbook":
                h50, h85, h95, pin = (
                    col("textbook_hit50"),
                    col("textbook_hit85"),
                    col("textbook_hit95"),
                    col("textbook_pinball"),
                )
                h70 = np.full(len(rows), np.nan)
            elif method == "naive":
                h85 = col("naive_hit85")
                h50 = h70 = h95 = np.full(len(rows), np.nan)
                pin = col("naive_pinball")
            else:
                h85 = col("uncalibrated_hit85")
                h50 = h70 = h95 = np.full(len(rows), np.nan)
                pin = col("uncalibrated_pinball")
            big = col("cutoffs") >= 20
            worst = float(np.min(h85[big])) if big.any() else float("nan")
            label = "all" if n == 0 else str(n)
            print(
                f"{method:<10}{label:>5}{len(rows):>9}{np.nanmean(h50):>7.2f}"
                f"{np.nanmean(h70):>7.2f}{np.nanmean(h85):>7.2f}{np.nanmean(h95):>7.2f}"
                f"{worst:>19.2f}{np.mean(pin):>9.1f}"
            )
            if n == 0:
                overall[method] = {
                    "hit85": float(np.nanmean(h85)),
                    "pinball": float(np.mean(pin)),
                    "worst_hit85_20cuts": worst,
                }
    pooled_rw = summarise([p for (m, _), pts in pooled.items() if m == "roadwise" for p in pts])
    print()
    print(
        f"pooled over all cut-offs: roadwise hit85 {pooled_rw.hit_at(0.85):.3f}, "
        f"pinball {pooled_rw.pinball:.1f} d; naive pinball {pooled_rw.naive_pinball:.1f} d; "
        f"{pooled_rw.cutoffs} scored cut-offs; {elapsed:.0f} s"
    )
    if args.json:
        # NaN (a project with no scorable cut-off for some N) is not JSON: write null.
        clean = [
            {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
            for r in records
        ]
        args.json.write_text(json.dumps({"records": clean, "overall": overall}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
