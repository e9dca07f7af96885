"""Jira's CSV export ("Export > Export CSV (all fields)") as Jira Cloud and Data Center write it.

The export repeats a column once per value: several ``Sprint``, ``Labels``, ``Component/s`` and
``Outward issue link (Blocks)`` columns share one name, so the file is read by position, never
into a dict. Custom fields are named ``Custom field (Story Points)``; dates are in the
instance's display format (``21/Nov/25 3:04 PM`` by default, ISO on many instances) and the
format is detected from the file unless given.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roadwise.domain import Cycles, Item
from roadwise.errors import RoadwiseError
from roadwise.sources._csv_rows import csv_rows
from roadwise.sources._errors import not_utf8
from roadwise.sources._time import naive_utc
from roadwise.sources.tracker_mapping import TrackerIssue, TrackerMapping

DATE_FORMATS = (
    "%d/%b/%y %I:%M %p",  # Jira's default: 21/Nov/25 3:04 PM
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M",
    "%d/%b/%y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%m/%d/%Y %I:%M %p",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y",
    "%d/%m/%Y",
)
DATE_COLUMNS = ("Created", "Updated", "Resolved", "Due Date", "Due date")
ESTIMATE_COLUMNS = (
    "Custom field (Story Points)",
    "Custom field (Story point estimate)",
    "Story Points",
    "Story point estimate",
)
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")


@dataclass(frozen=True)
class JiraCsv:
    issues: list[TrackerIssue]
    rows: int
    date_format: str


class _Header:
    """Column positions by name; a repeated name has several positions."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = [n.strip() for n in names]
        self.positions: dict[str, list[int]] = {}
        for index, name in enumerate(self.names):
            self.positions.setdefault(name.lower(), []).append(index)

    def has(self, name: str) -> bool:
        return name.lower() in self.positions

    def values(self, row: Sequence[str], name: str) -> list[str]:
        out = []
        for index in self.positions.get(name.lower(), []):
            if index < len(row) and row[index].strip():
                out.append(row[index].strip())
        return out

    def first(self, row: Sequence[str], *names: str) -> str | None:
        for name in names:
            found = self.values(row, name)
            if found:
                return found[0]
        return None


def parse_date(text: str, fmt: str) -> dt.datetime:
    return naive_utc(dt.datetime.strptime(text.strip(), fmt))


def detect_date_format(samples: Sequence[str]) -> str | None:
    """The known format that reads the most samples (None: nothing to read; "": none fits).

    A format that reads most but not all values wins, so the odd value is then reported with
    its row and column rather than as a file-wide guess.
    """
    samples = [s.strip() for s in samples if s.strip()]
    if not samples:
        return None
    best, best_count = "", 0
    for fmt in DATE_FORMATS:
        count = 0
        for sample in samples:
            try:
                parse_date(sample, fmt)
            except ValueError:
                continue
            count += 1
        if count > best_count:
            best, best_count = fmt, count
        if count == len(samples):
            break
    return best


