"""Link feedback texts to the backlog items they are about, and learn from confirmations.

Each item gets a profile: its title (counted twice, titles are dense), description, tags and
its parent's title. A text's score for an item is the cosine similarity between the text and
the profile. Confirmed links teach the linker (Rocchio relevance feedback): the centroid of the
texts a person confirmed for an item is added to its profile, so words customers use for it but
the backlog does not ("export to Excel" for "CSV download") start to count. Rejected links
push the other way (the centroid of rejected texts is subtracted, weighted by similarity), and
a rejected pair is never proposed again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from roadwise.domain import Item, Status
from roadwise.engines.feedback.text import Matrix, TextBackend, cosine, mean_row, stack

DEFAULT_THRESHOLDS: dict[str, float] = {"lexical": 0.18, "embedding": 0.45}
"""Scores at or above which a link is proposed, per backend (cosines differ in scale)."""


def item_document(item: Item, parent: Item | None = None) -> str:
    parts = [item.title, item.title, item.description, " ".join(item.tags)]
    if parent is not None:
        parts.append(parent.title)
    return "\n".join(p for p in parts if p)


def linkable_items(
    items: Sequence[Item], all_items: Mapping[str, Item] | None = None
) -> list[tuple[Item, str]]:
    """The items texts can be linked to (all but dropped ones), each with its profile text."""
    lookup = all_items or {i.key: i for i in items}
    return [
        (i, item_document(i, lookup.get(i.parent) if i.parent else None))
        for i in items
        if i.status != Status.DROPPED
    ]


@dataclass(frozen=True)
class LinkCandidate:
    feedback: str
    item: str
    score: float


class Linker:
    """Scores texts against items; build once per run, then score texts in chunks."""

    def __init__(
        self,
        items: Sequence[Item],
        backend: TextBackend,
        *,
        all_items: Mapping[str, Item] | None = None,
        confirmed_texts: Mapping[str, Sequence[str]] | None = None,
        rejected_texts: Mapping[str, Sequence[str]] | None = None,
        confirmed_weight: float = 1.0,
        rejected_weight: float = 0.5,
    ) -> None:
        linkable = linkable_items(items, all_items)
        self.items = [i for i, _ in linkable]
        self.keys = [i.key for i in self.items]
        self.backend = backend
        documents = [document for _, document in linkable]
        profiles = _canonical(backend.transform(documents)) if documents else None
        confirmed_texts = confirmed_texts or {}
        rejected_texts = rejected_texts or {}
        self._rejected_centres: dict[int, Matrix] = {}
        self.learned_items = 0
        if profiles is not None:
            rows: list[Matrix] = []
            for index, key in enumerate(self.keys):
                row = profiles[index : index + 1]
                texts = confirmed_texts.get(key, [])
                if texts:
                    # The more confirmations, the more the customers' own words count.
                    weight = confirmed_weight * min(1.0, len(texts) / 3.0)
                    row = row + weight * mean_row(backend.transform(list(texts)))
                    self.learned_items += 1
                rows.append(_normalise(row))
                if rejected_texts.get(key):
                    self._rejected_centres[index] = mean_row(
                        backend.transform(list(rejected_texts[key]))
                    )
            self._profiles: Matrix | None = stack(rows)
        else:
            self._profiles = None
        self._rejected_weight = rejected_weight

    def scores(self, vectors: Matrix) -> np.ndarray:
        """Score matrix (texts × items) for texts already turned into vectors by the backend."""
        if self._profiles is None:
            return np.zeros((vectors.shape[0], 0))
        score = cosine(vectors, self._profiles)
        for index, centre in self._rejected_centres.items():
            score[:, index] -= self._rejected_weight * cosine(vectors, centre)[:, 0]
        return score

    def top(self, vectors: Matrix, k: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best items per text: (item indices, scores), best first."""
        score = self.scores(vectors)
        k = min(k, score.shape[1])
        if k == 0:
            return np.zeros((score.shape[0], 0), dtype=np.int64), np.zeros((score.shape[0], 0))
        part = np.argpartition(-score, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(score, part, axis=1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        return np.take_along_axis(part, order, axis=1), np.take_along_axis(
            part_scores, order, axis=1
        )


def _canonical(matrix: Matrix) -> Matrix:
    """A sparse matrix with sorted indices and no duplicates (dense ones as they are): SciPy
    adds and multiplies rows that are not canonical by walking every one of the 2**20 hashed
    columns, which made building the linker's profiles take most of the linking time."""
    import scipy.sparse as sp

    if not sp.issparse(matrix):
        return matrix
    canonical = sp.csr_matrix(matrix, copy=True)
    canonical.sum_duplicates()
    return canonical


def _normalise(row: Matrix) -> Matrix:
    import scipy.sparse as sp

    if sp.issparse(row):
        row = _canonical(row)
        norm = float(np.sqrt(np.square(row.data).sum()))
    else:
        norm = float(np.linalg.norm(row))
    return row / norm if norm > 0 else row


def suggest_links(
    keys: Sequence[str],
    vectors: Matrix,
    linker: Linker,
    *,
    threshold: float,
    top_k: int = 5,
    known: Mapping[str, Mapping[str, bool | None]] | None = None,
) -> tuple[dict[str, list[LinkCandidate]], list[LinkCandidate]]:
    """Top-k candidates per text, and the links to propose (≥ threshold, not yet decided).

    ``known[feedback][item]`` is True (confirmed), False (rejected) or None (proposed earlier):
    decided pairs are not proposed again.
    """
    indices, scores = linker.top(vectors, top_k)
    return links_from_top(keys, linker.keys, indices, scores, threshold=threshold, known=known)


def links_from_top(
    keys: Sequence[str],
    item_keys: Sequence[str],
    indices: np.ndarray,
    scores: np.ndarray,
    *,
    threshold: float,
    known: Mapping[str, Mapping[str, bool | None]] | None = None,
) -> tuple[dict[str, list[LinkCandidate]], list[LinkCandidate]]:
    """:func:`suggest_links` from :meth:`Linker.top`'s result (kept between runs: the scores
    do not depend on the threshold or on which pairs were decided)."""
    known = known or {}
    candidates: dict[str, list[LinkCandidate]] = {}
    proposed: list[LinkCandidate] = []
    # Plain lists: iterating NumPy rows element by element is ten times slower.
    index_rows, score_rows = np.asarray(indices).tolist(), np.asarray(scores).tolist()
    for row, key in enumerate(keys):
        decided = known.get(key, {})
        ranked = [
            LinkCandidate(key, item_keys[j], round(s, 4))
            for j, s in zip(index_rows[row], score_rows[row], strict=True)
        ]
        candidates[key] = ranked
        for candidate in ranked[:1]:
            # Only the best item per text is proposed: a text is usually about one thing,
            # and flooding the review queue with runners-up wastes the reviewer's time.
            if candidate.score >= threshold and decided.get(candidate.item) is None:
                proposed.append(candidate)
    return candidates, proposed
