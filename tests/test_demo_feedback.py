"""The demo's feedback step prints the numbers `roadwise feedback …` gives on its database."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console
from typer.testing import CliRunner

from roadwise.views.cli import app

runner = CliRunner()


def test_the_demo_prints_the_feedback_numbers_the_commands_give_on_its_database(
    tmp_path: Path,
) -> None:
    from roadwise.views.demo import DemoContext
    from roadwise.views.demo_steps.feedback import feedback
    from roadwise.views.demo_steps.workspace import build_sample
    from roadwise.views.reports.wording import short_money

    db = str(tmp_path / "roadwise.db")
    printed = io.StringIO()
    ctx = DemoContext(out_dir=tmp_path, db_url=db, console=Console(file=printed, width=300))
    build_sample(ctx)
    feedback(ctx)
    said = " ".join(printed.getvalue().split())
    currency = ctx.ws.settings.currency

    result = runner.invoke(app, ["feedback", "demand", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["item"]: row for row in json.loads(result.output)["items"]}
    shown = ctx.results["feedback"]["analysis"].top_items(5)
    assert shown
    for d in shown:
        row = rows[d.key]
        interval = tuple(row["revenue_interval"])
        assert (row["revenue"], interval) == (d.revenue, d.revenue_interval), d.key
        assert short_money(row["revenue"], currency, interval=interval) in said, d.key

    result = runner.invoke(app, ["feedback", "themes", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    plain = [row for row in json.loads(result.output) if not row["parts"]]
    unsure = [row for row in plain if row["unsure"]]
    assert unsure, "the sample has unsure themes: the demo's sentence about them is tested"
    assert f"{len(unsure)} of {len(plain)} themes are marked unsure" in said
    for row in json.loads(result.output):
        if row["rising"]:
            assert row["name"] in said
