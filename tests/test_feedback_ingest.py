"""Feedback import: streaming reads, column mapping, customer matching, row errors."""

from __future__ import annotations

import csv
import itertools
import json
import tracemalloc
from pathlib import Path

import pytest

from roadwise.domain import Customer, FeedbackSource
from roadwise.errors import RoadwiseError
from roadwise.sources._csv_rows import csv_rows
from roadwise.sources.feedback_file import (
    FeedbackRow,
    RowError,
    collect,
    normalise_name,
    parse_mapping,
    read_feedback,
)

CUSTOMERS = [
    Customer(key="acme", name="ACME Corporation", segment="enterprise", annual_revenue=500_000),
    Customer(key="bolt", name="Bolt Logistics GmbH", segment="smb", annual_revenue=20_000),
]


def write_csv(path: Path, rows: list[list[object]], header: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_name_that_fits_two_customers_matches_neither() -> None:
    from roadwise.sources.feedback_file import CustomerMatcher

    sisters = [
        Customer(key="B1", name="Beta Ltd", annual_revenue=5),
        Customer(key="B2", name="Beta Inc", annual_revenue=7),
        Customer(key="G", name="Gamma", annual_revenue=1),
    ]
    matcher = CustomerMatcher(sisters)
    assert matcher.match("Beta") is None  # either could be meant: no guess
    assert matcher.match("beta ltd") == "B1" and matcher.match("Beta Inc.") == "B2"
    assert matcher.match("B2") == "B2" and matcher.match("gamma GmbH") == "G"
    assert CustomerMatcher(list(reversed(sisters))).match("Beta") is None


def test_reads_csv_with_mapping_and_matches_customers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "tickets.csv",
        [
            [17, "Export to Excel please", "2026-03-02", "Acme Corp.", 4, "Zendesk"],
            [18, "App crashes on login", "03/14/2026", "bolt logistics", "", "app store"],
            [19, "Who are you?", "2026-03-05T10:00:00Z", "Unknown Ltd", "5", ""],
        ],
        ["ticket", "message", "opened", "org", "stars", "via"],
    )
    mapping = parse_mapping(["text=message,date=opened", "customer=org", "id=ticket"])
    mapping |= parse_mapping(["rating=stars", "source=via"])
    rows = list(read_feedback(path, customers=CUSTOMERS, mapping=mapping))
    assert all(isinstance(r, FeedbackRow) for r in rows)
    first, second, third = (r.feedback for r in rows if isinstance(r, FeedbackRow))
    assert first.key == "FB-17" and first.customer == "acme" and first.rating == 4
    assert first.source == FeedbackSource.SUPPORT
    assert second.customer == "bolt" and second.rating is None
    assert second.source == FeedbackSource.APP_REVIEW
    assert third.customer is None and third.date.isoformat() == "2026-03-05"
    assert isinstance(rows[2], FeedbackRow) and rows[2].unmatched_customer == "Unknown Ltd"


def test_normalised_names_ignore_case_punctuation_and_legal_suffix() -> None:
    assert normalise_name("ACME Corp.") == normalise_name("acme") == "acme"
    assert normalise_name("Bolt Logistics GmbH") == "bolt logistics"


def test_malformed_rows_are_reported_by_number_and_block_the_import(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "reviews.csv",
        [
            ["Great app", "2026-01-01", 5],
            ["", "2026-01-02", 3],  # row 3: no text
            ["Slow sync", "yesterday", 2],  # row 4: bad date
            ["Fine", "2026-01-04", 9],  # row 5: rating out of range
            ["Dark mode please", "2026-01-05", 4],
        ],
        ["comment", "date", "rating"],
    )
    rows = list(read_feedback(path, customers=CUSTOMERS))
    errors = [r for r in rows if isinstance(r, RowError)]
    assert [(e.row, e.field) for e in errors] == [(3, "comment"), (4, "date"), (5, "rating")]
    with pytest.raises(RoadwiseError, match=r"3 malformed row\(s\), nothing was imported: row 3"):
        collect(iter(rows), existing={}, skip_bad_rows=False)
    new, shown, summary = collect(iter(rows), existing={}, skip_bad_rows=True)
    assert [f.text for f in new] == ["Great app", "Dark mode please"]
    assert summary.bad_rows == 3 and summary.imported == 2 and len(shown) == 3


