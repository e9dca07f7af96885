"""The web app as a TPM meets it: scores worded as the CLI, forms that say what is wrong."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from roadwise.sample import generate_sample
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

PASSWORD = "correct-horse-battery"
HTML = {"accept": "text/html"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    path: Path = tmp_path_factory.mktemp("web-review") / "w.db"
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


def headers_of(page: str) -> list[str]:
    row = re.search(r"<thead>(.*?)</thead>", page, re.S)
    assert row
    return [text_of(h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", row.group(1), re.S)]


# ----------------------------------------------------------------------------- scores


def test_backlog_leads_with_the_expected_score_and_names_the_point_score(
    client: TestClient, app: Any
) -> None:
    """As ``roadwise prioritize``: the ranking orders by the expected score, so that column
    comes first with its interval; the point score is a column of its own, named so."""
    result = app.state.service.priorities()
    assert result.simulated
    page = client.get("/backlog").text
    heads = headers_of(page)
    numbers = heads[heads.index("expected") :]
    assert numbers == ["expected", "90% interval", "point score", f"P(top {result.top_k})"]
    # An item whose expected and point scores read differently: the number before the
    # interval is the expected score, the one after it the point score.
    odd = next(r for r in result.items if f"{r.expected:,.1f}" != f"{r.score:,.1f}")
    row = re.search(rf'value="{odd.key}:\d+".*?</tr>', page, re.S)
    assert row, odd.key
    cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    low, high = odd.interval
    at = cells.index(f"{low:,.1f} – {high:,.1f}")
    assert cells[at - 1] == f"{odd.expected:,.1f}" and cells[at + 1] == f"{odd.score:,.1f}"
    assert f"{result.samples:,} Monte Carlo samples" in text_of(page)
    assert "estimate (points)" in heads


def test_backlog_sorts_by_expected_or_point_score(client: TestClient, app: Any) -> None:
    result = app.state.service.priorities()
    for sort, field in (("expected", "expected"), ("score", "score")):
        page = client.get("/backlog", params={"sort": sort}).text
        keys = re.findall(r'name="sel" value="([^":]+):', page)[:20]
        by_key = {r.key: r for r in result.items}
        values = [getattr(by_key[k], field) for k in keys]
        assert values == sorted(values, reverse=True), sort
    menu = client.get("/backlog").text
    assert '<option value="score" >point score</option>' in menu.replace("  ", " ")


def test_dashboard_top_priorities_show_the_expected_score_with_its_interval(
    client: TestClient, app: Any
) -> None:
    result = app.state.service.priorities()
    dash = text_of(client.get("/").text)
    for r in result.items[:5]:
        low, high = r.interval
        assert f"{r.key} {r.title} {r.expected:,.1f} ({low:,.1f}–{high:,.1f})" in dash


def test_item_page_shows_expected_score_top_k_and_each_factors_effect(
    client: TestClient, app: Any
) -> None:
    result = app.state.service.priorities()
    ranked = next(r for r in result.items if r.rank == 2)
    page = client.get(f"/items/{ranked.key}").text
    words = text_of(page)
    assert f"#2 · expected {result.framework_label} {ranked.expected:,.1f}" in words
    assert f"P(top {result.top_k})" in words and "P(top k)" not in words
    assert f"Point score {ranked.score:,.1f}" in words
    # The feasibility factor: its input is the technical risk (a percentage), its effect the
    # multiplier 1 − 0.5 × risk, not the risk's decimal in the input column.
    risk = next(c for c in ranked.contributions if c.input == "technical_risk")
    row = re.search(r"<tr><td>feasibility.*?</tr>", page, re.S)
    assert row
    cells = [text_of(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)]
    assert cells[1] == f"{risk.value:.0%}"
    assert cells[3] == f"× {risk.amount:.2f}".rstrip("0")


# ----------------------------------------------------------------------------- item form


def edit_form(client: TestClient, app: Any, key: str, **changes: str) -> dict[str, Any]:
    item = app.state.store.get_item(key)
    est = item.estimate
    form: dict[str, Any] = {
        "csrf_token": csrf_of(client.get(f"/items/{key}").text),
        "version": item.version,
        "title": item.title,
        "status": item.status.value,
        "team": item.team or "",
        "release": item.release or "",
        "description": item.description or "",
        "low": f"{est.low:g}" if est else "",
        "likely": f"{est.likely:g}" if est else "",
        "high": f"{est.high:g}" if est else "",
    }
    return form | changes


def estimated_item(app: Any) -> Any:
    ws = app.state.service.workspace()
    return next(i for i in ws.open_items() if i.estimate and i.estimate.high >= 5)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"likely": "abc"}, "estimate.likely"),
        ({"low": "-1"}, "estimate.low"),
        ({"high": "1,5"}, "estimate.high"),
        ({"likely": ""}, "estimate.likely"),
    ],
)
def test_an_estimate_that_is_not_three_numbers_is_refused_naming_the_box(
    client: TestClient, app: Any, changes: dict[str, str], field: str
) -> None:
    """Saving the rest and keeping the old estimate said "Saved." for an edit not made."""
    item = app.state.store.get_item(estimated_item(app).key)
    form = edit_form(client, app, item.key, title="Renamed while the estimate is wrong", **changes)
    r = client.post(f"/items/{item.key}", data=form, follow_redirects=False)
    assert r.status_code == 422
    alert = re.search(r'role="alert">(.*?)</p>', r.text, re.S)
    assert alert and f"field '{field}'" in html.unescape(alert.group(1))
    after = app.state.store.get_item(item.key)
    assert after.version == item.version and after.title == item.title
    assert after.estimate == item.estimate
    # What was typed stays in the form to be corrected.
    box = field.split(".")[1]
    assert (
        f'name="{box}" aria-label="{box}" inputmode="decimal" size="5" value="{changes[box]}"'
        in r.text
    )


def test_an_estimate_out_of_order_is_one_line_naming_the_field(
    client: TestClient, app: Any
) -> None:
    item = estimated_item(app)
    form = edit_form(client, app, item.key, low="8", likely="2", high="1")
    r = client.post(f"/items/{item.key}", data=form, follow_redirects=False)
    assert r.status_code == 422
    alert = re.search(r'role="alert">(.*?)</p>', r.text, re.S)
    assert alert
    message = html.unescape(alert.group(1))
    assert message.startswith("field 'estimate': ") and "low <= likely <= high" in message
    assert "\n" not in message and "errors.pydantic.dev" not in message


def test_a_good_estimate_and_empty_boxes_still_save(client: TestClient, app: Any) -> None:
    item = estimated_item(app)
    form = edit_form(client, app, item.key, low=" 2 ", likely="3.5", high="9")
    r = client.post(f"/items/{item.key}", data=form, follow_redirects=False)
    assert r.status_code == 303
    saved = app.state.store.get_item(item.key)
    assert (saved.estimate.low, saved.estimate.likely, saved.estimate.high) == (2, 3.5, 9)
    form = edit_form(client, app, item.key, low="", likely="", high="", title="Kept estimate")
    assert client.post(f"/items/{item.key}", data=form, follow_redirects=False).status_code == 303
    kept = app.state.store.get_item(item.key)
    assert kept.title == "Kept estimate" and kept.estimate == saved.estimate


def test_a_conflict_keeps_the_typed_estimate_on_top_of_the_current_values(
    client: TestClient, app: Any
) -> None:
    """Saving again after a conflict must save what was typed, estimate included."""
    item = estimated_item(app)
    stale = edit_form(client, app, item.key, title="Mine", low="7", likely="8", high="9")
    theirs = edit_form(client, app, item.key, title="Theirs")
    assert client.post(f"/items/{item.key}", data=theirs, follow_redirects=False).status_code == 303
    r = client.post(f"/items/{item.key}", data=stale, follow_redirects=False)
    assert r.status_code == 409
    for box, typed in (("low", "7"), ("likely", "8"), ("high", "9")):
        assert (
            f'name="{box}" aria-label="{box}" inputmode="decimal" size="5" value="{typed}"'
            in r.text
        )
    assert app.state.store.get_item(item.key).title == "Theirs"


@pytest.mark.parametrize("version", ["-1", "0"])
def test_the_item_form_refuses_a_version_that_would_skip_the_lost_update_check(
    client: TestClient, app: Any, version: str
) -> None:
    item = estimated_item(app)
    form = edit_form(client, app, item.key, title="Overwrites anything", version=version)
    r = client.post(f"/items/{item.key}", data=form, headers=HTML, follow_redirects=False)
    assert r.status_code == 422 and "version" in html.unescape(r.text)
    assert app.state.store.get_item(item.key).title == item.title


def test_digits_int_cannot_read_are_a_form_error_not_a_server_error(
    client: TestClient, app: Any
) -> None:
    item = estimated_item(app)
    token = csrf_of(client.get("/backlog").text)
    bulk = client.post(
        "/backlog/bulk",
        data={"csrf_token": token, "sel": f"{item.key}:\u00b2", "status": "ready"},
        headers=HTML,
        follow_redirects=False,
    )
    assert bulk.status_code < 500
    hire = client.post(
        "/scenarios",
        data={"csrf_token": token, "key": "sup", "hire_team": "mobile", "hire_count": "\u00b2"},
        headers=HTML,
        follow_redirects=False,
    )
    assert hire.status_code == 422 and "whole number" in html.unescape(hire.text)


def test_the_api_answers_bad_bodies_with_400_and_422_never_500(
    client: TestClient, app: Any
) -> None:
    item = estimated_item(app)
    token = csrf_of(client.get("/backlog").text)
    send = {"X-CSRF-Token": token, "content-type": "application/json"}
    r = client.post("/api/decisions", content="this is not json", headers=send)
    assert r.status_code == 400 and r.json() == {"detail": "the body is not valid JSON"}
    version = app.state.store.get_item(item.key).version
    for bad in ("1e999", "NaN"):
        body = f'{{"version": {version}, "estimate": {{"low": 1, "likely": 2, "high": {bad}}}}}'
        r = client.patch(f"/api/items/{item.key}", content=body, headers=send)
        assert r.status_code == 422, r.text
        (error,) = r.json()["detail"]
        assert error["loc"][-1] == "high"


# ----------------------------------------------------------------------------- error pages


@pytest.mark.parametrize(
    ("path", "form", "field"),
    [
        ("/release/run", {"percentile": "abc"}, "percentile"),
        ("/release/run", {"percentile": "2"}, "percentile"),
        ("/decisions", {"rationale": "no title"}, "title"),
    ],
)
def test_a_bad_form_value_is_a_page_naming_the_field_not_json(
    client: TestClient, path: str, form: dict[str, str], field: str
) -> None:
    token = csrf_of(client.get("/release").text)
    r = client.post(path, data={"csrf_token": token, **form}, headers=HTML, follow_redirects=False)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("text/html")
    alert = re.search(r'role="alert">(.*?)</p>', r.text, re.S)
    assert alert
    message = html.unescape(alert.group(1))
    assert message.startswith(f"field '{field}': ") and "\n" not in message
    # Scripts and the API keep the JSON answer.
    r = client.post(path, data={"csrf_token": token, **form}, follow_redirects=False)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == field


def test_the_error_pages_back_link_works_under_the_content_security_policy(
    client: TestClient, app: Any
) -> None:
    """``javascript:`` links are blocked by the CSP (no inline script): Back went nowhere."""
    item = estimated_item(app)
    came_from = f"http://testserver/items/{item.key}?saved=1"
    token = csrf_of(client.get("/release").text)
    r = client.post(
        "/release/run",
        data={"csrf_token": token, "percentile": "abc"},
        headers=HTML | {"referer": came_from},
    )
    assert "javascript:" not in r.text
    assert f'<a href="/items/{item.key}?saved=1">Back</a>' in r.text
    # Another site's address is not a place to send anyone back to.
    r = client.get("/items/NOPE-1", headers=HTML | {"referer": "https://evil.example/x"})
    assert r.status_code == 404 and '<a href="/">Back</a>' in r.text


# ----------------------------------------------------------------------------- wording, units


def test_pages_name_teams_and_write_units_as_the_rest_of_roadwise(
    client: TestClient, app: Any
) -> None:
    ws = app.state.service.workspace()
    named = next(t for t in ws.teams if t.name.casefold() != t.key.casefold())
    capacity = client.get("/capacity").text
    assert f"<h2>{html.escape(named.name)}</h2>" in capacity
    assert '<th scope="row">demand</th>' in capacity and "person-days per sprint" in capacity
    roadmap = client.get("/roadmap").text
    assert f"<h3>{html.escape(named.name)} <span" in roadmap
    # Key results in percent read '115%', as every percentage the pages and CLI write.
    dash = text_of(client.get("/").text)
    kr = next(k for o in ws.objectives for k in o.key_results if k.unit == "%" and k.target != 0)
    assert f"→ {kr.target:,.10g}%" in dash and f"→ {kr.target:,.10g} %" not in dash
    feedback = text_of(client.get("/feedback").text)
    assert f"({len(ws.feedback):,} texts: about 10 s)" in feedback


def test_a_scenario_with_one_change_says_change(client: TestClient, app: Any) -> None:
    from roadwise.domain.model import Scenario

    one = Scenario.model_validate(
        {
            "key": "drop-one",
            "name": "One item less",
            "changes": [{"entity": "item", "key": estimated_item(app).key, "action": "remove"}],
        }
    )
    app.state.store.modify(lambda ws: ws.copy_with(scenarios=[*ws.scenarios, one]), actor="ed")
    page = text_of(client.get("/scenarios").text)
    assert "One item less (1 change)" in page and "(1 changes)" not in page


# ----------------------------------------------------------------------------- API reference


def test_the_api_reference_page_lists_every_endpoint_and_schema_from_this_server(
    client: TestClient, app: Any
) -> None:
    """``/docs`` answered 404: no Swagger page, since it loads its scripts from a CDN. The
    reference is rendered here from the same OpenAPI schema, with nothing fetched elsewhere."""
    spec = app.openapi()
    r = client.get("/docs")
    assert r.status_code == 200
    words = text_of(r.text)
    for path, methods in spec["paths"].items():
        for method in methods:
            assert f"{method.upper()} {path}" in words, (method, path)
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in r.text
    # The list filters are documented with their types, and the 409 of an edit with its body.
    assert re.search(r"<code>status</code></td><td>query</td><td>list of Status</td>", r.text)
    assert "Someone else changed it first" in words
    assert not re.search(r'(?:src|href)="(?:https?:)?//', r.text)
    assert '<a href="/docs">API reference</a>' in client.get("/").text
    with TestClient(app) as anonymous:
        r = anonymous.get("/docs", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # FastAPI's other docs address leads to the same page (it was a 404).
    r = client.get("/redoc", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/docs"
    assert client.get("/redoc").status_code == 200


# ----------------------------------------------------------------------------- backlog filters


def test_the_kind_filter_offers_every_kind_and_finds_tech_debt(
    client: TestClient, app: Any
) -> None:
    """It offered 'task' (no such kind: always empty) and not 'tech_debt'."""
    from roadwise.domain import ItemKind

    page = client.get("/backlog").text
    menu = re.search(r'<select name="kind">(.*?)</select>', page, re.S)
    assert menu
    offered = re.findall(r'<option value="([^"]*)"', menu.group(1))
    assert offered == ["", *(k.value for k in ItemKind)]
    assert '<option value="tech_debt" >tech debt</option>' in menu.group(1).replace("  ", " ")
    ws = app.state.service.workspace()
    debt = [i for i in ws.open_items() if i.kind == ItemKind.TECH_DEBT]
    assert debt
    found = client.get("/backlog", params={"kind": "tech_debt"}).text
    assert f"{len(debt)} items" in text_of(found)
    # Status choices read as the status badges do, their values as the API's.
    assert '<option value="in_progress" >in progress</option>' in page.replace("  ", " ")


def test_team_queues_and_item_counts_are_told_apart(client: TestClient, app: Any) -> None:
    forecasts = text_of(client.get("/forecasts").text)
    assert "items in its queue" in forecasts and "open items (all)" in forecasts
    assert "stand-alone bugs and tech debt" in forecasts
    assert "items in its queue" in text_of(client.get("/").text)


# ----------------------------------------------------------------------------- feedback inbox


def test_feedback_review_buttons_say_which_text_and_item(client: TestClient, app: Any) -> None:
    """Twenty-five "Confirm" buttons in a row tell a screen reader nothing; each names its text
    and item, and the number beside a link says what it is."""
    from roadwise.domain import FeedbackLink

    ws = app.state.service.workspace()
    text = next(f for f in ws.feedback if not f.links)
    item = estimated_item(app)

    def propose(current: Any) -> Any:
        rows = [
            f.model_copy(update={"links": [FeedbackLink(item=item.key, score=0.31)]})
            if f.key == text.key
            else f
            for f in current.feedback
        ]
        return current.copy_with(feedback=rows)

    app.state.store.modify(propose, actor="ed")
    page = client.get("/feedback").text
    assert f'aria-label="Confirm {text.key} is about {item.key}"' in page
    assert f'aria-label="Reject {text.key} as about {item.key}"' in page
    assert f'aria-label="Set the label of {text.key}"' in page
    assert "similarity 0.31" in text_of(page) and "score 0.31" not in text_of(page)


def test_release_capacity_rows_name_the_team_and_say_the_share(
    client: TestClient, app: Any
) -> None:
    token = csrf_of(client.get("/release").text)
    r = client.post("/release/run", data={"csrf_token": token, "percentile": "0.8"})
    assert r.status_code == 200
    page = r.text
    ws = app.state.service.workspace()
    table = re.search(r"<h2>Team capacity used</h2>.*?</table>", page, re.S)
    assert table
    assert headers_of(table.group(0))[-1] == "share used"
    for team in ws.teams:
        assert f'aria-label="{html.escape(team.name)}: share of capacity used"' in table.group(0)
    assert re.search(r"\d+%</meter>", table.group(0))


# ----------------------------------------------------------------------------- reports


def test_a_report_download_reuses_the_roadmap_the_pages_show(
    client: TestClient, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each download planned its own roadmap (a CP-SAT run, about 4 s on the sample, and
    possibly other dates than the Roadmap page); it takes the page's plan now."""
    import roadwise.engines.schedule.roadmap as schedule

    shown = app.state.service.roadmap()
    runs: list[Any] = []
    real = schedule.plan_roadmap
    monkeypatch.setattr(schedule, "plan_roadmap", lambda *a, **k: runs.append(a) or real(*a, **k))
    r = client.get("/reports/roadmap.md")
    assert r.status_code == 200
    assert runs == []
    assert shown.items and "## Now, Next, Later" in r.text


