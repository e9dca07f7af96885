"""Numbers as people write them in spreadsheets and tracker exports, read the same way by every
import (the items CSV, Jira, Linear and GitHub estimates).

``.`` alone is the decimal point (``2.5``, ``1.234`` is 1.234); a lone ``,`` is a decimal comma
(``2,5``, ``0,125``, ``1234,567``) unless it could as well set off thousands (``1,234``), which
is refused with both readings named. With both ``,`` and ``.`` the last one is the decimal
separator and the other must set off groups of three digits: ``1,234.5`` and ``1.234,5`` are
both 1234.5; without a decimal separator they are refused (``1,234,567``: write ``1234567``).
A sign and an exponent (``-3``, ``1e3``) are fine. Refused: words (``inf``, ``nan``, ``true``),
units and percentages (``3 pts``, ``50%``), and ``_`` between digits.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata

EXAMPLES = "12, 2.5, 2,5 or 1,234.5"
"""Numbers shown where a cell is no number, so the message names what was expected."""

# Digits as Python writes them, without the ``_`` float() would also take ("1_0" is 10).
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# Thousands separators: 1-3 digits (no leading zero), then groups of exactly three.
_GROUPED = {
    sep: re.compile(rf"[+-]?[1-9][0-9]{{0,2}}(?:{re.escape(sep)}[0-9]{{3}})+") for sep in ",."
}
# ",5" is 0.5, as ".5" is.
_WHOLE = re.compile(r"[+-]?[0-9]*")
_FIRST_GROUP = re.compile(r"[+-]?[1-9][0-9]{0,2}")


class NumberError(ValueError):
    """A text that is no number, or one that could be read as two; the message says which.

    ``looks_like_number`` is False where the text is not a number at all (a word, ``3 pts``),
    so a caller that also takes words (T-shirt sizes) can name those too.
    """

    def __init__(self, message: str, *, looks_like_number: bool) -> None:
        super().__init__(message)
        self.looks_like_number = looks_like_number


def not_a_number(text: str) -> NumberError:
    """The refusal of ``text`` as no number at all."""
    return NumberError(
        f"expected a number (such as {EXAMPLES}), got {text.strip()!r}", looks_like_number=False
    )


def read_number(text: str, *, at_least: float | None = None) -> float:
    """The number ``text`` stands for, or :class:`NumberError`; never a guess.

    ``at_least``: the smallest number allowed (an estimate is 0 or more).
    """
    shown = text.strip()
    body = _ascii_digits(shown)
    if "," in body:
        number = _with_comma(shown, body)
    elif _PLAIN.fullmatch(body):
        number = float(body)
    elif _GROUPED["."].fullmatch(body):  # 1.234.567; 1.234 alone is 1.234
        raise _grouped_without_decimal(shown, body)
    else:
        raise not_a_number(text)
    if not math.isfinite(number):  # 1e999: too large for a float
        raise NumberError(
            f"expected a number (such as {EXAMPLES}), got {shown!r}, which is too large",
            looks_like_number=True,
        )
    return _at_least(number, at_least, repr(shown))


def _ascii_digits(text: str) -> str:
    """Digits of any script (a Japanese spreadsheet's full-width ``３``) as ASCII ones."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _grouped_without_decimal(shown: str, body: str) -> NumberError:
    # 1,234,567 cannot be a decimal comma, but 1,234 could: one rule ("separators set off
    # thousands only before a decimal separator") is easier to keep than where it is needed.
    return NumberError(
        f"expected a number, got {shown!r}; write it without thousands separators "
        f"({body.replace(',', '').replace('.', '')})",
        looks_like_number=True,
    )


def _with_comma(shown: str, body: str) -> float:
    decimal = "," if body.rfind(",") > body.rfind(".") else "."
    group = "." if decimal == "," else ","
    whole, _, fraction = body.rpartition(decimal)
    if not (fraction.isascii() and fraction.isdigit()):
        raise not_a_number(shown)
    if group in whole or not _WHOLE.fullmatch(whole):
        if group in whole and decimal not in whole and _GROUPED[group].fullmatch(whole):
            return float(f"{whole.replace(group, '')}.{fraction}")
        if _GROUPED[","].fullmatch(body):
            raise _grouped_without_decimal(shown, body)
        if not re.fullmatch(r"[+-]?[0-9.,]+", body):
            raise not_a_number(shown)
        raise NumberError(
            f"expected a number, got {shown!r}; thousands separators must set off groups of "
            "three digits, with the decimal separator last (1,234.5 or 1.234,5)",
            looks_like_number=True,
        )
    if len(fraction) == 3 and _FIRST_GROUP.fullmatch(whole):
        # "1,000" is 1000 in an English export and 1 in a German one: either reading can be
        # wrong by a factor of a thousand.
        raise NumberError(
            f"expected a number, but {shown!r} could be {whole}{fraction} or "
            f"{whole}.{fraction}; write it without a thousands separator ({whole}{fraction}) "
            f"or with a decimal point ({whole}.{fraction})",
            looks_like_number=True,
        )
    return float(f"{whole}.{fraction}")


def read_json_number(value: object, *, at_least: float | None = None) -> float:
    """A number a tracker's API sent as JSON, held to the rules :func:`read_number` keeps.

    JSON's ``true`` is no number (Python counts it as the int 1), nor is ``NaN`` or
    ``Infinity``, which Python's JSON reader takes although JSON has no such values.
    """
    shown = json.dumps(value, default=repr)
    shown = shown if len(shown) <= 60 else f"{shown[:57]}..."
    number = math.nan
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer of 400 digits
            number = math.inf
    if not math.isfinite(number):
        raise NumberError(
            f"expected a number (such as {EXAMPLES}), got {shown}", looks_like_number=False
        )
    return _at_least(number, at_least, shown)


def _at_least(number: float, at_least: float | None, shown: str) -> float:
    """``number``, or the refusal of one below ``at_least`` (``shown``: as the user wrote it)."""
    if at_least is not None and number < at_least:
        raise NumberError(
            f"expected a number of {at_least:g} or more, got {shown}", looks_like_number=True
        )
    return number
