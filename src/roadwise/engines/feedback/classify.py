"""What kind of feedback a text is (bug report, feature request, praise, question, other) and
how the customer feels (sentiment).

With no labels, a lexicon of the phrases people use ("crashes", "please add", "how do I",
"love it") plus the star rating decides. Once a person has labelled texts, two linear models
learn from them and their probabilities are averaged:

* a logistic regression over the backend's text vectors (word uni- and bigrams for the lexical
  backend, sentence embeddings for the embedding backend), character 2-5-grams within words
  (robust to typos and word forms, which stands in for lemmatisation), the lexicon's scores,
  and metadata computed from the text itself as Maalej et al. (2016) used: star rating,
  length, tense (past, present continuous, future) and sentiment;
* an NB-SVM (Wang & Manning 2012) in its logistic form: per kind, the presence of each word
  uni-/bigram and character n-gram is scaled by its Naive Bayes log-count ratio (how much
  more often it occurs in texts of that kind than in the others, learned from the labels),
  plus the same lexicon and metadata columns. Naive Bayes ratios are robust on short texts
  with few labels; the regression on top corrects their independence assumption.

Both disagree in different places, so the average is steadier than either. The lexicon thus
acts as a prior the labels correct; each model's regularisation strength is chosen by
cross-validation on the labels alone. For a two-kind question ("is this a bug report or
not?") the caller may name the kind that matters: the probability above which a text is
called that kind is then chosen by the same cross-validation to maximise that kind's F1,
instead of the more likely kind winning (a model unsure about its kind leaves many of them
just under one half). Active learning proposes the unlabelled texts the model
is least sure about (smallest margin between its two most likely classes): labelling those
teaches it most.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import scipy.sparse as sp

from roadwise.domain.model import FEEDBACK_LABELS
from roadwise.engines.feedback.text import TextBackend

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression

# scikit-learn is imported where it is used: it takes about a second to import, and a
# command whose analysis steps all come from the cache never needs it.

LABELS: tuple[str, ...] = FEEDBACK_LABELS
"""Feedback kinds, in the user's words: bug report, feature request, praise, question, other."""

SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")

_PATTERNS: dict[str, list[tuple[str, float]]] = {
    "bug": [
        (r"\bcrash\w*|\bfreez\w*|\bfroze\b|\bhangs?\b|\bstuck\b|\bbroke\b", 1.5),
        (r"\bbug\w*|\bglitch\w*|\berror\w*|\bexception\b|\bbroken\b|\bbreaks?\b", 1.5),
        (r"\b(does ?n[o']?t|did ?n[o']?t|won'?t|cannot|could ?n[o']?t|unable to)\b", 0.8),
        (r"\bnot (work\w*|load\w*|open\w*|sync\w*|sav\w*|show\w*|send\w*)", 1.5),
        (r"\b(stopped|stops|fails?|failed|failing|disappear\w*|forgets?|randomly)\b", 1.0),
        (r"\b(fix|fixed|issue|problem|wrong|lost|slow|timeout|times out|gibberish)\b", 0.8),
        (r"\b(after|since) (the )?(last |latest |recent )?(update|upgrade|release)\b", 1.0),
        (r"\b(50[0-9]|40[0-9])\b|\bblank (page|screen)\b|\bbad gateway\b", 0.8),
        (r"\bhappen(s|ed)? (every|three|twice|again)|\banyone else (seeing|having)\b", 1.2),
        (r"\b(is|are) known\b|\btake a look\b|\bhours later\b|\burgent\b", 0.8),
    ],
    "feature": [
        (r"\bplease (add|make|include|support|allow|consider|bring|give|let)\b", 2.0),
        (r"\b(would|it'?d|we'?d|i'?d) (be|love|like|help) ?(nice|great|awesome|helpful)?", 1.5),
        (r"\b(wish|hope) (it|you|there|they|i|we)\b|\bwould love\b|\bwould like\b", 1.5),
        (r"\bfeature request\b|\b(add|need|want)\w* (an? |the )?(option|ability|way|setting)", 2.0),
        (r"\bsupport for\b|\bintegrat\w+ with\b|\bability to\b|\ballow (us|me|users)\b", 1.2),
        (r"\b(should|could) (have|add|support|include|be able)\b|\bneeds? (an?|to)\b", 1.0),
        (r"\bmissing\b|\black\w*\b|\bsuggest\w*|\brequest\w* (a|an|the)\b|\bbe able to\b", 0.8),
        (r"\b(if|until|once) (i|we|you) (could|can)\b|\b(still )?no way to\b|\blet us\b", 1.8),
        (r"\b(frustrating|shame|pity|annoying) that (we|i|you) can'?t\b|\bidea:", 2.0),
        (r"\b(really |still )?needs? (\w+ )?(more|a|an|the|better|support|integration)?", 0.6),
        (r"\basked (again )?(about|for)\b|\bmore flexibility\b|\bwould give \d stars if\b", 1.5),
        (r"\b(add|adding|bring back)\b", 0.6),
    ],
    "praise": [
        (r"\b(love|loving|loved)\b|\bawesome\b|\bexcellent\b|\bamazing\b|\bfantastic\b", 1.5),
        (r"\b(great|good(?! (morning|afternoon|evening|day))|nice|best|perfect)\b", 1.0),
        (r"\b(wonderful|brilliant|superb|impressive|intuitive|solid|reliable)\b", 1.0),
        (r"\bthank (you|u) (for|so much)\b|\bhelpful\b|\beasy to use\b|\brecommend\w*", 1.2),
        (r"\bworks (great|well|perfectly)\b|\b(5|five) stars?\b(?! if)|\bkeep up\b", 1.5),
        (r"\bwell done\b|\bgame ?changer\b|\bsaves? (us|me) \w+", 1.2),
    ],
    "question": [
        (
            r"(^|[.!?,:]\s+|\n)(how|what|why|when|where|which|who|is|are|can|could|does|do|"
            r"will|should|has|have)\b[^.!]*\?",
            1.4,
        ),
        (r"\bhow (do|can|to|does|would)\b|\bis (it|there) (possible|a way)\b", 1.5),
        (r"\bany (way|plans?|update|news|eta)\b|\bwondering\b|\bquestion\b", 1.2),
        (r"\bdo you (support|offer|have|provide)\b|\bcan (i|we|guests|users)\b", 1.0),
        (r"\?", 0.6),
    ],
}
_COMPILED = {
    label: [(re.compile(p, re.IGNORECASE), w) for p, w in rules]
    for label, rules in _PATTERNS.items()
}

