"""PSPLIB benchmark: Roadwise's CP-SAT scheduling core on single-mode RCPSP (makespan).

Runs the same core that plans roadmaps, with makespan as the objective, on every instance of a
set, and compares it with the optimal / best-known makespans in ``results/`` and with the
list-scheduling baseline (serial schedule generation, latest-finish-time rule) in the same run.

    python benchmarks/psplib.py --data ../shared/benchmarks/psplib --set j30 --time-limit 10

Per set it prints: instances, share solved to the known optimum (or best known), mean gap to
the reference, share proven optimal by the solver, median and worst time, and the same gap for
the baseline. ``--json FILE`` writes one record per instance
(``instance, makespan, proven_optimal, seconds, baseline_makespan`` plus the reference).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
import sys
import time
import zipfile
from pathlib import Path

from roadwise.engines.schedule import SolveOptions, list_schedule, parse_sm, solve
from roadwise.engines.schedule.problem import makespan, violations

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "benchmarks" / "psplib"


def natural_key(name: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", name))


def references(data: Path, which: str) -> dict[str, int]:
    """Optimal (j30) or best-known upper-bound makespans by instance name."""
    results = data / "results"
    refs: dict[str, int] = {}
    for path in sorted(results.glob(f"{which}_*.csv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle):
                value = row.get("optimal_makespan") or row.get("best_known_upper_bound")
                if value:
                    refs.setdefault(row["instance"], int(value))
    if refs:
        return refs
    # Fall back on the PSPLIB solution lists: "P I makespan ..." lines.
    for path in sorted(results.glob(f"{which}*.sm")):
        for line in path.read_text(errors="replace").splitlines():
            parts = line.split()
            if len(parts) >= 3 and all(p.isdigit() for p in parts[:3]):
                refs.setdefault(f"{which}{parts[0]}_{parts[1]}", int(parts[2]))
    return refs


def instances(data: Path, which: str, use_zip: bool) -> list[tuple[str, str]]:
    """(name, text) of every instance of the set, from the folder or its zip archive."""
    folder = data / which
    archive = data / "archives" / f"{which}.sm.zip"
    found: dict[str, str] = {}
    if use_zip and archive.exists():
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if member.endswith(".sm"):
                    found[Path(member).stem] = zf.read(member).decode("ascii", errors="replace")
    elif folder.is_dir():
        for path in folder.glob("*.sm"):
            found[path.stem] = path.read_text(encoding="ascii", errors="replace")
    if not found:
        sys.exit(f"no {which} instances under {data} (looked in {folder} and {archive})")
    return sorted(found.items(), key=lambda kv: natural_key(kv[0]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument(
        "--set",
        dest="sets",
        action="append",
        choices=["j30", "j60", "j120"],
        help="instance set (repeatable; default: j30 and j60)",
    )
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument(
        "--workers", type=int, default=2, help="CP-SAT search workers (default: one per core here)"
    )
    parser.add_argument(
        "--zip", action="store_true", help="read all instances from archives/<set>.sm.zip"
    )
    parser.add_argument("--limit", type=int, default=0, help="only the first N instances")
    parser.add_argument("--json", type=Path, help="write one record per instance to FILE")
    args = parser.parse_args()

    sets = args.sets or ["j30", "j60"]
    records: list[dict[str, object]] = []
    summary_rows: list[list[str]] = []
    for which in sets:
        refs = references(args.data, which)
        todo = instances(args.data, which, args.zip)
        if args.limit:
            todo = todo[: args.limit]
        set_records: list[dict[str, object]] = []
        for name, text in todo:
            problem = parse_sm(text, name).to_problem()
            baseline = list_schedule(problem, rule="lft")
            started = time.perf_counter()
            result = solve(
                problem,
                SolveOptions(
                    objective="makespan", time_limit=args.time_limit, workers=args.workers
                ),
            )
            seconds = time.perf_counter() - started
            value = makespan(problem, result.placements) if result.feasible else None
            broken = violations(problem, result.placements) if result.feasible else ["none"]
            ref = refs.get(name)
            record: dict[str, object] = {
                "instance": name,
                "makespan": value,
                "proven_optimal": result.proven_optimal,
                "seconds": round(seconds, 3),
                "baseline_makespan": int(baseline.objective),
                "reference": ref,
                "bound": result.bound,
                "valid": not broken,
            }
            set_records.append(record)
            records.append(record)
            print(
                f"{name:>10}  makespan {value}  ref {ref}  base {int(baseline.objective)}"
                f"  {'proven' if result.proven_optimal else 'gap':>6}  {seconds:6.2f}s"
                + ("" if not broken else f"  INVALID: {broken[0]}"),
                flush=True,
            )
            if args.json:
                args.json.write_text(json.dumps(records, indent=1))
        summary_rows.append(summarise(which, set_records, args.time_limit))

    header = [
        "set",
        "instances",
        "at reference",
        "mean gap",
        "proven optimal",
        "median s",
        "worst s",
        "baseline at ref",
        "baseline mean gap",
    ]
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in summary_rows:
        print("| " + " | ".join(row) + " |")


def summarise(which: str, records: list[dict[str, object]], limit: float) -> list[str]:
    def gap(value: object, ref: object) -> float:
        assert isinstance(value, int) and isinstance(ref, int)
        return (value - ref) / ref

    with_ref = [r for r in records if r["reference"] is not None and r["makespan"] is not None]
    at_ref = sum(1 for r in with_ref if r["makespan"] == r["reference"])  # type: ignore[operator]
    gaps = [gap(r["makespan"], r["reference"]) for r in with_ref]
    base_gaps = [gap(r["baseline_makespan"], r["reference"]) for r in with_ref]
    base_at = sum(1 for r in with_ref if r["baseline_makespan"] == r["reference"])
    times = [float(r["seconds"]) for r in records]  # type: ignore[arg-type]
    proven = sum(1 for r in records if r["proven_optimal"])
    n = len(records)
    return [
        f"{which} ({limit:g} s)",
        str(n),
        f"{at_ref}/{len(with_ref)} ({100 * at_ref / max(1, len(with_ref)):.1f} %)",
        f"{100 * statistics.fmean(gaps):.2f} %" if gaps else "-",
        f"{proven}/{n}",
        f"{statistics.median(times):.2f}",
        f"{max(times):.2f}",
        f"{base_at}/{len(with_ref)}",
        f"{100 * statistics.fmean(base_gaps):.2f} %" if base_gaps else "-",
    ]


if __name__ == "__main__":
    main()
