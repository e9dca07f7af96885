"""Web pages: names for keys, years on dates, chances against their thresholds, empty tables
that say so, and the Capacity page's tightest skills and over-allocated people as the CLI's."""

from __future__ import annotations

import dataclasses
import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from roadwise.sample import generate_sample
from roadwise.views.cli import app as cli
from roadwise.views.web import accounts, create_app
from roadwise.workspace import open_store

PASSWORD = "correct-horse-battery"
PAGES = [
    "/",
    "/backlog",
    "/release",
    "/roadmap",
    "/forecasts",
    "/capacity",
    "/scenarios",
    "/feedback",
    "/feedback/demand",
    "/decisions",
    "/audit",
    "/reports",
]
runner = CliRunner()


def _with_users(path: Path) -> str:
    store = open_store(path)
    accounts.add_user(store, "ed", PASSWORD, "editor")
    store.close()
    return str(path)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The sample product with a stored roadmap, the plan both the CLI and the pages use."""
    path = tmp_path_factory.mktemp("leftovers") / "w.db"
    store = open_store(path)
    store.replace(generate_sample(seed=7))
    store.close()
    planned = runner.invoke(cli, ["plan", "roadmap", "--db", str(path), "--time-limit", "2"])
    assert planned.exit_code == 0, planned.output
    return _with_users(path)


@pytest.fixture(scope="module")
def app(db: str):  # type: ignore[no-untyped-def]
    return create_app(db, secret_key="test-secret")


def login(client: TestClient) -> str:
    def token(page: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert match, "no CSRF token in the page"
        return match.group(1)

    r = client.post(
        "/login",
        data={
            "csrf_token": token(client.get("/login").text),
            "username": "ed",
            "password": PASSWORD,
            "next": "/",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    return token(client.get("/backlog").text)


@pytest.fixture
def client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app) as c:
        login(c)
        yield c


def words(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# ----------------------------------------------------------------------------- roadmap


def test_roadmap_lists_say_team_names_and_the_year_where_a_span_needs_it(  # type: ignore[no-untyped-def]
    client: TestClient, app
) -> None:
    service = app.state.service
    ws = service.workspace()
    names = {t.key: t.name for t in ws.teams}
    roadmap = service.roadmap()
    entries = {s.key: s for s in (*roadmap.items, *roadmap.rollups)}
    page = client.get("/roadmap").text
    listed = re.findall(
        r'<li><a href="/items/([^"]+)">[^<]*</a>[^<]*<span class="muted small">([^<]*)</span></li>',
        page,
    )
    assert len(listed) >= 20
    crossing = several_teams = 0
    for key, said in listed:
        who, when = html.unescape(said).rsplit(", ", 1)
        s = entries[key]
        teams = s.team.split("+")
        several_teams += len(teams) > 1
        # Every team by the name the timeline below uses, none by its key.
        assert who == " + ".join(names[t] for t in teams), (key, who)
        start, end = when.split("–")
        if s.start.year != s.end.year:
            crossing += 1
            assert str(s.start.year) in start and str(s.end.year) in end, (key, when)
        elif s.start.year != ws.as_of.year:
            assert str(s.end.year) in end, (key, when)
        else:
            assert not re.search(r"\d{4}", when), (key, when)  # this year's dates stay short
    # The sample has both cases, so the checks above were made.
    assert crossing and several_teams


# ----------------------------------------------------------------------------- bulk edit


def test_bulk_edit_summary_says_the_release_and_team_by_name(tmp_path: Path) -> None:
    path = tmp_path / "bulk.db"
    store = open_store(path)
    ws = generate_sample(seed=7)
    store.replace(ws)
    store.close()
    _with_users(path)
    release = ws.cycles.releases[0]
    team = next(t for t in ws.teams if t.name != t.key)
    item = next(i for i in ws.open_items() if i.team != team.key and i.release != release.key)
    with TestClient(create_app(str(path), secret_key="s")) as c:
        token = login(c)
        version = c.app.state.store.get_item(item.key).version  # type: ignore[attr-defined]
        r = c.post(
            "/backlog/bulk",
            data={
                "csrf_token": token,
                "sel": [f"{item.key}:{version}"],
                "status": "in_progress",
                "team": team.key,
                "release": release.key,
            },
        )
    assert r.status_code == 200
    summary = words(re.search(r"<p>Saved .*?</p>", r.text, re.S).group(0))  # type: ignore[union-attr]
    assert f"release → {release.name}" in summary
    assert f"team → {team.name}" in summary
    assert "status → in progress" in summary
    assert f"→ {release.key}" not in summary and f"→ {team.key}" not in summary


# ----------------------------------------------------------------------------- chances


def test_status_chance_never_reads_as_the_line_it_falls_short_of() -> None:
    from roadwise.views.web.pages import status_chance

    assert status_chance(0.849) == "84.9%"
    assert status_chance(0.499) == "49.9%"  # under the at-risk line: off track
    assert status_chance(0.85) == "85%" and status_chance(0.5) == "50%"
    assert status_chance(0.999) == "over 99%" and status_chance(None) == "–"


def test_a_chance_just_under_85_is_not_said_85_beside_at_risk(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(db, secret_key="other")  # caches of its own
    service = app.state.service
    real = service.delivery()
    ws = service.workspace()
    objective = next(
        o
        for o in ws.objectives
        if o.due and real.objective(o.key) and real.objective(o.key).p_deadline is not None
    )
    dates = dict(real.dates)
    key = f"objective:{objective.key}"
    dates[key] = dataclasses.replace(dates[key], p_deadline=0.849)
    just_short = dataclasses.replace(real, dates=dates)
    monkeypatch.setattr(service, "delivery", lambda: just_short)
    row = next(r for r in service.objectives() if r["objective"].key == objective.key)
    if row["reason"]:
        pytest.skip("the sample's objective cannot be dated")
    assert row["status"] == "at risk"
    with TestClient(app) as c:
        login(c)
        dashboard = words(c.get("/").text)
        forecasts = c.get("/forecasts").text
    assert "84.9% likely by the due date" in dashboard
    assert "85% likely by the due date" not in dashboard
    cells = re.search(
        rf"<tr><td>{re.escape(html.escape(objective.title))}</td>.*?</tr>", forecasts, re.S
    )
    assert cells, "the objective's row is missing on the Forecasts page"
    row_words = words(cells.group(0))
    assert "84.9%" in row_words and "at risk" in row_words and "85%" not in row_words


def test_the_hard_deadline_chance_under_the_target_is_not_said_as_the_target(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(db, secret_key="third")
    service = app.state.service
    found = service.deadline_confidence()
    if found is None:
        pytest.skip("the sample has no hard deadline the replay can date")
    chances = found["chances"]
    key = chances.ranked[0][0]
    each = dict(chances.each) | {key: 0.849}
    short = dataclasses.replace(chances, every=0.849, each=each)
    monkeypatch.setattr(service, "deadline_confidence", lambda: found | {"chances": short})
    with TestClient(app) as c:
        login(c)
        page = words(c.get("/capacity").text)
    assert "met together in 84.9% of" in page
    assert "met together in 85% of" not in page
    assert re.search(rf"{re.escape(key)} .*? 84\.9%", page)


# ----------------------------------------------------------------------------- empty


class _Tables(HTMLParser):
    """Tables whose body has no row, and lists without an entry, by the heading before them."""

    def __init__(self) -> None:
        super().__init__()
        self.heading = ""
        self.in_heading = False
        self.rows: list[int] = []
        self.entries: list[int] = []
        self.empty: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h1", "h2", "h3", "caption"):
            self.in_heading, self.heading = True, ""
        elif tag == "tbody":
            self.rows.append(0)
        elif tag == "tr" and self.rows:
            self.rows[-1] += 1
        elif tag in ("ul", "ol"):
            self.entries.append(0)
        elif tag == "li" and self.entries:
            self.entries[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "h2", "h3", "caption"):
            self.in_heading = False
        elif tag == "tbody" and self.rows.pop() == 0:
            self.empty.append(f"table under '{self.heading.strip()}'")
        elif tag in ("ul", "ol") and self.entries and self.entries.pop() == 0:
            self.empty.append(f"list under '{self.heading.strip()}'")

    def handle_data(self, data: str) -> None:
        if self.in_heading:
            self.heading += data


def test_every_table_on_an_empty_workspace_says_it_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    store = open_store(path)
    store.init("Empty", "")
    store.close()
    _with_users(path)
    with TestClient(create_app(str(path), secret_key="e")) as c:
        login(c)
        for page in [*PAGES, "/backlog?q=nothing-like-this", "/audit?entity=item"]:
            r = c.get(page)
            assert r.status_code == 200, page
            tables = _Tables()
            tables.feed(r.text)
            assert not tables.empty, f"{page}: {tables.empty}"
        forecasts = words(c.get("/forecasts").text)
        backlog = words(c.get("/backlog").text)
    assert "No objectives yet." in forecasts
    assert "No items yet" in backlog and "P(top 0)" not in backlog


def test_sample_tables_and_lists_are_never_empty(client: TestClient) -> None:
    for page in [*PAGES, "/backlog?q=nothing-like-this"]:
        tables = _Tables()
        tables.feed(client.get(page).text)
        assert not tables.empty, f"{page}: {tables.empty}"


# ----------------------------------------------------------------------------- capacity


def _cli_capacity(db: str, sprints: int) -> tuple[dict[str, Any], str]:
    as_json = runner.invoke(cli, ["capacity", "--db", db, "--sprints", str(sprints), "--json"])
    assert as_json.exit_code == 0, as_json.output
    text = runner.invoke(cli, ["capacity", "--db", db, "--sprints", str(sprints)])
    assert text.exit_code == 0, text.output
    return json.loads(as_json.output), text.output


def test_capacity_page_shows_the_clis_tightest_skills_and_over_allocated_people(  # type: ignore[no-untyped-def]
    client: TestClient, app, db: str
) -> None:
    shown = len({r.sprint for r in app.state.service.capacity()})  # the sprints on the page
    found, printed = _cli_capacity(db, shown)
    page = client.get("/capacity").text
    ws = app.state.service.workspace()
    names = {t.key: t.name for t in ws.teams}

    # Tightest skills: the CLI's table, row for row (team, skill, sprint, demand, capacity).
    section = printed.split("Tightest skills", 1)[1].split("\n\n", 1)[0]
    cli_rows = re.findall(r"^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", section, re.M)
    assert cli_rows, printed
    table = re.search(r'id="tightest-skills".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table, "no tightest-skills table on the Capacity page"
    web_rows = [
        [words(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]
    assert [(r[0], r[1], r[2], r[4], r[5]) for r in web_rows] == [
        (names[team], skill, sprint, demand, capacity)
        for team, skill, sprint, demand, capacity in cli_rows
    ]

    # Over-allocated people: every person-sprint of the CLI's sprints, the same numbers.
    over = found["over_allocated"]
    assert over, "the sample has no over-allocated people to compare"
    table = re.search(r'id="over-allocated".*?<tbody>(.*?)</tbody>', page, re.S)
    assert table, "no over-allocated table on the Capacity page"
    web_over = [
        (
            re.search(r'data-person="([^"]+)"', tr).group(1),  # type: ignore[union-attr]
            [words(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)],
        )
        for tr in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]
    assert [(p, int(c[2]), c[4], c[5]) for p, c in web_over] == [
        (o["person"], o["sprint"], f"{o['assigned_days']:.1f}", f"{o['capacity_days']:.1f}")
        for o in over
    ]
    # The CLI's sentence: how many, in which sprints, how many more later.
    said = re.search(
        r"\d+ over-allocated person-sprints? in sprints? [\d-]+(?: \(\d+ more in later sprints)?",
        " ".join(printed.split()),
    )
    assert said, printed
    line = words(re.search(r'<p id="over-allocated-line">(.*?)</p>', page, re.S).group(1))  # type: ignore[union-attr]
    assert line.startswith(said.group(0)), (line, said.group(0))
    assert found["over_allocated_later"] == 0 or f"({found['over_allocated_later']} more" in line
