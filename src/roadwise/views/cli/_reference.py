"""The CLI reference in Markdown, generated from the commands themselves.

``docs/cli.md`` is written by ``python scripts/cli_reference.py`` and a test checks it is in
sync with ``--help``, so the reference can never drift from the code.
"""

from __future__ import annotations

from typing import Any

import typer.main

# Typer vendors its own copy of click, so parameters and groups are recognised by their shape.


def _param_row(param: Any, ctx: Any) -> str:
    if param.param_type_name == "argument":
        name = f"`{(param.metavar or param.name).upper()}`"
        kind = "argument"
    else:
        name = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
        if param.is_flag:
            kind = "flag"
        elif param.metavar:
            # The form the value takes (ENTITY:KEY, TEAM[@DATE]), as --help shows it.
            kind = f"`{param.metavar}`" + (", repeatable" if param.multiple else "")
        else:
            kind = str(param.display_type(ctx)).strip("<>")
    # --help renders Rich markup, where a literal bracket is written "\\[": not in Markdown.
    help_text = (getattr(param, "help", None) or "").replace("\\[", "[")
    default = param.default
    shown = ""
    # by identity and emptiness: 0 == False, yet a default of 0 is shown as --help shows it
    empty = default is None or default is False or default in ((), [], "")
    if not empty and not callable(default):
        shown = f" (default: `{default}`)"
    if getattr(param, "envvar", None):
        shown += f" (env: `{param.envvar}`)"
    # A bare | would split the Markdown table's cell (choices such as html|md|pdf).
    kind = kind.replace("|", "\\|")
    return f"| {name} | {kind} | {help_text.strip()}{shown} |".replace("\n", " ")


def _render(command: Any, path: list[str], out: list[str]) -> None:
    if getattr(command, "hidden", False):
        return
    heading = "#" * min(len(path) + 1, 4)
    out.append(f"{heading} `{' '.join(path)}`\n")
    if command.help:
        out.append(command.help.strip() + "\n")
    # Hidden options are not in --help either.
    params = [p for p in command.params if p.name != "help" and not getattr(p, "hidden", False)]
    if params:
        out.append("| name | kind | meaning |")
        out.append("|---|---|---|")
        ctx = command.make_context(path[-1], [], resilient_parsing=True)
        out.extend(_param_row(p, ctx) for p in params)
        out.append("")
    if hasattr(command, "commands"):
        for name in sorted(command.commands):
            _render(command.commands[name], [*path, name], out)


def render_cli_reference() -> str:
    from roadwise.views.cli import app

    root = typer.main.get_command(app)
    out = [
        "# Command-line reference",
        "",
        "Generated from the commands' own help by `python scripts/cli_reference.py`; "
        "`roadwise COMMAND --help` prints the same.",
        "",
    ]
    _render(root, ["roadwise"], out)
    return "\n".join(out).rstrip() + "\n"