def read_jira_csv(
    path: str | Path,
    mapping: TrackerMapping | None = None,
    *,
    date_format: str | None = None,
    base_url: str | None = None,
) -> JiraCsv:
    """Read a Jira CSV export; an unreadable cell stops the import naming its row and column."""
    path = Path(path)
    mapping = mapping or TrackerMapping()
    try:
        # Bytes, not text mode: a line break inside a quoted cell (a description) must stay
        # as written, "\r\n" included.
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise RoadwiseError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError as exc:
        raise not_utf8(exc, str(path), "export it again as CSV") from None
    rows = csv_rows(text, str(path))
    if not rows:
        raise RoadwiseError("the file is empty", file=str(path))
    header = _Header(rows[0])
    for needed in ("Summary", "Issue key"):
        if not header.has(needed):
            raise RoadwiseError(
                f"no '{needed}' column: this does not look like a Jira CSV export "
                "(in Jira: Filters > Export > Export CSV (all fields))",
                file=str(path),
                line=1,
            )
    estimate_columns = (
        [f"Custom field ({mapping.estimate_field})", mapping.estimate_field]
        if mapping.estimate_field
        else list(ESTIMATE_COLUMNS)
    )
    if mapping.estimate_field and not any(header.has(c) for c in estimate_columns):
        raise RoadwiseError(
            f"the mapping's estimate_field '{mapping.estimate_field}' is not a column of the "
            "export; fix estimate_field in the mapping file or export all fields",
            file=str(path),
            line=1,
        )
    body = rows[1:]
    # Jira writes times in Created / Resolved but often bare dates in Due Date: each column
    # gets its own format (the override's date part also reads a date-only column).
    formats: dict[str, str] = {}
    for column in DATE_COLUMNS:
        samples = [v for row in body for v in header.values(row, column)][:500]
        if date_format is not None:
            formats[column] = date_format
            continue
        detected = detect_date_format(samples)
        if detected == "":
            raise RoadwiseError(
                f"cannot tell the date format from values like '{samples[0]}'; pass "
                "--date-format (e.g. '%d/%b/%y %I:%M %p')",
                file=str(path),
                field=column,
            )
        if detected:
            formats[column] = detected
    ids = {
        header.first(row, "Issue id"): header.first(row, "Issue key")
        for row in body
        if header.first(row, "Issue id")
    }
    issues: list[TrackerIssue] = []
    first_row: dict[str, int] = {}
    for row_no, row in enumerate(body, start=2):
        if not any(cell.strip() for cell in row):
            continue
        key = header.first(row, "Issue key")
        if not key:
            raise RoadwiseError(
                "the issue key is empty", file=str(path), row=row_no, field="Issue key"
            )
        if key in first_row:
            raise RoadwiseError(
                f"issue {key} is also in row {first_row[key]}; export each issue once",
                file=str(path),
                row=row_no,
                field="Issue key",
            )
        first_row[key] = row_no

        def when(
            column: str, row: list[str] = row, row_no: int = row_no, as_written: bool = False
        ) -> dt.datetime | None:
            value = header.first(row, column)
            if value is None:
                return None
            fmt = formats.get(column, DATE_FORMATS[0])
            for candidate in (fmt, fmt.split(" ")[0]):
                try:
                    moment = dt.datetime.strptime(value.strip(), candidate)
                except ValueError:
                    continue
                return moment if as_written else naive_utc(moment)
            raise RoadwiseError(
                f"'{value}' does not match the date format '{fmt}' (pass --date-format)",
                file=str(path),
                row=row_no,
                field=column,
            )

        estimate = None
        raw_estimate = header.first(row, *estimate_columns)
        if raw_estimate is not None:
            try:
                estimate = mapping.estimate_of(raw_estimate)
            except ValueError as exc:
                raise RoadwiseError(
                    str(exc),
                    file=str(path),
                    row=row_no,
                    field=next(c for c in estimate_columns if header.values(row, c)),
                ) from None
        parent = header.first(row, "Parent key", "Custom field (Epic Link)", "Epic Link")
        # An id names the parent only when the parent is in the export too; otherwise the merge
        # warns about it and keeps the parent an earlier import stored.
        parent_ref = None
        if parent is None:
            raw_parent = header.first(row, "Parent", "Parent id")
            if raw_parent is not None:
                parent = raw_parent if _KEY.match(raw_parent) else ids.get(raw_parent)
                if parent is None:
                    parent_ref = raw_parent
        # A due date is the calendar day as written: in UTC, a zoned midnight east of UTC
        # would be the day before.
        due = when("Due Date", as_written=True) or when("Due date", as_written=True)
        team = header.first(row, "Custom field (Team)", "Team") or header.first(
            row, "Project key", "Project name"
        )
        if team is None:
            components = header.values(row, "Component/s")
            team = components[0] if components else None
        issues.append(
            TrackerIssue(
                system="jira",
                key=key,
                title=header.first(row, "Summary") or key,
                url=f"{base_url.rstrip('/')}/browse/{key}" if base_url else None,
                description=header.first(row, "Description") or "",
                kind=header.first(row, "Issue Type") or "",
                status=header.first(row, "Status") or "",
                status_category=header.first(row, "Status Category") or "",
                parent=parent,
                parent_known=parent_ref is None,
                parent_ref=parent_ref,
                estimate=estimate,
                team=team,
                labels=tuple(header.values(row, "Labels")),
                sprints=tuple(header.values(row, "Sprint")),
                created=when("Created"),
                done=when("Resolved"),
                updated=when("Updated"),
                due=due.date() if due else None,
                blocked_by=tuple(header.values(row, "Inward issue link (Blocks)")),
            )
        )
    # "A blocks B" is written on A's row as an outward link; B then depends on A.
    blocks: dict[str, list[str]] = {}
    for row in body:
        key = header.first(row, "Issue key")
        for target in header.values(row, "Outward issue link (Blocks)"):
            blocks.setdefault(target, []).append(key or "")
    issues = [
        _with_blockers(issue, blocks.get(issue.key, [])) if issue.key in blocks else issue
        for issue in issues
    ]
    return JiraCsv(issues, len(body), formats.get("Created", date_format or DATE_FORMATS[0]))


