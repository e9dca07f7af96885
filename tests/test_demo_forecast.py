"""The demo's forecast table prints what `roadwise forecast when` and `forecast backtest` give."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from roadwise.views.cli import app

runner = CliRunner()


def test_the_demo_forecasts_are_the_commands_forecasts(tmp_path: Path) -> None:
    from roadwise.views.demo import DemoContext
    from roadwise.views.demo_steps.forecast import forecast_step
    from roadwise.views.demo_steps.workspace import build_sample

    db = str(tmp_path / "roadwise.db")
    printed = io.StringIO()
    ctx = DemoContext(out_dir=tmp_path, db_url=db, console=Console(file=printed, width=300))
    build_sample(ctx)
    forecast_step(ctx)
    lines = printed.getvalue().splitlines()
    teams = ctx.results["forecast"]["teams"]
    assert teams
    for team, f in teams.items():
        args = ["--items", f"{f.target:g}", "--team", team, "--db", db, "--json"]
        when = runner.invoke(app, ["forecast", "when", *args])
        assert when.exit_code == 0, when.output
        said = json.loads(when.output)
        replay = runner.invoke(app, ["forecast", "backtest", *args])
        assert replay.exit_code == 0, replay.output
        hit = json.loads(replay.output)["roadwise"]["hit"]["0.85"]
        row = next(line for line in lines if line.startswith(f"│ {team} "))
        cells = [cell.strip() for cell in row.strip("│").split("│")]
        assert cells[2:5] == [said["dates"][p] for p in ("50", "85", "95")], team
        assert cells[5] == f"{hit:.0%} of {said['calibration']['cutoffs']}", team
        assert said["calibration"]["hit_rate"]["85"] == hit, team

    # Why the first team's date moved: what `forecast moved` says for the same four weeks.
    move = ctx.results["forecast"]["date_move"]
    team = next(iter(teams))
    since = (ctx.ws.as_of - dt.timedelta(days=28)).isoformat()
    said_moved = " ".join(printed.getvalue().split())
    assert f"roadwise forecast moved --team {team} --since {since}" in said_moved
    result = runner.invoke(
        app, ["forecast", "moved", "--team", team, "--since", since, "--db", db, "--json"]
    )
    assert result.exit_code == 0, result.output
    moved = json.loads(result.output)
    assert (moved["before"], moved["after"]) == (str(move.before), str(move.after))
    for part in ("scope_days", "throughput_days", "completed_work_days"):
        assert moved[part] == getattr(move, part), part
