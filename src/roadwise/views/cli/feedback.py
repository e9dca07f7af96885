"""``roadwise feedback …``: import feedback exports, classify, link to items, themes, demand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import typer
from rich.console import Group
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from roadwise.domain import Feedback, FeedbackLink, FeedbackSource, Workspace
from roadwise.errors import RoadwiseError
from roadwise.views._text import clip, say_p
from roadwise.views.cli import app
from roadwise.views.cli._common import (
    DbOption,
    JsonOption,
    compact_table,
    console,
    date_option,
    db_url,
    handles_errors,
)
from roadwise.views.cli._common import print_json as _print_json
from roadwise.views.feedback_rows import (
    demand_listing,
    dropped_demand_line,
    listed_theme,
    theme_rows,
)

feedback_app = typer.Typer(
    help="Customer feedback: import exports, classify, link to items, themes, demand.",
    no_args_is_help=True,
)
app.add_typer(feedback_app, name="feedback")

BackendOption = typer.Option(
    None,
    "--backend",
    help="Text backend: lexical (default, no download) or embedding (needs roadwise\\[nlp]). "
    "Overrides the workspace setting feedback.backend.",
)


# The options of the commands that read an export (`feedback import`, `feedback batch`).
ExportArgument = typer.Argument(..., help="CSV, TSV, JSON (array) or JSON Lines export.")
MappingOption = typer.Option(
    None,
    "--mapping",
    "-m",
    help="FIELD=COLUMN pairs (fields: text, title, date, customer, source, rating, id), "
    "comma-separated or repeated. Unmapped fields are found by common column names.",
)
SourceOption = typer.Option(
    FeedbackSource.OTHER, "--source", help="Source for rows that name none."
)
DefaultDateOption = typer.Option(
    None, "--default-date", help="Date (YYYY-MM-DD) for rows without one."
)


def default_date_of(value: str | None) -> dt.date | None:
    """``--default-date`` as a date."""
    return date_option(value, "--default-date")


def open_export(file: Path) -> tuple[int, Any]:
    """The export's size in bytes and the file opened for reading (the caller closes it)."""
    try:
        return file.stat().st_size, open(file, "rb")
    except OSError as exc:
        raise RoadwiseError(f"cannot open the file: {exc.strerror}", file=str(file)) from None


def print_skipped(shown: Sequence[Any], total: int) -> None:
    """The malformed rows skipped: those ``shown``, and how many more of ``total``."""
    for error in shown:
        console.print(Text("  skipped", style="yellow"), str(error), highlight=False)
    if total > len(shown):
        console.print(f"  … and {total - len(shown):,} more malformed rows")


def _store(db: str | None) -> Any:
    from roadwise.workspace import open_store

    return open_store(db_url(db))


def _settings(ws: Workspace, backend: str | None) -> Any:
    from roadwise.views.feedback_rows import feedback_settings

    return feedback_settings(ws, backend)


def _analyse(ws: Workspace, backend: str | None, suggest: int = 0) -> Any:
    from roadwise.engines.feedback import analyse_feedback
    from roadwise.sources.analysis_cache import analysis_cache
    from roadwise.sources.text_models import make_backend

    settings = _settings(ws, backend)
    if not ws.feedback:
        raise RoadwiseError("the workspace has no feedback yet; run `roadwise feedback import`")
    text_backend = make_backend(settings.backend, settings.model, settings.seed)
    with console.status(f"Analysing {len(ws.feedback):,} feedback texts ({settings.backend})…"):
        # Steps whose inputs are unchanged since an earlier command come from the cache.
        return analyse_feedback(ws, text_backend, settings, suggest=suggest, cache=analysis_cache())


