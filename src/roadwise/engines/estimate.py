"""Size suggestions from similar finished work: story points for items nobody has estimated,
and a check of the estimates people gave.

A team's finished items (their titles, descriptions where known, team, and the points they
carried) train a median regression on their words: a linear model with the absolute loss
(``LinearSVR`` with ``epsilon=0``) on TF-IDF word unigrams and bigrams, fitted to the points'
distance from the median and shrunk towards the median by a factor chosen on held-out work.
Story points are hard to predict from text: on the public Deep-SE benchmark, always guessing the
median is about as good as published deep models once they are replicated (docs/estimation.md),
so the shrinkage matters as much as the model: where the words carry no signal it falls back
to the median. The suggestion always comes with

* a range, from the held-out residuals (on a log scale, since sizes are skewed), meant to
  hold 80 % of the time: the narrowest whose ends, snapped to the scale in use, hold 80 % of
  the held-out work (``SizeModel.holdout``);
* the most similar finished items (cosine of their TF-IDF vectors), so a person can check.

Held out: the last ``holdout_share`` of the finished work in the order given (oldest first),
as a new item is always estimated from older ones. C and the shrinkage are chosen there, and
the model is then refitted on all of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from roadwise.domain.model import Estimate, EstimateUnit, Item
from roadwise.domain.workspace import Workspace
from roadwise.errors import ValidationError

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
"""Regularisation of the regression, chosen on the held-out work."""
SHRINK_GRID = tuple(i / 10 for i in range(11))
"""How far towards the model (0: always the median; 1: the model as fitted)."""
COVERAGE = 0.8
"""The share of sizes the suggested range is meant to hold."""
_BLOCK = 256  # rows of similarities computed at a time
MIN_FINISHED = 30
"""Fewer finished items with points than this: too few to learn anything from."""


@dataclass(frozen=True)
class Work:
    """Something to size: its words (title, description), team and kind (story, bug, ...)."""

    text: str
    team: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class FinishedWork:
    """One finished item with its points: what sizes are learned from."""

    key: str
    text: str
    points: float
    team: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Holdout:
    """How the model did on the held-out (most recent) finished work, before refitting."""

    items: int
    mae: float
    """Mean absolute error of the suggestion (points, snapped to the scale in use)."""
    median_mae: float
    """The same for always suggesting the median of the older work: the bar to clear."""
    coverage: float
    """Share of held-out sizes inside their suggested range (meant: ``COVERAGE``)."""


@dataclass(frozen=True)
class SizeModel:
    median: float
    shrink: float
    c: float
    scale: tuple[float, ...]
    """The point values in use (sizes are suggested on this scale)."""
    log_residuals: tuple[float, float]
    """Quantiles of log(1 + actual) - log(1 + suggested) on the held-out work: the range."""
    holdout: Holdout
    examples: tuple[FinishedWork, ...] = field(repr=False)
    _vectoriser: Any = field(repr=False, compare=False)
    _regressor: Any = field(repr=False, compare=False)
    _matrix_t: Any = field(repr=False, compare=False)
    """The finished items' TF-IDF vectors as columns (CSR): one product gives a row's
    similarities to all of them."""

    @property
    def learned(self) -> bool:
        """Whether the words told sizes apart on the held-out work (better than the median);
        otherwise every suggestion is about the median, and the range is that of the sizes
        finished work had, not of similar work."""
        return self.shrink > 0 and self.holdout.mae < self.holdout.median_mae


@dataclass(frozen=True)
class SizeSuggestion:
    points: float
    """The model's size before snapping to the scale (what the benchmark scores raw)."""
    likely: float
    low: float
    high: float
    similar: tuple[tuple[str, float, float], ...]
    """The most similar finished items: (key, points, cosine similarity), most similar first."""


def _text(text: str, team: str | None, kind: str | None) -> str:
    # The team and the kind as words of their own: teams size on their own scales, and bugs
    # run smaller than features.
    extra = [f"__team_{team}" if team else "", f"__kind_{kind}" if kind else ""]
    return " ".join([text, *(e for e in extra if e)])


def _vectoriser() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        sublinear_tf=True,
        ngram_range=(1, 2),
        min_df=2,
        max_features=50_000,
        strip_accents="unicode",
    )


def _regressor(c: float) -> Any:
    from sklearn.svm import LinearSVR

    # epsilon 0 makes the loss the absolute error: the fit is a median regression.
    return LinearSVR(C=c, epsilon=0.0, max_iter=10_000, random_state=0)


def _snap(value: float, scale: Sequence[float]) -> float:
    """The scale's value nearest ``value`` (the lower of two as near)."""
    return min(scale, key=lambda s: (abs(s - value), s))


def _range(
    points: float, log_residuals: tuple[float, float], scale: Sequence[float]
) -> tuple[float, float, float]:
    """(low, likely, high) on the scale: ``points`` and the held-out residuals around it."""
    likely = _snap(points, scale)
    lo, hi = log_residuals
    low = _snap(math.expm1(math.log1p(points) + lo), scale)
    high = _snap(math.expm1(math.log1p(points) + hi), scale)
    return min(low, likely), likely, max(high, likely)