def _with_blockers(issue: TrackerIssue, extra: list[str]) -> TrackerIssue:
    from dataclasses import replace

    return replace(issue, blocked_by=tuple(dict.fromkeys([*issue.blocked_by, *extra])))


def jira_label(item: Item, tag: str) -> tuple[str | None, str | None]:
    """``tag`` as one Jira label, and a note where the label is not the tag.

    A Jira label holds no spaces: the CSV importer splits a cell at whitespace, so
    ``needs review`` would come back as the two labels ``needs`` and ``review``. It is written
    ``needs_review``, one label, and the note says the tag will read back so; an empty tag is
    left out, with a note. Tags from a GitHub or Linear sync often hold spaces, so an export
    that stopped over them would stop for most synced workspaces.
    """
    if tag and not any(c.isspace() for c in tag):
        return tag, None
    label = "_".join(tag.split())
    if not label:
        return None, f"item {item.key}: an empty tag is not written (Jira has no empty label)"
    return label, (
        f"item {item.key}: tag {tag!r} is written as the Jira label {label!r} (a Jira label "
        f"holds no spaces) and will read back as {label!r}; rename the tag (roadwise items "
        f"edit {item.key} --tag ...) to keep one name in both"
    )


def write_jira_import_csv(
    items: Sequence[Item],
    rows: Sequence[Mapping[str, Any]],
    path: Path,
    cycles: Cycles,
    notes: list[str] | None = None,
) -> int:
    """Items as a file for Jira's CSV importer (System > External system import > CSV).

    ``Sprint`` is the planned start sprint under the workspace's own name for it
    (:meth:`Cycles.sprint_name`), so the file and Roadwise's tables say the same sprint.

    Repeated ``Labels`` columns carry one label each, as Jira expects; ``Issue Id`` and
    ``Parent Id`` keep the hierarchy; dates are ISO (choose ``yyyy-MM-dd`` in the importer).
    Each tag is one label, but for the ``sprint:`` tag a sync gives an item in a tracker's
    sprint: the file's ``Sprint`` column says the sprint, and Jira's sprint names hold spaces.
    A tag Jira cannot hold as one label is written as the nearest label (see
    :func:`jira_label`), and ``notes`` gets a line naming the item and the tag.
    """
    planned = {str(r.get("item")): r for r in rows}
    open_items = [i for i in items if i.is_open]
    labels: dict[str, list[str]] = {}
    for item in open_items:
        labels[item.key] = []
        for tag in item.tags:
            if tag.startswith("sprint:"):
                continue
            label, note = jira_label(item, tag)
            if label is not None:
                labels[item.key].append(label)
            if note is not None and notes is not None:
                notes.append(note)
    label_columns = max((len(v) for v in labels.values()), default=0) or 1
    header = [
        "Issue Id",
        "Parent Id",
        "Summary",
        "Issue Type",
        "Description",
        "Story Points",
        "Start date",
        "Due Date",
        "Sprint",
        *(["Labels"] * label_columns),
    ]
    kinds = {
        "epic": "Epic",
        "feature": "Story",
        "story": "Story",
        "bug": "Bug",
        "tech_debt": "Task",
    }
    ids = {item.key: str(n) for n, item in enumerate(open_items, start=1)}
    # A name of its own, so two exports to one file do not write into one temporary file;
    # opened with "x" so it never takes over a file that happens to have that name.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    handle = tmp.open("x", newline="", encoding="utf-8")
    try:
        with handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for item in open_items:
                row = planned.get(item.key, {})
                due = str(row.get("end") or "") or (
                    item.deadline.date.isoformat() if item.deadline else ""
                )
                tags = labels[item.key] + [""] * (label_columns - len(labels[item.key]))
                writer.writerow(
                    [
                        ids[item.key],
                        ids.get(item.parent or "", ""),
                        item.title,
                        kinds[item.kind.value],
                        item.description,
                        f"{item.estimate.likely:g}" if item.estimate else "",
                        str(row.get("start") or ""),
                        due,
                        cycles.sprint_name(int(row["sprint"]))
                        if row.get("sprint") is not None
                        else "",
                        *tags,
                    ]
                )
        tmp.replace(path)
    except BaseException:
        # A failed write (disk full, an interrupt) leaves the folder as it was: the previous
        # file, if any, and no half-written temporary file beside it.
        tmp.unlink(missing_ok=True)
        raise
    return len(open_items)
