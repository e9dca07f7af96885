"""Feedback exports (support tickets, app-store reviews, survey answers, sales notes) from CSV,
JSON or JSON Lines, read as a stream.

Rows are read one at a time (a generator), so a file of a million rows needs memory for one row,
not for the file. A column mapping says which column holds the text, date, customer, source,
rating and id; without one, common names are recognised (``comment``, ``body``, ``created_at``,
``account``, ``stars`` ...). Customers are matched to the workspace's customers by key, then by
name, then by a normalised name ("ACME Corp." = "Acme"). A malformed row becomes a
:class:`RowError` naming its row and field; the caller decides whether to stop or skip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from pydantic import ValidationError as PydanticValidationError

from roadwise.domain import Customer, Feedback, FeedbackSource
from roadwise.errors import RoadwiseError
from roadwise.sources._csv_rows import iter_csv_rows

FIELDS: tuple[str, ...] = ("text", "date", "customer", "source", "rating", "id")

COMMON_COLUMNS: dict[str, tuple[str, ...]] = {
    "text": (
        "text",
        "comment",
        "body",
        "message",
        "review",
        "feedback",
        "content",
        "answer",
        "note",
        "notes",
        "description",
    ),
    "title": ("title", "subject", "summary"),
    "date": ("date", "created_at", "created", "timestamp", "submitted_at", "submitted", "time"),
    "customer": (
        "customer",
        "account",
        "company",
        "customer_name",
        "organization",
        "organisation",
        "client",
    ),
    "source": ("source", "channel", "origin"),
    "rating": ("rating", "stars", "star_rating", "score"),
    "id": ("id", "key", "ticket_id", "review_id", "reviewid", "number"),
}

_SOURCE_WORDS: dict[str, FeedbackSource] = {
    "support": FeedbackSource.SUPPORT,
    "ticket": FeedbackSource.SUPPORT,
    "zendesk": FeedbackSource.SUPPORT,
    "intercom": FeedbackSource.SUPPORT,
    "email": FeedbackSource.SUPPORT,
    "app_review": FeedbackSource.APP_REVIEW,
    "review": FeedbackSource.APP_REVIEW,
    "app store": FeedbackSource.APP_REVIEW,
    "appstore": FeedbackSource.APP_REVIEW,
    "play store": FeedbackSource.APP_REVIEW,
    "playstore": FeedbackSource.APP_REVIEW,
    "survey": FeedbackSource.SURVEY,
    "nps": FeedbackSource.SURVEY,
    "sales": FeedbackSource.SALES,
    "crm": FeedbackSource.SALES,
    "community": FeedbackSource.COMMUNITY,
    "forum": FeedbackSource.COMMUNITY,
    "github": FeedbackSource.COMMUNITY,
    "interview": FeedbackSource.INTERVIEW,
}
# 03/04/2026 is 3 April in Europe and March 4 in the US: one order holds for a whole file
# (see _SlashOrder), never chosen cell by cell. Dots are day first everywhere.
_SLASH_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")
_SLASH_ORDERS = {
    "%d/%m/%Y": "with the day first (DD/MM/YYYY)",
    "%m/%d/%Y": "with the month first (MM/DD/YYYY)",
}
_DATE_FORMATS = ("%d.%m.%Y", "%b %d, %Y", "%d %b %Y", "%B %d, %Y")
_KEY_UNSAFE = re.compile(r"[\s,;]+")
_KEY_LENGTH = 100  # the workspace's longest key
# The longest CSV cell or JSON record read: a quote never closed makes the rest of the file one
# cell, and a stream must refuse it before it holds a large file in memory.
_CELL_LIMIT = 1 << 24
# The longest JSON token a chunk's end can cut before the decoder says where it starts
# ("-Infinity", an escape "\\uD83D"), with room to spare.
_JSON_TOKEN = 16
_COMPANY_SUFFIX = re.compile(
    r"\b(inc|incorporated|ltd|limited|llc|gmbh|ag|sa|sas|bv|plc|corp|corporation|co|company)\b"
)


@dataclass(frozen=True)
class RowError:
    """A row that could not be read: its number in the file, the field and what was wrong."""

    row: int
    field: str
    message: str

    def __str__(self) -> str:
        if not self.field:  # a problem of the whole row (its shape, its JSON)
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, field '{self.field}': {self.message}"


@dataclass(frozen=True)
class FeedbackRow:
    """A row read as feedback; ``unmatched_customer`` is a customer name no customer matched."""

    row: int
    feedback: Feedback
    unmatched_customer: str | None = None


def parse_mapping(specs: Iterable[str] | None) -> dict[str, str]:
    """``["text=comment", "date=created_at,rating=stars"]`` to ``{"text": "comment", ...}``."""
    mapping: dict[str, str] = {}
    for spec in specs or []:
        for part in spec.split(","):
            if not part.strip():
                continue
            field, sep, column = part.partition("=")
            field = field.strip().lower()
            if not sep or not column.strip():
                raise RoadwiseError(
                    f"mapping '{part}' must look like FIELD=COLUMN (e.g. text=comment)",
                    field="--mapping",
                )
            if field not in (*FIELDS, "title"):
                raise RoadwiseError(
                    f"unknown field '{field}' in the mapping; use one of "
                    f"{', '.join((*FIELDS, 'title'))}",
                    field="--mapping",
                )
            mapping[field] = column.strip()
    return mapping


def normalise_name(name: str) -> str:
    """A company name without case, punctuation or legal suffix: "ACME Corp." -> "acme"."""
    text = re.sub(r"[^\w\s]", " ", name.casefold())
    return " ".join(_COMPANY_SUFFIX.sub(" ", text).split())


class CustomerMatcher:
    """Finds a workspace customer by key, exact name, then normalised name."""

    def __init__(self, customers: Sequence[Customer]) -> None:
        self._by_key = {c.key: c.key for c in customers}
        self._by_key_folded = _unique_by(customers, lambda c: c.key.casefold())
        self._by_name = _unique_by(customers, lambda c: c.name.casefold().strip())
        self._by_plain = _unique_by(customers, lambda c: _plain_name(c.name))
        self._by_normal = _unique_by(customers, lambda c: normalise_name(c.name))

    def match(self, value: str) -> str | None:
        """The customer ``value`` names; None when it names none, or more than one ("Beta"
        for "Beta Ltd" and "Beta Inc"): a guess would put one company's revenue on the other's
        demand, so the row is counted as not matched instead."""
        value = value.strip()
        if not value:
            return None
        for found in (
            self._by_key.get(value),
            self._by_key_folded.get(value.casefold()),
            self._by_name.get(value.casefold()),
            self._by_plain.get(_plain_name(value)),  # "Beta Inc." is Beta Inc, not any Beta
            self._by_normal.get(normalise_name(value)),
        ):
            if found is not None:
                return found or None  # "" marks a name that fits several customers
        return None


def _plain_name(name: str) -> str:
    """A name without case or punctuation, its legal suffix kept: "Beta Inc." -> "beta inc"."""
    return " ".join(re.sub(r"[^\w\s]", " ", name.casefold()).split())


def _unique_by(customers: Sequence[Customer], name: Callable[[Customer], str]) -> dict[str, str]:
    """Customer key by ``name``; a name two customers share maps to "" (ambiguous)."""
    found: dict[str, str] = {}
    for c in customers:
        key = name(c)
        found[key] = "" if key in found and found[key] != c.key else c.key
    return found


@dataclass(frozen=True)
class _SlashOrder:
    """The order of a file's slash dates, and the date that showed it (for errors)."""

    fmt: str
    row: int
    sample: str


