"""Server-rendered pages. Every form carries the session's CSRF token; writes need an editor."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode, urlparse

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError as PydanticValidationError
from starlette.background import BackgroundTask

from roadwise.domain import Decision, Feedback, Item, ItemKind, Status, Workspace
from roadwise.domain.model import FEEDBACK_LABELS
from roadwise.errors import ConflictError, RoadwiseError
from roadwise.views._text import say_p, score_factors
from roadwise.views.web import accounts
from roadwise.views.web.api import BulkEdit, apply_patch, bulk_apply, release_out
from roadwise.views.web.app import (
    SESSION_COOKIE,
    end_session,
    form_error_message,
    render,
    require_page_editor,
    require_page_user,
    start_session,
)
from roadwise.views.web.security import CSRF_FIELD, check_csrf
from roadwise.workspace import AUDITED_KINDS  # the history menu: every kind it names

if TYPE_CHECKING:
    from roadwise.views.reports.facts import UndatedWork

router = APIRouter(include_in_schema=False)
Viewer = Annotated[accounts.User, Depends(require_page_user)]
Editor = Annotated[accounts.User, Depends(require_page_editor)]
Csrf = Annotated[str, Form(alias=CSRF_FIELD)]

BACKLOG_PAGE = 100  # rows per backlog page: big backlogs stay quick to send and to read
OPEN = ("idea", "discovery", "ready", "in_progress")


# --------------------------------------------------------------------------- helpers


def filter_items(
    items: Iterable[Item],
    *,
    status: Sequence[str] = (),
    team: Sequence[str] = (),
    kind: Sequence[str] = (),
    q: str | None = None,
) -> list[Item]:
    needle = (q or "").casefold().strip()
    return [
        i
        for i in items
        if (not status or i.status.value in status)
        and (not team or (i.team or "") in team)
        and (not kind or i.kind.value in kind)
        and (not needle or needle in i.key.casefold() or needle in i.title.casefold())
    ]


def inbox(ws: Workspace) -> list[Feedback]:
    """Feedback with a proposed link nobody has confirmed or rejected yet, newest first."""
    rows = [f for f in ws.feedback if any(link.confirmed is None for link in f.links)]
    return sorted(rows, key=lambda f: f.date, reverse=True)


def change_feedback(
    request: Request,
    key: str,
    actor: str,
    *,
    link: tuple[str, bool] | None = None,
    label: str | None = None,
) -> Feedback:
    store = request.app.state.store
    changed: dict[str, Feedback] = {}

    def change(ws: Workspace) -> Workspace:
        rows = list(ws.feedback)
        index = next((n for n, f in enumerate(rows) if f.key == key), None)
        if index is None:
            raise HTTPException(404, f"no feedback '{key}'")
        f = rows[index]
        if link is not None:
            item, confirmed = link
            if not any(lk.item == item for lk in f.links):
                raise RoadwiseError(f"feedback {key} has no link to item {item}", field="item")
            links = [
                lk.model_copy(update={"confirmed": confirmed}) if lk.item == item else lk
                for lk in f.links
            ]
            f = f.model_copy(update={"links": links})
        if label is not None:
            # Checked on the one text: checked with the whole workspace, an unknown label is
            # reported at 'feedback.<row>.label', a path the person never typed.
            try:
                f = Feedback.model_validate(
                    f.model_dump() | {"label": label, "label_source": "user"}
                )
            except PydanticValidationError as exc:
                said = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
                raise RoadwiseError(f"feedback {key}: {said}", field="label") from None
        rows[index] = f
        changed_ws = ws.copy_with(feedback=rows)  # validated: the label as stored ("bug")
        changed["f"] = changed_ws.feedback[index]
        return changed_ws

    store.modify(change, actor=actor)
    return changed["f"]


def new_decision(
    request: Request, title: str, rationale: str, items: list[str], actor: str
) -> Decision:
    saved: Decision = request.app.state.store.log_decision(
        title, rationale, items, who=actor, actor=actor
    )
    return saved


def _safe_next(target: str | None) -> str:
    """Only a path on this site: a login link must not send anyone elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parsed = urlparse(target)
    return target if not parsed.netloc and not parsed.scheme else "/"


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


# --------------------------------------------------------------------------- login


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    csrf: Csrf,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    check_csrf(request, csrf)
    limiter = request.app.state.limiter
    address = _client(request)
    wait = limiter.blocked_for(address, username)
    if wait > 0:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": f"Too many attempts; try again in {wait:.0f} s."},
            status=429,
        )
    user = accounts.authenticate(request.app.state.store, username, password)
    if user is not None and not start_session(request, user):
        user = None  # the account was removed while its password was being checked
    if user is None:
        limiter.failed(address, username)
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "Wrong user name or password."},
            status=401,
        )
    limiter.succeeded(address, username)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Csrf) -> Response:
    check_csrf(request, csrf)
    end_session(request)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


# --------------------------------------------------------------------------- dashboard


ON_TRACK_SHARE = 0.85
"""On track when the due date is at least this likely to be met (the reports' rule)."""


AT_RISK_SHARE = 0.5
"""At risk (not off track) when the due date is at least this likely to be met."""


def status_chance(share: float | None) -> str:
    """The chance of meeting a due date as said beside its status: one just short of a status's
    line (84.6% under 85%) never rounds up to it, so "85% likely" never stands next to "at
    risk"."""
    from roadwise.views.reports.wording import chance_below, chance_percent

    if share is None:
        return "–"
    for line in (AT_RISK_SHARE, ON_TRACK_SHARE):
        if share < line:
            return chance_below(share, line)
    return chance_percent(share)


