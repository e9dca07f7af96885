"""Explanations: why an item scores what it does, why one item ranks above another, and
which inputs move a score most (the data of a tornado chart)."""

from __future__ import annotations

from typing import Any

import numpy as np

from roadwise.engines.prioritize.engine import Simulation
from roadwise.engines.prioritize.frameworks import _fmt
from roadwise.engines.prioritize.inputs import label
from roadwise.engines.prioritize.results import Comparison, PriorityResult, TornadoBar
from roadwise.errors import RoadwiseError


def _simulation(result: PriorityResult) -> Simulation:
    if not isinstance(result.engine, Simulation):
        raise RoadwiseError("this result carries no inputs to explain")
    return result.engine


def _row(sim: Simulation, key: str) -> int:
    if key not in sim.table.keys:
        raise RoadwiseError(
            f"item '{key}' is not among the ranked items (is it open, a leaf, "
            "and does it have every input the framework needs?)",
            field="item",
        )
    return sim.table.keys.index(key)


def tornado(result: PriorityResult, key: str) -> tuple[TornadoBar, ...]:
    """For each input of the item, its score with that input at its low and at its high
    value (the others at their most likely), largest swing first."""
    sim = _simulation(result)
    row = _row(sim, key)
    base = sim.point_inputs(np.array([row]))
    bars: list[TornadoBar] = []
    for name in sim.framework.inputs:
        column = sim.table.columns.get(name)
        if column is None or not column.present[row]:
            continue
        low, high = float(column.low[row]), float(column.high[row])
        if high <= low:
            continue
        at = []
        for v in (low, high):
            x = dict(base)
            x[name] = np.array([[v]])
            with np.errstate(all="ignore"):
                at.append(float(np.asarray(sim.framework.score(x)).ravel()[0]))
        bars.append(TornadoBar(name, label(name), low, high, at[0], at[1]))
    bars.sort(key=lambda b: (-b.swing, b.input))
    return tuple(bars)


def _direction(name: str, a: float, b: float) -> str:
    if name == "effort":
        return "larger" if a > b else "smaller"
    if name == "weeks_to_deadline":
        return "further off" if a > b else "sooner"
    return "higher" if a > b else "lower"


def _value(name: str, v: float) -> str:
    return f"{v:.0%}" if name in ("technical_risk", "confidence") else _fmt(v)


def compare(result: PriorityResult, first: str, second: str) -> Comparison:
    """Why the higher-ranked of two items is above the other, in one sentence.

    Items are ranked by expected score, so the gap explained is the gap in expected score
    (the point score when nothing is uncertain). Each input's share of it is what the higher
    item would lose if it had the other item's value for that input, one input at a time;
    with uncertain inputs the swap uses the other item's samples of that input. The samples
    are the same as in the full ranking (sampling is item-stable).
    """
    sim = _simulation(result)
    rows = np.array([_row(sim, first), _row(sim, second)])
    simulated = sim.sampler.samples > 0 and bool(sim.uncertain_inputs)
    x_all = sim.sampled_inputs(rows) if simulated else sim.point_inputs(rows)
    likely = sim.point_inputs(rows)

    def expected(x: dict[str, Any]) -> float:
        with np.errstate(all="ignore"):
            return float(np.mean(sim.framework.score(x)))

    with np.errstate(all="ignore"):
        both = np.broadcast_to(sim.framework.score(x_all), (2, sim.sampler.samples or 1))
    p_first = float(np.mean(both[0] > both[1]) + 0.5 * np.mean(both[0] == both[1]))
    ranked = {r.key: r.rank for r in result.items}
    first_above = ranked[first] < ranked[second]
    hi, lo = (0, 1) if first_above else (1, 0)
    p_above = p_first if first_above else 1.0 - p_first
    hi_x = {k: v[hi : hi + 1] for k, v in x_all.items()}
    lo_x = {k: v[lo : lo + 1] for k, v in x_all.items()}
    base, other = expected(hi_x), expected(lo_x)
    effects: list[tuple[str, float, float, float]] = []
    for name in sim.framework.inputs:
        if name not in hi_x:
            continue
        a, b = float(likely[name][hi, 0]), float(likely[name][lo, 0])
        if a != a and b != b:
            continue
        if a == b and not simulated:
            continue
        swapped = dict(hi_x)
        swapped[name] = lo_x[name]
        effect = base - expected(swapped)
        if abs(effect) > 1e-12 * max(1.0, abs(base)):
            effects.append((name, a, b, effect))
    effects.sort(key=lambda e: (-abs(e[3]), e[0]))
    keys = (first, second) if first_above else (second, first)
    sentence = _sentence(result, keys, (base, other), effects, p_above, simulated)
    return Comparison(keys[0], keys[1], base, other, p_above, tuple(effects), sentence)


def _sentence(
    result: PriorityResult,
    keys: tuple[str, str],
    scores: tuple[float, float],
    effects: list[tuple[str, float, float, float]],
    p_above: float,
    simulated: bool = False,
) -> str:
    a, b = keys
    fw = result.framework_label
    what = f"expected {fw}" if simulated else fw
    head = f"{a} ({what} {_fmt(scores[0])}) ranks above {b} ({_fmt(scores[1])})"
    helping = [e for e in effects if e[3] > 0]
    hurting = [e for e in effects if e[3] < 0]
    if not helping:
        reason = " although no single input favours it"
    else:
        name, va, vb, _ = helping[0]
        reason = (
            f" mainly because of the range of its {label(name)} ({_value(name, va)} most likely "
            "for both)"
            if va == vb
            else None
        ) or (
            f" mainly because its {label(name)} is {_direction(name, va, vb)} "
            f"({_value(name, va)} vs {_value(name, vb)})"
        )
        if hurting:
            name2, va2, vb2, _ = hurting[0]
            reason += (
                f", which outweighs {b}'s {_direction(name2, vb2, va2)} "
                f"{label(name2)} ({_value(name2, vb2)} vs {_value(name2, va2)})"
            )
    if abs(p_above - 0.5) <= result_margin(result):
        odds = f"; with the estimates' uncertainty the order is a coin flip ({p_above:.0%})"
    elif p_above < 1.0:
        odds = f"; it stays ahead in {p_above:.0%} of simulations"
    else:
        odds = ""
    return head + reason + odds + "."


def result_margin(result: PriorityResult) -> float:
    sim = result.engine
    if isinstance(sim, Simulation):
        return float(sim.framework.options.coin_flip_margin)
    return 0.1
