"""Themes: feature requests no backlog item covers, clustered, named and tested for a rise.

Unlinked feature requests, without request phrasing, recurring sentences and the words their
source's templates repeat (:func:`theme_texts`), are clustered with mini-batch k-means on the
backend's vectors (it takes sparse TF-IDF and dense embeddings alike, and fits a million texts
chunk by chunk). Each theme is named by its most characteristic words (class-based TF-IDF:
words frequent in the theme and rare in the others) and shown with the quotes closest to its
centre.

A theme is *rising* when its arrival rate grew: the count in the recent window is compared with
the earlier window by the exact conditional (binomial) test of two Poisson rates, with the
windows' lengths in days as exposure (or, as an option, the total feedback volume in each window,
so that a busier month does not make every theme "rise"). P-values are adjusted for the number
of themes tested (Benjamini-Hochberg).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp

from roadwise.engines.feedback.text import Matrix, cosine

# scikit-learn and SciPy's statistics are imported where they are used: they take about a
# second to import, and a command whose analysis steps all come from the cache never needs them.

# How people ask, not what they ask for: removed before clustering so themes gather by topic
# ("gantt chart") rather than by phrasing ("it would be great to have").
_REQUEST_WORDS = re.compile(
    r"\b(please|pls|add\w*|would|could|should|love|like|wish|hope|need\w*|want\w*|really|"
    r"great|nice|awesome|helpful|useful|feature|request\w*|missing|consider|asking|ask|keep|"
    r"thanks?|thank you|cheers|team|our|we|us|i|me|my|it|be|have|there|was|is|are|a|an|the|"
    r"to|for|of|in|on|and|or|with|which|this|that|managers?|also|otherwise|fine|matters|lot|"
    r"plan|business|any|plans|option|ability|able|way|support|allow|get|make|app)\b",
    re.IGNORECASE,
)


def topic_text(text: str) -> str:
    """The text without request phrasing and function words: what is asked for."""
    return " ".join(_REQUEST_WORDS.sub(" ", text).split())


_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def strip_boilerplate(
    texts: Sequence[str], min_count: int = 5, min_share: float = 0.02
) -> list[str]:
    """Texts without sentences that recur across many of them (greetings, signatures, a sales
    template's "procurement review starts next month"): they say nothing about the topic but
    would pull unrelated requests into one cluster."""
    sentences = [[p for p in _SENTENCE.split(t) if p.strip()] for t in texts]
    counts: dict[str, int] = {}
    for parts in sentences:
        for part in {_norm(p) for p in parts}:
            counts[part] = counts.get(part, 0) + 1
    limit = max(min_count, int(min_share * len(texts)))
    out = []
    for text, parts in zip(texts, sentences, strict=True):
        kept = [p for p in parts if counts[_norm(p)] < limit]
        # A text made only of common sentences keeps them: it must not become empty.
        out.append(" ".join(kept) if kept else text)
    return out


def _norm(sentence: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", sentence.casefold()).split())


_WORD = re.compile(r"\w+")


def source_template_words(
    texts: Sequence[str],
    sources: Sequence[str],
    *,
    min_share: float = 0.1,
    min_count: int = 5,
    min_ratio: float = 5.0,
    alpha: float = 0.05,
) -> dict[str, frozenset[str]]:
    """Per source, the words its message templates repeat: in at least ``min_share`` of that
    source's texts (and ``min_count`` of them), at least ``min_ratio`` times as common there
    as in the other sources' texts, and too concentrated in that source to be chance.

    Sales notes written as "Call with <customer>: they asked again about <want>. Renewal is
    next quarter." share "call", "asked", "again", "renewal" whatever they ask for; TF-IDF
    then finds two sales notes about different wants more alike than a sales note and a
    support ticket about the same want, and themes gather by kind of message rather than by
    topic. A want's words are asked for through every channel, so they are about as common in
    the other sources and stay. In a small source a want can still land unevenly by chance
    (5 of 40 app reviews say "french" against 4 of 300 other texts): so a word also needs a
    one-sided hypergeometric p-value (its count in the source, given its count in all texts)
    below ``alpha`` divided by the number of words tested (Bonferroni), which the template
    words pass by orders of magnitude. Needs texts from at least two sources to compare: with
    one source nothing is removed.
    """
    by_source: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        by_source.setdefault(source, []).append(index)
    if len(by_source) < 2:
        return {}
    words = [set(_WORD.findall(text.casefold())) for text in texts]
    overall: dict[str, int] = {}
    for found in words:
        for word in found:
            overall[word] = overall.get(word, 0) + 1
    # (source, word, count in the source, texts in the source) for every word common enough
    # in its source to be tested; the candidates also show the ratio a template word needs.
    tested: list[tuple[str, str, int, int]] = []
    for source, members in by_source.items():
        counts: dict[str, int] = {}
        for index in members:
            for word in words[index]:
                counts[word] = counts.get(word, 0) + 1
        limit = max(min_count, min_share * len(members))
        tested += [(source, w, c, len(members)) for w, c in counts.items() if c >= limit]
    total = len(texts)
    # Add-one smoothing: a word absent elsewhere is "rare there", not infinitely so.
    candidates = [
        (source, word, count, n)
        for source, word, count, n in tested
        if count / n >= min_ratio * (overall[word] - count + 1) / (total - n + 1)
    ]
    if not candidates:
        return {}
    from scipy import stats

    p_values = stats.hypergeom.sf(
        np.array([c[2] for c in candidates]) - 1,
        total,
        np.array([overall[c[1]] for c in candidates]),
        np.array([c[3] for c in candidates]),
    )
    picked: dict[str, set[str]] = {}
    for (source, word, _, _), p_value in zip(candidates, p_values, strict=True):
        if p_value <= alpha / len(tested):
            picked.setdefault(source, set()).add(word)
    return {source: frozenset(found) for source, found in picked.items()}


def strip_source_templates(texts: Sequence[str], sources: Sequence[str]) -> list[str]:
    """Texts without the words their source's templates repeat (see
    :func:`source_template_words`); a text that would become empty is kept whole."""
    templates = source_template_words(texts, sources)
    out = []
    for text, source in zip(texts, sources, strict=True):
        drop = templates.get(source)
        if not drop:
            out.append(text)
            continue
        kept = [w for w in _WORD.findall(text) if w.casefold() not in drop]
        out.append(" ".join(kept) if kept else text)
    return out


def strip_names(texts: Sequence[str], names: Collection[str], replacement: str = " ") -> list[str]:
    """Texts with the ``names`` they mention replaced: a customer named in its own sales note
    is who asked, already known, not what was asked for. Left in, a theme could be named after
    a customer ("version, spanish, glacier").

    A whole name matches in any case ("GLACIER SHIPPING"); its first word alone matches only
    as the name writes it ("Glacier", not "glacier"), as in "Glacier asked again" or a name
    shortened by the steps before naming. A text that would be left empty is kept."""
    full = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not full:
        return list(texts)
    whole = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in full) + r")\b", re.IGNORECASE)
    # A first word of three letters or fewer ("Ace", "The") is too likely to be something else.
    firsts = sorted({n.split()[0] for n in full if len(n.split()[0]) > 3}, key=len, reverse=True)
    first = (
        re.compile(r"\b(?:" + "|".join(re.escape(w) for w in firsts) + r")\b") if firsts else None
    )
    out = []
    for text in texts:
        stripped = whole.sub(replacement, text)
        if first is not None:
            stripped = first.sub(replacement, stripped)
        out.append(" ".join(stripped.split()) or text)
    return out


# Stands in for a customer's name while themes are named, so the words on either side of it
# do not join into a phrase that was never written ("let field" from "let Acme field").
_NAME = "xxcustomernamexx"


def theme_texts(
    texts: Sequence[str], sources: Sequence[str], *, strip_templates: bool = True
) -> list[str]:
    """What themes are clustered and named on: each text without sentences many texts repeat
    (:func:`strip_boilerplate`), request phrasing (:func:`topic_text`) and, with
    ``strip_templates``, the words its source's templates repeat
    (:func:`strip_source_templates`)."""
    topics = [topic_text(t) for t in strip_boilerplate(texts)]
    return strip_source_templates(topics, sources) if strip_templates else topics


@dataclass(frozen=True)
class RateTest:
    """Recent versus earlier arrival of one group of texts, relative to all feedback."""

    recent: int
    earlier: int
    recent_total: int
    earlier_total: int
    rate_ratio: float
    p_value: float
    q_value: float = 1.0

    @property
    def rising(self) -> bool:
        return self.q_value < 0.05 and self.recent >= 5 and self.rate_ratio > 1


def rate_change(recent: int, earlier: int, recent_total: float, earlier_total: float) -> RateTest:
    """One-sided test that the recent rate per unit of exposure exceeds the earlier one.

    Under equal rates, ``recent`` given ``recent + earlier`` is binomial with success
    probability ``recent_total / (recent_total + earlier_total)`` (the exact conditional test
    for comparing two Poisson rates).
    """
    n = recent + earlier
    if n == 0 or recent_total <= 0 or earlier_total <= 0:
        return RateTest(recent, earlier, int(recent_total), int(earlier_total), 1.0, 1.0, 1.0)
    share = recent_total / (recent_total + earlier_total)
    from scipy import stats

    p_value = float(stats.binomtest(recent, n, share, alternative="greater").pvalue)
    # Half-count correction keeps the ratio finite when the earlier window is empty.
    ratio = ((recent + 0.5) / recent_total) / ((earlier + 0.5) / earlier_total)
    return RateTest(
        recent, earlier, int(recent_total), int(earlier_total), float(ratio), p_value, p_value
    )


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """False-discovery-rate adjusted p-values (q-values), in input order."""
    p = np.asarray(p_values, dtype=float)
    if len(p) == 0:
        return []
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(len(p))
    out[order] = np.minimum(adjusted, 1.0)
    return [float(v) for v in out]


def windows(as_of: dt.date, recent_days: int, earlier_days: int) -> tuple[dt.date, dt.date]:
    """Start of the recent window and start of the earlier window (both inclusive)."""
    recent_start = as_of - dt.timedelta(days=recent_days - 1)
    return recent_start, recent_start - dt.timedelta(days=earlier_days)


def count_windows(
    dates: Sequence[dt.date], as_of: dt.date, recent_days: int, earlier_days: int
) -> tuple[int, int]:
    recent_start, earlier_start = windows(as_of, recent_days, earlier_days)
    recent = sum(1 for d in dates if recent_start <= d <= as_of)
    earlier = sum(1 for d in dates if earlier_start <= d < recent_start)
    return recent, earlier


@dataclass(frozen=True)
class FoundTheme:
    """One cluster of texts: its name, members (indices), quotes and arrival test."""

    key: str
    name: str
    words: tuple[str, ...]
    members: tuple[int, ...]
    quotes: tuple[int, ...]
    trend: RateTest
    parts: tuple[str, ...] = ()
    """For a group of themes (key ``G1``, …): the keys of the themes it joins; its members
    are theirs together. Empty for a theme."""


TEXTS_PER_THEME = 10
"""Default granularity: about one theme per this many texts (see :func:`choose_theme_count`)."""


def choose_theme_count(n: int, texts_per_theme: int = TEXTS_PER_THEME) -> int:
    """About one theme per ``texts_per_theme`` texts, between 2 and 40.

    Fine rather than coarse: people name one want in many words ("CSAT surveys", "ask
    requesters to rate the service"), and k-means forced to use few themes merges unrelated
    wants into one, whose name, quotes and rise then describe nobody's request. Measured on the
    sample product's planted topics (docs/benchmarks.md): one theme per 10 texts instead of 25
    raised purity from 0.58 to 0.80 (lexical) and 0.77 to 0.86 (embedding) and cut false
    "rising" themes, at the cost of a little power per theme.
    """
    if texts_per_theme < 1:
        raise ValueError("texts_per_theme must be at least 1")
    return int(np.clip(round(n / texts_per_theme), 2, 40)) if n >= 6 else 1


class ThemeModel:
    """Mini-batch k-means that can be fitted chunk by chunk and then assign chunks.

    Sparse TF-IDF vectors are first reduced to 60 latent dimensions (LSA: truncated SVD,
    re-normalised): k-means centres over a million hashed features would be dense and huge,
    and the latent space groups synonyms that share contexts.

    What it finds depends on the order rows arrive in (k-means' mini-batches and the SVD's
    sample are drawn by position): :func:`find_themes` sorts the texts by content first; a
    stream fitted chunk by chunk with :meth:`partial_fit` is clustered in the order it comes.
    """

    def __init__(self, n_themes: int, seed: int = 0, dimensions: int = 60) -> None:
        self.n_themes = n_themes
        self._seed = seed
        self._dimensions = dimensions
        from sklearn.cluster import MiniBatchKMeans

        self._svd: Any = None  # a TruncatedSVD once fitted
        self._columns = np.zeros(0, dtype=np.int64)
        self._kmeans = MiniBatchKMeans(
            n_clusters=n_themes, random_state=seed, batch_size=2048, n_init=3
        )

    def reduce(self, vectors: Matrix) -> np.ndarray:
        """The vectors the clustering works on (dense, normalised); fits the SVD on first use."""
        if not sp.issparse(vectors):
            return np.asarray(vectors)
        from sklearn.decomposition import TruncatedSVD
        from sklearn.preprocessing import normalize

        if self._svd is None:
            # Only the hashed features these texts use: the SVD's work grows with the width.
            self._columns = np.unique(sp.csr_matrix(vectors).indices)
            used = sp.csr_matrix(vectors)[:, self._columns]
            components = max(1, min(self._dimensions, used.shape[0] - 1, used.shape[1] - 1))
            self._svd = TruncatedSVD(n_components=components, random_state=self._seed, n_iter=4)
            if used.shape[0] > 5000:
                # Latent topics are stable from a few thousand texts; fitting on all is slow.
                rows = np.random.default_rng(self._seed).choice(used.shape[0], 5000, replace=False)
                used = used[np.sort(rows)]
            self._svd.fit(used)
        used = sp.csr_matrix(vectors)[:, self._columns]
        return np.asarray(normalize(self._svd.transform(used)))

    def fit(self, vectors: Matrix) -> ThemeModel:
        self._kmeans.fit(self.reduce(vectors))
        return self

    def partial_fit(self, vectors: Matrix) -> ThemeModel:
        self._kmeans.partial_fit(self.reduce(vectors))
        return self

    def assign(self, vectors: Matrix) -> np.ndarray:
        return np.asarray(self._kmeans.predict(self.reduce(vectors)))

    @property
    def centres(self) -> np.ndarray:
        return np.asarray(self._kmeans.cluster_centers_)


def theme_words(
    texts: Sequence[str],
    assignment: np.ndarray,
    n_themes: int,
    top: int = 4,
    significance: float = 0.05,
) -> list[list[str]]:
    """Characteristic words per theme: by class-based TF-IDF (frequent here, rare elsewhere),
    among the words a test says are over-represented in the theme; never a phrase with a
    customer's name in it (see :func:`strip_names`).

    The test keeps out filler that happens to be frequent in a theme ("let", "help",
    "frustrating", a sales note's "expansion seats"): a word names a theme only if the theme
    has more of the texts using it than chance would give it (one-sided hypergeometric test
    on texts, Bonferroni over every theme-word pair tested, family-wise level
    ``significance``). A theme where no word passes is named by the ranking alone.
    """
    from scipy import stats
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(
        stop_words="english", ngram_range=(1, 2), min_df=2, token_pattern=r"(?u)\b[a-zA-Z]{3,}\b"
    )
    try:
        counts = counter.fit_transform([topic_text(t) for t in texts])
    except ValueError:  # every word was a stop word or appeared once
        return [[] for _ in range(n_themes)]
    terms = np.asarray(counter.get_feature_names_out())
    membership = sp.csr_matrix(
        (np.ones(len(assignment)), (assignment, np.arange(len(assignment)))),
        shape=(n_themes, len(assignment)),
    )
    per_theme = np.asarray((membership @ counts).todense(), dtype=float)
    tf = per_theme / np.maximum(per_theme.sum(axis=1, keepdims=True), 1)
    average_words = per_theme.sum() / max(n_themes, 1)
    idf = np.log(1 + average_words / np.maximum(per_theme.sum(axis=0), 1))
    score = tf * idf

    present = (counts > 0).astype(float)
    texts_with = np.asarray((membership @ present).todense())  # theme x term: texts using it
    theme_sizes = np.asarray(membership.sum(axis=1)).ravel()
    term_texts = np.asarray(present.sum(axis=0)).ravel()
    chance = stats.hypergeom.sf(
        texts_with - 1, len(assignment), term_texts[None, :], theme_sizes[:, None]
    )
    tested = max(int((texts_with > 0).sum()), 1)
    characteristic = chance < significance / tested

    words: list[list[str]] = []
    for row, passes in zip(score, characteristic, strict=True):
        allowed = passes if passes.any() else np.ones_like(passes)
        picked: list[str] = []
        for j in np.argsort(-row):
            if row[j] <= 0 or len(picked) >= top:
                break
            term = str(terms[j])
            # Skip a word already inside a chosen bigram (and vice versa): names stay short.
            if not allowed[j] or _NAME in term or any(term in p or p in term for p in picked):
                continue
            picked.append(term)
        words.append(picked)
    return words


def find_themes(
    texts: Sequence[str],
    vectors: Matrix,
    dates: Sequence[dt.date],
    *,
    as_of: dt.date,
    all_dates: Sequence[dt.date] | None = None,
    n_themes: int | None = None,
    texts_per_theme: int = TEXTS_PER_THEME,
    recent_days: int = 56,
    earlier_days: int = 168,
    min_size: int = 3,
    quotes: int = 3,
    seed: int = 0,
    names: Collection[str] = (),
    group_rises: bool = True,
    keys: Sequence[str] | None = None,
) -> list[FoundTheme]:
    """Cluster texts into themes, name them, pick quotes and test each for a rising rate.

    The themes do not depend on the order the texts come in: they are clustered in the order
    of their words, then date, then ``keys`` (a key per text, such as the feedback key, that
    tells apart texts with the same words and date; without it such texts are told apart by
    their place). Members and quotes are indices into ``texts`` as handed in.

    With ``group_rises``, themes that are as alike as texts within one theme typically are
    (:func:`theme_groups`) are also tested together: a want people phrase several ways lands
    in several small themes, each of which may be too small to show its rise alone. Groups
    come after the themes, keyed ``G1``, …, and only those found rising are returned; every
    theme's and group's p-value is adjusted together.

    ``names`` (the customers') never name a theme (:func:`strip_names`); they stay in the
    texts that are clustered.

    The rate test compares arrivals per day (recent window against the earlier one); with
    ``all_dates`` (the dates of all feedback) it compares arrivals per feedback text received
    instead, so growth of feedback as a whole does not count as a rise. Themes with
    fewer than ``min_size`` members are left out (too small to call a theme).
    """
    n = len(texts)
    if n < min_size:
        return []
    if keys is not None and len(keys) != n:
        raise ValueError(
            f"find_themes got {len(keys)} keys for {n} texts: expected one key per text"
        )
    # Mini-batch k-means draws its batches and starting centres by position, and the SVD
    # samples rows by position: put the texts in an order their content decides, so that the
    # same texts imported in another order give the same themes.
    order = sorted(range(n), key=lambda i: (texts[i], dates[i], "" if keys is None else keys[i]))
    found = _themes_in_order(
        [texts[i] for i in order],
        vectors[np.asarray(order, dtype=np.intp)],
        [dates[i] for i in order],
        as_of=as_of,
        all_dates=all_dates,
        n_themes=n_themes,
        texts_per_theme=texts_per_theme,
        recent_days=recent_days,
        earlier_days=earlier_days,
        min_size=min_size,
        quotes=quotes,
        seed=seed,
        names=names,
        group_rises=group_rises,
    )
    return [
        replace(
            t,
            members=tuple(sorted(order[m] for m in t.members)),
            quotes=tuple(order[q] for q in t.quotes),
        )
        for t in found
    ]


def _themes_in_order(
    texts: Sequence[str],
    vectors: Matrix,
    dates: Sequence[dt.date],
    *,
    as_of: dt.date,
    all_dates: Sequence[dt.date] | None,
    n_themes: int | None,
    texts_per_theme: int,
    recent_days: int,
    earlier_days: int,
    min_size: int,
    quotes: int,
    seed: int,
    names: Collection[str],
    group_rises: bool,
) -> list[FoundTheme]:
    """:func:`find_themes` on texts already in the order that decides the clustering."""
    n = len(texts)
    k = n_themes or choose_theme_count(n, texts_per_theme)
    model = ThemeModel(k, seed)
    reduced = model.reduce(vectors)
    model.fit(reduced)
    assignment = model.assign(reduced)
    names_of = theme_words(strip_names(texts, names, f" {_NAME} "), assignment, k)
    if all_dates is None:
        recent_total, earlier_total = recent_days, earlier_days
    else:
        recent_total, earlier_total = count_windows(all_dates, as_of, recent_days, earlier_days)
    found: list[FoundTheme] = []
    centres = model.centres
    for theme in range(k):
        members = np.flatnonzero(assignment == theme)
        if len(members) < min_size:
            continue
        centre = centres[theme : theme + 1]
        closeness = cosine(reduced[members], centre)
        near = members[np.argsort(-closeness[:, 0], kind="stable")]
        chosen: list[int] = []
        seen_text: set[str] = set()
        for index in near:
            text = texts[int(index)].strip().casefold()
            if text in seen_text:
                continue
            seen_text.add(text)
            chosen.append(int(index))
            if len(chosen) >= quotes:
                break
        recent, earlier = count_windows(
            [dates[int(i)] for i in members], as_of, recent_days, earlier_days
        )
        trend = rate_change(recent, earlier, recent_total, earlier_total)
        words = tuple(names_of[theme])
        found.append(
            FoundTheme(
                key="",
                name=", ".join(words) if words else f"theme {theme + 1}",
                words=words,
                members=tuple(int(i) for i in members),
                quotes=tuple(chosen),
                trend=trend,
            )
        )
    found.sort(key=lambda t: (-len(t.members), t.name))
    found = [replace(t, key=f"T{number}") for number, t in enumerate(found, start=1)]
    groups: list[FoundTheme] = []
    if group_rises:
        for number, parts in enumerate(theme_groups(reduced, [t.members for t in found]), start=1):
            together = tuple(sorted(m for i in parts for m in found[i].members))
            recent, earlier = count_windows(
                [dates[m] for m in together], as_of, recent_days, earlier_days
            )
            groups.append(
                FoundTheme(
                    key=f"G{number}",
                    name=" + ".join(
                        found[i].words[0] if found[i].words else found[i].key for i in parts
                    ),
                    words=tuple(w for i in parts for w in found[i].words[:1]),
                    members=together,
                    quotes=tuple(found[i].quotes[0] for i in parts if found[i].quotes),
                    trend=rate_change(recent, earlier, recent_total, earlier_total),
                    parts=tuple(found[i].key for i in parts),
                )
            )
    tested = found + groups
    q_values = benjamini_hochberg([t.trend.p_value for t in tested])
    adjusted = [
        replace(t, trend=replace(t.trend, q_value=q)) for t, q in zip(tested, q_values, strict=True)
    ]
    return [t for t in adjusted if not t.parts or t.trend.rising]


def theme_groups(
    vectors: np.ndarray, members: Sequence[Sequence[int]], quantile: float = 0.25
) -> list[tuple[int, ...]]:
    """Themes (indices into ``members``) that are as alike as texts of one theme are.

    Two themes' likeness is the cosine of their mean directions; a theme's cohesion is the
    mean cosine between two of its texts. Themes are joined by average-linkage clustering of
    their mean directions, cut where likeness falls below the ``quantile`` of the themes'
    cohesion (the lower quartile: as alike as the texts of a loose theme): a data-relative
    line, so one rule serves the lexical backend's latent space and the embedding's, whose
    cosines run on different scales. The quartile was chosen on generated samples other than
    the benchmark's (the median found no rise the themes alone missed; docs/benchmarks.md).
    Groups of two or more themes only.
    """
    if len(members) < 2:
        return []
    from scipy.cluster.hierarchy import fcluster, linkage

    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sums = np.array([unit[list(m)].sum(axis=0) for m in members])
    sizes = np.array([len(m) for m in members], dtype=float)
    pairs = sizes * (sizes - 1)
    cohesion = [(float(s @ s) - n) / p for s, n, p in zip(sums, sizes, pairs, strict=True) if p > 0]
    if not cohesion:
        return []
    directions = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    tree = linkage(directions, method="average", metric="cosine")
    labels = fcluster(tree, t=1 - float(np.quantile(cohesion, quantile)), criterion="distance")
    joined: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        joined.setdefault(int(label), []).append(index)
    return sorted((tuple(g) for g in joined.values() if len(g) >= 2), key=lambda g: g[0])
