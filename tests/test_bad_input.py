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
    # named with the line of the first byte that is not UTF-8
    assert "history.csv, line 3: not UTF-8 text" in _refused(db, *args, "--mapping", mapping)
    history.write_text("Key,Created,Resolved\nA,2025-01-01,9999-12-31 00:00:00\n")
    assert "row 2, field 'Resolved': '9999-12-31 00:00:00' is not a date between" in _refused(
        db, *args, "--mapping", mapping
    )


def test_a_cell_over_the_csv_modules_limit_reads_back(db: str, tmp_path: Path) -> None:
    # The csv module stops at 128 KiB a cell; an export can write more, and must read back.
    export = tmp_path / "jira.csv"
    export.write_text(
        "Summary,Issue key,Issue Type,Status\nshort,A-1,Task,Done\n"
        + "x" * 140_000
        + ",A-2,Task,Done\n"
    )
    out = runner.invoke(app, ["import", "jira", str(export), "--db", db])
    assert out.exit_code == 0, out.output
    assert open_store(db).load().item_by_key["A-2"].title == "x" * 140_000
    items = tmp_path / "items.csv"
    out = runner.invoke(app, ["export", str(items), "--db", db])
    assert out.exit_code == 0, out.output
    before = open_store(db).load()
    out = runner.invoke(app, ["import", str(items), "--db", db])
    assert out.exit_code == 0, out.output
    assert open_store(db).load().items == before.items
    # an unclosed quote is still told apart from a long cell
    items.write_text('key,title\nNEW-1,"' + "x" * 140_000 + "\nNEW-2,Second\n")
    assert "items.csv, row 2: a double quote opened in this row is never closed" in _refused(
        db, "import", str(items)
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


def test_value_inputs_are_amounts_and_settings_name_what_exists() -> None:
    with pytest.raises(ValueError, match="reach must not be negative, got -5"):
        ValueInputs(reach=-5)
    with pytest.raises(ValueError, match="cost_of_delay must not be negative, got -1"):
        ValueInputs(cost_of_delay={"low": -1, "likely": 2, "high": 3})
    assert ValueInputs(ease=0).ease == 0
    with pytest.raises(ValidationError, match="'rice', 'ice', 'wsjf'") as caught:
        Workspace().copy_with(settings={"priority": {"framework": "magic"}})
    assert caught.value.field == "settings.priority.framework"
    upper = Workspace().copy_with(settings={"priority": {"framework": " RICE"}})
    assert upper.settings.priority.framework == "rice"
    with pytest.raises(ValidationError, match="schema version 2 is newer than this Roadwise"):
        Workspace().copy_with(schema_version=2)


def test_a_newer_or_wrong_yaml_file_is_refused(db: str, tmp_path: Path) -> None:
    newer = tmp_path / "newer.yaml"
    newer.write_text("schema_version: 2\nname: next year's format\n")
    assert "schema version 2 is newer" in _refused(db, "import", str(newer))
    framework = tmp_path / "framework.yaml"
    framework.write_text("settings:\n  priority:\n    framework: magic\n")
    flat = _refused(db, "import", str(framework))
    assert "framework.yaml" in flat and "settings.priority.framework" in flat


def test_items_csv_names_the_column_at_fault_and_refuses_an_empty_file(
    db: str, tmp_path: Path
) -> None:
    items = tmp_path / "items.csv"
    items.write_text("key,title,estimate,estimate_unit\nNEW-1,A thing,3,weeks\n")
    assert "row 2, field 'estimate_unit'" in _refused(db, "import", str(items))
    items.write_text("key,title,reach\nNEW-1,A thing,-40\n")
    assert "row 2, field 'reach': reach must not be negative" in _refused(db, "import", str(items))
    items.write_text("key,title\n")
    for replace in ((), ("--replace",)):
        assert "no items, only its header row" in _refused(db, "import", str(items), *replace)
    audit_before = len(open_store(db).audit_entries())
    _refused(db, "import", str(items))
    assert len(open_store(db).audit_entries()) == audit_before


def test_an_unclosed_quote_is_refused_not_read_as_one_cell(db: str, tmp_path: Path) -> None:
    items = tmp_path / "items.csv"
    items.write_text('key,title\nNEW-1,"A quoted title\nNEW-2,Second\nNEW-3,Third\n')
    assert "items.csv, row 2: a double quote opened in this row is never closed" in _refused(
        db, "import", str(items)
    )
    # a quoted cell may hold line breaks: that is not an unclosed quote
    items.write_text('key,title\nNEW-1,"Two\nlines"\nNEW-2,Second')
    out = runner.invoke(app, ["import", str(items), "--db", db])
    assert out.exit_code == 0, out.output
    assert open_store(db).load().item_by_key["NEW-1"].title == "Two\nlines"

    history = tmp_path / "history.csv"
    history.write_text('Key,Created,Resolved\nA,2025-01-01,"2025-01-05\nB,2025-01-02,2025-01-06\n')
    mapping = "key=Key,created=Created,resolved=Resolved"
    args = ("forecast", "when", "--items", "5", "--history-csv", str(history))
    assert "history.csv, row 2: a double quote opened" in _refused(db, *args, "--mapping", mapping)
    export = tmp_path / "jira.csv"
    export.write_text('Summary,Issue key,Issue Type,Status\n"Broken,A-1,Task,Done\n')
    assert "jira.csv, row 2: a double quote opened" in _refused(db, "import", "jira", str(export))


def test_the_same_issue_twice_is_refused(db: str, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "Key,Created,Resolved\nA-1,2025-01-01,2025-01-05\nA-2,2025-01-02,2025-01-06\n"
        "A-1,2025-01-01,2025-01-05\n"
    )
    mapping = "key=Key,created=Created,resolved=Resolved"
    args = ("forecast", "when", "--items", "5", "--history-csv", str(history))
    assert "row 4, field 'Key': 'A-1' is also in row 2" in _refused(db, *args, "--mapping", mapping)
    export = tmp_path / "jira.csv"
    export.write_text(
        "Summary,Issue key,Issue Type,Status\nOne,A-1,Task,To Do\nAgain,A-1,Task,Done\n"
    )
    assert "row 3, field 'Issue key': issue A-1 is also in row 2" in _refused(
        db, "import", "jira", str(export)
    )


@pytest.mark.parametrize("points", ["-5", "nan", "inf"])
def test_a_jira_estimate_that_is_no_amount_is_refused(db: str, tmp_path: Path, points: str) -> None:
    export = tmp_path / "jira.csv"
    export.write_text(
        "Summary,Issue key,Issue Type,Status,Custom field (Story Points)\n"
        f"One,A-1,Task,To Do,3\nTwo,A-2,Task,To Do,{points}\n"
    )
    refused = _refused(db, "import", "jira", str(export))
    assert "row 3, field 'Custom field (Story Points)': expected a number" in refused
    assert f"got '{points}'" in refused


def test_to_item_refuses_a_negative_estimate_from_a_tracker() -> None:
    from roadwise.errors import RoadwiseError
    from roadwise.sources.tracker_mapping import TrackerIssue, TrackerMapping, to_item

    issue = TrackerIssue(system="jira", key="A-1", title="One", estimate=-1.0)
    with pytest.raises(RoadwiseError, match="jira issue A-1 cannot be read: its estimate -1"):
        to_item(issue, TrackerMapping())


def test_a_mapping_section_that_is_not_a_mapping_is_refused(db: str, tmp_path: Path) -> None:
    export = tmp_path / "jira.csv"
    export.write_text("Summary,Issue key,Issue Type,Status\nOne,A-1,Task,To Do\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("jira: [1, 2]\n")
    assert "field 'jira': expected jira's mapping entries" in _refused(
        db, "import", "jira", str(export), "--mapping", str(mapping)
    )


def test_long_feedback_ids_stay_distinct(db: str, tmp_path: Path) -> None:
    export = tmp_path / "tickets.csv"
    stem = "ticket-" + "x" * 120
    export.write_text(
        f"id,text,date\n{stem}-1,Export fails,2026-10-01\n{stem}-2,Export slow,2026-10-02\n"
    )
    out = runner.invoke(app, ["feedback", "import", str(export), "--db", db])
    assert out.exit_code == 0, out.output
    keys = [f.key for f in open_store(db).load().feedback if "xxxx" in f.key]
    assert len(keys) == 2 and len(set(keys)) == 2 and all(len(k) <= 100 for k in keys)
    again = runner.invoke(app, ["feedback", "import", str(export), "--db", db])
    assert again.exit_code == 0, again.output
    assert len([f for f in open_store(db).load().feedback if "xxxx" in f.key]) == 2

    spaced = tmp_path / "spaced.csv"
    spaced.write_text("id,text,date\na b,One,2026-10-01\na_b,Two,2026-10-02\n")
    flat = _refused(db, "feedback", "import", str(spaced))
    assert "id 'a_b' is also in row 2" in flat


def test_a_linear_export_with_a_repeated_or_negative_issue_is_refused(
    db: str, tmp_path: Path
) -> None:
    export = tmp_path / "linear.csv"
    export.write_text("ID,Title,Status,Estimate\nENG-1,One,Todo,3\nENG-1,Again,Todo,2\n")
    assert "row 3, field 'ID': issue ENG-1 is also in row 2" in _refused(
        db, "import", "linear", str(export)
    )
    export.write_text("ID,Title,Status,Estimate\nENG-1,One,Todo,-2\n")
    assert "row 2, field 'Estimate': expected a number of 0 or more, got '-2'" in _refused(
        db, "import", "linear", str(export)
    )
    export.write_bytes(b"ID,Title,Status\nENG-1,Caf\xe9,Todo\n")
    assert "linear.csv, line 2: not UTF-8 text" in _refused(db, "import", "linear", str(export))


def test_history_keys_that_become_the_same_key_are_the_same_issue(db: str, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "Key,Created,Resolved\nK 1,2025-01-01,2025-01-05\nK_1,2025-01-02,2025-01-06\n"
    )
    mapping = "key=Key,created=Created,resolved=Resolved"
    args = ("forecast", "when", "--items", "5", "--history-csv", str(history))
    assert "row 3, field 'Key': 'K_1' is also in row 2" in _refused(db, *args, "--mapping", mapping)


@pytest.mark.parametrize(
    ("text", "extra", "fragment"),
    [
        (None, (), "missing.csv: file not found"),
        ("key,title\nNEW-1\n", (), "missing required field 'title'"),
        ("key,title,dependencies\nNEW-1,One,S9\n", (), "unknown item 'S9'"),
        ("Issue key,Summary\nNEW-1,One\n", ("--mapping", "Key=key"), "column 'Key'"),
        ('key,title,reach\nNEW-1,One,"1,234"\n', (), "could be 1234 or 1.234"),
    ],
)
def test_a_failed_import_leaves_no_new_database_behind(
    tmp_path: Path, text: str | None, extra: tuple[str, ...], fragment: str
) -> None:
    source = tmp_path / "missing.csv"
    if text is not None:
        source.write_text(text)
    fresh = tmp_path / "fresh.db"
    out = runner.invoke(app, ["import", str(source), *extra, "--db", str(fresh)])
    assert out.exit_code == 1, out.output
    assert fragment in " ".join(out.output.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if text is None else [source.name])
    folder = tmp_path / "items"
    folder.mkdir()
    out = runner.invoke(app, ["import", str(folder / "x.yaml"), "--db", str(fresh)])
    assert "file not found" in out.output and not fresh.exists()
    source.write_text("key,title\nNEW-1,One\n")
    out = runner.invoke(app, ["import", str(source), "--db", str(fresh)])
    assert out.exit_code == 0, out.output
    assert [i.key for i in open_store(str(fresh)).load().items] == ["NEW-1"]
