"""The workspace commands, through Typer's CliRunner."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from roadwise.domain.workspace import Workspace
from roadwise.sources.yaml_file import write_workspace_yaml
from roadwise.views.cli import app
from roadwise.workspace import open_store
from workspace_strategies import small_workspace

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "roadwise.db"
    with open_store(path) as store:
        store.replace(small_workspace())
    return str(path)


def test_init_creates_a_workspace_once(tmp_path: Path) -> None:
    db = str(tmp_path / "new.db")
    code, out = run("init", "--name", "Acme", "--db", db)
    assert code == 0 and "Created workspace Acme" in out
    code, out = run("init", "--db", db)
    assert code == 1 and "already holds a workspace" in out
    assert "Traceback" not in out


def test_commands_on_a_missing_database_say_what_to_do(tmp_path: Path) -> None:
    code, out = run("items", "list", "--db", str(tmp_path / "none.db"))
    assert code == 1 and "roadwise init" in out
    assert not (tmp_path / "none.db").exists()


def test_db_comes_from_the_environment(db: str) -> None:
    result = runner.invoke(app, ["items", "list", "--json"], env={"ROADWISE_DB": db})
    assert result.exit_code == 0
    assert len(json.loads(result.output)) == 5


def test_items_list_filters_and_json(db: str) -> None:
    code, out = run("items", "list", "--team", "api", "--json", "--db", db)
    assert code == 0
    assert [i["key"] for i in json.loads(out)] == ["S2", "S3"]
    code, out = run("items", "list", "--status", "ready", "--status", "done", "--json", "--db", db)
    assert [i["key"] for i in json.loads(out)] == ["S1", "B1"]
    code, out = run(
        "items", "list", "--open", "--kind", "story", "--tag", "email", "--json", "--db", db
    )
    assert [i["key"] for i in json.loads(out)] == ["S3"]
    code, out = run("items", "list", "--parent", "E1", "--search", "card", "--db", db)
    assert code == 0 and "Card form" in out and "Receipts" not in out
    code, out = run("items", "list", "--status", "shipped", "--db", db)
    assert code == 2 and "shipped" in out  # Typer names the valid choices


def test_items_list_names_a_filter_that_matches_nothing_known(db: str) -> None:
    """A typo in --team, --theme or --parent is an error naming what exists, not '0 items'."""
    code, out = run("items", "list", "--team", "API", "--db", db)
    assert code == 1 and "field '--team': unknown team 'API' (teams: api, web)" in out
    code, out = run("items", "list", "--theme", "feature", "--db", db)
    assert code == 1 and "unknown theme 'feature' (themes: features)" in out
    code, out = run("items", "list", "--parent", "E9", "--db", db)
    assert code == 1 and "no item 'E9' in the workspace" in out
    # A known team with nothing matching is a plain empty list; one match is "1 item".
    code, out = run("items", "list", "--team", "web", "--status", "dropped", "--db", db)
    assert code == 0 and "0 items" in out
    code, out = run("items", "list", "--parent", "E1", "--search", "card", "--db", db)
    assert code == 0 and out.split("\n", 1)[0].strip() == "1 item"


def test_items_show_add_edit(db: str) -> None:
    code, out = run("items", "show", "S1", "--db", db)
    assert code == 0 and "title: Card form" in out and "version: 1" in out
    code, out = run(
        "items", "add", "N1", "--title", "Export to CSV", "--parent", "E1", "--team", "web",
        "--estimate", "2/3/8", "--tag", "export", "--depends-on", "S1", "--db", db,
    )  # fmt: skip
    assert code == 0, out
    code, out = run("items", "show", "N1", "--json", "--db", db)
    shown = json.loads(out)
    assert shown["estimate"]["high"] == 8 and shown["dependencies"] == [
        {"item": "S1", "type": "finish_to_start", "lag_days": 0}
    ]
    code, out = run(
        "items", "edit", "N1", "--status", "in_progress", "--set", "value.reach=500",
        "--set", "deadline.date=2026-06-30", "--json", "--db", db,
    )  # fmt: skip
    edited = json.loads(out)
    assert edited["status"] == "in_progress" and edited["version"] == 2
    assert edited["value"]["reach"] == 500 and edited["deadline"]["date"] == "2026-06-30"
    code, out = run("items", "add", "N1", "--title", "again", "--db", db)
    assert code == 1 and "exists already" in out


def test_edit_with_a_stale_version_is_refused(db: str) -> None:
    assert run("items", "edit", "S1", "--status", "in_progress", "--db", db)[0] == 0
    code, out = run("items", "edit", "S1", "--title", "Mine", "--version", "1", "--db", db)
    assert code == 1
    assert "changed after you read it" in out and "status: 'ready' -> 'in_progress'" in out
    assert json.loads(run("items", "show", "S1", "--json", "--db", db)[1])["title"] == "Card form"


def test_edit_with_a_version_the_item_never_had_says_so(db: str) -> None:
    """--version 7 on an item at version 1 said it "was changed after you read it (you edited
    version 7 …)", blaming a change nobody made for a typo."""
    code, out = run("items", "edit", "S1", "--title", "Mine", "--version", "7", "--db", db)
    assert code == 1 and "changed after you read it" not in out
    assert "field 'version': item S1 has no version 7 yet: it is at version 1" in out
    assert json.loads(run("items", "show", "S1", "--json", "--db", db)[1])["title"] == "Card form"