def test_reimport_adds_nothing_and_taken_keys_are_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [["Same text", "2026-01-01"]] * 2, ["text", "date"])
    new, _, summary = collect(read_feedback(path, customers=[]), existing={}, skip_bad_rows=False)
    # Identical rows are both kept (duplicates are grouped later, never dropped here).
    assert len(new) == 2 and new[0].key != new[1].key
    existing = {f.key: f.text for f in new}
    again, _, summary = collect(
        read_feedback(path, customers=[]), existing=existing, skip_bad_rows=False
    )
    assert again == [] and summary.already_present == 2
    with pytest.raises(RoadwiseError, match="already used by different feedback"):
        collect(
            read_feedback(path, customers=[]),
            existing={new[0].key: "another text"},
            skip_bad_rows=False,
        )


def test_json_array_with_trailing_comma_and_jsonl_errors(tmp_path: Path) -> None:
    array = tmp_path / "reviews.json"
    array.write_text(
        '[{"comment": "Love it", "date": "2026-02-01", "rating": 5},\n'
        ' {"comment": "Please add CSV export", "date": "2026-02-02", "title": "Export"}, ]',
        encoding="utf-8",
    )
    rows = list(read_feedback(array, customers=[]))
    texts = [r.feedback.text for r in rows if isinstance(r, FeedbackRow)]
    assert texts == ["Love it", "Export. Please add CSV export"]
    lines = tmp_path / "notes.jsonl"
    lines.write_text(
        json.dumps({"note": "Needs SSO", "date": "2026-02-03"})
        + "\n{broken\n\n"
        + json.dumps({"note": "Wants audit log", "date": "2026-02-04", "rating": 3})
        + "\n",
        encoding="utf-8",
    )
    rows = list(read_feedback(lines, customers=[]))
    assert [type(r).__name__ for r in rows] == ["FeedbackRow", "RowError", "FeedbackRow"]
    assert isinstance(rows[1], RowError) and rows[1].row == 2
    assert isinstance(rows[2], FeedbackRow) and rows[2].feedback.rating == 3


def test_mapping_mistakes_name_the_field(tmp_path: Path) -> None:
    with pytest.raises(RoadwiseError, match="FIELD=COLUMN"):
        parse_mapping(["text"])
    with pytest.raises(RoadwiseError, match="unknown field 'body'"):
        parse_mapping(["body=comment"])
    path = write_csv(tmp_path / "x.csv", [["a"]], ["words"])
    with pytest.raises(RoadwiseError, match="no text column"):
        list(read_feedback(path, customers=[]))
    with pytest.raises(RoadwiseError, match="names column 'comment'"):
        list(read_feedback(path, customers=[], mapping={"text": "comment"}))


def test_streaming_reads_lazily_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    body = "The report page is slow when we filter by region and export the numbers " * 4
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "date", "rating"])
        for i in range(12_000):
            writer.writerow([f"{body} #{i}", "2026-01-01", 1 + i % 5])
    size = path.stat().st_size
    first = list(itertools.islice(read_feedback(path, customers=[]), 3))
    assert [r.row for r in first] == [2, 3, 4]

    tracemalloc.start()
    count = sum(1 for r in read_feedback(path, customers=[]) if isinstance(r, FeedbackRow))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 12_000
    # Holding the rows would take several times the file size; a stream keeps one row and a
    # 64-bit digest per key seen (to catch repeated ids): about 100 bytes a row.
    assert peak < size / 2


