"""The FastAPI application: server-rendered pages (Jinja2) and the JSON API under ``/api``."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from roadwise.errors import ConflictError, RoadwiseError
from roadwise.views.reports.wording import chance_below, chance_percent, say_money
from roadwise.views.web import accounts
from roadwise.views.web.security import PUBLIC, LoginLimiter, csrf_token
from roadwise.views.web.service import Service
from roadwise.workspace import open_store

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "roadwise_session"
SESSION_MAX_AGE_S = 8 * 3600  # one working day


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"),
        autoescape=True,  # every value is escaped: an item title cannot inject a script
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda v, d=0: "–" if v is None else f"{v:,.{d}f}"
    env.filters["g"] = lambda v: f"{v:,.10g}"
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:.0%}"
    env.filters["chance"] = lambda v: "–" if v is None else chance_percent(v)
    # A chance set against a target ("To be 85% sure"): one just short never reads as it.
    env.filters["chance_below"] = lambda v, target: "–" if v is None else chance_below(v, target)
    # After a number: '115%' as every percentage is written, '3.1 s', nothing for no unit.
    env.filters["unit"] = lambda u: "" if not u else (u if u == "%" else f" {u}")
    # Money as the reports write it: 'about $1.2 million', the code after it without a symbol.
    env.filters["money"] = say_money
    return Jinja2Templates(env=env)


def create_app(
    db_url: str,
    *,
    published_readonly: bool = False,
    secret_key: str | None = None,
    secure_cookies: bool = False,
) -> FastAPI:
    """The web app on the workspace at ``db_url``.

    ``published_readonly`` lets anyone read every page and GET endpoint without logging in
    (writes still need an editor). ``secure_cookies`` marks the session cookie Secure: set it
    whenever the app is reached over HTTPS (``roadwise serve`` does off loopback).
    """
    store = open_store(db_url)
    app = FastAPI(
        # The schema needs a login like everything else; no Swagger page, since it would load
        # its scripts from a CDN.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        title="Roadwise",
        version="1",
        description="The Roadwise workspace: backlog, priorities, release plans, roadmap, "
        "forecasts, feedback and decisions. Authenticate with `Authorization: Bearer <token>` "
        "(create one with `roadwise token create`).",
    )
    app.state.store = store
    app.state.service = Service(store)
    app.state.published_readonly = published_readonly
    app.state.limiter = LoginLimiter()
    app.state.templates = _templates()
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key or os.environ.get("ROADWISE_SECRET_KEY") or secrets.token_hex(32),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="strict",
        https_only=secure_cookies,
    )

    @app.middleware("http")
    async def _headers(request: Request, call_next: Any) -> Any:
        response = await call_next(request)
        # Our pages load nothing from elsewhere; say so, so an injected tag could not either.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if response.status_code == 405 and request.url.path.startswith("/api"):
            # One path can have several routes (GET and PATCH): list the methods of all of them.
            allowed = _allowed_methods(app, request.url.path)
            if allowed:
                response.headers["Allow"] = ", ".join(allowed)
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Any:
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get(
            "accept", ""
        ):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return error_page(request, str(exc.detail), exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def _form_error(request: Request, exc: RequestValidationError) -> Any:
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get(
            "accept", ""
        ):
            errors = exc.errors()
            if any(e.get("type") == "json_invalid" for e in errors):
                # as the API's schema says: a body that is not JSON at all is a bad request
                return JSONResponse({"detail": "the body is not valid JSON"}, status_code=400)
            # each bad field, with what was sent; NaN or 1e999 are not JSON, so they are
            # echoed as text rather than failing the answer itself
            return JSONResponse({"detail": _json_safe(jsonable_encoder(errors))}, 422)
        # A person filled in a form: one line naming the field, on a page, not JSON.
        return error_page(request, form_error_message(exc.errors()), 422)

    @app.exception_handler(RoadwiseError)
    async def _user_error(request: Request, exc: RoadwiseError) -> Any:
        status = 409 if isinstance(exc, ConflictError) else 422
        if request.url.path.startswith("/api"):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        return error_page(request, str(exc), status)

    from roadwise.views.web import api, pages

    app.include_router(api.router)
    app.include_router(pages.router)

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(api.api_user)])
    def _openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    return app


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def error_page(request: Request, message: str, status: int) -> HTMLResponse:
    """The problem on a page, with a Back link to the page the person came from.

    A ``javascript:history.back()`` link does nothing under our Content-Security-Policy, so the
    link is the Referer (this site's only; the Referrer-Policy sends it same-origin).
    """
    back = "/"
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path.startswith("/"):
        back = referer.path + (f"?{referer.query}" if referer.query else "")
    return render(request, "error.html", {"message": message, "back": back}, status=status)


def form_error_message(errors: Sequence[Any]) -> str:
    """The first of a form's validation errors as one line: the field, what was wrong."""
    from roadwise.sources._errors import error_message

    error = errors[0]
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
    field = ".".join(loc)
    if error.get("type") == "missing":
        message = "required, and it was left empty"
    else:
        message = error_message(error).replace("Input should be", "should be")
    if len(errors) > 1:
        more = len(errors) - 1
        message += f" (and {more} more problem{'s' if more > 1 else ''})"
    return f"field '{field}': {message}" if field else message


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    patterns = getattr(app.state, "path_methods", None)
    if patterns is None:
        patterns = []
        for template, operations in app.openapi()["paths"].items():
            regex = re.sub(r"\\{[^/]+\\}", "[^/]+", re.escape(template))
            methods = sorted(m.upper() for m in operations if m != "parameters")
            patterns.append((re.compile(f"^{regex}$"), methods))
        patterns.sort(key=lambda p: "[^/]+" in p[0].pattern)  # literal paths win
        app.state.path_methods = patterns
    return next((methods for regex, methods in patterns if regex.match(path)), [])


SESSION_ID = "sid"
"""The cookie's key for the session id; the workspace keeps the live ones (hashed)."""


def start_session(request: Request, user: accounts.User) -> bool:
    """Sign ``user`` in: a fresh cookie (and CSRF token) with a new server-side session. A
    session this browser had is ended, so a copy of its cookie does not outlive the new one.
    False, and nobody signed in, when the account was removed meanwhile."""
    earlier = request.session.get(SESSION_ID)
    if isinstance(earlier, str):
        accounts.end_session(request.app.state.store, earlier)
    request.session.clear()  # nothing from before the login carries over: no fixation
    session_id = accounts.start_session(
        request.app.state.store, user.name, dt.timedelta(seconds=SESSION_MAX_AGE_S)
    )
    if session_id is None:
        request.state.session_user = None
        return False
    request.session[SESSION_ID] = session_id
    request.state.session_user = user
    return True


def end_session(request: Request) -> None:
    """Sign out on the server too, so a copy of the cookie no longer signs anyone in."""
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        accounts.end_session(request.app.state.store, session_id)
    request.session.clear()
    request.state.session_user = None


def session_user(request: Request) -> accounts.User | None:
    """The account signed in with this request's cookie, while its session is live."""
    if hasattr(request.state, "session_user"):  # looked up once per request
        found: accounts.User | None = request.state.session_user
        return found
    user = None
    session_id = request.session.get(SESSION_ID)
    if isinstance(session_id, str):
        user = accounts.user_for_session(request.app.state.store, session_id)
    if user is None and session_id is not None:
        # Signed out elsewhere, expired or the account removed: drop the dead session id.
        request.session.clear()
    request.state.session_user = user
    return user


def current_user(request: Request) -> accounts.User | None:
    user = session_user(request)
    if user is not None:
        return user
    if request.app.state.published_readonly:
        return PUBLIC
    return None


def render(
    request: Request, template: str, context: dict[str, Any], status: int = 200
) -> HTMLResponse:
    user = getattr(request.state, "user", None) or current_user(request)
    return request.app.state.templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "csrf": csrf_token(request),
            "path": request.url.path,
            **context,
        },
        status_code=status,
    )


def require_page_user(request: Request) -> accounts.User:
    user = current_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    request.state.user = user
    return user


def require_page_editor(request: Request) -> accounts.User:
    user = require_page_user(request)
    if not user.can_edit or user is PUBLIC:
        raise HTTPException(403, "your account can read this workspace but not change it")
    return user
