"""GitHub issues through the REST API: issues, labels, milestones, sub-issues, closing dates.

* Authentication: a token (fine-grained with "Issues: read", or classic ``repo``) as
  ``Authorization: Bearer``, from ``ROADWISE_GITHUB_TOKEN``.
* Pagination: the ``Link`` header's ``rel="next"``.
* Pull requests come back from the issues endpoint too; they are left out unless asked for.
* Incremental sync: ``since=<last updated_at>``, kept in ``settings.extra.sync.github``.
* Kinds and statuses come from labels (``bug``, ``epic``, ``in progress``...) through the
  mapping; an estimate from a label such as ``points:3`` or ``estimate: 5``.
* A project (Projects, the boards; GraphQL only) adds what teams plan there: its ``Status``
  for open issues, a number field for the estimate (the mapping's ``estimate_field``, else
  Estimate, Story Points or Points) and the iteration (a ``sprint:`` tag). Moving a card does
  not change the issue, so an incremental sync also fetches the issues whose project entry
  changed since. The token then also needs read access to projects.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

from roadwise.errors import RoadwiseError
from roadwise.sources._http import TrackerHttp
from roadwise.sources._numbers import read_json_number
from roadwise.sources._time import naive_utc
from roadwise.sources.tracker_mapping import (
    DEFAULT_STATUSES,
    TrackerIssue,
    TrackerMapping,
    latest,
)

TOKEN_ENV = "ROADWISE_GITHUB_TOKEN"
API_URL = "https://api.github.com"
PAGE_SIZE = 100
ESTIMATE_FIELDS = ("estimate", "story points", "points")
"""Number fields read as the estimate, first found, when the mapping names none."""
_ESTIMATE_LABEL = re.compile(r"^(?:points?|estimate|sp|size)\s*[:=]?\s*(\d+(?:\.\d+)?)$", re.I)


def parse_time(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return naive_utc(value)


class GitHubClient:
    def __init__(
        self,
        token: str,
        *,
        url: str = API_URL,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        if not token:
            raise RoadwiseError(
                f"no GitHub token: set {TOKEN_ENV} to a token with read access to the issues"
            )
        self.http = TrackerHttp(
            "GitHub",
            url,
            {
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "Authorization": f"Bearer {token}",
            },
            token_env=TOKEN_ENV,
            sleep=sleep,
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def pages(self, url: str, params: dict[str, Any] | None = None) -> Iterator[dict[str, Any]]:
        """Every element of a list endpoint, following ``Link: <...>; rel="next"``."""
        next_url: str | None = url
        first = True
        while next_url:
            response = self.http.send("GET", next_url, params=params if first else None)
            first = False
            try:
                page = response.json()
            except ValueError:
                raise self.http.malformed(
                    f"{response.request.url.path} did not return JSON"
                ) from None
            if not isinstance(page, list) or not all(isinstance(x, dict) for x in page):
                raise self.http.malformed("an issues page that is not a list of issues")
            yield from page
            link = response.links.get("next")
            next_url = link.get("url") if link else None

    def issues(self, repo: str, since: dt.datetime | None = None) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "state": "all",
            "per_page": PAGE_SIZE,
            "sort": "updated",
            "direction": "asc",
        }
        if since is not None:
            params["since"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
        yield from self.pages(f"/repos/{repo}/issues", params)

    def sub_issues(self, repo: str, number: int) -> Iterator[dict[str, Any]]:
        yield from self.pages(f"/repos/{repo}/issues/{number}/sub_issues", {"per_page": PAGE_SIZE})

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        data = self.http.json("GET", f"/repos/{repo}/issues/{number}")
        if not isinstance(data, dict):
            raise self.http.malformed(f"issue {number} that is not an object")
        return data

    def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """``data`` of a GraphQL answer; its errors as one message (``NOT_FOUND`` kept apart,
        so an owner can be tried as an organisation, then as a user)."""
        base = str(self.http.client.base_url).rstrip("/")
        # GitHub Enterprise Server answers REST under /api/v3 and GraphQL at /api/graphql.
        url = base[: -len("/v3")] + "/graphql" if base.endswith("/api/v3") else base + "/graphql"
        body = self.http.json("POST", url, json={"query": query, "variables": variables})
        if not isinstance(body, dict):
            raise self.http.malformed("a GraphQL answer that is not an object")
        # A card on the board whose issue the token cannot read (another, private repository)
        # comes back as null content with an error at its path: not this repository's issue.
        errors = [
            e
            for e in body.get("errors") or []
            if isinstance(e, dict) and "items" not in (e.get("path") or [])
        ]
        if errors and all(e.get("type") == "NOT_FOUND" for e in errors):
            raise _NotFound("; ".join(str(e.get("message", "")) for e in errors))
        if errors:
            message = "; ".join(str(e.get("message", e)) for e in errors)
            raise RoadwiseError(
                f"GitHub rejected the project query ({message[:200]}); the token needs read "
                "access to projects (classic: read:project) (nothing was imported)"
            )
        if not isinstance(body.get("data"), dict):
            raise self.http.malformed("a GraphQL answer without 'data'")
        return body["data"]

    def project_items(self, project: str) -> Iterator[dict[str, Any]]:
        """Every item of project OWNER/NUMBER, an organisation's or else a user's."""
        owner, number = parse_project(project)
        for kind in ("organization", "user"):
            cursor: str | None = None
            try:
                while True:
                    data = self.graphql(
                        _PROJECT_QUERY % kind,
                        {"owner": owner, "number": number, "cursor": cursor},
                    )
                    board = (data.get(kind) or {}).get("projectV2")
                    if not isinstance(board, dict):
                        raise _NotFound(project)
                    items = board.get("items") or {}
                    yield from (n for n in items.get("nodes") or [] if isinstance(n, dict))
                    page = items.get("pageInfo") or {}
                    if not page.get("hasNextPage"):
                        return
                    cursor = page.get("endCursor")
            except _NotFound:
                if cursor is not None:  # the project went away between pages
                    raise RoadwiseError(f"GitHub project {project} vanished while read") from None
                continue
        raise RoadwiseError(
            f"no GitHub project {project}: give --project OWNER/NUMBER, the number in the "
            "project's URL (…/orgs/OWNER/projects/NUMBER or …/users/OWNER/projects/NUMBER), "
            "and check the token can read it",
            field="--project",
        )

    def create_issue(self, repo: str, payload: dict[str, Any]) -> dict[str, Any]:
        data = self.http.json("POST", f"/repos/{repo}/issues", json=payload)
        return data if isinstance(data, dict) else {}


class _NotFound(Exception):
    """GraphQL found no such owner or project (GitHub answers 200 with a NOT_FOUND error)."""


_PROJECT_QUERY = """
query($owner: String!, $number: Int!, $cursor: String) {
  %s(login: $owner) {
    projectV2(number: $number) {
      items(first: 100, after: $cursor) {
        pageInfo { hasNextPage endCursor }
        nodes {
          updatedAt
          content { ... on Issue { number repository { nameWithOwner } } }
          fieldValues(first: 50) {
            nodes {
              ... on ProjectV2ItemFieldNumberValue {
                number field { ... on ProjectV2FieldCommon { name } }
              }
              ... on ProjectV2ItemFieldSingleSelectValue {
                name field { ... on ProjectV2FieldCommon { name } }
              }
              ... on ProjectV2ItemFieldIterationValue {
                title field { ... on ProjectV2FieldCommon { name } }
              }
            }
          }
        }
      }
    }
  }
}
"""


def parse_project(project: str) -> tuple[str, int]:
    owner, _, number = project.strip().rpartition("/")
    if not owner or "/" in owner or not number.isdigit():
        raise RoadwiseError(
            f"--project '{project}' is not OWNER/NUMBER (e.g. acme/3: the number in the "
            "project's URL)",
            field="--project",
        )
    return owner, int(number)


@dataclass(frozen=True)
class ProjectEntry:
    """What a project holds about one issue."""

    number: int
    updated: dt.datetime | None
    status: str | None = None
    estimate: float | None = None
    iteration: str | None = None


def project_entries(
    nodes: Iterator[dict[str, Any]], repo: str, mapping: TrackerMapping
) -> dict[int, ProjectEntry]:
    """The project's issues of ``repo`` by number (draft items, pull requests and other
    repositories' issues left out)."""
    wanted = [mapping.estimate_field.lower()] if mapping.estimate_field else ESTIMATE_FIELDS
    entries: dict[int, ProjectEntry] = {}
    for node in nodes:
        content = node.get("content") or {}
        where = (content.get("repository") or {}).get("nameWithOwner")
        if not isinstance(content.get("number"), int) or str(where).lower() != repo.lower():
            continue
        iteration = None
        numbers: dict[str, object] = {}  # number fields as sent; only the estimate is read
        choices: dict[str, str] = {}  # single-select fields: Status, Size, ...
        for value in (node.get("fieldValues") or {}).get("nodes") or []:
            if not isinstance(value, dict):
                continue
            field_name = str((value.get("field") or {}).get("name") or "").strip().lower()
            if "number" in value:
                if value["number"] is not None:
                    numbers[field_name] = value["number"]
            elif "title" in value and value.get("title"):
                iteration = str(value["title"])
            elif value.get("name"):
                choices[field_name] = str(value["name"])
        number_field = next((n for n in wanted if n in numbers), None)
        # GitHub's planning templates size work with a single-select "Size" (XS ... XL).
        size_field = next((n for n in (*wanted, "size") if n in choices), None)
        estimate: float | None = None
        try:
            if number_field is not None:
                # A number field takes negative numbers, and an estimate is never one.
                estimate = read_json_number(numbers[number_field], at_least=0)
            elif size_field is not None:
                estimate = mapping.estimate_of(choices[size_field])
        except ValueError as exc:
            raise RoadwiseError(
                f"issue #{content['number']} on the project: {exc} (nothing was imported)",
                field=number_field or size_field,
            ) from None
        entries[content["number"]] = ProjectEntry(
            content["number"],
            parse_time(node.get("updatedAt")),
            choices.get("status"),
            estimate,
            iteration,
        )
    return entries


