"""Demo step: the roadmap out to Jira's CSV import format, and back in through the Jira reader."""

from __future__ import annotations

from roadwise.views.demo import DemoContext, step


@step("Tracker integrations")
def tracker_round_trip(ctx: DemoContext) -> None:
    import csv

    from roadwise.domain import Workspace
    from roadwise.sources.jira_csv import read_jira_csv, write_jira_import_csv
    from roadwise.sources.tracker_mapping import TrackerMapping, merge_issues

    roadmap = ctx.results.get("roadmap")
    rows = roadmap.records() if roadmap is not None else []
    plan_path = ctx.out_dir / "roadmap-jira-import.csv"
    count = write_jira_import_csv(ctx.ws.items, rows, plan_path, ctx.ws.cycles)
    ctx.outputs.append(plan_path)

    # Pretend Jira took the file and exported it again (keys assigned): the import path must
    # bring back every item with its estimate, parent and planned due date.
    with plan_path.open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    header, body = table[0], table[1:]
    export_path = ctx.out_dir / "jira-export.csv"
    with export_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Issue key", "Status", "Created", *header])
        for row in body:
            writer.writerow([f"RW-{row[0]}", "To Do", f"{ctx.ws.as_of} 09:00", *row])
    issues = read_jira_csv(export_path).issues
    _, diff = merge_issues(Workspace(name="from-jira"), issues, TrackerMapping())
    planned = sum(1 for i in issues if i.due is not None)
    ctx.results["integrations"] = {"exported": count, "imported": diff.added, "planned": planned}
    ctx.console.print(
        f"{count} open items written in Jira's CSV import format ({len(rows)} roadmap rows); "
        f"read back as a Jira export: {diff.added} items, {planned} with a planned due date"
    )
