"""Every import reads a number the same way: the items CSV (estimates, values, objective
contributions), Jira, Linear and GitHub estimates, and the delivery-history CSV.

One reader (``roadwise.sources._numbers``) serves them all, so a cell one import takes is taken
by the others, and a cell one refuses is refused by the others, for the same reason in the same
words, naming the file, row and column (or the issue and field) as each import does. Numbers a
tracker's API sends as JSON are held to the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from roadwise.domain import Range
from roadwise.errors import RoadwiseError
from roadwise.sources import github, linear
from roadwise.sources.csv_file import read_items_csv
from roadwise.sources.history_csv import NULLS, read_history_csv
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


# Resolved four years after creation: room for every accepted number of minutes in progress.
_HISTORY_ROWS = ("A-1,2020-01-01,2024-01-05,3", "A-2,2020-01-01,2024-01-05,")


def _history_size(tmp_path: Path, cell: str) -> float | None:
    header = "Key,Created,Resolved,Story Points"
    path = _csv(tmp_path / "history.csv", header, *_HISTORY_ROWS, cell)
    mapping = "key=Key,created=Created,resolved=Resolved,size=Story Points"
    return read_history_csv(path, mapping).records[1].points


def _history_minutes(tmp_path: Path, cell: str) -> float | None:
    header = "Key,Created,Resolved,Minutes In Progress"
    path = _csv(tmp_path / "history.csv", header, *_HISTORY_ROWS, cell)
    mapping = "key=Key,created=Created,resolved=Resolved,cycle_minutes=Minutes In Progress"
    record = read_history_csv(path, mapping).records[1]
    # the import turns minutes in progress into the start: that many minutes before done
    return None if record.started is None else (record.done - record.started).total_seconds() / 60


# name -> (read one cell, where a refusal must point: (file name, row, field) or the issue)
IMPORTS: dict[str, tuple[Callable[[Path, str], float | None], tuple[Any, ...]]] = {
    "items csv": (_items_csv, ("items.csv", 3, "estimate")),
    "jira csv": (_jira_csv, ("jira.csv", 3, "Custom field (Story Points)")),
    "linear csv": (_linear_csv, ("linear.csv", 3, "Estimate")),
    "jira rest": (_jira_rest, (None, None, "customfield_1")),
    "history csv size": (_history_size, ("history.csv", 3, "Story Points")),
    "history csv minutes": (_history_minutes, ("history.csv", 3, "Minutes In Progress")),
}
# Words an import reads as an empty cell: the history import takes the NaN, NULL and N/A a
# data-analysis export writes for a missing value.
MISSING = {"history csv size": NULLS, "history csv minutes": NULLS}

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
    if cell.strip().lower() in MISSING.get(importer, ()):
        assert read(tmp_path, cell) is None
        return
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


def test_the_history_import_refuses_a_negative_size_or_time_in_progress(tmp_path: Path) -> None:
    for read, column in (
        (_history_size, "Story Points"),
        (_history_minutes, "Minutes In Progress"),
    ):
        with pytest.raises(RoadwiseError) as caught:
            read(tmp_path, "-2")
        assert caught.value.message == "expected a number of 0 or more, got '-2'"
        assert (caught.value.row, caught.value.field) == (3, column)


def _objectives(tmp_path: Path, cell: str) -> list[tuple[str, float]]:
    path = _csv(tmp_path / "items.csv", "key,title,objectives", "A,One,O1", "B,Two,", cell)
    return [(o.objective, o.contribution) for o in read_items_csv(path)[1].objectives]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("O1:0.5", 0.5), ("O1:0,5", 0.5), ("O1:,25", 0.25), ("O1:1", 1.0), ("O1:0", 0.0)],
)
def test_an_objective_contribution_reads_numbers_as_every_import(
    tmp_path: Path, cell: str, expected: float
) -> None:
    assert _objectives(tmp_path, f"{cell};O2") == [("O1", expected), ("O2", 1.0)]


NO_SHARE: list[tuple[str, str]] = [
    *(
        (
            f"O1:{word}",
            f"the contribution in 'O1:{word}': {NOT_A_NUMBER}, got '{word}'; a key that "
            f"holds ':' is written with its contribution after it, e.g. 'O1:{word}:1'",
        )
        for word in ("inf", "nan", "1_0", "half", "50%")
    ),
    (
        "O1:1,000",
        "the contribution in 'O1:1,000': expected a number, but '1,000' could be 1000 or "
        "1.000; write it without a thousands separator (1000) or with a decimal point (1.000)",
    ),
    ("O1:1.5", "the contribution in 'O1:1.5': expected a number from 0 to 1, got '1.5'"),
    ("O1:-0,5", "the contribution in 'O1:-0,5': expected a number from 0 to 1, got '-0,5'"),
    ("O1:1e999", "the contribution in 'O1:1e999': expected a number (such as"),
]


@pytest.mark.parametrize(("cell", "message"), NO_SHARE, ids=[c for c, _ in NO_SHARE])
def test_an_objective_contribution_that_is_no_share_names_the_cell_part(
    tmp_path: Path, cell: str, message: str
) -> None:
    with pytest.raises(RoadwiseError) as caught:
        _objectives(tmp_path, f"O2;{cell}")
    assert caught.value.message.startswith(message)
    assert (caught.value.file, caught.value.row) == (str(tmp_path / "items.csv"), 3)
    assert caught.value.field == "objectives"


def _dependencies(tmp_path: Path, cell: str) -> list[tuple[str, int]]:
    path = _csv(tmp_path / "items.csv", "key,title,dependencies", "A,One,", "B,Two,", cell)
    return [(d.item, d.lag_days) for d in read_items_csv(path)[1].dependencies]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("A:2", 2), ("A: 3 ", 3), ("A:0", 0), ("A:3,0", 3), ("A:1e1", 10), ("A:1.234,0", 1234)],
)
def test_a_dependency_lag_reads_numbers_as_every_import(
    tmp_path: Path, cell: str, expected: int
) -> None:
    ((item, lag),) = _dependencies(tmp_path, cell)
    assert (item, lag) == ("A", expected) and type(lag) is int


NO_LAG: list[tuple[str, str]] = [
    *(
        (
            f"A:{word}",
            f"the lag in 'A:{word}': {NOT_A_NUMBER}, got '{word}'; a key that "
            f"holds ':' is written with its lag after it, e.g. 'A:{word}:0'",
        )
        for word in ("1_0", "inf", "nan", "two", "2d")  # int() took "1_0" as 10
    ),
    *(
        (f"A:{days}", f"the lag in 'A:{days}': expected a whole number of days, 0 or more, got")
        for days in ("2,5", "2.5", "-1", "-0,5")
    ),
    (
        "A:1,000",
        "the lag in 'A:1,000': expected a number, but '1,000' could be 1000 or 1.000",
    ),
    ("A:1e999", "the lag in 'A:1e999': expected a number (such as"),
]


@pytest.mark.parametrize(("cell", "message"), NO_LAG, ids=[c for c, _ in NO_LAG])
def test_a_dependency_lag_that_is_no_whole_number_of_days_names_the_cell_part(
    tmp_path: Path, cell: str, message: str
) -> None:
    with pytest.raises(RoadwiseError) as caught:
        _dependencies(tmp_path, f"A:1;{cell}")
    assert caught.value.message.startswith(message)
    assert (caught.value.file, caught.value.row) == (str(tmp_path / "items.csv"), 3)
    assert caught.value.field == "dependencies"


# ---------------------------------------------------------------- numbers sent as JSON


def _jira_api(value: Any) -> float | None:
    raw = {"key": "PAY-9", "fields": {"summary": "Sized", "customfield_1": value}}
    fields = JiraFields(estimate="customfield_1")
    return to_tracker_issue(raw, [], fields, {}, "https://j", TrackerMapping()).estimate


def _linear_api(value: Any) -> float | None:
    return linear.to_tracker_issue(
        {"identifier": "ENG-9", "title": "Sized", "estimate": value}
    ).estimate


def _github_project(value: Any) -> float | None:
    node = {
        "content": {"number": 9, "repository": {"nameWithOwner": "acme/shop"}},
        "fieldValues": {"nodes": [{"number": value, "field": {"name": "Estimate"}}]},
    }
    return github.project_entries(iter([node]), "acme/shop", TrackerMapping())[9].estimate


# name -> (read one JSON value, how the refusal names the issue, the field it names)
APIS: dict[str, tuple[Callable[[Any], float | None], str, str]] = {
    "jira": (_jira_api, "Jira issue PAY-9: ", "customfield_1"),
    "linear": (_linear_api, "Linear issue ENG-9: ", "estimate"),
    "github project": (_github_project, "issue #9 on the project: ", "estimate"),
}


@pytest.mark.parametrize("api", list(APIS))
def test_every_tracker_api_takes_a_json_number_of_0_or_more(api: str) -> None:
    read, _, _ = APIS[api]
    assert [read(v) for v in (3, 2.5, 0, None)] == [3.0, 2.5, 0.0, None]


@pytest.mark.parametrize("api", list(APIS))
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, f"{NOT_A_NUMBER}, got true"),  # Python's True is the int 1
        (False, f"{NOT_A_NUMBER}, got false"),
        (float("nan"), f"{NOT_A_NUMBER}, got NaN"),  # Python's JSON reader takes NaN
        (float("inf"), f"{NOT_A_NUMBER}, got Infinity"),
        (10**400, f"{NOT_A_NUMBER}, got 1000"),  # no float holds it
        ([3], f"{NOT_A_NUMBER}, got [3]"),
        (-3, "expected a number of 0 or more, got -3"),
        (-0.5, "expected a number of 0 or more, got -0.5"),
    ],
    ids=["true", "false", "nan", "inf", "huge", "list", "negative", "negative-fraction"],
)
def test_every_tracker_api_refuses_the_same_json_values_in_the_same_words(
    api: str, value: Any, reason: str
) -> None:
    read, issue, field = APIS[api]
    with pytest.raises(RoadwiseError) as caught:
        read(value)
    assert caught.value.message.startswith(f"{issue}{reason}")
    assert caught.value.message.endswith("(nothing was imported)")
    assert caught.value.field == field
