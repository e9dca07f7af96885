"""The decision log from the command line: `roadwise decisions list|add`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from roadwise.domain import Decision
from roadwise.workspace import open_store
from test_cli_workspace import run  # the workspace commands' runner, shared
from workspace_strategies import small_workspace


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "roadwise.db"
    with open_store(path) as store:
        store.replace(small_workspace())
    return str(path)


def _decisions(db: str) -> list[Decision]:
    with open_store(db) as store:
        return list(store.load().decisions)


def test_decisions_are_logged_and_listed(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with open_store(db) as store:
        item = store.load().items[-1].key
    # the small workspace has logged one decision, D1, about another item
    (before,) = _decisions(db)
    assert before.key == "D1" and item not in before.items
    code, out = run("decisions", "list", "--item", item, "--db", db)
    assert code == 0 and f"No decisions recorded about {item}." in out
    monkeypatch.setenv("ROADWISE_USER", "noor")
    code, out = run(
        "decisions",
        "add",
        "Ship SSO first",
        "--why",
        "Two renewals depend on it",
        "--item",
        item,
        "--date",
        "2026-11-02",
        "--db",
        db,
    )
    assert code == 0, out
    assert f"Logged D2 (2026-11-02, noor): Ship SSO first about {item}." in out
    code, out = run("decisions", "add", "Defer the timeline view", "--db", db, "--json")
    assert code == 0
    second = json.loads(out)
    assert second["key"] == "D3" and second["date"] == dt.date.today().isoformat()
    (_, first, logged) = _decisions(db)
    assert (first.key, first.title, first.rationale, first.who, first.items) == (
        "D2",
        "Ship SSO first",
        "Two renewals depend on it",
        "noor",
        [item],
    )
    assert logged.key == "D3" and logged.items == []
    # latest first; --item keeps those about the item; --limit the latest N
    code, out = run("decisions", "list", "--db", db, "--json")
    assert [d["key"] for d in json.loads(out)] == ["D3", "D2", "D1"]
    code, out = run("decisions", "list", "--item", item, "--db", db, "--json")
    assert [d["key"] for d in json.loads(out)] == ["D2"]
    code, out = run("decisions", "list", "--limit", "1", "--db", db, "--json")
    assert [d["key"] for d in json.loads(out)] == ["D3"]
    code, out = run("decisions", "list", "--limit", "2", "--db", db)
    assert code == 0 and "Decision log (2 of 3)" in out and "Two renewals depend on it" in out
    # on one day, the one logged last is the latest; --who names whom a decision is by, while
    # the audit log names who logged it
    monkeypatch.setenv("ROADWISE_USER", "alice")
    code, out = run("decisions", "add", "Also today", "--who", "the-ceo", "--db", db, "--json")
    assert code == 0 and json.loads(out)["who"] == "the-ceo"
    code, out = run("decisions", "list", "--limit", "1", "--db", db, "--json")
    assert [d["key"] for d in json.loads(out)] == ["D4"]
    with open_store(db) as store:
        (entry,) = store.audit_entries(entity="decision", key="D4")
    assert entry.actor == "alice"


def test_a_bad_decision_is_refused_and_nothing_written(db: str) -> None:
    code, out = run("decisions", "add", "Cut scope", "--item", "NOPE-1", "--db", db)
    assert code == 1 and "field '--item': unknown item 'NOPE-1'" in out  # the option, not 'items.0'
    code, out = run("decisions", "add", "  ", "--db", db)
    assert code == 1 and "needs a title" in out
    # Said in words like every other date option, not as Click's usage panel quoting
    # '%Y-%m-%d'; a key breaking the rule by the rule, not by its regex.
    for date in ("soon", "2026-02-30"):
        code, out = run("decisions", "add", "Cut scope", "--date", date, "--db", db)
        assert code == 1 and f"field '--date': '{date}' is not a date (expected YYYY-MM-DD)" in out
    code, out = run("decisions", "add", "Cut scope", "--key", "D 9", "--db", db)
    assert code == 1 and "a key must not contain spaces, commas or semicolons (got 'D 9')" in out
    assert "pattern" not in out
    assert [d.key for d in _decisions(db)] == ["D1"]
    assert run("decisions", "add", "Cut scope", "--key", "DEC-9", "--db", db)[0] == 0
    code, out = run("decisions", "add", "Again", "--key", "DEC-9", "--db", db)
    assert code == 1 and "exists already" in out
    # the next key follows the latest one's pattern (D-1 in an empty log)
    code, out = run("decisions", "add", "Next", "--db", db, "--json")
    assert json.loads(out)["key"] == "DEC-10"
    assert [d.key for d in _decisions(db)] == ["D1", "DEC-9", "DEC-10"]


def test_listing_decisions_about_an_unknown_item_names_the_typo(db: str) -> None:
    """`--item NOPE` said "No decisions recorded about NOPE." where `items list --parent NOPE`
    says there is no such item."""
    code, out = run("decisions", "list", "--item", "S9", "--db", db)
    assert code == 1 and "field '--item': no item 'S9' in the workspace" in out
    code, out = run("decisions", "list", "--item", "S2", "--db", db)
    assert code == 0 and "No decisions recorded about S2." in out


def test_the_first_decision_of_an_empty_log_is_d_1(tmp_path: Path) -> None:
    path = str(tmp_path / "empty.db")
    assert run("init", "--name", "Acme", "--db", path)[0] == 0
    code, out = run("decisions", "add", "Start", "--db", path, "--json")
    assert code == 0 and json.loads(out)["key"] == "D-1"
    code, out = run("decisions", "list", "--db", path)
    assert "D-1" in out
