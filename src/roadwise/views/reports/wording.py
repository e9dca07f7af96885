"""Plain language: business terms, dates with their confidence, numbers as a person says them.

Reports are read by people who do not plan software for a living. These helpers keep the
wording consistent across every report:

* :class:`Glossary` swaps technical terms for the workspace's business terms
  (``ws.settings.glossary``, on top of a small default glossary);
* :func:`say_date` / :func:`date_with_confidence` state a date and how sure we are of it;
* :func:`say_number`, :func:`say_percent`, :func:`say_money`, :func:`say_duration` round the
  way a person would ("about 1.2 million", "roughly 40%", "about 3 weeks");
* :func:`say_count` states exact counts with the right plural ("1 item", "12 items").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping

from roadwise.views.reports.model import USER_CLOSE, USER_OPEN

# Terms a planning tool uses and a business reader may not. A workspace's own glossary
# (ws.settings.glossary) overrides and extends these.
DEFAULT_GLOSSARY: dict[str, str] = {
    "epic": "initiative",
    "epics": "initiatives",
    "story points": "effort points",
    "throughput": "delivery pace",
    "cycle time": "time to deliver",
    "WIP": "work in progress",
    "Monte Carlo": "simulation",
    "backlog": "list of planned work",
    "tech debt": "engineering upkeep",
    "critical path": "longest chain of dependent work",
}

# Terms the reports themselves use that a reader outside product planning may not know; the
# appendix explains each one a report uses. A workspace entry for the same word wins.
DEFAULT_DEFINITIONS: dict[str, str] = {
    "cost of delay": (
        "what the business loses for every week an item is not in customers' hands, as the "
        "product team estimated it (per item, in money per week)"
    ),
    "85% sure": (
        "the date the work was done by in 85 of every 100 simulated futures of the forecast; "
        "'likely by' is the date it was done by in half of them"
    ),
    "points": (
        "the teams' own unit for the size of a piece of work (effort points); a team's pace "
        "is the points it finishes in a week"
    ),
}

_USER_SPAN = re.compile(f"{USER_OPEN}[^{USER_CLOSE}]*{USER_CLOSE}")

_CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def is_definition(meaning: str) -> bool:
    """A glossary value longer than four words explains a term rather than replacing it."""
    return len(meaning.split()) > 4


class Glossary:
    """Replaces technical terms by business terms, whole words only, keeping a capital.

    A workspace glossary entry whose value is a short term ("epic" -> "initiative") replaces
    the term in generated text; a longer value is a definition ("request" -> "a unit of work a
    customer tracks ..."): the text keeps the word and the report's appendix explains it.
    """

    def __init__(self, terms: Mapping[str, str] | None = None, *, defaults: bool = True) -> None:
        merged: dict[str, str] = dict(DEFAULT_GLOSSARY) if defaults else {}
        own = {t.lower() for t in (terms or {})}
        self.definitions: dict[str, str] = {
            term: meaning
            for term, meaning in (DEFAULT_DEFINITIONS.items() if defaults else ())
            if term.lower() not in own
        }
        self.definitions.update(
            {term: meaning for term, meaning in (terms or {}).items() if is_definition(meaning)}
        )
        terms = {t: m for t, m in (terms or {}).items() if t not in self.definitions}
        # The workspace's entries win over the defaults, whatever their case.
        for term, business in terms.items():
            for existing in [t for t in merged if t.lower() == term.lower()]:
                del merged[existing]
            merged[term] = business
        self.terms = merged
        # Longest first, so "story points" wins over a shorter "story".
        ordered = sorted(merged, key=len, reverse=True)
        self._lookup = {t.lower(): merged[t] for t in ordered}
        self._pattern = (
            re.compile(
                r"(?<![\w-])(" + "|".join(re.escape(t) for t in ordered) + r")(?![\w-])",
                re.IGNORECASE,
            )
            if ordered
            else None
        )

    def __call__(self, text: str) -> str:
        if not self._pattern or not text:
            return text
        # The team's own words (a title in a sentence) are left as written.
        own = [m.span() for m in _USER_SPAN.finditer(text)]

        def swap(match: re.Match[str]) -> str:
            found = match.group(0)
            if any(start < match.start() < end for start, end in own):
                return found
            business = self._lookup[found.lower()]
            if found[:1].isupper() and not found.isupper() and business[:1].islower():
                return business[:1].upper() + business[1:]
            if found.isupper() and len(found) > 1 and business[:1].islower() and match.start() == 0:
                return business[:1].upper() + business[1:]
            return business

        return self._pattern.sub(swap, text)

    def items(self) -> list[tuple[str, str]]:
        return sorted(self.terms.items(), key=lambda kv: kv[0].lower())

    def defined_in(self, text: str) -> list[tuple[str, str]]:
        """The definitions whose term appears in ``text`` (whole word, any case)."""
        return sorted(
            (term, meaning)
            for term, meaning in self.definitions.items()
            if re.search(rf"(?<![\w-]){re.escape(term)}s?(?![\w-])", text, re.IGNORECASE)
        )


# --------------------------------------------------------------------------- dates


NEVER = dt.date.max
"""The forecasting engine's date for work its simulated future never finishes (``week_date``)."""
NOT_IN_SIGHT = "not within 10 years"
"""How ``roadwise forecast roadmap`` says :data:`NEVER` (its simulation stops after ten years)."""


def say_date(day: dt.date, as_of: dt.date | None = None) -> str:
    """'14 March' within the reference year, '14 March 2027' otherwise."""
    text = f"{day.day} {day.strftime('%B')}"
    if as_of is None or day.year != as_of.year:
        text += f" {day.year}"
    return text


def date_with_confidence(
    likely: dt.date,
    sure: dt.date | None = None,
    *,
    sure_level: float = 0.85,
    as_of: dt.date | None = None,
) -> str:
    """'likely by 14 March; 85% sure by 2 April' (one date when both are the same).

    The forecast's ``date.max`` (work not done within the simulated ten years) is said as
    ``roadwise forecast roadmap`` says it, never as a date in the year 9999.
    """
    if likely == NEVER:
        return NOT_IN_SIGHT
    text = f"likely by {say_date(likely, as_of)}"
    if sure == NEVER:
        text += f"; {round(sure_level * 100)}% sure: {NOT_IN_SIGHT}"
    elif sure is not None and sure != likely:
        text += f"; {round(sure_level * 100)}% sure by {say_date(sure, as_of)}"
    elif sure is not None:
        text += f" ({round(sure_level * 100)}% sure)"
    return text


def say_duration(days: float) -> str:
    """'3 days', 'about 2 weeks', 'about 5 months', 'about 1.5 years'."""
    days = abs(days)
    if days < 1:
        return "less than a day"
    if days < 10:
        n = round(days)
        return f"{n} day" if n == 1 else f"{n} days"
    if days < 60:
        weeks = days / 7
        half_weeks = round(weeks * 2) / 2 if weeks < 4 else float(round(weeks))
        return f"about {_trim(half_weeks)} week" + ("" if half_weeks == 1 else "s")
    if days < 540:
        months = round(days / 30.44)
        return f"about {months} months"
    years = round(days / 365.25 * 2) / 2
    return f"about {_trim(years)} years"


# --------------------------------------------------------------------------- numbers


def _trim(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"


def round_like_a_person(value: float) -> float:
    """Two significant figures (one below 10 when it is a whole number already)."""
    if value == 0 or not math.isfinite(value):
        return value
    magnitude = math.floor(math.log10(abs(value)))
    digits = 1 - magnitude
    rounded = round(value, digits)
    return float(rounded)


def say_number(value: float, *, exact_below: int = 20) -> str:
    """A number as a person says it: 7, 'about 440', 'about 12,000', 'about 1.2 million'.

    Whole numbers below ``exact_below`` are stated exactly; everything else is rounded to
    two significant figures and prefixed with 'about' when rounding changed it.
    """
    if not math.isfinite(value):
        return "unknown"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == int(value) and value < exact_below:
        return f"{sign}{int(value)}"
    for size, word in ((1e9, "billion"), (1e6, "million")):
        if value >= size * 0.995:
            scaled = round_like_a_person(value / size)
            about = "" if math.isclose(scaled * size, value, rel_tol=1e-12) else "about "
            return f"{about}{sign}{_trim(scaled)} {word}"
    rounded = round_like_a_person(value)
    if value < 10:
        rounded = round(value, 1)
    about = "" if math.isclose(rounded, value, rel_tol=1e-12) else "about "
    return f"{about}{sign}{_trim(rounded)}"


def say_percent(share: float, *, word: str = "roughly") -> str:
    """A share (0..1) as 'roughly 40%'; extremes as 'over 99%' / 'under 1%'."""
    if not math.isfinite(share):
        return "unknown"
    pct = share * 100
    if pct <= 0:
        return "0%"
    if pct >= 100:
        return "100%"
    if pct < 1:
        return "under 1%"
    if pct > 99:
        return "over 99%"
    # Near the ends a person says "3%" or "96%"; in between, to the nearest 5.
    n = round(pct) if pct < 10 or pct > 90 else int(5 * round(pct / 5))
    if math.isclose(n, pct, abs_tol=1e-9):
        return f"{n}%"
    # A symbol hedge ("~") sits on the number; a word hedge ("roughly") stands before it.
    return f"{word}{n}%" if word and not word[-1].isalpha() else f"{word} {n}%"


def exact_percent(share: float) -> str:
    """A share as a whole percentage, without hedging: '85%'."""
    return f"{round(share * 100)}%"


def chance_percent(share: float) -> str:
    """A simulated share as a percentage that never claims certainty: 'under 1%', '19%',
    'over 99%' (a rounded '0%' or '100%' would claim what a simulation cannot give)."""
    if share < 0.01:
        return "under 1%"
    if share > 0.99:
        return "over 99%"
    return exact_percent(share)


def chance_below(share: float, target: float) -> str:
    """A chance said so that one short of ``target`` never reads as ``target`` ("84.6%")."""
    said = chance_percent(share)
    if share < target and said == chance_percent(target):
        # rounded down, so 84.96% reads 84.9%, not "85.0%"; finer still where even that is
        # the target's figure (a chance a hair below it)
        for places in (1, 2, 3):
            scale = 10**places
            shown = math.floor(round(share * 100 * scale, 6)) / scale
            if shown < target * 100:
                return f"{shown:.{places}f}%"
        return f"{share * 100:.4f}%"
    return said


def say_chance(share: float) -> str:
    """A chance as every report says it: 'almost no chance', '19% chance', 'over 99% chance'."""
    return "almost no chance" if share < 0.01 else f"{chance_percent(share)} chance"


def say_money(value: float, currency: str = "USD") -> str:
    """'about $1.2 million', 'about €450,000', 'about -$80,000' (the currency code when there
    is no symbol)."""
    words = say_number(value, exact_below=0)
    symbol = _CURRENCY_SYMBOLS.get(currency.upper())
    about = "about " if words.startswith("about ") else ""
    amount = words.removeprefix("about ")
    # A loss reads "-$1.2 million", the sign before the symbol as people write it.
    sign = "-" if amount.startswith("-") else ""
    amount = amount.removeprefix("-")
    if symbol:
        return f"{about}{sign}{symbol}{amount}"
    return f"{about}{sign}{amount} {currency.upper()}"


_MONEY_UNITS = ((1e9, "B"), (1e6, "M"), (1e3, "k"))


def _short_amount(value: float) -> tuple[str, str]:
    """The number (three significant digits) and its unit: (3.35, "M"), (835, "k")."""
    size = abs(value)
    scale, unit = next(((s, u) for s, u in _MONEY_UNITS if size >= s * 0.9995), (1.0, ""))
    number = value / scale
    # Three significant digits: 3.35M, 12.4M, 835k; below a thousand, whole units.
    places = 0 if not unit or abs(number) >= 99.95 else 1 if abs(number) >= 9.995 else 2
    text = f"{number:,.{places}f}"
    if places:
        text = text.rstrip("0").rstrip(".")
    return text, unit


def short_money(
    value: float, currency: str = "USD", interval: tuple[float, float] | None = None
) -> str:
    """Money for a table cell, the currency first: '$3.35M', '€835k', '$3.35M (2.54–4.25M)'
    with a 90% interval; 'CHF 3.35M' for a currency without a symbol. Three significant
    digits, so two amounts a table compares still differ where they differ."""
    symbol = _CURRENCY_SYMBOLS.get(currency.upper())
    prefix = symbol if symbol else f"{currency.upper()} "
    number, unit = _short_amount(value)
    sign = "-" if number.startswith("-") else ""
    text = f"{sign}{prefix}{number.removeprefix('-')}{unit}"
    if interval is None:
        return text
    (low, low_unit), (high, high_unit) = (_short_amount(v) for v in interval)
    # One unit written once when both ends share it: "(2.54–4.25M)", else "(650k–1.2M)".
    low_end = low if low_unit == high_unit else f"{low}{low_unit}"
    return f"{text} ({low_end}–{high}{high_unit})"


def say_count(n: int, noun: str, plural: str | None = None) -> str:
    """'1 item', '12 items', '1,250 items' (exact: counts are not rounded)."""
    word = noun if n == 1 else (plural or _plural(noun))
    return f"{n:,} {word}"


def _plural(noun: str) -> str:
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    return noun + "s"


def join_words(words: list[str], conjunction: str = "and") -> str:
    """'A', 'A and B', 'A, B and C'."""
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def sentence(text: str) -> str:
    """Capitalise the first letter and end with a full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
