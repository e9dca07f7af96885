"""Linear: the GraphQL client against a loopback server, and the CSV export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from roadwise.domain import Item, Person, Plan, Scenario, Status, ValueInputs, Workspace
from roadwise.domain.model import ScenarioChange
from roadwise.sources import linear
from roadwise.views.cli import app
from roadwise.workspace import open_store
from tracker_server import Request, Response, serve

runner = CliRunner()
KEY = "lin_api_secret"
T0 = dt.datetime(2025, 11, 1, 9)


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class FakeLinear:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.nodes: dict[str, dict[str, Any]] = {}
        self.rate_limited = 0

    def add(
        self,
        ident: str,
        *,
        updated: dt.datetime,
        state: tuple[str, str] = ("Todo", "unstarted"),
        estimate: float | None = None,
        parent: str | None = None,
        blocked_by: str | None = None,
        started: dt.datetime | None = None,
        completed: dt.datetime | None = None,
        canceled: dt.datetime | None = None,
        archived: dt.datetime | None = None,
    ) -> None:
        self.nodes[ident] = {
            "identifier": ident,
            "title": f"Issue {ident}",
            "description": "",
            "url": f"https://linear.app/acme/issue/{ident}",
            "estimate": estimate,
            "createdAt": iso(T0),
            "updatedAt": iso(updated),
            "startedAt": iso(started) if started else None,
            "completedAt": iso(completed) if completed else None,
            "canceledAt": iso(canceled) if canceled else None,
            "archivedAt": iso(archived) if archived else None,
            "dueDate": "2026-03-01",
            "state": {"name": state[0], "type": state[1]},
            "team": {"key": "ENG", "name": "Engineering"},
            "project": {"name": "Checkout"},
            "cycle": {"number": 12, "name": None},
            "parent": {"identifier": parent} if parent else None,
            "labels": {"nodes": [{"name": "Feature"}]},
            "inverseRelations": {
                "nodes": [{"type": "blocks", "issue": {"identifier": blocked_by}}]
                if blocked_by
                else []
            },
        }

    def __call__(self, request: Request) -> Response:
        if request.headers.get("authorization") != KEY:
            return Response(
                400,
                {
                    "errors": [
                        {
                            "message": "Authentication required, not authenticated",
                            "extensions": {"code": "AUTHENTICATION_ERROR"},
                        }
                    ]
                },
            )
        if self.rate_limited:
            self.rate_limited -= 1
            return Response(
                400,
                {"errors": [{"message": "Rate limit", "extensions": {"code": "RATELIMITED"}}]},
            )
        variables = request.body["variables"]
        flt = variables.get("filter") or {}
        found = sorted(self.nodes.values(), key=lambda n: n["updatedAt"])
        if variables.get("includeArchived") is not True:
            # What Linear does: archived issues only come when asked for.
            found = [n for n in found if not n["archivedAt"]]
        if "updatedAt" in flt:
            found = [n for n in found if n["updatedAt"] >= flt["updatedAt"]["gte"]]
        if "team" in flt:
            found = [n for n in found if n["team"]["key"] == flt["team"]["key"]["eq"]]
        start = int(variables.get("after") or 0)
        chunk = found[start : start + self.page_size]
        end = start + len(chunk)
        return Response(
            body={
                "data": {
                    "issues": {
                        "nodes": chunk,
                        "pageInfo": {"hasNextPage": end < len(found), "endCursor": str(end)},
                    }
                }
            }
        )


def seeded() -> FakeLinear:
    fake = FakeLinear()
    fake.add("ENG-1", updated=T0, state=("In Progress", "started"), started=T0)
    fake.add(
        "ENG-2",
        updated=T0 + dt.timedelta(hours=1),
        state=("Done", "completed"),
        estimate=3,
        parent="ENG-1",
        started=T0 + dt.timedelta(days=1),
        completed=T0 + dt.timedelta(days=4),
    )
    fake.add("ENG-3", updated=T0 + dt.timedelta(hours=2), estimate=5, blocked_by="ENG-2")
    return fake


def sync(url: str, db: str, *extra: str, token: str = KEY) -> tuple[int, str]:
    env = {"ROADWISE_LINEAR_TOKEN": token}
    return run("sync", "linear", "--team", "ENG", "--url", url, "--db", db, *extra, env=env)


def test_graphql_cursor_pages_relations_and_incremental_sync(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        code, out = sync(server.url, db, "--json")
        assert code == 0, out
        assert len(server.requests) == 2  # three issues, two per page
        assert server.requests[1].body["variables"]["after"] == "2"
        ws = open_store(db).load()
        done = ws.item_by_key["ENG-2"]
        assert done.status == Status.DONE and done.parent == "ENG-1"
        assert done.started == T0 + dt.timedelta(days=1)
        assert done.estimate is not None and done.estimate.likely == 3
        assert "sprint:Cycle 12" in done.tags and "project:Checkout" in done.tags
        assert [d.item for d in ws.item_by_key["ENG-3"].dependencies] == ["ENG-2"]
        assert ws.item_by_key["ENG-3"].team == "eng"
        assert [h.key for h in ws.history] == ["ENG-2"]

        fake.add("ENG-3", updated=T0 + dt.timedelta(days=2), state=("Canceled", "canceled"))
        start = len(server.requests)
        code, out = sync(server.url, db, "--json")
        flt = server.requests[start].body["variables"]["filter"]
        assert flt["updatedAt"]["gte"] == iso(T0 + dt.timedelta(hours=2))
    data = json.loads(out)
    assert data["fetched"] == 1 and data["updated"] == 1
    assert open_store(db).load().item_by_key["ENG-3"].status == Status.DROPPED


def test_auth_error_rate_limit_and_malformed_answer(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        code, out = sync(server.url, db, token="lin_api_old")
        assert code == 1 and "ROADWISE_LINEAR_TOKEN" in out
        assert len(out.strip().splitlines()) == 1
        waits: list[float] = []
        fake.rate_limited = 2
        client = linear.LinearClient(KEY, url=server.url, sleep=waits.append)
        assert len(linear.fetch_linear(client, "ENG").issues) == 3
        assert len(waits) == 2
    assert not open_store(db).is_initialized()

    def malformed(request: Request) -> Response:
        if request.body["variables"].get("after"):
            return Response(200, {"data": {"issues": {"nodes": None}}})
        return fake(request)

    with serve(malformed) as server:
        code, out = sync(server.url, db)
        assert code == 1 and "cannot read" in out
    assert not open_store(db).is_initialized()


# --------------------------------------------------------------------------- archived issues


def test_archived_issues_are_seen_on_a_full_sync_and_only_missing_ones_are_gone(
    tmp_path: Path,
) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    later = T0 + dt.timedelta(days=90)
    with serve(fake) as server:
        code, out = sync(server.url, db, "--json")
        assert code == 0, out
        # Linear archives the finished ENG-2 on its own; ENG-3 is deleted.
        fake.add(
            "ENG-2",
            updated=later,
            state=("Done", "completed"),
            estimate=3,
            parent="ENG-1",
            started=T0 + dt.timedelta(days=1),
            completed=T0 + dt.timedelta(days=4),
            archived=later,
        )
        del fake.nodes["ENG-3"]
        start = len(server.requests)
        code, out = sync(server.url, db, "--full", "--json")
        assert code == 0, out
        assert all(r.body["variables"]["includeArchived"] is True for r in server.requests)
        data = json.loads(out)
        assert data["fetched"] == 2 and data["gone"] == ["ENG-3"] and data["pruned"] == []
        assert len(server.requests) - start == 1

        code, out = sync(server.url, db, "--full", "--prune", "--json")
        assert code == 0, out
        data = json.loads(out)
        assert data["gone"] == data["pruned"] == ["ENG-3"]
        assert not any("ENG-2" in w for w in data["warnings"])
    ws = open_store(db).load()
    assert sorted(ws.item_by_key) == ["ENG-1", "ENG-2"]
    archived = ws.item_by_key["ENG-2"]
    assert archived.status == Status.DONE and archived.done == T0 + dt.timedelta(days=4)
    assert archived.parent == "ENG-1"
    assert [h.key for h in ws.history] == ["ENG-2"]
    keys = ws.settings.extra["sync"]["linear"]["ENG"]["keys"]
    assert keys == ["ENG-1", "ENG-2"]


def test_an_issue_completed_and_archived_between_syncs_comes_in_incrementally(
    tmp_path: Path,
) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    done = T0 + dt.timedelta(days=6)
    with serve(fake) as server:
        assert sync(server.url, db)[0] == 0
        fake.add(
            "ENG-3",
            updated=done + dt.timedelta(days=1),
            state=("Done", "completed"),
            estimate=5,
            started=T0 + dt.timedelta(days=3),
            completed=done,
            archived=done + dt.timedelta(days=1),
        )
        code, out = sync(server.url, db, "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["incremental"] is True and data["fetched"] == 1 and data["updated"] == 1
    assert data["history_added"] == 1
    ws = open_store(db).load()
    item = ws.item_by_key["ENG-3"]
    assert item.status == Status.DONE and item.done == done
    record = next(h for h in ws.history if h.key == "ENG-3")
    assert record.done == done and record.points == 5


def test_an_issue_archived_while_open_keeps_its_status_with_a_warning(tmp_path: Path) -> None:
    fake = seeded()
    fake.add("ENG-4", updated=T0 + dt.timedelta(hours=3), archived=T0 + dt.timedelta(hours=3))
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        code, out = sync(server.url, db)
    assert code == 0, out
    assert "ENG-4: archived in linear while still open; kept as ready" in out
    assert "ENG-2: archived" not in out
    assert open_store(db).load().item_by_key["ENG-4"].status == Status.READY


def test_linear_csv_export(tmp_path: Path) -> None:
    path = tmp_path / "linear.csv"
    path.write_text(
        "ID,Team,Title,Description,Status,Estimate,Priority,Project,Labels,Cycle Number,"
        "Cycle Name,Created,Updated,Started,Completed,Canceled,Due Date,Parent issue\n"
        'ENG-1,Engineering,Epic-ish,,In Progress,,High,Checkout,"Feature, UI",,,'
        "2025-11-01T09:00:00.000Z,2025-11-02T09:00:00.000Z,2025-11-02T09:00:00.000Z,,,,\n"
        "ENG-2,Engineering,Card form,,Done,3,Medium,Checkout,Bug,12,Sprint twelve,"
        "Sat Nov 01 2025 09:00:00 GMT+0000 (Coordinated Universal Time),"
        "2025-11-05T09:00:00.000Z,2025-11-02T10:00:00.000Z,2025-11-05T09:00:00.000Z,,"
        "2026-01-10,ENG-1\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "rw.db")
    code, out = run("import", "linear", str(path), "--db", db, "--json")
    assert code == 0, out
    ws = open_store(db).load()
    card = ws.item_by_key["ENG-2"]
    assert card.status == Status.DONE and card.parent == "ENG-1"
    assert card.created == dt.datetime(2025, 11, 1, 9)
    assert card.kind.value == "bug" and "sprint:Sprint twelve" in card.tags
    assert card.deadline is not None and card.deadline.date == dt.date(2026, 1, 10)
    assert ws.item_by_key["ENG-1"].tags[:2] == ["Feature", "UI"]


def test_linear_csv_due_date_is_the_day_as_written_east_of_utc(tmp_path: Path) -> None:
    path = tmp_path / "linear.csv"
    path.write_text(
        "ID,Title,Status,Team,Created,Due Date\n"
        "ENG-1,Checkout redesign,Todo,ENG,"
        "Mon Mar 02 2026 10:00:00 GMT+0200 (Eastern European Standard Time),"
        "Tue Mar 31 2026 00:00:00 GMT+0200 (Eastern European Summer Time)\n"
        "ENG-2,Refunds,Todo,ENG,2026-03-02T10:00:00+02:00,2026-03-31T00:00:00+02:00\n"
        "ENG-3,Receipts,Todo,ENG,2026-03-02T10:00:00Z,2026-03-31\n",
        encoding="utf-8",
    )
    issues = {i.key: i for i in linear.read_linear_csv(path)}
    # Midnight in UTC+2 is still the 30th in UTC: the due date is the day the user chose.
    assert {k: i.due for k, i in issues.items()} == {
        "ENG-1": dt.date(2026, 3, 31),
        "ENG-2": dt.date(2026, 3, 31),
        "ENG-3": dt.date(2026, 3, 31),
    }
    # Timestamps are moments, kept in UTC.
    assert issues["ENG-1"].created == dt.datetime(2026, 3, 2, 8, 0)
    assert issues["ENG-2"].created == dt.datetime(2026, 3, 2, 8, 0)
    assert linear.parse_day("Tue Mar 31 2026 00:00:00 GMT+0200 (EEST)") == dt.date(2026, 3, 31)
    assert linear.parse_day("") is None


# --------------------------------------------------------------------------- saved plans, pruned


def run_split(*args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr apart: notes go to stderr so --json stays one document."""
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.stdout, result.stderr


