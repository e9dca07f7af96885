"""``roadwise report KIND``: plain-language reports for stakeholders (HTML, Markdown, PDF)."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from roadwise.errors import RoadwiseError
from roadwise.views.cli import app
from roadwise.views.cli._common import DbOption, console, db_url, handles_errors, one_of


class ReportKind(StrEnum):
    EXECUTIVE = "executive"
    ROADMAP = "roadmap"
    STATUS = "status"
    RELEASE_NOTES = "release-notes"
    RISKS = "risks"
    RESOURCES = "resources"
    ALL = "all"


# One line each, for `roadwise report` typed without a kind (docs/reports.md has the long form).
REPORT_SUMMARIES: dict[ReportKind, str] = {
    ReportKind.EXECUTIVE: "one page for leadership: objectives, dates, top risks, asks",
    ReportKind.ROADMAP: "for everyone: Now / Next / Later, a timeline by team",
    ReportKind.STATUS: "for steering meetings: on track, at risk or off track, and why",
    ReportKind.RELEASE_NOTES: "for customers: what shipped, by objective, in their words",
    ReportKind.RISKS: "for engineering leads: deadlines at risk, dependencies",
    ReportKind.RESOURCES: "for budget holders: what one more engineer per team buys",
    ReportKind.ALL: "all six reports, into one folder (--out)",
}


def _report_kinds() -> list[tuple[str, str]]:
    return [(kind.value, about) for kind, about in REPORT_SUMMARIES.items()]


class ReportFormat(StrEnum):
    HTML = "html"
    MD = "md"
    PDF = "pdf"


@app.command()
@handles_errors
def report(
    # Plain strings checked in the body: a wrong kind is then a one-line error naming the
    # kinds (a Typer enum answers with a usage panel and "Value error").
    kind_name: str = typer.Argument(
        ...,
        metavar="KIND",
        help="Which report: " + ", ".join(ReportKind) + ".",
        show_default=False,
        autocompletion=_report_kinds,
    ),
    format_name: str = typer.Option(
        ReportFormat.HTML.value,
        "--format",
        "-f",
        metavar="|".join(ReportFormat),
        help="html (self-contained), md or pdf.",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        "-o",
        help="Output file (default: KIND.FORMAT in the current folder); a folder with 'all'.",
    ),
    db: str | None = DbOption,
) -> None:
    """Write a stakeholder report from the workspace, every number traced to its inputs."""
    from roadwise.views.reports import REPORT_KINDS, build_reports, write_report
    from roadwise.workspace import open_store, roadmap_of_record

    kind = ReportKind(one_of(kind_name, ReportKind, "report kind"))
    fmt = ReportFormat(one_of(format_name, ReportFormat, "report format", "--format"))
    started = time.perf_counter()
    store = open_store(db_url(db), create=False)
    if not store.is_initialized():
        raise RoadwiseError(
            f"{store.url} holds no workspace yet; run `roadwise init` or `roadwise sample` first"
        )
    ws = store.load()
    kinds = list(REPORT_KINDS) if kind == ReportKind.ALL else [kind.value]
    if kind == ReportKind.ALL:
        folder = out or Path(".")
        targets = {k: folder / f"{k}.{fmt.value}" for k in kinds}
    else:
        if out is not None and out.is_dir():
            out = out / f"{kind.value}.{fmt.value}"
        targets = {kind.value: out or Path(f"{kind.value}.{fmt.value}")}
    # The stored roadmap's order is what the forecast replays, as in every other view.
    results = {"roadmap_of_record": roadmap_of_record(store, ws)}
    with console.status("Running the engines and writing the report…"):
        reports = build_reports(ws, kinds, results=results)
        for name, target in targets.items():
            try:
                write_report(reports[name], target, fmt.value, ws)
            except OSError as exc:
                raise RoadwiseError(f"cannot write the report: {exc}", file=str(target)) from None
    for name, target in targets.items():
        console.print(f"wrote {target}  ({name}, {fmt.value})")
    console.print(f"{time.perf_counter() - started:.1f} s", style="dim")
