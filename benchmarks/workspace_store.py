"""How long storing, loading, exporting and importing the sample workspace takes.

Baseline, measured in the same run: the whole workspace as one JSON document (pydantic's
``model_dump_json`` / ``model_validate_json``), the least any store that validates on load can
do. Ratios are the operation's median over the baseline's median.

    python benchmarks/workspace_store.py [--seed 7] [--repeat 5] [--pg-url URL] [--json FILE]

``--pg-url`` (default: $ROADWISE_TEST_PG_URL) adds PostgreSQL; the benchmark creates and drops
its own database there. This benchmark reads no data from ../shared: the sample product is
generated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roadwise.domain import Workspace
from roadwise.sample import generate_sample
from roadwise.sources.csv_file import read_items_csv, write_items_csv
from roadwise.sources.yaml_file import read_workspace_yaml, write_workspace_yaml
from roadwise.workspace import open_store


def _median(func: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pg_database(server: str) -> tuple[str, Callable[[], None]]:
    import sqlalchemy as sa

    name = f"roadwise_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    url = sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    return url, drop


def run(seed: int, repeat: int, pg_url: str | None) -> list[dict[str, Any]]:
    ws = generate_sample(seed=seed)
    rows: list[dict[str, Any]] = []
    blob = ws.model_dump_json()
    baseline_write = _median(ws.model_dump_json, repeat)
    baseline_read = _median(lambda: Workspace.model_validate_json(blob), repeat)

    def add(target: str, operation: str, seconds: float, baseline: float) -> None:
        rows.append(
            {
                "target": target,
                "operation": operation,
                "median_s": round(seconds, 4),
                "baseline_s": round(baseline, 4),
                "ratio": round(seconds / baseline, 1),
            }
        )

    with tempfile.TemporaryDirectory() as folder:
        targets: list[tuple[str, str, Callable[[], None]]] = [
            ("sqlite", str(Path(folder) / "bench.db"), lambda: None)
        ]
        if pg_url:
            url, drop = _pg_database(pg_url)
            targets.append(("postgresql", url, drop))
        for name, url, cleanup in targets:
            try:
                with open_store(url) as store:
                    store.replace(ws)
                    add(name, "replace (store)", _median(lambda: store.replace(ws), repeat),
                        baseline_write)  # fmt: skip
                    add(name, "load", _median(store.load, repeat), baseline_read)
                    assert store.load() == ws
            finally:
                cleanup()
        yaml_path = Path(folder) / "ws.yaml"
        add("yaml", "write", _median(lambda: write_workspace_yaml(ws, yaml_path), repeat),
            baseline_write)  # fmt: skip
        add("yaml", "read", _median(lambda: read_workspace_yaml(yaml_path), repeat),
            baseline_read)  # fmt: skip
        csv_path = Path(folder) / "items.csv"
        add("csv (items)", "write", _median(lambda: write_items_csv(ws.items, csv_path), repeat),
            baseline_write)  # fmt: skip
        add("csv (items)", "read", _median(lambda: read_items_csv(csv_path), repeat),
            baseline_read)  # fmt: skip
    print(
        f"Sample seed {seed}: {len(ws.items)} items, {len(ws.history)} history records, "
        f"{len(ws.feedback)} feedback texts; median of {repeat} runs\n"
    )
    print(f"{'target':<12} {'operation':<16} {'median s':>9} {'JSON blob s':>12} {'ratio':>6}")
    for row in rows:
        print(
            f"{row['target']:<12} {row['operation']:<16} {row['median_s']:>9.3f} "
            f"{row['baseline_s']:>12.3f} {row['ratio']:>6.1f}"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=os.environ.get("ROADWISE_TEST_PG_URL"))
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = run(args.seed, args.repeat, args.pg_url)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
