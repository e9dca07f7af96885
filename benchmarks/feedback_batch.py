"""`roadwise feedback batch` on generated exports: in this process against Dask workers.

    python benchmarks/feedback_batch.py --sizes 100000,1000000 --repeats 3 \
        --json feedback-batch.json

Each run is a fresh process (so peak memory is its own): the sample workspace after a TPM
labelled about sixty texts teaches the model, a CSV export of N generated texts (the
throughput benchmark's generator) is classified and linked part by part, and near-duplicates
are grouped across all parts. Configurations: ``here`` (parts one after another in the
process), ``dask-1`` (one Dask worker process: what the scheduling costs) and ``dask-2`` (two
worker processes, this machine's cores). Reported: median wall time over the repeats (the
export is written once, before the runs, and not timed), texts per second, the ratio against
``here`` measured in the same run, and the peak resident memory of the main process and of
the largest worker. The output files of every configuration are compared byte for byte.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

CONFIGS = ("here", "dask-1", "dask-2")


def write_export(path: Path, size: int, seed: int) -> None:
    from roadwise.engines.feedback import synthetic as syn

    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "date", "text", "stars"])
        done = 0
        while done < size:
            part = syn.generate_texts(min(50_000, size - done), seed=seed + done)
            for i, text in enumerate(part, start=done):
                writer.writerow([i, "2026-10-01", text.text, text.rating or ""])
            done += len(part)


def child(config: str, export: Path, out: Path, part_size: int) -> dict[str, Any]:
    """One run, in its own process."""
    from roadwise.engines.feedback import FeedbackSettings, LexicalBackend
    from roadwise.engines.feedback.batch import batch_model
    from roadwise.sample import generate_sample
    from roadwise.sample.feedback import partly_labelled
    from roadwise.views._dask import DaskCluster
    from roadwise.views.feedback_batch import InProcess, OnDask, run_batch

    ws, _ = partly_labelled(generate_sample(seed=7), 60)
    settings = FeedbackSettings()
    runner: Any = (
        InProcess() if config == "here" else OnDask(DaskCluster(workers=int(config.split("-")[1])))
    )
    worker_mb = 0.0
    if config != "here":
        # The workers' own peak memory, asked of them after the run (before they stop).
        close = runner.close
        runner.close = lambda: None

    model = batch_model(ws, LexicalBackend(seed=settings.seed), settings)
    run = run_batch(export, out, model, customers=ws.customers, part_size=part_size, runner=runner)
    if config != "here":

        def peak() -> float:
            import resource as r

            return r.getrusage(r.RUSAGE_SELF).ru_maxrss / 1024

        worker_mb = max(runner.client.run(peak).values())
        close()
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    return {
        "config": config,
        "texts": run.tally.texts,
        "seconds": run.seconds,
        "main_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_peak_mb": worker_mb,
        "duplicates": run.duplicates,
        "sha256": digest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000", help="comma-separated export sizes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--part-size", type=int, default=20_000)
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", nargs=4, metavar=("CONFIG", "EXPORT", "OUT", "PART"))
    args = parser.parse_args()
    if args.child:
        config, export, out, part = args.child
        print(json.dumps(child(config, Path(export), Path(out), int(part))))
        return

    records = []
    configs = args.configs.split(",")
    print(
        f"{'texts':>9} {'run':<7} {'seconds':>8} {'texts/s':>8} {'vs here':>8} "
        f"{'main MB':>8} {'worker MB':>9}  same output"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            export = Path(folder) / "export.csv"
            write_export(export, size, args.seed)
            runs: dict[str, list[dict[str, Any]]] = {c: [] for c in configs}
            # Alternate the configurations, so a change in the machine's load hits all alike.
            for repeat in range(args.repeats):
                for config in configs:
                    out = Path(folder) / f"{config}-{repeat}.csv"
                    done = subprocess.run(
                        [sys.executable, __file__, "--child", config, str(export), str(out),
                         str(args.part_size)],
                        check=True, capture_output=True, text=True,
                        env={**os.environ, "OMP_NUM_THREADS": "1"},
                    )  # fmt: skip
                    runs[config].append(json.loads(done.stdout.strip().splitlines()[-1]))
                    out.unlink()
            base = statistics.median(r["seconds"] for r in runs[configs[0]])
            digests = {r["sha256"] for c in configs for r in runs[c]}
            for config in configs:
                seconds = statistics.median(r["seconds"] for r in runs[config])
                record = {
                    "texts": size,
                    "config": config,
                    "seconds": round(seconds, 2),
                    "all_seconds": [round(r["seconds"], 2) for r in runs[config]],
                    "texts_per_second": round(size / seconds),
                    "speedup_vs_here": round(base / seconds, 2),
                    "main_peak_mb": round(max(r["main_peak_mb"] for r in runs[config])),
                    "worker_peak_mb": round(max(r["worker_peak_mb"] for r in runs[config])),
                    "same_output": len(digests) == 1,
                    "load_average": round(os.getloadavg()[0], 1),
                }
                records.append(record)
                print(
                    f"{size:>9,} {config:<7} {seconds:>8.1f} {size / seconds:>8,.0f} "
                    f"{base / seconds:>7.2f}x {record['main_peak_mb']:>8} "
                    f"{record['worker_peak_mb'] or '-':>9}  {'yes' if len(digests) == 1 else 'NO'}",
                    flush=True,
                )
    if args.json:
        args.json.write_text(json.dumps(records, indent=2))


if __name__ == "__main__":
    main()
