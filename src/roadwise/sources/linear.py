"""Linear: the CSV export and the GraphQL API (issues, projects, cycles, estimates, relations).

* Authentication: a personal API key (``lin_api_…``, sent as ``Authorization: <key>``) or an
  OAuth token (``Authorization: Bearer <token>``), from ``ROADWISE_LINEAR_TOKEN``.
* Pagination: Relay cursors (``first`` / ``after``, ``pageInfo { hasNextPage endCursor }``).
* Incremental sync: ``filter: {updatedAt: {gte: <last sync>}}``, kept in
  ``settings.extra.sync.linear``.
* Archived issues: Linear leaves them out of ``issues`` unless asked (``includeArchived``), and
  it archives closed issues on its own after a few months. Roadwise always asks for them: a full
  sync would otherwise call every archived issue gone (and ``--prune`` remove it), and an issue
  completed and archived between two syncs would never bring its completion date in.
* Linear reports errors inside a 200 or 400 answer (``errors[].extensions.code``):
  ``AUTHENTICATION_ERROR`` and ``RATELIMITED`` are told apart from other failures.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadwise.errors import RoadwiseError
from roadwise.sources._csv_rows import csv_rows
from roadwise.sources._errors import not_utf8
from roadwise.sources._http import TrackerHttp
from roadwise.sources._numbers import NumberError, read_json_number, read_number
from roadwise.sources._time import naive_utc
from roadwise.sources.tracker_mapping import TrackerIssue, latest

TOKEN_ENV = "ROADWISE_LINEAR_TOKEN"
API_URL = "https://api.linear.app/graphql"
PAGE_SIZE = 100
MAX_RATE_RETRIES = 5

ISSUES_QUERY = """
query RoadwiseIssues(
  $filter: IssueFilter, $after: String, $first: Int, $includeArchived: Boolean
) {
  issues(
    first: $first, after: $after, filter: $filter, includeArchived: $includeArchived,
    orderBy: updatedAt
  ) {
    nodes {
      identifier title description url estimate
      createdAt updatedAt startedAt completedAt canceledAt archivedAt dueDate
      state { name type }
      team { key name }
      project { name }
      cycle { number name }
      parent { identifier }
      labels { nodes { name } }
      inverseRelations { nodes { type issue { identifier } } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

_JS_DATE = re.compile(r"^\w{3} (\w{3} \d{1,2} \d{4} \d{2}:\d{2}:\d{2}) GMT([+-]\d{4})")


def parse_time(text: Any) -> dt.datetime | None:
    """ISO 8601 (the API, newer exports) or JavaScript's Date string (older exports)."""
    parsed = _as_written(text)
    return naive_utc(parsed) if parsed else None


def parse_day(text: Any) -> dt.date | None:
    """A calendar date (a due date) as written, in the offset it was written with.

    Older exports write a due date as local midnight (``Tue Mar 31 2026 00:00:00 GMT+0200``):
    converted to UTC first, it would fall on the day before for anyone east of UTC.
    """
    parsed = _as_written(text)
    return parsed.date() if parsed else None


def _as_written(text: Any) -> dt.datetime | None:
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    match = _JS_DATE.match(value)
    if match:
        return dt.datetime.strptime(f"{match.group(1)} {match.group(2)}", "%b %d %Y %H:%M:%S %z")
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{text}' is not a date/time (expected ISO 8601)") from None


class LinearClient:
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
                f"no Linear token: set {TOKEN_ENV} to a personal API key "
                "(Linear: Settings > Security & access > Personal API keys)"
            )
        auth = token if token.startswith("lin_api_") else f"Bearer {token}"
        self.sleep = sleep
        self.http = TrackerHttp(
            "Linear",
            url,
            {"Authorization": auth, "Content-Type": "application/json"},
            token_env=TOKEN_ENV,
            sleep=sleep,
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        for _ in range(MAX_RATE_RETRIES + 1):
            response = self.http.send(
                "POST", "", json={"query": query, "variables": variables}, check=False
            )
            try:
                body = response.json()
            except ValueError:
                body = None
            errors = body.get("errors") if isinstance(body, dict) else None
            codes = {
                str((e.get("extensions") or {}).get("code", "")).upper()
                for e in errors or []
                if isinstance(e, dict)
            }
            if "RATELIMITED" in codes:
                reset = response.headers.get("X-RateLimit-Requests-Reset")
                wait = (
                    max(0.0, int(reset) / 1000 - time.time()) if reset and reset.isdigit() else 1.0
                )
                self.sleep(min(wait, 60.0))
                continue
            if response.status_code == 401 or "AUTHENTICATION_ERROR" in codes:
                raise RoadwiseError(
                    f"Linear rejected the token (expired, revoked or wrong); create a new "
                    f"personal API key and set {TOKEN_ENV} (nothing was imported)"
                )
            if errors:
                message = "; ".join(str(e.get("message", e)) for e in errors if isinstance(e, dict))
                raise RoadwiseError(
                    f"Linear rejected the query ({message[:160]}); check --team and the mapping "
                    "(nothing was imported)"
                )
            self.http._checked(response)
            if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
                raise self.http.malformed("an answer without 'data'")
            return body["data"]
        raise RoadwiseError(
            "Linear kept rate-limiting; wait a few minutes and run the sync again "
            "(nothing was imported)"
        )

    def issues(self, team: str | None, since: dt.datetime | None) -> Iterator[dict[str, Any]]:
        flt: dict[str, Any] = {}
        if team:
            flt["team"] = {"key": {"eq": team}}
        if since is not None:
            flt["updatedAt"] = {"gte": since.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
        after: str | None = None
        while True:
            variables = {
                "filter": flt,
                "after": after,
                "first": PAGE_SIZE,
                "includeArchived": True,
            }
            data = self.query(ISSUES_QUERY, variables)
            conn = data.get("issues")
            if (
                not isinstance(conn, dict)
                or not isinstance(conn.get("nodes"), list)
                or not isinstance(conn.get("pageInfo"), dict)
            ):
                raise self.http.malformed("an issues page without 'nodes' or 'pageInfo'")
            yield from conn["nodes"]
            info = conn["pageInfo"]
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            after = str(info["endCursor"])


def _names(conn: Any, key: str = "name") -> list[str]:
    nodes = conn.get("nodes") if isinstance(conn, dict) else None
    return [str(n[key]) for n in nodes or [] if isinstance(n, dict) and n.get(key)]


def to_tracker_issue(node: dict[str, Any]) -> TrackerIssue:
    if not isinstance(node, dict) or not node.get("identifier") or "title" not in node:
        raise RoadwiseError(
            "Linear sent an issue without 'identifier' or 'title'; check --url "
            "(nothing was imported)"
        )
    state = node.get("state") or {}
    blocked_by = [
        str(rel["issue"]["identifier"])
        for rel in (node.get("inverseRelations") or {}).get("nodes") or []
        if isinstance(rel, dict)
        and rel.get("type") == "blocks"
        and isinstance(rel.get("issue"), dict)
    ]
    cycle = node.get("cycle") or {}
    project = node.get("project") or {}
    labels = _names(node.get("labels"))
    if project.get("name"):
        labels.append(f"project:{project['name']}")
    due = node.get("dueDate")
    estimate = None
    if node.get("estimate") is not None:
        try:
            estimate = read_json_number(node["estimate"], at_least=0)
        except NumberError as exc:
            raise RoadwiseError(
                f"Linear issue {node['identifier']}: {exc} (nothing was imported)",
                field="estimate",
            ) from None
    return TrackerIssue(
        system="linear",
        key=str(node["identifier"]),
        title=str(node.get("title") or node["identifier"]),
        url=node.get("url"),
        description=str(node.get("description") or ""),
        status=str(state.get("name") or ""),
        status_category=str(state.get("type") or ""),
        parent=(node.get("parent") or {}).get("identifier"),
        estimate=estimate,
        team=(node.get("team") or {}).get("key"),
        labels=tuple(labels),
        sprints=(str(cycle.get("name") or f"Cycle {cycle['number']}"),)
        if cycle.get("number")
        else (),
        created=parse_time(node.get("createdAt")),
        started=parse_time(node.get("startedAt")),
        done=parse_time(node.get("completedAt")) or parse_time(node.get("canceledAt")),
        due=dt.date.fromisoformat(due) if isinstance(due, str) and len(due) == 10 else None,
        updated=parse_time(node.get("updatedAt")),
        blocked_by=tuple(blocked_by),
        archived=parse_time(node.get("archivedAt")),
    )


@dataclass(frozen=True)
class LinearFetch:
    issues: list[TrackerIssue]
    requests: int
    last_updated: dt.datetime | None


def fetch_linear(
    client: LinearClient, team: str | None, since: dt.datetime | None = None
) -> LinearFetch:
    issues = [to_tracker_issue(node) for node in client.issues(team, since)]
    return LinearFetch(issues, client.http.requests, latest(i.updated for i in issues))


# --------------------------------------------------------------------------- CSV export


def read_linear_csv(path: str | Path) -> list[TrackerIssue]:
    """Linear's CSV export (Settings > Import / export > Export CSV)."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RoadwiseError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, str(path), "export it again as CSV") from None
    table = csv_rows(text, str(path))
    header = table[0] if table else []
    for needed in ("ID", "Title"):
        if needed not in header:
            raise RoadwiseError(
                f"no '{needed}' column: this does not look like a Linear CSV export",
                file=str(path),
                line=1,
            )
    issues = []
    first_row: dict[str, int] = {}
    for row_no, cells in enumerate(table[1:], start=2):
        if not cells:
            continue
        row = dict(zip(header, cells, strict=False))

        def cell(name: str, row: dict[str, str] = row) -> str:
            return (row.get(name) or "").strip()

        def when(name: str, row_no: int = row_no) -> dt.datetime | None:
            try:
                return parse_time(cell(name))
            except ValueError as exc:
                raise RoadwiseError(str(exc), file=str(path), row=row_no, field=name) from None

        def day(name: str, row_no: int = row_no) -> dt.date | None:
            try:
                return parse_day(cell(name))
            except ValueError as exc:
                raise RoadwiseError(str(exc), file=str(path), row=row_no, field=name) from None

        estimate = None
        if cell("Estimate"):
            try:
                estimate = read_number(cell("Estimate"), at_least=0)
            except NumberError as exc:
                raise RoadwiseError(
                    str(exc),
                    file=str(path),
                    row=row_no,
                    field="Estimate",
                ) from None
        labels = [x.strip() for x in cell("Labels").split(",") if x.strip()]
        if cell("Project"):
            labels.append(f"project:{cell('Project')}")
        due = day("Due Date")
        blocked = [x.strip() for x in cell("Blocked by").split(",") if x.strip()]
        key = cell("ID")
        if not key:
            raise RoadwiseError("the issue ID is empty", file=str(path), row=row_no, field="ID")
        if key in first_row:
            raise RoadwiseError(
                f"issue {key} is also in row {first_row[key]}; export each issue once",
                file=str(path),
                row=row_no,
                field="ID",
            )
        first_row[key] = row_no
        issues.append(
            TrackerIssue(
                system="linear",
                key=key,
                title=cell("Title") or key,
                description=cell("Description"),
                status=cell("Status"),
                parent=cell("Parent issue") or None,
                estimate=estimate,
                team=cell("Team") or None,
                labels=tuple(labels),
                sprints=(cell("Cycle Name") or f"Cycle {cell('Cycle Number')}",)
                if cell("Cycle Number")
                else (),
                created=when("Created"),
                started=when("Started"),
                done=when("Completed") or when("Canceled"),
                due=due,
                updated=when("Updated"),
                blocked_by=tuple(blocked),
                archived=when("Archived"),
            )
        )
    return issues
