"""Jira's REST API: Jira Cloud (v3) and Jira Data Center / Server (v2).

* Authentication: Cloud takes an API token with the account's e-mail (HTTP basic
  ``email:token``); Data Center takes a personal access token (``Authorization: Bearer``).
* Search: the classic ``/search`` (``startAt`` / ``maxResults`` / ``total``) and Cloud's newer
  ``/search/jql`` (``nextPageToken`` / ``isLast``), with the changelog expanded so that the
  times work started and finished come from the status transitions.
* Fields: the story-point, sprint and epic-link custom fields are found by name through
  ``/field``, so the same code works on every instance.
* Incremental sync: ``updated >= "<last sync>"`` in the JQL; the time is kept in the
  workspace settings (``settings.extra.sync.jira``).

Everything is fetched before anything is stored: a failure part-way leaves the workspace as it
was.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roadwise.errors import RoadwiseError
from roadwise.sources._http import TrackerHttp
from roadwise.sources._numbers import read_json_number
from roadwise.sources._time import naive_utc
from roadwise.sources.tracker_mapping import (
    TrackerIssue,
    TrackerMapping,
)

TOKEN_ENV = "ROADWISE_JIRA_TOKEN"
EMAIL_ENV = "ROADWISE_JIRA_EMAIL"
PAGE_SIZE = 100
ESTIMATE_NAMES = ("Story Points", "Story point estimate", "Story points")
_DC_SPRINT_NAME = re.compile(r"name=([^,\]]*)")


def parse_time(text: str | None) -> dt.datetime | None:
    """Jira's timestamps (``2025-11-21T15:04:05.000+0000``) as naive UTC."""
    if not text:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return naive_utc(dt.datetime.strptime(text, fmt))
        except ValueError:
            continue
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return naive_utc(value)


