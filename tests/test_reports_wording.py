"""Plain-language helpers of the reports: glossary, dates with confidence, rounded numbers."""

from __future__ import annotations

import datetime as dt
import re

from hypothesis import given
from hypothesis import strategies as st

from roadwise.views.reports.wording import (
    Glossary,
    chance_below,
    date_with_confidence,
    join_words,
    say_count,
    say_date,
    say_duration,
    say_money,
    say_number,
    say_percent,
    sentence,
)


def test_dates_with_confidence() -> None:
    today = dt.date(2026, 1, 10)
    assert say_date(dt.date(2026, 3, 14), today) == "14 March"
    assert say_date(dt.date(2027, 3, 14), today) == "14 March 2027"
    assert (
        date_with_confidence(dt.date(2026, 3, 14), dt.date(2026, 4, 2), as_of=today)
        == "likely by 14 March; 85% sure by 2 April"
    )
    same = date_with_confidence(dt.date(2026, 3, 14), dt.date(2026, 3, 14), as_of=today)
    assert same == "likely by 14 March (85% sure)"
    assert "95% sure by" in date_with_confidence(
        dt.date(2026, 3, 14), dt.date(2026, 5, 1), sure_level=0.95, as_of=today
    )


def test_numbers_as_a_person_says_them() -> None:
    assert say_number(1_234_567) == "about 1.2 million"
    assert say_number(2_000_000) == "2 million"
    assert say_number(12_345) == "about 12,000"
    assert say_number(437) == "about 440"
    assert say_number(7) == "7"
    assert say_number(7.26) == "about 7.3"
    assert say_number(3_420_000_000) == "about 3.4 billion"
    assert say_number(-1500) == "-1,500"
    assert say_percent(0.403) == "roughly 40%"
    assert say_percent(0.4) == "40%"
    assert say_percent(0.032) == "roughly 3%"
    assert say_percent(0.997) == "over 99%"
    assert say_percent(0.004) == "under 1%"
    assert say_percent(0.0) == "0%"
    assert say_money(1_234_567, "USD") == "about $1.2 million"
    assert say_money(450_000, "EUR") == "€450,000"
    assert say_money(12_300, "CHF") == "about 12,000 CHF"
    # a loss: the sign goes before the symbol
    assert say_money(-1_234_567, "USD") == "about -$1.2 million"
    assert say_money(-450_000, "EUR") == "-€450,000"
    assert say_money(-12_300, "CHF") == "about -12,000 CHF"


def test_durations_counts_and_sentences() -> None:
    assert say_duration(1) == "1 day"
    assert say_duration(5) == "5 days"
    assert say_duration(17) == "about 2.5 weeks"
    assert say_duration(45) == "about 6 weeks"
    assert say_duration(120) == "about 4 months"
    assert say_duration(800) == "about 2 years"
    assert say_count(1, "item") == "1 item"
    assert say_count(1250, "item") == "1,250 items"
    assert say_count(2, "dependency") == "2 dependencies"
    assert say_count(3, "fix", "fixes") == "3 fixes"
    assert join_words(["A", "B", "C"]) == "A, B and C"
    assert join_words(["A"]) == "A"
    assert sentence("likely by 3 May") == "Likely by 3 May."


def test_glossary_swaps_whole_terms_and_keeps_capitals() -> None:
    g = Glossary({"story points": "effort", "SSO": "single sign-on", "epic": "programme"})
    assert g("Epic SSO needs 40 story points.") == "Programme single sign-on needs 40 effort."
    # Whole words only, case-insensitive, the workspace's terms override the defaults.
    assert g("epicentre of the epics") == "epicentre of the initiatives"
    assert g("our throughput") == "our delivery pace"
    assert Glossary({}, defaults=False)("epic") == "epic"


def test_glossary_definitions_explain_without_replacing() -> None:
    g = Glossary({"request": "a unit of work a customer tracks in the product", "SSO": "login"})
    assert g("Each request waits") == "Each request waits"
    assert g("SSO first") == "Login first"
    assert g.defined_in("Two requests wait") == [
        ("request", "a unit of work a customer tracks in the product")
    ]
    assert g.defined_in("nothing here") == []


@given(st.floats(min_value=20, max_value=5e11, allow_nan=False))
def test_rounded_numbers_stay_within_five_percent(value: float) -> None:
    words = say_number(value)
    match = re.fullmatch(r"(?:about )?([\d,.]+)( million| billion)?", words)
    assert match, words
    number = float(match.group(1).replace(",", ""))
    number *= {" million": 1e6, " billion": 1e9, None: 1.0}[match.group(2)]
    assert abs(number - value) <= 0.05 * value
    assert words.startswith("about ") or abs(number - value) <= 1e-9 * value


@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_percentages_are_close_and_bounded(share: float) -> None:
    words = say_percent(share)
    match = re.search(r"(\d+)%", words)
    assert match
    stated = int(match.group(1)) / 100
    assert 0 <= stated <= 1
    assert abs(stated - share) <= 0.03


def test_default_definitions_explain_report_terms_unless_the_workspace_says_otherwise() -> None:
    g = Glossary()
    assert [t for t, _ in g.defined_in("worth $90,000 in cost of delay")] == ["cost of delay"]
    assert [t for t, _ in g.defined_in("likely by 3 May; 85% sure by 9 June")] == ["85% sure"]
    own = Glossary({"Cost of delay": "the money a late feature loses us each week, per item"})
    assert own.defined_in("cost of delay") == [
        ("Cost of delay", "the money a late feature loses us each week, per item")
    ]
    assert Glossary({"points": "effort"}).defined_in("12 points") == []
    assert Glossary(defaults=False).defined_in("cost of delay") == []


def test_a_chance_never_reads_as_a_certainty() -> None:
    from roadwise.views.reports.wording import say_chance

    assert say_chance(0.0) == "almost no chance"
    assert say_chance(0.004) == "almost no chance"
    assert say_chance(0.19) == "19% chance"
    assert say_chance(0.996) == "over 99% chance"


def test_a_chance_short_of_a_target_never_reads_as_the_target() -> None:
    assert chance_below(0.849, 0.85) == "84.9%"  # "85%, short of 85%" would contradict itself
    # 1699 of 2000 trials: rounded to one place it would read "85.0%", the target again
    assert chance_below(0.8495, 0.85) == "84.9%"
    assert chance_below(0.84996, 0.85) == "84.9%"
    assert chance_below(0.4996, 0.5) == "49.9%"
    assert chance_below(0.8449, 0.85) == "84%"
    assert chance_below(0.85, 0.85) == "85%" and chance_below(0.9995, 0.85) == "over 99%"


def test_glossary_leaves_the_teams_own_words_as_written() -> None:
    from roadwise.views.reports.model import user_text, without_marks

    glossary = Glossary()
    said = glossary(f"{user_text('Tech debt epic')} is an epic about tech debt")
    assert without_marks(said) == "Tech debt epic is an initiative about engineering upkeep"


def test_a_date_the_forecast_never_reaches_is_not_said_as_a_date() -> None:
    today = dt.date(2026, 1, 10)
    never = dt.date.max
    assert date_with_confidence(never, never, as_of=today) == "not within 10 years"
    assert date_with_confidence(dt.date(2026, 3, 14), never, as_of=today) == (
        "likely by 14 March; 85% sure: not within 10 years"
    )
