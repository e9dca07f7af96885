"""Demo step: the executive summary and the roadmap report of the sample product (HTML, PDF)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from roadwise.views.demo import DemoContext, step


@step("Stakeholder reports")
def write_reports(ctx: DemoContext) -> None:
    from roadwise.views.reports import build_reports, write_report

    # Earlier steps' engine results are reused; only what is missing is computed here.
    shared: dict[str, Any] = {
        key: ctx.results[key]
        for key in (
            "priorities",
            "release",
            "release_problem",
            "roadmap",
            "roadmap_of_record",
            "delivery",
            "forecast",
            "feedback",
        )
        if key in ctx.results
    }
    # The forecast step's delivery forecast is reused: the reports show its very dates.
    reports = build_reports(ctx.ws, ["executive", "roadmap"], results=shared)
    folder = ctx.out_dir / "reports"
    for kind, report in reports.items():
        for fmt in ("html", "pdf"):
            path = write_report(report, folder / f"{kind}.{fmt}", fmt, ctx.ws)
            ctx.outputs.append(path)
            ctx.console.print(f"  {report.title} ({fmt}): {path}")
    executive = reports["executive"]
    for section in executive.sections:
        if section.headline:
            ctx.console.print(
                Text.assemble("  ", (section.title, "bold"), f": {section.headline}"),
                highlight=False,
            )
    ctx.results["reports"] = reports
