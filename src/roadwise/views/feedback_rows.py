"""Feedback demand and themes as plain rows: what ``roadwise feedback demand|themes --json``
print and the web app's Demand page and ``/api/feedback/…`` give, from one analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from roadwise.domain import Workspace
from roadwise.errors import RoadwiseError

if TYPE_CHECKING:  # the engine is imported where it is used: the CLI starts faster
    from roadwise.engines.feedback import FeedbackAnalysis, FeedbackSettings, ThemeSummary
    from roadwise.engines.feedback.demand import Demand


def feedback_settings(ws: Workspace, backend: str | None = None) -> FeedbackSettings:
    """The workspace's feedback settings (``settings.extra["feedback"]``), ``backend`` over
    its own choice when given; a bad setting is an error that names where it is."""
    from roadwise.engines.feedback import FeedbackSettings

    values = dict(ws.settings.extra.get("feedback") or {})
    if backend:
        values["backend"] = backend
    try:
        return FeedbackSettings.from_mapping(values, seed=ws.settings.seed)
    except (TypeError, ValueError) as exc:
        raise RoadwiseError(str(exc), field="settings.extra.feedback") from None


def demand_rows(
    ws: Workspace, analysis: FeedbackAnalysis, top: int | None = None
) -> list[dict[str, Any]]:
    """Items by revenue-weighted demand, most first (``top``: only that many)."""
    ranked = analysis.top_items(len(ws.items) if top is None else top)
    return [_demand_row(ws, analysis, d) for d in ranked]


def demand_listing(
    ws: Workspace, analysis: FeedbackAnalysis | None, top: int | None = None
) -> dict[str, Any]:
    """What ``roadwise feedback demand --json`` prints and ``/api/feedback/demand`` returns:
    ``items``, the ranking (:func:`demand_rows`, ``top`` of them), and ``dropped``, what
    customers still ask of dropped items (:func:`dropped_demand`, all of them). Without an
    analysis (no feedback yet) both are empty, in the same shape."""
    if analysis is None:
        return {"items": [], "dropped": {"texts": 0, "customers": 0, "items": []}}
    return {"items": demand_rows(ws, analysis, top), "dropped": dropped_demand(ws, analysis)}


def _demand_row(ws: Workspace, analysis: FeedbackAnalysis, d: Demand) -> dict[str, Any]:
    return {
        "item": d.key,
        "title": ws.item_by_key[d.key].title,
        "mentions": d.mentions,
        "customers": d.reach,
        "customers_interval": list(d.customers_interval),
        "revenue": d.revenue,
        "revenue_interval": list(d.revenue_interval),
        "share_of_revenue": round(d.share_of_revenue, 4),
        "segments": dict(d.segments),
        "quotes": list(analysis.evidence[d.key].quotes) if d.key in analysis.evidence else [],
    }


def dropped_demand(ws: Workspace, analysis: FeedbackAnalysis) -> dict[str, Any]:
    """What customers still ask of dropped items (kept out of the ranking): the distinct
    texts and customers over them all, and a row per item as :func:`demand_rows` gives,
    ordered as the ranking orders."""
    asked = analysis.dropped_ranked()
    texts: set[str] = set()
    customers: set[str] = set()
    for d in asked:
        found = analysis.evidence.get(d.key)
        texts.update(found.feedback if found else ())
        customers.update(d.customers)
    return {
        "texts": len(texts),
        "customers": len(customers),
        "items": [_demand_row(ws, analysis, d) for d in asked],
    }


DROPPED_LISTED = 5
"""Dropped items named in the one line; the rest are counted ("and 3 more")."""


def dropped_demand_line(dropped: dict[str, Any]) -> str:
    """One line on :func:`dropped_demand` ('12 texts from 5 customers ask for dropped items:
    KW-1 (8 texts, 4 customers), …; they are not in the ranking'), or "" when none do."""
    from roadwise.views.reports.wording import join_words, say_count

    items = dropped["items"]
    if not items:
        return ""
    one = len(items) == 1
    named = [
        f"{r['item']} ({say_count(r['mentions'], 'text')}, {say_count(r['customers'], 'customer')})"
        for r in items[:DROPPED_LISTED]
    ]
    if len(items) > DROPPED_LISTED:
        named.append(f"{len(items) - DROPPED_LISTED} more")
    who = f" from {say_count(dropped['customers'], 'customer')}" if dropped["customers"] else ""
    return (
        f"{say_count(dropped['texts'], 'text')}{who} "
        f"{'asks' if dropped['texts'] == 1 else 'ask'} for "
        f"{'a dropped item' if one else 'dropped items'}: {join_words(named)}; "
        f"{'it is' if one else 'they are'} not in the ranking."
    )


def theme_rows(analysis: FeedbackAnalysis) -> list[dict[str, Any]]:
    """Themes among the feature requests no item covers, with their trend and quotes; then
    the rising groups of alike themes (``parts``: the themes a group joins)."""
    return [
        {
            "theme": t.theme.key,
            "name": t.theme.name,
            "texts": len(t.feedback),
            "customers": t.demand.reach,
            "revenue": t.demand.revenue,
            "recent": t.theme.trend.recent,
            "earlier": t.theme.trend.earlier,
            "rate_ratio": round(t.theme.trend.rate_ratio, 2),
            "p_value": round(t.theme.trend.p_value, 4),
            "q_value": round(t.theme.trend.q_value, 4),
            "rising": t.theme.trend.rising,
            "request_confidence": t.request_confidence,
            "unsure": t.unsure,
            "parts": list(t.theme.parts),
            "quotes": list(t.quotes),
        }
        for t in analysis.themes
    ]


def listed_theme(
    analysis: FeedbackAnalysis | None, key: str, name: str | None, again: str
) -> ThemeSummary:
    """Theme ``key`` (T1, …, or a group G1, …) of ``analysis``; when ``name`` is given it must
    still have that name. Theme keys are per analysis, and a changed workspace renumbers
    them: a key listed before must not quietly mean another theme. ``again`` says how to list
    the themes again, in the caller's words."""
    found = {t.theme.key: t for t in analysis.themes} if analysis is not None else {}
    summary = found.get(key.strip().upper())
    if summary is None:
        raise RoadwiseError(
            f"no theme {key}: it is no longer in this analysis (themes: "
            f"{', '.join(found) or 'none'}); {again}",
            field="theme",
        )
    if name is not None and summary.theme.name != name:
        raise RoadwiseError(
            f"theme {summary.theme.key} is no longer the one listed: it is now "
            f"“{summary.theme.name}”, not “{name}” (the feedback changed since); {again}",
            field="theme",
        )
    return summary