def _slash_readings(value: Any) -> dict[str, dt.date]:
    """The dates a slash date like 03/04/2026 can be, by format; empty for any other value."""
    text = "" if value is None or isinstance(value, dt.date) else str(value).strip()
    readings: dict[str, dt.date] = {}
    if _SLASH_DATE.fullmatch(text):
        for fmt in _SLASH_ORDERS:
            try:
                readings[fmt] = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    return readings


def parse_date(value: Any, slash: _SlashOrder | None = None) -> dt.date:
    """``value`` as a date; a slash date is read in the file's order ``slash``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        raise ValueError("is empty")
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    readings = _slash_readings(text)
    if slash is not None and readings:
        if slash.fmt in readings:
            return readings[slash.fmt]
        raise ValueError(
            f"'{text}' does not read as a date {_SLASH_ORDERS[slash.fmt]}, which is how this "
            f"file writes dates (row {slash.row}: '{slash.sample}'); correct it, or write the "
            "dates as YYYY-MM-DD"
        )
    if len(set(readings.values())) == 1:  # one order only, or the same day and month
        return next(iter(readings.values()))
    if readings:
        day_first, month_first = readings.values()
        raise ValueError(
            f"'{text}' may be {day_first} or {month_first}; write the dates as YYYY-MM-DD"
        )
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (expected e.g. 2026-03-31)")


def parse_rating(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):  # JSON true is not one star
        raise ValueError(f"{str(value).lower()} is not a number (expected 1 to 5 stars)")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"'{value}' is not a number (expected 1 to 5 stars)") from None
    # inf and nan ("inf", "NaN", JSON's 1e400) are floats too, but int() of them raises
    if not math.isfinite(number) or number != int(number) or not 1 <= number <= 5:
        raise ValueError(f"{value} is not a whole number of stars from 1 to 5")
    return int(number)


def parse_source(value: Any, default: FeedbackSource) -> FeedbackSource:
    if value is None or not str(value).strip():
        return default
    text = str(value).strip().casefold().replace("-", "_")
    try:
        return FeedbackSource(text)
    except ValueError:
        for word, source in _SOURCE_WORDS.items():
            if word in text.replace("_", " ") or word == text:
                return source
    return FeedbackSource.OTHER


class _CountingReader(io.RawIOBase):
    """Wraps a binary file to count bytes read, for a progress bar."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.position += n
        return n