CANNOT_BE_DATED = "cannot be dated"
"""The reports' status for work a team without delivery history does: no chance of meeting a
due date can be stated, so neither "on track" nor "off track" would be true."""


def objective_status(
    ws: Workspace, delivery: Any, undated: UndatedWork | None = None
) -> list[dict[str, Any]]:
    """Per objective: key-result progress, the work serving it, and its delivery forecast.

    The dates are the reports' (roadwise.engines.forecast.objectives): the latest deliverable
    serving the objective, from the teams' queues replayed under uncertain sizes and pace. The
    status follows the reports' rule: on track when the due date is at least 85% likely,
    at risk when more likely met than not, off track otherwise; "cannot be dated" (with the
    reason) when the work needs a team without delivery history, or waits on such a team's.
    ``undated``: :func:`~roadwise.views.reports.facts.undated_work` of ``delivery``, when
    already known.
    """
    from roadwise.engines.forecast.objectives import objective_items
    from roadwise.views.reports.facts import undated_work

    if undated is None:
        undated = undated_work(ws, delivery)
    rows = []
    for o in ws.objectives:
        serving = [i for i in objective_items(ws, o.key) if i.status != Status.DROPPED]
        leaves = ws.leaf_items(serving)
        open_items = [i for i in leaves if i.is_open]
        teams = sorted({i.team for i in open_items if i.team})
        forecast = delivery.objective(o.key)
        finish = forecast.p85 if forecast and forecast.p85 != dt.date.max else None
        # As the reports: undated only when no likely date came out and the work serving the
        # objective needs, or waits on, a team without history (else "not in sight" is the
        # forecast's own).
        reason = None
        if open_items and (forecast is None or forecast.p50 == dt.date.max):
            reason = undated.under({i.key for i in serving}) or None
        if not open_items:
            status = "done" if leaves else "no items"
        elif reason:
            status = CANNOT_BE_DATED
        elif forecast is None:
            status = "no date"
        elif o.due is None or forecast.p_deadline is None:
            status = "no deadline"
        elif forecast.p_deadline >= ON_TRACK_SHARE:
            status = "on track"
        elif forecast.p_deadline >= AT_RISK_SHARE:
            status = "at risk"
        else:
            status = "off track"
        krs = []
        for kr in o.key_results:
            span = kr.target - kr.baseline
            progress = None
            if kr.current is not None and span:
                progress = max(0.0, min(1.0, (kr.current - kr.baseline) / span))
            krs.append({"kr": kr, "progress": progress})
        rows.append(
            {
                "objective": o,
                "krs": krs,
                "open": len(open_items),
                "total": len(leaves),
                "forecast": forecast,
                "finish": finish,
                # Every simulated future is empty for a team without history: its 0% is no
                # chance, so none is given.
                "p_due": forecast.p_deadline if forecast and not reason else None,
                "p_due_said": status_chance(
                    forecast.p_deadline if forecast and not reason else None
                ),
                "status": status,
                "reason": reason,
                "teams": teams,
            }
        )
    return rows


# Open work first, busiest stage first, then what is finished or given up.
STATUS_WORDS = (
    ("in_progress", "in progress", "in progress"),
    ("ready", "ready", "ready"),
    ("discovery", "in discovery", "in discovery"),
    ("idea", "idea", "ideas"),
    ("done", "done", "done"),
    ("launched", "launched", "launched"),
    ("dropped", "dropped", "dropped"),
)


def status_counts(items: Iterable[Item]) -> str:
    """Every item counted once by status, in words: '182 open items: 32 in progress, 99 ready,
    17 in discovery, 34 ideas; 10 done, 11 launched, 2 dropped.' Every status is there, so the
    parts add up to the backlog the other pages list."""
    counts: dict[str, int] = {}
    for i in items:
        counts[i.status.value] = counts.get(i.status.value, 0) + 1
    if not counts:
        return "No items yet."
    said = {
        key: f"{counts[key]:,} {one if counts[key] == 1 else many}"
        for key, one, many in STATUS_WORDS
        if counts.get(key)
    }
    open_keys = [key for key, _, _ in STATUS_WORDS if Status(key).is_open and key in said]
    closed = [said[key] for key, _, _ in STATUS_WORDS if key in said and key not in open_keys]
    n_open = sum(counts[key] for key in open_keys)
    line = f"{n_open:,} open item{'' if n_open == 1 else 's'}"
    if open_keys:
        line += ": " + ", ".join(said[key] for key in open_keys)
    return line + ("; " + ", ".join(closed) if closed else "") + "."


@router.get("/", response_class=HTMLResponse)
def dashboard(request: Request, user: Viewer) -> Response:
    service = request.app.state.service
    ws = service.workspace()
    delivery = service.delivery()
    plan = service.latest_release_plan()
    priorities = service.priorities()
    return render(
        request,
        "dashboard.html",
        {
            "ws": ws,
            "objectives": service.objectives(),
            "delivery": delivery,
            "teams": {t.key: t.name for t in ws.teams},
            "undated": service.undated().teams(),
            "release": release_out(plan, ws.item_by_key) if plan else None,
            "top": priorities.items[:5],
            "simulated": priorities.simulated,
            "framework": priorities.framework_label,
            "status_line": status_counts(ws.items),
            "today": dt.date.today(),
        },
    )


