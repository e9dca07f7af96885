"""Typed results of the prioritisation engine (frozen dataclasses, safe to share)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from roadwise.engines.prioritize.inputs import InputTable


@dataclass(frozen=True, slots=True)
class Contribution:
    """One factor of an item's score, as the framework's arithmetic uses it.

    ``value`` is the input as estimated (a technical risk of 0.22, an effort of 2 points).
    ``role`` is ``adds`` (``amount`` is the points it adds to the score or to the numerator),
    ``multiplies`` or ``divides`` (``amount`` is the factor the score is multiplied or divided
    by, which may differ from ``value``: a feasibility of 1 − 0.5 × 0.22 = 0.89, a duration
    of 2 / 5 = 0.4 weeks), or ``uses`` (user formulas, where the arithmetic is the user's own).
    """

    input: str
    label: str
    value: float
    role: str
    amount: float | None = None


@dataclass(frozen=True, slots=True)
class RankedItem:
    key: str
    title: str
    rank: int
    score: float
    """Point score, computed from every input's most likely value."""
    expected: float
    """Mean score over the Monte Carlo samples (equals ``score`` when nothing is uncertain)."""
    interval: tuple[float, float]
    """The 90 % interval of the sampled score: its 5th and 95th percentile, unless the point
    score lies beyond them (a most likely value at the end of its range); then the window of
    90 % of the samples moved just far enough to reach the point score. The point and
    expected scores always lie within it."""
    p_top_k: float
    expected_rank: float
    value: float
    """The framework's value side (what the item is worth, before effort)."""
    effort: float | None
    quadrant: str | None
    kano: str | None
    moscow: str | None
    contributions: tuple[Contribution, ...]
    arithmetic: str
    """The score's arithmetic with the item's numbers, e.g. ``(8 + 5 + 3) / 5 = 3.2``."""
    uncertain_inputs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UnscoredItem:
    key: str
    title: str
    missing: tuple[str, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class CoinFlip:
    """Two items whose order the simulation cannot tell apart with confidence."""

    above: str
    below: str
    p_above: float
    """Share of the samples in which ``above`` scores higher than ``below``."""


@dataclass(frozen=True, slots=True)
class InformationValue:
    """What pinning one uncertain input of one item would be worth (expected value of
    perfect information about the top-k set, in score points)."""

    item: str
    input: str
    evpi: float
    p_change: float
    """Probability that knowing the input exactly would move the item into or out of the top k."""
    low: float
    likely: float
    high: float


@dataclass(frozen=True, slots=True)
class TornadoBar:
    input: str
    label: str
    low_value: float
    high_value: float
    score_at_low: float
    score_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.score_at_high - self.score_at_low)


@dataclass(frozen=True, slots=True)
class Comparison:
    above: str
    below: str
    score_above: float
    score_below: float
    p_above: float
    reasons: tuple[tuple[str, float, float, float], ...]
    """(input, value of the higher item, value of the lower item, points of the gap it explains),
    largest effect first."""
    sentence: str


@dataclass(frozen=True, slots=True)
class EpicRollup:
    """An epic (or any parent item) summed over its ranked leaf items: epics are not scored
    themselves, so this says how much of the top of the ranking each one holds."""

    key: str
    title: str
    items: int
    """Ranked leaf items under it."""
    expected_in_top_k: float
    """Expected number of its items in the top k (the sum of their P(top k))."""
    best_rank: int
    value: float
    effort: float
    """Total likely effort of its ranked items (points)."""


SIMULATION_FIELDS = ("interval", "p_top_k", "expected_rank")
"""Item fields that exist only when the uncertainty was sampled."""

FIELD_MEANINGS = {
    "rank": "position in the ranking (1 = do first)",
    "score": "the score with every input at its most likely value (the point score)",
    "expected": "the mean score over the Monte Carlo samples (equals score without sampling); "
    "the ranking orders by it (within MoSCoW groups when MoSCoW is a constraint)",
    "interval": "the 90% interval of the sampled score: its 5th and 95th percentile or, "
    "where the point score lies beyond them, 90% of the samples moved just far enough to "
    "reach it; the point and expected scores always lie within it",
    "p_top_k": "share of the samples in which the item is in the top k",
    "expected_rank": "the item's mean rank over the samples",
    "value": "the framework's value side, before effort (for the quadrants)",
}
"""What the ranked items' numeric fields mean, for readers of the JSON."""


@dataclass(frozen=True, slots=True)
class PriorityResult:
    framework: str
    framework_label: str
    top_k: int
    samples: int
    seed: int
    items: tuple[RankedItem, ...]
    unscored: tuple[UnscoredItem, ...]
    coin_flips: tuple[CoinFlip, ...]
    information_value: tuple[InformationValue, ...]
    quadrant_thresholds: tuple[float, float] | None
    """(value, effort) above which an item counts as high value / high effort."""
    notes: tuple[str, ...] = ()
    epics: tuple[EpicRollup, ...] = ()
    # What the follow-up questions (explain, compare, tornado) need; not part of the output.
    table: InputTable | None = field(default=None, repr=False, compare=False)
    engine: Any = field(default=None, repr=False, compare=False)

    @property
    def simulated(self) -> bool:
        """Whether the estimates' uncertainty was sampled (samples > 0 and some input is a
        range). Without it the interval, P(top k) and expected rank carry no information."""
        return self.samples > 0

    @property
    def ranked_by(self) -> str:
        """The item field the ranking orders by: ``expected`` when simulated, else ``score``
        (the two are equal then)."""
        return "expected" if self.simulated else "score"

    def item(self, key: str) -> RankedItem:
        for ranked in self.items:
            if ranked.key == key:
                return ranked
        raise KeyError(key)

    @property
    def top(self) -> tuple[RankedItem, ...]:
        return self.items[: self.top_k]

    def to_dict(self) -> dict[str, Any]:
        data = {
            name: getattr(self, name)
            for name in (
                "framework",
                "framework_label",
                "top_k",
                "samples",
                "seed",
                "quadrant_thresholds",
                "notes",
            )
        }
        data["ranked_by"] = self.ranked_by
        data["field_meanings"] = {
            name: text
            for name, text in FIELD_MEANINGS.items()
            if self.simulated or name not in SIMULATION_FIELDS
        }
        items = [asdict(i) for i in self.items]
        if not self.simulated:
            # A degenerate interval, a 0/1 P(top k) and the rank again say nothing.
            for item in items:
                for name in SIMULATION_FIELDS:
                    del item[name]
        data["items"] = items
        data["unscored"] = [asdict(i) for i in self.unscored]
        data["coin_flips"] = [asdict(c) for c in self.coin_flips]
        data["information_value"] = [asdict(v) for v in self.information_value]
        data["epics"] = [asdict(e) for e in self.epics]
        return data
