"""Sentence vectors are computed once: per analysis in memory, between commands on disk.

A stand-in encoder counts what it is asked to encode, so these run without the ``nlp`` extra.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from roadwise.engines.feedback.text import EncoderBackend
from roadwise.sources.text_models import EmbeddingCache, cache_folder, model_fingerprint


class CountingEncoder:
    """Deterministic 8-dimensional vectors; remembers every text it encoded."""

    def __init__(self) -> None:
        self.encoded: list[str] = []

    def encode(self, texts: list[str], **options: Any) -> np.ndarray:
        self.encoded += texts
        rows = []
        for text in texts:
            digest = hashlib.sha256(text.encode()).digest()
            row = np.frombuffer(digest[:32], dtype=np.uint8)[:8].astype(np.float32) + 1
            if options.get("normalize_embeddings"):
                row = row / np.linalg.norm(row)
            rows.append(row)
        return np.vstack(rows)


def expected(texts: list[str], normalise: bool = True) -> np.ndarray:
    return CountingEncoder().encode(texts, normalize_embeddings=normalise)


def test_each_distinct_text_is_encoded_once_per_backend() -> None:
    encoder = CountingEncoder()
    backend = EncoderBackend(encoder)
    first = backend.transform(["crash on start", "love it", "crash on start"])
    second = backend.transform(["love it", "please add dark mode"])
    assert encoder.encoded == ["crash on start", "love it", "please add dark mode"]
    assert np.allclose(first, expected(["crash on start", "love it", "crash on start"]))
    assert np.allclose(second, expected(["love it", "please add dark mode"]))


def test_memory_is_bounded_and_results_stay_right() -> None:
    encoder = CountingEncoder()
    backend = EncoderBackend(encoder, memory_texts=2)
    texts = ["a", "b", "c"]
    assert np.allclose(backend.transform(texts), expected(texts))
    assert np.allclose(backend.transform(texts), expected(texts))
    # "a" and "b" were kept; "c" did not fit and is encoded again
    assert encoder.encoded == ["a", "b", "c", "c"]


def test_vectors_on_disk_are_reused_by_a_later_run(tmp_path: Path) -> None:
    first = CountingEncoder()
    texts = ["sync fails after update", "great app", "sync fails after update"]
    vectors = EmbeddingCache(first, tmp_path, "model-a").encode(texts, normalize_embeddings=True)
    assert first.encoded == ["sync fails after update", "great app"]

    later = CountingEncoder()  # a new command: a fresh process with the same model
    again = EmbeddingCache(later, tmp_path, "model-a").encode(
        [*texts, "new text"], normalize_embeddings=True
    )
    assert later.encoded == ["new text"]
    assert np.array_equal(again[:3], vectors)
    assert np.allclose(again, expected([*texts, "new text"]))


def test_other_models_and_raw_vectors_are_kept_apart(tmp_path: Path) -> None:
    EmbeddingCache(CountingEncoder(), tmp_path, "model-a").encode(["x"], normalize_embeddings=True)
    other_model = CountingEncoder()
    EmbeddingCache(other_model, tmp_path, "model-b").encode(["x"], normalize_embeddings=True)
    assert other_model.encoded == ["x"]
    raw = CountingEncoder()
    vectors = EmbeddingCache(raw, tmp_path, "model-a").encode(["x"])
    assert raw.encoded == ["x"]
    assert np.allclose(vectors, expected(["x"], normalise=False))


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder, blocked, "model-a")
    assert np.allclose(cache.encode(["a", "b"], normalize_embeddings=True), expected(["a", "b"]))
    assert np.allclose(cache.encode(["a"], normalize_embeddings=True), expected(["a"]))
    assert encoder.encoded == ["a", "b", "a"]


def test_cache_folder_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ROADWISE_CACHE_DIR", "off")
    assert cache_folder() is None
    monkeypatch.setenv("ROADWISE_CACHE_DIR", str(tmp_path / "vectors"))
    assert cache_folder() == tmp_path / "vectors"
    monkeypatch.delenv("ROADWISE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_folder() == tmp_path / "xdg" / "roadwise"


def test_a_model_replaced_in_place_gets_a_new_fingerprint(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    weights = model / "model.safetensors"
    weights.write_bytes(b"weights v1")
    before = model_fingerprint(str(model))
    weights.write_bytes(b"weights v2, longer")
    assert model_fingerprint(str(model)) != before
    assert model_fingerprint("all-MiniLM-L6-v2") == "all-MiniLM-L6-v2"


def test_the_vector_file_keeps_the_vectors_used_last_within_its_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Room for two 8-dimensional vectors (32 bytes each): the third pushes out the one used
    longest ago, and the ones kept still come back right."""
    import itertools

    import roadwise.sources.text_models as text_models

    clock = itertools.count(1)
    monkeypatch.setattr(text_models.time, "time", lambda: float(next(clock)))
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder, tmp_path, "model-a", max_bytes=64)
    cache.encode(["a", "b"], normalize_embeddings=True)
    cache.encode(["a"], normalize_embeddings=True)  # "a" used again: "b" is now the oldest
    cache.encode(["c"], normalize_embeddings=True)
    assert encoder.encoded == ["a", "b", "c"]
    again = cache.encode(["a", "c", "b"], normalize_embeddings=True)
    assert encoder.encoded == ["a", "b", "c", "b"]  # only "b" had to be encoded again
    assert np.allclose(again, expected(["a", "c", "b"]))
    import sqlite3

    with sqlite3.connect(cache.path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == 2


def test_a_vector_file_from_before_the_bound_is_read_and_bounded(tmp_path: Path) -> None:
    """Files written before vectors carried a last-use time still serve their vectors."""
    import sqlite3

    first = EmbeddingCache(CountingEncoder(), tmp_path, "model-a")
    with sqlite3.connect(first.path) as connection:
        connection.execute("CREATE TABLE vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")
        vector = expected(["old"])[0]
        connection.execute(
            "INSERT INTO vectors VALUES (?, ?)", (first._key("old", True), vector.tobytes())
        )
    encoder = CountingEncoder()
    cache = EmbeddingCache(encoder, tmp_path, "model-a", max_bytes=64)
    got = cache.encode(["old", "new", "newer"], normalize_embeddings=True)
    assert encoder.encoded == ["new", "newer"]
    assert np.allclose(got, expected(["old", "new", "newer"]))
    with sqlite3.connect(cache.path) as connection:
        assert connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0] == 2