def planned_workspace(server_url: str, db: str) -> None:
    """Six synced Linear issues, a team of two, a stored release plan and roadmap, scenarios."""
    assert sync(server_url, db)[0] == 0
    store = open_store(db)

    def staff(ws: Workspace) -> Workspace:
        people = [Person(key="ana", name="Ana"), Person(key="bo", name="Bo")]
        items = [
            i.model_copy(update={"value": ValueInputs(cost_of_delay=100.0 * (7 - int(i.key[4:])))})
            for i in ws.items
        ]
        return ws.copy_with(
            teams=[t.model_copy(update={"people": people}) for t in ws.teams], items=items
        )

    store.modify(staff)
    for args in (
        ("plan", "release", "--time-limit", "5"),
        ("plan", "roadmap", "--time-limit", "2", "--workers", "1", "--no-baseline"),
        ("scenario", "add", "lean", "--set", "item:ENG-3.estimate={low: 1, likely: 1, high: 2}"),
        ("scenario", "add", "cut", "--remove", "item:ENG-3", "--remove", "item:ENG-6"),
        ("scenario", "add", "dep", "--set", "item:ENG-4.dependencies=[{item: ENG-3}]"),
        ("scenario", "add", "hire", "--hire", "eng"),
    ):
        code, out, err = run_split(*args, "--db", db)
        assert code == 0, out + err