def with_project(issue: TrackerIssue, entry: ProjectEntry) -> TrackerIssue:
    """``issue`` with what its project entry says: the board's status while the issue is open
    (a closed issue is closed whatever its card says), the estimate, the iteration."""
    changes: dict[str, Any] = {}
    if entry.status and issue.status not in ("closed", "not_planned"):
        changes["status"] = entry.status.lower()
    if entry.estimate is not None:
        changes["estimate"] = entry.estimate
    if entry.iteration:
        changes["sprints"] = (entry.iteration,)
    return replace(issue, **changes) if changes else issue


def issue_key(repo: str, number: Any) -> str:
    return f"{repo.split('/')[-1]}#{number}"


def to_tracker_issue(raw: dict[str, Any], repo: str, mapping: TrackerMapping) -> TrackerIssue:
    for name in ("number", "title", "state"):
        if name not in raw:
            raise RoadwiseError(
                f"GitHub sent an issue without '{name}'; check --url points at the GitHub API "
                "(nothing was imported)"
            )
    labels = tuple(
        str(label.get("name") if isinstance(label, dict) else label)
        for label in raw.get("labels") or []
    )
    status = ""
    for label in labels:
        word = label.lower()
        if word in mapping.statuses or word in DEFAULT_STATUSES:
            status = word
            break
    state = str(raw.get("state"))
    if state == "closed":
        status = "not_planned" if raw.get("state_reason") == "not_planned" else "closed"
    elif not status:
        status = "open"
    estimate = None
    for label in labels:
        match = _ESTIMATE_LABEL.match(label.strip())
        if match:
            estimate = float(match.group(1))
            break
    milestone = raw.get("milestone") if isinstance(raw.get("milestone"), dict) else None
    due = parse_time(milestone.get("due_on")) if milestone else None
    return TrackerIssue(
        system="github",
        key=issue_key(repo, raw["number"]),
        title=str(raw.get("title") or ""),
        url=raw.get("html_url"),
        description=str(raw.get("body") or ""),
        kind=str((raw.get("type") or {}).get("name") or "")
        if isinstance(raw.get("type"), dict)
        else "",
        status=status,
        estimate=estimate,
        team=repo.split("/")[-1],
        labels=tuple(
            [
                *labels,
                *(
                    [f"milestone:{milestone['title']}"]
                    if milestone and milestone.get("title")
                    else []
                ),
            ]
        ),
        created=parse_time(raw.get("created_at")),
        done=parse_time(raw.get("closed_at")) if state == "closed" else None,
        due=due.date() if due else None,
        updated=parse_time(raw.get("updated_at")),
    )


