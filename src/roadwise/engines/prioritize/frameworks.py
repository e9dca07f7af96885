"""The scoring frameworks: RICE, ICE, WSJF, CD3, a weighted scorecard and user formulas.

Every framework scores items from their inputs alone, so scores are *absolute*: adding,
removing or reordering other items never changes an item's score (unlike relative scores
that are normalised over the backlog). Frameworks work on NumPy arrays shaped
``(items, samples)`` (or ``(items, 1)`` for point values), so the same code gives the point
score, the Monte Carlo matrix and the tornado chart.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import numpy as np

from roadwise.domain import PRIORITY_FRAMEWORKS, PrioritySettings, ScorecardCriterion
from roadwise.engines.prioritize.formula import Formula, parse_formula
from roadwise.engines.prioritize.inputs import INPUT_LABELS, label
from roadwise.engines.prioritize.results import Contribution
from roadwise.errors import RoadwiseError

Array = Any  # NumPy arrays shaped (items, samples) or (items, 1)
Inputs = Mapping[str, Array]

FEEDBACK_INPUTS = ("customer_demand",)
"""Inputs only the feedback engine supplies (through ``external_inputs``)."""

FRAMEWORKS = PRIORITY_FRAMEWORKS
MIN_EFFORT = 0.1
"""Effort is floored here (in points) so a zero estimate cannot divide a score by zero."""

PROFILE_CODES = {"linear": 0, "deadline": 1, "decaying": 2}

QUADRANTS = {
    (True, False): "quick win",
    (True, True): "big bet",
    (False, False): "fill-in",
    (False, True): "money pit",
}


@dataclass(frozen=True)
class PriorityOptions:
    """How to rank. Defaults come from the workspace's ``settings.priority``."""

    framework: str = "wsjf"
    top_k: int = 10
    samples: int = 1000
    seed: int = 0
    scorecard: tuple[ScorecardCriterion, ...] = ()
    formula: str | None = None
    risk_penalty: float = 0.5
    """Feasibility factor = 1 - risk_penalty x technical risk (0 turns the penalty off)."""
    moscow: Literal["tie_break", "constraint", "ignore"] = "tie_break"
    cod_profile: Literal["linear", "deadline", "decaying"] = "linear"
    horizon_weeks: float = 13.0
    points_per_week: float = 5.0
    """How many points of one item a team finishes in a week: turns effort into a duration."""
    half_life_weeks: float = 26.0
    value_threshold: float | None = None
    effort_threshold: float | None = None
    include_epics: bool = False
    coin_flip_margin: float = 0.1
    information_value: bool = True

    @classmethod
    def from_settings(cls, settings: PrioritySettings, **overrides: Any) -> PriorityOptions:
        extra = {k: v for k, v in overrides.items() if v is not None}
        base: dict[str, Any] = {
            "framework": settings.framework,
            "top_k": settings.top_k,
            "samples": settings.samples,
            "scorecard": tuple(settings.scorecard),
            "formula": settings.formula,
        }
        base.update(extra)
        return cls(**base)


def _check_effort_options(options: PriorityOptions) -> None:
    if options.points_per_week <= 0:
        raise RoadwiseError("points_per_week must be positive", field="points_per_week")
    if options.half_life_weeks <= 0 or options.horizon_weeks <= 0:
        raise RoadwiseError("half_life_weeks and horizon_weeks must be positive")


@lru_cache(maxsize=8192)
def _fmt(value: float) -> str:
    """A number as a person writes it: 1,425 / 29.37 / 0.845 (cached: backlogs repeat them)."""
    if value != value:  # NaN
        return "?"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:.2f}".rstrip("0").rstrip(".")


class Framework(ABC):
    name: str
    label: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    default_value_threshold: float = 0.0
    uses_effort: bool = True

    def __init__(self, options: PriorityOptions) -> None:
        self.options = options

    @abstractmethod
    def score(self, x: Inputs) -> Array:
        """The score of every item (and sample)."""

    @abstractmethod
    def value(self, x: Inputs) -> Array:
        """The value side of the score, before effort: the vertical axis of the quadrants."""

    @abstractmethod
    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        """Each factor's contribution and the arithmetic, for one item's point values and
        its point score."""

    @property
    def inputs(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)

    @property
    def value_inputs(self) -> tuple[str, ...]:
        """Inputs where more is better (the property tests rely on this)."""
        return tuple(n for n in self.required if n not in ("effort", "technical_risk"))

    def feasibility(self, x: Inputs) -> Array:
        return 1.0 - self.options.risk_penalty * x["technical_risk"]

    def _feasibility_part(self, x: Mapping[str, float]) -> tuple[list[Contribution], str]:
        if self.options.risk_penalty == 0 or x["technical_risk"] == 0:
            return [], ""
        factor = 1.0 - self.options.risk_penalty * x["technical_risk"]
        # The label carries the risk: the factor, not the risk, is what the score multiplies.
        c = Contribution(
            "technical_risk",
            f"feasibility: 1 − {_fmt(self.options.risk_penalty)} × technical risk "
            f"{x['technical_risk']:.0%}",
            x["technical_risk"],
            "multiplies",
            factor,
        )
        return [c], f" × {_fmt(factor)}"