def _pairs(values: list[str] | None, option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values or []:
        key, sep, other = value.partition("=")
        if not sep or not key.strip() or not other.strip():
            raise RoadwiseError(f"'{value}' must look like KEY=VALUE", field=option)
        pairs.append((key.strip(), other.strip()))
    return pairs


# --------------------------------------------------------------------------- import


@feedback_app.command("import")
@handles_errors
def import_(
    file: Path = ExportArgument,
    mapping: list[str] = MappingOption,
    skip_bad_rows: bool = typer.Option(
        False, "--skip-bad-rows", help="Import the good rows and report the bad ones by number."
    ),
    source: FeedbackSource = SourceOption,
    default_date: str = DefaultDateOption,
    prefix: str = typer.Option("FB", "--prefix", help="Prefix of the new feedback keys."),
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Import feedback from an export, streaming, with a progress bar.

    Malformed rows are listed by row number; unless --skip-bad-rows is given, nothing is
    imported from a file with a malformed row. Rows already imported (same key) are skipped
    and counted, so importing the same file twice adds nothing.
    """
    from roadwise.sources.feedback_file import (
        _CountingReader,
        collect,
        parse_mapping,
        read_feedback,
    )

    columns = parse_mapping(mapping)
    fallback_date = default_date_of(default_date)
    store = _store(db)
    ws = store.load()
    size, raw = open_export(file)
    counter = _CountingReader(raw)
    try:
        with Progress(
            TextColumn("[bold]Reading[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.fields[rows]:,} rows"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
            # Only on a terminal: in a pipe or a log a bar is noise, and the transient bar
            # leaves an empty line before the summary there.
            disable=as_json or not console.is_terminal,
        ) as progress:
            task = progress.add_task(escape(file.name), total=size, rows=0)

            def tracked() -> Any:
                for count, row in enumerate(
                    read_feedback(
                        file,
                        customers=ws.customers,
                        mapping=columns,
                        default_source=source,
                        default_date=fallback_date,
                        key_prefix=prefix,
                        stream=counter,  # type: ignore[arg-type]
                    ),
                    start=1,
                ):
                    if count % 2000 == 0:
                        progress.update(task, completed=counter.position, rows=count)
                    yield row

            new, errors, summary = collect(
                tracked(),
                existing={f.key: f.text for f in ws.feedback},
                skip_bad_rows=skip_bad_rows,
                file=str(file),
            )
    finally:
        raw.close()

    if new:

        def append(current: Workspace) -> Workspace:
            return current.copy_with(feedback=[*current.feedback, *new])

        store.modify(append)
    if as_json:
        _print_json({**summary.__dict__, "errors": [e.__dict__ for e in errors]})
        return
    console.print(
        Text.assemble("Imported ", (f"{summary.imported:,}", "bold")),
        f"of {summary.rows:,} rows from {file.name}"
        f" ({summary.already_present:,} already present, {summary.bad_rows:,} malformed skipped,"
        f" {summary.unmatched_customers:,} with a customer name that matched no customer, or"
        " more than one).",
    )
    print_skipped(errors, summary.bad_rows)


# --------------------------------------------------------------------------- classify


@feedback_app.command("classify")
@handles_errors
def classify(
    label: list[str] = typer.Option(
        None,
        "--label",
        "-l",
        help="KEY=LABEL: your label for a text (bug, feature, praise, question, other); "
        "repeatable. The classifier learns from every label you give.",
    ),
    suggest: int = typer.Option(
        10, "--suggest", help="Propose this many texts to label next (the most informative)."
    ),
    backend: str = BackendOption,
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Classify feedback (bug, feature, praise, question, other) and its sentiment; store it."""
    from roadwise.engines.feedback import LABELS, label_counts, updated_feedback

    store = _store(db)
    ws = store.load()
    # a kind in any case, as the workspace file takes it ("Bug" is bug)
    given = [(key, value.strip().lower()) for key, value in _pairs(label, "--label")]
    known = {f.key for f in ws.feedback}
    for key, value in given:
        if key not in known:
            raise RoadwiseError(f"no feedback with key '{key}'", field="--label")
        if value not in LABELS:
            raise RoadwiseError(
                f"unknown label '{value}'; use one of {', '.join(LABELS)}", field="--label"
            )
    # One label per text: the last one given would win without a word.
    kinds: dict[str, list[str]] = {}
    for key, value in given:
        if value not in kinds.setdefault(key, []):
            kinds[key].append(value)
    several = [
        f"{key} {', '.join(values[:-1])} and {values[-1]}"
        for key, values in kinds.items()
        if len(values) > 1
    ]
    if several:
        raise RoadwiseError(
            f"more than one label for a text: {'; '.join(several)}; give each text one",
            field="--label",
        )
    if given:
        labels = dict(given)
        ws = ws.copy_with(
            feedback=[
                f.model_copy(update={"label": labels[f.key], "label_source": "user"})
                if f.key in labels
                else f
                for f in ws.feedback
            ]
        )
    analysis = _analyse(ws, backend, suggest=suggest)
    updated = {f.key: f for f in updated_feedback(ws, analysis)}

    def write(current: Workspace) -> Workspace:
        return current.copy_with(
            feedback=[_merge_labels(f, updated.get(f.key)) for f in current.feedback]
        )

    store.modify(write)
    counts = label_counts(analysis)
    by_key = {f.key: f for f in ws.feedback}
    suggestions = [
        {
            "key": analysis.keys[s.index],
            "guess": s.guess,
            "margin": round(s.margin, 3),
            "text": by_key[analysis.keys[s.index]].text,
        }
        for s in analysis.suggestions
    ]
    if as_json:
        _print_json(
            {
                "learned": analysis.learned,
                "labels_used": analysis.labels_used,
                "counts": counts,
                "duplicates": analysis.duplicates.duplicate_count,
                "suggestions": suggestions,
            }
        )
        return
    how = (
        f"learned from {analysis.labels_used} of your labels"
        if analysis.learned
        else "phrase rules and ratings (label a few dozen texts to teach it)"
    )
    console.print(f"Classified {len(analysis.keys):,} texts by {how}.")
    table = Table("kind", "texts", "share")
    for name, count in counts.items():
        table.add_row(name, f"{count:,}", f"{count / max(len(analysis.keys), 1):.0%}")
    console.print(table)
    console.print(
        f"{analysis.duplicates.duplicate_count:,} texts repeat an earlier one "
        f"({len(analysis.duplicates.groups):,} groups); kept and grouped, not dropped."
    )
    if suggestions:
        table = Table("key", "guess", "text", title="Label these next (the model is least sure)")
        for s in suggestions:
            table.add_row(s["key"], s["guess"], clip(s["text"], 90))
        console.print(table)
        console.print("Label them with: roadwise feedback classify --label KEY=LABEL …")


def _merge_labels(current: Feedback, new: Feedback | None) -> Feedback:
    if new is None:
        return current
    return current.model_copy(
        update={"label": new.label, "label_source": new.label_source, "sentiment": new.sentiment}
    )


# --------------------------------------------------------------------------- link


@feedback_app.command("link")
@handles_errors
def link(
    confirm: list[str] = typer.Option(
        None, "--confirm", "-c", help="KEY=ITEM: this text is about this item (repeatable)."
    ),
    reject: list[str] = typer.Option(
        None, "--reject", "-r", help="KEY=ITEM: this text is not about this item (repeatable)."
    ),
    show: int = typer.Option(15, "--show", help="How many proposed links to list."),
    backend: str = BackendOption,
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Propose links from feedback to backlog items; confirm or reject them.

    Confirmations and rejections are stored and teach the linker: later suggestions use the
    words customers used in the texts you confirmed.
    """
    from roadwise.engines.feedback import updated_feedback

    store = _store(db)
    ws = store.load()
    decisions: dict[str, dict[str, bool]] = {}
    feedback_keys = {f.key for f in ws.feedback}
    both: list[str] = []
    for option, values, verdict in (("--confirm", confirm, True), ("--reject", reject, False)):
        for key, item in _pairs(values, option):
            if key not in feedback_keys:
                raise RoadwiseError(f"no feedback with key '{key}'", field=option)
            if item not in ws.item_by_key:
                raise RoadwiseError(f"no item with key '{item}'", field=option)
            decided = decisions.setdefault(key, {})
            if decided.get(item, verdict) != verdict and f"{key}={item}" not in both:
                both.append(f"{key}={item}")
            decided[item] = verdict
    if both:
        # Whichever option came last would otherwise win without a word.
        raise RoadwiseError(
            f"{', '.join(both)} cannot be both confirmed and rejected", field="--confirm/--reject"
        )
    if decisions:
        ws = ws.copy_with(feedback=[_decide(f, decisions.get(f.key)) for f in ws.feedback])
    analysis = _analyse(ws, backend)
    updated = {f.key: f for f in updated_feedback(ws, analysis)}

    def write(current: Workspace) -> Workspace:
        merged = []
        for f in current.feedback:
            f = _decide(f, decisions.get(f.key))
            new = updated.get(f.key)
            if new is not None:
                decided = [x for x in f.links if x.confirmed is not None]
                fresh = [x for x in new.links if x.confirmed is None]
                f = f.model_copy(update={"links": decided + fresh})
            merged.append(f)
        return current.copy_with(feedback=merged)

    store.modify(write)
    by_key = {f.key: f for f in ws.feedback}
    proposed = sorted(analysis.proposed, key=lambda c: -c.score)
    rows = [
        {"feedback": c.feedback, "item": c.item, "score": c.score, "text": by_key[c.feedback].text}
        for c in proposed
    ]
    confirmed = sum(1 for f in ws.feedback for x in f.links if x.confirmed is True)
    if as_json:
        _print_json({"confirmed": confirmed, "proposed": rows})
        return
    console.print(
        f"{len(proposed):,} links proposed (score ≥ {analysis.settings.threshold:.2f}), "
        f"{confirmed:,} confirmed by people; {len(decisions)} decision(s) recorded now."
    )
    table = Table("feedback", "item", "score", "text", title="Proposed links (best first)")
    for row in rows[:show]:
        title = ws.item_by_key[row["item"]].title
        table.add_row(
            row["feedback"],
            f"{row['item']} {clip(title, 30)}",
            f"{row['score']:.2f}",
            clip(row["text"], 70),
        )
    console.print(table)
    console.print(
        "Confirm or reject with: roadwise feedback link --confirm KEY=ITEM --reject KEY=ITEM"
    )


def _decide(f: Feedback, decisions: dict[str, bool] | None) -> Feedback:
    if not decisions:
        return f
    links = [x for x in f.links if x.item not in decisions]
    links += [FeedbackLink(item=item, confirmed=verdict) for item, verdict in decisions.items()]
    return f.model_copy(update={"links": links})


# --------------------------------------------------------------------------- themes


@feedback_app.command("themes")
@handles_errors
def themes(
    backend: str = BackendOption,
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Themes among feature requests no item covers yet, with quotes and rising ones flagged."""
    ws = _store(db).load()
    analysis = _analyse(ws, backend)
    rows = theme_rows(analysis)
    if as_json:
        _print_json(rows)
        return
    s = analysis.settings
    console.print(
        themes_table(
            rows, s.recent_days, s.earlier_days, width=console.width, currency=ws.settings.currency
        )
    )
    per = "feedback text received" if s.trend_exposure == "volume" else "day"
    console.print(
        f"Rising: more texts per {per} in the last {s.recent_days} days than in the "
        f"{s.earlier_days} days before (exact one-sided test of two Poisson rates), p adjusted "
        "for the number of themes (Benjamini-Hochberg) below 0.05, at least 5 recent texts."
    )
    if any(row["parts"] for row in rows):
        console.print(
            "G…: a group of alike themes (as alike as texts within one theme typically are), "
            "tested together, shown when rising: a want phrased several ways lands in several "
            "small themes, each perhaps too small to show its rise alone."
        )
    if any(row["unsure"] for row in rows):
        console.print(
            "Unsure: most of the theme's texts are among the fifth of these requests the "
            "classifier is least sure are requests at all (often praise, notes or questions "
            "read as requests); read its quotes, and label a few texts to teach it."
        )


def themes_table(
    rows: list[dict[str, Any]],
    recent_days: int,
    earlier_days: int,
    width: int,
    currency: str = "USD",
) -> Group:
    """The themes as a table that fits ``width`` (80 columns included), numbers right-aligned,
    and under it the details of each theme: its whole name, the rate ratio, the adjusted
    p-value and the first quote (every quote is in ``--json``)."""
    # Imported here: the reports package takes most of a second to import.
    from roadwise.views.reports.wording import short_money

    table = compact_table("Themes in unlinked feature requests")
    table.add_column("theme")
    # Narrow count columns whose headers wrap ("last" over "56d"): the name gets the rest.
    revenue = [short_money(row["revenue"], currency) for row in rows]
    fixed = {"texts": 5, "customers": 9, "revenue": max([7, *map(len, revenue)])}
    fixed[f"last {recent_days}d"] = 5
    fixed[f"{earlier_days}d before"] = 6
    name_width = max(12, width - 5 - sum(fixed.values()) - 6 - 2 * (len(fixed) + 2))
    table.add_column("name", max_width=name_width, overflow="ellipsis", no_wrap=True)
    for name, size in fixed.items():
        table.add_column(name, justify="right", width=size)
    table.add_column("trend")
    details = Text("Per theme: its words (× rate now vs before, adjusted p) and a quote:\n")
    for row, money in zip(rows, revenue, strict=True):
        table.add_row(
            row["theme"],
            clip(row["name"], name_width),
            f"{row['texts']:,}",
            f"{row['customers']:,}",
            money,
            f"{row['recent']:,}",
            f"{row['earlier']:,}",
            _trend_cell(row),
        )
        # Under the table: the whole name, the rate against the year before and the
        # adjusted p (why it is or is not rising), and the first quote.
        pad = " " * (len(row["theme"]) + 2)
        details.append(f"{row['theme']}  ", style="bold")
        unsure = ", unsure" if row.get("unsure") else ""
        joins = f", joins {' + '.join(row['parts'])}" if row.get("parts") else ""
        trend = f" (×{row['rate_ratio']:g}, {say_p(row['q_value'])}{unsure}{joins})"
        details.append(clip(row["name"], max(20, width - len(pad) - len(trend))) + trend + "\n")
        if row["quotes"]:
            details.append(f"{pad}“{clip(row['quotes'][0], max(20, width - len(pad) - 2))}”\n")
    details.rstrip()
    return Group(table, details)


def _trend_cell(row: dict[str, Any]) -> Text:
    if row["rising"] and row.get("unsure"):
        return Text("rising?", style="bold yellow")
    if row["rising"]:
        return Text("rising", style="bold green")
    return Text("unsure", style="yellow") if row.get("unsure") else Text("")


# --------------------------------------------------------------------------- demand


@feedback_app.command("demand")
@handles_errors
def demand(
    top: int = typer.Option(15, "--top", min=1, help="How many items to list."),
    backend: str = BackendOption,
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Demand per item: distinct customers, revenue-weighted demand with a 90% interval."""
    ws = _store(db).load()
    analysis = _analyse(ws, backend)
    listing = demand_listing(ws, analysis)
    if as_json:
        _print_json(listing)
        return
    ranked = analysis.top_items(top)
    from roadwise.views.reports.wording import short_money

    currency = ws.settings.currency
    money = {d.key: short_money(d.revenue, currency, interval=d.revenue_interval) for d in ranked}
    table = compact_table(f"Items by revenue-weighted demand ({currency}/year of those asking)")
    revenue = "revenue (90% interval)"
    # The key, the counts and the money take what they need; the title gets what is left.
    keys = max([4, *(len(d.key) for d in ranked)])
    spent = keys + len("texts") + len("customers") + max([len(revenue), *map(len, money.values())])
    title_width = max(16, min(40, console.width - spent - 2 * 4))
    table.add_column("item", no_wrap=True)
    table.add_column("title", no_wrap=True)
    for name in ("texts", "customers", revenue):
        table.add_column(name, justify="right", no_wrap=True)
    # The segments go under the table, one line per item, so each row stays one line.
    segments = Text("Top segments by revenue of those asking:\n")
    for d in ranked:
        table.add_row(
            d.key,
            clip(ws.item_by_key[d.key].title, title_width),
            f"{d.mentions:,}",
            f"{d.reach:,}",
            money[d.key],
        )
        asking = ", ".join(
            f"{k} {short_money(v, currency)}" for k, v in list(d.segments.items())[:3]
        )
        segments.append(f"{d.key}  ", style="bold")
        segments.append(clip(asking, max(20, console.width - len(d.key) - 2)) + "\n")
    segments.rstrip()
    console.print(Group(table, segments) if ranked else table)
    line = dropped_demand_line(listing["dropped"])
    if line:
        console.print(line, highlight=False)


@feedback_app.command("theme-item")
@handles_errors
def theme_item(
    theme: str = typer.Argument(..., help="The theme (T1, T2, … or a group G1, …) as listed."),
    key: str = typer.Option(..., "--key", help="The new item's key."),
    title: str | None = typer.Option(None, "--title", help="Its title (default: the theme's)."),
    name: str | None = typer.Option(
        None,
        "--name",
        help="The theme's name as listed: refused if the theme now has another (theme keys "
        "are per analysis, so a changed workspace can renumber them).",
    ),
    backend: str = BackendOption,
    db: str = DbOption,
    as_json: bool = JsonOption,
) -> None:
    """Make a theme a backlog item: an idea with the theme's demand, quotes and customers, its
    texts linked to it (so its demand counts for the item from now on)."""
    from roadwise.engines.feedback import theme_to_item

    store = _store(db)
    ws = store.load()
    analysis = _analyse(ws, backend)
    summary = listed_theme(analysis, theme, name, "run `roadwise feedback themes` to list them")
    currency = ws.settings.currency
    store.modify(lambda current: theme_to_item(current, summary, key, title, currency))
    item = store.load().item_by_key[key.strip()]
    if as_json:
        _print_json(
            {
                "item": item.key,
                "title": item.title,
                "theme": summary.theme.key,
                "linked": len(summary.feedback),
                "customers": list(item.customers),
            }
        )
        return
    console.print(
        f"Created {item.key} “{item.title}” from theme {summary.theme.key} "
        f"({summary.theme.name}): "
        f"{len(summary.feedback)} texts linked, {len(item.customers)} customers. Unlink a text "
        f"that does not belong with `roadwise feedback link --reject TEXT={item.key}`.",
        highlight=False,
    )