def six_issues() -> FakeLinear:
    fake = FakeLinear(page_size=50)
    for n in range(1, 7):
        fake.add(f"ENG-{n}", updated=T0 + dt.timedelta(hours=n), estimate=n + 1)
    return fake


def test_pruning_warns_about_each_saved_plan_and_scenario_naming_a_removed_item(
    tmp_path: Path,
) -> None:
    fake = six_issues()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        planned_workspace(server.url, db)
        before = open_store(db).load()
        release = next(p for p in before.plans if p.kind == "release")
        assert "ENG-3" in release.payload["selection"]["items"]
        del fake.nodes["ENG-3"]
        code, out = sync(server.url, db, "--full", "--prune", "--json")
    assert code == 0, out
    data = json.loads(out)
    assert data["pruned"] == ["ENG-3"]
    about = {w.split(" (")[0].split(" names ")[0]: w for w in data["warnings"]}
    assert set(about) == {
        f"saved release plan {release.key}",
        "saved roadmap plan roadmap",
        "scenario lean changes ENG-3, now removed; planning the scenario skips its changes to it",
        "scenario cut changes ENG-3, now removed; planning the scenario skips its changes to it",
        "scenario dep points at ENG-3",
    }
    assert all("ENG-6" not in w and "hire" not in w for w in data["warnings"])
    assert (
        "names ENG-3, now removed; the plan is kept as it was made"
        in (about[f"saved release plan {release.key}"])
    )
    after = open_store(db).load()
    assert "ENG-3" not in after.item_by_key
    # A stored plan records what was decided, and a scenario what someone asked: both kept.
    assert after.plans == before.plans and after.scenarios == before.scenarios


