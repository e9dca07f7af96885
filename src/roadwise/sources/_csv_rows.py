"""CSV rows, refusing the way the ``csv`` module reads a file wrongly without a word: a double
quote that is never closed, which makes the rest of the file one cell. Whole texts are read
into a list (:func:`csv_rows`); a large export is read as a stream (:func:`iter_csv_rows`) with
one row in memory. A cell of any length that fits in the text is read (the module alone stops
at 128 KiB, which an export can exceed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from roadwise.errors import RoadwiseError

# A line no export writes. It is read after the file's last line: it comes back as a row of its
# own unless an unclosed quote has swallowed it into the cell that is still open.
_END = "roadwise:end-of-file"


def csv_rows(text: str, file: str, delimiter: str = ",") -> list[list[str]]:
    """The rows of ``text`` (header included); ``file`` names the file in errors.

    Rows are numbered in errors as a spreadsheet shows them: the header is row 1.
    """
    # The text is in memory already and an unclosed quote is caught, so its own length is
    # bound enough for a cell.
    lines = io.StringIO(text, newline="")
    return list(iter_csv_rows(lines, file, delimiter, cell_limit=len(text) + len(_END) + 2))


def iter_csv_rows(
    lines: Iterable[str], file: str, delimiter: str = ",", *, cell_limit: int
) -> Iterator[list[str]]:
    """The rows of a CSV stream (``lines`` as a text file in ``newline=""`` mode gives them),
    header included, one at a time; ``file`` names the file in errors.

    Each row is given once the next one has been read: the row whose quote is never closed is
    the last one the reader returns, so it is refused before it is given. A cell longer than
    ``cell_limit`` characters is an error (so a quote never closed in a stream costs bounded
    memory). Rows are numbered in errors as a spreadsheet shows them: the header is row 1.
    """
    # The limit is process-wide: only ever raise it, so a reader running beside this one keeps
    # what it set.
    csv.field_size_limit(max(csv.field_size_limit(), cell_limit))
    # Each string the reader is given ends a record unless a quoted cell is open, so the end
    # line needs no line break before it even when the file's last line has none.
    reader = csv.reader(_ending(lines), delimiter=delimiter)
    count = 0
    held: list[str] | None = None
    try:
        for row in reader:
            if held is not None:
                yield held
            held = row
            count += 1
    except csv.Error as exc:
        if str(exc).startswith("field larger than field limit"):
            raise RoadwiseError(
                f"a cell in this row is longer than {csv.field_size_limit():,} characters; "
                "is a double quote opened in it never closed? Close or remove the quote",
                file=file,
                row=count + 1,
            ) from None
        raise RoadwiseError(f"not a valid CSV file: {exc}", file=file, row=count + 1) from None
    if held != [_END]:
        raise RoadwiseError(
            "a double quote opened in this row is never closed, so the rest of the file would "
            "be read as one cell; close or remove the quote",
            file=file,
            row=count,
        )


def _ending(lines: Iterable[str]) -> Iterator[str]:
    yield from lines
    yield f"{_END}\n"
