"""Roadmap exports: CSV (one row per item) and iCalendar (release and milestone dates).

The .ics writer is small on purpose: all-day events, CRLF lines folded at 75 octets, text
escaped as RFC 5545 asks. Calendar apps (Google, Outlook, Apple) import it as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from roadwise.domain.workspace import Workspace
from roadwise.engines.schedule.roadmap import Roadmap
from roadwise.views._text import spreadsheet_cell

CSV_COLUMNS = [
    "item",
    "title",
    "level",
    "parent",
    "team",
    "people",
    "people_note",
    "start",
    "end",
    "sprint",
    "end_sprint",
    "effort_days",
    "cost_of_delay",
    "deadline",
    "hard_deadline",
    "late_days",
    "target",
    "target_reason",
    "behind_target_days",
]


def roadmap_csv(roadmap: Roadmap) -> str:
    """The roadmap as CSV for a spreadsheet; text cells that would start a formula are
    quoted with a leading "'"."""
    cell = spreadsheet_cell
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in (*roadmap.items, *roadmap.rollups):
        writer.writerow(
            [
                cell(s.key),
                cell(s.title),
                s.level,
                cell(s.parent or ""),
                cell(s.team),
                cell(" ".join(s.people)),
                cell(s.people_note),
                s.start.isoformat(),
                s.end.isoformat(),
                s.sprint,
                s.end_sprint,
                f"{s.effort_days:g}",
                f"{s.cost_of_delay:g}",
                s.deadline.isoformat() if s.deadline else "",
                "yes" if s.hard_deadline else "",
                s.late_days,
                s.target.isoformat() if s.target else "",
                cell(s.target_reason),
                s.behind_target_days,
            ]
        )
    return out.getvalue()


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Split a content line into 75-octet pieces, continuation lines starting with a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return [line]
    pieces: list[str] = []
    current = b""
    limit = 75
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > limit:
            pieces.append(current.decode("utf-8"))
            current = b" "
            limit = 75
        current += encoded
    pieces.append(current.decode("utf-8"))
    return pieces


def roadmap_ics(ws: Workspace, roadmap: Roadmap, stamp: dt.datetime | None = None) -> str:
    """Release dates, planned ends of epics and features, and hard deadlines as all-day
    events."""
    stamp = stamp or dt.datetime.now(dt.UTC)
    stamp_text = stamp.strftime("%Y%m%dT%H%M%SZ")
    events: list[tuple[str, dt.date, str, str]] = []
    for release in ws.cycles.releases:
        if release.date >= roadmap.start:
            events.append(
                (
                    f"release-{release.key}",
                    release.date,
                    f"Release {release.name}",
                    release.description,
                )
            )
    for s in roadmap.rollups:
        note = f"Planned delivery of {s.key} ({s.team})."
        if s.deadline:
            note += f" Deadline {s.deadline.isoformat()}" + (
                f", {s.late_days} working days late." if s.late_days else ", met."
            )
        events.append((f"milestone-{s.key}", s.end, f"{s.key} done: {s.title}", note))
    for s in roadmap.items:
        if s.hard_deadline and s.deadline:
            events.append(
                (
                    f"deadline-{s.key}",
                    s.deadline,
                    f"Deadline {s.key}: {s.title}",
                    f"Planned end {s.end.isoformat()} ({s.team}).",
                )
            )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Roadwise//Roadmap//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(ws.name)} roadmap",
    ]
    for uid, day, summary, description in events:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@roadwise",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
        ]
        if description:
            lines.append(f"DESCRIPTION:{_escape(description)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(piece + "\r\n" for line in lines for piece in _fold(line))
