"""Regenerate docs/cli.md from the roadwise commands' help."""

from pathlib import Path

from roadwise.views.cli._reference import render_cli_reference

target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
target.write_text(render_cli_reference(), encoding="utf-8")
print(f"wrote {target}")
