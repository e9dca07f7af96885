"""The roadmap, capacity and scenario commands, end to end on the sample product."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
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


def test_capacity_reads_the_stored_roadmap(tmp_path: Path) -> None:
    """With a roadmap stored, `roadwise capacity` puts the plan's work where that roadmap
    does (as the web app and the reports show it), instead of planning afresh."""
    from roadwise.engines.schedule.needs import capacity_vs_demand
    from roadwise.views.stored_roadmap import stored_roadmap
    from roadwise.workspace import open_store, roadmap_of_record

    path = str(tmp_path / "rw.db")
    assert runner.invoke(app, ["sample", "--db", path]).exit_code == 0
    args = ["capacity", "--db", path, "--time-limit", "1", "--json", "--sprints", "3"]
    fresh = json.loads(runner.invoke(app, args).stdout)
    assert fresh["plan"].startswith("planned afresh")
    plan = ["plan", "roadmap", "--db", path, "--time-limit", "1", "--workers", "2", "--json"]
    assert runner.invoke(app, plan).exit_code == 0
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["plan"].startswith("the stored roadmap 'roadmap' of ")
    store = open_store(path)
    ws = store.load()
    stored = stored_roadmap(ws, roadmap_of_record(store, ws))
    assert stored is not None
    expected = capacity_vs_demand(ws, stored, sprints=3)
    planned = {(r["team"], r["skill"], r["sprint"]): r["planned_days"] for r in data["demand"]}
    assert planned == {(r.team, r.skill, r.sprint): r.planned_days for r in expected}


def test_capacity_what_if_holds_targets_where_the_roadmap_of_record_held_them(
    tmp_path: Path,
) -> None:
    """The what-ifs are measured around a plan that keeps the release dates the roadmap of
    record was planned to keep, not one that gives them up for cost of delay."""
    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from roadwise.workspace import open_store
    from test_schedule_targets import one_person_workspace

    path = str(tmp_path / "rw.db")
    ws = one_person_workspace()
    open_store(path).replace(ws)
    fast = RoadmapOptions(time_limit=2.0, workers=2, baseline=False)
    free = plan_roadmap(ws, fast).summary.cost_of_delay
    held = plan_roadmap(ws, dataclasses.replace(fast, targets=True)).summary.cost_of_delay
    assert held > free  # holding the release's date costs delay here
    what_if = ["capacity", "--db", path, "--time-limit", "1", "--sprints", "2", "--what-if"]

    def plan_behind(args: list[str]) -> tuple[float, dict[str, object]]:
        result = runner.invoke(app, [*args, "--json"])
        assert result.exit_code == 0, result.output
        data = json.loads(result.stdout)
        one = data["one_more_engineer"][0]
        return one["cost_of_delay_after"] + one["saving"], data

    # No roadmap of record: planned by cost of delay, as before.
    before, data = plan_behind(what_if)
    assert before == pytest.approx(free) and data["targets_held"] is False
    assert "Targets held" not in runner.invoke(app, what_if).output
    plan = ["plan", "roadmap", "--db", path, "--time-limit", "2", "--workers", "2"]
    assert runner.invoke(app, [*plan, "--hold-targets"]).exit_code == 0
    before, data = plan_behind(what_if)
    assert before == pytest.approx(held) and data["targets_held"] is True
    text = " ".join(runner.invoke(app, what_if).output.split())
    assert "Targets held, as the stored roadmap 'roadmap' of " in text
    # Without --what-if the stored plan itself is shown, as it was made.
    shown = json.loads(runner.invoke(app, [*what_if[:-1], "--json"]).stdout)
    assert shown["plan"].startswith("the stored roadmap") and shown["targets_held"] is True


def test_capacity_hold_targets_plans_afresh_over_a_roadmap_that_did_not_hold_them(
    tmp_path: Path,
) -> None:
    from roadwise.workspace import open_store
    from test_schedule_targets import one_person_workspace

    path = str(tmp_path / "rw.db")
    open_store(path).replace(one_person_workspace())
    plan = ["plan", "roadmap", "--db", path, "--time-limit", "2", "--workers", "2"]
    assert runner.invoke(app, plan).exit_code == 0
    args = ["capacity", "--db", path, "--time-limit", "1", "--sprints", "2"]
    shown = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert shown["plan"].startswith("the stored roadmap") and shown["targets_held"] is False
    asked = runner.invoke(app, [*args, "--hold-targets"])
    assert asked.exit_code == 0, asked.output
    text = " ".join(asked.output.split())
    assert "Planned: planned afresh" in text and "Targets held, as --hold-targets asks" in text
    data = json.loads(runner.invoke(app, [*args, "--hold-targets", "--json"]).stdout)
    assert data["targets_held"] is True


def test_scenario_add_list_compare(db: str) -> None:
    result = runner.invoke(app, ["scenario", "add", "hire", "--db", db, "--hire", "mobile"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["scenario", "list", "--db", db, "--json"])
    assert [s["key"] for s in json.loads(result.stdout)] == ["hire"]
    result = runner.invoke(
        app, ["scenario", "compare", "base", "hire", "--db", db, "--rounds", "10", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["moves"] and data["name_b"] == "hire"


def test_scenario_compare_reads_at_80_columns(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadwise.views.cli._common import console

    monkeypatch.setattr(console, "_width", 80)
    if "later" not in runner.invoke(app, ["scenario", "list", "--db", db]).output:
        added = ["scenario", "add", "later", "--db", db, "--hire", "platform"]
        assert runner.invoke(app, added).exit_code == 0
    args = ["scenario", "compare", "base", "later", "--db", db, "--rounds", "10"]
    result = runner.invoke(app, [*args, "--limit", "6"])
    assert result.exit_code == 0, result.output
    lines = [x.rstrip() for x in result.output.splitlines()]
    assert all(len(x) <= 80 for x in lines), max(lines, key=len)
    base = next(x for x in lines if x.startswith("base "))
    # Money as the reports write it ("about $13 million"), then the finish and late count.
    money = r"(about )?\$[\d.,]+( million| billion)?"
    assert re.match(rf"base +{money}  \d{{4}}-\d\d-\d\d +\d+$", base), base
    moved = int(re.search(r"What moved \((\d+) items\)", result.output)[1])
    rows = [x for x in lines if re.match(r"KW-\d+  ", x)]
    assert len(rows) == min(6, moved)
    # Each row is one line; its reason is in the row or, by number, under the table.
    under = lines[lines.index("Why:") :] if "Why:" in lines else []
    legend = dict(re.findall(r"^ *(\d+)  (.+)$", "\n".join(under), re.M))
    for row in rows:
        why = row.split("  ")[-1].strip()
        assert why in legend if why.isdigit() else len(why) > 3, row


def test_user_errors_are_one_line(db: str) -> None:
    result = runner.invoke(app, ["plan", "roadmap", "--db", db, "--scenario", "nope"])
    assert result.exit_code == 1 and "unknown scenario 'nope'" in result.output
    result = runner.invoke(app, ["scenario", "add", "x", "--db", db, "--set", "item:KW-1"])
    assert result.exit_code == 1 and "ENTITY:KEY.FIELD=VALUE" in result.output
    result = runner.invoke(app, ["plan", "roadmap", "--db", db, "--objective", "value-by-date"])
    assert result.exit_code == 1 and "--by" in result.output
    # checked before the solve, not after it (a traceback threw the solve away)
    for command in (["plan", "roadmap"], ["plan", "release"]):
        result = runner.invoke(app, [*command, "--db", db, "--name", "a b"])
        assert result.exit_code == 1 and "cannot be a plan's key" in result.output
    missing = Path(db).parent / "no-such-folder" / "plan.csv"
    result = runner.invoke(app, ["plan", "roadmap", "--db", db, "--csv", str(missing)])
    assert result.exit_code == 1 and "does not exist" in result.output


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
    args = ["capacity", "--db", db, "--time-limit", "1", "--sprints", "2"]
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    shown = {r["sprint"] for r in data["demand"]}
    assert len(shown) == 2
    assert {o["sprint"] for o in data["over_allocated"]} <= shown
    assert data["over_allocated_later"] >= 0
    # The text comes from a plan of its own (the search is not deterministic): check it alone.
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the sentence as read, whatever the wrapping
    lines = result.output.splitlines()
    heading = re.search(r"(\d+) over-allocated person-sprints? in (sprints \d+-\d+)([^:]*):", text)
    if heading is None:
        assert f"Nobody is over-allocated in sprints {min(shown)}-{max(shown)}" in text
        return
    assert heading[2] == f"sprints {min(shown)}-{max(shown)}"
    # Every example is a row of its own whose sprint is in the table; later ones only counted.
    examples = lines[next(i for i, x in enumerate(lines) if x.startswith("person ")) + 2 :]
    examples = [x for x in examples if re.match(r"\S+\s+\d+\s+[\d.]+\s+[\d.]+\s*$", x)]
    assert len(examples) == min(5, int(heading[1]))
    assert {int(x.split()[1]) for x in examples} <= shown
    for x in examples:
        assert float(x.split()[2]) > float(x.split()[3]), x
    later = re.search(r"\((\d+) more in later sprints", heading[3])
    assert later is None or int(later[1]) > 0


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


def test_roadmap_summary_says_what_the_gap_bounds() -> None:
    """An unproven plan's gap reads as how much cheaper the best plan can be; a plan no
    solver searched (gap NaN) gets no gap line at all."""
    import io

    from rich.console import Console

    from roadwise.domain.model import Estimate, Item, Person, Team
    from roadwise.domain.workspace import Workspace
    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from roadwise.views.cli.roadmap import print_summary

    team = Team(key="core", name="Core", people=[Person(key="bo", name="Bo")])
    items = [
        Item(key=f"K-{i}", title="work", estimate=Estimate(low=2, likely=2, high=2))
        for i in range(3)
    ]
    ws = Workspace(name="w", as_of=dt.date(2026, 3, 2), teams=[team], items=items)
    roadmap = plan_roadmap(ws, RoadmapOptions(time_limit=1, workers=1))

    def summary_text(**changes: object) -> str:
        out = Console(file=io.StringIO(), width=200)
        summary = dataclasses.replace(roadmap.summary, proven_optimal=False, **changes)
        print_summary(dataclasses.replace(roadmap, summary=summary), out=out)
        return " ".join(out.file.getvalue().split())  # type: ignore[attr-defined]

    assert "Gap 4.2%: the best possible plan costs at most 4.2% less than this one" in (
        summary_text(gap=0.042)
    )
    assert "Gap" not in summary_text(gap=float("nan"))


def _people_cell(row: dict) -> str:
    """What the CLI shows for an item's people (see views.cli.roadmap.people_cell)."""
    if not row["people_note"]:
        return ", ".join(row["people"])
    return f"{', '.join(row['people'])} *" if row["people"] else f"any of {row['team']} *"