def _effort(x: Inputs) -> Array:
    return np.maximum(x["effort"], MIN_EFFORT)


class Rice(Framework):
    name, label = "rice", "RICE"
    required = ("reach", "impact", "confidence", "effort", "technical_risk")
    default_value_threshold = 500.0

    def value(self, x: Inputs) -> Array:
        return x["reach"] * x["impact"] * x["confidence"]

    def score(self, x: Inputs) -> Array:
        return self.value(x) / _effort(x) * self.feasibility(x)

    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        parts = [
            Contribution("reach", "reach", x["reach"], "multiplies", x["reach"]),
            Contribution("impact", "impact", x["impact"], "multiplies", x["impact"]),
            Contribution(
                "confidence", "confidence", x["confidence"], "multiplies", x["confidence"]
            ),
            Contribution("effort", "effort", x["effort"], "divides", max(x["effort"], MIN_EFFORT)),
        ]
        feas, feas_text = self._feasibility_part(x)
        text = (
            f"{_fmt(x['reach'])} × {_fmt(x['impact'])} × {_fmt(x['confidence'])} / "
            f"{_fmt(max(x['effort'], MIN_EFFORT))}{feas_text} = {_fmt(score)}"
        )
        return (*parts, *feas), text


class Ice(Framework):
    name, label = "ice", "ICE"
    required = ("impact", "confidence", "ease", "technical_risk")
    default_value_threshold = 20.0
    uses_effort = False

    def value(self, x: Inputs) -> Array:
        return x["impact"] * x["confidence"] * x["ease"]

    def score(self, x: Inputs) -> Array:
        return self.value(x) * self.feasibility(x)

    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        parts = [
            Contribution(n, label(n), x[n], "multiplies", x[n])
            for n in ("impact", "confidence", "ease")
        ]
        feas, feas_text = self._feasibility_part(x)
        text = (
            f"{_fmt(x['impact'])} × {_fmt(x['confidence'])} × {_fmt(x['ease'])}{feas_text}"
            f" = {_fmt(score)}"
        )
        return (*parts, *feas), text


_WSJF_VALUE = tuple((n, label(n)) for n in ("business_value", "time_criticality", "risk_reduction"))


class Wsjf(Framework):
    name, label = "wsjf", "WSJF"
    required = ("business_value", "time_criticality", "risk_reduction", "effort", "technical_risk")
    default_value_threshold = 20.0

    def value(self, x: Inputs) -> Array:
        return x["business_value"] + x["time_criticality"] + x["risk_reduction"]

    def score(self, x: Inputs) -> Array:
        return self.value(x) / _effort(x) * self.feasibility(x)

    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        size = max(x["effort"], MIN_EFFORT)
        feasibility = 1.0 - self.options.risk_penalty * x["technical_risk"]
        parts = [
            Contribution(n, name, x[n], "adds", x[n] / size * feasibility)
            for n, name in _WSJF_VALUE
        ]
        parts.append(Contribution("effort", "job size", x["effort"], "divides", size))
        feas, feas_text = self._feasibility_part(x)
        text = (
            f"({_fmt(x['business_value'])} + {_fmt(x['time_criticality'])} + "
            f"{_fmt(x['risk_reduction'])}) / {_fmt(size)}{feas_text} = {_fmt(score)}"
        )
        return (*parts, *feas), text