def test_prune_warnings_name_items_not_teams_or_titles_of_the_same_name() -> None:
    from roadwise.sources.tracker_mapping import prune_items

    ws = Workspace(
        name="w",
        items=[Item(key="A", title="A"), Item(key="B", title="B")],
        scenarios=[
            Scenario(
                key="s",
                name="S",
                changes=[ScenarioChange(entity="item", key="B", field="title", value="A")],
            ),
            Scenario(
                key="t",
                name="T",
                changes=[ScenarioChange(entity="item", key="B", field="parent", value="A")],
            ),
        ],
        plans=[
            Plan(
                key="p",
                kind="roadmap",
                created=dt.datetime(2026, 1, 5),
                payload={"items": [{"item": "B", "team": "A"}], "skipped": {"A": "no estimate"}},
            )
        ],
    )
    pruned, warnings = prune_items(ws, ["A"])
    assert [i.key for i in pruned.items] == ["B"]
    assert len(warnings) == 2
    assert warnings[0].startswith("saved roadmap plan p (2026-01-05) names A, now removed")
    assert warnings[1].startswith("scenario t points at A (a parent or dependency)")
    assert prune_items(ws, ["B"])[1] == [
        "saved roadmap plan p (2026-01-05) names B, now removed; the plan is kept as it was "
        "made (plan again for one without it)",
        "scenario s changes B, now removed; planning the scenario skips its changes to it",
        "scenario t changes B, now removed; planning the scenario skips its changes to it",
    ]


