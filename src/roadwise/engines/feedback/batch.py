"""Feedback in bulk: millions of texts classified and linked in parts, without the workspace.

A :class:`BatchModel` is fitted once from the workspace (the backend on its feedback and items,
the classifier on the labels people gave, the linker on the backlog and the links people
confirmed or rejected), exactly as :func:`~roadwise.engines.feedback.analyse_feedback` fits
them. :func:`classify_part` then applies it to one part of a large export: a pure function of
the model and the part, so parts can run anywhere (one after another here, or on the workers
of a Dask cluster) and give the same answer in any order. :func:`near_duplicate_groups` over
the parts' MinHash signatures finds duplicates across parts at the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from roadwise.domain import Workspace
from roadwise.engines.feedback.classify import FeedbackClassifier, sentiment
from roadwise.engines.feedback.duplicates import minhash_signatures
from roadwise.engines.feedback.link import Linker
from roadwise.engines.feedback.pipeline import FeedbackSettings, link_lessons, training_corpus
from roadwise.engines.feedback.text import TextBackend
from roadwise.errors import RoadwiseError


@dataclass(frozen=True)
class BatchModel:
    """What every part needs, fitted once; small enough to send to each worker."""

    backend: TextBackend
    classifier: FeedbackClassifier
    linker: Linker
    link_threshold: float
    labels_used: int


@dataclass(frozen=True)
class BatchPart:
    """One part's results, row for row."""

    kinds: tuple[str, ...]
    confidence: np.ndarray
    """The classifier's probability of the kind given."""
    sentiments: tuple[str, ...]
    """positive, neutral or negative: the words, outweighed by a star rating where given."""
    items: tuple[str | None, ...]
    """The best-matching backlog item where its score reaches the link threshold."""
    scores: np.ndarray
    """The best item's score (whether or not it reached the threshold)."""
    signatures: np.ndarray = field(repr=False)
    """MinHash signatures, for near-duplicates across parts."""


def batch_model(ws: Workspace, backend: TextBackend, settings: FeedbackSettings) -> BatchModel:
    """Fit the backend, classifier and linker from ``ws`` as the workspace analysis does."""
    feedback = list(ws.feedback)
    corpus = training_corpus(ws)
    if not corpus:
        raise RoadwiseError(
            "the workspace has no feedback and no backlog items to learn from: import the "
            "backlog, or a sample of the export (`roadwise feedback import`), first"
        )
    backend.fit(corpus)
    # in key order, as the workspace analysis learns them (the kinds must not depend on it)
    labelled = sorted(
        (f for f in feedback if f.label_source == "user" and f.label), key=lambda f: f.key
    )
    classifier = FeedbackClassifier(backend, seed=settings.seed).fit(
        [f.text for f in labelled], [str(f.label) for f in labelled], [f.rating for f in labelled]
    )
    confirmed, rejected = link_lessons(feedback)
    linker = Linker(
        ws.items,
        backend,
        all_items=ws.item_by_key,
        confirmed_texts=confirmed,
        rejected_texts=rejected,
    )
    return BatchModel(backend, classifier, linker, settings.threshold, classifier.labels_used)


def classify_part(
    model: BatchModel, texts: Sequence[str], ratings: Sequence[int | None]
) -> BatchPart:
    """Kinds, best item and MinHash signatures for one part of a large export."""
    if len(texts) != len(ratings):
        raise ValueError(f"{len(texts)} texts but {len(ratings)} ratings")
    # One BLAS thread per part: the parts themselves are what runs in parallel.
    with threadpool_limits(limits=1, user_api="blas"):
        prediction = model.classifier.predict(list(texts), list(ratings))
        if model.linker.keys and texts:
            top, top_scores = model.linker.top(model.backend.transform(list(texts)), k=1)
            best = top[:, 0]
            scores = np.asarray(top_scores[:, 0], dtype=float)
        else:
            best = np.zeros(len(texts), dtype=int)
            scores = np.zeros(len(texts))
        keys = model.linker.keys
        items = tuple(
            keys[int(b)] if keys and s >= model.link_threshold else None
            for b, s in zip(best, scores, strict=True)
        )
        signatures = minhash_signatures(list(texts))
        feelings, _ = sentiment(texts, ratings)
    return BatchPart(
        kinds=tuple(prediction.labels),
        confidence=np.asarray(prediction.confidence, dtype=float),
        sentiments=tuple(feelings),
        items=items,
        scores=scores,
        signatures=signatures,
    )


@dataclass
class BatchTally:
    """Running totals over the parts, in any order."""

    texts: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    sentiments: Counter[str] = field(default_factory=Counter)
    items: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    """Texts classified as feature requests, per linked item."""
    unlinked_requests: int = 0

    def add(self, part: BatchPart) -> None:
        self.texts += len(part.kinds)
        self.kinds.update(part.kinds)
        self.sentiments.update(part.sentiments)
        for kind, item in zip(part.kinds, part.items, strict=True):
            if item is not None:
                self.items[item] += 1
                if kind == "feature":
                    self.requests[item] += 1
            elif kind == "feature":
                self.unlinked_requests += 1
