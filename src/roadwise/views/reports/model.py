"""The report model: what a report says, independent of the format it is rendered to.

A :class:`Report` is a list of :class:`Section` s. Each section opens with a one-sentence
headline and holds blocks in reading order: paragraphs, bullet lists, tables and charts. Every
number a report states is listed in its provenance (:class:`Provenance`): where it came from
(inputs), how it was computed (method) and with which seed, so a reader can check it. Blocks
refer to provenance entries by their ``ref`` ("N3"); renderers turn those into footnote marks
and an appendix.

Text is plain, with one piece of markup: bold, written with :func:`strong` (a pair of
private-use characters, so a title that contains ``**`` stays as the team typed it).
Renderers escape everything else. While a report is built, the team's own words (titles,
names) inside generated sentences are wrapped with :func:`user_text`, so the glossary leaves
them as they are; the builder removes those marks before the report is handed out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

Tone = Literal["good", "warn", "bad", "neutral"]

# Private-use characters: no one types them, so they cannot collide with a title's own text.
BOLD_OPEN, BOLD_CLOSE = "\ue000", "\ue001"
USER_OPEN, USER_CLOSE = "\ue002", "\ue003"
_MARKS = str.maketrans(dict.fromkeys(BOLD_OPEN + BOLD_CLOSE + USER_OPEN + USER_CLOSE))


def strong(text: str) -> str:
    """``text`` in bold (the model's one piece of markup)."""
    return f"{BOLD_OPEN}{text}{BOLD_CLOSE}"


def user_text(text: str) -> str:
    """The team's own words inside a generated sentence: the glossary leaves them alone."""
    return f"{USER_OPEN}{without_marks(text)}{USER_CLOSE}"


def without_marks(text: str) -> str:
    """``text`` without any mark: what a reader sees, less the bold."""
    return text.translate(_MARKS)


def without_user_marks(text: str) -> str:
    """``text`` with its bold kept and the marks around the team's own words gone."""
    return text.replace(USER_OPEN, "").replace(USER_CLOSE, "")


@dataclass(frozen=True)
class Badge:
    """A short coloured label in a table cell (on track / at risk / off track)."""

    text: str
    tone: Tone = "neutral"

    def __str__(self) -> str:
        return self.text


Cell = str | Badge


@dataclass(frozen=True)
class Paragraph:
    text: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    caption: str = ""
    refs: tuple[str, ...] = ()
    # Columns holding numbers are right-aligned.
    numeric: tuple[int, ...] = ()


@dataclass(frozen=True)
class Chart:
    """An Altair chart, rendered per format (interactive HTML, SVG file, PNG in the PDF)."""

    key: str
    title: str
    chart: Any
    caption: str = ""
    refs: tuple[str, ...] = ()


Block = Paragraph | Bullets | Table | Chart


@dataclass
class Section:
    key: str
    title: str
    headline: str = ""
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> Section:
        self.blocks.append(block)
        return self

    @property
    def charts(self) -> list[Chart]:
        return [b for b in self.blocks if isinstance(b, Chart)]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


@dataclass(frozen=True)
class Provenance:
    """Where one stated number came from."""

    ref: str
    label: str
    value: str
    inputs: str
    method: str
    seed: int | None = None


@dataclass
class Report:
    kind: str
    title: str
    subtitle: str
    as_of: dt.date
    sections: list[Section] = field(default_factory=list)
    provenance: list[Provenance] = field(default_factory=list)
    # Engines whose results fed this report, e.g. {"forecast": "Monte Carlo, 2,000 trials"}.
    engines: dict[str, str] = field(default_factory=dict)
    one_page: bool = False
    workspace: str = ""

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    @property
    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]


class Trace:
    """Collects provenance entries while a report is built, numbering them N1, N2, …"""

    def __init__(self) -> None:
        self.entries: list[Provenance] = []
        self._seen: dict[tuple[str, str], str] = {}

    def note(
        self,
        label: str,
        value: str,
        *,
        inputs: str,
        method: str,
        seed: int | None = None,
    ) -> str:
        """Record where a number came from; returns its reference (the same one if repeated)."""
        key = (label, value)
        if key in self._seen:
            return self._seen[key]
        ref = f"N{len(self.entries) + 1}"
        self.entries.append(Provenance(ref, label, value, inputs, method, seed))
        self._seen[key] = ref
        return ref
