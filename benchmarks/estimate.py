"""Story-point suggestions on the Deep-SE benchmark (Choetkiertikul et al.), against the
median baseline and the published deep models.

    OMP_NUM_THREADS=1 python benchmarks/estimate.py --data ../shared/datasets/history \
        --json estimate.json

For each project in ``<data>/choetkiertikul2018_storypoint``: the published chronological
split (``splits/<project>_3sets.txt``: train, valid, test). Roadwise's size model
(:func:`roadwise.engines.estimate.fit_sizes`) learns from train and valid together, in order
(it holds out the most recent quarter itself, about the valid split, to choose its settings,
then refits on all), and suggests a size for each test issue from its title and description.
Reported per project: MAE of the raw and of the snapped suggestion (on the project's own
point scale), the median baseline (the train split's median, as in the replication of
Tawosi et al. 2023, "NoCut" setting: raw points), how often the suggested 80 % range held,
and the published MAE of Deep-SE (original paper; replication Rep and NoCut) and GPT2SP, read
from ``<data>/baselines``.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from roadwise.engines.estimate import FinishedWork, Work, fit_sizes, suggest_sizes

ROOT = Path(__file__).resolve().parent.parent
# issue-key prefixes of the replication's table, by project file
PREFIX = {
    "appceleratorstudio": "TISTUD",
    "aptanastudio": "APSTUD",
    "bamboo": "BAM",
    "clover": "CLOV",
    "datamanagement": "DM",
    "duracloud": "DURACLOUD",
    "jirasoftware": "JSWSERVER",
    "mesos": "MESOS",
    "moodle": "MDL",
    "mule": "MULE",
    "mulestudio": "MULESTUDIO",
    "springxd": "XD",
    "talenddataquality": "TDQ",
    "talendesb": "TESB",
    "titanium": "TIMOB",
    "usergrid": "USERGRID",
}


def load(folder: Path, project: str) -> tuple[list[dict[str, str]], list[str]]:
    """The project's rows (in creation order) and each row's split."""
    csv.field_size_limit(1 << 30)
    with (folder / f"{project}.csv").open(encoding="utf-8", errors="replace", newline="") as f:
        rows = list(csv.DictReader(f))
    lines = (folder / "splits" / f"{project}_3sets.txt").read_text().splitlines()[1:]
    parts = []
    for line in lines:
        if not line.strip():
            continue
        train, valid, _test = line.split("\t")[:3]
        parts.append("train" if train == "1" else "valid" if valid == "1" else "test")
    if len(parts) != len(rows):
        raise SystemExit(f"{project}: {len(rows)} rows but {len(parts)} split rows")
    return rows, parts


def published(data: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    base = data / "baselines"
    with (base / "choetkiertikul2018_preprint_table3_within_project.csv").open() as f:
        for r in csv.DictReader(f):
            if r["method"] == "Deep-SE":
                out.setdefault(r["project_file"], {})["deepse_orig"] = float(r["MAE"])
    by_prefix = {v: k for k, v in PREFIX.items()}
    with (base / "tawosi2023_supp_table1_choet_dataset_replication.csv").open() as f:
        for r in csv.DictReader(f):
            project = by_prefix.get(r["project_key"])
            if project and r["method"] == "Deep-SE":
                out.setdefault(project, {})["deepse_rep"] = float(r["MAE_Rep"])
                out[project]["deepse_nocut"] = float(r["MAE_NoCut"])
    with (base / "gpt2sp_within_project_mae.csv").open() as f:
        for r in csv.DictReader(f):
            out.setdefault(r["Project"], {})["gpt2sp"] = float(r["GPT2SP"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "history"
    )
    parser.add_argument("--only", nargs="*", default=None, help="project files to run")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    folder = args.data / "choetkiertikul2018_storypoint"
    if not folder.is_dir():
        raise SystemExit(f"no {folder}: pass --data DIR (the folder holding it)")
    pub = published(args.data)
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.csv")):
        project = path.stem
        if args.only and project not in args.only:
            continue
        rows, parts = load(folder, project)
        work = [
            FinishedWork(
                r["issuekey"], f"{r['title']} . {r['description'] or ''}", float(r["storypoint"])
            )
            for r in rows
        ]
        learn = [w for w, p in zip(work, parts, strict=True) if p != "test"]
        test = [w for w, p in zip(work, parts, strict=True) if p == "test"]
        train_median = float(
            np.median([w.points for w, p in zip(work, parts, strict=True) if p == "train"])
        )
        t0 = time.perf_counter()
        model = fit_sizes(learn)
        fit_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        suggested = suggest_sizes(model, [Work(w.text) for w in test])
        suggest_s = time.perf_counter() - t0
        actual = np.array([w.points for w in test])
        raw = np.array([s.points for s in suggested])
        likely = np.array([s.likely for s in suggested])
        inside = np.array([s.low <= a <= s.high for s, a in zip(suggested, actual, strict=True)])
        record = {
            "project": project,
            "issues": len(rows),
            "test": len(test),
            "mae_raw": float(np.mean(np.abs(raw - actual))),
            "mae": float(np.mean(np.abs(likely - actual))),
            "mdae": float(np.median(np.abs(likely - actual))),
            "median_mae": float(np.mean(np.abs(train_median - actual))),
            "range_held": float(inside.mean()),
            "range_width": float(np.mean([s.high - s.low for s in suggested])),
            "shrink": model.shrink,
            "c": model.c,
            "fit_seconds": fit_s,
            "suggest_seconds": suggest_s,
            **pub.get(project, {}),
        }
        records.append(record)
        print(
            json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in record.items()}),
            flush=True,
        )

    def cell(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.2f}" if key in r else "-"

    print(
        f"\n{'project':18} {'test':>5} {'median':>6} {'ours':>6} {'raw':>6} {'80% held':>8} "
        f"{'width':>6} {'DeepSE':>6} {'Rep':>6} {'NoCut':>6} {'GPT2SP':>6}"
    )
    for r in records:
        print(
            f"{r['project']:18} {r['test']:5d} {r['median_mae']:6.2f} {r['mae']:6.2f} "
            f"{r['mae_raw']:6.2f} {r['range_held']:8.0%} "
            f"{r['range_width']:6.2f} {cell(r, 'deepse_orig'):>6} "
            f"{cell(r, 'deepse_rep'):>6} {cell(r, 'deepse_nocut'):>6} {cell(r, 'gpt2sp'):>6}"
        )
    if records:

        def mean(key: str) -> float:
            return statistics.fmean(r[key] for r in records if key in r)

        beats = sum(1 for r in records if r["mae"] < r["median_mae"] - 1e-9)
        worse = sum(1 for r in records if r["mae"] > r["median_mae"] + 1e-9)
        print(
            f"mean MAE: median {mean('median_mae'):.3f}, ours {mean('mae'):.3f} (raw "
            f"{mean('mae_raw'):.3f}); Deep-SE {mean('deepse_orig'):.3f} as published, "
            f"{mean('deepse_rep'):.3f} replicated, {mean('deepse_nocut'):.3f} replicated on raw "
            f"points; GPT2SP {mean('gpt2sp'):.3f} (unverified)"
        )
        print(
            f"ours below the median baseline in {beats} of {len(records)} projects, above in "
            f"{worse}; the 80% range held for {mean('range_held'):.0%} of test issues (mean over "
            f"projects), {mean('range_width'):.2f} points wide on average"
        )
    if args.json:
        args.json.write_text(json.dumps(records, indent=2))


if __name__ == "__main__":
    main()
