"""Whole CSV texts read into rows, refusing the way the ``csv`` module reads a file wrongly without
a word: a double quote that is never closed. A cell of any length that fits in the text is read
(the module alone stops at 128 KiB, which an export can exceed)."""

from __future__ import annotations

import csv
import io

from roadwise.errors import RoadwiseError

# A line no export writes. It is appended to the text before reading: it comes back as a row of
# its own unless an unclosed quote has swallowed it into the cell that is still open.
_END = "roadwise:end-of-file"


def csv_rows(text: str, file: str, delimiter: str = ",") -> list[list[str]]:
    """The rows of ``text`` (header included); ``file`` names the file in errors.

    Rows are numbered in errors as a spreadsheet shows them: the header is row 1.
    """
    ending = "" if not text or text.endswith(("\n", "\r")) else "\n"
    # The limit guards a reader of a stream against a cell without end; this text is in memory
    # already and an unclosed quote is caught below, so the text's own length is bound enough.
    # The limit is process-wide: only ever raise it, so a reader running beside this one keeps
    # what it set.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + len(_END) + 2))
    reader = csv.reader(io.StringIO(f"{text}{ending}{_END}\n", newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        raise RoadwiseError(f"not a valid CSV file: {exc}", file=file, row=len(rows) + 1) from None
    if rows and rows[-1] == [_END]:
        rows.pop()
        return rows
    raise RoadwiseError(
        "a double quote opened in this row is never closed, so the rest of the file would be "
        "read as one cell; close or remove the quote",
        file=file,
        row=len(rows),
    )
