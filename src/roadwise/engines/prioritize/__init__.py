"""Prioritisation: explainable, absolute scores that carry the uncertainty of their inputs.

``prioritize(ws)`` ranks a workspace's open leaf items with the framework set in
``ws.settings.priority`` (WSJF by default) and returns a :class:`PriorityResult`: per item the
point score, the Monte Carlo expected score and 90 % interval, the probability of being in
the top k and the expected rank, each factor's contribution and a value-vs-effort quadrant;
plus the pairs whose order is a coin flip and the inputs most worth estimating better.
``explain``/``tornado`` and ``compare`` answer the follow-up questions from the same result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from roadwise.domain import Item, Uncertain, Workspace
from roadwise.engines.prioritize.engine import (
    ScoreArrays,
    describe_missing,
    quadrant_thresholds,
    score_table,
)
from roadwise.engines.prioritize.explain import compare, tornado
from roadwise.engines.prioritize.formula import Formula, parse_formula
from roadwise.engines.prioritize.frameworks import (
    FRAMEWORKS,
    PriorityOptions,
    make_framework,
    quadrant,
    scale_points,
)
from roadwise.engines.prioritize.inputs import INPUT_LABELS, InputTable, gather_inputs
from roadwise.engines.prioritize.results import (
    CoinFlip,
    Comparison,
    Contribution,
    EpicRollup,
    InformationValue,
    PriorityResult,
    RankedItem,
    TornadoBar,
    UnscoredItem,
)
from roadwise.engines.prioritize.voi import information_value


def prioritize(
    source: Workspace | InputTable | Sequence[Item],
    framework: str | None = None,
    settings: PriorityOptions | None = None,
    top_k: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
    external_inputs: Mapping[str, Mapping[str, Uncertain]] | None = None,
    **options: Any,
) -> PriorityResult:
    """Rank items. ``source`` is a workspace (its open leaf items are ranked), a list of
    items, or an :class:`InputTable` built from arrays (the fast path).

    Keyword arguments override ``settings`` (or the workspace's ``settings.priority``):
    any field of :class:`PriorityOptions` (``risk_penalty``, ``moscow``, ``cod_profile`` …).
    """
    overrides = {
        "framework": framework,
        "top_k": top_k,
        "samples": samples,
        "seed": seed,
        **options,
    }
    if settings is None:
        if isinstance(source, Workspace):
            if overrides["seed"] is None:
                overrides["seed"] = source.settings.seed
            settings = PriorityOptions.from_settings(source.settings.priority, **overrides)
        else:
            settings = PriorityOptions(**{k: v for k, v in overrides.items() if v is not None})
    else:
        settings = _replace(settings, overrides)
    if isinstance(source, InputTable):
        table = source
    elif isinstance(source, Workspace):
        include = None
        if settings.include_epics:
            from roadwise.engines.prioritize.inputs import scorable_items

            include = scorable_items(source, include_epics=True)
        table = gather_inputs(source, include, external_inputs)
    else:
        # Bare items: no objectives or teams to look up, so alignment is zero.
        table = gather_inputs(Workspace(), list(source), external_inputs)
    return build_result(table, settings)


def _replace(settings: PriorityOptions, overrides: Mapping[str, Any]) -> PriorityOptions:
    from dataclasses import replace

    return replace(settings, **{k: v for k, v in overrides.items() if v is not None})


def build_result(table: InputTable, settings: PriorityOptions) -> PriorityResult:
    arrays = score_table(table, settings)
    sim = arrays.simulation
    thresholds = quadrant_thresholds(sim, settings)
    ranked: list[RankedItem] = []
    n = len(sim.table)
    point_inputs = sim.point_inputs(slice(None))
    # Plain Python values, column by column: building one result per item is the slow part
    # for big backlogs, so nothing per item touches NumPy.
    point_lists = {name: v[:, 0].tolist() for name, v in point_inputs.items()}
    score, expected = arrays.score.tolist(), arrays.expected.tolist()
    low, high = arrays.low.tolist(), arrays.high.tolist()
    p_top, exp_rank, value = (
        arrays.p_top_k.tolist(),
        arrays.expected_rank.tolist(),
        arrays.value.tolist(),
    )
    effort_column = sim.table.columns.get("effort")
    efforts: list[float | None] = (
        [
            e if ok else None
            for e, ok in zip(
                effort_column.likely.tolist(), effort_column.present.tolist(), strict=True
            )
        ]
        if effort_column is not None
        else [None] * n
    )
    quadrants = [quadrant(v, e, *thresholds) for v, e in zip(value, efforts, strict=True)]
    uncertain_names = list(sim.uncertain_inputs)
    uncertain_masks = [sim.table.columns[name].uncertain.tolist() for name in uncertain_names]
    kano = sim.table.kano or (None,) * n
    moscow = sim.table.moscow or (None,) * n
    breakdown = sim.framework.breakdown
    names = list(point_lists)
    per_row = list(zip(*point_lists.values(), strict=True))
    for rank, row in enumerate(arrays.order.tolist(), start=1):
        x = dict(zip(names, per_row[row], strict=True))
        contributions, arithmetic = breakdown(x, score[row])
        ranked.append(
            RankedItem(
                key=sim.table.keys[row],
                title=sim.table.titles[row],
                rank=rank,
                score=score[row],
                expected=expected[row],
                interval=(low[row], high[row]),
                p_top_k=p_top[row],
                expected_rank=exp_rank[row],
                value=value[row],
                effort=efforts[row],
                quadrant=quadrants[row],
                kano=kano[row],
                moscow=moscow[row],
                contributions=contributions,
                arithmetic=arithmetic,
                uncertain_inputs=tuple(
                    name
                    for name, mask in zip(uncertain_names, uncertain_masks, strict=True)
                    if mask[row]
                ),
            )
        )
    unscored = tuple(
        UnscoredItem(
            table.keys[r],
            table.titles[r],
            arrays.missing.get(table.keys[r], ()),
            describe_missing(arrays.missing.get(table.keys[r], ())),
        )
        for r in arrays.unscored_rows
    )
    notes = list(table.notes)
    if unscored:
        notes.append(
            f"{len(unscored)} item(s) could not be scored with {sim.framework.label}: "
            "they lack inputs (see unscored)"
        )
    return PriorityResult(
        framework=sim.framework.name,
        framework_label=sim.framework.label,
        top_k=arrays.top_k,
        samples=sim.sampler.samples if arrays.scores is not None else 0,
        seed=settings.seed,
        items=tuple(ranked),
        unscored=unscored,
        coin_flips=coin_flips(arrays, settings.coin_flip_margin),
        information_value=information_value(arrays) if settings.information_value else (),
        quadrant_thresholds=thresholds,
        notes=tuple(notes),
        epics=epic_rollups(sim.table, ranked),
        table=sim.table,
        engine=sim,
    )


def epic_rollups(table: InputTable, ranked: Sequence[RankedItem]) -> tuple[EpicRollup, ...]:
    """Each parent item's share of the ranking, from its ranked leaf items."""
    if not table.ancestors:
        return ()
    by_key = {r.key: r for r in ranked}
    totals: dict[str, list[float]] = {}
    for key, chain in zip(table.keys, table.ancestors, strict=True):
        r = by_key[key]
        for parent in chain:
            t = totals.setdefault(parent, [0, 0.0, float("inf"), 0.0, 0.0])
            t[0] += 1
            t[1] += r.p_top_k
            t[2] = min(t[2], r.rank)
            t[3] += r.value
            t[4] += r.effort or 0.0
    rollups = [
        EpicRollup(key, table.parent_titles.get(key, key), int(t[0]), t[1], int(t[2]), t[3], t[4])
        for key, t in totals.items()
    ]
    rollups.sort(key=lambda e: (-e.expected_in_top_k, e.best_rank, e.key))
    return tuple(rollups)


def coin_flips(
    arrays: ScoreArrays, margin: float = 0.1, window_extra: int = 3, limit: int = 25
) -> tuple[CoinFlip, ...]:
    """Pairs near the top whose order the simulation cannot call with confidence."""
    if arrays.scores is None:
        return ()
    window = arrays.order[: min(len(arrays.order), arrays.top_k + window_extra, 50)]
    block = arrays.scores[window]
    flips: list[CoinFlip] = []
    keys = arrays.simulation.table.keys
    for i in range(len(window)):
        above = block[i][None, :] > block[i + 1 :]
        ties = block[i][None, :] == block[i + 1 :]
        p = above.mean(axis=1) + 0.5 * ties.mean(axis=1)
        for j in np.flatnonzero(np.abs(p - 0.5) <= margin):
            if arrays.tiers is not None and (
                arrays.tiers[window[i]] != arrays.tiers[window[i + 1 + j]]
            ):
                continue  # MoSCoW as a constraint fixes the order across tiers
            flips.append(CoinFlip(keys[window[i]], keys[window[i + 1 + j]], float(p[j])))
    # Pairs that decide the top k come first: both inside it, or one on each side.
    rank = {keys[row]: i for i, row in enumerate(window)}
    flips.sort(key=lambda f: (rank[f.above] >= arrays.top_k, abs(f.p_above - 0.5), f.above))
    return tuple(flips[:limit])


def explain(result: PriorityResult, key: str) -> tuple[RankedItem, tuple[TornadoBar, ...]]:
    """An item's ranking with its contributions, and its tornado (inputs that move it most)."""
    from roadwise.errors import RoadwiseError

    try:
        ranked = result.item(key)
    except KeyError:
        missing = next((u for u in result.unscored if u.key == key), None)
        if missing is not None:
            raise RoadwiseError(
                f"item '{key}' could not be scored: {missing.reason}", field="item"
            ) from None
        raise RoadwiseError(
            f"item '{key}' is not among the ranked items (only open leaf items are ranked)",
            field="item",
        ) from None
    return ranked, tornado(result, key)


__all__ = [
    "FRAMEWORKS",
    "INPUT_LABELS",
    "CoinFlip",
    "Comparison",
    "Contribution",
    "EpicRollup",
    "Formula",
    "InformationValue",
    "InputTable",
    "PriorityOptions",
    "PriorityResult",
    "RankedItem",
    "ScoreArrays",
    "TornadoBar",
    "UnscoredItem",
    "build_result",
    "compare",
    "explain",
    "gather_inputs",
    "make_framework",
    "parse_formula",
    "prioritize",
    "scale_points",
    "score_table",
    "tornado",
]
