"""``roadwise forecast …`` from a CSV export: tables, JSON and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from roadwise.views.cli import app

runner = CliRunner()


@pytest.fixture()
def export(tmp_path: Path) -> Path:
    """A year of a steady team: 4 items finished every week."""
    rng = np.random.default_rng(0)
    lines = ["Key,Created,Resolved,Points,Type"]
    start = dt.datetime(2024, 1, 1, 9)
    n = 0
    for week in range(52):
        for k in range(4):
            done = start + dt.timedelta(weeks=week, days=int(rng.integers(0, 5)), hours=k)
            created = done - dt.timedelta(days=int(rng.integers(1, 20)))
            lines.append(
                f"T-{n},{created:%Y-%m-%d %H:%M:%S},{done:%Y-%m-%d %H:%M:%S},"
                f"{int(rng.integers(1, 6))},Story"
            )
            n += 1
    path = tmp_path / "team.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


MAPPING = "key=Key,created=Created,resolved=Resolved,size=Points,kind=Type"


def test_when_as_json(export: Path) -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "when",
            "--items",
            "20",
            "--history-csv",
            str(export),
            "--mapping",
            MAPPING,
            "--trials",
            "2000",
            "--as-of",
            "2024-12-30",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    dates = [data["dates"][k] for k in ("50", "70", "85", "95")]
    assert dates == sorted(dates)
    # 4 a week: 20 items take about five weeks from 2024-12-30.
    assert "2025-01-27" <= data["dates"]["50"] <= "2025-02-17"
    assert data["calibration"]["cutoffs"] > 10


def test_backtest_and_history_tables(export: Path) -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "backtest",
            "--items",
            "10",
            "--history-csv",
            str(export),
            "--mapping",
            MAPPING,
            "--trials",
            "300",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "textbook" in result.output and "naive straight line" in result.output
    result = runner.invoke(
        app, ["forecast", "history", "--history-csv", str(export), "--mapping", MAPPING]
    )
    assert result.exit_code == 0, result.output
    assert "story" in result.output


def test_howmany_and_user_errors(export: Path) -> None:
    result = runner.invoke(
        app,
        [
            "forecast",
            "howmany",
            "--date",
            "2025-03-01",
            "--as-of",
            "2024-12-30",
            "--history-csv",
            str(export),
            "--mapping",
            MAPPING,
            "--trials",
            "1000",
        ],
    )
    assert result.exit_code == 0, result.output
    bad = runner.invoke(
        app,
        [
            "forecast",
            "when",
            "--items",
            "5",
            "--history-csv",
            str(export),
            "--mapping",
            "created=Opened,resolved=Resolved",
        ],
    )
    assert bad.exit_code == 1
    assert "'Opened' not in the file's header" in bad.output
    assert "Traceback" not in bad.output
    both = runner.invoke(
        app,
        [
            "forecast",
            "when",
            "--items",
            "5",
            "--points",
            "8",
            "--history-csv",
            str(export),
            "--mapping",
            MAPPING,
        ],
    )
    assert both.exit_code == 1 and "exactly one of" in both.output


# --------------------------------------------------------------------------- workspace commands


@pytest.fixture()
def workspace_db(tmp_path: Path) -> str:
    """Two teams with 40 weeks of history, an epic of estimated stories, deadlines, a dependency."""
    from roadwise.domain import Workspace
    from roadwise.domain.model import (
        Deadline,
        Dependency,
        Estimate,
        HistoryRecord,
        Item,
        ItemKind,
        Status,
        Team,
    )
    from roadwise.workspace import open_store

    as_of = dt.date(2025, 6, 2)
    start = dt.datetime(2024, 8, 26, 10)
    history = []
    for week in range(40):
        for team, per_week in (("web", 3), ("api", 2)):
            for k in range(per_week):
                done = start + dt.timedelta(weeks=week, days=k, hours=k)
                history.append(
                    HistoryRecord(
                        key=f"H-{team}-{week}-{k}",
                        team=team,
                        created=done - dt.timedelta(days=6),
                        started=done - dt.timedelta(days=2),
                        done=done,
                        points=3.0,
                        estimate=Estimate(low=1, likely=2, high=4),
                    )
                )
    items = [Item(key="EPIC", title="Checkout", kind=ItemKind.EPIC, status=Status.READY)]
    for k in range(6):
        items.append(
            Item(
                key=f"S-{k}",
                title=f"story {k}",
                parent="EPIC",
                team="web" if k < 4 else "api",
                status=Status.READY,
                estimate=Estimate(low=1, likely=2, high=5),
                created=dt.datetime(2025, 5, 20) if k == 5 else dt.datetime(2025, 3, 1),
                deadline=Deadline(date=as_of + dt.timedelta(days=30)) if k == 3 else None,
                dependencies=[Dependency(item="S-0")] if k == 4 else [],
            )
        )
    ws = Workspace(
        name="shop",
        as_of=as_of,
        teams=[Team(key="web", name="Web"), Team(key="api", name="API")],
        items=items,
        history=history,
    )
    path = str(tmp_path / "rw.db")
    open_store(path).replace(ws)
    return path


def test_roadmap_moved_and_scope_from_the_workspace(workspace_db: str) -> None:
    result = runner.invoke(
        app, ["forecast", "roadmap", "--db", workspace_db, "--trials", "500", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    by_key = {i["key"]: i for i in data["items"]}
    assert set(by_key) == {f"S-{k}" for k in range(6)}  # leaves only, not the epic
    assert 0.0 <= by_key["S-3"]["p_deadline"] <= 1.0
    assert set(data["team_calibration"]) == {"web", "api"}

    moved = runner.invoke(
        app,
        [
            "forecast",
            "moved",
            "--db",
            workspace_db,
            "--team",
            "api",
            "--since",
            "2025-05-05",
            "--trials",
            "500",
            "--json",
        ],
    )
    assert moved.exit_code == 0, moved.output
    m = json.loads(moved.output)
    assert m["items_added"] == 1  # S-5 was created after the 'since' date
    parts = m["scope_days"] + m["throughput_days"] + m["completed_work_days"]
    assert parts == pytest.approx(m["total_days"])
    assert m["scope_days"] > 0

    scoped = runner.invoke(
        app,
        [
            "forecast",
            "when",
            "--db",
            workspace_db,
            "--scope",
            "EPIC",
            "--estimates",
            "--trials",
            "1000",
            "--json",
        ],
    )
    assert scoped.exit_code == 0, scoped.output
    s = json.loads(scoped.output)
    assert s["unit"] == "points" and s["scope"] == "EPIC"
    assert "1.50 × estimate" in s["estimate_bias"]  # 3 points delivered per 2 estimated
    unknown = runner.invoke(app, ["forecast", "when", "--db", workspace_db, "--scope", "NOPE"])
    assert unknown.exit_code == 1 and "no item or release with key 'NOPE'" in unknown.output


def test_every_chart_builds_a_vega_lite_spec(workspace_db: str, tmp_path: Path) -> None:
    from roadwise.views.charts import spec

    out = tmp_path / "charts"
    result = runner.invoke(app, ["forecast", "history", "--db", workspace_db, "--charts", str(out)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in out.iterdir()} >= {
        "throughput.svg",
        "cycle_time.svg",
        "cumulative_flow.svg",
    }
    rel = runner.invoke(
        app,
        [
            "forecast",
            "backtest",
            "--db",
            workspace_db,
            "--items",
            "10",
            "--trials",
            "300",
            "--chart",
            str(tmp_path / "rel.svg"),
        ],
    )
    assert rel.exit_code == 0, rel.output
    assert (tmp_path / "rel.svg").read_text().startswith("<svg")

    from roadwise.engines.forecast import ForecastOptions, forecast_when
    from roadwise.engines.history import throughput
    from roadwise.views.charts.forecast import burn_up, forecast_histogram
    from roadwise.workspace import open_store

    ws = open_store(workspace_db).load()
    recs = [r for r in ws.history if r.team == "web"]
    f = forecast_when(recs, 12, ws.as_of, ForecastOptions(trials=500, backtest_trials=200))
    assert spec(forecast_histogram(f))["layer"]
    assert spec(burn_up(throughput(recs, end=ws.as_of), 12, f))["layer"]


def test_roadmap_replays_the_stored_plan_order(workspace_db: str) -> None:
    """`forecast roadmap` works each team's items in the stored roadmap's order (the priority
    queue without one), and gives each item the dates the reports and the web app forecast."""
    from roadwise.domain.model import Plan
    from roadwise.views.reports import gather
    from roadwise.views.web.service import Service
    from roadwise.workspace import open_store, roadmap_of_record

    store = open_store(workspace_db, create=False)

    def replay(*extra: str) -> dict[str, Any]:
        args = ["forecast", "roadmap", "--db", workspace_db, "--trials", "300", "--json"]
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    def report_dates() -> dict[str, tuple[str | None, str | None]]:
        ws = store.load()
        results = {"roadmap_of_record": roadmap_of_record(store, ws)}
        facts = gather(ws, results, trials=300, steps=("priorities", "forecast"))
        run = facts.raw["delivery_forecast"].simulation.roadmap
        return {o.key: (_iso(o.finish[50]), _iso(o.finish[85])) for o in run.items}

    def cli_dates(data: dict[str, Any]) -> dict[str, tuple[str | None, str | None]]:
        return {i["key"]: (i["p50"], i["p85"]) for i in data["items"]}

    queue = replay()
    assert queue["plan"] is None and queue["order"] == "queue order per team"
    assert queue["seed"] == store.load().settings.seed
    assert cli_dates(queue) == report_dates()

    # The scheduler put the web team's S-3 first and S-0 last; S-5 (api) is left unplanned.
    start = dt.date(2025, 6, 2)
    rows = [
        {"item": key, "team": team, "level": "leaf", "start": str(start + dt.timedelta(days=n))}
        for n, (key, team) in enumerate(
            [("S-3", "web"), ("S-2", "web"), ("S-1", "web"), ("S-0", "web"), ("S-4", "api")]
        )
    ]
    for row in rows:
        row["end"] = row["start"]
    rows.append({"item": "DONE-1", "team": "web", "level": "leaf", "start": "2025-06-02"})
    store.save_plan(
        Plan(
            key="roadmap", kind="roadmap", created=dt.datetime(2025, 6, 2), payload={"items": rows}
        )
    )
    planned = replay()
    assert planned["plan"] == "roadmap"
    assert planned["order"] == "the roadmap's order, 1 item(s) not in it after"
    p50 = {i["key"]: i["p50"] for i in planned["items"]}
    # Every open item is replayed: S-5 after the plan's items, nothing unknown.
    assert set(p50) == {f"S-{k}" for k in range(6)}
    assert p50["S-3"] < p50["S-0"]
    assert planned["not_in_plan"] == ["S-5"]
    assert cli_dates(planned) == report_dates()
    assert cli_dates(planned) != cli_dates(queue)
    # The web app replays the same plan: the same trials, the same dates.
    service = Service(store)
    service.trials = 300  # as the CLI was asked for
    web = service.delivery().simulation.roadmap
    assert web is not None
    assert {o.key: (_iso(o.finish[50]), _iso(o.finish[85])) for o in web.items} == cli_dates(
        planned
    )

    text = runner.invoke(app, ["forecast", "roadmap", "--db", workspace_db, "--trials", "300"])
    words = " ".join(text.output.split())  # the console wraps long lines
    assert "in the order of stored roadmap 'roadmap' of 2025-06-02 00:00 UTC" in words
    assert (
        "1 open item(s) are not in plan 'roadmap' and are worked after it, in priority order "
        "(S-5)" in words
    )
    missing = runner.invoke(app, ["forecast", "roadmap", "--db", workspace_db, "--plan", "nope"])
    assert missing.exit_code == 1
    assert "no stored roadmap 'nope' (stored: roadmap)" in missing.output


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def test_roadmap_without_history_says_so(workspace_db: str) -> None:
    """No history: one clear error, not 'not within 10 years' for every item; a team without
    any is named."""
    from roadwise.workspace import open_store

    store = open_store(workspace_db, create=False)
    ws = store.load()
    store.replace(ws.model_copy(update={"history": [h for h in ws.history if h.team == "web"]}))
    args = ["forecast", "roadmap", "--db", workspace_db, "--trials", "200"]
    partial = runner.invoke(app, [*args, "--json"])
    assert partial.exit_code == 0, partial.output
    assert json.loads(partial.output)["teams_without_history"] == ["api"]
    text = " ".join(runner.invoke(app, args).output.split())
    assert "no delivery history for team API: their items cannot be dated" in text

    store.replace(ws.model_copy(update={"history": []}))
    none = runner.invoke(app, args)
    assert none.exit_code == 1
    assert "the workspace has no delivery history" in none.output
    assert "not within" not in none.output


def test_roadmap_says_when_a_team_with_work_has_nobody_on_it(workspace_db: str) -> None:
    """Dates come from history, which a team keeps when its people go; the replay says so,
    where the workspace records people at all (a forecast-only one need not)."""
    from roadwise.domain.model import Person
    from roadwise.workspace import open_store

    store = open_store(workspace_db, create=False)
    ws = store.load()
    args = ["forecast", "roadmap", "--db", workspace_db, "--trials", "200"]
    # Nobody recorded on any team: a forecast-only workspace, nothing to say.
    assert not any(t.people for t in ws.teams)
    assert json.loads(runner.invoke(app, [*args, "--json"]).output)["teams_without_people"] == []
    # Web's people recorded, API's not.
    teams = [
        t.model_copy(update={"people": [Person(key="wen", name="Wen")]}) if t.key == "web" else t
        for t in ws.teams
    ]
    store.replace(ws.copy_with(teams=teams))
    store.close()
    data = json.loads(runner.invoke(app, [*args, "--json"]).output)
    assert data["teams_without_people"] == ["api"]
    text = " ".join(runner.invoke(app, args).output.split())
    assert "nobody is on team API: its dates come from delivery history alone" in text


def test_roadmap_items_waiting_on_a_team_without_history_cannot_be_dated(
    workspace_db: str,
) -> None:
    """Web has a pace, but S-0 now waits on API's S-5 and API has no history: S-0 cannot be
    dated because of API (not "not within 10 years"), in the reports' words; web's other
    items wait on nothing undated and keep their dates."""
    from roadwise.domain.model import Dependency
    from roadwise.workspace import open_store

    store = open_store(workspace_db, create=False)
    ws = store.load()
    s0 = ws.item_by_key["S-0"].model_copy(update={"dependencies": [Dependency(item="S-5")]})
    store.replace(
        ws.copy_with(
            items=[s0 if i.key == "S-0" else i for i in ws.items],
            history=[h for h in ws.history if h.team == "web"],
        )
    )
    store.close()
    args = ["forecast", "roadmap", "--db", workspace_db, "--trials", "200"]
    data = json.loads(runner.invoke(app, [*args, "--json"]).output)
    waits = "waits on work of team API, which has no delivery history"
    assert data["teams_without_history"] == ["api"]
    assert data["cannot_be_dated"] == {
        "S-0": waits,
        "S-4": "no delivery history for team API",
        "S-5": "no delivery history for team API",
    }
    by_key = {i["key"]: i for i in data["items"]}
    assert by_key["S-0"]["p50"] is None
    assert all(by_key[k]["p50"] is not None for k in ("S-1", "S-2", "S-3"))
    result = runner.invoke(app, [*args])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"S-0 cannot be dated: it {waits}." in text
    # Nor is the whole roadmap given a date "not within 10 years".
    assert "No date for all of it: 3 item(s) cannot be dated" in text
    assert "All done by" not in text
    # The first line of S-0's row (a narrow console wraps the cells).
    row = next(line for line in result.output.splitlines() if "S-0" in line and "web" in line)
    assert "cannot be" in row and "not within" not in row


def test_roadmap_replay_is_calibrated_unless_asked_not_to(workspace_db: str) -> None:
    """The replay every view uses is calibrated; the evidence printed under it is the
    measurement it was calibrated with, in the replay's unit; --no-calibrate replays plain."""

    def replay(*extra: str) -> dict[str, Any]:
        args = ["forecast", "roadmap", "--db", workspace_db, "--trials", "300", "--json"]
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 0, result.output
        return json.loads(result.output)

    calibrated, plain = replay(), replay("--no-calibrate")
    assert calibrated["calibrated"] is True and plain["calibrated"] is False
    assert calibrated["team_calibration"] and not plain["team_calibration"]
    for measured in calibrated["team_calibration"].values():
        assert measured["unit"] == "points" and measured["cutoffs"] > 0
    assert {r["key"] for r in calibrated["items"]} == {r["key"] for r in plain["items"]}
    text = runner.invoke(app, ["forecast", "roadmap", "--db", workspace_db, "--trials", "300"])
    assert "each team at its calibrated pace" in text.output
    assert "pace is calibrated on its own past forecasts" in text.output


