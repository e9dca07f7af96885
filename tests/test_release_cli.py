"""``roadwise plan release`` end to end on a small stored workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.views.cli import app
from roadwise.workspace import open_store
from test_release_workspace import small_workspace

runner = CliRunner()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "ws.db")
    open_store(path).replace(small_workspace())
    return path


def test_plan_release_json_and_stored_plan(db: str) -> None:
    result = runner.invoke(
        app,
        [
            "plan",
            "release",
            "--db",
            db,
            "--releases",
            "2",
            "--capacity",
            "20",
            "--json",
            "--explain",
            "--pareto",
            "--name",
            "q1",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["key"] == "q1"
    assert data["proven_optimal"] is True
    assert data["selection"]["assignment"]["S3"] == "R1"  # pinned
    assert data["value"] >= data["greedy"]["value"]
    assert {"why_out", "capacity_gains", "drop_to_fit", "pareto"} <= set(data)
    stored = open_store(db).get_plan("q1")
    assert stored.kind == "release"
    assert stored.payload["selection"]["assignment"] == data["selection"]["assignment"]


def test_plan_release_tables(db: str) -> None:
    result = runner.invoke(
        app, ["plan", "release", "--db", db, "--capacity", "20", "--baseline", "--no-save"]
    )
    assert result.exit_code == 0, result.output
    assert "proven optimal" in result.output
    assert "Rank-and-fill" in result.output
    with pytest.raises(Exception, match="no stored plan"):
        open_store(db).get_plan("release-R1")


def test_conflict_is_reported_in_user_terms(db: str) -> None:
    result = runner.invoke(app, ["plan", "release", "--db", db, "--must", "S2", "--no-save"])
    assert result.exit_code == 1
    assert "S3 pinned to release R1" in result.output
    assert "skill backend capacity" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--capacity", "lots"], "'lots' is not a capacity"),
        (["--capacity", "nope=3"], "unknown team 'nope'"),
        (["--percentile", "150"], "percentile 150 must be between 0 and 100"),
        (["--must", "NOPE"], "unknown item 'NOPE'"),
    ],
)
def test_user_mistakes_get_one_line(db: str, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", "release", "--db", db, "--no-save", *args])
    assert result.exit_code == 1
    assert message in result.output