def test_item_mistakes_are_one_line_errors(db: str) -> None:
    for args, fragment in [
        (("items", "show", "NOPE"), "no item 'NOPE'"),
        (("items", "edit", "S1", "--team", "ops"), "unknown team 'ops'"),
        (("items", "edit", "S1", "--depends-on", "S2"), "dependency cycle: S1 -> S2 -> S1"),
        (("items", "edit", "S1", "--estimate", "8/3/1"), "low <= likely <= high"),
        (("items", "edit", "S1", "--set", "colour=red"), "unknown field 'colour'"),
        (("items", "edit", "S1"), "nothing to change"),
    ]:
        code, out = run(*args, "--db", db)
        assert code == 1 and fragment in out and "Traceback" not in out, out


def test_set_errors_name_the_value_once_and_the_field_as_typed(db: str) -> None:
    """A --set the item refuses names the value once (a validator that already says "got -5"
    gets no second "(got -5)") and the field the user typed, without pydantic's union tags."""
    for assignment, field, value in [
        ("value.reach=-5", "value.reach", "-5"),
        ("value.cost_of_delay=-1", "value.cost_of_delay", "-1"),
        ("value.reach=abc", "value.reach", "abc"),
        ("value.confidence=5", "value.confidence", "5"),
        ("technical_risk=3", "technical_risk", "3"),
        ("status=later", "status", "later"),
    ]:
        code, out = run("items", "edit", "S1", "--set", assignment, "--db", db)
        assert code == 1 and "Traceback" not in out, out
        assert f"field '{field}'" in out, out
        assert out.count(value) == 1, out


def test_set_of_a_whole_record_says_to_set_its_fields(db: str) -> None:
    """`--set deadline=2026-05-01` said "Input should be a valid dictionary or instance of
    Deadline": a class name, not what to type."""
    for field, text in (("deadline", "2026-05-01"), ("estimate", "5"), ("value", "3")):
        code, out = run("items", "edit", "S1", "--set", f"{field}={text}", "--db", db)
        assert code == 1 and "instance of" not in out, out
        assert (
            f"field '{field}': item S1: {field} is made of fields: set each with "
            f"--set {field}.FIELD=VALUE"
        ) in out


def test_export_import_yaml_round_trip(db: str, tmp_path: Path) -> None:
    path = tmp_path / "ws.yaml"
    assert run("export", str(path), "--db", db)[0] == 0
    other = str(tmp_path / "other.db")
    code, out = run("import", str(path), "--db", other, "--json")
    assert code == 0 and json.loads(out)["added"] == 5
    with open_store(other) as store:
        assert store.load() == small_workspace()


def test_import_merges_and_a_bad_file_changes_nothing(db: str, tmp_path: Path) -> None:
    good = tmp_path / "part.yaml"
    good.write_text("items:\n- key: N1\n  title: New\n  team: web\n", encoding="utf-8")
    code, out = run("import", str(good), "--db", db, "--json")
    assert code == 0 and json.loads(out) | {"file": "", "db": ""} == {
        "file": "", "db": "", "dry_run": False, "added": 1, "updated": 0, "removed": 0,
        "items": 6,
    }  # fmt: skip
    bad = tmp_path / "bad.yaml"
    bad.write_text("items:\n- key: N2\n  title: New\n  team: ops\n", encoding="utf-8")
    before = open_store(db).load()
    code, out = run("import", str(bad), "--db", db)
    assert code == 1 and "line 4" in out and "items.0.team" in out and "unknown team" in out
    code, out = run("import", str(bad), "--replace", "--db", db)
    assert code == 1 and "line 4" in out
    assert open_store(db).load() == before


