"""Small text helpers shared by the views."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def clip(text: str, width: int) -> str:
    """``text`` on one line in at most ``width`` characters, cut at a word where one is near.

    A cut title ends in "…" so a reader knows there is more ("Audit-log entries for…", not
    "Audit-log entries for form pre").
    """
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1]
    space = cut.rfind(" ")
    if space >= width // 2:  # a word boundary not too far back: keep whole words
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """ "; did you mean A or B?" for the known keys nearest a mistyped ``key`` (empty if none)."""
    near = difflib.get_close_matches(key, list(known), n=3, cutoff=0.8)
    return f"; did you mean {' or '.join(near)}?" if near else ""