def adf_text(node: Any) -> str:
    """Plain text of an Atlassian Document Format description (Cloud v3)."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if isinstance(node, list):
        return "".join(adf_text(n) for n in node)
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    if node.get("type") == "hardBreak":
        return "\n"
    inner = adf_text(node.get("content"))
    block = node.get("type") in ("paragraph", "heading", "listItem", "codeBlock", "blockquote")
    return inner + ("\n" if block else "")


@dataclass
class JiraFields:
    """Custom field ids on this instance, found by name."""

    estimate: str | None = None
    sprint: str | None = None
    epic_link: str | None = None
    names: dict[str, str] = field(default_factory=dict)


class JiraClient:
    def __init__(
        self,
        url: str,
        token: str,
        *,
        email: str | None = None,
        api_version: str | None = None,
        search_api: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 30.0,
    ) -> None:
        if not token:
            raise RoadwiseError(
                f"no Jira token: set {TOKEN_ENV} (Cloud: an API token plus {EMAIL_ENV}; "
                "Data Center: a personal access token)"
            )
        self.url = url.rstrip("/")
        # Cloud's API tokens go with an e-mail address; Data Center's PATs stand alone.
        self.api_version = api_version or ("3" if email else "2")
        self.search_api = search_api or ("jql" if self.api_version == "3" else "classic")
        headers = {} if email else {"Authorization": f"Bearer {token}"}
        self.http = TrackerHttp(
            "Jira",
            self.url,
            headers,
            token_env=TOKEN_ENV,
            auth=(email, token) if email else None,
            sleep=sleep,
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    @property
    def api(self) -> str:
        return f"/rest/api/{self.api_version}"

    # ------------------------------------------------------------------ look-ups

    def fields(self, estimate_name: str | None = None) -> JiraFields:
        data = self.http.json("GET", f"{self.api}/field")
        if not isinstance(data, list):
            raise self.http.malformed("/field did not return a list of fields")
        names: dict[str, str] = {}
        for entry in data:
            if isinstance(entry, dict) and "id" in entry and "name" in entry:
                names[str(entry["name"]).lower()] = str(entry["id"])
        found = JiraFields(names=names)
        if estimate_name:
            found.estimate = names.get(estimate_name.lower()) or (
                estimate_name if estimate_name in names.values() else None
            )
            if found.estimate is None:
                raise RoadwiseError(
                    f"Jira has no field '{estimate_name}' any more (renamed or deleted?); set "
                    "estimate_field in the mapping file to the field's current name "
                    "(nothing was imported)"
                )
        else:
            found.estimate = next(
                (names[n.lower()] for n in ESTIMATE_NAMES if n.lower() in names), None
            )
        found.sprint = names.get("sprint")
        found.epic_link = names.get("epic link")
        return found

    def status_categories(self) -> dict[str, str]:
        """Status name (lower case) -> category key (new, indeterminate, done)."""
        data = self.http.json("GET", f"{self.api}/status")
        if not isinstance(data, list):
            raise self.http.malformed("/status did not return a list of statuses")
        out = {}
        for entry in data:
            if isinstance(entry, dict) and entry.get("name"):
                category = (entry.get("statusCategory") or {}).get("key", "")
                out[str(entry["name"]).lower()] = str(category)
        return out

    # ------------------------------------------------------------------ search

    def search(self, jql: str, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
        """Every issue the JQL finds, page by page, with its changelog."""
        params: dict[str, Any] = {
            "jql": jql,
            "maxResults": PAGE_SIZE,
            "fields": ",".join(fields),
            "expand": "changelog",
        }
        if self.search_api == "jql":
            token: str | None = None
            while True:
                page = self._page(
                    f"{self.api}/search/jql",
                    {**params, **({"nextPageToken": token} if token else {})},
                )
                yield from page["issues"]
                token = page.get("nextPageToken")
                if page.get("isLast", not token) or not token:
                    return
        start = 0
        while True:
            page = self._page(f"{self.api}/search", {**params, "startAt": start})
            issues = page["issues"]
            yield from issues
            total = page.get("total")
            start += len(issues)
            if not issues or not isinstance(total, int) or start >= total:
                return

    def _page(self, url: str, params: Mapping[str, Any]) -> dict[str, Any]:
        page = self.http.json("GET", url, params=dict(params))
        if not isinstance(page, dict) or not isinstance(page.get("issues"), list):
            raise self.http.malformed("a search page without an 'issues' list")
        for issue in page["issues"]:
            if (
                not isinstance(issue, dict)
                or "key" not in issue
                or not isinstance(issue.get("fields"), dict)
            ):
                raise self.http.malformed("an issue without 'key' or 'fields'")
        return page

    def full_changelog(self, issue: dict[str, Any]) -> list[dict[str, Any]]:
        """The issue's status history; fetched separately when the search truncated it."""
        changelog = issue.get("changelog") or {}
        histories = list(changelog.get("histories") or [])
        total = changelog.get("total")
        if not isinstance(total, int) or total <= len(histories):
            return histories
        if self.api_version == "2":
            # Data Center has no changelog endpoint; the issue itself carries the whole history.
            full = self.http.json(
                "GET",
                f"{self.api}/issue/{issue['key']}",
                params={"expand": "changelog", "fields": "status"},
            )
            found = (
                (full.get("changelog") or {}).get("histories") if isinstance(full, dict) else None
            )
            if not isinstance(found, list):
                raise self.http.malformed("an issue without its changelog")
            return found
        histories = []
        start = 0
        while True:
            page = self.http.json(
                "GET",
                f"{self.api}/issue/{issue['key']}/changelog",
                params={"startAt": start, "maxResults": PAGE_SIZE},
            )
            if not isinstance(page, dict) or not isinstance(page.get("values"), list):
                raise self.http.malformed("a changelog page without 'values'")
            histories.extend(page["values"])
            start += len(page["values"])
            if page.get("isLast", True) or not page["values"]:
                return histories

    # ------------------------------------------------------------------ write-back

    def update_issue(self, key: str, fields: Mapping[str, Any]) -> None:
        self.http.send("PUT", f"{self.api}/issue/{key}", json={"fields": dict(fields)})

    def rank_order(self, keys: Sequence[str]) -> list[str]:
        """The issues in Jira's rank order (the board's order)."""
        if not keys:
            return []
        jql = f"issuekey in ({', '.join(keys)}) ORDER BY Rank ASC"
        return [str(issue["key"]) for issue in self.search(jql, ["summary"])]

    def rank_after(self, key: str, after: str) -> None:
        # Jira Software's agile API; ranking is not part of the platform REST API.
        self.http.send(
            "PUT", "/rest/agile/1.0/issue/rank", json={"issues": [key], "rankAfterIssue": after}
        )

    def board_sprints(self, board: int) -> list[BoardSprint]:
        """The board's active and future sprints (Jira Software's agile API), page by page."""
        sprints: list[BoardSprint] = []
        start = 0
        while True:
            page = self.http.json(
                "GET",
                f"/rest/agile/1.0/board/{board}/sprint",
                params={"state": "active,future", "startAt": start, "maxResults": 50},
            )
            if not isinstance(page, dict) or not isinstance(page.get("values"), list):
                raise self.http.malformed("a sprint page without 'values'")
            for sprint in page["values"]:
                try:
                    sprints.append(
                        BoardSprint(
                            id=int(sprint["id"]),
                            name=str(sprint["name"]),
                            state=str(sprint.get("state", "")),
                            start=_day(sprint.get("startDate")),
                            end=_day(sprint.get("endDate")),
                        )
                    )
                except (KeyError, TypeError, ValueError):
                    raise self.http.malformed("a sprint without an id or a name") from None
            start += len(page["values"])
            if page.get("isLast", True) or not page["values"]:
                return sprints

    def create_sprint(self, board: int, name: str, start: dt.date, end: dt.date) -> BoardSprint:
        """A new future sprint on ``board`` from ``start`` to ``end`` (Jira Software's agile
        API; Jira takes times, so it starts at 09:00 UTC on ``start`` and ends at 17:00 UTC on
        the day before ``end``)."""
        last = end - dt.timedelta(days=1)
        created = self.http.json(
            "POST",
            "/rest/agile/1.0/sprint",
            json={
                "name": name,
                "originBoardId": board,
                "startDate": f"{start.isoformat()}T09:00:00.000Z",
                "endDate": f"{max(start, last).isoformat()}T17:00:00.000Z",
            },
        )
        try:
            return BoardSprint(
                id=int(created["id"]),
                name=str(created.get("name", name)),
                state=str(created.get("state", "future")),
                start=start,
                end=end,
            )
        except (KeyError, TypeError, ValueError):
            raise self.http.malformed("a created sprint without an id") from None

    def move_to_sprint(self, sprint: int, keys: Sequence[str]) -> None:
        # At most 50 issues per request (Jira Software's documented limit).
        for first in range(0, len(keys), 50):
            self.http.send(
                "POST",
                f"/rest/agile/1.0/sprint/{sprint}/issue",
                json={"issues": list(keys[first : first + 50])},
            )