_POSITIVE = re.compile(
    r"\b(love\w*|great|good|nice|awesome|excellent|amazing|fantastic|perfect|best|happy|"
    r"thank\w*|helpful|easy|fast|smooth|wonderful|recommend\w*|useful|works well)\b",
    re.IGNORECASE,
)
_NEGATIVE = re.compile(
    r"\b(hate\w*|bad|terrible|awful|horrible|worst|crash\w*|broken|bug\w*|slow|annoy\w*|"
    r"frustrat\w*|useless|disappoint\w*|fail\w*|error\w*|problem\w*|issue\w*|unusable|waste|"
    r"poor|angry|stuck|lost|can'?t|cannot|won'?t|doesn'?t work)\b",
    re.IGNORECASE,
)


def lexicon_scores(texts: Sequence[str], ratings: Sequence[int | None] | None = None) -> np.ndarray:
    """Evidence per text for each label in :data:`LABELS` (``len(texts) × 5``), before learning.

    The star rating nudges: 1-2 stars lean to bug report, 4-5 to praise. "Other" gets a small
    constant so a text with no evidence at all is "other".
    """
    scores = np.zeros((len(texts), len(LABELS)))
    for row, text in enumerate(texts):
        for col, label in enumerate(LABELS[:4]):
            scores[row, col] = sum(w for rx, w in _COMPILED[label] if rx.search(text))
    if ratings is not None:
        rating = np.array([np.nan if r is None else float(r) for r in ratings])
        known = ~np.isnan(rating)
        scores[known, 0] += np.clip(3.0 - rating[known], 0, None) * 0.5
        scores[known, 2] += np.clip(rating[known] - 3.0, 0, None) * 0.5
    scores[:, 4] = 0.5
    return scores


