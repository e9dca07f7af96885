"""Text backends: turn feedback texts and item descriptions into comparable vectors.

Every engine in this package reads text only through a :class:`TextBackend`, so the lexical
default (TF-IDF, no download) and the embedding backend (sentence-transformers, loaded by the
views from ``roadwise.sources.text_models``) are interchangeable. Rows come back L2-normalised,
so a dot product is a cosine similarity for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

# scikit-learn is imported where it is used: it takes about a second to import, and a
# command whose analysis steps all come from the cache never needs it.

# Rows are texts: a scipy CSR matrix (lexical) or a dense NumPy array (embeddings). SciPy's
# sparse classes are untyped, so the alias is Any and the functions below check the kind.
Matrix: TypeAlias = Any


@runtime_checkable
class TextBackend(Protocol):
    """What the feedback engines need from a text representation."""

    name: str

    def fit(self, texts: Sequence[str]) -> None:
        """Learn corpus statistics (IDF weights); a pre-trained model may ignore this."""

    def transform(self, texts: Sequence[str]) -> Matrix:
        """One L2-normalised row per text."""


class LexicalBackend:
    """TF-IDF over word unigrams and bigrams, hashed so memory does not grow with vocabulary.

    Hashing keeps a million-text run in bounded memory (no vocabulary dictionary) and makes
    ``transform`` stateless, so chunks can be processed independently after one ``fit``.
    """

    name = "lexical"

    def __init__(self, n_features: int = 2**20, fit_sample: int = 100_000, seed: int = 0) -> None:
        self._n_features = n_features
        self._models: tuple[HashingVectorizer, TfidfTransformer] | None = None
        self._fit_sample = fit_sample
        self._seed = seed
        self._fitted = False
        # What its vectors depend on besides the texts: results kept between runs are filed
        # under it (see roadwise.engines.feedback.memo).
        self.cache_identity = f"lexical|{n_features}|{fit_sample}|{seed}"

    def _parts(self) -> tuple[HashingVectorizer, TfidfTransformer]:
        if self._models is None:
            from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

            hasher = HashingVectorizer(
                n_features=self._n_features,
                ngram_range=(1, 2),
                alternate_sign=False,
                norm=None,
                strip_accents="unicode",
                lowercase=True,
            )
            self._models = (hasher, TfidfTransformer(sublinear_tf=True))
        return self._models

    def fit(self, texts: Sequence[str]) -> None:
        hasher, idf = self._parts()
        sample: Sequence[str] = texts
        if len(texts) > self._fit_sample:
            # IDF from a random sample is indistinguishable from the full corpus at this size.
            rng = np.random.default_rng(self._seed)
            picks = rng.choice(len(texts), size=self._fit_sample, replace=False)
            sample = [texts[int(i)] for i in np.sort(picks)]
        idf.fit(hasher.transform(sample))
        self._fitted = True

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        from sklearn.preprocessing import normalize

        hasher, idf = self._parts()
        counts = hasher.transform(texts)
        if not self._fitted:
            # Unfitted: plain sublinear TF, still normalised, so cosines remain meaningful.
            counts.data = 1.0 + np.log(counts.data)
            return sp.csr_matrix(normalize(counts))
        return sp.csr_matrix(idf.transform(counts))


class EncoderBackend:
    """Dense sentence embeddings from any object with an ``encode(texts) -> array`` method.

    The views hand in a loaded sentence-transformers model (``roadwise.sources.text_models``);
    the engines never load files themselves. Encoding is the slow step on a CPU, and one
    analysis asks for the same texts several times (linking, classifying, the labelled ones
    again) and feedback repeats itself, so each distinct text is encoded once and its vector
    kept, up to ``memory_texts`` of them (384 floats each for MiniLM: 100,000 take 150 MB).
    """

    name = "embedding"

    def __init__(
        self,
        encoder: Any,
        batch_size: int = 64,
        memory_texts: int = 100_000,
        identity: str | None = None,
    ) -> None:
        if not hasattr(encoder, "encode"):
            raise TypeError("the encoder needs an encode(texts) method")
        self._encoder = encoder
        # Which model's vectors these are (its weights' fingerprint): None for an encoder the
        # caller did not name, whose results are then never kept between runs.
        self.cache_identity = f"embedding|{identity}" if identity is not None else None
        self._batch_size = batch_size
        self._memory_texts = memory_texts
        self._known: dict[str, np.ndarray] = {}

    def fit(self, texts: Sequence[str]) -> None:
        """Pre-trained: nothing to learn from the corpus."""

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, 1), dtype=np.float32)
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        fresh: dict[str, np.ndarray] = {}
        if missing:
            vectors = np.asarray(
                self._encoder.encode(
                    missing,
                    batch_size=self._batch_size,
                    normalize_embeddings=True,
                    convert_to_numpy=True,
                    show_progress_bar=False,
                ),
                dtype=np.float32,
            )
            fresh = dict(zip(missing, vectors, strict=True))
        rows = [fresh[t] if t in fresh else self._known[t] for t in texts]
        for text, vector in fresh.items():
            if len(self._known) >= self._memory_texts:
                break  # keep what is known; later texts are encoded again when asked for
            self._known[text] = vector
        return np.vstack(rows)


def cosine(a: Matrix, b: Matrix) -> np.ndarray:
    """Dense cosine-similarity matrix between the rows of ``a`` and ``b`` (both normalised)."""
    product = a @ b.T
    if sp.issparse(product):
        return np.asarray(product.toarray(), dtype=np.float64)
    return np.asarray(product, dtype=np.float64)


def stack(rows: Sequence[Matrix]) -> Matrix:
    """Stack matrices of the same kind vertically."""
    if rows and sp.issparse(rows[0]):
        return sp.csr_matrix(sp.vstack(rows))
    return np.vstack(rows)


def mean_row(matrix: Matrix) -> Matrix:
    """The normalised centroid of some rows (a 1-row matrix of the same kind)."""
    if sp.issparse(matrix):
        from sklearn.preprocessing import normalize

        # Kept sparse throughout: ``mean(axis=0)`` would build a dense row of 2**20 hashed
        # features first (8 MB and most of the linking time, per item with confirmed links).
        rows = sp.csr_matrix(matrix)
        total = sp.csr_matrix(np.ones((1, rows.shape[0]))) @ rows
        centre = sp.csr_matrix(normalize(total / max(rows.shape[0], 1)))
        # Canonical (sorted, no duplicates): SciPy's sums and products of rows that are not
        # walk all 2**20 columns instead of the few stored values.
        centre.sum_duplicates()
        return centre
    centre = np.asarray(matrix.mean(axis=0)).reshape(1, -1)
    norm = float(np.linalg.norm(centre))
    return centre / norm if norm > 0 else centre
