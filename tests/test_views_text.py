"""Text helpers of the views: titles clipped for tables, charts and reports."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from roadwise.views._text import clip, say_p, spreadsheet_cell


def test_a_cut_title_ends_at_a_word_with_an_ellipsis() -> None:
    assert clip("Audit-log entries for form pre-fill changes", 30) == "Audit-log entries for form…"
    assert clip("Short title", 30) == "Short title"
    assert clip("  spaced\n  out  ", 30) == "spaced out"
    # one long word: cut inside it rather than lose it all
    assert clip("Supercalifragilisticexpialidocious", 10) == "Supercali…"


@given(st.text(min_size=0, max_size=80), st.integers(min_value=2, max_value=60))
def test_clip_fits_and_keeps_the_start(text: str, width: int) -> None:
    clipped = clip(text, width)
    one_line = " ".join(text.split())
    assert len(clipped) <= width
    if len(one_line) <= width:
        assert clipped == one_line
    else:
        assert clipped.endswith("…")
        assert one_line.startswith(clipped[:-1])


def test_a_tiny_p_value_reads_as_below_a_thousandth_not_zero() -> None:
    assert say_p(0.0001) == "p < 0.001"
    assert say_p(0.0) == "p < 0.001"
    assert say_p(0.034) == "p 0.034"
    assert say_p(0.0006) == "p 0.001"  # rounds to a thousandth, never to 0.000
    assert say_p(1.0, word="adjusted p") == "adjusted p 1.000"


def test_spreadsheet_cells_never_start_a_formula() -> None:
    for text in ("=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"):
        assert spreadsheet_cell(text) == "'" + text
    for text in ("Checkout", "", "a=b", "'quoted", "1-2"):
        assert spreadsheet_cell(text) == text


@given(st.text(max_size=30))
def test_a_spreadsheet_cell_keeps_the_text_after_its_guard(text: str) -> None:
    cell = spreadsheet_cell(text)
    assert cell[0:1] not in ("=", "+", "-", "@", "\t", "\r")
    assert cell in (text, "'" + text)
