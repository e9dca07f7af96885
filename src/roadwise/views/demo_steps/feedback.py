"""Demo step: classify and link the sample product's feedback, then show demand and themes."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from roadwise.views._text import clip, say_p
from roadwise.views.demo import DemoContext, step

# How many of the sample's texts play "labelled by the TPM" (the rest are left to the model).
LABELLED = 60


@step("Customer feedback")
def feedback(ctx: DemoContext) -> None:
    from roadwise.engines.feedback import (
        analyse_feedback,
        external_inputs,
        updated_feedback,
    )
    from roadwise.sample.feedback import partly_labelled
    from roadwise.sources.text_models import make_backend
    from roadwise.views.feedback_rows import feedback_settings
    from roadwise.views.reports.wording import short_money
    from roadwise.workspace import open_store

    ws = ctx.ws
    truth = {f.key: f.label for f in ws.feedback}
    # A TPM labels a few dozen texts (the sample's own labels for every n-th text) and keeps
    # the confirmed links the sample ships; everything else is Roadwise's job.
    prepared, teach = partly_labelled(ws, LABELLED)
    # The settings (bootstrap samples, seed, backend) `roadwise feedback …` reads from the
    # workspace: on the demo's database the commands then print the numbers printed here.
    settings = feedback_settings(prepared)
    backend = make_backend(settings.backend, settings.model, settings.seed)
    analysis = analyse_feedback(prepared, backend, settings, suggest=5)
    held_out = [k for k in truth if k not in teach and truth[k]]
    accuracy = sum(analysis.labels[k] == truth[k] for k in held_out) / max(len(held_out), 1)

    # Stored as `roadwise feedback classify` stores it (the labels the TPM gave, the kinds and
    # proposed links found): the commands run on the database analyse what the demo analysed.
    # Later steps see the same feedback.
    ctx.workspace = prepared.copy_with(feedback=updated_feedback(prepared, analysis))
    classified = ctx.workspace.feedback
    open_store(ctx.db_url).modify(lambda current: current.copy_with(feedback=classified))

    ctx.console.print(
        f"{len(analysis.keys):,} texts: learned from {analysis.labels_used} labels, "
        f"{accuracy:.0%} agree with the sample's ground truth on the other {len(held_out):,}; "
        f"{analysis.duplicates.duplicate_count} near/exact duplicates grouped; "
        f"{len(analysis.proposed):,} new links proposed."
    )
    table = Table("item", "title", "texts", "customers", "revenue/yr (90% interval)")
    for d in analysis.top_items(5):
        table.add_row(
            d.key,
            clip(ws.item_by_key[d.key].title, 40),
            str(d.mentions),
            str(d.reach),
            short_money(d.revenue, ws.settings.currency, interval=d.revenue_interval),
        )
    ctx.console.print(table)
    rising = analysis.rising_themes
    if rising:
        for t in rising:
            trend = t.theme.trend
            what = f"group of themes {' + '.join(t.theme.parts)}" if t.theme.parts else "theme"
            ctx.console.print(
                Text.assemble(
                    f"Rising {what} ",
                    (t.theme.name, "bold"),
                    f": {trend.recent} texts in the last "
                    f"{settings.recent_days} days vs {trend.earlier} in the "
                    f"{settings.earlier_days} days before (×{trend.rate_ratio:.1f} the earlier "
                    f"rate, {say_p(trend.q_value, word='adjusted p')}"
                    f"{', unsure' if t.unsure else ''}) "
                    f"— “{t.quotes[0] if t.quotes else ''}”",
                )
            )
    else:
        ctx.console.print(f"{len(analysis.themes)} themes in unlinked requests; none rising.")
    plain = [t for t in analysis.themes if not t.theme.parts]
    unsure = [t for t in plain if t.unsure]
    if unsure:
        ctx.console.print(
            f"{len(unsure)} of {len(plain)} themes are marked unsure: most of their "
            "texts are among those the classifier is least sure are requests (e.g. "
            f"“{unsure[0].theme.name}”); read their quotes before acting on them."
        )
    ctx.results["feedback"] = {
        "analysis": analysis,
        "external_inputs": external_inputs(analysis.item_demand),
        "accuracy": accuracy,
    }
