"""Titles, names and messages are the user's words: the command line prints them as they are.

Rich reads "[bold]" or "[/s]" in a printed string as markup, so a title with brackets used to
lose them, and one with a closing tag ("[/s]", common in reviews) stopped the command with a
MarkupError. Our own styles still apply: no markup is ever printed as text.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roadwise.sample import generate_sample
from roadwise.workspace import open_store
from test_cli_workspace import run  # the workspace commands' runner, shared
from workspace_strategies import small_workspace

TAGS = "[/s] [b]bold?[/b] [api]"


@pytest.fixture
def db(tmp_path: Path) -> str:
    ws = small_workspace()
    items = [i.model_copy(update={"title": f"{i.title} {TAGS}"}) for i in ws.items]
    (decision,) = ws.decisions
    said = decision.model_copy(update={"title": f"Ship it {TAGS}", "rationale": "[/] because"})
    path = tmp_path / "roadwise.db"
    with open_store(path) as store:
        store.replace(ws.copy_with(items=items, decisions=[said]))
    return str(path)


def _flat(out: str) -> str:
    return " ".join(out.split())


@pytest.mark.parametrize(
    "command",
    [
        ("items", "list"),
        ("items", "show", "S2"),
        ("plan", "release", "--no-save"),
        ("decisions", "list"),
    ],
)
def test_titles_with_brackets_print_as_written(db: str, command: tuple[str, ...]) -> None:
    code, out = run(*command, "--db", db)
    assert code == 0, out
    assert "MarkupError" not in out
    assert TAGS in _flat(out) or "[/s] [b]bold?[/b]" in _flat(out)
    # our own styling never shows as text
    for tag in ("[bold", "[dim", "[yellow", "[red", "[green", "[/]"):
        assert tag not in out.replace("[/] because", ""), (tag, out)


def test_decisions_print_their_rationale_as_written(db: str) -> None:
    code, out = run("decisions", "list", "--db", db)
    assert code == 0 and "[/] because" in out


def test_an_error_naming_a_bracketed_value_prints_it(db: str) -> None:
    code, out = run("items", "show", "NOPE[/x]", "--db", db)
    assert code == 1
    assert "error: field 'key': no item 'NOPE[/x]' in the workspace" in _flat(out)


def test_names_given_on_the_command_line_print_as_written(tmp_path: Path) -> None:
    code, out = run("init", "--name", "[bold]Acme[/]", "--db", str(tmp_path / "new.db"))
    assert code == 0 and "Created workspace [bold]Acme[/] in" in out


def test_sample_titles_and_reviews_with_brackets(tmp_path: Path) -> None:
    """The sample product with bracketed titles and reviews: ranking and demand print them."""
    ws = generate_sample(seed=7)
    items = [i.model_copy(update={"title": f"{TAGS} {i.title}"}) for i in ws.items]
    feedback = [f.model_copy(update={"text": f"{f.text} [/s]"}) for f in ws.feedback]
    db = str(tmp_path / "sample.db")
    with open_store(db) as store:
        store.replace(ws.copy_with(items=items, feedback=feedback))
    code, out = run("prioritize", "--top", "5", "--db", db)
    assert code == 0 and "[/s]" in out, out
    code, out = run("feedback", "demand", "--db", db)
    assert code == 0 and "[/s]" in out, out
