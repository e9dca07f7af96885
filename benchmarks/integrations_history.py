"""Delivery history from real Jira exports, through the two import paths, into a forecast.

For every TAWOS project in ``<data>/tawosi2022_sp_vs_effort/rq2_rq3/*.csv``:

1. read it through the generic CSV column mapping (``roadwise forecast --history-csv``);
2. rewrite it in Jira's own "Export CSV" layout (dates as ``21/Nov/25 3:04 PM``, repeated
   ``Labels`` columns) and read that with ``roadwise import jira`` 's reader and mapping;
3. check both give the same finished items (same keys, finish to the minute, same points);
4. forecast, at the cut-off where 80 % of the items were done, when 20 more will be, from the
   imported history, and compare with the date the 20th item actually finished.

    python benchmarks/integrations_history.py --data ../shared/datasets/history --json out.json
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from roadwise.domain import Workspace
from roadwise.engines.forecast.throughput import ForecastOptions, forecast_when
from roadwise.sources.history_csv import ColumnMapping, read_history_csv
from roadwise.sources.jira_csv import read_jira_csv
from roadwise.sources.tracker_mapping import TrackerMapping, merge_issues

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "history"
GENERIC = (
    "key=Issue_Key,created=Creation_Date,resolved=Resolution_Date,"
    "size=Story_Point,kind=Type,cycle_minutes=In_Progress_Minutes"
)
TARGET = 20


def jira_layout(source: Path, target: Path) -> None:
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def date(text: str) -> str:
        if text in ("", "NULL"):
            return ""
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S").strftime("%d/%b/%y %I:%M %p")

    with target.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                *("Summary", "Issue key", "Issue Type", "Status", "Created", "Resolved"),
                *("Custom field (Story Points)", "Labels", "Labels"),
            ]
        )
        for r in rows:
            resolved = date(r["Resolution_Date"])
            out.writerow(
                [
                    *(r["Issue_Key"], r["Issue_Key"], r["Type"], "Done" if resolved else "Open"),
                    *(date(r["Creation_Date"]), resolved, r["Story_Point"], "", ""),
                ]
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--trials", type=int, default=4000)
    args = parser.parse_args()
    folder = args.data / "tawosi2022_sp_vs_effort" / "rq2_rq3"
    if not folder.is_dir():
        print(f"no data at {folder}", file=sys.stderr)
        return 1
    rows = []
    for path in sorted(folder.glob("*.csv")):
        t0 = time.perf_counter()
        generic = read_history_csv(path, ColumnMapping.parse(GENERIC), team="p")
        t1 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            jira_file = Path(tmp) / "jira.csv"
            jira_layout(path, jira_file)
            t2 = time.perf_counter()
            issues = read_jira_csv(jira_file).issues
            ws, _ = merge_issues(Workspace(), issues, TrackerMapping(default_team="p"))
            t3 = time.perf_counter()
        by_key = {h.key: h for h in ws.history}
        same = all(
            r.key in by_key
            and by_key[r.key].done == r.done.replace(second=0)
            and by_key[r.key].points == r.points
            for r in generic.records
        ) and len(by_key) == len(generic.records)
        done = sorted(h.done for h in ws.history)
        cut_index = int(len(done) * 0.8)
        cut = done[cut_index].date()
        after = [d for d in done if d.date() > cut]
        row: dict[str, object] = {
            "project": path.stem,
            "rows": generic.rows,
            "finished": len(generic.records),
            "same_history": same,
            "generic_ms": round((t1 - t0) * 1000, 1),
            "jira_csv_ms": round((t3 - t2) * 1000, 1),
        }
        if len(after) >= TARGET:
            actual = (after[TARGET - 1].date() - cut).days
            fc = forecast_when(ws.history, TARGET, cut, ForecastOptions(trials=args.trials, seed=1))
            p50, p85 = fc.days.get(50), fc.days.get(85)
            row.update(actual_days=actual, p50_days=p50, p85_days=p85, hit85=actual <= (p85 or 0))
        rows.append(row)
    print(
        f"{'project':<11}{'rows':>6}{'done':>6}{'same':>6}{'generic ms':>11}{'jira ms':>9}"
        f"{'actual d':>9}{'P50 d':>7}{'P85 d':>7}{'hit85':>6}"
    )
    for r in rows:
        print(
            f"{r['project']:<11}{r['rows']:>6}{r['finished']:>6}"
            f"{'yes' if r['same_history'] else 'NO':>6}"
            f"{r['generic_ms']:>11}{r['jira_csv_ms']:>9}{r.get('actual_days', '-'):>9}"
            f"{_d(r.get('p50_days')):>7}{_d(r.get('p85_days')):>7}"
            f"{('yes' if r.get('hit85') else 'no') if 'hit85' in r else '-':>6}"
        )
    forecasted = [r for r in rows if "hit85" in r]
    summary = {
        "projects": len(rows),
        "same_history": sum(1 for r in rows if r["same_history"]),
        "median_generic_ms": statistics.median(float(r["generic_ms"]) for r in rows),  # type: ignore[arg-type]
        "median_jira_csv_ms": statistics.median(float(r["jira_csv_ms"]) for r in rows),  # type: ignore[arg-type]
        "forecasts": len(forecasted),
        "hit85": sum(1 for r in forecasted if r["hit85"]),
    }
    print(
        f"\n{summary['same_history']}/{summary['projects']} projects give the same history "
        f"both ways; median read time {summary['median_generic_ms']:.0f} ms (generic mapping) vs "
        f"{summary['median_jira_csv_ms']:.0f} ms (Jira CSV reader + mapping); the P85 date held "
        f"in {summary['hit85']} of {summary['forecasts']} forecasts of the next {TARGET} items."
    )
    if args.json:
        args.json.write_text(json.dumps({"rows": rows, "summary": summary}, indent=2))
    return 0


def _d(value: object) -> str:
    return "-" if value is None else f"{float(value):.0f}"  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main())
