"""Regenerate docs/cli.md from the roadwise commands' help (``--check``: only say whether it
is up to date, exit 1 if not, write nothing)."""

import argparse
import sys
from pathlib import Path

from roadwise.views.cli._reference import render_cli_reference

target = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument(
    "--check", action="store_true", help="exit 1 if docs/cli.md is stale; write nothing"
)
args = parser.parse_args()
text = render_cli_reference()
if args.check:
    current = target.read_text(encoding="utf-8") if target.exists() else ""
    if current != text:
        sys.exit(f"{target} is stale: run `python scripts/cli_reference.py`")
    print(f"{target} is up to date")
else:
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
