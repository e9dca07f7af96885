"""Exact and near-duplicate feedback, grouped (never dropped).

Exact duplicates are texts equal after normalisation (case, punctuation, spacing). Near
duplicates are found with MinHash signatures over word 1-3-gram shingles and locality-sensitive
hashing (banding): candidate pairs share a band, and a pair is kept when the share of agreeing
signature positions, an unbiased estimate of the shingles' Jaccard similarity, reaches the
threshold. Signatures are computed in vectorised chunks, so a million texts take seconds and
memory grows linearly (64 × 4 bytes per text), never quadratically.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from sklearn.feature_extraction.text import HashingVectorizer

_PRIME = np.uint64(4294967311)  # the first prime above 2**32: hashes fit uint32 after the modulo
_SHINGLE_SPACE = 2**28
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


def normalise_text(text: str) -> str:
    """Lower case, punctuation and spacing removed: what "the same text" means to a reader."""
    return _NON_WORD.sub(" ", text.casefold()).strip()


@dataclass(frozen=True)
class DuplicateGroups:
    """``group[i]`` is the index of the first text of text i's group (itself when unique)."""

    group: np.ndarray
    exact_pairs: int
    near_pairs: int

    @property
    def groups(self) -> list[list[int]]:
        """Groups with more than one member, each listed by text index (first is the original)."""
        order = np.argsort(self.group, kind="stable")
        sorted_groups = self.group[order]
        bounds = np.flatnonzero(np.diff(sorted_groups)) + 1
        return [
            [int(i) for i in members] for members in np.split(order, bounds) if len(members) > 1
        ]

    @property
    def duplicate_count(self) -> int:
        """Texts that repeat an earlier one (exactly or nearly)."""
        return int(np.count_nonzero(self.group != np.arange(len(self.group))))


def minhash_signatures(
    texts: Sequence[str], num_perm: int = 64, seed: int = 0, chunk: int = 50_000
) -> np.ndarray:
    """MinHash signature per text (``len(texts) × num_perm`` uint32); empty texts get all-max."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**32 - 1, size=num_perm, dtype=np.uint64)
    b = rng.integers(0, 2**32 - 1, size=num_perm, dtype=np.uint64)
    shingler = HashingVectorizer(
        n_features=_SHINGLE_SPACE,
        ngram_range=(1, 3),
        alternate_sign=False,
        norm=None,
        binary=True,
        lowercase=True,
        token_pattern=r"(?u)\b\w+\b",
    )
    out = np.full((len(texts), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(texts), chunk):
        part = sp.csr_matrix(shingler.transform(texts[start : start + chunk]))
        lengths = np.diff(part.indptr)
        filled = np.flatnonzero(lengths)
        if len(filled) == 0:
            continue
        shingles = part.indices.astype(np.uint64)
        starts = part.indptr[:-1][filled]
        for j in range(num_perm):
            # a*x + b stays below 2**61 for x < 2**28: no overflow in uint64.
            hashed = (a[j] * shingles + b[j]) % _PRIME
            out[start + filled, j] = np.minimum.reduceat(hashed, starts).astype(np.uint32)
    return out


def find_duplicates(
    texts: Sequence[str],
    *,
    threshold: float = 0.7,
    num_perm: int = 64,
    bands: int = 16,
    seed: int = 0,
) -> DuplicateGroups:
    """Group exact and near-duplicate texts (estimated Jaccard similarity ≥ ``threshold``)."""
    n = len(texts)
    if num_perm % bands:
        raise ValueError("num_perm must be a multiple of bands")
    if n == 0:
        return DuplicateGroups(np.zeros(0, dtype=np.int64), 0, 0)

    normalised = [normalise_text(t) for t in texts]
    first_seen: dict[str, int] = {}
    exact_rep = np.fromiter(
        (first_seen.setdefault(text, index) for index, text in enumerate(normalised)),
        dtype=np.int64,
        count=n,
    )
    del first_seen
    rows: list[np.ndarray] = [np.flatnonzero(exact_rep != np.arange(n))]
    cols: list[np.ndarray] = [exact_rep[rows[0]]]
    exact_pairs = len(rows[0])

    # Near duplicates among the distinct texts only: exact copies add nothing but work.
    distinct = np.flatnonzero(exact_rep == np.arange(n))
    signatures = minhash_signatures([normalised[i] for i in distinct], num_perm, seed)
    left, right = similar_pairs(signatures, threshold=threshold, bands=bands, seed=seed)
    near_pairs = len(left)
    rows.append(distinct[left])
    cols.append(distinct[right])
    del signatures

    return DuplicateGroups(
        group_of(n, np.concatenate(rows), np.concatenate(cols)), exact_pairs, near_pairs
    )


def group_of(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected groups of ``n`` texts joined by pairs: each text's earliest group member."""
    graph = sp.coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    # The representative of a group is its earliest text, so results do not depend on labels.
    first = np.full(int(component.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))
    return np.asarray(first[component])


def similar_pairs(
    signatures: np.ndarray, *, threshold: float = 0.7, bands: int = 16, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose MinHash signatures agree on at least ``threshold`` of positions.

    Banding: rows that agree on a whole band fall in the same bucket and become candidates;
    each candidate is verified on the full signature. Work and memory grow linearly.
    """
    num_perm = signatures.shape[1]
    if num_perm % bands:
        raise ValueError("the signature length must be a multiple of bands")
    empty = (signatures == np.iinfo(np.uint32).max).all(axis=1)
    per_band = num_perm // bands
    weights = np.random.default_rng(seed + 1).integers(1, 2**31, size=per_band, dtype=np.uint64)
    near_rows: list[np.ndarray] = []
    near_cols: list[np.ndarray] = []
    for band in range(bands):
        block = signatures[:, band * per_band : (band + 1) * per_band].astype(np.uint64)
        key = (block * weights).sum(axis=1)  # wraps modulo 2**64: a fine bucket hash
        key[empty] = np.arange(int(empty.sum()), dtype=np.uint64) + np.uint64(2**63)
        order = np.argsort(key, kind="stable")
        hits = np.flatnonzero(key[order][1:] == key[order][:-1])
        # Each text is compared with its predecessor in the bucket: a chain that covers
        # the bucket when its members are alike, verified on the full signature below.
        near_rows.append(order[hits])
        near_cols.append(order[hits + 1])
    left = np.concatenate(near_rows) if near_rows else np.zeros(0, dtype=np.int64)
    right = np.concatenate(near_cols) if near_cols else np.zeros(0, dtype=np.int64)
    if len(left) == 0:
        return left, right
    pairs = np.unique(np.stack([np.minimum(left, right), np.maximum(left, right)]), axis=1)
    left, right = pairs[0], pairs[1]
    agreement = np.empty(len(left))
    for start in range(0, len(left), 200_000):
        stop = start + 200_000
        agreement[start:stop] = (
            signatures[left[start:stop]] == signatures[right[start:stop]]
        ).mean(axis=1)
    keep = agreement >= threshold
    return left[keep], right[keep]
