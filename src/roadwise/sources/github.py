"""GitHub issues through the REST API: issues, labels, milestones, sub-issues, closing dates.

* Authentication: a token (fine-grained with "Issues: read", or classic ``repo``) as
  ``Authorization: Bearer``, from ``ROADWISE_GITHUB_TOKEN``.
* Pagination: the ``Link`` header's ``rel="next"``.
* Pull requests come back from the issues endpoint too; they are left out unless asked for.
* Incremental sync: ``since=<last updated_at>``, kept in ``settings.extra.sync.github``.
* Kinds and statuses come from labels (``bug``, ``epic``, ``in progress``...) through the
  mapping; an estimate from a label such as ``points:3`` or ``estimate: 5``.
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

    def create_issue(self, repo: str, payload: dict[str, Any]) -> dict[str, Any]:
        data = self.http.json("POST", f"/repos/{repo}/issues", json=payload)
        return data if isinstance(data, dict) else {}


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
) -> GitHubFetch:
    if repo.count("/") != 1:
        raise RoadwiseError("--repo must be OWNER/NAME, e.g. acme/checkout", field="--repo")
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
    issues = []
    for number, raw in raws.items():
        issue = to_tracker_issue(raw, repo, mapping)
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
