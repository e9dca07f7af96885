"""Monte Carlo over items x samples: sampling the inputs and summarising the scores.

Sampling is *item-stable*: the random numbers an item's input gets depend only on the seed,
the item's key, the input's name and the sample's index, never on which other items are in
the backlog or in which order. Adding an unrelated idea therefore never moves another item's
expected score or interval, and any subset of items (an explanation, a comparison, the value of
information) can be re-simulated and gets exactly the samples of the full run.

Uniforms come from a counter-based integer hash (murmur3's finaliser) quantised to a grid
of ``GRID`` equally likely levels, and are turned into values through inverse-CDF tables:
one row per PERT or triangular shape (the mode's position in the range, quantised to 1/64),
one for the uniform and one normal table for log-normal ranges. All of it is whole-matrix
NumPy arithmetic; there is no per-sample Python loop.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from roadwise.engines.prioritize.inputs import InputColumn

GRID_BITS = 12
GRID = 1 << GRID_BITS
SHAPES = 65  # positions of the mode within the range, 0/64 .. 64/64
EXACT_RANK_ITEMS = 2000  # above this, expected ranks come from the pooled distribution
_Z95 = 1.6448536269514722  # a log-normal range's low and high are its 5th and 95th percentile

U32 = NDArray[np.uint32]


def _fmix32(h: U32) -> U32:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


def key_hashes(keys: Sequence[str]) -> U32:
    """A stable 32-bit hash of each item key (Python's own hash is salted per process).

    Two keys with the same CRC-32 (about one pair in 100,000 items) would get the same random
    numbers; the later key (in key order) of such a pair is re-hashed with a counter instead.
    """
    hashes = np.fromiter((zlib.crc32(k.encode()) for k in keys), dtype=np.uint32, count=len(keys))
    if np.unique(hashes).size < hashes.size:
        seen: set[int] = set()
        for row in sorted(range(len(keys)), key=keys.__getitem__):
            h, attempt = int(hashes[row]), 0
            while h in seen:
                attempt += 1
                h = zlib.crc32(f"{keys[row]}\x00{attempt}".encode())
            seen.add(h)
            hashes[row] = h
    return hashes


def _stream(name: str, seed: int) -> np.uint32:
    folded = (seed ^ (seed >> 32)) * 0x9E3779B1 & 0xFFFFFFFF
    mixed = _fmix32(np.array([zlib.crc32(name.encode()) ^ folded], dtype=np.uint32))
    return np.uint32(mixed[0])


@lru_cache(maxsize=1)
def _tables() -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Inverse CDFs on the unit interval: PERT rows, triangular rows, the uniform row; and z.

    Built with NumPy alone (importing SciPy's special functions costs more than the whole
    ranking of a normal backlog): the PERT CDF is the running integral of its density on a
    fine grid, inverted by interpolation.
    """
    u = (np.arange(GRID) + 0.5) / GRID
    mode = np.linspace(0.0, 1.0, SHAPES)[:, None]
    # PERT: Beta(1 + 4m, 1 + 4(1 - m)); its density is bounded, so a fine grid integrates it
    # to well within the grid's own resolution.
    x = np.linspace(0.0, 1.0, 8193)[None, :]
    density = x ** (4 * mode) * (1 - x) ** (4 * (1 - mode))
    cdf = np.concatenate(
        [np.zeros((SHAPES, 1)), np.cumsum((density[:, 1:] + density[:, :-1]) / 2, axis=1)], axis=1
    )
    cdf /= cdf[:, -1:]
    pert = np.stack([np.interp(u, cdf[i], x[0]) for i in range(SHAPES)])
    tri = np.where(
        u[None, :] < mode, np.sqrt(u[None, :] * mode), 1 - np.sqrt((1 - u[None, :]) * (1 - mode))
    )
    table = np.concatenate([pert, tri, u[None, :]]).astype(np.float32)
    z = np.array([NormalDist().inv_cdf(p) for p in u], dtype=np.float32)
    return table, z


@dataclass(frozen=True)
class Sampler:
    """Draws item-stable samples of any input for any rows."""

    key_hash: U32
    samples: int
    seed: int

    def sample_hashes(self) -> U32:
        counter = np.arange(self.samples, dtype=np.uint32) * np.uint32(0x9E3779B9)
        return _fmix32(counter + np.uint32((self.seed ^ (self.seed >> 32)) & 0xFFFFFFFF))

    def levels(self, name: str, rows: slice | NDArray[np.intp]) -> U32:
        """Grid level (0..GRID-1) of every (row, sample) for one input."""
        item = _fmix32(self.key_hash[rows] ^ _stream(name, self.seed))
        h = item[:, None] ^ self.sample_hashes()[None, :]
        # murmur3's finaliser, in place: these matrices are the engine's hottest arrays.
        h ^= h >> np.uint32(16)
        h *= np.uint32(0x85EBCA6B)
        h ^= h >> np.uint32(13)
        h *= np.uint32(0xC2B2AE35)
        h ^= h >> np.uint32(16)
        h >>= np.uint32(32 - GRID_BITS)
        return h

    def draw(
        self, name: str, col: InputColumn, rows: slice | NDArray[np.intp]
    ) -> NDArray[np.float32]:
        """Samples of one input for ``rows``: an array (rows, samples), or (rows, 1) when
        none of these rows is uncertain."""
        low, likely, high, dist = col.low[rows], col.likely[rows], col.high[rows], col.dist[rows]
        span = high - low
        if not np.any(span > 0):
            return likely[:, None].astype(np.float32)
        table, z = _tables()
        level = self.levels(name, rows)
        safe = np.where(span > 0, span, 1.0)
        mode = np.rint((likely - low) / safe * (SHAPES - 1)).astype(np.uint32)
        row_of = np.where(dist == 1, SHAPES + mode, mode)
        row_of = np.where(dist == 2, 2 * SHAPES, row_of).astype(np.uint32)
        lognormal = (dist == 3) & (low > 0) & (span > 0)
        cell = level.copy() if lognormal.any() else level
        cell += (row_of * np.uint32(GRID))[:, None]
        out = table.ravel()[cell]
        out *= span.astype(np.float32)[:, None]
        out += low.astype(np.float32)[:, None]
        if lognormal.any():
            # A log-normal range: likely is the median, low and high the 5th and 95th
            # percentile. One log-normal can only honour all three when likely is the
            # geometric middle of low and high, so each side gets its own spread (a split
            # log-normal): the ends the user gave are the ends sampled.
            median = likely[lognormal, None]
            below = np.log(median / low[lognormal, None]) / _Z95
            above = np.log(high[lognormal, None] / median) / _Z95
            zs = z[level[lognormal]]
            out[lognormal] = median * np.exp(np.where(zs < 0, below, above) * zs)
        return out


# --------------------------------------------------------------------------- ranking statistics


def rank_statistics(
    scores: NDArray[np.float32], k: int, tiers: NDArray[np.intp] | None = None
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """P(in top k) and expected rank (1 = best) of every row of a (items, samples) matrix.

    With ``tiers`` (MoSCoW as a constraint), every item of a better tier ranks above every
    item of a worse one; within a tier the scores decide.
    """
    n = scores.shape[0]
    p_top = np.zeros(n)
    exp_rank = np.zeros(n)
    if tiers is None or np.all(tiers == tiers[0]):
        return _rank_within(scores, min(k, n))
    ahead = 0
    for tier in np.unique(tiers):
        rows = np.flatnonzero(tiers == tier)
        slots = max(0, min(k - ahead, rows.size))
        sub = scores[rows]
        p, r = _rank_within(sub, slots)
        p_top[rows] = p
        exp_rank[rows] = ahead + r
        ahead += rows.size
    return p_top, exp_rank


def _rank_within(
    scores: NDArray[np.float32], k: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    n = scores.shape[0]
    if k <= 0:
        p_top = np.zeros(n)
    elif k >= n:
        p_top = np.ones(n)
    else:
        p_top = _p_top_k(scores, k)
    if n <= EXACT_RANK_ITEMS:
        return p_top, _exact_expected_rank(scores)
    return p_top, _pooled_expected_rank(scores)


def _exact_expected_rank(scores: NDArray[np.float32]) -> NDArray[np.float64]:
    """The mean over simulated worlds of each item's rank (1 = best; tied items share the
    average of their places)."""
    n = scores.shape[0]
    worse_first = -np.ascontiguousarray(scores.T)  # (samples, items), best first once sorted
    order = np.argsort(worse_first, axis=1, kind="stable")
    ordered = np.take_along_axis(worse_first, order, axis=1)
    place = np.arange(n)
    starts = np.ones(ordered.shape, dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    ends = np.ones(ordered.shape, dtype=bool)
    ends[:, :-1] = starts[:, 1:]
    first = np.maximum.accumulate(np.where(starts, place, 0), axis=1)
    last = np.minimum.accumulate(np.where(ends, place, n - 1)[:, ::-1], axis=1)[:, ::-1]
    ranks = np.empty(ordered.shape)
    np.put_along_axis(ranks, order, (first + last) / 2 + 1, axis=1)
    return np.asarray(ranks.mean(axis=0), dtype=np.float64)


def _p_top_k(scores: NDArray[np.float32], k: int) -> NDArray[np.float64]:
    n = scores.shape[0]
    # In every simulated world the k-th best score is at least the k-th best of the items'
    # worst cases, so an item whose best case is below that never makes the top k: only the
    # few items near the top need the per-world partition.
    floor = np.partition(scores.min(axis=1), n - k)[n - k]
    candidates = np.flatnonzero(scores.max(axis=1) >= floor)
    p_top = np.zeros(n)
    p_top[candidates] = _p_top_k_among(scores[candidates], k)
    return p_top


def _p_top_k_among(scores: NDArray[np.float32], k: int) -> NDArray[np.float64]:
    n, s = scores.shape
    by_sample = np.ascontiguousarray(scores.T)  # (samples, items): each row one simulated world
    parted = np.partition(by_sample, n - k, axis=1)
    threshold = parted[:, n - k]
    if n == k or not np.any(parted[:, : n - k].max(axis=1) == threshold):
        # No ties at the boundary: exactly k items per world reach the k-th best score.
        return np.count_nonzero(scores >= threshold[None, :], axis=1) / s
    del parted
    above = by_sample > threshold[:, None]
    tied = by_sample == threshold[:, None]
    # Ties at the threshold share the remaining places, so the shares still add up to k.
    free = (k - above.sum(axis=1, keepdims=True)) / tied.sum(axis=1, keepdims=True)
    return np.asarray((above.sum(axis=0) + (tied * free).sum(axis=0)) / s, dtype=np.float64)


def interval(
    scores: NDArray[np.float32],
    point: NDArray[np.float64] | None = None,
    mean: NDArray[np.float64] | None = None,
    low: float = 0.05,
    high: float = 0.95,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Each row's interval holding ``high - low`` of its samples (the 90 % interval): from the
    ``low`` to the ``high`` quantile (nearest sample), slid to reach the row's ``point`` score
    where that lies beyond one end, and reaching its ``mean`` too.

    The point score is the score at every input's most likely value, and a most likely value
    often sits at an end of its range (a job of "1, maybe up to 3"). The point score is then
    the best (or the worst) case, and the central interval, which leaves out the samples at
    both ends, leaves out exactly the ones nearest it: a point score of 29.4 beside a 90 %
    interval of 16.0-28.9. So the same number of samples is taken as far towards the point
    score as it takes to reach it, and where no sample does (samples sit at the middle of
    each of the grid's levels, so none lands on a range's very end), the interval ends at the
    point score itself. It still holds as many samples as the central one, and both numbers
    shown beside it lie within it.

    NumPy's vectorised sort beats a two-point partition on rows this short.
    """
    s = scores.shape[1]
    lo, hi = round(low * (s - 1)), round(high * (s - 1))
    ordered = np.sort(scores, axis=1)
    if point is None:
        low_end, high_end = ordered[:, lo].astype(np.float64), ordered[:, hi].astype(np.float64)
    else:
        p = np.asarray(point, dtype=np.float64)
        width = hi - lo
        start = np.full(p.shape, lo, dtype=np.intp)
        # Up: the first window whose last sample is at or above the point (the top one if
        # none is); down: the last window whose first sample is at or below it. Only the
        # rows that need it are searched.
        up = np.flatnonzero(ordered[:, hi] < p)
        if up.size:
            first_at_or_above = np.count_nonzero(ordered[up] < p[up, None], axis=1)
            start[up] = np.minimum(first_at_or_above - width, s - 1 - width)
        down = np.flatnonzero(ordered[:, lo] > p)
        if down.size:
            last_at_or_below = np.count_nonzero(ordered[down] <= p[down, None], axis=1) - 1
            start[down] = np.maximum(last_at_or_below, 0)
        rows = np.arange(p.size)
        low_end = np.minimum(ordered[rows, start].astype(np.float64), p)
        high_end = np.maximum(ordered[rows, start + width].astype(np.float64), p)
    if mean is not None:
        # The expected score is shown beside the interval too. Only a far tail on the side
        # the window left behind could put it outside; widening to it holds more samples,
        # never fewer, so the interval stays honest.
        low_end = np.minimum(low_end, mean)
        high_end = np.maximum(high_end, mean)
    return low_end, high_end


def _pooled_expected_rank(scores: NDArray[np.float32], bins: int = 1 << 16) -> NDArray[np.float64]:
    """Expected rank from the pooled score distribution, for large backlogs.

    Items are sampled independently, so E[rank_i] = 1 + sum over j != i of P(X_j > X_i), and
    the sum can use every sample of every other item, not just those of the same world:
    a histogram of all scores (on a square-root scale, so wide-ranging scores keep resolution
    where most of them are) gives how many items beat a value, with half of the value's own
    bin counted.
    """
    n, s = scores.shape
    lowest = np.float32(scores.min())
    top = float(np.sqrt(np.float32(scores.max()) - lowest))
    if top <= 0:
        return np.full(n, (n + 1) / 2)
    scale = np.float32((bins - 1) / top)
    block = max(1, (1 << 18) // s)  # rows per pass, so each pass stays in the cache

    def bin_of(rows: NDArray[np.float32]) -> NDArray[np.intp]:
        z = rows - lowest
        np.sqrt(z, out=z)
        z *= scale
        return z.astype(np.intp)

    counts = np.zeros(bins)
    for start in range(0, n, block):
        counts += np.bincount(bin_of(scores[start : start + block]).ravel(), minlength=bins)
    above = np.cumsum(counts[::-1])[::-1] - counts  # samples in strictly higher bins
    beaten_by = (above + 0.5 * counts) / s  # expected number of items scoring higher
    # Each item's own samples sit in that histogram too; remove them (half of a tie with itself).
    own = 0.5
    ranks = np.empty(n)
    for start in range(0, n, block):
        index = bin_of(scores[start : start + block])
        ranks[start : start + block] = 1 + beaten_by[index].mean(axis=1) - own
    return ranks