def test_import_dry_run_counts_the_changes_and_stores_nothing(db: str, tmp_path: Path) -> None:
    """--dry-run on a workspace or items file shows what would change; it imported for real."""
    items = tmp_path / "items.csv"
    items.write_text(
        "key,title,team,kind,status\n"
        "S3,Receipts v2,api,,\nN1,New,web,,\nB1,Fix rounding,,bug,done\n",
        encoding="utf-8",
    )
    before = open_store(db).load()
    code, out = run("import", str(items), "--dry-run", "--db", db, "--json")
    assert code == 0, out
    counts = {k: json.loads(out)[k] for k in ("dry_run", "added", "updated", "removed", "items")}
    # B1 is as stored: unchanged. S3 gets a new title.
    assert counts == {"dry_run": True, "added": 1, "updated": 1, "removed": 0, "items": 6}
    code, out = run("import", str(items), "--dry-run", "--replace", "--db", db)
    assert code == 1 and "--replace would remove" in out  # S1 is still referred to
    part = tmp_path / "part.yaml"
    part.write_text("items:\n- key: N2\n  title: New\n", encoding="utf-8")
    code, out = run("import", str(part), "--dry-run", "--db", db)
    assert code == 0 and "would add 1 item," in out and "nothing stored" in out
    assert open_store(db).load() == before
    fresh = tmp_path / "fresh.db"
    code, out = run("import", str(part), "--dry-run", "--db", str(fresh))
    assert code == 0 and "would add 1 item," in out
    assert not fresh.exists()
    # The same file without --dry-run gives the counts the dry run promised.
    code, out = run("import", str(items), "--db", db, "--json")
    assert {k: json.loads(out)[k] for k in counts} == {**counts, "dry_run": False}


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (("import", "{dir}/part.yaml", "--url", "https://acme.test"), "--url"),
        (("import", "{dir}/part.yaml", "--date-format", "%d/%m/%Y"), "--date-format"),
        (("import", "linear", "{dir}/linear.csv", "--url", "https://linear.app"), "--url"),
        (("import", "jira", "{dir}/jira.csv", "--replace"), "--replace"),
        (("export", "{dir}/out.yaml", "--apply"), "--apply"),
        (("export", "{dir}/out.csv", "--plan", "latest"), "--plan"),
        (("export", "{dir}/out.yaml", "{dir}/second.yaml"), "a second FILE"),
        (("export", "jira", "--repo", "acme/app"), "--repo"),
        (("export", "github", "--repo", "acme/app", "--board", "3"), "--board"),
    ],
)
def test_options_a_file_or_target_does_not_read_are_refused(
    db: str, tmp_path: Path, args: tuple[str, ...], refused: str
) -> None:
    """They were taken and silently ignored: `export x.yaml --apply` wrote the file."""
    (tmp_path / "part.yaml").write_text("items:\n- key: N2\n  title: New\n", encoding="utf-8")
    (tmp_path / "linear.csv").write_text("ID,Title\nENG-1,New\n", encoding="utf-8")
    (tmp_path / "jira.csv").write_text("Issue key,Summary\nPAY-1,New\n", encoding="utf-8")
    before = open_store(db).load()
    code, out = run(*(a.format(dir=tmp_path) for a in args), "--db", db)
    assert code == 1 and f"{refused} applies to " in out, out
    assert not (tmp_path / "out.yaml").exists() and not (tmp_path / "out.csv").exists()
    assert open_store(db).load() == before


def test_csv_export_and_import_with_mapping(db: str, tmp_path: Path) -> None:
    out_csv = tmp_path / "items.csv"
    assert run("export", str(out_csv), "--db", db)[0] == 0
    assert out_csv.read_text(encoding="utf-8").startswith("key,title,")
    jira = tmp_path / "jira.csv"
    jira.write_text("Issue key,Summary,Points\nS3,Receipts v2,5\nN9,Brand new,\n", encoding="utf-8")
    code, out = run(
        "import", str(jira), "--mapping", "Issue key=key,Summary=title,Points=estimate",
        "--db", db, "--json",
    )  # fmt: skip
    assert code == 0, out
    assert (json.loads(out)["added"], json.loads(out)["updated"]) == (1, 1)
    code, out = run("import", str(jira), "--db", db)
    assert code == 1 and "unknown column 'Issue key'" in out and "row 1" in out


