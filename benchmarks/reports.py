"""How long the stakeholder reports take on the sample product.

Times, over repeated runs: gathering the engines' results (the work shared by all reports),
building all six report kinds from them, and writing them as HTML, Markdown and PDF. The
baseline is the same reports built from the workspace alone (no engine runs), measured in
the same run. The target: all kinds built in under 20 s together.

    python benchmarks/reports.py --repeat 3 --json reports.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7, help="seed of the sample product")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--json", type=Path, default=None, help="write the medians here")
    args = parser.parse_args()

    from roadwise.sample import generate_sample
    from roadwise.views.reports import REPORT_KINDS, build_report, gather, write_report

    ws = generate_sample(seed=args.seed)
    timings: dict[str, list[float]] = {}

    def timed(name: str, func):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        result = func()
        timings.setdefault(name, []).append(time.perf_counter() - started)
        return result

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for _ in range(args.repeat):
            bare = timed("baseline: workspace only", lambda: gather(ws, steps=()))
            timed(
                "baseline: build all kinds",
                lambda b=bare: [build_report(k, ws, facts=b) for k in REPORT_KINDS],
            )
            facts = timed("gather engine results", lambda: gather(ws))
            reports = timed(
                "build all kinds",
                lambda f=facts: {k: build_report(k, ws, facts=f) for k in REPORT_KINDS},
            )
            for fmt in ("html", "md", "pdf"):
                timed(
                    f"write all kinds as {fmt}",
                    lambda fmt=fmt, r=reports: [
                        write_report(rep, out / f"{k}.{fmt}", fmt, ws) for k, rep in r.items()
                    ],
                )
    medians = {name: statistics.median(values) for name, values in timings.items()}
    total = medians["gather engine results"] + medians["build all kinds"]
    base = medians["baseline: workspace only"] + medians["baseline: build all kinds"]
    print(f"sample product seed {args.seed}: {len(ws.items)} items, {len(ws.history)} history")
    print(f"{'step':<32}{'median s':>10}")
    for name, value in medians.items():
        print(f"{name:<32}{value:>10.2f}")
    print(f"{'all kinds built (engines)':<32}{total:>10.2f}   target < 20 s")
    print(f"{'ratio to workspace-only build':<32}{total / base if base else float('inf'):>10.1f}x")
    if args.json:
        args.json.write_text(json.dumps({"medians": medians, "built_s": total}, indent=2))


if __name__ == "__main__":
    main()
