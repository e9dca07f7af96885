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


def test_reads_csv_with_mapping_and_matches_customers(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "tickets.csv",
        [
            [17, "Export to Excel please", "2026-03-02", "Acme Corp.", 4, "Zendesk"],
            [18, "App crashes on login", "03/04/2026", "bolt logistics", "", "app store"],
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
    """An unquoted comma and a quote never closed are said as such, not as a bad date."""
    path = tmp_path / "tickets.csv"
    path.write_text(
        "id,text,date\n"
        "a1,Exports garble umlauts,2026-01-01\n"
        "a2,Search is slow, really slow,2026-01-02\n"  # row 3: an unquoted comma
        "a3,Padded row,2026-01-03,,\n"  # trailing empty cells are fine
        'a4,"Dark mode please,2026-01-04\n'  # row 5: the quote is never closed...
        "a5,Love the inbox,2026-01-05\n",  # ...and swallows this row
        encoding="utf-8",
    )
    rows = list(read_feedback(path, customers=[]))
    errors = [r for r in rows if isinstance(r, RowError)]
    assert [e.row for e in errors] == [3, 5]
    assert "the row has 4 cells but the header has 3 columns" in errors[0].message
    assert str(errors[0]).startswith("row 3: ")  # no "field ''"
    assert "double quote opened in this row is never closed" in errors[1].message
    assert [r.feedback.text for r in rows if isinstance(r, FeedbackRow)] == [
        "Exports garble umlauts",
        "Padded row",
    ]