def test_validate_file_and_database(db: str, tmp_path: Path) -> None:
    path = write_workspace_yaml(small_workspace(), tmp_path / "ws.yaml")
    code, out = run("validate", str(path))
    assert code == 0 and "valid" in out
    code, out = run("validate", "--db", db, "--json")
    assert code == 0 and json.loads(out)["valid"] is True
    # The database by its URL, as import and export give it ("db"), not as typed.
    code, exported = run("export", str(tmp_path / "x.yaml"), "--db", db, "--json")
    assert json.loads(out)["source"] == json.loads(exported)["db"] == open_store(db).url
    path.write_text(path.read_text().replace("- item: S1", "- item: S7"), encoding="utf-8")
    code, out = run("validate", str(path), "--json")
    report = json.loads(out)
    assert code == 1 and report["valid"] is False
    assert (report["line"], report["field"]) == (67, "items.2.dependencies.0.item")
    code, out = run("validate", str(tmp_path / "x.txt"))
    assert code == 1 and "unknown file type" in out


def test_sample_stores_the_generated_product(tmp_path: Path) -> None:
    db = str(tmp_path / "sample.db")
    code, out = run("sample", "--seed", "3", "--db", db, "--json")
    assert code == 0, out
    summary = json.loads(out)
    assert summary["items"] >= 150 and summary["history"] >= 2000
    with open_store(db) as store:
        assert len(store.load().items) == summary["items"]
    code, out = run("sample", "--db", db)
    assert code == 1 and "--force" in out


def test_report_without_a_kind_lists_the_reports_and_an_example() -> None:
    from roadwise.views.cli.report import REPORT_SUMMARIES

    code, out = run("report")
    assert code == 2, out
    lines = out.splitlines()
    assert lines[0] == "roadwise report needs KIND, one of:"
    for kind, about in REPORT_SUMMARIES.items():
        assert any(line.split() == [kind.value, *about.split()] for line in lines), (kind, out)
    assert "Example: roadwise report executive" in lines
    assert "Missing argument" not in out and "╭" not in out


@pytest.mark.parametrize(
    "group, commands",
    [
        ("plan", ["release", "roadmap"]),
        ("items", ["list", "show", "add", "edit"]),
        ("feedback", ["import", "classify", "link", "themes", "demand", "theme-item"]),
        ("forecast", ["when", "howmany", "backtest"]),
        ("scenario", ["list", "add", "compare"]),
        ("user", ["add", "list", "remove"]),
        ("token", ["create"]),
    ],
)
def test_a_group_without_its_command_lists_its_commands(group: str, commands: list[str]) -> None:
    code, out = run(group)
    assert code == 2, out
    lines = out.splitlines()
    assert lines[0] == f"roadwise {group} needs a command:"
    listed = [line.split()[0] for line in lines[1:] if line.startswith("  ") and line[2] != " "]
    assert listed[: len(commands)] == commands
    assert f"Example: roadwise {group} {commands[0]}" in lines
    assert "Missing command" not in out and "╭" not in out and "Usage: roadwise" not in out


@pytest.mark.parametrize(
    "args, needs, usage",
    [
        (["items", "show"], "KEY: The item's key.", "items show KEY"),
        (["scenario", "compare"], "A: First scenario key", "scenario compare A B"),
        (["export"], "FILE: Where to write", "export FILE [TARGET_FILE]"),
        (["forecast", "howmany"], "--date DATE: ", "forecast howmany"),
    ],
)
def test_a_missing_argument_or_option_is_named_in_plain_words(
    args: list[str], needs: str, usage: str
) -> None:
    code, out = run(*args)
    assert code == 2, out
    assert out.startswith(f"roadwise {' '.join(args)} needs {needs}"), out
    assert f"Usage: roadwise {usage} [OPTIONS]" in out
    assert "Missing" not in out and "╭" not in out


def test_other_usage_errors_and_bare_roadwise_are_unchanged() -> None:
    code, out = run("plan", "nope")
    assert code == 2 and "No such command 'nope'" in out
    code, out = run("report", "status", "--bogus")
    assert code == 2 and "No such option: --bogus" in out
    code, out = run()
    assert "Commands" in out and "needs a command" not in out


