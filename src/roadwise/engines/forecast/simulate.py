"""The Monte Carlo core: whole trial matrices of future weekly throughput, no per-trial loop.

A trial is one possible future: a sequence of weeks, each with a throughput drawn from the
team's own past. Three choices keep the spread honest:

* **Blocks of weeks** are resampled, not single weeks. A team's good and bad weeks come in runs
  (holidays, incidents, a release crunch); drawing weeks one at a time averages those runs away
  and makes the forecast look surer than it is.
* **Mixed windows**: each trial draws its history from the last 12, 26, 52 or 156 weeks, each
  cut to the history given (the delivery forecast behind every view reads at most 104 weeks,
  so its longest window is all of those). Recent weeks say most about the team now; longer
  ones remember that teams pause and change speed.
* **Pauses kept whole**: two or more quiet weeks in a row are drawn as one piece, with their real
  length and as often as they happened. Cut into blocks, a three-month pause becomes a few
  scattered quiet weeks, and a team that sometimes stops for a quarter looks steadier than it is.

Weeks in a simulation are seven-day periods counted from the forecast's start date (not calendar
weeks), so a forecast made on a Thursday does not lose or gain half a week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
#: Trial matrices may be single precision (see :func:`simulate_weeks`).
AnyFloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.int64]

DEFAULT_WINDOWS: tuple[int, ...] = (12, 26, 52, 156)
DEFAULT_BLOCK = 4
MAX_WEEKS = 520  # ten years: a forecast that does not finish by then is "not in sight"


@dataclass(frozen=True)
class Sampling:
    """How a trial draws its future weeks from the past."""

    #: Fixed window of the last K weeks; None mixes :attr:`windows`.
    window: int | None = None
    windows: tuple[int, ...] = DEFAULT_WINDOWS
    block: int = DEFAULT_BLOCK
    #: Keep pauses whole: a run of at least :data:`PAUSE_WEEKS` quiet weeks is drawn as one
    #: piece (as often as pauses occurred), never cut into blocks and scattered. On by default:
    #: checked by leave-one-project-out cross-validation (docs/benchmarks.md).
    pauses: bool = True


#: A pause is at least this many weeks in a row with nothing finished. A single quiet week is
#: ordinary noise, and the blocks already keep it.
PAUSE_WEEKS = 2


TEXTBOOK = Sampling(window=12, block=1, pauses=False)
"""The common practice: the last 12 weeks, resampled one week at a time."""


def weekly_counts(
    done_days: FloatArray, end: float, weeks: int, sizes: FloatArray | None = None
) -> FloatArray:
    """Work finished in each of the ``weeks`` seven-day periods before ``end`` (oldest first).

    ``done_days`` are finish times in days (any epoch); ``sizes`` weights each finish (points).
    """
    age = end - done_days
    mask = (age > 0) & (age <= 7 * weeks)
    idx = weeks - 1 - np.floor((age[mask] - 1e-9) / 7.0).astype(np.int64)
    idx = np.clip(idx, 0, weeks - 1)
    w = None if sizes is None else sizes[mask]
    return np.bincount(idx, weights=w, minlength=weeks).astype(np.float64)


def _window_lengths(
    history: AnyFloatArray, trials: int, sampling: Sampling, rng: np.random.Generator
) -> IntArray:
    n = history.size
    if sampling.window is not None:
        lengths = np.full(trials, min(sampling.window, n), dtype=np.int64)
    else:
        choices = np.unique(np.minimum(np.array(sampling.windows, dtype=np.int64), n))
        lengths = rng.choice(choices, size=trials)
    # A window with no finished work would never finish anything: fall back to all history.
    tail_sums = np.concatenate([[0.0], np.cumsum(history[::-1])])
    empty = tail_sums[lengths] <= 0
    lengths[empty] = n
    return lengths


def sample_weeks(
    history: AnyFloatArray,
    trials: int,
    weeks: int,
    rng: np.random.Generator,
    sampling: Sampling = Sampling(),
    lengths: IntArray | None = None,
) -> AnyFloatArray:
    """A (trials x weeks) matrix of future weekly throughput resampled in blocks from history."""
    n = history.size
    if n == 0:
        return np.zeros((trials, weeks))
    if lengths is None:
        lengths = _window_lengths(history, trials, sampling, rng)
    block = max(1, sampling.block)
    # Without a pause in any window the plain blocks are the same thing (and draw the same
    # random numbers, so a history without pauses gets exactly the same forecast).
    if sampling.pauses and any(pause_runs(history[n - c :])[1].size for c in np.unique(lengths)):
        out_p = np.empty((trials, weeks), dtype=history.dtype)
        for length in np.unique(lengths):  # a handful of window lengths, not trials
            rows = np.flatnonzero(lengths == length)
            out_p[rows] = _sample_with_pauses(history[n - length :], rows.size, weeks, rng, block)
        return out_p
    n_blocks = -(-weeks // block)
    # Every block a trial can draw is one of (window length x start week): few enough to
    # tabulate once, so the trial matrix is a single gather of whole blocks (cheaper than
    # computing an index for every trial-week).
    choices = np.unique(lengths)
    longest = int(choices.max())
    table = np.zeros((choices.size, longest, block), dtype=history.dtype)
    for c, length in enumerate(choices):  # a handful of window lengths, not trials
        offsets = (np.arange(length)[:, None] + np.arange(block)) % length
        table[c, :length] = history[n - length + offsets]
    which = np.searchsorted(choices, lengths).astype(np.int64)
    span = lengths[:, None].astype(np.float32)
    starts = (rng.random((trials, n_blocks), dtype=np.float32) * span).astype(np.int64)
    np.minimum(starts, lengths[:, None] - 1, out=starts)
    codes = starts + (which * longest)[:, None]
    out = table.reshape(-1, block)[codes].reshape(trials, n_blocks * block)
    return out[:, :weeks]


def pause_runs(history: AnyFloatArray) -> tuple[IntArray, IntArray]:
    """Start and length of every pause (at least PAUSE_WEEKS quiet weeks in a row)."""
    quiet = np.concatenate([[False], history <= 0, [False]])
    edges = np.flatnonzero(np.diff(quiet.astype(np.int8)))
    starts, ends = edges[0::2], edges[1::2]
    keep = (ends - starts) >= PAUSE_WEEKS
    return starts[keep].astype(np.int64), (ends - starts)[keep].astype(np.int64)


def _sample_with_pauses(
    history: AnyFloatArray, trials: int, weeks: int, rng: np.random.Generator, block: int
) -> AnyFloatArray:
    """Trials of ``weeks`` weeks built from whole pauses and blocks of the active weeks.

    Each piece is either one of the pauses, whole, or a block of ``block`` weeks from the
    active weeks (the history with its pauses taken out, read circularly). A pause is drawn
    with weight 1 and each active start with weight 1 / block, so on average the simulated
    weeks are quiet as often as the real ones were, and each pause keeps its real length.
    """
    starts, lens = pause_runs(history)
    if lens.size == 0:
        plain = Sampling(window=history.size, block=block, pauses=False)
        return sample_weeks(history, trials, weeks, rng, plain)
    in_pause = np.zeros(history.size, dtype=bool)
    for s0, ln in zip(starts, lens, strict=True):  # the team's pauses, not trials
        in_pause[s0 : s0 + ln] = True
    active = history[~in_pause]
    if active.size == 0:
        return np.zeros((trials, weeks), dtype=history.dtype)
    p_pause = lens.size / (lens.size + active.size / block)
    # Every piece is at least PAUSE_WEEKS long, so this many pieces always cover the weeks.
    pieces = -(-weeks // min(PAUSE_WEEKS, block)) + 1
    is_pause = rng.random((trials, pieces)) < p_pause
    which = rng.integers(0, lens.size, (trials, pieces))
    piece_len = np.where(is_pause, lens[which], block)
    ends = np.minimum(np.cumsum(piece_len, axis=1), weeks)
    used = np.diff(ends, axis=1, prepend=0).ravel()
    first_week = ends.ravel() - used  # where each piece begins in its trial
    flat = np.repeat(np.arange(trials * pieces), used)  # trials * weeks entries, in order
    offset = np.arange(flat.size) % weeks - first_week[flat]
    start = rng.integers(0, active.size, trials * pieces)
    values = active[(start[flat] + offset) % active.size]
    values = np.where(is_pause.ravel()[flat], 0, values)
    return values.reshape(trials, weeks).astype(history.dtype, copy=False)


def weeks_to_reach(
    weekly: AnyFloatArray, target: FloatArray, arrivals: FloatArray | None = None
) -> FloatArray:
    """Fractional weeks until cumulative throughput reaches ``target`` (per trial; inf if never).

    ``arrivals`` (same shape as ``weekly``) adds new work to the target as weeks pass.
    """
    cum = np.cumsum(weekly, axis=1)
    rows = np.arange(weekly.shape[0])
    if arrivals is None:
        goal_k = target
        # Cumulative throughput only grows, so the weeks before the goal is reached are
        # simply the weeks still short of it.
        # The threshold in the matrix's own precision: comparing float32 with float64 would
        # convert the whole matrix.
        thresh = (target - 1e-6 * np.maximum(np.abs(target), 1.0)).astype(cum.dtype)
        k = np.count_nonzero(cum < thresh[:, None], axis=1)
    else:
        goal = target[:, None] + np.cumsum(arrivals, axis=1)
        k = np.argmax(cum >= goal - 1e-9, axis=1)
        never = ~(cum >= goal - 1e-9).any(axis=1)
        k = np.where(never, weekly.shape[1], k)
        goal_k = goal[rows, np.minimum(k, weekly.shape[1] - 1)]
    any_reached = k < weekly.shape[1]
    kk = np.minimum(k, weekly.shape[1] - 1)
    before = np.where(kk > 0, cum[rows, np.maximum(kk - 1, 0)], 0.0)
    this_week = weekly[rows, kk]
    safe = np.where(this_week > 0, this_week, 1.0)
    frac = np.where(this_week > 0, (goal_k - before) / safe, 1.0)
    out = kk + np.clip(frac, 0.0, 1.0)
    return np.asarray(np.where(any_reached, out, np.inf), dtype=np.float64)


def simulate_weeks(
    history: FloatArray,
    target: float | FloatArray,
    trials: int,
    rng: np.random.Generator,
    sampling: Sampling = Sampling(),
    capacity: FloatArray | None = None,
    growth_per_week: float = 0.0,
    max_weeks: int = MAX_WEEKS,
) -> FloatArray:
    """Weeks until ``target`` work is done, one value per trial (inf when beyond ``max_weeks``).

    ``capacity`` scales each future week (working days that week ÷ a normal week's); weeks past
    its end count as normal. ``growth_per_week`` adds Poisson-distributed new work each week.
    """
    targets = np.broadcast_to(np.asarray(target, dtype=np.float64), (trials,)).copy()
    result = np.full(trials, np.inf)
    if history.size == 0 or history.sum() <= 0:
        return result
    mean_rate = float(history[-min(history.size, 26) :].mean()) or float(history.mean())
    net_rate = max(mean_rate - growth_per_week, mean_rate * 0.1)
    horizon = int(min(max_weeks, max(8, np.ceil(float(targets.max()) / net_rate * 1.25) + 4)))
    lengths = _window_lengths(history, trials, sampling, rng)
    history32 = history.astype(np.float32)
    pending = np.arange(trials)
    done_weeks = 0
    carried = np.zeros(trials)
    while pending.size and done_weeks < max_weeks:
        span = min(horizon, max_weeks - done_weeks)
        # Single precision halves the memory traffic of the big matrix; weekly counts and
        # points are small numbers, exact in float32.
        weekly = sample_weeks(history32, pending.size, span, rng, sampling, lengths[pending])
        if capacity is not None:
            factor = np.ones(span)
            part = capacity[done_weeks : done_weeks + span]
            factor[: part.size] = part
            weekly = weekly * factor
        arrivals = (
            rng.poisson(growth_per_week, weekly.shape).astype(np.float64)
            if growth_per_week > 0
            else None
        )
        need = targets[pending] - carried[pending]
        weeks = weeks_to_reach(weekly, need, arrivals)
        finished = np.isfinite(weeks)
        result[pending[finished]] = done_weeks + weeks[finished]
        # Unfinished trials carry their progress into the next chunk of weeks.
        progress = weekly.sum(axis=1) - (arrivals.sum(axis=1) if arrivals is not None else 0.0)
        carried[pending[~finished]] += progress[~finished]
        pending = pending[~finished]
        done_weeks += span
        horizon = span
    return result


def how_many(
    history: FloatArray,
    weeks: float,
    trials: int,
    rng: np.random.Generator,
    sampling: Sampling = Sampling(),
    capacity: FloatArray | None = None,
) -> FloatArray:
    """Work finished within ``weeks`` (fractional), one value per trial."""
    whole = int(np.ceil(weeks))
    if whole <= 0 or history.size == 0:
        return np.zeros(trials)
    weekly = sample_weeks(history, trials, whole, rng, sampling)
    if capacity is not None:
        factor = np.ones(whole)
        part = capacity[:whole]
        factor[: part.size] = part
        weekly = weekly * factor
    weekly[:, -1] *= weeks - (whole - 1)
    return np.asarray(weekly.sum(axis=1))


def quantiles(values: FloatArray, levels: Sequence[float]) -> FloatArray:
    """Percentiles of trial outcomes; trials that never finish (inf) count as the latest."""
    # inverted_cdf picks an actual trial value, so an inf never gets interpolated into a nan.
    return np.asarray(np.quantile(values, np.asarray(levels), method="inverted_cdf"), dtype=float)
