"""Delivery history from tracker exports feeds the forecasts; the Jira CSV export of a plan.

The real-data check reads the TAWOS Jira projects in ../shared/datasets/history through the
generic column mapping, and again through the Jira CSV reader after writing them in Jira's
export layout: both paths must give the forecast the same history. It skips when the folder
is absent.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roadwise.domain import Estimate, Item, Plan, Status, Workspace
from roadwise.engines.forecast.throughput import ForecastOptions, forecast_when
from roadwise.sources.history_csv import ColumnMapping, read_history_csv
from roadwise.sources.jira_csv import read_jira_csv
from roadwise.sources.tracker_mapping import TrackerMapping, merge_issues
from roadwise.views.cli import app
from roadwise.workspace import open_store

HISTORY = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "datasets"
    / "history"
    / "tawosi2022_sp_vs_effort"
    / "rq2_rq3"
)
GENERIC = (
    "key=Issue_Key,title=Issue_Key,created=Creation_Date,resolved=Resolution_Date,"
    "size=Story_Point,kind=Type,cycle_minutes=In_Progress_Minutes"
)


def as_jira_export(source: Path, target: Path) -> int:
    """Rewrite a TAWOS project file in Jira's own export layout (dates as 21/Nov/25 3:04 PM)."""
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))

    def jira_date(text: str) -> str:
        if text in ("", "NULL"):
            return ""
        value = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        return value.strftime("%d/%b/%y %I:%M %p")

    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Summary",
                "Issue key",
                "Issue Type",
                "Status",
                "Project key",
                "Created",
                "Resolved",
                "Custom field (Story Points)",
                "Labels",
                "Labels",
            ]
        )
        for row in rows:
            writer.writerow(
                [
                    row["Issue_Key"],
                    row["Issue_Key"],
                    row["Type"],
                    "Done" if row["Resolution_Date"] != "NULL" else "Open",
                    "P",
                    jira_date(row["Creation_Date"]),
                    jira_date(row["Resolution_Date"]),
                    row["Story_Point"],
                    "",
                    "",
                ]
            )
    return len(rows)


@pytest.mark.skipif(not HISTORY.is_dir(), reason="../shared/datasets/history is not here")
@pytest.mark.parametrize("project", ["DURACLOUD", "MDL"])
def test_real_jira_history_through_the_generic_mapping_and_the_jira_reader(
    tmp_path: Path, project: str
) -> None:
    source = HISTORY / f"{project}.csv"
    generic = read_history_csv(source, ColumnMapping.parse(GENERIC), team="p")
    assert len(generic.records) + generic.skipped_unresolved == generic.rows
    rows = as_jira_export(source, tmp_path / "jira.csv")
    imported = read_jira_csv(tmp_path / "jira.csv")
    assert len(imported.issues) == rows
    ws, diff = merge_issues(Workspace(), imported.issues, TrackerMapping(default_team="p"))
    assert diff.history_added == len(generic.records)
    # Same finishes, to the minute (Jira's export format has no seconds), same sizes.
    by_key = {h.key: h for h in ws.history}
    for record in generic.records:
        other = by_key[record.key]
        assert other.done == record.done.replace(second=0)
        assert other.points == record.points

    # The forecast takes either history: same input, same answer (fixed seed).
    done = sorted(r.done for r in generic.records)
    cut = done[int(len(done) * 0.8)].date()
    options = ForecastOptions(trials=2000, calibrate=False, seed=3, window=26)
    a = forecast_when(generic.records, 20, cut, options)
    b = forecast_when(ws.history, 20, cut, options)
    assert a.dates == b.dates
    assert a.dates[50] is not None and a.dates[50] > cut
    assert a.dates[85] is None or a.dates[85] >= a.dates[50]


