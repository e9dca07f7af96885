"""Every import reads a number the same way: the items CSV, and Jira, Linear and GitHub estimates.

One reader (``roadwise.sources._numbers``) serves them all, so a cell one import takes is taken
by the others, and a cell one refuses is refused by the others, for the same reason in the same
words, naming the file, row and column (or the issue and field) as each import does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadwise.domain import Range
from roadwise.errors import RoadwiseError
from roadwise.sources.csv_file import read_items_csv
from roadwise.sources.jira import JiraFields, to_tracker_issue
from roadwise.sources.jira_csv import read_jira_csv
from roadwise.sources.linear import read_linear_csv
from roadwise.sources.tracker_mapping import TrackerMapping


def _csv(path: Path, header: str, first: str, second: str, cell: str) -> Path:
    """A file whose second data row (row 3) holds ``cell``; quoted, as a spreadsheet writes it."""
    quoted = cell.replace('"', '""')
    path.write_text(f'{header}\n{first}\n{second}"{quoted}"\n', encoding="utf-8")
    return path


def _items_csv(tmp_path: Path, cell: str) -> float | None:
    path = _csv(tmp_path / "items.csv", "key,title,estimate", "A,One,3", "B,Two,", cell)
    estimate = read_items_csv(path)[1].estimate
    return None if estimate is None else estimate.likely


def _jira_csv(tmp_path: Path, cell: str) -> float | None:
    header = "Summary,Issue key,Status,Custom field (Story Points)"
    path = _csv(tmp_path / "jira.csv", header, "One,A-1,To Do,3", "Two,A-2,To Do,", cell)
    return read_jira_csv(path).issues[1].estimate


def _linear_csv(tmp_path: Path, cell: str) -> float | None:
    header = "ID,Title,Status,Estimate"
    path = _csv(tmp_path / "linear.csv", header, "ENG-1,One,Todo,3", "ENG-2,Two,Todo,", cell)
    return read_linear_csv(path)[1].estimate


def _jira_rest(tmp_path: Path, cell: str) -> float | None:
    raw = {"key": "PAY-9", "fields": {"summary": "Sized", "customfield_1": cell}}
    fields = JiraFields(estimate="customfield_1")
    return to_tracker_issue(raw, [], fields, {}, "https://j", TrackerMapping()).estimate


# name -> (read one cell, where a refusal must point: (file name, row, field) or the issue)
IMPORTS: dict[str, tuple[Callable[[Path, str], float | None], tuple[Any, ...]]] = {
    "items csv": (_items_csv, ("items.csv", 3, "estimate")),
    "jira csv": (_jira_csv, ("jira.csv", 3, "Custom field (Story Points)")),
    "linear csv": (_linear_csv, ("linear.csv", 3, "Estimate")),
    "jira rest": (_jira_rest, (None, None, "customfield_1")),
}

ACCEPTED = [
    ("3", 3.0),
    (" 8 ", 8.0),
    ("2.5", 2.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("1e3", 1000.0),
    ("2,5", 2.5),  # a European decimal comma
    (",5", 0.5),
    ("0,500", 0.5),  # no thousands group starts with 0
    ("1234,567", 1234.567),  # nor holds four digits
    ("1.234", 1.234),  # a "." alone is always the decimal point
    ("1,234.5", 1234.5),  # with both, the last one is the decimal separator
    ("1.234,5", 1234.5),
    ("12.500,00", 12500.0),
    ("1,234,567.25", 1234567.25),
    ("\uff13", 3.0),  # a full-width digit, as a Japanese spreadsheet may write it
]

NOT_A_NUMBER = "expected a number (such as 12, 2.5, 2,5 or 1,234.5)"
REFUSED = [
    # could be either of two numbers a thousand apart
    (
        "1,000",
        "expected a number, but '1,000' could be 1000 or 1.000; write it without a thousands "
        "separator (1000) or with a decimal point (1.000)",
    ),
    ("12,500", "'12,500' could be 12500 or 12.500"),
    ("1,234,567", "expected a number, got '1,234,567'; write it without thousands separators"),
    ("1.234.567", "expected a number, got '1.234.567'; write it without thousands separators"),
    ("1,23.4", "thousands separators must set off groups of three digits"),
    ("1.2.3,4", "thousands separators must set off groups of three digits"),
    ("1e999", "got '1e999', which is too large"),
    # words Python's float() would take, and other things that are no number
    ("inf", f"{NOT_A_NUMBER}"),
    ("-inf", f"{NOT_A_NUMBER}"),
    ("Infinity", f"{NOT_A_NUMBER}"),
    ("nan", f"{NOT_A_NUMBER}"),
    ("NaN", f"{NOT_A_NUMBER}"),
    ("1_000", f"{NOT_A_NUMBER}"),  # "1_0" would be 10
    ("true", f"{NOT_A_NUMBER}"),
    ("yes", f"{NOT_A_NUMBER}"),
    ("3 pts", f"{NOT_A_NUMBER}"),
    ("50%", f"{NOT_A_NUMBER}"),
    ("1.234,", f"{NOT_A_NUMBER}"),
    ("5,", f"{NOT_A_NUMBER}"),
    ("1,5e3", f"{NOT_A_NUMBER}"),
]


@pytest.mark.parametrize("importer", list(IMPORTS))
@pytest.mark.parametrize(("cell", "expected"), ACCEPTED, ids=[c for c, _ in ACCEPTED])
def test_every_import_takes_the_same_numbers(
    tmp_path: Path, importer: str, cell: str, expected: float
) -> None:
    read, _ = IMPORTS[importer]
    assert read(tmp_path, cell) == pytest.approx(expected)


@pytest.mark.parametrize("importer", list(IMPORTS))
@pytest.mark.parametrize(("cell", "fragment"), REFUSED, ids=[c for c, _ in REFUSED])
def test_every_import_refuses_the_same_numbers_in_the_same_words(
    tmp_path: Path, importer: str, cell: str, fragment: str
) -> None:
    read, (file, row, field) = IMPORTS[importer]
    with pytest.raises(RoadwiseError) as caught:
        read(tmp_path, cell)
    error = caught.value
    assert fragment in error.message
    assert f"got {cell!r}" in error.message or f"{cell!r} could be" in error.message
    assert (error.row, error.field) == (row, field)
    assert error.file == (None if file is None else str(tmp_path / file))
    if file is None:
        assert "Jira issue PAY-9" in error.message


def test_an_estimate_also_takes_a_size_and_names_the_sizes_where_it_is_neither() -> None:
    mapping = TrackerMapping(sizes={"m": 3, "xl": 8})
    assert mapping.estimate_of("M") == 3.0 and mapping.estimate_of(" 2,5 ") == 2.5
    with pytest.raises(ValueError) as caught:
        mapping.estimate_of("Huge")
    assert str(caught.value) == (
        f"{NOT_A_NUMBER} or a size of the mapping (M 3, XL 8), got 'Huge'; a size the mapping "
        "lacks goes under sizes: in the mapping file"
    )
    # a number refused for its form or its sign says so, not that it is no size
    for cell, reason in (("1,000", "could be 1000 or 1.000"), ("-2", "0 or more, got '-2'")):
        with pytest.raises(ValueError, match=reason):
            mapping.estimate_of(cell)
    with pytest.raises(ValueError, match=r"^expected a number \(such as .*\), got 'Huge'$"):
        TrackerMapping(sizes={}).estimate_of("Huge")


def test_a_value_range_in_the_items_csv_reads_each_number_the_same_way(tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text('key,title,reach\nA,One,"1.234,5/2,000.5/3.000,25"\n', encoding="utf-8")
    (item,) = read_items_csv(path)
    assert item.value.reach == Range(low=1234.5, likely=2000.5, high=3000.25)
    path.write_text('key,title,reach\nA,One,"1.234,5/2,5e0/3"\n', encoding="utf-8")
    with pytest.raises(RoadwiseError) as caught:
        read_items_csv(path)
    assert (caught.value.row, caught.value.field) == (2, "reach")
    assert f"{NOT_A_NUMBER}, got '2,5e0'" in caught.value.message