def _softmax(scores: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    shifted = (scores - scores.max(axis=1, keepdims=True)) / temperature
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def sentiment(
    texts: Sequence[str], ratings: Sequence[int | None] | None = None
) -> tuple[list[str], np.ndarray]:
    """Sentiment label and score in [-1, 1] per text: the lexicon, blended with the rating."""
    scores = np.zeros(len(texts))
    for row, text in enumerate(texts):
        pos = len(_POSITIVE.findall(text))
        neg = len(_NEGATIVE.findall(text))
        scores[row] = (pos - neg) / (pos + neg + 1.0)
    if ratings is not None:
        for row, r in enumerate(ratings):
            if r is not None:
                # Stars are the customer's own verdict: they outweigh word counting.
                scores[row] = 0.35 * scores[row] + 0.65 * (r - 3) / 2
    labels = ["positive" if s > 0.15 else "negative" if s < -0.15 else "neutral" for s in scores]
    return labels, scores


_PAST = re.compile(r"\b(was|were|had|did|used to|\w{3,}ed)\b", re.IGNORECASE)
_FUTURE = re.compile(r"\b(will|shall|going to|gonna|\w+'ll)\b", re.IGNORECASE)
_CONTINUOUS = re.compile(r"\b(am|is|are|i'm|you're|we're|it's)\s+\w+ing\b", re.IGNORECASE)
_WORD = re.compile(r"\w+")

METADATA: tuple[str, ...] = (
    "log words",
    "past",
    "present continuous",
    "future",
    "positive words",
    "negative words",
    "exclamation",
    "question mark",
    "no rating",
    "1 star",
    "2 stars",
    "3 stars",
    "4 stars",
    "5 stars",
)
"""Columns of :func:`text_metadata`."""


def text_metadata(texts: Sequence[str], ratings: Sequence[int | None] | None = None) -> np.ndarray:
    """Per text, features a reader sees besides the words (columns in :data:`METADATA`).

    Tense and sentiment are shares of the text's words, so a long review is not "more past"
    than a short one; everything lies in [0, 1] so no column dominates the linear model.
    """
    out = np.zeros((len(texts), len(METADATA)))
    for row, text in enumerate(texts):
        words = max(len(_WORD.findall(text)), 1)
        out[row, 0] = min(np.log1p(words) / 6.0, 1.0)
        for col, rx in enumerate((_PAST, _CONTINUOUS, _FUTURE, _POSITIVE, _NEGATIVE), start=1):
            out[row, col] = min(4.0 * len(rx.findall(text)) / words, 1.0)
        out[row, 6] = float("!" in text)
        out[row, 7] = float("?" in text)
    for row, r in enumerate(ratings or [None] * len(texts)):
        out[row, 8 if r is None else 8 + min(max(int(r), 1), 5)] = 1.0
    return out


@dataclass(frozen=True)
class Prediction:
    """Labels per text with the probability of each class (columns in :data:`LABELS` order)."""

    labels: tuple[str, ...]
    probabilities: np.ndarray
    learned: bool

    @property
    def confidence(self) -> np.ndarray:
        return np.asarray(self.probabilities.max(axis=1))

    @property
    def margin(self) -> np.ndarray:
        """Gap between the two most likely classes: small means the model is unsure."""
        top2 = np.sort(self.probabilities, axis=1)[:, -2:]
        return np.asarray(top2[:, 1] - top2[:, 0])


class FeedbackClassifier:
    """Lexicon by default; once it has labels of at least two kinds, the average of a logistic
    regression and an NB-SVM (see the module docstring).

    ``c`` is the regularisation strength used when there are too few labels to choose it;
    otherwise each model's C is picked from ``c_grid`` by stratified cross-validation
    (macro-F1) on the labelled texts only. ``char_ngrams`` adds character 2-5-grams to the
    backend's vectors; ``nb_svm=False`` keeps the logistic regression alone.

    ``positive`` (two-kind tasks only, e.g. one kind against "other") names the kind whose F1
    matters: once C is chosen, the cut-off on that kind's probability is picked from
    0.20-0.80 to maximise its F1 over the same inner folds (:attr:`cutoff`); the
    probabilities themselves are unchanged, only the labels follow the cut-off.
    """

    def __init__(
        self,
        backend: TextBackend,
        *,
        c: float = 4.0,
        c_grid: Sequence[float] = (0.5, 2.0, 8.0, 32.0),
        char_ngrams: bool = True,
        nb_svm: bool = True,
        positive: str | None = None,
        seed: int = 0,
    ) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

        if positive is not None and positive not in LABELS:
            raise ValueError(f"unknown positive kind {positive!r}; use one of {', '.join(LABELS)}")
        self.backend = backend
        self._positive = positive
        self._c = c
        self._c_grid = tuple(c_grid)
        self._seed = seed
        self._model: LogisticRegression | None = None
        self._nb: _NbSvm | None = None
        self._columns = np.zeros(0, dtype=np.int64)
        self._chars = (
            HashingVectorizer(
                analyzer="char_wb",
                ngram_range=(2, 5),
                n_features=2**20,
                alternate_sign=False,
                norm=None,
                lowercase=True,
            )
            if char_ngrams
            else None
        )
        self._char_idf = TfidfTransformer(sublinear_tf=True)
        # The NB-SVM reads word presence itself, whatever the backend's vectors are.
        self._words = (
            HashingVectorizer(
                ngram_range=(1, 2),
                n_features=2**20,
                alternate_sign=False,
                norm=None,
                binary=True,
                strip_accents="unicode",
                lowercase=True,
            )
            if nb_svm
            else None
        )
        self.labels_used = 0
        self.chosen_c: float | None = None
        self.chosen_nb_c: float | None = None
        self.cutoff: float | None = None
        """Probability above which a text is the ``positive`` kind; None: the likelier wins."""

    @property
    def learned(self) -> bool:
        return self._model is not None

    def _features(
        self, texts: Sequence[str], ratings: Sequence[int | None] | None, *, fit: bool = False
    ) -> tuple[sp.csr_matrix, list[sp.csr_matrix], sp.csr_matrix]:
        """The regression's matrix, the NB-SVM's presence blocks, and the dense extras."""
        blocks = [sp.csr_matrix(self.backend.transform(texts))]
        presence: list[sp.csr_matrix] = []
        if self._words is not None:
            presence.append(sp.csr_matrix(self._words.transform(texts)))
        if self._chars is not None:
            counts = sp.csr_matrix(self._chars.transform(texts))
            if fit:
                self._char_idf.fit(counts)
            blocks.append(sp.csr_matrix(self._char_idf.transform(counts)))
            if self._words is not None:
                counts.data[:] = 1.0
                presence.append(counts)
        lexicon = lexicon_scores(texts, ratings)[:, :4] / 3.0
        extras = sp.csr_matrix(np.hstack([lexicon, text_metadata(texts, ratings)]))
        blocks.append(extras)
        return sp.csr_matrix(sp.hstack(blocks)), presence, extras

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        ratings: Sequence[int | None] | None = None,
    ) -> FeedbackClassifier:
        """Learn from labelled texts; with fewer than two kinds of label it stays on the lexicon."""
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown label(s) {unknown}; use one of {', '.join(LABELS)}")
        self.labels_used = len(labels)
        if self._positive is not None and len(set(labels)) > 2:
            raise ValueError(
                f"positive={self._positive!r} needs labels of two kinds, got {len(set(labels))}"
            )
        self.cutoff = None
        if len(set(labels)) < 2:
            self._model = None
            self._nb = None
            return self
        from sklearn.model_selection import StratifiedKFold

        features, presence, extras = self._features(texts, ratings, fit=True)
        # Only the columns the labelled texts use can get a weight; dropping the rest of the
        # million hashed features makes fitting take milliseconds instead of minutes.
        self._columns = np.unique(features.indices)
        features = features[:, self._columns]
        y = np.asarray(labels)
        _, counts = np.unique(y, return_counts=True)
        folds = min(3, int(counts.min()))
        can_choose = len(self._c_grid) > 1 and folds >= 2 and len(labels) >= 30
        splits = (
            list(
                StratifiedKFold(folds, shuffle=True, random_state=self._seed).split(
                    np.zeros(len(y)), y
                )
            )
            if can_choose
            else []
        )

        def regression(c: float) -> _Fitted:
            return _Regression(self._model_for(c), features)

        held_out: list[np.ndarray] = []  # inner-fold probabilities at each model's chosen C
        self.chosen_c = self._c
        if can_choose:
            self.chosen_c, probabilities = self._choose_c(regression, y, splits)
            held_out.append(probabilities)
        self._model = self._model_for(self.chosen_c).fit(features, list(labels))
        self._nb = None
        if presence:

            def nb_svm(c: float) -> _Fitted:
                return _NbSvm(presence, extras, c, self._seed)

            self.chosen_nb_c = self._c
            if can_choose:
                self.chosen_nb_c, probabilities = self._choose_c(nb_svm, y, splits)
                held_out.append(probabilities)
            self._nb = _NbSvm(presence, extras, self.chosen_nb_c, self._seed).fit(
                np.arange(len(y)), y
            )
        if self._positive in set(labels) and held_out:
            column = list(np.unique(y)).index(self._positive)
            averaged = np.mean(held_out, axis=0)[:, column]
            self.cutoff = f1_cutoff(averaged, y == self._positive)
        return self

    def _model_for(self, c: float) -> LogisticRegression:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=c, class_weight="balanced", max_iter=2000, random_state=self._seed
        )

    def _choose_c(
        self,
        make: Callable[[float], _Fitted],
        labels: np.ndarray,
        splits: list[tuple[np.ndarray, np.ndarray]],
    ) -> tuple[float, np.ndarray]:
        """The grid's C with the best macro-F1 over inner folds of the labelled texts, and the
        held-out probabilities at that C (columns: the sorted kinds)."""
        from sklearn.metrics import f1_score

        kinds = np.unique(labels)
        best, best_score = self._c_grid[0], -1.0
        best_probabilities = np.zeros((len(labels), len(kinds)))
        for c in self._c_grid:
            probabilities = np.zeros((len(labels), len(kinds)))
            for train, test in splits:
                fitted = make(c).fit(train, labels[train])
                columns = np.searchsorted(kinds, fitted.classes_)
                probabilities[np.ix_(test, columns)] = fitted.probabilities_of(test)
            predicted = kinds[probabilities.argmax(axis=1)]
            score = float(f1_score(labels, predicted, average="macro"))
            if score > best_score + 1e-9:  # ties keep the smaller C: the simpler model
                best, best_score, best_probabilities = c, score, probabilities
        return float(best), best_probabilities

    def predict(
        self, texts: Sequence[str], ratings: Sequence[int | None] | None = None
    ) -> Prediction:
        if len(texts) == 0:
            return Prediction((), np.zeros((0, len(LABELS))), self.learned)
        if self._model is None:
            probabilities = _softmax(lexicon_scores(texts, ratings), temperature=0.7)
        else:
            features, presence, extras = self._features(texts, ratings)
            seen = self._model.predict_proba(features[:, self._columns])
            if self._nb is not None:
                seen = (seen + self._nb.probabilities(presence, extras)) / 2.0
            probabilities = np.zeros((len(texts), len(LABELS)))
            for col, label in enumerate(self._model.classes_):
                probabilities[:, LABELS.index(str(label))] = seen[:, col]
        labels = tuple(LABELS[i] for i in probabilities.argmax(axis=1))
        if self._model is not None and self.cutoff is not None and self._positive is not None:
            kinds = [str(k) for k in self._model.classes_]
            other = next(k for k in kinds if k != self._positive)
            above = probabilities[:, LABELS.index(self._positive)] > self.cutoff
            labels = tuple(self._positive if a else other for a in above)
        return Prediction(labels, probabilities, self.learned)