@pytest.mark.parametrize(
    ("query", "field", "choice"),
    [
        ({"kind": "task"}, "kind", "tech_debt"),
        ({"status": "closed"}, "status", "in_progress"),
        ({"team": "nope"}, "team", "platform"),
        ({"sort": "value"}, "sort", "expected"),
    ],
)
def test_a_backlog_filter_nothing_can_match_says_the_choices(
    client: TestClient, query: dict[str, str], field: str, choice: str
) -> None:
    """An empty backlog read as "no such items" when the filter itself was wrong."""
    r = client.get("/backlog", params=query, headers=HTML)
    assert r.status_code == 422
    alert = re.search(r'role="alert">(.*?)</p>', r.text, re.S)
    assert alert
    message = html.unescape(alert.group(1))
    assert message.startswith(f"field '{field}': no {field} '{query[field]}'") and choice in message


def test_a_scenario_comparison_gives_cost_of_delay_in_money_and_the_difference(
    client: TestClient, app: Any
) -> None:
    """'12,577,848 cost of delay' said neither in what nor how much the scenario changes it."""
    key = estimated_item(app).key
    from roadwise.domain.model import Scenario

    cut = Scenario.model_validate(
        {
            "key": "cut-one",
            "name": "Cut one",
            "changes": [{"entity": "item", "key": key, "action": "remove"}],
        }
    )
    app.state.store.modify(lambda ws: ws.copy_with(scenarios=[*ws.scenarios, cut]), actor="ed")
    from roadwise.views.reports.wording import say_money

    currency = app.state.service.workspace().settings.currency
    comparison = app.state.service.compare_scenario("cut-one")
    words = text_of(client.get("/scenarios", params={"compare": "cut-one"}).text)
    # Money as the reports write it: the symbol before the number ('about $12 million').
    assert f"{say_money(comparison.cost_of_delay_a, currency)} cost of delay" in words
    assert currency == "USD" and re.search(r"\$[\d.,]+( million)? cost of delay", words)
    assert f" {currency} cost of delay" not in words
    saved = comparison.cost_of_delay_a - comparison.cost_of_delay_b
    said = (
        f"Cut one saves {say_money(saved, currency)} of it."
        if saved > 0
        else f"Cut one costs {say_money(-saved, currency)} more."
        if saved < 0
        else "Both plans cost the same."
    )
    assert said in words


