"""The roadmap, capacity and scenario commands, end to end on the sample product."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.views.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("roadmap") / "rw.db"
    result = runner.invoke(app, ["sample", "--db", str(path)])
    assert result.exit_code == 0, result.output
    return str(path)


def test_plan_roadmap_json_csv_ics(db: str, tmp_path: Path) -> None:
    csv_path, ics_path = tmp_path / "r.csv", tmp_path / "r.ics"
    result = runner.invoke(
        app,
        [
            "plan",
            "roadmap",
            "--db",
            db,
            "--time-limit",
            "1",
            "--workers",
            "2",
            "--json",
            "--csv",
            str(csv_path),
            "--ics",
            str(ics_path),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["key"] == "roadmap" and data["items"]
    row = data["items"][0]
    assert {"item", "team", "people", "start", "end", "sprint"} <= set(row)
    assert data["baseline"]["cost_of_delay"] >= data["plan"]["cost_of_delay"] * 0.5
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("item,title,level") and len(lines) == len(data["items"]) + 1
    ics = ics_path.read_bytes()
    assert ics.startswith(b"BEGIN:VCALENDAR\r\n") and ics.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in ics.split(b"\r\n"))
    assert ics.count(b"BEGIN:VEVENT") == ics.count(b"END:VEVENT") > 0


def test_capacity_json(db: str) -> None:
    result = runner.invoke(
        app, ["capacity", "--db", db, "--time-limit", "1", "--json", "--sprints", "3"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["capacity"] and data["demand"]
    assert {r["team"] for r in data["capacity"]} == {r["team"] for r in data["demand"]}


def test_scenario_add_list_compare(db: str) -> None:
    result = runner.invoke(app, ["scenario", "add", "hire", "--db", db, "--hire", "mobile"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["scenario", "list", "--db", db, "--json"])
    assert [s["key"] for s in json.loads(result.stdout)] == ["hire"]
    result = runner.invoke(
        app, ["scenario", "compare", "base", "hire", "--db", db, "--time-limit", "1", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["moves"] and data["name_b"] == "hire"


def test_user_errors_are_one_line(db: str) -> None:
    result = runner.invoke(app, ["plan", "roadmap", "--db", db, "--scenario", "nope"])
    assert result.exit_code == 1 and "unknown scenario 'nope'" in result.output
    result = runner.invoke(app, ["scenario", "add", "x", "--db", db, "--set", "item:KW-1"])
    assert result.exit_code == 1 and "ENTITY:KEY.FIELD=VALUE" in result.output
    result = runner.invoke(app, ["plan", "roadmap", "--db", db, "--objective", "value-by-date"])
    assert result.exit_code == 1 and "--by" in result.output


def test_jira_export_names_the_sprints_the_roadmap_shows(db: str, tmp_path: Path) -> None:
    import csv

    planned = runner.invoke(
        app,
        [
            *("plan", "roadmap", "--db", db, "--time-limit", "1", "--workers", "2"),
            *("--no-baseline", "--name", "sprints", "--json"),
        ],
    )
    assert planned.exit_code == 0, planned.output
    leaves = {r["title"]: r for r in json.loads(planned.stdout)["items"] if r["level"] == "leaf"}
    out = tmp_path / "jira.csv"
    exported = runner.invoke(
        app, ["export", "jira-csv", str(out), "--db", db, "--plan", "sprints", "--json"]
    )
    assert exported.exit_code == 0, exported.output
    with out.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Summary"] in leaves]
    assert rows
    for row in rows:
        # The sprint the table shows for an item is the sprint Jira is told, by the same name.
        assert row["Sprint"] == f"Sprint {leaves[row['Summary']]['sprint']}", row["Summary"]


def test_capacity_over_allocation_stays_in_the_sprints_shown(db: str) -> None:
    import re

    args = ["capacity", "--db", db, "--time-limit", "1", "--sprints", "2"]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    shown = {r["sprint"] for r in data["demand"]}
    assert len(shown) == 2
    assert {o["sprint"] for o in data["over_allocated"]} <= shown
    assert data["over_allocated_later"] >= 0
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the sentence as read, whatever the wrapping
    line = text[text.index("over-allocated") - 4 :]
    assert f"sprints {min(shown)}-{max(shown)}" in line
    # Every example names a sprint in the table; what lies beyond is only counted.
    assert {int(s) for s in re.findall(r"sprint (\d+):", line)} <= shown
    if data["over_allocated_later"]:
        assert f"{data['over_allocated_later']} more in later sprints" in line


def test_roadmap_says_why_an_item_has_no_people(tmp_path: Path) -> None:
    from roadwise.domain.model import Estimate, Item, Person, Team
    from roadwise.domain.workspace import Workspace
    from roadwise.workspace import open_store

    team = Team(
        key="core",
        name="Core",
        people=[
            Person(key="bo", name="Bo", skills=["backend"]),
            Person(key="fi", name="Fi", skills=["frontend"]),
        ],
    )
    pair = Item(
        key="K-1",
        title="Needs both",
        skills=["backend", "frontend"],
        estimate=Estimate(low=3, likely=3, high=3, unit="person_days"),
    )
    path = str(tmp_path / "w.db")
    open_store(path).replace(
        Workspace(name="w", as_of=dt.date(2026, 3, 2), teams=[team], items=[pair])
    )
    base = ["plan", "roadmap", "--db", path, "--time-limit", "1", "--workers", "2"]
    for extra in ([], ["--team-sprints", "2"]):
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        assert "any of core *" in text, result.output
        assert "K-1: not split to people: nobody on core has all of backend, frontend" in text
    data = json.loads(runner.invoke(app, [*base, "--json"]).stdout)
    (row,) = [r for r in data["items"] if r["item"] == "K-1"]
    assert row["people"] == [] and "nobody on core has all of" in row["people_note"]