def test_readers_cope_with_saved_plans_and_scenarios_naming_a_pruned_item(tmp_path: Path) -> None:
    fake = six_issues()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        planned_workspace(server.url, db)
        del fake.nodes["ENG-3"]
        assert sync(server.url, db, "--full", "--prune")[0] == 0
    quick = ("--time-limit", "1", "--db", db)

    # Scenarios: their changes to the removed item are skipped, with a note on stderr.
    code, out, err = run_split("scenario", "compare", "base", "cut", "--json", *quick)
    assert code == 0, out + err
    assert "note: scenario cut changes ENG-3, which the workspace no longer holds" in err
    moves = {m["item"]: m for m in json.loads(out)["moves"]}
    assert "ENG-3" not in moves and moves["ENG-6"]["end_b"] is None  # the rest still applies
    assert moves["ENG-6"]["end_a"] is not None
    code, out, err = run_split(
        "plan", "roadmap", "--scenario", "lean", "--no-save", "--no-baseline", "--json", *quick
    )
    assert code == 0, out + err
    assert {r["item"] for r in json.loads(out)["items"]} == {f"ENG-{n}" for n in (1, 2, 4, 5, 6)}
    # A dependency on the removed item cannot be skipped without changing what the scenario says.
    code, out, err = run_split("scenario", "compare", "base", "dep", *quick)
    assert code == 1 and "unknown item 'ENG-3'" in err and len(err.strip().splitlines()) == 1
    # Re-planning keeps the stored roadmap's commitments that still exist.
    code, out, err = run_split("plan", "roadmap", "--no-baseline", "--json", *quick)
    assert code == 0, out + err
    assert "ENG-3" not in {r["item"] for r in json.loads(out)["items"]}

    # The web app shows the stored release plan as made, with ENG-3 marked removed.
    from fastapi.testclient import TestClient

    from roadwise.views.web import accounts, create_app

    accounts.add_user(open_store(db), "ann", "correct-horse-battery", "viewer")
    with TestClient(create_app(db, secret_key="k")) as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/login",
            data={"csrf_token": token, "username": "ann", "password": "correct-horse-battery"},
        )
        release = client.get("/api/release").json()
        removed = {r["key"]: r["removed"] for r in release["items"]}
        assert removed["ENG-3"] is True and not any(v for k, v in removed.items() if k != "ENG-3")
        html = client.get("/release").text
        assert 'id="removed-items">ENG-3 is no longer in the workspace' in html
        assert 'href="/items/ENG-3"' not in html and 'href="/items/ENG-4"' in html
        assert 'href="/items/ENG-3"' not in client.get("/").text
        html = client.get("/scenarios?compare=cut").text
        assert 'id="skipped-changes">This scenario changes ENG-3,' in html
        assert 'class="alert" role="alert"' not in html
