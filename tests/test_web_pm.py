"""The web app against the CLI and the reports: the same numbers, said the same way, and forms
whose errors name the box that was wrong."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roadwise.domain import Status
from roadwise.sample import generate_sample
from roadwise.views.reports.wording import chance_percent
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

PASSWORD = "correct-horse-battery"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("web-pm") / "w.db"
    store = open_store(path)
    store.replace(generate_sample(seed=7))
    accounts.add_user(store, "ed", PASSWORD, "editor")
    store.close()
    # Shorter roadmap searches keep the module quick; what is checked does not depend on them.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("roadwise.views.web.service.ROADMAP_TIME_LIMIT", 0.5)
        yield create_app(str(path), secret_key="test-secret")


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app) as c:
        token = csrf_of(c.get("/login").text)
        c.post(
            "/login",
            data={"csrf_token": token, "username": "ed", "password": PASSWORD, "next": "/"},
        )
        yield c


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token in the page"
    return match.group(1)


def text_of(page: str) -> str:
    """The page as a reader sees it: tags out, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def alert_of(page: str) -> str:
    match = re.search(r'role="alert"[^>]*>(.*?)</p>', page, re.S)
    assert match, "no alert on the page"
    return text_of(match.group(1)).strip()


# ----------------------------------------------------------------------------- dashboard


def test_the_dashboard_counts_every_item_by_status(client: TestClient, app: Any) -> None:
    """The status line once left out discovery, launched and dropped items: on the sample it
    added up to 175 of 205 items, and said nothing of 17 open ones in discovery."""
    ws = app.state.service.workspace()
    line = re.search(r"<p[^>]*>As of (.*?)</p>", client.get("/").text, re.S)
    assert line
    said = text_of(line.group(1)).split("·", 1)[1]  # after the as-of date
    numbers = {status: sum(1 for i in ws.items if i.status == status) for status in Status}
    assert numbers[Status.DISCOVERY] and numbers[Status.LAUNCHED], "the sample has both"
    n_open = sum(n for status, n in numbers.items() if status.is_open)
    assert f"{n_open:,} open items" in said
    for status, words in (
        (Status.DISCOVERY, "in discovery"),
        (Status.LAUNCHED, "launched"),
        (Status.DROPPED, "dropped"),
        (Status.READY, "ready"),
    ):
        assert f"{numbers[status]:,} {words}" in said, (status, said)
    counted = [int(n.replace(",", "")) for n in re.findall(r"(\d[\d,]*) (?!open)", said)]
    assert sum(counted) == len(ws.items), said


def test_a_near_certain_due_date_is_said_as_the_reports_say_it(
    client: TestClient, app: Any
) -> None:
    """A simulated chance is never '100%': the dashboard and the Forecasts page say 'over
    99%', as the capacity page and the reports do."""
    rows = [r for r in app.state.service.objectives() if r["p_due"] is not None]
    assert any(r["p_due"] > 0.995 for r in rows), "the sample has a near-certain objective"
    dashboard = text_of(client.get("/").text)
    forecasts = text_of(client.get("/forecasts").text)
    for row in rows:
        said = chance_percent(row["p_due"])
        assert f"{said} likely by the due date" in dashboard
        title = row["objective"].title
        assert re.search(rf"{re.escape(title)} .*? {re.escape(said)} ", forecasts), title
    assert "100% likely" not in dashboard
    table = re.search(r"<h3>Objectives</h3>.*?</table>", client.get("/forecasts").text, re.S)
    assert table and ">100%<" not in table.group(0)


# ----------------------------------------------------------------------------- release


def test_the_release_page_says_which_open_items_were_not_considered_and_why(
    client: TestClient, app: Any
) -> None:
    """`roadwise plan release` says "22 open items cannot be planned" under its table; the
    page listed only what was chosen, as if every open item had been weighed."""
    token = csrf_of(client.get("/release").text)
    r = client.post("/release/run", data={"csrf_token": token, "percentile": "0.8"})
    assert r.status_code == 200
    skipped = app.state.service.latest_release_plan().payload["skipped"]
    assert skipped, "the sample has items marked won't have"
    page = client.get("/release").text
    block = re.search(r'<div id="not-planned">(.*?)</div>', page, re.S)
    assert block, "the page does not say what was left out"
    said = text_of(block.group(1))
    assert f"{len(skipped)} open items were not considered" in said
    for key, why in skipped.items():
        assert re.search(rf"{key} .*?{re.escape(why)}", said), key
    # The release's window, as the CLI's table title gives it.
    window = app.state.service.latest_release_plan().payload["releases"][0]
    assert f"{window['start']} to {window['end']}" in text_of(page)
    api = client.get("/api/release").json()
    assert api["skipped"] == skipped
    assert api["hard_deadline_out_of_reach"] == {}


# ----------------------------------------------------------------------------- forms


def test_a_bad_bulk_change_is_one_line_naming_the_box(client: TestClient, app: Any) -> None:
    """Not pydantic's multi-line report with its link to errors.pydantic.dev."""
    item = next(i for i in app.state.service.workspace().items if i.is_open)
    token = csrf_of(client.get("/backlog").text)
    r = client.post(
        "/backlog/bulk",
        data={"csrf_token": token, "sel": f"{item.key}:{item.version}", "status": "finished"},
        headers=HTML,
    )
    assert r.status_code == 422
    said = alert_of(r.text)
    assert said.startswith("field 'status':") and "'finished'" in said, said
    assert "pydantic" not in r.text and "validation error" not in said
    assert app.state.store.get_item(item.key).status == item.status


