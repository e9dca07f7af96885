"""Stakeholder reports: what Roadwise knows, in plain language, with traceable numbers.

Build a report from a workspace (engines are run, or their results reused) and write it::

    from roadwise.views.reports import build_reports, write_report
    reports = build_reports(ws, kinds=["executive", "roadmap"])
    write_report(reports["executive"], Path("summary.html"), "html", ws)

Kinds: executive, roadmap, status, release-notes, risks, resources. Formats: html, md, pdf.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from roadwise.domain import Workspace
from roadwise.views.reports.builders import BUILDERS, derive_status
from roadwise.views.reports.facts import Facts
from roadwise.views.reports.gather import GATHER_STEPS, gather
from roadwise.views.reports.model import Report
from roadwise.views.reports.render import FORMATS, KIND_LABELS, write
from roadwise.views.reports.wording import Glossary

REPORT_KINDS: tuple[str, ...] = tuple(BUILDERS)

HIRE_OPTION_KINDS = frozenset({"executive", "resources"})
"""The kinds that say what one more engineer per team buys. Working it out replays the whole
roadmap once per team: with a hundred teams, minutes more than everything else a report
needs, so the other kinds skip it."""


def gather_steps(kinds: Iterable[str]) -> tuple[str, ...]:
    """The engine runs :func:`gather` needs for reports of ``kinds``."""
    if HIRE_OPTION_KINDS.intersection(kinds):
        return GATHER_STEPS
    return tuple(step for step in GATHER_STEPS if step != "resources")


def glossary_for(ws: Workspace) -> Glossary:
    return Glossary(ws.settings.glossary)


def build_report(
    kind: str,
    ws: Workspace,
    *,
    facts: Facts | None = None,
    results: dict[str, Any] | None = None,
) -> Report:
    """One report of ``kind``; pass ``facts`` to share engine runs between reports."""
    if kind not in BUILDERS:
        raise ValueError(f"unknown report kind '{kind}' (choose from {', '.join(REPORT_KINDS)})")
    facts = facts or gather(ws, results, steps=gather_steps([kind]))
    return BUILDERS[kind](facts, glossary_for(ws))


def build_reports(
    ws: Workspace,
    kinds: Iterable[str] = REPORT_KINDS,
    *,
    results: dict[str, Any] | None = None,
    trials: int | None = None,
) -> dict[str, Report]:
    """Several reports over one gathering of engine results (``trials``: Monte Carlo trials)."""
    kinds = list(kinds)
    steps = gather_steps(kinds)
    facts = (
        gather(ws, results, steps=steps)
        if trials is None
        else gather(ws, results, trials=trials, steps=steps)
    )
    return {kind: build_report(kind, ws, facts=facts) for kind in kinds}


def write_report(report: Report, path: Path, fmt: str, ws: Workspace) -> Path:
    """Write ``report`` as html, md or pdf to ``path``."""
    return write(report, path, fmt, glossary=glossary_for(ws), workspace=ws.name)


__all__ = [
    "FORMATS",
    "KIND_LABELS",
    "REPORT_KINDS",
    "Facts",
    "Report",
    "build_report",
    "build_reports",
    "derive_status",
    "gather",
    "gather_steps",
    "glossary_for",
    "write_report",
]
