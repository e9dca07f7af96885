"""GitHub: the REST client against a loopback server serving GitHub's documented shapes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from roadwise.domain import ItemKind, Status
from roadwise.errors import RoadwiseError
from roadwise.sources import github
from roadwise.sources.tracker_mapping import TrackerMapping
from roadwise.views.cli import app
from roadwise.workspace import open_store
from tracker_server import Request, Response, serve

runner = CliRunner()
TOKEN = "ghp_secret"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def stamp(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


T0 = dt.datetime(2025, 11, 1, 9)


class FakeGitHub:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.issues: dict[int, dict[str, Any]] = {}
        self.subs: dict[int, list[int]] = {}
        self.created: list[Any] = []
        self.url = ""
        #: The project acme/3 (owner kind, then number -> its items as GraphQL nodes).
        self.project_owner = "organization"
        self.cards: dict[int, dict[str, Any]] = {}

    def card(
        self,
        number: int,
        *,
        updated: dt.datetime,
        status: str | None = None,
        estimate: float | None = None,
        iteration: str | None = None,
        size: str | None = None,
        repo: str = "acme/shop",
    ) -> None:
        values: list[dict[str, Any]] = [{}]  # a field type the query does not ask for
        if status:
            values.append({"name": status, "field": {"name": "Status"}})
        if estimate is not None:
            values.append({"number": estimate, "field": {"name": "Estimate"}})
        if iteration:
            values.append({"title": iteration, "field": {"name": "Iteration"}})
        if size:
            values.append({"name": size, "field": {"name": "Size"}})
        self.cards[number] = {
            "updatedAt": stamp(updated),
            "content": {"number": number, "repository": {"nameWithOwner": repo}},
            "fieldValues": {"nodes": values},
        }

    def graphql(self, request: Request) -> Response:
        query, variables = request.body["query"], request.body["variables"]
        kind = query.split("(login:")[0].split()[-1]
        if variables["number"] == 5:  # a token without the project scope, as GitHub answers
            message = "Your token has not been granted the required scopes: read:project"
            return Response(body={"errors": [{"type": "INSUFFICIENT_SCOPES", "message": message}]})
        if kind != self.project_owner or variables["owner"] != "acme" or variables["number"] != 3:
            return Response(
                body={
                    "data": {kind: None},
                    "errors": [{"type": "NOT_FOUND", "message": "Could not resolve"}],
                }
            )
        nodes = list(self.cards.values())
        at = int(variables["cursor"] or 0)
        chunk = nodes[at : at + self.page_size]
        more = at + self.page_size < len(nodes)
        page = {"hasNextPage": more, "endCursor": str(at + self.page_size) if more else None}
        items = {"pageInfo": page, "nodes": chunk}
        body: dict[str, Any] = {"data": {kind: {"projectV2": {"items": items}}}}
        hidden = [i for i, node in enumerate(chunk) if node["content"] is None]
        if hidden:  # as GitHub answers for a card in a repository the token cannot read
            body["errors"] = [
                {
                    "type": "FORBIDDEN",
                    "path": [kind, "projectV2", "items", "nodes", i, "content"],
                    "message": "Resource not accessible by personal access token",
                }
                for i in hidden
            ]
        return Response(body=body)

    def add(
        self,
        number: int,
        *,
        updated: dt.datetime,
        labels: tuple[str, ...] = (),
        closed: dt.datetime | None = None,
        reason: str | None = None,
        pull: bool = False,
        milestone: str | None = None,
    ) -> None:
        issue: dict[str, Any] = {
            "id": 1000 + number,
            "number": number,
            "title": f"Issue {number}",
            "body": f"Body {number}",
            "state": "closed" if closed else "open",
            "state_reason": reason,
            "html_url": f"https://github.com/acme/shop/issues/{number}",
            "labels": [{"id": n, "name": name} for n, name in enumerate(labels)],
            "milestone": {"title": milestone, "due_on": "2026-02-01T08:00:00Z"}
            if milestone
            else None,
            "created_at": stamp(T0),
            "updated_at": stamp(updated),
            "closed_at": stamp(closed) if closed else None,
            "sub_issues_summary": {"total": len(self.subs.get(number, [])), "completed": 0},
        }
        if pull:
            issue["pull_request"] = {"url": "https://api.github.com/repos/acme/shop/pulls/1"}
        self.issues[number] = issue

    def page(self, request: Request, found: list[dict[str, Any]]) -> Response:
        page = int(request.query.get("page", 1))
        chunk = found[(page - 1) * self.page_size : page * self.page_size]
        headers = {}
        if page * self.page_size < len(found):
            query = "&".join(f"{k}={v}" for k, v in request.query.items() if k != "page")
            headers["Link"] = (
                f'<{self.url}{request.path}?{query}&page={page + 1}>; rel="next", '
                f'<{self.url}{request.path}?page=99>; rel="last"'
            )
        return Response(body=chunk, headers=headers)

    def __call__(self, request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return Response(
                401, {"message": "Bad credentials", "documentation_url": "https://docs.github.com"}
            )
        if request.path == "/repos/acme/shop/issues" and request.method == "POST":
            self.created.append(request.body)
            return Response(201, {"number": 100 + len(self.created)})
        if request.path == "/graphql" and request.method == "POST":
            return self.graphql(request)
        if request.path.startswith("/repos/acme/shop/issues/") and request.path[-1].isdigit():
            number = int(request.path.rsplit("/", 1)[-1])
            if number in self.issues:
                return Response(body=self.issues[number])
        if request.path == "/repos/acme/shop/issues":
            found = sorted(self.issues.values(), key=lambda i: i["updated_at"])
            since = request.query.get("since")
            if since:
                found = [i for i in found if i["updated_at"] >= since]
            return self.page(request, found)
        parts = request.path.split("/")
        if request.path.endswith("/sub_issues"):
            children = [self.issues[n] for n in self.subs.get(int(parts[-2]), [])]
            return self.page(request, children)
        return Response(404, {"message": "Not Found"})


def seeded() -> FakeGitHub:
    fake = FakeGitHub()
    fake.subs[1] = [2, 3]
    fake.add(1, updated=T0, labels=("epic",), milestone="v2")
    fake.add(2, updated=T0 + dt.timedelta(hours=1), labels=("bug", "points: 3"))
    fake.add(
        3, updated=T0 + dt.timedelta(hours=2), closed=T0 + dt.timedelta(days=3), labels=("ui",)
    )
    fake.add(
        4,
        updated=T0 + dt.timedelta(hours=3),
        closed=T0 + dt.timedelta(days=1),
        reason="not_planned",
    )
    fake.add(5, updated=T0 + dt.timedelta(hours=4), pull=True)
    fake.add(6, updated=T0 + dt.timedelta(hours=5), labels=("in progress",))
    return fake


def sync(url: str, db: str, *extra: str, token: str = TOKEN) -> tuple[int, str]:
    env = {"ROADWISE_GITHUB_TOKEN": token}
    return run("sync", "github", "--repo", "acme/shop", "--url", url, "--db", db, *extra, env=env)


def test_issues_pages_sub_issues_labels_and_pull_requests(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, "--json")
        assert code == 0, out
        listing = [r for r in server.requests if r.path == "/repos/acme/shop/issues"]
        assert len(listing) == 3  # six issues, two per page, followed through the Link header
    data = json.loads(out)
    assert data["pull_requests_skipped"] == 1 and data["added"] == 5
    items = open_store(db).load().item_by_key
    assert "shop#5" not in items
    assert items["shop#1"].kind == ItemKind.EPIC
    assert "milestone:v2" in items["shop#1"].tags
    assert items["shop#1"].deadline is not None
    assert items["shop#2"].kind == ItemKind.BUG and items["shop#2"].parent == "shop#1"
    assert items["shop#2"].estimate is not None and items["shop#2"].estimate.likely == 3
    assert items["shop#3"].status == Status.DONE
    assert items["shop#3"].done == T0 + dt.timedelta(days=3)
    assert items["shop#4"].status == Status.DROPPED
    assert items["shop#6"].status == Status.IN_PROGRESS
    assert items["shop#2"].source is not None
    assert items["shop#2"].source.url == "https://github.com/acme/shop/issues/2"

    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, "--json", "--pull-requests", "--full")
    assert json.loads(out)["added"] == 1  # the pull request, when asked for


def test_incremental_sync_uses_since_and_keeps_parents(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        fake.url = server.url
        assert sync(server.url, db)[0] == 0
        start = len(server.requests)
        fake.add(2, updated=T0 + dt.timedelta(days=5), labels=("bug", "points: 5"))
        code, out = sync(server.url, db, "--json")
        assert code == 0, out
        first = server.requests[start]
        assert first.query["since"] == stamp(T0 + dt.timedelta(hours=5))
    data = json.loads(out)
    # Issue 6 sat on the boundary second and is read again; nothing older is.
    assert data["fetched"] == 2 and data["updated"] == 1 and data["unchanged"] == 1
    item = open_store(db).load().item_by_key["shop#2"]
    # Fetched without its parent this time: the parent from the first sync is kept.
    assert item.parent == "shop#1" and item.estimate is not None and item.estimate.likely == 5


def test_a_project_gives_open_issues_its_status_estimate_and_iteration(tmp_path: Path) -> None:
    """Teams plan on a project board: its Status (for open issues), Estimate field and
    iteration come in with the issues; moving a card, which leaves the issue unchanged, is
    picked up by the next incremental sync."""
    fake = seeded()
    fake.card(1, updated=T0, status="Todo")
    fake.card(2, updated=T0, status="In Progress", estimate=5, iteration="Sprint 7")
    fake.card(3, updated=T0, status="In Progress")  # closed: the issue's state wins
    fake.card(9, updated=T0, status="Done", repo="acme/other")  # another repository's
    fake.cards[10] = {"updatedAt": stamp(T0), "content": None, "fieldValues": {"nodes": []}}
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, "--project", "acme/3", "--json")
        assert code == 0, out
        asked = [r for r in server.requests if r.path == "/graphql"]
        assert len(asked) == 3  # five cards (one the token cannot read), two per page
        assert all(r.headers.get("authorization") == f"Bearer {TOKEN}" for r in asked)
    items = open_store(db).load().item_by_key
    assert items["shop#1"].status == Status.READY
    shop2 = items["shop#2"]
    assert shop2.status == Status.IN_PROGRESS
    assert shop2.estimate is not None and shop2.estimate.likely == 5  # the field, not the label
    assert "sprint:Sprint 7" in shop2.tags
    assert items["shop#3"].status == Status.DONE
    assert items["shop#6"].status == Status.IN_PROGRESS  # no card: its label still counts
    assert "other#9" not in items
    # A card moved a week later; the issue itself did not change.
    fake.card(1, updated=T0 + dt.timedelta(days=7), status="In Progress", estimate=8)
    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, "--project", "acme/3", "--json")
        assert code == 0, out
        assert any(r.path == "/repos/acme/shop/issues/1" for r in server.requests)
        assert not any(r.path == "/repos/acme/shop/issues/2" for r in server.requests)
    shop1 = open_store(db).load().item_by_key["shop#1"]
    assert shop1.status == Status.IN_PROGRESS
    assert shop1.estimate is not None and shop1.estimate.likely == 8


def test_a_users_project_and_a_wrong_one(tmp_path: Path) -> None:
    fake = seeded()
    fake.project_owner = "user"
    fake.card(2, updated=T0, estimate=13)
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, "--project", "acme/3")
        assert code == 0, out
        estimate = open_store(db).load().item_by_key["shop#2"].estimate
        assert estimate is not None and estimate.likely == 13
        # a project that is not there: a clear error, and nothing changes
        before = open_store(db).load()
        code, out = sync(server.url, db, "--project", "acme/4", "--full")
        assert code == 1 and "no GitHub project acme/4" in " ".join(out.split())
        assert open_store(db).load() == before
        code, out = sync(server.url, db, "--project", "acme")
        assert code == 1 and "is not OWNER/NUMBER" in out
        code, out = sync(server.url, db, "--project", "acme/5", "--full")
        flat = " ".join(out.split())
        assert code == 1 and "required scopes: read:project" in flat
        assert "the token needs read access to projects" in flat
        assert open_store(db).load() == before


def test_a_projects_t_shirt_size_is_an_estimate_where_no_number_is_given(
    tmp_path: Path,
) -> None:
    """GitHub's planning templates size work with a single-select Size (XS-XL): it counts as
    points by the mapping's sizes, an Estimate number wins over it, and a size the mapping
    does not know stops the sync with nothing changed."""
    fake = seeded()
    fake.card(1, updated=T0, size="M")
    fake.card(2, updated=T0, size="XL", estimate=2)
    db = str(tmp_path / "rw.db")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("github:\n  sizes: {S: 1, M: 4, L: 9}\n")
    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, "--project", "acme/3")
        assert code == 0, out
        items = open_store(db).load().item_by_key
        assert [items[k].estimate.likely for k in ("shop#1", "shop#2")] == [3, 2]  # type: ignore[union-attr]
        code, out = sync(server.url, db, "--project", "acme/3", "--full", "--mapping", str(mapping))
        assert code == 0, out
        estimate = open_store(db).load().item_by_key["shop#1"].estimate
        assert estimate is not None and estimate.likely == 4
        before = open_store(db).load()
        fake.card(1, updated=T0 + dt.timedelta(days=1), size="XXXL")
        code, out = sync(server.url, db, "--project", "acme/3", "--full", "--mapping", str(mapping))
        flat = " ".join(out.split())
        assert code == 1 and "issue #1 on the project: expected a number (such as" in flat
        assert "or a size of the mapping (S 1, M 4, L 9), got 'XXXL'" in flat
        assert "field 'size'" in flat
        assert open_store(db).load() == before


def test_enterprise_server_answers_graphql_beside_its_rest_api() -> None:
    def handler(request: Request) -> Response:
        if request.path == "/api/graphql":
            return Response(body={"data": {"viewer": {"login": "tpm"}}})
        return Response(404, {"message": "Not Found"})

    with serve(handler) as server:
        client = github.GitHubClient(TOKEN, url=f"{server.url}/api/v3")
        try:
            assert client.graphql("{ viewer { login } }", {}) == {"viewer": {"login": "tpm"}}
        finally:
            client.close()
        assert [r.path for r in server.requests] == ["/api/graphql"]


def test_bad_token_and_malformed_page_change_nothing(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        fake.url = server.url
        code, out = sync(server.url, db, token="expired")
        assert code == 1 and "401" in out and "ROADWISE_GITHUB_TOKEN" in out
        assert len(out.strip().splitlines()) == 1
    assert not open_store(db).is_initialized()

    def malformed(request: Request) -> Response:
        if request.query.get("page") == "2":
            return Response(200, {"message": "not a list"})
        return fake(request)

    with serve(malformed) as server:
        fake.url = server.url
        code, out = sync(server.url, db)
        assert code == 1 and "cannot read" in out
    assert not open_store(db).is_initialized()


def test_rate_limit_headers_are_honoured() -> None:
    fake = seeded()
    waits: list[float] = []
    calls = {"n": 0}

    def limited(request: Request) -> Response:
        calls["n"] += 1
        if calls["n"] == 1:
            return Response(
                403,
                {"message": "API rate limit exceeded"},
                {"x-ratelimit-remaining": "0", "Retry-After": "7"},
            )
        return fake(request)

    with serve(limited) as server:
        fake.url = server.url
        client = github.GitHubClient(TOKEN, url=server.url, sleep=waits.append)
        fetched = github.fetch_github(client, "acme/shop", TrackerMapping())
    assert waits == [7.0] and len(fetched.issues) == 5
    with pytest.raises(RoadwiseError, match="OWNER/NAME"):
        github.fetch_github(client, "shop", TrackerMapping())


def test_export_github_is_a_dry_run_by_default(tmp_path: Path) -> None:
    from roadwise.domain import Item, Workspace

    db = str(tmp_path / "rw.db")
    with open_store(db) as store:
        store.replace(Workspace(items=[Item(key="A", title="Alpha", tags=["api"])]))
    fake = FakeGitHub()
    env = {"ROADWISE_GITHUB_TOKEN": TOKEN}
    with serve(fake) as server:
        code, out = run(
            "export",
            "github",
            "--repo",
            "acme/shop",
            "--url",
            server.url,
            "--db",
            db,
            "--json",
            env=env,
        )
        assert code == 0 and json.loads(out)["applied"] is False and fake.created == []
        code, out = run(
            "export",
            "github",
            "--repo",
            "acme/shop",
            "--url",
            server.url,
            "--db",
            db,
            "--apply",
            env=env,
        )
        assert code == 0, out
    assert fake.created == [{"title": "Alpha", "body": "", "labels": ["story", "api"]}]


def test_export_github_keeps_a_tag_holding_a_semicolon_one_label(tmp_path: Path) -> None:
    from roadwise.domain import Item, Workspace

    db = str(tmp_path / "rw.db")
    tags = ["api;v2", "needs review"]
    with open_store(db) as store:
        store.replace(Workspace(items=[Item(key="A", title="Alpha", tags=tags)]))
    fake = FakeGitHub()
    with serve(fake) as server:
        args = ("export", "github", "--repo", "acme/shop", "--url", server.url, "--db", db)
        code, out = run(*args, "--apply", env={"ROADWISE_GITHUB_TOKEN": TOKEN})
        assert code == 0, out
    assert fake.created == [{"title": "Alpha", "body": "", "labels": ["story", *tags]}]


def test_full_sync_prunes_a_deleted_issue_but_not_pull_requests_left_out(tmp_path: Path) -> None:
    fake = seeded()
    db = str(tmp_path / "rw.db")
    with serve(fake) as server:
        fake.url = server.url
        assert sync(server.url, db, "--pull-requests")[0] == 0
        assert "shop#5" in open_store(db).load().item_by_key
        del fake.issues[6]  # deleted (or transferred to another repository)
        code, out = sync(server.url, db, "--full", "--json")
        assert code == 0, out
        assert json.loads(out)["gone"] == ["shop#6"]  # the pull request is still there
        code, out = sync(server.url, db, "--full", "--prune", "--json")
        assert code == 0, out
        assert json.loads(out)["pruned"] == ["shop#6"]
    items = open_store(db).load().item_by_key
    assert "shop#6" not in items and "shop#5" in items
