"""``/api/feedback/demand``: the same object as ``roadwise feedback demand --json``."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from roadwise.domain import Status, Workspace
from roadwise.engines.feedback import synthetic as syn
from roadwise.views.cli import app as cli
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

AS_OF = dt.date(2026, 6, 30)


def _store(path: Path, ws: Workspace) -> tuple[str, str]:
    """The workspace stored at ``path``, with a viewer's API token: (database, token)."""
    store = open_store(str(path))
    store.replace(ws)
    accounts.add_user(store, "vic", "correct-horse-battery", "viewer")
    token = accounts.create_token(store, "vic")
    store.close()
    return str(path), token


@pytest.fixture(scope="module")
def with_dropped(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """A small workspace whose most confirmed-linked item is dropped: (database, token, the
    dropped item)."""
    customers = syn.customers(20)
    feedback, _ = syn.feedback_records(
        300, customer_keys=[c.key for c in customers], confirmed_share=0.2, as_of=AS_OF
    )
    items = syn.backlog_items()
    confirmed: dict[str, int] = {}
    for f in feedback:
        for link in f.links:
            if link.confirmed:
                confirmed[link.item] = confirmed.get(link.item, 0) + 1
    dropped = max(sorted(confirmed), key=lambda k: confirmed[k])
    items = [
        i.model_copy(update={"status": Status.DROPPED}) if i.key == dropped else i for i in items
    ]
    ws = Workspace(name="api", as_of=AS_OF, customers=customers, items=items, feedback=feedback)
    db, token = _store(tmp_path_factory.mktemp("api") / "w.db", ws)
    return db, token, dropped


@pytest.fixture
def client(with_dropped: tuple[str, str, str]) -> Iterator[TestClient]:
    db, token, _ = with_dropped
    with TestClient(create_app(db, secret_key="test-secret")) as c:
        c.headers["Authorization"] = f"Bearer {token}"
        yield c


def test_api_demand_is_the_cli_json_with_the_dropped_items(
    client: TestClient, with_dropped: tuple[str, str, str]
) -> None:
    """The API gives the object `feedback demand --json` prints, keys and rows alike: the
    ranking under "items" (``top`` of it) and the dropped items' demand under "dropped"."""
    db, _, dropped = with_dropped
    out = CliRunner().invoke(cli, ["feedback", "demand", "--db", db, "--json"])
    assert out.exit_code == 0, out.output
    printed = json.loads(out.output)
    assert [row["item"] for row in printed["dropped"]["items"]] == [dropped]

    answer = client.get("/api/feedback/demand", params={"top": 1000})
    assert answer.status_code == 200, answer.text
    assert answer.json() == printed
    top = client.get("/api/feedback/demand", params={"top": 2}).json()
    assert top == {"items": printed["items"][:2], "dropped": printed["dropped"]}


def test_api_demand_without_feedback_is_the_same_shape_empty(tmp_path: Path) -> None:
    db, token = _store(tmp_path / "empty.db", Workspace(name="empty", items=syn.backlog_items()))
    with TestClient(create_app(db, secret_key="test-secret")) as c:
        answer = c.get("/api/feedback/demand", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.json() == {"items": [], "dropped": {"texts": 0, "customers": 0, "items": []}}


def test_api_schema_names_the_demand_and_the_dropped_demand(client: TestClient) -> None:
    """Readers of /openapi.json see the object, not a list of rows."""
    schema = client.get("/openapi.json").json()
    answer = schema["paths"]["/api/feedback/demand"]["get"]["responses"]["200"]
    ref = answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    shape = schema["components"]["schemas"][ref]
    assert set(shape["properties"]) == {"items", "dropped"}
    dropped = schema["components"]["schemas"]["DroppedDemandOut"]
    assert set(dropped["properties"]) == {"texts", "customers", "items"}
