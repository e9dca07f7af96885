"""The web app's forecast dates are the reports': one engine, the same date per objective."""

from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from roadwise.engines.forecast.objectives import (
    forecast_delivery,
    objective_items,
    ranks_from,
    simulate_queues,
)
from roadwise.sample import generate_sample
from roadwise.views.reports import gather
from roadwise.views.reports.wording import chance_percent
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

# Fewer trials than the app's default keep the module fast; both sides use the same number.
TRIALS = 300
PASSWORD = "correct-horse-battery"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path: Path = tmp_path_factory.mktemp("web-forecasts") / "w.db"
    store = open_store(path)
    store.replace(generate_sample(seed=7))
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    store.close()
    app = create_app(str(path), secret_key="test-secret")
    app.state.service.trials = TRIALS
    return app


@pytest.fixture(scope="module")
def headers(app: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {accounts.create_token(app.state.store, 'vic', 'test')}"}


@pytest.fixture(scope="module")
def reports(app: Any) -> Any:
    """What the stakeholder reports compute on their own (no result handed in)."""
    ws = app.state.service.workspace()
    return gather(ws, trials=TRIALS, steps=("priorities", "forecast", "resources"))


def _login(client: TestClient) -> None:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"csrf_token": token.group(1), "username": "vic", "password": PASSWORD, "next": "/"}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


def _day(day: dt.date) -> str | None:
    return None if day == dt.date.max else day.isoformat()


def test_objective_dates_equal_the_reports(app: Any, headers: dict[str, str], reports: Any) -> None:
    ws = app.state.service.workspace()
    with TestClient(app) as client:
        response = client.get("/api/objectives", headers=headers)
    assert response.status_code == 200
    rows = {row["key"]: row for row in response.json()}
    assert set(rows) == {o.key for o in ws.objectives}
    compared = 0
    for objective in ws.objectives:
        row = rows[objective.key]
        fc = reports.forecasts.get(f"objective:{objective.key}")
        if fc is None:
            assert row["p85"] is None
            continue
        assert (row["p50"], row["p85"], row["p95"]) == (_day(fc.p50), _day(fc.p85), _day(fc.p95))
        assert row["p_due"] == fc.p_deadline
        assert row["method"] == "probabilistic roadmap"
        compared += 1
    # The sample's objectives all have open work: a test that compares nothing proves nothing.
    assert compared == len(ws.objectives) > 0


def test_dashboard_and_forecasts_page_show_the_reports_dates(
    app: Any, headers: dict[str, str], reports: Any
) -> None:
    ws = app.state.service.workspace()
    with TestClient(app) as client:
        _login(client)
        dashboard = client.get("/")
        page = client.get("/forecasts")
    assert dashboard.status_code == page.status_code == 200
    for objective in ws.objectives:
        fc = reports.forecasts[f"objective:{objective.key}"]
        title = html.escape(objective.title)
        block = dashboard.text.split(title, 1)[1].split("</article>", 1)[0]
        assert f"85% forecast {fc.p85.isoformat()}" in block
        row = page.text.split(f"<td>{title}</td>", 1)[1].split("</tr>", 1)[0]
        assert f"<strong>{fc.p85.isoformat()}</strong>" in row
    # Both methods are on the page, each under its own heading.
    assert "Delivery forecast" in page.text and "Item-count forecast" in page.text


def test_status_follows_the_reports_rule(app: Any, headers: dict[str, str], reports: Any) -> None:
    with TestClient(app) as client:
        rows = client.get("/api/objectives", headers=headers).json()
    for row in rows:
        fc = reports.forecasts[f"objective:{row['key']}"]
        if fc.deadline is None:
            assert row["status"] == "no deadline"
        elif fc.p_deadline >= 0.85:
            assert row["status"] == "on track"
        elif fc.p_deadline >= 0.5:
            assert row["status"] == "at risk"
        else:
            assert row["status"] == "off track"


