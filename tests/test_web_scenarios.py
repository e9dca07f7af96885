"""The web scenarios page: a form that stores a scenario as ``roadwise scenario add`` does."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from roadwise.sample import generate_sample
from roadwise.views.cli import app as cli_app
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("web-scenarios") / "w.db"
    store = open_store(path)
    store.replace(generate_sample(seed=7))
    accounts.add_user(store, "ed", PASSWORD, "editor")
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def app(db: str) -> Any:
    return create_app(db, secret_key="test-secret")


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def logged_in(app: Any, name: str) -> Iterator[tuple[TestClient, str]]:
    with TestClient(app) as c:
        token = csrf_of(c.get("/login").text)
        c.post(
            "/login",
            data={"csrf_token": token, "username": name, "password": PASSWORD, "next": "/"},
        )
        yield c, csrf_of(c.get("/scenarios").text)


@pytest.fixture(scope="module")
def editor(app: Any) -> Iterator[tuple[TestClient, str]]:
    yield from logged_in(app, "ed")


@pytest.fixture
def viewer(app: Any) -> Iterator[tuple[TestClient, str]]:
    yield from logged_in(app, "vic")


def stored(app: Any, key: str) -> Any:
    return next((s for s in app.state.service.workspace().scenarios if s.key == key), None)


def alert_of(page: str) -> str:
    match = re.search(r'id="scenario-error">(.*?)</p>', page, re.S)
    assert match, "no error next to the form"
    return text_of(match.group(1)).strip()


def test_the_form_stores_what_the_cli_stores(editor: tuple[TestClient, str], app: Any) -> None:
    client, token = editor
    ws = app.state.service.workspace()
    team = ws.teams[0]
    dropped = [i.key for i in ws.open_items() if not ws.children(i.key)][:2]
    leaf = next(i for i in ws.open_items() if i.estimate is not None and i.key not in dropped)
    form = {
        "csrf_token": token,
        "key": "web-hire",
        "name": "One more engineer",
        "description": "tried from the web",
        "hire_team": team.key,
        "hire_count": "2",
        "hire_date": "2027-01-04",
        "drop": ", ".join(dropped),
        "changes": f"item:{leaf.key}.estimate.likely=13\n\n",
    }
    r = client.post("/scenarios", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/scenarios?added=web-hire"
    page = client.get(r.headers["location"]).text
    assert "Scenario One more engineer (web-hire) stored with 5 changes" in text_of(page)
    assert 'value="web-hire" selected' in page

    scenario = stored(app, "web-hire")
    assert (scenario.name, scenario.description) == ("One more engineer", "tried from the web")
    changes = [(c.entity, c.key, c.action) for c in scenario.changes]
    assert changes == [
        ("item", leaf.key, "set"),
        *[("item", key, "remove") for key in dropped],
        ("person", team.key, "add"),
        ("person", team.key, "add"),
    ]
    assert scenario.changes[0].value == 13 and scenario.changes[0].field == "estimate.likely"
    assert [c.value["joins"] for c in scenario.changes[-2:]] == ["2027-01-04"] * 2
    (entry, *_) = app.state.store.audit_entries(entity="scenario", key="web-hire")
    assert entry.actor == "ed" and entry.action == "create"


def test_the_form_and_the_cli_build_the_same_changes(
    editor: tuple[TestClient, str], app: Any
) -> None:
    client, token = editor
    ws = app.state.service.workspace()
    team = ws.teams[-1]
    keys = [i.key for i in ws.open_items() if not ws.children(i.key)][2:4]
    r = client.post(
        "/scenarios",
        data={
            "csrf_token": token,
            "key": "from-web",
            "hire_team": team.key,
            "drop": " ".join(keys),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    from_web = stored(app, "from-web")
    cli = CliRunner().invoke(
        cli_app,
        ["scenario", "add", "from-cli", "--db", app.state.store.url, "--hire", team.key]
        + [arg for key in keys for arg in ("--remove", key)],
    )
    assert cli.exit_code == 0, cli.output
    from_cli = stored(app, "from-cli")
    web_changes = from_web.model_dump()["changes"]
    cli_changes = from_cli.model_dump()["changes"]
    # Only the new person's key names the scenario it belongs to.
    assert web_changes[-1]["value"].pop("key") == "from-web-hire-1"
    assert cli_changes[-1]["value"].pop("key") == "from-cli-hire-1"
    assert web_changes == cli_changes
    assert [c["action"] for c in web_changes] == ["remove", "remove", "add"]
    assert from_web.name == "from-web"  # the key, as the CLI names a scenario without --name


@pytest.mark.parametrize(
    ("form", "field", "said"),
    [
        ({"key": "bad", "changes": "item:KW-1.estimate.likly=2"}, "other changes", "likly"),
        ({"key": "bad", "changes": "item:NOPE.title=x"}, "other changes", "unknown item 'NOPE'"),
        ({"key": "bad", "changes": "estimate=2"}, "other changes", "expected ENTITY:KEY.FIELD"),
        ({"key": "bad", "drop": "NOPE-1"}, "drop", "'NOPE-1': no item or person has this key"),
        ({"key": "bad", "hire_team": "nope"}, "hire", "unknown team 'nope'"),
        ({"key": "bad", "hire_date": "2027-01-04"}, "hire", "choose the team"),
        ({"key": "bad"}, "hire", "at least one change"),
        ({"key": "a b", "drop": "KW-1"}, "key", "'a b' cannot be a scenario key"),
        ({"key": "", "drop": "KW-1"}, "key", "give the scenario a key"),
    ],
)
def test_a_wrong_form_says_what_is_wrong_beside_it_and_stores_nothing(
    editor: tuple[TestClient, str], app: Any, form: dict[str, str], field: str, said: str
) -> None:
    client, token = editor
    before = app.state.service.workspace().scenarios
    r = client.post("/scenarios", data={"csrf_token": token, **form})
    assert r.status_code == 422
    message = alert_of(r.text)
    assert message.startswith(f"field '{field}': ") and said in message
    assert "items." not in message and "Traceback" not in r.text
    # What was typed stays in the form to correct.
    for name, value in form.items():
        if value and name != "hire_team":
            assert html.escape(value) in r.text
    assert app.state.service.workspace().scenarios == before


def test_an_existing_key_is_not_overwritten_from_the_web(
    editor: tuple[TestClient, str], app: Any
) -> None:
    client, token = editor
    item = next(i for i in app.state.service.workspace().open_items())
    ok = client.post("/scenarios", data={"csrf_token": token, "key": "twice", "drop": item.key})
    assert ok.status_code == 200  # followed to the page
    again = client.post("/scenarios", data={"csrf_token": token, "key": "twice", "drop": "x"})
    assert again.status_code == 422
    assert "a scenario 'twice' exists already" in alert_of(again.text)


def test_a_viewer_sees_no_form_and_cannot_post(viewer: tuple[TestClient, str], app: Any) -> None:
    client, token = viewer
    page = client.get("/scenarios").text
    assert 'action="/scenarios#new-scenario"' not in page
    item = next(i for i in app.state.service.workspace().open_items())
    r = client.post("/scenarios", data={"csrf_token": token, "key": "v", "drop": item.key})
    assert r.status_code == 403 and stored(app, "v") is None


def test_the_form_needs_the_csrf_token(editor: tuple[TestClient, str], app: Any) -> None:
    client, _ = editor
    item = next(i for i in app.state.service.workspace().open_items())
    r = client.post("/scenarios", data={"csrf_token": "forged", "key": "c", "drop": item.key})
    assert r.status_code == 403 and stored(app, "c") is None


def test_a_scenario_that_changes_nothing_compares_equal(
    editor: tuple[TestClient, str], app: Any
) -> None:
    """Both sides are found by the same search (as `roadwise scenario compare`): a scenario
    that changes nothing costs the same and moves nothing. The scenario's side once started
    from the "as is" plan, got that search and its own on top, and came out cheaper."""
    client, token = editor
    service = app.state.service
    item = next(
        i for i in service.workspace().open_items() if not service.workspace().children(i.key)
    )
    change = f"item:{item.key}.title={item.title}"
    r = client.post("/scenarios", data={"csrf_token": token, "key": "same", "changes": change})
    assert r.status_code == 200
    comparison = service.compare_scenario("same")
    assert comparison.cost_of_delay_a == comparison.cost_of_delay_b
    assert comparison.finish_a == comparison.finish_b and not comparison.moved


def _estimated_leaf(app: Any) -> Any:
    ws = app.state.service.workspace()
    return next(
        i
        for i in ws.open_items()
        if not ws.children(i.key) and i.estimate is not None and i.estimate.low > 0
    )


def test_an_estimate_raised_past_its_high_value_is_stored_as_typed(
    editor: tuple[TestClient, str], app: Any
) -> None:
    """likely and high raised together: likely alone would be above the stored high, but the
    changes to one item are checked together, from the form and from the CLI alike."""
    from roadwise.engines.scenario import apply_scenario

    client, token = editor
    leaf = _estimated_leaf(app)
    high = leaf.estimate.high
    typed = [
        f"item:{leaf.key}.estimate.likely={high + 5:g}",
        f"item:{leaf.key}.estimate.high={high + 10:g}",
    ]
    form = {"csrf_token": token, "key": "bigger", "changes": "\n".join(typed)}
    r = client.post("/scenarios", data=form, follow_redirects=False)
    assert r.status_code == 303, alert_of(r.text)
    ws = app.state.service.workspace()
    changed = apply_scenario(ws, stored(app, "bigger")).item_by_key[leaf.key].estimate
    assert (changed.low, changed.likely, changed.high) == (leaf.estimate.low, high + 5, high + 10)

    cli = CliRunner().invoke(
        cli_app,
        ["scenario", "add", "bigger-cli", "--db", app.state.store.url]
        + [arg for change in typed for arg in ("--set", change)],
    )
    assert cli.exit_code == 0, cli.output
    assert stored(app, "bigger-cli").changes == stored(app, "bigger").changes


def test_an_estimate_out_of_order_as_typed_is_refused_naming_its_fields(
    editor: tuple[TestClient, str], app: Any
) -> None:
    client, token = editor
    leaf = _estimated_leaf(app)
    low, high = leaf.estimate.low, leaf.estimate.high
    likely_typed = f"item:{leaf.key}.estimate.likely={high + 15:g}"
    high_typed = f"item:{leaf.key}.estimate.high={high + 10:g}"
    title_typed = f"item:{leaf.key}.title=Bigger"
    before = app.state.service.workspace().scenarios
    form = {
        "csrf_token": token,
        "key": "muddled",
        "changes": f"{title_typed}\n{likely_typed}\n{high_typed}",
    }
    r = client.post("/scenarios", data=form)
    assert r.status_code == 422
    message = alert_of(r.text)
    # The two changes that disagree, with the values as typed (not the stored high).
    assert message == (
        f"field 'other changes': '{likely_typed}' with '{high_typed}': estimate: estimate must "
        f"satisfy low <= likely <= high, got low={low}, likely={high + 15:.1f}, "
        f"high={high + 10:.1f}"
    )
    assert app.state.service.workspace().scenarios == before
    # One wrong value among several changes to the item is named alone.
    form["changes"] = f"{likely_typed}\nitem:{leaf.key}.estimate.high=abc"
    message = alert_of(client.post("/scenarios", data=form).text)
    assert message.startswith(f"field 'other changes': 'item:{leaf.key}.estimate.high=abc': ")
    assert "estimate.high: input should be a valid number" in message
