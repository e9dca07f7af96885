"""Bad input found by probing every command that reads a file or a value: each gets a one-line
error naming the file, row, field or option, and the workspace is left as it was."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.domain import Estimate, Item, ValueInputs, Workspace
from roadwise.errors import ValidationError
from roadwise.views.cli import app
from roadwise.workspace import open_store

runner = CliRunner()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    from roadwise.sample import generate_sample

    path = str(tmp_path / "rw.db")
    open_store(path).replace(generate_sample(seed=7))
    return path


def _refused(db: str, *args: str) -> str:
    before = open_store(db).load()
    out = runner.invoke(app, [*args, "--db", db])
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    assert out.exit_code == 1, out.output
    assert open_store(db).load() == before
    return " ".join(out.output.split())


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_numbers_must_be_finite(value: float) -> None:
    with pytest.raises(ValueError, match="finite number"):
        ValueInputs(cost_of_delay=value)
    with pytest.raises(ValueError, match="finite number"):
        Estimate(low=1, likely=2, high=value)
    with pytest.raises(ValueError, match="finite number"):
        Item(key="A-1", title="a", value=ValueInputs(reach=value))


def test_days_stay_within_reach_of_a_calendar() -> None:
    ws = Workspace()
    with pytest.raises(ValidationError, match="less than or equal to 2199-12-31") as caught:
        ws.copy_with(as_of="9999-12-31")
    assert caught.value.field == "as_of"
    with pytest.raises(ValidationError, match="greater than or equal to 1900-01-01"):
        ws.copy_with(as_of="0001-01-01")


def test_cli_refuses_values_that_broke_the_engines_later(db: str) -> None:
    assert "finite number (got inf)" in _refused(
        db, "items", "edit", "KW-1400", "--set", "value.cost_of_delay=.inf"
    )
    assert "less than or equal to 3650" in _refused(
        db,
        "items",
        "edit",
        "KW-1400",
        "--set",
        "dependencies=[{item: KW-1289, lag_days: 1000000000000}]",
    )
    assert "day value is outside expected range" in _refused(
        db, "items", "edit", "KW-1400", "--set", "deadline.date=2026-02-30"
    )
    assert "the value after '=' cannot be read" in _refused(
        db, "scenario", "add", "s1", "--set", "item:KW-1400.deadline.date=2026-02-30"
    )
    assert "field 'as_of'" in _refused(db, "as-of", "9999-12-31")
    assert "capacity 'nan' must be a number of points" in _refused(
        db, "plan", "release", "--capacity", "nan", "--no-save"
    )
    assert "the amount of work must be a positive number" in _refused(
        db, "forecast", "when", "--items", "inf"
    )
    out = runner.invoke(app, ["items", "edit", "KW-1400", "--version", "0", "--db", db])
    assert out.exit_code == 2  # a usage error: versions start at 1


def test_files_that_are_not_utf8_are_refused_by_name(db: str, tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"id,text,date\n1,Caf\xe9 au lait,2026-10-01\n")
    flat = _refused(db, "feedback", "import", str(latin))
    assert "latin.csv: not UTF-8 text" in flat and "nothing was imported" in flat
    out = tmp_path / "kinds.csv"
    assert "not UTF-8 text" in _refused(db, "feedback", "batch", str(latin), "--out", str(out))
    assert not out.exists()

    history = tmp_path / "history.csv"
    history.write_bytes(b"Key,Created,Resolved\nA,2025-01-01,2025-01-05\nB,2025-01-0\xe9,\n")
    mapping = "key=Key,created=Created,resolved=Resolved"
    args = ("forecast", "when", "--items", "5", "--history-csv", str(history))
    assert "history.csv: not UTF-8 text" in _refused(db, *args, "--mapping", mapping)
    history.write_text("Key,Created,Resolved\nA,2025-01-01,9999-12-31 00:00:00\n")
    assert "row 2, field 'Resolved': '9999-12-31 00:00:00' is not a date between" in _refused(
        db, *args, "--mapping", mapping
    )


def test_a_jira_cell_over_the_csv_limit_names_its_row(db: str, tmp_path: Path) -> None:
    export = tmp_path / "jira.csv"
    export.write_text(
        "Summary,Issue key,Issue Type,Status\nshort,A-1,Task,Done\n"
        + "x" * 140_000
        + ",A-2,Task,Done\n"
    )
    assert "jira.csv, row 3: field larger than field limit" in _refused(
        db, "import", "jira", str(export)
    )


def test_batch_and_sweep_outputs_must_be_files_and_addresses_must_parse(
    db: str, tmp_path: Path
) -> None:
    export = tmp_path / "fine.csv"
    export.write_text("id,text,date\n1,Works well,2026-10-01\n")
    assert "is a folder: give the CSV file to write" in _refused(
        db, "feedback", "batch", str(export), "--out", str(tmp_path)
    )
    assert "cannot reach the Dask scheduler at garbage" in _refused(
        db,
        "feedback",
        "batch",
        str(export),
        "--out",
        str(tmp_path / "o.csv"),
        "--cluster",
        "garbage",
    )
    assert "is a folder" in _refused(db, "scenario", "sweep", "--csv", str(tmp_path))
