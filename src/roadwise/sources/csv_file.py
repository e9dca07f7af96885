"""Backlog items to and from CSV (a spreadsheet, a Jira or Linear export).

One row per item. Roadwise's own column names are the item's field names (``key``, ``title``,
``status``, ``estimate_low`` …, see :data:`COLUMNS`); any other layout is read through a
column mapping (user column -> item field), e.g. ``{"Issue key": "key", "Summary": "title",
"Story Points": "estimate"}``.

Cell formats: lists are ``;``-separated (``api;ui``); a dependency is ``KEY`` or ``KEY:LAG_DAYS``
(a whole number of days); an objective link is ``OBJ`` or ``OBJ:CONTRIBUTION`` (a key holding
``:`` is always written with its lag or contribution, ``X:5:0``, so it is told apart from ``X``
with lag 5); a value input is a number or a range ``low/likely/high`` (optionally followed by a
distribution: ``2/3/8 triangular``); ``estimate`` is a number or ``low/likely/high``; numbers may
carry thousands separators where their place tells them from the decimal one (``1,234.5``,
``1.234,5``); dates and times are ISO 8601. An empty cell means "not set".

Problems are reported with the file, the row (the header is row 1, as in a spreadsheet) and the
column; an import either applies every row or none.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as replace_row
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError as PydanticValidationError

from roadwise.domain import Item, Range, Workspace
from roadwise.errors import RoadwiseError
from roadwise.sources._csv_rows import csv_rows
from roadwise.sources._errors import (
    error_message,
    error_path,
    first_error,
    not_utf8,
    pick_error,
    removed_items_error,
    stored_field,
)
from roadwise.sources._numbers import NumberError, read_number
from roadwise.sources._time import naive_utc

VALUE_FIELDS = (
    "reach",
    "impact",
    "confidence",
    "ease",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "cost_of_delay",
)

COLUMNS = (
    "key",
    "title",
    "description",
    "kind",
    "status",
    "parent",
    "team",
    "assignee",
    "theme",
    "release",
    "estimate_low",
    "estimate_likely",
    "estimate_high",
    "estimate_unit",
    *VALUE_FIELDS,
    "kano",
    "moscow",
    "technical_risk",
    "dependencies",
    "deadline",
    "deadline_hard",
    "deadline_reason",
    "skills",
    "objectives",
    "tags",
    "customers",
    "created",
    "started",
    "done",
    "source_system",
    "source_key",
    "source_url",
)
"""The columns Roadwise writes, in order; also the field names a mapping may point at."""

EXTRA_TARGETS = ("estimate",)
"""Mapping targets that are not written: ``estimate`` (one number or ``low/likely/high``)."""

_TARGETS = frozenset(COLUMNS) | frozenset(EXTRA_TARGETS)
_IGNORE = frozenset({"", "-", "ignore"})
# Free text is kept exactly as written (spaces included); every other cell is trimmed.
_TEXT = frozenset({"title", "description", "deadline_reason"})

# Words trackers use for statuses and kinds, in Roadwise's words.
_STATUS_WORDS = {
    "backlog": "idea",
    "open": "idea",
    "new": "idea",
    "to_do": "ready",
    "todo": "ready",
    "selected_for_development": "ready",
    "in_review": "in_progress",
    "review": "in_progress",
    "doing": "in_progress",
    "closed": "done",
    "resolved": "done",
    "released": "launched",
    "cancelled": "dropped",
    "canceled": "dropped",
    "won't_do": "dropped",
    "wont_do": "dropped",
}
_KIND_WORDS = {
    "task": "story",
    "sub_task": "story",
    "subtask": "story",
    "user_story": "story",
    "defect": "bug",
    "initiative": "epic",
    "techdebt": "tech_debt",
    "technical_debt": "tech_debt",
}
_TRUE = frozenset({"true", "yes", "y", "1", "hard", "x"})
_FALSE = frozenset({"false", "no", "n", "0", "soft", ""})


def _word(text: str) -> str:
    return text.strip().lower().replace(" ", "_").replace("-", "_")


# --------------------------------------------------------------------------- mapping


def parse_mapping(
    spec: str | Path | Mapping[str, str] | None, *, columns: Sequence[str] | None = None
) -> dict[str, str]:
    """A column mapping (user column -> item field) from a dict, a YAML/JSON file or text.

    Text is ``Column=field`` pairs separated by commas. Pairs written the other way round
    (``field=Column``, as ``roadwise history import`` takes them) are understood too; where
    both sides name an item field (``status=Status``), the file's ``columns``, when given,
    decide: the reading under which the column is in the file wins, else ``Column=field``.
    Mapping a column to ``-`` ignores it.
    """
    if spec is None:
        return {}
    if isinstance(spec, Mapping):
        pairs = [(str(k), "" if v is None else str(v)) for k, v in spec.items()]
        where = "mapping"
    elif Path(str(spec)).is_file():
        where = str(spec)
        try:
            loaded = yaml.safe_load(Path(spec).read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            raise RoadwiseError(
                f"not UTF-8 text ({exc.reason}); save it as UTF-8", file=where
            ) from None
        except OSError as exc:
            raise RoadwiseError(f"cannot read the file: {exc.strerror}", file=where) from None
        except yaml.YAMLError as exc:
            raise RoadwiseError(f"not a valid mapping file: {exc}", file=where) from None
        if not isinstance(loaded, dict):
            raise RoadwiseError("a mapping file holds `Column: field` lines", file=where)
        pairs = [(str(k), "" if v is None else str(v)) for k, v in loaded.items()]
    else:
        where = "--mapping"
        pairs = []
        for part in str(spec).split(","):
            if not part.strip():
                continue
            if "=" not in part:
                raise RoadwiseError(
                    f"'{part.strip()}' is not a `Column=field` pair", field="--mapping"
                )
            left, right = part.split("=", 1)
            pairs.append((left.strip(), right.strip()))
    in_file = frozenset(columns or ())
    mapping: dict[str, str] = {}
    for left, right in pairs:
        column, target = left, right
        # field=Column is plain when the right side is no field; when it is one too
        # (status=Status), only the file can tell which side is its column.
        if (
            _word(left) in _TARGETS
            and right not in _IGNORE
            and (_word(right) not in _TARGETS or (right in in_file and left not in in_file))
        ):
            column, target = right, left
        target = target if target in _IGNORE else _word(target).removeprefix("value.")
        if target not in _IGNORE and target not in _TARGETS:
            raise RoadwiseError(
                f"'{target}' (for column '{column}') is not an item field; "
                f"use one of: {', '.join(sorted(_TARGETS))}",
                file=where if where != "--mapping" else None,
                field=column,
            )
        mapping[column] = "-" if target in _IGNORE else target
    return mapping


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class CsvRow:
    """One item read from a CSV file, with where it came from."""

    row: int
    record: dict[str, Any]
    # item field (top level, value.X) and each column's own target -> the user's column name
    columns: dict[str, str]
    # what the file's columns fill, as item paths ("team", "estimate.low", "value.reach"):
    # the same for every row; merging into a stored item changes these and keeps the rest
    fills: frozenset[str] = frozenset()


class _CellError(Exception):
    pass


def _number(text: str) -> float:
    """A number as written in a US or a European spreadsheet (see :mod:`._numbers`)."""
    try:
        return read_number(text)
    except NumberError as exc:
        raise _CellError(str(exc)) from None


def _uncertain(text: str) -> float | dict[str, Any]:
    """``3`` or ``2/3/5`` or ``2/3/5 triangular``."""
    if "/" not in text:
        return _number(text)
    body, _, distribution = text.strip().partition(" ")
    parts = body.split("/")
    if len(parts) != 3:
        raise _CellError(f"expected a number or low/likely/high, got {text!r}")
    low, mid, high = (_number(p) for p in parts)
    result: dict[str, Any] = {"low": low, "likely": mid, "high": high}
    if distribution.strip():
        result["distribution"] = distribution.strip().lower()
    return result


def _datetime(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise _CellError(f"expected an ISO date-time like 2026-03-02T09:30, got {text!r}") from None
    return naive_utc(value)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _CellError(f"expected an ISO date like 2026-03-02, got {text!r}") from None


def _bool(text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise _CellError(f"expected true or false, got {text!r}")


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _pairs(
    text: str, second: str, convert: Any, plain: str, *, name: str | None = None
) -> list[dict[str, Any]]:
    """``KEY`` or ``KEY:SECOND`` entries; ``plain`` is the second part a bare ``KEY`` means,
    ``name`` the entry's name for it (``second`` where not given).

    Keys may hold ``:`` themselves, so the second part follows the last one; the writer
    always writes it after a key that holds ``:`` (``X:5:0``), which keeps ``X:5`` meaning
    key ``X`` with ``5`` as it always has.
    """
    out = []
    for part in _list(text):
        key, sep, rest = part.rpartition(":")
        if not sep:
            out.append({"key": rest.strip()})
            continue
        hint = f"a key that holds ':' is written with its {second} after it, e.g. '{part}:{plain}'"
        try:
            out.append({"key": key.strip(), name or second: convert(rest.strip())})
        except NumberError as exc:
            # Only a part that is no number at all may be a key holding ':' without its number.
            also = "" if exc.looks_like_number else f"; {hint}"
            raise _CellError(f"the {second} in {part!r}: {exc}{also}") from None
        except ValueError:
            raise _CellError(f"expected KEY:{second.upper()} in {part!r}; {hint}") from None
    return out


def _lag_days(text: str) -> int:
    """The days an item waits after the one it depends on, ``2`` in ``A:2``: 0 or more."""
    days = read_number(text)
    if days < 0 or not days.is_integer():
        raise NumberError(
            f"expected a whole number of days, 0 or more, got {text.strip()!r}",
            looks_like_number=True,
        )
    return int(days)


def _contribution(text: str) -> float:
    """The share of an objective an item serves, ``0.5`` in ``O1:0.5``: from 0 to 1."""
    share = read_number(text)
    if not 0 <= share <= 1:
        raise NumberError(
            f"expected a number from 0 to 1, got {text.strip()!r}", looks_like_number=True
        )
    return share


def _apply(record: dict[str, Any], field: str, text: str) -> None:
    """Set ``field`` of the item ``record`` from one cell."""
    if field in ("title", "description"):
        record[field] = text
    elif field == "key" or field in ("parent", "team", "assignee", "theme", "release"):
        record[field] = text.strip()
    elif field == "kind":
        record[field] = _KIND_WORDS.get(_word(text), _word(text))
    elif field == "status":
        record[field] = _STATUS_WORDS.get(_word(text), _word(text))
    elif field == "estimate":
        value = _uncertain(text)
        estimate = record.setdefault("estimate", {})
        if isinstance(value, dict):
            value.pop("distribution", None)
            estimate.update(value)
        else:
            estimate.update(low=value, likely=value, high=value)
    elif field in ("estimate_low", "estimate_likely", "estimate_high"):
        record.setdefault("estimate", {})[field.removeprefix("estimate_")] = _number(text)
    elif field == "estimate_unit":
        record.setdefault("estimate", {})["unit"] = _word(text)
    elif field in VALUE_FIELDS:
        record.setdefault("value", {})[field] = _uncertain(text)
    elif field in ("kano", "moscow"):
        word = _word(text)
        record.setdefault("value", {})[field] = "wont" if word in ("won't", "wont") else word
    elif field == "technical_risk":
        record[field] = _number(text)
    elif field == "dependencies":
        record[field] = [
            {"item": e["key"], **({"lag_days": e["lag"]} if "lag" in e else {})}
            for e in _pairs(text, "lag", _lag_days, "0")
        ]
    elif field == "objectives":
        record[field] = [
            {"objective": e["key"], **({"contribution": e["share"]} if "share" in e else {})}
            for e in _pairs(text, "contribution", _contribution, "1", name="share")
        ]
    elif field in ("skills", "tags", "customers"):
        record[field] = _list(text)
    elif field == "deadline":
        record.setdefault("deadline", {})["date"] = _date(text)
    elif field == "deadline_hard":
        record.setdefault("deadline", {})["hard"] = _bool(text)
    elif field == "deadline_reason":
        record.setdefault("deadline", {})["reason"] = text
    elif field in ("created", "started", "done"):
        record[field] = _datetime(text)
    elif field.startswith("source_"):
        record.setdefault("source", {})[field.removeprefix("source_")] = text.strip()
    else:  # pragma: no cover - targets are checked when the header is read
        raise _CellError(f"unknown field {field}")


def _item_field(field: str) -> str:
    """The item field a column fills: the top-level name, or value.X for value inputs."""
    if field in VALUE_FIELDS or field in ("kano", "moscow"):
        return f"value.{field}"
    if field.startswith("estimate"):
        return "estimate"
    if field.startswith("deadline"):
        return "deadline"
    if field.startswith("source_"):
        return "source"
    return field


def _paths(target: str) -> tuple[str, ...]:
    """The item paths a column's target fills: a field, or parts of an estimate, a deadline,
    a source or the value inputs."""
    if target == "estimate":
        return ("estimate.low", "estimate.likely", "estimate.high")
    if target.startswith("estimate_"):
        return (f"estimate.{target.removeprefix('estimate_')}",)
    if target == "deadline":
        return ("deadline.date",)
    if target.startswith("deadline_"):
        return (f"deadline.{target.removeprefix('deadline_')}",)
    if target.startswith("source_"):
        return (f"source.{target.removeprefix('source_')}",)
    if target in VALUE_FIELDS or target in ("kano", "moscow"):
        return (f"value.{target}",)
    return (target,)


# Parts without which the record is no estimate or deadline: cleared, the whole goes.
_ESSENTIAL = {"estimate": ("low", "likely", "high"), "deadline": ("date",)}


def merge_row(
    stored: Mapping[str, Any], record: Mapping[str, Any], fills: frozenset[str]
) -> dict[str, Any]:
    """A stored item (as JSON) with what a CSV row says: each path the file's columns fill is
    set from the row, or cleared where the row's cell is empty; every other field keeps its
    stored value. A spreadsheet of keys and titles renames items; it does not wipe their
    teams, estimates, value inputs, dependencies or tracker links."""
    out = copy.deepcopy(dict(stored))
    for path in sorted(fills):
        top, _, part = path.partition(".")
        if not part:
            if top in record:
                out[top] = copy.deepcopy(record[top])
            else:
                out.pop(top, None)
            continue
        given = record.get(top)
        whole = out.get(top)
        whole = dict(whole) if isinstance(whole, dict) else {}
        if isinstance(given, dict) and part in given:
            whole[part] = copy.deepcopy(given[part])
        else:
            whole.pop(part, None)
        out[top] = whole
    for top in ("estimate", "deadline", "source", "value"):
        whole = out.get(top)
        if not isinstance(whole, dict) or record.get(top):
            # a part the row gives stays, whole or not: an item without the rest is refused
            # naming the part's column, not stored without it
            continue
        essential = _ESSENTIAL.get(top, ())
        if not whole or any(e not in whole for e in essential):
            out.pop(top, None)
    return out


def _open_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    name = str(path)
    try:
        # Bytes, not text mode: a line break inside a quoted cell must stay as written.
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise RoadwiseError("file not found", file=name) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, name, "save it as UTF-8 CSV (Excel: CSV UTF-8)") from None
    except OSError as exc:  # a folder, no read permission
        raise RoadwiseError(f"cannot read the file: {exc.strerror}", file=name) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    rows = csv_rows(text, name, delimiter)
    if not rows:
        raise RoadwiseError("the file is empty; the first row must name the columns", file=name)
    return [h.strip() for h in rows[0]], rows[1:]


def csv_columns(path: str | Path) -> list[str]:
    """The column names in the header row of ``path``, for :func:`parse_mapping`."""
    return _open_csv(Path(path))[0]


def read_csv_rows(path: str | Path, mapping: Mapping[str, str] | None = None) -> list[CsvRow]:
    """Read items as plain records (not yet validated) with their row numbers."""
    file = Path(path)
    name = str(file)
    header, rows = _open_csv(file)
    mapping = dict(mapping or {})
    for column in mapping:
        if column not in header:
            raise RoadwiseError(
                f"the mapping names column '{column}', which the file does not have "
                f"(its columns: {', '.join(header)})",
                file=name,
                row=1,
            )
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    for column in header:
        if column in mapping:
            target: str | None = None if mapping[column] == "-" else mapping[column]
        elif _word(column).removeprefix("value.") in _TARGETS:
            target = _word(column).removeprefix("value.")
        elif mapping or not column:
            target = None  # a mapped export (Jira, Linear) has many columns nobody needs
        else:
            raise RoadwiseError(
                f"unknown column '{column}'; name it after an item field or pass a --mapping "
                f"(fields: {', '.join(COLUMNS)})",
                file=name,
                row=1,
                field=column,
            )
        if target is not None:
            if target in seen:
                raise RoadwiseError(
                    f"columns '{seen[target]}' and '{column}' both fill '{target}'",
                    file=name,
                    row=1,
                    field=column,
                )
            seen[target] = column
        fields.append(target)
    for required in ("key", "title"):
        if required not in seen:
            raise RoadwiseError(
                f"no column gives the item's '{required}'; add one or map one to it",
                file=name,
                row=1,
            )

    # A header ending in a comma is common and harmless; a value under such a column would be
    # dropped without a word, as a cell past the last column would.
    unnamed = [i for i, column in enumerate(header) if not column and column not in mapping]

    result: list[CsvRow] = []
    first_row: dict[str, int] = {}
    for index, cells in enumerate(rows):
        row_number = index + 2
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            raise RoadwiseError(
                f"{len(cells)} cells but only {len(header)} columns", file=name, row=row_number
            )
        for position in unnamed:
            if position < len(cells) and cells[position].strip():
                raise RoadwiseError(
                    f"column {position + 1} has no name in the header row, but this row has "
                    f"{_shown(cells[position])} in it; name the column or clear the cell",
                    file=name,
                    row=row_number,
                )
        record: dict[str, Any] = {}
        columns: dict[str, str] = {}
        for column, target, cell in zip(header, fields, cells, strict=False):
            if target is None or cell == "" or (target not in _TEXT and not cell.strip()):
                continue
            try:
                _apply(record, target, cell)
            except _CellError as exc:
                raise RoadwiseError(str(exc), file=name, row=row_number, field=column) from None
            # errors name the exact column (estimate_unit), else the first one filling the field
            columns[target] = column
            columns.setdefault(_item_field(target), column)
        key = record.get("key")
        if isinstance(key, str):
            if key in first_row:
                raise RoadwiseError(
                    f"duplicate key '{key}' (first used in row {first_row[key]}); "
                    "keys must be unique",
                    file=name,
                    row=row_number,
                    field=seen["key"],
                )
            first_row[key] = row_number
        result.append(CsvRow(row_number, record, columns))
    fills = frozenset(path for target in seen for path in _paths(target))
    return [replace_row(r, fills=fills) for r in result]


def _check_estimate_parts(
    record: dict[str, Any], columns: dict[str, str], name: str, row: int
) -> None:
    """An estimate given in part (a spreadsheet with only an estimate_likely column, say) is
    refused naming the empty columns: the model would say "missing required field 'low'", a
    field no column is called."""
    estimate = record.get("estimate")
    if not isinstance(estimate, dict):
        return
    missing = [f"estimate_{part}" for part in ("low", "likely", "high") if part not in estimate]
    if not missing:
        return
    named = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    verb = "is" if len(missing) == 1 else "are"
    raise RoadwiseError(
        f"{named} {verb} empty: a size needs estimate_low, estimate_likely and "
        "estimate_high, or one 'estimate' column (a number or low/likely/high)",
        file=name,
        row=row,
        field=columns.get("estimate"),
    )


def _shown(cell: str) -> str:
    """A cell for a message: long ones cut short."""
    return repr(cell) if len(cell) <= 40 else repr(cell[:37] + "...")


def _column_for(csv_row: CsvRow, parts: Sequence[str]) -> str:
    if not parts:
        return ""
    top = parts[0]
    if top == "value" and len(parts) > 1:
        return csv_row.columns.get(f"value.{parts[1]}", f"value.{parts[1]}")
    if len(parts) > 1 and f"{top}_{parts[1]}" in csv_row.columns:  # estimate.unit: estimate_unit
        return csv_row.columns[f"{top}_{parts[1]}"]
    return csv_row.columns.get(top, top)


def read_items_csv(path: str | Path, mapping: Mapping[str, str] | None = None) -> list[Item]:
    """Read and validate items (each on its own; workspace rules are checked on import)."""
    return _validate_rows(read_csv_rows(path, mapping), str(path))


def import_items_csv(
    ws: Workspace,
    path: str | Path,
    mapping: Mapping[str, str] | None = None,
    *,
    replace: bool = False,
) -> Workspace:
    """``ws`` with the file's items merged in by key (or, with ``replace``, instead of its items).

    Returns a validated workspace; a problem names the file, row and column, and ``ws`` is
    unchanged.
    """
    name = str(path)
    rows = read_csv_rows(path, mapping)
    if not rows:
        # with --replace an empty file would remove every item: far likelier a wrong file
        raise RoadwiseError(
            "the file has no items, only its header row; nothing to import", file=name
        )
    data = ws.model_dump(mode="json")
    if replace:
        _validate_rows(rows, name)
        incoming = [r.record for r in rows]
        merged = list(incoming)
        origin = dict(enumerate(range(len(rows))))
    else:
        merged = list(data["items"])
        position = {item["key"]: index for index, item in enumerate(merged)}
        # A row for a stored item is checked as the item it makes: a file may give part of a
        # deadline, estimate or tracker link (deadline_hard alone) whose rest is stored.
        rows = [
            replace_row(r, record=merge_row(merged[position[r.record["key"]]], r.record, r.fills))
            if r.record.get("key") in position
            else r
            for r in rows
        ]
        _validate_rows(rows, name)
        incoming = [r.record for r in rows]
        origin = {}
        for row_index, record in enumerate(incoming):
            if record["key"] in position:
                at = position[record["key"]]
                merged[at] = record
                origin[at] = row_index
            else:
                origin[len(merged)] = row_index
                merged.append(record)
    data["items"] = merged
    try:
        return Workspace.model_validate(data)
    except PydanticValidationError as exc:

        def locate(parts: list[str]) -> tuple[int | None, int | None, str]:
            if len(parts) >= 2 and parts[0] == "items" and parts[1].isdigit():
                row_index = origin.get(int(parts[1]))
                if row_index is not None:
                    csv_row = rows[row_index]
                    return None, csv_row.row, _column_for(csv_row, parts[2:]) or "key"
            return None, None, stored_field(parts, data)

        error = first_error(exc, data, file=name, locate=locate)
        if replace and error.row is None:
            # Every item came from the file, so a broken rule outside its rows is a feedback
            # link or decision naming an item the file left out: say which, and what names it.
            kept_keys = {record["key"] for record in incoming}
            removed = [i.key for i in ws.items if i.key not in kept_keys]
            removed_error = removed_items_error(
                {**data, "items": []}, removed, action="--replace", file=name
            )
            if removed_error is not None:
                raise removed_error from None
        raise error from None


def _validate_rows(rows: Sequence[CsvRow], name: str) -> list[Item]:
    """Each row on its own as an item: a bad cell is reported before any workspace rule."""
    items = []
    for csv_row in rows:
        _check_estimate_parts(csv_row.record, csv_row.columns, name, csv_row.row)
        try:
            items.append(Item.model_validate(csv_row.record))
        except PydanticValidationError as exc:
            error = pick_error(exc.errors())
            parts = error_path(error, csv_row.record)
            raise RoadwiseError(
                error_message(error), file=name, row=csv_row.row, field=_column_for(csv_row, parts)
            ) from None
    return items


# --------------------------------------------------------------------------- writing


def _num(value: float) -> str:
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def _uncertain_text(value: float | Range | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Range):
        text = f"{_num(value.low)}/{_num(value.likely)}/{_num(value.high)}"
        return text if value.distribution == "pert" else f"{text} {value.distribution.value}"
    return _num(value)


def _words_cell(item: Item, field: str, words: Sequence[str]) -> str:
    """A ``;``-separated list cell, refused where it would not read back as ``words``.

    The reader splits at ``;`` and trims each word (a spreadsheet user types ``api; ui``), so
    a word holding ``;``, starting or ending with a space, or empty cannot be written at all.
    """
    singular = field.removesuffix("s")
    # `items edit --tag` replaces the tags; skills have no option of their own.
    edit = "--tag TAG --tag ..." if field == "tags" else "--set 'skills=[...]'"
    for word in words:
        if ";" in word or word != word.strip() or not word:
            read_back = _list(word)
            shown = " and ".join(repr(w) for w in read_back) if read_back else "nothing"
            raise RoadwiseError(
                f"item {item.key}: {singular} {word!r} cannot be written to CSV, where "
                f"{field} are ';'-separated and trimmed; it would read back as {shown}. Rename "
                f"it (roadwise items edit {item.key} {edit}) or export to YAML, which keeps "
                "it as it is",
                field=field,
            )
    return ";".join(words)


def item_to_row(item: Item) -> dict[str, str]:
    """One item as CSV cells keyed by :data:`COLUMNS` (empty cell = not set).

    A tag or skill the CSV cannot hold (see :func:`_words_cell`) is refused, naming the item.
    """
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        key=item.key,
        title=item.title,
        description=item.description,
        kind=item.kind.value,
        status=item.status.value,
        parent=item.parent or "",
        team=item.team or "",
        assignee=item.assignee or "",
        theme=item.theme or "",
        release=item.release or "",
        technical_risk=_num(item.technical_risk) if item.technical_risk else "",
        # After a key holding ":" the lag or contribution is always written: X:5:0 is a
        # dependency on item X:5, X:5 one on item X with a lag of 5 days.
        dependencies=";".join(
            d.item + (f":{d.lag_days}" if d.lag_days or ":" in d.item else "")
            for d in item.dependencies
        ),
        objectives=";".join(
            o.objective
            + (f":{_num(o.contribution)}" if o.contribution != 1.0 or ":" in o.objective else "")
            for o in item.objectives
        ),
        skills=_words_cell(item, "skills", item.skills),
        tags=_words_cell(item, "tags", item.tags),
        customers=";".join(item.customers),
        created=item.created.isoformat() if item.created else "",
        started=item.started.isoformat() if item.started else "",
        done=item.done.isoformat() if item.done else "",
    )
    if item.estimate is not None:
        row.update(
            estimate_low=_num(item.estimate.low),
            estimate_likely=_num(item.estimate.likely),
            estimate_high=_num(item.estimate.high),
            estimate_unit=item.estimate.unit.value,
        )
    for field in VALUE_FIELDS:
        row[field] = _uncertain_text(getattr(item.value, field))
    row["kano"] = item.value.kano.value if item.value.kano else ""
    row["moscow"] = item.value.moscow.value if item.value.moscow else ""
    if item.deadline is not None:
        row.update(
            deadline=item.deadline.date.isoformat(),
            deadline_hard="true" if item.deadline.hard else "false",
            deadline_reason=item.deadline.reason,
        )
    if item.source is not None:
        row.update(
            source_system=item.source.system,
            source_key=item.source.key,
            source_url=item.source.url or "",
        )
    return row


def items_to_csv(items: Iterable[Item]) -> str:
    buffer = io.StringIO(newline="")
    # RFC 4180 line ends: with "\r\n" as terminator the writer quotes any cell holding a
    # lone "\r" as well as "\n", so every cell reads back exactly.
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\r\n")
    writer.writeheader()
    for item in items:
        writer.writerow(item_to_row(item))
    return buffer.getvalue()


def write_items_csv(items: Iterable[Item], path: str | Path) -> Path:
    """Write items to ``path`` atomically, one row each, Roadwise's own columns."""
    target = Path(path)
    try:
        text = items_to_csv(items)
    except RoadwiseError as exc:  # nothing is written: the file would not read back
        raise RoadwiseError(exc.message, file=str(target), field=exc.field) from None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file normal rights
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
