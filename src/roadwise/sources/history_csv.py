"""Import delivery history from an issue tracker's CSV export.

Any export with one row per issue works once its columns are mapped to Roadwise's words::

    key=Issue_Key,created=Creation_Date,resolved=Resolution_Date,size=Story_Point,kind=Type

Presets exist for common layouts (``tawos``: the TAWOS Jira research dataset; ``jira``: a Jira
"export CSV (all fields)"). Rows that were never resolved are skipped and counted; a value that
cannot be read stops the import with an error naming the row and the column, so nothing is
half-imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError as PydanticValidationError

from roadwise.domain.model import FIRST_DAY, LAST_DAY, HistoryRecord, ItemKind
from roadwise.errors import RoadwiseError
from roadwise.sources._csv_rows import csv_rows
from roadwise.sources._errors import not_utf8
from roadwise.sources._numbers import NumberError, read_number
from roadwise.sources._time import naive_utc

FIELDS = ("key", "title", "created", "started", "resolved", "size", "kind", "team", "cycle_minutes")
REQUIRED = ("created", "resolved")

PRESETS: dict[str, dict[str, str]] = {
    "tawos": {
        "key": "Issue_Key",
        "created": "Creation_Date",
        "resolved": "Resolution_Date",
        "size": "Story_Point",
        "kind": "Type",
        "cycle_minutes": "In_Progress_Minutes",
    },
    "jira": {
        "key": "Issue key",
        "title": "Summary",
        "created": "Created",
        "resolved": "Resolved",
        "size": "Custom field (Story Points)",
        "kind": "Issue Type",
    },
}

NULLS = frozenset({"", "null", "none", "nan", "n/a", "-"})

_KIND_WORDS: dict[str, ItemKind] = {
    "bug": ItemKind.BUG,
    "defect": ItemKind.BUG,
    "epic": ItemKind.EPIC,
    "feature": ItemKind.FEATURE,
    "new feature": ItemKind.FEATURE,
    "enhancement request": ItemKind.FEATURE,
    "technical task": ItemKind.TECH_DEBT,
    "tech debt": ItemKind.TECH_DEBT,
    "tech_debt": ItemKind.TECH_DEBT,
    "technical debt": ItemKind.TECH_DEBT,
}

_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d",
    "%d/%b/%y %I:%M %p",  # Jira's default export format
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
)


@dataclass(frozen=True)
class ColumnMapping:
    """Which CSV column holds each Roadwise field (None: not present)."""

    columns: Mapping[str, str]
    #: Team of every row when the file has no team column (e.g. the project's name).
    team: str | None = None

    @classmethod
    def parse(cls, text: str, team: str | None = None) -> ColumnMapping:
        """``tawos``, ``jira`` or ``field=Column,field=Column``; a preset may be extended."""
        columns: dict[str, str] = {}
        for part in (p.strip() for p in text.split(",") if p.strip()):
            if "=" not in part:
                if part.lower() not in PRESETS:
                    raise RoadwiseError(
                        f"unknown mapping preset '{part}' (known: {', '.join(PRESETS)}; "
                        "or give field=Column pairs)",
                        field="mapping",
                    )
                columns.update(PRESETS[part.lower()])
                continue
            name, column = (s.strip() for s in part.split("=", 1))
            if name not in FIELDS:
                raise RoadwiseError(
                    f"unknown field '{name}' in the mapping (fields: {', '.join(FIELDS)})",
                    field="mapping",
                )
            columns[name] = column
        return cls(columns, team)


@dataclass
class ImportResult:
    records: list[HistoryRecord]
    rows: int
    skipped_unresolved: int
    warnings: list[str] = field(default_factory=list)


def parse_datetime(text: str) -> dt.datetime:
    value = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"'{text}' is not a date/time (expected e.g. 2024-03-01 14:30:00)"
        ) from None
    return naive_utc(parsed)


def parse_kind(text: str) -> ItemKind:
    word = text.strip().lower()
    if word in _KIND_WORDS:
        return _KIND_WORDS[word]
    try:
        return ItemKind(word)
    except ValueError:
        # Tasks, sub-tasks, improvements...: ordinary work items.
        return ItemKind.STORY


def read_history_csv(
    path: str | Path, mapping: ColumnMapping | str = "tawos", team: str | None = None
) -> ImportResult:
    """Read a CSV export into history records. Row numbers in errors count the header as 1."""
    path = Path(path)
    if isinstance(mapping, str):
        mapping = ColumnMapping.parse(mapping, team=team)
    team = team or mapping.team
    cols = dict(mapping.columns)
    for name in REQUIRED:
        if name not in cols:
            raise RoadwiseError(f"the mapping needs a column for '{name}'", field="mapping")
    try:
        # Read whole, so a file that is not UTF-8 is refused before any row counts.
        content = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RoadwiseError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, str(path), "save it as UTF-8 CSV") from None
    table = csv_rows(content, str(path))
    header = table[0] if table else []
    missing = [c for c in cols.values() if c not in header]
    if missing:
        raise RoadwiseError(
            f"column(s) {', '.join(repr(m) for m in missing)} not in the file's header "
            f"({', '.join(header[:12])}{', ...' if len(header) > 12 else ''})",
            file=str(path),
            line=1,
        )
    records: list[HistoryRecord] = []
    skipped = 0
    rows = 0
    first_row: dict[str, int] = {}
    for row_no, cells in enumerate(table[1:], start=2):
        if not cells:
            continue  # an empty line
        row = dict(zip(header, cells, strict=False))
        rows += 1

        def get(name: str, row: dict[str, str] = row) -> str | None:
            column = cols.get(name)
            if column is None:
                return None
            value = (row.get(column) or "").strip()
            return None if value.lower() in NULLS else value

        def fail(name: str, message: str, row_no: int = row_no) -> RoadwiseError:
            return RoadwiseError(message, file=str(path), row=row_no, field=cols.get(name))

        resolved_text = get("resolved")
        if resolved_text is None:
            skipped += 1
            continue
        values: dict[str, object] = {}
        for name in ("created", "resolved", "started"):
            text = get(name)
            if text is None:
                if name == "created":
                    raise fail(name, "a created date is required")
                continue
            try:
                moment = parse_datetime(text)
            except ValueError as exc:
                raise fail(name, str(exc)) from None
            if not FIRST_DAY <= moment.date() <= LAST_DAY:  # the workspace's own days
                raise fail(name, f"'{text}' is not a date between {FIRST_DAY} and {LAST_DAY}")
            values[name] = moment

        def number(name: str) -> float | None:
            text = get(name)
            if text is None:
                return None
            try:
                # Read as every other import reads a number; neither a size nor minutes in
                # progress is ever negative.
                return read_number(text, at_least=0)
            except NumberError as exc:
                raise fail(name, str(exc)) from None

        size = number("size")
        done = values["resolved"]
        created = values["created"]
        assert isinstance(done, dt.datetime) and isinstance(created, dt.datetime)
        started = values.get("started")
        minutes = number("cycle_minutes")
        if started is None and minutes:
            # In-progress time can exceed the lead time when an issue was reopened; compared
            # first, as a timedelta of 1e300 minutes would overflow.
            if minutes * 60 >= (done - created).total_seconds():
                started = created
            else:
                started = done - dt.timedelta(minutes=minutes)
        key = get("key") or f"row-{row_no}"
        stored = key.replace(" ", "_")
        if stored in first_row:
            # the same issue twice would count twice in throughput
            raise fail("key", f"'{key}' is also in row {first_row[stored]}; keys must be unique")
        first_row[stored] = row_no
        if done < created:
            raise fail("resolved", f"resolved ({done}) is before created ({created}) for {key}")
        if isinstance(started, dt.datetime) and not created <= started <= done:
            # Only a started column can get here: a start from cycle_minutes is clamped above.
            raise fail(
                "started",
                f"started {get('started')} must lie between created {get('created')} and "
                f"resolved {resolved_text} for {key}",
            )
        try:
            records.append(
                HistoryRecord(
                    key=stored,
                    title=get("title") or "",
                    team=get("team") or team,
                    kind=parse_kind(get("kind") or "story"),
                    points=size,
                    created=created,
                    started=started if isinstance(started, dt.datetime) else None,
                    done=done,
                )
            )
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            # A rule across fields (the record's own checks) has no location to name.
            raise RoadwiseError(
                str(first["msg"]).removeprefix("Value error, "),
                file=str(path),
                row=row_no,
                field=str(first["loc"][0]) if first["loc"] else None,
            ) from None
    return ImportResult(records, rows, skipped)
