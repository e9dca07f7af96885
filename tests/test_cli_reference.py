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
