"""``roadwise forecast …`` from a CSV export: tables, JSON and one-line errors."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

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