def test_misshapen_csv_rows_are_named_for_what_is_wrong(tmp_path: Path) -> None:
    """An unquoted comma is said as such, not as a bad date."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,text,date\n"
        "a1,Exports garble umlauts,2026-01-01\n"
        "a2,Search is slow, really slow,2026-01-02\n"  # row 3: an unquoted comma
        "a3,Padded row,2026-01-03,,\n"  # trailing empty cells are fine
        'a4,"Two\nlines",2026-01-04\n',  # a quoted line break is no quote left open
        encoding="utf-8",
    )
    rows = list(read_feedback(path, customers=[]))
    errors = [r for r in rows if isinstance(r, RowError)]
    assert [e.row for e in errors] == [3]
    assert "the row has 4 cells but the header has 3 columns" in errors[0].message
    assert str(errors[0]).startswith("row 3: ")  # no "field ''"
    assert [r.feedback.text for r in rows if isinstance(r, FeedbackRow)] == [
        "Exports garble umlauts",
        "Padded row",
        "Two\nlines",
    ]


@pytest.mark.parametrize(
    "opened",
    [
        'a3,2026-01-03,"Dark mode please\n',  # in the last column: the row looks whole
        'a3,"Dark mode please,2026-01-03\n',  # in a middle column: the row's date is missing
    ],
)
@pytest.mark.parametrize("skip_bad_rows", [False, True])
def test_a_quote_never_closed_refuses_the_whole_csv(
    tmp_path: Path, opened: str, skip_bad_rows: bool
) -> None:
    """The rows after the quote are read into its cell: none of them can be told apart, so the
    file is refused, naming the row where the quote opens, not imported in part."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,date,text\n"
        "a1,2026-01-01,Exports garble umlauts\n"
        "\n"  # row 3, as a spreadsheet shows it
        "a2,2026-01-02,Search is slow\n"
        f"{opened}"  # row 5
        "a4,2026-01-04,Love the inbox\n"
        "a5,2026-01-05,Please add SSO",  # no line break at the end
        encoding="utf-8",
    )
    with pytest.raises(RoadwiseError) as refused:
        collect(read_feedback(path, customers=[]), existing={}, skip_bad_rows=skip_bad_rows)
    assert str(refused.value).startswith(f"{path}, row 5: a double quote opened in this row is")
    assert "never closed" in str(refused.value) and "nothing was imported" in str(refused.value)
    # The rows before it are read, the row with the quote never is.
    read = []
    with pytest.raises(RoadwiseError):
        for row in read_feedback(path, customers=[]):
            read.append(row.row)
    assert read == [2, 4]


