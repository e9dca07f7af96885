"""Shared pieces of the command line: the console, workspace opening, error and JSON output."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import wraps
from gettext import gettext
from typing import Any, TypeVar

import typer
import typer._click as click  # Typer (>= 0.29, pinned) vendors its own Click: its errors
from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from roadwise.errors import RoadwiseError

# Markup off: titles, names, feedback and messages are the user's words, printed as they are
# ("[/s]" in a review is not a closing tag). Our own styles go on as Text and its styles.
console = Console(markup=False)
err_console = Console(stderr=True, markup=False)
NOTE = Text("note:", style="yellow")

DEFAULT_DB = "roadwise.db"

DbOption = typer.Option(
    None,
    "--db",
    envvar="ROADWISE_DB",
    help="Workspace database: a file path or SQLAlchemy URL (default: ./roadwise.db).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
# Batch work on Dask (views/_dask.py): a local cluster, or a running scheduler.
WorkersOption = typer.Option(
    1,
    "--workers",
    "-w",
    min=1,
    help="Worker processes of a local Dask cluster (needs roadwise\\[distributed]); 1 runs "
    "in this process.",
)
ClusterOption = typer.Option(
    None,
    "--cluster",
    help="Address of a running Dask scheduler (tcp://HOST:8786) to run the work on.",
)

F = TypeVar("F", bound=Callable[..., Any])


def db_url(db: str | None) -> str:
    return db or os.environ.get("ROADWISE_DB") or DEFAULT_DB


def creates_database(db: str | None) -> bool:
    """Whether opening the store for ``db`` would create a new SQLite file (a failed or dry-run
    command must not leave one behind)."""
    from pathlib import Path

    from roadwise.workspace import database_url

    url = database_url(db_url(db))
    return url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists()


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`RoadwiseError`, and a file the system cannot read or write (a full disk, no
    permission), into a one-line message and exit status 1, no traceback."""
    try:
        yield
    except RoadwiseError as exc:
        err_console.print(
            Text("error:", style="bold red"), str(exc), highlight=False, soft_wrap=True
        )
        raise typer.Exit(1) from None
    except OSError as exc:
        if exc.strerror is None:  # not about a file: a bug, whose traceback helps
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        err_console.print(
            Text("error:", style="bold red"),
            f"{where}{exc.strerror}",
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(1) from None


class PlainUsageGroup(typer.core.TyperGroup):
    """The root command group. A command group called without its command, or a command
    without a required argument or option, anywhere below it, is answered in plain words (what
    exists, one line each, and an example) with exit status 2, a usage error, instead of
    Click's "Missing argument" panel. ``roadwise`` alone still shows the full help."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        # A group's no_args_is_help prints its whole help panel while the error is raised, before
        # invoke() below can answer instead; without it the group fails with "Missing command."
        stack = list(self.commands.values())
        while stack:
            command = stack.pop()
            if isinstance(command, typer.core.TyperGroup):
                command.no_args_is_help = False
                stack.extend(command.commands.values())

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.UsageError as exc:
            hint = usage_hint(exc)
            if hint is None:
                raise
            err_console.print(hint, markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None


def usage_hint(exc: click.exceptions.UsageError) -> str | None:
    """What to type when ``exc`` says a command, argument or option is missing; None for any
    other usage error.

    A group lists its commands with their one-line help. A missing argument or option lists the
    values it accepts when it offers them (its shell-completion items, each with a
    description), else says what it is from its help.
    """
    ctx = exc.ctx
    if ctx is None:
        return None
    path = ctx.command_path
    group = ctx.command
    if exc.message == gettext("Missing command.") and isinstance(group, typer.core.TyperGroup):
        commands = [
            (name, command.get_short_help_str(200))
            for name in group.list_commands(ctx)
            if (command := group.get_command(ctx, name)) is not None and not command.hidden
        ]
        if not commands:
            return None
        return _hint(
            f"{path} needs a command:",
            commands,
            f"Example: {path} {commands[0][0]}",
            f"A command's options: {path} COMMAND --help",
        )
    if not isinstance(exc, click.exceptions.MissingParameter) or exc.param is None:
        return None
    param = exc.param
    name = param.display_name_raw.upper()
    needs = f"{param.opts[0]} {name}" if isinstance(param, typer.core.TyperOption) else name
    choices = [(str(item.value), item.help or "") for item in param.shell_complete(ctx, "")]
    if choices:
        return _hint(
            f"{path} needs {needs}, one of:",
            choices,
            f"Example: {path} {needs.replace(name, choices[0][0])}",
            f"More: {path} --help",
        )
    about = (getattr(param, "help", None) or "").strip()
    arguments = [
        p.display_name_raw.upper() if p.required else f"[{p.display_name_raw.upper()}]"
        for p in ctx.command.get_params(ctx)
        if isinstance(p, typer.core.TyperArgument)
    ]
    return _hint(
        f"{path} needs {needs}" + (f": {about}" if about else "."),
        [],
        f"Usage: {' '.join([path, *arguments])} [OPTIONS]",
        f"More: {path} --help",
    )


def _hint(lead: str, rows: list[tuple[str, str]], *tail: str) -> str:
    # A long description wraps under itself, not under the name, at the terminal's width.
    width = max((len(name) for name, _ in rows), default=0)
    lines = [lead]
    for name, about in rows:
        wrapped = textwrap.wrap(about, max(err_console.width - width - 4, 30)) or [""]
        lines.append(f"  {name:<{width}}  {wrapped[0]}".rstrip())
        lines += [" " * (width + 4) + more for more in wrapped[1:]]
    return "\n".join([*lines, *tail])


def handles_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def date_option(value: str | None, option: str) -> dt.date | None:
    """A date typed for ``option`` (YYYY-MM-DD), or None when none was given."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = f"'{value}' is not a date (expected YYYY-MM-DD)"
        raise RoadwiseError(message, field=option) from None


def refuse_unread_options(
    given: Mapping[str, bool],
    readers: Mapping[str, Iterable[str]],
    target: str,
    command: str,
    not_to: str,
) -> None:
    """Refuse an option ``target`` does not read, naming the ``command`` targets that do: one
    taken and silently ignored looks as if it had worked. ``given``: option -> whether it was
    passed; ``readers``: target -> the options it reads; ``not_to``: the target in words."""
    for option, used in given.items():
        if used and option not in readers[target]:
            takers = " / ".join(t for t, options in readers.items() if option in options)
            what = "a second FILE" if option == "FILE" else option
            raise RoadwiseError(
                f"{what} applies to `roadwise {command} {takers}` only, not to {not_to}",
                field=None if option == "FILE" else option,
            )


def plan_key(name: str, option: str = "--name") -> str:
    """``name`` if it can be a stored plan's key (checked before a solve, not after it)."""
    import re

    if not 1 <= len(name) <= 100 or re.search(r"[\s,;]", name):
        raise RoadwiseError(
            f"'{name}' cannot be a plan's key: 1-100 characters, no spaces, commas or "
            "semicolons (e.g. roadmap-q3)",
            field=option,
        )
    return name


def output_file(path: Any, option: str) -> None:
    """Refuse a file to write into a folder that does not exist, before any work is done."""
    if path is not None and not path.parent.is_dir():
        raise RoadwiseError(f"folder {path.parent} does not exist", file=str(path), field=option)


def print_json(data: Any) -> None:
    """Write JSON to stdout (dates as ISO strings), bypassing Rich's markup."""
    sys.stdout.write(json.dumps(data, indent=2, default=_json_default, ensure_ascii=False))
    sys.stdout.write("\n")


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def one_of(value: str, choices: Iterable[str], what: str, option: str | None = None) -> str:
    """``value`` when it is one of ``choices``; otherwise a one-line error that lists them.

    For a choice a user types (a report kind, a framework): Typer's own refusal of an enum
    value is a usage panel reading "Value error, 'x' is not one of …" with exit status 2.
    """
    known = list(choices)
    if value not in known:
        listed = ", ".join(known)
        raise RoadwiseError(f"unknown {what} '{value}'; use one of {listed}", field=option)
    return value


def compact_table(title: str | None) -> Table:
    """A table that spends its columns on content (so it reads at 80 columns): no outer edge,
    two spaces between columns, a header rule."""
    return Table(
        title=title,
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        collapse_padding=True,
    )