class Cd3(Framework):
    """Cost of delay divided by duration, with an urgency profile per item.

    * linear: every week of delay costs the item's cost of delay.
    * deadline: nothing is lost while the item can still finish before its deadline; the
      weekly cost of delay counts in full once the slack (weeks to the deadline minus the
      item's duration) is used up, and in part while it is shorter than the planning horizon.
    * decaying: the opportunity fades with a half-life (a market window closing), so a week's
      delay costs what is still left of the weekly value by the time the item ships.
    """

    name, label = "cd3", "CD3"
    required = ("cost_of_delay", "effort", "technical_risk")
    optional = ("weeks_to_deadline",)
    default_value_threshold = 5000.0

    def duration(self, x: Inputs) -> Array:
        return _effort(x) / self.options.points_per_week

    def urgency(self, x: Inputs) -> Array:
        profile = x.get("_profile", PROFILE_CODES[self.options.cod_profile])
        weeks = self.duration(x)
        to_deadline = x.get("weeks_to_deadline", np.nan)
        slack = to_deadline - weeks
        deadline = np.clip(1.0 - slack / self.options.horizon_weeks, 0.0, 1.0)
        deadline = np.where(np.isnan(slack), 1.0, deadline)
        decaying = np.exp2(-weeks / self.options.half_life_weeks)
        return np.where(profile == 1, deadline, np.where(profile == 2, decaying, 1.0))

    def value(self, x: Inputs) -> Array:
        return x["cost_of_delay"] * self.urgency(x)

    def score(self, x: Inputs) -> Array:
        return self.value(x) / self.duration(x) * self.feasibility(x)

    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        arrays = {k: np.float64(v) for k, v in x.items()}
        urgency = float(self.urgency(arrays))
        weeks = float(self.duration(arrays))
        parts = [
            Contribution(
                "cost_of_delay",
                "cost of delay per week",
                x["cost_of_delay"],
                "multiplies",
                x["cost_of_delay"],
            )
        ]
        text = _fmt(x["cost_of_delay"])
        if urgency != 1.0:
            profile = next(
                (n for n, c in PROFILE_CODES.items() if c == x.get("_profile")),
                self.options.cod_profile,
            )
            to_deadline = x.get("weeks_to_deadline", float("nan"))
            why = f"{profile} profile" + (
                f", {_fmt(to_deadline)} weeks to the deadline" if to_deadline == to_deadline else ""
            )
            parts.append(
                Contribution(
                    "weeks_to_deadline",
                    f"urgency ({why})",
                    x.get("weeks_to_deadline", float("nan")),
                    "multiplies",
                    urgency,
                )
            )
            text += f" × {_fmt(urgency)}"
        per_week = _fmt(self.options.points_per_week)
        effort = _fmt(max(x["effort"], MIN_EFFORT))
        duration = f"duration in weeks (effort {effort} ÷ {per_week} points a week)"
        parts.append(Contribution("effort", duration, x["effort"], "divides", weeks))
        feas, feas_text = self._feasibility_part(x)
        return (*parts, *feas), f"{text} / {_fmt(weeks)} weeks{feas_text} = {_fmt(score)}"


_FIBONACCI = np.array(
    [0.0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 610, 987, 1597, 2584, 4181, 6765, 10946]
)


def scale_points(rating: Array, scale: str) -> Array:
    """Turn a rating into points. ``linear`` keeps it; ``fibonacci`` maps 1, 2, 3, 4, 5 to
    1, 2, 3, 5, 8 (and between); ``powers_of_two`` maps 1, 2, 3, 4 to 1, 2, 4, 8."""
    if scale == "fibonacci":
        r = np.asarray(rating, dtype=np.float64)
        top = len(_FIBONACCI) - 1
        inside = np.interp(r, np.arange(top + 1), _FIBONACCI)
        # Beyond the table (and below zero) keep growing so more is always better.
        above = _FIBONACCI[-1] * 1.618034 ** (r - top)
        return np.where(r > top, above, np.where(r < 0, r, inside))
    if scale == "powers_of_two":
        return np.exp2(np.asarray(rating, dtype=np.float64) - 1)
    return rating


DEFAULT_SCORECARD = (
    ScorecardCriterion(name="business value", field="business_value", weight=4, max=20),
    ScorecardCriterion(name="time criticality", field="time_criticality", weight=2, max=20),
    ScorecardCriterion(name="strategy alignment", field="strategy_alignment", weight=3, max=1),
    ScorecardCriterion(
        name="technical risk", field="technical_risk", weight=1, max=1, higher_is_better=False
    ),
)