@router.post("/as-of")
def move_as_of(request: Request, user: Editor, csrf: Csrf) -> Response:
    """Move the workspace's as-of date on to today (the dashboard's button)."""
    check_csrf(request, csrf)
    today = dt.date.today()
    request.app.state.store.modify(lambda ws: ws.copy_with(as_of=today), actor=user.name)
    return RedirectResponse("/", status_code=303)


# --------------------------------------------------------------------------- backlog

SORTS = {
    "rank": lambda i, p: (p[i.key].rank if i.key in p else 10**9, i.key),
    "key": lambda i, p: (i.key,),
    "title": lambda i, p: (i.title.casefold(),),
    "status": lambda i, p: (i.status.value, i.key),
    "team": lambda i, p: (i.team or "~", i.key),
    "score": lambda i, p: (-(p[i.key].score) if i.key in p else 0.0, i.key),
    "expected": lambda i, p: (-(p[i.key].expected) if i.key in p else 0.0, i.key),
}


def sort_choices(simulated: bool) -> list[tuple[str, str]]:
    """The backlog's sort menu: with sampling the expected score (what the ranking orders by)
    and the point score are two columns, as in ``roadwise prioritize``; without, one score."""
    scores = (
        [("expected", "expected"), ("score", "point score")] if simulated else [("score", "score")]
    )
    return [("rank", "rank"), *scores, *((k, k) for k in ("key", "title", "status", "team"))]


@router.get("/backlog", response_class=HTMLResponse)
def backlog(
    request: Request,
    user: Viewer,
    q: str = "",
    status: str = "open",
    team: str = "",
    kind: str = "",
    sort: str = "rank",
    desc: bool = False,
    page: int = 1,
) -> Response:
    service = request.app.state.service
    ws = service.workspace()
    # A filter nothing can match (an old bookmark's kind 'task', a typo) would show an empty
    # backlog as if it were the answer: say what the choices are instead.
    choices = {
        "status": ["open", *(s.value for s in Status)],
        "team": [t.key for t in ws.teams],
        "kind": [k.value for k in ItemKind],
        "sort": list(SORTS),
    }
    for name, value in (("status", status), ("team", team), ("kind", kind), ("sort", sort)):
        if value and value not in choices[name]:
            raise RoadwiseError(
                f"no {name} {value!r}; choose one of {', '.join(choices[name])}", field=name
            )
    scores = service.priority_by_key()
    statuses = list(OPEN) if status == "open" else ([status] if status else [])
    items = filter_items(
        ws.items, status=statuses, team=[team] if team else [], kind=[kind] if kind else [], q=q
    )
    items.sort(key=lambda i: SORTS.get(sort, SORTS["rank"])(i, scores), reverse=desc)
    pages = max(1, -(-len(items) // BACKLOG_PAGE))
    page = min(max(1, page), pages)
    params = {"q": q, "status": status, "team": team, "kind": kind, "sort": sort}
    query = urlencode(params | ({"desc": "true"} if desc else {}))
    result = service.priorities()
    # One unit for the estimate column's header when every estimate shares it.
    units = {i.estimate.unit.value for i in ws.items if i.estimate}
    return render(
        request,
        "backlog.html",
        {
            "ws": ws,
            "items": items[(page - 1) * BACKLOG_PAGE : page * BACKLOG_PAGE],
            "total": len(items),
            "page": page,
            "pages": pages,
            "query": query,
            "scores": scores,
            "filters": {
                "q": q,
                "status": status,
                "team": team,
                "kind": kind,
                "sort": sort,
                "desc": desc,
            },
            "statuses": [s.value for s in Status],
            "result": result,
            "sorts": sort_choices(result.simulated),
            "kinds": [k.value for k in ItemKind],
            "unit": units.pop() if len(units) == 1 else "",
            "team_names": {t.key: t.name for t in ws.teams},
            "release_names": {r.key: r.name for r in ws.cycles.releases},
        },
    )


@router.post("/backlog/bulk", response_class=HTMLResponse)
async def backlog_bulk(request: Request, user: Editor) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get(CSRF_FIELD, "")))
    selected: dict[str, int] = {}
    for value in form.getlist("sel"):
        key, _, version = str(value).rpartition(":")
        # a version below 1 would skip the lost-update check: only real versions select
        if key and version.isdecimal() and int(version) >= 1:
            selected[key] = int(version)
    changes = {
        name: str(form.get(name))
        for name in ("status", "team", "release")
        if form.get(name) not in (None, "")
    }
    if changes.get("team") == "(none)":
        changes["team"] = ""
    if changes.get("release") == "(none)":
        changes["release"] = ""
    if not selected or not changes:
        raise HTTPException(422, "pick at least one item and one change")
    from starlette.concurrency import run_in_threadpool

    try:
        edit = BulkEdit(items=selected, **changes)
    except PydanticValidationError as exc:
        # One line naming the box, as every other form: not pydantic's report and its links.
        raise HTTPException(422, form_error_message(exc.errors())) from None
    result = await run_in_threadpool(bulk_apply, request, edit, user.name)
    ws = await run_in_threadpool(request.app.state.service.workspace)  # a load can take seconds
    return render(
        request, "bulk_done.html", {"result": result, "changes": said_changes(ws, changes)}
    )