def detect_format(path: Path) -> str:
    suffix = path.suffix.casefold()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    raise RoadwiseError(
        "unknown feedback file type; expected .csv, .tsv, .json, .jsonl or .ndjson",
        file=str(path),
    )


def _iter_json_array(stream: IO[str], path: Path) -> Iterator[tuple[int, Any]]:
    """Objects of a top-level JSON array, one at a time (a trailing comma is tolerated).

    An array that is never closed (an export cut off) and anything but white space after it
    (a second array) are errors: either would otherwise import part of the file silently.
    """
    decoder = json.JSONDecoder()
    buffer = ""
    position = 0
    started = False
    closed = False
    number = 0
    eof = False
    # Where the buffer starts in the file, for errors: line breaks in the text already
    # dropped from it, and the characters after the last of them.
    lines_before = 0
    column_before = 0

    def fill() -> bool:
        nonlocal buffer, position, eof, lines_before, column_before
        chunk = stream.read(1 << 16)
        if not chunk:
            eof = True
            return False
        dropped = buffer[:position]
        breaks = dropped.count("\n")
        lines_before += breaks
        column_before = (
            len(dropped) - dropped.rfind("\n") - 1 if breaks else column_before + len(dropped)
        )
        buffer = buffer[position:] + chunk
        position = 0
        return True

    def where(at: int | None = None) -> str:
        at = position if at is None else at
        head = buffer[:at]
        breaks = head.count("\n")
        column = at - head.rfind("\n") if breaks else column_before + at + 1
        return f"line {lines_before + breaks + 1}, column {column}"

    while True:
        # Commas only between records: after the array nothing but white space may follow.
        skipped = " \t\r\n" if closed else " \t\r\n,"
        while position < len(buffer) and buffer[position] in skipped:
            position += 1
        if position >= len(buffer):
            if not fill():
                break
            continue
        char = buffer[position]
        if closed:
            raise RoadwiseError(
                f"more data after the array's closing ']' ({where()}); a .json file holds one "
                "array of objects: merge the arrays into one, or use .jsonl for one object per "
                "line (nothing was imported)",
                file=str(path),
            )
        if not started:
            if char != "[":
                raise RoadwiseError(
                    "a .json feedback file must hold an array of objects ([{...}, ...]); "
                    "use .jsonl for one object per line",
                    file=str(path),
                )
            started = True
            position += 1
            continue
        if char == "]":
            closed = True
            position += 1
            continue
        try:
            value, end = decoder.raw_decode(buffer, position)
        except json.JSONDecodeError as exc:
            # Only a record the chunk cut off can be mended by reading on: the error is then at
            # the end of the text read (a literal, number or escape that goes on) or in a string
            # not closed yet. Any other error is the file's, and reading on would take the rest
            # of the file into memory to say so.
            unclosed = exc.msg.startswith("Unterminated string")
            cut = unclosed or exc.pos >= len(buffer) - _JSON_TOKEN
            if cut and len(buffer) - position <= _CELL_LIMIT and not eof and fill():
                continue
            problem = _json_problem(exc)
            if unclosed:
                problem = (
                    "a double quote opened here is never closed"
                    if eof
                    else f"a string goes on for over {_CELL_LIMIT:,} characters; is a double "
                    "quote opened here never closed?"
                )
            raise RoadwiseError(
                f"invalid JSON in record {number + 1} ({where(exc.pos)}): {problem} "
                "(nothing was imported)",
                file=str(path),
            ) from None
        if end == len(buffer) and not eof and fill():
            # A number or literal may continue in the next chunk: decode again with more text.
            continue
        number += 1
        position = end
        yield number, value
    if not started:
        raise RoadwiseError("the file is empty; expected a JSON array", file=str(path))
    if not closed:
        raise RoadwiseError(
            f"the file ends ({where()}) before the ']' that closes the array"
            f"{f', after record {number}' if number else ''}; was the export cut off? "
            "(nothing was imported)",
            file=str(path),
        )