class Scorecard(Framework):
    """A weighted sum of criteria. Each criterion's points come from its scale and are divided
    by the points of its fixed ``max`` (never by the largest value in the backlog), so a score
    depends on the item alone."""

    name, label = "scorecard", "Scorecard"
    uses_effort = False

    def __init__(self, options: PriorityOptions, known: Sequence[str]) -> None:
        super().__init__(options)
        self.criteria = options.scorecard or DEFAULT_SCORECARD
        for index, criterion in enumerate(self.criteria):
            if criterion.field not in known:
                raise RoadwiseError(
                    f"scorecard criterion '{criterion.name}' reads unknown field "
                    f"'{criterion.field}'; known fields: {', '.join(sorted(known))}",
                    field=f"settings.priority.scorecard.{index}.field",
                )
            if criterion.max is not None and criterion.max <= 0:
                raise RoadwiseError(
                    "a criterion's max must be positive",
                    field=f"settings.priority.scorecard.{index}.max",
                )
        self.required = tuple(dict.fromkeys(c.field for c in self.criteria))
        self.default_value_threshold = 0.5 * sum(
            c.weight for c in self.criteria if c.higher_is_better
        )

    @property
    def value_inputs(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.criteria if (c.weight >= 0) == c.higher_is_better)

    def _points(self, c: ScorecardCriterion, v: Array) -> Array:
        pts = scale_points(v, c.scale)
        if c.max is not None:
            pts = pts / scale_points(np.float64(c.max), c.scale)
            return c.weight * (pts if c.higher_is_better else 1.0 - pts)
        return c.weight * (pts if c.higher_is_better else -pts)

    def score(self, x: Inputs) -> Array:
        total: Array = 0.0
        for c in self.criteria:
            total = total + self._points(c, x[c.field])
        return total

    def value(self, x: Inputs) -> Array:
        total: Array = 0.0
        for c in self.criteria:
            if c.higher_is_better:
                total = total + self._points(c, x[c.field])
        return total

    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        parts = tuple(
            Contribution(
                c.field, c.name, x[c.field], "adds", float(self._points(c, np.float64(x[c.field])))
            )
            for c in self.criteria
        )
        score = sum(p.amount or 0.0 for p in parts)
        text = " + ".join(f"{p.label} {_fmt(p.amount or 0.0)}" for p in parts)
        return parts, f"{text} = {_fmt(score)}"


class UserFormula(Framework):
    name, label = "formula", "Formula"
    uses_effort = False

    def __init__(self, options: PriorityOptions, known: Sequence[str]) -> None:
        super().__init__(options)
        if not options.formula:
            raise RoadwiseError(
                "the formula framework needs a formula; set settings.priority.formula, e.g. "
                "'business_value * confidence / effort'",
                field="settings.priority.formula",
            )
        self.formula: Formula = parse_formula(options.formula, known)
        self.required = self.formula.fields
        self.uses_effort = "effort" in self.required

    def score(self, x: Inputs) -> Array:
        # A formula reading no field (``1``, or ``business_value if 1 > 2 else 3``) gives one
        # number: every item scores it.
        shape = np.broadcast_shapes(*(np.shape(v) for v in x.values()))
        return np.broadcast_to(np.asarray(self.formula(x), dtype=np.float64), shape)

    def value(self, x: Inputs) -> Array:
        return self.score(x)

    def breakdown(
        self, x: Mapping[str, float], score: float
    ) -> tuple[tuple[Contribution, ...], str]:
        parts = tuple(Contribution(n, label(n), x[n], "uses") for n in self.required)
        return parts, f"{self.formula.text} = {_fmt(score)}"


def make_framework(options: PriorityOptions, known: Sequence[str] | None = None) -> Framework:
    known = tuple(known if known is not None else INPUT_LABELS)
    _check_effort_options(options)
    name = options.framework.lower()
    wanted = [c.field for c in options.scorecard] if name == "scorecard" else []
    if name == "formula" and options.formula:
        wanted = [w for w in FEEDBACK_INPUTS if w in options.formula]
    for field_name in wanted:
        if field_name in FEEDBACK_INPUTS and field_name not in known:
            raise RoadwiseError(
                f"'{field_name}' comes from linked customer feedback: rank with --feedback "
                "(or pass external_inputs) to use it",
                field="settings.priority",
            )
    simple: dict[str, type[Framework]] = {"rice": Rice, "ice": Ice, "wsjf": Wsjf, "cd3": Cd3}
    if name in simple:
        return simple[name](options)
    if name == "scorecard":
        return Scorecard(options, known)
    if name == "formula":
        return UserFormula(options, known)
    raise RoadwiseError(
        f"unknown framework '{options.framework}'; choose one of {', '.join(FRAMEWORKS)}",
        field="settings.priority.framework",
    )


def quadrant(
    value: float, effort: float | None, value_threshold: float, effort_threshold: float
) -> str | None:
    if effort is None or effort != effort:
        return None
    return QUADRANTS[(value >= value_threshold, effort > effort_threshold)]
