"""Linear: the GraphQL client against a loopback server, and the CSV export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from roadwise.domain import Status
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