def _snap_all(values: np.ndarray, scale: Sequence[float]) -> np.ndarray:
    """:func:`_snap` of each of ``values``."""
    grid = np.asarray(scale, dtype=np.float64)
    above = np.clip(np.searchsorted(grid, values), 0, grid.size - 1)
    below = np.clip(above - 1, 0, grid.size - 1)
    nearer_below = np.abs(values - grid[below]) <= np.abs(grid[above] - values)
    return np.where(nearer_below, grid[below], grid[above])


def _calibrated_residuals(
    predicted: np.ndarray, actual: np.ndarray, scale: Sequence[float]
) -> tuple[float, float]:
    """The narrowest range of held-out log residuals (equal tails) that, once its ends are
    snapped to the scale, still holds ``COVERAGE`` of the held-out sizes.

    Sizes come in a few values (1, 2, 3, 5, 8, ...): the plain 10 % and 90 % quantiles,
    snapped outwards to the nearest such value, held 88 % of the sizes on the Deep-SE
    benchmark (up to 97 % in a project), so a range meant as 80 % was wider than it said. The
    tails are widened step by step until the snapped ranges hold ``COVERAGE`` here (the
    ranges are nested, so the first such step is the narrowest).
    """
    residuals = np.log1p(actual) - np.log1p(predicted)
    centre = np.log1p(predicted)
    # split conformal's finite-sample step: ceil((n + 1) * coverage) of n, so that a new item
    # is inside with at least that probability when it is like the held-out ones
    needed = min(1.0, math.ceil((actual.size + 1) * COVERAGE) / actual.size)
    likely = _snap_all(predicted, scale)
    for tail in np.linspace(0.5, 0.0, 101):
        lo, hi = (float(q) for q in np.quantile(residuals, [tail, 1 - tail]))
        low = np.minimum(_snap_all(np.expm1(centre + lo), scale), likely)
        high = np.maximum(_snap_all(np.expm1(centre + hi), scale), likely)
        if np.mean((actual >= low) & (actual <= high)) >= needed - 1e-12:
            return lo, hi
    return lo, hi


def _fit(texts: Sequence[str], points: np.ndarray, c: float) -> tuple[Any, Any, float]:
    vectoriser = _vectoriser()
    matrix = vectoriser.fit_transform(texts)
    median = float(np.median(points))
    regressor = _regressor(c).fit(matrix, points - median)
    return vectoriser, regressor, median


def fit_sizes(finished: Sequence[FinishedWork], holdout_share: float = 0.25) -> SizeModel:
    """Learn sizes from ``finished`` (oldest first; points above zero). Raises
    :class:`ValidationError` with fewer than ``MIN_FINISHED`` usable items."""
    usable = [f for f in finished if f.points > 0 and math.isfinite(f.points)]
    if len(usable) < MIN_FINISHED:
        raise ValidationError(
            f"too little finished work with points to learn sizes from: {len(usable)} "
            f"items, at least {MIN_FINISHED} needed (import the team's delivery history with "
            "its story points)",
            field="history",
        )
    texts = [_text(f.text, f.team, f.kind) for f in usable]
    points = np.array([f.points for f in usable], dtype=np.float64)
    scale = tuple(sorted({float(p) for p in points}))
    cut = max(1, min(len(usable) - 1, round(len(usable) * (1 - holdout_share))))
    older, newer = slice(0, cut), slice(cut, None)
    vectoriser = _vectoriser()
    x_old = vectoriser.fit_transform(texts[older])
    x_new = vectoriser.transform(texts[newer])
    median = float(np.median(points[older]))
    y_new = points[newer]
    # (mae, shrink, c, predictions): ties go to the smaller shrink, nearer the median
    best: tuple[float, float, float, np.ndarray] | None = None
    for c in C_GRID:
        raw = _regressor(c).fit(x_old, points[older] - median).predict(x_new)
        for shrink in SHRINK_GRID:
            predicted = np.maximum(median + shrink * raw, 0.0)
            mae = float(np.mean(np.abs(predicted - y_new)))
            if best is None or (mae, shrink) < (best[0], best[1]):
                best = (mae, shrink, c, predicted)
    assert best is not None
    _, shrink, c, predicted = best
    lo, hi = _calibrated_residuals(predicted, y_new, scale)
    ranges = [_range(float(p), (lo, hi), scale) for p in predicted]
    snapped = np.array([r[1] for r in ranges])
    low = np.array([r[0] for r in ranges])
    high = np.array([r[2] for r in ranges])
    holdout = Holdout(
        items=int(y_new.size),
        mae=float(np.mean(np.abs(snapped - y_new))),
        median_mae=float(np.mean(np.abs(median - y_new))),
        coverage=float(np.mean((y_new >= low) & (y_new <= high))),
    )
    vectoriser, regressor, median = _fit(texts, points, c)
    return SizeModel(
        median=median,
        shrink=shrink,
        c=c,
        scale=scale,
        log_residuals=(lo, hi),
        holdout=holdout,
        examples=tuple(usable),
        _vectoriser=vectoriser,
        _regressor=regressor,
        _matrix_t=vectoriser.transform(texts).T.tocsr(),
    )