# --------------------------------------------------------------------------- issues to records


def _sprint_names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for entry in value:
        if isinstance(entry, dict) and entry.get("name"):
            names.append(str(entry["name"]))
        elif isinstance(entry, str):
            # Data Center: "com.atlassian.greenhopper...Sprint@1[id=1,name=Sprint 1,...]"
            match = _DC_SPRINT_NAME.search(entry)
            names.append(match.group(1) if match else entry)
    return tuple(names)


def status_times(
    histories: Sequence[dict[str, Any]], category_of: Callable[[str], str]
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """When work started (first move into an in-progress status) and finished (last move
    into a done status, unless it was reopened afterwards)."""
    moves = []
    for history in histories:
        when = parse_time(history.get("created"))
        for change in history.get("items") or []:
            if change.get("field") == "status" and when is not None:
                moves.append((when, category_of(str(change.get("toString") or ""))))
    moves.sort(key=lambda m: m[0])
    started = next((t for t, c in moves if c in ("indeterminate", "done")), None)
    done = moves[-1][0] if moves and moves[-1][1] == "done" else None
    return started, done


def to_tracker_issue(
    raw: dict[str, Any],
    histories: Sequence[dict[str, Any]],
    fields: JiraFields,
    categories: Mapping[str, str],
    base_url: str,
    mapping: TrackerMapping | None = None,
) -> TrackerIssue:
    f = raw["fields"]
    status = f.get("status") or {}
    status_name = str(status.get("name") or "")
    category = str(
        (status.get("statusCategory") or {}).get("key") or categories.get(status_name.lower(), "")
    )

    def category_of(name: str) -> str:
        return categories.get(name.lower(), "")

    started, finished = status_times(histories, category_of)
    sent = f.get(fields.estimate) if fields.estimate else None
    if isinstance(sent, dict):  # a select field: {"value": "M", "id": ...}
        sent = sent.get("value")
    estimate: float | None = None
    try:
        if isinstance(sent, str):
            if sent.strip():
                estimate = (mapping or TrackerMapping()).estimate_of(sent)
        elif sent is not None:
            estimate = read_json_number(sent, at_least=0)
    except ValueError as exc:
        raise RoadwiseError(
            f"Jira issue {raw['key']}: {exc} (nothing was imported)", field=fields.estimate
        ) from None
    parent = (f.get("parent") or {}).get("key") if isinstance(f.get("parent"), dict) else None
    if parent is None and fields.epic_link and isinstance(f.get(fields.epic_link), str):
        parent = f[fields.epic_link]
    blocked_by = []
    for link in f.get("issuelinks") or []:
        if not isinstance(link, dict):
            continue
        kind = (link.get("type") or {}).get("name", "")
        inward = link.get("inwardIssue")
        if kind.lower() == "blocks" and isinstance(inward, dict) and inward.get("key"):
            blocked_by.append(str(inward["key"]))
    project = f.get("project") or {}
    due = f.get("duedate")
    description = f.get("description")
    return TrackerIssue(
        system="jira",
        key=str(raw["key"]),
        title=str(f.get("summary") or raw["key"]),
        url=f"{base_url}/browse/{raw['key']}",
        description=adf_text(description) if not isinstance(description, str) else description,
        kind=str((f.get("issuetype") or {}).get("name") or ""),
        status=status_name,
        status_category={"new": "to do", "indeterminate": "in progress"}.get(category, category),
        parent=parent,
        estimate=estimate,
        team=str(project.get("key")) if project.get("key") else None,
        labels=tuple(str(x) for x in f.get("labels") or []),
        sprints=_sprint_names(f.get(fields.sprint)) if fields.sprint else (),
        created=parse_time(f.get("created")),
        started=started,
        done=parse_time(f.get("resolutiondate")) or finished,
        due=dt.date.fromisoformat(due) if isinstance(due, str) and len(due) == 10 else None,
        updated=parse_time(f.get("updated")),
        blocked_by=tuple(blocked_by),
    )


@dataclass(frozen=True)
class JiraFetch:
    issues: list[TrackerIssue]
    jql: str
    requests: int
    #: The newest ``updated`` in Jira's own (the user's) time zone: the next sync's JQL bound.
    last_updated: dt.datetime | None


def jql_for(project: str | None, jql: str | None, since: dt.datetime | None) -> str:
    if jql:
        # The caller's ORDER BY would end up inside the parentheses; Roadwise orders by update.
        base = re.sub(r"\s+order\s+by\s+.*$", "", jql.strip(), flags=re.I | re.S)
    elif project:
        base = f'project = "{project}"'
    else:
        raise RoadwiseError("say what to sync: --project KEY or --jql QUERY")
    if since is not None:
        # JQL takes minutes; ">=" re-reads the boundary minute rather than missing an edit in it.
        base = f'({base}) AND updated >= "{since:%Y/%m/%d %H:%M}"'
    return f"{base} ORDER BY updated ASC"


def fetch_jira(
    client: JiraClient,
    mapping: TrackerMapping,
    *,
    project: str | None = None,
    jql: str | None = None,
    since: dt.datetime | None = None,
) -> JiraFetch:
    """Everything the sync needs, fetched and checked before anything is stored."""
    fields = client.fields(mapping.estimate_field)
    categories = client.status_categories()
    query = jql_for(project, jql, since)
    wanted = [
        "summary",
        "description",
        "issuetype",
        "status",
        "parent",
        "project",
        "labels",
        "created",
        "updated",
        "resolutiondate",
        "duedate",
        "issuelinks",
        *(f for f in (fields.estimate, fields.sprint, fields.epic_link) if f),
    ]
    issues = []
    newest: dt.datetime | None = None
    for raw in client.search(query, wanted):
        histories = client.full_changelog(raw)
        issues.append(to_tracker_issue(raw, histories, fields, categories, client.url, mapping))
        stamp = _aware(raw["fields"].get("updated"))
        if stamp is not None and (newest is None or stamp > newest):
            newest = stamp
    # JQL reads times in the user's time zone, the one Jira writes its timestamps in: keep the
    # newest update as Jira showed it (its own offset dropped), not converted to UTC.
    return JiraFetch(
        issues=issues,
        jql=query,
        requests=client.http.requests,
        last_updated=newest.replace(tzinfo=None) if newest else None,
    )


def _aware(text: Any) -> dt.datetime | None:
    if not isinstance(text, str):
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


# --------------------------------------------------------------------------- write-back


@dataclass(frozen=True)
class WriteBack:
    """One planned change to a Jira issue: ``field`` from ``current`` to ``planned``."""

    key: str
    field: str
    current: str
    planned: str


def planned_changes(
    items: Sequence[Any], plan_rows: Sequence[Mapping[str, Any]]
) -> list[WriteBack]:
    """Due dates a stored roadmap plans for Jira items, compared with what Jira has now."""
    by_key = {i.key: i for i in items if i.source is not None and i.source.system == "jira"}
    changes = []
    for row in plan_rows:
        item = by_key.get(str(row.get("item") or row.get("key") or ""))
        end = row.get("end") or row.get("finish")
        if item is None or not end:
            continue
        planned = str(end)[:10]
        current = item.deadline.date.isoformat() if item.deadline else ""
        if planned != current:
            changes.append(WriteBack(item.source.key, "duedate", current, planned))
    return changes


def planned_order(items: Sequence[Any], plan_rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Jira keys of the planned items in the order the roadmap starts them."""
    by_key = {i.key: i for i in items if i.source is not None and i.source.system == "jira"}
    rows = [
        r
        for r in plan_rows
        if str(r.get("item") or "") in by_key and r.get("level", "leaf") == "leaf"
    ]
    rows.sort(key=lambda r: (str(r.get("start") or ""), str(r.get("end") or "")))
    return [by_key[str(r["item"])].source.key for r in rows]


def rank_changes(current: Sequence[str], planned: Sequence[str]) -> list[WriteBack]:
    """Where each planned issue sits in Jira's rank order now, and where the plan puts it."""
    now = {key: n for n, key in enumerate(k for k in current if k in set(planned))}
    return [
        WriteBack(key, "rank", str(now[key] + 1), str(n + 1))
        for n, key in enumerate(planned)
        if key in now and now[key] != n
    ]


def _day(value: Any) -> dt.date | None:
    """A sprint's start or end ("2027-01-04T09:00:00.000Z") as a day; None when absent."""
    if not isinstance(value, str) or not value:
        return None
    when = parse_time(value)
    if when is None:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return when.date()


@dataclass(frozen=True)
class BoardSprint:
    """An active or future sprint of a Jira board."""

    id: int
    name: str
    state: str
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class SprintPlan:
    """Where the roadmap puts each planned Jira issue among the board's sprints."""

    changes: tuple[WriteBack, ...]
    """``field="sprint"``: from the sprint Jira had at the last sync to the board's sprint."""
    target: Mapping[str, int]
    """Jira key -> the board sprint's id, for each change."""
    unmatched: tuple[tuple[str, dt.date, int], ...]
    """(Roadwise sprint name, its first day, issues planned into it) with no board sprint."""

    def to_create(self, cycles: Any) -> list[tuple[str, dt.date, dt.date, int]]:
        """(name, first day, day after its last, issues planned into it) of each planned
        sprint the board lacks."""
        length = dt.timedelta(days=cycles.sprint_length_days)
        return [(name, start, start + length, n) for name, start, n in self.unmatched]


def board_sprint_for(
    sprints: Sequence[BoardSprint], name: str, start: dt.date
) -> BoardSprint | None:
    """The board's sprint for a Roadwise sprint: the one whose dates hold its first day, else
    the one of the same name (future sprints often have no dates yet), else none."""
    for sprint in sprints:
        if (
            sprint.start is not None
            and sprint.end is not None
            and sprint.start <= start < sprint.end
        ):
            return sprint
    return next((s for s in sprints if s.name.casefold() == name.casefold()), None)


def sprint_changes(
    items: Sequence[Any],
    plan_rows: Sequence[Mapping[str, Any]],
    cycles: Any,
    sprints: Sequence[BoardSprint],
) -> SprintPlan:
    """For each planned Jira issue (leaf items only: epics are not in sprints), the board
    sprint its planned start falls in, where that differs from the sprint Jira had at the last
    sync (the item's ``sprint:`` tag). An issue that spans several sprints goes into the one
    it starts in; Jira carries unfinished issues over."""
    by_key = {i.key: i for i in items if i.source is not None and i.source.system == "jira"}
    changes: list[WriteBack] = []
    target: dict[str, int] = {}
    missing: dict[int, int] = {}
    for row in plan_rows:
        item = by_key.get(str(row.get("item") or ""))
        index = row.get("sprint")
        if item is None or row.get("level", "leaf") != "leaf" or not isinstance(index, int):
            continue
        name = cycles.sprint_name(index)
        sprint = board_sprint_for(sprints, name, cycles.sprint_start(index))
        if sprint is None:
            missing[index] = missing.get(index, 0) + 1
            continue
        current = next(
            (t.removeprefix("sprint:") for t in item.tags if t.startswith("sprint:")), ""
        )
        if current.casefold() != sprint.name.casefold():
            changes.append(WriteBack(item.source.key, "sprint", current, sprint.name))
            target[item.source.key] = sprint.id
    unmatched = tuple(
        (cycles.sprint_name(i), cycles.sprint_start(i), n) for i, n in sorted(missing.items())
    )
    return SprintPlan(tuple(changes), target, unmatched)


def apply_write_back(
    client: JiraClient,
    changes: Sequence[WriteBack],
    order: Sequence[str] = (),
    sprint_of: Mapping[str, int] | None = None,
) -> int:
    """Write due dates; when any rank differs, rank each planned issue after its predecessor;
    move issues into their planned sprints (``sprint_of``: Jira key -> board sprint id)."""
    for change in changes:
        if change.field not in ("rank", "sprint"):
            client.update_issue(change.key, {change.field: change.planned})
    if any(c.field == "rank" for c in changes):
        for before, key in itertools.pairwise(order):
            client.rank_after(key, before)
    moves: dict[int, list[str]] = {}
    for change in changes:
        if change.field == "sprint" and sprint_of and change.key in sprint_of:
            moves.setdefault(sprint_of[change.key], []).append(change.key)
    for sprint, keys in sorted(moves.items()):
        client.move_to_sprint(sprint, keys)
    return len(changes)


__all__ = [
    "EMAIL_ENV",
    "TOKEN_ENV",
    "BoardSprint",
    "JiraClient",
    "JiraFetch",
    "SprintPlan",
    "WriteBack",
    "adf_text",
    "apply_write_back",
    "fetch_jira",
    "jql_for",
    "parse_time",
    "planned_changes",
    "sprint_changes",
    "status_times",
    "to_tracker_issue",
]
