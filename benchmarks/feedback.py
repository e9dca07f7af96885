"""Feedback intelligence benchmarks: classification on real labelled data, linking on the
sample product, and throughput/memory of the pipeline on generated texts.

    python benchmarks/feedback.py --data ../shared/datasets/feedback --json feedback.json
    python benchmarks/feedback.py --backends lexical,embedding --sizes 100000,1000000

Classification
  * Maalej et al. app reviews (Bug, Feature, Rating = praise, UserExperience): reviews are
    deduplicated on their normalised text *before* any split. Binary one-vs-rest per class on
    balanced sets (positives and as many sampled negatives), like the paper, 10-fold CV, and
    on all reviews at the class's true share (imbalanced, the realistic figure); and
    the 4-class task (reviews with exactly one label), 5-fold CV, macro-F1, with a learning
    curve (labels used) and the unsupervised default (0 labels). ``--parts errors`` breaks
    the balanced binary errors down by each review's full label set (which other class the
    wrong positives and the misses carry).
  * NLBSE'24 issue reports (bug / feature / question): one classifier per repository, 5-fold
    CV on ``issues_train.csv``; where ``issues_test.csv`` stands beside it, trained on the
    train file and reported on the test file as well.
Linking
  * The sample product's confirmed links are the ground truth. Texts are split in two halves:
    the linker learns from the confirmed links of one half and is scored on the other
    (precision at 1, recall at 5), and cold (no confirmations) for comparison.
Throughput
  * classify + link + cluster (+ near-duplicate signatures) on N generated texts, streamed in
    chunks, in a fresh process per run so peak memory (max RSS) is the run's own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "datasets" / "feedback"

MAALEJ_CLASSES = {"Bug": "bug", "Feature": "feature", "Rating": "praise", "UserExperience": "other"}
# Published figures quoted in the data folder's README (see docs/benchmarks.md).
PUBLISHED = {
    "maalej_binary": "Maalej et al. 2016: precision 0.88-0.92, recall 0.90-0.99 per class "
    "(best case, binary, balanced); RE 2015: precision 0.70-0.95, recall 0.80-0.90",
    "maalej_4class": "fine-tuned BERT macro-F1 0.55 (Rating 0.81, Bug 0.59, Feature 0.42, "
    "UX 0.36); DistilBERT 0.52 (source repo, unreviewed)",
    "nlbse": "cross-repo F1 on the hidden test set: SetFit 0.827, RoBERTa 0.792, fastText 0.718",
}
# Options for every FeedbackClassifier the classification parts build (--lr-only sets them).
CLASSIFIER_OPTIONS: dict[str, Any] = {}
# --f1-cutoff: the binary Maalej tasks name their class as the classifier's ``positive`` kind,
# so its probability cut-off is chosen by inner CV on the training folds (F1-optimal).
BINARY_F1_CUTOFF = {"on": False}


# --------------------------------------------------------------------------- backends


class CachedBackend:
    """Wraps a backend so each distinct text is encoded once per benchmark run."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.name = inner.name
        self._cache: dict[str, Any] = {}

    def fit(self, texts: Sequence[str]) -> None:
        self.inner.fit(texts)
        self._cache.clear()

    def transform(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            vectors = self.inner.transform(missing)
            for i, text in enumerate(missing):
                self._cache[text] = vectors[i : i + 1]
        rows = [self._cache[t] for t in texts]
        if rows and sp.issparse(rows[0]):
            return sp.csr_matrix(sp.vstack(rows))
        return np.vstack(rows) if rows else np.zeros((0, 1))


def make_backend(name: str, corpus: Sequence[str]) -> Any:
    from roadwise.sources.text_models import make_backend as load

    backend = CachedBackend(load(name))
    backend.fit(list(corpus))
    return backend


# --------------------------------------------------------------------------- data


def load_maalej(folder: Path) -> tuple[list[str], list[int | None], list[set[str]]]:
    """Distinct reviews (normalised comment+title) with their set of labels and rating."""
    from roadwise.engines.feedback import normalise_text

    merged: dict[str, tuple[str, int | None, set[str]]] = {}
    for name in MAALEJ_CLASSES:
        raw = (folder / f"{name}.json").read_text(encoding="utf-8")
        records = json.loads(re.sub(r",\s*\]\s*$", "]", raw))  # trailing comma in two files
        for r in records:
            text = " ".join(p for p in (r.get("title") or "", r.get("comment") or "") if p).strip()
            if not text:
                continue
            key = normalise_text(text)
            rating = int(r["rating"]) if r.get("rating") else None
            if key not in merged:
                merged[key] = (text, rating, set())
            merged[key][2].add(name)
    texts = [v[0] for v in merged.values()]
    ratings = [v[1] for v in merged.values()]
    labels = [v[2] for v in merged.values()]
    return texts, ratings, labels


def load_nlbse(path: Path) -> list[dict[str, str]]:
    import csv

    csv.field_size_limit(1 << 24)
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for r in rows:
        body = re.sub(r"```.*?```", " ", r.get("body") or "", flags=re.S)  # drop code blocks
        r["text"] = f"{r['title']}. {body[:1500]}"
    return rows


# --------------------------------------------------------------------------- evaluation


def fit_predict(
    backend: Any,
    train: Sequence[int],
    test: Sequence[int],
    texts: Sequence[str],
    labels: Sequence[str],
    ratings: Sequence[int | None] | None,
    positive: str | None = None,
) -> list[str]:
    from roadwise.engines.feedback import FeedbackClassifier

    model = FeedbackClassifier(backend, positive=positive, **CLASSIFIER_OPTIONS)
    if train:
        model.fit(
            [texts[i] for i in train],
            [labels[i] for i in train],
            [ratings[i] for i in train] if ratings else None,
        )
    prediction = model.predict(
        [texts[i] for i in test], [ratings[i] for i in test] if ratings else None
    )
    return list(prediction.labels)


def scores(
    truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]
) -> dict[str, Any]:
    p, r, f, _ = precision_recall_fscore_support(
        truth, predicted, labels=list(classes), zero_division=0
    )
    per_class = {
        c: {
            "precision": round(float(p[i]), 3),
            "recall": round(float(r[i]), 3),
            "f1": round(float(f[i]), 3),
        }
        for i, c in enumerate(classes)
    }
    return {"macro_f1": round(float(np.mean(f)), 3), "per_class": per_class}


