"""The workspace's domain model: what a product team plans with.

Every entity is a pydantic model, validated when it is built (from YAML, CSV, the database
or the API). Field names are the words a TPM uses. Engines take these objects and never
change them (models are frozen where that is cheap; collections are treated as read-only).

Conventions
-----------
* Keys (``key``) are short, unique, human-readable identifiers: ``PAY-12``, ``platform``.
* Dates are :class:`datetime.date`; timestamps (delivery history) are timezone-naive UTC
  :class:`datetime.datetime`.
* Anything a person estimates may be uncertain: an :class:`Estimate` for size, an
  :data:`Uncertain` (a number or a :class:`Range`) for value inputs.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

Key = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\s,;]+$")]
KEY_RULE = "a key must not contain spaces, commas or semicolons"
""":data:`Key`'s pattern in words, for errors (the regex means nothing to a reader)."""
Share = Annotated[float, Field(ge=0.0, le=1.0)]


def _utc_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo is not None else value


Moment = Annotated[dt.datetime, AfterValidator(_utc_naive)]
"""A point in time, kept as naive UTC: one given with a time zone (``...+02:00``) is converted,
so moments from different sources compare and subtract."""

FIRST_DAY, LAST_DAY = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
Day = Annotated[dt.date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar day a plan can reach: a year like 9999 is a typo, and no calendar, forecast or
chart could go that far."""


class Model(BaseModel):
    """Base for domain objects: strict about unknown fields so typos are caught, and about
    numbers: NaN and infinity are refused (a score, a cost of delay or an estimate of "inf"
    passed every range check and broke the engines later)."""

    model_config = ConfigDict(
        extra="forbid", validate_assignment=True, use_enum_values=False, allow_inf_nan=False
    )


# --------------------------------------------------------------------------- enumerations


class ItemKind(StrEnum):
    EPIC = "epic"
    FEATURE = "feature"
    STORY = "story"
    BUG = "bug"
    TECH_DEBT = "tech_debt"


class Status(StrEnum):
    """Where an item is in its life. The order of the members is the order of progress."""

    IDEA = "idea"
    DISCOVERY = "discovery"
    READY = "ready"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    LAUNCHED = "launched"
    DROPPED = "dropped"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES

    @property
    def is_finished(self) -> bool:
        return self in (Status.DONE, Status.LAUNCHED)


OPEN_STATUSES = frozenset({Status.IDEA, Status.DISCOVERY, Status.READY, Status.IN_PROGRESS})


class EstimateUnit(StrEnum):
    POINTS = "points"
    PERSON_DAYS = "person_days"


class Kano(StrEnum):
    MUST_BE = "must_be"
    PERFORMANCE = "performance"
    ATTRACTIVE = "attractive"
    INDIFFERENT = "indifferent"
    REVERSE = "reverse"


class MoSCoW(StrEnum):
    MUST = "must"
    SHOULD = "should"
    COULD = "could"
    WONT = "wont"


class Distribution(StrEnum):
    """How a three-point range is turned into a distribution for Monte Carlo."""

    PERT = "pert"
    TRIANGULAR = "triangular"
    UNIFORM = "uniform"
    LOGNORMAL = "lognormal"


class DependencyType(StrEnum):
    FINISH_TO_START = "finish_to_start"


class Tier(StrEnum):
    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    GROWTH = "growth"
    STARTER = "starter"


class FeedbackSource(StrEnum):
    SUPPORT = "support"
    APP_REVIEW = "app_review"
    SURVEY = "survey"
    SALES = "sales"
    COMMUNITY = "community"
    INTERVIEW = "interview"
    OTHER = "other"


# --------------------------------------------------------------------------- value types


_Z95 = 1.6448536269514722  # a log-normal range's low and high: its 5th and 95th percentile


class Range(Model):
    """A three-point estimate: low ≤ likely ≤ high, turned into a distribution when sampled."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float
    likely: float
    high: float
    distribution: Distribution = Distribution.PERT

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not (self.low <= self.likely <= self.high):
            raise ValueError(
                f"range must satisfy low <= likely <= high, got "
                f"low={self.low}, likely={self.likely}, high={self.high}"
            )
        return self

    @classmethod
    def point(cls, value: float) -> Range:
        return cls(low=value, likely=value, high=value)

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    @property
    def mean(self) -> float:
        """Mean of the range under its distribution (PERT: (l + 4m + h) / 6)."""
        if self.distribution == Distribution.PERT:
            return (self.low + 4 * self.likely + self.high) / 6
        if self.distribution == Distribution.TRIANGULAR:
            return (self.low + self.likely + self.high) / 3
        if self.distribution == Distribution.UNIFORM:
            return (self.low + self.high) / 2
        if self.is_point or self.low <= 0:
            # a log-normal cannot reach 0: such a range is sampled as PERT
            return self.likely if self.is_point else (self.low + 4 * self.likely + self.high) / 6
        # Split log-normal: median likely, 5th and 95th percentiles low and high, so each
        # half is E[exp(s Z); Z < 0] or E[exp(s Z); Z >= 0] = exp(s²/2) Φ(∓s).
        below = math.log(self.likely / self.low) / _Z95
        above = math.log(self.high / self.likely) / _Z95

        def half(spread: float, sign: float) -> float:
            return math.exp(spread * spread / 2) * 0.5 * math.erfc(-sign * spread / math.sqrt(2))

        return self.likely * (half(below, -1.0) + half(above, 1.0))


Uncertain = float | Range
"""A number a person states exactly, or a three-point range when they are unsure."""


def likely(value: Uncertain | None, default: float = 0.0) -> float:
    """The most likely value of a number or range."""
    if value is None:
        return default
    if isinstance(value, Range):
        return value.likely
    return float(value)


def as_range(value: Uncertain) -> Range:
    return value if isinstance(value, Range) else Range.point(float(value))


class Estimate(Model):
    """The size of an item as a range with a unit."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    low: float = Field(ge=0)
    likely: float = Field(ge=0)
    high: float = Field(ge=0)
    unit: EstimateUnit = EstimateUnit.POINTS

    @model_validator(mode="after")
    def _ordered(self) -> Estimate:
        if not (self.low <= self.likely <= self.high):
            raise ValueError(
                f"estimate must satisfy low <= likely <= high, got "
                f"low={self.low}, likely={self.likely}, high={self.high}"
            )
        return self

    @property
    def range(self) -> Range:
        return Range(low=self.low, likely=self.likely, high=self.high)

    @property
    def pert_mean(self) -> float:
        return (self.low + 4 * self.likely + self.high) / 6

    def percentile(self, q: float) -> float:
        """The q-th quantile (0..1) of the PERT distribution of this estimate."""
        if self.low == self.high:
            return self.low
        from scipy import stats  # local: scipy is heavy and only needed here

        span = self.high - self.low
        a = 1 + 4 * (self.likely - self.low) / span
        b = 1 + 4 * (self.high - self.likely) / span
        return float(self.low + span * stats.beta.ppf(q, a, b))


class ValueInputs(Model):
    """What an item is worth, in the inputs of the common frameworks.

    * RICE: ``reach`` (people or accounts per quarter), ``impact`` (0.25 minimal … 3 massive),
      ``confidence`` (0..1).
    * WSJF: ``business_value``, ``time_criticality``, ``risk_reduction`` (relative, usually
      Fibonacci 1..20).
    * Cost of delay: ``cost_of_delay`` in money per week of delay.
    * ICE: ``impact``, ``confidence``, ``ease`` (1..10).
    """

    reach: Uncertain | None = None
    impact: Uncertain | None = None
    confidence: Uncertain | None = None
    ease: Uncertain | None = None
    business_value: Uncertain | None = None
    time_criticality: Uncertain | None = None
    risk_reduction: Uncertain | None = None
    cost_of_delay: Uncertain | None = None
    kano: Kano | None = None
    moscow: MoSCoW | None = None

    @field_validator(
        "reach",
        "impact",
        "ease",
        "business_value",
        "time_criticality",
        "risk_reduction",
        "cost_of_delay",
    )
    @classmethod
    def _not_negative(cls, v: Uncertain | None, info: ValidationInfo) -> Uncertain | None:
        # every framework reads these as amounts: a negative one would turn a score upside down
        low = v.low if isinstance(v, Range) else v
        if low is not None and low < 0:
            raise ValueError(f"{info.field_name} must not be negative, got {low:g}")
        return v

    @field_validator("confidence")
    @classmethod
    def _confidence_is_share(cls, v: Uncertain | None) -> Uncertain | None:
        if v is None:
            return v
        low, high = (v.low, v.high) if isinstance(v, Range) else (v, v)
        if low < 0 or high > 1:
            raise ValueError("confidence is a share between 0 and 1 (e.g. 0.8 for 80%)")
        return v


class Dependency(Model):
    """This item can start only after ``item`` has finished (plus ``lag_days``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Key
    type: DependencyType = DependencyType.FINISH_TO_START
    lag_days: int = Field(default=0, ge=0, le=3650)
    """At most ten years: a longer wait is a typo, and would size the plan's calendar."""


class Deadline(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    date: Day
    hard: bool = False
    reason: str = ""


class ObjectiveLink(Model):
    """An item serves an objective with a contribution weight (0..1)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    objective: Key
    contribution: Share = 1.0


class SourceRef(Model):
    """Where an item came from in an issue tracker, so reports can link back."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str
    key: str
    url: str | None = None


# --------------------------------------------------------------------------- strategy


class KeyResult(Model):
    key: Key
    metric: str
    baseline: float
    target: float
    current: float | None = None
    unit: str = ""

    @property
    def progress(self) -> float | None:
        """Share of the way from baseline to target (can be < 0 or > 1)."""
        if self.current is None or self.target == self.baseline:
            return None
        return (self.current - self.baseline) / (self.target - self.baseline)


class Objective(Model):
    key: Key
    title: str
    description: str = ""
    weight: float = Field(default=1.0, ge=0)
    due: Day | None = None
    key_results: list[KeyResult] = Field(default_factory=list)


class Theme(Model):
    """An investment theme (new features, tech debt, reliability) with its capacity share."""

    key: Key
    name: str
    target_share: Share | None = None
    min_share: Share = 0.0
    max_share: Share = 1.0

    @model_validator(mode="after")
    def _bounds(self) -> Theme:
        if self.min_share > self.max_share:
            raise ValueError(
                f"min_share ({self.min_share}) must not exceed max_share ({self.max_share})"
            )
        if self.target_share is not None and not (
            self.min_share <= self.target_share <= self.max_share
        ):
            raise ValueError("target_share must lie between min_share and max_share")
        return self


# --------------------------------------------------------------------------- backlog


class Item(Model):
    key: Key
    title: str = Field(min_length=1)
    description: str = ""
    kind: ItemKind = ItemKind.STORY
    status: Status = Status.IDEA
    parent: Key | None = None
    estimate: Estimate | None = None
    value: ValueInputs = Field(default_factory=ValueInputs)
    technical_risk: Share = 0.0
    dependencies: list[Dependency] = Field(default_factory=list)
    deadline: Deadline | None = None
    skills: list[str] = Field(default_factory=list)
    team: Key | None = None
    assignee: Key | None = None
    objectives: list[ObjectiveLink] = Field(default_factory=list)
    theme: Key | None = None
    tags: list[str] = Field(default_factory=list)
    customers: list[Key] = Field(default_factory=list)
    release: Key | None = None
    created: Moment | None = None
    started: Moment | None = None
    done: Moment | None = None
    source: SourceRef | None = None
    version: int = Field(default=1, ge=1)

    @field_validator("title")
    @classmethod
    def _title_not_blank(cls, title: str) -> str:
        # a title of spaces lists as an empty row everywhere an item is named
        if not title.strip():
            raise ValueError("a title must not be blank")
        return title

    @model_validator(mode="after")
    def _times_ordered(self) -> Item:
        if self.created and self.started and self.started < self.created:
            raise ValueError("started must not be before created")
        if self.started and self.done and self.done < self.started:
            raise ValueError("done must not be before started")
        if self.key == self.parent:
            raise ValueError("an item cannot be its own parent")
        if any(d.item == self.key for d in self.dependencies):
            raise ValueError("an item cannot depend on itself")
        return self

    @property
    def is_open(self) -> bool:
        return self.status.is_open


# --------------------------------------------------------------------------- people


class DateRange(Model):
    model_config = ConfigDict(extra="forbid", frozen=True)

    start: Day
    end: Day
    reason: str = ""

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end ({self.end}) must not be before start ({self.start})")
        return self

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


class Person(Model):
    key: Key
    name: str
    skills: list[str] = Field(default_factory=list)
    availability: Share = 1.0
    days_off: list[DateRange] = Field(default_factory=list)
    country: str | None = None
    cost_per_day: float = Field(default=0.0, ge=0)
    joins: Day | None = None
    leaves: Day | None = None
    ramp_up_days: int = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _dates(self) -> Person:
        if self.joins and self.leaves and self.leaves < self.joins:
            raise ValueError("leaves must not be before joins")
        return self


class Team(Model):
    key: Key
    name: str
    people: list[Person] = Field(default_factory=list)
    country: str = "US"
    focus_factor: Share = 0.8
    unplanned_share: Share = 0.15
    wip_limit: int | None = Field(default=None, ge=1)
    points_per_person_day: float = Field(default=1.0, gt=0)

    @property
    def skills(self) -> set[str]:
        return {s for p in self.people for s in p.skills}


# --------------------------------------------------------------------------- cycles


class Release(Model):
    key: Key
    name: str
    date: Day
    start: Day | None = None
    description: str = ""

    @model_validator(mode="after")
    def _dates(self) -> Release:
        if self.start and self.start > self.date:
            raise ValueError("a release's start must not be after its date")
        return self


class Cycles(Model):
    """Sprint cadence and releases."""

    sprint_length_days: int = Field(default=14, ge=1, le=90)
    first_sprint_start: Day = dt.date(2026, 1, 5)
    releases: list[Release] = Field(default_factory=list)

    def sprint_of(self, day: dt.date) -> int:
        """0-based index of the sprint containing ``day`` (negative before the first)."""
        return (day - self.first_sprint_start).days // self.sprint_length_days

    def sprint_start(self, index: int) -> dt.date:
        return self.first_sprint_start + dt.timedelta(days=index * self.sprint_length_days)

    def sprint_name(self, index: int) -> str:
        """The one name of sprint ``index`` in every view and export ("Sprint 23"): the
        number is the workspace's own sprint number (``first_sprint_start`` begins sprint 0),
        never renumbered for one output."""
        return f"Sprint {index}"


# --------------------------------------------------------------------------- customers


class Customer(Model):
    key: Key
    name: str
    segment: str = ""
    annual_revenue: float = Field(default=0.0, ge=0)
    tier: Tier = Tier.GROWTH


class FeedbackLink(Model):
    """A feedback text is about an item. ``confirmed`` is None while only proposed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    item: Key
    score: float | None = None
    confirmed: bool | None = None


FEEDBACK_LABELS: tuple[str, ...] = ("bug", "feature", "praise", "question", "other")
"""Feedback kinds, in the user's words: bug report, feature request, praise, question, other."""


class Feedback(Model):
    key: Key
    text: str = Field(min_length=1)
    source: FeedbackSource = FeedbackSource.OTHER
    customer: Key | None = None
    date: Day
    rating: int | None = Field(default=None, ge=1, le=5)
    label: str | None = None
    # Who set ``label``: "user" (a person; the classifier learns from these), "model" or
    # "rules" (Roadwise's own guess, replaced on the next classification run).
    label_source: Literal["user", "model", "rules"] | None = None
    sentiment: str | None = None
    links: list[FeedbackLink] = Field(default_factory=list)

    @field_validator("label", mode="before")
    @classmethod
    def _known_label(cls, value: Any) -> Any:
        # The classifier learns from people's labels: one it has no kind for cannot be
        # learned from, so it is refused here rather than failing every analysis later.
        if isinstance(value, str):
            value = value.strip().lower()
            if value not in FEEDBACK_LABELS:
                raise ValueError(
                    f"unknown label '{value}'; use one of {', '.join(FEEDBACK_LABELS)}"
                )
        return value


# --------------------------------------------------------------------------- history


class HistoryRecord(Model):
    """One finished piece of work: the raw material of throughput and cycle-time forecasts."""

    key: Key
    title: str = ""
    team: Key | None = None
    kind: ItemKind = ItemKind.STORY
    points: float | None = Field(default=None, ge=0)
    estimate: Estimate | None = None
    created: Moment
    started: Moment | None = None
    done: Moment

    @model_validator(mode="after")
    def _ordered(self) -> HistoryRecord:
        if self.done < self.created:
            raise ValueError("done must not be before created")
        if self.started and not (self.created <= self.started <= self.done):
            raise ValueError("started must lie between created and done")
        return self


# --------------------------------------------------------------------------- decisions


class ScenarioChange(Model):
    """One change a scenario makes: set ``field`` of the ``entity`` with ``key`` to ``value``.

    ``entity`` is ``item``, ``team``, ``person``, ``release`` or ``workspace``; ``field`` may be
    dotted (``estimate.likely``, ``deadline.date``). ``action`` ``remove`` drops the entity
    (descoping an item); ``add`` adds ``value`` as a new entity.
    """

    entity: Literal["item", "team", "person", "release", "customer", "workspace"]
    key: str = ""
    field: str = ""
    value: Any = None
    action: Literal["set", "remove", "add"] = "set"


class Scenario(Model):
    key: Key
    name: str
    description: str = ""
    changes: list[ScenarioChange] = Field(default_factory=list)


class Decision(Model):
    key: Key
    date: Day
    title: str
    rationale: str = ""
    who: str = ""
    items: list[Key] = Field(default_factory=list)


class Plan(Model):
    """A stored engine result (release plan, roadmap, forecast), kept for comparison."""

    key: Key
    kind: str
    created: Moment
    scenario: Key | None = None
    summary: str = ""
    payload: dict[str, Any] = Field(default_factory=dict)


# --------------------------------------------------------------------------- settings


class ScorecardCriterion(Model):
    """One criterion of a weighted scorecard: an item field (or derived input) and its weight."""

    name: str
    field: str
    weight: float
    scale: Literal["linear", "fibonacci", "powers_of_two"] = "linear"
    higher_is_better: bool = True
    max: float | None = None


PriorityFramework = Literal["rice", "ice", "wsjf", "cd3", "scorecard", "formula"]

PRIORITY_FRAMEWORKS: tuple[str, ...] = get_args(PriorityFramework)
"""The scoring frameworks a workspace can name as its default (see ``engines.prioritize``)."""


class PrioritySettings(Model):
    framework: PriorityFramework = "wsjf"
    top_k: int = Field(default=10, ge=1)
    scorecard: list[ScorecardCriterion] = Field(default_factory=list)
    formula: str | None = None
    samples: int = Field(default=1000, ge=10)

    @field_validator("framework", mode="before")
    @classmethod
    def _framework_name(cls, v: Any) -> Any:
        return v.strip().lower() if isinstance(v, str) else v


class Settings(Model):
    currency: str = "USD"
    seed: int = 0
    priority: PrioritySettings = Field(default_factory=PrioritySettings)
    glossary: dict[str, str] = Field(default_factory=dict)
    extra: dict[str, Any] = Field(default_factory=dict)
