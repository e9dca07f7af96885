"""The whole feedback workflow over a workspace: duplicates, kinds, links, themes, demand.

:func:`analyse_feedback` reads the workspace (people's labels, confirmed and rejected links)
and returns a typed :class:`FeedbackAnalysis`; :func:`updated_feedback` turns that analysis
into the feedback records to store (labels, sentiment, proposed links), keeping every decision
a person made. Nothing here reads or writes files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from roadwise.domain import Feedback, FeedbackLink, Status, Workspace
from roadwise.engines.feedback.classify import (
    LABELS,
    FeedbackClassifier,
    LabelSuggestion,
    Prediction,
    sentiment,
    suggest_labels,
)
from roadwise.engines.feedback.demand import Demand, compute_demand
from roadwise.engines.feedback.duplicates import DuplicateGroups, find_duplicates
from roadwise.engines.feedback.link import (
    DEFAULT_THRESHOLDS,
    LinkCandidate,
    Linker,
    linkable_items,
    links_from_top,
)
from roadwise.engines.feedback.memo import Fingerprint, StepCache, remembered
from roadwise.engines.feedback.text import Matrix, TextBackend
from roadwise.engines.feedback.themes import (
    TEXTS_PER_THEME,
    FoundTheme,
    find_themes,
    theme_texts,
)

UNSURE_SHARE = 0.2
"""A theme is unsure when most of its texts are in this share of themed requests the
classifier is least sure of (see :attr:`ThemeSummary.unsure`)."""


@dataclass(frozen=True)
class FeedbackSettings:
    """The knobs, with defaults for a typical product; kept in ``settings.extra["feedback"]``."""

    backend: str = "lexical"
    model: str = "all-MiniLM-L6-v2"
    link_threshold: float | None = None
    top_k: int = 5
    duplicate_threshold: float = 0.7
    recent_days: int = 56
    earlier_days: int = 365
    trend_exposure: str = "time"  # "time": texts per day; "volume": share of all feedback
    bootstrap_samples: int = 2000
    include_proposed: bool = True
    n_themes: int | None = None
    texts_per_theme: int = TEXTS_PER_THEME
    # Drop the words a source's message templates repeat ("Call with …: they asked again
    # about …") before clustering themes, so themes gather by want, not by kind of message.
    strip_templates: bool = True
    # Also test groups of alike themes for a rise: a want phrased several ways is several
    # small themes, each of which may be too small to show its rise alone.
    group_rises: bool = True
    seed: int = 0

    def __post_init__(self) -> None:
        # Each setting checked here, naming it: a wrong type would otherwise fail deep in an
        # analysis step, and an unknown trend_exposure would silently run the other test.
        def whole(name: str, least: int) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} is {value!r}: expected a whole number >= {least}")

        def share(name: str) -> None:
            value = getattr(self, name)
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not 0.0 <= float(value) <= 1.0
            ):
                raise ValueError(f"{name} is {value!r}: expected a number from 0 to 1")

        for name, least in (
            ("texts_per_theme", 1),
            ("top_k", 1),
            ("recent_days", 1),
            ("earlier_days", 1),
            ("bootstrap_samples", 1),
            ("seed", 0),
        ):
            whole(name, least)
        if self.n_themes is not None:
            whole("n_themes", 1)
        share("duplicate_threshold")
        if self.link_threshold is not None:
            share("link_threshold")
        if self.trend_exposure not in ("time", "volume"):
            raise ValueError(
                f"trend_exposure is {self.trend_exposure!r}: expected 'time' (texts per day) "
                "or 'volume' (share of all feedback)"
            )
        for name in ("include_proposed", "strip_templates", "group_rises"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} is {getattr(self, name)!r}: expected true or false")
        for name in ("backend", "model"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} is {getattr(self, name)!r}: expected text")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None, seed: int = 0) -> FeedbackSettings:
        values = dict(values or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(
                f"unknown feedback setting(s) {unknown}; known: {', '.join(sorted(known))}"
            )
        values.setdefault("seed", seed)
        return cls(**values)

    @property
    def threshold(self) -> float:
        if self.link_threshold is not None:
            return self.link_threshold
        return DEFAULT_THRESHOLDS.get(self.backend, DEFAULT_THRESHOLDS["lexical"])


@dataclass(frozen=True)
class ItemEvidence:
    """What customers said about one item: texts, who said it, and the best quotes."""

    item: str
    feedback: tuple[str, ...]
    confirmed: int
    proposed: int
    customers: tuple[str, ...]
    quotes: tuple[str, ...]
    kinds: Mapping[str, int]


@dataclass(frozen=True)
class ThemeSummary:
    theme: FoundTheme
    feedback: tuple[str, ...]
    quotes: tuple[str, ...]
    demand: Demand
    request_confidence: float = 1.0
    """The median, over the theme's texts, of how sure the classifier is that each is a
    feature request (1 for texts a person labelled)."""
    unsure: bool = False
    """Most of its texts are among the fifth of all themed requests the classifier is least
    sure of: likely texts of another kind (praise, notes, questions) read as requests."""


@dataclass(frozen=True)
class FeedbackAnalysis:
    keys: tuple[str, ...]
    duplicates: DuplicateGroups
    labels: Mapping[str, str]
    label_sources: Mapping[str, str]
    confidence: Mapping[str, float]
    sentiments: Mapping[str, str]
    learned: bool
    labels_used: int
    suggestions: tuple[LabelSuggestion, ...]
    candidates: Mapping[str, list[LinkCandidate]]
    proposed: tuple[LinkCandidate, ...]
    links: Mapping[str, tuple[str, ...]]
    evidence: Mapping[str, ItemEvidence]
    item_demand: Mapping[str, Demand]
    """Demand per item still on the backlog (every status but dropped), rolled up to its
    parents: what the demand ranking and the prioritisation read."""
    themes: tuple[ThemeSummary, ...]
    settings: FeedbackSettings = field(default_factory=FeedbackSettings)
    dropped_demand: Mapping[str, Demand] = field(default_factory=dict)
    """Demand for dropped items that texts are still linked to, kept apart: customers still
    asking for something the team decided not to do is worth knowing, but it is no reason to
    rank the item, and it does not roll up to the item's parents."""

    def duplicate_of(self, key: str) -> str | None:
        index = self.keys.index(key)
        first = int(self.duplicates.group[index])
        return None if first == index else self.keys[first]

    def top_items(self, n: int = 10) -> list[Demand]:
        """Items ranked by revenue-weighted demand, then by distinct customers (dropped
        items are not ranked: see :attr:`dropped_demand`)."""
        return _ranked(self.item_demand.values())[:n]

    def dropped_ranked(self) -> list[Demand]:
        """The dropped items customers still ask for, in the order :meth:`top_items` ranks."""
        return _ranked(self.dropped_demand.values())

    @property
    def rising_themes(self) -> list[ThemeSummary]:
        return [t for t in self.themes if t.theme.trend.rising]


