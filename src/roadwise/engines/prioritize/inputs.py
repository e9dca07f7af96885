"""The inputs every framework reads, gathered into arrays (one row per item).

Domain objects are turned into columns once; every framework, the Monte Carlo and the
explanations then work on arrays. :meth:`InputTable.from_arrays` is the fast path for callers
that already hold arrays (benchmarks, imports of large backlogs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from roadwise.domain import (
    Distribution,
    EstimateUnit,
    Item,
    ItemKind,
    Range,
    Uncertain,
    Workspace,
)
from roadwise.domain.workspace import ancestor_keys
from roadwise.errors import RoadwiseError

FloatArray = NDArray[np.float64]

DISTRIBUTION_CODES: dict[Distribution, int] = {
    Distribution.PERT: 0,
    Distribution.TRIANGULAR: 1,
    Distribution.UNIFORM: 2,
    Distribution.LOGNORMAL: 3,
}

KANO_POINTS = {
    "must_be": 4.0,
    "performance": 3.0,
    "attractive": 2.0,
    "indifferent": 1.0,
    "reverse": 0.0,
}
MOSCOW_POINTS = {"must": 4.0, "should": 3.0, "could": 2.0, "wont": 1.0}

# Every input a framework, a scorecard criterion or a formula may name: label and unit.
INPUT_LABELS: dict[str, tuple[str, str]] = {
    "reach": ("reach", "people per quarter"),
    "impact": ("impact", ""),
    "confidence": ("confidence", ""),
    "ease": ("ease", ""),
    "business_value": ("business value", ""),
    "time_criticality": ("time criticality", ""),
    "risk_reduction": ("risk reduction / opportunity enablement", ""),
    "cost_of_delay": ("cost of delay", "per week"),
    "effort": ("effort", "points"),
    "technical_risk": ("technical risk", ""),
    "feasibility": ("feasibility", ""),
    "strategy_alignment": ("strategy alignment", ""),
    "customer_demand": ("customer demand", ""),
    "kano": ("Kano category", ""),
    "moscow": ("MoSCoW", ""),
    "weeks_to_deadline": ("weeks to deadline", "weeks"),
}

_VALUE_FIELDS = (
    "reach",
    "impact",
    "confidence",
    "ease",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "cost_of_delay",
)


def label(name: str) -> str:
    known = INPUT_LABELS.get(name)
    return known[0] if known else name.replace("_", " ")


@dataclass(frozen=True)
class InputColumn:
    """One input for every item: three points, a distribution code and whether it is known."""

    low: FloatArray
    likely: FloatArray
    high: FloatArray
    dist: NDArray[np.int8]
    present: NDArray[np.bool_]

    @property
    def uncertain(self) -> NDArray[np.bool_]:
        return self.present & (self.high > self.low)

    def take(self, rows: NDArray[np.intp]) -> InputColumn:
        return InputColumn(
            self.low[rows], self.likely[rows], self.high[rows], self.dist[rows], self.present[rows]
        )

    @classmethod
    def from_values(
        cls, values: ArrayLike | tuple[ArrayLike, ArrayLike, ArrayLike], n: int
    ) -> InputColumn:
        """A column from one array (exact values; NaN = unknown) or (low, likely, high)."""
        if isinstance(values, tuple):
            low, mid, high = (
                np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy() for v in values
            )
        else:
            mid = np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)).copy()
            low, high = mid.copy(), mid.copy()
        present = ~(np.isnan(low) | np.isnan(mid) | np.isnan(high))
        if np.any(present & ((low > mid) | (mid > high))):
            bad = int(np.flatnonzero(present & ((low > mid) | (mid > high)))[0])
            raise RoadwiseError(
                f"row {bad}: a range must satisfy low <= likely <= high "
                f"(got {low[bad]}, {mid[bad]}, {high[bad]})"
            )
        return cls(low, mid, high, np.zeros(n, dtype=np.int8), present)


@dataclass(frozen=True)
class InputTable:
    """Inputs of the items being ranked, one row per item, one column per input."""

    keys: tuple[str, ...]
    titles: tuple[str, ...]
    columns: Mapping[str, InputColumn]
    kano: tuple[str | None, ...] = ()
    moscow: tuple[str | None, ...] = ()
    cod_profile: tuple[str | None, ...] = ()
    """Per-item cost-of-delay profile from a ``cod:<profile>`` tag (None: the default)."""
    notes: tuple[str, ...] = field(default=())
    ancestors: tuple[tuple[str, ...], ...] = ()
    """Per item, the keys of its parents up the hierarchy (feature, epic, ...)."""
    parent_titles: Mapping[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    def row(self, key: str) -> int:
        try:
            return self.keys.index(key)
        except ValueError:
            raise RoadwiseError(f"item '{key}' is not among the ranked items") from None

    def take(self, rows: NDArray[np.intp]) -> InputTable:
        picked = [int(r) for r in rows]

        def pick(values: tuple[str | None, ...]) -> tuple[str | None, ...]:
            return tuple(values[r] for r in picked) if values else ()

        return InputTable(
            keys=tuple(self.keys[r] for r in picked),
            titles=tuple(self.titles[r] for r in picked),
            columns={name: col.take(rows) for name, col in self.columns.items()},
            kano=pick(self.kano),
            moscow=pick(self.moscow),
            cod_profile=pick(self.cod_profile),
            ancestors=tuple(self.ancestors[r] for r in picked) if self.ancestors else (),
            parent_titles=self.parent_titles,
            notes=self.notes,
        )

    @classmethod
    def from_arrays(
        cls,
        keys: Sequence[str],
        columns: Mapping[str, ArrayLike | tuple[ArrayLike, ArrayLike, ArrayLike]],
        titles: Sequence[str] | None = None,
        distribution: Distribution = Distribution.PERT,
    ) -> InputTable:
        """The fast path: inputs given as arrays (NaN marks an unknown value)."""
        n = len(keys)
        built: dict[str, InputColumn] = {}
        for name, values in columns.items():
            col = InputColumn.from_values(values, n)
            col.dist[:] = DISTRIBUTION_CODES[distribution]
            built[name] = col
        _add_derived(built, n)
        return cls(tuple(keys), tuple(titles or keys), built)


def _add_derived(columns: dict[str, InputColumn], n: int) -> None:
    if "technical_risk" not in columns:
        zeros = np.zeros(n)
        columns["technical_risk"] = InputColumn(
            zeros, zeros.copy(), zeros.copy(), np.zeros(n, np.int8), np.ones(n, bool)
        )
    risk = columns["technical_risk"]
    if "feasibility" not in columns:
        columns["feasibility"] = InputColumn(
            1 - risk.high, 1 - risk.likely, 1 - risk.low, risk.dist.copy(), risk.present.copy()
        )


def scorable_items(ws: Workspace, include_epics: bool = False) -> list[Item]:
    """Open leaf items: the ones that carry work. Epics are ranked through their children."""
    leaves = ws.leaf_items(ws.open_items())
    if include_epics:
        return [*leaves, *(i for i in ws.open_items() if i not in leaves)]
    return [i for i in leaves if i.kind != ItemKind.EPIC]


class _ColumnBuilder:
    """Collects one input item by item in Python lists (NumPy element writes are slower)."""

    def __init__(self, n: int) -> None:
        nan = float("nan")
        self.low = [nan] * n
        self.likely = [nan] * n
        self.high = [nan] * n
        self.dist = [0] * n

    def set(self, row: int, value: Uncertain, scale: float = 1.0) -> None:
        if isinstance(value, Range):
            self.low[row] = value.low * scale
            self.likely[row] = value.likely * scale
            self.high[row] = value.high * scale
            self.dist[row] = DISTRIBUTION_CODES[value.distribution]
        else:
            self.low[row] = self.likely[row] = self.high[row] = float(value) * scale

    def set_points(self, row: int, low: float, likely: float, high: float) -> None:
        self.low[row], self.likely[row], self.high[row] = low, likely, high

    def build(self) -> InputColumn:
        likely = np.array(self.likely, dtype=np.float64)
        return InputColumn(
            np.array(self.low, dtype=np.float64),
            likely,
            np.array(self.high, dtype=np.float64),
            np.array(self.dist, dtype=np.int8),
            ~np.isnan(likely),
        )


def gather_inputs(
    ws: Workspace,
    items: Iterable[Item] | None = None,
    external_inputs: Mapping[str, Mapping[str, Uncertain]] | None = None,
) -> InputTable:
    """Read every input of the items (default: :func:`scorable_items`) into an InputTable.

    ``external_inputs`` maps a criterion (``customer_demand``, ``reach``) to values per item
    key. A value the item states itself wins over an external one for the same input; an
    external criterion the item has no value for counts as zero (no linked feedback, no demand).
    """
    chosen = scorable_items(ws) if items is None else list(items)
    n = len(chosen)
    builders = {name: _ColumnBuilder(n) for name in (*_VALUE_FIELDS, "effort")}
    risk = np.zeros(n)
    alignment = np.zeros(n)
    kano_points = _ColumnBuilder(n)
    moscow_points = _ColumnBuilder(n)
    deadline_weeks = _ColumnBuilder(n)
    objective_weight = {o.key: o.weight for o in ws.objectives}
    # Alignment is the share of the strategy's total weight the item serves (0..1): weight x
    # contribution summed over its objectives, divided by the weight of all objectives, which
    # depends on the strategy only, never on the other items.
    total_weight = sum(objective_weight.values()) or 1.0
    team_rate = {t.key: t.points_per_person_day for t in ws.teams}
    kano: list[str | None] = []
    moscow: list[str | None] = []
    profiles: list[str | None] = []
    for row, item in enumerate(chosen):
        value = item.value
        for name in _VALUE_FIELDS:
            v = getattr(value, name)
            if v is not None:
                builders[name].set(row, v)
        if item.estimate is not None:
            scale = 1.0
            if item.estimate.unit == EstimateUnit.PERSON_DAYS:
                # Rank everything in points: a person-day is worth the team's usual points.
                scale = team_rate.get(item.team or "", 1.0)
            e = item.estimate  # estimates are PERT ranges (code 0, the builder's default)
            builders["effort"].set_points(row, e.low * scale, e.likely * scale, e.high * scale)
        risk[row] = item.technical_risk
        alignment[row] = (
            sum(
                objective_weight.get(link.objective, 0.0) * link.contribution
                for link in item.objectives
            )
            / total_weight
        )
        kano.append(value.kano.value if value.kano else None)
        moscow.append(value.moscow.value if value.moscow else None)
        if value.kano:
            kano_points.set(row, KANO_POINTS[value.kano.value])
        if value.moscow:
            moscow_points.set(row, MOSCOW_POINTS[value.moscow.value])
        if item.deadline:
            deadline_weeks.set(row, (item.deadline.date - ws.as_of).days / 7.0)
        profiles.append(next((t[4:] for t in item.tags if t.startswith("cod:")), None))

    columns = {name: b.build() for name, b in builders.items()}
    ones = np.ones(n, dtype=bool)
    columns["technical_risk"] = InputColumn(
        risk, risk.copy(), risk.copy(), np.zeros(n, np.int8), ones
    )
    columns["strategy_alignment"] = InputColumn(
        alignment, alignment.copy(), alignment.copy(), np.zeros(n, np.int8), ones.copy()
    )
    columns["kano"] = kano_points.build()
    columns["moscow"] = moscow_points.build()
    columns["weeks_to_deadline"] = deadline_weeks.build()
    notes: list[str] = []
    keys = [i.key for i in chosen]
    for name, per_item in (external_inputs or {}).items():
        notes.extend(_merge_external(columns, name, per_item, keys))
    _add_derived(columns, n)
    return InputTable(
        keys=tuple(keys),
        titles=tuple(i.title for i in chosen),
        columns=columns,
        kano=tuple(kano),
        moscow=tuple(moscow),
        cod_profile=tuple(profiles),
        ancestors=tuple(ancestor_keys(item, ws.item_by_key) for item in chosen),
        parent_titles={i.key: i.title for i in ws.items if i.key in _parent_keys(ws)},
        notes=tuple(notes),
    )


def _parent_keys(ws: Workspace) -> set[str]:
    return {i.parent for i in ws.items if i.parent}


def _merge_external(
    columns: dict[str, InputColumn],
    name: str,
    per_item: Mapping[str, Uncertain],
    keys: Sequence[str],
) -> list[str]:
    n = len(keys)
    incoming = _ColumnBuilder(n)
    for row, key in enumerate(keys):
        v = per_item.get(key)
        if v is not None:
            incoming.set(row, v)
    ext = incoming.build()
    existing = columns.get(name)
    if existing is None:
        # A criterion only the external source knows: no entry means none of it (zero).
        missing = ~ext.present
        for arr in (ext.low, ext.likely, ext.high):
            arr[missing] = 0.0
        ext.present[:] = True
        columns[name] = ext
        return []
    fill = ~existing.present & ext.present
    if not fill.any():
        return []
    merged = InputColumn(
        np.where(fill, ext.low, existing.low),
        np.where(fill, ext.likely, existing.likely),
        np.where(fill, ext.high, existing.high),
        np.where(fill, ext.dist, existing.dist).astype(np.int8),
        existing.present | fill,
    )
    columns[name] = merged
    return [f"{label(name)} for {int(fill.sum())} item(s) comes from linked customer feedback"]