def cross_validate(
    backend: Any,
    texts: Sequence[str],
    labels: Sequence[str],
    ratings: Sequence[int | None] | None,
    classes: Sequence[str],
    folds: int,
    seed: int,
    train_size: int | None = None,
    positive: str | None = None,
) -> dict[str, Any]:
    """Pooled out-of-fold predictions; ``train_size`` caps the labels used per fold (0: none);
    ``positive`` is handed to the classifier (a binary task's class, for its F1 cut-off)."""
    rng = np.random.default_rng(seed)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    truth: list[str] = []
    predicted: list[str] = []
    used = []
    for train, test in splitter.split(np.zeros(len(labels)), labels):
        train_list = list(train)
        if train_size is not None and train_size < len(train_list):
            train_list = (
                list(rng.choice(train_list, size=train_size, replace=False)) if train_size else []
            )
        used.append(len(train_list))
        predicted += fit_predict(backend, train_list, list(test), texts, labels, ratings, positive)
        truth += [labels[i] for i in test]
    return {**scores(truth, predicted, classes), "labels_used": int(np.median(used))}


def balanced_binary(
    label_sets: Sequence[set[str]], source: str, seed: int
) -> tuple[list[int], list[str]]:
    """Review indices and labels of the paper-style balanced set for one Maalej class.

    Every review carrying ``source`` is a positive unless there are more positives than
    negatives; as many negatives are drawn at random from the reviews without it.
    """
    ours = MAALEJ_CLASSES[source]
    other = "question" if ours == "other" else "other"
    rng = np.random.default_rng(seed)
    positive = [i for i, s in enumerate(label_sets) if source in s]
    negative = [i for i, s in enumerate(label_sets) if source not in s]
    n = min(len(positive), len(negative))
    positive = sorted(rng.choice(positive, size=n, replace=False).tolist())
    negative = sorted(rng.choice(negative, size=n, replace=False).tolist())
    return positive + negative, [ours] * n + [other] * n