def test_team_dates_are_the_reports_team_load(
    app: Any, headers: dict[str, str], reports: Any
) -> None:
    """The API's team dates are the 'all planned work done' dates of the resources report."""
    with TestClient(app) as client:
        teams = {t["team"]: t for t in client.get("/api/forecasts", headers=headers).json()}
    ws = app.state.service.workspace()
    load = reports.raw["team_load"]["rows"]
    assert load, "the sample's teams have queues"
    names = {t.name: t.key for t in ws.teams}
    for name, _work, _people, when in load:
        team = teams[names[name]]
        assert team["method"] == "probabilistic roadmap"
        # The report words the 50 % date and the 85 % date; both come from the same run.
        for day in (team["p50"], team["p85"]):
            assert day is not None
            assert _spoken(dt.date.fromisoformat(day), ws.as_of) in when
        assert team["count_p85"] is not None  # the item-count forecast, labelled as such
        assert isinstance(team["open_items"], int)  # a count, not 34.0


def _spoken(day: dt.date, as_of: dt.date) -> str:
    from roadwise.views.reports.wording import say_date

    return say_date(day, as_of)


def test_the_reports_reuse_the_web_forecast_only_when_it_is_the_same_run(app: Any) -> None:
    service = app.state.service
    ws = service.workspace()
    handed = service.delivery()
    same = gather(
        ws,
        {"priorities": service.priorities(), "delivery": handed},
        trials=TRIALS,
        steps=("priorities", "forecast"),
    )
    assert same.raw["delivery_forecast"] is handed
    other = gather(
        ws,
        {"priorities": service.priorities(), "delivery": handed},
        trials=TRIALS + 1,
        steps=("priorities", "forecast"),
    )
    assert other.raw["delivery_forecast"] is not handed


def test_the_engine_is_deterministic_and_consistent() -> None:
    ws = generate_sample(seed=7)
    ranks = {i.key: float(n) for n, i in enumerate(ws.items)}
    first = forecast_delivery(ws, ranks, trials=200, seed=5)
    again = forecast_delivery(ws, ranks, trials=200, seed=5)
    assert first.dates == again.dates and first.teams == again.teams
    finish = first.simulation.finish_weeks
    objectives = 0
    for key, d in first.dates.items():
        assert d.p50 <= d.p85 <= d.p95
        if d.kind == "objective":
            # An objective is done, in every trial, when the last deliverable serving it is.
            served = {i.key for i in objective_items(ws, key.removeprefix("objective:"))}
            keys = [k for k in finish if k in served]
            assert d.open_count == len(keys) > 0
            assert np.array_equal(d.finish_weeks, np.max([finish[k] for k in keys], axis=0))
            objectives += 1
    assert objectives == len(ws.objectives)
    # No speed-up is the base run: the reports' resources options compare against it.
    same = simulate_queues(ws, ranks, trials=200, seed=5, speedup={}).finish_weeks
    assert all(np.array_equal(same[k], finish[k]) for k in finish)
    assert ranks_from([]) == {}
    assert first.unit in ("points", "items")