def test_roadmap_states_the_remaining_work_the_resources_report_states(
    workspace_db: str, tmp_path: Path
) -> None:
    """The lines under `forecast roadmap` and the resources report's "work remaining" count
    the same open items at their estimates; the roadmap also says the larger amount its
    calibration is for (the queue × the team's estimate bias), named as such, so a reader
    comparing the two views does not see two different counts of the same work."""
    import re

    from roadwise.domain.model import Estimate, Item, ItemKind, Person, Status
    from roadwise.views.reports import gather
    from roadwise.views.reports.wording import say_number
    from roadwise.workspace import open_store

    ws = open_store(workspace_db, create=False).load()
    teams = [
        t.model_copy(update={"people": [Person(key=f"{t.key}{i}", name=f"P{i}") for i in range(3)]})
        for t in ws.teams
    ]
    items = [
        # In progress (counted whole in both) and one not estimated (counted as 1 in both).
        i.model_copy(update={"status": Status.IN_PROGRESS}) if i.key == "S-0" else i
        for i in ws.items
    ]
    items.append(
        Item(key="S-9", title="unsized", kind=ItemKind.STORY, team="api", status=Status.READY)
    )
    items.append(
        Item(
            key="S-8",
            title="big",
            kind=ItemKind.STORY,
            parent="EPIC",
            team="web",
            status=Status.READY,
            estimate=Estimate(low=3, likely=8, high=13),
        )
    )
    ws = ws.copy_with(teams=teams, items=items)
    path = str(tmp_path / "staffed.db")
    open_store(path).replace(ws)

    args = ["forecast", "roadmap", "--db", path, "--trials", "300"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    said = " ".join(text.output.split())  # the console wraps long lines
    data = json.loads(runner.invoke(app, [*args, "--json"]).output)

    facts = gather(ws, trials=300, steps=("forecast", "resources"))
    load = facts.raw["team_load"]
    assert load["columns"][1] == "Work remaining"
    rows = {name: work for name, work, _people, _when in load["rows"]}
    names = {t.key: t.name for t in ws.teams}
    assert set(rows) == {names[k] for k in data["team_calibration"]}
    unsized = []
    for key, measured in data["team_calibration"].items():
        line = re.search(
            rf"{key}: (\d+) open items?, (\d+) points as estimated"
            rf"(?: \((\d+) without an estimate: 1 each here, ([\d.]+) in the forecast, the "
            rf"team's typical item\))?"
            rf", (\d+) as its estimates turn out \(× ([\d.]+)\); 85% dates met",
            said,
        )
        assert line is not None, said
        open_items, estimated, not_estimated, typical, calibrated, bias = line.groups()
        unsized.append(int(not_estimated or 0))
        # One amount of remaining work in both views, said as each view says numbers.
        assert rows[names[key]] == f"{say_number(float(estimated))} points as estimated"
        assert float(estimated) == pytest.approx(measured["estimated"], abs=0.5)
        assert int(open_items) == measured["open_items"]
        queue = [i for i in ws.items if i.is_open and i.team == key and i.kind != ItemKind.EPIC]
        assert int(open_items) == len(queue)
        assert int(not_estimated or 0) == sum(1 for i in queue if i.estimate is None)
        # The larger amount is the one the calibration measured: the queue × the bias.
        assert float(calibrated) == pytest.approx(measured["target"], abs=0.5)
        assert float(bias) == pytest.approx(1.5, abs=0.005)  # 3 points done per 2 estimated
        # The amounts add up: each item without an estimate at the typical size, × the bias.
        sized = measured["estimated"] + int(not_estimated or 0) * (float(typical or 1) - 1)
        assert measured["target"] == pytest.approx(sized * 1.5)
    assert sorted(unsized) == [0, 1]  # API's S-9
    # And the report says once what its number counts.
    assert "as the team estimated them" in load.get("note", "")


def test_moved_dates_the_team_on_the_days_it_works(
    workspace_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`forecast moved` gives both dates on the team's working days, as every forecast does:
    here a team that works Fridays only."""
    import datetime as dt

    import roadwise.engines.forecast.objectives as objectives
    from roadwise.engines.forecast.calendar import WorkCalendar

    start = dt.date(2025, 1, 1)
    days = (start + dt.timedelta(days=d) for d in range(15 * 366))
    fridays_only = WorkCalendar(None, frozenset(d for d in days if d.weekday() < 4))
    monkeypatch.setattr(objectives, "work_calendar", lambda ws, team: fridays_only)
    args = ["forecast", "moved", "--db", workspace_db, "--team", "api"]
    moved = runner.invoke(app, [*args, "--since", "2025-05-05", "--trials", "500", "--json"])
    assert moved.exit_code == 0, moved.output
    m = json.loads(moved.output)
    for when in (m["before"], m["after"]):
        assert dt.date.fromisoformat(when).weekday() == 4, m


@pytest.mark.parametrize(("team", "items"), [("workflow", "40"), ("platform", "20")])
def test_when_reports_the_hit_rates_backtest_shows(tmp_path: Path, team: str, items: str) -> None:
    """The hit rates `forecast when` shows as "met in the past" are the ones `forecast
    backtest` replays with its defaults: same cut-offs, trials and seed, so the same numbers."""
    db = str(tmp_path / "roadwise.db")
    assert runner.invoke(app, ["sample", "--db", db]).exit_code == 0
    args = ["--items", items, "--team", team, "--db", db, "--json"]
    when = runner.invoke(app, ["forecast", "when", "--trials", "200", *args])
    assert when.exit_code == 0, when.output
    replay = runner.invoke(app, ["forecast", "backtest", *args])
    assert replay.exit_code == 0, replay.output
    measured = json.loads(when.output)["calibration"]
    shown = json.loads(replay.output)
    assert measured["cutoffs"] == shown["cutoffs"]
    for level in ("50", "70", "85", "95"):
        key = str(int(level) / 100)
        assert measured["hit_rate"][level] == shown["roadwise"]["hit"][key], level
        assert measured["uncalibrated_hit_rate"][level] == shown["uncalibrated"]["hit"][key], level
    assert measured["pinball_days"] == pytest.approx(shown["roadwise"]["pinball"])