def _stored_plan(db: str, key: str) -> dict:
    from roadwise.workspace import open_store

    return open_store(db, create=False).get_plan(key).payload


def _ends_under(line: str, header: str, column: str) -> bool:
    """A right-aligned number ("1.0", "$12.5M"): it ends where the header's name ends."""
    end = header.index(column) + len(column)
    return line[end - 1].isalnum() and line[end : end + 1] in ("", " ")


def test_roadmap_reads_at_80_columns(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadwise.views.cli._common import console
    from roadwise.views.reports.wording import short_money

    monkeypatch.setattr(console, "_width", 80)
    args = ["plan", "roadmap", "--db", db, "--time-limit", "1", "--workers", "2"]
    result = runner.invoke(app, [*args, "--name", "at80"])
    assert result.exit_code == 0, result.output
    data = _stored_plan(db, "at80")
    lines = [x.rstrip() for x in result.output.splitlines()]
    assert all(len(x.rstrip()) <= 80 for x in lines), max(lines, key=len)
    assert not re.search(r"\d %", result.output)  # "30.5%", not "30.5 %"

    # The summary: one line per plan, numbers right-aligned under their headers.
    header = next(x for x in lines if x.startswith("plan "))
    plan, base = data["plan"], data["baseline"]
    (mine,) = [x for x in lines if x.startswith("Roadwise (CP-SAT) ")]
    (rank,) = [x for x in lines if x.startswith("Rank order ")]
    for line, summary in ((mine, plan), (rank, base)):
        assert short_money(summary["cost_of_delay"], "USD") in line and summary["finish"] in line
        for column in ("cost of delay", "late (hard)", "seconds"):
            assert _ends_under(line, header, column), (column, line)
    assert ("optimal" if plan["proven_optimal"] else f"gap {plan['gap']:.1%}") in mine
    assert "heuristic" in rank
    text = " ".join(result.output.split())
    saved = 1 - plan["cost_of_delay"] / base["cost_of_delay"]
    assert f"cuts the cost of delay by {saved:.0%} against the rank order" in text

    # The items: one line each, in start order, with dates, team and sprint.
    leaves = [r for r in data["items"] if r["level"] == "leaf"]
    first = sorted(leaves, key=lambda r: (r["start"], r["item"]))[:40]
    header = next(x for x in lines if x.startswith("item "))
    table = lines[lines.index(header) + 2 : lines.index("Who works on them:")]
    assert [x.split()[0] for x in table] == [r["item"] for r in first]
    for line, row in zip(table, first, strict=True):
        assert re.search(rf"  {row['team']} +{row['start']}  {row['end']}  ", line), line
        assert line.rstrip().endswith(f"  {row['sprint']}") and _ends_under(line, header, "sprint")
        assert line.split("  ")[1].split()[0] in row["title"], line
    # Who works on each of them is under the table: the person with the item's key.
    who = lines[lines.index("Who works on them:") + 1 :]
    for row in first:
        cell = _people_cell(row)
        assert any(f"  {cell}  " in x and row["item"] in x for x in who), (row["item"], cell)


def test_team_sprints_read_at_80_columns(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadwise.views.cli._common import console

    monkeypatch.setattr(console, "_width", 80)
    args = ["plan", "roadmap", "--db", db, "--time-limit", "1", "--workers", "2"]
    result = runner.invoke(app, [*args, "--name", "sprints80", "--team-sprints", "1"])
    assert result.exit_code == 0, result.output
    assert all(len(x.rstrip()) <= 80 for x in result.output.splitlines())
    leaves = [r for r in _stored_plan(db, "sprints80")["items"] if r["level"] == "leaf"]
    first = min(r["sprint"] for r in leaves)
    expected = {r["item"]: r for r in leaves if r["sprint"] <= first <= r["end_sprint"]}
    # The sprint plans start at the first team's heading (lines above may name items too).
    lines = result.output.splitlines()
    lines = lines[next(k for k, x in enumerate(lines) if x.startswith("Team ")) :]
    rows = [x for x in lines if re.match(r"\s*(\d+\s+)?KW-\d+\s", x)]
    # One line per item worked on in the sprint, with who and when.
    assert sorted(re.search(r"KW-\d+", x)[0] for x in rows) == sorted(expected)
    for line in rows:
        row = expected[re.search(r"KW-\d+", line)[0]]
        start, end = dt.date.fromisoformat(row["start"]), dt.date.fromisoformat(row["end"])
        assert f"  {_people_cell(row)}  " in line, line
        assert line.rstrip().endswith(f"{start:%d %b}-{end:%d %b}"), line


def test_capacity_reads_at_80_columns(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from roadwise.views.cli._common import console

    monkeypatch.setattr(console, "_width", 80)
    args = ["capacity", "--db", db, "--time-limit", "1", "--sprints", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    lines = [x.rstrip() for x in result.output.splitlines()]
    assert all(len(x) <= 80 for x in lines), max(lines, key=len)
    # Capacity and demand do not depend on the plan: each team-sprint is one line with both.
    data = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    header = next(x for x in lines if x.startswith("team ") and "capacity" in x)
    for r in (r for r in data["demand"] if r["skill"] == "*"):
        (line,) = [x for x in lines if x.startswith(f"{r['team']} ") and f" {r['start']} " in x]
        numbers = line.split()
        assert numbers[1] == str(r["sprint"]) and numbers[3] == f"{r['capacity_days']:.1f}"
        assert numbers[5] == f"{r['demand_days']:.1f}"
        assert _ends_under(line, header, "demand")
        assert ("demand over capacity" in line) == r["over"], line
    tight = sorted(
        (r for r in data["demand"] if r["skill"] != "*" and r["over"]),
        key=lambda r: r["capacity_days"] - r["demand_days"],
    )[:5]
    for r in tight:
        shown = f"{r['team']}  {r['skill']}"
        assert any(x.startswith(shown) and x.split()[2] == str(r["sprint"]) for x in lines), shown


def test_unknown_objective_is_one_line(db: str) -> None:
    result = runner.invoke(app, ["plan", "roadmap", "--db", db, "--objective", "fastest"])
    assert result.exit_code == 1, result.output
    assert "unknown objective 'fastest'" in result.output
    assert "cost-of-delay, value-by-date" in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    # The choices stay visible in --help.
    text = " ".join(runner.invoke(app, ["plan", "roadmap", "--help"]).output.split())
    assert "cost-of-delay|value" in text


def test_plan_roadmap_says_what_moved_since_the_stored_roadmap(tmp_path: Path) -> None:
    """Re-planning names the items that move against the stored roadmap, with why, before the
    new plan replaces it; the first plan has nothing to compare with."""
    from roadwise.views.stored_roadmap import stored_roadmap
    from roadwise.workspace import open_store, roadmap_of_record

    path = str(tmp_path / "rw.db")
    assert runner.invoke(app, ["sample", "--db", path]).exit_code == 0
    args = ["plan", "roadmap", "--db", path, "--workers", "2", "--free", "--json"]
    first = json.loads(runner.invoke(app, [*args, "--time-limit", "1"]).stdout)
    assert "since_stored" not in first
    assert first["started_from"].startswith("the priority rules' plan")
    store = open_store(path)
    ws = store.load()
    before = stored_roadmap(ws, roadmap_of_record(store, ws))
    assert before is not None
    result = runner.invoke(app, [*args, "--time-limit", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    since = data["since_stored"]
    assert since["roadmap"].startswith("stored roadmap 'roadmap' of ")
    assert data["started_from"] == f"the {since['roadmap']}"  # unchanged: no check needed
    now = {row["item"]: (row["team"], row["end"]) for row in data["items"]}
    moved = {m["item"] for m in since["moved"]}
    # an item is listed exactly when its team or its end date changed
    assert moved == {s.key for s in before.items if now[s.key] != (s.team, s.end.isoformat())}
    assert all(m["why"] for m in since["moved"])
    assert since["moved"] == sorted(
        since["moved"], key=lambda m: (-abs(m["shift_days"]), m["item"])
    )
    # A week on (the as-of date moved): the comparison is with the stored plan as the views
    # show it now, moved on to the new first day, and says so.
    week_on = (ws.as_of + dt.timedelta(days=7)).isoformat()
    result = runner.invoke(app, ["as-of", week_on, "--db", path, "--json"])
    assert result.exit_code == 0, result.output
    # moving on says what re-planning would gain over the stored plan moved on
    replan = json.loads(result.stdout)["replan"]
    # 20 rounds, fewer where a busy machine hits the search's 5-second safety cap
    assert 1 <= replan["rounds"] <= 20 and replan["gain"] >= 0 and replan["share"] >= 0
    assert replan["worth_it"] == (replan["deadlines_met"] > 0 or replan["share"] >= 0.02)
    later = json.loads(runner.invoke(app, [*args, "--time-limit", "1"]).stdout)
    # ... and the search started from it, improved by the re-plan check first
    assert later["started_from"].startswith(f"the {later['since_stored']['roadmap']}")
    # (20 rounds, fewer where a busy machine hits the 5-second safety cap, as above)
    assert re.search(
        r"improved by (20|1\d|[1-9]) rounds of local search first \(cost of delay \$",
        later["started_from"],
    ), later["started_from"]
    assert later["since_stored"]["roadmap"].endswith(
        f"(moved on to {(ws.as_of + dt.timedelta(days=7)).isoformat()})"
    )


def test_plan_roadmap_counts_the_work_it_leaves_out_and_says_where_it_started(
    tmp_path: Path,
) -> None:
    """A team with nobody on it gets no work: the plan's table would read "late (hard) 0" and
    a lower cost of delay, so the note under it counts the items left out, naming those with
    a hard deadline (missed). The search's start says why it is not a stored roadmap."""
    from roadwise.domain.model import Deadline, Estimate, Item, Person, Team, ValueInputs
    from roadwise.domain.workspace import Workspace
    from roadwise.workspace import open_store

    teams = [
        Team(key="core", name="Core", people=[Person(key="bo", name="Bo")]),
        Team(key="ops", name="Ops", people=[]),
    ]
    size = Estimate(low=3, likely=3, high=3, unit="person_days")
    items = [
        Item(key="C-1", title="Core work", team="core", estimate=size),
        Item(
            key="O-1",
            title="Ops, due",
            team="ops",
            estimate=size,
            deadline=Deadline(date=dt.date(2026, 4, 1), hard=True),
            value=ValueInputs(cost_of_delay=100.0),
        ),
        Item(key="O-2", title="Ops, someday", team="ops", estimate=size),
    ]
    path = str(tmp_path / "w.db")
    open_store(path).replace(
        Workspace(name="w", as_of=dt.date(2026, 3, 2), teams=teams, items=items)
    )
    base = ["plan", "roadmap", "--db", path, "--time-limit", "1", "--workers", "2"]
    result = runner.invoke(app, [*base, "--no-save"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert (
        "Not scheduled: 2 item(s), in no total above (the reasons are below); 1 of them with a "
        "hard deadline, which they miss: O-1." in text
    )
    assert "Searched from the priority rules' plan (no roadmap stored as 'roadmap')" in text
    # stored under another key, the default key still has none
    assert runner.invoke(app, [*base, "--name", "other"]).exit_code == 0
    text = " ".join(runner.invoke(app, [*base, "--no-save"]).output.split())
    assert "(no roadmap stored as 'roadmap')" in text
    # nothing left out: no such note
    staffed = [*teams[:1], teams[1].model_copy(update={"people": [Person(key="al", name="Al")]})]
    open_store(path).replace(
        Workspace(name="w", as_of=dt.date(2026, 3, 2), teams=staffed, items=items)
    )
    text = " ".join(runner.invoke(app, [*base, "--no-save"]).output.split())
    assert "Not scheduled:" not in text


def test_plan_roadmap_says_what_a_dearer_plan_holding_targets_pays_for(db: str) -> None:
    """Holding targets can cost more than the rank order, which holds none: the note under
    the table says that is the price of the targets."""
    result = runner.invoke(
        app,
        [
            "plan",
            "roadmap",
            "--db",
            db,
            "--time-limit",
            "2",
            "--workers",
            "2",
            "--no-save",
            "--hold-targets",
        ],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    # On the sample the targets cost more than the rank order's plan (see docs/roadmap.md).
    assert re.search(
        r"The plan's cost of delay is \d+% above the rank order's: the price of holding the "
        r"targets, which the rank order does not\.",
        text,
    ), text


def test_many_notes_are_cut_short_and_json_keeps_them_all(tmp_path: Path) -> None:
    from roadwise.domain.model import Item, Person, Team
    from roadwise.domain.workspace import Workspace
    from roadwise.views.cli.roadmap import NOTES_SHOWN
    from roadwise.workspace import open_store

    team = Team(key="core", name="Core", people=[Person(key="bo", name="Bo")])
    unsized = [Item(key=f"K-{i}", title=f"Item {i}", team="core") for i in range(15)]
    path = str(tmp_path / "w.db")
    open_store(path).replace(
        Workspace(name="w", as_of=dt.date(2026, 3, 2), teams=[team], items=unsized)
    )
    base = ["plan", "roadmap", "--db", path, "--time-limit", "1", "--workers", "2", "--no-save"]
    data = json.loads(runner.invoke(app, [*base, "--json"]).stdout)
    assumed = [w for w in data["warnings"] if "no estimate; assumed" in w]
    assert len(assumed) == 15
    result = runner.invoke(app, base)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.count("no estimate; assumed") == NOTES_SHOWN
    assert f"… and {15 - NOTES_SHOWN} more like these" in text


def test_capacity_says_a_fresh_plan_varies_until_one_is_stored(tmp_path: Path) -> None:
    path = str(tmp_path / "w.db")
    assert runner.invoke(app, ["sample", "--db", path]).exit_code == 0
    args = ["capacity", "--db", path, "--sprints", "1", "--time-limit", "1"]
    fresh = " ".join(runner.invoke(app, args).output.split())
    assert "a fresh plan can differ from run to run" in fresh
    stored = runner.invoke(app, ["plan", "roadmap", "--db", path, "--time-limit", "1"])
    assert stored.exit_code == 0, stored.output
    again = " ".join(runner.invoke(app, args).output.split())
    assert "Planned: the stored roadmap" in again and "differ from run to run" not in again
