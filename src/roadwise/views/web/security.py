"""Sessions, CSRF tokens, roles and login rate limiting for the web app."""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque

from fastapi import HTTPException, Request

from roadwise.views.web.accounts import User

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Someone without an account may read a published workspace, never change it.
PUBLIC = User("(public)", "viewer")


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); every form posts it back."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, sent: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise HTTPException(403, "missing or wrong CSRF token; reload the page and try again")


class LoginLimiter:
    """At most ``attempts`` failed logins per minute for one (address, user name) pair."""

    def __init__(self, attempts: int = 5, window_s: float = 60.0) -> None:
        self.attempts = attempts
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures[key]
        while times and now - times[0] > self.window_s:
            times.popleft()
        return times

    def blocked_for(self, address: str, name: str) -> float:
        """Seconds until another try is allowed (0 when allowed now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent((address, name), now)
            if len(times) < self.attempts:
                return 0.0
            return max(0.0, self.window_s - (now - times[0]))

    def failed(self, address: str, name: str) -> None:
        with self._lock:
            self._recent((address, name), time.monotonic()).append(time.monotonic())

    def succeeded(self, address: str, name: str) -> None:
        with self._lock:
            self._failures.pop((address, name), None)
