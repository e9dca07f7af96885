"""docs/cli.md must match the commands' help: the reference never drifts from the code."""

from pathlib import Path

from roadwise.views.cli._reference import render_cli_reference

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_reference_is_in_sync() -> None:
    assert DOC.read_text(encoding="utf-8") == render_cli_reference(), (
        "docs/cli.md is stale: run `python scripts/cli_reference.py`"
    )


def test_every_command_is_documented() -> None:
    import typer.main

    from roadwise.views.cli import app

    text = render_cli_reference()
    for name in typer.main.get_command(app).commands:  # type: ignore[attr-defined]
        assert f"`roadwise {name}`" in text


def _row(text: str, heading: str, option: str) -> str:
    """The table row of ``option`` under the command ``heading`` (e.g. 'roadwise scenario add')."""
    section = text.split(f"`{heading}`\n", 1)[1].split("\n#", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith(f"| `{option}`")]
    assert len(rows) <= 1, rows
    return rows[0] if rows else ""


def test_reference_shows_what_help_shows() -> None:
    text = render_cli_reference()
    # The form a value takes, as --help prints it: without it --hire platform=2027-01-04 fails.
    assert "`TEAM[@DATE]`, repeatable" in _row(text, "roadwise scenario add", "--hire")
    assert "`ENTITY:KEY`, repeatable" in _row(text, "roadwise scenario add", "--remove")
    # A choice list must not split the Markdown table into extra cells.
    fmt = _row(text, "roadwise report", "--format")
    assert "html\\|md\\|pdf" in fmt and fmt.count(" | ") == 2
    # Hidden options are not in --help, so not in the reference either.
    assert _row(text, "roadwise export", "--email") == ""
    # No empty defaults, and every option and argument says what it is for.
    assert "(default: ``)" not in text
    for line in text.splitlines():
        if line.startswith("| `"):
            cells = line.strip().strip("|").split(" | ")
            assert len(cells) == 3, line
            meaning = cells[2].strip()
            assert meaning and not meaning.startswith("("), line