def test_a_quote_never_closed_in_a_large_csv_is_refused_without_reading_it_all(
    tmp_path: Path,
) -> None:
    """The open cell grows with the rest of the file: the stream stops at the longest cell it
    reads (16 Mi characters) rather than hold the file."""
    from roadwise.sources.feedback_file import _CountingReader

    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        handle.write('text,date\nFine,2026-01-01\n"Never closed,2026-01-02\n')
        line = "The report page is slow when we filter by region,2026-01-03\n"
        handle.write(line * (20_000_000 // len(line)))
    size = path.stat().st_size
    with path.open("rb") as raw:
        counter = _CountingReader(raw)
        with pytest.raises(RoadwiseError, match=r"big\.csv, row 3: a cell in this row is longer"):
            list(read_feedback(path, customers=[], stream=counter))  # type: ignore[arg-type]
        assert counter.position < size * 0.95


HEADER = ["id", "text", "date"]


def _dates(rows: list[FeedbackRow | RowError]) -> list[str]:
    return [r.feedback.date.isoformat() for r in rows if isinstance(r, FeedbackRow)]


def test_slash_dates_take_one_order_for_the_whole_file(tmp_path: Path) -> None:
    """03/04/2026 is read in the order the file's other dates show, never cell by cell."""
    us = write_csv(
        tmp_path / "us.csv", [[1, "first", "03/04/2026"], [2, "second", "03/13/2026"]], HEADER
    )
    assert _dates(list(read_feedback(us, customers=[]))) == ["2026-03-04", "2026-03-13"]
    # The deciding date may come after the ambiguous ones: those wait for it, in file order.
    eu = write_csv(
        tmp_path / "eu.csv",
        [[1, "a", "03/04/2026"], [2, "b", "2026-01-01"], [3, "c", "13/03/2026"]],
        HEADER,
    )
    rows = list(read_feedback(eu, customers=[]))
    assert [r.row for r in rows] == [2, 3, 4]
    assert _dates(rows) == ["2026-04-03", "2026-01-01", "2026-03-13"]
    # A date that only the other order reads is a row error naming the row that set the order.
    mixed = write_csv(
        tmp_path / "mixed.csv", [[1, "a", "13/03/2026"], [2, "b", "03/14/2026"]], HEADER
    )
    rows = list(read_feedback(mixed, customers=[]))
    assert isinstance(rows[1], RowError) and (rows[1].row, rows[1].field) == (3, "date")
    assert "'03/14/2026'" in rows[1].message and "row 2" in rows[1].message


def test_ambiguous_slash_dates_are_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "days.csv", [[1, "a", "2026-01-01"], [2, "b", "03/04/2026"]], HEADER
    )
    with pytest.raises(RoadwiseError, match=r"days\.csv.*'03/04/2026' \(row 3\).*YYYY-MM-DD"):
        collect(read_feedback(path, customers=[]), existing={}, skip_bad_rows=True)
    # The same day and month reads alike either way: nothing to choose.
    same = write_csv(tmp_path / "same.csv", [[1, "a", "03/03/2026"]], HEADER)
    assert _dates(list(read_feedback(same, customers=[]))) == ["2026-03-03"]


@pytest.mark.parametrize("rating", ["inf", "-Infinity", "nan", "NaN"])
def test_infinite_or_nan_ratings_are_row_errors(tmp_path: Path, rating: str) -> None:
    path = write_csv(
        tmp_path / "r.csv",
        [[1, "Good app", "2026-03-01", rating], [2, "Fine", "2026-03-02", 4]],
        [*HEADER, "rating"],
    )
    rows = list(read_feedback(path, customers=[]))
    assert isinstance(rows[0], RowError) and (rows[0].row, rows[0].field) == (2, "rating")
    assert "not a whole number of stars from 1 to 5" in rows[0].message
    new, _, summary = collect(iter(rows), existing={}, skip_bad_rows=True)
    assert [f.text for f in new] == ["Fine"] and summary.bad_rows == 1


def test_json_ratings_out_of_float_range_are_row_errors(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text(
        '[{"text": "a", "date": "2026-03-01", "rating": 1e400},'
        ' {"text": "b", "date": "2026-03-01", "rating": NaN},'
        ' {"text": "c", "date": "2026-03-01", "rating": true}]',
        encoding="utf-8",
    )
    rows = list(read_feedback(path, customers=[]))
    assert [(r.row, r.field) for r in rows if isinstance(r, RowError)] == [
        (1, "rating"),
        (2, "rating"),
        (3, "rating"),
    ]


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(tmp_path: Path) -> None:
    """A blank line takes a row, and a cell with a line break keeps its record on one row."""
    path = tmp_path / "gaps.csv"
    path.write_text(
        "id,text,date,rating\n"
        "1,Good app,2026-03-01,5\n"
        "\n"  # row 3
        "2,Bad app,2026-03-02,9\n"  # row 4
        '3,"Two\nlines",2026-03-03,5\n'  # row 5 (a spreadsheet shows it on one row)
        "4,Worse,2026-03-04,0\n",  # row 6
        encoding="utf-8",
    )
    rows = list(read_feedback(path, customers=[]))
    assert [r.row for r in rows] == [2, 4, 5, 6]
    assert [r.row for r in rows if isinstance(r, RowError)] == [4, 6]
    # The items CSV reader counts the same way.
    text = path.read_text(encoding="utf-8")
    assert [i + 1 for i, cells in enumerate(csv_rows(text, "gaps.csv")) if cells][1:] == [
        2,
        4,
        5,
        6,
    ]


def test_cut_off_json_array_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.json"
    path.write_text(
        '[{"id": 1, "text": "one", "date": "2026-03-01"},\n'
        ' {"id": 2, "text": "two", "date": "2026-03-02"},\n',
        encoding="utf-8",
    )
    with pytest.raises(RoadwiseError, match=r"cut\.json: .*line 3, column 1.*'\]'.*record 2"):
        collect(read_feedback(path, customers=[]), existing={}, skip_bad_rows=True)


@pytest.mark.parametrize("at_chunk_end", [False, True])
def test_data_after_the_json_array_is_refused(tmp_path: Path, at_chunk_end: bool) -> None:
    def array(text: str) -> str:
        return json.dumps([{"id": 3, "text": text, "date": "2026-03-01"}])

    # The reader takes 64 KiB at a time: the closing ] may be the last character it has.
    first = array("three" + " " * (65_536 - len(array("three"))) if at_chunk_end else "three")
    assert not at_chunk_end or len(first) == 65_536
    path = tmp_path / "two.json"
    path.write_text(
        first + '\n[{"id": 4, "text": "four", "date": "2026-03-02"}]\n', encoding="utf-8"
    )
    with pytest.raises(RoadwiseError, match=r"two\.json: .*after the array.*line 2, column 1"):
        collect(read_feedback(path, customers=[]), existing={}, skip_bad_rows=True)
    # Spaces and line breaks after the array are fine.
    path.write_text(first + "\n\n  \n", encoding="utf-8")
    assert len(list(read_feedback(path, customers=[]))) == 1


def test_a_broken_json_record_is_refused_without_reading_the_rest(tmp_path: Path) -> None:
    """A record the decoder cannot read is the file's error where it stands: the reader does not
    take the rest of the file into memory first (nor decode it again chunk after chunk)."""
    from roadwise.sources.feedback_file import _CountingReader

    path = tmp_path / "big.json"
    with path.open("w", encoding="utf-8") as handle:
        handle.write('[{"id": "W1", "date": "2026-11-01", "text": "fine"},\n')
        handle.write('{"id": "W2", "date": "2026-11-01", "text": "never closed},\n')
        record = {"id": "X", "date": "2026-11-01", "text": "The report page is slow " * 4}
        handle.write(",\n".join(json.dumps({**record, "id": f"X{i}"}) for i in range(40_000)))
        handle.write("]\n")
    size = path.stat().st_size
    with path.open("rb") as raw:
        counter = _CountingReader(raw)
        with pytest.raises(RoadwiseError) as refused:
            collect(
                read_feedback(path, customers=[], stream=counter),  # type: ignore[arg-type]
                existing={},
                skip_bad_rows=True,
            )
        assert counter.position < size / 10
    # Where, in the file's lines: the line break the string runs into.
    assert str(refused.value).startswith(
        f"{path}: invalid JSON in record 2 (line 2, column 59): Invalid control character"
    )
    # JSON Lines keeps each line apart: the line is a bad row, the next ones are read.
    lines = tmp_path / "tickets.jsonl"
    lines.write_text(
        '{"id": "W1", "date": "2026-11-01", "text": "fine"}\n'
        '{"id": "W2", "date": "2026-11-01", "text": "never closed}\n'
        '{"id": "W3", "date": "2026-11-01", "text": "third"}\n',
        encoding="utf-8",
    )
    rows = list(read_feedback(lines, customers=[]))
    assert [r.row for r in rows if isinstance(r, FeedbackRow)] == [1, 3]
    assert [str(r) for r in rows if isinstance(r, RowError)] == [
        "row 2: invalid JSON at column 58: Invalid control character"
    ]