def test_as_of_is_shown_and_moved_on(db: str) -> None:
    import datetime as dt

    code, out = run("as-of", "--json", "--db", db)
    assert code == 0
    before = dt.date.fromisoformat(json.loads(out)["as_of"])
    later = before + dt.timedelta(days=7)
    code, out = run("as-of", later.isoformat(), "--db", db)
    assert code == 0 and f"As of {later.isoformat()} (was {before.isoformat()})" in out
    with open_store(db) as store:
        assert store.load().as_of == later
    code, out = run("as-of", "today", "--json", "--db", db)
    assert code == 0 and json.loads(out)["as_of"] == dt.date.today().isoformat()
    # a bad date: named, and nothing changed
    code, out = run("as-of", "next week", "--db", db)
    assert code == 1 and "'next week' is not a date" in out and "YYYY-MM-DD" in out
    with open_store(db) as store:
        assert store.load().as_of == dt.date.today()
    # back in time: allowed, with a word on what that does to a stored roadmap
    from roadwise.domain import Plan

    with open_store(db) as store:
        store.save_plan(Plan(key="rm", kind="roadmap", created=dt.datetime(2026, 1, 1)))
    code, out = run("as-of", before.isoformat(), "--db", db)
    assert code == 0 and "never moved back" in " ".join(out.split())
    code, out = run("as-of", later.isoformat(), "--db", db)
    assert code == 0 and "shown moved on to this day" in " ".join(out.split())