def test_history_csv_named_like_a_second_download_is_a_cleaned_team(tmp_path: Path) -> None:
    # A browser saves a second download of the same Jira export as "Jira (1).csv".
    path = tmp_path / "Jira (1).csv"
    path.write_text(
        "Issue key,Summary,Created,Resolved\nA-1,x,2024-01-01,2024-01-05\n", encoding="utf-8"
    )
    mapping = "key=Issue key,created=Created,resolved=Resolved"
    args = ["forecast", "history", "--history-csv", str(path), "--mapping", mapping, "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert {s["team"] for s in json.loads(result.stdout)} == {"Jira-(1)"}
    assert "team 'Jira-(1)'" in result.stderr and "'Jira (1)'" in result.stderr
    result = CliRunner().invoke(app, [*args, "--team", "Jira-(1)"])
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["items"] == 1

    # A file name that is a team key already is used as it is, without a note.
    path = path.rename(tmp_path / "MDL.csv")
    args[3] = str(path)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0 and result.stderr == ""
    assert {s["team"] for s in json.loads(result.stdout)} == {"MDL"}


def test_history_csv_start_outside_created_and_resolved_is_a_row_error(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(
        "Key,Created,Resolved,Started\nA-1,2024-01-01,2024-01-05,2024-01-09\n", encoding="utf-8"
    )
    mapping = "key=Key,created=Created,resolved=Resolved,started=Started"
    result = CliRunner().invoke(
        app, ["forecast", "history", "--history-csv", str(path), "--mapping", mapping]
    )
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert (
        "f.csv, row 2, field 'Started': started 2024-01-09 must lie between created "
        "2024-01-01 and resolved 2024-01-05" in result.stderr
    )


def test_export_jira_csv_writes_the_import_layout_with_planned_dates(tmp_path: Path) -> None:
    db = str(tmp_path / "rw.db")
    ws = Workspace(
        items=[
            Item(key="E1", title="Checkout", kind="epic"),
            Item(
                key="S1",
                title="Card form",
                parent="E1",
                tags=["ui", "web"],
                estimate=Estimate(low=3, likely=3, high=3),
            ),
            Item(key="S2", title="Shipped", status=Status.DONE),
        ]
    )
    with open_store(db) as store:
        store.replace(ws)
        store.save_plan(
            Plan(
                key="rm",
                kind="roadmap",
                created=dt.datetime(2026, 1, 1),
                payload={
                    "items": [
                        {"item": "S1", "start": "2026-01-05", "end": "2026-01-16", "sprint": 0}
                    ]
                },
            )
        )
    out = tmp_path / "plan.csv"
    result = CliRunner().invoke(app, ["export", "jira-csv", str(out), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["items"] == 2
    rows = list(csv.reader(out.open(encoding="utf-8")))
    header = rows[0]
    assert header.count("Labels") == 2  # one column per label, as Jira's importer expects
    s1 = dict(zip(header, rows[2], strict=False))
    assert s1["Summary"] == "Card form" and s1["Story Points"] == "3"
    assert s1["Due Date"] == "2026-01-16" and s1["Sprint"] == "Sprint 0"
    assert s1["Parent Id"] == rows[1][0]
    assert [v for h, v in zip(header, rows[2], strict=True) if h == "Labels"] == ["ui", "web"]
    # Read back with Roadwise's own Jira reader (as if it came back from Jira).
    again = read_jira_csv(out) if "Issue key" in header else None
    assert again is None  # an import file has no keys yet; Jira assigns them


def _through_jira(import_file: Path, export_file: Path) -> None:
    """What Jira makes of an import file, written out again as a Jira CSV export: each issue
    gets a key, and each ``Labels`` cell becomes the labels Jira's importer makes of it, one per
    whitespace-separated word (a Jira label holds no spaces)."""
    with import_file.open(encoding="utf-8", newline="") as handle:
        header, *body = list(csv.reader(handle))
    at = [i for i, name in enumerate(header) if name == "Labels"]
    exported = [[[w for i in at for w in row[i].split()], row] for row in body]
    width = max((len(labels) for labels, _ in exported), default=0)
    columns = ["Summary", "Issue Type", "Sprint"]
    with export_file.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Issue key", "Status", *columns, *["Labels"] * width])
        for labels, row in exported:
            cells = dict(zip(header, row, strict=False))
            writer.writerow(
                [f"RW-{cells['Issue Id']}", "To Do", *(cells[c] for c in columns)]
                + labels
                + [""] * (width - len(labels))
            )


def test_export_jira_csv_tags_read_back_the_same_or_say_what_they_become(tmp_path: Path) -> None:
    db = str(tmp_path / "rw.db")
    tags = {
        "Checkout": ["ui", "C++", "a;b", "x,y", '"hi"', "café", "project:pay"],
        "Card form": [],
        "Refunds": ["needs review", "ui"],
        # as a Jira sync tags an issue in a sprint; the file's Sprint column says the sprint
        "Payouts": ["ops", "sprint:PAY Sprint 1"],
    }
    items = [Item(key=f"S{n}", title=t, tags=tags[t]) for n, t in enumerate(tags)]
    plan = {"items": [{"item": "S3", "start": "2026-01-05", "end": "2026-01-09", "sprint": 4}]}
    with open_store(db) as store:
        store.replace(Workspace(items=items))
        store.save_plan(
            Plan(key="rm", kind="roadmap", created=dt.datetime(2026, 1, 1), payload=plan)
        )
    (tmp_path / "jira").mkdir()
    out = tmp_path / "jira" / "plan.csv"
    result = CliRunner().invoke(app, ["export", "jira-csv", str(out), "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    # Jira would make two labels of "needs review": it is written as one, and the note says
    # what it reads back as.
    assert json.loads(result.output)["notes"] == [
        "item S2: tag 'needs review' is written as the Jira label 'needs_review' (a Jira label "
        "holds no spaces) and will read back as 'needs_review'; rename the tag (roadwise items "
        "edit S2 --tag ...) to keep one name in both"
    ]
    _through_jira(out, tmp_path / "from-jira.csv")
    issues = read_jira_csv(tmp_path / "from-jira.csv").issues
    merged, _ = merge_issues(Workspace(name="from-jira"), issues, TrackerMapping())
    # the planned sprint comes back as the sync's sprint tag, every other tag as it was, but
    # the one the note named
    assert {i.title: i.tags for i in merged.items} == tags | {
        "Payouts": ["ops", "sprint:Sprint 4"],
        "Refunds": ["needs_review", "ui"],
    }


@pytest.mark.parametrize(
    ("tag", "label"),
    [("", None), (" ", None), (" ui", "ui"), ("a\tb", "a_b"), ("needs  review", "needs_review")],
)
def test_a_tag_no_jira_label_can_hold_is_written_as_the_nearest_one_with_a_note(
    tag: str, label: str | None
) -> None:
    from roadwise.sources.jira_csv import jira_label

    written, note = jira_label(Item(key="S1", title="Card form"), tag)
    assert written == label
    assert note is not None and note.startswith("item S1: ")
    assert jira_label(Item(key="S1", title="Card form"), "ui") == ("ui", None)


@pytest.mark.parametrize("fails_at", ["a row", "the rename"])
@pytest.mark.parametrize(
    "previous", [None, "Issue Id,Summary\n1,The last export\n"], ids=["new", "over-older"]
)
def test_a_failed_jira_csv_export_leaves_the_folder_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails_at: str, previous: str | None
) -> None:
    from roadwise.domain import Cycles
    from roadwise.sources import jira_csv

    out = tmp_path / "plan.csv"
    if previous is not None:
        out.write_text(previous, encoding="utf-8")
    items = [Item(key=f"S{n}", title=f"Story {n}") for n in range(3)]
    real_writer = csv.writer

    class DiskFull:
        """A CSV writer whose disk fills up after the header and one row."""

        def __init__(self, handle: Any) -> None:
            self.inner = real_writer(handle)
            self.rows = 0

        def writerow(self, row: list[str]) -> Any:
            self.rows += 1
            if self.rows == 3:
                raise OSError(28, "No space left on device")
            return self.inner.writerow(row)

    def no_rename(self: Path, target: Path) -> Path:
        raise OSError(13, "Permission denied")

    if fails_at == "a row":
        monkeypatch.setattr(jira_csv.csv, "writer", DiskFull)
    else:
        monkeypatch.setattr(Path, "replace", no_rename)
    with pytest.raises(OSError):
        jira_csv.write_jira_import_csv(items, [], out, Cycles())
    assert [f.name for f in tmp_path.iterdir()] == ([] if previous is None else ["plan.csv"])
    if previous is not None:
        assert out.read_text(encoding="utf-8") == previous
    monkeypatch.undo()
    # and a write that works leaves the file alone, without a temporary file beside it
    assert jira_csv.write_jira_import_csv(items, [], out, Cycles()) == 3
    assert [f.name for f in tmp_path.iterdir()] == ["plan.csv"]
    assert [r[2] for r in csv.reader(out.open(encoding="utf-8"))][1:] == [i.title for i in items]


def test_demo_step_round_trips_the_open_items(tmp_path: Path) -> None:
    from rich.console import Console

    from roadwise.views.demo import DemoContext
    from roadwise.views.demo_steps.integrations import tracker_round_trip
    from workspace_strategies import small_workspace

    ws = small_workspace()
    ctx = DemoContext(out_dir=tmp_path, db_url=str(tmp_path / "x.db"), console=Console(quiet=True))
    ctx.workspace = ws
    tracker_round_trip(ctx)
    result = ctx.results["integrations"]
    assert result["exported"] == result["imported"] == len(ws.open_items())
    assert (tmp_path / "roadmap-jira-import.csv").exists()
