"""Feedback at scale and the learned classifier's features: near-duplicate groups in O(n)
memory (streamed union-find over LSH bands), text metadata, C chosen by cross-validation."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from roadwise.engines.feedback import (
    FeedbackClassifier,
    LexicalBackend,
    find_duplicates,
    group_of,
    minhash_signatures,
    near_duplicate_groups,
    similar_pairs,
)
from roadwise.engines.feedback import synthetic as syn
from roadwise.engines.feedback.classify import METADATA, text_metadata


@settings(max_examples=15, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["app", "crash", "dark", "mode", "add", "sync"]), max_size=6),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([0.5, 0.7, 0.9]),
)
def test_streamed_groups_equal_the_components_of_all_verified_pairs(
    words: list[list[str]], threshold: float
) -> None:
    signatures = minhash_signatures([" ".join(w) for w in words])
    left, right = similar_pairs(signatures, threshold=threshold)
    expected = group_of(len(words), left, right)
    group, merges = near_duplicate_groups(signatures, threshold=threshold, chunk=3)
    assert np.array_equal(group, expected)
    # Each merge joins two groups: texts minus merges is the number of groups.
    assert len(np.unique(group)) == len(words) - merges


def test_one_huge_bucket_costs_linear_work_and_stays_one_group() -> None:
    # Thousands of copies of one template with a varying number: all fall in the same LSH
    # buckets, which a pairwise approach would turn into millions of candidate pairs.
    texts = [f"please add dark mode to the mobile app for our team number {i}" for i in range(3000)]
    texts += ["the export to csv fails with an error since the last update"] * 5
    groups = find_duplicates(texts)
    assert groups.group[:3000].tolist() == [0] * 3000
    assert groups.group[3000:].tolist() == [3000] * 5
    assert groups.near_pairs == 2999  # only merges that joined two groups are counted
    assert groups.exact_pairs == 4


def test_text_metadata_reads_tense_length_and_rating_from_the_text() -> None:
    texts = ["It crashed and I lost everything.", "I will use it daily!", "It is freezing again?"]
    meta = text_metadata(texts, [1, 5, None])
    col = {name: i for i, name in enumerate(METADATA)}
    assert meta.shape == (3, len(METADATA))
    assert ((meta >= 0) & (meta <= 1)).all()
    assert meta[0, col["past"]] > 0 and meta[1, col["past"]] == 0
    assert meta[1, col["future"]] > 0 and meta[0, col["future"]] == 0
    assert meta[2, col["present continuous"]] > 0
    assert meta[1, col["exclamation"]] == 1 and meta[2, col["question mark"]] == 1
    assert meta[0, col["1 star"]] == 1 and meta[1, col["5 stars"]] == 1
    assert meta[2, col["no rating"]] == 1
    assert meta[:, col["1 star"] : col["5 stars"] + 1].sum() == 2


def test_regularisation_is_chosen_from_the_grid_by_cross_validation() -> None:
    train = syn.generate_texts(120, seed=5, typo_rate=0.0)
    backend = LexicalBackend()
    backend.fit([t.text for t in train])
    texts, labels = [t.text for t in train], [t.label for t in train]
    model = FeedbackClassifier(backend, c_grid=(0.01, 1.0, 100.0)).fit(texts, labels)
    assert model.chosen_c in (0.01, 1.0, 100.0)
    assert model.chosen_nb_c in (0.01, 1.0, 100.0)  # the NB-SVM half chooses its own
    # Too few labels of a kind to cross-validate: the fixed C is used.
    few = FeedbackClassifier(backend, c=3.0).fit(texts[:12], labels[:12])
    assert few.chosen_c == 3.0 and few.chosen_nb_c == 3.0
    single = FeedbackClassifier(backend, c=2.0, c_grid=(5.0,)).fit(texts, labels)
    assert single.chosen_c == 2.0


def test_character_ngrams_recognise_misspelt_words_the_labels_taught() -> None:
    texts = ["app crashes on start", "crashing every time", "add dark mode", "add an export"] * 5
    labels = ["bug", "bug", "feature", "feature"] * 5
    backend = LexicalBackend()
    backend.fit(texts)
    with_chars = FeedbackClassifier(backend, c=10.0, c_grid=()).fit(texts, labels)
    # "crashs" and "crahses" share no word with the training texts, only character n-grams.
    prediction = with_chars.predict(["crashs", "crashesss"])
    assert prediction.labels == ("bug", "bug")
