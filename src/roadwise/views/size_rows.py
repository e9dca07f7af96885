"""Suggested sizes as JSON-ready rows: what `roadwise items estimate --json` prints and
`/api/estimates` answers (one shape for both)."""

from __future__ import annotations

from typing import Any

from roadwise.engines.estimate import SizeReport


def size_payload(report: SizeReport) -> dict[str, Any]:
    model, holdout = report.model, report.model.holdout
    return {
        "learned_from": len(model.examples),
        "learned": model.learned,
        "median": model.median,
        "holdout": {
            "items": holdout.items,
            "mae": round(holdout.mae, 3),
            "median_mae": round(holdout.median_mae, 3),
            "range_held": round(holdout.coverage, 3),
        },
        "items": [
            {
                "item": s.item,
                "team": s.team,
                "estimate": s.estimate.likely if s.estimate else None,
                "estimate_unit": s.estimate.unit.value if s.estimate else None,
                "suggested": s.suggestion.likely,
                "low": s.suggestion.low,
                "high": s.suggestion.high,
                "outside": s.outside,
                "similar": [
                    {"item": k, "points": p, "similarity": c} for k, p, c in s.suggestion.similar
                ],
            }
            for s in report.items
        ],
    }
