"""Small text helpers shared by the views."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any


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


# A cell starting with one of these is read as a formula by Excel, LibreOffice and Google
# Sheets (CWE-1236): a title such as "=HYPERLINK(...)" from a tracker would run when a
# stakeholder opens the file.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def some_keys(keys: Sequence[str], shown: int = 5) -> str:
    """Keys with at most ``shown`` of them named: "KW-1, KW-2 and 3 more"."""
    more = f" and {len(keys) - shown} more" if len(keys) > shown else ""
    return ", ".join(keys[:shown]) + more


def spreadsheet_cell(text: str) -> str:
    """``text`` safe for a CSV that people open in a spreadsheet: a leading "'" where the
    text would otherwise start a formula, as OWASP advises. Numbers we format ourselves do not
    go through here, so a negative number stays a number."""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def say_p(p_value: float, *, word: str = "p") -> str:
    """A p-value as people read one: "p 0.034", and "p < 0.001" rather than "p 0.000"."""
    return f"{word} < 0.001" if p_value < 0.0005 else f"{word} {p_value:.3f}"


def did_you_mean(key: str, known: Iterable[str]) -> str:
    """The known keys nearest a mistyped ``key``, as "; did you mean A or B?" (or nothing)."""
    near = difflib.get_close_matches(key, list(known), n=3, cutoff=0.8)
    return f"; did you mean {' or '.join(near)}?" if near else ""


_SIGNS = {"adds": "+", "multiplies": "×", "divides": "÷"}


def score_factors(contributions: Sequence[Any]) -> tuple[list[dict[str, str]], str]:
    """Each factor of a ranked item's score (its ``contributions``) as the CLI's ``--explain``
    and the web's item page show it: the input as estimated and, apart, what it does to the
    score (a feasibility multiplies by 0.89, not by the 22% risk behind it); and a caption for
    when both adding and multiplying factors are present."""
    from roadwise.engines.prioritize.frameworks import _fmt

    rows = []
    for c in contributions:
        shown = f"{c.value:.0%}" if c.input in ("technical_risk", "confidence") else _fmt(c.value)
        signed = c.amount is not None and c.role in _SIGNS
        effect = f"{_SIGNS[c.role]} {_fmt(c.amount)}" if signed else ""
        rows.append({"label": c.label, "input": shown, "role": c.role, "effect": effect})
    roles = {c.role for c in contributions}
    caption = (
        "The + amounts already include the × and ÷ factors: they add up to the point score."
        if "adds" in roles and roles & {"multiplies", "divides"}
        else ""
    )
    return rows, caption
