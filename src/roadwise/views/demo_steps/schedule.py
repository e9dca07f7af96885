"""Demo step: the sample product's roadmap (CP-SAT beside rank order), charts and exports."""

from __future__ import annotations

from roadwise.views.demo import DemoContext, step


@step("Plan the roadmap")
def plan_the_roadmap(ctx: DemoContext) -> None:
    from roadwise.engines.schedule.needs import capacity_vs_demand, over_allocated
    from roadwise.engines.schedule.roadmap import RoadmapOptions, now_next_later, plan_roadmap
    from roadwise.views.charts import save
    from roadwise.views.charts.capacity import capacity_chart
    from roadwise.views.charts.roadmap import gantt_chart, now_next_later_chart
    from roadwise.views.cli.roadmap import print_lateness, print_summary, save_roadmap
    from roadwise.views.roadmap_files import roadmap_csv, roadmap_ics
    from roadwise.workspace import open_store

    # A short time limit keeps the demo quick; `roadwise plan roadmap` defaults to 30 s.
    roadmap = plan_roadmap(ctx.ws, RoadmapOptions(time_limit=2.0, workers=4))
    ctx.results["roadmap"] = roadmap
    # Stored as `roadwise plan roadmap` stores it: the roadmap of record, whose order the
    # forecast and the reports below (and `roadwise forecast roadmap` on the demo's workspace)
    # replay.
    currency = ctx.ws.settings.currency
    save_roadmap(open_store(ctx.db_url), "roadmap", roadmap, currency=currency)
    console = ctx.console
    print_summary(roadmap, currency, console, ws=ctx.ws)
    print_lateness(roadmap, console)

    horizons = now_next_later(roadmap)
    console.print(
        f"Now {len(horizons.now)}, next {len(horizons.next)}, later {len(horizons.later)} "
        f"features and items; {len(roadmap.items)} items on "
        f"{len({s.team for s in roadmap.items})} teams, last one done {roadmap.summary.finish}.",
        highlight=False,
    )
    rows = capacity_vs_demand(ctx.ws, roadmap, sprints=13)
    tight = [r for r in rows if r.skill == "*" and r.over]
    over = over_allocated(ctx.ws, roadmap)
    console.print(
        f"{len(tight)} team-sprints where demand exceeds capacity in the next 13 sprints; "
        f"{len(over)} over-allocated person-sprints.",
        highlight=False,
    )
    out = ctx.out_dir
    paths = [
        save(gantt_chart(roadmap, level="rollup"), out / "roadmap-gantt.svg"),
        save(now_next_later_chart(horizons), out / "roadmap-now-next-later.svg"),
        save(capacity_chart(rows), out / "capacity.svg"),
    ]
    csv_path = out / "roadmap.csv"
    csv_path.write_text(roadmap_csv(roadmap), encoding="utf-8")
    ics_path = out / "roadmap.ics"
    ics_path.write_text(roadmap_ics(ctx.ws, roadmap), encoding="utf-8", newline="")
    ctx.outputs.extend([*paths, csv_path, ics_path])