@dataclass(frozen=True)
class GitHubFetch:
    issues: list[TrackerIssue]
    skipped_pull_requests: int
    requests: int
    last_updated: dt.datetime | None
    #: Keys of the pull requests left out: still in the tracker, so not gone from it.
    skipped_keys: tuple[str, ...] = ()


def fetch_github(
    client: GitHubClient,
    repo: str,
    mapping: TrackerMapping,
    *,
    since: dt.datetime | None = None,
    pull_requests: bool = False,
    project: str | None = None,
) -> GitHubFetch:
    if repo.count("/") != 1:
        raise RoadwiseError("--repo must be OWNER/NAME, e.g. acme/checkout", field="--repo")
    if project is not None:
        parse_project(project)  # a malformed --project fails before anything is fetched
    raws: dict[int, dict[str, Any]] = {}
    skipped: list[str] = []
    for raw in client.issues(repo, since):
        if "pull_request" in raw and not pull_requests:
            skipped.append(issue_key(repo, raw.get("number", 0)))
            continue
        raws[int(raw.get("number", 0))] = raw
    parents: dict[int, int] = {}
    for number, raw in list(raws.items()):
        summary = raw.get("sub_issues_summary") or {}
        if isinstance(summary, dict) and summary.get("total"):
            for child in client.sub_issues(repo, number):
                child_number = int(child.get("number", 0))
                parents[child_number] = number
                raws.setdefault(child_number, child)
    board: dict[int, ProjectEntry] = {}
    if project is not None:
        board = project_entries(client.project_items(project), repo, mapping)
        for number, entry in board.items():
            moved = since is not None and entry.updated is not None and entry.updated > since
            if moved and number not in raws:
                raws[number] = client.issue(repo, number)
    issues = []
    for number, raw in raws.items():
        issue = to_tracker_issue(raw, repo, mapping)
        if number in board:
            issue = with_project(issue, board[number])
        if number in parents:
            issue = replace(issue, parent=issue_key(repo, parents[number]))
        else:
            issue = replace(issue, parent_known=False)
        issues.append(issue)
    return GitHubFetch(
        issues=issues,
        skipped_pull_requests=len(skipped),
        requests=client.http.requests,
        last_updated=latest(i.updated for i in issues),
        skipped_keys=tuple(skipped),
    )
