"""Shared pieces of the command line: the console, workspace opening, error and JSON output."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from roadwise.errors import RoadwiseError

console = Console()
err_console = Console(stderr=True)

DEFAULT_DB = "roadwise.db"

DbOption = typer.Option(
    None,
    "--db",
    envvar="ROADWISE_DB",
    help="Workspace database: a file path or SQLAlchemy URL (default: ./roadwise.db).",
)
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")

F = TypeVar("F", bound=Callable[..., Any])


def db_url(db: str | None) -> str:
    return db or os.environ.get("ROADWISE_DB") or DEFAULT_DB


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`RoadwiseError` into a one-line message and exit status 1, no traceback."""
    try:
        yield
    except RoadwiseError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def handles_errors(func: F) -> F:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


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