def _most_alike(cosine: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` largest values, largest first, the earlier index on ties (as a
    stable sort would give), without sorting the whole row."""
    if k <= 0 or cosine.size == 0:
        return np.empty(0, dtype=np.int64)
    k = min(k, cosine.size)
    threshold = np.partition(cosine, cosine.size - k)[cosine.size - k]
    candidates = np.flatnonzero(cosine >= threshold)
    order = np.lexsort((candidates, -cosine[candidates]))
    return candidates[order][:k]


def suggest_sizes(
    model: SizeModel,
    work: Sequence[Work],
    similar: int = 3,
) -> list[SizeSuggestion]:
    """A size for each of ``work``, with its range and the ``similar`` most alike finished
    items."""
    if not work:
        return []
    matrix = model._vectoriser.transform([_text(w.text, w.team, w.kind) for w in work])
    raw = model._regressor.predict(matrix)
    out = []
    # Similarities a block of rows at a time: a big backlog against a long history would
    # not fit in memory as one dense matrix.
    for first in range(0, len(work), _BLOCK):
        cosine = (matrix[first : first + _BLOCK] @ model._matrix_t).toarray()
        for row, value in enumerate(raw[first : first + _BLOCK]):
            points = max(0.0, model.median + model.shrink * float(value))
            nearest = _most_alike(cosine[row], similar)
            low, likely, high = _range(points, model.log_residuals, model.scale)
            out.append(
                SizeSuggestion(
                    points=points,
                    likely=likely,
                    low=low,
                    high=high,
                    similar=tuple(
                        (
                            model.examples[i].key,
                            model.examples[i].points,
                            round(float(cosine[row, i]), 3),
                        )
                        for i in nearest
                        if cosine[row, i] > 0
                    ),
                )
            )
    return out


# --------------------------------------------------------------------------- workspace


@dataclass(frozen=True)
class ItemSize:
    """A backlog item's suggested size beside the estimate it has (if any)."""

    item: str
    title: str
    team: str | None
    estimate: Estimate | None
    suggestion: SizeSuggestion

    @property
    def outside(self) -> bool:
        """Its estimate, in points, lies outside the range similar finished work suggests."""
        e = self.estimate
        if e is None or e.unit != EstimateUnit.POINTS:
            return False
        return not (self.suggestion.low <= e.likely <= self.suggestion.high)


@dataclass(frozen=True)
class SizeReport:
    model: SizeModel
    items: tuple[ItemSize, ...]


def item_work(item: Item) -> Work:
    """A backlog item as :func:`suggest_sizes` takes it."""
    return Work(f"{item.title} . {item.description}".strip(" ."), item.team, item.kind.value)


def finished_work(ws: Workspace) -> list[FinishedWork]:
    """The workspace's delivery history with points, oldest first: what sizes are learned
    from (titles, teams and kinds: a tracker's history keeps no descriptions)."""
    done = sorted((r for r in ws.history if r.points), key=lambda r: (r.done, r.key))
    return [FinishedWork(r.key, r.title, float(r.points or 0), r.team, r.kind.value) for r in done]


def size_items(
    ws: Workspace,
    keys: Sequence[str] | None = None,
    estimated: bool = False,
    model: SizeModel | None = None,
) -> SizeReport:
    """Suggested sizes for the open leaf items of ``ws`` without an estimate (``estimated``:
    with one too, to check it), or for the items ``keys`` whatever they have; from ``model``,
    by default learned from the workspace's delivery history (:func:`finished_work`)."""
    model = model or fit_sizes(finished_work(ws))
    if keys is not None:
        for index, key in enumerate(keys):
            if key not in ws.item_by_key:
                raise ValidationError(f"unknown item '{key}'", field=f"items.{index}")
        chosen = [ws.item_by_key[k] for k in keys]
    else:
        chosen = [i for i in ws.leaf_items(ws.open_items()) if estimated or i.estimate is None]
    suggested = suggest_sizes(model, [item_work(i) for i in chosen])
    return SizeReport(
        model,
        tuple(
            ItemSize(i.key, i.title, i.team, i.estimate, s)
            for i, s in zip(chosen, suggested, strict=True)
        ),
    )


def apply_sizes(ws: Workspace, report: SizeReport, tag: str = "estimate-suggested") -> Workspace:
    """``ws`` with each item of ``report`` that has no estimate given its suggested size (in
    points, tagged ``tag`` so people can find and review them); estimates people gave are
    never overwritten."""
    sizes = {s.item: s.suggestion for s in report.items if s.estimate is None}
    items = []
    for item in ws.items:
        s = sizes.get(item.key)
        if s is not None and item.estimate is None:
            item = item.model_copy(
                update={
                    "estimate": Estimate(
                        low=s.low, likely=s.likely, high=s.high, unit=EstimateUnit.POINTS
                    ),
                    "tags": [*item.tags, tag] if tag not in item.tags else item.tags,
                }
            )
        items.append(item)
    return ws.copy_with(items=items)