def run_split(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr apart: what a pipe or a script sees."""
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


def test_export_json_says_what_was_written(db: str, tmp_path: Path) -> None:
    yaml_file = tmp_path / "ws.yaml"
    code, out, err = run_split("export", str(yaml_file), "--json", "--db", db)
    assert code == 0 and err == "", err
    written = json.loads(out)
    assert (written["file"], written["format"]) == (str(yaml_file), "yaml")
    assert written["db"].endswith("roadwise.db")
    ws = small_workspace()
    assert (written["name"], written["items"], written["teams"]) == (
        ws.name, len(ws.items), len(ws.teams),
    )  # fmt: skip
    assert yaml_file.exists()
    csv_file = tmp_path / "items.csv"
    code, out, err = run_split("export", str(csv_file), "--json", "--db", db)
    assert code == 0 and err == "", err
    assert json.loads(out) | {"db": ""} == {
        "file": str(csv_file), "format": "csv", "db": "", "items": len(ws.items),
    }  # fmt: skip
    assert len(csv_file.read_text(encoding="utf-8").splitlines()) == 1 + len(ws.items)


def test_a_file_the_system_cannot_write_is_one_line_naming_it(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    target = tmp_path / "ws.yaml"

    def full_disk(ws: object, path: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr("roadwise.sources.yaml_file.write_workspace_yaml", full_disk)
    code, out, err = run_split("export", str(target), "--db", db)
    assert code == 1 and out == ""
    assert err.strip() == f"error: {target}: No space left on device"


def test_moving_the_as_of_date_is_audited_from_and_to(db: str) -> None:
    with open_store(db) as store:
        before = store.load().as_of.isoformat()
    assert run("as-of", "2026-04-01", "--db", db)[0] == 0
    with open_store(db) as store:
        updates = [e for e in store.audit_entries(entity="workspace") if e.action == "update"]
    assert [e.changes() for e in updates] == [[f"as_of: '{before}' -> '2026-04-01'"]]
    assert updates[0].before is not None and updates[0].after is not None
    assert (updates[0].before["as_of"], updates[0].after["as_of"]) == (before, "2026-04-01")


def test_set_key_cannot_put_an_item_under_another_key(db: str) -> None:
    with open_store(db) as store:
        audit_before = len(store.audit_entries())
    code, out = run("items", "add", "N1", "--title", "New", "--set", "key=N9", "--db", db)
    assert code == 1 and "Traceback" not in out
    assert "field '--set'" in out and "key=N9" in out and "N1" in out
    for key in ("N1", "N9"):
        assert run("items", "show", key, "--db", db)[0] == 1
    with open_store(db) as store:
        assert len(store.audit_entries()) == audit_before
    # the key it was given, typed twice, is no change of key; a key is text as typed
    code, out = run("items", "add", "007", "--title", "New", "--set", "key=007", "--db", db)
    assert code == 0, out
    assert json.loads(run("items", "show", "007", "--json", "--db", db)[1])["key"] == "007"
    code, out = run("items", "edit", "S1", "--set", "key=S9", "--db", db)
    assert code == 1 and "field '--set'" in out and "cannot be changed" in out


def test_an_edit_to_the_values_an_item_has_changes_nothing(db: str) -> None:
    with open_store(db) as store:
        audit_before = len(store.audit_entries())
    code, out = run("items", "edit", "S1", "--title", "Card form", "--team", "web", "--db", db)
    assert code == 0 and "Nothing changed" in out and "version 1" in out, out
    code, out = run("items", "edit", "S1", "--set", "title=Card form", "--json", "--db", db)
    assert code == 0 and json.loads(out)["version"] == 1
    with open_store(db) as store:
        assert store.get_item("S1").version == 1
        assert len(store.audit_entries()) == audit_before
    # a real change still saves, and a no-op based on a stale version is still refused
    assert run("items", "edit", "S1", "--status", "in_progress", "--db", db)[0] == 0
    code, out = run("items", "edit", "S1", "--title", "Card form", "--version", "1", "--db", db)
    assert code == 1 and "changed after you read it" in out


def test_validate_writes_problems_to_stderr_and_a_clean_result_to_stdout(
    db: str, tmp_path: Path
) -> None:
    path = write_workspace_yaml(small_workspace(), tmp_path / "ws.yaml")
    code, out, err = run_split("validate", str(path))
    assert code == 0 and out.startswith("valid:") and err == ""
    path.write_text(path.read_text().replace("- item: S1", "- item: S7"), encoding="utf-8")
    code, out, err = run_split("validate", str(path))
    assert code == 1 and out == ""
    assert err.startswith("invalid:") and "line 67" in err and "unknown item 'S7'" in err
    # --json: the report is the result asked for, valid or not, so a script reads it on stdout
    code, out, err = run_split("validate", str(path), "--json")
    assert code == 1 and json.loads(out)["valid"] is False


def test_validate_notes_what_is_valid_but_changes_the_answers(tmp_path: Path) -> None:
    """A team with nobody on it and items sized 0 break no rule, but the roadmap leaves the
    team's work out and the rankings put zero-sized items first: validate says so, under the
    valid line and in --json, and says nothing of the kind for a workspace without them."""
    from roadwise.domain.model import Estimate, Item, Person, Team

    size = Estimate(low=3, likely=3, high=3, unit="person_days")
    nothing = Estimate(low=0, likely=0, high=0, unit="points")
    ws = Workspace(
        name="w",
        as_of=dt.date(2026, 3, 2),
        teams=[
            Team(key="core", name="Core", people=[Person(key="bo", name="Bo")]),
            Team(key="ops", name="Ops", people=[]),
        ],
        items=[
            Item(key="C-1", title="Core", team="core", estimate=nothing),
            Item(key="O-1", title="Ops", team="ops", estimate=size),
            Item(key="O-2", title="Ops done", team="ops", estimate=size, status="done"),
        ],
    )
    db = str(tmp_path / "w.db")
    open_store(db).replace(ws)
    code, out = run("validate", "--db", db)
    assert code == 0, out
    text = " ".join(out.split())
    assert "every rule holds." in text
    assert (
        "note: team 'ops' has no people: the roadmap leaves out its 1 open item(s) (O-1) and "
        "counts them in no total" in text
    )
    assert "note: 1 open item(s) estimated at 0 (C-1): RICE and WSJF divide by the size" in text
    code, out = run("validate", "--db", db, "--json")
    notes = json.loads(out)["notes"]
    assert code == 0 and len(notes) == 2
    fine = ws.copy_with(
        teams=[
            ws.teams[0],
            ws.teams[1].model_copy(update={"people": [Person(key="al", name="Al")]}),
        ],
        items=[i.model_copy(update={"estimate": size}) for i in ws.items],
    )
    open_store(db).replace(fine)
    code, out = run("validate", "--db", db, "--json")
    assert code == 0 and json.loads(out)["notes"] == []


def test_validate_notes_open_items_whose_hard_deadline_has_passed(db: str) -> None:
    """An open item with a hard deadline before the as-of date breaks no rule but is late
    already: validate says so, naming it with its deadline. A soft deadline, a finished item
    and a deadline on the as-of date itself are not noted."""
    as_of = open_store(db).load().as_of
    before = (as_of - dt.timedelta(days=30)).isoformat()
    for key, deadline, hard in (
        ("S1", before, "true"),
        ("S2", before, "false"),
        ("B1", before, "true"),
        ("S3", as_of.isoformat(), "true"),
    ):
        code, out = run(
            "items", "edit", key, "--set", f"deadline.date={deadline}",
            "--set", f"deadline.hard={hard}", "--db", db,
        )  # fmt: skip
        assert code == 0, out
    code, out = run("validate", "--db", db)
    text = " ".join(out.split())
    assert code == 0 and "every rule holds." in text
    assert (
        f"note: 1 open item(s) with a hard deadline before the as-of date {as_of} "
        f"(S1 due {before}): they are already late; release plans leave them out and the "
        "roadmap marks them late. Move or soften the deadline, or mark them done or dropped"
    ) in text
    code, out = run("validate", "--db", db, "--json")
    assert code == 0 and [n for n in json.loads(out)["notes"] if "S1 due" in n]
    assert run("items", "edit", "S1", "--set", f"deadline.date={as_of}", "--db", db)[0] == 0
    code, out = run("validate", "--db", db, "--json")
    assert code == 0 and json.loads(out)["notes"] == []


def test_items_add_and_edit_note_a_zero_estimate_as_validate_does(db: str) -> None:
    """A size of 0 is taken (trackers carry 0-point stories) but ranks the item first: add and
    edit say so on stderr, in validate's words, so --json output stays one JSON document;
    nothing is said once it is sized or finished."""
    code, out, err = run_split(
        "items", "add", "Z1", "--title", "Typo", "--team", "web", "--estimate", "0", "--db", db
    )
    assert code == 0 and out.startswith("Added Z1"), out + err
    note = " ".join(err.split())
    assert note.startswith("note: 1 open item(s) estimated at 0 (Z1): RICE and WSJF divide")
    code, out = run("validate", "--db", db)
    assert note in " ".join(out.split())  # the same words as validate's note
    code, out, err = run_split("items", "edit", "S3", "--estimate", "0", "--json", "--db", db)
    assert code == 0 and json.loads(out)["estimate"]["likely"] == 0
    assert " ".join(err.split()).startswith("note: 1 open item(s) estimated at 0 (S3)")
    code, out, err = run_split("items", "edit", "S3", "--estimate", "2", "--db", db)
    assert code == 0 and err == ""
    code, out, err = run_split("items", "edit", "Z1", "--status", "done", "--db", db)
    assert code == 0 and err == ""
    # an estimate that is not 0 says nothing either
    code, out, err = run_split(
        "items", "add", "Z2", "--title", "Sized", "--estimate", "1", "--db", db
    )
    assert code == 0 and err == ""


def test_an_import_of_one_item_says_item(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("key,title\nN1,New\n", encoding="utf-8")
    db = str(tmp_path / "ws.db")
    result = CliRunner().invoke(app, ["import", str(path), "--db", db])
    assert result.exit_code == 0, result.output
    assert "1 item added" in result.output and "1 item now" in result.output


def test_as_of_reads_a_date_with_spaces_around_it(tmp_path: Path) -> None:
    db = str(tmp_path / "ws.db")
    open_store(db).replace(Workspace(name="w", as_of=dt.date(2026, 11, 23)))
    result = CliRunner().invoke(app, ["as-of", " 2026-12-01 ", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["as_of"] == "2026-12-01"


def test_items_list_shows_a_screenful_and_json_every_item(tmp_path: Path) -> None:
    from roadwise.domain import Item
    from roadwise.views.cli.workspace import ITEMS_LISTED

    db = str(tmp_path / "ws.db")
    many = [Item(key=f"K-{i:03d}", title=f"Item {i}") for i in range(ITEMS_LISTED + 5)]
    open_store(db).replace(Workspace(name="w", items=many))
    result = CliRunner().invoke(app, ["items", "list", "--db", db])
    assert result.exit_code == 0, result.output
    assert f"{ITEMS_LISTED + 5} items (first {ITEMS_LISTED})" in result.output
    assert "… and 5 more" in result.output and "K-104" not in result.output
    listed = CliRunner().invoke(app, ["items", "list", "--db", db, "--json"])
    assert len(json.loads(listed.stdout)) == ITEMS_LISTED + 5
