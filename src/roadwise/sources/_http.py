"""The HTTP side shared by the tracker clients: auth errors, rate limits, bounded retries.

Every failure becomes one :class:`RoadwiseError` line that says what to do; tokens never
appear in a message.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Callable
from typing import Any

import httpx

from roadwise.errors import RoadwiseError

MAX_RETRIES = 5
MAX_WAIT_S = 60.0


class TrackerHttp:
    """One tracker's HTTP session: JSON in and out, 429/503 waited out a bounded number of times."""

    def __init__(
        self,
        system: str,
        base_url: str,
        headers: dict[str, str],
        *,
        token_env: str,
        auth: httpx.Auth | tuple[str, str] | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.system = system
        self.token_env = token_env
        self.sleep = sleep
        self.max_retries = max_retries
        self.requests = 0
        self.client = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Accept": "application/json", "User-Agent": "roadwise", **headers},
            auth=auth,
            timeout=timeout,
            follow_redirects=True,
        )

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> TrackerHttp:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def send(self, method: str, url: str, *, check: bool = True, **kwargs: Any) -> httpx.Response:
        for attempt in range(self.max_retries + 1):
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TimeoutException:
                raise RoadwiseError(
                    f"{self.system} did not answer in time at {self.client.base_url}; "
                    "try again later or check --url"
                ) from None
            except httpx.HTTPError as exc:
                raise RoadwiseError(
                    f"cannot reach {self.system} at {self.client.base_url} "
                    f"({type(exc).__name__}); check --url and your network"
                ) from None
            self.requests += 1
            wait = self._rate_limit_wait(response, attempt)
            if wait is None:
                return self._checked(response) if check else response
            if attempt == self.max_retries:
                break
            self.sleep(min(wait, MAX_WAIT_S))
        raise RoadwiseError(
            f"{self.system} kept rate-limiting after {self.max_retries} retries; "
            "wait a few minutes and run the sync again (nothing was imported)"
        )

    def json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.send(method, url, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise self.malformed(f"{url} did not return JSON") from None

    def malformed(self, what: str) -> RoadwiseError:
        return RoadwiseError(
            f"{self.system} sent a page Roadwise cannot read ({what}); check that --url points "
            "at the tracker's API, then run again with --full (nothing was imported)"
        )

    def _rate_limit_wait(self, response: httpx.Response, attempt: int) -> float | None:
        remaining = response.headers.get("x-ratelimit-remaining")
        limited = response.status_code in (429, 503) or (
            response.status_code == 403 and remaining == "0"
        )
        if not limited:
            return None
        retry_after = response.headers.get("Retry-After")
        if retry_after:
            return _retry_after_seconds(retry_after)
        reset = response.headers.get("x-ratelimit-reset")
        if reset and reset.isdigit():
            return max(0.0, int(reset) - time.time())
        return float(2**attempt)

    def _checked(self, response: httpx.Response) -> httpx.Response:
        code = response.status_code
        if code < 400:
            return response
        if code == 401:
            raise RoadwiseError(
                f"{self.system} rejected the token (401: expired, revoked or wrong); create a new "
                f"one and set {self.token_env} (nothing was imported)"
            )
        if code == 403:
            raise RoadwiseError(
                f"{self.system} refused access (403); give the token read access to this "
                f"project or repository and set {self.token_env} again (nothing was imported)"
            )
        if code == 404:
            raise RoadwiseError(
                f"{self.system} has nothing at {response.request.url.path} (404); check --url "
                "and the project/repo/team name (nothing was imported)"
            )
        if code == 400:
            detail = _error_detail(response)
            raise RoadwiseError(
                f"{self.system} rejected the request (400: {detail}); check the project name, "
                "query and mapping (nothing was imported)"
            )
        raise RoadwiseError(
            f"{self.system} failed with HTTP {code}; try again later (nothing was imported)"
        )


def _retry_after_seconds(value: str) -> float:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return 1.0
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def _error_detail(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:120] or "no detail"
    if isinstance(data, dict):
        messages = data.get("errorMessages") or []
        if messages:
            return "; ".join(str(m) for m in messages)[:160]
        errors = data.get("errors")
        if isinstance(errors, dict) and errors:
            return "; ".join(f"{k}: {v}" for k, v in errors.items())[:160]
        if isinstance(errors, list) and errors:
            return "; ".join(str(e.get("message", e)) for e in errors)[:160]
        if data.get("message"):
            return str(data["message"])[:160]
    return "no detail"
