"""The ranking itself: point scores, Monte Carlo, ranks, and the typed result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from roadwise.engines.prioritize.frameworks import (
    PROFILE_CODES,
    Framework,
    PriorityOptions,
    make_framework,
)
from roadwise.engines.prioritize.inputs import InputTable, label
from roadwise.engines.prioritize.uncertainty import Sampler, interval, key_hashes, rank_statistics

FloatArray = NDArray[np.float64]
BLOCK_CELLS = 1 << 18  # items x samples simulated at once: small enough to stay in cache

NOT_FINITE = "score"
NOT_FINITE_SAMPLED = "sampled score"
"""Marks an item whose inputs are all there but whose score is not a finite number."""

MOSCOW_TIER = {"must": 0, "should": 1, "could": 2, None: 2, "wont": 3}


@dataclass(frozen=True)
class Simulation:
    """Everything needed to score any subset of the ranked items again, sample for sample."""

    framework: Framework
    table: InputTable
    sampler: Sampler
    profile: NDArray[np.float64]

    @property
    def uncertain_inputs(self) -> tuple[str, ...]:
        return tuple(
            n
            for n in self.framework.inputs
            if n in self.table.columns and self.table.columns[n].uncertain.any()
        )

    def point_inputs(self, rows: Any) -> dict[str, Any]:
        x: dict[str, Any] = {
            n: self.table.columns[n].likely[rows][:, None]
            for n in self.framework.inputs
            if n in self.table.columns
        }
        x["_profile"] = self.profile[rows][:, None]
        return x

    def sampled_inputs(self, rows: Any) -> dict[str, Any]:
        x: dict[str, Any] = {}
        for n in self.framework.inputs:
            if n in self.table.columns:
                x[n] = self.sampler.draw(n, self.table.columns[n], rows)
        x["_profile"] = self.profile[rows][:, None]
        return x

    def point_scores(self, rows: Any = slice(None)) -> FloatArray:
        with np.errstate(all="ignore"):
            return np.asarray(self.framework.score(self.point_inputs(rows)), dtype=np.float64)[:, 0]

    def simulate(self, rows: NDArray[np.intp] | None = None) -> NDArray[np.float32]:
        """The score matrix (rows, samples), simulated block by block."""
        return self.simulate_with_summary(rows)[0]

    def simulate_with_summary(
        self, rows: NDArray[np.intp] | None = None
    ) -> tuple[NDArray[np.float32], FloatArray, FloatArray, FloatArray]:
        """The score matrix, and each row's mean and 90 % interval (computed block by block
        while the block is still in the cache). The interval is the 5th to 95th percentile
        unless the point score lies beyond it: see :func:`interval`."""
        index = np.arange(len(self.table)) if rows is None else np.asarray(rows, dtype=np.intp)
        s = self.sampler.samples
        out = np.empty((index.size, s), dtype=np.float32)
        mean, low, high = np.empty(index.size), np.empty(index.size), np.empty(index.size)
        block = max(1, BLOCK_CELLS // max(1, s))
        with np.errstate(all="ignore"):
            for start in range(0, index.size, block):
                chunk = index[start : start + block]
                score = np.broadcast_to(
                    self.framework.score(self.sampled_inputs(chunk)), (chunk.size, s)
                )
                done = slice(start, start + chunk.size)
                out[done] = score
                mean[done] = out[done].mean(axis=1, dtype=np.float64)
                low[done], high[done] = interval(out[done], self.point_scores(chunk), mean[done])
        return out, mean, low, high


@dataclass(frozen=True)
class ScoreArrays:
    """The ranking as arrays, row-aligned with ``simulation.table`` (the fast path's output)."""

    simulation: Simulation
    score: FloatArray
    value: FloatArray
    expected: FloatArray
    low: FloatArray
    high: FloatArray
    """The ends of each row's 90 % interval: the 5th and 95th percentile of its sampled score,
    slid to hold the point score where that lies beyond them (:func:`interval`)."""
    p_top_k: FloatArray
    expected_rank: FloatArray
    order: NDArray[np.intp]
    """Rows from best to worst."""
    scores: NDArray[np.float32] | None
    """The simulated score matrix (None when no input is uncertain or samples = 0)."""
    unscored_rows: NDArray[np.intp]
    missing: dict[str, tuple[str, ...]]
    top_k: int
    tiers: NDArray[np.intp] | None = None
    """MoSCoW tier of each row when MoSCoW is a constraint (0 = must), else None."""


def build_simulation(
    table: InputTable, options: PriorityOptions
) -> tuple[Simulation, NDArray[np.intp], dict[str, tuple[str, ...]]]:
    """Choose the framework and the items it can score; name what the others are missing."""
    framework = make_framework(options, tuple(table.columns))
    n = len(table)
    ok = np.ones(n, dtype=bool)
    missing_by_input: dict[str, NDArray[np.bool_]] = {}
    for name in framework.required:
        column = table.columns.get(name)
        present = column.present if column is not None else np.zeros(n, dtype=bool)
        if not present.all():
            missing_by_input[name] = ~present
        ok &= present
    missing: dict[str, tuple[str, ...]] = {}
    if missing_by_input:
        for row in np.flatnonzero(~ok):
            missing[table.keys[row]] = tuple(
                "estimate" if name == "effort" else name
                for name, mask in missing_by_input.items()
                if mask[row]
            )
    scored_rows = np.flatnonzero(ok)
    sub = table.take(scored_rows) if not ok.all() else table
    default = PROFILE_CODES[options.cod_profile]
    profiles = sub.cod_profile or (None,) * len(sub)
    profile = np.array([PROFILE_CODES.get(p or "", default) for p in profiles], dtype=np.float64)
    sampler = Sampler(key_hashes(sub.keys), max(0, options.samples), options.seed)
    return Simulation(framework, sub, sampler, profile), np.flatnonzero(~ok), missing


def score_table(table: InputTable, options: PriorityOptions) -> ScoreArrays:
    """Score, simulate and rank: the array core behind :func:`prioritize`."""
    sim, unscored_rows, missing = build_simulation(table, options)
    score = sim.point_scores()
    with np.errstate(all="ignore"):
        value = np.asarray(sim.framework.value(sim.point_inputs(slice(None))), dtype=np.float64)[
            :, 0
        ]
    finite = np.isfinite(score)
    if not finite.all():
        sim, keep, unscored_rows = _set_aside(
            table, sim, ~finite, NOT_FINITE, missing, unscored_rows
        )
        score, value = score[keep], value[keep]
    scores: NDArray[np.float32] | None = None
    if sim.sampler.samples > 0 and sim.uncertain_inputs and len(sim.table) > 0:
        scores, expected, low, high = sim.simulate_with_summary()
        # A formula can be finite at the likely values and not somewhere within the ranges
        # (``log(effort - 2)`` with effort 1-8): such an item has no expected score either.
        sampled = np.asarray(np.isfinite(scores).all(axis=1), dtype=bool)
        if not sampled.all():
            sim, keep, unscored_rows = _set_aside(
                table, sim, ~sampled, NOT_FINITE_SAMPLED, missing, unscored_rows
            )
            score, value = score[keep], value[keep]
            scores, expected, low, high = scores[keep], expected[keep], low[keep], high[keep]
            if not keep.size:
                scores = None
    n = len(sim.table)
    k = min(options.top_k, n)
    tiers = None
    if options.moscow == "constraint" and sim.table.moscow:
        tiers = np.array([MOSCOW_TIER[m] for m in sim.table.moscow], dtype=np.intp)
    if scores is not None and n > 0:
        p_top, exp_rank = rank_statistics(scores, k, tiers)
    else:
        expected, low, high = score, score.copy(), score.copy()
        p_top, exp_rank = np.zeros(n), np.zeros(n)
    order = _order(sim.table, score, expected, tiers, options)
    if scores is None:
        exp_rank[order] = np.arange(1, n + 1)
        p_top[order[:k]] = 1.0
    return ScoreArrays(
        sim,
        score,
        value,
        expected,
        low,
        high,
        p_top,
        exp_rank,
        order,
        scores,
        unscored_rows,
        missing,
        k,
        tiers,
    )


def _set_aside(
    table: InputTable,
    sim: Simulation,
    bad: NDArray[np.bool_],
    reason: str,
    missing: dict[str, tuple[str, ...]],
    unscored_rows: NDArray[np.intp],
) -> tuple[Simulation, NDArray[np.intp], NDArray[np.intp]]:
    """The rows ``bad`` of ``sim`` listed as not scored for ``reason`` (in ``missing``, and
    among ``unscored_rows`` of ``table``); ``sim`` for the rest, which keep their draws as
    sampling is item-stable, and their rows."""
    for row in np.flatnonzero(bad):
        missing[sim.table.keys[row]] = (reason,)
    keep = np.flatnonzero(~bad)
    kept = Simulation(
        sim.framework,
        sim.table.take(keep),
        Sampler(sim.sampler.key_hash[keep], sim.sampler.samples, sim.sampler.seed),
        sim.profile[keep],
    )
    return kept, keep, np.concatenate([unscored_rows, _rows_in(table, sim.table, bad)])


def _rows_in(table: InputTable, sub: InputTable, mask: NDArray[np.bool_]) -> NDArray[np.intp]:
    wanted = {sub.keys[i] for i in np.flatnonzero(mask)}
    return np.array([i for i, key in enumerate(table.keys) if key in wanted], dtype=np.intp)


def _order(
    table: InputTable,
    score: FloatArray,
    expected: FloatArray,
    tiers: NDArray[np.intp] | None,
    options: PriorityOptions,
) -> NDArray[np.intp]:
    """Best first: MoSCoW tier (as a constraint), expected score, MoSCoW (as a tie-breaker),
    point score, then key, so equal scores always come out in the same order."""
    n = len(table)
    key_rank = np.argsort(np.argsort(np.array(table.keys, dtype=object), kind="stable"))
    columns: list[Any] = [key_rank, -score]
    if options.moscow != "ignore" and table.moscow:
        columns.append(np.array([MOSCOW_TIER[m] for m in table.moscow]))
    columns.append(-np.round(expected, 9))
    if tiers is not None:
        columns.append(tiers)
    return np.lexsort(columns) if n else np.zeros(0, dtype=np.intp)


def quadrant_thresholds(sim: Simulation, options: PriorityOptions) -> tuple[float, float]:
    value_threshold = (
        options.value_threshold
        if options.value_threshold is not None
        else sim.framework.default_value_threshold
    )
    effort_threshold = options.effort_threshold if options.effort_threshold is not None else 8.0
    return value_threshold, effort_threshold


def describe_missing(missing: tuple[str, ...]) -> str:
    if not missing:
        return ""
    if missing == (NOT_FINITE,):
        return (
            "the score is not a finite number (a division by zero, or the log or square "
            "root of a negative number?)"
        )
    if missing == (NOT_FINITE_SAMPLED,):
        return (
            "the score is not a finite number for some values within the inputs' ranges (a "
            "division by zero, or the log or square root of a negative number?)"
        )
    return "missing " + ", ".join(label(m) if m != "estimate" else "estimate" for m in missing)
