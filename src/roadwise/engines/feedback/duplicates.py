"""Exact and near-duplicate feedback, grouped (never dropped).

Exact duplicates are texts equal after normalisation (case, punctuation, spacing). Near
duplicates are found with MinHash signatures over word 1-3-gram shingles and locality-sensitive
hashing (banding): candidate pairs share a band, and a pair is kept when the share of agreeing
signature positions, an unbiased estimate of the shingles' Jaccard similarity, reaches the
threshold. Signatures are computed in vectorised chunks; bands are processed one at a time and
their verified pairs merged into the groups at once (union-find), so memory is the signatures
(64 × 4 bytes per text) plus a few integers per text, however many candidate pairs there are.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# scikit-learn is imported where it is used: it takes about a second to import, and a
# command whose analysis steps all come from the cache never needs it.

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
    from sklearn.feature_extraction.text import HashingVectorizer

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
    # A text of emoji or punctuation only ("👍", "???") normalises to nothing: it is the same
    # text as another only when they are written alike ("👍" and "👎" are not).
    first_seen: dict[str, int] = {}
    exact_rep = np.fromiter(
        (
            first_seen.setdefault(text or "\0" + raw.strip(), index)
            for index, (text, raw) in enumerate(zip(normalised, texts, strict=True))
        ),
        dtype=np.int64,
        count=n,
    )
    del first_seen
    rows: list[np.ndarray] = [np.flatnonzero(exact_rep != np.arange(n))]
    cols: list[np.ndarray] = [exact_rep[rows[0]]]
    exact_pairs = len(rows[0])

    # Near duplicates among the distinct texts only: exact copies add nothing but work. A text
    # with no words has no shingles to compare, so it is nobody's near duplicate.
    has_words = np.fromiter((bool(text) for text in normalised), dtype=bool, count=n)
    distinct = np.flatnonzero((exact_rep == np.arange(n)) & has_words)
    signatures = minhash_signatures([normalised[i] for i in distinct], num_perm, seed)
    del normalised
    near, near_pairs = near_duplicate_groups(
        signatures, threshold=threshold, bands=bands, seed=seed
    )
    del signatures
    # Each distinct text joins its near-duplicate group's earliest member.
    rows.append(distinct)
    cols.append(distinct[near])

    return DuplicateGroups(
        group_of(n, np.concatenate(rows), np.concatenate(cols)), exact_pairs, near_pairs
    )


def group_of(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Connected groups of ``n`` texts joined by pairs: each text's earliest group member."""
    graph = sp.coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    from scipy.sparse.csgraph import connected_components

    _, component = connected_components(graph, directed=False)
    # The representative of a group is its earliest text, so results do not depend on labels.
    first = np.full(int(component.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, component, np.arange(n))
    return np.asarray(first[component])


def _band_keys(signatures: np.ndarray, band: int, per_band: int, weights: np.ndarray) -> np.ndarray:
    block = signatures[:, band * per_band : (band + 1) * per_band].astype(np.uint64)
    key = (block * weights).sum(axis=1)  # wraps modulo 2**64: a fine bucket hash
    empty = (signatures == np.iinfo(np.uint32).max).all(axis=1)
    key[empty] = np.arange(int(empty.sum()), dtype=np.uint64) + np.uint64(2**63)
    return np.asarray(key)


def _verified(
    signatures: np.ndarray, left: np.ndarray, right: np.ndarray, threshold: float, chunk: int
) -> np.ndarray:
    """Which candidate pairs agree on at least ``threshold`` of signature positions."""
    keep = np.zeros(len(left), dtype=bool)
    for start in range(0, len(left), chunk):
        stop = start + chunk
        agreement = (signatures[left[start:stop]] == signatures[right[start:stop]]).mean(axis=1)
        keep[start:stop] = agreement >= threshold
    return keep


def _band_candidates(
    signatures: np.ndarray, band: int, per_band: int, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    key = _band_keys(signatures, band, per_band, weights)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    del key
    hits = np.flatnonzero(sorted_key[1:] == sorted_key[:-1])
    # Each text is compared with its predecessor in the bucket: a chain that covers the
    # bucket when its members are alike. A bucket of m texts gives m - 1 candidates, never
    # m² / 2, so a huge bucket of one template costs no more than m separate texts.
    return order[hits], order[hits + 1]


def near_duplicate_groups(
    signatures: np.ndarray,
    *,
    threshold: float = 0.7,
    bands: int = 16,
    seed: int = 0,
    chunk: int = 200_000,
) -> tuple[np.ndarray, int]:
    """Group rows whose MinHash signatures agree on at least ``threshold`` of positions.

    Returns ``(group, merges)``: ``group[i]`` is the earliest row of row i's group, and
    ``merges`` how many times two groups were joined (texts minus groups). Bands are processed one
    at a time and each band's candidates are verified and merged (union-find) before the
    next, so besides the signatures only O(n) integers are held, whatever the number of
    candidate pairs: a pair already in one group is not even verified.
    """
    n, num_perm = signatures.shape
    if num_perm % bands:
        raise ValueError("the signature length must be a multiple of bands")
    per_band = num_perm // bands
    weights = np.random.default_rng(seed + 1).integers(1, 2**31, size=per_band, dtype=np.uint64)
    first = np.arange(n, dtype=np.int64)
    merges = 0
    for band in range(bands):
        left, right = _band_candidates(signatures, band, per_band, weights)
        open_ = first[left] != first[right]
        left, right = left[open_], right[open_]
        if len(left) == 0:
            continue
        keep = _verified(signatures, left, right, threshold, chunk)
        left, right = first[left[keep]], first[right[keep]]
        del keep
        if len(left) == 0:
            continue
        # Union of the groups the verified pairs join: components over group representatives.
        before = np.count_nonzero(first == np.arange(n))
        joined = group_of(n, left, right)
        first = joined[first]
        merges += int(before - np.count_nonzero(first == np.arange(n)))
    return first, merges


def similar_pairs(
    signatures: np.ndarray, *, threshold: float = 0.7, bands: int = 16, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows whose MinHash signatures agree on at least ``threshold`` of positions.

    Banding: rows that agree on a whole band fall in the same bucket and become candidates;
    each candidate is verified on the full signature. Every verified pair is returned, so
    this holds up to ``bands × n`` pairs; :func:`near_duplicate_groups` gives the groups in
    O(n) memory and is what the pipeline uses.
    """
    num_perm = signatures.shape[1]
    if num_perm % bands:
        raise ValueError("the signature length must be a multiple of bands")
    per_band = num_perm // bands
    weights = np.random.default_rng(seed + 1).integers(1, 2**31, size=per_band, dtype=np.uint64)
    near_rows: list[np.ndarray] = []
    near_cols: list[np.ndarray] = []
    for band in range(bands):
        left, right = _band_candidates(signatures, band, per_band, weights)
        keep = _verified(signatures, left, right, threshold, 200_000)
        near_rows.append(np.minimum(left[keep], right[keep]))
        near_cols.append(np.maximum(left[keep], right[keep]))
    left = np.concatenate(near_rows) if near_rows else np.zeros(0, dtype=np.int64)
    right = np.concatenate(near_cols) if near_cols else np.zeros(0, dtype=np.int64)
    if len(left) == 0:
        return left, right
    pairs = np.unique(np.stack([left, right]), axis=1)
    return pairs[0], pairs[1]