CUTOFFS = np.round(np.arange(0.20, 0.8001, 0.01), 2)
"""Cut-offs :func:`f1_cutoff` considers: never so far from one half that a few labels swing it."""


def f1_cutoff(probability: np.ndarray, positive: np.ndarray) -> float:
    """The cut-off in :data:`CUTOFFS` whose "probability above it" has the best F1 against
    ``positive``; among equally good ones, the one nearest 0.5 (no move without evidence)."""
    called = probability[None, :] > CUTOFFS[:, None]
    hits = (called & positive[None, :]).sum(axis=1)
    denominator = called.sum(axis=1) + positive.sum()
    f1 = np.where(denominator > 0, 2.0 * hits / np.maximum(denominator, 1), 0.0)
    best = np.flatnonzero(f1 >= f1.max() - 1e-12)
    return float(CUTOFFS[best[np.argmin(np.abs(CUTOFFS[best] - 0.5))]])


class _Fitted(Protocol):
    """A model over rows of matrices it was built with (so inner folds share the features)."""

    classes_: np.ndarray

    def fit(self, rows: np.ndarray, labels: np.ndarray) -> _Fitted: ...

    def probabilities_of(self, rows: np.ndarray) -> np.ndarray:
        """Probability per kind (columns in ``classes_`` order) for the given rows."""
        ...


