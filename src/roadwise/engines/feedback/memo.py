"""Remembering the expensive, deterministic steps of a feedback analysis between runs.

Every ``roadwise feedback`` command analyses the whole workspace again; on an unchanged
workspace that repeats the same work. :func:`analyse_feedback` can be handed a
:class:`StepCache` (the views pass one that keeps results in a file, from
``roadwise.sources.analysis_cache``): each step's result is stored under a fingerprint of
*everything that step reads* (its texts, ratings, labels, the item documents, the confirmed
and rejected texts, its settings), so a change to any input gives a new fingerprint and a
fresh computation, and an unchanged one gives back the very result a cold run computes.
The engines stay free of I/O: they only compute fingerprints and call the cache's methods.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

T = TypeVar("T")

FORMAT = 1
"""Raised whenever a step's computation or its stored result changes shape, so results an
older Roadwise stored are never mistaken for this one's."""

Part = str | bytes | int | float | bool | None


class StepCache(Protocol):
    """Where step results are kept: ``get`` gives back what ``put`` stored, or None."""

    def get(self, step: str, key: str) -> object | None: ...

    def put(self, step: str, key: str, value: object) -> None: ...


class Fingerprint:
    """A SHA-256 over typed, length-prefixed parts: ``("ab", "c")`` and ``("a", "bc")``,
    ``1`` and ``"1"``, ``None`` and ``""`` all differ."""

    def __init__(self, *parts: Part) -> None:
        self._hash = hashlib.sha256(f"roadwise-feedback|{FORMAT}".encode())
        self.add(*parts)

    def add(self, *parts: Part) -> Fingerprint:
        for part in parts:
            self._add(part)
        return self

    def extend(self, parts: Iterable[Part]) -> Fingerprint:
        count = 0
        for part in parts:
            self._add(part)
            count += 1
        self._add(f"<{count} parts>")  # a list's end, so [a, b] + [c] differs from [a] + [b, c]
        return self

    def _add(self, part: Part) -> None:
        if part is None:
            tag, data = b"n", b""
        elif isinstance(part, bool):
            tag, data = b"b", b"1" if part else b"0"
        elif isinstance(part, int):
            tag, data = b"i", str(part).encode()
        elif isinstance(part, float):
            tag, data = b"f", struct.pack("<d", part)
        elif isinstance(part, bytes):
            tag, data = b"y", part
        else:
            tag, data = b"s", part.encode("utf-8", "surrogatepass")
        self._hash.update(tag + struct.pack("<Q", len(data)) + data)

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def remembered(
    cache: StepCache | None,
    step: str,
    key: Fingerprint,
    compute: Callable[[], T],
    kind: type[T],
) -> T:
    """``compute()``'s result, taken from ``cache`` when it holds one for ``key``.

    Anything the cache gives back that is not a ``kind`` (a damaged or foreign entry) is
    ignored and computed again, so a cache can only ever save time, never change a result.
    """
    if cache is None:
        return compute()
    digest = key.hexdigest()
    found = cache.get(step, digest)
    if isinstance(found, kind):
        return found
    value = compute()
    cache.put(step, digest, value)
    return value


__all__ = ["FORMAT", "Fingerprint", "StepCache", "remembered"]
