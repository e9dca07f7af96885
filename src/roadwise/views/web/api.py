"""The JSON API: every read and write the pages make, with OpenAPI response models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Container
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, StringConstraints, field_serializer
from pydantic import ValidationError as PydanticValidationError

from roadwise.domain import Decision, Estimate, Item, Status
from roadwise.engines.prioritize.results import FIELD_MEANINGS
from roadwise.errors import RoadwiseError
from roadwise.views.web import accounts
from roadwise.views.web.app import session_user
from roadwise.views.web.security import CSRF_HEADER, PUBLIC, check_csrf

bearer = HTTPBearer(auto_error=False, description="An API token from `roadwise token create`.")


class ErrorOut(BaseModel):
    """A message for a person; request validation errors list each bad field instead."""

    detail: str | list[dict[str, Any]]


_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The body is not JSON"},
    401: {"model": ErrorOut, "description": "Not logged in / no valid token"},
    403: {"model": ErrorOut, "description": "Your role may not do this"},
}
router = APIRouter(prefix="/api", responses=_ERRORS)


def api_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> accounts.User:
    store = request.app.state.store
    if credentials is not None:
        user = accounts.user_for_token(store, credentials.credentials)
        if user is None:
            raise HTTPException(401, "unknown API token", headers={"WWW-Authenticate": "Bearer"})
        return user
    user = session_user(request)
    if user is not None:
        request.state.via_session = True
        return user
    if request.app.state.published_readonly and request.method == "GET":
        return PUBLIC
    raise HTTPException(401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"})


def api_editor(request: Request, user: Annotated[accounts.User, Depends(api_user)]) -> Any:
    if not user.can_edit or user is PUBLIC:
        raise HTTPException(403, f"{user.name} is a {user.role}: read-only")
    if getattr(request.state, "via_session", False):
        # A browser session is a cookie the browser sends by itself: ask for proof of origin.
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return user


Responses = dict[int | str, dict[str, Any]]
Reader = Annotated[accounts.User, Depends(api_user)]
Editor = Annotated[accounts.User, Depends(api_editor)]
CONFLICT: Responses = {409: {"model": ErrorOut, "description": "Someone else changed it first"}}
INVALID: Responses = {422: {"model": ErrorOut, "description": "The change breaks a workspace rule"}}
MISSING: Responses = {404: {"model": ErrorOut, "description": "No such record"}}


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """The store keeps naive UTC; the API says so (RFC 3339 wants the offset)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class ItemOut(Item):
    """An item as the API returns it: timestamps with their UTC offset."""

    @field_serializer("created", "started", "done")
    def _utc(self, value: dt.datetime | None) -> str | None:
        aware = utc(value)
        return aware.isoformat() if aware else None


def item_out(item: Item) -> ItemOut:
    return ItemOut.model_construct(**dict(item))


class Me(BaseModel):
    name: str
    role: str


@router.get("/me", response_model=Me)
def me(user: Reader) -> Me:
    return Me(name=user.name, role=user.role)