class _Regression:
    def __init__(self, model: LogisticRegression, features: sp.csr_matrix) -> None:
        self._model = model
        self._features = features
        self.classes_ = np.zeros(0)

    def fit(self, rows: np.ndarray, labels: np.ndarray) -> _Regression:
        self._model.fit(self._features[rows], labels)
        self.classes_ = np.asarray(self._model.classes_)
        return self

    def probabilities_of(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._model.predict_proba(self._features[rows]))


class _NbSvm:
    """One-vs-rest logistic regressions over presence scaled by Naive Bayes log-count ratios.

    Each presence block (word n-grams, character n-grams) is scaled by the kind's ratios and
    then L2-normalised on its own, so the long character block does not drown the words.
    """

    def __init__(
        self, presence: list[sp.csr_matrix], extras: sp.csr_matrix, c: float, seed: int
    ) -> None:
        self._presence = presence
        self._extras = extras
        self._c = c
        self._seed = seed
        self.classes_ = np.zeros(0)
        self._columns: list[np.ndarray] = []
        self._ratios: list[list[np.ndarray]] = []
        self._models: list[LogisticRegression] = []

    def _scaled(
        self, presence: list[sp.csr_matrix], extras: sp.csr_matrix, rows: np.ndarray | None, k: int
    ) -> sp.csr_matrix:
        from sklearn.preprocessing import normalize

        blocks = []
        for block, columns, ratio in zip(presence, self._columns, self._ratios[k], strict=True):
            part = block[rows] if rows is not None else block
            part = sp.csr_matrix(part[:, columns].multiply(ratio.reshape(1, -1)))
            blocks.append(sp.csr_matrix(normalize(part)))
        blocks.append(extras[rows] if rows is not None else extras)
        return sp.csr_matrix(sp.hstack(blocks))

    def fit(self, rows: np.ndarray, labels: np.ndarray) -> _NbSvm:
        from sklearn.linear_model import LogisticRegression

        self.classes_ = np.unique(labels)
        self._columns = [np.unique(block[rows].indices) for block in self._presence]
        # Two kinds are one decision: a single model, the other kind's probability its mirror.
        kinds = self.classes_[1:] if len(self.classes_) == 2 else self.classes_
        self._ratios, self._models = [], []
        for k, kind in enumerate(kinds):
            positive = labels == kind
            ratios = []
            for block, columns in zip(self._presence, self._columns, strict=True):
                part = block[rows][:, columns]
                # Add-one smoothing: a word seen once in one kind gets a moderate ratio.
                p = 1.0 + np.asarray(part[positive].sum(axis=0)).ravel()
                q = 1.0 + np.asarray(part[~positive].sum(axis=0)).ravel()
                ratios.append(np.log(p / p.sum()) - np.log(q / q.sum()))
            self._ratios.append(ratios)
            model = LogisticRegression(
                C=self._c, class_weight="balanced", max_iter=2000, random_state=self._seed
            )
            self._models.append(
                model.fit(self._scaled(self._presence, self._extras, rows, k), positive)
            )
        return self

    def probabilities(
        self, presence: list[sp.csr_matrix], extras: sp.csr_matrix, rows: np.ndarray | None = None
    ) -> np.ndarray:
        """Probability per kind (columns in ``classes_`` order), summing to one per text."""
        scores = np.column_stack(
            [
                model.predict_proba(self._scaled(presence, extras, rows, k))[:, 1]
                for k, model in enumerate(self._models)
            ]
        )
        if len(self.classes_) == 2:
            return np.column_stack([1.0 - scores[:, 0], scores[:, 0]])
        total = scores.sum(axis=1, keepdims=True)
        return np.asarray(scores / np.where(total > 0, total, 1.0))

    def probabilities_of(self, rows: np.ndarray) -> np.ndarray:
        return self.probabilities(self._presence, self._extras, rows)