def test_an_unknown_feedback_label_names_the_label_box_not_a_workspace_row(
    client: TestClient, app: Any
) -> None:
    ws = app.state.service.workspace()
    last = ws.feedback[-1]  # far from row 0, where the old path happened to point
    token = csrf_of(client.get("/feedback").text)
    r = client.post(
        f"/feedback/{last.key}", data={"csrf_token": token, "label": "nonsense"}, headers=HTML
    )
    assert r.status_code == 422
    said = alert_of(r.text)
    assert said.startswith("field 'label':") and "unknown label 'nonsense'" in said, said
    assert "feedback." not in said.split(":")[0] and "Value error" not in said
    api = client.post(
        f"/api/feedback/{last.key}/label",
        json={"label": "nonsense"},
        headers={"x-csrf-token": token},
    )
    assert api.status_code == 422
    detail = api.json()["detail"]
    assert detail.startswith("field 'label':") and "Value error" not in detail, detail
    # A known label in another case still saves, as the stored "bug".
    ok = client.post(
        f"/feedback/{last.key}",
        data={"csrf_token": token, "label": " Bug "},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    stored = next(f for f in app.state.service.workspace().feedback if f.key == last.key)
    assert stored.label == "bug" and stored.label_source == "user"


# ----------------------------------------------------------------------------- scenarios, history


def test_a_long_scenario_comparison_says_how_many_moves_it_leaves_out(
    client: TestClient, app: Any
) -> None:
    token = csrf_of(client.get("/scenarios").text)
    r = client.post(
        "/scenarios",
        data={"csrf_token": token, "key": "hire-platform", "hire_team": "platform"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    comparison = app.state.service.compare_scenario("hire-platform")
    moved = len(comparison.moved)
    assert moved > 60, "the sample moves more items than the table shows"
    page = client.get("/scenarios", params={"compare": "hire-platform"}).text
    assert page.count('<td class="nowrap"><a href="/items/') == 60
    more = re.search(r'id="moved-more">(.*?)</p>', page, re.S)
    assert more, "the table stops at 60 rows without saying so"
    assert f"{moved - 60} more" in text_of(more.group(1))


def test_the_history_menu_offers_every_kind_of_record_the_store_writes(
    client: TestClient, app: Any
) -> None:
    """People, themes and the workspace's own settings are in the history too."""
    store = app.state.store
    written = {e.entity for e in store.audit_entries(limit=100_000)}
    assert {"person", "theme"} <= written
    page = client.get("/audit").text
    menu = re.search(r'<select name="entity">(.*?)</select>', page, re.S)
    assert menu
    offered = set(re.findall(r"<option[^>]*>([^<]+)</option>", menu.group(1))) - {"all"}
    assert written <= offered, written - offered
    people = client.get("/audit", params={"entity": "person"}).text
    assert "person " in text_of(people)
    r = client.get("/audit", params={"entity": "people"}, headers=HTML)
    assert r.status_code == 422 and "field 'entity'" in alert_of(r.text)


# ----------------------------------------------------------------------------- item titles


def test_the_page_and_the_api_refuse_the_same_titles(client: TestClient, app: Any) -> None:
    """A 600-character title was saved through the page though the API refuses it, and a
    title of spaces was saved through the API though the page refuses it."""
    item = next(i for i in app.state.service.workspace().items if i.is_open)
    before = app.state.store.get_item(item.key)
    page = client.get(f"/items/{item.key}").text
    token = csrf_of(page)
    long_title = "A much too long title " * 30
    r = client.post(
        f"/items/{item.key}",
        data={
            "csrf_token": token,
            "version": before.version,
            "title": long_title,
            "status": before.status.value,
        },
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 422
    assert alert_of(r.text).startswith("field 'title': a title is at most 500 characters")
    assert html.escape(long_title.strip(), quote=True) in r.text, "the typed title stays"
    api = client.patch(
        f"/api/items/{item.key}",
        json={"version": before.version, "title": long_title},
        headers={"x-csrf-token": token},
    )
    assert api.status_code == 422
    blank = client.patch(
        f"/api/items/{item.key}",
        json={"version": before.version, "title": "   "},
        headers={"x-csrf-token": token},
    )
    assert blank.status_code == 422, blank.text
    assert app.state.store.get_item(item.key).title == before.title
    padded = client.patch(
        f"/api/items/{item.key}",
        json={"version": before.version, "title": f"  {before.title}  "},
        headers={"x-csrf-token": token},
    )
    assert padded.status_code == 200 and padded.json()["title"] == before.title


def test_a_bulk_edit_of_one_item_says_item(client: TestClient, app: Any) -> None:
    ws = app.state.service.workspace()
    item = next(i for i in ws.items if i.is_open and i.release is None)
    release = ws.cycles.releases[0]
    token = csrf_of(client.get("/backlog").text)
    r = client.post(
        "/backlog/bulk",
        data={"csrf_token": token, "sel": f"{item.key}:{item.version}", "release": release.key},
    )
    assert r.status_code == 200
    assert f"Saved 1 item (release → {release.name})" in text_of(r.text)
    assert app.state.store.get_item(item.key).release == release.key