def maalej_errors(
    folder: Path, backends: list[str], seed: int, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    """Where the balanced binary classifiers go wrong: out-of-fold errors by full label set.

    Same sets, folds and seed as :func:`maalej`, so the counts add up to its precision and
    recall; a review's label set (e.g. ``Rating+UserExperience``) shows whether a wrong
    positive belongs to another class or to an ambiguous pair.
    """
    from collections import Counter

    suffix = "-f1cutoff" if BINARY_F1_CUTOFF["on"] else ""
    texts, ratings, label_sets = load_maalej(folder)
    records = []
    for name in backends:
        backend = make_backend(name, texts)
        for source, ours in MAALEJ_CLASSES.items():
            rows, labels = balanced_binary(label_sets, source, seed)
            sub_texts = [texts[i] for i in rows]
            sub_ratings = [ratings[i] for i in rows]
            predicted: list[str] = [""] * len(rows)
            positive = ours if BINARY_F1_CUTOFF["on"] else None
            splitter = StratifiedKFold(n_splits=10, shuffle=True, random_state=seed)
            for train, test in splitter.split(np.zeros(len(labels)), labels):
                fold = fit_predict(
                    backend, list(train), list(test), sub_texts, labels, sub_ratings, positive
                )
                for k, label in zip(test, fold, strict=True):
                    predicted[k] = label
            wrong_positive: Counter[str] = Counter()
            missed: Counter[str] = Counter()
            for k, row in enumerate(rows):
                kinds = "+".join(sorted(label_sets[row]))
                if predicted[k] == ours and labels[k] != ours:
                    wrong_positive[kinds] += 1
                elif predicted[k] != ours and labels[k] == ours:
                    missed[kinds] += 1
            records.append(
                {
                    "dataset": "maalej2016",
                    "split": f"binary-{source}-errors{suffix}",
                    "backend": name,
                    "false_positives": dict(wrong_positive.most_common()),
                    "misses": dict(missed.most_common()),
                }
            )
            log(
                f"  {name:9} binary {source:15} false positives {sum(wrong_positive.values())}: "
                + ", ".join(f"{k} {v}" for k, v in wrong_positive.most_common())
            )
            log(
                f"  {name:9} binary {source:15} misses {sum(missed.values())}: "
                + ", ".join(f"{k} {v}" for k, v in missed.most_common())
            )
    return records


def maalej(
    folder: Path,
    backends: list[str],
    seed: int,
    log: Callable[[str], None],
    binary_only: bool = False,
) -> list[dict[str, Any]]:
    texts, ratings, label_sets = load_maalej(folder)
    log(f"Maalej: {len(texts)} distinct reviews after deduplication")
    suffix = "-f1cutoff" if BINARY_F1_CUTOFF["on"] else ""
    records = []
    for name in backends:
        backend = make_backend(name, texts)
        # Binary one-vs-rest on balanced sets, as in the paper.
        for source, ours in MAALEJ_CLASSES.items():
            rows, sub_labels = balanced_binary(label_sets, source, seed)
            other = "question" if ours == "other" else "other"
            positive = ours if BINARY_F1_CUTOFF["on"] else None
            sub_texts = [texts[i] for i in rows]
            sub_ratings = [ratings[i] for i in rows]
            result = cross_validate(
                backend,
                sub_texts,
                sub_labels,
                sub_ratings,
                [ours],
                10,
                seed,
                positive=positive,
            )
            records.append(
                {
                    "dataset": "maalej2016",
                    "split": f"binary-{source}-10fold{suffix}",
                    "backend": name,
                    **result,
                }
            )
            log(
                f"  {name:9} binary {source:15} balanced   F1 {result['macro_f1']:.3f} "
                f"{result['per_class'][ours]}"
            )
            # The realistic figure: the class against every other review, at its true share.
            all_labels = [ours if source in s else other for s in label_sets]
            result = cross_validate(
                backend, texts, all_labels, ratings, [ours], 10, seed, positive=positive
            )
            records.append(
                {
                    "dataset": "maalej2016",
                    "split": f"binary-{source}-imbalanced-10fold{suffix}",
                    "backend": name,
                    **result,
                }
            )
            log(
                f"  {name:9} binary {source:15} imbalanced F1 {result['macro_f1']:.3f} "
                f"{result['per_class'][ours]}"
            )
        if binary_only:
            continue
        # Four classes, single-label reviews.
        single = [i for i, s in enumerate(label_sets) if len(s) == 1]
        sub_texts = [texts[i] for i in single]
        sub_labels = [MAALEJ_CLASSES[next(iter(label_sets[i]))] for i in single]
        sub_ratings = [ratings[i] for i in single]
        classes = ["bug", "feature", "praise", "other"]
        for size in (0, 25, 50, 100, 200, 400, 800, None):
            result = cross_validate(
                backend, sub_texts, sub_labels, sub_ratings, classes, 5, seed, size
            )
            records.append(
                {"dataset": "maalej2016", "split": "4class-5fold", "backend": name, **result}
            )
            log(
                f"  {name:9} 4-class labels {result['labels_used']:5} "
                f"macro-F1 {result['macro_f1']:.3f}"
            )
    return records


def nlbse(
    folder: Path, backends: list[str], seed: int, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    train_rows = load_nlbse(folder / "issues_train.csv")
    test_path = folder / "issues_test.csv"
    test_rows = load_nlbse(test_path) if test_path.exists() else []
    classes = ["bug", "feature", "question"]
    records = []
    for name in backends:
        backend = make_backend(name, [r["text"] for r in train_rows + test_rows])
        for size in (0, 30, 100, None):
            per_repo = []
            for repo in sorted({r["repo"] for r in train_rows}):
                rows = [r for r in train_rows if r["repo"] == repo]
                result = cross_validate(
                    backend,
                    [r["text"] for r in rows],
                    [r["label"] for r in rows],
                    None,
                    classes,
                    5,
                    seed,
                    size,
                )
                per_repo.append(result)
                if size is None:
                    records.append(
                        {
                            "dataset": "nlbse2024",
                            "split": f"train-5fold-{repo}",
                            "backend": name,
                            **result,
                        }
                    )
            mean = round(float(np.mean([r["macro_f1"] for r in per_repo])), 3)
            per_class = {
                c: {
                    m: round(float(np.mean([r["per_class"][c][m] for r in per_repo])), 3)
                    for m in ("precision", "recall", "f1")
                }
                for c in classes
            }
            records.append(
                {
                    "dataset": "nlbse2024",
                    "split": "train-5fold-cross-repo",
                    "backend": name,
                    "labels_used": per_repo[0]["labels_used"],
                    "macro_f1": mean,
                    "per_class": per_class,
                }
            )
            log(
                f"  {name:9} NLBSE cross-repo labels/repo {per_repo[0]['labels_used']:4} "
                f"F1 {mean:.3f}"
            )
        if test_rows:
            per_repo = []
            for repo in sorted({r["repo"] for r in test_rows}):
                train = [r for r in train_rows if r["repo"] == repo]
                test = [r for r in test_rows if r["repo"] == repo]
                all_rows = train + test
                predicted = fit_predict(
                    backend,
                    list(range(len(train))),
                    list(range(len(train), len(all_rows))),
                    [r["text"] for r in all_rows],
                    [r["label"] for r in all_rows],
                    None,
                )
                result = {
                    **scores([r["label"] for r in test], predicted, classes),
                    "labels_used": len(train),
                }
                per_repo.append(result)
                records.append(
                    {"dataset": "nlbse2024", "split": f"test-{repo}", "backend": name, **result}
                )
            mean = round(float(np.mean([r["macro_f1"] for r in per_repo])), 3)
            records.append(
                {
                    "dataset": "nlbse2024",
                    "split": "test-cross-repo",
                    "backend": name,
                    "labels_used": per_repo[0]["labels_used"],
                    "macro_f1": mean,
                    "per_class": {},
                }
            )
            log(f"  {name:9} NLBSE test cross-repo F1 {mean:.3f}")
    return records


def linking(backends: list[str], seed: int, log: Callable[[str], None]) -> list[dict[str, Any]]:
    from roadwise.engines.feedback import Linker
    from roadwise.sample import generate_sample

    ws = generate_sample(seed=7)
    truth = [(f, link.item) for f in ws.feedback for link in f.links if link.confirmed]
    rng = np.random.default_rng(seed)
    half = rng.random(len(truth)) < 0.5
    records = []
    for name in backends:
        backend = make_backend(name, [f.text for f in ws.feedback] + [i.title for i in ws.items])
        for warm in (False, True):
            result: dict[str, list[float]] = {"p1": [], "r5": []}
            for fold in (0, 1):
                teach = [(f, i) for (f, i), h in zip(truth, half, strict=True) if h == (fold == 0)]
                test = [(f, i) for (f, i), h in zip(truth, half, strict=True) if h != (fold == 0)]
                confirmed: dict[str, list[str]] = {}
                for f, item in teach if warm else []:
                    confirmed.setdefault(item, []).append(f.text)
                linker = Linker(
                    ws.items, backend, all_items=ws.item_by_key, confirmed_texts=confirmed
                )
                top, _ = linker.top(backend.transform([f.text for f, _ in test]), k=5)
                keys = np.array(linker.keys)
                result["p1"] += list(keys[top[:, 0]] == np.array([i for _, i in test]))
                result["r5"] += [i in keys[row] for (_, i), row in zip(test, top, strict=True)]
            p1, r5 = float(np.mean(result["p1"])), float(np.mean(result["r5"]))
            split = "half-confirmed" if warm else "cold"
            records.append(
                {
                    "dataset": "sample-links",
                    "split": split,
                    "backend": name,
                    "labels_used": len(truth) // 2 if warm else 0,
                    "precision_at_1": round(p1, 3),
                    "recall_at_5": round(r5, 3),
                    "macro_f1": None,
                    "per_class": {},
                }
            )
            log(f"  {name:9} linking {split:15} P@1 {p1:.3f} R@5 {r5:.3f} ({len(truth)} links)")
    return records


def themes(
    backends: list[str],
    seeds: Sequence[int],
    texts_per_theme: int | None,
    log: Callable[[str], None],
    strip_templates: Sequence[bool] = (True,),
    group_rises: Sequence[bool] = (True,),
) -> list[dict[str, Any]]:
    """Themes found in the sample product's unlinked requests against the topics it planted.

    The sample writes its uncovered requests from a catalogue of topics (three of them rising),
    so every such text names its topic's phrases; a text naming none (or several) counts as
    its own group "?". Per run: purity (share of a theme's texts from its main topic), topics
    that are the main topic (>= 60 %) of some theme, rising topics found as the main topic of a
    theme flagged rising, and flagged themes that are not one of those (false alarms). Same
    protocol as the demo: 60 texts labelled by the "TPM", the rest classified and linked.
    ``strip_templates`` lists the settings to run (False, True: without and with the removal
    of words a source's templates repeat, in the same run on the same samples).
    """
    from collections import Counter

    from roadwise.engines.feedback import FeedbackSettings, analyse_feedback
    from roadwise.sample import catalog, generate_sample
    from roadwise.sample.feedback import partly_labelled
    from roadwise.sources.text_models import make_backend as load

    def topic_of(text: str) -> str:
        low = text.casefold()
        hits = [
            t.name for t in catalog.TOPICS if any(p.casefold() in low for p in t.wants + t.nouns)
        ]
        return hits[0] if len(hits) == 1 else "?"

    rising_topics = {t.name for t in catalog.TOPICS if t.rising}
    phrasing = {t.name: t.wants + t.nouns for t in catalog.TOPICS}
    records = []
    runs = [(b, s, g) for b in backends for s in strip_templates for g in group_rises]
    for name, strip, grouped in runs:
        rows = []
        label = f"{name}{'' if strip else ' (templates kept)'}{'' if grouped else ' (no groups)'}"
        for seed in seeds:
            ws = generate_sample(seed=seed)
            prepared, _ = partly_labelled(ws, 60)
            extra = {"texts_per_theme": texts_per_theme} if texts_per_theme else {}
            settings = FeedbackSettings(
                backend=name,
                bootstrap_samples=100,
                seed=seed,
                strip_templates=strip,
                group_rises=grouped,
                **extra,
            )
            analysis = analyse_feedback(prepared, load(name, seed=seed), settings)
            # Groups of themes (G1, …: reported only when rising) count for the rising
            # columns; every other column is about the themes themselves.
            plain = [t for t in analysis.themes if not t.theme.parts]
            text = {f.key: f.text for f in ws.feedback}
            pure = total = 0
            main_topics: set[str] = set()
            found_rising: set[str] = set()
            false_alarms = 0
            # A theme named after a customer (a word of its name, as a word of the theme's name)
            customer_words = {w.casefold() for c in ws.customers for w in c.name.split()[:1]}
            named_after_customer = sum(
                any(part in customer_words for w in t.theme.words for part in w.split())
                for t in plain
            )
            # Themes made mostly of texts that are not feature requests (the sample's own
            # labels), and which themes the analysis marks unsure.
            kind = {f.key: f.label for f in ws.feedback}
            not_requests = unsure_right = unsure_wrong = 0
            for summary in plain:
                mostly_not = sum(kind[k] == "feature" for k in summary.feedback) < 0.5 * len(
                    summary.feedback
                )
                not_requests += mostly_not
                unsure_right += summary.unsure and mostly_not
                unsure_wrong += summary.unsure and not mostly_not
            on_topic = name_words = 0
            for summary in analysis.themes:
                counts = Counter(topic_of(text[k]) for k in summary.feedback)
                topic, n = counts.most_common(1)[0]
                clear = topic != "?" and n >= 0.6 * len(summary.feedback)
                if not summary.theme.parts:
                    pure, total = pure + n, total + len(summary.feedback)
                if clear and not summary.theme.parts:
                    main_topics.add(topic)
                    # Is the name about the want? Its words found in the topic's own phrasing.
                    vocabulary = set(re.findall(r"[a-z]+", " ".join(phrasing[topic]).casefold()))
                    words = [w for term in summary.theme.words for w in term.split()]
                    on_topic += sum(w in vocabulary for w in words)
                    name_words += len(words)
                if summary.theme.trend.rising:
                    if clear and topic in rising_topics:
                        found_rising.add(topic)
                    else:
                        false_alarms += 1
            row = {
                "dataset": "sample-themes",
                "split": f"seed-{seed}",
                "backend": name,
                "themes": len(plain),
                "rising_groups": len(analysis.themes) - len(plain),
                "purity": round(pure / max(total, 1), 3),
                "topics_found": len(main_topics),
                "rising_found": len(found_rising),
                "false_rising": false_alarms,
                "named_after_customer": named_after_customer,
                "name_words_on_topic": round(on_topic / max(name_words, 1), 3),
                "not_requests": not_requests,
                "not_requests_unsure": unsure_right,
                "requests_unsure": unsure_wrong,
                "texts_per_theme": texts_per_theme,
                "strip_templates": strip,
                "group_rises": grouped,
            }
            rows.append(row)
            log(
                f"  {label} seed {seed:2}: {row['themes']:2} themes, purity {row['purity']:.2f}, "
                f"topics {len(main_topics)}/{len(catalog.TOPICS)}, rising found "
                f"{len(found_rising)}/{len(rising_topics)}, false alarms {false_alarms}, "
                f"rising groups {row['rising_groups']}, "
                f"named after a customer {named_after_customer}, name words on topic "
                f"{row['name_words_on_topic']:.2f}, mostly not requests {not_requests} "
                f"({unsure_right} marked unsure), requests marked unsure {unsure_wrong}"
            )
        for stat, average in (("mean", np.mean), ("median", np.median)):
            log(
                f"  {label} {stat} over {len(rows)} samples: themes "
                f"{average([r['themes'] for r in rows]):.1f}, purity "
                f"{average([r['purity'] for r in rows]):.2f}, topics "
                f"{average([r['topics_found'] for r in rows]):.1f}, rising found "
                f"{average([r['rising_found'] for r in rows]):.1f}, false alarms "
                f"{average([r['false_rising'] for r in rows]):.1f}, rising groups "
                f"{average([r['rising_groups'] for r in rows]):.1f}, named after a customer "
                f"{average([r['named_after_customer'] for r in rows]):.1f}, name words on topic "
                f"{average([r['name_words_on_topic'] for r in rows]):.2f}, mostly not requests "
                f"{average([r['not_requests'] for r in rows]):.1f} "
                f"({average([r['not_requests_unsure'] for r in rows]):.1f} marked unsure), "
                f"requests marked unsure {average([r['requests_unsure'] for r in rows]):.1f}"
            )
        records += rows
    return records


# --------------------------------------------------------------------------- throughput


def throughput_child(backend_name: str, size: int, seed: int) -> dict[str, Any]:
    """One run, in its own process: stream N generated texts through the pipeline."""
    from threadpoolctl import threadpool_limits

    from roadwise.engines.feedback import (
        FeedbackClassifier,
        Linker,
        ThemeModel,
        minhash_signatures,
        near_duplicate_groups,
    )
    from roadwise.engines.feedback import synthetic as syn
    from roadwise.sources.text_models import make_backend as load

    chunk = 20_000 if backend_name == "lexical" else 1_000
    started = time.perf_counter()
    timings: dict[str, float] = {
        "fit": 0.0,
        "classify": 0.0,
        "link": 0.0,
        "cluster": 0.0,
        "dedupe": 0.0,
    }
    with threadpool_limits(limits=1, user_api="blas"):
        t0 = time.perf_counter()
        backend = load(backend_name)
        sample = syn.generate_texts(min(size, 20_000), seed=seed + 999)
        backend.fit([s.text for s in sample])
        classifier = FeedbackClassifier(backend).fit(
            [s.text for s in sample[:300]],
            [s.label for s in sample[:300]],
            [s.rating for s in sample[:300]],
        )
        linker = Linker(syn.backlog_items(), backend)
        themes = ThemeModel(20, seed)
        themes.reduce(backend.transform([s.text for s in sample if s.label == "feature"]))
        timings["fit"] = time.perf_counter() - t0
        signatures = np.zeros((size, 64), dtype=np.uint32)
        labels = np.zeros(size, dtype=np.int8)
        best_item = np.zeros(size, dtype=np.int16)
        for start in range(0, size, chunk):
            part = syn.generate_texts(min(chunk, size - start), seed=seed + start)
            texts = [p.text for p in part]
            t0 = time.perf_counter()
            vectors = backend.transform(texts)
            prediction = classifier.predict(texts, [p.rating for p in part])
            labels[start : start + len(part)] = np.argmax(prediction.probabilities, axis=1)
            timings["classify"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            top, _ = linker.top(vectors, k=5)
            best_item[start : start + len(part)] = top[:, 0]
            timings["link"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            requests = np.flatnonzero(np.array(prediction.labels) == "feature")
            if len(requests) > 20:
                themes.partial_fit(vectors[requests])
            timings["cluster"] += time.perf_counter() - t0
            t0 = time.perf_counter()
            signatures[start : start + len(part)] = minhash_signatures(texts)
            timings["dedupe"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        groups, _ = near_duplicate_groups(signatures)
        del signatures
        timings["dedupe"] += time.perf_counter() - t0
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "backend": backend_name,
        "texts": size,
        "seconds": round(elapsed, 1),
        "texts_per_second": round(size / elapsed, 1),
        "peak_rss_mb": round(peak_mb),
        "stages": {k: round(v, 1) for k, v in timings.items()},
        "duplicate_groups": len(np.unique(groups)),
    }


def throughput(
    backends: list[str], sizes: list[int], seed: int, embed_cap: int, log: Callable[[str], None]
) -> list[dict[str, Any]]:
    records = []
    for name in backends:
        for size in sizes:
            run_size = size if name == "lexical" else min(size, embed_cap)
            command = [
                sys.executable,
                __file__,
                "--child",
                f"{name}:{run_size}",
                "--seed",
                str(seed),
            ]
            # Encoding is what is measured: vectors kept on disk by an earlier run must not count.
            environment = {**os.environ, "ROADWISE_CACHE_DIR": "off"}
            output = subprocess.run(
                command, capture_output=True, text=True, check=False, env=environment
            )
            if output.returncode != 0:
                log(f"  {name} {run_size}: failed: {output.stderr[-500:]}")
                continue
            result = json.loads(output.stdout.strip().splitlines()[-1])
            result["requested"] = size
            if run_size < size:
                result["extrapolated_seconds"] = round(size / result["texts_per_second"])
            records.append(
                {
                    "dataset": "generated",
                    "split": f"throughput-{size}",
                    "backend": name,
                    "labels_used": 300,
                    "macro_f1": None,
                    "per_class": {},
                    **result,
                }
            )
            extra = (
                f", measured on {run_size:,}: {size:,} would take "
                f"~{result['extrapolated_seconds'] / 3600:.1f} h"
                if run_size < size
                else ""
            )
            log(
                f"  {name:9} {size:>9,} texts: {result['texts_per_second']:>8,.0f} texts/s, "
                f"peak {result['peak_rss_mb']:,} MB, stages {result['stages']}{extra}"
            )
    return records


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--backends", default="lexical,embedding")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--parts", default="maalej,nlbse,linking,throughput")
    parser.add_argument(
        "--embedding-cap",
        type=int,
        default=5000,
        help="largest generated set the embedding backend runs on (then extrapolated)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--theme-seeds", default="1,2,3,4,7", help="sample products the themes part generates"
    )
    parser.add_argument(
        "--texts-per-theme",
        type=int,
        default=None,
        help="themes part: roughly one theme per this many texts (default: the engine's)",
    )
    parser.add_argument(
        "--strip-templates",
        default="on",
        help="themes part: on, off, or off,on (both in the same run, for a before/after)",
    )
    parser.add_argument(
        "--group-rises",
        default="on",
        help="themes part: also test groups of alike themes for a rise: on, off, or off,on",
    )
    parser.add_argument(
        "--lr-only",
        action="store_true",
        help="the classifier without its NB-SVM half (logistic regression alone), for comparison",
    )
    parser.add_argument(
        "--f1-cutoff",
        action="store_true",
        help="binary Maalej tasks: the class's probability cut-off chosen by inner CV for its F1",
    )
    parser.add_argument(
        "--binary-only",
        action="store_true",
        help="Maalej part: the binary one-vs-rest tasks only (skip the 4-class learning curve)",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, size = args.child.split(":")
        print(json.dumps(throughput_child(name, int(size), args.seed)))
        return

    from roadwise.sources.text_models import embedding_available

    if args.lr_only:
        CLASSIFIER_OPTIONS["nb_svm"] = False
    BINARY_F1_CUTOFF["on"] = args.f1_cutoff
    backends = [b for b in args.backends.split(",") if b]
    if "embedding" in backends and not embedding_available():
        print("embedding backend not installed (pip install 'roadwise[nlp]'): skipped")
        backends.remove("embedding")
    parts = set(args.parts.split(","))
    records: list[dict[str, Any]] = []

    def log(line: str) -> None:
        print(line, flush=True)

    maalej_dir = args.data / "maalej2016_app_reviews"
    nlbse_dir = args.data / "nlbse2024_issue_report_classification"
    if "maalej" in parts:
        if maalej_dir.exists():
            log(
                f"== Maalej app reviews  (published: {PUBLISHED['maalej_binary']}; "
                f"4-class: {PUBLISHED['maalej_4class']})"
            )
            records += maalej(maalej_dir, backends, args.seed, log, args.binary_only)
        else:
            log(f"skipped Maalej: {maalej_dir} not found")
    if "errors" in parts:
        if maalej_dir.exists():
            log("== Maalej app reviews, balanced binary: where the errors are")
            records += maalej_errors(maalej_dir, backends, args.seed, log)
        else:
            log(f"skipped Maalej errors: {maalej_dir} not found")
    if "nlbse" in parts:
        if (nlbse_dir / "issues_train.csv").exists():
            log(f"== NLBSE'24 issues  (published: {PUBLISHED['nlbse']})")
            records += nlbse(nlbse_dir, backends, args.seed, log)
        else:
            log(f"skipped NLBSE: {nlbse_dir} not found")
    if "linking" in parts:
        log("== Linking on the sample product's confirmed links")
        records += linking(backends, args.seed, log)
    if "themes" in parts:
        log("== Themes in the sample product's unlinked requests, against its planted topics")
        seeds = [int(x) for x in args.theme_seeds.split(",") if x]
        strips = [{"on": True, "off": False}[x] for x in args.strip_templates.split(",") if x]
        groups = [{"on": True, "off": False}[x] for x in args.group_rises.split(",") if x]
        records += themes(backends, seeds, args.texts_per_theme, log, strips, groups)
    if "throughput" in parts:
        log("== Throughput: classify + link + cluster + near-duplicate signatures, streamed")
        sizes = [int(s) for s in args.sizes.split(",") if s]
        records += throughput(backends, sizes, args.seed, args.embedding_cap, log)
    if args.json:
        args.json.write_text(json.dumps(records, indent=1), encoding="utf-8")
        log(f"wrote {len(records)} records to {args.json}")


if __name__ == "__main__":
    from threadpoolctl import threadpool_limits

    # Small matrices: one BLAS thread is much faster than two contending on a shared machine.
    with threadpool_limits(limits=1, user_api="blas"):
        main()