def said_changes(ws: Workspace, changes: dict[str, str]) -> list[tuple[str, str]]:
    """A bulk edit's changes as the form offered them: team and release by name, a status
    in words ("in progress"), "(none)" for a value cleared."""
    teams = {t.key: t.name for t in ws.teams}
    releases = {r.key: r.name for r in ws.cycles.releases}
    said = []
    for field, value in changes.items():
        if not value:
            words = "(none)"
        elif field == "team":
            words = teams.get(value, value)
        elif field == "release":
            words = releases.get(value, value)
        else:
            words = value.replace("_", " ")
        said.append((field, words))
    return said


# --------------------------------------------------------------------------- item


def _item_context(request: Request, key: str) -> dict[str, Any]:
    service = request.app.state.service
    ws = service.workspace()
    item = ws.item_by_key.get(key)
    if item is None:
        raise HTTPException(404, f"no item '{key}'")
    scores = service.priority_by_key()
    evidence = service.evidence().get(key, [])
    result = service.priorities()
    ranked = scores.get(key)
    factors, caption = score_factors(ranked.contributions if ranked else [])
    return {
        "ws": ws,
        "item": item,
        "ranked": ranked,
        # Without sampling the interval and P(top k) say nothing; the page leaves them out.
        "simulated": result.simulated,
        "framework": result.framework_label,
        "top_k": result.top_k,
        "samples": result.samples,
        "factors": factors,
        "factors_caption": caption,
        "depends_on": [ws.item_by_key.get(d.item) for d in item.dependencies],
        "dependents": ws.dependents(key),
        "children": ws.children(key),
        "parent": ws.item_by_key.get(item.parent) if item.parent else None,
        "evidence": evidence[:20],
        "evidence_total": len(evidence),
        "size": service.suggested_size(key),
        "size_model": service.size_model(),
        "history": request.app.state.store.audit_entries("item", key, limit=50),
        "statuses": [s.value for s in Status],
        "conflict": None,
        "draft": None,
    }


@router.get("/items/{key}", response_class=HTMLResponse)
def item_page(request: Request, key: str, user: Viewer) -> Response:
    return render(request, "item.html", _item_context(request, key))


TITLE_MAX = 500  # as the API's ItemPatch
_NUMBER = re.compile(r"^\s*\d+(\.\d+)?\s*$")


def _estimate_from_form(typed: dict[str, str]) -> dict[str, Any] | None:
    """The estimate typed in the item form; None when its three boxes are left empty.

    Anything else that is not three numbers is refused with the box named: saving the rest of
    the form and quietly keeping the old estimate would report "Saved." for an edit not made.
    """
    filled = {name: value.strip() for name, value in typed.items() if value.strip()}
    if not filled:
        return None
    for name in typed:
        value = filled.get(name)
        if value is None:
            raise RoadwiseError(
                "give low, likely and high (or leave all three empty to keep the estimate)",
                field=f"estimate.{name}",
            )
        if not _NUMBER.match(value):
            raise RoadwiseError(
                f"{value!r} is not a number of zero or more (write 1.5, not 1,5)",
                field=f"estimate.{name}",
            )
    return {name: float(value) for name, value in filled.items()}