@dataclass(frozen=True)
class LabelSuggestion:
    """A text worth labelling next, and why (the model's margin between its top two guesses)."""

    index: int
    guess: str
    margin: float


def suggest_labels(
    prediction: Prediction,
    count: int,
    *,
    labelled: Sequence[bool],
    group: np.ndarray | None = None,
) -> list[LabelSuggestion]:
    """Uncertainty sampling: unlabelled texts with the smallest margin, one per duplicate group."""
    margin = prediction.margin
    order = np.argsort(margin, kind="stable")
    chosen: list[LabelSuggestion] = []
    seen_groups: set[int] = set()
    if group is not None:
        seen_groups = {int(group[i]) for i, done in enumerate(labelled) if done}
    for index in order:
        if len(chosen) >= count:
            break
        i = int(index)
        if labelled[i]:
            continue
        g = int(group[i]) if group is not None else i
        if g in seen_groups:
            continue
        seen_groups.add(g)
        chosen.append(LabelSuggestion(i, prediction.labels[i], float(margin[i])))
    return chosen


def labels_from_mapping(
    keys: Sequence[str], labels: Mapping[str, str]
) -> tuple[list[int], list[str]]:
    """Indices and labels of the texts a person has labelled, in text order."""
    rows = [i for i, k in enumerate(keys) if k in labels]
    return rows, [labels[keys[i]] for i in rows]
