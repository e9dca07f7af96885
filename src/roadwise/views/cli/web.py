"""`roadwise serve`, `roadwise user …` and `roadwise token create`: the web app and its accounts."""

from __future__ import annotations

import getpass
import ipaddress
import os

import typer

from roadwise.errors import RoadwiseError
from roadwise.views.cli import app
from roadwise.views.cli._common import DbOption, console, db_url, handles_errors

user_app = typer.Typer(help="Web app accounts: admin, editor or viewer (read-only).")
token_app = typer.Typer(help="API tokens for scripts (sent as `Authorization: Bearer …`).")
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def _store(db: str | None):  # type: ignore[no-untyped-def]
    from roadwise.workspace import open_store

    return open_store(db_url(db), create=False)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command()
@handles_errors
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str | None = DbOption,
    publish_readonly: bool = typer.Option(
        False,
        "--publish-readonly",
        help="Let anyone read every page without logging in (changes still need an editor).",
    ),
    secure_cookies: bool | None = typer.Option(
        None,
        "--secure-cookies/--no-secure-cookies",
        help="Send the session cookie over HTTPS only (default: on unless the host is loopback).",
    ),
) -> None:
    """Run the web app and JSON API (open http://HOST:PORT; API schema at /openapi.json)."""
    import uvicorn

    from roadwise.views.web import accounts, create_app

    store = _store(db)
    if not accounts.list_users(store) and not publish_readonly:
        raise RoadwiseError(
            "no web accounts yet; add the first admin with "
            f"`roadwise user add NAME --role admin --db {db_url(db)}`"
        )
    secure = not _is_loopback(host) if secure_cookies is None else secure_cookies
    web = create_app(db_url(db), published_readonly=publish_readonly, secure_cookies=secure)
    if not os.environ.get("ROADWISE_SECRET_KEY"):
        console.print(
            "Sessions end when the server restarts (set ROADWISE_SECRET_KEY to keep them).",
            style="dim",
        )
    console.print(f"Roadwise on http://{host}:{port}  (workspace {store.url}; Ctrl+C stops)")
    uvicorn.run(web, host=host, port=port, log_level="warning", proxy_headers=False)


@user_app.command("add")
@handles_errors
def user_add(
    name: str = typer.Argument(..., help="User name (letters, digits, . - _ @)."),
    role: str = typer.Option("editor", "--role", help="admin, editor or viewer (read-only)."),
    password: str | None = typer.Option(
        None,
        "--password",
        envvar="ROADWISE_PASSWORD",
        help="Password (asked for when not given; avoid putting it on the command line).",
    ),
    db: str | None = DbOption,
) -> None:
    """Add a web account (passwords are stored as argon2 hashes)."""
    from roadwise.views.web import accounts

    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise RoadwiseError("the two passwords differ")
    user = accounts.add_user(_store(db), name, password, role)
    console.print(f"Added {user.name} ({user.role}).")


@user_app.command("list")
@handles_errors
def user_list(db: str | None = DbOption) -> None:
    """List the web accounts."""
    from roadwise.views.web import accounts

    for user, created in accounts.list_users(_store(db)):
        console.print(f"{user.name:20} {user.role:8} added {created:%Y-%m-%d}", highlight=False)


@user_app.command("remove")
@handles_errors
def user_remove(
    name: str = typer.Argument(..., help="The account to remove."), db: str | None = DbOption
) -> None:
    """Remove a web account, its API tokens and its signed-in sessions."""
    from roadwise.views.web import accounts

    accounts.remove_user(_store(db), name)
    console.print(f"Removed {name}.")


@token_app.command("create")
@handles_errors
def token_create(
    user: str = typer.Option(..., "--user", help="The account the token acts as."),
    label: str = typer.Option("", "--label", help="What the token is for."),
    db: str | None = DbOption,
) -> None:
    """Create an API token (shown once; only its hash is stored)."""
    from roadwise.views.web import accounts

    token = accounts.create_token(_store(db), user, label)
    typer.echo(token)