@router.get("/items", response_model=list[ItemOut])
def list_items(
    request: Request,
    user: Reader,
    status: Annotated[list[Status], Query()] = [],  # noqa: B006 (FastAPI copies it)
    team: Annotated[list[str], Query()] = [],  # noqa: B006
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[Item]:
    from roadwise.views.web.pages import filter_items

    ws = request.app.state.service.workspace()
    rows = filter_items(ws.items, status=[s.value for s in status], team=team, q=q)
    return [item_out(i) for i in rows[offset : offset + limit]]


def _item(request: Request, key: str) -> Item:
    item = request.app.state.service.workspace().item_by_key.get(key)
    if item is None:
        raise HTTPException(404, f"no item '{key}'")
    return item


@router.get("/items/{key}", response_model=ItemOut, responses=MISSING)
def get_item(request: Request, key: str, user: Reader) -> Item:
    return item_out(_item(request, key))


class SimilarOut(BaseModel):
    item: str
    points: float
    similarity: float


class SizeOut(BaseModel):
    item: str
    team: str | None
    estimate: float | None = Field(description="The item's estimate (most likely), if any")
    estimate_unit: str | None
    suggested: float = Field(description="Suggested size in points, on the team's scale")
    low: float
    high: float
    outside: bool = Field(description="The estimate, in points, lies outside the range")
    similar: list[SimilarOut]


class SizeHoldoutOut(BaseModel):
    items: int
    mae: float
    median_mae: float = Field(description="The same for always suggesting the median")
    range_held: float


class SizesOut(BaseModel):
    """Suggested sizes from similar finished work (as `roadwise items estimate --json`)."""

    learned_from: int
    learned: bool = Field(description="Whether the words told sizes apart on held-out work")
    median: float
    holdout: SizeHoldoutOut
    items: list[SizeOut]


@router.get("/estimates", response_model=SizesOut, responses=INVALID)
def estimates(request: Request, user: Reader, check: bool = False) -> SizesOut:
    """Suggested sizes for the open items without an estimate (``check``: with one too)."""
    from roadwise.engines.estimate import size_items
    from roadwise.views.size_rows import size_payload

    service = request.app.state.service
    # Without a model (too little history), size_items learns again and says why it cannot.
    report = size_items(service.workspace(), estimated=check, model=service.size_model())
    return SizesOut(**size_payload(report))


# Strict: a JSON true is not version 1.
Version = Annotated[int, Field(strict=True, ge=1)]


class ItemPatch(BaseModel):
    """The fields an edit may change; ``version`` is the version the edit was based on."""

    version: Version
    # Stripped first, as the item page's form does: a title of spaces is no title.
    title: Annotated[str, StringConstraints(strip_whitespace=True)] | None = Field(
        default=None, min_length=1, max_length=500
    )
    description: str | None = Field(default=None, max_length=20000)
    status: Status | None = None
    team: str | None = None
    release: str | None = None
    estimate: Estimate | None = None


def apply_patch(
    request: Request, key: str, patch: dict[str, Any], version: int, actor: str
) -> Item:
    """Save an edit based on ``version``: a stale version raises ConflictError (HTTP 409)."""
    store = request.app.state.store
    current = store.find_item(key)
    if current is None:
        raise HTTPException(404, f"no item '{key}'")
    changes = {k: v for k, v in patch.items() if k != "version"}
    for field in ("team", "release"):
        if changes.get(field) == "":
            changes[field] = None
    data = current.model_dump()
    data.update(changes)
    try:
        updated = Item.model_validate(data)
    except PydanticValidationError as exc:
        # One line naming the field, as the CLI's errors do, not pydantic's multi-line report.
        from roadwise.sources._errors import dotted, error_message, error_path, pick_error

        error = pick_error(exc.errors())
        raise RoadwiseError(
            f"item {key}: {error_message(error)}", field=dotted(error_path(error, data)) or None
        ) from None
    saved: Item = store.upsert_item(updated, expected_version=version, actor=actor)
    return saved


@router.patch("/items/{key}", response_model=ItemOut, responses={**CONFLICT, **INVALID, **MISSING})
def patch_item(request: Request, key: str, patch: ItemPatch, user: Editor) -> Item:
    saved = apply_patch(
        request, key, patch.model_dump(exclude_unset=True), patch.version, user.name
    )
    return item_out(saved)


class BulkEdit(BaseModel):
    items: dict[str, Version] = Field(description="item key -> the version the edit is based on")
    status: Status | None = None
    team: str | None = None
    release: str | None = None


class BulkResult(BaseModel):
    saved: list[str]
    conflicts: dict[str, str]


@router.post("/items/bulk", response_model=BulkResult, responses={**INVALID})
def bulk_edit(request: Request, edit: BulkEdit, user: Editor) -> BulkResult:
    return bulk_apply(request, edit, user.name)


def bulk_apply(request: Request, edit: BulkEdit, actor: str) -> BulkResult:
    """Each item is saved on its own: a conflict on one leaves the others saved and says so."""
    patch = edit.model_dump(exclude_unset=True, exclude={"items"})
    patch = {k: v for k, v in patch.items() if v is not None}
    saved, conflicts = [], {}
    for key, version in edit.items.items():
        try:
            apply_patch(request, key, patch, version, actor)
            saved.append(key)
        except HTTPException as exc:
            conflicts[key] = str(exc.detail)
        except RoadwiseError as exc:
            conflicts[key] = str(exc)
    return BulkResult(saved=saved, conflicts=conflicts)


_NOT_SAMPLED = (
    " None when nothing was sampled (samples 0: no input is a range, or sampling is off)."
)


class Priority(BaseModel):
    key: str
    title: str
    rank: int = Field(description=FIELD_MEANINGS["rank"])
    score: float = Field(description=FIELD_MEANINGS["score"])
    expected: float = Field(description=FIELD_MEANINGS["expected"])
    # Without sampling these would be the score twice, a 0/1 share and the rank again: the
    # CLI's table, JSON and CSV leave them out, the API says None.
    interval: tuple[float, float] | None = Field(
        None, description=FIELD_MEANINGS["interval"] + "." + _NOT_SAMPLED
    )
    p_top_k: float | None = Field(None, description=FIELD_MEANINGS["p_top_k"] + "." + _NOT_SAMPLED)
    expected_rank: float | None = Field(
        None, description=FIELD_MEANINGS["expected_rank"] + "." + _NOT_SAMPLED
    )
    arithmetic: str


class Priorities(BaseModel):
    framework: str
    top_k: int
    samples: int = Field(
        description="Monte Carlo samples of the estimates' ranges; 0 when nothing was sampled"
    )
    ranked_by: Literal["expected", "score"] = Field(
        description="the item field the ranking orders by: expected with sampling, else score"
    )
    items: list[Priority]


@router.get("/priorities", response_model=Priorities)
def priorities(request: Request, user: Reader) -> Response:
    service = request.app.state.service
    # The ranking changes only with the workspace: its JSON is cached with it.
    body = service.cached("priorities.json", lambda: _priorities(service.priorities()))
    return Response(content=body, media_type="application/json")


def _priorities(result: Any) -> bytes:
    sampled = result.simulated
    return (
        Priorities(
            framework=result.framework_label,
            top_k=result.top_k,
            samples=result.samples,
            ranked_by=result.ranked_by,
            items=[
                Priority(
                    key=r.key,
                    title=r.title,
                    rank=r.rank,
                    score=r.score,
                    expected=r.expected,
                    interval=r.interval if sampled else None,
                    p_top_k=r.p_top_k if sampled else None,
                    expected_rank=r.expected_rank if sampled else None,
                    arithmetic=r.arithmetic,
                )
                for r in result.items
            ],
        )
        .model_dump_json()
        .encode()
    )


class ReleaseItem(BaseModel):
    key: str
    title: str
    value: float
    size: float
    team: str | None
    #: The item is no longer in the workspace (removed since the plan was stored, e.g. by a
    #: tracker sync with --prune); the stored plan still shows what was decided then.
    removed: bool = False


class ReleasePlanOut(BaseModel):
    key: str
    created: dt.datetime
    summary: str
    value: float
    proven_optimal: bool
    gap: float
    greedy_value: float
    items: list[ReleaseItem]
    greedy_items: list[ReleaseItem]
    greedy_violations: list[str]
    skipped: dict[str, str] = Field(
        default_factory=dict,
        description="open items the plan could not consider, with why (no estimate, marked "
        "won't have, depends on such an item): as `roadwise plan release --json`",
    )
    hard_deadline_out_of_reach: dict[str, dt.date] = Field(
        default_factory=dict,
        description="items left out because their hard deadline falls before the release "
        "window opens, with the deadline: no plan can meet it",
    )


def release_out(plan: Any, known: Container[str] | None = None) -> ReleasePlanOut:
    """A stored release plan; with ``known`` (the workspace's item keys) the items it names that
    are gone since are marked removed."""
    p = plan.payload
    meta = p.get("items", {})

    def rows(keys: list[str]) -> list[ReleaseItem]:
        out = []
        for k in keys:
            m = meta.get(k, {})
            out.append(
                ReleaseItem(
                    key=k,
                    title=m.get("title", ""),
                    value=float(m.get("value", 0.0)),
                    size=float(m.get("size", 0.0)),
                    team=m.get("team"),
                    removed=known is not None and k not in known,
                )
            )
        return sorted(out, key=lambda r: -r.value)

    return ReleasePlanOut(
        key=plan.key,
        created=utc(plan.created),
        summary=plan.summary,
        value=float(p.get("value", 0.0)),
        proven_optimal=bool(p.get("proven_optimal", False)),
        gap=float(p.get("gap", 0.0) or 0.0),
        greedy_value=float(p.get("greedy", {}).get("value", 0.0)),
        items=rows(list(p.get("selection", {}).get("items", []))),
        greedy_items=rows(list(p.get("greedy", {}).get("items", []))),
        greedy_violations=list(p.get("greedy_violations", [])),
        skipped=dict(p.get("skipped", {})),
        hard_deadline_out_of_reach=dict(p.get("hard_deadline_out_of_reach", {})),
    )


@router.get("/release", response_model=ReleasePlanOut | None)
def latest_release(request: Request, user: Reader) -> ReleasePlanOut | None:
    service = request.app.state.service
    plan = service.latest_release_plan()
    return release_out(plan, service.workspace().item_by_key) if plan else None


class ReleaseRun(BaseModel):
    percentile: float = Field(default=0.8, ge=0.5, le=0.95)


@router.post("/release/run", response_model=ReleasePlanOut, responses=INVALID)
def run_release(request: Request, body: ReleaseRun, user: Editor) -> ReleasePlanOut:
    service = request.app.state.service
    wp, plan = service.run_release(body.percentile)
    return release_out(service.save_release(wp, plan, body.percentile, user.name))


class Scheduled(BaseModel):
    key: str
    title: str
    team: str
    start: dt.date
    end: dt.date
    late_days: int
    horizon: Literal["now", "next", "later", ""]


class ReplanOut(BaseModel):
    """What re-planning would gain over the stored plan shown (moved on, or items added
    since): what a short local search from it already found; `roadwise plan roadmap` starts
    from that plan."""

    gain: float = Field(description="Cost of delay saved, or value delivered in addition")
    share: float = Field(description="gain as a share of the shown plan's")
    deadlines_met: int = Field(description="Hard deadlines met that the shown plan misses")
    items_moved: int
    rounds: int
    worth_it: bool


class RoadmapOut(BaseModel):
    start: dt.date
    finish: dt.date | None
    proven_optimal: bool
    items: list[Scheduled]
    replan: ReplanOut | None = None


@router.get("/roadmap", response_model=RoadmapOut, responses=INVALID)
def roadmap(request: Request, user: Reader) -> RoadmapOut:
    from roadwise.engines.schedule.roadmap import now_next_later
    from roadwise.views.stored_roadmap import replan_payload

    service = request.app.state.service
    r = service.roadmap()
    gain = service.replan_gain()
    h = now_next_later(r)
    horizon = {s.key: "now" for s in h.now} | {s.key: "next" for s in h.next}
    horizon |= {s.key: "later" for s in h.later}
    return RoadmapOut(
        start=r.start,
        finish=r.summary.finish,
        proven_optimal=r.summary.proven_optimal,
        items=[
            Scheduled(
                key=s.key,
                title=s.title,
                team=s.team,
                start=s.start,
                end=s.end,
                late_days=s.late_days,
                horizon=horizon.get(s.key, ""),
            )
            for s in r.items
        ],
        replan=None if gain is None else ReplanOut(**replan_payload(gain)),
    )


DELIVERY_METHOD = "probabilistic roadmap"
COUNT_METHOD = "item-count throughput"


def _day(day: dt.date | None) -> dt.date | None:
    """A forecast date, or None when it is not in sight (beyond the simulated horizon)."""
    return None if day is None or day == dt.date.max else day


class TeamForecast(BaseModel):
    team: str
    open_items: int = Field(description="open items in the team's queue")
    reason: str | None = Field(
        None,
        description="why the team's work cannot be dated, as the reports say it (e.g. 'no "
        "delivery history for team QA'; its dates are then null); null when it can",
    )
    p50: dt.date | None = Field(description="50% date of the delivery forecast (see method)")
    p85: dt.date | None = Field(
        description="85% date: the date the dashboard and reports show; null when not within "
        "10 years, or when the work cannot be dated (see reason)"
    )
    p95: dt.date | None
    backtest_cutoffs: int = Field(
        description="walk-forward backtest cut-offs of the item-count throughput forecast"
    )
    hit_85: float | None = Field(
        description="share of past 85% dates of the item-count throughput forecast that were met"
    )
    method: str = Field(
        DELIVERY_METHOD,
        description=f"'{DELIVERY_METHOD}': the team's queue of deliverables, sized by the "
        "estimates with its estimate bias (as the reports); "
        f"'{COUNT_METHOD}': only when the team has no queue to replay",
    )
    unit: str = Field("items", description="unit of open_work: points or items")
    open_work: float | None = Field(None, description="likely size of the open work, in unit")
    count_p50: dt.date | None = Field(None, description="item-count throughput forecast, 50%")
    count_p85: dt.date | None = Field(None, description="item-count throughput forecast, 85%")
    count_p95: dt.date | None = Field(None, description="item-count throughput forecast, 95%")


@router.get("/forecasts", response_model=list[TeamForecast])
def forecasts(request: Request, user: Reader) -> list[TeamForecast]:
    service = request.app.state.service
    ws = service.workspace()
    delivery = service.delivery()
    counts = service.count_forecasts()
    undated = service.undated().teams()
    out = []
    for team in ws.teams:
        d = delivery.teams.get(team.key)
        f = counts.get(team.key)
        if d is None and f is None:
            continue
        cal = f.calibration if f else None
        cutoffs = cal.cutoffs if cal else 0
        count_dates = {p: f.dates.get(p) for p in (50, 85, 95)} if f else {}
        dates = {p: _day(d.dates[p]) for p in (50, 85, 95)} if d else count_dates
        out.append(
            TeamForecast(
                team=team.key,
                open_items=d.open_count if d else round(f.target),
                reason=undated.get(team.key),
                p50=dates.get(50),
                p85=dates.get(85),
                p95=dates.get(95),
                backtest_cutoffs=cutoffs,
                hit_85=cal.hit.get(85) if cal and cutoffs else None,
                method=DELIVERY_METHOD if d else COUNT_METHOD,
                unit=delivery.unit if d else "items",
                open_work=d.open_work if d else f.target,
                count_p50=count_dates.get(50),
                count_p85=count_dates.get(85),
                count_p95=count_dates.get(95),
            )
        )
    return out


class DeadlineChance(BaseModel):
    item: str
    title: str
    due: dt.date
    chance: float = Field(description="share of trials in which this deadline alone is met")


class DeadlinesOut(BaseModel):
    every: float = Field(description="share of trials in which every hard deadline is met at once")
    target: float = Field(description="how sure is sure enough (the commitment level, 85%)")
    trials: int
    order: str = Field(description="whose order the teams work in")
    deadlines: list[DeadlineChance] = Field(description="each hard deadline, least likely first")
    more_hires: dict[str, int] = Field(
        description="fewest added people per team that bring `every` to `target` (empty when "
        "it is there already or when people do not help)"
    )
    with_more_hires: float | None = Field(description="`every` with those people")
    short_because: str = Field(
        description="why `every` stays below `target` even with them, in words (empty when it "
        "reaches it)"
    )
    not_replayed: list[str] = Field(
        description="items with a hard deadline the replay cannot date (no team with delivery "
        "history holds their work): not counted in `every`"
    )
    deadline_first: float | None = Field(
        None,
        description="`every` with no hire when each team starts its hard-deadline work (and "
        "what it waits for) first, the rest in the roadmap's order; null when that does not "
        "raise it or there is no roadmap of record (the priority queue starts it first)",
    )
    deadline_first_cost: float = Field(
        0.0,
        description="what that order adds to the plan's expected cost of delay, in the "
        "workspace's currency (negative: it saves)",
    )
    method: str = (
        "the delivery forecast's replay (Monte Carlo) of every team's queue; a hire joins "
        "today and, over a 30-day ramp-up, comes to add a member's share of the team's pace"
    )


@router.get("/deadlines", response_model=DeadlinesOut | None)
def deadlines(request: Request, user: Reader) -> DeadlinesOut | None:
    """How likely every hard deadline is met, and the fewest hires that make it likely enough
    (null without a hard deadline or delivery history)."""
    service = request.app.state.service
    found = service.deadline_confidence()
    if found is None:
        return None
    ws = service.workspace()
    chances = found["chances"]
    rows = []
    for key, chance in chances.ranked:
        item = ws.item_by_key[key]
        rows.append(
            DeadlineChance(item=key, title=item.title, due=item.deadline.date, chance=chance)
        )
    return DeadlinesOut(
        every=chances.every,
        target=found["target"],
        trials=found["trials"],
        order=found["plan"],
        deadlines=rows,
        more_hires=found["more_hires"],
        with_more_hires=found["with_more_hires"],
        short_because=found["short_because"],
        not_replayed=list(chances.not_replayed),
        deadline_first=found["deadline_first"],
        deadline_first_cost=found["deadline_first_cost"],
    )


class ObjectiveForecast(BaseModel):
    key: str
    title: str
    due: dt.date | None
    status: str = Field(
        description="on track (due date at least 85% likely), at risk (at least 50%), off "
        "track, cannot be dated (the work needs a team without delivery history; `reason` "
        "says which), no deadline, no date (no forecast), done or no items"
    )
    reason: str | None = Field(
        None,
        description="why the work cannot be dated, as the reports say it (e.g. 'no delivery "
        "history for team QA'); null for every other status",
    )
    open_items: int = Field(description="open leaf items serving the objective")
    open_deliverables: int = Field(description="open deliverables with a forecast")
    p50: dt.date | None
    p85: dt.date | None = Field(description="the 85% date the dashboard and reports show")
    p95: dt.date | None
    p_due: float | None = Field(
        description="chance of being done by the due date; null without one, and when the work "
        "cannot be dated"
    )
    method: str = DELIVERY_METHOD


@router.get("/objectives", response_model=list[ObjectiveForecast])
def objectives(request: Request, user: Reader) -> list[ObjectiveForecast]:
    """Every objective's delivery forecast: the dates the dashboard and the reports show."""
    out = []
    for row in request.app.state.service.objectives():
        f = row["forecast"]
        o = row["objective"]
        out.append(
            ObjectiveForecast(
                key=o.key,
                title=o.title,
                due=o.due,
                status=row["status"],
                reason=row["reason"],
                open_items=row["open"],
                open_deliverables=f.open_count if f else 0,
                p50=_day(f.p50) if f else None,
                p85=_day(f.p85) if f else None,
                p95=_day(f.p95) if f else None,
                p_due=row["p_due"],
            )
        )
    return out


class FeedbackOut(BaseModel):
    key: str
    text: str
    date: dt.date
    customer: str | None
    label: str | None
    links: list[dict[str, Any]]


@router.get("/feedback", response_model=list[FeedbackOut])
def feedback(
    request: Request,
    user: Reader,
    proposed: bool = True,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[FeedbackOut]:
    from roadwise.views.web.pages import inbox

    ws = request.app.state.service.workspace()
    rows = inbox(ws) if proposed else list(ws.feedback)
    return [
        FeedbackOut(
            key=f.key,
            text=f.text,
            date=f.date,
            customer=f.customer,
            label=f.label,
            links=[link.model_dump(mode="json") for link in f.links],
        )
        for f in rows[:limit]
    ]


class DemandOut(BaseModel):
    """An item's demand from linked feedback: each customer once, weighed by revenue."""

    item: str
    title: str
    mentions: int
    customers: int
    customers_interval: list[float]
    revenue: float
    revenue_interval: list[float]
    share_of_revenue: float
    segments: dict[str, float]
    quotes: list[str]


class DroppedDemandOut(BaseModel):
    """What customers still ask of dropped items, kept out of the ranking: the distinct texts
    and customers over them all, and a row per dropped item, most revenue first."""

    texts: int
    customers: int
    items: list[DemandOut]


class FeedbackDemandOut(BaseModel):
    """Items by revenue-weighted demand and the dropped items' demand apart: what `roadwise
    feedback demand --json` prints."""

    items: list[DemandOut]
    dropped: DroppedDemandOut


@router.get("/feedback/demand", response_model=FeedbackDemandOut, responses=INVALID)
def feedback_demand(
    request: Request, user: Reader, top: Annotated[int, Query(ge=1, le=1000)] = 50
) -> FeedbackDemandOut:
    """Items by revenue-weighted demand, most first (``top`` of them: the Demand page's
    table), and what customers still ask of dropped items (all of them)."""
    from roadwise.views.feedback_rows import demand_listing

    service = request.app.state.service
    listing = demand_listing(service.workspace(), service.feedback_analysis(), top)
    return FeedbackDemandOut.model_validate(listing)


class ThemeOut(BaseModel):
    """A theme of feature requests no item covers: its words, demand, trend and quotes."""

    theme: str
    name: str
    texts: int
    customers: int
    revenue: float
    recent: int
    earlier: int
    rate_ratio: float
    p_value: float
    q_value: float
    rising: bool
    request_confidence: float
    unsure: bool
    parts: list[str]
    """For a rising group of alike themes (key G1, …): the themes it joins."""
    quotes: list[str]


@router.get("/feedback/themes", response_model=list[ThemeOut], responses=INVALID)
def feedback_themes(request: Request, user: Reader) -> list[ThemeOut]:
    """Themes among the feature requests no item covers, rising ones flagged."""
    from roadwise.views.feedback_rows import theme_rows

    analysis = request.app.state.service.feedback_analysis()
    return [ThemeOut(**row) for row in theme_rows(analysis)] if analysis is not None else []


class ThemeItemIn(BaseModel):
    """A new backlog item for a theme; ``name`` is the theme's name as listed (theme keys are
    per analysis, so a changed workspace is noticed rather than the wrong theme used)."""

    key: str = Field(min_length=1, max_length=64)
    name: str
    title: str | None = Field(default=None, max_length=300)


@router.post(
    "/feedback/themes/{theme}/item",
    response_model=ItemOut,
    status_code=201,
    responses=INVALID,
)
def make_theme_item(request: Request, theme: str, body: ThemeItemIn, user: Editor) -> ItemOut:
    """Make a theme a backlog item: an idea with its demand, quotes and customers, its texts
    linked to it (as `roadwise feedback theme-item`)."""
    item = request.app.state.service.theme_item(theme, body.name, body.key, body.title, user.name)
    return item_out(item)


class Proposed(BaseModel):
    proposed: int


@router.post("/feedback/propose", response_model=Proposed)
def propose_links(request: Request, user: Editor) -> Proposed:
    """Run the feedback linker (about 10 s for 2,000 texts) and store its proposals."""
    return Proposed(proposed=request.app.state.service.propose_links(user.name))


class LinkReview(BaseModel):
    item: str
    confirmed: bool


@router.post("/feedback/{key}/link", response_model=FeedbackOut, responses={**MISSING, **INVALID})
def review_link(request: Request, key: str, body: LinkReview, user: Editor) -> FeedbackOut:
    from roadwise.views.web.pages import change_feedback

    f = change_feedback(request, key, user.name, link=(body.item, body.confirmed))
    return FeedbackOut(
        key=f.key,
        text=f.text,
        date=f.date,
        customer=f.customer,
        label=f.label,
        links=[link.model_dump(mode="json") for link in f.links],
    )


class LabelIn(BaseModel):
    label: str = Field(min_length=1, max_length=50)


@router.post("/feedback/{key}/label", response_model=FeedbackOut, responses={**MISSING, **INVALID})
def label_feedback(request: Request, key: str, body: LabelIn, user: Editor) -> FeedbackOut:
    from roadwise.views.web.pages import change_feedback

    f = change_feedback(request, key, user.name, label=body.label)
    return FeedbackOut(
        key=f.key,
        text=f.text,
        date=f.date,
        customer=f.customer,
        label=f.label,
        links=[link.model_dump(mode="json") for link in f.links],
    )


@router.get("/decisions", response_model=list[Decision])
def decisions(request: Request, user: Reader) -> list[Decision]:
    return list(request.app.state.service.workspace().decisions)


class DecisionIn(BaseModel):
    title: str = Field(min_length=1, max_length=500)
    rationale: str = Field(default="", max_length=20000)
    items: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100
    )


@router.post("/decisions", response_model=Decision, responses={**INVALID, **CONFLICT})
def add_decision(request: Request, body: DecisionIn, user: Editor) -> Decision:
    from roadwise.views.web.pages import new_decision

    return new_decision(request, body.title, body.rationale, body.items, user.name)


class AuditOut(BaseModel):
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    key: str
    changes: list[str]
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@router.get("/audit", response_model=list[AuditOut])
def audit(
    request: Request,
    user: Reader,
    entity: Annotated[str | None, Query(max_length=30)] = None,
    key: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    entries = request.app.state.store.audit_entries(entity=entity, key=key, limit=limit)
    return [
        AuditOut(
            id=e.id,
            at=utc(e.at),
            actor=e.actor,
            action=e.action,
            entity=e.entity,
            key=e.key,
            changes=e.changes(),
            before=e.before,
            after=e.after,
        )
        for e in entries
    ]