@router.post("/items/{key}", response_class=HTMLResponse)
def item_edit(
    request: Request,
    key: str,
    user: Editor,
    csrf: Csrf,
    version: Annotated[int, Form(ge=1)],
    title: Annotated[str, Form()],
    status: Annotated[str, Form()],
    team: Annotated[str, Form()] = "",
    release: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    low: Annotated[str, Form()] = "",
    likely: Annotated[str, Form()] = "",
    high: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    patch: dict[str, Any] = {
        "title": title.strip(),
        "status": status,
        "team": team,
        "release": release,
        "description": description,
    }
    typed = {"low": low, "likely": likely, "high": high}
    try:
        if len(patch["title"]) > TITLE_MAX:
            # The API's limit: an edit the API refuses is not saved through the page either.
            raise RoadwiseError(
                f"a title is at most {TITLE_MAX} characters; this one has {len(patch['title'])}",
                field="title",
            )
        estimate = _estimate_from_form(typed)
        if estimate is not None:
            current = request.app.state.store.get_item(key)
            estimate["unit"] = current.estimate.unit if current.estimate else "points"
            patch["estimate"] = estimate
        apply_patch(request, key, patch, version, user.name)
    except ConflictError as exc:
        context = _item_context(request, key)
        context["conflict"] = str(exc)
        context["draft"] = patch | typed  # the edit stays on top of the current values
        return render(request, "item.html", context, status=409)
    except RoadwiseError as exc:
        context = _item_context(request, key)
        context["error"] = str(exc)
        context["draft"] = patch | typed  # what was typed stays in the form to correct
        return render(request, "item.html", context, status=422)
    return RedirectResponse(f"/items/{key}?saved=1", status_code=303)


# --------------------------------------------------------------------------- release plan


@router.get("/release", response_class=HTMLResponse)
def release_page(request: Request, user: Viewer) -> Response:
    service = request.app.state.service
    plan = service.latest_release_plan()
    ws = service.workspace()
    out = release_out(plan, ws.item_by_key) if plan else None
    only_plan = only_greedy = []
    teams: list[tuple[str, float]] = []
    used: dict[str, float] = {}
    window: dict[str, Any] = {}
    if plan is not None:
        releases = plan.payload.get("selection", {}).get("releases", [])
        if releases:
            used = dict(releases[0].get("team_used", {}))
            teams = sorted(dict(releases[0].get("team_capacity", {})).items())
        window = dict((plan.payload.get("releases") or [{}])[0])
    # What the plan could not hold at all, as `roadwise plan release` says under its table: a
    # page that lists only what was chosen reads as if every open item had been weighed.
    not_planned = (
        [(key, ws.item_by_key.get(key), why) for key, why in sorted(out.skipped.items())]
        if out
        else []
    )
    if out:
        chosen, greedy = {r.key for r in out.items}, {r.key for r in out.greedy_items}
        only_plan = [r for r in out.items if r.key not in greedy]
        only_greedy = [r for r in out.greedy_items if r.key not in chosen]
    return render(
        request,
        "release.html",
        {
            "plan": out,
            "stored": plan,
            "only_plan": only_plan,
            "only_greedy": only_greedy,
            "teams": teams,
            "used": used,
            "names": {t.key: t.name for t in ws.teams},
            "window": window,
            "not_planned": not_planned,
            "unsized": sum(1 for _, _, why in not_planned if why == "no estimate"),
        },
    )


@router.post("/release/run")
def release_run(
    request: Request,
    user: Editor,
    csrf: Csrf,
    percentile: Annotated[float, Form(ge=0.5, le=0.95)] = 0.8,
) -> Response:
    check_csrf(request, csrf)
    service = request.app.state.service
    wp, plan = service.run_release(percentile)
    service.save_release(wp, plan, percentile, user.name)
    return RedirectResponse("/release", status_code=303)


# --------------------------------------------------------------------------- roadmap


def team_names(team: str, names: dict[str, str]) -> str:
    """A roadmap entry's team by name; a feature or epic spanning teams carries their keys
    joined by '+' ("mobile+platform"), said as "Mobile & Growth + Platform"."""
    if team in names:
        return names[team]
    return " + ".join(names.get(t, t) for t in team.split("+"))


def date_span(start: dt.date, end: dt.date, this_year: int) -> str:
    """'Nov 23–Dec 15'; with the year where the span crosses one ('Nov 23 2026–Jan 20 2027')
    or lies in another year than ``this_year`` ('Jan 19–Jan 22 2027'): "Nov 23–Jan 20" does
    not say which January."""
    if start.year != end.year:
        return f"{start:%b %d %Y}–{end:%b %d %Y}"
    if start.year != this_year:
        return f"{start:%b %d}–{end:%b %d %Y}"
    return f"{start:%b %d}–{end:%b %d}"


@router.get("/roadmap", response_class=HTMLResponse)
def roadmap_page(request: Request, user: Viewer) -> Response:
    from roadwise.engines.schedule.roadmap import now_next_later
    from roadwise.views.stored_roadmap import moved_on, replan_sentence

    service = request.app.state.service
    try:
        roadmap = service.roadmap()
        replan = replan_sentence(service.replan_gain(), service.workspace().settings.currency)
    except RoadwiseError as exc:
        return render(request, "roadmap.html", {"error": str(exc), "roadmap": None})
    horizons = now_next_later(roadmap)
    ws = service.workspace()
    names = {t.key: t.name for t in ws.teams}
    # Who and when for each entry of the Now/Next/Later lists, in the words the page uses.
    said = {
        s.key: (team_names(s.team, names), date_span(s.start, s.end, ws.as_of.year))
        for s in (*horizons.now, *horizons.next, *horizons.later)
    }
    by_team: dict[str, list[Any]] = {}
    for s in sorted(roadmap.items, key=lambda s: (s.team, s.start, s.key)):
        by_team.setdefault(s.team, []).append(s)
    first = roadmap.start
    last = max((s.end for s in roadmap.items), default=first)
    span = max((last - first).days, 1)
    months = []
    day = dt.date(first.year, first.month, 1)
    while day <= last:
        if day >= first:
            months.append((day.strftime("%b %Y" if day.month == 1 else "%b"), (day - first).days))
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return render(
        request,
        "roadmap.html",
        {
            "error": None,
            "roadmap": roadmap,
            "horizons": horizons,
            "by_team": by_team,
            "first": first,
            "last": last,
            "span": span,
            "months": months,
            "names": names,
            "said": said,
            "of_record": service.roadmap_of_record(),
            "is_of_record": service.roadmap_is_of_record(),
            "moved_on": moved_on(roadmap),
            "replan": replan,
        },
    )


# --------------------------------------------------------------------------- forecasts, capacity


@router.get("/forecasts", response_class=HTMLResponse)
def forecasts_page(request: Request, user: Viewer) -> Response:
    service = request.app.state.service

    ws = service.workspace()
    delivery = service.delivery()
    counts = service.count_forecasts()
    svgs = {
        team: service.chart(
            f"delivery:{team}",
            lambda d=d: _histogram(ws.as_of, d),
        )
        for team, d in delivery.teams.items()
    }
    return render(
        request,
        "forecasts.html",
        {
            "ws": ws,
            "delivery": delivery,
            "counts": counts,
            "teams": {t.key: t.name for t in ws.teams},
            "undated": service.undated().teams(),
            "objectives": service.objectives(),
            "charts": svgs,
            "record": service.roadmap_of_record(),
        },
    )


def _histogram(as_of: dt.date, d: Any) -> Any:
    """Share of trials finishing in each week, with the 50/85/95% dates marked."""
    import numpy as np

    from roadwise.views.charts.reports import forecast_histogram

    weeks = np.asarray(d.finish_weeks, dtype=float)
    weeks = np.floor(weeks[np.isfinite(weeks)]).astype(int)
    counts = np.bincount(weeks - weeks.min())
    rows = [
        {
            "date": (as_of + dt.timedelta(weeks=int(weeks.min()) + i)).isoformat(),
            "share": round(float(c) / weeks.size, 4),
        }
        for i, c in enumerate(counts)
        if c
    ]
    marks = [
        {"date": day.isoformat(), "label": f"{p}%"}
        for p, day in d.dates.items()
        if day != dt.date.max
    ]
    return forecast_histogram(rows, marks=marks)


@router.get("/capacity", response_class=HTMLResponse)
def capacity_page(request: Request, user: Viewer) -> Response:
    service = request.app.state.service
    try:
        rows = service.capacity()
    except RoadwiseError as exc:
        return render(request, "capacity.html", {"error": str(exc), "teams": {}})
    from roadwise.engines.schedule.needs import tightest_skills
    from roadwise.views.charts.capacity import capacity_chart

    teams: dict[str, list[Any]] = {}
    for r in rows:
        if r.skill == "*":
            teams.setdefault(r.team, []).append(r)
    chart = service.chart("capacity", lambda: capacity_chart(rows))
    ws = service.workspace()
    names = {t.key: t.name for t in ws.teams}
    over, later, (first, last) = service.over_allocated()
    deadlines = service.deadline_confidence()
    each = []
    if deadlines is not None:
        for key, chance in deadlines["chances"].ranked:
            item = ws.item_by_key[key]
            each.append(
                {
                    "item": item,
                    "due": item.deadline.date if item.deadline else None,
                    "chance": chance,
                }
            )
    return render(
        request,
        "capacity.html",
        {
            "error": None,
            "teams": teams,
            "chart": chart,
            "names": names,
            "deadlines": deadlines,
            "each_deadline": each,
            "tightest": tightest_skills(rows),  # as `roadwise capacity` lists them
            "over": over,
            "over_said": over_allocated_line(len(over), later, first, last),
            "sprint_starts": {r.sprint: r.start for r in rows},
            "people": ws.person_by_key,
        },
    )


def over_allocated_line(count: int, later: int, first: int, last: int) -> str:
    """`roadwise capacity`'s sentence on over-allocated people, for the sprints shown."""
    shown = f"sprint {first}" if first == last else f"sprints {first}-{last}"
    beyond = f" ({later} more in later sprints)" if later else ""
    if not count:
        return f"Nobody is over-allocated in {shown}{beyond}."
    return f"{count} over-allocated person-sprint{'s' if count != 1 else ''} in {shown}{beyond}:"


# --------------------------------------------------------------------------- feedback


@router.get("/feedback", response_class=HTMLResponse)
def feedback_page(request: Request, user: Viewer, page: int = 1) -> Response:
    ws = request.app.state.service.workspace()
    rows = inbox(ws)
    per_page = 25
    page = max(1, page)
    labels = FEEDBACK_LABELS  # every kind the classifier learns, not only those in use
    return render(
        request,
        "feedback.html",
        {
            "ws": ws,
            "rows": rows[(page - 1) * per_page : page * per_page],
            "total": len(rows),
            "page": page,
            "pages": max(1, -(-len(rows) // per_page)),
            "labels": labels or ["bug", "feature", "question", "praise"],
        },
    )


@router.get("/feedback/demand", response_class=HTMLResponse)
def feedback_demand_page(request: Request, user: Viewer, top: int = 20) -> Response:
    from roadwise.views.feedback_rows import (
        demand_rows,
        dropped_demand,
        dropped_demand_line,
        theme_rows,
    )
    from roadwise.views.reports.wording import short_money

    service = request.app.state.service
    ws = service.workspace()
    try:
        analysis = service.feedback_analysis()
    except RoadwiseError as exc:
        return render(request, "feedback_demand.html", {"error": str(exc), "analysis": None})
    currency = ws.settings.currency
    items = demand_rows(ws, analysis, max(1, min(top, 200))) if analysis else []
    themes = theme_rows(analysis) if analysis else []
    for row in items:
        low, high = row["revenue_interval"]
        row["money"] = short_money(row["revenue"], currency, interval=(low, high))
        row["top_segments"] = ", ".join(
            f"{k} {short_money(v, currency)}" for k, v in list(row["segments"].items())[:3]
        )
    for row in themes:
        row["money"] = short_money(row["revenue"], currency)
        row["p_text"] = say_p(row["q_value"], word="adjusted p")
    settings = analysis.settings if analysis else None
    return render(
        request,
        "feedback_demand.html",
        {
            "error": None,
            "analysis": analysis,
            "items": items,
            "dropped": dropped_demand_line(dropped_demand(ws, analysis)) if analysis else "",
            "themes": themes,
            "currency": currency,
            "settings": settings,
            "texts": len(ws.feedback),
        },
    )


@router.post("/feedback/themes/{theme}/item")
def feedback_theme_item(
    request: Request,
    theme: str,
    user: Editor,
    csrf: Csrf,
    key: Annotated[str, Form(min_length=1, max_length=64)],
    name: Annotated[str, Form()],
    title: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    """Make a theme a backlog item (as `roadwise feedback theme-item` does)."""
    check_csrf(request, csrf)
    item = request.app.state.service.theme_item(theme, name, key, title or None, user.name)
    return RedirectResponse(f"/items/{item.key}", status_code=303)


@router.post("/feedback-links")
def feedback_propose(request: Request, user: Editor, csrf: Csrf) -> Response:
    check_csrf(request, csrf)
    request.app.state.service.propose_links(user.name)
    return RedirectResponse("/feedback", status_code=303)


@router.post("/feedback/{key}")
def feedback_review(
    request: Request,
    key: str,
    user: Editor,
    csrf: Csrf,
    item: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    label: Annotated[str, Form()] = "",
    page: Annotated[int, Form()] = 1,
) -> Response:
    check_csrf(request, csrf)
    if item and decision in ("confirm", "reject"):
        change_feedback(request, key, user.name, link=(item, decision == "confirm"))
    elif label:
        change_feedback(request, key, user.name, label=label)
    else:
        raise HTTPException(422, "choose confirm, reject or a label")
    return RedirectResponse(f"/feedback?page={page}#fb-{key}", status_code=303)


# --------------------------------------------------------------------------- scenarios


@router.get("/scenarios", response_class=HTMLResponse)
def scenarios_page(request: Request, user: Viewer, compare: str = "", added: str = "") -> Response:
    from roadwise.engines.scenario import without_missing_items

    service = request.app.state.service
    ws = service.workspace()
    comparison, error = None, None
    skipped: tuple[str, ...] = ()
    if compare:
        try:
            comparison = service.compare_scenario(compare)
        except RoadwiseError as exc:
            error = str(exc)
        if comparison is None and error is None:
            raise HTTPException(404, f"no scenario '{compare}'")
        scenario = next((sc for sc in ws.scenarios if sc.key == compare), None)
        if scenario is not None:
            skipped = without_missing_items(ws, scenario)[1]
    stored = next((sc for sc in ws.scenarios if sc.key == added), None)
    return render(
        request,
        "scenarios.html",
        _scenarios_context(ws)
        | {
            "comparison": comparison,
            "error": error,
            "chosen": compare or added,
            "skipped": skipped,
            "added": stored,
        },
    )


def _scenarios_context(ws: Workspace) -> dict[str, Any]:
    names = {t.key: t.name for t in ws.teams}
    return {
        "ws": ws,
        # A feature spanning teams moves as its teams' keys joined by '+': each by name.
        "team_name": lambda team: team_names(team, names),
        "comparison": None,
        "error": None,
        "chosen": "",
        "skipped": (),
        "added": None,
        "form_error": None,
        "form_field": None,
        "draft": {"hire_count": "1"},
    }


# Where each kind of change is typed in the scenario form, as its errors name it.
SCENARIO_FIELDS = {"key": "key", "set": "other changes", "remove": "drop", "hire": "hire"}


@router.post("/scenarios", response_class=HTMLResponse)
def scenario_add(
    request: Request,
    user: Editor,
    csrf: Csrf,
    key: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=2000)] = "",
    drop: Annotated[str, Form(max_length=5000)] = "",
    hire_team: Annotated[str, Form(max_length=100)] = "",
    hire_count: Annotated[str, Form(max_length=10)] = "1",
    hire_date: Annotated[str, Form(max_length=20)] = "",
    changes: Annotated[str, Form(max_length=20000)] = "",
) -> Response:
    """Store a new scenario from the form: the same checks as ``roadwise scenario add``."""
    from roadwise.views.scenario_changes import build_scenario, store_scenario

    check_csrf(request, csrf)
    ws = request.app.state.service.workspace()
    draft = {
        "key": key,
        "name": name,
        "description": description,
        "drop": drop,
        "hire_team": hire_team,
        "hire_count": hire_count,
        "hire_date": hire_date,
        "changes": changes,
    }
    key = key.strip()
    try:
        if not key:
            raise RoadwiseError("give the scenario a key, e.g. hire-platform", field="key")
        if any(sc.key == key for sc in ws.scenarios):
            raise RoadwiseError(
                f"a scenario '{key}' exists already; choose another key", field="key"
            )
        hires = _hires_from_form(hire_team, hire_count, hire_date)
        scenario = build_scenario(
            ws,
            key,
            name=name.strip(),
            description=description.strip(),
            sets=[line.strip() for line in changes.splitlines() if line.strip()],
            removes=[k for k in re.split(r"[\s,]+", drop) if k],
            hires=hires,
            fields=SCENARIO_FIELDS,
        )
        if not scenario.changes:
            raise RoadwiseError(
                "a scenario needs at least one change: hire, drop items or other changes",
                field="hire",
            )
        store_scenario(request.app.state.store, scenario, actor=user.name)
    except RoadwiseError as exc:
        context = _scenarios_context(ws)
        context |= {"form_error": str(exc), "form_field": exc.field, "draft": draft}
        return render(request, "scenarios.html", context, status=422)
    return RedirectResponse(f"/scenarios?{urlencode({'added': key})}", status_code=303)


def _hires_from_form(team: str, count: str, date: str) -> list[str]:
    """The form's hire boxes as ``TEAM[@DATE]`` once per person, as the CLI's ``--hire``."""
    team, count, date = team.strip(), count.strip(), date.strip()
    if not team:
        if date:
            raise RoadwiseError("choose the team the new people join", field="hire")
        return []
    if not count.isdecimal() or not 1 <= int(count) <= 20:
        raise RoadwiseError(f"'{count}' people: give a whole number from 1 to 20", field="hire")
    return [f"{team}@{date}" if date else team] * int(count)


# --------------------------------------------------------------------------- decisions, audit


@router.get("/decisions", response_class=HTMLResponse)
def decisions_page(request: Request, user: Viewer) -> Response:
    ws = request.app.state.service.workspace()
    return render(
        request,
        "decisions.html",
        {"ws": ws, "decisions": sorted(ws.decisions, key=lambda d: d.date, reverse=True)},
    )


@router.post("/decisions")
def decisions_add(
    request: Request,
    user: Editor,
    csrf: Csrf,
    title: Annotated[str, Form(min_length=1, max_length=500)],
    rationale: Annotated[str, Form(max_length=20000)] = "",
    items: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, csrf)
    keys = [k for k in re.split(r"[\s,]+", items) if k]
    new_decision(request, title.strip(), rationale.strip(), keys, user.name)
    return RedirectResponse("/decisions", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, user: Viewer, entity: str = "") -> Response:
    if entity and entity not in AUDITED_KINDS:
        raise RoadwiseError(
            f"no record kind {entity!r}; choose one of {', '.join(AUDITED_KINDS)}", field="entity"
        )
    entries = request.app.state.store.audit_entries(entity=entity or None, limit=200)
    return render(
        request, "audit.html", {"entries": entries, "entity": entity, "kinds": AUDITED_KINDS}
    )


# --------------------------------------------------------------------------- reports


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, user: Viewer) -> Response:
    from roadwise.views.reports import REPORT_KINDS

    return render(request, "reports.html", {"kinds": REPORT_KINDS})


@router.get("/reports/{kind}.{fmt}")
def report_download(request: Request, kind: str, fmt: str, user: Viewer) -> Response:
    from roadwise.views.reports import REPORT_KINDS, build_reports, write_report

    if kind not in REPORT_KINDS or fmt not in ("html", "md", "pdf"):
        raise HTTPException(404, "no such report")
    service = request.app.state.service
    ws = service.workspace()
    results: dict[str, Any] = {
        "priorities": service.priorities(),
        "forecast": None,
        "delivery": service.delivery(),
        "roadmap_of_record": service.roadmap_of_record(),
    }
    # The Roadmap page's plan too: the report shows the same dates, and a download is not a
    # fresh CP-SAT run (about 4 s on the sample each time, 0.6 s with it).
    with contextlib.suppress(RoadwiseError):  # the report then says why it has none
        results["roadmap"] = service.roadmap()
    results = {k: v for k, v in results.items() if v is not None}
    report = build_reports(ws, [kind], results=results)[kind]
    folder = Path(tempfile.mkdtemp(prefix="roadwise-report-"))
    path = write_report(report, folder / f"{kind}.{fmt}", fmt, ws)
    media = {"html": "text/html", "md": "text/markdown", "pdf": "application/pdf"}[fmt]
    return FileResponse(
        path,
        media_type=media,
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )


# --------------------------------------------------------------------------- API reference


def schema_type(schema: dict[str, Any]) -> str:
    """An OpenAPI schema as a short type a reader knows: ``Item``, ``list of string``."""
    if "$ref" in schema:
        return str(schema["$ref"]).rsplit("/", 1)[-1]
    for union in ("anyOf", "oneOf"):
        if union in schema:
            return " or ".join(schema_type(s) for s in schema[union])
    if "enum" in schema:
        return "one of " + ", ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return "list of " + schema_type(schema.get("items", {}))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return "map to " + schema_type(schema["additionalProperties"])
    return "null" if kind == "null" else str(kind)


def api_reference(spec: dict[str, Any]) -> dict[str, Any]:
    """The OpenAPI schema as rows for a page: what Swagger UI shows, without its CDN scripts."""
    operations = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body = (op.get("requestBody", {}).get("content", {}).get("application/json", {})).get(
                "schema"
            )
            answers = []
            for code, response in sorted(op.get("responses", {}).items()):
                content = response.get("content", {}).get("application/json", {})
                returns = schema_type(content["schema"]) if "schema" in content else ""
                answers.append((code, response.get("description", ""), returns))
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": f"{method}-{re.sub(r'[^a-z0-9]+', '-', path.lower()).strip('-')}",
                    "summary": op.get("description") or op.get("summary", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "type": schema_type(p.get("schema", {})),
                            "required": p.get("required", False),
                            "description": p.get("description")
                            or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": schema_type(body) if body else "",
                    "responses": answers,
                }
            )
    schemas = [
        {
            "name": name,
            "description": schema.get("description", ""),
            "fields": [
                {
                    "name": field,
                    "type": schema_type(prop),
                    "required": field in schema.get("required", []),
                    "description": prop.get("description", ""),
                }
                for field, prop in schema.get("properties", {}).items()
            ],
        }
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]
    return {"operations": operations, "schemas": schemas, "info": spec.get("info", {})}


@router.get("/docs", response_class=HTMLResponse)
def api_docs_page(request: Request, user: Viewer) -> Response:
    return render(request, "api_docs.html", api_reference(request.app.openapi()))


@router.get("/redoc", include_in_schema=False)
def redoc_page() -> Response:
    """FastAPI's usual second address for its docs (ReDoc loads its script from a CDN, which
    this app never does): the reference above."""
    return RedirectResponse("/docs", status_code=307)