def quote(text: str, limit: int = 160) -> str:
    """A readable excerpt: the text up to its first sentence end near ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = max(text.rfind(". ", 0, limit), text.rfind("! ", 0, limit), text.rfind("? ", 0, limit))
    return text[: cut + 1] if cut > limit // 2 else text[: limit - 1].rstrip() + "…"


def analyse_feedback(
    ws: Workspace,
    backend: TextBackend,
    settings: FeedbackSettings | None = None,
    *,
    suggest: int = 0,
    cache: StepCache | None = None,
) -> FeedbackAnalysis:
    """Run the feedback workflow over the workspace's feedback and backlog.

    The backend handed in decides the defaults that depend on it (the link threshold: cosines
    of embeddings run higher than TF-IDF ones), whatever ``settings.backend`` names.

    With a ``cache``, the expensive steps (duplicates, kinds, sentiment, link scores, themes,
    demand) are taken from it when everything they read is unchanged, and stored in it
    otherwise; the result is the same either way. A backend that cannot say which model its
    vectors come from (no ``cache_identity``) is never cached.
    """
    settings = settings or FeedbackSettings()
    if settings.backend != backend.name:
        settings = replace(settings, backend=backend.name)
    identity = getattr(backend, "cache_identity", None)
    if not isinstance(identity, str):
        cache = None
    # The matrices here are small: a single BLAS thread is faster than two fighting over a
    # busy machine (measured: a 450-text SVD took 6 s with two threads, 0.1 s with one).
    with threadpool_limits(limits=1, user_api="blas"):
        return _analyse(ws, backend, settings, suggest, cache, str(identity))


@dataclass(frozen=True)
class _Kinds:
    prediction: Prediction
    labels_used: int


@dataclass(frozen=True)
class _Sentiments:
    labels: tuple[str, ...]


@dataclass(frozen=True)
class _TopItems:
    """:meth:`Linker.top` for every text: item indices and scores, best first."""

    items: tuple[str, ...]
    indices: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class _Themes:
    found: tuple[FoundTheme, ...]


@dataclass(frozen=True)
class _Demands:
    demand: dict[str, Demand]


def training_corpus(ws: Workspace) -> list[str]:
    """What the text backend is fitted on: every feedback text, then every item's words."""
    return [f.text for f in ws.feedback] + [f"{i.title}\n{i.description}" for i in ws.items]