def test_a_scenario_comparison_keeps_relative_values_out_of_the_money_total(
    client: TestClient, app: Any
) -> None:
    """Items valued by WSJF only were added, in relative units, into a total shown in money."""
    from roadwise.domain.model import Scenario

    ws = app.state.service.workspace()
    relative = sorted(
        i.key
        for i in ws.open_items()
        if i.value.cost_of_delay is None
        and any(
            v is not None
            for v in (i.value.business_value, i.value.time_criticality, i.value.risk_reduction)
        )
    )
    assert relative, "the sample should hold items valued by WSJF only"
    later = Scenario.model_validate(
        {
            "key": "later-start",
            "name": "Later start",
            "changes": [{"entity": "item", "key": relative[0], "field": "title", "value": "x"}],
        }
    )
    app.state.store.modify(lambda w: w.copy_with(scenarios=[*w.scenarios, later]), actor="ed")
    comparison = app.state.service.compare_scenario("later-start")
    assert set(comparison.without_money) <= set(relative)
    assert comparison.without_money
    page = client.get("/scenarios", params={"compare": "later-start"}).text
    note = re.search(r'id="without-money">(.*?)</p>', page, re.S)
    assert note, "the page does not say which items the money totals leave out"
    words = text_of(note.group(1))
    n = len(comparison.without_money)
    assert words.startswith(f"{n} items have no cost of delay in money")
    assert all(f'href="/items/{k}"' in note.group(1) for k in comparison.without_money)
