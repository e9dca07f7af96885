"""``roadwise feedback batch``: a large export classified and linked, here or on a Dask cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from roadwise.domain import FeedbackSource
from roadwise.errors import RoadwiseError
from roadwise.views.cli._common import (
    ClusterOption,
    DbOption,
    JsonOption,
    WorkersOption,
    compact_table,
    console,
    handles_errors,
)
from roadwise.views.cli._common import print_json as _print_json
from roadwise.views.cli.feedback import (
    BackendOption,
    DefaultDateOption,
    ExportArgument,
    MappingOption,
    SourceOption,
    _settings,
    _store,
    default_date_of,
    feedback_app,
    open_export,
    print_skipped,
)
from roadwise.views.feedback_batch import PART_SIZE


@feedback_app.command("batch")
@handles_errors
def batch(
    file: Path = ExportArgument,
    out: Path = typer.Option(..., "--out", "-o", help="The CSV to write, one row per text."),
    mapping: list[str] = MappingOption,
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Classify the good rows and report the bad ones by number."
    ),
    source: FeedbackSource = SourceOption,
    default_date: str = DefaultDateOption,
    workers: int = WorkersOption,
    cluster: str = ClusterOption,
    part_size: int = typer.Option(
        PART_SIZE, "--part-size", min=1, help="Texts per part (what one worker holds at once)."
    ),
    backend: str = BackendOption,
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Classify and link a large feedback export without importing it (millions of texts).

    The workspace's labels, links and backlog teach the model, as for `feedback classify`; the
    export is read as a stream and cut into parts that run in this process, on a local Dask
    cluster (--workers) or on a running one (--cluster). The output CSV gets each text's kind,
    best item and near-duplicate group, and appears only when the whole file succeeded.
    """
    from roadwise.engines.feedback.batch import batch_model
    from roadwise.sources.feedback_file import _CountingReader, parse_mapping
    from roadwise.sources.text_models import make_backend
    from roadwise.views._dask import cluster_for
    from roadwise.views.feedback_batch import InProcess, OnDask, run_batch
    from roadwise.views.reports.wording import short_money

    columns = parse_mapping(mapping)
    fallback_date = default_date_of(default_date)
    if out.resolve() == file.resolve():
        raise RoadwiseError("--out must not be the export itself", field="--out")
    if out.is_dir():
        raise RoadwiseError(f"{out} is a folder: give the CSV file to write", field="--out")
    ws = _store(db).load()
    settings = _settings(ws, backend)
    size, raw = open_export(file)
    try:
        # The cluster first: a wrong address fails before anything is fitted.
        runner: Any = InProcess()
        if cluster or workers > 1:
            with console.status("Starting the Dask workers…"):
                on = cluster_for(workers, cluster)
            runner = OnDask(on) if on is not None else runner
        try:
            with console.status("Learning from the workspace's labels, links and backlog…"):
                model = batch_model(
                    ws, make_backend(settings.backend, settings.model, settings.seed), settings
                )
        except BaseException:
            runner.close()
            raise
        counter = _CountingReader(raw)
        with Progress(
            TextColumn("[bold]Classifying[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.fields[texts]:,} texts"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=as_json or not console.is_terminal,
        ) as progress:
            task = progress.add_task(escape(file.name), total=size, texts=0)
            run = run_batch(
                file,
                out,
                model,
                customers=ws.customers,
                mapping=columns,
                default_source=source,
                default_date=fallback_date,
                skip_bad_rows=skip_bad_rows,
                part_size=part_size,
                runner=runner,
                progress=lambda n: progress.update(task, completed=counter.position, texts=n),
                stream=counter,
            )
    finally:
        raw.close()
    tally = run.tally
    # Most revenue-weighted demand first, as `feedback demand` ranks, then most requests.
    ranked = sorted(run.demand.values(), key=lambda d: (-d.revenue, -d.mentions, d.key))
    top = ranked[:10]
    if as_json:
        _print_json(
            {
                "out": str(run.out),
                "texts": tally.texts,
                "bad_rows": [e.__dict__ for e in run.bad_rows],
                "kinds": dict(tally.kinds.most_common()),
                "sentiments": dict(tally.sentiments.most_common()),
                "linked": sum(tally.items.values()),
                "requests_by_item": dict(tally.requests.most_common()),
                "demand_by_item": {
                    d.key: {
                        "requests": d.mentions,
                        "customers": d.reach,
                        "customers_interval": list(d.customers_interval),
                        "revenue": d.revenue,
                        "revenue_interval": list(d.revenue_interval),
                        "share_of_revenue": round(d.share_of_revenue, 4),
                    }
                    for d in ranked
                },
                "unlinked_requests": tally.unlinked_requests,
                "duplicates": run.duplicates,
                "parts": run.parts,
                "where": run.where,
                "workers": run.workers,
                "seconds": round(run.seconds, 2),
                "labels_used": model.labels_used,
            }
        )
        return
    rate = tally.texts / run.seconds if run.seconds else 0.0
    console.print(
        Text.assemble("Classified ", (f"{tally.texts:,}", "bold")),
        f"texts in {run.parts:,} part(s) on {run.where} in {run.seconds:.1f} s "
        f"({rate:,.0f} texts/s); wrote {run.out}.",
        highlight=False,
    )
    kinds = ", ".join(f"{k} {n:,}" for k, n in tally.kinds.most_common())
    learned = (
        f"learned from {model.labels_used} labels"
        if model.labels_used
        else "no labels in the workspace yet, so by the built-in word rules"
    )
    feelings = ", ".join(f"{k} {n:,}" for k, n in tally.sentiments.most_common())
    console.print(
        f"Kinds ({learned}): {kinds}. Sentiment: {feelings}. "
        f"Near-duplicates of an earlier text: {run.duplicates:,}.",
        highlight=False,
    )
    if top:
        by_key = ws.item_by_key
        currency = ws.settings.currency
        table = compact_table(
            f"Items most asked for: feature requests linked to them, the workspace's customers "
            f"who asked, and their revenue ({currency}/year)"
        )
        table.add_column("item", no_wrap=True)
        table.add_column("title")
        for name in ("requests", "customers", "revenue (90% interval)"):
            table.add_column(name, justify="right", no_wrap=True)
        for d in top:
            table.add_row(
                d.key,
                by_key[d.key].title if d.key in by_key else "",
                f"{d.mentions:,}",
                f"{d.reach:,}",
                short_money(d.revenue, currency, interval=d.revenue_interval) if d.reach else "–",
            )
        console.print(table)
    console.print(
        f"Feature requests no item matches: {tally.unlinked_requests:,} "
        "(import a sample with `feedback import` to see their themes).",
        highlight=False,
    )
    print_skipped(run.bad_rows[:20], len(run.bad_rows))
