"""Value of information: which estimate is worth refining before deciding.

The decision is the top-k set, chosen by expected score. Learning one input of one item
exactly changes that item's expected score to its conditional expectation given the input;
if that moves the item across the top-k boundary, the decision changes and the gain is how
far past the boundary it lands. Averaging the gain over what the input might turn out to be
is the expected value of perfect information (EVPI) about that input, in score points.

Conditional expectations come from the item's own samples, sorted by the input's sampled
value and averaged within equally likely bins. Because sampling is item-stable, the samples
re-drawn here for the candidate items are exactly those of the full run.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from roadwise.engines.prioritize.engine import ScoreArrays
from roadwise.engines.prioritize.results import InformationValue

BINS = 10
MAX_CANDIDATES = 200


def information_value(arrays: ScoreArrays, limit: int = 20) -> tuple[InformationValue, ...]:
    sim = arrays.simulation
    n = len(sim.table)
    k = arrays.top_k
    if arrays.scores is None or k >= n or k == 0 or sim.sampler.samples < BINS:
        return ()
    order = arrays.order
    weakest_in = float(arrays.expected[order[k - 1]])
    strongest_out = float(arrays.expected[order[k]])
    inside = np.zeros(n, dtype=bool)
    inside[order[:k]] = True
    # Only items whose own samples straddle the boundary can be moved across it.
    straddles = (arrays.high >= min(weakest_in, strongest_out)) & (
        arrays.low <= max(weakest_in, strongest_out)
    )
    if arrays.tiers is not None:
        # With MoSCoW as a constraint only the tier at the boundary is still open to change.
        straddles &= (arrays.p_top_k > 0) & (arrays.p_top_k < 1)
    candidates = np.flatnonzero(straddles)
    if candidates.size > MAX_CANDIDATES:
        closeness = np.abs(arrays.expected[candidates] - 0.5 * (weakest_in + strongest_out))
        # kept in row order: the rows of each input are found in it by binary search below
        candidates = np.sort(candidates[np.argsort(closeness, kind="stable")[:MAX_CANDIDATES]])
    if candidates.size == 0:
        return ()
    scores = arrays.scores[candidates].astype(np.float64)
    s = scores.shape[1]
    edges = (np.arange(BINS + 1) * s) // BINS
    found: list[InformationValue] = []
    for name in sim.uncertain_inputs:
        column = sim.table.columns[name]
        rows = candidates[column.uncertain[candidates]]
        if rows.size == 0:
            continue
        pick = np.searchsorted(candidates, rows)
        drawn = np.broadcast_to(sim.sampler.draw(name, column, rows), (rows.size, s))
        by_input = np.take_along_axis(
            scores[pick], np.argsort(drawn, axis=1, kind="stable"), axis=1
        )
        cumulative = np.concatenate([np.zeros((rows.size, 1)), np.cumsum(by_input, axis=1)], axis=1)
        conditional = (cumulative[:, edges[1:]] - cumulative[:, edges[:-1]]) / np.diff(edges)
        gain = _gain(conditional, inside[rows], weakest_in, strongest_out)
        evpi = gain.mean(axis=1)
        p_change = (gain > 0).mean(axis=1)
        for i, row in enumerate(rows):
            if evpi[i] > 0:
                found.append(
                    InformationValue(
                        item=sim.table.keys[row],
                        input=name,
                        evpi=float(evpi[i]),
                        p_change=float(p_change[i]),
                        low=float(column.low[row]),
                        likely=float(column.likely[row]),
                        high=float(column.high[row]),
                    )
                )
    found.sort(key=lambda v: (-v.evpi, v.item, v.input))
    return tuple(found[:limit])


def _gain(
    conditional: NDArray[np.float64],
    inside: NDArray[np.bool_],
    weakest_in: float,
    strongest_out: float,
) -> NDArray[np.float64]:
    # An item in the top k is swapped out if it turns out worse than the best item left out;
    # an item outside is swapped in if it turns out better than the weakest item inside.
    drop = np.maximum(strongest_out - conditional, 0.0)
    join = np.maximum(conditional - weakest_in, 0.0)
    return np.where(inside[:, None], drop, join)
