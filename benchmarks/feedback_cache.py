"""Repeated feedback commands on an unchanged workspace: cold cache against warm cache.

    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/feedback_cache.py --json cache.json
    OMP_NUM_THREADS=1 nice -n 19 python benchmarks/feedback_cache.py --texts 100000 \
        --commands demand --repeats 1

By default the sample product (``roadwise sample``, 2,300 feedback texts) is stored in a
temporary workspace; ``--texts N`` stores N generated texts instead (the engine's synthetic
generator, 15 % of linkable texts confirmed, a label on every 100th text), ``--db`` uses a
workspace you already have (read only: only ``demand`` and ``themes`` are run, they write
nothing).

Per command, in the same run and in this order, each ``--repeats`` times:

* **off**: ``ROADWISE_CACHE_DIR=off``, the behaviour before the analysis cache;
* **cold**: an empty cache folder (the analysis runs and fills it);
* **warm**: the same command again on that folder (every step is found).

Each is a fresh ``roadwise feedback <command> --json`` process, timed from start to exit, so
the figures are what a user waits for (start-up, loading the workspace and the analysis).
The outputs of the three must be identical, or the script stops. It also times the analysis
alone in one process (``analyse_feedback`` without and with a warm cache), and reports medians
and the warm/off ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "feedback"  # not read: generated data only
ROADWISE = [sys.executable, "-c", "from roadwise.views.cli import main; main()"]


def sample_workspace(folder: Path) -> str:
    path = str(folder / "sample.db")
    subprocess.run([*ROADWISE, "sample", "--db", path], check=True, capture_output=True)
    return path


def generated_workspace(folder: Path, texts: int, seed: int) -> str:
    import datetime as dt

    from roadwise.domain import Workspace
    from roadwise.engines.feedback import synthetic as syn
    from roadwise.workspace import open_store

    as_of = dt.date(2026, 6, 30)
    customers = syn.customers(200, seed=seed)
    feedback, truth = syn.feedback_records(
        texts,
        seed=seed,
        customer_keys=[c.key for c in customers],
        confirmed_share=0.15,
        as_of=as_of,
    )
    labelled = [
        f.model_copy(update={"label": t.label, "label_source": "user"}) if i % 100 == 0 else f
        for i, (f, t) in enumerate(zip(feedback, truth, strict=True))
    ]
    ws = Workspace(
        name="generated",
        as_of=as_of,
        customers=customers,
        items=syn.backlog_items(),
        feedback=labelled,
    )
    path = str(folder / f"generated-{texts}.db")
    open_store(path).replace(ws)
    return path


def run_command(command: str, db: str, cache: str) -> tuple[float, str]:
    env = {**os.environ, "ROADWISE_CACHE_DIR": cache}
    start = time.perf_counter()
    done = subprocess.run(
        [*ROADWISE, "feedback", command, "--db", db, "--json"],
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"roadwise feedback {command} failed:\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def time_commands(
    commands: list[str], db: str, repeats: int, scratch: Path
) -> list[dict[str, Any]]:
    records = []
    for command in commands:
        times: dict[str, list[float]] = {"off": [], "cold": [], "warm": []}
        outputs: set[str] = set()
        for repeat in range(repeats):
            elapsed, out = run_command(command, db, "off")
            times["off"].append(elapsed)
            outputs.add(out)
            folder = scratch / f"cache-{command}-{repeat}"  # empty: a cold start
            for state in ("cold", "warm"):
                elapsed, out = run_command(command, db, str(folder))
                times[state].append(elapsed)
                outputs.add(out)
        if len(outputs) != 1:
            raise SystemExit(f"feedback {command}: outputs differ between off, cold and warm")
        medians = {k: statistics.median(v) for k, v in times.items()}
        records.append(
            {
                "what": f"roadwise feedback {command}",
                **{f"{k}_s": round(v, 3) for k, v in medians.items()},
                "runs": {k: [round(x, 3) for x in v] for k, v in times.items()},
                "warm_vs_off": round(medians["warm"] / medians["off"], 3),
            }
        )
    return records


def time_analysis(db: str, repeats: int, scratch: Path) -> dict[str, Any]:
    """The analysis alone, in this process: no cache against a warm one."""
    from roadwise.engines.feedback import FeedbackSettings, analyse_feedback
    from roadwise.sources.analysis_cache import AnalysisCache
    from roadwise.sources.text_models import make_backend
    from roadwise.workspace import open_store

    ws = open_store(db).load()
    settings = FeedbackSettings.from_mapping(
        ws.settings.extra.get("feedback"), seed=ws.settings.seed
    )
    cache = AnalysisCache(scratch / "in-process")

    def once(with_cache: bool) -> float:
        backend = make_backend(settings.backend, settings.model, settings.seed)
        start = time.perf_counter()
        analyse_feedback(ws, backend, settings, cache=cache if with_cache else None)
        return time.perf_counter() - start

    once(True)  # fills the cache
    off = [once(False) for _ in range(repeats)]
    warm = [once(True) for _ in range(repeats)]
    entries, size = cache.size()
    return {
        "what": "analyse_feedback (in one process)",
        "off_s": round(statistics.median(off), 3),
        "cold_s": None,
        "warm_s": round(statistics.median(warm), 3),
        "runs": {"off": [round(x, 3) for x in off], "warm": [round(x, 3) for x in warm]},
        "warm_vs_off": round(statistics.median(warm) / statistics.median(off), 3),
        "cache_entries": entries,
        "cache_mb": round(size / 2**20, 2),
        "texts": len(ws.feedback),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=argparse.SUPPRESS)
    parser.add_argument("--db", default=None, help="An existing workspace (default: the sample).")
    parser.add_argument("--texts", type=int, default=0, help="Generate a workspace of N texts.")
    parser.add_argument("--commands", default="demand,themes")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        if args.db:
            db, label = args.db, args.db
        elif args.texts:
            db, label = generated_workspace(scratch, args.texts, args.seed), f"{args.texts} texts"
        else:
            db, label = sample_workspace(scratch), "sample product"
        commands = [c.strip() for c in args.commands.split(",") if c.strip()]
        records = time_commands(commands, db, args.repeats, scratch)
        records.append(time_analysis(db, args.repeats, scratch))

    print(f"Feedback commands on an unchanged workspace ({label}), median of {args.repeats}:")
    print(f"{'':40} {'cache off':>10} {'cold':>8} {'warm':>8} {'warm/off':>9}")
    for r in records:
        cold = f"{r['cold_s']:.2f}" if r["cold_s"] is not None else "—"
        print(
            f"{r['what']:40} {r['off_s']:>10.2f} {cold:>8} {r['warm_s']:>8.2f} "
            f"{r['warm_vs_off']:>9.2f}"
        )
    last = records[-1]
    print(f"cache after the run: {last['cache_entries']} entries, {last['cache_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps({"workspace": label, "records": records}, indent=2))


if __name__ == "__main__":
    main()