def test_a_stored_roadmap_is_what_the_pages_and_reports_replay(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    """Once `roadwise plan roadmap` stores a plan, the web app's dates follow its order, a
    downloaded report gives the same dates, and the Roadmap page shows that very plan (and,
    once the workspace has changed under it, plans afresh and says so)."""
    from roadwise.engines.forecast.objectives import planned_leaves
    from roadwise.engines.schedule.roadmap import RoadmapOptions, plan_roadmap
    from roadwise.views.cli.roadmap import save_roadmap
    from roadwise.views.stored_roadmap import replan_sentence

    path = tmp_path / "r.db"
    store = open_store(path)
    ws = generate_sample(seed=7)
    store.replace(ws)
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    app = create_app(str(path), secret_key="test-secret")
    app.state.service.trials = TRIALS
    client = TestClient(app)
    _login(client)
    assert "no roadmap is stored" in html.unescape(client.get("/roadmap").text)
    forecasts = html.unescape(" ".join(client.get("/forecasts").text.split()))
    assert "works its open items in order (in progress first" in forecasts
    before = app.state.service.delivery()
    assert before.simulation.planned == ()

    plan = plan_roadmap(ws, RoadmapOptions(time_limit=1.0, workers=2, baseline=False))
    save_roadmap(store, "roadmap", plan)
    after = app.state.service.delivery()  # the store changed: a fresh run
    assert after.simulation.planned == planned_leaves(plan)
    assert after.dates != before.dates
    page = html.unescape(" ".join(client.get("/roadmap").text.split()))
    assert "This is the stored roadmap 'roadmap' of" in page
    forecasts = html.unescape(" ".join(client.get("/forecasts").text.split()))
    assert "works its open items in the order of stored roadmap 'roadmap' of" in forecasts
    service = app.state.service
    assert service.roadmap_is_of_record()
    shown = {s.key: (s.team, s.start, s.end) for s in service.roadmap().items}
    assert shown == {s.key: (s.team, s.start, s.end) for s in plan.items}
    body = client.get("/api/roadmap").json()
    api = {r["key"]: r for r in body["items"]}
    assert all(api[s.key]["end"] == s.end.isoformat() for s in plan.items)
    # the solver's own plan, unchanged: no drift check
    assert body["replan"] is None and 'id="replan"' not in page
    report = gather(
        service.workspace(),
        {"roadmap_of_record": service.roadmap_of_record()},
        trials=TRIALS,
        steps=("priorities", "forecast"),
    )
    assert report.raw["delivery_forecast"].dates == after.dates
    # An item added since: the page still shows the stored plan, the new item after the stored
    # work of its team (as the forecast works it).
    leaf = ws.item_by_key[plan.items[0].key]
    new = leaf.model_copy(update={"key": "NEW-1", "title": "Added since", "dependencies": []})
    store.upsert_item(new)
    page = html.unescape(" ".join(client.get("/roadmap").text.split()))
    assert "This is the stored roadmap 'roadmap' of" in page
    assert "the stored plan with items added since after it (no solver verdict)" in page
    assert service.roadmap_is_of_record()
    shown = {s.key: s for s in service.roadmap().items}
    assert all(shown[s.key].start == s.start for s in plan.items)
    team_done = max(s.end for s in plan.items if s.team == shown["NEW-1"].team)
    assert shown["NEW-1"].start >= team_done
    # ... and says what re-planning would gain now (the page and the API agree)
    replan = client.get("/api/roadmap").json()["replan"]
    assert replan is not None and replan["gain"] >= 0 and replan["items_moved"] >= 0
    assert replan["worth_it"] == (replan["deadlines_met"] > 0 or replan["share"] >= 0.02)
    gain = service.replan_gain()
    assert replan["items_moved"] == gain.items_moved
    assert replan_sentence(gain, ws.settings.currency) in page
    # A week on: the page shows the stored plan moved on to the new first day, and says so.
    store.modify(lambda w: w.copy_with(as_of=w.as_of + dt.timedelta(days=7)))
    page = html.unescape(" ".join(client.get("/roadmap").text.split()))
    assert "This is the stored roadmap 'roadmap' of" in page
    assert f"moved on from {plan.start} to " in page
    assert "the stored plan moved on to today (no solver verdict)" in page
    assert service.roadmap_is_of_record()
    assert 'id="replan"' in client.get("/roadmap").text
    # An earlier first day to plan from: a plan is never moved back, so the page plans
    # afresh and says so (the forecast still replays the stored order).
    store.modify(lambda w: w.copy_with(as_of=w.as_of - dt.timedelta(days=14)))
    page = html.unescape(" ".join(client.get("/roadmap").text.split()))
    assert "This page plans afresh: the stored roadmap 'roadmap' of" in page
    assert "no longer fits the workspace" in page
    assert not service.roadmap_is_of_record()
    assert service.roadmap_of_record().not_in_plan == ("NEW-1",)


def test_capacity_page_and_api_say_how_likely_every_hard_deadline_is(
    app: Any, headers: dict[str, str]
) -> None:
    with TestClient(app) as client:
        found = client.get("/api/deadlines", headers=headers).json()
        _login(client)
        page = client.get("/capacity").text
    ws = app.state.service.workspace()
    hard = {i.key for i in ws.items if i.is_open and i.deadline and i.deadline.hard}
    chances = [d["chance"] for d in found["deadlines"]]
    assert {d["item"] for d in found["deadlines"]} <= hard and len(chances) >= 2
    assert chances == sorted(chances) and all(0 <= c <= 1 for c in chances)
    assert found["every"] <= chances[0] + 1e-12 and found["trials"] == TRIALS
    assert found["order"] in ("the roadmap of record", "the priority queue")
    assert found["not_replayed"] == [] and isinstance(found["short_because"], str)
    assert f"<strong>{chance_percent(found['every'])}</strong> of {TRIALS}" in page
    least = found["deadlines"][0]
    assert f'<a href="/items/{least["item"]}">{least["item"]}</a>' in page
    if found["with_more_hires"] is not None:
        assert found["more_hires"] and found["with_more_hires"] > found["every"]
        team, people = sorted(found["more_hires"].items())[0]
        name = next(t.name for t in ws.teams if t.key == team)
        assert f"hire {people} on {html.escape(name)}" in page
    else:
        assert found["every"] >= found["target"] or "No hire makes it" in page
    # The change with no hire: the same plan, each team's hard-deadline work first.
    from roadwise.engines.forecast.objectives import (
        QueueOrder,
        deadline_work_first,
        hard_deadline_confidence,
        ranks_from,
    )

    record = app.state.service.roadmap_of_record()
    if found["deadline_first"] is not None:
        assert record is not None and found["deadline_first"] > found["every"]
        ranks = ranks_from(app.state.service.priorities().items)
        again = hard_deadline_confidence(
            ws,
            QueueOrder(ranks, deadline_work_first(ws, record.planned)),
            trials=TRIALS,
            seed=ws.settings.seed,
        )
        assert again == found["deadline_first"]
        assert f"<strong>{chance_percent(found['deadline_first'])}</strong>." in page
    else:
        assert "hard-deadline work first" not in page


def test_the_reports_say_the_same_chance_for_every_hard_deadline(
    app: Any, headers: dict[str, str], reports: Any
) -> None:
    """One replay behind both: the web's chance and the reports' are the same number."""
    from roadwise.views.reports import build_report

    with TestClient(app) as client:
        found = client.get("/api/deadlines", headers=headers).json()
    chances = reports.raw["hard_deadlines"]
    assert chances is not None and found["every"] == chances.every
    assert {d["item"]: d["chance"] for d in found["deadlines"]} == chances.each
    risks = build_report("risks", app.state.service.workspace(), facts=reports)
    section = risks.section("risks")
    assert section is not None
    headline = section.headline
    count = len(chances.each)
    assert f"all {count} hard deadlines hold together in {chance_percent(chances.every)}" in (
        headline
    )
    traced = [e for e in risks.provenance if e.label == "Every hard deadline met together"]
    assert len(traced) == 1 and traced[0].value.startswith(chance_percent(chances.every))


def test_capacity_page_offers_starting_the_deadline_work_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A roadmap of record that does its hard-deadline work last: the page and the API say how
    likely the deadlines are when each team starts that work first, with no hire."""
    from types import SimpleNamespace

    from roadwise.domain import Workspace
    from roadwise.domain.model import Deadline, HistoryRecord, Item, Person, Team, ValueInputs
    from roadwise.engines.forecast.objectives import (
        QueueOrder,
        deadline_work_first,
        expected_cost_of_delay,
        hard_deadline_confidence,
        simulate_workspace,
    )

    start = dt.date(2026, 3, 2)
    due = start + dt.timedelta(weeks=5)
    history = [
        HistoryRecord(
            key=f"H-{week}-{n}",
            team="a",
            created=dt.datetime.combine(start, dt.time(9)) - dt.timedelta(weeks=week, days=9),
            done=dt.datetime.combine(start, dt.time(9)) - dt.timedelta(weeks=week),
        )
        for week in range(1, 27)
        for n in range(1 + week % 2)
    ]
    ws = Workspace(
        name="first",
        as_of=start,
        teams=[Team(key="a", name="Team A", people=[Person(key="p", name="P", skills=["x"])])],
        items=[
            Item(
                key=f"A-{i}",
                title=f"work {i}",
                team="a",
                deadline=Deadline(date=due, hard=True) if i >= 4 else None,
                value=ValueInputs(cost_of_delay=1000.0) if i < 4 else ValueInputs(),
            )
            for i in range(8)
        ],
        history=history,
    )
    path = tmp_path / "w.db"
    store = open_store(path)
    store.replace(ws)
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    store.close()
    web = create_app(str(path), secret_key="test-secret")
    web.state.service.trials = TRIALS
    planned = tuple(
        (f"A-{i}", "a", start + dt.timedelta(days=i), start + dt.timedelta(weeks=8))
        for i in range(8)
    )
    record = SimpleNamespace(
        planned=planned,
        not_in_plan=(),
        describe=lambda: "stored roadmap",
        start=None,
        placements=(),
    )
    monkeypatch.setattr(web.state.service, "roadmap_of_record", lambda: record)
    token = accounts.create_token(web.state.store, "vic", "test")
    with TestClient(web) as client:
        found = client.get("/api/deadlines", headers={"Authorization": f"Bearer {token}"}).json()
        _login(client)
        page = html.unescape(client.get("/capacity").text)
    stored = web.state.service.workspace()
    first = hard_deadline_confidence(
        stored,
        QueueOrder({}, deadline_work_first(stored, planned)),
        trials=TRIALS,
        seed=stored.settings.seed,
    )
    assert found["order"] == "the roadmap of record"
    assert first is not None and found["deadline_first"] == first > found["every"] + 0.2
    assert "each team starting its hard-deadline work first" in page
    assert f"<strong>{chance_percent(first)}</strong>." in page
    # The valued work now waits for the deadline work: priced by its cost of delay.
    runs = [
        simulate_workspace(stored, QueueOrder({}, queue), trials=TRIALS, seed=stored.settings.seed)
        for queue in (planned, deadline_work_first(stored, planned))
    ]
    cost = expected_cost_of_delay(stored, runs[1].forecast) - expected_cost_of_delay(
        stored, runs[0].forecast
    )
    assert cost > 0 and found["deadline_first_cost"] == pytest.approx(cost)
    assert "more cost of delay" in page


def _without_history_of(team: str, older_than_weeks: int | None) -> Any:
    """The sample with ``team``'s delivery history gone, or all moved back past the given
    weeks."""
    from roadwise.domain import Workspace

    ws: Workspace = generate_sample(seed=7)
    if older_than_weeks is None:
        return ws.copy_with(history=[r for r in ws.history if r.team != team])
    mine = [r for r in ws.history if r.team == team]
    last = max(r.done for r in mine)
    back = last - (dt.datetime.combine(ws.as_of, dt.time()) - dt.timedelta(weeks=older_than_weeks))
    moved = [
        r.model_copy(
            update={
                "created": r.created - back,
                "started": r.started - back if r.started else None,
                "done": r.done - back,
            }
        )
        if r.team == team
        else r
        for r in ws.history
    ]
    return ws.copy_with(history=moved)


@pytest.mark.parametrize(
    ("older_than_weeks", "reason"),
    [
        (None, "no delivery history for team {name}"),
        (110, "nothing finished by team {name} in the last 104 weeks"),
    ],
)
def test_work_of_a_team_without_history_cannot_be_dated_rather_than_off_track(
    tmp_path: Path, older_than_weeks: int | None, reason: str
) -> None:
    """A team with nothing finished never finishes in the replay: its objectives' chance of
    0% is no chance at all. The API and the pages say the work cannot be dated and why, as the
    reports do, instead of "off track"."""
    from roadwise.views.reports.model import without_marks

    sample = generate_sample(seed=7)
    team = sample.teams[0]
    ws = _without_history_of(team.key, older_than_weeks)
    path = tmp_path / "w.db"
    store = open_store(path)
    store.replace(ws)
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    token = accounts.create_token(store, "vic")
    store.close()
    app = create_app(str(path), secret_key="test-secret")
    app.state.service.trials = TRIALS
    facts = gather(ws, trials=TRIALS, steps=("priorities", "forecast"))
    why = reason.format(name=team.name)

    with TestClient(app) as client:
        rows = client.get("/api/objectives", headers={"Authorization": f"Bearer {token}"}).json()
        _login(client)
        dashboard = client.get("/").text
        page = client.get("/forecasts").text
    undated = [row for row in rows if row["status"] == "cannot be dated"]
    assert undated and len(undated) < len(rows), "some objectives need the team, some do not"
    for row in rows:
        fc = facts.forecasts[f"objective:{row['key']}"]
        # The same objectives as the reports, for the same reason.
        assert (row["reason"] or "") == without_marks(fc.undated)
        if row["status"] == "cannot be dated":
            assert row["reason"] == why
            assert row["p_due"] is None and row["p85"] is None
        else:
            assert row["reason"] is None and row["p_due"] == fc.p_deadline
    assert "off track" not in dashboard and "off track" not in page
    for row in undated:
        title = html.escape(row["title"])
        block = dashboard.split(title, 1)[1].split("</article>", 1)[0]
        assert "cannot be dated</span>" in block and f"cannot be dated: {why}" in block
        assert "likely by the due date" not in block and "not in sight" not in block
        table_row = page.split(f"<td>{title}</td>", 1)[1].split("</tr>", 1)[0]
        assert f"cannot be dated: {why}" in table_row and "not in sight" not in table_row


@pytest.mark.parametrize(
    ("older_than_weeks", "reason", "waiting"),
    [
        (
            None,
            "no delivery history for team {name}",
            "waits on work of team {name}, which has no delivery history",
        ),
        (
            110,
            "nothing finished by team {name} in the last 104 weeks",
            "waits on work of team {name}, which finished nothing in the last 104 weeks",
        ),
    ],
)
def test_a_team_without_history_is_undated_in_the_team_rows_too(
    tmp_path: Path, older_than_weeks: int | None, reason: str, waiting: str
) -> None:
    """The team's own row on the dashboard, the Forecasts page and /api/forecasts says its work
    cannot be dated and why, in the words of its objectives and of the reports' team load,
    instead of "not in sight". On the sample every other team has work waiting on the team's:
    its dashboard row says it waits on that team, not "not in sight" either."""
    sample = generate_sample(seed=7)
    team = sample.teams[0]
    ws = _without_history_of(team.key, older_than_weeks)
    path = tmp_path / "w.db"
    store = open_store(path)
    store.replace(ws)
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    token = accounts.create_token(store, "vic")
    store.close()
    app = create_app(str(path), secret_key="test-secret")
    app.state.service.trials = TRIALS
    why = reason.format(name=team.name)

    with TestClient(app) as client:
        rows = client.get("/api/forecasts", headers={"Authorization": f"Bearer {token}"}).json()
        objectives = client.get(
            "/api/objectives", headers={"Authorization": f"Bearer {token}"}
        ).json()
        _login(client)
        dashboard = client.get("/").text
        page = client.get("/forecasts").text
    waits = waiting.format(name=team.name)
    by_team = {row["team"]: row for row in rows}
    assert by_team[team.key]["reason"] == why
    assert all(by_team[team.key][p] is None for p in ("p50", "p85", "p95"))
    others = [row for key, row in by_team.items() if key != team.key]
    assert others and all(row["reason"] == waits for row in others)
    assert why in {row["reason"] for row in objectives}  # the objectives' very words
    name = html.escape(team.name)
    team_card = dashboard.split("Team forecasts", 1)[1].split("</table>", 1)[0]
    team_table = page.split("Teams: all the work", 1)[1].split("</table>", 1)[0]
    for table in (team_card, team_table):
        row = table.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0]
        assert f"cannot be dated: {why}" in row and "not in sight" not in row
    others = [r for r in team_card.split("<tr>")[2:] if f"<td>{name}</td>" not in r]
    assert others and all(f"cannot be dated: {html.escape(waits)}" in r for r in others)
    assert "not in sight" not in team_card


def test_with_no_delivery_history_at_all_the_objectives_cannot_be_dated(tmp_path: Path) -> None:
    ws = generate_sample(seed=7).copy_with(history=[])
    path = tmp_path / "w.db"
    store = open_store(path)
    store.replace(ws)
    accounts.add_user(store, "vic", PASSWORD, "viewer")
    token = accounts.create_token(store, "vic")
    store.close()
    app = create_app(str(path), secret_key="test-secret")
    app.state.service.trials = TRIALS
    with TestClient(app) as client:
        rows = client.get("/api/objectives", headers={"Authorization": f"Bearer {token}"}).json()
    from roadwise.views.reports.wording import join_words

    queues = app.state.service.delivery().simulation.queues
    assert rows and all(row["status"] == "cannot be dated" for row in rows)
    for row in rows:
        below = {i.key for i in objective_items(ws, row["key"])}
        names = sorted(
            ws.team_by_key[team].name
            for team, queue in queues.items()
            if any(q.deliverable in below for q in queue)
        )
        s = "s" if len(names) > 1 else ""
        assert row["reason"] == f"no delivery history for team{s} {join_words(names)}"
        assert row["p_due"] is None


def test_an_objective_whose_work_waits_on_a_team_without_history_cannot_be_dated(
    tmp_path: Path,
) -> None:
    """On the sample without the first team's history, the one objective that team does no
    work for is dated. Once a piece of its work waits on that team's, the dashboard and
    /api/objectives say it cannot be dated and name the team it waits on, as the reports do,
    instead of "not in sight" and "off track"."""
    from roadwise.domain.model import Dependency
    from roadwise.engines.forecast.objectives import work_queues
    from roadwise.views.reports.model import without_marks

    sample = generate_sample(seed=7)
    team = sample.teams[0]
    ws = _without_history_of(team.key, None)
    queues = work_queues(ws)
    theirs = {q.item.key for q in queues[team.key]}
    free = [
        o.key
        for o in ws.objectives
        if not theirs & {i.key for i in objective_items(ws, o.key)}
        and any(i.is_open for i in objective_items(ws, o.key))
    ]
    assert free, "the sample has an objective the team does no work for"
    objective = free[0]
    serving = {i.key for i in objective_items(ws, objective)}
    leaf = next(q.item for queue in queues.values() for q in queue if q.item.key in serving)
    waiting = leaf.model_copy(
        update={"dependencies": [*leaf.dependencies, Dependency(item=sorted(theirs)[0])]}
    )
    cases = {
        "before": ws,
        "after": ws.copy_with(items=[waiting if i.key == leaf.key else i for i in ws.items]),
    }
    found: dict[str, tuple[dict[str, Any], str]] = {}
    for case, workspace in cases.items():
        path = tmp_path / f"{case}.db"
        store = open_store(path)
        store.replace(workspace)
        accounts.add_user(store, "vic", PASSWORD, "viewer")
        token = accounts.create_token(store, "vic")
        store.close()
        app = create_app(str(path), secret_key="test-secret")
        app.state.service.trials = TRIALS
        with TestClient(app) as client:
            rows = client.get(
                "/api/objectives", headers={"Authorization": f"Bearer {token}"}
            ).json()
            _login(client)
            dashboard = client.get("/").text
        row = next(r for r in rows if r["key"] == objective)
        title = html.escape(row["title"])
        found[case] = (row, dashboard.split(title, 1)[1].split("</article>", 1)[0])

    before, _ = found["before"]
    assert before["status"] != "cannot be dated" and before["reason"] is None
    assert before["p85"] is not None
    row, block = found["after"]
    waits = f"waits on work of team {team.name}, which has no delivery history"
    assert row["status"] == "cannot be dated" and row["reason"] == waits
    assert row["p_due"] is None and row["p85"] is None
    assert f"cannot be dated: {html.escape(waits)}" in block
    assert "not in sight" not in block and "off track" not in block
    facts = gather(cases["after"], trials=TRIALS, steps=("priorities", "forecast"))
    assert without_marks(facts.forecasts[f"objective:{objective}"].undated) == waits


def test_the_item_count_forecast_is_what_forecast_when_says(
    app: Any, headers: dict[str, str]
) -> None:
    """The page's throughput-only dates and their measured hit rate are `roadwise forecast
    when --items N --team T` (its trials, its backtest's trials, the workspace's seed)."""
    import json

    from typer.testing import CliRunner

    from roadwise.views.cli import app as cli

    ws = app.state.service.workspace()
    parents = {i.parent for i in ws.items if i.parent}
    team = "workflow"
    open_leaves = [i for i in ws.open_items() if i.team == team and i.key not in parents]
    with TestClient(app) as client:
        rows = client.get("/api/forecasts", headers=headers).json()
    row = next(r for r in rows if r["team"] == team)
    db = str(app.state.store.url).removeprefix("sqlite:///")
    result = CliRunner().invoke(
        cli,
        [
            "forecast",
            "when",
            "--items",
            str(len(open_leaves)),
            "--team",
            team,
            "--db",
            db,
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    said = json.loads(result.stdout)
    assert [row["count_p50"], row["count_p85"], row["count_p95"]] == [
        said["dates"]["50"],
        said["dates"]["85"],
        said["dates"]["95"],
    ]