def _json_problem(exc: json.JSONDecodeError) -> str:
    """The decoder's message without its dangling "at" (the position is said apart)."""
    return exc.msg.removesuffix(" at").removesuffix(" starting")


def iter_records(path: Path, stream: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """(row number, record) pairs; CSV rows are numbered as a spreadsheet shows them (header 1)."""
    fmt = detect_format(path)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    if fmt == "csv":
        header = text.readline()
        tabs = path.suffix.casefold() == ".tsv" or header.count("\t") > header.count(",")
        reader = iter_csv_rows(
            itertools.chain([header], text),
            str(path),
            "\t" if tabs else ",",
            cell_limit=_CELL_LIMIT,
        )
        # Numbered as a spreadsheet shows them, and as the items CSV reader counts: one row per
        # record (a cell with a line break does not add rows) and per blank line, which the
        # reader gives as [] (csv.DictReader drops those without counting them).
        number = 0
        names: list[str] = []
        try:
            for cells in reader:
                number += 1
                if not cells:
                    continue
                if not names:  # the header is the first line with cells; blank lines count
                    names = cells
                    continue
                record: dict[Any, Any] = dict(zip(names, cells, strict=False))
                # DictReader's shape: extra cells under None, missing ones None (_misshapen)
                if len(cells) > len(names):
                    record[None] = cells[len(names) :]
                for name in names[len(cells) :]:
                    record[name] = None
                yield number, _misshapen(number, record, len(names)) or record
        except RoadwiseError as exc:
            # Not a row to skip: after a quote never closed no row can be told from the next,
            # so --skip-bad-rows would import only the rows before it.
            raise RoadwiseError(
                f"{exc.message} (nothing was imported, even with --skip-bad-rows)",
                file=exc.file,
                row=exc.row,
            ) from None
    elif fmt == "jsonl":
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as exc:
                yield (
                    number,
                    RowError(
                        number, "", f"invalid JSON at column {exc.colno}: {_json_problem(exc)}"
                    ),
                )
    else:
        yield from _iter_json_array(text, path)


def _misshapen(number: int, record: dict[Any, Any], columns: int) -> RowError | None:
    """A CSV row whose cells do not line up with the header, said in the file's terms.

    The csv reader keeps going: extra cells land under no column (a comma in an unquoted text
    shifts every cell after it), which would otherwise show up as a puzzling error about some
    later column, or not at all. (A double quote never closed is refused by
    :func:`iter_csv_rows` for the whole file: the rows after it cannot be told apart.)
    """
    extra = record.get(None) or []
    # Trailing empty cells ("a,b,c,,") are harmless: some exports pad every row.
    if any(str(cell).strip() for cell in extra):
        return RowError(
            number,
            "",
            f"the row has {columns + len(extra)} cells but the header has {columns} columns; "
            "a text with a comma must be in double quotes",
        )
    return None


def resolve_columns(
    columns: Iterable[str], mapping: Mapping[str, str], *, strict: bool = True
) -> dict[str, str]:
    """Which column holds each field: the mapping first, then a common name.

    ``strict`` (a CSV header) makes a mapped column that is absent an error; JSON records may
    each leave fields out, so there the mapping is taken as given.
    """
    available = list(columns)
    folded = {c.casefold().strip(): c for c in available}
    resolved: dict[str, str] = {}
    for field in (*FIELDS, "title"):
        if field in mapping:
            if strict and mapping[field] not in available:
                raise RoadwiseError(
                    f"the mapping names column '{mapping[field]}' for {field}, but the file's "
                    f"columns are: {', '.join(available)}",
                    field=field,
                )
            resolved[field] = mapping[field]
            continue
        for name in COMMON_COLUMNS[field]:
            if name in folded:
                resolved[field] = folded[name]
                break
    if "text" not in resolved and strict:
        raise RoadwiseError(
            "no text column found; name it with --mapping text=COLUMN (columns: "
            f"{', '.join(available)})",
            field="text",
        )
    return resolved


def read_feedback(
    path: str | Path,
    *,
    customers: Sequence[Customer],
    mapping: Mapping[str, str] | None = None,
    default_source: FeedbackSource = FeedbackSource.OTHER,
    default_date: dt.date | None = None,
    key_prefix: str = "FB",
    stream: IO[bytes] | None = None,
) -> Iterator[FeedbackRow | RowError]:
    """Read a feedback export row by row, yielding feedback or the row's error.

    Slash dates (03/04/2026) are read in one order for the whole file: the order the first date
    that only one order reads (03/13/2026) shows. Rows from the first date that reads both ways
    are held back until then, so memory then grows with the rows between the two; a file where
    no date tells the order is refused, since either reading would be a guess.
    """
    path = Path(path)
    matcher = CustomerMatcher(customers)
    mapping = dict(mapping or {})
    own = stream is None
    handle: IO[bytes] = stream if stream is not None else _open(path)
    try:
        columns: dict[str, str] | None = None
        is_csv = detect_format(path) == "csv"
        # Keys seen so far, as 64-bit digests: a million rows cost tens of MB, not the texts.
        seen_keys: dict[int, int] = {}
        slash: _SlashOrder | None = None
        ambiguous: tuple[int, str] | None = None  # the first slash date that reads both ways
        held: list[tuple[int, Any, dict[str, str]]] = []

        def result(number: int, record: Any, columns: dict[str, str]) -> FeedbackRow | RowError:
            if isinstance(record, RowError):
                return record
            if not isinstance(record, dict):
                return RowError(number, "", "expected an object with named fields")
            return _row(
                number,
                record,
                columns,
                matcher,
                default_source,
                default_date,
                key_prefix,
                seen_keys,
                slash,
            )

        for number, record in _decoded(path, iter_records(path, handle)):
            if isinstance(record, dict):
                if columns is None or not is_csv:
                    # A CSV header holds for every row; JSON records may differ from one another.
                    columns = resolve_columns(record.keys(), mapping, strict=is_csv)
                if slash is None and "date" in columns:
                    raw = record.get(columns["date"])
                    readings = _slash_readings(raw)
                    if len(readings) == 1:
                        slash = _SlashOrder(next(iter(readings)), number, str(raw).strip())
                    elif len(set(readings.values())) == 2 and ambiguous is None:
                        ambiguous = (number, str(raw).strip())
            entry = (number, record, columns or {})
            if slash is None and ambiguous is not None:
                held.append(entry)
                continue
            # Held rows first: keys and "also in row" errors then follow the file's order.
            for waiting in (*held, entry):
                yield result(*waiting)
            held.clear()
        if held and ambiguous is not None:
            row, sample = ambiguous
            day_first, month_first = _slash_readings(sample).values()
            raise RoadwiseError(
                f"'{sample}' (row {row}) may be {day_first} or {month_first}, and no date in "
                "the file has a day over 12 to tell whether the dates are day or month first; "
                "write the dates as YYYY-MM-DD (nothing was imported)",
                file=str(path),
            )
    finally:
        if own:
            handle.close()


def _decoded(path: Path, records: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    """``records`` as they come; bytes that are not UTF-8 stop the file with where they are
    (a whole file in Latin-1 or UTF-16 is not a row to skip)."""
    last = 1  # the header
    try:
        for number, record in records:
            last = number
            yield number, record
    except UnicodeDecodeError as exc:
        raise RoadwiseError(
            f"not UTF-8 text ({exc.reason}) after row {last}; save the export as UTF-8 "
            "(nothing was imported)",
            file=str(path),
        ) from None


def _open(path: Path) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise RoadwiseError(f"cannot open the file: {exc.strerror}", file=str(path)) from None


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def _row(
    number: int,
    record: Mapping[str, Any],
    columns: Mapping[str, str],
    matcher: CustomerMatcher,
    default_source: FeedbackSource,
    default_date: dt.date | None,
    key_prefix: str,
    seen_keys: dict[int, int],
    slash: _SlashOrder | None = None,
) -> FeedbackRow | RowError:
    def value(field: str) -> Any:
        column = columns.get(field)
        return record.get(column) if column is not None else None

    body = value("text")
    body = "" if body is None else str(body).strip()
    title = value("title")
    if title is not None and str(title).strip() and str(title).strip() not in body:
        body = f"{str(title).strip()}. {body}".strip(". ") if body else str(title).strip()
    if not body:
        return RowError(number, columns.get("text", "text"), "the text is empty")
    raw_date = value("date")
    if raw_date is None or not str(raw_date).strip():
        if default_date is None:
            return RowError(
                number,
                columns.get("date", "date"),
                "no date (pass --default-date for exports without dates)",
            )
        date = default_date
    else:
        try:
            date = parse_date(raw_date, slash)
        except ValueError as exc:
            return RowError(number, columns.get("date", "date"), str(exc))
    try:
        rating = parse_rating(value("rating"))
    except ValueError as exc:
        return RowError(number, columns.get("rating", "rating"), str(exc))
    raw_customer = value("customer")
    customer_name = str(raw_customer).strip() if raw_customer is not None else ""
    raw_id = value("id")
    if raw_id is not None and str(raw_id).strip():
        ident = _KEY_UNSAFE.sub("_", str(raw_id).strip())
        key = f"{key_prefix}-{ident}"
        if len(key) > _KEY_LENGTH:
            # cut to fit, with a digest of the whole id so ids alike up to the cut stay
            # apart (and the same id gets the same key on every import)
            digest = hashlib.sha1(str(raw_id).strip().encode()).hexdigest()[:12]
            key = f"{key[: _KEY_LENGTH - len(digest) - 1]}-{digest}"
        seen = _digest(key)
        if seen in seen_keys:
            also = (
                ""
                if ident == str(raw_id).strip()
                else " (ids that differ only in spaces, commas or semicolons count as one)"
            )
            return RowError(
                number,
                columns.get("id", "id"),
                f"id '{raw_id}' is also in row {seen_keys[seen]}{also}",
            )
        seen_keys[seen] = number
    else:
        # No id column: a key from the content, so importing the same file again adds nothing,
        # and identical rows (duplicates are kept, not dropped) get -2, -3 ...
        digest = hashlib.sha1(f"{body}|{date}|{customer_name}".encode()).hexdigest()[:12]
        key = f"{key_prefix}-{digest}"
        seen = _digest(key)
        seen_keys[seen] = seen_keys.get(seen, 0) + 1
        if seen_keys[seen] > 1:
            key = f"{key}-{seen_keys[seen]}"
    customer = matcher.match(customer_name) if customer_name else None
    try:
        feedback = Feedback(
            key=key,
            text=body,
            source=parse_source(value("source"), default_source),
            customer=customer,
            date=date,
            rating=rating,
        )
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        return RowError(number, ".".join(str(p) for p in first["loc"]), str(first["msg"]))
    return FeedbackRow(number, feedback, customer_name if customer_name and not customer else None)


@dataclass
class ImportSummary:
    """What an import did: nothing is dropped without being counted here."""

    rows: int = 0
    imported: int = 0
    already_present: int = 0
    bad_rows: int = 0
    unmatched_customers: int = 0


def collect(
    rows: Iterable[FeedbackRow | RowError],
    *,
    existing: Mapping[str, str],
    skip_bad_rows: bool,
    errors_shown: int = 20,
    file: str | None = None,
) -> tuple[list[Feedback], list[RowError], ImportSummary]:
    """Gather a stream into new feedback; every error is counted (the first few are kept).

    ``existing`` maps the workspace's feedback keys to their texts: a row already imported is
    counted and skipped; a different text under a taken key is an error.

    Raises :class:`RoadwiseError` when there are bad rows and ``skip_bad_rows`` is false, so
    nothing is written from a half-good file unless the person asked for it.
    """
    summary = ImportSummary()
    errors: list[RowError] = []
    new: list[Feedback] = []
    for item in rows:
        summary.rows += 1
        if isinstance(item, RowError):
            summary.bad_rows += 1
            if len(errors) < errors_shown:
                errors.append(item)
            continue
        known_text = existing.get(item.feedback.key)
        if known_text is not None:
            if known_text == item.feedback.text:
                summary.already_present += 1
                continue
            # Same key, different text: another source's ids overlap with this file's.
            summary.bad_rows += 1
            if len(errors) < errors_shown:
                errors.append(
                    RowError(
                        item.row,
                        "id",
                        f"key '{item.feedback.key}' is already used by different feedback; "
                        "pass --prefix to keep this source's keys apart",
                    )
                )
            continue
        if item.unmatched_customer:
            summary.unmatched_customers += 1
        if not errors or skip_bad_rows:
            new.append(item.feedback)
    if summary.bad_rows and not skip_bad_rows:
        listed = "; ".join(str(e) for e in errors[:5])
        more = f" (and {summary.bad_rows - 5} more)" if summary.bad_rows > 5 else ""
        raise RoadwiseError(
            f"{summary.bad_rows} malformed row(s), nothing was imported: {listed}{more}. "
            "Fix them, or pass --skip-bad-rows to import the rest",
            file=file,
        )
    summary.imported = len(new)
    return new, errors, summary
