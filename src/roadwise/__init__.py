"""Roadwise: a planning engine for technical product managers.

The public API is curated here; everything else is an implementation detail.
"""

from __future__ import annotations

__version__ = "0.1.0"

from roadwise.domain import (
    Customer,
    Cycles,
    Decision,
    Dependency,
    Estimate,
    Feedback,
    HistoryRecord,
    Item,
    ItemKind,
    Objective,
    Person,
    Range,
    Release,
    Scenario,
    Status,
    Team,
    Theme,
    ValueInputs,
    Workspace,
)
from roadwise.errors import ConflictError, InfeasibleError, RoadwiseError, ValidationError

__all__ = [
    "ConflictError",
    "Customer",
    "Cycles",
    "Decision",
    "Dependency",
    "Estimate",
    "Feedback",
    "HistoryRecord",
    "InfeasibleError",
    "Item",
    "ItemKind",
    "Objective",
    "Person",
    "Range",
    "Release",
    "RoadwiseError",
    "Scenario",
    "Status",
    "Team",
    "Theme",
    "ValidationError",
    "ValueInputs",
    "Workspace",
    "__version__",
]