def link_lessons(
    feedback: Sequence[Feedback],
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The texts people confirmed, and those they rejected, per item: what teaches the linker."""
    confirmed: dict[str, list[str]] = {}
    rejected: dict[str, list[str]] = {}
    for f in feedback:
        for link in f.links:
            if link.confirmed is True:
                confirmed.setdefault(link.item, []).append(f.text)
            elif link.confirmed is False:
                rejected.setdefault(link.item, []).append(f.text)
    return confirmed, rejected


def _analyse(
    ws: Workspace,
    backend: TextBackend,
    settings: FeedbackSettings,
    suggest: int,
    cache: StepCache | None,
    identity: str,
) -> FeedbackAnalysis:
    feedback = list(ws.feedback)
    keys = [f.key for f in feedback]
    texts = [f.text for f in feedback]
    ratings = [f.rating for f in feedback]
    by_key = {f.key: f for f in feedback}
    corpus = training_corpus(ws)

    # Fingerprints of what the steps read; each step adds its own inputs and settings.
    text_digest = Fingerprint().extend(keys).extend(texts).hexdigest()
    rating_digest = Fingerprint().extend(ratings).hexdigest()
    # The backend's vectors depend on the whole corpus it is fitted on (IDF weights).
    corpus_digest = Fingerprint(identity, text_digest).extend(corpus[len(texts) :]).hexdigest()

    # The backend is fitted, and the texts turned into vectors, only if a step needs them:
    # when every step is remembered, neither happens.
    state: dict[str, Matrix] = {}

    def fitted() -> TextBackend:
        if "fitted" not in state:
            backend.fit(corpus)
            state["fitted"] = True
        return backend

    def vectors() -> Matrix:
        if "vectors" not in state:
            state["vectors"] = fitted().transform(texts)
        return state["vectors"]

    duplicates = remembered(
        cache,
        "duplicates",
        Fingerprint("duplicates", text_digest, settings.duplicate_threshold, settings.seed),
        lambda: find_duplicates(texts, threshold=settings.duplicate_threshold, seed=settings.seed),
        DuplicateGroups,
    )

    # --- kinds: people's labels are kept; the rest are predicted. The labelled texts are
    # learned from in key order: the classifier's cross-validation splits them in the order
    # given, and the kinds must not depend on the order the texts were imported in.
    user_rows = sorted(
        (i for i, f in enumerate(feedback) if f.label_source == "user" and f.label),
        key=lambda i: feedback[i].key,
    )

    def classify() -> _Kinds:
        classifier = FeedbackClassifier(fitted(), seed=settings.seed).fit(
            [texts[i] for i in user_rows],
            [str(feedback[i].label) for i in user_rows],
            [ratings[i] for i in user_rows],
        )
        return _Kinds(classifier.predict(texts, ratings), classifier.labels_used)

    kinds_key = Fingerprint("kinds", corpus_digest, rating_digest, settings.seed)
    kinds_key.extend(part for i in user_rows for part in (i, str(feedback[i].label)))
    kinds = remembered(cache, "kinds", kinds_key, classify, _Kinds)
    prediction = kinds.prediction
    user_set = set(user_rows)
    labels: dict[str, str] = {}
    sources: dict[str, str] = {}
    confidence: dict[str, float] = {}
    best = prediction.confidence
    for i, key in enumerate(keys):
        if i in user_set:
            labels[key], sources[key], confidence[key] = str(feedback[i].label), "user", 1.0
        else:
            labels[key] = prediction.labels[i]
            sources[key] = "model" if prediction.learned else "rules"
            confidence[key] = round(float(best[i]), 3)
    sentiment_labels = remembered(
        cache,
        "sentiment",
        Fingerprint("sentiment", text_digest, rating_digest),
        lambda: _Sentiments(tuple(sentiment(texts, ratings)[0])),
        _Sentiments,
    ).labels
    suggestions: list[LabelSuggestion] = []
    if suggest:
        suggestions = suggest_labels(
            prediction,
            suggest,
            labelled=[i in user_set for i in range(len(keys))],
            group=duplicates.group,
        )

    # --- links: confirmations and rejections teach the linker.
    confirmed, rejected = link_lessons(feedback)
    known: dict[str, dict[str, bool | None]] = {}
    for f in feedback:
        for link in f.links:
            known.setdefault(f.key, {})[link.item] = link.confirmed

    def top_items() -> _TopItems:
        linker = Linker(
            ws.items,
            fitted(),
            all_items=ws.item_by_key,
            confirmed_texts=confirmed,
            rejected_texts=rejected,
        )
        indices, scores = linker.top(vectors(), settings.top_k)
        return _TopItems(tuple(linker.keys), indices, scores)

    # The scores read the item profiles, the texts people confirmed or rejected per item, and
    # the texts (through the corpus); the threshold and the decided pairs apply afterwards.
    links_key = Fingerprint("links", corpus_digest, settings.top_k)
    links_key.extend(
        part
        for item, document in linkable_items(ws.items, ws.item_by_key)
        for part in (item.key, document)
    )
    for name, taught in (("confirmed", confirmed), ("rejected", rejected)):
        links_key.add(name)
        links_key.extend(part for item in sorted(taught) for part in (item, *taught[item]))
        links_key.extend(len(taught[item]) for item in sorted(taught))
    candidates: dict[str, list[LinkCandidate]] = {}
    proposed: list[LinkCandidate] = []
    if texts:
        top = remembered(cache, "links", links_key, top_items, _TopItems)
        candidates, proposed = links_from_top(
            keys, top.items, top.indices, top.scores, threshold=settings.threshold, known=known
        )
    proposed_by_key = {c.feedback: c for c in proposed}

    # --- which links count: confirmed ones, else this run's proposal (if allowed).
    links: dict[str, tuple[str, ...]] = {}
    scores: dict[tuple[str, str], float] = {}
    for f in feedback:
        sure = tuple(link.item for link in f.links if link.confirmed is True)
        if sure:
            links[f.key] = sure
            for item in sure:
                scores[(f.key, item)] = 2.0  # confirmed quotes come first
        elif settings.include_proposed and f.key in proposed_by_key:
            candidate = proposed_by_key[f.key]
            links[f.key] = (candidate.item,)
            scores[(f.key, candidate.item)] = candidate.score

    rolled_up = _rolled_up_groups(ws, links)
    evidence = _evidence(by_key, rolled_up, scores, labels, known)
    # Split after the (remembered) computation: dropping an item changes which list its
    # demand belongs in, not the demand itself.
    dropped = ws.dropped_keys
    item_demand: dict[str, Demand] = {}
    dropped_demand: dict[str, Demand] = {}
    for item_key, demand in _demand(rolled_up, ws, settings, cache).items():
        if item_key not in dropped:
            item_demand[item_key] = demand
        elif demand.mentions:
            dropped_demand[item_key] = demand

    # --- themes: feature requests that no item covers yet.
    themes: list[ThemeSummary] = []
    unlinked = [i for i, key in enumerate(keys) if labels[key] == "feature" and key not in links]
    if texts and unlinked:
        topics = theme_texts(
            [texts[i] for i in unlinked],
            [str(feedback[i].source) for i in unlinked],
            strip_templates=settings.strip_templates,
        )
        dates = [feedback[i].date for i in unlinked]
        theme_keys = [keys[i] for i in unlinked]
        customer_names = sorted(c.name for c in ws.customers)
        all_dates = [f.date for f in feedback] if settings.trend_exposure == "volume" else None

        def themes_of() -> _Themes:
            found = find_themes(
                topics,
                fitted().transform(topics),
                dates,
                as_of=ws.as_of,
                all_dates=all_dates,
                n_themes=settings.n_themes,
                texts_per_theme=settings.texts_per_theme,
                recent_days=settings.recent_days,
                earlier_days=settings.earlier_days,
                seed=settings.seed,
                names=customer_names,
                group_rises=settings.group_rises,
                keys=theme_keys,
            )
            return _Themes(tuple(found))

        themes_key = Fingerprint("themes", corpus_digest, ws.as_of.isoformat())
        themes_key.add(settings.n_themes, settings.texts_per_theme, settings.recent_days)
        # The texts clustered (``topics``) are in the key; the version names how they are
        # prepared and named, which the texts alone do not show.
        themes_key.add(settings.earlier_days, settings.seed, "themes-v8", settings.strip_templates)
        themes_key.add(settings.group_rises)
        themes_key.extend(topics).extend(d.isoformat() for d in dates).extend(customer_names)
        # The keys order texts with the same words and date, and map members back to texts.
        themes_key.extend(theme_keys)
        themes_key.extend(d.isoformat() for d in all_dates or []).add(all_dates is None)
        found = remembered(cache, "themes", themes_key, themes_of, _Themes).found
        theme_groups = {t.key: [keys[unlinked[m]] for m in t.members] for t in found}
        theme_demand = _demand(theme_groups, ws, settings, cache)
        sureness = {t.key: np.array([confidence[k] for k in theme_groups[t.key]]) for t in found}
        # Unsure relative to this run's requests, not to a fixed probability: how confident
        # a classifier is depends on how many labels it learned from.
        least_sure = (
            float(
                np.percentile(
                    # each text once: a group's texts are its themes'
                    np.concatenate([sureness[t.key] for t in found if not t.parts]),
                    UNSURE_SHARE * 100,
                )
            )
            if found
            else 0.0
        )
        themes = [
            ThemeSummary(
                theme=t,
                feedback=tuple(theme_groups[t.key]),
                quotes=tuple(quote(texts[unlinked[q]]) for q in t.quotes),
                demand=theme_demand[t.key],
                request_confidence=round(float(np.median(sureness[t.key])), 3),
                unsure=bool(np.median(sureness[t.key]) < least_sure),
            )
            for t in found
        ]

    return FeedbackAnalysis(
        keys=tuple(keys),
        duplicates=duplicates,
        labels=labels,
        label_sources=sources,
        confidence=confidence,
        sentiments=dict(zip(keys, sentiment_labels, strict=True)),
        learned=prediction.learned,
        labels_used=kinds.labels_used,
        suggestions=tuple(suggestions),
        candidates=candidates,
        proposed=tuple(proposed),
        links=links,
        evidence=evidence,
        item_demand=item_demand,
        themes=tuple(themes),
        settings=settings,
        dropped_demand=dropped_demand,
    )


def _demand(
    groups: Mapping[str, list[str]],
    ws: Workspace,
    settings: FeedbackSettings,
    cache: StepCache | None,
) -> dict[str, Demand]:
    """:func:`compute_demand`, remembered under the groups, who gave each text and what each
    customer pays (and the bootstrap's size and seed)."""
    key = Fingerprint("demand", settings.bootstrap_samples, settings.seed)
    key.extend(part for group, members in groups.items() for part in (group, len(members)))
    key.extend(part for members in groups.values() for part in members)
    key.extend(part for f in ws.feedback for part in (f.key, f.customer))
    key.extend(part for c in ws.customers for part in (c.key, float(c.annual_revenue), c.segment))

    def compute() -> _Demands:
        return _Demands(
            compute_demand(
                groups,
                ws.feedback,
                ws.customers,
                samples=settings.bootstrap_samples,
                seed=settings.seed,
            )
        )

    return remembered(cache, "demand", key, compute, _Demands).demand


def _evidence(
    by_key: Mapping[str, Feedback],
    groups: Mapping[str, list[str]],
    scores: Mapping[tuple[str, str], float],
    labels: Mapping[str, str],
    known: Mapping[str, Mapping[str, bool | None]],
) -> dict[str, ItemEvidence]:
    """Per item (an epic with its stories' feedback): texts by score, customers, quotes."""
    evidence: dict[str, ItemEvidence] = {}
    best: dict[str, float] = {}
    for (key, _), score in scores.items():
        best[key] = max(best.get(key, 0.0), score)
    for item, keys in groups.items():
        if not keys:
            continue
        ordered = sorted(keys, key=lambda k: (-scores.get((k, item), best.get(k, 0.0)), k))
        customers = sorted({c for k in ordered if (c := by_key[k].customer) is not None})
        quotes: list[str] = []
        seen: set[str] = set()
        for k in ordered:
            q = quote(by_key[k].text)
            if q.casefold() not in seen:
                seen.add(q.casefold())
                quotes.append(q)
            if len(quotes) == 3:
                break
        kinds: dict[str, int] = {}
        for k in ordered:
            kinds[labels[k]] = kinds.get(labels[k], 0) + 1
        confirmed = sum(1 for k in ordered if known.get(k, {}).get(item) is True)
        evidence[item] = ItemEvidence(
            item=item,
            feedback=tuple(ordered),
            confirmed=confirmed,
            proposed=len(ordered) - confirmed,
            customers=tuple(customers),
            quotes=tuple(quotes),
            kinds=kinds,
        )
    return evidence


def _ranked(demands: Iterable[Demand]) -> list[Demand]:
    """Items asked for, by revenue-weighted demand, then by distinct customers."""
    return sorted((d for d in demands if d.mentions), key=lambda d: (-d.revenue, -d.reach, d.key))


def _rolled_up_groups(ws: Workspace, links: Mapping[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """Feedback keys per item, including those about its descendants: an epic's demand is the
    union of its stories' demand, each customer counted once. A dropped item keeps its own
    texts, but they are not its parents' demand: the team decided not to build what they
    ask for, so they say nothing for the rest of the epic."""
    direct: dict[str, set[str]] = {i.key: set() for i in ws.items}
    for key, linked in links.items():
        for item_key in linked:
            if item_key in direct:
                direct[item_key].add(key)
    groups = {k: set(v) for k, v in direct.items()}
    for item in ws.items:
        if item.key in ws.dropped_keys:
            continue
        parent = item.parent
        # The workspace rules forbid parent cycles, so this walk ends at a root.
        while parent is not None and parent in groups:
            groups[parent] |= direct[item.key]
            parent = ws.item_by_key[parent].parent
    return {k: sorted(v) for k, v in groups.items()}


def updated_feedback(ws: Workspace, analysis: FeedbackAnalysis) -> list[Feedback]:
    """The workspace's feedback with this run's labels, sentiment and proposed links.

    A person's label and every confirmed or rejected link are kept as they are; earlier
    unconfirmed proposals are replaced by this run's.
    """
    proposed = {c.feedback: c for c in analysis.proposed}
    out: list[Feedback] = []
    for f in ws.feedback:
        decided = [link for link in f.links if link.confirmed is not None]
        decided_items = {link.item for link in decided}
        links = list(decided)
        candidate = proposed.get(f.key)
        if candidate is not None and candidate.item not in decided_items:
            links.append(FeedbackLink(item=candidate.item, score=candidate.score))
        changes: dict[str, Any] = {"links": links, "sentiment": analysis.sentiments[f.key]}
        if f.label_source != "user":
            changes["label"] = analysis.labels[f.key]
            changes["label_source"] = analysis.label_sources[f.key]
        out.append(f.model_copy(update=changes))
    return out


def theme_to_item(
    ws: Workspace,
    theme: ThemeSummary,
    key: str,
    title: str | None = None,
    currency: str = "USD",
) -> Workspace:
    """``ws`` with a new backlog item for a theme of requests no item covers: an idea-stage
    feature titled after the theme (or ``title``), described by its demand and quotes, with
    the customers who asked; the theme's texts are linked to it as confirmed, since a person
    chose them by making the item (``feedback link --reject`` undoes one).

    Raises a :class:`ValidationError` naming ``key`` when an item already has it.
    """
    from roadwise.domain import Item, ItemKind
    from roadwise.errors import ValidationError

    key = key.strip()
    if not key:
        raise ValidationError("the new item needs a key", field="key")
    if key in ws.item_by_key:
        raise ValidationError(f"an item {key} already exists; choose another key", field="key")
    texts = set(theme.feedback)
    asked = sorted(
        {f.customer for f in ws.feedback if f.key in texts and f.customer in ws.customer_by_key}
    )
    trend = theme.theme.trend
    demand = theme.demand
    low, high = demand.revenue_interval
    lines = [
        f"From feedback theme {theme.theme.key} ({theme.theme.name}): {len(texts)} texts from "
        f"{demand.reach} customers with {currency} {demand.revenue:,.0f} yearly revenue "
        f"(90% interval {low:,.0f}-{high:,.0f}); {trend.recent} texts in the recent window "
        f"against {trend.earlier} before (x{trend.rate_ratio:.2f}"
        f"{', rising' if trend.rising else ''}).",
        "",
        "What customers said:",
        *(f"> {q}" for q in theme.quotes),
    ]
    item = Item(
        key=key,
        title=(title or theme.theme.name).strip() or theme.theme.key,
        description="\n".join(lines),
        kind=ItemKind.FEATURE,
        status=Status.IDEA,
        customers=asked,
        tags=["from-feedback"],
    )
    feedback = [
        f.model_copy(
            update={
                "links": [
                    *(link for link in f.links if link.item != key),
                    FeedbackLink(item=key, confirmed=True),
                ]
            }
        )
        if f.key in texts
        else f
        for f in ws.feedback
    ]
    return ws.copy_with(items=[*ws.items, item], feedback=feedback)


def label_counts(analysis: FeedbackAnalysis) -> dict[str, int]:
    counts = dict.fromkeys(LABELS, 0)
    for label in analysis.labels.values():
        counts[label] = counts.get(label, 0) + 1
    return counts


__all__ = [
    "FeedbackAnalysis",
    "FeedbackSettings",
    "ItemEvidence",
    "ThemeSummary",
    "analyse_feedback",
    "label_counts",
    "quote",
    "theme_to_item",
    "updated_feedback",
]
